//! Go's concurrency semantics, one rule per test, each run on `sim` and asserting the exact
//! behaviour: values, verdicts (with their texts), virtual times and, where a rule must hold in
//! every interleaving, an exhaustive DFS with the number of schedules it took.
//!
//! Every DFS count below is derived in a comment from the program's shape. A "decision" is
//! a point where more than one task can run (or a select has more than one ready case); option 0
//! continues the task that just ran.
#![cfg(not(any(loom, shuttle)))]

use hub_core::go::{
    sleep, timeout, Canceled, Chan, Context, Elapsed, Full, Mutex, Select, Selected, Ticker,
    TryRecv, WaitGroup,
};
use hub_core::invariant::violated;
use hub_core::rt::{self, spawn, yield_now};
use hub_core::sim::{Blocked, Exploration, Instance, IntoInstance, Outcome, Run, Schedule};
use hub_core::sim::{Sim, Strategy};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One run under the default schedule, recorded.
fn run_default<P, I>(program: P) -> Run
where
    P: Fn() -> I,
    I: IntoInstance,
{
    Sim::new().run(&program, &Schedule::empty())
}

/// Every schedule (no preemption bound); panics with the failing run's timeline if one fails.
fn explore_all<P, I>(program: &P) -> Exploration
where
    P: Fn() -> I,
    I: IntoInstance,
{
    let sim = Sim::new();
    let found = sim.explore(
        program,
        Strategy::Dfs {
            preemption_bound: None,
        },
        10_000,
    );
    if let Some(f) = &found.failure {
        let replay = sim.run(program, &f.run.schedule);
        panic!(
            "schedule #{} {} fails: {}\n{}",
            f.at, f.run.schedule, f.run.outcome, replay.trace
        );
    }
    assert!(
        found.exhausted,
        "not exhausted after {} schedules",
        found.schedules
    );
    found
}

fn blocked(task: &str, site: &str) -> Blocked {
    Blocked {
        task: task.to_string(),
        site: site.to_string(),
    }
}

fn go_panic(task: &str, message: &str) -> Outcome {
    Outcome::Panic {
        task: task.to_string(),
        message: message.to_string(),
    }
}

/// The events of a recorded run, without step numbers (`task: text`).
fn events(run: &Run) -> Vec<String> {
    run.trace
        .lines
        .iter()
        .map(|l| format!("{}: {}", l.task, l.text))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Chan
// ---------------------------------------------------------------------------------------------

/// Main receives once from `ch`; a sender task sends 7 and then checks that main had already
/// begun its receive (`receiving` is set in the same poll that starts the receive, so under the
/// sim the store and the start of the receive are one atomic step).
fn handshake(cap: usize) -> impl Fn() -> Instance {
    move || {
        let receiving = Arc::new(AtomicBool::new(false));
        Instance::new(async move {
            let ch: Chan<u32> = Chan::named("ch", cap);
            let (tx, r) = (ch.clone(), receiving.clone());
            spawn("sender", async move {
                tx.send(7).await;
                if !r.load(SeqCst) {
                    violated("rendezvous", "send completed before any receive began");
                }
                hub_core::model_event!("sent");
            });
            yield_now().await;
            receiving.store(true, SeqCst);
            assert_eq!(ch.recv().await, Some(7));
            // Delivered exactly once.
            assert_eq!(ch.try_recv(), TryRecv::Empty);
        })
    }
}

#[test]
fn unbuffered_send_completes_only_when_a_receiver_takes_the_value() {
    // Main spawns the sender and yields: one decision (main goes on, or the sender runs).
    // Main first: it parks in recv and the sender hands 7 over. Sender first: it parks in send
    // and main takes 7 from it. Nothing else can interleave: 2 schedules.
    let found = explore_all(&handshake(0));
    assert_eq!(found.schedules, 2);

    // The sender-first schedule, read off its timeline: the sender parks (step 2), main
    // receives (step 3), and only then does the sender's send complete (step 4).
    let run = Sim::new().run(&handshake(0), &Schedule::new(vec![1]));
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    let steps = |event: &str| -> Vec<u64> {
        run.trace
            .lines
            .iter()
            .filter(|l| format!("{}: {}", l.task, l.text) == event)
            .map(|l| l.step)
            .collect()
    };
    assert_eq!(
        steps("sender: blocked: send on ch (cap 0)"),
        [2],
        "{}",
        run.trace
    );
    assert_eq!(steps("main: recv on ch"), [3], "{}", run.trace);
    assert_eq!(steps("sender: sent"), [4], "{}", run.trace);
}

#[test]
fn the_rendezvous_check_fails_on_a_buffered_channel() {
    // The same check on cap 1: the sender-first schedule (#2) completes the send into the
    // buffer before main receives, and the check reports it.
    let found = Sim::new().explore(
        &handshake(1),
        Strategy::Dfs {
            preemption_bound: None,
        },
        100,
    );
    let failure = found.failure.expect("cap 1 lets the send complete first");
    assert_eq!(failure.at, 2);
    assert_eq!(
        failure.run.outcome,
        Outcome::Invariant {
            name: "rendezvous".into(),
            detail: "send completed before any receive began".into()
        }
    );
}

#[test]
fn a_send_blocks_while_the_buffer_is_full() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("buf", 2);
        ch.send(1).await;
        ch.send(2).await;
        assert_eq!((ch.len(), ch.cap()), (2, 2));
        ch.send(3).await;
        unreachable!("the third send cannot complete");
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "send on buf (cap 2)")]
        }
    );
    assert_eq!(
        run.outcome.to_string(),
        "deadlock (all goroutines are asleep): main: send on buf (cap 2)"
    );

    // The same from a task main does not wait for: a leak, not a deadlock.
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("buf", 2);
        spawn("producer", async move {
            for i in 1..=3 {
                ch.send(i).await;
            }
        });
    });
    assert_eq!(
        run.outcome,
        Outcome::Leak {
            blocked: vec![blocked("producer", "send on buf (cap 2)")]
        }
    );
}

#[test]
fn len_and_cap() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 3);
        assert_eq!((ch.len(), ch.cap(), ch.is_empty()), (0, 3, true));
        ch.send(1).await;
        ch.send(2).await;
        assert_eq!((ch.len(), ch.cap(), ch.is_empty()), (2, 3, false));
        assert_eq!(ch.recv().await, Some(1));
        assert_eq!(ch.len(), 1);
        ch.close();
        assert_eq!((ch.len(), ch.cap()), (1, 3), "close keeps buffered values");
        let unbuffered: Chan<u32> = Chan::named("u", 0);
        assert_eq!((unbuffered.len(), unbuffered.cap()), (0, 0));
        let nil: Chan<u32> = Chan::nil();
        assert!(nil.is_nil() && !ch.is_nil());
        assert_eq!((nil.len(), nil.cap(), nil.name()), (0, 0, "nil"));
        assert_eq!(format!("{ch:?} {nil:?}"), "Chan(ch, cap 3) Chan(nil)");
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

/// Main fills a cap-2 buffer with 0 and 1, starts three senders that all park, sleeps until
/// they have, then receives everything. Each sender logs its number just before its send, in
/// the same poll in which it parks, so the log is the order they queued in.
fn parked_senders() -> Instance {
    Instance::new(async {
        let ch: Chan<u32> = Chan::named("ch", 2);
        let queued = Arc::new(StdMutex::new(Vec::new()));
        ch.send(0).await;
        ch.send(1).await;
        for i in 2..=4 {
            let (ch, queued) = (ch.clone(), queued.clone());
            spawn(format!("sender#{i}"), async move {
                queued.lock().unwrap().push(i);
                ch.send(i).await;
            });
        }
        sleep(MS).await;
        let queued = queued.lock().unwrap().clone();
        assert_eq!(queued.len(), 3, "all three parked before the timer fired");
        let mut got = Vec::new();
        // A receive takes the buffer's head and the first parked sender's value moves in at
        // the tail, so the buffer stays full while senders are parked.
        for expected_len in [2, 2, 2, 1, 0] {
            got.push(ch.recv().await.unwrap());
            assert_eq!(ch.len(), expected_len);
        }
        let mut expected = vec![0, 1];
        expected.extend(queued);
        assert_eq!(
            got, expected,
            "FIFO: the buffer, then senders in the order they parked"
        );
    })
}

#[test]
fn parked_senders_are_served_in_fifo_order_in_every_schedule() {
    // Three senders park in any of 3! orders; after the timer, main receives all five values
    // in one poll and wakes the three senders, which finish in any of 3! orders: 36.
    let found = explore_all(&parked_senders);
    assert_eq!(found.schedules, 36);
}

#[test]
fn send_on_an_already_closed_channel_panics() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 1);
        ch.close();
        ch.send(1).await;
    });
    assert_eq!(run.outcome, go_panic("main", "send on closed channel"));
}

#[test]
fn close_wakes_a_parked_sender_which_panics() {
    // Unbuffered: the parked sender's value is not delivered; the receiver sees the close.
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let tx = ch.clone();
        spawn("sender", async move {
            tx.send(1).await;
            hub_core::model_event!("send completed");
        });
        sleep(MS).await;
        ch.close();
        assert_eq!(ch.recv().await, None);
    });
    assert_eq!(run.outcome, go_panic("sender", "send on closed channel"));
    assert!(!events(&run).contains(&"sender: send completed".to_string()));

    // Buffered and full: the buffered value survives the close, the parked one does not.
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 1);
        ch.send(0).await;
        let tx = ch.clone();
        spawn("sender", async move { tx.send(1).await });
        sleep(MS).await;
        ch.close();
        assert_eq!(ch.recv().await, Some(0));
        assert_eq!(ch.recv().await, None);
    });
    assert_eq!(run.outcome, go_panic("sender", "send on closed channel"));

    // A select parked on a send case panics the same way.
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let tx = ch.clone();
        spawn("selector", async move {
            let other: Chan<u32> = Chan::named("other", 0);
            let _ = Select::new().recv(&other).send(&tx, 1).wait().await;
        });
        sleep(MS).await;
        ch.close();
    });
    assert_eq!(run.outcome, go_panic("selector", "send on closed channel"));
}

#[test]
fn recv_yields_buffered_values_after_close_then_none() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 3);
        ch.send(1).await;
        ch.send(2).await;
        ch.close();
        assert!(ch.is_closed());
        assert_eq!(ch.recv().await, Some(1));
        assert_eq!(ch.try_recv(), TryRecv::Value(2));
        assert_eq!(ch.recv().await, None);
        assert_eq!(ch.recv().await, None);
        assert_eq!(ch.try_recv(), TryRecv::Closed);

        // A receiver parked on an empty channel is woken by the close with `None`.
        let ch: Chan<u32> = Chan::named("empty", 0);
        let wg = WaitGroup::named("wg");
        wg.add(1);
        let (rx, done) = (ch.clone(), wg.clone());
        spawn("receiver", async move {
            assert_eq!(rx.recv().await, None);
            done.done();
        });
        sleep(MS).await;
        ch.close();
        wg.wait().await;
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    assert!(events(&run).contains(&"receiver: recv on empty: closed".to_string()));
}

#[test]
fn a_second_close_panics() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 0);
        ch.close();
        ch.close();
    });
    assert_eq!(run.outcome, go_panic("main", "close of closed channel"));
}

#[test]
fn close_of_a_nil_channel_panics() {
    let run = run_default(|| async { Chan::<u32>::nil().close() });
    assert_eq!(run.outcome, go_panic("main", "close of nil channel"));
}

#[test]
fn nil_channel_operations_block_forever() {
    let run = run_default(|| async {
        Chan::<u32>::nil().send(1).await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "send on nil (cap 0)")]
        }
    );
    let run = run_default(|| async {
        Chan::<u32>::nil().recv().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "recv on nil (cap 0)")]
        }
    );
}

#[test]
fn try_send_hands_the_value_back_when_full() {
    let run = run_default(|| async {
        let ch: Chan<String> = Chan::named("ch", 1);
        assert_eq!(ch.try_recv(), TryRecv::Empty);
        assert_eq!(ch.try_send("a".to_string()), Ok(()));
        assert_eq!(ch.try_send("b".to_string()), Err(Full("b".to_string())));
        assert_eq!(ch.len(), 1);
        assert_eq!(ch.try_recv(), TryRecv::Value("a".to_string()));
        assert_eq!(ch.try_recv(), TryRecv::Empty);

        // Unbuffered: full unless a receiver is parked, in which case it gets the value.
        let un: Chan<String> = Chan::named("un", 0);
        assert_eq!(un.try_send("x".to_string()), Err(Full("x".to_string())));
        let got = Arc::new(StdMutex::new(None));
        let (rx, slot) = (un.clone(), got.clone());
        spawn("receiver", async move {
            *slot.lock().unwrap() = rx.recv().await;
        });
        sleep(MS).await;
        assert_eq!(un.try_send("y".to_string()), Ok(()));
        sleep(MS).await;
        assert_eq!(got.lock().unwrap().as_deref(), Some("y"));

        // A parked sender is seen by try_recv.
        let tx = un.clone();
        spawn("sender", async move { tx.send("z".to_string()).await });
        sleep(MS).await;
        assert_eq!(un.try_recv(), TryRecv::Value("z".to_string()));

        // Nil: never ready.
        let nil: Chan<String> = Chan::nil();
        assert_eq!(nil.try_send("n".to_string()), Err(Full("n".to_string())));
        assert_eq!(nil.try_recv(), TryRecv::Empty);
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

#[test]
fn try_send_on_a_closed_channel_panics() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 1);
        ch.close();
        let _ = ch.try_send(1);
    });
    assert_eq!(run.outcome, go_panic("main", "send on closed channel"));
}

// ---------------------------------------------------------------------------------------------
// Select
// ---------------------------------------------------------------------------------------------

#[test]
fn every_ready_case_of_a_select_can_fire() {
    let fired = Arc::new(StdMutex::new(BTreeSet::new()));
    let seen = fired.clone();
    let program = move || {
        let fired = fired.clone();
        async move {
            let chans: Vec<Chan<usize>> = (0..3).map(|i| Chan::named(format!("c{i}"), 1)).collect();
            for (i, c) in chans.iter().enumerate() {
                c.send(i).await;
            }
            let empty: Chan<usize> = Chan::named("empty", 1);
            let nil: Chan<usize> = Chan::nil();
            let sel = Select::new()
                .recv(&chans[0])
                .recv(&empty)
                .recv(&chans[1])
                .recv(&nil)
                .recv(&chans[2]);
            match sel.wait().await {
                Selected::Case(k, v) => {
                    let got = v.received::<usize>().expect("a value, not a close");
                    assert_eq!(
                        got,
                        [0, 99, 1, 99, 2][k],
                        "case {k} got its own channel's value"
                    );
                    fired.lock().unwrap().insert(k);
                }
                Selected::Default => unreachable!("no default case"),
            }
        }
    };
    // One task, one decision: which of the 3 ready cases fires.
    let found = explore_all(&program);
    assert_eq!(found.schedules, 3);
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([0, 2, 4]));

    // The default schedule takes the first ready case in source order.
    seen.lock().unwrap().clear();
    assert!(run_default(&program).outcome.is_pass());
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([0]));
}

#[test]
fn default_is_taken_only_when_no_case_is_ready() {
    let program = || async {
        let empty: Chan<u32> = Chan::named("empty", 1);
        let full: Chan<u32> = Chan::named("full", 1);
        full.send(1).await;
        let nil: Chan<u32> = Chan::nil();
        let sel = Select::new()
            .recv(&empty)
            .send(&full, 2)
            .recv(&nil)
            .send(&nil, 3);
        assert!(matches!(sel.default().wait().await, Selected::Default));
        // The send case's value was dropped, not queued.
        assert_eq!(full.len(), 1);

        // A ready case wins over default: buffered value, closed channel, parked sender.
        match Select::new()
            .recv(&empty)
            .recv(&full)
            .default()
            .wait()
            .await
        {
            Selected::Case(1, v) => assert_eq!(v.received::<u32>(), Some(1)),
            other => panic!("expected case 1, got {other:?}"),
        }
        let closed: Chan<u32> = Chan::named("closed", 0);
        closed.close();
        match Select::new()
            .recv(&empty)
            .recv(&closed)
            .default()
            .wait()
            .await
        {
            Selected::Case(1, v) => assert_eq!(v.received::<u32>(), None),
            other => panic!("expected case 1, got {other:?}"),
        }
        let un: Chan<u32> = Chan::named("un", 0);
        let tx = un.clone();
        spawn("sender", async move { tx.send(5).await });
        sleep(MS).await;
        match Select::new().recv(&un).default().wait().await {
            Selected::Case(0, v) => assert_eq!(v.received::<u32>(), Some(5)),
            other => panic!("expected case 0, got {other:?}"),
        }
    };
    assert!(run_default(program).outcome.is_pass());
    // Default is never one of the options of a decision: the only task besides main is the
    // sender, which main's `sleep` lets park before main goes on, and main's receive from it
    // finishes main before the sender runs again. One schedule.
    assert_eq!(explore_all(&program).schedules, 1);
}

#[test]
fn a_select_send_case_delivers_to_a_parked_receiver() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let got = Arc::new(StdMutex::new(None));
        let (rx, slot) = (ch.clone(), got.clone());
        spawn("receiver", async move {
            *slot.lock().unwrap() = rx.recv().await;
        });
        sleep(MS).await;
        let sel = Select::new().send(&ch, 5).default().wait().await;
        assert_eq!(format!("{sel:?}"), "Case(0, sent)");
        sleep(MS).await;
        assert_eq!(*got.lock().unwrap(), Some(5));
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

/// Two tasks, both in a select over unbuffered channels, whose only common channel is `a`.
fn select_to_select() -> Instance {
    Instance::new(async {
        let a: Chan<u32> = Chan::named("a", 0);
        let wg = WaitGroup::named("wg");
        wg.add(2);
        let (ra, done) = (a.clone(), wg.clone());
        spawn("x", async move {
            let b: Chan<u32> = Chan::named("b", 0);
            match Select::new().recv(&b).recv(&ra).wait().await {
                Selected::Case(1, v) => assert_eq!(v.received::<u32>(), Some(1)),
                other => panic!("x: expected case 1, got {other:?}"),
            }
            done.done();
        });
        let (sa, done) = (a.clone(), wg.clone());
        spawn("y", async move {
            let c: Chan<u32> = Chan::named("c", 0);
            let sel = Select::new().send(&c, 2).send(&sa, 1).wait().await;
            assert_eq!(format!("{sel:?}"), "Case(1, sent)");
            done.done();
        });
        wg.wait().await;
    })
}

#[test]
fn two_selects_rendezvous_on_an_unbuffered_channel() {
    // After main parks in wait, x and y are runnable: one decision. The first to run parks in
    // its select; the second finds `a` ready, completes the exchange and finishes in the same
    // poll; then the parked one finishes and its `done` wakes main. 2 schedules.
    let found = explore_all(&select_to_select);
    assert_eq!(found.schedules, 2);
}

#[test]
fn select_recv_on_a_closed_channel_yields_none() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 1);
        ch.send(1).await;
        ch.close();
        // Buffered values first, then the close.
        match Select::new().recv(&ch).wait().await {
            Selected::Case(0, v) => assert_eq!(v.received::<u32>(), Some(1)),
            other => panic!("{other:?}"),
        }
        let sel = Select::new().recv(&ch).wait().await;
        assert_eq!(format!("{sel:?}"), "Case(0, closed)");
        match sel {
            Selected::Case(0, v) => assert_eq!(v.received::<u32>(), None),
            other => panic!("{other:?}"),
        }
        // A select parked on a channel that is then closed.
        let late: Chan<u32> = Chan::named("late", 0);
        let rx = late.clone();
        let wg = WaitGroup::new();
        wg.add(1);
        let done = wg.clone();
        spawn("selector", async move {
            let never: Chan<u32> = Chan::named("never", 0);
            match Select::new().recv(&never).recv(&rx).wait().await {
                Selected::Case(1, v) => assert_eq!(v.received::<u32>(), None),
                other => panic!("{other:?}"),
            }
            done.done();
        });
        sleep(MS).await;
        late.close();
        wg.wait().await;
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

#[test]
fn nil_channel_cases_never_fire() {
    let fired = Arc::new(StdMutex::new(BTreeSet::new()));
    let seen = fired.clone();
    let program = move || {
        let fired = fired.clone();
        async move {
            let a: Chan<u32> = Chan::named("a", 0);
            let tx = a.clone();
            spawn("sender", async move { tx.send(4).await });
            yield_now().await;
            let nil: Chan<u32> = Chan::nil();
            match Select::new().recv(&nil).send(&nil, 1).recv(&a).wait().await {
                Selected::Case(k, v) => {
                    fired.lock().unwrap().insert(k);
                    assert_eq!(v.received::<u32>(), Some(4));
                }
                Selected::Default => unreachable!(),
            }
        }
    };
    // At main's yield, one decision: main goes on (parks in the select, the sender's send
    // wakes it) or the sender runs first (parks, main's select finds it ready). 2 schedules,
    // both firing case 2.
    assert_eq!(explore_all(&program).schedules, 2);
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([2]));

    let run = run_default(|| async {
        let nil: Chan<u32> = Chan::nil();
        let _ = Select::new().recv(&nil).send(&nil, 1).wait().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "select { recv nil, send nil }")]
        }
    );
}

/// Run `program` on a helper thread; fail (instead of hanging the suite) if it takes > 10 s.
fn run_with_deadline(program: fn() -> Instance) -> Run {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(Sim::new().run(&program, &Schedule::empty()));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the sim run did not finish within 10 s")
}

#[test]
fn a_select_never_pairs_with_itself() {
    // Go: `select { case ch <- 1: case <-ch: }` on an unbuffered channel, alone, deadlocks.
    let run = run_with_deadline(|| {
        Instance::new(async {
            let ch: Chan<u32> = Chan::named("ch", 0);
            let _ = Select::new().send(&ch, 1).recv(&ch).wait().await;
        })
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "select { send ch, recv ch }")]
        }
    );
    // With a partner receiving, the select's send case fires (recv case first this time).
    let run = run_with_deadline(|| {
        Instance::new(async {
            let ch: Chan<u32> = Chan::named("ch", 0);
            let rx = ch.clone();
            spawn(
                "partner",
                async move { assert_eq!(rx.recv().await, Some(1)) },
            );
            let sel = Select::new().recv(&ch).send(&ch, 1).wait().await;
            assert_eq!(format!("{sel:?}"), "Case(1, sent)");
        })
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

// ---------------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_closes_done_once_and_sets_err() {
    let run = run_default(|| async {
        let ctx = Context::named("req");
        assert_eq!(ctx.err(), Ok(()));
        assert_eq!(ctx.done().name(), "req.done");
        assert!(!ctx.done().is_closed());
        let wg = WaitGroup::new();
        wg.add(1);
        let (waiter_ctx, done) = (ctx.clone(), wg.clone());
        spawn("waiter", async move {
            assert_eq!(waiter_ctx.done().recv().await, None);
            assert_eq!(waiter_ctx.err(), Err(Canceled));
            done.done();
        });
        sleep(MS).await;
        ctx.cancel();
        // Idempotent: a second close of `done` would panic "close of closed channel".
        ctx.cancel();
        assert!(ctx.done().is_closed());
        assert_eq!(ctx.err(), Err(Canceled));
        assert_eq!(Canceled.to_string(), "context canceled");
        wg.wait().await;
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    let cancels = events(&run)
        .into_iter()
        .filter(|e| e == "main: cancel req")
        .count();
    assert_eq!(cancels, 1, "the second cancel did nothing:\n{}", run.trace);
}

#[test]
fn children_are_cancelled_with_their_parent() {
    let run = run_default(|| async {
        let root = Context::named("root");
        let child = root.with_cancel("child");
        let grandchild = child.with_cancel("grandchild");
        let sibling = root.with_cancel("sibling");

        // Cancelling a child leaves its parent and siblings alone.
        sibling.cancel();
        assert_eq!(sibling.err(), Err(Canceled));
        assert_eq!(
            (root.err(), child.err(), grandchild.err()),
            (Ok(()), Ok(()), Ok(()))
        );

        let wg = WaitGroup::new();
        wg.add(1);
        let (g, done) = (grandchild.clone(), wg.clone());
        spawn("worker", async move {
            assert_eq!(g.done().recv().await, None);
            done.done();
        });
        sleep(MS).await;
        root.cancel();
        for ctx in [&root, &child, &grandchild] {
            assert_eq!(ctx.err(), Err(Canceled));
            assert!(ctx.done().is_closed());
        }
        wg.wait().await;

        // A child of a cancelled context starts cancelled.
        let late = root.with_cancel("late");
        assert_eq!(late.err(), Err(Canceled));
        assert_eq!(late.done().try_recv(), TryRecv::Closed);
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

// ---------------------------------------------------------------------------------------------
// WaitGroup
// ---------------------------------------------------------------------------------------------

/// Two workers each yield once, then mark themselves finished and call `done`; main waits and
/// then checks both marks.
fn two_workers() -> Instance {
    Instance::new(async {
        let wg = WaitGroup::named("workers");
        let finished = Arc::new(AtomicU32::new(0));
        for i in 0..2 {
            wg.add(1);
            let (wg, finished) = (wg.clone(), finished.clone());
            spawn(format!("worker#{i}"), async move {
                yield_now().await;
                finished.fetch_add(1, SeqCst);
                wg.done();
            });
        }
        assert_eq!(wg.count(), 2);
        wg.wait().await;
        assert_eq!(finished.load(SeqCst), 2, "wait returned before every done");
        assert_eq!(wg.count(), 0);
    })
}

#[test]
fn wait_returns_only_when_the_counter_reaches_zero() {
    // Main parks in wait; each worker runs in two segments (up to its yield, then the rest).
    // Every interleaving of 2 + 2 segments: C(4,2) = 6. Main runs only after both `done`s.
    let found = explore_all(&two_workers);
    assert_eq!(found.schedules, 6);
}

#[test]
fn a_waitgroup_can_be_reused_after_reaching_zero() {
    let run = run_default(|| async {
        let wg = WaitGroup::named("wg");
        // Count 0: wait returns at once.
        wg.wait().await;
        let rounds = Arc::new(AtomicU32::new(0));
        for round in 1..=2u32 {
            for i in 0..round {
                wg.add(1);
                let (wg, rounds) = (wg.clone(), rounds.clone());
                spawn(format!("r{round}w{i}"), async move {
                    sleep(MS * (i + 1)).await;
                    rounds.fetch_add(1, SeqCst);
                    wg.done();
                });
            }
            wg.wait().await;
            // Round 1 started 1 worker, round 2 another 2: 1, then 3.
            assert_eq!(rounds.load(SeqCst), round * (round + 1) / 2);
            assert_eq!(wg.count(), 0);
        }
        assert_eq!(rt::now(), ms(3), "round 1 took 1ms, round 2 took 2ms");
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

#[test]
fn a_negative_waitgroup_counter_panics() {
    let run = run_default(|| async {
        let wg = WaitGroup::new();
        wg.add(1);
        wg.done();
        wg.done();
    });
    assert_eq!(
        run.outcome,
        go_panic("main", "sync: negative WaitGroup counter")
    );
    let run = run_default(|| async { WaitGroup::new().add(-3) });
    assert_eq!(
        run.outcome,
        go_panic("main", "sync: negative WaitGroup counter")
    );
}

#[test]
fn a_waitgroup_deadlock_names_the_waitgroup() {
    let run = run_default(|| async {
        let wg = WaitGroup::named("workers");
        wg.add(1);
        wg.wait().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "wait on workers")]
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Mutex
// ---------------------------------------------------------------------------------------------

/// Two tasks each increment a counter twice: read, yield (a scheduling point inside the
/// critical section), write. With `locked`, under a `go::Mutex`; without, a plain atomic.
fn increments(locked: bool) -> impl Fn() -> Instance {
    move || {
        Instance::new(async move {
            let mu = Arc::new(Mutex::named("mu", 0u32));
            let bare = Arc::new(AtomicU32::new(0));
            let wg = WaitGroup::named("wg");
            for t in 0..2 {
                wg.add(1);
                let (mu, bare, wg) = (mu.clone(), bare.clone(), wg.clone());
                spawn(format!("inc#{t}"), async move {
                    for _ in 0..2 {
                        if locked {
                            let mut g = mu.lock().await;
                            let v = *g;
                            yield_now().await;
                            *g = v + 1;
                        } else {
                            let v = bare.load(SeqCst);
                            yield_now().await;
                            bare.store(v + 1, SeqCst);
                        }
                    }
                    wg.done();
                });
            }
            wg.wait().await;
            let total = if locked {
                *mu.lock().await
            } else {
                bare.load(SeqCst)
            };
            if total != 4 {
                violated(
                    "no-lost-update",
                    format!("counter is {total} after 4 increments"),
                );
            }
        })
    }
}

#[test]
fn a_mutex_excludes_in_every_schedule() {
    // Either task goes first (2). It yields twice holding the lock; at one of those yields
    // the other may run and park on `lock mu`, or never (3). From then on the lock is handed
    // over at every unlock and only one task can run: 2 × 3 = 6.
    let found = explore_all(&increments(true));
    assert_eq!(found.schedules, 6);
}

#[test]
fn without_the_mutex_an_update_is_lost() {
    let sim = Sim::new();
    let found = sim.explore(
        &increments(false),
        Strategy::Dfs {
            preemption_bound: None,
        },
        10_000,
    );
    let failure = found.failure.expect("DFS finds the lost update");
    assert_eq!(failure.run.outcome.kind(), "invariant");
    assert_eq!(failure.run.outcome.key(), "no-lost-update");
}

#[test]
fn a_contended_lock_shows_in_the_deadlock_verdict() {
    // Main holds the lock and waits for a task that needs it.
    let run = run_default(|| async {
        let mu = Arc::new(Mutex::named("mu", ()));
        let wg = WaitGroup::named("wg");
        let _held = mu.lock().await;
        wg.add(1);
        let (m, done) = (mu.clone(), wg.clone());
        spawn("locker", async move {
            let _g = m.lock().await;
            done.done();
        });
        wg.wait().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "wait on wg"), blocked("locker", "lock mu")]
        }
    );
    // Locking twice from one task (Go's mutex is not reentrant).
    let run = run_default(|| async {
        let mu = Mutex::named("mu", ());
        let _first = mu.lock().await;
        assert!(mu.try_lock().is_none());
        let _second = mu.lock().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "lock mu")]
        }
    );
}

#[test]
fn unlock_hands_the_lock_to_a_parked_locker() {
    let run = run_default(|| async {
        let mu = Arc::new(Mutex::named("mu", Vec::new()));
        let guard = mu.lock().await;
        let wg = WaitGroup::new();
        wg.add(1);
        let (m, done) = (mu.clone(), wg.clone());
        spawn("locker", async move {
            m.lock().await.push("locker");
            done.done();
        });
        sleep(MS).await;
        drop(guard);
        // Released: try_lock must not steal it from the parked locker.
        assert!(
            mu.try_lock().is_none(),
            "the lock went to the parked locker"
        );
        wg.wait().await;
        let mut g = mu.try_lock().expect("free again");
        g.push("main");
        assert_eq!(*g, ["locker", "main"]);
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

#[test]
fn sleep_advances_virtual_time_exactly() {
    let woke = Arc::new(StdMutex::new(Vec::new()));
    let log = woke.clone();
    let run = run_default(move || {
        let woke = woke.clone();
        async move {
            assert_eq!(rt::now(), Duration::ZERO);
            sleep(ms(1500)).await;
            assert_eq!(rt::now(), ms(1500));
            sleep(Duration::ZERO).await;
            assert_eq!(rt::now(), ms(1500));
            // Concurrent sleeps overlap: both end by 1.5s + 2s, not 1.5s + 3s.
            let wg = WaitGroup::new();
            for (name, d) in [("long", 2000), ("short", 1000)] {
                wg.add(1);
                let (wg, woke) = (wg.clone(), woke.clone());
                spawn(name, async move {
                    sleep(ms(d)).await;
                    woke.lock().unwrap().push((name, rt::now()));
                    wg.done();
                });
            }
            wg.wait().await;
            assert_eq!(rt::now(), ms(3500));
        }
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    assert_eq!(run.end, ms(3500));
    assert_eq!(
        *log.lock().unwrap(),
        [("short", ms(2500)), ("long", ms(3500))]
    );
}

#[test]
fn timeout_elapses_at_the_virtual_deadline() {
    let run = run_default(|| async {
        let never: Chan<u32> = Chan::named("never", 0);
        assert_eq!(timeout(ms(250), never.recv()).await, Err(Elapsed));
        assert_eq!(rt::now(), ms(250));
        assert_eq!(Elapsed.to_string(), "deadline elapsed");
        // The abandoned receive left nothing queued: a try_send finds no receiver.
        assert_eq!(never.try_send(1), Err(Full(1)));
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    assert_eq!(run.end, ms(250));
}

#[test]
fn timeout_returns_the_value_when_the_future_wins() {
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 0);
        let tx = ch.clone();
        spawn("sender", async move {
            sleep(ms(100)).await;
            tx.send(9).await;
        });
        assert_eq!(timeout(ms(250), ch.recv()).await, Ok(Some(9)));
        assert_eq!(rt::now(), ms(100));
        // Ready at once: no time passes.
        assert_eq!(timeout(ms(250), async { 3 }).await, Ok(3));
        assert_eq!(rt::now(), ms(100));
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    // The timeout's timer was cancelled: the run ends at 100ms, not at 250ms.
    assert_eq!(run.end, ms(100));
}

#[test]
fn a_ticker_ticks_every_period() {
    let run = run_default(|| async {
        let t = Ticker::new("tick", ms(100));
        for n in 1..=3 {
            assert_eq!(t.c.recv().await, Some(ms(100 * n)));
            assert_eq!(rt::now(), ms(100 * n));
        }
        assert_eq!(t.c.cap(), 1);
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    let ticks = events(&run)
        .into_iter()
        .filter(|e| e == "timer: tick tick")
        .count();
    assert_eq!(ticks, 3);
}

#[test]
fn a_ticker_drops_ticks_for_a_slow_reader() {
    let run = run_default(|| async {
        let t = Ticker::new("tick", ms(100));
        sleep(ms(350)).await;
        // Ticks at 200ms and 300ms found the buffer full and were dropped.
        assert_eq!(t.c.len(), 1);
        assert_eq!(t.c.recv().await, Some(ms(100)));
        assert_eq!(t.c.recv().await, Some(ms(400)));
        assert_eq!(rt::now(), ms(400));
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
}

#[test]
fn a_stopped_ticker_sends_nothing_more() {
    let run = run_default(|| async {
        let t = Ticker::new("tick", ms(100));
        assert_eq!(t.c.recv().await, Some(ms(100)));
        t.stop();
        assert_eq!(timeout(ms(1000), t.c.recv()).await, Err(Elapsed));
        assert_eq!(rt::now(), ms(1100));

        // A tick sent before `stop` stays in the channel.
        let t = Ticker::new("tick2", ms(100));
        sleep(ms(150)).await;
        t.stop();
        assert_eq!(t.c.try_recv(), TryRecv::Value(ms(1200)));
        assert_eq!(timeout(ms(1000), t.c.recv()).await, Err(Elapsed));
    });
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    assert_eq!(run.end, ms(2250));
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

/// A bit of everything: producers, a select with a cancel, a mutex, sleeps and a ticker.
fn busy() -> Instance {
    Instance::new(async {
        let ctx = Context::named("ctx");
        let data: Chan<u32> = Chan::named("data", 1);
        let mu = Arc::new(Mutex::named("mu", 0u32));
        let wg = WaitGroup::named("wg");
        for p in 0..2u32 {
            wg.add(1);
            let (data, mu, wg) = (data.clone(), mu.clone(), wg.clone());
            spawn(format!("producer#{p}"), async move {
                for i in 0..3 {
                    *mu.lock().await += 1;
                    yield_now().await;
                    data.send(p * 10 + i).await;
                }
                wg.done();
            });
        }
        let (rx, c) = (data.clone(), ctx.clone());
        spawn("consumer", async move {
            let ticker = Ticker::new("tick", ms(5));
            loop {
                let sel = Select::new().recv(&rx).recv(c.done()).recv(&ticker.c);
                match sel.wait().await {
                    Selected::Case(0, v) => {
                        let v = v.received::<u32>().unwrap();
                        hub_core::model_event!("got {v}");
                        sleep(ms(u64::from(v % 3))).await;
                    }
                    Selected::Case(2, _) => hub_core::model_event!("tick at {:?}", rt::now()),
                    _ => break,
                }
            }
        });
        wg.wait().await;
        sleep(ms(20)).await;
        ctx.cancel();
        assert_eq!(*mu.lock().await, 6);
    })
}

#[test]
fn the_same_schedule_gives_a_byte_identical_trace() {
    let sim = Sim::new();
    let schedule = Schedule::new(vec![2, 1, 0, 3, 1, 1, 2, 0, 1, 2, 1, 1, 0, 2]);
    let first = sim.run(&busy, &schedule);
    assert!(
        first.outcome.is_pass(),
        "{}\n{}",
        first.outcome,
        first.trace
    );
    assert!(
        first.schedule.non_default() > 0,
        "the schedule steered the run"
    );
    assert!(first.trace.lines.len() > 40, "{}", first.trace);
    let second = sim.run(&busy, &schedule);
    assert_eq!(first.trace.to_string(), second.trace.to_string());
    assert_eq!(first.schedule, second.schedule);
    assert_eq!((first.steps, first.end), (second.steps, second.end));
    // Replaying the run's own (trimmed) schedule gives the same trace again.
    let third = sim.run(&busy, &first.schedule);
    assert_eq!(first.trace.to_string(), third.trace.to_string());
    // And the trace does depend on the schedule: the default one reads differently.
    let default = sim.run(&busy, &Schedule::empty());
    assert_ne!(first.trace.to_string(), default.trace.to_string());
}

#[test]
fn an_operation_that_completes_at_once_does_not_wake_its_own_task() {
    // A buffered send with room completes in the poll that starts it; the task then parks on
    // a receive nobody will satisfy. One poll, not two: completing an operation must not wake
    // the task that completed it (a spurious wake is an extra poll and an extra decision
    // point for DFS: `parked_senders` took 144 schedules instead of 36).
    let run = run_default(|| async {
        let ch: Chan<u32> = Chan::named("ch", 1);
        let never: Chan<u32> = Chan::named("never", 0);
        ch.send(1).await;
        never.recv().await;
    });
    assert_eq!(
        run.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "recv on never (cap 0)")]
        }
    );
    assert_eq!(run.steps, 1);
}
