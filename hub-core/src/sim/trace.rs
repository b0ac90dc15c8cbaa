//! The timeline of a run: one line per model event, with step, virtual time and task.
//!
//! The model emits events with [`crate::model_event!`]; while a sim run records, the sim
//! stamps each one. The same events go to `tracing`, live with `RUST_LOG=hub_core=trace`.

use crate::sync::host::Arc as HostArc;
use std::fmt;
use std::time::Duration;

/// One event of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLine {
    pub step: u64,
    pub time: Duration,
    pub task: HostArc<str>,
    pub text: String,
}

impl TraceLine {
    fn write(&self, f: &mut fmt::Formatter<'_>, task_width: usize) -> fmt::Result {
        write!(
            f,
            "{:>4}  {:>8}  {:<task_width$}  {}",
            self.step,
            super::fmt_time(self.time),
            self.task,
            self.text
        )
    }
}

impl fmt::Display for TraceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 20)
    }
}

/// A run's timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub lines: Vec<TraceLine>,
}

impl fmt::Display for Trace {
    /// A header, then one line per event; the task column is as wide as the longest name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .lines
            .iter()
            .map(|l| l.task.chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        writeln!(f, "step      time  {:<width$}  event", "task")?;
        for line in &self.lines {
            line.write(f, width)?;
            writeln!(f)?;
        }
        Ok(())
    }
}
