//! State caching (`Strategy::DfsCached`) against plain sleep-set DFS, on every catalog entry
//! and variant: stopping runs at quiescent states explored before must not lose a verdict.
//!
//! Where sleep-set DFS covers the whole space within its cap, both must reach exactly the same
//! set of verdicts (each with its detail); where it does not, everything it reached must be
//! among what the cached exploration reached. The cached side must finish wherever the
//! catalog says its DFS does. This is the empirical half of the soundness argument in
//! `hub_core::sim`'s digest module (what a digest covers, and why it is the whole state).

use hub_core::sim::{Config, Exploration, Sim, Strategy};
use scenarios::catalog::CATALOG;
use scenarios::judge::program;
use std::collections::BTreeSet;

/// Runs per side. Sleep-set DFS without caching exhausts most entries well within it; the
/// 34-client `unregister-after-shutdown` gets a smaller cap (a run there takes a millisecond,
/// and neither side finishes it in a test: see its catalog entry).
fn cap(entry: &str) -> u64 {
    match entry {
        "unregister-after-shutdown" => 500,
        _ => 10_000,
    }
}

fn verdicts(
    sim: &Sim,
    make: &dyn Fn() -> hub_core::sim::Instance,
    s: Strategy,
    cap: u64,
) -> (BTreeSet<String>, Exploration) {
    let mut seen = BTreeSet::new();
    let explored = sim.explore_each(&make, s, cap, &mut |_, run| {
        seen.insert(run.outcome.to_string());
        true
    });
    (seen, explored)
}

#[test]
fn state_caching_keeps_every_verdict() {
    let mut config = Config::default();
    config.record = false;
    let sim = Sim::with_config(config);
    let mut compared_whole = 0;
    for entry in CATALOG {
        for &variant in entry.variants() {
            let make = program(entry, variant);
            let (plain, plain_x) = verdicts(
                &sim,
                &make,
                Strategy::DfsSleep {
                    preemption_bound: None,
                },
                cap(entry.id),
            );
            let (cached, cached_x) = verdicts(&sim, &make, Strategy::DfsCached, cap(entry.id));
            let what = format!(
                "{} {variant}: sleep sets {} schedules (exhausted {}), cached {} schedules + {} merged (exhausted {})",
                entry.id,
                plain_x.schedules,
                plain_x.exhausted,
                cached_x.schedules,
                cached_x.merged,
                cached_x.exhausted
            );
            if plain_x.exhausted {
                assert!(cached_x.exhausted, "{what}");
                assert_eq!(plain, cached, "{what}");
                compared_whole += 1;
            } else {
                assert!(plain.is_subset(&cached), "{what}: {plain:?} vs {cached:?}");
            }
        }
    }
    // Most of the catalog is small enough for the full comparison; a change that made the
    // plain side stop short everywhere would turn this test into a subset check only.
    assert!(
        compared_whole >= 12,
        "{compared_whole} variants compared whole"
    );
}
