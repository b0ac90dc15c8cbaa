//! The hubrace bug catalog, its runner and judge.

pub mod catalog;
pub mod judge;
pub mod program;

pub use catalog::{Entry, Expect, Knob, CATALOG};
