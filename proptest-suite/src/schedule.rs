//! A proptest [`Strategy`] for `sim` schedules whose shrinking ends at a minimal schedule.
//!
//! A [`Schedule`] is dense (one choice per decision), but a failing one is interesting only
//! where it leaves the default: every choice past the schedule's end is 0, so a schedule *is*
//! its list of deviations `(decision index, option)`. The tree shrinks that sparse list.
//!
//! # What "minimal" means
//!
//! Schedules are ordered by [`Cost`]: fewest preemptions first (by the sim's own rule,
//! [`DecisionKind::cost`](hub_core::sim::DecisionKind::cost): leaving a task that could go on),
//! then fewest non-default choices, then the shortest, then the lowest choices
//! lexicographically. A preemption is what a reviewer has to believe happens; a non-preemptive
//! choice (which of several woken tasks runs, which ready `select` case fires) is Go's ordinary
//! non-determinism.
//!
//! # What the run's decisions tell the tree
//!
//! Whether a choice is a preemption depends on the run: the same option at the same index is a
//! preemption in one run and a free choice in another. So the tree takes a [`Probe`] (run the
//! program under a schedule, quietly) and learns from each candidate's [`Decision`] list:
//! - its cost, so that only strictly better candidates are ever proposed to proptest (each
//!   accepted shrink step makes the counterexample better, never just different);
//! - its canonical form: the choices the run actually took (options reduced modulo the
//!   decision's arity, deviations past the end of the run dropped), which replays the same
//!   run. The first shrink step replaces the generated schedule by it for free.
//!
//! Generation uses the decisions of the default run: how many there are (where deviations
//! can land) and how many options each has (so a choice is in range).
//!
//! Without a probe (a program not known when the schedule is drawn) the tree shrinks by the
//! schedule's own shape: fewest non-default choices, then shortest.
//!
//! # Moves
//!
//! From the best failing schedule so far, in order: drop chunks of deviations (all of them
//! first, then halves, quarters, ..., single ones: delta debugging); move a deviation and all
//! after it earlier (shorter schedules); lower a choice (to 1, then by one). After any accepted
//! shrink the tree goes back to single removals. Each probe costs one quiet sim run; a tree
//! makes at most [`Schedules::max_probes`] of them.

use hub_core::sim::{preemptions, Decision, Run, Schedule};
use proptest::prelude::Rng;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// Runs the program under test once under a schedule, quietly (no timeline).
pub type Probe = Arc<dyn Fn(&Schedule) -> Run + Send + Sync>;

/// How costly a schedule is to believe: compared field by field, in this order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cost {
    /// Choices that leave a task that could go on (the sim's `DecisionKind::cost`).
    pub preemptions: u32,
    /// Choices other than the default.
    pub non_default: usize,
    /// Decisions up to the last non-default one.
    pub len: usize,
}

impl Cost {
    /// The cost of the run `run` took (its schedule is canonical).
    pub fn of_run(run: &Run) -> Cost {
        Cost {
            preemptions: preemptions(&run.decisions),
            ..Cost::of_schedule(&run.schedule)
        }
    }

    /// The cost as far as the schedule alone tells (preemptions unknown: counted as 0).
    pub fn of_schedule(schedule: &Schedule) -> Cost {
        let trimmed = schedule.clone().trimmed();
        Cost {
            preemptions: 0,
            non_default: trimmed.non_default(),
            len: trimmed.0.len(),
        }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} preemption{}, {} non-default choice{}, length {}",
            self.preemptions,
            if self.preemptions == 1 { "" } else { "s" },
            self.non_default,
            if self.non_default == 1 { "" } else { "s" },
            self.len
        )
    }
}

/// The total order shrinking follows: cost, then the choices lexicographically.
type Key = (Cost, Vec<u32>);

/// The schedule's deviations from the default: `(decision index, option)`, by index.
pub fn deviations(schedule: &Schedule) -> Vec<(usize, u32)> {
    schedule
        .choices()
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0)
        .map(|(i, &c)| (i, c))
        .collect()
}

/// The dense schedule with these deviations (sorted by index, distinct), trimmed.
pub fn from_deviations(devs: &[(usize, u32)]) -> Schedule {
    let len = devs.last().map_or(0, |&(i, _)| i + 1);
    let mut choices = vec![0; len];
    for &(i, c) in devs {
        choices[i] = c;
    }
    Schedule::new(choices).trimmed()
}

/// Where deviations may land when a schedule is drawn: the options of each decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Options of decision `i`, for the decisions of one run (at least 2 each).
    pub options: Vec<u32>,
}

impl Profile {
    /// The decisions of a run.
    pub fn of(decisions: &[Decision]) -> Profile {
        Profile {
            options: decisions.iter().map(|d| d.options).collect(),
        }
    }

    /// `len` decisions of `options` options each (when no run is at hand).
    pub fn uniform(len: usize, options: u32) -> Profile {
        Profile {
            options: vec![options.max(2); len],
        }
    }
}

/// The strategy: draws schedules for one program and shrinks failing ones to a minimal one.
///
/// A drawn schedule is, with equal odds: the default schedule; one to three deviations at
/// random decisions (few preemptions, the bugs people hit); or a random option at every
/// decision of the default run (the sim's `Random` strategy, for deeper bugs).
#[derive(Clone)]
pub struct Schedules {
    probe: Option<Probe>,
    profile: Profile,
    /// Most deviations a sparse draw makes.
    pub max_sparse: usize,
    /// Most probe runs one tree makes while shrinking (each is one quiet sim run).
    pub max_probes: u32,
}

impl fmt::Debug for Schedules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schedules")
            .field("probe", &self.probe.is_some())
            .field("decisions", &self.profile.options.len())
            .field("max_sparse", &self.max_sparse)
            .finish()
    }
}

impl Schedules {
    /// Schedules of the program `probe` runs; the default run gives the profile.
    pub fn for_program(probe: Probe) -> Schedules {
        let default_run = probe(&Schedule::empty());
        Schedules::with_profile(Some(probe), Profile::of(&default_run.decisions))
    }

    /// Schedules drawn over `profile`; shrunk with `probe` if there is one.
    pub fn with_profile(probe: Option<Probe>, profile: Profile) -> Schedules {
        Schedules {
            probe,
            profile,
            max_sparse: 3,
            max_probes: 2_000,
        }
    }

    /// Draw one schedule from the runner's RNG.
    pub fn draw(&self, runner: &mut TestRunner) -> Schedule {
        let rng = runner.rng();
        let decisions = self.profile.options.len();
        if decisions == 0 {
            return Schedule::empty();
        }
        match rng.next_u32() % 3 {
            0 => Schedule::empty(),
            1 => {
                let k = 1 + (rng.next_u32() as usize) % self.max_sparse.max(1);
                let mut devs: Vec<(usize, u32)> = (0..k)
                    .map(|_| {
                        let at = (rng.next_u32() as usize) % decisions;
                        let options = self.profile.options[at].max(2);
                        (at, 1 + rng.next_u32() % (options - 1))
                    })
                    .collect();
                devs.sort_unstable();
                devs.dedup_by_key(|d| d.0);
                from_deviations(&devs)
            }
            _ => Schedule::new(
                self.profile
                    .options
                    .iter()
                    .map(|&options| rng.next_u32() % options.max(1))
                    .collect(),
            )
            .trimmed(),
        }
    }

    /// A tree for `schedule` (drawn or given).
    pub fn tree(&self, schedule: Schedule) -> ScheduleTree {
        ScheduleTree::new(self.probe.clone(), schedule, self.max_probes)
    }
}

impl Strategy for Schedules {
    type Tree = ScheduleTree;
    type Value = Schedule;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        Ok(self.tree(self.draw(runner)))
    }
}

/// Where the tree is in its list of moves from the best schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cursor {
    /// Not started: the first `simplify` canonicalises the failing schedule.
    Start,
    /// Drop deviations `[at, at + size)`.
    Remove {
        size: usize,
        at: usize,
    },
    /// Move deviation `dev` and every later one `delta_step`-th delta earlier.
    Shift {
        dev: usize,
        step: usize,
    },
    /// Lower deviation `dev`'s option: step 0 to 1, step 1 by one.
    Lower {
        dev: usize,
        step: usize,
    },
    Done,
}

/// The shrinking tree of one schedule. See the module docs for the moves and the order.
pub struct ScheduleTree {
    probe: Option<Probe>,
    best: Schedule,
    best_key: Option<Key>,
    candidate: Option<(Schedule, Key)>,
    cursor: Cursor,
    /// Canonical schedules already proposed or found no better: never proposed again.
    seen: BTreeSet<Vec<u32>>,
    probes_left: u32,
    /// Shrink steps accepted (for reports).
    accepted: u32,
}

impl fmt::Debug for ScheduleTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScheduleTree")
            .field("best", &self.best)
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl ScheduleTree {
    pub fn new(probe: Option<Probe>, schedule: Schedule, max_probes: u32) -> ScheduleTree {
        ScheduleTree {
            probe,
            best: schedule,
            best_key: None,
            candidate: None,
            cursor: Cursor::Start,
            seen: BTreeSet::new(),
            probes_left: max_probes,
            accepted: 0,
        }
    }

    /// Shrink steps accepted so far.
    pub fn accepted(&self) -> u32 {
        self.accepted
    }

    /// Canonical form and key of a schedule: by its run if there is a probe.
    fn evaluate(&mut self, schedule: Schedule) -> Option<(Schedule, Key)> {
        match &self.probe {
            Some(probe) => {
                if self.probes_left == 0 {
                    return None;
                }
                self.probes_left -= 1;
                let run = probe(&schedule);
                let key = (Cost::of_run(&run), run.schedule.0.clone());
                Some((run.schedule, key))
            }
            None => {
                let canonical = schedule.trimmed();
                let key = (Cost::of_schedule(&canonical), canonical.0.clone());
                Some((canonical, key))
            }
        }
    }

    /// The raw candidate at the cursor (None: the cursor is past its phase's end).
    fn move_at(&self, devs: &[(usize, u32)]) -> Option<Vec<(usize, u32)>> {
        match self.cursor {
            Cursor::Remove { size, at } if at < devs.len() => {
                let mut out = devs.to_vec();
                out.drain(at..(at + size).min(devs.len()));
                Some(out)
            }
            Cursor::Shift { dev, step } if dev < devs.len() => {
                let delta = *shift_deltas(devs, dev).get(step)?;
                let mut out = devs.to_vec();
                for d in &mut out[dev..] {
                    d.0 -= delta;
                }
                Some(out)
            }
            Cursor::Lower { dev, step } if dev < devs.len() => {
                let (at, c) = devs[dev];
                let lower = match step {
                    0 if c > 1 => 1,
                    1 if c > 2 => c - 1,
                    _ => return Some(devs.to_vec()), // nothing to lower: a no-op (seen)
                };
                let mut out = devs.to_vec();
                out[dev] = (at, lower);
                Some(out)
            }
            _ => None,
        }
    }

    /// Advance the cursor past the current move (`devs`: the best's deviations).
    fn advance(&mut self, devs: &[(usize, u32)], had_move: bool) {
        let n = devs.len();
        self.cursor = match self.cursor {
            Cursor::Start => Cursor::Remove { size: n, at: 0 },
            Cursor::Remove { size, at } if had_move => Cursor::Remove {
                size,
                at: at + size,
            },
            Cursor::Remove { size, .. } if size > 1 => Cursor::Remove {
                size: size / 2,
                at: 0,
            },
            Cursor::Remove { .. } if n == 0 => Cursor::Done,
            Cursor::Remove { .. } => Cursor::Shift {
                dev: n - 1,
                step: 0,
            },
            Cursor::Shift { dev, step } if had_move => Cursor::Shift {
                dev,
                step: step + 1,
            },
            Cursor::Shift { dev: 0, .. } => Cursor::Lower { dev: 0, step: 0 },
            Cursor::Shift { dev, .. } => Cursor::Shift {
                dev: dev - 1,
                step: 0,
            },
            Cursor::Lower { dev, step: 0 } => Cursor::Lower { dev, step: 1 },
            Cursor::Lower { dev, .. } if dev + 1 < n => Cursor::Lower {
                dev: dev + 1,
                step: 0,
            },
            Cursor::Lower { .. } | Cursor::Done => Cursor::Done,
        };
    }

    /// Find the next candidate strictly better than the best; false if there is none.
    fn propose(&mut self) -> bool {
        let Some(best_key) = self.best_key.clone() else {
            return false;
        };
        let devs = deviations(&self.best);
        loop {
            if self.cursor == Cursor::Done {
                return false;
            }
            let raw = self.move_at(&devs);
            self.advance(&devs, raw.is_some());
            let Some(raw) = raw else { continue };
            let schedule = from_deviations(&raw);
            let drawn = schedule.0.clone();
            if !self.seen.insert(drawn.clone()) {
                continue;
            }
            let Some((canonical, key)) = self.evaluate(schedule) else {
                self.cursor = Cursor::Done;
                return false;
            };
            // Another move may already have led to the same run.
            let fresh = canonical.0 == drawn || self.seen.insert(canonical.0.clone());
            if fresh && key < best_key {
                self.candidate = Some((canonical, key));
                return true;
            }
        }
    }

    /// The candidate failed: it becomes the best; moves restart from it.
    fn accept(&mut self, schedule: Schedule, key: Key) {
        let n = deviations(&schedule).len();
        self.cursor = match self.cursor {
            // Keep the granularity; the cursor was advanced past the chunk, step back to it
            // (the next chunk slid into its place).
            Cursor::Remove { size, at } => Cursor::Remove {
                size: size.min(n.max(1)),
                at: at.saturating_sub(size),
            },
            _ => Cursor::Remove { size: 1, at: 0 },
        };
        self.best = schedule;
        self.best_key = Some(key);
        self.accepted += 1;
    }
}

/// How far deviation `dev` (and every later one) may move earlier: to just after the
/// previous deviation, then halves of that, down to one decision.
fn shift_deltas(devs: &[(usize, u32)], dev: usize) -> Vec<usize> {
    let earliest = if dev == 0 { 0 } else { devs[dev - 1].0 + 1 };
    let mut room = devs[dev].0 - earliest;
    let mut out = Vec::new();
    while room > 0 {
        out.push(room);
        room /= 2;
    }
    out
}

impl ValueTree for ScheduleTree {
    type Value = Schedule;

    fn current(&self) -> Schedule {
        match &self.candidate {
            Some((s, _)) => s.clone(),
            None => self.best.clone(),
        }
    }

    /// `current()` failed: keep it and propose a better one.
    fn simplify(&mut self) -> bool {
        if let Some((schedule, key)) = self.candidate.take() {
            self.accept(schedule, key);
        } else if self.cursor == Cursor::Start {
            // The drawn schedule failed: its canonical form is the same run.
            let drawn = self.best.clone();
            let Some((canonical, key)) = self.evaluate(drawn) else {
                return false;
            };
            self.seen.insert(canonical.0.clone());
            self.best = canonical;
            self.best_key = Some(key);
            let devs = deviations(&self.best);
            self.advance(&devs, false);
        }
        self.propose()
    }

    /// `current()` passed: drop it and propose the next candidate (false: none left, and
    /// `current()` is the best failing schedule again).
    fn complicate(&mut self) -> bool {
        if self.candidate.take().is_none() {
            return false;
        }
        self.propose()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runner::{search, Settings};
    use hub_core::sim::{demo, Config, Outcome, Sim};

    fn quiet() -> Sim {
        let mut c = Config::default();
        c.record = false;
        Sim::with_config(c)
    }

    #[test]
    fn sparse_and_dense_forms_round_trip() {
        let s = Schedule::new(vec![0, 2, 0, 0, 1, 0, 0]);
        assert_eq!(deviations(&s), vec![(1, 2), (4, 1)]);
        assert_eq!(from_deviations(&deviations(&s)), s.trimmed());
        assert_eq!(from_deviations(&[]), Schedule::empty());
    }

    /// Without a probe the tree shrinks by shape alone. The property fails when one choice
    /// before decision 3 and one at or after decision 7 are non-default. The minimal schedule
    /// has exactly those two, the shortest (the late one at 7), both option 1, and the early
    /// one at 2: on a tie the lexicographic order prefers defaults first.
    #[test]
    fn shape_shrinking_reaches_the_unique_minimum() {
        let strategy = Schedules::with_profile(None, Profile::uniform(40, 4));
        let settings = Settings::fixed(1_000, 3, None);
        let found = search(&strategy, &settings, |s| {
            let c = s.choices();
            let early = c.iter().take(3).any(|&x| x != 0);
            let late = c.iter().skip(7).any(|&x| x != 0);
            if early && late {
                Err("both".into())
            } else {
                Ok(())
            }
        })
        .failure
        .expect("dense draws fail it at once");
        assert_eq!(found.minimal, Schedule::new(vec![0, 0, 1, 0, 0, 0, 0, 1]));
    }

    /// With a probe, the first shrink step is the run's own canonical schedule: options
    /// reduced modulo each decision's arity, choices past the end of the run dropped.
    #[test]
    fn the_first_step_canonicalises_through_the_run() {
        let sim = quiet();
        let probe: Probe = Arc::new(move |s: &Schedule| sim.run(&demo::check_then_close, s));
        let default_run = probe(&Schedule::empty());
        let n = default_run.decisions.len();
        // Option 7 at every decision, and far more choices than there are decisions.
        let drawn = Schedule::new(vec![7; n + 50]);
        let run = probe(&drawn);
        let mut tree = ScheduleTree::new(Some(probe), drawn, 100);
        let _ = tree.simplify();
        assert_eq!(tree.best, run.schedule);
        assert!(tree.best.0.len() <= n + 2, "{}", tree.best);
    }

    /// The check-then-close race needs exactly one preemption (between the check and the
    /// close); shrinking any failing draw ends there, and every accepted step was strictly
    /// better.
    #[test]
    fn check_then_close_shrinks_to_one_preemption() {
        let sim = quiet();
        let probe: Probe = Arc::new(move |s: &Schedule| sim.run(&demo::check_then_close, s));
        let strategy = Schedules::for_program(probe.clone());
        let found = search(&strategy, &Settings::fixed(1_000, 11, None), |s| {
            let run = probe(s);
            match run.outcome {
                Outcome::Pass => Ok(()),
                other => Err(other.to_string()),
            }
        })
        .failure
        .expect("the race is found");
        assert_eq!(
            found.reason,
            "panic in hub.unregister: close of closed channel"
        );
        let run = probe(&found.minimal);
        let cost = Cost::of_run(&run);
        assert_eq!(
            (cost.preemptions, cost.non_default),
            (1, 1),
            "{}",
            found.minimal
        );
        // The sim's own shrinker, for comparison, finds a schedule no better.
        let sim = quiet();
        let explored = sim.explore(
            &demo::check_then_close,
            hub_core::sim::Strategy::Random { seed: 5 },
            1_000,
        );
        let theirs = sim.shrink(&demo::check_then_close, &explored.failure.unwrap().run);
        assert!(cost <= Cost::of_run(&theirs));
    }

    /// Each accepted shrink step proposes a strictly better schedule.
    #[test]
    fn accepted_steps_strictly_improve() {
        let sim = quiet();
        let probe: Probe = Arc::new(move |s: &Schedule| sim.run(&demo::check_then_close, s));
        let n = probe(&Schedule::empty()).decisions.len();
        let mut tree = ScheduleTree::new(Some(probe.clone()), Schedule::new(vec![1; n]), 500);
        let fails = |s: &Schedule| !probe(s).outcome.is_pass();
        assert!(fails(&tree.current()), "the start must fail");
        let mut keys = vec![];
        let mut more = tree.simplify();
        while more {
            let cand = tree.current();
            let key = (Cost::of_run(&probe(&cand)), cand.0.clone());
            if fails(&cand) {
                keys.push(key);
                more = tree.simplify();
            } else {
                more = tree.complicate();
            }
        }
        assert!(keys.windows(2).all(|w| w[1] < w[0]), "{keys:?}");
        assert!(fails(&tree.current()));
        assert!(tree.accepted() as usize == keys.len());
    }
}
