//! The reference model: what a correct hub does with an op sequence, without concurrency.
//!
//! It tracks who is connected (open), registered with the hub, subscribed, and online, and
//! what each peer should receive. Every op's effects settle before the next op (ops are one
//! virtual second apart), so the reference is a plain sequential function of the ops.

use super::op::{ConnId, Op, Reconnect, Target, SLOW_USER, SUBS, USERS};
use hub_core::hub::{SubId, UserId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What a peer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// Reads what the server writes and answers pings.
    Healthy,
    /// Never reads.
    Slow,
    /// Breaks right after connecting.
    Broken,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    /// The server closed it (a disconnect, a deleted subscription, a slow drop).
    ClosedByServer,
    /// The peer went away (a peer error, a reconnect).
    WentAway,
}

/// One connection as the reference sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnModel {
    pub id: ConnId,
    pub user: UserId,
    pub sub: Option<SubId>,
    pub peer: Peer,
    pub end: Option<End>,
    /// In the hub's client table. A teardown after shutdown is not processed: it stays.
    pub registered: bool,
    /// Messages the peer should have read, in order.
    pub received: Vec<String>,
}

impl ConnModel {
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }
}

/// What a peer observed, as compared (pings are left out: their count depends only on time).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    Message(String),
    ClosedByServer,
    WentAway,
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seen::Message(m) => f.write_str(m),
            Seen::ClosedByServer => f.write_str("closed by server"),
            Seen::WentAway => f.write_str("went away"),
        }
    }
}

/// The hub's state at the checkpoint (after the last op, before the server shuts down),
/// as the reference predicts it or as the run recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Connections in the hub's client table.
    pub registered: BTreeSet<ConnId>,
    /// `userClients`, users with at least one client.
    pub user_clients: BTreeMap<UserId, BTreeSet<ConnId>>,
    /// Presence, for every user ([`USERS`] and [`SLOW_USER`]).
    pub online: BTreeMap<UserId, bool>,
    /// The router's subscriptions, connections on at least one.
    pub subscriptions: BTreeMap<ConnId, Vec<SubId>>,
    /// Connections the server has not closed.
    pub open: BTreeSet<ConnId>,
}

/// Everything the reference predicts of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub snapshot: Snapshot,
    /// What each peer observes over the whole run (the server closes every connection still
    /// open at the end).
    pub peers: BTreeMap<ConnId, Vec<Seen>>,
}

/// The reference state after some ops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub conns: Vec<ConnModel>,
    pub shutdown: bool,
    pub broadcasts: u32,
    /// Presence when the hub shut down: nothing changes it afterwards.
    frozen_online: Option<BTreeMap<UserId, bool>>,
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    /// The connection `id`, if it exists.
    pub fn conn(&self, id: ConnId) -> Option<&ConnModel> {
        (id as usize).checked_sub(1).and_then(|i| self.conns.get(i))
    }

    /// Connections still open.
    pub fn open_conns(&self) -> Vec<ConnId> {
        self.conns
            .iter()
            .filter(|c| c.is_open())
            .map(|c| c.id)
            .collect()
    }

    /// The connection `target` names now, if it is open.
    pub fn resolve(&self, target: Target) -> Option<ConnId> {
        self.conns
            .iter()
            .filter(|c| c.user == target.user && c.is_open())
            .nth(usize::from(target.nth))
            .map(|c| c.id)
    }

    /// Every open connection as a target, by user, oldest first.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for &user in USERS.iter().chain([&SLOW_USER]) {
            let open = self
                .conns
                .iter()
                .filter(|c| c.user == user && c.is_open())
                .count();
            out.extend((0..open).map(|nth| Target {
                user,
                nth: nth as u8,
            }));
        }
        out
    }

    /// The connection an op acts on (its target, resolved), if it has one.
    pub fn target_of(&self, op: &Op) -> Option<ConnId> {
        match op {
            Op::Disconnect { conn } | Op::PeerError { conn } | Op::RapidReconnect { conn, .. } => {
                self.resolve(*conn)
            }
            _ => None,
        }
    }

    /// Whether `op` makes sense now (the reference's preconditions, also checked while
    /// shrinking deletes earlier ops).
    pub fn allows(&self, op: &Op) -> bool {
        let open = |t: Target| self.resolve(t).is_some();
        let user = |u: &UserId| USERS.contains(u);
        match op {
            Op::Connect { user: u } | Op::PeerErrorOnConnect { user: u } => {
                !self.shutdown && user(u)
            }
            Op::Subscribe { user: u, sub } => !self.shutdown && user(u) && SUBS.contains(sub),
            Op::DeleteSubscription { sub } => !self.shutdown && SUBS.contains(sub),
            Op::SlowPeer | Op::Shutdown => !self.shutdown,
            Op::Disconnect { conn } | Op::PeerError { conn } => open(*conn),
            Op::RapidReconnect { conn, .. } => {
                !self.shutdown
                    && self
                        .resolve(*conn)
                        .and_then(|id| self.conn(id))
                        .is_some_and(|c| c.peer == Peer::Healthy)
            }
            Op::Broadcast => true,
        }
    }

    fn open(&mut self, user: UserId, sub: Option<SubId>, peer: Peer) -> ConnId {
        let id = self.conns.len() as ConnId + 1;
        self.conns.push(ConnModel {
            id,
            user,
            sub,
            peer,
            end: None,
            registered: !self.shutdown,
            received: Vec::new(),
        });
        id
    }

    fn end(&mut self, id: ConnId, how: End) {
        let shutdown = self.shutdown;
        let c = &mut self.conns[id as usize - 1];
        c.end = Some(how);
        if !shutdown {
            c.registered = false;
        }
    }

    /// Apply one op (which `allows`).
    pub fn apply(mut self, op: &Op) -> Model {
        match *op {
            Op::Connect { user } => {
                self.open(user, None, Peer::Healthy);
            }
            Op::Subscribe { user, sub } => {
                self.open(user, Some(sub), Peer::Healthy);
            }
            Op::Disconnect { conn } => {
                let id = self.resolve(conn).expect("allowed: the target is open");
                self.end(id, End::ClosedByServer);
            }
            Op::PeerError { conn } => {
                let id = self.resolve(conn).expect("allowed: the target is open");
                self.end(id, End::WentAway);
            }
            Op::RapidReconnect { conn: target, how } => {
                let conn = self.resolve(target).expect("allowed: the target is open");
                let (user, sub) = {
                    let c = &self.conns[conn as usize - 1];
                    (c.user, c.sub)
                };
                match how {
                    Reconnect::SecondTab => {
                        self.open(user, sub, Peer::Healthy);
                        self.end(conn, End::WentAway);
                    }
                    Reconnect::Reload => {
                        self.end(conn, End::WentAway);
                        self.open(user, sub, Peer::Healthy);
                    }
                }
            }
            Op::DeleteSubscription { sub } => {
                let kicked: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|c| c.is_open() && c.registered && c.sub == Some(sub))
                    .map(|c| c.id)
                    .collect();
                for id in kicked {
                    self.end(id, End::ClosedByServer);
                }
            }
            Op::Broadcast => {
                self.broadcasts += 1;
                let text = format!("m{}", self.broadcasts);
                if !self.shutdown {
                    for c in &mut self.conns {
                        if c.is_open() && c.registered && c.peer == Peer::Healthy {
                            c.received.push(text.clone());
                        }
                    }
                }
            }
            Op::SlowPeer => {
                let id = self.open(SLOW_USER, None, Peer::Slow);
                self.end(id, End::ClosedByServer);
            }
            Op::PeerErrorOnConnect { user } => {
                let id = self.open(user, None, Peer::Broken);
                self.end(id, End::WentAway);
            }
            Op::Shutdown => {
                self.frozen_online = Some(self.online_now());
                self.shutdown = true;
            }
        }
        self
    }

    fn online_now(&self) -> BTreeMap<UserId, bool> {
        USERS
            .iter()
            .chain([&SLOW_USER])
            .map(|&u| {
                let online = self
                    .conns
                    .iter()
                    .any(|c| c.user == u && c.is_open() && c.registered);
                (u, online)
            })
            .collect()
    }

    /// What a correct hub shows after these ops.
    pub fn expected(&self) -> Expected {
        let registered = || self.conns.iter().filter(|c| c.registered);
        let mut user_clients: BTreeMap<UserId, BTreeSet<ConnId>> = BTreeMap::new();
        for c in registered() {
            user_clients.entry(c.user).or_default().insert(c.id);
        }
        let snapshot = Snapshot {
            registered: registered().map(|c| c.id).collect(),
            user_clients,
            online: self
                .frozen_online
                .clone()
                .unwrap_or_else(|| self.online_now()),
            subscriptions: registered()
                .filter_map(|c| c.sub.map(|s| (c.id, vec![s])))
                .collect(),
            open: self.open_conns().into_iter().collect(),
        };
        let peers = self
            .conns
            .iter()
            .map(|c| {
                let mut seen: Vec<Seen> = c.received.iter().cloned().map(Seen::Message).collect();
                seen.push(match c.end {
                    Some(End::WentAway) => Seen::WentAway,
                    // The server closes whatever is still open when it stops.
                    Some(End::ClosedByServer) | None => Seen::ClosedByServer,
                });
                (c.id, seen)
            })
            .collect();
        Expected { snapshot, peers }
    }
}
