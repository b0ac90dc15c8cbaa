//! `premature-disconnect` (seeds `002_1c3620c9f25a437b.txt`, `003_1afeb2c15a8ab1af.txt`)
//! under loom.
//!
//! Catalog program: one client whose peer sends "hello" at 1 s; the buggy handler spawns the
//! pumps and returns, and its `defer conn.Close()` closes the connection at once (the seed's
//! "immediately disconnect (0.53ms)"); checkpoint at 5 s.
//!
//! Scaled: the same client and peer, through the real `handleConnection`; no `hub.run`, since
//! one client's register, broadcast and unregister fit the hub's buffers (16) and the bug is
//! between the handler and its connection. Threads (5): main, `conn#1.handler`,
//! `conn#1.peer`, `client#1.writePump`, `client#1.readPump` (spawned by the buggy handler, and by
//! the fixed one with seed 003's goroutine readPump, the default).
//!
//! Why the shape survives: the connection's fate is decided by the handler returning or not,
//! whatever the hub loop does.
#![cfg(loom)]

use hub_core::knobs::PrematureDisconnect;
use hub_core::rt::block_on;
use loom_tests::{assert_explored, check, failing_in_child, models, run_child};

fn model(variant: PrematureDisconnect) -> impl Fn() + Sync + Send + 'static {
    move || block_on(models::premature_disconnect(variant))
}

#[test]
fn buggy_closes_before_the_first_message() {
    let failure = failing_in_child("child_buggy");
    assert_eq!(
        failure.message,
        "invariant closed-before-first-message violated: conn#1 closed by the server at 0s (0s after it opened), before its first message"
    );
    assert_eq!(failure.task, "main");
}

#[test]
#[ignore = "a failing loom model aborts its process: run as a child by buggy_closes_before_the_first_message"]
fn child_buggy() {
    run_child(
        "premature-disconnect buggy",
        model(PrematureDisconnect::Buggy),
    );
}

#[test]
fn fixed_keeps_the_connection() {
    let explored = check(
        "premature-disconnect fixed",
        model(PrematureDisconnect::Fixed),
    );
    assert_explored(explored, 16718);
}
