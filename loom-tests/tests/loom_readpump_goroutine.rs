//! `readpump-goroutine` (seeds `002_1c3620c9f25a437b.txt` and `003_1afeb2c15a8ab1af.txt`)
//! under loom: an equivalence question, not a bug with a fix.
//!
//! Seed 002 runs `readPump()` synchronously in `handleConnection` and blames it for the
//! 0.53 ms disconnect; seed 003 runs it in a goroutine, waits on a `done` channel, and says
//! that fixed it. This compares the set of observable outcomes of the two handlers over every
//! loom execution: what the peer saw (with virtual times), when the server closed the
//! connection, when teardown began, and whether the checkpoint held.
//!
//! Catalog program: one client whose peer sends "hello" at 1 s and leaves at 2 s; checkpoint
//! at 3 s. Scaled: the same client and peer through the real `handleConnection`, no
//! `hub.run` (seed 003's handler already takes all five threads: main, `conn#1.handler`,
//! `client#1.readPump`, `client#1.writePump`, `conn#1.peer`); the hub's buffers (16) take the one
//! register, broadcast and unregister. So the peer gets no echo here; `sim` compares the two
//! with the hub loop and its echo.
#![cfg(loom)]

use hub_core::go::sleep;
use hub_core::hub::{Hub, HubConfig, Invariant, PeerScript};
use hub_core::knobs::{Knobs, ReadpumpGoroutine};
use hub_core::rt::block_on;
use hub_core::sim::fmt_time;
use loom_tests::{assert_explored, check, secs};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

fn model(variant: ReadpumpGoroutine, outcomes: Outcomes) -> impl Fn() + Sync + Send + 'static {
    move || {
        let knobs = Knobs {
            readpump_goroutine: variant,
            ..Knobs::default()
        };
        let outcomes = outcomes.clone();
        block_on(async move {
            let hub = Hub::new(knobs, HubConfig::default());
            let c = hub.connect(
                1,
                Vec::new(),
                PeerScript::healthy()
                    .sending(secs(1), "hello")
                    .leaving_at(secs(2)),
            );
            sleep(secs(3)).await;
            let verdict = match Invariant::HealthyPeerOpen.check(&hub).await {
                Ok(()) => "checkpoint holds".to_string(),
                Err(v) => v.to_string(),
            };
            let saw: Vec<String> = c
                .conn()
                .observed()
                .iter()
                .map(|(at, what)| format!("{} {what:?}", fmt_time(*at)))
                .collect();
            let outcome = format!(
                "peer saw [{}]; server closed at {}; teardown began at {}; {verdict}",
                saw.join(", "),
                c.conn().closed_at().map_or("never".into(), fmt_time),
                c.disconnected()
                    .map_or("never".into(), |(at, _)| fmt_time(at)),
            );
            outcomes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(outcome);
        });
    }
}

fn outcomes_of(name: &str, variant: ReadpumpGoroutine, at_bound_2: u64) -> BTreeSet<String> {
    let outcomes = Outcomes::default();
    let explored = check(name, model(variant, outcomes.clone()));
    assert_explored(explored, at_bound_2);
    let set = outcomes.lock().unwrap().clone();
    for o in &set {
        println!("{name}: {o}");
    }
    set
}

#[test]
fn seed_002_and_seed_003_handlers_have_the_same_outcomes() {
    let sync = outcomes_of(
        "readpump-goroutine seed 002 (sync readPump)",
        ReadpumpGoroutine::Buggy,
        1107,
    );
    let goroutine = outcomes_of(
        "readpump-goroutine seed 003 (goroutine + done)",
        ReadpumpGoroutine::Documented,
        4927,
    );
    assert_eq!(sync, goroutine);
    // And the one outcome is the healthy one: the connection lives until the peer leaves.
    assert_eq!(
        sync.into_iter().collect::<Vec<_>>(),
        ["peer saw [2s WentAway]; server closed at 2s; teardown began at 2s; checkpoint holds"]
    );
}
