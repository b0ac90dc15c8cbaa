//! # shuttle-tests: the catalog under shuttle's random and PCT schedulers
//!
//! ## Background
//! [shuttle](https://docs.rs/shuttle) is the randomized sibling of loom: it controls the
//! scheduling of its own threads and picks each interleaving with a seeded scheduler (uniform
//! random, or PCT), instead of enumerating them. Under `RUSTFLAGS="--cfg shuttle"` hub-core's
//! sync shim is shuttle's and its ambient engine runs every model task as a shuttle thread with
//! the same virtual clock as loom's and `sim`'s (`hub_core::rt`). So the *same* hub model runs
//! here, unchanged: the catalog programs at the seeds' own sizes (`scenarios::catalog`, which
//! loom cannot run: 34 clients are ~140 threads) and loom's scaled models
//! ([`loom_tests::models`]).
//!
//! Shuttle explores what `sim` explores: which task runs next, and Go's random select pick
//! (`hub_core::rt::choose`, drawn from `shuttle::rand` so the scheduler controls and replays
//! it). It does not explore orders inside one task's step that loom sees (loom interleaves
//! every lock operation); neither does `sim`.
//!
//! ## Running
//! ```text
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p shuttle-tests --release
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!   cargo run -p shuttle-tests --release --example bench_shuttle -- --seeds 20
//! ```
//! Without `--cfg shuttle` this crate is empty and the example prints how to run it.
//! Environment: `SHUTTLE_RANDOM_SEED` (shuttle's own) overrides every seed;
//! `HUBRACE_MAX_VIRTUAL_SECS`, `HUBRACE_LEAK_GRACE_MS`: the engine's time bounds, as for `sim`.
//!
//! ## What a failure looks like
//! Shuttle stops at the first failing execution and `explore` returns it:
//! `[api.deleteSubscription(trx)] close of closed channel` in execution 1. The text is the
//! model's own: a Go panic, `invariant <name> violated: ...`, or the engine's `leak: ...` /
//! `deadlock: ...` verdict listing each parked task and what it waits on. Unlike loom, shuttle
//! contains a failing execution, so no child process is needed.
//!
//! ## Debugging
//! Shuttle prints the failing schedule (`failing schedule: "..."`) unless told not to;
//! `shuttle::replay(model, "...")` reruns exactly that execution. For a readable timeline with
//! virtual times, replay the bug on `sim`: `cargo run -p scenarios -- replay <bug>`.
//!
//! ## Limits
//! - Random and PCT schedules are samples: a passing run says "no failure in N executions".
//! - Each shuttle thread is a coroutine on its own stack of shuttle's default size (60 KiB);
//!   the hub's futures are polled from the heap (`BoxTask`), and every catalog program fits.

#[cfg(shuttle)]
mod harness;
#[cfg(shuttle)]
pub use harness::*;
