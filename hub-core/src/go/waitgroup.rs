//! `sync.WaitGroup`.

use super::chan::Chan;
use super::panics::{self, go_panic};
use crate::rt::WaitSite;
use crate::sync::host::Arc as HostArc;
use crate::sync::{Arc, HashedMutex};

/// A Go `sync.WaitGroup`. Cloning shares it (Go code passes `*sync.WaitGroup`).
#[derive(Clone, Debug)]
pub struct WaitGroup {
    inner: Arc<WgInner>,
}

#[derive(Debug)]
struct WgInner {
    name: HostArc<str>,
    state: HashedMutex<WgState>,
}

#[derive(Debug, Hash)]
struct WgState {
    count: i64,
    /// Closed when the count reaches zero; replaced when it rises again.
    zero: Chan<()>,
}

impl WaitGroup {
    pub fn new() -> Self {
        WaitGroup::named("wg")
    }

    pub fn named(name: &str) -> Self {
        WaitGroup {
            inner: Arc::new(WgInner {
                name: name.into(),
                state: HashedMutex::new(WgState {
                    count: 0,
                    zero: Chan::signal(name),
                }),
            }),
        }
    }

    /// `wg.Add(delta)`. Panics `sync: negative WaitGroup counter` below zero.
    pub fn add(&self, delta: i64) {
        let mut st = self.inner.state.lock();
        let was = st.count;
        st.count += delta;
        if st.count < 0 {
            drop(st);
            go_panic(panics::NEGATIVE_WAITGROUP_COUNTER);
        }
        if was == 0 && st.count > 0 {
            st.zero = Chan::signal(self.inner.name.clone());
        }
        let reached_zero = (was > 0 && st.count == 0).then(|| st.zero.clone());
        drop(st);
        if let Some(zero) = reached_zero {
            zero.close();
        }
    }

    /// `wg.Done()`
    pub fn done(&self) {
        self.add(-1);
    }

    /// Current counter (for invariants and tests).
    pub fn count(&self) -> i64 {
        self.inner.state.lock().count
    }

    /// `wg.Wait()`
    pub async fn wait(&self) {
        let zero = {
            let st = self.inner.state.lock();
            if st.count == 0 {
                return;
            }
            st.zero.clone()
        };
        let site = WaitSite::WaitGroup {
            name: self.inner.name.clone(),
        };
        let _ = zero.recv_at(site).await;
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}
