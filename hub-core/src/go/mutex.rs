//! `sync.Mutex` as an await: acquiring it is a scheduling point, as in Go.
//!
//! The lock is a capacity-1 channel (acquire = send, release = receive), so a contended lock
//! parks the task like any other channel operation and shows up in verdicts as `lock <name>`.
//! The data lives in an `UnsafeCell` guarded by that channel; a guard is `Send`, so model tasks
//! can hold one across an await, as Go code holds a mutex across blocking calls.

use super::chan::Chan;
use super::err::TryRecv;
use super::panics::{self, go_panic};
use crate::rt::{self, WaitSite};
use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};

pub struct Mutex<T> {
    sem: Chan<()>,
    data: UnsafeCell<T>,
    /// The data as an object of the sim's state digests: what a holder finds is what the last
    /// holder left, so acquiring observes its history and releasing extends it.
    version: Version,
}

/// The engine object standing for a mutex's data (see `version`).
struct Version {
    id: u64,
    run: u64,
}

impl Version {
    fn new() -> Self {
        Version {
            id: rt::object_id(rt::ObjectKind::Chained),
            run: rt::run_id(),
        }
    }

    fn touch(&self, write: bool) {
        rt::touch_in(self.id, self.run, write);
    }
}

impl Drop for Version {
    fn drop(&mut self) {
        rt::forget(self.id, self.run);
    }
}

// SAFETY: `data` is only reached through a `MutexGuard`, and the semaphore channel admits one
// guard at a time (its capacity is 1).
unsafe impl<T: Send> Send for Mutex<T> {}
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex::named("mutex", value)
    }

    pub fn named(name: &str, value: T) -> Self {
        Mutex {
            sem: Chan::quiet(name, 1),
            data: UnsafeCell::new(value),
            version: Version::new(),
        }
    }

    /// `mu.Lock()`
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        let site = WaitSite::Lock {
            mutex: self.sem.name().into(),
        };
        self.sem.send_at((), site).await;
        self.version.touch(false);
        MutexGuard { mutex: self }
    }

    /// `mu.TryLock()`
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.sem.try_send(()).ok().map(|()| {
            self.version.touch(false);
            MutexGuard { mutex: self }
        })
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mutex({})", self.sem.name())
    }
}

/// Holds the lock; `mu.Unlock()` on drop.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: the guard grants exclusive access; moving it between threads moves that access.
unsafe impl<T: Send> Send for MutexGuard<'_, T> {}
unsafe impl<T: Send + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one alive (see `Mutex`).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes the borrow unique.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.version.touch(true);
        if !matches!(self.mutex.sem.try_recv(), TryRecv::Value(())) {
            go_panic(panics::UNLOCK_OF_UNLOCKED_MUTEX);
        }
    }
}
