//! Op sequences against the reference model: proptest-state-machine generates sequences of
//! connects, subscribes, disconnects, rapid reconnects, subscription deletions, broadcasts,
//! slow peers, peer errors and shutdowns; each runs once on `sim` under a generated schedule,
//! and the hub must pass and agree with the reference (who is registered, subscribed, online
//! and open at a checkpoint; what every peer received).
//!
//! The fixed hub agrees over `PROPTEST_CASES` sequences (256 by default) of 1 to
//! [`MAX_OPS`] ops. Each buggy knob, switched on alone, is caught, and its counterexample
//! shrinks to a short sequence, pinned here and in `tests/snapshots/ops__*.snap` (sequence,
//! schedule, disagreements, timeline). Those searches use a fixed seed (the snapshots must
//! not move) and save it in `proptest-regressions/ops/`, replayed first on the next run.
//!
//! What op sequences cannot catch, and why:
//! - `readpump-goroutine` is not a bug: seed 002's handler and seed 003's agree with the
//!   reference like the fixed hub does (`scenarios` proves them equivalent).
//! - The documented fixes of `double-close-router`, `slow-client-close` and
//!   `unregister-after-shutdown` (not asked of this suite; they are caught by the catalog):
//!   the first needs one connection on two subscriptions (here a connection opens on one, as
//!   a socket does in seed 000); the second needs `SendMessage` racing a teardown (here it
//!   only fills slow peers, whose teardown comes 200 ms later); the third needs more
//!   teardowns in one instant than the unregister buffer while the hub waits on Redis (ops
//!   are a second apart). The documented presence fix is caught (see `presence_reconnect`).
//!
//! After a deliberate change: `INSTA_UPDATE=always cargo test -p proptest-suite --test ops`
//! (or `cargo insta review`), and delete the regression file of a knob whose counterexample
//! should be searched afresh.
#![cfg(not(loom))]

use hub_core::hub::SubId;
use hub_core::knobs::{Knobs, Variant};
use hub_core::sim::{Outcome, Schedule, Sim};
use proptest_suite::catalog;
use proptest_suite::ops::{
    self, reference, Expected, Harness, Observed, Op, OpCounterexample, Reconnect, Seen, Target,
};
use proptest_suite::runner::{Settings, DEFAULT_CASES};
use scenarios::catalog::find;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Longest sequence drawn.
const MAX_OPS: usize = 10;
/// Cases a failing search may use before the test gives up.
const BUDGET: u32 = 2_000;
/// proptest's seed for every search here.
const SEED: u64 = 0x5eed_0606;

fn knobs(id: &str, variant: Variant) -> Knobs {
    let entry = find(id).expect("a catalog entry");
    entry
        .knob
        .knobs(variant)
        .expect("the knob has that variant")
}

/// The catalog program of the same bug, failing, as a `hubrace replay --token` token.
fn catalog_token(id: &str, variant: Variant) -> hub_core::sim::Token {
    let entry = find(id).expect("a catalog entry");
    let found = catalog::check(entry, variant, &Settings::fixed(1_000, SEED, None))
        .failure
        .expect("the catalog program fails too");
    catalog::Counterexample::new(entry, variant, found).token
}

/// Search for a sequence where the hub with `id` at `variant` disagrees with the reference.
fn caught(id: &str, variant: Variant, regressions: &'static str) -> OpCounterexample {
    let knobs = knobs(id, variant);
    let settings = Settings::fixed(BUDGET, SEED, Some(regressions));
    let found = ops::check(knobs, 1..=MAX_OPS, &settings)
        .failure
        .unwrap_or_else(|| panic!("{id} {variant}: not caught in {BUDGET} sequences"));
    let c = OpCounterexample::new(
        format!("{id} {variant} (every other knob fixed)"),
        knobs,
        found,
        &settings,
        Some(catalog_token(id, variant)),
    );
    assert!(
        !c.disagreements.is_empty(),
        "the minimal case must fail\n{c}"
    );
    replays_through_the_cli(&c);
    c
}

/// The sequence's token, through `hubrace replay --token` (in process), prints the same
/// verdict, the same disagreements and the same timeline.
fn replays_through_the_cli(c: &OpCounterexample) {
    let token = c.token().expect("a buggy knob is switched on").to_string();
    let mut out = Vec::new();
    let code = scenarios::cli::run(["hubrace", "replay", "--token", token.as_str()], &mut out);
    let out = String::from_utf8(out).expect("utf-8");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("verdict:   {}", c.run.outcome)),
        "{out}"
    );
    for d in &c.disagreements {
        assert!(out.contains(&format!("  - {d}")), "{out}\n---\n{c}");
    }
    assert!(out.contains(&c.run.trace.to_string()), "{out}\n---\n{c}");
}

#[derive(Serialize)]
struct SnapInfo<'a> {
    knob: &'a str,
    variant: &'a str,
    ops: usize,
    verdict: String,
}

fn snapshot(name: &str, id: &str, variant: Variant, c: &OpCounterexample) {
    let info = SnapInfo {
        knob: id,
        variant: variant.name(),
        ops: c.ops().len(),
        verdict: c.run.outcome.to_string(),
    };
    insta::with_settings!({
        info => &info,
        description => format!(
            "{id} {variant}: the minimal op sequence (and schedule) on which the hub disagrees \
             with the reference model"
        ),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, c.story());
    });
}

/// The property holds over `PROPTEST_CASES` sequences for the hub with these knobs.
fn agrees_everywhere(knobs: Knobs, regressions: &'static str) {
    let settings = Settings::from_env(DEFAULT_CASES, SEED, Some(regressions))
        .unwrap_or_else(|e| panic!("{e}"));
    let search = ops::check(knobs, 1..=MAX_OPS, &settings);
    if let Some(found) = search.failure {
        panic!(
            "{}",
            OpCounterexample::new("the hub under test", knobs, found, &settings, None)
        );
    }
    assert_eq!(search.cases, settings.cases);
}

#[test]
fn the_fixed_hub_agrees_with_the_reference() {
    agrees_everywhere(Knobs::default(), "proptest-regressions/ops/fixed.txt");
}

/// The reference on one hand-written sequence, and the fixed hub agreeing with it under the
/// default schedule: what "agree" compares.
#[test]
fn the_reference_on_a_written_sequence() {
    use Op::*;
    let trx: SubId = "trx";
    let seq = vec![
        Subscribe { user: 1, sub: trx }, // conn#1
        Connect { user: 2 },             // conn#2
        Connect { user: 1 },             // conn#3
        Broadcast,                       // m1 to conn#1..3
        DeleteSubscription { sub: trx }, // kicks conn#1
        RapidReconnect {
            conn: Target { user: 2, nth: 0 },
            how: Reconnect::Reload,
        }, // conn#2 goes, conn#4 comes
        SlowPeer,                        // conn#5, dropped
        Broadcast,                       // m2 to conn#3, conn#4
        Shutdown,
        PeerError {
            conn: Target { user: 1, nth: 0 },
        }, // conn#3, after shutdown: stays registered
        Broadcast, // m3: dropped, the hub is gone
    ];
    let expected = reference(&seq).expected();
    let s = &expected.snapshot;
    assert_eq!(s.registered, BTreeSet::from([3, 4]));
    assert_eq!(s.open, BTreeSet::from([4]));
    assert_eq!(
        s.online,
        BTreeMap::from([(1, true), (2, true), (3, false), (9, false)])
    );
    assert!(s.subscriptions.is_empty());
    let m = |t: &str| Seen::Message(t.to_string());
    assert_eq!(
        expected.peers,
        BTreeMap::from([
            (1, vec![m("m1"), Seen::ClosedByServer]),
            (2, vec![m("m1"), Seen::WentAway]),
            (3, vec![m("m1"), m("m2"), Seen::WentAway]),
            (4, vec![m("m2"), Seen::ClosedByServer]),
            (5, vec![Seen::ClosedByServer]),
        ])
    );
    let (run, observed) = Harness::new(&seq, Knobs::default()).run(&Sim::new(), &Schedule::empty());
    let found = ops::disagreements(&expected, &observed);
    assert!(found.is_empty(), "{found:#?}\n{}", run.trace);
}

/// Only teardown after shutdown changes nothing: a disconnect then keeps the client
/// registered, and presence keeps what it said at shutdown.
#[test]
fn after_shutdown_the_reference_freezes_registration_and_presence() {
    use Op::*;
    let seq = vec![
        Connect { user: 1 },
        Shutdown,
        Disconnect {
            conn: Target { user: 1, nth: 0 },
        },
    ];
    let e = reference(&seq).expected();
    assert_eq!(e.snapshot.registered, BTreeSet::from([1]));
    assert_eq!(e.snapshot.online.get(&1), Some(&true));
    assert!(e.snapshot.open.is_empty());
    assert!(!reference(&seq).allows(&Connect { user: 1 }));
}

mod double_close_router {
    use super::*;
    const ID: &str = "double-close-router";

    /// One subscribed connection: its teardown (the server closing it at the end) makes the
    /// hub close `send` and the router close it again.
    #[test]
    fn buggy_is_caught_by_one_subscribe() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/double-close-router.txt",
        );
        assert!(matches!(c.ops(), [Op::Subscribe { .. }]), "{c}");
        assert_eq!(
            c.run.outcome.to_string(),
            "panic in hub.run: close of closed channel",
            "{c}"
        );
        snapshot("double-close-router__buggy", ID, Variant::Buggy, &c);
    }
}

mod slow_client_close {
    use super::*;
    const ID: &str = "slow-client-close";

    /// One slow peer: `SendMessage` closes its full channel, the write pump's blocked write
    /// times out, and the teardown's `unregisterClient` closes the channel again.
    #[test]
    fn buggy_is_caught_by_one_slow_peer() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/slow-client-close.txt",
        );
        assert_eq!(c.ops(), &[Op::SlowPeer], "{c}");
        assert_eq!(
            c.run.outcome.to_string(),
            "panic in hub.run: close of closed channel",
            "{c}"
        );
        snapshot("slow-client-close__buggy", ID, Variant::Buggy, &c);
    }
}

mod unregister_after_shutdown {
    use super::*;
    const ID: &str = "unregister-after-shutdown";

    /// Two connections and a shutdown: at the end the server closes both, the first teardown
    /// fills the unregister buffer (1 here, see `ops::hub_config`), the second parks forever.
    #[test]
    fn buggy_is_caught_by_two_connections_and_a_shutdown() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/unregister-after-shutdown.txt",
        );
        assert_eq!(c.ops().len(), 3, "{c}");
        assert_eq!(c.ops()[2], Op::Shutdown, "{c}");
        assert_eq!(
            c.run.outcome.to_string(),
            "leak (1 task parked forever): conn#2.handler: send on unregister (cap 1)",
            "{c}"
        );
        snapshot("unregister-after-shutdown__buggy", ID, Variant::Buggy, &c);
    }
}

mod premature_disconnect {
    use super::*;
    const ID: &str = "premature-disconnect";

    /// One connection: the handler returns and its deferred close runs at 0 s.
    #[test]
    fn buggy_is_caught_by_one_connect() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/premature-disconnect.txt",
        );
        assert!(matches!(c.ops(), [Op::Connect { .. }]), "{c}");
        assert!(
            c.disagreements.contains(
                &"open connections at the checkpoint: [], the reference expects [conn#1]"
                    .to_string()
            ),
            "{c}"
        );
        let closed = c.run.trace.lines.iter().find(|l| l.text == "close conn#1");
        assert_eq!(
            closed.map(|l| l.time),
            Some(std::time::Duration::ZERO),
            "{c}"
        );
        snapshot("premature-disconnect__buggy", ID, Variant::Buggy, &c);
    }
}

mod keepalive_deadline {
    use super::*;
    const ID: &str = "keepalive-deadline";

    /// One connection: no pong handler, so the read deadline passes at pongWait (5 s here)
    /// although the peer answers every ping.
    #[test]
    fn buggy_is_caught_by_one_connect() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/keepalive-deadline.txt",
        );
        assert!(matches!(c.ops(), [Op::Connect { .. }]), "{c}");
        assert!(
            c.run
                .trace
                .lines
                .iter()
                .any(|l| l.text == "read from conn#1: i/o timeout"
                    && l.time == std::time::Duration::from_secs(5)),
            "{c}"
        );
        snapshot("keepalive-deadline__buggy", ID, Variant::Buggy, &c);
    }
}

mod readpump_goroutine {
    use super::*;

    /// Seed 002's synchronous read pump: agrees with the reference like seed 003's (the
    /// default knobs, checked by `the_fixed_hub_agrees_with_the_reference`).
    #[test]
    fn seed_002_agrees_with_the_reference() {
        agrees_everywhere(
            knobs("readpump-goroutine", Variant::Buggy),
            "proptest-regressions/ops/readpump-goroutine.txt",
        );
    }
}

mod presence_reconnect {
    use super::*;
    const ID: &str = "presence-reconnect";

    /// Two connections of one user and the end of either (or a second tab: two ops): the
    /// buggy hub sets the user offline on every unregister, though another connection is
    /// open.
    #[test]
    fn buggy_is_caught_by_two_connections_of_one_user() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/presence-reconnect.txt",
        );
        assert!(c.ops().len() <= 3, "{c}");
        assert!(c.run.outcome.is_pass(), "{c}");
        assert!(
            c.disagreements.len() == 1
                && c.disagreements[0].starts_with("presence of user ")
                && c.disagreements[0].ends_with(": offline, the reference expects online"),
            "{c}"
        );
        snapshot("presence-reconnect__buggy", ID, Variant::Buggy, &c);
    }

    /// Seed 001's fix is caught too: a reload reconnects at the instant the delayed double
    /// check runs, which checks before the new registration and sets the user offline after
    /// it. Two ops here; over other seeds up to 5 (README), where unrelated earlier ops stay:
    /// whether the check runs first is the default schedule's tie-break between tasks, and
    /// deleting an op renumbers the tasks after it.
    #[test]
    fn documented_is_caught_by_a_reload() {
        let c = caught(
            ID,
            Variant::Documented,
            "proptest-regressions/ops/presence-reconnect-documented.txt",
        );
        assert_eq!(c.ops().len(), 2, "{c}");
        assert!(
            c.ops().iter().any(|op| matches!(
                op,
                Op::RapidReconnect {
                    how: Reconnect::Reload,
                    ..
                }
            )),
            "{c}"
        );
        assert!(
            c.disagreements
                .iter()
                .any(|d| d.ends_with(": offline, the reference expects online")),
            "{c}"
        );
        snapshot(
            "presence-reconnect__documented",
            ID,
            Variant::Documented,
            &c,
        );
    }

    /// The same two ops, written by hand, on the default schedule.
    #[test]
    fn documented_fails_on_a_connect_and_a_reload() {
        use Op::*;
        let seq = [
            Connect { user: 1 },
            RapidReconnect {
                conn: Target { user: 1, nth: 0 },
                how: Reconnect::Reload,
            },
        ];
        let knobs = knobs(ID, Variant::Documented);
        let (run, observed) = Harness::new(&seq, knobs).run(&Sim::new(), &Schedule::empty());
        let found = ops::disagreements(&reference(&seq).expected(), &observed);
        assert_eq!(
            found,
            vec!["presence of user 1: offline, the reference expects online".to_string()],
            "{}",
            run.trace
        );
    }
}

mod orphaned_pumps {
    use super::*;
    const ID: &str = "orphaned-pumps";

    fn leaks(_: &Expected, observed: &Observed) -> Vec<String> {
        match &observed.outcome {
            Outcome::Leak { .. } => vec![format!("verdict: {}", observed.outcome)],
            _ => Vec::new(),
        }
    }

    /// The first thing full agreement catches is not the leak: the buggy write pump has no
    /// ticker, so it never pings, the peer never pongs, and the read deadline (pongWait)
    /// closes every connection. A second symptom of the same knob, with one connect.
    #[test]
    fn buggy_is_caught_first_by_its_missing_pings() {
        let c = caught(
            ID,
            Variant::Buggy,
            "proptest-regressions/ops/orphaned-pumps.txt",
        );
        assert!(matches!(c.ops(), [Op::Connect { .. }]), "{c}");
        assert!(
            !c.run.trace.lines.iter().any(|l| l.text.contains("ping")),
            "{c}"
        );
        assert!(
            c.run
                .trace
                .lines
                .iter()
                .any(|l| l.text == "read from conn#1: i/o timeout"),
            "{c}"
        );
    }

    /// The leak itself, with the property "no task is left parked": a connection that
    /// closes after shutdown is never unregistered, so nothing closes its `send` and the
    /// buggy write pump, waiting on `send` only, waits forever.
    #[test]
    fn buggy_leaks_after_a_connect_and_a_shutdown() {
        let knobs = knobs(ID, Variant::Buggy);
        let settings = Settings::fixed(
            BUDGET,
            SEED,
            Some("proptest-regressions/ops/orphaned-pumps-leak.txt"),
        );
        let found = ops::check_with(knobs, 1..=MAX_OPS, &settings, leaks)
            .failure
            .expect("the leak is found");
        let c = OpCounterexample::new(
            format!("{ID} buggy (every other knob fixed), property: no task left parked"),
            knobs,
            found,
            &settings,
            Some(catalog_token(ID, Variant::Buggy)),
        );
        assert_eq!(c.ops(), &[Op::Connect { user: 1 }, Op::Shutdown], "{c}");
        assert_eq!(
            c.run.outcome.to_string(),
            "leak (1 task parked forever): client#1.writePump: recv on client#1.send (cap 2)",
            "{c}"
        );
        snapshot("orphaned-pumps__buggy", ID, Variant::Buggy, &c);
    }

    // The catalog's own story (a connection that dies before the hub has taken its
    // registration, which the hub then takes after the unregister) needs the hub busy with
    // another registration at that instant. Ops are a second apart and each registers one
    // connection at most, so op sequences reach the leak by the road above; schedule fuzzing
    // of the catalog program reaches the catalog's road (tests/schedules.rs).
}
