//! `sim`'s side of the benchmarks: the same measurements shuttle's and loom's runners make,
//! on the same programs.

use super::record::{Ending, Engine, Kind, Record};
use super::{failing_variants, scaled_bugs, Options};
use crate::catalog::{Entry, Expect};
use crate::judge;
use hub_core::knobs::Variant;
use hub_core::sim::{Config, Exploration, Instance, Sim, Strategy};
use std::time::Instant;

/// Every measurement of `sim`, in order, handed to `emit` as it is made: first failures of
/// every failing variant (catalog programs at the seeds' sizes), then the scaled models'
/// fixed variants explored to the end at each bound, then their throughput (random and PCT,
/// a fixed number of schedules each: DFS's spaces here are too small to time a rate on).
pub fn measure(config: &Config, opts: &Options, emit: &mut dyn FnMut(Record)) {
    let sim = Sim::with_config(config.clone());
    for (entry, variant, expect) in failing_variants() {
        for seed in 1..=opts.seeds {
            emit(first_failure(
                &sim,
                Engine::SimRandom,
                Strategy::Random { seed },
                Some(seed),
                entry,
                variant,
                expect,
                opts,
            ));
        }
        for seed in 1..=opts.seeds {
            let pct = Strategy::Pct {
                seed,
                depth: opts.pct_depth,
            };
            emit(first_failure(
                &sim,
                Engine::SimPct,
                pct,
                Some(seed),
                entry,
                variant,
                expect,
                opts,
            ));
        }
        // DFS has no seed: one run says it all. The catalog's own search: stateful DFS.
        let dfs = Strategy::DfsCached;
        emit(first_failure(
            &sim,
            Engine::SimDfs,
            dfs,
            None,
            entry,
            variant,
            expect,
            opts,
        ));
    }
    for bug in scaled_bugs() {
        for &bound in &opts.bounds {
            let dfs = Strategy::Dfs {
                preemption_bound: Some(bound),
            };
            let (found, seconds) = timed(|| sim.explore(&scaled(bug), dfs, opts.finish_cap));
            emit(finish(bug, Some(u64::from(bound)), &found, seconds));
        }
        let all = Strategy::DfsCached;
        let (found, seconds) = timed(|| sim.explore(&scaled(bug), all, opts.finish_cap));
        emit(finish(bug, None, &found, seconds));
        let throughput = [
            (Engine::SimRandom, Strategy::Random { seed: 1 }),
            (
                Engine::SimPct,
                Strategy::Pct {
                    seed: 1,
                    depth: opts.pct_depth,
                },
            ),
        ];
        for (engine, strategy) in throughput {
            let (found, seconds) =
                timed(|| sim.explore(&scaled(bug), strategy, opts.rate_executions));
            emit(Record {
                kind: Kind::Rate,
                engine,
                bug: bug.to_string(),
                variant: Variant::Fixed,
                param: None,
                count: found.schedules,
                seconds,
                result: Ending::None,
                text: found
                    .failure
                    .map(|f| f.run.outcome.to_string())
                    .unwrap_or_default(),
            });
        }
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

/// loom's scaled model of `bug`, fixed variant, as a sim program.
fn scaled(bug: &'static str) -> impl Fn() -> Instance {
    move || Instance {
        main: loom_tests::models::model(bug, Variant::Fixed).expect("a scaled model"),
        check: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn first_failure(
    sim: &Sim,
    engine: Engine,
    strategy: Strategy,
    param: Option<u64>,
    entry: &Entry,
    variant: Variant,
    expect: Expect,
    opts: &Options,
) -> Record {
    let program = judge::program(entry, variant);
    let (found, seconds) = timed(|| sim.explore(&program, strategy, opts.max_executions));
    let (count, result, text) = match found.failure {
        Some(f) => {
            let result = if judge::matches(expect, &f.run.outcome) {
                Ending::Expected
            } else {
                Ending::Other
            };
            (f.at, result, f.run.outcome.to_string())
        }
        // Runs started: with DFS's sleep sets and state caching, most runs stop early.
        None => (
            found.schedules + found.pruned,
            Ending::NotFound,
            String::new(),
        ),
    };
    Record {
        kind: Kind::FirstFailure,
        engine,
        bug: entry.id.to_string(),
        variant,
        param,
        count,
        seconds,
        result,
        text,
    }
}

fn finish(bug: &str, bound: Option<u64>, found: &Exploration, seconds: f64) -> Record {
    Record {
        kind: Kind::Finish,
        engine: Engine::SimDfs,
        bug: bug.to_string(),
        variant: Variant::Fixed,
        param: bound,
        count: found.schedules + found.pruned,
        seconds,
        result: if found.exhausted {
            Ending::Exhausted
        } else {
            Ending::Unfinished
        },
        text: found
            .failure
            .as_ref()
            .map(|f| f.run.outcome.to_string())
            .unwrap_or_default(),
    }
}
