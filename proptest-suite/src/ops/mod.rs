//! Op sequences: a reference model of the hub, driven by proptest-state-machine, checked
//! against the real hub on `sim` under a generated schedule.
//!
//! [`HubMachine`] generates sequences of [`Op`]s that make sense step by step (a disconnect
//! names an open connection, nothing connects after shutdown). [`play`] turns a sequence into
//! a timeline of hub API calls and peer scripts; the run records the hub's state at a
//! checkpoint and what every peer observed. [`Model`] says what a correct hub shows; the
//! property is that the run passes and [`disagreements`] is empty.
//!
//! Why not `StateMachineTest`: its `apply` steps a live system op by op, but here one `sim`
//! run plays the whole sequence (the hub's tasks live across ops and the schedule spans the
//! run), so the comparison happens once, after the run. The generation, the preconditions
//! and the sequence shrinking are proptest-state-machine's.

mod case;
mod machine;
mod report;

// The sequences themselves, the reference model and the player live in `scenarios`, so that
// `hubrace replay --token` can replay a sequence.
pub use scenarios::ops::{compare, model, op, play};

pub use case::{agrees, reference, OpCase, OpCaseTree, OpCases};
pub use compare::disagreements;
pub use machine::HubMachine;
pub use model::{ConnModel, End, Expected, Model, Peer, Seen, Snapshot};
pub use op::{ConnId, Op, Reconnect, Target, SLOW_USER, SUBS, USERS};
pub use play::{hub_config, Harness, Observed, Plan};
pub use report::{check, check_with, OpCounterexample};
