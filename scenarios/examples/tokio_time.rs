//! Virtual time reached against real time taken, for the catalog's time scenarios on a paused
//! tokio clock.
//!
//! ```text
//! cargo run --release -p scenarios --example tokio_time
//! ```
//! Each catalog program runs unmodified on `run_paused` (seed 1); the line shows the verdict,
//! the virtual time the run reached and the wall time it took (best of 5 runs). Wall-clock
//! time is read here, in the bench, never in the model.

#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    use hub_core::knobs::Variant;
    use hub_core::rt::tokio::{run_paused, Config};
    use hub_core::sim::fmt_time;
    use scenarios::catalog::find;
    use std::time::Instant;

    println!(
        "{:<28} {:<6} {:>10} {:>10}  verdict",
        "scenario", "", "virtual", "wall"
    );
    for id in [
        "keepalive-deadline",
        "presence-reconnect",
        "unregister-after-shutdown",
    ] {
        let entry = find(id).expect("catalog entry");
        for variant in [Variant::Buggy, Variant::Fixed] {
            let knobs = entry.knob.knobs(variant).expect("variant exists");
            let mut best = f64::INFINITY;
            let mut last = None;
            for _ in 0..5 {
                let instance = (entry.program)().instance(knobs);
                let start = Instant::now();
                let report = run_paused(&Config::default(), instance);
                best = best.min(start.elapsed().as_secs_f64());
                last = Some(report);
            }
            let report = last.expect("five runs");
            println!(
                "{id:<28} {variant:<6} {:>10} {:>8.2}ms  {}",
                fmt_time(report.end),
                best * 1000.0,
                report.outcome
            );
        }
    }
}
