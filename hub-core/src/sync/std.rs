//! std-backed primitives. `Mutex::lock` never returns a poison error: the model does not panic
//! while holding a guard, and a poisoned lock after a model panic must not hide that panic.
//!
//! Every `Mutex` has an id from the engine, and every `lock` tells the engine it touched that
//! id: the sim's partial-order reduction treats two steps as independent only when they touched
//! no common object. All shared model state sits behind a `Mutex` (channels included), which
//! is why this shim offers no atomics.

pub use ::std::sync::Arc;

#[derive(Debug)]
pub struct Mutex<T> {
    id: u64,
    /// Which engine run made it (ids restart every run; a value can outlive its run).
    run: u64,
    inner: ::std::sync::Mutex<T>,
}

pub type MutexGuard<'a, T> = ::std::sync::MutexGuard<'a, T>;

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> Mutex<T> {
    /// Model state: in the sim's state digests, every lock observes its history and every
    /// `lock` extends it (`rt::ObjectKind::Chained`).
    pub fn new(value: T) -> Self {
        Self::of_kind(value, crate::rt::ObjectKind::Chained)
    }

    /// A lock a primitive (`go::Chan`, its waiters) uses for its own state; what tasks learn
    /// from it they learn through the primitive's `rt::observe` calls.
    pub(crate) fn of_kind(value: T, kind: crate::rt::ObjectKind) -> Self {
        Mutex {
            id: crate::rt::object_id(kind),
            run: crate::rt::run_id(),
            inner: ::std::sync::Mutex::new(value),
        }
    }

    /// The engine's id for this object.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        crate::rt::touch_in(self.id, self.run, true);
        self.inner
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }

    /// Lock, declaring that what the caller does under this lock commutes with what every
    /// other `lock_read` caller does (reads; registering on a close-only signal). The sim's
    /// reduction treats two such steps as independent.
    pub fn lock_read(&self) -> MutexGuard<'_, T> {
        crate::rt::touch_in(self.id, self.run, false);
        self.inner
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}

impl<T> Drop for Mutex<T> {
    fn drop(&mut self) {
        crate::rt::forget(self.id, self.run);
    }
}
