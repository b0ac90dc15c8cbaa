//! shuttle's side of the engine benchmarks (`bench/run`, `hubrace bench --table`): prints one
//! `scenarios::bench::record` per measurement.
//!
//! ```text
//! RUSTFLAGS="--cfg shuttle" cargo run -p shuttle-tests --release --example bench_shuttle -- [--quick] [--seeds N]
//! ```
//! - Every failing variant of the catalog, at the seeds' sizes: executions and seconds to the
//!   first failure under `RandomScheduler` and `PctScheduler` (depth 3), seeds 1..=N.
//! - Executions per second of both schedulers on loom's scaled models (fixed variants).
//!
//! Shuttle's own panic output for each failure goes to standard error; records go to
//! standard output.

#[cfg(shuttle)]
fn main() -> std::process::ExitCode {
    use hub_core::knobs::Variant;
    use scenarios::bench::record::{Ending, Engine, Kind, Record};
    use scenarios::bench::{expect_text, failing_variants, scaled_bugs, Options};
    use shuttle_tests::{catalog_model, explore, scaled_model, Scheduler, Search};
    use std::io::Write;
    use std::process::ExitCode;

    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = Options::default();
    let mut seeds = None;
    let mut rest = args.iter().map(String::as_str);
    while let Some(arg) = rest.next() {
        match (arg, rest.clone().next()) {
            ("--quick", _) => opts = Options::quick(),
            ("--seeds", Some(n)) => {
                rest.next();
                match n.parse::<u64>() {
                    Ok(n) if n > 0 => seeds = Some(n),
                    _ => {
                        eprintln!("error: --seeds {n:?}: expected a positive whole number");
                        return ExitCode::from(2);
                    }
                }
            }
            _ => {
                eprintln!(
                    "error: unexpected argument `{arg}`; usage: bench_shuttle [--quick] [--seeds N]"
                );
                return ExitCode::from(2);
            }
        }
    }
    if let Some(n) = seeds {
        opts.seeds = n;
    }
    let depth = opts.pct_depth as usize;
    let schedulers = [
        (Engine::ShuttleRandom, Scheduler::Random),
        (Engine::ShuttlePct, Scheduler::Pct { depth }),
    ];
    let max = opts.max_executions as usize;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (entry, variant, expect) in failing_variants() {
        for (engine, scheduler) in schedulers {
            for seed in 1..=opts.seeds {
                let model = catalog_model(entry, variant).expect("a failing variant exists");
                let explored = explore(Search::new(scheduler, seed, max).quiet(), model);
                let (result, text) = match explored.failure {
                    Some(f) if expect_text(expect, &f.message) => (Ending::Expected, f.message),
                    Some(f) => (Ending::Other, f.message),
                    None => (Ending::NotFound, String::new()),
                };
                let record = Record {
                    kind: Kind::FirstFailure,
                    engine,
                    bug: entry.id.to_string(),
                    variant,
                    param: Some(seed),
                    count: explored.executions,
                    seconds: explored.seconds,
                    result,
                    text,
                };
                let _ = writeln!(out, "{record}");
                let _ = out.flush();
            }
        }
    }
    for bug in scaled_bugs() {
        for (engine, scheduler) in schedulers {
            let model = scaled_model(bug, Variant::Fixed).expect("a scaled model");
            // A fifth of sim's count: shuttle is about ten times slower per execution.
            let search = Search::new(scheduler, 1, opts.rate_executions as usize / 5).quiet();
            let explored = explore(search, model);
            let record = Record {
                kind: Kind::Rate,
                engine,
                bug: bug.to_string(),
                variant: Variant::Fixed,
                param: None,
                count: explored.executions,
                seconds: explored.seconds,
                result: Ending::None,
                text: explored.failure.map(|f| f.message).unwrap_or_default(),
            };
            let _ = writeln!(out, "{record}");
            let _ = out.flush();
        }
    }
    ExitCode::SUCCESS
}

#[cfg(not(shuttle))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "error: bench_shuttle measures shuttle: run it with RUSTFLAGS=\"--cfg shuttle\" \
         (bench/run does, in its own target directory)"
    );
    std::process::ExitCode::from(2)
}
