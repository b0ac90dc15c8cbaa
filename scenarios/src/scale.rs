//! Workloads with many clients, for tokio's multi-thread runtime (and the sim, for comparison).
//!
//! The catalog's programs are the seeds' situations at the seeds' sizes (one to 34 clients).
//! These two are the same hub at thousands of clients, written as ordinary [`Program`]s so any
//! engine runs them, with the expectations derived from the program's own parameters:
//!
//! - [`Fanout`]: the `Fixed` hub with N clients connecting, receiving broadcasts, half of
//!   them disconnecting, a shutdown while the other half is still connected, then the rest
//!   disconnecting. [`Fanout::check`] verifies that every message reached every client that was
//!   registered when it was broadcast, exactly once and in order (a client dropped as slow is
//!   counted, not failed), and no other client.
//! - [`StuckTeardowns`]: seed 004's bug at scale: N clients connected when the hub shuts down,
//!   then all disconnect; the `Buggy` teardown's blocking `unregister <- c` parks every one the
//!   buffer cannot take.
//!
//! On a real clock no fixed timeline can say when 10,000 concurrent registrations are done,
//! so the programs sequence their phases with [`Action::Await`] instead of times (every step
//! is at 0 s), and drop connections all at once ([`Action::DropConnections`]).

use crate::program::{Action, Await, Program};
use hub_core::hub::{Hub, HubConfig, Invariant, Message, PeerSaw, PeerScript};
use std::fmt;
use std::time::Duration;

/// The hub configuration of both workloads: the seeds' defaults, except Redis.
///
/// The hub loop awaits each presence call, one at a time; at the default 1 ms round trip,
/// 10,000 registrations are 10 s of real sleeping on a multi-thread runtime, which would
/// measure the sleep, not the hub. A zero round trip is a local store (the sim and a paused
/// clock run it in no virtual time either way).
pub fn scale_config() -> HubConfig {
    let mut config = HubConfig::default();
    config.presence_round_trip = Duration::ZERO;
    config
}

fn connect_all(clients: u32, steps: &mut Vec<(Duration, Action)>) {
    for i in 1..=clients {
        steps.push((
            Duration::ZERO,
            Action::Connect {
                user: i,
                subscriptions: vec!["blocks"],
                peer: PeerScript::healthy(),
            },
        ));
    }
    steps.push((
        Duration::ZERO,
        Action::Await(Await::Registered(clients as usize)),
    ));
}

/// Broadcasts to many clients around a mid-way shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fanout {
    pub clients: u32,
    /// Messages per broadcast phase.
    pub per_phase: usize,
}

impl Fanout {
    /// Clients `1..=leavers()` disconnect while the hub runs.
    pub fn leavers(&self) -> u32 {
        self.clients / 2
    }

    fn messages(&self, phase: char) -> Vec<Message> {
        (1..=self.per_phase)
            .map(|i| Message::from(format!("{phase}{i}")))
            .collect()
    }

    /// 1. every client connects; wait until all are registered;
    /// 2. broadcast phase `a` to all of them; wait until delivered;
    /// 3. clients `1..=N/2` disconnect; wait until only the others are registered, and check
    ///    that the ones that left are gone from the hub and the router;
    /// 4. broadcast phase `b` to the remaining half; wait until delivered;
    /// 5. shut the hub down (mid-way: half the clients still connected); wait until it exits;
    /// 6. broadcast `c1` (the hub is gone: dropped, nobody receives it);
    /// 7. the remaining clients disconnect (their teardowns must not park); check again.
    pub fn program(&self) -> Program {
        let at = Duration::ZERO;
        let mut steps = Vec::new();
        connect_all(self.clients, &mut steps);
        steps.push((at, Action::Broadcast(self.messages('a'))));
        steps.push((at, Action::Await(Await::Delivered)));
        steps.push((at, Action::DropConnections((1..=self.leavers()).collect())));
        steps.push((
            at,
            Action::Await(Await::Registered((self.clients - self.leavers()) as usize)),
        ));
        steps.push((
            at,
            Action::Checkpoint(vec![Invariant::DisconnectedClientsRemoved]),
        ));
        steps.push((at, Action::Broadcast(self.messages('b'))));
        steps.push((at, Action::Await(Await::Delivered)));
        steps.push((at, Action::Shutdown));
        steps.push((at, Action::Await(Await::HubExited)));
        steps.push((at, Action::Broadcast(vec!["c1".into()])));
        steps.push((
            at,
            Action::DropConnections((self.leavers() + 1..=self.clients).collect()),
        ));
        steps.push((
            at,
            Action::Checkpoint(vec![Invariant::DisconnectedClientsRemoved]),
        ));
        Program {
            config: scale_config(),
            steps,
        }
    }

    /// What client `n` (1-based) must receive: phase `a`, and phase `b` if it stayed.
    pub fn expected(&self, n: u32) -> Vec<Message> {
        let mut expected = self.messages('a');
        if n > self.leavers() {
            expected.extend(self.messages('b'));
        }
        expected
    }

    /// Deliveries the run must make in all: `N·per_phase + (N − N/2)·per_phase`.
    pub fn deliveries(&self) -> u64 {
        (self.clients as u64 + (self.clients - self.leavers()) as u64) * self.per_phase as u64
    }

    /// Compare what every peer received with [`Fanout::expected`].
    pub fn check(&self, hub: &Hub) -> Result<Delivered, String> {
        let clients = hub.all_clients();
        if clients.len() != self.clients as usize {
            return Err(format!(
                "{} clients connected, expected {}",
                clients.len(),
                self.clients
            ));
        }
        let mut delivered = Delivered::default();
        for (i, c) in clients.iter().enumerate() {
            let n = i as u32 + 1;
            let observed = c.conn().observed();
            let got: Vec<Message> = observed
                .iter()
                .filter_map(|(_, saw)| match saw {
                    PeerSaw::Message(m) => Some(m.clone()),
                    _ => None,
                })
                .collect();
            if c.conn().closed_at().is_none() {
                return Err(format!("{}: connection still open", c.conn().name()));
            }
            let expected = self.expected(n);
            delivered.messages += got.len() as u64;
            if got == expected {
                continue;
            }
            // A client dropped as slow got a strict prefix, then the server closed it.
            let closed_by_server = observed
                .iter()
                .any(|(_, saw)| *saw == PeerSaw::ClosedByServer);
            if got.len() < expected.len() && expected.starts_with(&got) && closed_by_server {
                delivered.dropped_slow += 1;
                continue;
            }
            return Err(format!(
                "{}: received {:?}, expected {:?}",
                c.name(),
                got.iter().map(|m| &**m).collect::<Vec<_>>(),
                expected.iter().map(|m| &**m).collect::<Vec<_>>()
            ));
        }
        Ok(delivered)
    }
}

/// What [`Fanout::check`] counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Messages peers received.
    pub messages: u64,
    /// Clients dropped as slow (their buffer was full); 0 when every peer keeps up.
    pub dropped_slow: u64,
}

impl fmt::Display for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} messages delivered, {} clients dropped as slow",
            self.messages, self.dropped_slow
        )
    }
}

/// Seed 004 at scale: every client disconnects after the hub has exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StuckTeardowns {
    pub clients: u32,
}

impl StuckTeardowns {
    /// Connect all; wait until registered; shut down; wait until `hub.run` has returned;
    /// every connection drops at once.
    pub fn program(&self) -> Program {
        let at = Duration::ZERO;
        let mut steps = Vec::new();
        connect_all(self.clients, &mut steps);
        steps.push((at, Action::Shutdown));
        steps.push((at, Action::Await(Await::HubExited)));
        steps.push((at, Action::DropConnections((1..=self.clients).collect())));
        Program {
            config: scale_config(),
            steps,
        }
    }

    /// Teardowns left parked by the `Buggy` knob. Nobody disconnected while the hub ran, so
    /// its `unregister` buffer is empty when it exits; after that nothing receives from it.
    /// Each teardown sends once: the first `unregister_buffer` sends fill the buffer and
    /// return, every other one parks forever. (The `Fixed` teardown selects on `hub.done` too
    /// and parks none.)
    pub fn expected_parked(&self) -> usize {
        (self.clients as usize).saturating_sub(scale_config().unregister_buffer)
    }
}
