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

use super::executor::{run, Decide, Run};
use super::schedule::DecisionKind;
use super::{Config, Instance};

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

/// The decider for one run: replays `path[..prefix]`, extends it beyond.
struct SleepRun<'a> {
    path: &'a mut Vec<Node>,
    prefix: usize,
    bound: Option<u32>,
    used: u32,
    sleep: Vec<(usize, Footprint)>,
    /// The node whose step is running, and the sleep set to filter after it.
    pending: Option<(usize, Vec<(usize, Footprint)>)>,
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

    fn after_step(&mut self, task: usize, footprint: &[u64], had_choose: bool) {
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
}

/// Move to the next branch: the deepest node with an untried option that is awake and
/// within the bound. False when the tree is exhausted.
fn backtrack(path: &mut Vec<Node>, bound: Option<u32>) -> bool {
    let mut used: Vec<u32> = Vec::with_capacity(path.len());
    let mut total = 0;
    for n in path.iter() {
        used.push(total);
        total += n.cost(n.taken);
    }
    while !path.is_empty() {
        let i = path.len() - 1;
        let node = &mut path[i];
        let next = match node.kind {
            DecisionKind::Choose => (node.taken + 1 < node.options).then_some(node.taken + 1),
            DecisionKind::Schedule { .. } => {
                let task = node.candidates[node.taken as usize];
                node.done.push((task, node.taken_fp.take()));
                (0..node.options).find(|&c| {
                    !node.tried.contains(&c)
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
                path.pop();
            }
        }
    }
    false
}

/// What a sleep-set exploration did.
pub(crate) struct SleepExploration {
    pub complete: u64,
    pub pruned: u64,
    pub exhausted: bool,
    pub failure: Option<Run>,
}

pub(crate) fn explore(
    config: &Config,
    bound: Option<u32>,
    max_runs: u64,
    make: &dyn Fn() -> Instance,
    stop_on_failure: bool,
    visit: &mut dyn FnMut(&Run) -> bool,
) -> SleepExploration {
    let mut path: Vec<Node> = Vec::new();
    let mut out = SleepExploration {
        complete: 0,
        pruned: 0,
        exhausted: false,
        failure: None,
    };
    // `max_runs` counts complete schedules; pruned runs end early and are counted apart.
    while out.complete < max_runs {
        let prefix = path.len();
        let mut decider = SleepRun {
            path: &mut path,
            prefix,
            bound,
            used: 0,
            sleep: Vec::new(),
            pending: None,
        };
        let r = run(config, &mut decider, make);
        if r.pruned {
            out.pruned += 1;
        } else {
            out.complete += 1;
            let keep_going = visit(&r);
            if !r.outcome.is_pass() && stop_on_failure {
                out.failure = Some(r);
                return out;
            }
            if !keep_going {
                return out;
            }
        }
        if !backtrack(&mut path, bound) {
            out.exhausted = true;
            return out;
        }
    }
    out
}
