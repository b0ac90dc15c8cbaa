//! # loom-tests: every catalog bug, explored exhaustively by loom
//!
//! ## Background
//! `scenarios` judges each catalog bug on `sim`, which explores the model's *scheduling
//! decisions*: which task runs when one parks, and Go's random select picks. Loom explores
//! finer: every interleaving of the model's lock and wake operations, each model task a loom
//! thread (hub-core's loom engine, `hub_core::rt`), under a preemption bound. The models here
//! are hub-core's real hub with the catalog's knobs, scaled down to loom's five threads (main
//! included); each test file's header says how it was scaled and why the bug's shape survives.
//!
//! Time is virtual under loom as under `sim`: it moves only when every task is parked (as in Go's
//! `testing/synctest`), so 30 s pings and a 60 s pong wait mean what they say, and a model that
//! waits 60 s costs no more than one that waits 1 ms.
//!
//! ## Running
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p loom-tests --release
//! ```
//! Without `--cfg loom` this crate is empty. Environment:
//! - `LOOM_MAX_PREEMPTIONS`: the preemption bound; **2 when unset** (what CI runs). `3` is the
//!   stronger check the README's table reports.
//! - `HUBRACE_LOOM_UNBOUNDED=1`: no preemption bound at all (overrides the above); finishes
//!   for the smaller models only (see the README's table).
//! - `LOOM_CHECKPOINT_FILE`, `LOOM_CHECKPOINT_INTERVAL`: loom saves its position and resumes
//!   from it, for long unbounded runs.
//! - `LOOM_LOG=1`, `LOOM_LOCATION=1`: loom's own trace of a failing execution, with source
//!   locations.
//! - `HUBRACE_MAX_VIRTUAL_SECS`, `HUBRACE_LEAK_GRACE_MS`: the engine's time bounds, as for `sim`.
//!
//! Every test prints what it explored (`--nocapture` shows it):
//! `double-close-router fixed: 1234 executions at preemption bound 2 in 0.41 s`.
//!
//! ## Buggy variants run in a child process
//! A failing loom model cannot be contained in-process: when a model task panics or every task
//! parks forever, loom unwinds with threads still blocked holding loom objects, and the process
//! aborts (double panic). So each buggy test re-invokes its own test binary on an `#[ignore]`d
//! child test ([`run_child`]) and asserts on what the child printed ([`failing_in_child`]): the
//! first failure's exact text (a Go panic such as `close of closed channel`, an invariant's
//! name, or the engine's `leak:`/`deadlock:` verdict naming each parked task and what it waits
//! on) and the execution it was found in.
//!
//! ## Debugging
//! Run the child test yourself to see the whole failure:
//! `HUBRACE_LOOM_CHILD=1 RUSTFLAGS="--cfg loom" cargo test -p loom-tests --release --test
//! loom_double_close_router -- --ignored --nocapture child_buggy`. For the same bug as a
//! readable timeline with virtual times, replay it on `sim`: `cargo run -p scenarios --
//! replay <bug>`.
//!
//! ## Limits
//! - Five threads, main included: most models have one connected client, or clients reduced
//!   to the part the bug lives in ([`hub_core::hub::Hub::attach`]).
//! - Go's random select pick is not explored (`choose` is 0 under loom); `sim` explores it.
//! - The preemption bound limits how many times a runnable thread is switched away from; a
//!   bug that needs more preemptions than the bound is missed. Every buggy variant here is
//!   found within bound 2.
#![cfg(loom)]

use hub_core::hub::{Hub, Invariant};
use hub_core::invariant::{payload_text, violated};
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
    install_panic_hook();
    let executions = Arc::new(AtomicU64::new(0));
    let counter = executions.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = preemption_bound();
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

/// The execution loom is in (1-based), for the child's failure line.
static EXECUTION: AtomicU64 = AtomicU64::new(0);
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

const FAILURE_PREFIX: &str = "hubrace-loom: first failure in execution ";

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
                    "{FAILURE_PREFIX}{} after {secs:.3} s: [{task}] {text}",
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
    let explored = check(name, model);
    eprintln!("hubrace-loom: no failure found: {explored}");
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

/// Run `child_test` (an `#[ignore]`d test of the current test binary that calls
/// [`run_child`]) in a child process and return its first failure. Panics, with the child's
/// output, if the child found none.
pub fn failing_in_child(child_test: &str) -> Failure {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([
            child_test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("start the child test");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(FAILURE_PREFIX))
        .unwrap_or_else(|| {
            panic!(
                "child {child_test} reported no failure (status {}):\n{stdout}\n{stderr}",
                out.status
            )
        });
    assert!(
        !out.status.success(),
        "child {child_test} failed but exited successfully:\n{stderr}"
    );
    let (execution, rest) = line.split_once(" after ").expect("failure line format");
    let (seconds, rest) = rest.split_once(" s: [").expect("failure line format");
    let (task, message) = rest.split_once("] ").expect("failure line format");
    let failure = Failure {
        message: message.to_string(),
        task: task.to_string(),
        execution: execution.parse().expect("execution number"),
        seconds: seconds.parse().expect("seconds"),
        stderr,
    };
    println!(
        "{child_test}: failed in execution {} after {:.3} s: [{}] {}",
        failure.execution, failure.seconds, failure.task, failure.message
    );
    failure
}

/// Check `invariants` now, failing the model (a [`hub_core::invariant::Violation`] panic) on
/// the first that does not hold.
pub async fn checkpoint(hub: &Hub, invariants: &[Invariant]) {
    for inv in invariants {
        if let Err(v) = inv.check(hub).await {
            violated(&v.name, v.detail);
        }
    }
}

/// Start `c`'s read side as one task, `client#N.readPump`: gorilla's readPump and its deferred
/// teardown (`unregister <- c`, close the connection), for clients made with
/// [`Hub::attach`].
pub fn spawn_read_pump(hub: &Hub, c: &hub_core::hub::Client) {
    let (hub, c) = (hub.clone(), c.clone());
    hub_core::rt::spawn(format!("{}.readPump", c.name()), async move {
        c.read_pump(&hub).await;
        c.teardown(&hub).await;
    });
}

/// Virtual seconds.
pub const fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n)
}
