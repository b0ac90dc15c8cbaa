//! From an op sequence to a `sim` program: a timeline of hub API calls and peer scripts, a
//! checkpoint that records the hub's state, and what every peer observed.
//!
//! Op `i` happens at `i` seconds (virtual). The checkpoint comes `pong_wait` after the last
//! op's second, so every connection still open has lived through a whole pong wait (the
//! keepalive bug shows within it). Then the server closes what is open, one per
//! millisecond, shuts the hub down (if no op did) and waits for `Run` to return; the sim
//! judges leaks after that.
//!
//! The hub runs with a scaled-down configuration (like the loom models: same shape, small
//! scope), see [`hub_config`].

use super::model::{Model, Seen, Snapshot};
use super::op::{ConnId, Op, Reconnect, SLOW_USER, USERS};
use hub_core::go::sleep;
use hub_core::hub::{Client, Hub, HubConfig, PeerSaw, PeerScript, SubId, UserId};
use hub_core::knobs::Knobs;
use hub_core::rt;
use hub_core::sim::{Instance, Outcome, Run, Schedule, Sim};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Time between two ops: every op's effects settle well within it.
pub const GAP: Duration = Duration::from_secs(1);
/// A second tab opens this long before the first one drops.
const SECOND_TAB_LEAD: Duration = Duration::from_millis(1);
/// A slow peer's buffer is filled this long after it connects (it is registered by then).
const FILL_AFTER: Duration = Duration::from_millis(10);

/// The hub configuration op sequences run with: the seeds' shape at a scale that short
/// sequences reach.
/// - `unregister_buffer` 1 (seed 004 has 16): two teardowns after shutdown overflow it.
/// - `send_buffer` 2 (seed 002 has 256): a slow peer overflows it with four messages.
/// - `write_wait` 200 ms (gorilla: 10 s): a slow peer's blocked write fails within the op.
/// - `ping_period` 4 s, `pong_wait` 5 s (gorilla: 54 s, 60 s): a keepalive failure shows
///   within a few ops.
///
/// The rest are the defaults (offline delay 100 ms, Redis round trip 1 ms).
pub fn hub_config() -> HubConfig {
    let mut cfg = HubConfig::default();
    cfg.unregister_buffer = 1;
    cfg.send_buffer = 2;
    cfg.write_wait = Duration::from_millis(200);
    cfg.ping_period = Duration::from_secs(4);
    cfg.pong_wait = Duration::from_secs(5);
    cfg
}

/// One connection the plan opens.
#[derive(Clone, Debug)]
struct PlannedConn {
    user: UserId,
    subs: Vec<SubId>,
    script: PeerScript,
    opens_at: Duration,
}

#[derive(Clone, Debug)]
enum Event {
    Open(ConnId),
    Close(ConnId),
    DeleteSubscription(SubId),
    Broadcast(String),
    Fill(Vec<String>),
    Shutdown,
    Checkpoint,
    CloseAll,
}

/// The timeline an op sequence becomes.
#[derive(Clone, Debug)]
pub struct Plan {
    conns: Vec<PlannedConn>,
    events: Vec<(Duration, Event)>,
    cfg: HubConfig,
}

impl Plan {
    pub fn new(ops: &[Op]) -> Plan {
        let cfg = hub_config();
        let mut conns: Vec<PlannedConn> = Vec::new();
        let mut events: Vec<(Duration, Event)> = Vec::new();
        let mut broadcasts = 0;
        let mut shut_down = false;
        let open = |conns: &mut Vec<PlannedConn>,
                    events: &mut Vec<(Duration, Event)>,
                    at: Duration,
                    user: UserId,
                    subs: Vec<SubId>,
                    script: PeerScript| {
            conns.push(PlannedConn {
                user,
                subs,
                script,
                opens_at: at,
            });
            events.push((at, Event::Open(conns.len() as ConnId)));
        };
        // The peer of `conn` leaves at `at` (its script says when, relative to its opening).
        let leave = |conns: &mut Vec<PlannedConn>, conn: ConnId, at: Duration| {
            let c = &mut conns[conn as usize - 1];
            c.script.leaves_at = Some(at - c.opens_at);
        };
        // The reference resolves which connection an op targets.
        let mut model = Model::new();
        for (i, op) in ops.iter().enumerate() {
            let t = GAP * i as u32;
            let target = model.target_of(op);
            model = model.apply(op);
            let conn = || target.expect("the op's target is an open connection");
            match *op {
                Op::Connect { user } => open(
                    &mut conns,
                    &mut events,
                    t,
                    user,
                    vec![],
                    PeerScript::healthy(),
                ),
                Op::Subscribe { user, sub } => open(
                    &mut conns,
                    &mut events,
                    t,
                    user,
                    vec![sub],
                    PeerScript::healthy(),
                ),
                Op::Disconnect { .. } => events.push((t, Event::Close(conn()))),
                Op::PeerError { .. } => leave(&mut conns, conn(), t),
                Op::RapidReconnect { how, .. } => {
                    let conn = conn();
                    let old = &conns[conn as usize - 1];
                    let (user, subs) = (old.user, old.subs.clone());
                    match how {
                        Reconnect::SecondTab => {
                            open(
                                &mut conns,
                                &mut events,
                                t,
                                user,
                                subs,
                                PeerScript::healthy(),
                            );
                            leave(&mut conns, conn, t + SECOND_TAB_LEAD);
                        }
                        Reconnect::Reload => {
                            leave(&mut conns, conn, t);
                            open(
                                &mut conns,
                                &mut events,
                                t + cfg.offline_delay,
                                user,
                                subs,
                                PeerScript::healthy(),
                            );
                        }
                    }
                }
                Op::DeleteSubscription { sub } => events.push((t, Event::DeleteSubscription(sub))),
                Op::Broadcast => {
                    broadcasts += 1;
                    events.push((t, Event::Broadcast(format!("m{broadcasts}"))));
                }
                Op::SlowPeer => {
                    open(
                        &mut conns,
                        &mut events,
                        t,
                        SLOW_USER,
                        vec![],
                        PeerScript::slow(),
                    );
                    let texts = (1..=cfg.send_buffer + 2)
                        .map(|k| format!("fill{k}"))
                        .collect();
                    events.push((t + FILL_AFTER, Event::Fill(texts)));
                }
                Op::PeerErrorOnConnect { user } => open(
                    &mut conns,
                    &mut events,
                    t,
                    user,
                    vec![],
                    PeerScript::healthy().leaving_at(Duration::ZERO),
                ),
                Op::Shutdown => {
                    shut_down = true;
                    events.push((t, Event::Shutdown));
                }
            }
        }
        let checkpoint = GAP * ops.len() as u32 + cfg.pong_wait;
        events.push((checkpoint, Event::Checkpoint));
        events.push((checkpoint + GAP, Event::CloseAll));
        if !shut_down {
            events.push((checkpoint + GAP * 2, Event::Shutdown));
        }
        // Stable: events of one instant keep the order the ops gave them.
        events.sort_by_key(|(at, _)| *at);
        Plan { conns, events, cfg }
    }
}

/// What one run of a sequence showed.
#[derive(Clone, Debug)]
pub struct Observed {
    pub outcome: Outcome,
    /// The hub's state at the checkpoint (None: the run ended before it).
    pub snapshot: Option<Snapshot>,
    /// What each peer observed over the run, pings left out.
    pub peers: BTreeMap<ConnId, Vec<Seen>>,
}

/// A quiet run of one program under any schedule (proptest-suite's schedule tree probes with it).
pub type Probe = Arc<dyn Fn(&Schedule) -> Run + Send + Sync>;

/// A sequence, ready to run on `sim` with given knobs.
#[derive(Clone)]
pub struct Harness {
    plan: Arc<Plan>,
    knobs: Knobs,
}

type SnapshotSlot = Arc<Mutex<Option<Snapshot>>>;

impl Harness {
    pub fn new(ops: &[Op], knobs: Knobs) -> Harness {
        Harness {
            plan: Arc::new(Plan::new(ops)),
            knobs,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn instance(&self) -> (Instance, Hub, SnapshotSlot) {
        let hub = Hub::new(self.knobs, self.plan.cfg);
        let slot: SnapshotSlot = Arc::default();
        let (plan, main_hub, main_slot) = (self.plan.clone(), hub.clone(), slot.clone());
        let main = async move { play(plan, main_hub, main_slot).await };
        (Instance::new(main), hub, slot)
    }

    /// Run the sequence once under `schedule` and collect what it showed.
    pub fn run(&self, sim: &Sim, schedule: &Schedule) -> (Run, Observed) {
        let last: RefCell<Option<(Hub, SnapshotSlot)>> = RefCell::new(None);
        let make = || {
            let (instance, hub, slot) = self.instance();
            *last.borrow_mut() = Some((hub, slot));
            instance
        };
        let run = sim.run(&make, schedule);
        let (hub, slot) = last.into_inner().expect("the run made an instance");
        let snapshot = slot.lock().expect("snapshot slot").take();
        let peers = hub
            .all_clients()
            .iter()
            .map(|c| {
                let seen = c
                    .conn()
                    .observed()
                    .into_iter()
                    .filter_map(|(_, saw)| match saw {
                        PeerSaw::Message(m) => Some(Seen::Message(m.to_string())),
                        PeerSaw::Ping => None,
                        PeerSaw::ClosedByServer => Some(Seen::ClosedByServer),
                        PeerSaw::WentAway => Some(Seen::WentAway),
                    })
                    .collect();
                (c.id(), seen)
            })
            .collect();
        let observed = Observed {
            outcome: run.outcome.clone(),
            snapshot,
            peers,
        };
        (run, observed)
    }

    /// Quiet runs under any schedule, for the schedule tree (see [`Probe`]).
    pub fn probe(&self, sim: &Sim) -> Probe {
        let mut quiet = sim.config.clone();
        quiet.record = false;
        let sim = Sim::with_config(quiet);
        let harness = self.clone();
        Arc::new(move |schedule: &Schedule| sim.run(&|| harness.instance().0, schedule))
    }
}

async fn play(plan: Arc<Plan>, hub: Hub, slot: SnapshotSlot) {
    rt::spawn("hub.run", hub.clone().run());
    let mut clients: Vec<Client> = Vec::new();
    for (at, event) in &plan.events {
        let now = rt::now();
        if *at > now {
            sleep(*at - now).await;
        }
        match event {
            Event::Open(id) => {
                let c = &plan.conns[*id as usize - 1];
                clients.push(hub.connect(c.user, c.subs.clone(), c.script.clone()));
            }
            Event::Close(id) => clients[*id as usize - 1].conn().close(),
            Event::DeleteSubscription(sub) => {
                let (hub, sub) = (hub.clone(), *sub);
                rt::spawn(format!("api.deleteSubscription({sub})"), async move {
                    hub.delete_subscription(sub).await
                });
            }
            Event::Broadcast(text) => {
                let (hub, text) = (hub.clone(), text.clone());
                rt::spawn(format!("api.broadcast({text})"), async move {
                    hub.broadcast(text.into()).await
                });
            }
            Event::Fill(texts) => {
                let (hub, texts) = (hub.clone(), texts.clone());
                rt::spawn(format!("api.sendMessage(user {SLOW_USER})"), async move {
                    for text in texts {
                        hub.send_message(SLOW_USER, text.into()).await;
                    }
                });
            }
            Event::Shutdown => hub.shutdown(),
            Event::Checkpoint => {
                let snapshot = checkpoint(&hub, &clients).await;
                *slot.lock().expect("snapshot slot") = Some(snapshot);
            }
            Event::CloseAll => {
                for c in &clients {
                    if c.conn().closed_at().is_none() {
                        c.conn().close();
                        sleep(Duration::from_millis(1)).await;
                    }
                }
            }
        }
    }
    hub.exited().await;
}

/// Record the hub's state (awaiting its locks like any task).
async fn checkpoint(hub: &Hub, clients: &[Client]) -> Snapshot {
    let mut snapshot = Snapshot {
        registered: hub.registered().await.into_iter().collect(),
        ..Snapshot::default()
    };
    for &user in USERS.iter().chain([&SLOW_USER]) {
        let ids = hub.user_clients(user).await;
        if !ids.is_empty() {
            snapshot
                .user_clients
                .insert(user, ids.into_iter().collect());
        }
        snapshot.online.insert(user, hub.presence().is_online(user));
    }
    for c in clients {
        let subs = hub.router().subscriptions_of(c).await;
        if !subs.is_empty() {
            snapshot.subscriptions.insert(c.id(), subs);
        }
        if c.conn().closed_at().is_none() {
            snapshot.open.insert(c.id());
        }
    }
    snapshot
}
