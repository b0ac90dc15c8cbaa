#![cfg(not(any(loom, shuttle)))]
//! Go's own channel tests (`test/chan` in the Go repository), ported to `hub_core::go` and run on
//! the seeded executor, each under the default schedule and under exploration.
//!
//! In the style of crossbeam-channel's `tests/golang.rs`: one module per Go program, headed by
//! its source and by how it was scaled down. The facts each Go program checks carry over; the
//! code is written anew. A Go program may end while goroutines are still parked (the process
//! exits); the sim runs on after main and reports those as a `Leak`. Where a Go program does
//! that on purpose (sieve1, sieve2, select3, select8) the test asserts that exact verdict: which
//! tasks are parked, and on what.

use hub_core::go::{CaseValue, Chan, Full, Select, Selected, Ticker, TryRecv};
use hub_core::rt::{spawn, yield_now};
use hub_core::sim::{
    next_schedule, Blocked, Config, Instance, IntoInstance, Outcome, Run, Schedule, Sim, Strategy,
};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex as HostMutex};
use std::time::Duration;

/// A sim that records no timeline (exploration speed); failures are replayed with one.
fn quiet_sim() -> Sim {
    let mut config = Config::default();
    config.record = false;
    Sim::with_config(config)
}

fn blocked(task: &str, site: &str) -> Blocked {
    Blocked {
        task: task.to_string(),
        site: site.to_string(),
    }
}

/// Blocked lists sorted: their order is spawn order, which can depend on the schedule.
fn normalized(outcome: &Outcome) -> Outcome {
    match outcome.clone() {
        Outcome::Leak { mut blocked } => {
            blocked.sort();
            Outcome::Leak { blocked }
        }
        Outcome::Deadlock { mut blocked } => {
            blocked.sort();
            Outcome::Deadlock { blocked }
        }
        other => other,
    }
}

/// What a DFS exploration covered.
#[derive(Debug, Clone, Copy)]
struct Explored {
    /// Schedules run.
    schedules: u64,
    /// Every schedule within the bound was run.
    exhausted: bool,
}

/// Panics, with the replayed timeline, unless `run` ended in `expected` (already normalized).
fn check_run<P, I>(program: &P, expected: &Outcome, run: &Run, how: &str)
where
    P: Fn() -> I,
    I: IntoInstance,
{
    if normalized(&run.outcome) != *expected {
        let replay = Sim::new().run(program, &run.schedule);
        panic!(
            "{how}: expected {expected}\ngot {}\nschedule {}\n{}",
            replay.outcome, run.schedule, replay.trace
        );
    }
}

/// Runs `program` under `strategy` with seeds `0..schedules`, one schedule per seed, and asserts
/// that every run ends in `expected` (blocked tasks compared as a set). One run per seed, not
/// `Sim::explore` over many, because exploration stops at the first run that does not pass,
/// and a port may expect a leak.
fn expect_seeded<P, I>(
    program: &P,
    expected: &Outcome,
    schedules: u64,
    strategy: impl Fn(u64) -> Strategy,
) where
    P: Fn() -> I,
    I: IntoInstance,
{
    let expected = normalized(expected);
    let sim = quiet_sim();
    for seed in 0..schedules {
        let found = sim.explore(program, strategy(seed), 1);
        match found.failure {
            Some(failure) => check_run(
                program,
                &expected,
                &failure.run,
                &strategy(seed).to_string(),
            ),
            None => assert!(
                expected.is_pass(),
                "{}: expected {expected}, got pass",
                strategy(seed)
            ),
        }
    }
}

/// `schedules` uniformly random schedules, each ending in `expected`.
fn expect_random<P, I>(program: &P, expected: &Outcome, schedules: u64)
where
    P: Fn() -> I,
    I: IntoInstance,
{
    expect_seeded(program, expected, schedules, |seed| Strategy::Random {
        seed,
    });
}

/// `schedules` PCT schedules at depth 3 (bugs needing up to two priority drops), each ending in
/// `expected`.
fn expect_pct<P, I>(program: &P, expected: &Outcome, schedules: u64)
where
    P: Fn() -> I,
    I: IntoInstance,
{
    expect_seeded(program, expected, schedules, |seed| Strategy::Pct {
        seed,
        depth: 3,
    });
}

/// DFS at preemption `bound` (None: unbounded), at most `max` schedules, each ending in
/// `expected`. The first schedule DFS runs is the default one.
fn expect_dfs<P, I>(program: &P, expected: &Outcome, bound: Option<u32>, max: u64) -> Explored
where
    P: Fn() -> I,
    I: IntoInstance,
{
    let expected = normalized(expected);
    let sim = quiet_sim();
    let mut prefix = Schedule::empty();
    let mut schedules = 0;
    loop {
        let run = sim.run(program, &prefix);
        schedules += 1;
        check_run(
            program,
            &expected,
            &run,
            &format!("dfs (bound {bound:?}) #{schedules}"),
        );
        match next_schedule(&run.decisions, bound) {
            None => {
                return Explored {
                    schedules,
                    exhausted: true,
                }
            }
            Some(_) if schedules >= max => {
                return Explored {
                    schedules,
                    exhausted: false,
                }
            }
            Some(next) => prefix = next,
        }
    }
}

/// Unbounded DFS that must exhaust the program's schedules, all passing; returns their number.
fn pass_every_schedule<P, I>(program: &P, max: u64) -> u64
where
    P: Fn() -> I,
    I: IntoInstance,
{
    let explored = expect_dfs(program, &Outcome::Pass, None, max);
    assert!(explored.exhausted, "more than {max} schedules");
    explored.schedules
}

/// Host-side notes a program makes across runs (which select case fired, say).
type Notes<T> = Arc<HostMutex<BTreeSet<T>>>;

// https://github.com/golang/go/blob/master/test/chan/fifo.go
// Not scaled down: N = 10 buffered values and a daisy chain of 10 goroutines, as in Go (N = 3
// under exhaustive DFS).
mod fifo {
    use super::*;

    async fn asynch_fifo(n: i32) {
        let ch = Chan::named("asynch", n as usize);
        for i in 0..n {
            ch.send(i).await;
        }
        assert_eq!(ch.len(), n as usize, "all {n} sends buffered");
        for i in 0..n {
            assert_eq!(ch.recv().await, Some(i), "bad receive");
        }
    }

    /// Waits for its turn on `input`, takes one value from `ch`, which must be `val`, and passes
    /// the turn on.
    async fn chain(ch: Chan<i32>, val: i32, input: Chan<i32>, out: Chan<i32>) {
        assert!(input.recv().await.is_some());
        assert_eq!(
            ch.recv().await,
            Some(val),
            "chain#{val} got a value out of order"
        );
        out.send(1).await;
    }

    /// Threads a daisy chain of goroutines that read `ch` in turn: the unbuffered channel must
    /// deliver the values in the order they were sent.
    async fn synch_fifo(n: i32) {
        let ch = Chan::named("ch", 0);
        let start: Chan<i32> = Chan::named("link#0", 0);
        let mut input = start.clone();
        for i in 0..n {
            let out = Chan::named(format!("link#{}", i + 1), 0);
            spawn(
                format!("chain#{i}"),
                chain(ch.clone(), i, input, out.clone()),
            );
            input = out;
        }
        start.send(0).await;
        for i in 0..n {
            ch.send(i).await;
        }
        assert_eq!(
            input.recv().await,
            Some(1),
            "the last link passes the turn back"
        );
    }

    /// Go's N = `n`.
    fn program(n: i32) -> impl Fn() -> Instance {
        move || {
            Instance::new(async move {
                asynch_fifo(n).await;
                synch_fifo(n).await;
            })
        }
    }

    #[test]
    fn fifo() {
        Sim::new().run_main(program(10));
        // N = 10: 300 random and 100 PCT schedules. N = 3: unbounded DFS, every schedule.
        expect_random(&program(10), &Outcome::Pass, 300);
        expect_pct(&program(10), &Outcome::Pass, 100);
        assert_eq!(pass_every_schedule(&program(3), 1_000), 133);
    }
}

// https://github.com/golang/go/blob/master/test/chan/goroutines.go
// Scaled down: a chain of 100 goroutines instead of 10,000 (3 under exhaustive DFS).
mod goroutines {
    use super::*;

    /// `n` goroutines, each forwarding one value from its right link to its left (Go's
    /// `left <- <-right`), and one more that starts the value at the right end.
    fn program(n: usize) -> impl Fn() -> Instance {
        move || {
            Instance::new(async move {
                let leftmost: Chan<i32> = Chan::named("link#0", 0);
                let mut left = leftmost.clone();
                for i in 0..n {
                    let right = Chan::named(format!("link#{}", i + 1), 0);
                    let (l, r) = (left, right.clone());
                    spawn(format!("f#{i}"), async move {
                        let v = r.recv().await.expect("links are never closed");
                        l.send(v).await;
                    });
                    left = right;
                }
                spawn("start", async move { left.send(1).await });
                assert_eq!(leftmost.recv().await, Some(1));
            })
        }
    }

    #[test]
    fn goroutines() {
        // Pass also means the teardown was clean: every one of the goroutines exited.
        let run = Sim::new().run(&program(100), &Schedule::empty());
        assert!(run.outcome.is_pass(), "{}\n{}", run.outcome, run.trace);
        assert!(run.steps > 200, "every goroutine ran: {} steps", run.steps);
        // 100 goroutines: 200 random and 100 PCT schedules. 3 goroutines: unbounded DFS, every
        // schedule.
        expect_random(&program(100), &Outcome::Pass, 200);
        expect_pct(&program(100), &Outcome::Pass, 100);
        assert_eq!(pass_every_schedule(&program(3), 1_000), 191);
    }
}

// https://github.com/golang/go/blob/master/test/chan/nonblock.go
// Not scaled down in values (both buffer sizes, the four element types int32, int64, bool,
// string). Go's `sleep` reads a 10µs ticker twice and calls Gosched three times; here the ticker
// is virtual. maxTries stays 10,000, but the sim makes the count exact: time only advances when
// nothing can run, so one sleep always lets the partner goroutine park.
mod nonblock {
    use super::*;

    const MAX_TRIES: u32 = 10_000;

    async fn sleep(ticker: &Ticker) {
        assert!(ticker.c.recv().await.is_some());
        assert!(ticker.c.recv().await.is_some());
        yield_now().await;
        yield_now().await;
        yield_now().await;
    }

    /// One element type's two exchanges: a receiver goroutine that main reaches with
    /// non-blocking sends, and a sender goroutine that main reaches with non-blocking receives.
    /// Returns how many times each loop took its `default` case.
    async fn exchange<T>(
        c: &Chan<T>,
        sync: &Chan<bool>,
        ticker: &Ticker,
        label: &'static str,
        to_receiver: T,
        from_sender: T,
    ) -> (u32, u32)
    where
        T: Clone + PartialEq + Debug + Send + 'static,
    {
        let buffered = c.cap() > 0;
        {
            let (c, sync, want) = (c.clone(), sync.clone(), to_receiver.clone());
            spawn(format!("{label}receiver"), async move {
                assert_eq!(c.recv().await, Some(want), "{label} value");
                sync.send(true).await;
            });
        }
        let mut send_tries = 0;
        loop {
            match Select::new()
                .send(c, to_receiver.clone())
                .default()
                .wait()
                .await
            {
                Selected::Case(0, _) => break,
                Selected::Default => {
                    send_tries += 1;
                    assert!(
                        send_tries <= MAX_TRIES,
                        "{label}receiver buffer={}",
                        c.cap()
                    );
                    sleep(ticker).await;
                }
                other => panic!("{label}: unexpected {other:?}"),
            }
        }
        assert_eq!(sync.recv().await, Some(true));

        {
            let (c, sync, value) = (c.clone(), sync.clone(), from_sender.clone());
            spawn(format!("{label}sender"), async move {
                c.send(value).await;
                sync.send(true).await;
            });
        }
        if buffered {
            assert_eq!(sync.recv().await, Some(true));
        }
        let mut recv_tries = 0;
        let got = loop {
            match Select::new().recv(c).default().wait().await {
                Selected::Case(0, v) => break v.received::<T>(),
                Selected::Default => {
                    recv_tries += 1;
                    assert!(recv_tries <= MAX_TRIES, "{label}sender buffer={}", c.cap());
                    sleep(ticker).await;
                }
                other => panic!("{label}: unexpected {other:?}"),
            }
        };
        assert_eq!(got, Some(from_sender), "{label}sender value");
        if !buffered {
            assert_eq!(sync.recv().await, Some(true));
        }
        (send_tries, recv_tries)
    }

    async fn program() {
        let ticker = Ticker::new("ticker", Duration::from_micros(10));
        let sync = Chan::named("sync", 0);
        for buffer in 0..2 {
            let c32: Chan<i32> = Chan::named("c32", buffer);
            let c64: Chan<i64> = Chan::named("c64", buffer);
            let cb: Chan<bool> = Chan::named("cb", buffer);
            let cs: Chan<String> = Chan::named("cs", buffer);

            assert_eq!(c32.try_recv(), TryRecv::Empty, "blocked i32sender");
            assert_eq!(c64.try_recv(), TryRecv::Empty, "blocked i64sender");
            assert_eq!(cb.try_recv(), TryRecv::Empty, "blocked bsender");
            assert_eq!(cs.try_recv(), TryRecv::Empty, "blocked ssender");

            let tries = [
                exchange(&c32, &sync, &ticker, "i32", 123, 234).await,
                exchange(&c64, &sync, &ticker, "i64", 123_456, 234_567).await,
                exchange(&cb, &sync, &ticker, "b", true, true).await,
                exchange(
                    &cs,
                    &sync,
                    &ticker,
                    "s",
                    "hello".into(),
                    "hello again".into(),
                )
                .await,
            ];
            // Unbuffered: the partner was spawned but has not run at the first try, and
            // one sleep parks it. Buffered: the buffer (or the strobe) makes it ready.
            let each = if buffer == 0 { (1, 1) } else { (0, 0) };
            assert_eq!(tries, [each; 4], "default cases taken, buffer={buffer}");
        }
        // Dropping the ticker stops it, as the Go program's exit does.
    }

    #[test]
    fn nonblock() {
        Sim::new().run_main(program);
        // No schedule to explore: at every point where the sim could switch tasks, at most one
        // can run (main parks on the ticker or a strobe whenever its partner is runnable, and
        // the partner is parked whenever main yields). Unbounded DFS exhausts after exactly
        // one schedule, with no decision in it.
        assert_eq!(pass_every_schedule(&program, 10), 1);
        let run = Sim::new().run(&program, &Schedule::empty());
        assert!(run.decisions.is_empty(), "{:?}", run.decisions);
    }
}

// https://github.com/golang/go/blob/master/test/chan/sieve1.go
// Not scaled down: the first 25 primes (up to 97), as in Go (1 under exhaustive DFS).
mod sieve1 {
    use super::*;

    pub(crate) const PRIMES: [i64; 25] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97,
    ];

    async fn generate(ch: Chan<i64>) {
        let mut i = 2;
        loop {
            ch.send(i).await;
            i += 1;
        }
    }

    async fn filter(input: Chan<i64>, out: Chan<i64>, prime: i64) {
        while let Some(i) = input.recv().await {
            if i % prime != 0 {
                out.send(i).await;
            }
        }
    }

    async fn sieve(primes: Chan<i64>) {
        let mut ch = Chan::named("numbers", 0);
        spawn("generate", generate(ch.clone()));
        loop {
            let prime = ch.recv().await.expect("never closed");
            primes.send(prime).await;
            let ch1 = Chan::named(format!("filtered#{prime}"), 0);
            spawn(format!("filter#{prime}"), filter(ch, ch1.clone(), prime));
            ch = ch1;
        }
    }

    /// Main takes the first `k` primes (Go: all 25).
    fn program(k: usize) -> impl Fn() -> Instance {
        move || {
            Instance::new(async move {
                let primes = Chan::named("primes", 0);
                spawn("sieve", sieve(primes.clone()));
                for want in &PRIMES[..k] {
                    assert_eq!(primes.recv().await, Some(*want));
                }
            })
        }
    }

    /// Go's main returns with the pipeline running and the process exits. Here it runs on until
    /// every stage is parked on a send: the generator never stops, so no stage can be parked on
    /// a receive. The sieve holds the next prime (101 after 97) for `primes`; then the
    /// generator, and one filter per prime taken, in spawn order.
    fn expected(k: usize) -> Outcome {
        let mut parked = vec![
            blocked("sieve", "send on primes (cap 0)"),
            blocked("generate", "send on numbers (cap 0)"),
        ];
        for p in &PRIMES[..k] {
            let site = format!("send on filtered#{p} (cap 0)");
            parked.push(blocked(&format!("filter#{p}"), &site));
        }
        Outcome::Leak { blocked: parked }
    }

    #[test]
    fn sieve1() {
        let run = Sim::new().run(&program(25), &Schedule::empty());
        assert_eq!(run.outcome, expected(25), "\n{}", run.trace);
        // 25 primes: 100 random and 50 PCT schedules. Spawn order can vary with the schedule,
        // so from here on the parked tasks are compared as a set. 1 prime: unbounded DFS, every
        // schedule (2 primes already have 15,070).
        expect_random(&program(25), &expected(25), 100);
        expect_pct(&program(25), &expected(25), 50);
        let explored = expect_dfs(&program(1), &expected(1), None, 1_000);
        assert!(
            explored.exhausted && explored.schedules == 24,
            "{explored:?}"
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/sieve2.go
// Not scaled down: the first 25 primes, the same channel capacities (50, 10) and the growing
// ring buffer of `sendproxy` (a VecDeque here); the heap of peek channels is a BinaryHeap.
mod sieve2 {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};

    /// Odd numbers from 5.
    fn odds() -> Chan<i64> {
        let out = Chan::named("odds", 50);
        let tx = out.clone();
        spawn("odds", async move {
            let mut n = 5;
            loop {
                tx.send(n).await;
                n += 2;
            }
        });
        out
    }

    /// Odd multiples of `p`, from p*p.
    fn multiples(p: i64) -> Chan<i64> {
        let out = Chan::named(format!("multiples#{p}"), 10);
        let tx = out.clone();
        spawn(format!("multiples#{p}"), async move {
            let mut n = p * p;
            loop {
                tx.send(n).await;
                n += 2 * p;
            }
        });
        out
    }

    /// A channel that never blocks its sender for long: a goroutine moves what arrives into an
    /// expanding buffer and offers the oldest value to `out`, with the output case disabled (a
    /// nil channel) while the buffer is empty.
    fn sendproxy(out: Chan<i64>) -> Chan<i64> {
        let proxy = Chan::named("proxy", 10);
        let rx = proxy.clone();
        spawn("sendproxy", async move {
            let nil = Chan::nil();
            let mut buf: VecDeque<i64> = VecDeque::with_capacity(16);
            loop {
                let (target, e) = match buf.front() {
                    Some(&e) => (&out, e),
                    None => (&nil, 0),
                };
                match Select::new().recv(&rx).send(target, e).wait().await {
                    Selected::Case(0, v) => buf.push_back(v.received().expect("never closed")),
                    Selected::Case(1, _) => {
                        buf.pop_front();
                    }
                    other => panic!("sendproxy: unexpected {other:?}"),
                }
            }
        });
        proxy
    }

    /// The channel of primes.
    async fn sieve() -> Chan<i64> {
        let out = Chan::named("out", 10);
        out.send(2).await;
        out.send(3).await;
        let composites = Chan::named("composites", 50);
        let primes = Chan::named("primes", 10);
        primes.send(3).await;

        // Merge the multiples of each prime into `composites`, in increasing order.
        let (rx_primes, tx_composites) = (primes.clone(), composites.clone());
        spawn("merge", async move {
            // (head, id) ordered smallest first; `chans[id]` is the head's channel.
            let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
            let mut chans: Vec<Chan<i64>> = Vec::new();
            let mut min = 15;
            loop {
                let p = rx_primes.recv().await.expect("never closed");
                let m = multiples(p);
                let head = m.recv().await.expect("never closed");
                // Go's two loops in one: while `min < head` emit `min` and advance,
                // then while `min == head` advance without emitting.
                while min <= head {
                    if min < head {
                        tx_composites.send(min).await;
                    }
                    // Go: `minchan := heap.Pop(h); min = minchan.head;
                    // minchan.head = <-minchan.ch; heap.Push(h, minchan)`.
                    let Reverse((h, id)) = heap.pop().expect("heap is not empty");
                    min = h;
                    let next = chans[id].recv().await.expect("never closed");
                    heap.push(Reverse((next, id)));
                }
                tx_composites.send(head).await;
                let next = m.recv().await.expect("never closed");
                heap.push(Reverse((next, chans.len())));
                chans.push(m);
            }
        });

        // Sieve the composites out of the odd candidates.
        let tx_out = out.clone();
        spawn("sift", async move {
            let primes = sendproxy(primes);
            let candidates = odds();
            let mut p = candidates.recv().await.expect("never closed");
            loop {
                let c = composites.recv().await.expect("never closed");
                while p < c {
                    primes.send(p).await;
                    tx_out.send(p).await;
                    p = candidates.recv().await.expect("never closed");
                }
                if p == c {
                    p = candidates.recv().await.expect("never closed");
                }
            }
        });
        out
    }

    async fn program() {
        let primes = sieve().await;
        for want in super::sieve1::PRIMES {
            assert_eq!(primes.recv().await, Some(want));
        }
    }

    /// As in sieve1, Go's main returns with the goroutines running. Here they run on until
    /// `out` holds the next 10 primes and `sift`, holding the 11th (151), is parked on it. The
    /// merger has run ahead until `composites` is full (50): it stops before emitting 17² = 289,
    /// so it has pulled the primes 3 to 17 (one `multiples` goroutine each) but not 19. The proxy
    /// holds primes the merger has not asked for, so its output case is enabled (not nil).
    /// Every producer of an infinite stream is parked on its full buffer.
    fn expected() -> Outcome {
        let mut parked = vec![
            blocked("merge", "send on composites (cap 50)"),
            blocked("sift", "send on out (cap 10)"),
            blocked("multiples#3", "send on multiples#3 (cap 10)"),
            blocked("sendproxy", "select { recv proxy, send primes }"),
            blocked("odds", "send on odds (cap 50)"),
        ];
        for p in [5, 7, 11, 13, 17] {
            let name = format!("multiples#{p}");
            parked.push(blocked(&name, &format!("send on {name} (cap 10)")));
        }
        Outcome::Leak { blocked: parked }
    }

    #[test]
    fn sieve2() {
        let run = Sim::new().run(&program, &Schedule::empty());
        assert_eq!(run.outcome, expected(), "\n{}", run.trace);
        // 100 random and 50 PCT schedules, and the first 200 schedules of unbounded DFS (far
        // from all). Spawn order (merge's `multiples#3` before or after sift's `sendproxy`)
        // varies by schedule, so the parked tasks are compared as a set.
        expect_random(&program, &expected(), 100);
        expect_pct(&program, &expected(), 50);
        let explored = expect_dfs(&program, &expected(), None, 200);
        assert!(
            !explored.exhausted && explored.schedules == 200,
            "{explored:?}"
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/select.go
// Not scaled down.
mod select {
    use super::*;

    /// Go's `GetValue`: counts its calls (a select evaluates every send value on entry, in
    /// source order, whichever case then fires).
    fn get_value(counter: &mut u32, shift: u32) -> u32 {
        *counter += 1;
        1 << shift
    }

    /// Go's `Send`: sends to whichever of `a` and `b` is ready, disabling a channel (making it
    /// nil) once sent to, until neither is ready. Returns the sends made, in order.
    async fn send(
        mut a: Chan<u32>,
        mut b: Chan<u32>,
        counter: &mut u32,
        shift: &mut u32,
    ) -> Vec<&'static str> {
        let mut sent = Vec::new();
        loop {
            let (va, vb) = (get_value(counter, *shift), get_value(counter, *shift));
            match Select::new()
                .send(&a, va)
                .send(&b, vb)
                .default()
                .wait()
                .await
            {
                Selected::Case(0, _) => {
                    sent.push("a");
                    a = Chan::nil();
                }
                Selected::Case(1, _) => {
                    sent.push("b");
                    b = Chan::nil();
                }
                Selected::Default => break,
                other => panic!("unexpected {other:?}"),
            }
            *shift += 1;
        }
        sent
    }

    fn program(orders: Notes<Vec<&'static str>>) -> impl Fn() -> Instance {
        move || {
            let orders = orders.clone();
            Instance::new(async move {
                let (mut counter, mut shift) = (0, 0);
                let (a, b) = (Chan::named("a", 1), Chan::named("b", 1));
                let sent = send(a.clone(), b.clone(), &mut counter, &mut shift).await;
                assert_eq!(sent.len(), 2, "Send returned {} != 2", sent.len());
                let (av, bv) = (a.recv().await.unwrap(), b.recv().await.unwrap());
                assert_eq!(av | bv, 3, "bad values {av} {bv}");
                // The first send carried 1 << 0, the second 1 << 1.
                assert_eq!(if sent[0] == "a" { (av, bv) } else { (bv, av) }, (1, 2));
                let again = send(a, Chan::nil(), &mut counter, &mut shift).await;
                assert_eq!(again, ["a"], "Send returned {} != 1", again.len());
                assert_eq!(counter, 10, "counter is {counter} != 10");
                orders.lock().unwrap().insert(sent);
            })
        }
    }

    #[test]
    fn select() {
        let orders: Notes<Vec<&str>> = Default::default();
        let program = program(orders.clone());
        Sim::new().run_main(&program);
        // One goroutine; the only decision is which ready case the first select takes (Go
        // picks at random). Unbounded DFS exhausts exactly those 2 schedules.
        assert_eq!(pass_every_schedule(&program, 10), 2);
        let both = BTreeSet::from([vec!["a", "b"], vec!["b", "a"]]);
        assert_eq!(
            *orders.lock().unwrap(),
            both,
            "both cases fire first in some schedule"
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/select2.go
// Scaled down: 1,000 selects per round instead of 100,000 (100 under random and PCT
// exploration, 10 under exhaustive DFS). Go measures
// the heap after a second round; there is no allocator to read here, so the port keeps the shape
// and checks what leftover select state would show instead: after every round no select is
// still waiting on `dummy`, and a later round costs exactly as many sim steps as an earlier one.
mod select2 {
    use super::*;

    async fn sender(c: Chan<i32>, n: usize) {
        for _ in 0..n {
            c.send(1).await;
        }
    }

    async fn receiver(c: &Chan<i32>, dummy: &Chan<i32>, n: usize) {
        for _ in 0..n {
            match Select::new().recv(c).recv(dummy).wait().await {
                Selected::Case(0, v) => assert_eq!(v.received::<i32>(), Some(1)),
                Selected::Case(1, _) => panic!("dummy"),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn program(rounds: usize, n: usize) -> impl Fn() -> Instance {
        move || {
            Instance::new(async move {
                let c = Chan::named("c", 0);
                let dummy = Chan::named("dummy", 0);
                for round in 0..rounds {
                    spawn(format!("sender#{round}"), sender(c.clone(), n));
                    receiver(&c, &dummy, n).await;
                    // Every select withdrew its entry on `dummy`: no receiver is waiting there.
                    assert_eq!(dummy.try_send(7), Err(Full(7)), "round {round}");
                }
            })
        }
    }

    #[test]
    fn select2() {
        let steps = |rounds| {
            let run = Sim::new().run(&program(rounds, 1_000), &Schedule::empty());
            assert!(run.outcome.is_pass(), "{}\n{}", run.outcome, run.trace);
            run.steps
        };
        let (one, two, three) = (steps(1), steps(2), steps(3));
        assert!(two - one >= 1_000, "a round is at least one step per value");
        assert_eq!(
            three - two,
            two - one,
            "the third round costs what the second did"
        );
        // 2 rounds of 100: 200 random and 100 PCT schedules. 2 rounds of 10: unbounded DFS,
        // every schedule.
        expect_random(&program(2, 100), &Outcome::Pass, 200);
        expect_pct(&program(2, 100), &Outcome::Pass, 100);
        assert_eq!(pass_every_schedule(&program(2, 10), 1_000), 12);
    }
}

// https://github.com/golang/go/blob/master/test/chan/doubleselect.go
// Scaled down: 500 iterations instead of 100,000 (20 under random and PCT exploration, 2 under
// DFS).
// Go's receiver only rejects duplicates; the port also checks that every value arrived.
mod doubleselect {
    use super::*;

    /// Sends 0..n, each to whichever of the four channels a select picks, then closes them in
    /// the order Go's deferred closes run (last deferred first: c4, c3, c2, c1).
    async fn sender(n: i32, cs: [Chan<i32>; 4], fired: Notes<usize>) {
        for i in 0..n {
            let sel = Select::new().send(&cs[0], i).send(&cs[1], i);
            match sel.send(&cs[2], i).send(&cs[3], i).wait().await {
                Selected::Case(k, _) => {
                    fired.lock().unwrap().insert(k);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        for c in cs.iter().rev() {
            c.close();
        }
    }

    async fn mux(out: Chan<i32>, input: Chan<i32>, done: Chan<bool>) {
        while let Some(v) = input.recv().await {
            out.send(v).await;
        }
        done.send(true).await;
    }

    fn program(n: i32, fired: Notes<usize>) -> impl Fn() -> Instance {
        move || {
            let fired = fired.clone();
            Instance::new(async move {
                let cs: [Chan<i32>; 4] =
                    std::array::from_fn(|k| Chan::named(format!("c{}", k + 1), 0));
                let done = Chan::named("done", 0);
                let cmux = Chan::named("cmux", 0);
                spawn("sender", sender(n, cs.clone(), fired));
                for (k, c) in cs.iter().enumerate() {
                    let (cmux, c, done) = (cmux.clone(), c.clone(), done.clone());
                    spawn(format!("mux#{}", k + 1), mux(cmux, c, done));
                }
                let closer = cmux.clone();
                spawn("closer", async move {
                    for _ in 0..4 {
                        assert_eq!(done.recv().await, Some(true));
                    }
                    closer.close();
                });
                let mut seen = BTreeSet::new();
                while let Some(v) = cmux.recv().await {
                    assert!(seen.insert(v), "got duplicate value: {v}");
                }
                assert_eq!(seen, (0..n).collect(), "every value arrived once");
            })
        }
    }

    #[test]
    fn doubleselect() {
        let fired: Notes<usize> = Default::default();
        Sim::new().run_main(program(500, fired.clone()));
        // 20 iterations: 300 random and 200 PCT schedules. 2 iterations: the first 1,000
        // schedules of unbounded DFS (far from all: six goroutines that are often runnable
        // together).
        expect_random(&program(20, fired.clone()), &Outcome::Pass, 300);
        expect_pct(&program(20, fired.clone()), &Outcome::Pass, 200);
        let explored = expect_dfs(&program(2, fired.clone()), &Outcome::Pass, None, 1_000);
        assert_eq!(explored.schedules, 1_000, "{explored:?}");
        let all = BTreeSet::from([0, 1, 2, 3]);
        assert_eq!(
            *fired.lock().unwrap(),
            all,
            "each of the four cases fired in some run"
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/zerosize.go
// Not scaled down. Go only makes the four channels; the port also moves a value through each and
// closes it.
mod zerosize {
    use super::*;

    async fn exercise<T>(name: &'static str, cap: usize, v: T)
    where
        T: Copy + PartialEq + Debug + Send + 'static,
    {
        let c = Chan::named(name, cap);
        assert_eq!((c.cap(), c.len()), (cap, 0), "{name}");
        if cap > 0 {
            c.send(v).await;
            assert_eq!(c.len(), 1, "{name}");
        } else {
            let tx = c.clone();
            spawn(format!("{name}.sender"), async move { tx.send(v).await });
        }
        assert_eq!(c.recv().await, Some(v), "{name}");
        c.close();
        assert_eq!(c.recv().await, None, "{name}");
    }

    async fn program() {
        exercise("[0]byte", 0, [0u8; 0]).await;
        exercise("[0]byte", 1, [0u8; 0]).await;
        exercise("struct{}", 0, ()).await;
        exercise("struct{}", 1, ()).await;
    }

    #[test]
    fn zerosize() {
        Sim::new().run_main(program);
        // Never two tasks runnable at once: unbounded DFS has exactly one schedule.
        assert_eq!(pass_every_schedule(&program, 10), 1);
    }
}

// https://github.com/golang/go/blob/master/test/chan/select3.go
// Not scaled down. Go's testBlock races f against a 0.1s sleep; the sleep here is 100ms of
// virtual time, which only passes when nothing can run, so the race has one outcome in every
// schedule. Go reports on an unbuffered channel and the loser of the race leaks; here the report
// channel holds 2, so the only tasks parked at the end are the functions that block forever, and
// the test lists them. Each testPanic(always) is a run of its own whose verdict must be Go's
// panic; testPanic(never) is inline (a panic would fail the run).
mod select3 {
    use super::*;
    use hub_core::go::sleep;

    const ALWAYS: &str = "function did not";
    const NEVER: &str = "function did";

    /// Runs `f` as task `name`; asserts whether it blocks (`ALWAYS`) or returns (`NEVER`).
    async fn test_block<F>(signal: &'static str, name: &'static str, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let report = Chan::named(format!("{name}.report"), 2);
        let tx = report.clone();
        spawn(name, async move {
            f.await;
            tx.send(NEVER).await;
        });
        let tx = report.clone();
        spawn(format!("{name}.timer"), async move {
            sleep(Duration::from_millis(100)).await;
            tx.send(ALWAYS).await;
        });
        assert_eq!(report.recv().await, Some(signal), "{signal} block: {name}");
    }

    async fn program() {
        let nilch: Chan<i32> = Chan::nil();
        let closedch: Chan<i32> = Chan::named("closedch", 0);
        closedch.close();

        // Sending/receiving on a nil channel blocks.
        let c = nilch.clone();
        test_block(ALWAYS, "nil send", async move {
            c.send(7).await;
            unreachable!()
        })
        .await;
        let c = nilch.clone();
        test_block(ALWAYS, "nil recv", async move {
            let got = c.recv().await;
            unreachable!("{got:?}")
        })
        .await;

        // Sending/receiving on a nil channel inside a select is never selected.
        let sel = Select::new().send(&nilch, 7).default().wait().await;
        assert!(matches!(sel, Selected::Default), "{sel:?}");
        let sel = Select::new().recv(&nilch).default().wait().await;
        assert!(matches!(sel, Selected::Default), "{sel:?}");

        // Sending to a buffered channel with free space never blocks.
        test_block(NEVER, "buffered send", async {
            let ch = Chan::named("ch", 1);
            ch.send(7).await;
        })
        .await;

        // Receiving from a closed channel never blocks.
        let c = closedch.clone();
        test_block(NEVER, "closed recv", async move {
            for _ in 0..10 {
                assert_eq!(
                    c.recv().await,
                    None,
                    "expected 0, false from closed channel"
                );
            }
        })
        .await;

        // (Sending to a closed channel panics: see `sending_to_a_closed_channel_panics`.)

        // Receiving from a non-ready channel always blocks.
        test_block(ALWAYS, "recv non-ready", async {
            let ch: Chan<i32> = Chan::named("ch", 0);
            let got = ch.recv().await;
            unreachable!("{got:?}")
        })
        .await;

        // Empty selects always block.
        test_block(ALWAYS, "empty select", async {
            let sel = Select::new().wait().await;
            unreachable!("{sel:?}")
        })
        .await;

        // Selects with only nil channels always block.
        let c = nilch.clone();
        test_block(ALWAYS, "select nil recv", async move {
            let sel = Select::new().recv(&c).wait().await;
            unreachable!("{sel:?}")
        })
        .await;
        let c = nilch.clone();
        test_block(ALWAYS, "select nil send", async move {
            let sel = Select::new().send(&c, 7).wait().await;
            unreachable!("{sel:?}")
        })
        .await;
        let c = nilch.clone();
        test_block(ALWAYS, "select nil recv+send", async move {
            let sel = Select::new().recv(&c).send(&c, 7).wait().await;
            unreachable!("{sel:?}")
        })
        .await;

        // Selects with non-ready non-nil channels always block.
        test_block(ALWAYS, "select non-ready", async {
            let ch: Chan<i32> = Chan::named("ch", 0);
            let sel = Select::new().recv(&ch).wait().await;
            unreachable!("{sel:?}")
        })
        .await;

        // Selects with default cases don't block.
        test_block(NEVER, "select default", async {
            let sel = Select::new().default().wait().await;
            assert!(matches!(sel, Selected::Default), "{sel:?}");
        })
        .await;
        let c = nilch.clone();
        test_block(NEVER, "select nil recv default", async move {
            let sel = Select::new().recv(&c).default().wait().await;
            assert!(matches!(sel, Selected::Default), "{sel:?}");
        })
        .await;
        let c = nilch.clone();
        test_block(NEVER, "select nil send default", async move {
            let sel = Select::new().send(&c, 7).default().wait().await;
            assert!(matches!(sel, Selected::Default), "{sel:?}");
        })
        .await;

        // Selects with ready channels don't block.
        test_block(NEVER, "select ready send", async {
            let ch = Chan::named("ch", 1);
            let sel = Select::new().send(&ch, 7).default().wait().await;
            assert!(matches!(sel, Selected::Case(0, _)), "{sel:?}");
            assert_eq!(ch.try_recv(), TryRecv::Value(7));
        })
        .await;
        test_block(NEVER, "select ready recv", async {
            let ch = Chan::named("ch", 1);
            ch.send(7).await;
            match Select::new().recv(&ch).default().wait().await {
                Selected::Case(0, v) => assert_eq!(v.received::<i32>(), Some(7)),
                other => panic!("{other:?}"),
            }
        })
        .await;

        // Selects with closed channels behave like ordinary operations. (Go's three forms,
        // `<-c`, `x := <-c` and `x, ok := <-c`, differ only in syntax: one form here.)
        let c = closedch.clone();
        test_block(NEVER, "select closed recv", async move {
            match Select::new().recv(&c).wait().await {
                Selected::Case(0, v) => assert_eq!(v.received::<i32>(), None),
                other => panic!("{other:?}"),
            }
        })
        .await;

        // A select does not get confused if it sees itself: its send and its receive on
        // the same unbuffered channel never pair up.
        test_block(ALWAYS, "select itself", async {
            let c: Chan<i32> = Chan::named("c", 0);
            let sel = Select::new().send(&c, 1).recv(&c).wait().await;
            unreachable!("{sel:?}")
        })
        .await;
    }

    /// The functions that always block, each parked where it blocked, in spawn order.
    fn expected() -> Outcome {
        let parked = [
            ("nil send", "send on nil (cap 0)"),
            ("nil recv", "recv on nil (cap 0)"),
            ("recv non-ready", "recv on ch (cap 0)"),
            ("empty select", "select { }"),
            ("select nil recv", "select { recv nil }"),
            ("select nil send", "select { send nil }"),
            ("select nil recv+send", "select { recv nil, send nil }"),
            ("select non-ready", "select { recv ch }"),
            ("select itself", "select { send c, recv c }"),
        ];
        Outcome::Leak {
            blocked: parked.iter().map(|(t, s)| blocked(t, s)).collect(),
        }
    }

    #[test]
    fn select3() {
        let run = Sim::new().run(&program, &Schedule::empty());
        assert_eq!(run.outcome, expected(), "\n{}", run.trace);
        // Main waited out the 9 ALWAYS tests, 100ms each. A NEVER test's timer fires during
        // the next ALWAYS test, the last one's with the last ALWAYS test's own.
        assert_eq!(run.end, Duration::from_millis(900));
        // 100 random and 100 PCT schedules, and the first 500 schedules of DFS at preemption
        // bound 0 (far from all, even at that bound).
        expect_random(&program, &expected(), 100);
        expect_pct(&program, &expected(), 100);
        let explored = expect_dfs(&program, &expected(), Some(0), 500);
        assert_eq!(explored.schedules, 500, "{explored:?}");
    }

    fn assert_panics<P, F>(program: P, message: &str)
    where
        P: Fn() -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let run = Sim::new().run(&program, &Schedule::empty());
        let expected = Outcome::Panic {
            task: "main".to_string(),
            message: message.to_string(),
        };
        assert_eq!(run.outcome, expected, "\n{}", run.trace);
    }

    #[test]
    fn sending_to_a_closed_channel_panics() {
        assert_panics(
            || async {
                let closedch: Chan<i32> = Chan::named("closedch", 0);
                closedch.close();
                closedch.send(7).await;
            },
            "send on closed channel",
        );
        assert_panics(
            || async {
                let closedch: Chan<i32> = Chan::named("closedch", 0);
                closedch.close();
                let _ = Select::new().send(&closedch, 7).wait().await;
            },
            "send on closed channel",
        );
        // Not in select3, but the same rule: a default case does not save a send on a closed
        // channel.
        assert_panics(
            || async {
                let closedch: Chan<i32> = Chan::named("closedch", 1);
                closedch.close();
                let _ = closedch.try_send(7);
            },
            "send on closed channel",
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/select4.go
// Not scaled down.
mod select4 {
    use super::*;

    async fn program() {
        let c = Chan::named("c", 1);
        let c1: Chan<i32> = Chan::named("c1", 0);
        c.send(42).await;
        // Go: `case *f() = <-c1:` must not call f, since that case is not chosen; the
        // assignment happens in the arm, after the choice.
        let x_a = match Select::new().recv(&c1).recv(&c).wait().await {
            Selected::Case(0, _) => panic!("BUG: called f"),
            Selected::Case(1, v) => v.received::<i32>(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(x_a, Some(42), "BUG: {x_a:?}");
    }

    #[test]
    fn select4() {
        Sim::new().run_main(program);
        // One ready case, one goroutine: unbounded DFS has exactly one schedule.
        assert_eq!(pass_every_schedule(&program, 10), 1);
    }
}

// https://github.com/golang/go/blob/master/test/chan/select5.go
// Not scaled down in the combinations of cases: Go generates a program with one function per
// path through five templates (recv, send, recvOrder, sendOrder, nonblock); the port walks the
// same paths with the same enumerator and builds each select at run time. Go's five spellings
// of a receive's left-hand side (`x =`, `*f(&x) =`, `y :=`, interface, map) test its compiler
// and have no counterpart here: recv keeps one, recvOrder the two whose evaluation order it
// checks. Where `default:` sits in a Go select does not matter, and `Select` has no position
// for it, but both positions are still enumerated, as in Go.
mod select5 {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    /// Go's path enumerator: on successive passes, `choose(n)` answers 0, 1, ..., n-1.
    #[derive(Default)]
    struct Paths {
        choices: Vec<(usize, usize)>,
        cp: usize,
        started: bool,
        /// Go's `arg.def`: this path already has a default case.
        def: bool,
    }

    impl Paths {
        fn choose(&mut self, n: usize) -> usize {
            if self.cp >= self.choices.len() {
                self.choices.push((0, n));
                self.cp = self.choices.len();
                return 0;
            }
            let (i, m) = self.choices[self.cp];
            assert_eq!(m, n, "inconsistent choices");
            self.cp += 1;
            i
        }

        fn maybe(&mut self) -> bool {
            self.choose(2) == 0
        }

        fn maybe_default(&mut self) -> bool {
            if self.def {
                return false;
            }
            self.def = self.maybe();
            self.def
        }

        fn must_default(&self) -> bool {
            !self.def
        }

        /// Starts the next path; false once every path was taken.
        fn next(&mut self) -> bool {
            self.cp = 0;
            self.def = false;
            if !self.started {
                self.started = true;
                return true;
            }
            while let Some((i, n)) = self.choices.pop() {
                if i + 1 < n {
                    self.choices.push((i + 1, n));
                    return true;
                }
            }
            false
        }
    }

    /// The generated program's globals.
    struct Globals {
        c: Chan<i32>,
        dummy: Chan<i32>,
        nilch: Chan<i32>,
        n: i32,
        m: HashMap<i32, i32>,
        order: Cell<i32>,
    }

    impl Globals {
        /// Successive calls must have increasing `o`: evaluation happens in source order.
        fn checkorder(&self, o: i32) {
            assert!(
                o > self.order.get(),
                "invalid order {o} after {}",
                self.order.get()
            );
            self.order.set(o);
        }
        fn fc<'a>(&self, c: &'a Chan<i32>, o: i32) -> &'a Chan<i32> {
            self.checkorder(o);
            c
        }
        fn fn_(&self, n: i32, o: i32) -> i32 {
            self.checkorder(o);
            n
        }
        fn die(&self, x: i32) -> ! {
            panic!("have {x} want {}", self.n)
        }
    }

    /// The dummy (never ready) and nil (never ready) cases every template may add, in Go's
    /// order; `o` is the last checkorder number used before them (0: no order checks).
    fn extra_cases<'a>(
        p: &mut Paths,
        g: &'a Globals,
        mut sel: Select<'a>,
        labels: &mut Vec<&'static str>,
        o: i32,
    ) -> Select<'a> {
        let ord = |k: i32| o + 1 + k;
        let check = |c: &'a Chan<i32>, k: i32| if o == 0 { c } else { g.fc(c, ord(k)) };
        let value = |k: i32| if o == 0 { 1 } else { g.fn_(1, ord(k)) };
        if p.maybe() {
            let c = check(&g.dummy, 0);
            sel = sel.send(c, value(1));
            labels.push("dummy send");
        }
        if p.maybe() {
            sel = sel.recv(check(&g.dummy, 2));
            labels.push("dummy receive");
        }
        if p.maybe() {
            let c = check(&g.nilch, 3);
            sel = sel.send(c, value(4));
            labels.push("nilch send");
        }
        if p.maybe() {
            sel = sel.recv(check(&g.nilch, 5));
            labels.push("nilch recv");
        }
        sel
    }

    /// Waits on `sel`, which must fire case 0 (the real operation), and returns what it did.
    async fn only_case_0(sel: Select<'_>, labels: &[&str]) -> CaseValue {
        match sel.wait().await {
            Selected::Case(0, v) => v,
            Selected::Case(k, _) => panic!("{}", labels[k]),
            Selected::Default => panic!("nonblock"),
        }
    }

    /// Send n, receive it one way or another, check that they match.
    async fn recv(p: &mut Paths, g: &mut Globals) {
        g.c.send(g.n).await;
        let x = if p.maybe() {
            g.c.recv().await.expect("not closed")
        } else {
            let mut sel = Select::new();
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = sel.recv(&g.c);
            let mut labels = vec!["recv c"];
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = extra_cases(p, g, sel, &mut labels, 0);
            only_case_0(sel, &labels)
                .await
                .received::<i32>()
                .expect("not closed")
        };
        if x != g.n {
            g.die(x);
        }
        g.n += 1;
    }

    /// Send n one way or another, receive it, check that they match.
    async fn send(p: &mut Paths, g: &mut Globals) {
        if p.maybe() {
            g.c.send(g.n).await;
        } else {
            let mut sel = Select::new();
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = sel.send(&g.c, g.n);
            let mut labels = vec!["send c"];
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = extra_cases(p, g, sel, &mut labels, 0);
            only_case_0(sel, &labels).await;
        }
        let x = g.c.recv().await.expect("not closed");
        if x != g.n {
            g.die(x);
        }
        g.n += 1;
    }

    /// As `recv`, checking the order in which the operands are evaluated.
    async fn recv_order(p: &mut Paths, g: &mut Globals) {
        g.order.set(0);
        g.c.send(g.n).await;
        let x = if p.maybe() {
            // Outside a select, left to right: the destination, then the channel.
            let mut x = 0;
            let dest = {
                g.checkorder(1);
                &mut x
            };
            *dest = g.fc(&g.c, 2).recv().await.expect("not closed");
            x
        } else if p.maybe() {
            let key = g.fn_(13, 1);
            let v = g.fc(&g.c, 2).recv().await.expect("not closed");
            g.m.insert(key, v);
            g.m[&13]
        } else {
            let pointer_form = p.maybe();
            let mut sel = Select::new();
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = sel.recv(g.fc(&g.c, 1));
            let mut labels = vec!["recv c"];
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = extra_cases(p, g, sel, &mut labels, 1);
            let v = only_case_0(sel, &labels)
                .await
                .received::<i32>()
                .expect("not closed");
            // Inside a select the destination is evaluated only once the case is chosen.
            if pointer_form {
                g.checkorder(100);
                v
            } else {
                let key = g.fn_(13, 100);
                g.m.insert(key, v);
                g.m[&13]
            }
        };
        if x != g.n {
            g.die(x);
        }
        g.n += 1;
    }

    /// As `send`, checking the order in which the operands are evaluated.
    async fn send_order(p: &mut Paths, g: &mut Globals) {
        g.order.set(0);
        if p.maybe() {
            let c = g.fc(&g.c, 1);
            c.send(g.fn_(g.n, 2)).await;
        } else {
            let mut sel = Select::new();
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = sel.send(g.fc(&g.c, 1), g.fn_(g.n, 2));
            let mut labels = vec!["send c"];
            if p.maybe_default() {
                sel = sel.default();
            }
            sel = extra_cases(p, g, sel, &mut labels, 2);
            only_case_0(sel, &labels).await;
        }
        let x = g.c.recv().await.expect("not closed");
        if x != g.n {
            g.die(x);
        }
        g.n += 1;
    }

    /// Combinations of cases none of which is ready: the default must fire and no receive may
    /// touch its destination.
    async fn nonblock(p: &mut Paths, g: &mut Globals) {
        let mut x = g.n;
        let mut sel = Select::new();
        if p.maybe_default() {
            sel = sel.default();
        }
        let mut labels = Vec::new();
        let cases: [(&str, bool, &Chan<i32>); 8] = [
            ("dummy <- 1", true, &g.dummy),
            ("nilch <- 1", true, &g.nilch),
            ("<-dummy", false, &g.dummy),
            ("<-dummy x", false, &g.dummy),
            ("<-dummy (and didn't crash saving result!)", false, &g.dummy),
            ("<-nilch", false, &g.nilch),
            ("<-nilch x", false, &g.nilch),
            ("<-nilch (and didn't crash saving result!)", false, &g.nilch),
        ];
        for (label, is_send, c) in cases {
            if p.maybe() {
                sel = if is_send { sel.send(c, 1) } else { sel.recv(c) };
                labels.push(label);
            }
        }
        if p.must_default() {
            sel = sel.default();
        }
        match sel.wait().await {
            Selected::Default => {}
            Selected::Case(k, v) => {
                x = v.received::<i32>().unwrap_or(-1);
                panic!("{} (x = {x})", labels[k]);
            }
        }
        if x != g.n {
            g.die(x);
        }
        g.n += 1;
    }

    async fn program() {
        let mut g = Globals {
            // Buffered, so every test is single-goroutine, as in Go.
            c: Chan::named("c", 1),
            dummy: Chan::named("dummy", 0),
            nilch: Chan::nil(),
            n: 1,
            m: HashMap::new(),
            order: Cell::new(0),
        };
        let mut paths_taken = Vec::new();
        macro_rules! every_path {
            ($template:ident) => {{
                let mut p = Paths::default();
                let mut k = 0;
                while p.next() {
                    $template(&mut p, &mut g).await;
                    k += 1;
                }
                paths_taken.push(k);
            }};
        }
        every_path!(recv);
        every_path!(send);
        every_path!(recv_order);
        every_path!(send_order);
        every_path!(nonblock);
        // recv, send and sendOrder: a plain operation, or a select with a default before (2^4
        // sets of extra cases) or after or none (2 × 2^4): 1 + 16 + 32 = 49. recvOrder: two
        // plain forms, or a select in one of two forms: 2 + 2 × 48 = 98. nonblock: default
        // first or last, times 2^8 sets of cases: 512.
        assert_eq!(paths_taken, [49, 49, 98, 49, 512]);
        assert_eq!(g.n, 1 + 49 + 49 + 98 + 49 + 512);
    }

    #[test]
    fn select5() {
        Sim::new().run_main(program);
        // One goroutine, and no select ever has two ready cases: unbounded DFS has exactly one
        // schedule, with no decision in it.
        let run = Sim::new().run(&program, &Schedule::empty());
        assert!(run.decisions.is_empty(), "{:?}", run.decisions);
        assert_eq!(pass_every_schedule(&program, 10), 1);
    }
}

// https://github.com/golang/go/blob/master/test/chan/select6.go
// Not scaled down. (Go issue 2075: a select corrupted the wait queues of its losing cases.)
mod select6 {
    use super::*;

    async fn program() {
        let c1 = Chan::named("c1", 0);
        let c2 = Chan::named("c2", 0);
        let c3 = Chan::named("c3", 0);
        let c = c1.clone();
        spawn("waiter", async move {
            assert_eq!(c.recv().await, Some(true));
        });
        let (c, d, e) = (c1.clone(), c2.clone(), c3.clone());
        spawn("selector", async move {
            match Select::new().recv(&c).recv(&d).wait().await {
                Selected::Case(0, _) => panic!("dummy"),
                Selected::Case(1, v) => {
                    assert_eq!(v.received::<bool>(), Some(true));
                    e.send(true).await;
                }
                other => panic!("unexpected {other:?}"),
            }
            // The entry the select left on c1 must not hide this wait.
            assert_eq!(c.recv().await, Some(true));
        });
        let d = c2.clone();
        spawn("c2 sender", async move { d.send(true).await });
        assert_eq!(c3.recv().await, Some(true));
        c1.send(true).await;
        c1.send(true).await;
    }

    #[test]
    fn select6() {
        Sim::new().run_main(program);
        // Unbounded DFS, every schedule.
        assert_eq!(pass_every_schedule(&program, 1_000), 52);
    }
}

// https://github.com/golang/go/blob/master/test/chan/select7.go
// Not scaled down: the nine pairings of three ways to send and three ways to receive.
mod select7 {
    use super::*;

    /// recv1: a plain receive; recv2: a one-case select; recv3: a select with a second channel
    /// that never becomes ready. The value is discarded (the point of the Go test).
    async fn recv(kind: usize, c: Chan<i32>) {
        match kind {
            1 => drop(c.recv().await),
            2 => match Select::new().recv(&c).wait().await {
                Selected::Case(0, _) => {}
                other => panic!("recv2: {other:?}"),
            },
            _ => {
                let c2: Chan<i32> = Chan::named("c2", 0);
                match Select::new().recv(&c).recv(&c2).wait().await {
                    Selected::Case(0, _) => {}
                    other => panic!("recv3: {other:?}"),
                }
            }
        }
    }

    /// send1/send2/send3, mirroring the receives, with Go's `runtime.Gosched()` in between.
    async fn send(kind: usize, recv_kind: usize) {
        let c = Chan::named("c", 0);
        spawn(
            format!("send{kind}(recv{recv_kind})"),
            recv(recv_kind, c.clone()),
        );
        yield_now().await;
        match kind {
            1 => c.send(1).await,
            2 => match Select::new().send(&c, 1).wait().await {
                Selected::Case(0, _) => {}
                other => panic!("send2: {other:?}"),
            },
            _ => {
                let c2: Chan<i32> = Chan::named("c2", 0);
                match Select::new().send(&c, 1).send(&c2, 1).wait().await {
                    Selected::Case(0, _) => {}
                    other => panic!("send3: {other:?}"),
                }
            }
        }
    }

    async fn program() {
        for recv_kind in 1..=3 {
            for kind in 1..=3 {
                send(kind, recv_kind).await;
            }
        }
    }

    #[test]
    fn select7() {
        // Pass: every receiver got its value and exited.
        Sim::new().run_main(program);
        // 200 random and 100 PCT schedules; DFS at preemption bound 1 (a switch away from a
        // task at its Gosched), every schedule within it.
        expect_random(&program, &Outcome::Pass, 200);
        expect_pct(&program, &Outcome::Pass, 100);
        let explored = expect_dfs(&program, &Outcome::Pass, Some(1), 1_000);
        assert!(
            explored.exhausted && explored.schedules == 82,
            "{explored:?}"
        );
    }
}

// https://github.com/golang/go/blob/master/test/chan/select8.go
// Not scaled down. Go's point is `break` inside select cases (a gccgo bug), which has no
// counterpart here; the port keeps the four selects and checks which case each may take. The
// sender loops forever, so, as in Go, it is still parked on `ch` when main returns.
mod select8 {
    use super::*;

    fn program(taken: Notes<(usize, &'static str)>) -> impl Fn() -> Instance {
        move || {
            let taken = taken.clone();
            Instance::new(async move {
                let ch = Chan::named("ch", 0);
                let tx = ch.clone();
                spawn("sender", async move {
                    loop {
                        tx.send(5).await;
                    }
                });
                let note = |k: usize, sel: Selected| {
                    let what = match sel {
                        Selected::Case(0, v) => {
                            assert_eq!(v.received::<i32>(), Some(5));
                            "recv"
                        }
                        Selected::Default => "default",
                        other => panic!("select {k}: unreachable {other:?}"),
                    };
                    taken.lock().unwrap().insert((k, what));
                };
                note(1, Select::new().recv(&ch).wait().await);
                note(2, Select::new().default().wait().await);
                note(3, Select::new().recv(&ch).default().wait().await);
                note(
                    4,
                    Select::new().recv(&ch).send(&ch, 10).default().wait().await,
                );
            })
        }
    }

    #[test]
    fn select8() {
        let taken: Notes<(usize, &str)> = Default::default();
        let program = program(taken.clone());
        let expected = Outcome::Leak {
            blocked: vec![blocked("sender", "send on ch (cap 0)")],
        };
        // Never two tasks runnable at once: unbounded DFS has exactly one schedule.
        let explored = expect_dfs(&program, &expected, None, 10);
        assert!(
            explored.exhausted && explored.schedules == 1,
            "{explored:?}"
        );
        // Select 1 blocks until the sender comes; select 2 has only its default; select 4's
        // send case never fires (nobody but main receives). Go also lets select 3 take its
        // default and select 4 receive, if the sender is slow to come back to its send. The sim
        // never switches tasks after an operation that completed without parking, so the
        // sender's next send parks in the same step as the previous one completes: select 3
        // always finds it, and select 4, in the same step of main, never does.
        let sim_takes = BTreeSet::from([(1, "recv"), (2, "default"), (3, "recv"), (4, "default")]);
        assert_eq!(*taken.lock().unwrap(), sim_takes);
    }
}

// https://github.com/golang/go/blob/master/test/chan/sendstmt.go
// Not scaled down. Only `chanchan`: `sendprec` checks how Go parses `c <- false || true`,
// which has no counterpart here.
mod sendstmt {
    use super::*;

    async fn program() {
        let cc: Chan<Chan<i32>> = Chan::named("cc", 1);
        let c = Chan::named("c", 1);
        cc.send(c.clone()).await;
        // Go: `case <-cc <- 2:`. The channel operand (a receive from cc) is evaluated on
        // entering the select.
        let target = cc.recv().await.expect("not closed");
        match Select::new().send(&target, 2).default().wait().await {
            Selected::Case(0, _) => {}
            Selected::Default => panic!("nonblock"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(c.recv().await, Some(2), "bad receive");
    }

    #[test]
    fn sendstmt() {
        Sim::new().run_main(program);
        assert_eq!(pass_every_schedule(&program, 10), 1);
    }
}
