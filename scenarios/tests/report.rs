//! The reports reviewers read: insta snapshots of every bug × variant and of the matrix, the
//! committed `docs/REPORT.md`, and determinism of the JSON report.
//!
//! Snapshots use the quick effort so `cargo test` stays fast. After a deliberate change:
//! `INSTA_UPDATE=always cargo test -p scenarios --test report` (or `cargo insta review`), and
//! `HUBRACE_BLESS=1 cargo test -p scenarios --test report` rewrites `docs/REPORT.md` (the same as
//! `cargo run --release -p scenarios -- report --out docs`).

use hub_core::knobs::Variant;
use scenarios::judge::Effort;
use scenarios::report::{self, markdown, text, NamedEffort, Report};
use scenarios::CATALOG;
use serde::Serialize;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The catalog judged once at the quick effort, shared by every test here.
fn quick() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| report::build(&NamedEffort::quick(), &mut |_, _, _, _| {}))
}

#[derive(Serialize)]
struct SnapInfo<'a> {
    bug: &'a str,
    seed: &'a str,
    variant: &'a str,
    expected: &'a str,
    effort: String,
}

#[test]
fn every_bug_and_variant_report() {
    let r = quick();
    for b in &r.bugs {
        let entry = scenarios::catalog::find(b.id).expect("a catalog bug");
        for v in &b.variants {
            let info = SnapInfo {
                bug: b.id,
                seed: b.seed,
                variant: v.variant,
                expected: &v.expected,
                effort: NamedEffort::quick().to_string(),
            };
            insta::with_settings!({
                info => &info,
                description => format!("{} · {} (seed {}): {}", b.id, v.variant, b.seed, entry.title),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{}__{}", b.id, v.variant), text::variant(v));
            });
        }
        if let Some(e) = &b.equivalence {
            insta::with_settings!({
                description => format!("{} (seed {}): equivalence of {} and {}", b.id, b.seed, e.a.variant, e.b.variant),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{}__equivalence", b.id), text::equivalence(e));
            });
        }
    }
}

#[test]
fn matrix() {
    let r = quick();
    let seeds: Vec<String> = r
        .bugs
        .iter()
        .map(|b| format!("{} ({})", b.id, b.seed))
        .collect();
    insta::with_settings!({
        info => &seeds,
        description => "bug × variant → verdict, ✓ where as expected, at the quick effort",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("matrix", text::matrix(&r.bugs, &NamedEffort::quick()));
    });
}

#[test]
fn every_bug_and_variant_is_in_the_report() {
    let r = quick();
    assert_eq!(r.bugs.len(), CATALOG.len());
    for (b, e) in r.bugs.iter().zip(CATALOG) {
        assert_eq!(b.id, e.id);
        let variants: Vec<&str> = b.variants.iter().map(|v| v.variant).collect();
        let expected: Vec<&str> = e.variants().iter().map(|v| v.name()).collect();
        assert_eq!(variants, expected, "{}", e.id);
        for v in &b.variants {
            if let Some(f) = &v.failure {
                assert!(f.token.starts_with(&format!("hr1:{}:{}:", b.id, v.variant)));
            }
        }
    }
}

fn docs_report() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/REPORT.md")
}

/// `docs/REPORT.md` is what `hubrace report --out docs` writes today, at the default effort
/// (the one reviewers read: exhaustive DFS where it finishes, 10,000 random schedules).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "the default effort takes ~100 s in release and many minutes in debug; runs in \
              `cargo test --workspace --release`, the README's and .ci/run's test command"
)]
fn committed_report_is_fresh() {
    let effort = NamedEffort::default_effort();
    let fresh = markdown::render(&report::build(&effort, &mut |_, _, _, _| {}), &effort);
    let path = docs_report();
    if std::env::var_os("HUBRACE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/REPORT.md is stale: regenerate it with \
         `cargo run --release -p scenarios -- report --out docs` \
         (or HUBRACE_BLESS=1 cargo test --release -p scenarios --test report)"
    );
}

#[test]
fn markdown_draws_every_failing_timeline() {
    let md = markdown::render(quick(), &NamedEffort::quick());
    let failures = quick()
        .bugs
        .iter()
        .flat_map(|b| &b.variants)
        .filter(|v| v.failure.is_some())
        .count();
    assert!(failures > 0);
    assert_eq!(
        md.matches("```mermaid\nsequenceDiagram\n").count(),
        failures
    );
}

/// A cheap effort, the same for every run of the determinism test.
fn tiny() -> NamedEffort {
    NamedEffort::custom(Effort {
        dfs_max: 3,
        random: 1,
        seed: 7,
    })
}

#[test]
fn json_report_is_byte_identical_every_time() {
    let first = report::to_json(&report::build(&tiny(), &mut |_, _, _, _| {}));
    for i in 1..20 {
        let again = report::to_json(&report::build(&tiny(), &mut |_, _, _, _| {}));
        assert!(again == first, "run {i} differs from run 0");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_hubrace"))
        .args(["report", "--format", "json"])
        .args(tiny().cli_flags().split(' '))
        .env_remove("HUBRACE_EFFORT")
        .output()
        .expect("hubrace runs");
    assert!(
        String::from_utf8_lossy(&out.stdout) == first,
        "the binary's JSON differs from the library's"
    );
    let parsed: serde_json::Value = serde_json::from_str(&first).expect("valid JSON");
    assert_eq!(parsed["effort"]["dfs_max"], 3);
}

#[test]
fn double_close_router_timeline_reads_in_ten_seconds() {
    let b = &quick().bugs[0];
    assert_eq!(b.id, "double-close-router");
    let buggy = b.variant(Variant::Buggy).unwrap();
    let lines = buggy
        .failure
        .as_ref()
        .unwrap()
        .trace
        .to_string()
        .lines()
        .count();
    assert!(lines < 40, "{lines} lines");
}
