//! Running models under loom: bounds, counting, failing models in a child process.

use hub_core::invariant::payload_text;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Once};
use std::time::Instant;

/// Set in a child process started by [`failing_in_child`].
pub const CHILD_ENV: &str = "HUBRACE_LOOM_CHILD";

/// How much loom explored.
#[derive(Clone, Copy, Debug)]
pub struct Explored {
    pub executions: u64,
    /// `None`: unbounded.
    pub preemption_bound: Option<usize>,
    /// Wall-clock seconds (a measurement for the README, never asserted on).
    pub seconds: f64,
}

impl std::fmt::Display for Explored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.preemption_bound {
            Some(b) => write!(
                f,
                "{} executions at preemption bound {b} in {:.2} s",
                self.executions, self.seconds
            ),
            None => write!(
                f,
                "{} executions, unbounded, in {:.2} s",
                self.executions, self.seconds
            ),
        }
    }
}

/// The preemption bound from the environment: `LOOM_MAX_PREEMPTIONS` (default 2), or none
/// with `HUBRACE_LOOM_UNBOUNDED=1`.
pub fn preemption_bound() -> Option<usize> {
    match std::env::var("HUBRACE_LOOM_UNBOUNDED").as_deref() {
        Ok("1") => return None,
        Ok("0") | Err(_) => {}
        Ok(other) => panic!("HUBRACE_LOOM_UNBOUNDED={other:?}: expected 1 (unbounded) or 0"),
    }
    match std::env::var("LOOM_MAX_PREEMPTIONS") {
        Err(_) => Some(2),
        Ok(v) => match v.trim().parse() {
            Ok(n) => Some(n),
            Err(_) => panic!("LOOM_MAX_PREEMPTIONS={v:?}: expected a whole number, e.g. 2 or 3"),
        },
    }
}

/// Explore `model` exhaustively (within the preemption bound) and say how much was explored.
pub fn check(name: &str, model: impl Fn() + Sync + Send + 'static) -> Explored {
    check_at(name, preemption_bound(), model)
}

/// As [`check`], at preemption bound `bound` (`None`: unbounded) whatever the environment
/// says.
pub fn check_at(
    name: &str,
    bound: Option<usize>,
    model: impl Fn() + Sync + Send + 'static,
) -> Explored {
    install_panic_hook();
    let executions = Arc::new(AtomicU64::new(0));
    let counter = executions.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = bound;
    // A model's timeline can be long (pings every 30 s); the default of 1,000 is for tiny ones.
    builder.max_branches = 100_000;
    let start = Instant::now();
    builder.check(move || {
        EXECUTION.store(counter.fetch_add(1, Relaxed) + 1, Relaxed);
        model();
    });
    let explored = Explored {
        executions: executions.load(Relaxed),
        preemption_bound: builder.preemption_bound,
        seconds: start.elapsed().as_secs_f64(),
    };
    println!("{name}: {explored}");
    explored
}

/// Assert how much a fixed model explored at preemption bound 2 (CI's bound): the count is
/// pinned so that a change in the model or the engine that grows or shrinks the explored space
/// shows up in review. At other bounds only that something was explored.
pub fn assert_explored(explored: Explored, at_bound_2: u64) {
    if explored.preemption_bound == Some(2) {
        assert_eq!(
            explored.executions, at_bound_2,
            "the explored space changed ({explored}); if that is intended, re-pin it"
        );
    } else {
        assert!(explored.executions > 0, "{explored}");
    }
}

/// The execution loom is in (1-based), for the child's failure line.
static EXECUTION: AtomicU64 = AtomicU64::new(0);
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

const FAILURE_PREFIX: &str = "hubrace-loom: first failure in execution ";
const EXPLORING_PREFIX: &str = "hubrace-loom: exploring ";
const NO_FAILURE_PREFIX: &str = "hubrace-loom: no failure found: ";

/// Keep loom's thread-end unwinds (non-string payloads) off stderr; in a child, print the
/// first real failure in one line the parent parses.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        STARTED.get_or_init(Instant::now);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = payload_text(info.payload());
            if text == "<non-string panic payload>" {
                return;
            }
            if std::env::var_os(CHILD_ENV).is_some() && !REPORTED.swap(true, Relaxed) {
                let secs = STARTED.get().map_or(0.0, |s| s.elapsed().as_secs_f64());
                let task = hub_core::rt::current_task().unwrap_or_else(|| "?".into());
                eprintln!(
                    "{FAILURE_PREFIX}{} after {secs:.6} s: [{task}] {text}",
                    EXECUTION.load(Relaxed)
                );
            }
            previous(info);
        }));
    });
}

/// The body of a child test: explore `model`, which is expected to fail (the process then
/// dies, and its parent reads the failure line). Does nothing unless started by
/// [`failing_in_child`], so `cargo test -- --ignored` does not trip over it.
pub fn run_child(name: &str, model: impl Fn() + Sync + Send + 'static) {
    if std::env::var_os(CHILD_ENV).is_none() {
        println!("{name}: runs in a child process started by its parent test");
        return;
    }
    install_panic_hook();
    STARTED.get_or_init(Instant::now);
    eprintln!("{EXPLORING_PREFIX}{name}");
    let explored = check(name, model);
    // Finer than `Explored`'s display: benchmarks read the seconds.
    eprintln!(
        "{NO_FAILURE_PREFIX}{} executions in {:.6} s",
        explored.executions, explored.seconds
    );
}

/// A buggy model's first failure, as its child process reported it.
#[derive(Debug)]
pub struct Failure {
    /// The failure's text: a Go panic, `invariant <name> violated: ...`, or the engine's
    /// `leak: ...` / `deadlock: ...` verdict.
    pub message: String,
    /// The model task that panicked (for a `leak`/`deadlock` verdict: the one that parked
    /// last and found nothing left to run).
    pub task: String,
    /// The loom execution it was found in (1-based).
    pub execution: u64,
    /// Wall-clock seconds from the start of exploration to the failure (measurement only).
    pub seconds: f64,
    pub stderr: String,
}

/// What a child process exploring a model with [`run_child`] reported.
#[derive(Debug)]
pub enum ChildReport {
    Failed(Failure),
    /// Loom explored the whole space (within the bound) without a failure.
    Passed {
        executions: u64,
        seconds: f64,
    },
}

/// Run `child` (a command that calls [`run_child`]: this test binary on an `#[ignore]`d test,
/// or a benchmark binary on its child mode) with [`CHILD_ENV`] set, and read what it
/// reported. Panics, with the child's output, if it reported neither a failure nor a pass.
pub fn run_in_child(mut child: Command) -> ChildReport {
    let out = child
        .env(CHILD_ENV, "1")
        .output()
        .expect("start the child process");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(explored) = stderr
        .lines()
        .find_map(|l| l.strip_prefix(NO_FAILURE_PREFIX))
    {
        let (executions, rest) = explored.split_once(" executions").expect("explored format");
        let seconds = rest
            .rsplit_once(" in ")
            .and_then(|(_, s)| s.strip_suffix(" s"))
            .expect("explored format");
        return ChildReport::Passed {
            executions: executions.parse().expect("executions"),
            seconds: seconds.parse().expect("seconds"),
        };
    }
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(FAILURE_PREFIX))
        .unwrap_or_else(|| {
            panic!(
                "child {child:?} reported no failure (status {}):\n{stdout}\n{stderr}",
                out.status
            )
        });
    assert!(
        !out.status.success(),
        "child {child:?} failed but exited successfully:\n{stderr}"
    );
    let (execution, rest) = line.split_once(" after ").expect("failure line format");
    let (seconds, rest) = rest.split_once(" s: [").expect("failure line format");
    let (task, message) = rest.split_once("] ").expect("failure line format");
    ChildReport::Failed(Failure {
        message: message.to_string(),
        task: task.to_string(),
        execution: execution.parse().expect("execution number"),
        seconds: seconds.parse().expect("seconds"),
        stderr,
    })
}

/// Run `child_test` (an `#[ignore]`d test of the current test binary that calls
/// [`run_child`]) in a child process and return its first failure. Panics, with the child's
/// output, if the child found none.
pub fn failing_in_child(child_test: &str) -> Failure {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe);
    child.args([
        child_test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ]);
    let failure = match run_in_child(child) {
        ChildReport::Failed(f) => f,
        ChildReport::Passed {
            executions,
            seconds,
        } => panic!(
            "child {child_test} found no failure in {executions} executions ({seconds:.2} s)"
        ),
    };
    let name = failure
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix(EXPLORING_PREFIX))
        .unwrap_or(child_test);
    println!(
        "{name}: failed in execution {} after {:.3} s: [{}] {}",
        failure.execution, failure.seconds, failure.task, failure.message
    );
    failure
}
