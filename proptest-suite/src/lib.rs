//! proptest-suite: proptest generates `sim` schedules and op sequences for the hubrace hub
//! model, and shrinks failures to minimal counterexamples.
//!
//! (Crate docs: see the end of this work.)

pub mod catalog;
pub mod ops;
pub mod runner;
pub mod schedule;
