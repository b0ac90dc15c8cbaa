//! The engine benchmarks: `sim` against shuttle and loom on the same hub model.
//!
//! The question they answer is the one a user asks: why use hubrace rather than shuttle or
//! loom directly? Each engine needs its own build (`sim` normally, shuttle under
//! `--cfg shuttle`, loom under `--cfg loom`), so each has a runner that prints [`record`]s
//! and `hubrace bench --table` turns all of them into one Markdown table; `bench/run` does
//! the three builds and runs.
//!
//! What is measured:
//! - every failing variant of the catalog (buggy, and documented fixes that still fail), at
//!   the seeds' own sizes: schedules (executions) and seconds to the first failure, for `sim`
//!   random, PCT and DFS, and shuttle random and PCT, over seeds 1..=N; loom, which cannot
//!   run 34 clients, on its scaled model of the same bug (deterministic: one run);
//! - every fixed variant of loom's scaled models: schedules and seconds for `sim`'s DFS and
//!   loom to explore the whole space at preemption bounds 2 and 3 (and `sim`'s stateful DFS
//!   over all interleavings);
//! - executions per second of every engine on those scaled models.
//!
//! Nothing here is asserted on: the figures go in the README, with the machine they ran on.

pub mod record;
pub mod sim;
pub mod table;

use crate::catalog::{Entry, Expect, CATALOG};
use hub_core::knobs::Variant;

/// How much to measure.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Seeds 1..=`seeds` for every seeded engine.
    pub seeds: u64,
    /// Cap on schedules (executions) per search for a first failure.
    pub max_executions: u64,
    /// PCT's bug depth (sim and shuttle alike).
    pub pct_depth: u32,
    /// Preemption bounds at which the fixed scaled models are explored to the end.
    pub bounds: Vec<u32>,
    /// Cap on schedules per exploration to the end (a space larger than this is reported
    /// unfinished).
    pub finish_cap: u64,
    /// Executions per throughput measurement (`sim`'s; shuttle runs a fifth of these, being
    /// about ten times slower, so each sample takes about a second).
    pub rate_executions: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seeds: 20,
            max_executions: 20_000,
            pct_depth: 3,
            bounds: vec![2, 3],
            finish_cap: 10_000_000,
            rate_executions: 100_000,
        }
    }
}

impl Options {
    /// A run of seconds rather than minutes: 5 seeds, bound 2 only, fewer executions.
    pub fn quick() -> Options {
        Options {
            seeds: 5,
            max_executions: 5_000,
            bounds: vec![2],
            rate_executions: 5_000,
            ..Options::default()
        }
    }
}

/// The variants the first-failure benchmarks run: every buggy and documented variant the
/// catalog expects to fail, with that expectation. (`readpump-goroutine`'s two handlers
/// both pass: it is an equivalence question, not a bug.)
pub fn failing_variants() -> Vec<(&'static Entry, Variant, Expect)> {
    let mut out = Vec::new();
    for variant in [Variant::Buggy, Variant::Documented] {
        for entry in CATALOG {
            if let Some(expect) = entry.expected(variant).filter(|x| *x != Expect::Pass) {
                out.push((entry, variant, expect));
            }
        }
    }
    out
}

/// The bugs loom-tests has a scaled model of (`loom_tests::models`), in catalog order.
pub fn scaled_bugs() -> Vec<&'static str> {
    CATALOG
        .iter()
        .map(|e| e.id)
        .filter(|id| loom_tests::models::model(id, Variant::Fixed).is_some())
        .collect()
}

/// Whether a first failure's text, as shuttle's and loom's runners report it (the panic
/// text, `invariant <name> violated: ...`, or the threads engine's `leak: ...` verdict), is
/// the failure the catalog expects: the exact Go panic text, the named invariant, or a leak
/// of exactly the listed tasks at exactly those wait sites.
pub fn expect_text(expect: Expect, text: &str) -> bool {
    match expect {
        Expect::Pass => false,
        Expect::Panic(message) => text == message,
        Expect::Invariant(inv) => text.starts_with(&format!("invariant {} violated: ", inv.name())),
        Expect::Leak(tasks) => {
            let Some((parked, _)) = text
                .strip_prefix("leak: ")
                .and_then(|rest| rest.split_once(" (virtual time "))
            else {
                return false;
            };
            let mut found: Vec<&str> = parked.split("; ").collect();
            let mut expected: Vec<&str> = tasks.to_vec();
            found.sort_unstable();
            expected.sort_unstable();
            found == expected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_core::hub::Invariant;

    #[test]
    fn texts_match_only_their_expectation() {
        let panic = Expect::Panic("close of closed channel");
        assert!(expect_text(panic, "close of closed channel"));
        assert!(!expect_text(panic, "send on closed channel"));
        let inv = Expect::Invariant(Invariant::HealthyPeerOpen);
        assert!(expect_text(
            inv,
            "invariant healthy-peer-open violated: conn#1 closed by the server at 1m"
        ));
        assert!(!expect_text(
            inv,
            "invariant closed-before-first-message violated: conn#1"
        ));
        let leak = Expect::Leak(&["b: recv on x (cap 1)", "a: send on y (cap 0)"]);
        let verdict = "(virtual time 1s, every model task parked, no timer due)";
        assert!(expect_text(
            leak,
            &format!("leak: a: send on y (cap 0); b: recv on x (cap 1) {verdict}")
        ));
        assert!(!expect_text(
            leak,
            &format!("leak: a: send on y (cap 0) {verdict}")
        ));
        assert!(!expect_text(
            leak,
            &format!("deadlock: a: send on y (cap 0); b: recv on x (cap 1) {verdict}")
        ));
        assert!(!expect_text(Expect::Pass, ""));
    }

    #[test]
    fn the_failing_variants_are_the_catalogs() {
        let ids: Vec<String> = failing_variants()
            .iter()
            .map(|(e, v, _)| format!("{} {v}", e.id))
            .collect();
        assert_eq!(
            ids,
            [
                "double-close-router buggy",
                "slow-client-close buggy",
                "unregister-after-shutdown buggy",
                "premature-disconnect buggy",
                "keepalive-deadline buggy",
                "presence-reconnect buggy",
                "orphaned-pumps buggy",
                "double-close-router documented",
                "slow-client-close documented",
                "unregister-after-shutdown documented",
                "presence-reconnect documented",
            ]
        );
        assert_eq!(scaled_bugs().len(), 7);
        assert!(!scaled_bugs().contains(&"readpump-goroutine"));
    }
}
