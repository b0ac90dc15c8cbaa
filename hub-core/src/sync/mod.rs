//! The one place that names `std::sync` or `loom::sync`.
//!
//! Model code (`go`, `hub`) imports its primitives from here and never mentions an engine, so
//! the same source runs on `sim`, under loom (`RUSTFLAGS="--cfg loom"`) and under shuttle
//! (`RUSTFLAGS="--cfg shuttle"`). This follows tokio's `src/loom/`: a std side and mocked sides
//! with the same surface, switched in this file only.
//!
//! [`host`] is different on purpose: it is always std. It holds what the engines themselves are
//! built from (the sim's wakers, `block_on`'s waker), which must not be modelled by a checker.

#[cfg(not(any(loom, shuttle)))]
mod std;
#[cfg(not(any(loom, shuttle)))]
pub use self::std::*;

#[cfg(shuttle)]
mod shuttle;
#[cfg(shuttle)]
pub use self::shuttle::*;

#[cfg(loom)]
mod mocked;
#[cfg(loom)]
pub use self::mocked::*;

mod hashed;
pub use hashed::{HashedGuard, HashedMutex};

/// Always-std primitives for engine internals (never modelled, never used by the model).
pub mod host {
    pub use ::std::sync::atomic;
    pub use ::std::sync::Arc;
    pub use ::std::sync::{Mutex, MutexGuard, Once, OnceLock};
}
