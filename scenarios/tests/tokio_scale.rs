//! Issue #7: the hub at scale on tokio's multi-thread runtime (real clock, 2 workers).
//!
//! The workloads are in `scenarios::scale`; their expectations are derived from their
//! parameters there. Wall time, memory and throughput are measured by the `tokio_scale`
//! example, never asserted here.
#![cfg(not(loom))]

use hub_core::knobs::{Knobs, UnregisterAfterShutdown};
use hub_core::rt::tokio::{run_multi_thread, run_paused, Config};
use hub_core::sim::Outcome;
use scenarios::scale::{Fanout, StuckTeardowns};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config() -> Config {
    let mut config = Config::default();
    // A bound, not an expectation: the run takes about a second in release.
    config.max_real_time = Duration::from_secs(300);
    config
}

/// 10,000 clients on the `Fixed` hub: connect, two broadcast phases, half leave, shutdown
/// with the other half connected, the rest leave. No panic, no task left (a leak would be the
/// verdict), every client that left while the hub ran removed from the hub and the router (the
/// program's checkpoints), and every message delivered exactly once, in order, to exactly the
/// clients registered when it was broadcast.
#[test]
fn fixed_hub_with_10000_clients() {
    let fanout = Fanout {
        clients: 10_000,
        per_phase: 10,
    };
    let (instance, hub) = fanout.program().instance_with_hub(Knobs::default());
    let report = run_multi_thread(&config(), instance);
    assert_eq!(report.outcome, Outcome::Pass, "{report}");
    assert!(report.parked.is_empty());
    // main, hub.run; per client a handler, its peer and both pumps; per client that left
    // while the hub ran, the delayed presence offline (the others' teardowns skip the hub).
    let n = fanout.clients as usize;
    assert_eq!(report.tasks, 2 + 4 * n + fanout.leavers() as usize);
    let delivered = fanout.check(&hub).unwrap_or_else(|e| panic!("{e}"));
    // Every peer reads as fast as it is written to, and no phase has more messages in flight
    // than a client's buffer (10 < 256): nobody can be dropped as slow.
    assert_eq!(delivered.dropped_slow, 0);
    assert_eq!(delivered.messages, fanout.deliveries());
    assert_eq!(delivered.messages, 150_000);
    // The hub stopped with exactly the second half registered: the first half was removed
    // while it ran, and nothing after it exited. (Read with a one-task run: the hub's state
    // sits behind the model's own mutex.)
    let registered = Arc::new(Mutex::new(Vec::new()));
    let out = registered.clone();
    let read = run_paused(&Config::default(), async move {
        *out.lock().unwrap() = hub.registered().await;
    });
    assert_eq!(read.outcome, Outcome::Pass);
    let stayed: Vec<u32> = (fanout.leavers() + 1..=fanout.clients).collect();
    assert_eq!(*registered.lock().unwrap(), stayed);
}

/// Seed 004 at 1,000 clients, `Buggy`: every teardown after the hub exited sends
/// `unregister <- c`; exactly `clients - buffer` (1000 - 16 = 984) park, each named.
#[test]
fn buggy_stuck_teardowns_with_1000_clients() {
    let workload = StuckTeardowns { clients: 1000 };
    let knobs = Knobs {
        unregister_after_shutdown: UnregisterAfterShutdown::Buggy,
        ..Knobs::default()
    };
    let report = run_multi_thread(&config(), workload.program().instance(knobs));
    let Outcome::Leak { blocked } = &report.outcome else {
        panic!("{report}")
    };
    assert_eq!(workload.expected_parked(), 984);
    assert_eq!(blocked.len(), workload.expected_parked());
    assert_eq!(
        report.parked_by_site(),
        BTreeMap::from([("send on unregister (cap 16)", 984)])
    );
    assert!(blocked
        .iter()
        .all(|b| b.task.starts_with("conn#") && b.task.ends_with(".handler")));
    assert_eq!(
        report.parked_summary(),
        "984 tasks parked: 984 on send on unregister (cap 16)"
    );
}

/// The same workload with the fix parks nothing: the count above is the bug's, not the
/// workload's.
#[test]
fn fixed_stuck_teardowns_workload_ends() {
    let workload = StuckTeardowns { clients: 1000 };
    let report = run_multi_thread(&config(), workload.program().instance(Knobs::default()));
    assert_eq!(report.outcome, Outcome::Pass, "{report}");
}
