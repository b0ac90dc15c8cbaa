//! The hubrace bug catalog, its runner and judge.

pub mod bench;
pub mod catalog;
pub mod cli;
pub mod judge;
pub mod ops;
pub mod program;
pub mod report;
pub mod scale;

pub use catalog::{Entry, Expect, Knob, CATALOG};
