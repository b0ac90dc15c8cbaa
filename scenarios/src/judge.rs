//! Running an entry's variants and judging them against what the catalog expects.

use crate::catalog::{Entry, Expect};
use hub_core::knobs::Variant;
use hub_core::sim::{Config, Outcome, Run, Schedule, Sim, Strategy, Token};

/// How hard to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effort {
    /// DFS preemption bound for variants expected to pass (exhaustive at this bound).
    pub dfs_bound: u32,
    /// Cap on DFS schedules (a bound that is not exhausted within it is reported as such).
    pub dfs_max: u64,
    /// Seeded random schedules, after DFS.
    pub random: u64,
    pub seed: u64,
}

impl Default for Effort {
    fn default() -> Self {
        Effort {
            dfs_bound: 2,
            dfs_max: 2_000_000,
            random: 10_000,
            seed: 1,
        }
    }
}

/// What exploring one variant found.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub entry: &'static str,
    pub variant: Variant,
    pub expected: Expect,
    /// The first failure, shrunk and recorded; None if every schedule passed.
    pub failure: Option<Run>,
    /// Schedules run by DFS, and whether DFS exhausted its bound.
    pub dfs_schedules: u64,
    pub dfs_exhausted: bool,
    pub dfs_bound: u32,
    /// Schedules run by random exploration.
    pub random_schedules: u64,
}

impl Judgement {
    pub fn outcome(&self) -> Outcome {
        self.failure
            .as_ref()
            .map_or(Outcome::Pass, |r| r.outcome.clone())
    }

    /// Does what we found match the catalog's expectation?
    pub fn as_expected(&self) -> bool {
        matches(self.expected, &self.outcome()) && (self.failure.is_some() || self.dfs_exhausted)
    }

    pub fn token(&self) -> Option<Token> {
        self.failure
            .as_ref()
            .map(|r| Token::new(self.entry, self.variant.name(), r.schedule.clone()))
    }
}

/// Does `outcome` match `expect` exactly (panic text, leaked tasks and sites, invariant)?
pub fn matches(expect: Expect, outcome: &Outcome) -> bool {
    match (expect, outcome) {
        (Expect::Pass, Outcome::Pass) => true,
        (Expect::Panic(text), Outcome::Panic { message, .. }) => message == text,
        (Expect::Leak(tasks), Outcome::Leak { blocked }) => blocked
            .iter()
            .map(|b| b.to_string())
            .eq(tasks.iter().map(|t| t.to_string())),
        (Expect::Invariant(inv), Outcome::Invariant { name, .. }) => name == inv.name(),
        _ => false,
    }
}

/// The program factory for one variant.
pub fn program(entry: &Entry, variant: Variant) -> impl Fn() -> hub_core::sim::Instance {
    let knobs = entry
        .knob
        .knobs(variant)
        .unwrap_or_else(|| panic!("{} has no {variant} variant", entry.id));
    let program = (entry.program)();
    move || program.instance(knobs)
}

/// Replay one schedule of a variant, recorded.
pub fn replay(entry: &Entry, variant: Variant, schedule: &Schedule) -> Run {
    Sim::new().run(&program(entry, variant), schedule)
}

/// Explore a variant: DFS at the bound, then seeded random; stop at the first failure,
/// shrink it and record its timeline.
pub fn judge(entry: &'static Entry, variant: Variant, effort: Effort) -> Judgement {
    judge_with_progress(entry, variant, effort, &mut |_, _| {})
}

/// As [`judge`], reporting `(phase, schedules so far)` after every run.
pub fn judge_with_progress(
    entry: &'static Entry,
    variant: Variant,
    effort: Effort,
    progress: &mut dyn FnMut(&str, u64),
) -> Judgement {
    let expected = entry
        .expected(variant)
        .unwrap_or_else(|| panic!("{} has no expectation for {variant}", entry.id));
    let make = program(entry, variant);
    let quiet = Sim::with_config({
        let mut c = Config::default();
        c.record = false;
        c
    });
    let mut j = Judgement {
        entry: entry.id,
        variant,
        expected,
        failure: None,
        dfs_schedules: 0,
        dfs_exhausted: false,
        dfs_bound: effort.dfs_bound,
        random_schedules: 0,
    };
    let dfs = quiet.explore_with_progress(
        &make,
        Strategy::DfsSleep {
            preemption_bound: None,
        },
        effort.dfs_max,
        &mut |n| progress("dfs", n),
    );
    j.dfs_schedules = dfs.schedules;
    j.dfs_exhausted = dfs.exhausted;
    let mut found = dfs.failure.map(|f| f.run);
    if found.is_none() && effort.random > 0 {
        let random = quiet.explore_with_progress(
            &make,
            Strategy::Random { seed: effort.seed },
            effort.random,
            &mut |n| progress("random", n),
        );
        j.random_schedules = random.schedules;
        found = random.failure.map(|f| f.run);
    }
    j.failure = found.map(|run| Sim::new().shrink(&make, &run));
    j
}
