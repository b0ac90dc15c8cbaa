//! Go's concurrency semantics, as async Rust.
//!
//! | Go | here |
//! |---|---|
//! | `make(chan T, n)` | [`Chan::named`] |
//! | `c <- v`, `<-c`, `close(c)` | [`Chan::send`], [`Chan::recv`], [`Chan::close`] |
//! | `select { ... default: }` | [`Select`] |
//! | `context.WithCancel` | [`Context::with_cancel`] |
//! | `sync.WaitGroup`, `sync.Mutex` | [`WaitGroup`], [`Mutex`] |
//! | `time.Sleep`, `time.NewTicker` | [`sleep`], [`Ticker`] |
//! | `go f()` | [`crate::rt::spawn`] |
//!
//! Panics use Go's runtime texts ([`panics`]). Every blocking call is an `.await`, so every one
//! is a point where an engine may switch tasks.

mod chan;
mod context;
mod err;
mod mutex;
pub mod panics;
mod select;
mod time;
mod waiter;
mod waitgroup;

pub use chan::Chan;
pub use context::{Canceled, Context};
pub use err::{Elapsed, Full, TryRecv};
pub use mutex::{Mutex, MutexGuard};
pub use select::{CaseValue, Select, Selected};
pub use time::{sleep, timeout, Sleep, Ticker, Timer};
pub use waitgroup::WaitGroup;
