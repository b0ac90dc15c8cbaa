//! The operations an op sequence is made of: what users, peers and the API do to a hub.

use hub_core::hub::{SubId, UserId};
use std::fmt;

/// A connection, numbered in connection order from 1 (the hub's `client#N` / `conn#N`).
pub type ConnId = u32;

/// Which open connection an op acts on: `user`'s `nth` open one, oldest first. Relative to
/// the user (not a global number) so that deleting another user's ops while shrinking does
/// not make it name another connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub user: UserId,
    pub nth: u8,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nth {
            0 => write!(f, "user {}'s oldest open connection", self.user),
            n => write!(f, "user {}'s open connection #{}", self.user, n + 1),
        }
    }
}

/// Users with healthy peers (few, so that users share connections and presence).
pub const USERS: [UserId; 3] = [1, 2, 3];

/// The user whose peers never read (see [`Op::SlowPeer`]); no healthy peer uses it, so its
/// messages go to slow peers only.
pub const SLOW_USER: UserId = 9;

/// Subscriptions a connection may be opened on (seed 000's two).
pub const SUBS: [SubId; 2] = ["blocks", "trx"];

/// How a user comes back after a connection drops (seed 001's two reconnect stories).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reconnect {
    /// A second tab: the new connection opens, the old one drops 1 ms later.
    SecondTab,
    /// A reload: the old connection drops, the new one opens after the hub's offline delay
    /// (100 ms), the moment the documented delayed double check runs.
    Reload,
}

/// One step of an op sequence. Steps happen one second apart (virtual time), long enough for
/// every step's effects to settle under any interleaving (see `ops::play`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// A healthy peer of `user` connects (no subscription).
    Connect { user: UserId },
    /// A healthy peer of `user` connects on subscription `sub`. The hub has no
    /// subscribe-after-connect call: in seed 000 a WebSocket is opened *on* a subscription,
    /// so subscribing is connecting with one.
    Subscribe { user: UserId, sub: SubId },
    /// The server closes the target connection (the peer sees the close).
    Disconnect { conn: Target },
    /// The target's peer drops and its user reconnects with the same subscription.
    RapidReconnect { conn: Target, how: Reconnect },
    /// The API deletes `sub`: every client on it is unregistered (seed 000).
    DeleteSubscription { sub: SubId },
    /// The API broadcasts the next message (`m1`, `m2`, ...) to every registered client.
    Broadcast,
    /// A peer of [`SLOW_USER`] that never reads connects; 10 ms later the API sends that user
    /// `send_buffer + 2` messages (seed 001's `SendMessage`), one more than the write pump
    /// and the buffer can hold, so the hub drops it as slow.
    SlowPeer,
    /// The target connection breaks: its peer goes away (close 1006).
    PeerError { conn: Target },
    /// A peer of `user` connects and its connection breaks at once, possibly before the hub
    /// has registered it (seed 001's "rapid reconnections").
    PeerErrorOnConnect { user: UserId },
    /// The hub's context is cancelled and `Run` returns. Afterwards only teardowns and
    /// broadcasts happen (the server accepts no new connections).
    Shutdown,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Connect { user } => write!(f, "connect (user {user})"),
            Op::Subscribe { user, sub } => write!(f, "subscribe to {sub} (user {user})"),
            Op::Disconnect { conn } => write!(f, "disconnect {conn} (the server closes it)"),
            Op::RapidReconnect {
                conn,
                how: Reconnect::SecondTab,
            } => write!(
                f,
                "rapid reconnect of {conn}: second tab (new one opens, old drops 1 ms later)"
            ),
            Op::RapidReconnect {
                conn,
                how: Reconnect::Reload,
            } => write!(
                f,
                "rapid reconnect of {conn}: reload (old drops, new one opens 100 ms later)"
            ),
            Op::DeleteSubscription { sub } => write!(f, "delete subscription {sub}"),
            Op::Broadcast => f.write_str("broadcast"),
            Op::SlowPeer => write!(f, "slow peer (user {SLOW_USER}) fills its buffer"),
            Op::PeerError { conn } => write!(f, "peer error on {conn}"),
            Op::PeerErrorOnConnect { user } => write!(f, "peer error on connect (user {user})"),
            Op::Shutdown => f.write_str("shutdown"),
        }
    }
}
