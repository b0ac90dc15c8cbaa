//! Regressions in the hub model itself, each found by another engine and pinned here on `sim`.

use hub_core::hub::{HubConfig, Invariant, PeerScript};
use hub_core::knobs::Knobs;
use hub_core::sim::{Sim, Strategy};
use scenarios::program::{ms, secs, Action, Program};

/// proptest-suite's op sequences found it: a slow client dropped by a *broadcast* was only
/// deleted from `h.clients` (as gorilla's chat example does), so it stayed in its user's set,
/// on the router and online in presence with no open connection. The fixed hub drops it with
/// the whole unregister. Exhaustive DFS with sleep sets over the program.
#[test]
fn a_slow_client_dropped_by_a_broadcast_leaves_presence_and_the_router() {
    let mut config = HubConfig::default();
    config.send_buffer = 1;
    let program = Program {
        config,
        steps: vec![
            (
                ms(0),
                Action::Connect {
                    user: 1,
                    subscriptions: vec!["blocks"],
                    peer: PeerScript::slow(),
                },
            ),
            (
                secs(1),
                Action::Broadcast(vec!["m1".into(), "m2".into(), "m3".into()]),
            ),
            (
                // Past the blocked write's 10 s deadline: the write pump has closed the
                // connection and the read pump's teardown has run.
                secs(15),
                Action::Checkpoint(vec![
                    Invariant::PresenceMatchesConnections,
                    Invariant::DisconnectedClientsRemoved,
                ]),
            ),
            (secs(16), Action::CloseAll),
            (secs(17), Action::Shutdown),
        ],
    };
    let explored = Sim::new().explore(
        &|| program.instance(Knobs::default()),
        Strategy::DfsSleep {
            preemption_bound: None,
        },
        100_000,
    );
    if let Some(found) = &explored.failure {
        panic!("{}\n{}", found.run.outcome, found.run.trace);
    }
    assert!(
        explored.exhausted,
        "{} schedules, not exhausted",
        explored.schedules
    );
}
