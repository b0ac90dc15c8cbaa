//! Schedules per second of `sim` on the check-then-close race (random strategy).
//!
//! ```text
//! cargo run --release -p hub-core --example bench_sim [-- SCHEDULES]
//! ```
//! Two tasks each check that a channel is open, yield, and close it. Random exploration stops
//! at the first failing schedule, so the bench runs one exploration per seed until SCHEDULES
//! schedules have run in all (failing ones included), and also times the guarded twin (check
//! and close under one lock), where no run fails. Wall-clock time is read here, in the bench,
//! never in the model.

use hub_core::sim::demo::{check_then_close as racy, guarded_close as guarded};
use hub_core::sim::{Config, Sim, Strategy};
use std::time::Instant;

fn main() {
    let target: u64 = match std::env::args().nth(1) {
        None => 1_000_000,
        Some(a) => a.parse().unwrap_or_else(|_| {
            eprintln!("error: SCHEDULES must be a whole number, got {a:?}");
            std::process::exit(2)
        }),
    };
    let mut config = Config::default();
    config.record = false;
    let sim = Sim::with_config(config);

    let start = Instant::now();
    let (mut schedules, mut failures, mut seed) = (0u64, 0u64, 0u64);
    while schedules < target {
        let found = sim.explore(&racy, Strategy::Random { seed }, target - schedules);
        schedules += found.schedules;
        failures += u64::from(found.failure.is_some());
        seed += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "racy check-then-close:   {schedules} schedules ({failures} failures found) in {secs:.2} s = {:.0} schedules/s",
        schedules as f64 / secs
    );

    let start = Instant::now();
    let found = sim.explore(&guarded, Strategy::Random { seed: 1 }, target);
    let secs = start.elapsed().as_secs_f64();
    assert!(found.failure.is_none(), "the guarded twin never fails");
    println!(
        "guarded check-then-close: {} schedules in {secs:.2} s = {:.0} schedules/s",
        found.schedules,
        found.schedules as f64 / secs
    );
}
