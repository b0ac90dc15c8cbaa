//! Schedule fuzzing of the catalog: each entry's program under proptest-drawn schedules.

use crate::runner::{search, Found, Search, Settings};
use crate::schedule::{Cost, Probe, Schedules};
use hub_core::knobs::Variant;
use hub_core::sim::{fmt_time, Config, Run, Schedule, Sim, Token};
use scenarios::judge;
use scenarios::Entry;
use std::fmt;
use std::sync::Arc;

/// The sim every schedule property uses: the default bounds, so that a token replays with
/// `hubrace replay --token` as printed.
pub fn sim() -> Sim {
    Sim::with_config(Config::default())
}

/// Quiet runs of one variant of an entry's program.
pub fn probe(entry: &'static Entry, variant: Variant) -> Probe {
    let mut quiet = Config::default();
    quiet.record = false;
    let sim = Sim::with_config(quiet);
    let make = judge::program(entry, variant);
    Arc::new(move |schedule: &Schedule| sim.run(&make, schedule))
}

/// The schedule strategy for one variant of an entry.
pub fn schedules(entry: &'static Entry, variant: Variant) -> Schedules {
    Schedules::for_program(probe(entry, variant))
}

/// The property "this variant passes every schedule", run under `settings`.
pub fn check(entry: &'static Entry, variant: Variant, settings: &Settings) -> Search<Schedule> {
    let probe = probe(entry, variant);
    search(&schedules(entry, variant), settings, |schedule| {
        let run = probe(schedule);
        if run.outcome.is_pass() {
            Ok(())
        } else {
            Err(run.outcome.to_string())
        }
    })
}

/// A shrunk failing schedule of a catalog program, recorded, with its replay token.
#[derive(Clone)]
pub struct Counterexample {
    pub entry: &'static Entry,
    pub variant: Variant,
    pub found: Found<Schedule>,
    /// The minimal schedule replayed with its timeline.
    pub run: Run,
    pub cost: Cost,
    pub token: Token,
}

impl Counterexample {
    pub fn new(entry: &'static Entry, variant: Variant, found: Found<Schedule>) -> Self {
        let run = judge::replay(entry, variant, &found.minimal);
        let cost = Cost::of_run(&run);
        let token = Token::new(entry.id, variant.name(), run.schedule.clone());
        Counterexample {
            entry,
            variant,
            found,
            run,
            cost,
            token,
        }
    }

    /// The `hubrace` command that replays it.
    pub fn replay_command(&self) -> String {
        format!(
            "cargo run --release -p scenarios -- replay --token {}",
            self.token
        )
    }
}

impl fmt::Debug for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Counterexample({} {}: {})",
            self.entry.id, self.variant, self.token
        )
    }
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "== {} · {}: a schedule proptest found and shrank ==",
            self.entry.id, self.variant
        )?;
        writeln!(f, "verdict:   {}", self.run.outcome)?;
        writeln!(
            f,
            "found at:  case {}, shrunk in {} runs",
            self.found.case, self.found.shrink_runs
        )?;
        writeln!(
            f,
            "minimal:   {} (schedule {})",
            self.cost, self.run.schedule
        )?;
        writeln!(f, "token:     {}", self.token)?;
        writeln!(f, "replay:    {}", self.replay_command())?;
        writeln!(
            f,
            "timeline ({} events, {} steps, ends at {}):",
            self.run.trace.lines.len(),
            self.run.steps,
            fmt_time(self.run.end)
        )?;
        write!(f, "{}", self.run.trace)
    }
}
