//! One generated case: an op sequence and the schedule it runs under, shrunk sequence first.

use super::compare::disagreements;
use super::machine::HubMachine;
use super::model::Model;
use super::op::Op;
use super::play::Harness;
use crate::schedule::{ScheduleTree, Schedules};
use hub_core::knobs::Knobs;
use hub_core::sim::{Schedule, Sim};
use proptest::strategy::{BoxedStrategy, NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use proptest_state_machine::{ReferenceStateMachine, Sequential};
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An op sequence and the `sim` schedule it runs under.
#[derive(Clone, PartialEq, Eq)]
pub struct OpCase {
    pub ops: Vec<Op>,
    pub schedule: Schedule,
}

impl fmt::Debug for OpCase {
    /// Rust a test can paste (`use proptest_suite::ops::{Op::*, Reconnect::*, Target}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OpCase {{ ops: vec!{:?}, schedule: Schedule::new(vec!{:?}) }}",
            self.ops,
            self.schedule.choices()
        )
    }
}

/// The reference model after `ops`.
pub fn reference(ops: &[Op]) -> Model {
    ops.iter().fold(Model::new(), |m, op| m.apply(op))
}

/// The property: the run passes and the hub agrees with the reference. Err lists the
/// disagreements.
pub fn agrees(case: &OpCase, knobs: Knobs, sim: &Sim) -> Result<(), String> {
    let (_, observed) = Harness::new(&case.ops, knobs).run(sim, &case.schedule);
    let found = disagreements(&reference(&case.ops).expected(), &observed);
    if found.is_empty() {
        Ok(())
    } else {
        Err(found.join("; "))
    }
}

/// Op sequences of `len` ops (drawn by [`HubMachine`]), each with a schedule drawn for its
/// program (see [`Schedules`]).
#[derive(Clone, Debug)]
pub struct OpCases {
    pub knobs: Knobs,
    pub sim: Sim,
    pub len: RangeInclusive<usize>,
}

/// Most quiet runs the schedule phase spends (as [`Schedules::max_probes`]).
const SCHEDULE_PROBES: u32 = 2_000;

type SeqStrategy = Sequential<Model, Op, BoxedStrategy<Model>, BoxedStrategy<Op>>;
type SeqTree = <SeqStrategy as Strategy>::Tree;

impl Strategy for OpCases {
    type Tree = OpCaseTree;
    type Value = OpCase;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let seq = HubMachine::sequential_strategy(self.len.clone()).new_tree(runner)?;
        let (_, ops, counter) = seq.current();
        let probe = Harness::new(&ops, self.knobs).probe(&self.sim);
        let schedule = Schedules::for_program(probe).draw(runner);
        Ok(OpCaseTree {
            seq,
            counter,
            failing_ops: ops,
            schedule,
            phase: Phase::Ops,
            knobs: self.knobs,
            sim: self.sim.clone(),
        })
    }
}

enum Phase {
    /// Shrinking the sequence (proptest-state-machine's tree) under the drawn schedule.
    Ops,
    /// Shrinking the schedule of the final sequence.
    Schedule(Box<ScheduleTree>),
}

/// Shrinks the sequence first (deleting ops, then simplifying each, keeping preconditions),
/// then the schedule of the shortest failing sequence (see [`ScheduleTree`]).
pub struct OpCaseTree {
    seq: SeqTree,
    /// proptest-state-machine's count of ops the test applied: all of them (one run plays
    /// the whole sequence); told before the first shrink.
    counter: Option<Arc<AtomicUsize>>,
    /// The last sequence known to fail (with `schedule`).
    failing_ops: Vec<Op>,
    schedule: Schedule,
    phase: Phase,
    knobs: Knobs,
    sim: Sim,
}

impl OpCaseTree {
    fn start_schedule_phase(&mut self) -> bool {
        let probe = Harness::new(&self.failing_ops, self.knobs).probe(&self.sim);
        let mut tree = ScheduleTree::new(Some(probe), self.schedule.clone(), SCHEDULE_PROBES);
        let more = tree.simplify();
        self.phase = Phase::Schedule(Box::new(tree));
        more
    }
}

impl ValueTree for OpCaseTree {
    type Value = OpCase;

    fn current(&self) -> OpCase {
        match &self.phase {
            Phase::Ops => OpCase {
                ops: self.seq.current().1,
                schedule: self.schedule.clone(),
            },
            Phase::Schedule(tree) => OpCase {
                ops: self.failing_ops.clone(),
                schedule: tree.current(),
            },
        }
    }

    fn simplify(&mut self) -> bool {
        match &mut self.phase {
            Phase::Schedule(tree) => tree.simplify(),
            Phase::Ops => {
                // The current sequence failed.
                self.failing_ops = self.seq.current().1;
                if let Some(seen) = self.counter.take() {
                    seen.store(self.failing_ops.len(), Ordering::SeqCst);
                }
                if self.seq.simplify() {
                    return true;
                }
                self.start_schedule_phase()
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match &mut self.phase {
            Phase::Schedule(tree) => tree.complicate(),
            Phase::Ops => {
                // The sequence tree may stop with a passing value as its current one; go on
                // from it, and fall back on the last failing sequence when it is done.
                if self.seq.complicate() || self.seq.simplify() {
                    return true;
                }
                self.start_schedule_phase()
            }
        }
    }
}
