//! A client: its bounded `send` channel, its connection, and its two pumps.

use super::conn::{Conn, Frame, Message};
use super::presence::UserId;
use super::router::SubId;
use super::{Hub, HubConfig};
use crate::go::{Chan, Context, Mutex, Select, Selected, Ticker, WaitGroup};
use crate::knobs::{Knobs, OrphanedPumps, SlowClientClose};
use crate::sync::{Arc, Mutex as SyncMutex};
use std::fmt;

pub type ClientId = u32;

/// A hub client (Go: `*Client`). Cloning shares it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    id: ClientId,
    user: UserId,
    name: String,
    subscriptions: Vec<SubId>,
    send: Chan<Message>,
    conn: Conn,
    knobs: Knobs,
    cfg: HubConfig,
    /// Seed 001's `closed`: teardown has begun (registration skips such clients).
    closed: SyncMutex<bool>,
    /// Seed 001's `sendClosed`, the documented CAS flag.
    send_closed_cas: SyncMutex<bool>,
    /// The fixed hub's flag, read and written only under this mutex with every send and close.
    send_closed: Mutex<bool>,
    /// When teardown began, and whether the hub was running then (for invariants).
    disconnected: SyncMutex<Option<(std::time::Duration, bool)>>,
    /// Seed 001's client context and WaitGroup.
    ctx: Context,
    pumps: WaitGroup,
}

/// What happened to a message offered to a client without blocking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    /// The buffer was full: the client was dropped as slow (its `send` closed).
    DroppedSlow,
    /// The client's `send` was already closed; nothing was sent.
    Skipped,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.name)
    }
}

impl Client {
    pub(crate) fn new(
        id: ClientId,
        user: UserId,
        subscriptions: Vec<SubId>,
        conn: Conn,
        knobs: Knobs,
        cfg: HubConfig,
    ) -> Client {
        let name = format!("client#{id}");
        Client {
            inner: Arc::new(ClientInner {
                id,
                user,
                send: Chan::named(format!("{name}.send"), cfg.send_buffer),
                ctx: Context::named(&format!("{name}.ctx")),
                pumps: WaitGroup::named(&format!("{name}.pumps")),
                send_closed: Mutex::named(&format!("{name}.mu"), false),
                name,
                subscriptions,
                conn,
                knobs,
                cfg,
                closed: SyncMutex::new(false),
                disconnected: SyncMutex::new(None),
                send_closed_cas: SyncMutex::new(false),
            }),
        }
    }

    pub fn id(&self) -> ClientId {
        self.inner.id
    }

    pub fn user(&self) -> UserId {
        self.inner.user
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn conn(&self) -> &Conn {
        &self.inner.conn
    }

    pub fn subscriptions(&self) -> &[SubId] {
        &self.inner.subscriptions
    }

    /// Teardown has begun (seed 001's `isClosed`).
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.lock()
    }

    /// `close(c.send)` with no guard at all (seed 000's two closers).
    pub(crate) fn close_send_unguarded(&self, by: &str) {
        self.inner.send.close_by(by);
    }

    /// Close `send` the way the slow-client knob says (every closer but seed 000's bug).
    pub(crate) async fn close_send(&self, by: &str) {
        match self.inner.knobs.slow_client_close {
            SlowClientClose::Buggy => self.close_send_unguarded(by),
            SlowClientClose::Documented => {
                // closeSendChannel: CompareAndSwapInt32(&c.sendClosed, 0, 1) then close.
                let swapped = !std::mem::replace(&mut *self.inner.send_closed_cas.lock(), true);
                if swapped {
                    self.close_send_unguarded(by);
                }
            }
            SlowClientClose::Fixed => {
                let mut closed = self.inner.send_closed.lock().await;
                if !*closed {
                    *closed = true;
                    self.close_send_unguarded(by);
                }
            }
        }
    }

    /// `select { case c.send <- msg: default: <drop the slow client> }`, guarded per knob.
    pub(crate) async fn deliver(&self, msg: Message, by: &str) -> Delivery {
        match self.inner.knobs.slow_client_close {
            SlowClientClose::Buggy => self.offer(msg, by),
            SlowClientClose::Documented => {
                if *self.inner.send_closed_cas.lock() {
                    return Delivery::Skipped;
                }
                // The check above and the send below are two Go statements.
                crate::rt::yield_now().await;
                match self.inner.send.try_send(msg) {
                    Ok(()) => Delivery::Queued,
                    Err(_) => {
                        self.close_send(by).await;
                        Delivery::DroppedSlow
                    }
                }
            }
            SlowClientClose::Fixed => {
                let mut closed = self.inner.send_closed.lock().await;
                if *closed {
                    return Delivery::Skipped;
                }
                match self.inner.send.try_send(msg) {
                    Ok(()) => Delivery::Queued,
                    Err(_) => {
                        *closed = true;
                        self.close_send_unguarded(by);
                        Delivery::DroppedSlow
                    }
                }
            }
        }
    }

    fn offer(&self, msg: Message, by: &str) -> Delivery {
        match self.inner.send.try_send(msg) {
            Ok(()) => Delivery::Queued,
            Err(_) => {
                crate::model_event!("{by}: {}.send full, dropping slow client", self.inner.name);
                self.close_send_unguarded(by);
                Delivery::DroppedSlow
            }
        }
    }

    /// gorilla's `writePump`: drain `send` to the connection, ping on a ticker.
    pub async fn write_pump(self) {
        let c = &self.inner;
        let cfg = &c.cfg;
        match c.knobs.orphaned_pumps {
            OrphanedPumps::Buggy => {
                // Waits on `send` only: if nobody ever closes it, this waits forever.
                while let Some(msg) = c.send.recv().await {
                    if c.conn
                        .write_message(Frame::Text(msg), cfg.write_wait)
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                let _ = c.conn.write_message(Frame::Close, cfg.write_wait).await;
            }
            OrphanedPumps::Documented | OrphanedPumps::Fixed => {
                let ticker = Ticker::new(&format!("{}.ping", c.name), cfg.ping_period);
                loop {
                    let picked = Select::new()
                        .recv(&c.send)
                        .recv(&ticker.c)
                        .recv(c.ctx.done())
                        .wait()
                        .await;
                    let result = match picked {
                        Selected::Case(0, v) => match v.received::<Message>() {
                            Some(msg) => {
                                c.conn.write_message(Frame::Text(msg), cfg.write_wait).await
                            }
                            None => {
                                let _ = c.conn.write_message(Frame::Close, cfg.write_wait).await;
                                break;
                            }
                        },
                        Selected::Case(1, _) => {
                            c.conn.write_message(Frame::Ping, cfg.write_wait).await
                        }
                        _ => break,
                    };
                    if result.is_err() {
                        break;
                    }
                }
                ticker.stop();
                c.pumps.done();
            }
        }
        c.conn.close();
    }

    /// gorilla's `readPump`, without its deferred teardown (see [`Client::teardown`]).
    pub async fn read_pump(&self, hub: &Hub) {
        let c = &self.inner;
        let cfg = &c.cfg;
        c.conn
            .set_read_deadline(crate::rt::now().saturating_add(cfg.pong_wait));
        if c.knobs.keepalive_deadline == crate::knobs::KeepaliveDeadline::Fixed {
            c.conn.set_pong_handler(cfg.pong_wait);
        }
        while let Ok(msg) = c.conn.read_message().await {
            hub.broadcast(msg).await;
        }
    }

    /// The read pump's deferred cleanup: mark closed, unregister, close the connection.
    pub async fn teardown(&self, hub: &Hub) {
        let c = &self.inner;
        *c.closed.lock() = true;
        if c.knobs.orphaned_pumps != OrphanedPumps::Buggy {
            c.ctx.cancel();
        }
        hub.unregister_from_teardown(self).await;
        c.conn.close();
    }

    pub(crate) fn mark_disconnected(&self, at: std::time::Duration, hub_running: bool) {
        *self.inner.disconnected.lock() = Some((at, hub_running));
    }

    /// When teardown began and whether the hub was running then.
    pub fn disconnected(&self) -> Option<(std::time::Duration, bool)> {
        *self.inner.disconnected.lock()
    }

    pub(crate) fn pumps(&self) -> &WaitGroup {
        &self.inner.pumps
    }
}
