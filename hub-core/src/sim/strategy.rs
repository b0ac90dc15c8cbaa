//! Exploration strategies: seeded random, PCT, and bounded exhaustive DFS.

use super::executor::{run, Decide, Run, Scripted};
use super::rng::{derive, Rng};
use super::schedule::{Decision, DecisionKind, Schedule};
use super::sleep_sets::Search;
use super::{Config, Instance};
use std::fmt;

/// How to pick schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly random choice at every decision; run `i` is seeded from (`seed`, `i`).
    Random { seed: u64 },
    /// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random task
    /// priorities, `depth - 1` priority drops at random steps; finds a bug of depth `d` with
    /// probability at least 1/(n·k^(d-1)) per run.
    Pct { seed: u64, depth: u32 },
    /// Every schedule with at most `preemption_bound` preemptions (None: all), in DFS order.
    Dfs { preemption_bound: Option<u32> },
    /// DFS with sleep sets: every schedule up to re-ordering independent steps (see
    /// `sleep_sets`). Unbounded, it is a proof over all interleavings; bounded, a heuristic.
    DfsSleep { preemption_bound: Option<u32> },
    /// DFS with sleep sets over all interleavings, stopping every run that reaches a state
    /// explored before (checked before every scheduling decision and at every quiescent
    /// point; see `digest`), and leaving a decision after one option when no other task's
    /// step below it conflicted with the step it ran (see `sleep_sets`, persistent steps).
    /// Finishing is a proof over all interleavings, like `DfsSleep` unbounded, in far fewer
    /// runs when a program has phases or many independent tasks.
    DfsCached,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Random { seed } => write!(f, "random (seed {seed})"),
            Strategy::Pct { seed, depth } => write!(f, "pct (seed {seed}, depth {depth})"),
            Strategy::Dfs {
                preemption_bound: Some(b),
            } => write!(f, "dfs (preemption bound {b})"),
            Strategy::Dfs {
                preemption_bound: None,
            } => write!(f, "dfs (unbounded)"),
            Strategy::DfsSleep {
                preemption_bound: Some(b),
            } => write!(f, "dfs with sleep sets (preemption bound {b})"),
            Strategy::DfsSleep {
                preemption_bound: None,
            } => write!(f, "dfs with sleep sets (all interleavings)"),
            Strategy::DfsCached => write!(
                f,
                "dfs with sleep sets and state caching (all interleavings)"
            ),
        }
    }
}

struct RandomDecide(Rng);

impl Decide for RandomDecide {
    fn decide(&mut self, _: usize, _: DecisionKind, options: u32, _: &[usize]) -> Option<u32> {
        Some(self.0.below(options as usize) as u32)
    }
}

struct PctDecide {
    rng: Rng,
    priorities: Vec<u64>,
    change_points: Vec<usize>,
    depth: u32,
    last: Option<usize>,
}

impl PctDecide {
    fn new(seed: u64, depth: u32, expected_decisions: usize) -> Self {
        let mut rng = Rng::new(seed);
        let k = expected_decisions.max(1);
        let change_points = (1..depth.max(1)).map(|_| rng.below(k)).collect();
        PctDecide {
            rng,
            priorities: Vec::new(),
            change_points,
            depth: depth.max(1),
            last: None,
        }
    }

    fn priority(&mut self, task: usize) -> u64 {
        while self.priorities.len() <= task {
            let p = u64::from(self.depth) + (self.rng.next_u64() >> 1);
            self.priorities.push(p);
        }
        self.priorities[task]
    }
}

impl Decide for PctDecide {
    fn decide(
        &mut self,
        index: usize,
        kind: DecisionKind,
        options: u32,
        candidates: &[usize],
    ) -> Option<u32> {
        if kind == DecisionKind::Choose {
            return Some(self.rng.below(options as usize) as u32);
        }
        // At change point j, the task that ran last drops to priority j (below all initial ones).
        let drop_to = self.change_points.iter().position(|&at| at == index);
        if let (Some(j), Some(last)) = (drop_to, self.last) {
            self.priority(last);
            self.priorities[last] = j as u64;
        }
        let mut best = 0;
        let mut best_p = 0;
        for (i, &task) in candidates.iter().enumerate() {
            let p = self.priority(task);
            if i == 0 || p > best_p {
                best = i;
                best_p = p;
            }
        }
        self.last = Some(candidates[best]);
        Some(best as u32)
    }
}

/// What an exploration did.
#[derive(Clone, Debug)]
pub struct Exploration {
    pub strategy: Strategy,
    /// Schedules run.
    pub schedules: u64,
    /// DFS only: every schedule within the bound was run.
    pub exhausted: bool,
    /// DFS with sleep sets only: runs abandoned as redundant (not counted in `schedules`).
    pub pruned: u64,
    /// `DfsCached` only: of the pruned runs, those stopped at a state explored before, and
    /// how many distinct states there were.
    pub merged: u64,
    pub states: u64,
    /// The first failing run, if any (unshrunk; see `Sim::shrink`).
    pub failure: Option<Found>,
}

/// A failing schedule found by exploration.
#[derive(Clone, Debug)]
pub struct Found {
    /// 1-based index of the failing schedule.
    pub at: u64,
    pub run: Run,
}

/// Run up to `max_schedules` schedules, calling `visit(schedules_so_far, run)` after each
/// complete one (it returns false to stop) and `progress(runs)` after every run. Stops at the
/// first failure if `stop_on_failure`.
pub(crate) fn explore(
    config: &Config,
    strategy: Strategy,
    max_schedules: u64,
    make: &dyn Fn() -> Instance,
    stop_on_failure: bool,
    progress: &mut dyn FnMut(u64),
    visit: &mut dyn FnMut(u64, &Run) -> bool,
) -> Exploration {
    let quiet = Config {
        record: false,
        ..config.clone()
    };
    let mut schedules = 0;
    let mut exhausted = false;
    let mut failure = None;
    let sleep_sets = match strategy {
        Strategy::DfsSleep { preemption_bound } => Some(Search::Sleep { preemption_bound }),
        Strategy::DfsCached => Some(Search::Stateful),
        _ => None,
    };
    if let Some(search) = sleep_sets {
        let state_cache = matches!(search, Search::Stateful);
        let mut n = 0;
        let found = super::sleep_sets::explore(
            &quiet,
            search,
            max_schedules,
            make,
            stop_on_failure,
            progress,
            &mut |r| {
                n += 1;
                visit(n, r)
            },
        );
        // A cached state stands for runs that might have been longer than any run made: the
        // proof holds only if even those stay under the step bound.
        let within_steps = !state_cache || found.steps_bound < config.max_steps;
        return Exploration {
            strategy,
            schedules: found.complete,
            exhausted: found.exhausted && within_steps,
            pruned: found.pruned,
            merged: found.merged,
            states: found.states,
            // Counted in runs started, as the cap is: most runs stop early.
            failure: found.failure.map(|run| Found {
                at: found.complete + found.pruned,
                run,
            }),
        };
    }
    let mut prefix: Vec<u32> = Vec::new();
    let mut expected_decisions = 0usize;
    while schedules < max_schedules {
        let run = match strategy {
            Strategy::Random { seed } => run(
                &quiet,
                &mut RandomDecide(Rng::new(derive(seed, schedules))),
                make,
            ),
            Strategy::Pct { seed, depth } => {
                if expected_decisions == 0 {
                    expected_decisions = run(&quiet, &mut Scripted(&[]), make).decisions.len();
                }
                let mut pct = PctDecide::new(derive(seed, schedules), depth, expected_decisions);
                let r = run(&quiet, &mut pct, make);
                expected_decisions = expected_decisions.max(r.decisions.len());
                r
            }
            Strategy::Dfs { preemption_bound } => {
                let r = run(&quiet, &mut Scripted(&prefix), make);
                match next_prefix(&r.decisions, preemption_bound) {
                    Some(next) => prefix = next,
                    None => exhausted = true,
                }
                r
            }
            Strategy::DfsSleep { .. } | Strategy::DfsCached => unreachable!("handled above"),
        };
        schedules += 1;
        progress(schedules);
        let keep_going = visit(schedules, &run);
        if !run.outcome.is_pass() && stop_on_failure {
            failure = Some(Found { at: schedules, run });
            exhausted = false;
            break;
        }
        if exhausted || !keep_going {
            break;
        }
    }
    Exploration {
        strategy,
        schedules,
        exhausted,
        pruned: 0,
        merged: 0,
        states: 0,
        failure,
    }
}

/// The next schedule in DFS order after a run that took `decisions`: the deepest decision
/// with an untried option that keeps the run within the preemption bound.
pub(crate) fn next_prefix(decisions: &[Decision], bound: Option<u32>) -> Option<Vec<u32>> {
    let mut used: Vec<u32> = Vec::with_capacity(decisions.len() + 1);
    let mut total = 0;
    for d in decisions {
        used.push(total);
        total += d.costs(d.taken);
    }
    for i in (0..decisions.len()).rev() {
        let d = decisions[i];
        let next = d.taken + 1;
        if next >= d.options {
            continue;
        }
        if bound.is_some_and(|b| used[i] + d.costs(next) > b) {
            continue;
        }
        let mut prefix: Vec<u32> = decisions[..i].iter().map(|d| d.taken).collect();
        prefix.push(next);
        return Some(prefix);
    }
    None
}

/// The schedule DFS runs after a run that took `decisions` (None: the space is exhausted).
pub fn next_schedule(decisions: &[Decision], preemption_bound: Option<u32>) -> Option<Schedule> {
    next_prefix(decisions, preemption_bound).map(Schedule::new)
}

/// Replay `schedule` and return its run (for tokens and shrinking).
pub(crate) fn replay(config: &Config, schedule: &Schedule, make: &dyn Fn() -> Instance) -> Run {
    run(config, &mut Scripted(schedule.choices()), make)
}
