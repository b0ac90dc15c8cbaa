//! Running an entry's variants and judging them against what the catalog expects.

use crate::catalog::{Entry, Expect};
use hub_core::hub::Hub;
use hub_core::knobs::Variant;
use hub_core::sim::{fmt_time, Config, Outcome, Run, Schedule, Sim, Strategy, Token};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// How hard to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effort {
    /// Cap on runs for exhaustive DFS with sleep sets and state caching (all interleavings,
    /// up to re-ordering independent steps, each state explored once); a space not
    /// exhausted within it is reported as such.
    pub dfs_max: u64,
    /// Seeded random schedules, after DFS.
    pub random: u64,
    pub seed: u64,
}

impl Default for Effort {
    fn default() -> Self {
        Effort {
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
    /// Complete schedules run by DFS, and whether it covered every interleaving.
    pub dfs_schedules: u64,
    pub dfs_exhausted: bool,
    /// Runs DFS stopped at a state it had explored before, and the distinct
    /// states it saw.
    pub dfs_merged: u64,
    pub dfs_states: u64,
    /// Runs DFS stopped early (`dfs_merged` among them).
    pub dfs_pruned: u64,
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
        // A pass counts only if DFS covered the whole space.
        matches(self.expected, &self.outcome()) && (self.failure.is_some() || self.dfs_exhausted)
    }

    /// Every run DFS started: complete schedules and runs stopped early (redundant by sleep
    /// sets, or at a state explored before). The DFS cap counts these.
    pub fn dfs_runs(&self) -> u64 {
        self.dfs_schedules + self.dfs_pruned
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
    replay_in(&Config::default(), entry, variant, schedule)
}

/// As [`replay`], with the sim's bounds from `config` (a token replays the same run only
/// under the same bounds).
pub fn replay_in(config: &Config, entry: &Entry, variant: Variant, schedule: &Schedule) -> Run {
    let mut recorded = config.clone();
    recorded.record = true;
    Sim::with_config(recorded).run(&program(entry, variant), schedule)
}

/// `config` without recording (exploration runs).
fn quiet(config: &Config) -> Sim {
    let mut quiet = config.clone();
    quiet.record = false;
    Sim::with_config(quiet)
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
    judge_in(&Config::default(), entry, variant, effort, progress)
}

/// As [`judge_with_progress`], with the sim's bounds from `config` (`HUBRACE_*`).
pub fn judge_in(
    config: &Config,
    entry: &'static Entry,
    variant: Variant,
    effort: Effort,
    progress: &mut dyn FnMut(&str, u64),
) -> Judgement {
    let expected = entry
        .expected(variant)
        .unwrap_or_else(|| panic!("{} has no expectation for {variant}", entry.id));
    let make = program(entry, variant);
    let quiet = quiet(config);
    let mut j = Judgement {
        entry: entry.id,
        variant,
        expected,
        failure: None,
        dfs_schedules: 0,
        dfs_exhausted: false,
        dfs_merged: 0,
        dfs_states: 0,
        dfs_pruned: 0,
        random_schedules: 0,
    };
    // Look for the expected failure; keep the first other failure as a fallback. A variant
    // expected to pass stops at its first failure.
    let mut matched: Option<Run> = None;
    let mut other: Option<Run> = None;
    let look = |run: &Run, matched: &mut Option<Run>, other: &mut Option<Run>| -> bool {
        if run.outcome.is_pass() {
            return true;
        }
        if expected != Expect::Pass && matches(expected, &run.outcome) {
            *matched = Some(run.clone());
            return false;
        }
        if other.is_none() {
            *other = Some(run.clone());
        }
        expected != Expect::Pass
    };
    let dfs = quiet.explore_each_with_progress(
        &make,
        Strategy::DfsCached,
        effort.dfs_max,
        &mut |n| progress("dfs", n),
        &mut |_, run| look(run, &mut matched, &mut other),
    );
    j.dfs_schedules = dfs.schedules;
    j.dfs_exhausted = dfs.exhausted;
    j.dfs_merged = dfs.merged;
    j.dfs_pruned = dfs.pruned;
    j.dfs_states = dfs.states;
    let settled = matched.is_some() || (expected == Expect::Pass && other.is_some());
    if !settled && effort.random > 0 {
        let random = quiet.explore_each(
            &make,
            Strategy::Random { seed: effort.seed },
            effort.random,
            &mut |n, run| {
                progress("random", n);
                look(run, &mut matched, &mut other)
            },
        );
        j.random_schedules = random.schedules;
    }
    let found = matched.or(other);
    j.failure = found.map(|run| Sim::with_config(config.clone()).shrink(&make, &run));
    j
}

/// What the outside world can see of a run: the verdict (kind and detail, no task names) and
/// what every peer observed, with virtual times. Two variants are equivalent when they can
/// produce the same set of these.
pub fn observable(outcome: &Outcome, hub: &Hub) -> String {
    let key = outcome.key();
    let mut out = match key.is_empty() {
        true => format!("verdict: {}\n", outcome.kind()),
        false => format!("verdict: {} {key}\n", outcome.kind()),
    };
    for c in hub.all_clients() {
        let conn = c.conn();
        out += &format!(
            "{} opened {} closed {}:",
            conn.name(),
            fmt_time(conn.opened_at()),
            conn.closed_at().map_or("never".to_string(), fmt_time)
        );
        for (at, saw) in conn.observed() {
            out += &format!(" {}={saw:?}", fmt_time(at));
        }
        out += "\n";
    }
    out
}

/// One variant's side of an equivalence check.
#[derive(Clone, Debug)]
pub struct Side {
    pub variant: Variant,
    pub schedules: u64,
    pub exhausted: bool,
    /// Each distinct observable, with the first schedule that produced it.
    pub observables: BTreeMap<String, Schedule>,
}

/// The equivalence check of two variants over all their interleavings.
#[derive(Clone, Debug)]
pub struct Equivalence {
    pub entry: &'static str,
    pub a: Side,
    pub b: Side,
}

impl Equivalence {
    /// Both spaces were explored completely and produced the same observables.
    pub fn proven_equal(&self) -> bool {
        self.a.exhausted && self.b.exhausted && self.equal_sets()
    }

    pub fn equal_sets(&self) -> bool {
        self.a.observables.keys().eq(self.b.observables.keys())
    }

    /// Observables only `a` (resp. `b`) can produce, with a witness schedule.
    pub fn only_in_a(&self) -> Vec<(&String, &Schedule)> {
        self.a
            .observables
            .iter()
            .filter(|(k, _)| !self.b.observables.contains_key(*k))
            .collect()
    }

    pub fn only_in_b(&self) -> Vec<(&String, &Schedule)> {
        self.b
            .observables
            .iter()
            .filter(|(k, _)| !self.a.observables.contains_key(*k))
            .collect()
    }
}

/// Explore every interleaving of one variant (DFS with sleep sets and state caching, up to
/// `max` runs) and collect its observables.
pub fn observe(entry: &Entry, variant: Variant, max: u64) -> Side {
    observe_in(&Config::default(), entry, variant, max)
}

/// As [`observe`], with the sim's bounds from `config`.
pub fn observe_in(config: &Config, entry: &Entry, variant: Variant, max: u64) -> Side {
    observe_with(config, entry, variant, Strategy::DfsCached, max)
}

/// As [`observe_in`], exploring with `strategy` (to check one exploration against another).
pub fn observe_with(
    config: &Config,
    entry: &Entry,
    variant: Variant,
    strategy: Strategy,
    max: u64,
) -> Side {
    let knobs = entry
        .knob
        .knobs(variant)
        .unwrap_or_else(|| panic!("{} has no {variant} variant", entry.id));
    let program = (entry.program)();
    let slot: RefCell<Option<Hub>> = RefCell::new(None);
    let make = || {
        let (instance, hub) = program.instance_with_hub(knobs);
        *slot.borrow_mut() = Some(hub);
        instance
    };
    let quiet = quiet(config);
    let mut observables = BTreeMap::new();
    let found = quiet.explore_each(&make, strategy, max, &mut |_, run| {
        let hub = slot.borrow();
        let seen = observable(&run.outcome, hub.as_ref().expect("the run built a hub"));
        observables
            .entry(seen)
            .or_insert_with(|| run.schedule.clone());
        true
    });
    Side {
        variant,
        schedules: found.schedules,
        exhausted: found.exhausted,
        observables,
    }
}

/// Compare two variants of `entry` over all their interleavings.
pub fn equivalence(entry: &'static Entry, a: Variant, b: Variant, max: u64) -> Equivalence {
    equivalence_in(&Config::default(), entry, a, b, max)
}

/// As [`equivalence`], with the sim's bounds from `config`.
pub fn equivalence_in(
    config: &Config,
    entry: &'static Entry,
    a: Variant,
    b: Variant,
    max: u64,
) -> Equivalence {
    Equivalence {
        entry: entry.id,
        a: observe_in(config, entry, a, max),
        b: observe_in(config, entry, b, max),
    }
}
