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
//! Without `--cfg loom` only [`models`] is built (other engines run the same models). Environment:
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
//! `cargo run -p loom-tests --release --example bench_loom` (same `RUSTFLAGS`) prints loom's
//! benchmark records for `bench/run`: each model's first failure, and each fixed model
//! explored to the end at bounds 2 and 3.
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

pub mod models;

#[cfg(loom)]
mod harness;
#[cfg(loom)]
pub use harness::*;

use hub_core::hub::{Hub, Invariant};
use hub_core::invariant::violated;

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
