//! The timeline of a run: one line per model event, with step, virtual time and task.
//!
//! The model emits events with `tracing` (target `hub_core::model`); while a sim run records,
//! [`RecordLayer`] hands each event to the running sim, which stamps it. The same events show
//! live with `RUST_LOG=hub_core=trace`.

use crate::sync::host::Arc as HostArc;
use std::fmt;
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::Layer;

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

/// A `tracing` layer that records hub-core events into the sim running on this thread.
pub struct RecordLayer;

struct MessageVisitor(Option<String>);

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = Some(value.to_string());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for RecordLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _cx: LayerContext<'_, S>) {
        if !event.metadata().target().starts_with("hub_core") {
            return;
        }
        let mut visitor = MessageVisitor(None);
        event.record(&mut visitor);
        if let Some(text) = visitor.0 {
            crate::rt::record_event(text);
        }
    }
}
