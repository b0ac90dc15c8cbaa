//! State digests: what lets exhaustive DFS stop at a state it has already explored.
//!
//! Sleep sets (see `sleep_sets`) explore every class of schedules that differ only in the
//! order of independent steps once. Classes still multiply across a program's phases: a hub
//! where 34 clients connect one per millisecond has a few classes per connect (the hub parked
//! on `register` before the send, or the send buffered before the hub looked), and they
//! multiply. Most of them end the phase in the *same state*. Stateful DFS notices that: before
//! every scheduling decision and at every quiescent point (every task parked, the clock about
//! to move) the sim digests the whole state, and a run that reaches a digest already explored
//! stops there, since everything that can follow was explored from the first visit. With
//! sleep sets, a revisit stops only if the first visit's sleep set (what it did not explore)
//! is contained in its own (Godefroid's condition); otherwise it explores again and the entry
//! keeps the intersection. At quiescent points the sleep set is empty (the clock moving wakes
//! every sleeper). A state reached again within one run (a cycle) makes the search not a
//! proof.
//!
//! # What the digest covers, and why that is the whole state
//!
//! A state is the clock, the timers, every shared object's content and every live task's
//! local state. A task's local state is opaque (a Rust future), so the digest uses its
//! *history*: a hash of everything the task's code has observed, in order. Tasks are
//! deterministic, so equal histories mean equal local states, provided every input reaches
//! the history. Inputs reach it through exactly these doors, each folding what was seen:
//!
//! - a lock of model state (`sync::Mutex`, `ObjectKind::Chained`; a `go::Mutex`'s data):
//!   the object's content history. Every writing lock extends that history with the writer's
//!   own history (the content after a critical section is a function of the content before
//!   and the writer's local state). State that is `Hash` (`sync::HashedMutex`: presence,
//!   a connection's close time, a wait group) is digested by its content instead, so equal
//!   content left by different writers merges.
//! - a channel operation's result (`rt::observe`): which select case fired, closed or not,
//!   and for a received value its *provenance*, the sender's history when it sent (the value
//!   is a function of the sender's local state then). A channel's content is summarized by
//!   the channel itself: buffered values' provenances, closed, and its parked senders and
//!   receivers in queue order (`ObjectKind::Summarized`). A channel declared receiver-less
//!   (`Chan::no_more_receivers`: the hub's run loop returned) counts its buffered values
//!   instead: nobody can observe them again, and receiving from it panics.
//! - the clock when the code reads it (`rt::now`), a choice (`rt::choose`), a spawn (the
//!   child's history starts from its parent's), a timer made.
//!
//! What the task's code does not observe is left out on purpose: a receive that parked
//! before its value came and one that found the value waiting end in the same local state,
//! and that is where the merging comes from. A parked operation's own bookkeeping (its queue
//! entries, a sleep's deadline) is covered by the channels' summaries and the timer list.
//!
//! Before a decision, the set of runnable tasks is part of the state too (a woken task has not
//! yet looked at what woke it).
//!
//! A digest is `None` (the run is not cached) when something escapes this accounting: a lock
//! of an object the engine did not create, or two objects or tasks with one identity.
//!
//! # Limits
//!
//! A digest is 128 bits; a collision could merge two different states (odds about 2^-100 for
//! a million states). Step counts are not part of the state: a stopped run stands for a run
//! as long as its steps so far plus the longest continuation explored from that state, and
//! the search counts as a proof only if even those stay under `max_steps`.

use crate::rt::digest::{mix, tagged, Tag};
use crate::rt::ObjectKind;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
struct Tracked {
    /// Identity: from the creator's history, so independent of creation order across tasks.
    seed: u128,
    /// Content: a `Chained` object's history, or a `Summarized` object's own summary.
    content: u128,
    chained: bool,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    /// Not created by this engine (or id 0): locking it makes the run undigestable.
    Unknown,
    Internal,
    Tracked(Tracked),
    /// Dropped; its identity stays known for the steps that touched it (`accesses`).
    Dropped {
        seed: u128,
    },
}

/// One run's digest bookkeeping.
pub(crate) struct Digests {
    /// Per task (by index): its identity and its history.
    pub identity: Vec<u128>,
    pub history: Vec<u128>,
    objects: Vec<Slot>,
    /// While a timer's callback runs: its identity and the time (the callback's "history").
    pub firing: Option<u128>,
    /// The history of the code that builds the program before any task runs.
    setup: u128,
    /// Something escaped the accounting; no digest for this run.
    opaque: bool,
    /// Sums (wrapping) of the live tasks' and tracked objects' entries: sets digested in
    /// any order, kept up to date as they change instead of sorted at every quiescent point.
    tasks_sum: u128,
    objects_sum: u128,
    timers_sum: u128,
    live: Vec<bool>,
}

const SETUP: u128 = 0x5e70_u128;

impl Default for Digests {
    fn default() -> Self {
        Digests {
            identity: Vec::new(),
            history: Vec::new(),
            objects: vec![Slot::Unknown],
            firing: None,
            setup: SETUP,
            opaque: false,
            tasks_sum: 0,
            objects_sum: 0,
            timers_sum: 0,
            live: Vec::new(),
        }
    }
}

impl Digests {
    /// The history of whoever runs now: the task, the firing timer, or the program's setup.
    pub fn actor(&mut self, current: Option<usize>) -> &mut u128 {
        match (current, &mut self.firing) {
            (Some(task), _) => &mut self.history[task],
            (None, Some(firing)) => firing,
            (None, None) => &mut self.setup,
        }
    }

    pub fn actor_identity(&self, current: Option<usize>) -> u128 {
        match (current, self.firing) {
            (Some(task), _) => self.identity[task],
            (None, Some(firing)) => firing,
            (None, None) => SETUP,
        }
    }

    pub fn observe(&mut self, current: Option<usize>, what: u128) {
        let before = self.task_entry(current);
        let h = self.actor(current);
        *h = mix(*h, what);
        if let (Some(before), Some(after)) = (before, self.task_entry(current)) {
            self.tasks_sum = self.tasks_sum.wrapping_sub(before).wrapping_add(after);
        }
    }

    /// A live task's entry in `tasks_sum`.
    fn task_entry(&self, current: Option<usize>) -> Option<u128> {
        let task = current.filter(|&t| self.live[t])?;
        Some(entry(Tag::Task, self.identity[task], self.history[task]))
    }

    pub fn spawned(&mut self, identity: u128) {
        self.identity.push(identity);
        self.history.push(identity);
        self.live.push(true);
        let task = Some(self.live.len() - 1);
        self.tasks_sum = self
            .tasks_sum
            .wrapping_add(self.task_entry(task).expect("live"));
    }

    /// A timer armed (or re-armed) for `deadline`.
    pub fn timer_set(&mut self, deadline: Duration, identity: u128) {
        let e = entry(Tag::Timer, identity, deadline.as_nanos());
        self.timers_sum = self.timers_sum.wrapping_add(e);
    }

    /// A timer fired or was cancelled.
    pub fn timer_gone(&mut self, deadline: Duration, identity: u128) {
        let e = entry(Tag::Timer, identity, deadline.as_nanos());
        self.timers_sum = self.timers_sum.wrapping_sub(e);
    }

    pub fn finished(&mut self, task: usize) {
        if let Some(e) = self.task_entry(Some(task)) {
            self.tasks_sum = self.tasks_sum.wrapping_sub(e);
            self.live[task] = false;
        }
    }

    /// Replace object `id`'s entry in `objects_sum` (`None`: not tracked).
    fn set_object(&mut self, id: usize, slot: Slot) {
        if let Slot::Tracked(t) = self.objects[id] {
            self.objects_sum = self
                .objects_sum
                .wrapping_sub(entry(Tag::Object, t.seed, t.content));
        }
        if let Slot::Tracked(t) = slot {
            self.objects_sum = self
                .objects_sum
                .wrapping_add(entry(Tag::Object, t.seed, t.content));
        }
        self.objects[id] = slot;
    }

    pub fn create(&mut self, id: u64, kind: ObjectKind, current: Option<usize>) {
        let id = id as usize;
        if self.objects.len() <= id {
            self.objects.resize(id + 1, Slot::Unknown);
        }
        let slot = match kind {
            ObjectKind::Internal => Slot::Internal,
            ObjectKind::Chained | ObjectKind::Summarized => {
                let seed = mix(tagged(Tag::Created, *self.actor(current)), kind as u128);
                self.observe(current, seed);
                Slot::Tracked(Tracked {
                    seed,
                    content: seed,
                    chained: kind == ObjectKind::Chained,
                })
            }
        };
        self.set_object(id, slot);
    }

    pub fn lock(&mut self, id: u64, write: bool, current: Option<usize>) {
        match self.objects.get(id as usize).copied() {
            Some(Slot::Tracked(t)) if t.chained => {
                self.observe(current, mix(tagged(Tag::Locked, t.seed), t.content));
                if write {
                    let by = *self.actor(current);
                    let content = mix(t.content, by);
                    self.set_object(id as usize, Slot::Tracked(Tracked { content, ..t }));
                }
            }
            Some(Slot::Tracked(_) | Slot::Internal) => {}
            Some(Slot::Unknown | Slot::Dropped { .. }) | None => self.opaque = true,
        }
    }

    /// Object `id`'s identity (0 for one that is not tracked), also after it was dropped.
    pub fn seed(&self, id: u64) -> u128 {
        match self.objects.get(id as usize) {
            Some(Slot::Tracked(t)) => t.seed,
            Some(Slot::Dropped { seed }) => *seed,
            _ => 0,
        }
    }

    pub fn publish(&mut self, id: u64, summary: u128) {
        match self.objects.get(id as usize).copied() {
            Some(Slot::Tracked(t)) => self.set_object(
                id as usize,
                Slot::Tracked(Tracked {
                    content: summary,
                    ..t
                }),
            ),
            _ => self.opaque = true,
        }
    }

    pub fn forget(&mut self, id: u64) {
        if let Some(slot) = self.objects.get(id as usize).copied() {
            let seed = match slot {
                Slot::Tracked(t) => t.seed,
                Slot::Internal => 0,
                Slot::Unknown | Slot::Dropped { .. } => return,
            };
            self.set_object(id as usize, Slot::Dropped { seed });
        }
    }

    /// The digest of a quiescent state: the clock, and the live tasks (identity, history),
    /// the live objects (seed, content) and the timers (identity, deadline) as sets, so
    /// neither spawn nor creation order matters. Timers are a set because same-deadline
    /// timers commute: each callback only wakes its task or sends on its own channel.
    pub fn digest(&self, now: Duration, main_done_at: Option<Duration>) -> Option<u128> {
        if self.opaque {
            return None;
        }
        let h = mix(
            tagged(Tag::Clock, now.as_nanos()),
            main_done_at.map_or(u128::MAX, |d| d.as_nanos()),
        );
        Some(mix(
            mix(mix(h, self.tasks_sum), self.objects_sum),
            self.timers_sum,
        ))
    }
}

/// One member of a digested set.
fn entry(tag: Tag, identity: u128, content: u128) -> u128 {
    mix(tagged(tag, identity), content)
}
