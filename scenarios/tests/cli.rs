//! The `hubrace` binary: commands, exit codes, one-line errors naming the valid choices, and
//! tokens that replay byte-identical timelines.

use std::process::{Command, Output};

fn hubrace(args: &[&str]) -> Output {
    hubrace_env(args, &[])
}

fn hubrace_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hubrace"));
    cmd.args(args);
    for var in [
        "HUBRACE_EFFORT",
        "HUBRACE_MAX_STEPS",
        "HUBRACE_MAX_VIRTUAL_SECS",
        "HUBRACE_LEAK_GRACE_MS",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("hubrace runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// Bad input: exit 2, no output, exactly one line on stderr, containing every `needle`.
fn assert_bad_input(args: &[&str], env: &[(&str, &str)], needles: &[&str]) {
    let o = hubrace_env(args, env);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line:\n{err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err:?} does not name {n:?}");
    }
    assert!(stdout(&o).is_empty(), "{args:?}: printed {}", stdout(&o));
}

const ALL_IDS: &[&str] = &[
    "double-close-router",
    "slow-client-close",
    "unregister-after-shutdown",
    "premature-disconnect",
    "keepalive-deadline",
    "readpump-goroutine",
    "presence-reconnect",
    "orphaned-pumps",
];

/// The timeline block of an output: from the `step  time  task  event` header to the first
/// empty line or the end.
fn timeline(out: &str) -> String {
    let lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("step "))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(lines.len() > 1, "no timeline in:\n{out}");
    lines.join("\n")
}

fn token(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("token:"))
        .map(|t| t.trim().to_string())
        .expect("a token line")
}

#[test]
fn list_prints_one_line_per_bug() {
    let o = hubrace(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), ALL_IDS.len());
    for (line, id) in out.lines().zip(ALL_IDS) {
        assert!(line.starts_with(id), "{line}");
        assert!(line.contains(".txt"), "{line}: no seed file");
    }
}

#[test]
fn unknown_bug_ids_name_the_valid_ones() {
    assert_bad_input(&["replay", "no-such-bug"], &[], ALL_IDS);
    assert_bad_input(&["replay", "double-close-router", "nope"], &[], ALL_IDS);
    assert_bad_input(&["explore", "no-such-bug"], &[], ALL_IDS);
    assert_bad_input(&["equiv", "no-such-bug"], &[], ALL_IDS);
}

#[test]
fn bad_tokens_say_what_is_wrong() {
    assert_bad_input(
        &["replay", "--token", "hello"],
        &[],
        &["token must start with `hr1:`"],
    );
    assert_bad_input(
        &["replay", "--token", "hr1:double-close-router:buggy"],
        &[],
        &["expected 4"],
    );
    assert_bad_input(
        &["replay", "--token", "hr1:double-close-router:buggy:aaaa"],
        &[],
        &["checksum"],
    );
    assert_bad_input(
        &["replay", "--token", "hr1:no-such-bug:buggy:yu"],
        &[],
        ALL_IDS,
    );
    assert_bad_input(
        &[
            "replay",
            "--token",
            "hr1:premature-disconnect:documented:yu",
        ],
        &[],
        &[
            "premature-disconnect has no documented variant",
            "buggy, fixed",
        ],
    );
    // Op-sequence tokens (proptest-suite prints them).
    assert_bad_input(
        &["replay", "--token", "hr1:ops.no-such-bug.c1:buggy:yu"],
        &[],
        ALL_IDS,
    );
    assert_bad_input(
        &[
            "replay",
            "--token",
            "hr1:ops.presence-reconnect.z1:buggy:yu",
        ],
        &[],
        &["unknown op 'z'", "c s d r x b w e o q"],
    );
}

/// A failing op sequence's token replays: the sequence, the verdict, where the hub and the
/// reference model disagree, and the timeline (proptest-suite's snapshot of this knob).
#[test]
fn an_op_sequence_token_replays_the_sequence() {
    let o = hubrace(&[
        "replay",
        "--token",
        "hr1:ops.presence-reconnect.c2c2d20:buggy:yu",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("  2s  disconnect user 2's oldest open connection"),
        "{out}"
    );
    assert!(
        out.contains("  - presence of user 2: offline, the reference expects online"),
        "{out}"
    );
    assert!(!timeline(&out).is_empty(), "{out}");
}

#[test]
fn bad_flag_values_list_the_valid_ones() {
    assert_bad_input(
        &["replay", "double-close-router", "--variant", "x"],
        &[],
        &["buggy", "documented", "fixed", "all"],
    );
    assert_bad_input(
        &["explore", "double-close-router", "--strategy", "bfs"],
        &[],
        &["random", "pct", "dfs"],
    );
    assert_bad_input(&["report", "--format", "html"], &[], &["md", "json"]);
    assert_bad_input(
        &["explore", "double-close-router", "--preemptions", "2"],
        &[],
        &["dfs"],
    );
}

#[test]
fn a_variant_the_bug_lacks_names_the_ones_it_has() {
    assert_bad_input(
        &["replay", "premature-disconnect", "--variant", "documented"],
        &[],
        &[
            "premature-disconnect has no documented variant",
            "buggy, fixed",
        ],
    );
    assert_bad_input(
        &["explore", "readpump-goroutine", "--variant", "fixed"],
        &[],
        &["buggy, documented"],
    );
    assert_bad_input(
        &["equiv", "readpump-goroutine", "buggy", "sideways"],
        &[],
        &["buggy, documented"],
    );
}

#[test]
fn bad_environment_variables_are_one_line() {
    let args = ["replay", "double-close-router", "--variant", "buggy"];
    assert_bad_input(
        &args,
        &[("HUBRACE_MAX_STEPS", "lots")],
        &["HUBRACE_MAX_STEPS", "positive whole number"],
    );
    assert_bad_input(
        &args,
        &[("HUBRACE_EFFORT", "heroic")],
        &["HUBRACE_EFFORT", "default, quick"],
    );
    assert_bad_input(
        &["explore", "double-close-router"],
        &[("HUBRACE_LEAK_GRACE_MS", "0")],
        &["HUBRACE_LEAK_GRACE_MS"],
    );
}

#[test]
fn replay_needs_something_to_replay() {
    assert_bad_input(&["replay"], &[], ALL_IDS);
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["list", "replay", "explore", "equiv", "report", "bench"] {
        let o = hubrace(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        let out = stdout(&o);
        assert!(
            out.contains("Example"),
            "{cmd} --help has no example:\n{out}"
        );
        assert!(out.contains(&format!("hubrace {cmd}")), "{cmd}:\n{out}");
    }
    let o = hubrace(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Exit status"));
}

#[test]
fn replay_one_bug_prints_verdicts_tokens_and_the_matrix() {
    let o = hubrace(&["replay", "double-close-router", "--quick"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.starts_with("effort: quick"), "{out}");
    for v in ["buggy", "documented", "fixed"] {
        assert!(
            out.contains(&format!("== double-close-router · {v} ")),
            "{out}"
        );
    }
    assert!(out.contains("token:     hr1:double-close-router:buggy:"));
    assert!(out.contains("close of closed channel"));
    let matrix = out.split("matrix, effort quick").nth(1).expect("a matrix");
    assert!(
        matrix.contains("double-close-router  panic ✓  panic ✓"),
        "{matrix}"
    );
    assert!(matrix.contains("3 of 3 as expected"), "{matrix}");
}

#[test]
fn an_unexpected_verdict_exits_1() {
    // One DFS schedule is not enough to find the documented fix's failure.
    let o = hubrace(&[
        "replay",
        "double-close-router",
        "--variant",
        "documented",
        "--dfs-max",
        "1",
        "--random",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("pass ✗"));
    let o = hubrace(&[
        "explore",
        "double-close-router",
        "--variant",
        "documented",
        "--strategy",
        "dfs",
        "--schedules",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("no failure in 13 states, 1 runs (the space was not exhausted)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explore_prints_a_token_that_replays_byte_identically() {
    for (bug, variant, strategy) in [
        ("double-close-router", "documented", "random"),
        ("slow-client-close", "documented", "pct"),
        ("presence-reconnect", "buggy", "dfs"),
    ] {
        let o = hubrace(&[
            "explore",
            bug,
            "--variant",
            variant,
            "--strategy",
            strategy,
            "--schedules",
            "500",
        ]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
        let t = token(&out);
        assert!(t.starts_with(&format!("hr1:{bug}:{variant}:")), "{t}");
        let r = hubrace(&["replay", "--token", &t]);
        let replayed = stdout(&r);
        assert_eq!(r.status.code(), Some(0), "{replayed}{}", stderr(&r));
        assert_eq!(timeline(&out), timeline(&replayed), "{bug} {variant}");
        assert!(replayed.contains("this run matches"), "{replayed}");
    }
}

#[test]
fn explore_dfs_with_a_preemption_bound() {
    let o = hubrace(&[
        "explore",
        "double-close-router",
        "--variant",
        "documented",
        "--strategy",
        "dfs",
        "--preemptions",
        "1",
    ]);
    let out = stdout(&o);
    assert!(out.contains("dfs (preemption bound 1)"), "{out}");
    assert_eq!(o.status.code(), Some(0), "{out}");
}

#[test]
fn equiv_reports_equal_with_evidence() {
    let o = hubrace(&["equiv", "readpump-goroutine", "--quick"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("equal over all interleavings"), "{out}");
    assert!(out.contains("observable 1 (both):"), "{out}");
}

#[test]
fn equiv_reports_different_with_a_witness_per_side() {
    let o = hubrace(&["equiv", "double-close-router", "buggy", "fixed", "--quick"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("different"), "{out}");
    assert!(
        out.contains("only buggy (hr1:double-close-router:buggy:"),
        "{out}"
    );
    assert!(
        out.contains("only fixed (hr1:double-close-router:fixed:"),
        "{out}"
    );
}

#[test]
fn report_writes_markdown_to_a_directory() {
    let dir = std::env::temp_dir().join(format!("hubrace-report-{}", std::process::id()));
    let o = hubrace(&[
        "report",
        "--dfs-max",
        "3",
        "--random",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let md = std::fs::read_to_string(dir.join("REPORT.md")).expect("REPORT.md written");
    assert!(md.starts_with("# hubrace report"));
    assert!(md.contains("```mermaid"));
    assert!(md.contains("--dfs-max 3 --random 0 --effort-seed 1"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_token_in_the_help_replays() {
    let help = stdout(&hubrace(&["replay", "--help"]));
    let token = help
        .split_whitespace()
        .find(|w| w.starts_with("hr1:"))
        .expect("an example token");
    let o = hubrace(&["replay", "--token", token]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("this run matches"));
}

#[test]
fn sim_bounds_from_the_environment_reach_the_judge() {
    // A 10-step bound cannot fit the fixed hub's run: the judge must see it, say so, exit 1.
    let o = hubrace_env(
        &[
            "replay",
            "double-close-router",
            "--variant",
            "fixed",
            "--quick",
        ],
        &[("HUBRACE_MAX_STEPS", "10")],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("sim bounds (from HUBRACE_*): max steps 10,"),
        "{out}"
    );
    assert!(out.contains("verdict:   step limit: 10 steps"), "{out}");
}

/// `hubrace bench`: sim's records, the same schedule counts on every run, rendered by
/// `--table` with the goals.
#[test]
fn bench_records_are_deterministic_but_for_times_and_render_as_a_table() {
    let counts = |out: &str| -> Vec<String> {
        // Every field but the seconds (the seventh).
        out.lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split('\t').collect();
                assert_eq!(f.len(), 9, "not a record: {l}");
                f.remove(6);
                f.join("\t")
            })
            .collect()
    };
    let o = hubrace(&["bench", "--quick", "--seeds", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = stdout(&o);
    let again = stdout(&hubrace(&["bench", "--quick", "--seeds", "1"]));
    assert_eq!(counts(&first), counts(&again));
    // 11 failing variants × (random, PCT, DFS); 7 scaled models × (bound 2, all
    // interleavings, random rate, PCT rate).
    let kinds: Vec<&str> = first
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "first-failure").count(), 33);
    assert_eq!(kinds.iter().filter(|k| **k == "finish").count(), 14);
    assert_eq!(kinds.iter().filter(|k| **k == "rate").count(), 14);
    // sim finds every failing variant, and every fixed space is exhausted.
    for line in first.lines() {
        let result = line.split('\t').nth(7).unwrap();
        assert!(
            ["expected", "other", "exhausted", "-"].contains(&result),
            "{line}"
        );
    }
    let file = std::env::temp_dir().join(format!("hubrace-bench-{}.tsv", std::process::id()));
    std::fs::write(&file, &first).unwrap();
    let o = hubrace(&["bench", "--table", file.to_str().unwrap()]);
    std::fs::remove_file(&file).ok();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("### Schedules to the first failure"), "{md}");
    assert!(
        md.contains(
            "| `double-close-router` | 1 (1–1) | 1 (1–1) | 1 (deterministic) | — | — | — |"
        ),
        "{md}"
    );
    // Without shuttle's or loom's records the goals comparing with them cannot be judged.
    assert!(
        md.contains("3. **Every buggy variant found by `sim` in under 1 s: "),
        "{md}"
    );
    assert!(
        md.contains("2. **`sim` runs at least 10× loom's executions per second: not measured**"),
        "{md}"
    );
}

#[test]
fn bench_bad_input_is_one_line() {
    assert_bad_input(
        &["bench", "--seeds", "0"],
        &[],
        &["--seeds 0", "at least 1"],
    );
    assert_bad_input(&["bench", "--seeds", "x"], &[], &["--seeds"]);
    assert_bad_input(
        &["bench", "--table", "/nonexistent/records.tsv"],
        &[],
        &["cannot read /nonexistent/records.tsv"],
    );
    let file = std::env::temp_dir().join(format!("hubrace-bad-{}.tsv", std::process::id()));
    std::fs::write(
        &file,
        "building...\nrate\tloom\tx\tfixed\t-\tten\t1.0\t-\t-\n",
    )
    .unwrap();
    let path = file.to_str().unwrap().to_string();
    assert_bad_input(
        &["bench", "--table", &path],
        &[],
        &[&path, "line 2: count `ten` is not a whole number"],
    );
    std::fs::write(&file, "no records here\n").unwrap();
    assert_bad_input(&["bench", "--table", &path], &[], &["no benchmark records"]);
    std::fs::remove_file(&file).ok();
}
