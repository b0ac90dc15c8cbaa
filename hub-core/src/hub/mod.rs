//! The system under test: a Go WebSocket hub in the shape of the seeds' hubs and
//! gorilla/websocket's chat example, with every documented bug behind a knob.
//!
//! | Go | here |
//! |---|---|
//! | `func (h *Hub) Run(ctx)` | [`Hub::run`] |
//! | `registerClient` / `unregisterClient` | [`Hub::register_client`] / [`Hub::unregister_client`] |
//! | `SendMessage(userID, msg)` (seed 001) | [`Hub::send_message`] |
//! | `handleConnection(conn)` (seeds 002/003) | [`Hub::handle_connection`] |
//! | `readPump` / `writePump` | `Client::read_pump` / `Client::write_pump` |
//! | `EventRouter` (seed 000) | [`Router`] |
//! | Redis online keys (seed 001) | [`Presence`] |

mod client;
mod conn;
mod invariants;
mod presence;
mod router;

pub use client::{Client, ClientId, Delivery};
pub use conn::{Conn, ConnError, Frame, Message, PeerSaw, PeerScript};
pub use invariants::Invariant;
pub use presence::{Presence, UserId};
pub use router::{Router, SubId};

use crate::go::{sleep, Chan, Context, Mutex, Select, Selected};
use crate::knobs::{
    DoubleCloseRouter, Knobs, OrphanedPumps, PrematureDisconnect, PresenceReconnect,
    ReadpumpGoroutine, UnregisterAfterShutdown,
};
use crate::rt;
use crate::sync::{Arc, Mutex as SyncMutex};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Sizes and periods, defaulting to the seeds' own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubConfig {
    /// Seed 004: `internal/hub/hub.go:35`, buffer size 16.
    pub unregister_buffer: usize,
    /// Not given by the seeds; buffered like `unregister` (so a registration can be pending
    /// while the hub is busy, which seed 001's "register a closed client" check presumes).
    pub register_buffer: usize,
    pub broadcast_buffer: usize,
    /// Seed 002: `Send: make(chan []byte, 256)`.
    pub send_buffer: usize,
    /// Seeds 002/003: 30 s pings.
    pub ping_period: Duration,
    /// gorilla's chat example: 60 s pong wait.
    pub pong_wait: Duration,
    /// gorilla's chat example: 10 s write wait.
    pub write_wait: Duration,
    /// Seed 001: `time.Sleep(100 * time.Millisecond)` before the offline double check.
    pub offline_delay: Duration,
    /// One Redis round trip (not in the seeds; 1 ms, a LAN round trip).
    pub presence_round_trip: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            unregister_buffer: 16,
            register_buffer: 16,
            broadcast_buffer: 16,
            send_buffer: 256,
            ping_period: Duration::from_secs(30),
            pong_wait: Duration::from_secs(60),
            write_wait: Duration::from_secs(10),
            offline_delay: Duration::from_millis(100),
            presence_round_trip: Duration::from_millis(1),
        }
    }
}

/// The hub. Cloning shares it.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    cfg: HubConfig,
    knobs: Knobs,
    register: Chan<Client>,
    unregister: Chan<Client>,
    broadcast: Chan<Message>,
    ctx: Context,
    exited: Chan<()>,
    state: Mutex<HubState>,
    router: Router,
    presence: Presence,
    log: SyncMutex<HubLog>,
}

/// `h.clients`, `h.userClients` and seed 000's per-subscription membership.
#[derive(Default)]
struct HubState {
    clients: BTreeMap<ClientId, Client>,
    users: BTreeMap<UserId, BTreeSet<ClientId>>,
    subs: BTreeMap<SubId, BTreeSet<ClientId>>,
    generations: BTreeMap<UserId, u64>,
}

/// What happened, for invariants and reports.
#[derive(Default)]
struct HubLog {
    next_client: ClientId,
    /// Every client ever connected, in connection order.
    all: Vec<Client>,
    exited_at: Option<Duration>,
}

impl Hub {
    pub fn new(knobs: Knobs, cfg: HubConfig) -> Hub {
        Hub {
            inner: Arc::new(HubInner {
                register: Chan::named("register", cfg.register_buffer),
                unregister: Chan::named("unregister", cfg.unregister_buffer),
                broadcast: Chan::named("broadcast", cfg.broadcast_buffer),
                ctx: Context::named("hub.ctx"),
                exited: Chan::signal("hub.exited"),
                state: Mutex::named("hub.mu", HubState::default()),
                router: Router::new(knobs.double_close_router),
                presence: Presence::new(cfg.presence_round_trip),
                log: SyncMutex::new(HubLog::default()),
                cfg,
                knobs,
            }),
        }
    }

    pub fn knobs(&self) -> &Knobs {
        &self.inner.knobs
    }

    pub fn config(&self) -> &HubConfig {
        &self.inner.cfg
    }

    pub fn presence(&self) -> &Presence {
        &self.inner.presence
    }

    pub fn router(&self) -> &Router {
        &self.inner.router
    }

    /// `h.done`: closed when shutdown is requested.
    pub fn done(&self) -> &Chan<()> {
        self.inner.ctx.done()
    }

    /// Request shutdown (cancel the hub's context).
    pub fn shutdown(&self) {
        self.inner.ctx.cancel();
    }

    /// Wait until `run` has returned.
    pub async fn exited(&self) {
        let _ = self.inner.exited.recv().await;
    }

    /// `func (h *Hub) Run(ctx context.Context)`.
    pub async fn run(self) {
        let h = &self.inner;
        loop {
            let picked = Select::new()
                .recv(&h.register)
                .recv(&h.unregister)
                .recv(&h.broadcast)
                .recv(h.ctx.done())
                .wait()
                .await;
            match picked {
                Selected::Case(0, v) => {
                    if let Some(c) = v.received::<Client>() {
                        self.register_client(&c).await;
                    }
                }
                Selected::Case(1, v) => {
                    if let Some(c) = v.received::<Client>() {
                        self.unregister_client(&c).await;
                    }
                }
                Selected::Case(2, v) => {
                    if let Some(msg) = v.received::<Message>() {
                        self.fan_out(msg).await;
                    }
                }
                _ => break,
            }
        }
        crate::model_event!("hub.run returns (ctx done)");
        // The loop was these channels' only receiver.
        h.register.no_more_receivers();
        h.unregister.no_more_receivers();
        h.broadcast.no_more_receivers();
        h.log.lock().exited_at = Some(rt::now());
        h.exited.close();
    }

    /// `registerClient`.
    pub async fn register_client(&self, c: &Client) {
        let h = &self.inner;
        if h.knobs.orphaned_pumps != OrphanedPumps::Buggy && c.is_closed() {
            crate::model_event!("register {}: already closed, skipped", c.name());
            return;
        }
        let was_online = {
            let mut st = h.state.lock().await;
            let user = st.users.entry(c.user()).or_default();
            let was_online = !user.is_empty();
            user.insert(c.id());
            st.clients.insert(c.id(), c.clone());
            for sub in c.subscriptions() {
                st.subs.entry(sub).or_default().insert(c.id());
            }
            was_online
        };
        crate::model_event!("registered {} (user {})", c.name(), c.user());
        for sub in c.subscriptions() {
            h.router.register_client(sub, c).await;
        }
        match h.knobs.presence_reconnect {
            PresenceReconnect::Buggy => h.presence.set_online(c.user()).await,
            PresenceReconnect::Documented => {
                if !was_online {
                    h.presence.set_online(c.user()).await;
                }
            }
            PresenceReconnect::Fixed => {
                let generation = h.presence.connect(c.user()).await;
                h.state
                    .lock()
                    .await
                    .generations
                    .insert(c.user(), generation);
            }
        }
    }

    /// `unregisterClient`.
    pub async fn unregister_client(&self, c: &Client) {
        let h = &self.inner;
        let mut st = h.state.lock().await;
        // Which subscriptions to leave, and whether the client is known at all.
        let leave: Vec<SubId> = match h.knobs.double_close_router {
            DoubleCloseRouter::Documented => {
                // `for subscriptionID, clients := range h.clients { if ok { ...; break } }`:
                // Go's map order is random, so which subscription is found first is a choice.
                let member_of: Vec<SubId> = st
                    .subs
                    .iter()
                    .filter(|(_, ids)| ids.contains(&c.id()))
                    .map(|(s, _)| *s)
                    .collect();
                if member_of.is_empty() {
                    if st.clients.remove(&c.id()).is_none() {
                        crate::model_event!("unregister {}: not registered", c.name());
                        return;
                    }
                    Vec::new()
                } else {
                    let first = member_of[rt::choose(member_of.len())];
                    st.subs.get_mut(first).map(|ids| ids.remove(&c.id()));
                    if member_of.len() == 1 {
                        st.clients.remove(&c.id());
                    }
                    vec![first]
                }
            }
            DoubleCloseRouter::Buggy | DoubleCloseRouter::Fixed => {
                if st.clients.remove(&c.id()).is_none() {
                    crate::model_event!("unregister {}: not registered", c.name());
                    return;
                }
                let mut leave = Vec::new();
                for (sub, ids) in st.subs.iter_mut() {
                    if ids.remove(&c.id()) {
                        leave.push(*sub);
                    }
                }
                leave
            }
        };
        let registered = st.clients.contains_key(&c.id());
        let remaining = match st.users.get_mut(&c.user()) {
            Some(ids) if !registered => {
                ids.remove(&c.id());
                ids.len()
            }
            Some(ids) => ids.len(),
            None => 0,
        };
        let generation = st.generations.get(&c.user()).copied().unwrap_or(0);
        drop(st);
        crate::model_event!("unregistered {}", c.name());
        match h.knobs.double_close_router {
            // hub.go:132 `close(client.send)`, before the router closes it again.
            DoubleCloseRouter::Buggy => c.close_send_unguarded("hub.unregisterClient"),
            // "Don't close the channel here - let the EventRouter handle it".
            DoubleCloseRouter::Documented => {}
            DoubleCloseRouter::Fixed => c.close_send("hub.unregisterClient").await,
        }
        for sub in leave {
            h.router.unregister_client(sub, c).await;
        }
        if registered || remaining > 0 && h.knobs.presence_reconnect != PresenceReconnect::Buggy {
            return;
        }
        let user = c.user();
        match h.knobs.presence_reconnect {
            PresenceReconnect::Buggy => h.presence.set_offline(user).await,
            PresenceReconnect::Documented => {
                let hub = self.clone();
                rt::spawn(format!("hub.offline(user {user})"), async move {
                    sleep(hub.inner.cfg.offline_delay).await;
                    // Double-check that the user is still offline after the delay...
                    let still_offline = hub
                        .inner
                        .state
                        .lock()
                        .await
                        .users
                        .get(&user)
                        .is_none_or(|ids| ids.is_empty());
                    crate::model_event!("user {user} still offline: {still_offline}");
                    // ...then act on it: the RUnlock and the Redis call are separate steps.
                    rt::yield_now().await;
                    if still_offline {
                        hub.inner.presence.set_offline(user).await;
                    }
                });
            }
            PresenceReconnect::Fixed => {
                let hub = self.clone();
                rt::spawn(format!("hub.offline(user {user})"), async move {
                    sleep(hub.inner.cfg.offline_delay).await;
                    hub.inner.presence.disconnect_if(user, generation).await;
                });
            }
        }
    }

    /// The hub loop's broadcast: offer to every client, drop (close and delete) slow ones.
    async fn fan_out(&self, msg: Message) {
        let h = &self.inner;
        let clients: Vec<Client> = h.state.lock().await.clients.values().cloned().collect();
        crate::model_event!("broadcast {:?} to {} clients", &*msg, clients.len());
        for c in clients {
            if c.deliver(msg.clone(), "hub.broadcast").await == Delivery::DroppedSlow {
                // The whole unregister, not only `delete(h.clients, c)` as gorilla's chat
                // example does: a client dropped here must also leave its user's set, the
                // router and presence (found by proptest-suite's op sequences: a slow peer
                // dropped by a broadcast stayed "online" with no open connection).
                self.unregister_client(&c).await;
            }
        }
    }

    /// `h.broadcast <- msg` (from a read pump or an API handler).
    pub async fn broadcast(&self, msg: Message) {
        let h = &self.inner;
        let picked = Select::new()
            .send(&h.broadcast, msg)
            .recv(h.ctx.done())
            .wait()
            .await;
        if let Selected::Case(1, _) = picked {
            crate::model_event!("broadcast dropped: hub shut down");
        }
    }

    /// Seed 001's `SendMessage(userID, msg)`, called from outside the hub goroutine: copy the
    /// user's clients under the lock, then offer the message to each.
    pub async fn send_message(&self, user: UserId, msg: Message) -> Vec<Delivery> {
        let h = &self.inner;
        let targets: Vec<Client> = {
            let st = h.state.lock().await;
            st.users
                .get(&user)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| st.clients.get(id).cloned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut out = Vec::with_capacity(targets.len());
        for c in targets {
            out.push(c.deliver(msg.clone(), "hub.SendMessage").await);
        }
        out
    }

    /// Seed 000's "delete subscription with active WebSocket connections": unregister every
    /// client on it, then drop it from the router.
    pub async fn delete_subscription(&self, sub: SubId) {
        crate::model_event!("delete subscription {sub}");
        for c in self.inner.router.subscribers(sub).await {
            self.unregister_client(&c).await;
        }
        self.inner.router.remove_subscription(sub).await;
    }

    /// The client side of teardown: `h.unregister <- c`, per the seed-004 knob.
    pub(crate) async fn unregister_from_teardown(&self, c: &Client) {
        let h = &self.inner;
        c.mark_disconnected(rt::now(), h.ctx.err().is_ok());
        match h.knobs.unregister_after_shutdown {
            UnregisterAfterShutdown::Buggy => h.unregister.send(c.clone()).await,
            UnregisterAfterShutdown::Documented => {
                if h.unregister.try_send(c.clone()).is_err() {
                    crate::model_event!("unregister {} dropped: buffer full", c.name());
                }
            }
            UnregisterAfterShutdown::Fixed => {
                let picked = Select::new()
                    .send(&h.unregister, c.clone())
                    .recv(h.ctx.done())
                    .wait()
                    .await;
                if let Selected::Case(1, _) = picked {
                    crate::model_event!("unregister {} skipped: hub done", c.name());
                }
            }
        }
    }

    /// Open a connection for `user` with `peer` behaviour and run the handler for it in its
    /// own task (`conn#N.handler`), as the HTTP server does after the upgrade.
    pub fn connect(&self, user: UserId, subscriptions: Vec<SubId>, peer: PeerScript) -> Client {
        let c = self.new_client(user, subscriptions, |name| Conn::open(name, peer));
        let (hub, client) = (self.clone(), c.clone());
        rt::spawn(format!("{}.handler", c.conn().name()), async move {
            hub.handle_connection(client).await
        });
        c
    }

    /// For models too small for a whole client (loom allows 5 threads; a connected client
    /// is 3 or 4 tasks): a client whose connection has no peer task, registered the way its
    /// handler would (`h.register <- c`), with no task of its own. The model runs the parts
    /// it needs itself: [`Client::read_pump`], [`Client::teardown`], [`Client::write_pump`].
    pub async fn attach(&self, user: UserId, subscriptions: Vec<SubId>) -> Client {
        let c = self.new_client(user, subscriptions, Conn::without_peer);
        self.inner.register.send(c.clone()).await;
        c
    }

    fn new_client(
        &self,
        user: UserId,
        subscriptions: Vec<SubId>,
        conn: impl FnOnce(&str) -> Conn,
    ) -> Client {
        let id = {
            let mut log = self.inner.log.lock();
            log.next_client += 1;
            log.next_client
        };
        let conn = conn(&format!("conn#{id}"));
        let c = Client::new(
            id,
            user,
            subscriptions,
            conn,
            self.inner.knobs,
            self.inner.cfg,
        );
        self.inner.log.lock().all.push(c.clone());
        c
    }

    /// `handleConnection` (seeds 002/003): register, start the pumps, wait for the read side.
    pub async fn handle_connection(&self, c: Client) {
        let h = &self.inner;
        let pumps = h.knobs.orphaned_pumps != OrphanedPumps::Buggy;
        if pumps {
            c.pumps().add(1);
        }
        h.register.send(c.clone()).await;
        rt::spawn(format!("{}.writePump", c.name()), c.clone().write_pump());
        match h.knobs.premature_disconnect {
            PrematureDisconnect::Buggy => {
                let (hub, client) = (self.clone(), c.clone());
                rt::spawn(format!("{}.readPump", c.name()), async move {
                    client.read_pump(&hub).await;
                    client.teardown(&hub).await;
                });
                // The handler returns; its `defer conn.Close()` runs now.
                crate::model_event!("handler returns");
            }
            PrematureDisconnect::Fixed => {
                match h.knobs.readpump_goroutine {
                    ReadpumpGoroutine::Buggy => c.read_pump(self).await,
                    ReadpumpGoroutine::Documented => {
                        let done: Chan<()> = Chan::named(format!("{}.done", c.name()), 0);
                        let (hub, client, tx) = (self.clone(), c.clone(), done.clone());
                        rt::spawn(format!("{}.readPump", c.name()), async move {
                            client.read_pump(&hub).await;
                            tx.send(()).await;
                        });
                        let _ = done.recv().await;
                    }
                }
                c.teardown(self).await;
                if pumps {
                    c.pumps().wait().await;
                }
            }
        }
        c.conn().close();
    }

    /// Every client ever connected.
    pub fn all_clients(&self) -> Vec<Client> {
        self.inner.log.lock().all.clone()
    }

    /// When `c`'s teardown began and whether the hub was running then.
    pub fn disconnected(&self, c: &Client) -> Option<(Duration, bool)> {
        c.disconnected()
    }

    pub fn exited_at(&self) -> Option<Duration> {
        self.inner.log.lock().exited_at
    }

    /// Registered clients now.
    pub async fn registered(&self) -> Vec<ClientId> {
        self.inner
            .state
            .lock()
            .await
            .clients
            .keys()
            .copied()
            .collect()
    }

    /// Registered clients of `user` now.
    pub async fn user_clients(&self, user: UserId) -> Vec<ClientId> {
        let st = self.inner.state.lock().await;
        st.users
            .get(&user)
            .map(|ids| ids.iter().copied().collect())
            .unwrap_or_default()
    }
}
