//! Invariants the catalog checks, at a checkpoint while the hub still runs.
//!
//! Three more properties from the catalog are verdicts rather than checks, because the model
//! cannot get past breaking them: a channel closed twice and a message sent into a closed
//! client channel are Go panics (`close of closed channel`, `send on closed channel`), and a
//! task left parked is the sim's `Leak`.

use super::conn::PeerSaw;
use super::Hub;
use crate::invariant::Violation;
use crate::sim::fmt_time;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    /// Every client whose teardown began while the hub was running has been removed from the
    /// hub and from every router subscription.
    DisconnectedClientsRemoved,
    /// Presence says a user is online exactly when the hub has an open connection of theirs.
    PresenceMatchesConnections,
    /// The server did not close a connection whose peer was healthy (reading, answering pings,
    /// not leaving).
    HealthyPeerOpen,
    /// The server did not close a connection before its peer saw or sent a first message.
    ClosedBeforeFirstMessage,
}

impl Invariant {
    pub const ALL: [Invariant; 4] = [
        Invariant::DisconnectedClientsRemoved,
        Invariant::PresenceMatchesConnections,
        Invariant::HealthyPeerOpen,
        Invariant::ClosedBeforeFirstMessage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Invariant::DisconnectedClientsRemoved => "disconnected-clients-removed",
            Invariant::PresenceMatchesConnections => "presence-matches-connections",
            Invariant::HealthyPeerOpen => "healthy-peer-open",
            Invariant::ClosedBeforeFirstMessage => "closed-before-first-message",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Invariant::DisconnectedClientsRemoved => {
                "every client that disconnected while the hub ran is gone from the hub and the router"
            }
            Invariant::PresenceMatchesConnections => {
                "presence says online exactly when the user has an open connection"
            }
            Invariant::HealthyPeerOpen => "a healthy peer's connection is still open",
            Invariant::ClosedBeforeFirstMessage => {
                "no connection is closed by the server before its first message"
            }
        }
    }

    /// Check now (awaits the hub's and router's locks like any other task).
    pub async fn check(self, hub: &Hub) -> Result<(), Violation> {
        let fail = |detail: String| Err(Violation::new(self.name(), detail));
        match self {
            Invariant::DisconnectedClientsRemoved => {
                let registered: BTreeSet<_> = hub.registered().await.into_iter().collect();
                for c in hub.all_clients() {
                    let Some((at, true)) = hub.disconnected(&c) else {
                        continue;
                    };
                    if registered.contains(&c.id()) {
                        return fail(format!(
                            "{} disconnected at {} while the hub ran, but is still registered",
                            c.name(),
                            fmt_time(at)
                        ));
                    }
                    let subs = hub.router().subscriptions_of(&c).await;
                    if !subs.is_empty() {
                        return fail(format!(
                            "{} disconnected at {}, but the router still lists it on {}",
                            c.name(),
                            fmt_time(at),
                            subs.join(", ")
                        ));
                    }
                }
                Ok(())
            }
            Invariant::PresenceMatchesConnections => {
                let mut users: BTreeSet<_> = hub.presence().users().into_iter().collect();
                users.extend(hub.all_clients().iter().map(|c| c.user()));
                for user in users {
                    let registered = hub.user_clients(user).await;
                    let open: Vec<String> = hub
                        .all_clients()
                        .into_iter()
                        .filter(|c| registered.contains(&c.id()) && c.conn().closed_at().is_none())
                        .map(|c| c.name().to_string())
                        .collect();
                    let online = hub.presence().is_online(user);
                    let connected = !open.is_empty();
                    if online != connected {
                        return fail(if online {
                            format!("user {user} is online with no open connection")
                        } else {
                            format!(
                                "user {user} is offline while connected ({})",
                                open.join(", ")
                            )
                        });
                    }
                }
                Ok(())
            }
            Invariant::HealthyPeerOpen | Invariant::ClosedBeforeFirstMessage => {
                for c in hub.all_clients() {
                    let conn = c.conn();
                    let script = conn.script();
                    let Some(closed) = conn.closed_at() else {
                        continue;
                    };
                    let leaves = script.leaves_at.map(|d| conn.opened_at() + d);
                    let healthy = script.reads && leaves.is_none_or(|l| closed < l);
                    if !healthy {
                        continue;
                    }
                    let observed = conn.observed();
                    let saw_message = observed
                        .iter()
                        .any(|(t, s)| *t <= closed && matches!(s, PeerSaw::Message(_)));
                    let sent_message = script
                        .sends
                        .iter()
                        .any(|(t, _)| conn.opened_at() + *t < closed);
                    if self == Invariant::ClosedBeforeFirstMessage {
                        if !saw_message && !sent_message {
                            return fail(format!(
                                "{} closed by the server at {} ({} after it opened), before its first message",
                                conn.name(),
                                fmt_time(closed),
                                fmt_time(closed - conn.opened_at())
                            ));
                        }
                    } else {
                        return fail(format!(
                            "{} closed by the server at {} while its peer was healthy{}",
                            conn.name(),
                            fmt_time(closed),
                            leaves.map_or(String::new(), |l| format!(
                                " (peer stays until {})",
                                fmt_time(l)
                            ))
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
