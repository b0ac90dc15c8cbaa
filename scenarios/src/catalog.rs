//! The catalog of documented bugs, as data.
//!
//! Each entry names its seed (a file in `shared/seeds/`), quotes the seed's symptom and fix,
//! names the knob, gives the documented situation as a [`Program`] at the seed's own sizes,
//! and states the verdict we expect of each variant. Where the seed is silent about a detail,
//! `choices` says what we chose and why.

use crate::program::{ms, secs, Action, Program};
use hub_core::hub::{HubConfig, Invariant, PeerScript};
use hub_core::knobs::{self, Knobs, Variant};
use std::time::Duration;

/// Which knob an entry turns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Knob {
    DoubleCloseRouter,
    SlowClientClose,
    UnregisterAfterShutdown,
    PrematureDisconnect,
    KeepaliveDeadline,
    ReadpumpGoroutine,
    PresenceReconnect,
    OrphanedPumps,
}

impl Knob {
    /// The variants this knob has.
    pub fn variants(self) -> &'static [Variant] {
        match self {
            Knob::DoubleCloseRouter => knobs::DoubleCloseRouter::VARIANTS,
            Knob::SlowClientClose => knobs::SlowClientClose::VARIANTS,
            Knob::UnregisterAfterShutdown => knobs::UnregisterAfterShutdown::VARIANTS,
            Knob::PrematureDisconnect => knobs::PrematureDisconnect::VARIANTS,
            Knob::KeepaliveDeadline => knobs::KeepaliveDeadline::VARIANTS,
            Knob::ReadpumpGoroutine => knobs::ReadpumpGoroutine::VARIANTS,
            Knob::PresenceReconnect => knobs::PresenceReconnect::VARIANTS,
            Knob::OrphanedPumps => knobs::OrphanedPumps::VARIANTS,
        }
    }

    /// Every knob at its default, this one at `v`. None if the knob has no such variant.
    pub fn knobs(self, v: Variant) -> Option<Knobs> {
        let mut k = Knobs::default();
        match self {
            Knob::DoubleCloseRouter => {
                k.double_close_router = knobs::DoubleCloseRouter::from_variant(v)?
            }
            Knob::SlowClientClose => k.slow_client_close = knobs::SlowClientClose::from_variant(v)?,
            Knob::UnregisterAfterShutdown => {
                k.unregister_after_shutdown = knobs::UnregisterAfterShutdown::from_variant(v)?
            }
            Knob::PrematureDisconnect => {
                k.premature_disconnect = knobs::PrematureDisconnect::from_variant(v)?
            }
            Knob::KeepaliveDeadline => {
                k.keepalive_deadline = knobs::KeepaliveDeadline::from_variant(v)?
            }
            Knob::ReadpumpGoroutine => {
                k.readpump_goroutine = knobs::ReadpumpGoroutine::from_variant(v)?
            }
            Knob::PresenceReconnect => {
                k.presence_reconnect = knobs::PresenceReconnect::from_variant(v)?
            }
            Knob::OrphanedPumps => k.orphaned_pumps = knobs::OrphanedPumps::from_variant(v)?,
        }
        Some(k)
    }
}

/// The verdict we expect of one variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Every explored schedule passes.
    Pass,
    /// Some schedule panics with exactly this Go text.
    Panic(&'static str),
    /// Some schedule leaks exactly these tasks (`task: await site`, in spawn order).
    Leak(&'static [&'static str]),
    /// Some schedule breaks this invariant.
    Invariant(Invariant),
}

impl Expect {
    pub fn kind(self) -> &'static str {
        match self {
            Expect::Pass => "pass",
            Expect::Panic(_) => "panic",
            Expect::Leak(_) => "leak",
            Expect::Invariant(_) => "invariant",
        }
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Pass => f.write_str("pass"),
            Expect::Panic(m) => write!(f, "panic: {m}"),
            Expect::Leak(blocked) => write!(f, "leak: {}", blocked.join("; ")),
            Expect::Invariant(i) => write!(f, "invariant {i}"),
        }
    }
}

/// One documented bug.
pub struct Entry {
    pub id: &'static str,
    /// The seed's file name in `shared/seeds/`.
    pub seed: &'static str,
    pub title: &'static str,
    /// The seed's own words for the symptom.
    pub symptom: &'static str,
    /// The seed's own words for its fix (empty where it documents none).
    pub seed_fix: &'static str,
    pub knob: Knob,
    pub program: fn() -> Program,
    /// Expected verdict per variant, in `Knob::variants` order.
    pub expect: &'static [(Variant, Expect)],
    /// What we chose where the seed is silent.
    pub choices: &'static [&'static str],
}

impl Entry {
    pub fn expected(&self, v: Variant) -> Option<Expect> {
        self.expect.iter().find(|(w, _)| *w == v).map(|(_, e)| *e)
    }

    pub fn variants(&self) -> &'static [Variant] {
        self.knob.variants()
    }
}

pub fn find(id: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.id == id)
}

/// The entry and variant `knobs` switch on: the one knob away from its default.
pub fn switched(knobs: Knobs) -> Option<(&'static Entry, Variant)> {
    CATALOG.iter().find_map(|e| {
        e.variants()
            .iter()
            .find(|v| e.knob.knobs(**v) == Some(knobs) && knobs != Knobs::default())
            .map(|v| (e, *v))
    })
}

pub fn ids() -> Vec<&'static str> {
    CATALOG.iter().map(|e| e.id).collect()
}

fn connect(user: u32, peer: PeerScript) -> Action {
    Action::Connect {
        user,
        subscriptions: Vec::new(),
        peer,
    }
}

/// The end every program shares: the server closes what is still open while the hub runs,
/// then the hub shuts down.
fn graceful_end(steps: &mut Vec<(Duration, Action)>, at: Duration) {
    steps.push((at, Action::CloseAll));
    steps.push((at + secs(1), Action::Shutdown));
}

fn double_close_router() -> Program {
    let mut steps = vec![
        (
            ms(0),
            Action::Connect {
                user: 1,
                subscriptions: vec!["blocks", "trx"],
                peer: PeerScript::healthy(),
            },
        ),
        (secs(1), Action::DeleteSubscription("trx")),
        (
            secs(3),
            Action::Checkpoint(vec![Invariant::DisconnectedClientsRemoved]),
        ),
    ];
    graceful_end(&mut steps, secs(4));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn slow_client_close() -> Program {
    let mut steps = vec![
        (ms(0), connect(1, PeerScript::slow().leaving_at(secs(1)))),
        (
            secs(1),
            Action::SendMessage {
                user: 1,
                texts: vec!["m1", "m2", "m3"],
            },
        ),
        (
            secs(2),
            Action::Checkpoint(vec![Invariant::DisconnectedClientsRemoved]),
        ),
    ];
    graceful_end(&mut steps, secs(3));
    let mut config = HubConfig::default();
    config.send_buffer = 1;
    Program { config, steps }
}

fn unregister_after_shutdown() -> Program {
    let mut steps = Vec::new();
    // Clients 1..=33 connect one per millisecond; 1..=17 will leave in phase 1.
    for i in 1..=33u32 {
        let peer = if i <= 17 {
            // Leaves 1.001 s after it connected: at 1 s + i ms, one per millisecond.
            PeerScript::healthy().leaving_at(secs(1) + ms(1))
        } else {
            PeerScript::healthy()
        };
        steps.push((ms(u64::from(i) - 1), connect(i, peer)));
    }
    // Phase 1: Redis slows to 50 ms and client#34 connects: the hub waits on Redis for its
    // registration (alive and busy) while clients 1..=17 leave.
    steps.push((secs(1), Action::PresenceRoundTrip(ms(50))));
    steps.push((secs(1), connect(34, PeerScript::healthy())));
    steps.push((secs(2), Action::PresenceRoundTrip(ms(1))));
    steps.push((
        secs(2),
        Action::Checkpoint(vec![Invariant::DisconnectedClientsRemoved]),
    ));
    // Phase 2: shutdown first, then the server closes the 17 remaining connections.
    steps.push((secs(3), Action::Shutdown));
    steps.push((
        secs(3) + ms(1),
        Action::CloseConnections((18..=34).collect()),
    ));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn premature_disconnect() -> Program {
    let mut steps = vec![
        (
            ms(0),
            connect(1, PeerScript::healthy().sending(secs(1), "hello")),
        ),
        (
            secs(5),
            Action::Checkpoint(vec![
                Invariant::ClosedBeforeFirstMessage,
                Invariant::HealthyPeerOpen,
            ]),
        ),
    ];
    graceful_end(&mut steps, secs(6));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn keepalive_deadline() -> Program {
    let mut steps = vec![
        (ms(0), connect(1, PeerScript::healthy())),
        (
            secs(25 * 60),
            Action::Checkpoint(vec![Invariant::HealthyPeerOpen]),
        ),
    ];
    graceful_end(&mut steps, secs(25 * 60 + 1));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn readpump_goroutine() -> Program {
    let mut steps = vec![
        (
            ms(0),
            connect(
                1,
                PeerScript::healthy()
                    .sending(secs(1), "hello")
                    .leaving_at(secs(2)),
            ),
        ),
        (
            secs(3),
            Action::Checkpoint(vec![
                Invariant::DisconnectedClientsRemoved,
                Invariant::HealthyPeerOpen,
            ]),
        ),
    ];
    graceful_end(&mut steps, secs(4));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn presence_reconnect() -> Program {
    let mut steps = vec![
        (ms(0), connect(1, PeerScript::healthy().leaving_at(secs(1)))),
        // Leaves at 2.001 s (2 s after it connected).
        (ms(1), connect(2, PeerScript::healthy().leaving_at(secs(2)))),
        // User 1 reloads: the old socket closes at 1 s, the new one opens 100 ms later.
        (secs(1) + ms(100), connect(1, PeerScript::healthy())),
        // User 2 opens a second tab at 2 s; the first tab closes 1 ms later.
        (secs(2), connect(2, PeerScript::healthy())),
        (
            secs(3),
            Action::Checkpoint(vec![Invariant::PresenceMatchesConnections]),
        ),
    ];
    graceful_end(&mut steps, secs(4));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

fn orphaned_pumps() -> Program {
    let mut steps = vec![
        // The hub registers client#1 and waits 1 ms on Redis...
        (ms(0), connect(1, PeerScript::healthy())),
        // ...while client#2 connects and its connection dies at once.
        (
            Duration::from_micros(500),
            connect(2, PeerScript::healthy().leaving_at(ms(0))),
        ),
    ];
    graceful_end(&mut steps, secs(2));
    Program {
        config: HubConfig::default(),
        steps,
    }
}

pub static CATALOG: &[Entry] = &[
    Entry {
        id: "double-close-router",
        seed: "000_68cc832344e7f59b.txt",
        title: "Deleting a subscription with an active WebSocket closes its send channel twice",
        symptom: "panic: close of closed channel ... (*EventRouter).UnregisterClient ... (*Hub).unregisterClient",
        seed_fix: "Added a `closed` flag to `WebSocketClient` ... only close the channel if not already closed ... Removed channel close from `unregisterClient()` since EventRouter handles it",
        knob: Knob::DoubleCloseRouter,
        program: double_close_router,
        expect: &[
            (Variant::Buggy, Expect::Panic("close of closed channel")),
            (Variant::Documented, Expect::Panic("close of closed channel")),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "The router keeps one `WebSocketClient` per (subscription, client), as `r.wsClients[subscriptionID]` is a slice of them; so the documented `closed` flag is per subscription, not per channel.",
            "The hub's `unregisterClient` loops over `h.clients` (per subscription, Go map order: a choice point) and `break`s after the first match, exactly as the seed's code does.",
            "Deleting a subscription calls `hub.unregisterClient` for each client on it from the API goroutine (the seed's stack trace).",
        ],
    },
    Entry {
        id: "slow-client-close",
        seed: "001_a7fd15780077b821.txt",
        title: "A slow client's send channel is closed by SendMessage and by unregisterClient",
        symptom: "Double-close panics when both `unregisterClient()` and `SendMessage()` tried to close the send channel",
        seed_fix: "Added atomic flags and safe channel closure methods: `if atomic.CompareAndSwapInt32(&c.sendClosed, 0, 1) { close(c.send) }`",
        knob: Knob::SlowClientClose,
        program: slow_client_close,
        expect: &[
            (Variant::Buggy, Expect::Panic("close of closed channel")),
            (Variant::Documented, Expect::Panic("send on closed channel")),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "`SendMessage` copies the user's clients under the hub lock and offers the message to each outside it with `select { case c.send <- msg: default: close }`; under a read lock it cannot delete the client, so it only closes.",
            "The documented sender checks `sendClosed` and then sends: two statements, so two steps.",
            "The seed gives no send buffer size; 1 keeps the timeline short (the shape needs only \"full\").",
        ],
    },
    Entry {
        id: "unregister-after-shutdown",
        seed: "004_8bd75a8045ca0693.txt",
        title: "Client teardown blocks forever on `unregister <- c` after Run() returned",
        symptom: "Client teardown can block on `h.unregister <- c` after `Run()` exits ... more than 16 post-shutdown disconnects can block forever",
        seed_fix: "Option 1: Replace defer send with a `select { case h.unregister <- c: default: }`",
        knob: Knob::UnregisterAfterShutdown,
        program: unregister_after_shutdown,
        expect: &[
            (
                Variant::Buggy,
                Expect::Leak(&["conn#34.handler: send on unregister (cap 16)"]),
            ),
            (
                Variant::Documented,
                Expect::Invariant(Invariant::DisconnectedClientsRemoved),
            ),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "Two phases at the seed's sizes (buffer 16, 17 clients each): 17 peers leave one per millisecond while the hub waits 50 ms on a slow Redis call (alive and busy); later the hub shuts down and the server closes the other 17 connections, one per millisecond.",
            "The seed does not say what makes the hub busy; a Redis latency spike during a registration is seed 001's own hub doing its own work.",
            "Each user's presence is its own Redis key, so the 17 delayed offline calls that land in one instant touch different keys.",
        ],
    },
    Entry {
        id: "premature-disconnect",
        seed: "002_1c3620c9f25a437b.txt",
        title: "Connections die right after the upgrade",
        symptom: "The WebSocket connections immediately disconnect (0.53ms)",
        seed_fix: "",
        knob: Knob::PrematureDisconnect,
        program: premature_disconnect,
        expect: &[
            (
                Variant::Buggy,
                Expect::Invariant(Invariant::ClosedBeforeFirstMessage),
            ),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "The handler has `defer conn.Close()` (as gin/echo handlers do), so returning early closes the connection.",
            "One client, as in the seeds' test (`test_websocket.go`); its peer sends a first message at 1 s, which the chat hub broadcasts back.",
        ],
    },
    Entry {
        id: "keepalive-deadline",
        seed: "003_1afeb2c15a8ab1af.txt",
        title: "A read deadline without a pong handler kills healthy connections at pongWait",
        symptom: "Keep-Alive Behavior: Never sends (connection dies before first ping)",
        seed_fix: "",
        knob: Knob::KeepaliveDeadline,
        program: keepalive_deadline,
        expect: &[
            (Variant::Buggy, Expect::Invariant(Invariant::HealthyPeerOpen)),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "gorilla's chat defaults: pongWait 60 s, writeWait 10 s; pings every 30 s as seeds 002/003 say. The scenario runs the 25 virtual minutes seed 003 validated.",
        ],
    },
    Entry {
        id: "readpump-goroutine",
        seed: "002_1c3620c9f25a437b.txt",
        title: "Does running readPump in a goroutine change anything?",
        symptom: "`client.readPump()` ... PROBLEM: This is blocking and runs in the handler goroutine",
        seed_fix: "Make both `readPump()` and `writePump()` run as concurrent goroutines instead of blocking (seed 003: `go func() { client.readPump(); done <- struct{}{} }(); <-done`)",
        knob: Knob::ReadpumpGoroutine,
        program: readpump_goroutine,
        expect: &[
            (Variant::Buggy, Expect::Pass),
            (Variant::Documented, Expect::Pass),
        ],
        choices: &[
            "One client, as in the seeds' test: its peer sends a message (the chat hub broadcasts it back) and leaves; the equivalence check compares what the peer observed, with times, and the verdict kind.",
        ],
    },
    Entry {
        id: "presence-reconnect",
        seed: "001_a7fd15780077b821.txt",
        title: "Presence flips to offline on rapid reconnects",
        symptom: "User online/offline state conflicts during rapid disconnect/reconnect cycles",
        seed_fix: "Only set user online in Redis if this is the first client ... time.Sleep(100 * time.Millisecond) ... Double-check that user is still offline after delay",
        knob: Knob::PresenceReconnect,
        program: presence_reconnect,
        expect: &[
            (
                Variant::Buggy,
                Expect::Invariant(Invariant::PresenceMatchesConnections),
            ),
            (
                Variant::Documented,
                Expect::Invariant(Invariant::PresenceMatchesConnections),
            ),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "Redis is one FIFO connection with a 1 ms round trip; each call is an await.",
            "User 1 reloads a page (old socket closes, new one opens 100 ms later: the moment the delayed double check runs); user 2 opens a second tab just before closing the first.",
        ],
    },
    Entry {
        id: "orphaned-pumps",
        seed: "001_a7fd15780077b821.txt",
        title: "A write pump parked forever after a connection dies before it is registered",
        symptom: "Orphaned goroutines during rapid reconnections causing resource leaks",
        seed_fix: "Added proper coordination with context cancellation and wait groups ... Check if client is already closed (race condition protection)",
        knob: Knob::OrphanedPumps,
        program: orphaned_pumps,
        expect: &[
            (
                Variant::Buggy,
                Expect::Leak(&["client#2.writePump: recv on client#2.send (cap 256)"]),
            ),
            (Variant::Documented, Expect::Pass),
            (Variant::Fixed, Expect::Pass),
        ],
        choices: &[
            "`register` is buffered (16) like `unregister`, so a registration can wait while the hub is busy; seed 001's \"register a closed client\" check presumes exactly that.",
            "The buggy write pump ranges over `send` only (no ticker, no context), as the catalog describes it.",
        ],
    },
];
