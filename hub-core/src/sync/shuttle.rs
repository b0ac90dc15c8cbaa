//! shuttle-backed primitives, same surface as `std.rs`.

pub use shuttle::sync::Arc;

/// As on the std side, every lock reports its object to the engine (a no-op under shuttle).
#[derive(Debug, Default)]
pub struct Mutex<T> {
    id: u64,
    inner: shuttle::sync::Mutex<T>,
}

pub type MutexGuard<'a, T> = shuttle::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Self::of_kind(value, crate::rt::ObjectKind::Chained)
    }

    /// See the std side (state digests are the sim's; `kind` means nothing here).
    pub(crate) fn of_kind(value: T, kind: crate::rt::ObjectKind) -> Self {
        Mutex {
            id: crate::rt::object_id(kind),
            inner: shuttle::sync::Mutex::new(value),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// See the std side for what it declares.
    pub fn lock_read(&self) -> MutexGuard<'_, T> {
        crate::rt::touch(self.id, false);
        self.lock_inner()
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        crate::rt::touch(self.id, true);
        self.lock_inner()
    }

    fn lock_inner(&self) -> MutexGuard<'_, T> {
        self.inner
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}

/// Threads for the shuttle engine (`rt`): each model task is one shuttle thread.
pub mod thread {
    pub use shuttle::thread::{current, Builder, ThreadId};
}

/// The shuttle engine's park tokens (`rt`).
pub(crate) mod mpsc {
    pub use shuttle::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
}

/// Per-shuttle-thread locals for the shuttle engine (`rt`): fresh in every execution.
pub(crate) use shuttle::thread_local;

/// Go's random choices under shuttle: data non-determinism shuttle's scheduler draws.
pub(crate) mod rand {
    pub use shuttle::rand::{thread_rng, Rng};
}
