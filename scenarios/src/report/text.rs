//! Plain-text renderings: one bug × variant, the matrix, an equivalence check.

use super::{BugReport, EquivReport, NamedEffort, Status, VariantReport};
use hub_core::knobs::Variant;
use std::fmt::Write;

/// One bug × variant: verdict, expectation, how much was explored, the minimal failing
/// timeline and its replay token.
pub fn variant(r: &VariantReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {} · {} (seed {}) ==", r.bug, r.variant, r.seed);
    let _ = writeln!(out, "verdict:   {}", r.verdict);
    let _ = writeln!(
        out,
        "expected:  {}  {}",
        r.expected,
        match r.status {
            Status::AsExpected => "✓ as expected",
            Status::Unproven => "~ not proven (space not exhausted at this effort)",
            Status::Unexpected => "✗ NOT as expected",
        }
    );
    match &r.failure {
        None => {
            let _ = writeln!(out, "explored:  {}", r.explored.describe());
            let _ = writeln!(out, "token:     none (no failing schedule)");
        }
        Some(f) => {
            let _ = writeln!(out, "found in:  {}", r.explored.describe_search());
            let _ = writeln!(out, "token:     {}", f.token);
            let _ = writeln!(
                out,
                "minimal failing timeline ({} events, {} steps, ends at {}, schedule {}):",
                f.timeline.len(),
                f.steps,
                f.end,
                f.schedule
            );
            out += &f.trace.to_string();
        }
    }
    out
}

/// The matrix: bug × variant → verdict kind and a mark, then a legend and a count.
pub fn matrix(bugs: &[BugReport], effort: &NamedEffort) -> String {
    let header: Vec<String> = std::iter::once("bug".to_string())
        .chain(Variant::ALL.iter().map(|v| v.name().to_string()))
        .collect();
    let mut rows: Vec<Vec<String>> = vec![header];
    for b in bugs {
        let mut row = vec![b.id.to_string()];
        for v in Variant::ALL {
            row.push(match b.variant(v) {
                Some(r) => format!("{} {}", r.verdict_kind, r.status.mark()),
                None => "—".to_string(),
            });
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "matrix, effort {effort}");
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            line += cell;
            if c + 1 < row.len() {
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let all: Vec<&VariantReport> = bugs.iter().flat_map(|b| &b.variants).collect();
    let count = |s: Status| all.iter().filter(|r| r.status == s).count();
    let _ = writeln!(
        out,
        "✓ as expected · ~ passed every schedule tried, space not exhausted (not a proof) · ✗ not as expected · — no such variant (or not asked for)"
    );
    let _ = write!(
        out,
        "{} of {} as expected",
        count(Status::AsExpected),
        all.len()
    );
    let (unproven, unexpected) = (count(Status::Unproven), count(Status::Unexpected));
    if unproven > 0 {
        let _ = write!(out, ", {unproven} not proven");
    }
    if unexpected > 0 {
        let _ = write!(out, ", {unexpected} NOT as expected");
    }
    out.push('\n');
    out
}

/// An equivalence check with its evidence.
pub fn equivalence(e: &EquivReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {} · {} vs {} ==", e.bug, e.a.variant, e.b.variant);
    let _ = writeln!(out, "result:    {}", e.summary());
    for side in [&e.a, &e.b] {
        let _ = writeln!(
            out,
            "{}: {} schedules{}, {} distinct observable{}",
            side.variant,
            side.schedules,
            if side.exhausted {
                " (all interleavings)"
            } else {
                " (space not exhausted)"
            },
            side.observables.len(),
            if side.observables.len() == 1 { "" } else { "s" }
        );
    }
    if e.equal {
        for (i, o) in e.a.observables.iter().enumerate() {
            let _ = writeln!(out, "observable {} (both):", i + 1);
            out += &indent(o);
        }
    } else {
        for side in [&e.a, &e.b] {
            for w in &side.only_here {
                let _ = writeln!(out, "only {} ({}):", side.variant, w.token);
                out += &indent(&w.observable);
            }
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {}\n", l.trim_end()))
        .collect()
}

/// A bug's header for `replay`: title, the seed's symptom and fix, and our findings.
pub fn bug_header(b: &BugReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} — {}", b.id, b.title);
    let _ = writeln!(out, "seed:      {}", b.seed);
    let _ = writeln!(out, "symptom:   {}", b.symptom);
    if !b.seed_fix.is_empty() {
        let _ = writeln!(out, "seed fix:  {}", b.seed_fix);
    }
    if let Some(d) = &b.findings.diagnosis {
        let _ = writeln!(out, "diagnosis: {d}");
    }
    if let Some(f) = &b.findings.fix {
        let _ = writeln!(out, "fix:       {f}");
    }
    out
}
