//! `Presence`: the Redis online/offline keys of seed 001, each call an await that takes a
//! round trip of virtual time (so the hub is busy while it waits, as on a real network).

use crate::go::sleep;
use crate::sync::{Arc, HashedMutex, Mutex};
use std::collections::BTreeMap;
use std::time::Duration;

pub type UserId = u32;

#[derive(Clone, Debug)]
pub struct Presence {
    inner: Arc<PresenceInner>,
}

#[derive(Debug)]
struct PresenceInner {
    round_trip: HashedMutex<Duration>,
    /// One lock per user's key, as Redis keys are independent: calls for different users
    /// commute, and the sim's reduction can see that they do.
    keys: Mutex<BTreeMap<UserId, Arc<HashedMutex<Key>>>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Key {
    online: bool,
    /// Bumped by every `connect`: the Fixed hub's offline is conditional on it.
    generation: u64,
}

impl Presence {
    pub fn new(round_trip: Duration) -> Self {
        Presence {
            inner: Arc::new(PresenceInner {
                round_trip: HashedMutex::new(round_trip),
                keys: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    async fn round_trip(&self) {
        let rtt = *self.inner.round_trip.lock_read();
        if !rtt.is_zero() {
            sleep(rtt).await;
        }
    }

    /// `user`'s key, made on first use.
    fn key(&self, user: UserId) -> Arc<HashedMutex<Key>> {
        if let Some(key) = self.inner.keys.lock_read().get(&user) {
            return key.clone();
        }
        self.inner.keys.lock().entry(user).or_default().clone()
    }

    /// Change the round trip from now on (a latency spike).
    pub fn set_round_trip(&self, rtt: Duration) {
        *self.inner.round_trip.lock() = rtt;
        crate::model_event!("presence: round trip now {}", crate::sim::fmt_time(rtt));
    }

    /// `SET user:{id}:online 1`
    pub async fn set_online(&self, user: UserId) {
        self.round_trip().await;
        self.key(user).lock().online = true;
        crate::model_event!("presence: user {user} online");
    }

    /// `DEL user:{id}:online`
    pub async fn set_offline(&self, user: UserId) {
        self.round_trip().await;
        self.key(user).lock().online = false;
        crate::model_event!("presence: user {user} offline");
    }

    /// Online, and a new connection generation (one atomic script on the server side).
    pub async fn connect(&self, user: UserId) -> u64 {
        self.round_trip().await;
        let generation = {
            let key = self.key(user);
            let mut key = key.lock();
            key.online = true;
            key.generation += 1;
            key.generation
        };
        crate::model_event!("presence: user {user} online (generation {generation})");
        generation
    }

    /// Offline only if no connection registered since `generation` (compare-and-set).
    pub async fn disconnect_if(&self, user: UserId, generation: u64) -> bool {
        self.round_trip().await;
        let applied = {
            let key = self.key(user);
            let mut key = key.lock();
            let applied = key.generation == generation;
            if applied {
                key.online = false;
            }
            applied
        };
        if applied {
            crate::model_event!("presence: user {user} offline (generation {generation})");
        } else {
            crate::model_event!(
                "presence: user {user} stays online (generation moved on from {generation})"
            );
        }
        applied
    }

    /// Read without a round trip (for invariants).
    pub fn is_online(&self, user: UserId) -> bool {
        let key = self.inner.keys.lock_read().get(&user).cloned();
        key.is_some_and(|k| k.lock_read().online)
    }

    /// Every user the store has a key for, in order.
    pub fn users(&self) -> Vec<UserId> {
        self.inner.keys.lock_read().keys().copied().collect()
    }
}
