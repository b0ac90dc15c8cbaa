//! `Chan` under loom, through hub-core's loom engine: every `hub_core::rt::spawn` is a loom
//! thread running `hub_core::rt::block_on`, and the model's main thread drives its own part
//! with `block_on`. Loom explores the interleavings of the channel's locks and atomics that
//! the single-threaded sim cannot: a select's registration racing a counterpart's commit, a
//! close racing a send.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p hub-core --release --test loom_chan`
//!
//! The preemption bound is `LOOM_MAX_PREEMPTIONS`, 3 if unset. Each test names the loom
//! iterations it explores at bounds 2 and 3 (measured; `--nocapture` prints them); they move
//! whenever the channel's implementation gains or loses a loom operation. The whole file runs in
//! about 1 s at bound 2 and 7 s at bound 3 (release). Tests that expect a Go panic catch it
//! inside the loom thread that raises it: a panic that leaves a loom thread fails the model.
//! No test here may deadlock: loom aborts the process when a deadlocked thread holds an `Arc`.
#![cfg(loom)]

use hub_core::go::{Chan, Select, Selected, TryRecv};
use hub_core::invariant::payload_text;
use hub_core::rt::{block_on, spawn};
use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::sync::Arc;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::Mutex as HostMutex;
use std::task::Poll;

const SEND_ON_CLOSED: &str = "send on closed channel";
const CLOSE_OF_CLOSED: &str = "close of closed channel";

/// Explore `body` with loom at `LOOM_MAX_PREEMPTIONS` (default 3); returns the iterations run.
fn explore(name: &str, body: impl Fn() + Sync + Send + 'static) -> usize {
    install_panic_filter();
    let iterations = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = iterations.clone();
    let mut builder = loom::model::Builder::new();
    let bound = *builder.preemption_bound.get_or_insert(3);
    builder.check(move || {
        counter.fetch_add(1, Relaxed);
        body();
    });
    let n = iterations.load(Relaxed);
    println!("{name}: {n} loom iterations at preemption bound {bound}");
    n
}

std::thread_local! {
    /// How many loom threads are inside code that expects a Go panic. A count, not a flag:
    /// loom threads share one OS thread and may switch inside that code.
    static EXPECTING_GO_PANIC: Cell<usize> = const { Cell::new(0) };
}

/// Keep expected Go panics, and the non-string payloads loom's threads unwind with when they
/// end, off stderr; print everything else as usual.
fn install_panic_filter() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            let quiet = match text {
                None => true,
                Some(t) => {
                    EXPECTING_GO_PANIC.with(Cell::get) > 0
                        && (t == SEND_ON_CLOSED || t == CLOSE_OF_CLOSED)
                }
            };
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// Run `f`, turning a panic into its text.
fn caught<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    EXPECTING_GO_PANIC.with(|e| e.set(e.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f)).map_err(|p| payload_text(&*p));
    EXPECTING_GO_PANIC.with(|e| e.set(e.get() - 1));
    result
}

/// A future's output, or the text of its panic (for spawned tasks, which must not let a panic
/// leave their loom thread).
async fn caught_async<F: Future>(fut: F) -> Result<F::Output, String> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| match caught(|| fut.as_mut().poll(cx)) {
        Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(text) => Poll::Ready(Err(text)),
    })
    .await
}

/// Host-side notes across iterations (which outcomes loom reached).
type Notes = std::sync::Arc<HostMutex<BTreeSet<String>>>;

fn notes() -> Notes {
    std::sync::Arc::new(HostMutex::new(BTreeSet::new()))
}

fn note(notes: &Notes, what: impl Into<String>) {
    notes.lock().unwrap().insert(what.into());
}

fn noted(notes: &Notes) -> Vec<String> {
    notes.lock().unwrap().iter().cloned().collect()
}

#[test]
fn unbuffered_send_completes_only_after_the_receiver_takes_the_value() {
    let seen = notes();
    let seen_in = seen.clone();
    // 2 threads. Loom iterations (measured): 106 at preemption bound 2, 308 at bound 3.
    let n = explore("rendezvous", move || {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let receiving = Arc::new(AtomicBool::new(false));
        let (tx, r, seen) = (ch.clone(), receiving.clone(), seen_in.clone());
        spawn("sender", async move {
            // Whether main had begun its receive when the send started (either order is
            // explored; the rendezvous must hold in both).
            note(
                &seen,
                format!("receiver started first: {}", r.load(Acquire)),
            );
            tx.send(7).await;
            assert!(
                r.load(Acquire),
                "the send completed before the receiver began its receive"
            );
        });
        receiving.store(true, Release);
        assert_eq!(block_on(ch.recv()), Some(7));
        // Delivered exactly once.
        assert_eq!(ch.try_recv(), TryRecv::Empty);
    });
    assert_eq!(
        noted(&seen),
        [
            "receiver started first: false",
            "receiver started first: true"
        ]
    );
    assert!(n > 2, "{n}");
}

#[test]
fn buffered_values_then_close_are_received_in_order() {
    // Sender: 1, 2, 3 into a cap-1 channel, then close; main drains until `None`.
    // 2 threads. Loom iterations (measured): 337 at preemption bound 2, 1,422 at bound 3.
    let n = explore("cap1_send_recv_close", || {
        let ch: Chan<u32> = Chan::named("ch", 1);
        let tx = ch.clone();
        spawn("sender", async move {
            for v in 1..=3 {
                tx.send(v).await;
            }
            tx.close();
        });
        let got = block_on(async {
            let mut got = Vec::new();
            while let Some(v) = ch.recv().await {
                got.push(v);
            }
            got
        });
        assert_eq!(got, [1, 2, 3], "every value, in order, then None");
        assert_eq!(ch.try_recv(), TryRecv::Closed);
    });
    assert!(n > 2, "{n}");
}

#[test]
fn two_senders_and_a_closer_lose_no_value() {
    // Two senders into a cap-1 channel; the last sender to finish closes it (an atomic
    // countdown, as a WaitGroup would). Main receives until `None`: each value exactly once.
    // 3 threads. Loom iterations (measured): 1,830 at preemption bound 2, 15,833 at bound 3.
    let n = explore("cap1_two_senders", || {
        let ch: Chan<u32> = Chan::named("ch", 1);
        let left = Arc::new(AtomicUsize::new(2));
        for v in [10, 20] {
            let (tx, left) = (ch.clone(), left.clone());
            spawn(format!("sender#{v}"), async move {
                tx.send(v).await;
                if left.fetch_sub(1, AcqRel) == 1 {
                    tx.close();
                }
            });
        }
        let mut got = block_on(async {
            let mut got = Vec::new();
            while let Some(v) = ch.recv().await {
                got.push(v);
            }
            got
        });
        got.sort_unstable();
        assert_eq!(got, [10, 20]);
    });
    assert!(n > 2, "{n}");
}

#[test]
fn close_racing_a_buffered_send_either_lets_it_complete_or_panics_it() {
    // Main sends into an empty cap-1 channel while a task closes it. Either the send wins (the
    // value stays buffered and is received after the close) or it panics "send on closed
    // channel" (nothing is received). Both must be reached.
    let seen = notes();
    let seen_in = seen.clone();
    // 2 threads. Loom iterations (measured): 21 at preemption bound 2, 38 at bound 3.
    let n = explore("close_vs_buffered_send", move || {
        let ch: Chan<u32> = Chan::named("ch", 1);
        let closer = ch.clone();
        spawn("closer", async move { closer.close() });
        let sent = caught(|| block_on(ch.send(1)));
        // The close has happened once a receive ends with None.
        let got = block_on(async { (ch.recv().await, ch.recv().await) });
        match sent {
            Ok(()) => {
                assert_eq!(got, (Some(1), None));
                note(&seen_in, "sent");
            }
            Err(text) => {
                assert_eq!(text, SEND_ON_CLOSED);
                assert_eq!(got, (None, None));
                note(&seen_in, "panicked");
            }
        }
    });
    assert_eq!(noted(&seen), ["panicked", "sent"]);
    assert!(n > 2, "{n}");
}

#[test]
fn close_racing_an_unbuffered_send_either_delivers_or_panics() {
    // A task sends on an unbuffered channel, main receives, and a third task closes it. Either
    // the send met the receiver first (the receiver has the value, the send completed) or the
    // close came first (the send panics, the receiver gets None): never both, never neither.
    let seen = notes();
    let seen_in = seen.clone();
    // 3 threads. Loom iterations (measured): 1,093 at preemption bound 2, 8,651 at bound 3.
    let n = explore("close_vs_unbuffered_send", move || {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let send_result = Arc::new(AtomicUsize::new(0)); // 1: sent, 2: panicked
        let finished = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(AtomicUsize::new(0)); // 1: Some(5), 2: None
        let seen = seen_in.clone();
        let check = {
            let (send_result, received, finished) =
                (send_result.clone(), received.clone(), finished.clone());
            move || {
                // Whoever finishes last sees both sides.
                if finished.fetch_add(1, AcqRel) == 1 {
                    let pair = (send_result.load(Acquire), received.load(Acquire));
                    assert!(
                        pair == (1, 1) || pair == (2, 2),
                        "send/receive disagree: {pair:?}"
                    );
                    note(&seen, if pair.0 == 1 { "delivered" } else { "panicked" });
                }
            }
        };
        let (tx, result, check_tx) = (ch.clone(), send_result.clone(), check.clone());
        spawn("sender", async move {
            match caught_async(tx.send(5)).await {
                Ok(()) => result.store(1, Release),
                Err(text) => {
                    assert_eq!(text, SEND_ON_CLOSED);
                    result.store(2, Release);
                }
            }
            check_tx();
        });
        let closer = ch.clone();
        spawn("closer", async move { closer.close() });
        let got = block_on(ch.recv());
        received.store(if got == Some(5) { 1 } else { 2 }, Release);
        assert!(got.is_none() || got == Some(5));
        check();
    });
    assert_eq!(noted(&seen), ["delivered", "panicked"]);
    assert!(n > 2, "{n}");
}

#[test]
fn a_double_close_from_two_threads_panics_exactly_once() {
    let seen = notes();
    let seen_in = seen.clone();
    // 2 threads. Loom iterations (measured): 39 at preemption bound 2, 139 at bound 3.
    let n = explore("double_close", move || {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let panics = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let close = {
            let (ch, panics, finished, seen) = (
                ch.clone(),
                panics.clone(),
                finished.clone(),
                seen_in.clone(),
            );
            move |who: &str| {
                match caught(|| ch.close()) {
                    Ok(()) => note(&seen, format!("{who} closed")),
                    Err(text) => {
                        assert_eq!(text, CLOSE_OF_CLOSED);
                        panics.fetch_add(1, AcqRel);
                    }
                }
                if finished.fetch_add(1, AcqRel) == 1 {
                    assert_eq!(panics.load(Acquire), 1, "exactly one close panics");
                }
            }
        };
        let other = close.clone();
        spawn("closer", async move { other("closer") });
        close("main");
        assert!(ch.is_closed());
    });
    assert_eq!(noted(&seen), ["closer closed", "main closed"]);
    assert!(n > 2, "{n}");
}

#[test]
fn a_select_receives_each_concurrent_send_exactly_once() {
    // Two tasks send on two unbuffered channels; main selects over both, twice. The select's
    // registration on one channel races the other channel's sender committing it.
    // 3 threads. Loom iterations (measured): 3,452 at preemption bound 2, 32,652 at bound 3.
    let n = explore("select_two_senders", || {
        let a: Chan<u32> = Chan::named("a", 0);
        let b: Chan<u32> = Chan::named("b", 0);
        for (ch, v) in [(a.clone(), 1), (b.clone(), 2)] {
            spawn(format!("sender#{v}"), async move { ch.send(v).await });
        }
        let got = block_on(async {
            let mut got = Vec::new();
            for _ in 0..2 {
                match Select::new().recv(&a).recv(&b).wait().await {
                    Selected::Case(k, v) => {
                        let v = v.received::<u32>().expect("never closed");
                        assert_eq!(v, [1, 2][k], "case {k} carries its own channel's value");
                        got.push(v);
                    }
                    Selected::Default => unreachable!("no default"),
                }
            }
            got
        });
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [1, 2], "each value exactly once, got {got:?}");
        assert_eq!(
            (a.try_recv(), b.try_recv()),
            (TryRecv::Empty, TryRecv::Empty)
        );
    });
    assert!(n > 2, "{n}");
}

#[test]
fn two_selects_rendezvous_on_an_unbuffered_channel() {
    // A task selects { send on a, send on c }, main selects { recv on b, recv on a }: the
    // only pairing is on `a`, and both selects are parked or registering at once.
    // 2 threads. Loom iterations (measured): 69 at preemption bound 2, 215 at bound 3.
    let n = explore("select_to_select", || {
        let a: Chan<u32> = Chan::named("a", 0);
        let tx = a.clone();
        spawn("sender", async move {
            let c: Chan<u32> = Chan::named("c", 0);
            let sel = Select::new().send(&c, 9).send(&tx, 1).wait().await;
            assert_eq!(format!("{sel:?}"), "Case(1, sent)");
        });
        let b: Chan<u32> = Chan::named("b", 0);
        match block_on(Select::new().recv(&b).recv(&a).wait()) {
            Selected::Case(1, v) => assert_eq!(v.received::<u32>(), Some(1)),
            other => panic!("main: expected case 1, got {other:?}"),
        }
    });
    assert!(n > 2, "{n}");
}

#[test]
fn a_select_over_a_closing_channel_and_a_sending_one_loses_nothing() {
    // Main selects { recv a, recv b } while one task closes `a` and another sends 2 into `b`
    // (cap 1, so the send always completes). Exactly one case fires; if it was the close, the
    // 2 is still in `b` afterwards. Both outcomes must be reached.
    let seen = notes();
    let seen_in = seen.clone();
    // 3 threads. Loom iterations (measured): 856 at preemption bound 2, 4,996 at bound 3.
    let n = explore("select_close_vs_send", move || {
        let a: Chan<u32> = Chan::named("a", 0);
        let b: Chan<u32> = Chan::named("b", 1);
        let closer = a.clone();
        spawn("closer", async move { closer.close() });
        let tx = b.clone();
        spawn("sender", async move { tx.send(2).await });
        let (fired, rest) = block_on(async {
            let fired = match Select::new().recv(&a).recv(&b).wait().await {
                Selected::Case(0, v) => (0, v.received::<u32>()),
                Selected::Case(1, v) => (1, v.received::<u32>()),
                other => panic!("{other:?}"),
            };
            // Whatever the select did not take is still there.
            let rest = if fired.0 == 0 {
                b.recv().await
            } else {
                a.recv().await
            };
            (fired, rest)
        });
        match fired {
            (0, None) => assert_eq!(rest, Some(2), "the value sent on b survived"),
            (1, Some(2)) => assert_eq!(rest, None, "a was closed"),
            other => panic!("impossible select result {other:?}"),
        }
        note(&seen_in, format!("case {}", fired.0));
    });
    assert_eq!(noted(&seen), ["case 0", "case 1"]);
    assert!(n > 2, "{n}");
}

#[test]
fn a_select_with_both_sides_of_one_channel_pairs_only_with_another_thread() {
    // Main selects { recv ch, send 1 on ch } on an unbuffered channel; a task receives. Go
    // never pairs a select with itself, so only the send case can fire.
    // 2 threads. Loom iterations (measured): 78 at preemption bound 2, 227 at bound 3.
    let n = explore("select_self_pair", || {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let rx = ch.clone();
        spawn(
            "receiver",
            async move { assert_eq!(rx.recv().await, Some(1)) },
        );
        let sel = block_on(Select::new().recv(&ch).send(&ch, 1).wait());
        assert_eq!(format!("{sel:?}"), "Case(1, sent)");
    });
    assert!(n > 2, "{n}");
}
