//! Programs: the documented situation of a bug as data (who connects, what happens, when),
//! and the runner that plays one against a hub with given knobs.

use hub_core::go::sleep;
use hub_core::hub::{
    Client, ClientId, Hub, HubConfig, Invariant, Message, PeerSaw, PeerScript, SubId, UserId,
};
use hub_core::invariant::violated;
use hub_core::knobs::Knobs;
use hub_core::rt;
use hub_core::sim::Instance;
use std::collections::BTreeSet;
use std::time::Duration;

/// Something that happens at a virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A client of `user` connects (the handler runs in its own task); its peer follows `peer`.
    Connect {
        user: UserId,
        subscriptions: Vec<SubId>,
        peer: PeerScript,
    },
    /// An API call deletes a subscription (seed 000), in its own task.
    DeleteSubscription(SubId),
    /// An API call sends messages to a user's clients (seed 001's `SendMessage`), in order,
    /// in its own task.
    SendMessage {
        user: UserId,
        texts: Vec<&'static str>,
    },
    /// Redis answers with this round trip from now on (a latency spike keeps the hub busy).
    PresenceRoundTrip(Duration),
    /// Check these invariants now (the hub still runs).
    Checkpoint(Vec<Invariant>),
    /// The server closes these clients' connections (1-based connection numbers), one per
    /// millisecond in the order given, as an HTTP server's shutdown does.
    CloseConnections(Vec<u32>),
    /// The server closes every connection still open, one per millisecond.
    CloseAll,
    /// Cancel the hub's context: `Run` returns.
    Shutdown,
    /// Broadcast these messages through the hub, in order, from main (`h.broadcast <- msg`,
    /// or dropped if the hub is shut down: the hub's own `select` with `ctx.done`).
    Broadcast(Vec<Message>),
    /// The server closes these connections (1-based connection numbers) all at once, with no
    /// spacing (a load balancer dropping a node). `CloseConnections` spaces them 1 ms apart,
    /// which for thousands of clients on a real clock would be seconds of sleeping.
    DropConnections(Vec<u32>),
    /// Wait until `Await` holds, checking every [`AWAIT_POLL`]. On a real clock nothing else
    /// can say when thousands of concurrent registrations are done; the run's own time bound
    /// limits the wait.
    Await(Await),
}

/// What [`Action::Await`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Await {
    /// Exactly this many clients are registered with the hub.
    Registered(usize),
    /// Every registered client whose connection is open has received the last message of the
    /// last `Broadcast` (a client's `send` channel is FIFO, so it has the earlier ones too).
    Delivered,
    /// `hub.run` has returned.
    HubExited,
}

/// How often [`Action::Await`] checks (engine time: virtual on sim and a paused clock).
pub const AWAIT_POLL: Duration = Duration::from_millis(5);

/// One scenario: a hub configuration and a timeline of actions (times from the start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub config: HubConfig,
    pub steps: Vec<(Duration, Action)>,
}

/// Milliseconds, for readable timelines in the catalog.
pub const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

impl Program {
    /// How many clients connect.
    pub fn clients(&self) -> usize {
        self.steps
            .iter()
            .filter(|(_, a)| matches!(a, Action::Connect { .. }))
            .count()
    }

    /// A fresh instance for one run: main spawns `hub.run`, plays the timeline, then waits
    /// for the hub to exit. The sim judges leaks and deadlocks after main returns.
    pub fn instance(&self, knobs: Knobs) -> Instance {
        self.instance_with_hub(knobs).0
    }

    /// As [`Program::instance`], also handing out the run's hub (to read what peers observed
    /// after the run).
    pub fn instance_with_hub(&self, knobs: Knobs) -> (Instance, Hub) {
        let hub = Hub::new(knobs, self.config);
        let steps = self.steps.clone();
        let main_hub = hub.clone();
        (
            Instance::new(async move { play(main_hub, steps).await }),
            hub,
        )
    }
}

async fn play(hub: Hub, steps: Vec<(Duration, Action)>) {
    rt::spawn("hub.run", hub.clone().run());
    let mut clients: Vec<Client> = Vec::new();
    let mut last_broadcast: Option<Message> = None;
    for (at, action) in steps {
        let now = rt::now();
        if at > now {
            sleep(at - now).await;
        }
        match action {
            Action::Connect {
                user,
                subscriptions,
                peer,
            } => clients.push(hub.connect(user, subscriptions, peer)),
            Action::DeleteSubscription(sub) => {
                let hub = hub.clone();
                rt::spawn(format!("api.deleteSubscription({sub})"), async move {
                    hub.delete_subscription(sub).await
                });
            }
            Action::SendMessage { user, texts } => {
                let hub = hub.clone();
                rt::spawn(format!("api.sendMessage(user {user})"), async move {
                    for text in texts {
                        hub.send_message(user, text.into()).await;
                    }
                });
            }
            Action::PresenceRoundTrip(rtt) => hub.presence().set_round_trip(rtt),
            Action::Checkpoint(invariants) => {
                for inv in invariants {
                    if let Err(v) = inv.check(&hub).await {
                        violated(&v.name, v.detail);
                    }
                }
            }
            Action::CloseConnections(which) => {
                for n in which {
                    if let Some(c) = clients.get(n as usize - 1) {
                        c.conn().close();
                    }
                    sleep(ms(1)).await;
                }
            }
            Action::CloseAll => {
                for c in &clients {
                    if c.conn().closed_at().is_none() {
                        c.conn().close();
                        sleep(ms(1)).await;
                    }
                }
            }
            Action::Shutdown => hub.shutdown(),
            Action::Broadcast(messages) => {
                for msg in messages {
                    last_broadcast = Some(msg.clone());
                    hub.broadcast(msg).await;
                }
            }
            Action::DropConnections(which) => {
                for n in which {
                    if let Some(c) = clients.get(n as usize - 1) {
                        c.conn().close();
                    }
                }
            }
            Action::Await(what) => {
                while !holds(what, &hub, &clients, last_broadcast.as_ref()).await {
                    sleep(AWAIT_POLL).await;
                }
            }
        }
    }
    hub.exited().await;
}

async fn holds(what: Await, hub: &Hub, clients: &[Client], last: Option<&Message>) -> bool {
    match what {
        Await::Registered(n) => hub.registered().await.len() == n,
        Await::HubExited => hub.exited_at().is_some(),
        Await::Delivered => {
            let Some(last) = last else { return true };
            let registered: BTreeSet<ClientId> = hub.registered().await.into_iter().collect();
            clients.iter().all(|c| {
                !registered.contains(&c.id())
                    || c.conn().closed_at().is_some()
                    || c.conn()
                        .observed()
                        .iter()
                        .rev()
                        .any(|(_, saw)| matches!(saw, PeerSaw::Message(m) if m == last))
            })
        }
    }
}
