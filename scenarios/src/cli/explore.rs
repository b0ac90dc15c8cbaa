//! `hubrace explore`: one variant, one strategy, the first failure shrunk.

use super::progress::Meter;
use super::{exit, input, CmdResult, ExploreArgs, StrategyArg, UsageError};
use crate::catalog::Expect;
use crate::judge;
use hub_core::sim::{Sim, Strategy, Token};
use std::io::Write;

/// The strategy the flags ask for. `dfs` without `--preemptions` is DFS with sleep sets and
/// state caching over all interleavings; with `--preemptions B`, plain DFS within B
/// preemptions.
pub fn strategy(a: &ExploreArgs) -> Result<Strategy, UsageError> {
    if a.preemptions.is_some() && a.strategy != StrategyArg::Dfs {
        return Err(UsageError(
            "--preemptions applies to --strategy dfs only; valid strategies: random, pct, dfs"
                .to_string(),
        ));
    }
    Ok(match a.strategy {
        StrategyArg::Random => Strategy::Random { seed: a.seed },
        StrategyArg::Pct => Strategy::Pct {
            seed: a.seed,
            depth: a.depth,
        },
        StrategyArg::Dfs => match a.preemptions {
            None => Strategy::DfsCached,
            Some(b) => Strategy::Dfs {
                preemption_bound: Some(b),
            },
        },
    })
}

pub fn run(a: &ExploreArgs, out: &mut dyn Write) -> CmdResult {
    let entry = input::entry(&a.bug)?;
    let variant = input::variant_of(entry, input::one(a.variant))?;
    let strategy = strategy(a)?;
    let config = input::config()?;
    let expected = entry.expected(variant);
    let sim = Sim::with_config(config);
    let program = judge::program(entry, variant);
    let unit = match strategy {
        Strategy::DfsCached => "runs",
        _ => "schedules",
    };
    let _ = writeln!(
        out,
        "exploring {} · {variant} with {strategy}, up to {} {unit}",
        entry.id, a.schedules
    );
    if let Some(e) = expected {
        let _ = writeln!(out, "expected:  {e}");
    }
    let _ = out.flush();
    let mut meter = Meter::new();
    let label = format!("{} {variant}: {strategy}", entry.id);
    let found = sim.explore_with_progress(&program, strategy, a.schedules, &mut |n| {
        meter.tick(&|| label.clone(), n)
    });
    meter.finish();
    let Some(failure) = found.failure else {
        let scope = if found.exhausted {
            "the whole space"
        } else {
            "the space was not exhausted"
        };
        let _ = match strategy {
            // Most of its runs stop early at a state explored before: count states and runs.
            Strategy::DfsCached => writeln!(
                out,
                "no failure in {} states, {} runs ({scope})",
                found.states,
                found.schedules + found.pruned
            ),
            _ => writeln!(out, "no failure in {} schedules ({scope})", found.schedules),
        };
        return Ok(match expected {
            Some(Expect::Pass) | None => exit::OK,
            Some(_) => exit::MISMATCH,
        });
    };
    let _ = writeln!(
        out,
        "failure at schedule {} of {}: {}",
        failure.at, a.schedules, failure.run.outcome
    );
    let minimal = sim.shrink(&program, &failure.run);
    let token = Token::new(entry.id, variant.name(), minimal.schedule.clone());
    let _ = writeln!(
        out,
        "shrunk from {} choices ({} not default) to {} ({} not default)",
        failure.run.schedule.choices().len(),
        failure.run.schedule.non_default(),
        minimal.schedule.choices().len(),
        minimal.schedule.non_default()
    );
    super::replay::write_timeline(out, "minimal failing timeline", &minimal);
    let _ = writeln!(out);
    let _ = writeln!(out, "verdict:   {}", minimal.outcome);
    let _ = writeln!(out, "token:     {token}");
    let _ = writeln!(out, "replay:    hubrace replay --token {token}");
    let as_expected = expected.is_some_and(|e| judge::matches(e, &minimal.outcome));
    Ok(if as_expected {
        exit::OK
    } else {
        exit::MISMATCH
    })
}
