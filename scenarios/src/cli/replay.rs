//! `hubrace replay`: judge bugs × variants, or replay one token.

use super::progress::Meter;
use super::{exit, input, CmdResult, ReplayArgs, UsageError};
use crate::catalog::Entry;
use crate::judge;
use crate::report::{self, text, BugReport, Status};
use crate::CATALOG;
use hub_core::knobs::Variant;
use hub_core::sim::{fmt_time, Sim};
use std::io::Write;

pub fn run(a: &ReplayArgs, out: &mut dyn Write) -> CmdResult {
    if let Some(token) = &a.token {
        return replay_token(token, out);
    }
    let config = input::config()?;
    let effort = input::effort(&a.effort)?;
    let selected = select(a)?;
    let _ = writeln!(out, "effort: {effort}\n");
    if config != hub_core::sim::Config::default() {
        let _ = writeln!(out, "sim bounds (from HUBRACE_*): {}\n", config.bounds());
    }
    let mut bugs: Vec<BugReport> = Vec::new();
    for (entry, variants) in selected {
        let mut meter = Meter::new();
        let b = report::bug_report_in(
            &config,
            entry,
            &variants,
            &effort,
            &mut |bug, v, phase, n| meter.tick(&|| format!("{bug} {v}: {phase}"), n),
        );
        meter.finish();
        let _ = write!(out, "{}", text::bug_header(&b));
        for v in &b.variants {
            let _ = write!(out, "\n{}", text::variant(v));
        }
        if let Some(e) = &b.equivalence {
            let _ = write!(out, "\n{}", text::equivalence(e));
        }
        let _ = writeln!(out);
        let _ = out.flush();
        bugs.push(b);
    }
    let _ = write!(out, "{}", text::matrix(&bugs, &effort));
    let all_ok = bugs
        .iter()
        .flat_map(|b| &b.variants)
        .all(|v| v.status == Status::AsExpected);
    Ok(if all_ok { exit::OK } else { exit::MISMATCH })
}

/// The bugs and variants to judge, in catalog order for `--all`, in the order given otherwise.
fn select(a: &ReplayArgs) -> Result<Vec<(&'static Entry, Vec<Variant>)>, UsageError> {
    if a.all {
        // With --all and one variant, bugs without that variant are left out.
        return Ok(CATALOG
            .iter()
            .filter_map(|e| input::variants(e, a.variant).ok().map(|v| (e, v)))
            .collect());
    }
    if a.bugs.is_empty() {
        return Err(UsageError(format!(
            "replay needs BUG..., --all or --token TOKEN; valid bugs: {}",
            crate::catalog::ids().join(", ")
        )));
    }
    a.bugs
        .iter()
        .map(|id| {
            let e = input::entry(id)?;
            Ok((e, input::variants(e, a.variant)?))
        })
        .collect()
}

/// Replay exactly the run a token names and print its timeline. Exit 0 once replayed.
fn replay_token(text: &str, out: &mut dyn Write) -> CmdResult {
    if let Some(found) = input::ops_token(text)? {
        return replay_ops(found, out);
    }
    let (token, entry, variant) = input::token(text)?;
    let config = input::config()?;
    let run = Sim::with_config(config).run(&judge::program(entry, variant), &token.schedule);
    let _ = writeln!(out, "token:     {token}");
    let _ = writeln!(out, "bug:       {} (seed {})", entry.id, entry.seed);
    let _ = writeln!(out, "variant:   {variant}");
    let _ = writeln!(out, "verdict:   {}", run.outcome);
    if let Some(expected) = entry.expected(variant) {
        let _ = writeln!(
            out,
            "expected:  {expected} (of the variant, over all its schedules){}",
            if judge::matches(expected, &run.outcome) {
                "; this run matches"
            } else {
                ""
            }
        );
    }
    write_timeline(out, "timeline", &run);
    Ok(exit::OK)
}

/// Replay an op sequence's token (printed by proptest-suite): the sequence, the run's verdict,
/// where the hub and the reference model disagree, and the timeline.
fn replay_ops(found: input::OpsToken, out: &mut dyn Write) -> CmdResult {
    use crate::ops::{disagreements, Harness, Model};
    let input::OpsToken {
        token,
        entry,
        variant,
        ops,
    } = found;
    let knobs = entry
        .knob
        .knobs(variant)
        .expect("variant checked by input::ops_token");
    let config = input::config()?;
    let (run, observed) = Harness::new(&ops, knobs).run(&Sim::with_config(config), &token.schedule);
    let model = ops.iter().fold(Model::new(), |m, op| m.apply(op));
    let disagree = disagreements(&model.expected(), &observed);
    let _ = writeln!(out, "token:     {token}");
    let _ = writeln!(
        out,
        "bug:       {} (seed {}), knob {variant}",
        entry.id, entry.seed
    );
    let _ = writeln!(out, "sequence ({} ops, one per virtual second):", ops.len());
    for (i, op) in ops.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>4}  {op}",
            fmt_time(crate::ops::play::GAP * i as u32)
        );
    }
    let _ = writeln!(out, "verdict:   {}", run.outcome);
    if disagree.is_empty() {
        let _ = writeln!(out, "the hub agrees with the reference model");
    } else {
        let _ = writeln!(out, "the hub and the reference disagree:");
        for d in &disagree {
            let _ = writeln!(out, "  - {d}");
        }
    }
    write_timeline(out, "timeline", &run);
    Ok(exit::OK)
}

/// A run's timeline under a `what (N events, N steps, ends at T, schedule S):` header.
pub(super) fn write_timeline(out: &mut dyn Write, what: &str, run: &hub_core::sim::Run) {
    let _ = writeln!(
        out,
        "{what} ({} events, {} steps, ends at {}, schedule {}):",
        run.trace.lines.len(),
        run.steps,
        fmt_time(run.end),
        run.schedule
    );
    let _ = write!(out, "{}", run.trace);
}
