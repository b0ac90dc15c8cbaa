//! hub-core: Go's concurrency semantics in async Rust, a model of a Go WebSocket hub, and the
//! seeded executor `sim` that runs it under chosen interleavings.
//!
//! The model never names an engine: it calls [`rt`] (spawn, sleep, choose) and imports its
//! primitives from [`sync`], which is std normally, loom under `RUSTFLAGS="--cfg loom"` and
//! shuttle under `RUSTFLAGS="--cfg shuttle"`. The same model also runs on tokio (`rt::tokio`,
//! the default `tokio` feature): a paused clock for time, a multi-thread runtime for many
//! clients.

pub mod go;
pub mod hub;
pub mod invariant;
pub mod knobs;
pub mod rt;
pub mod sim;
pub mod sync;
