//! loom-backed primitives, same surface as `std.rs`.

pub use loom::sync::Arc;
pub use loom::sync::Notify;

#[derive(Debug, Default)]
pub struct Mutex<T>(loom::sync::Mutex<T>);

pub type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    /// Same as `lock` under loom (see the std side for what it declares).
    pub fn lock_read(&self) -> MutexGuard<'_, T> {
        self.lock()
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}

/// Threads for the loom engine (`rt`): each model task is one loom thread.
pub mod thread {
    pub use loom::thread::{spawn, yield_now, JoinHandle};
}
