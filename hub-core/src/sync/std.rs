//! std-backed primitives. `Mutex::lock` never returns a poison error: the model does not panic
//! while holding a guard, and a poisoned lock after a model panic must not hide that panic.

pub use ::std::sync::atomic;
pub use ::std::sync::Arc;

#[derive(Debug, Default)]
pub struct Mutex<T>(::std::sync::Mutex<T>);

pub type MutexGuard<'a, T> = ::std::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex(::std::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}
