//! Exhaustive DFS with sleep sets (Godefroid, 1996): a partial-order reduction.
//!
//! Two steps are *independent* when they touched no common object (every model lock reports
//! its object to the sim). Running independent steps in either order reaches the same state,
//! so after exploring task `t` first at some point, the DFS need not explore schedules that
//! run `u` first and `t` right after, as long as only steps independent of `t` ran in between:
//! `t` sleeps until a dependent step wakes it. Every Mazurkiewicz trace (every class of
//! schedules equal up to swapping adjacent independent steps) is still explored at least once,
//! so every reachable verdict is found; sleep sets only skip re-orderings.
//!
//! Conservative choices that keep it sound here: a step that made a `Choose` (select pick)
//! never sleeps; any timer firing (the clock moving) wakes every sleeper.
//!
//! With a preemption bound as well, coverage is of classes that have a member within the
//! bound *in the order DFS meets them*: a class whose only in-bound member is skipped because
//! an out-of-bound member stands for it is missed (Coons et al., 2013). Use it unbounded for
//! proofs; bounded, it is a heuristic and reported as such.
//!
//! # Persistent steps (with state caching only)
//!
//! Sleep sets skip re-orderings but still visit every reachable *state*: 17 independent
//! one-step tasks woken in one instant make 2^17 states (which of them have run), and state
//! caching cannot merge those, as they differ. So stateful DFS also asks, when the option it
//! took at a decision is explored: did any *other* task's step in that subtree conflict with
//! the step the option ran (touch an object it touched, one of the two writing)? If none did,
//! the decision's other options are not explored.
//!
//! Why that loses nothing: take any run from the decision that does not start with task `t`
//! (the option taken). Until `t` runs, every step in it is a step of another task; the first
//! one that conflicts with `t`'s step would also have run, conflicting, after `t`'s step (the
//! steps before it commute with `t`'s), so it would be in the explored subtree. None is, so
//! every step before `t`'s commutes with it, and the run equals (up to swapping independent
//! steps) one that runs `t` first: one the subtree covers. This is the backtracking rule of
//! source-set DPOR (Abdulla et al., 2014) made coarser: DPOR explores another option when a
//! step of the subtree *races* with the taken one; here any conflict at all explores every
//! option, so the options explored are a superset of DPOR's, which is complete with sleep
//! sets.
//!
//! What the subtree touched is known from the steps its runs made (objects and tasks by their
//! digest identities, see `accesses`), and for a run stopped at a cached state, from what the
//! exploration of that state touched, kept with the state once it is done. A step that made a
//! `Choose` never counts as persistent. `scenarios/tests/state_cache.rs` checks the result
//! against plain sleep-set DFS on the whole catalog: the same observable outcomes wherever
//! the plain search finishes.

use super::accesses::Accesses;
use super::executor::{run, Decide, Run, StepFootprint};
use super::schedule::DecisionKind;
use super::{Config, Instance};
use std::collections::HashMap;

type Footprint = Vec<u64>;

/// Footprints hold one entry per object, `id << 1 | written`, sorted. Two steps conflict on
/// an object both touched unless neither wrote it.
fn independent(a: &[u64], b: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match (a[i] >> 1).cmp(&(b[j] >> 1)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal if (a[i] | b[j]) & 1 == 1 => return false,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    true
}

#[derive(Clone, Debug)]
struct Node {
    kind: DecisionKind,
    candidates: Vec<usize>,
    options: u32,
    taken: u32,
    /// The footprint of the step the taken option ran (None: it made a choice; never sleeps).
    taken_fp: Option<Footprint>,
    /// Siblings explored before `taken`, with their footprints.
    done: Vec<(usize, Option<Footprint>)>,
    /// Options tried so far (in order).
    tried: Vec<u32>,
    /// The sleep set on arrival.
    sleep: Vec<(usize, Footprint)>,
    /// Stateful DFS only (see "persistent steps"): the steps run after this decision with the
    /// taken option, up to the next decision, as (task identity, object keys); the first is
    /// the taken task's step.
    segment: Segment,
    /// The accesses of everything explored below the next decision, with the taken option.
    below: Accesses,
    /// The accesses of every option explored so far, with their subtrees.
    total: Accesses,
    /// States passed in the segment (digest, steps of the segment before it), whose subtree
    /// summaries are known once the taken option is done.
    states: Vec<(u128, usize)>,
}

/// Steps as (task, end of its keys in `keys`).
#[derive(Clone, Debug, Default)]
struct Segment {
    steps: Vec<(u64, usize)>,
    keys: Vec<u64>,
}

impl Segment {
    fn push(&mut self, task: u64, keys: &[u64]) {
        self.keys.extend_from_slice(keys);
        self.steps.push((task, self.keys.len()));
    }

    fn step(&self, i: usize) -> (u64, &[u64]) {
        let start = if i == 0 { 0 } else { self.steps[i - 1].1 };
        let (task, end) = self.steps[i];
        (task, &self.keys[start..end])
    }

    /// The accesses of steps `from..`, with `below`.
    fn accesses_from(&self, from: usize, below: &Accesses) -> Accesses {
        let mut a = Accesses::of_steps((from..self.steps.len()).map(|i| self.step(i)));
        a.union(below);
        a
    }

    fn clear(&mut self) {
        self.steps.clear();
        self.keys.clear();
    }
}

impl Node {
    fn cost(&self, option: u32) -> u32 {
        self.kind.cost(option)
    }

    fn asleep(&self, option: u32) -> bool {
        let task = self.candidates[option as usize];
        self.sleep.iter().any(|(u, _)| *u == task)
    }
}

/// States already explored (stateful DFS, see `digest`), and what it took to rely on them.
#[derive(Default)]
struct StateCache {
    /// Digest → what its first visit explored. Only looked up, never iterated.
    seen: HashMap<u128, Seen>,
    /// Runs stopped at a state explored before.
    merged: u64,
    /// The longest run, counting a stopped run as long as the longest continuation of the
    /// state it stopped at (its steps so far plus that state's `remaining`).
    longest: u64,
    /// A run reached a state it had already passed (a cycle): the search is not a proof.
    cycle: bool,
}

struct Seen {
    /// The sleep set there (task identities, sorted): what the first visit did not explore.
    /// A revisit may stop only if it would skip at least as much.
    sleep: Vec<u128>,
    /// The most steps any run took from here to its end.
    remaining: u64,
    /// What the steps explored from here touched, once that exploration is done: a run that
    /// stops here counts them as its own continuation.
    accesses: Option<Accesses>,
}

/// The decider for one run: replays `path[..prefix]`, extends it beyond.
struct SleepRun<'a> {
    path: &'a mut Vec<Node>,
    prefix: usize,
    bound: Option<u32>,
    used: u32,
    sleep: Vec<(usize, Footprint)>,
    /// The node whose step is running, and the sleep set to filter after it.
    pending: Option<(usize, Vec<(usize, Footprint)>)>,
    cache: Option<&'a mut StateCache>,
    /// The states this run passed, with the step count there (for `Seen::remaining`).
    passed: Vec<(u128, u64)>,
    /// Set when the run stopped at a state explored before: its digest.
    stopped_at: Option<u128>,
    /// Decisions made so far in this run.
    decided: usize,
}

impl Decide for SleepRun<'_> {
    fn decide(
        &mut self,
        index: usize,
        kind: DecisionKind,
        options: u32,
        candidates: &[usize],
    ) -> Option<u32> {
        let taken = if index < self.prefix {
            let node = &mut self.path[index];
            debug_assert_eq!(node.options, options, "replay diverged");
            node.sleep = self.sleep.clone();
            node.taken
        } else {
            let mut node = Node {
                kind,
                candidates: candidates.to_vec(),
                options,
                taken: 0,
                taken_fp: None,
                done: Vec::new(),
                tried: Vec::new(),
                sleep: self.sleep.clone(),
                segment: Segment::default(),
                below: Accesses::default(),
                total: Accesses::default(),
                states: Vec::new(),
            };
            let pick = match kind {
                DecisionKind::Choose => Some(0),
                DecisionKind::Schedule { .. } => (0..options).find(|&c| {
                    !node.asleep(c) && self.bound.is_none_or(|b| self.used + node.cost(c) <= b)
                }),
            };
            let c = pick?;
            node.taken = c;
            node.tried.push(c);
            self.path.push(node);
            c
        };
        self.decided = index + 1;
        let node = &self.path[index];
        self.used += node.cost(taken);
        if let DecisionKind::Schedule { .. } = kind {
            let mut base = self.sleep.clone();
            base.extend(
                node.done
                    .iter()
                    .filter_map(|(t, fp)| fp.clone().map(|fp| (*t, fp))),
            );
            self.pending = Some((index, base));
        }
        Some(taken)
    }

    fn wants_footprints(&self) -> bool {
        true
    }

    fn after_step(&mut self, task: usize, step: StepFootprint<'_>) {
        let (footprint, had_choose) = (step.objects, step.had_choose);
        // Steps after the last decision replayed from `path` were recorded by an earlier run.
        if let (true, Some((identity, keys))) = (
            self.cache.is_some() && self.decided > 0 && self.decided >= self.prefix,
            step.stable,
        ) {
            self.path[self.decided - 1].segment.push(identity, keys);
        }
        let base = match self.pending.take() {
            Some((index, base)) => {
                self.path[index].taken_fp = (!had_choose).then(|| footprint.to_vec());
                base
            }
            None => std::mem::take(&mut self.sleep),
        };
        self.sleep = base
            .into_iter()
            .filter(|(u, fp)| *u != task && independent(fp, footprint))
            .collect();
    }

    fn on_clock(&mut self) {
        self.sleep.clear();
    }

    /// A sleeping task that is the only one left to run: everything from here was explored
    /// from the branch that put it to sleep.
    fn may_run_alone(&mut self, task: usize) -> bool {
        !self.sleep.iter().any(|(u, _)| *u == task)
    }

    fn wants_digests(&self) -> bool {
        self.cache.is_some()
    }

    /// A state seen before, reached by a different schedule: stop, unless the first visit
    /// skipped branches (its sleep set) that this one would explore. States passed while
    /// replaying the prefix are the first visit itself (its subtree is being explored).
    fn at_state(
        &mut self,
        digest: Option<u128>,
        decisions: usize,
        steps: u64,
        quiescent: bool,
        identity: &[u128],
    ) -> bool {
        let Some(cache) = self.cache.as_deref_mut() else {
            return true;
        };
        let Some(digest) = digest else { return true };
        // At a quiescent point the clock moves next, which empties the sleep set.
        let mut sleep: Vec<u128> = match quiescent {
            true => Vec::new(),
            false => self.sleep.iter().map(|(t, _)| identity[*t]).collect(),
        };
        sleep.sort_unstable();
        if decisions >= self.prefix {
            if let Some(seen) = cache.seen.get_mut(&digest) {
                if self.passed.iter().any(|(d, _)| *d == digest) {
                    cache.cycle = true;
                } else if is_subset(&seen.sleep, &sleep) {
                    cache.merged += 1;
                    self.stopped_at = Some(digest);
                    return false;
                }
                // Explore again, now skipping only what both visits skip.
                seen.sleep.retain(|t| sleep.binary_search(t).is_ok());
            } else {
                cache.seen.insert(
                    digest,
                    Seen {
                        sleep,
                        remaining: 0,
                        accesses: None,
                    },
                );
            }
            if decisions > 0 {
                let node = &mut self.path[decisions - 1];
                node.states.push((digest, node.segment.steps.len()));
            }
        }
        self.passed.push((digest, steps));
        true
    }
}

/// Both sorted.
fn is_subset(small: &[u128], big: &[u128]) -> bool {
    small.iter().all(|t| big.binary_search(t).is_ok())
}

/// Move to the next branch: the deepest node with an untried option that is awake and
/// within the bound. False when the tree is exhausted. With a state cache, also close the
/// books on every option it leaves (see "persistent steps").
fn backtrack(path: &mut Vec<Node>, bound: Option<u32>, mut cache: Option<&mut StateCache>) -> bool {
    let mut used: Vec<u32> = Vec::with_capacity(path.len());
    let mut total = 0;
    for n in path.iter() {
        used.push(total);
        total += n.cost(n.taken);
    }
    while !path.is_empty() {
        let i = path.len() - 1;
        let node = &mut path[i];
        let persistent = match cache.as_deref_mut() {
            Some(cache) => option_done(node, cache),
            None => false,
        };
        let next = match node.kind {
            DecisionKind::Choose => (node.taken + 1 < node.options).then_some(node.taken + 1),
            DecisionKind::Schedule { .. } => {
                let task = node.candidates[node.taken as usize];
                node.done.push((task, node.taken_fp.take()));
                (0..node.options).find(|&c| {
                    !persistent
                        && !node.tried.contains(&c)
                        && !node.asleep(c)
                        && bound.is_none_or(|b| used[i] + node.cost(c) <= b)
                })
            }
        };
        match next {
            Some(c) => {
                node.taken = c;
                node.tried.push(c);
                node.taken_fp = None;
                return true;
            }
            None => {
                let done = path.pop().expect("not empty");
                if let Some(parent) = path.last_mut() {
                    parent.below.union(&done.total);
                }
            }
        }
    }
    false
}

/// The taken option of `node` is explored: record what its subtree touched (for the node,
/// and for the states passed in its segment), and say whether the taken step is persistent:
/// no other task's step in its subtree conflicts with it.
fn option_done(node: &mut Node, cache: &mut StateCache) -> bool {
    for &(digest, from) in &node.states {
        let accesses = node.segment.accesses_from(from, &node.below);
        if let Some(seen) = cache.seen.get_mut(&digest) {
            match &mut seen.accesses {
                Some(known) => known.union(&accesses),
                None => seen.accesses = Some(accesses),
            }
        }
    }
    let mut persistent = false;
    if let (DecisionKind::Schedule { .. }, Some(_), false) =
        (node.kind, &node.taken_fp, node.segment.steps.is_empty())
    {
        let (task, keys) = node.segment.step(0);
        let after = node.segment.accesses_from(1, &node.below);
        persistent = !after.conflicts(task, keys);
    }
    let option = node.segment.accesses_from(0, &node.below);
    node.total.union(&option);
    node.segment.clear();
    node.below = Accesses::default();
    node.states.clear();
    persistent
}

/// What a sleep-set exploration did.
pub(crate) struct SleepExploration {
    pub complete: u64,
    pub pruned: u64,
    pub exhausted: bool,
    pub failure: Option<Run>,
    /// With state caching: runs stopped at an explored state, and distinct states digested.
    pub merged: u64,
    pub states: u64,
    /// With state caching: the most steps any run could have taken had it not been stopped at
    /// a cached state (its steps so far plus the longest continuation explored from that
    /// state). A proof needs it below `max_steps`.
    pub steps_bound: u64,
}

/// Which search.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Search {
    /// Sleep sets alone, within an optional preemption bound.
    Sleep { preemption_bound: Option<u32> },
    /// Sleep sets, state caching (stop runs at states explored before, `digest`) and
    /// persistent steps; never bounded (a cached state's subtree was explored with the
    /// budget its first visit had left).
    Stateful,
}

/// Explore with `search`.
pub(crate) fn explore(
    config: &Config,
    search: Search,
    max_runs: u64,
    make: &dyn Fn() -> Instance,
    stop_on_failure: bool,
    progress: &mut dyn FnMut(u64),
    visit: &mut dyn FnMut(&Run) -> bool,
) -> SleepExploration {
    let (bound, state_cache) = match search {
        Search::Sleep { preemption_bound } => (preemption_bound, false),
        Search::Stateful => (None, true),
    };
    let mut path: Vec<Node> = Vec::new();
    let mut cache = state_cache.then(StateCache::default);
    let mut out = SleepExploration {
        complete: 0,
        pruned: 0,
        exhausted: false,
        failure: None,
        merged: 0,
        states: 0,
        steps_bound: 0,
    };
    explore_runs(
        config,
        bound,
        &mut cache,
        max_runs,
        make,
        stop_on_failure,
        progress,
        visit,
        &mut path,
        &mut out,
    );
    if let Some(cache) = &cache {
        out.merged = cache.merged;
        out.states = cache.seen.len() as u64;
        out.steps_bound = cache.longest;
        if cache.cycle {
            out.exhausted = false;
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn explore_runs(
    config: &Config,
    bound: Option<u32>,
    cache: &mut Option<StateCache>,
    max_runs: u64,
    make: &dyn Fn() -> Instance,
    stop_on_failure: bool,
    progress: &mut dyn FnMut(u64),
    visit: &mut dyn FnMut(&Run) -> bool,
    path: &mut Vec<Node>,
    out: &mut SleepExploration,
) {
    // `max_runs` counts every run started, pruned ones too: with a strong reduction almost
    // every run is pruned, and a cap on complete schedules alone would not bound the work.
    let counted = |out: &SleepExploration| out.complete + out.pruned;
    while counted(out) < max_runs {
        let prefix = path.len();
        let mut decider = SleepRun {
            path: &mut *path,
            prefix,
            bound,
            used: 0,
            sleep: Vec::new(),
            pending: None,
            cache: cache.as_mut(),
            passed: Vec::new(),
            stopped_at: None,
            decided: 0,
        };
        let r = run(config, &mut decider, make);
        let (passed, stopped_at, decided) = (decider.passed, decider.stopped_at, decider.decided);
        if let Some(cache) = cache.as_mut() {
            // A stopped run's continuation is what was explored from where it stopped.
            if let (Some(d), Some(node)) = (stopped_at, decided.checked_sub(1)) {
                let below = match cache.seen.get(&d).and_then(|seen| seen.accesses.as_ref()) {
                    Some(known) => known.clone(),
                    None => Accesses::wild(),
                };
                path[node].below.union(&below);
            }
            // This run's length, or what it stands for if it stopped at an explored state.
            let length = r.steps
                + stopped_at
                    .and_then(|d| cache.seen.get(&d))
                    .map_or(0, |seen| seen.remaining);
            cache.longest = cache.longest.max(length);
            for (digest, at) in passed {
                if let Some(seen) = cache.seen.get_mut(&digest) {
                    seen.remaining = seen.remaining.max(length - at);
                }
            }
        }
        if r.pruned {
            out.pruned += 1;
            progress(counted(out));
        } else {
            out.complete += 1;
            progress(counted(out));
            let keep_going = visit(&r);
            if !r.outcome.is_pass() && stop_on_failure {
                out.failure = Some(r);
                return;
            }
            if !keep_going {
                return;
            }
        }
        if !backtrack(path, bound, cache.as_mut()) {
            out.exhausted = true;
            return;
        }
    }
}
