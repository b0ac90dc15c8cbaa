//! loom-backed primitives, same surface as `std.rs`.

pub use loom::sync::Arc;

/// As on the std side, every lock reports its object to the engine (a no-op under loom).
#[derive(Debug, Default)]
pub struct Mutex<T> {
    id: u64,
    inner: loom::sync::Mutex<T>,
}

pub type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Self::of_kind(value, crate::rt::ObjectKind::Chained)
    }

    /// See the std side (state digests are the sim's; `kind` means nothing here).
    pub(crate) fn of_kind(value: T, kind: crate::rt::ObjectKind) -> Self {
        Mutex {
            id: crate::rt::object_id(kind),
            inner: loom::sync::Mutex::new(value),
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

/// Threads for the loom engine (`rt`): each model task is one loom thread.
pub mod thread {
    pub use loom::thread::{current, park, spawn, Thread, ThreadId};
}

/// Per-loom-thread locals for the loom engine (`rt`): fresh in every execution.
pub(crate) use loom::thread_local;
