//! One enum per design decision a documented bug lives in.
//!
//! Each knob has `Buggy` (the code the seed shows failing), `Documented` (the fix the seed
//! describes, which may itself be wrong) and `Fixed` (a correct fix); `Documented` is absent
//! where the seed documents no fix, `Fixed` where the catalog entry is an equivalence question.
//! A scenario sets one knob and leaves every other at its default ([`Knobs::default`]: all
//! `Fixed`). The hub reads knobs at the call sites the bugs live in (`match` on the knob), so
//! there is one hub, never a copy per variant.

/// Which variant of a knob, independent of the knob (for the catalog and the CLI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    Buggy,
    Documented,
    Fixed,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Buggy, Variant::Documented, Variant::Fixed];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Buggy => "buggy",
            Variant::Documented => "documented",
            Variant::Fixed => "fixed",
        }
    }

    pub fn parse(s: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == s)
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! knob {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? } default $default:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl $name {
            /// The variants this knob has.
            pub const VARIANTS: &'static [Variant] = &[$(Variant::$variant),+];

            pub fn from_variant(v: Variant) -> Option<Self> {
                match v {
                    $(Variant::$variant => Some($name::$variant),)+
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            pub fn variant(self) -> Variant {
                match self {
                    $($name::$variant => Variant::$variant),+
                }
            }
        }
    };
}

knob! {
    /// Seed 000: who closes a client's `send` when it is unregistered.
    DoubleCloseRouter {
        /// `Hub.unregisterClient` closes `send`, then `EventRouter.UnregisterClient` closes it
        /// again.
        Buggy,
        /// The router is the sole closer, guarded by a `closed` flag under a mutex on its
        /// per-subscription `WebSocketClient`; the hub unregisters from the first subscription
        /// it finds (`break`) and closes nothing.
        Documented,
        /// One close-once per client channel (shared by every router entry); the hub removes
        /// the client from every subscription.
        Fixed,
    } default Fixed
}

knob! {
    /// Seed 001: sends and closes of a client's `send` from outside the hub goroutine
    /// (`SendMessage`).
    SlowClientClose {
        /// `SendMessage` closes a full client's `send` (it cannot delete it under the read
        /// lock); `unregisterClient` closes it again.
        Buggy,
        /// Both closes go through `closeSendChannel` (atomic CAS flag); senders check
        /// `sendClosed` and then send.
        Documented,
        /// Send and close serialised under the client's own mutex: a sender holds it while it
        /// checks the flag and sends, the closer while it sets the flag and closes.
        Fixed,
    } default Fixed
}

knob! {
    /// Seed 004: the client teardown's `unregister <- c` after `Run()` may have returned.
    UnregisterAfterShutdown {
        /// Blocking send; the buffer (16) absorbs 16 teardowns after shutdown, the 17th parks.
        Buggy,
        /// Option 1: `select { case h.unregister <- c: default: }` (drops the cleanup when the
        /// buffer is full, even while the hub is alive and busy).
        Documented,
        /// `select { case h.unregister <- c: case <-h.done: }`.
        Fixed,
    } default Fixed
}

knob! {
    /// Seeds 002/003: how long the connection handler stays.
    PrematureDisconnect {
        /// The handler spawns both pumps and returns; its deferred `conn.Close()` runs at once.
        Buggy,
        /// The handler blocks until the read pump ends, then tears down.
        Fixed,
    } default Fixed
}

knob! {
    /// Seeds 002/003: the read deadline and the pong handler.
    KeepaliveDeadline {
        /// `SetReadDeadline(now + pongWait)` once and no pong handler: the read fails at
        /// pongWait however healthy the peer.
        Buggy,
        /// A pong handler that extends the read deadline by pongWait on every pong.
        Fixed,
    } default Fixed
}

knob! {
    /// Seeds 002 vs 003: `readPump()` called synchronously in `handleConnection` (002's
    /// "problematic code") or in a goroutine joined by a `done` channel (003's fix). The catalog
    /// asks whether the two differ at all.
    ReadpumpGoroutine {
        /// Seed 002: `go c.writePump(); c.readPump(); h.hub.unregister <- c`.
        Buggy,
        /// Seed 003: `go c.writePump(); go func() { c.readPump(); done <- struct{}{} }(); <-done`.
        Documented,
    } default Documented
}

knob! {
    /// Seed 001: the online/offline presence keys on (re)connect and disconnect.
    PresenceReconnect {
        /// `SetUserOnline` on every register, `SetUserOffline` on every unregister.
        Buggy,
        /// Online only for a user's first client; offline after a 100 ms delay and a double
        /// check that the user still has no client (check, then set: two steps).
        Documented,
        /// Offline is a compare-and-set on a per-user connection generation: it applies only if
        /// no newer connection registered since the disconnect.
        Fixed,
    } default Fixed
}

knob! {
    /// Seed 001: what ends the write pump.
    OrphanedPumps {
        /// The write pump waits only on `send`; registration does not check whether the client
        /// already went away, so a client unregistered before its registration is registered
        /// anyway and its write pump waits forever.
        Buggy,
        /// Seed 001's fix: a client context cancelled on teardown (the write pump selects on
        /// it), a WaitGroup the handler waits on, and `registerClient` skipping closed clients.
        Documented,
        /// The same mechanism; kept separate so the catalog can prove it (see the entry).
        Fixed,
    } default Fixed
}

/// Every knob of the hub. `Knobs::default()` is the correct hub.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Knobs {
    pub double_close_router: DoubleCloseRouter,
    pub slow_client_close: SlowClientClose,
    pub unregister_after_shutdown: UnregisterAfterShutdown,
    pub premature_disconnect: PrematureDisconnect,
    pub keepalive_deadline: KeepaliveDeadline,
    pub readpump_goroutine: ReadpumpGoroutine,
    pub presence_reconnect: PresenceReconnect,
    pub orphaned_pumps: OrphanedPumps,
}
