//! loom's side of the engine benchmarks (`bench/run`, `hubrace bench --table`): prints one
//! tab-separated record per measurement, in the format of `scenarios::bench::record` (written
//! by hand here: `loom-tests` sits below `scenarios`).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo run -p loom-tests --release --example bench_loom -- [--bounds 2,3]
//! ```
//! - Every scaled model's buggy and documented variant, explored until its first failure at
//!   preemption bound 2, in a child process of this binary (a failing loom model aborts its
//!   process): the execution it was found in and the seconds to it. Loom is deterministic, so
//!   one run says it all; a variant loom does not fail is recorded as not found, with the
//!   executions it explored.
//! - Every scaled model's fixed variant explored to the end at each bound: executions and
//!   seconds (executions per second are derived from bound 2).

#[cfg(loom)]
fn main() -> std::process::ExitCode {
    use hub_core::knobs::Variant;
    use loom_tests::{check_at, models, run_child, run_in_child, ChildReport};
    use std::process::{Command, ExitCode};

    /// The bugs with a scaled model, in catalog order.
    const BUGS: [&str; 7] = [
        "double-close-router",
        "slow-client-close",
        "unregister-after-shutdown",
        "premature-disconnect",
        "keepalive-deadline",
        "presence-reconnect",
        "orphaned-pumps",
    ];
    fn model(bug: &'static str, variant: Variant) -> Option<impl Fn() + Send + Sync + 'static> {
        drop(models::model(bug, variant)?);
        Some(move || hub_core::rt::block_on(models::model(bug, variant).expect("checked")))
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let bounds: Vec<usize> = match args[..] {
        // Child mode: explore one failing variant; loom aborts the process on its failure.
        ["--child", bug, variant] => {
            let bug = BUGS.into_iter().find(|b| *b == bug).expect("a known bug");
            let variant = Variant::parse(variant).expect("a known variant");
            run_child(
                &format!("{bug} {variant}"),
                model(bug, variant).expect("a model of that variant"),
            );
            return ExitCode::SUCCESS;
        }
        [] => vec![2, 3],
        ["--bounds", list] => match list.split(',').map(str::parse).collect() {
            Ok(b) => b,
            Err(_) => {
                eprintln!("error: --bounds {list:?}: expected whole numbers, e.g. 2,3");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("error: unexpected arguments {args:?}; usage: bench_loom [--bounds B,B...]");
            return ExitCode::from(2);
        }
    };
    let exe = std::env::current_exe().expect("this binary's path");
    for variant in [Variant::Buggy, Variant::Documented] {
        for bug in BUGS {
            if model(bug, variant).is_none() {
                continue;
            }
            let mut child = Command::new(&exe);
            child
                .args(["--child", bug, variant.name()])
                .env("LOOM_MAX_PREEMPTIONS", "2")
                .env_remove("HUBRACE_LOOM_UNBOUNDED");
            let (count, seconds, result, text) = match run_in_child(child) {
                ChildReport::Failed(f) => (f.execution, f.seconds, "found", f.message),
                ChildReport::Passed {
                    executions,
                    seconds,
                } => (executions, seconds, "not-found", "-".to_string()),
            };
            let text = text.replace(['\t', '\n'], " ");
            println!(
                "first-failure\tloom\t{bug}\t{variant}\t-\t{count}\t{seconds:.6}\t{result}\t{text}"
            );
        }
    }
    for bug in BUGS {
        for &bound in &bounds {
            let m = model(bug, Variant::Fixed).expect("every scaled model has a fixed variant");
            let explored = check_at(&format!("{bug} fixed"), Some(bound), m);
            println!(
                "finish\tloom\t{bug}\tfixed\t{bound}\t{}\t{:.6}\texhausted\t-",
                explored.executions, explored.seconds
            );
        }
    }
    ExitCode::SUCCESS
}

#[cfg(not(loom))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "error: bench_loom measures loom: run it with RUSTFLAGS=\"--cfg loom\" \
         (bench/run does, in its own target directory)"
    );
    std::process::ExitCode::from(2)
}
