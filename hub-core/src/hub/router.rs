//! `Router`: seed 000's EventRouter, a map from subscription to the clients on it.
//!
//! Each (subscription, client) pair is one `WebSocketClient` entry, as in the seed's
//! `r.wsClients[subscriptionID]` slice, with its own `closed` flag: the documented fix guards
//! the close with that per-entry flag.

use super::client::Client;
use crate::go::Mutex;
use crate::knobs::DoubleCloseRouter;
use crate::sync::Arc;
use std::collections::BTreeMap;

pub type SubId = &'static str;

#[derive(Clone)]
pub struct Router {
    inner: Arc<RouterInner>,
}

struct RouterInner {
    knob: DoubleCloseRouter,
    subs: Mutex<BTreeMap<SubId, Vec<Entry>>>,
}

/// The seed's `WebSocketClient{ID, SendChan, mu, closed}`.
struct Entry {
    client: Client,
    closed: Arc<Mutex<bool>>,
}

impl Router {
    pub fn new(knob: DoubleCloseRouter) -> Router {
        Router {
            inner: Arc::new(RouterInner {
                knob,
                subs: Mutex::named("router.mu", BTreeMap::new()),
            }),
        }
    }

    /// `RegisterClient(subscriptionID, &WebSocketClient{...})`
    pub async fn register_client(&self, sub: SubId, client: &Client) {
        let mut subs = self.inner.subs.lock().await;
        subs.entry(sub).or_default().push(Entry {
            client: client.clone(),
            closed: Arc::new(Mutex::named(
                &format!("{}.wsclient.mu", client.name()),
                false,
            )),
        });
        crate::model_event!("router: {} subscribed to {sub}", client.name());
    }

    /// `UnregisterClient(subscriptionID, clientID)`: removes the entry and, depending on the
    /// knob, closes the client's channel (seed 000's router.go:255).
    pub async fn unregister_client(&self, sub: SubId, client: &Client) {
        let mut subs = self.inner.subs.lock().await;
        let Some(entries) = subs.get_mut(sub) else {
            return;
        };
        let Some(pos) = entries.iter().position(|e| e.client.id() == client.id()) else {
            return;
        };
        let entry = entries.remove(pos);
        crate::model_event!("router: {} unsubscribed from {sub}", client.name());
        match self.inner.knob {
            DoubleCloseRouter::Buggy => {
                entry.client.close_send_unguarded("router.UnregisterClient")
            }
            DoubleCloseRouter::Documented => {
                // "Safely close the channel only if not already closed" — per entry.
                let mut closed = entry.closed.lock().await;
                if !*closed {
                    entry.client.close_send_unguarded("router.UnregisterClient");
                    *closed = true;
                }
            }
            // The client's own close-once is the only closer; the router just forgets it.
            DoubleCloseRouter::Fixed => {}
        }
        drop(subs);
    }

    /// Remove a subscription; returns the clients that were on it.
    pub async fn remove_subscription(&self, sub: SubId) -> Vec<Client> {
        let mut subs = self.inner.subs.lock().await;
        let entries = subs.remove(sub).unwrap_or_default();
        entries.into_iter().map(|e| e.client).collect()
    }

    /// The clients on `sub` now.
    pub async fn subscribers(&self, sub: SubId) -> Vec<Client> {
        let subs = self.inner.subs.lock().await;
        subs.get(sub)
            .map(|es| es.iter().map(|e| e.client.clone()).collect())
            .unwrap_or_default()
    }

    /// Subscriptions that still list `client`.
    pub async fn subscriptions_of(&self, client: &Client) -> Vec<SubId> {
        let subs = self.inner.subs.lock().await;
        subs.iter()
            .filter(|(_, es)| es.iter().any(|e| e.client.id() == client.id()))
            .map(|(s, _)| *s)
            .collect()
    }
}
