//! How fast proptest finds each bug and how small the shrunk counterexample is, over 20
//! seeds: the figures of the README's proptest section.
//!
//! ```sh
//! cargo run --release -p proptest-suite --example measure
//! ```
//!
//! For every catalog variant that fails: schedule fuzzing of its catalog program. For every
//! buggy knob: op sequences (1 to 10 ops) against the reference. Per row, over seeds 1..=20
//! (no regression files): the median number of cases until the first failure, and the
//! median size of the shrunk counterexample (preemptions / non-default choices / length of
//! the schedule; ops of the sequence). Prints Markdown.

use hub_core::knobs::Variant;
use hub_core::sim::Outcome;
use proptest_suite::catalog::{self, Counterexample};
use proptest_suite::ops::{self, Expected, Observed, OpCounterexample};
use proptest_suite::runner::Settings;
use scenarios::CATALOG;
use std::time::Instant;

const SEEDS: u64 = 20;
const BUDGET: u32 = 5_000;
const MAX_OPS: usize = 10;

/// The median, as people write it (`2`, `2.5`).
fn median(mut xs: Vec<u64>) -> String {
    xs.sort_unstable();
    let n = xs.len();
    let (a, b) = (xs[(n - 1) / 2], xs[n / 2]);
    if a == b {
        a.to_string()
    } else {
        format!("{}", (a + b) as f64 / 2.0)
    }
}

fn range(xs: &[u64]) -> String {
    let (lo, hi) = (xs.iter().min().unwrap(), xs.iter().max().unwrap());
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}–{hi}")
    }
}

fn leaks(_: &Expected, observed: &Observed) -> Vec<String> {
    match observed.outcome {
        Outcome::Leak { .. } => vec![observed.outcome.to_string()],
        _ => Vec::new(),
    }
}

fn main() {
    let start = Instant::now();
    println!("### Schedule fuzzing of the catalog programs ({SEEDS} seeds)\n");
    println!(
        "| bug | variant | cases to first failure: median (range) | shrunk: preemptions / non-default choices / length (median) | verdict of the shrunk schedule |"
    );
    println!("|---|---|---|---|---|");
    for entry in CATALOG {
        for &variant in entry.variants() {
            if entry.expected(variant) == Some(scenarios::Expect::Pass) {
                continue;
            }
            let (mut cases, mut pre, mut nd, mut len) = (vec![], vec![], vec![], vec![]);
            let mut verdicts = std::collections::BTreeSet::new();
            for seed in 1..=SEEDS {
                let settings = Settings::fixed(BUDGET, seed, None);
                let Some(found) = catalog::check(entry, variant, &settings).failure else {
                    println!("| {} | {variant} | not found in {BUDGET} | | |", entry.id);
                    continue;
                };
                let c = Counterexample::new(entry, variant, found);
                cases.push(u64::from(c.found.case));
                pre.push(u64::from(c.cost.preemptions));
                nd.push(c.cost.non_default as u64);
                len.push(c.cost.len as u64);
                verdicts.insert(c.run.outcome.kind());
            }
            println!(
                "| `{}` | {variant} | {} ({}) | {} / {} / {} | {} |",
                entry.id,
                median(cases.clone()),
                range(&cases),
                median(pre),
                median(nd),
                median(len),
                verdicts.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    println!(
        "\n### Op sequences against the reference model ({SEEDS} seeds, 1 to {MAX_OPS} ops)\n"
    );
    println!(
        "| knob (switched on alone) | property | cases to first failure: median (range) | shrunk ops: median (range) | schedule non-default choices (median) |"
    );
    println!("|---|---|---|---|---|");
    type Property = fn(&Expected, &Observed) -> Vec<String>;
    let mut rows: Vec<(&str, Variant, &str, Property)> = Vec::new();
    for entry in CATALOG {
        if entry.id == "readpump-goroutine" {
            continue; // not a bug: both handlers agree with the reference
        }
        rows.push((entry.id, Variant::Buggy, "agrees", ops::disagreements));
    }
    rows.push(("orphaned-pumps", Variant::Buggy, "no leak", leaks));
    rows.push((
        "presence-reconnect",
        Variant::Documented,
        "agrees",
        ops::disagreements,
    ));
    for (id, variant, name, property) in rows {
        let entry = scenarios::catalog::find(id).expect("a catalog entry");
        let knobs = entry.knob.knobs(variant).expect("a variant");
        let (mut cases, mut len, mut nd) = (vec![], vec![], vec![]);
        for seed in 1..=SEEDS {
            let settings = Settings::fixed(BUDGET, seed, None);
            let Some(found) = ops::check_with(knobs, 1..=MAX_OPS, &settings, property).failure
            else {
                println!("| `{id}` {variant} | {name} | not found in {BUDGET} | | |");
                continue;
            };
            let c = OpCounterexample::new(id, knobs, found, &settings, None);
            cases.push(u64::from(c.found.case));
            len.push(c.ops().len() as u64);
            nd.push(c.cost.non_default as u64);
        }
        println!(
            "| `{id}` {variant} | {name} | {} ({}) | {} ({}) | {} |",
            median(cases.clone()),
            range(&cases),
            median(len.clone()),
            range(&len),
            median(nd)
        );
    }
    eprintln!("\n(measured in {:.1} s)", start.elapsed().as_secs_f64());
}
