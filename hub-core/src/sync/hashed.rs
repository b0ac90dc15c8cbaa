//! `HashedMutex`: model state that the sim's state digests see by its content.
//!
//! A plain [`Mutex`] is digested by its lock history (every writer's own history chained in),
//! which is sound for any `T` but tells apart runs that leave the same content by different
//! writers. For `T: Hash` the content itself can stand for the object: whoever locks observes
//! the content's hash, and every unlock publishes the new one. One type for every shim; under
//! loom and shuttle it is a plain lock (no digests there).

use super::{Mutex, MutexGuard};
use crate::rt::digest::{mix, tagged, Tag};
use crate::rt::{self, ObjectKind};
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

#[derive(Debug)]
pub struct HashedMutex<T: Hash> {
    inner: Mutex<T>,
}

impl<T: Hash> HashedMutex<T> {
    pub fn new(value: T) -> Self {
        let inner = Mutex::of_kind(value, ObjectKind::Summarized);
        if rt::digesting() {
            rt::publish(inner.id(), content(&*inner.lock_read()));
        }
        HashedMutex { inner }
    }

    pub fn lock(&self) -> HashedGuard<'_, T> {
        let guard = self.inner.lock();
        if rt::digesting() {
            rt::observe(tagged(Tag::Locked, content(&*guard)));
        }
        HashedGuard {
            guard,
            id: self.inner.id(),
        }
    }

    /// Lock to read only (see `Mutex::lock_read`): readers commute with each other, and
    /// nothing is published on release.
    pub fn lock_read(&self) -> MutexGuard<'_, T> {
        let guard = self.inner.lock_read();
        if rt::digesting() {
            rt::observe(tagged(Tag::Locked, content(&*guard)));
        }
        guard
    }
}

impl<T: Hash + Default> Default for HashedMutex<T> {
    fn default() -> Self {
        HashedMutex::new(T::default())
    }
}

/// Holds the lock; publishes the content when released.
pub struct HashedGuard<'a, T: Hash> {
    guard: MutexGuard<'a, T>,
    id: u64,
}

impl<T: Hash> Deref for HashedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: Hash> DerefMut for HashedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: Hash> Drop for HashedGuard<'_, T> {
    fn drop(&mut self) {
        if rt::digesting() {
            rt::publish(self.id, content(&*self.guard));
        }
    }
}

/// `value`'s hash, 128 bits, independent of the process (no random keys).
fn content<T: Hash>(value: &T) -> u128 {
    let mut h = DigestHasher(tagged(Tag::Object, 0x4a5));
    value.hash(&mut h);
    h.0
}

struct DigestHasher(u128);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(16) {
            let mut word = [0u8; 16];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = mix(self.0, u128::from_le_bytes(word));
        }
        self.0 = mix(self.0, bytes.len() as u128);
    }

    fn finish(&self) -> u64 {
        self.0 as u64
    }
}
