//! Running the op-sequence property and showing a counterexample to people.

use super::case::{reference, OpCase, OpCases};
use super::compare::disagreements;
use super::model::{Expected, Model};
use super::op::Op;
use super::play::{Harness, Observed, GAP};
use crate::runner::{search, Found, Search, Settings};
use crate::schedule::Cost;
use hub_core::knobs::Knobs;
use hub_core::sim::{fmt_time, Config, Run, Sim, Token};
use std::fmt;
use std::ops::RangeInclusive;

/// The property "the run passes and the hub agrees with the reference" over sequences of
/// `len` ops, with these knobs, under `settings`.
pub fn check(knobs: Knobs, len: RangeInclusive<usize>, settings: &Settings) -> Search<OpCase> {
    check_with(knobs, len, settings, disagreements)
}

/// As [`check`], with another property: `failures(expected, observed)` lists why a run fails
/// it (empty: it holds). For a narrower question than full agreement, such as "no task is
/// left parked".
pub fn check_with(
    knobs: Knobs,
    len: RangeInclusive<usize>,
    settings: &Settings,
    failures: impl Fn(&Expected, &Observed) -> Vec<String>,
) -> Search<OpCase> {
    let mut quiet = Config::default();
    quiet.record = false;
    let sim = Sim::with_config(quiet);
    let cases = OpCases {
        knobs,
        sim: sim.clone(),
        len,
    };
    search(&cases, settings, |case| {
        let (_, observed) = Harness::new(&case.ops, knobs).run(&sim, &case.schedule);
        let found = failures(&reference(&case.ops).expected(), &observed);
        if found.is_empty() {
            Ok(())
        } else {
            Err(found.join("; "))
        }
    })
}

/// A shrunk op-sequence counterexample, replayed with its timeline.
#[derive(Clone, Debug)]
pub struct OpCounterexample {
    /// Which hub: e.g. `double-close-router buggy (every other knob fixed)`.
    pub hub: String,
    pub found: Found<OpCase>,
    pub run: Run,
    pub observed: Observed,
    pub disagreements: Vec<String>,
    pub cost: Cost,
    /// The regression file the test replays first.
    pub regressions: Option<&'static str>,
    /// The same bug's catalog program, failing: a token `hubrace replay --token` takes.
    pub catalog_token: Option<Token>,
    /// The knobs the sequence ran with (its token names the one switched on).
    pub knobs: Knobs,
}

impl OpCounterexample {
    pub fn new(
        hub: impl Into<String>,
        knobs: Knobs,
        found: Found<OpCase>,
        settings: &Settings,
        catalog_token: Option<Token>,
    ) -> Self {
        let (run, observed) =
            Harness::new(&found.minimal.ops, knobs).run(&Sim::new(), &found.minimal.schedule);
        let disagreements = disagreements(&reference(&found.minimal.ops).expected(), &observed);
        OpCounterexample {
            hub: hub.into(),
            cost: Cost::of_run(&run),
            found,
            run,
            observed,
            disagreements,
            regressions: settings.regressions,
            catalog_token,
            knobs,
        }
    }

    pub fn ops(&self) -> &[Op] {
        &self.found.minimal.ops
    }

    /// The token `hubrace replay --token` replays this sequence from (`None` with no knob
    /// switched on: the fixed hub).
    pub fn token(&self) -> Option<Token> {
        let (entry, variant) = scenarios::catalog::switched(self.knobs)?;
        Some(scenarios::ops::token::encode(
            entry,
            variant,
            self.ops(),
            self.run.schedule.clone(),
        ))
    }
}

impl OpCounterexample {
    /// The counterexample without how the search went (which case found it, how many runs
    /// shrank it: a replayed regression seed changes those, not the counterexample). This
    /// is what snapshots hold.
    pub fn story(&self) -> String {
        self.render(false)
    }

    fn render(&self, search: bool) -> String {
        use std::fmt::Write;
        let mut f = String::new();
        let ops = self.ops();
        let _ = writeln!(f, "== op sequence · {} ==", self.hub);
        let _ = writeln!(
            f,
            "sequence ({} op{}, {} apart):",
            ops.len(),
            if ops.len() == 1 { "" } else { "s" },
            fmt_time(GAP)
        );
        let mut model = Model::new();
        for (i, op) in ops.iter().enumerate() {
            let target = model.target_of(op);
            let before = model.conns.len();
            model = model.apply(op);
            let mut conns: Vec<String> = target.iter().map(|id| format!("conn#{id}")).collect();
            conns.extend((before + 1..=model.conns.len()).map(|id| format!("new conn#{id}")));
            let note = match conns.is_empty() {
                true => String::new(),
                false => format!("  [{}]", conns.join(", ")),
            };
            let _ = writeln!(f, "  {:>4}  {op}{note}", fmt_time(GAP * i as u32));
        }
        let _ = writeln!(f, "schedule:  {} ({})", self.run.schedule, self.cost);
        let _ = writeln!(f, "verdict:   {}", self.run.outcome);
        if search {
            let _ = writeln!(
                f,
                "found at:  case {}, shrunk in {} runs",
                self.found.case, self.found.shrink_runs
            );
        }
        let _ = writeln!(f, "the hub and the reference disagree:");
        for d in &self.disagreements {
            let _ = writeln!(f, "  - {d}");
        }
        let _ = writeln!(f, "case:      {:?}", self.found.minimal);
        if let Some(path) = self.regressions {
            let _ = writeln!(
                f,
                "seed:      in proptest-suite/{path}; the test replays it first"
            );
        }
        if let Some(token) = self.token() {
            let _ = writeln!(
                f,
                "replay:    cargo run --release -p scenarios -- replay --token {token}"
            );
        }
        if let Some(token) = &self.catalog_token {
            let _ = writeln!(
                f,
                "catalog:   the same bug in its catalog program: \
                 cargo run --release -p scenarios -- replay --token {token}"
            );
        }
        let _ = writeln!(
            f,
            "timeline ({} events, {} steps, ends at {}):",
            self.run.trace.lines.len(),
            self.run.steps,
            fmt_time(self.run.end)
        );
        f + &self.run.trace.to_string()
    }
}

impl fmt::Display for OpCounterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}
