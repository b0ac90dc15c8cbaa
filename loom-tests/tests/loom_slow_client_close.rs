//! `slow-client-close` (seed `001_a7fd15780077b821.txt`) under loom.
//!
//! Catalog program: one client of user 1 with a send buffer of 1 and a peer that never reads
//! and leaves at 1 s; at 1 s an API call sends it three messages (`SendMessage`, which drops a
//! client whose buffer is full by closing its `send`), racing the teardown's unregister, after
//! which `unregisterClient` closes `send` again.
//!
//! Scaled: the same buffer and messages; the client is reduced to the part the bug lives in
//! (`Hub::attach`): its read pump and deferred teardown as one task. No write pump: the peer
//! never reads, so a write pump would hold the first message forever, which is what an
//! undrained buffer does here. The peer "leaving" is the connection dropping (main closes it)
//! at the same virtual instant as the API call. Threads (4): main (the API goroutine),
//! `hub.run`, `client#1.readPump`, and the fixed presence knob's `hub.offline(user 1)`.
//!
//! Why the shape survives: two closers (SendMessage dropping the slow client, the hub
//! unregistering it) and one sender race on one `send` channel, as in the seed.
#![cfg(loom)]

use hub_core::knobs::SlowClientClose;
use hub_core::rt::block_on;
use loom_tests::{assert_explored, check, failing_in_child, models, run_child};

fn model(variant: SlowClientClose) -> impl Fn() + Sync + Send + 'static {
    move || block_on(models::slow_client_close(variant))
}

#[test]
fn buggy_sends_on_or_closes_a_closed_channel() {
    let failure = failing_in_child("child_buggy");
    // Loom's first execution has the hub serve the teardown's unregister (closing `send`)
    // before the API's first send, and Go panics on that send. (In the other order the API
    // closes first and `unregisterClient` panics with `close of closed channel`: the order
    // the catalog's timeline shows on `sim`.)
    assert_eq!(failure.message, "send on closed channel");
    assert_eq!(failure.task, "main");
}

#[test]
#[ignore = "a failing loom model aborts its process: run as a child by buggy_sends_on_or_closes_a_closed_channel"]
fn child_buggy() {
    run_child("slow-client-close buggy", model(SlowClientClose::Buggy));
}

/// Seed 001's fix (an atomic `sendClosed` flag, CAS before close, checked before send) still
/// lets a send slip between the check and the close.
#[test]
fn documented_cas_still_sends_on_a_closed_channel() {
    let failure = failing_in_child("child_documented");
    assert_eq!(failure.message, "send on closed channel");
    assert_eq!(failure.task, "main");
}

#[test]
#[ignore = "a failing loom model aborts its process: run as a child by documented_cas_still_sends_on_a_closed_channel"]
fn child_documented() {
    run_child(
        "slow-client-close documented",
        model(SlowClientClose::Documented),
    );
}

#[test]
fn fixed_serialises_send_and_close() {
    let explored = check("slow-client-close fixed", model(SlowClientClose::Fixed));
    assert_explored(explored, 1080);
}
