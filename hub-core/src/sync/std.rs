//! std-backed primitives. `Mutex::lock` never returns a poison error: the model does not panic
//! while holding a guard, and a poisoned lock after a model panic must not hide that panic.
//!
//! Every `Mutex` has an id from the engine, and every `lock` tells the engine it touched that
//! id: the sim's partial-order reduction treats two steps as independent only when they touched
//! no common object. All shared model state sits behind a `Mutex` (channels included), which
//! is why this shim offers no atomics.

pub use ::std::sync::Arc;

#[derive(Debug, Default)]
pub struct Mutex<T> {
    id: u64,
    inner: ::std::sync::Mutex<T>,
}

pub type MutexGuard<'a, T> = ::std::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex {
            id: crate::rt::object_id(),
            inner: ::std::sync::Mutex::new(value),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        crate::rt::touch(self.id, true);
        self.inner
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }

    /// Lock, declaring that what the caller does under this lock commutes with what every
    /// other `lock_read` caller does (reads; registering on a close-only signal). The sim's
    /// reduction treats two such steps as independent.
    pub fn lock_read(&self) -> MutexGuard<'_, T> {
        crate::rt::touch(self.id, false);
        self.inner
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}
