//! The blocking points the catalog's bugs live in, one `.await` at a time, with tokio-test.
//!
//! Each test polls one model operation by hand in a `tokio_test::task::spawn` mock task, with
//! the tokio engine installed for the poll ([`Scope::enter`]), and asserts what the bug (or
//! its fix) comes down to: this operation is pending, this waker fired, this poll panicked
//! with Go's text. A "never woken" check is always followed by the event that *does* wake the
//! operation, so it cannot pass by a waker that was never registered.
#![cfg(all(feature = "tokio", not(loom)))]

use hub_core::go::{Chan, Context, Select, Selected, Timer, TryRecv};
use hub_core::invariant::payload_text;
use hub_core::rt::tokio::Scope;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Poll;
use std::time::Duration;
use tokio_test::task::{spawn, Spawn};
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

/// One poll of `task` with the engine installed.
fn poll<F: Future>(scope: &Scope, task: &mut Spawn<F>) -> Poll<F::Output> {
    scope.enter(|| task.poll())
}

/// One poll expected to panic; Go's panic text.
fn poll_panics<F: Future>(scope: &Scope, task: &mut Spawn<F>) -> String {
    match catch_unwind(AssertUnwindSafe(|| poll(scope, task))) {
        Ok(_) => panic!("the poll did not panic"),
        Err(payload) => payload_text(&*payload),
    }
}

/// The hub's `unregister` channel (buffer 16) after 16 teardowns filled it.
fn full_unregister(scope: &Scope) -> Chan<u32> {
    let unregister = Chan::named("unregister", 16);
    scope.enter(|| {
        for client in 1..=16 {
            assert!(unregister.try_send(client).is_ok());
        }
    });
    unregister
}

mod unregister_after_shutdown {
    use super::*;

    /// Seed 004, buggy: `Run()` returned, so nothing receives from `unregister` any more. The
    /// 17th teardown's `h.unregister <- c` parks, and shutting the hub down does not wake it.
    #[tokio::test]
    async fn buggy_send_after_the_hub_exited_is_never_woken() {
        let scope = Scope::current("conn#17.handler", 1);
        let unregister = full_unregister(&scope);
        let hub_ctx = Context::named("hub.ctx");
        hub_ctx.cancel(); // Run() has returned

        let mut teardown = spawn(unregister.send(17));
        assert_pending!(poll(&scope, &mut teardown));
        assert_eq!(
            scope.wait_site().as_deref(),
            Some("send on unregister (cap 16)")
        );
        // More teardowns after shutdown, and the hub's context again: nothing wakes it.
        let other = scope.task("conn#18.handler");
        let mut next = spawn(unregister.send(18));
        assert_pending!(poll(&other, &mut next));
        hub_ctx.cancel();
        assert!(!teardown.is_woken());
        assert_pending!(poll(&scope, &mut teardown));

        // Only a receiver could: the hub's loop, which is gone. One receive proves the waker.
        assert!(matches!(
            scope.enter(|| unregister.try_recv()),
            TryRecv::Value(1)
        ));
        assert!(teardown.is_woken());
        assert_ready!(poll(&scope, &mut teardown));
    }

    /// The fix: `select { case h.unregister <- c: case <-h.done: }`. Parked while the hub is
    /// alive and busy; the shutdown wakes it and it takes the `done` case.
    #[tokio::test]
    async fn fixed_select_is_woken_by_hub_done() {
        let scope = Scope::current("conn#17.handler", 1);
        let unregister = full_unregister(&scope);
        let hub_ctx = Context::named("hub.ctx");

        let mut teardown = spawn(
            Select::new()
                .send(&unregister, 17)
                .recv(hub_ctx.done())
                .wait(),
        );
        assert_pending!(poll(&scope, &mut teardown));
        assert_eq!(
            scope.wait_site().as_deref(),
            Some("select { send unregister, recv hub.ctx.done }")
        );
        assert!(!teardown.is_woken());
        hub_ctx.cancel();
        assert!(teardown.is_woken());
        match assert_ready!(poll(&scope, &mut teardown)) {
            Selected::Case(1, _) => {}
            other => panic!("expected the done case, got {other:?}"),
        }
        // The unregister was not sent: the buffer still holds the first 16 only.
        assert_eq!(unregister.len(), 16);
    }

    /// Option 1 (`select { case h.unregister <- c: default: }`) never blocks, so it also drops
    /// the cleanup while the hub is alive, only busy: the documented fix's flaw.
    #[tokio::test]
    async fn documented_try_send_drops_the_unregister_while_the_hub_is_alive() {
        let scope = Scope::current("conn#17.handler", 1);
        let unregister = full_unregister(&scope);
        let hub_ctx = Context::named("hub.ctx");
        assert!(hub_ctx.err().is_ok(), "the hub is running");
        let dropped = scope.enter(|| unregister.try_send(17));
        assert_eq!(dropped.map_err(|full| full.0), Err(17));
    }
}

mod write_pump {
    use super::*;

    /// Seed 001, orphaned pumps (buggy): the write pump ranges over `send` only. Parked on it,
    /// only a close ends it; nobody closes the `send` of a client that was never registered.
    #[tokio::test]
    async fn buggy_write_pump_parked_on_send_is_woken_only_by_close() {
        let scope = Scope::current("client#2.writePump", 1);
        let send: Chan<&str> = Chan::named("client#2.send", 256);
        let ctx = Context::named("client#2.ctx");

        let mut pump = spawn(send.recv());
        assert_pending!(poll(&scope, &mut pump));
        assert_eq!(
            scope.wait_site().as_deref(),
            Some("recv on client#2.send (cap 256)")
        );
        ctx.cancel(); // the fix's client context: this pump does not listen to it
        assert!(!pump.is_woken());

        scope.enter(|| send.close());
        assert!(pump.is_woken());
        assert_ready_eq!(poll(&scope, &mut pump), None);
    }

    /// The fix: the write pump also selects on the client's context, cancelled on teardown.
    #[tokio::test]
    async fn fixed_write_pump_is_woken_by_the_client_context() {
        let scope = Scope::current("client#2.writePump", 1);
        let send: Chan<&str> = Chan::named("client#2.send", 256);
        let ctx = Context::named("client#2.ctx");

        let mut pump = spawn(Select::new().recv(&send).recv(ctx.done()).wait());
        assert_pending!(poll(&scope, &mut pump));
        ctx.cancel();
        assert!(pump.is_woken());
        match assert_ready!(poll(&scope, &mut pump)) {
            Selected::Case(1, _) => {}
            other => panic!("expected the ctx.done case, got {other:?}"),
        }
    }
}

mod closes {
    use super::*;

    /// Seeds 000 and 001: the second `close(c.send)` panics with Go's text.
    #[tokio::test]
    async fn double_close_panics_with_gos_text() {
        let scope = Scope::current("api.deleteSubscription(trx)", 1);
        let send: Chan<&str> = Chan::named("client#1.send", 256);
        let mut hub_close = spawn(async { send.close_by("hub.unregisterClient") });
        assert_ready!(poll(&scope, &mut hub_close));
        let mut router_close = spawn(async { send.close_by("router.UnregisterClient") });
        assert_eq!(
            poll_panics(&scope, &mut router_close),
            "close of closed channel"
        );
    }

    /// Seed 001's documented fix: a sender that checked the CAS flag and then sends parks on
    /// the full buffer; the hub's close wakes it, and it panics `send on closed channel`.
    #[tokio::test]
    async fn sender_parked_on_a_full_send_is_woken_by_close_and_panics() {
        let scope = Scope::current("api.sendMessage(user 1)", 1);
        let send: Chan<&str> = Chan::named("client#1.send", 1);
        scope.enter(|| send.try_send("m1")).expect("room for one");

        let mut sender = spawn(send.send("m2"));
        assert_pending!(poll(&scope, &mut sender));
        assert_eq!(
            scope.wait_site().as_deref(),
            Some("send on client#1.send (cap 1)")
        );
        assert!(!sender.is_woken());
        scope.enter(|| send.close_by("hub.broadcast"));
        assert!(sender.is_woken());
        assert_eq!(poll_panics(&scope, &mut sender), "send on closed channel");
    }
}

mod read_deadline {
    use super::*;

    /// Seeds 002/003: the read deadline is a model `Timer` on tokio's (paused) clock. Nothing
    /// wakes a read parked on it before the deadline; the deadline does, exactly at 60 s.
    #[tokio::test(start_paused = true)]
    async fn read_parked_on_the_deadline_is_woken_exactly_at_pong_wait() {
        let scope = Scope::current("client#1.readPump", 1);
        let deadline = scope.enter(|| Timer::new("conn#1.readDeadline", Duration::from_secs(60)));
        let mut read = spawn(deadline.c.recv());
        assert_pending!(poll(&scope, &mut read));
        tokio::task::yield_now().await; // the engine's timer task arms its tokio sleep

        tokio::time::advance(Duration::from_millis(59_999)).await;
        tokio::task::yield_now().await;
        assert!(!read.is_woken(), "woken before the deadline");

        tokio::time::advance(Duration::from_millis(1)).await;
        tokio::task::yield_now().await;
        assert!(read.is_woken());
        assert_ready_eq!(poll(&scope, &mut read), Some(Duration::from_secs(60)));
        assert_eq!(scope.now(), Duration::from_secs(60));
        drop(read);
        scope.enter(|| drop(deadline)); // a timer's drop cancels it: inside the engine
    }

    /// Dropping the timer (Go: `t.Stop()`) cancels it: the read is never woken.
    #[tokio::test(start_paused = true)]
    async fn stopped_deadline_never_fires() {
        let scope = Scope::current("client#1.readPump", 1);
        let deadline = scope.enter(|| Timer::new("conn#1.readDeadline", Duration::from_secs(60)));
        let c = deadline.c.clone();
        let mut read = spawn(c.recv());
        assert_pending!(poll(&scope, &mut read));
        tokio::task::yield_now().await;
        scope.enter(|| drop(deadline));
        tokio::time::advance(Duration::from_secs(120)).await;
        tokio::task::yield_now().await;
        assert!(!read.is_woken());
        // A value on the channel does wake it: the waker was registered.
        scope.enter(|| c.try_send(Duration::ZERO)).expect("cap 1");
        assert!(read.is_woken());
    }
}
