//! `Conn`: an in-memory WebSocket connection whose far end is a scripted peer.
//!
//! The server side has gorilla/websocket's surface (`read_message`, `write_message`, `close`,
//! `set_read_deadline`, `set_pong_handler`). The peer is a task that follows a [`PeerScript`]:
//! it sends messages and goes away at given virtual times, answers pings if healthy, and either
//! reads what the server writes or (a slow peer) never reads. The connection records what the
//! peer observed, with virtual timestamps, for the invariants.

use crate::go::{timeout, Chan, Select, Selected, Timer};
use crate::rt;
use crate::sync::{Arc, HashedMutex, Mutex};
use std::fmt;
use std::time::Duration;

/// A message body. Cheap to clone (the hub fans messages out).
pub type Message = crate::sync::host::Arc<str>;

/// A WebSocket frame on the in-memory wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Text(Message),
    Ping,
    Pong,
    /// The peer closed the connection (close frame) or it broke.
    Close,
}

/// Why a read or write failed (gorilla's error kinds, as the model needs them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnError {
    /// The peer sent a close frame or the connection broke.
    Closed,
    /// `use of closed network connection`: the server closed it itself.
    UseOfClosed,
    /// `i/o timeout`: the read or write deadline passed.
    Timeout,
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnError::Closed => "websocket: close 1006 (abnormal closure)",
            ConnError::UseOfClosed => "use of closed network connection",
            ConnError::Timeout => "i/o timeout",
        })
    }
}

/// What the peer saw, in order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerSaw {
    Message(Message),
    Ping,
    /// The server closed the connection.
    ClosedByServer,
    /// The peer itself went away (its script ended the connection).
    WentAway,
}

/// What one peer does, at virtual times measured from the connection's start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerScript {
    /// Messages the peer sends, with when.
    pub sends: Vec<(Duration, Message)>,
    /// When the peer goes away (close frame), if it does.
    pub leaves_at: Option<Duration>,
    /// A healthy peer reads what the server writes and answers pings; a slow one never reads
    /// (the server's writes block until its write deadline).
    pub reads: bool,
}

impl PeerScript {
    /// A healthy peer that stays until the server closes the connection.
    pub fn healthy() -> Self {
        PeerScript {
            sends: Vec::new(),
            leaves_at: None,
            reads: true,
        }
    }

    /// A peer that never reads.
    pub fn slow() -> Self {
        PeerScript {
            reads: false,
            ..PeerScript::healthy()
        }
    }

    pub fn leaving_at(mut self, at: Duration) -> Self {
        self.leaves_at = Some(at);
        self
    }

    pub fn sending(mut self, at: Duration, text: &str) -> Self {
        self.sends.push((at, text.into()));
        self
    }
}

/// The server's handle on a connection. Cloning shares it.
#[derive(Clone)]
pub struct Conn {
    inner: Arc<ConnInner>,
}

// State is split by who touches it (close, the read side, the peer), so steps of different
// parties do not look dependent to the sim's partial-order reduction.
struct ConnInner {
    name: String,
    opened_at: Duration,
    script: PeerScript,
    to_server: Chan<Frame>,
    to_peer: Chan<Frame>,
    /// Closed when the server closes the connection.
    server_closed: Chan<()>,
    closed_at: HashedMutex<Option<Duration>>,
    reader: Mutex<Reader>,
    observed: Mutex<Vec<(Duration, PeerSaw)>>,
}

#[derive(Default)]
struct Reader {
    read_deadline: Option<Duration>,
    pong_wait: Option<Duration>,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conn({})", self.inner.name)
    }
}

impl Conn {
    /// Open a connection named `name` (e.g. `conn#3`) and start its peer task `{name}.peer`.
    pub fn open(name: &str, script: PeerScript) -> Conn {
        let conn = Conn::new(name, script.clone());
        let peer = conn.clone();
        rt::spawn(format!("{name}.peer"), async move {
            peer.run_peer(script).await
        });
        conn
    }

    fn new(name: &str, script: PeerScript) -> Conn {
        Conn {
            inner: Arc::new(ConnInner {
                name: name.to_string(),
                to_server: Chan::quiet(format!("{name}.in"), 64),
                // Unbuffered: a write completes when the peer takes it, like a full TCP window
                // for a peer that stops reading.
                to_peer: Chan::quiet(format!("{name}.out"), 0),
                server_closed: Chan::signal(format!("{name}.closed")),
                opened_at: rt::now(),
                script,
                closed_at: HashedMutex::new(None),
                reader: Mutex::new(Reader::default()),
                observed: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A connection whose peer has no task: it never sends, never reads (a write blocks until
    /// its deadline) and never leaves; only the server's close ends it. For small models.
    pub fn without_peer(name: &str) -> Conn {
        Conn::new(name, PeerScript::slow())
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// `conn.ReadMessage()`: the next text message, handling pongs (and the pong handler)
    /// on the way, like gorilla does inside `ReadMessage`.
    pub async fn read_message(&self) -> Result<Message, ConnError> {
        loop {
            if self.inner.closed_at.lock().is_some() {
                return Err(ConnError::UseOfClosed);
            }
            let deadline = self.inner.reader.lock().read_deadline;
            let timer = deadline.map(|d| {
                Timer::new(
                    &format!("{}.readDeadline", self.inner.name),
                    d.saturating_sub(rt::now()),
                )
            });
            let nil = Chan::nil();
            let deadline_c = timer.as_ref().map_or(&nil, |t| &t.c);
            let picked = Select::new()
                .recv(&self.inner.to_server)
                .recv(&self.inner.server_closed)
                .recv(deadline_c)
                .wait()
                .await;
            match picked {
                Selected::Case(0, v) => match v.received::<Frame>() {
                    Some(Frame::Text(m)) => {
                        crate::model_event!("read {:?} from {}", &*m, self.inner.name);
                        return Ok(m);
                    }
                    Some(Frame::Pong) => {
                        let extended = {
                            let mut reader = self.inner.reader.lock();
                            let wait = reader.pong_wait;
                            if let Some(wait) = wait {
                                reader.read_deadline = Some(rt::now().saturating_add(wait));
                            }
                            wait
                        };
                        match extended {
                            Some(w) => crate::model_event!(
                                "pong from {}: read deadline now {}",
                                self.inner.name,
                                crate::sim::fmt_time(rt::now().saturating_add(w))
                            ),
                            None => crate::model_event!(
                                "pong from {} (no pong handler)",
                                self.inner.name
                            ),
                        }
                    }
                    Some(Frame::Ping) => {}
                    Some(Frame::Close) | None => {
                        crate::model_event!("read from {}: {}", self.inner.name, ConnError::Closed);
                        return Err(ConnError::Closed);
                    }
                },
                Selected::Case(1, _) => return Err(ConnError::UseOfClosed),
                _ => {
                    crate::model_event!("read from {}: {}", self.inner.name, ConnError::Timeout);
                    return Err(ConnError::Timeout);
                }
            }
        }
    }

    /// `conn.WriteMessage` with a write deadline of `write_wait`.
    pub async fn write_message(&self, frame: Frame, write_wait: Duration) -> Result<(), ConnError> {
        if self.inner.closed_at.lock().is_some() {
            return Err(ConnError::UseOfClosed);
        }
        let write = async {
            Select::new()
                .send(&self.inner.to_peer, frame)
                .recv(&self.inner.server_closed)
                .wait()
                .await
        };
        match timeout(write_wait, write).await {
            Ok(Selected::Case(0, _)) => Ok(()),
            Ok(_) => Err(ConnError::UseOfClosed),
            Err(_) => {
                crate::model_event!("write to {}: {}", self.inner.name, ConnError::Timeout);
                Err(ConnError::Timeout)
            }
        }
    }

    /// `conn.Close()`: idempotent; the first close is recorded with its time.
    pub fn close(&self) {
        let first = {
            let mut closed_at = self.inner.closed_at.lock();
            let first = closed_at.is_none();
            if first {
                *closed_at = Some(rt::now());
            }
            first
        };
        if first {
            crate::model_event!("close {}", self.inner.name);
            self.inner.server_closed.close();
        }
    }

    /// `conn.SetReadDeadline(t)` (absolute virtual time).
    pub fn set_read_deadline(&self, at: Duration) {
        self.inner.reader.lock().read_deadline = Some(at);
    }

    /// `conn.SetPongHandler(func(string) error { conn.SetReadDeadline(now + pongWait) })`.
    pub fn set_pong_handler(&self, pong_wait: Duration) {
        self.inner.reader.lock().pong_wait = Some(pong_wait);
    }

    pub fn opened_at(&self) -> Duration {
        self.inner.opened_at
    }

    /// The peer's script.
    pub fn script(&self) -> PeerScript {
        self.inner.script.clone()
    }

    /// When the server closed the connection, if it did.
    pub fn closed_at(&self) -> Option<Duration> {
        *self.inner.closed_at.lock()
    }

    /// What the peer observed, with virtual times.
    pub fn observed(&self) -> Vec<(Duration, PeerSaw)> {
        self.inner.observed.lock().clone()
    }

    fn observe(&self, saw: PeerSaw) {
        self.inner.observed.lock().push((rt::now(), saw));
    }

    /// The peer: follows its script until it leaves or the server closes the connection.
    async fn run_peer(&self, script: PeerScript) {
        let start = rt::now();
        let mut sends = script.sends.into_iter().peekable();
        loop {
            let next_at = match (sends.peek(), script.leaves_at) {
                (Some((at, _)), Some(leave)) => Some((*at).min(leave)),
                (Some((at, _)), None) => Some(*at),
                (None, leave) => leave,
            };
            let timer = next_at.map(|at| {
                Timer::new(
                    &format!("{}.script", self.inner.name),
                    (start + at).saturating_sub(rt::now()),
                )
            });
            let nil_timer = Chan::nil();
            let nil_frames = Chan::nil();
            let picked = Select::new()
                .recv(if script.reads {
                    &self.inner.to_peer
                } else {
                    &nil_frames
                })
                .recv(&self.inner.server_closed)
                .recv(timer.as_ref().map_or(&nil_timer, |t| &t.c))
                .wait()
                .await;
            match picked {
                Selected::Case(0, v) => match v.received::<Frame>() {
                    Some(Frame::Text(m)) => self.observe(PeerSaw::Message(m)),
                    Some(Frame::Ping) => {
                        self.observe(PeerSaw::Ping);
                        let _ = self.inner.to_server.try_send(Frame::Pong);
                    }
                    _ => {}
                },
                Selected::Case(1, _) => {
                    self.observe(PeerSaw::ClosedByServer);
                    return;
                }
                _ => {
                    let now = rt::now().saturating_sub(start);
                    if sends.peek().is_some_and(|(at, _)| *at <= now) {
                        let (_, m) = sends.next().expect("peeked");
                        crate::model_event!("peer sends {:?}", &*m);
                        let _ = self.inner.to_server.try_send(Frame::Text(m));
                    } else {
                        crate::model_event!("peer leaves {}", self.inner.name);
                        self.observe(PeerSaw::WentAway);
                        let _ = self.inner.to_server.try_send(Frame::Close);
                        return;
                    }
                }
            }
        }
    }
}
