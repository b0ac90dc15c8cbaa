//! The tokio engine's verdicts, clock and seeded choices, on small programs whose outcome is
//! known exactly. The hub and catalog programs on tokio are tested in `scenarios`.
#![cfg(all(feature = "tokio", not(loom)))]

use hub_core::go::{sleep, Chan, Select, Selected, Ticker};
use hub_core::invariant::violated;
use hub_core::rt::tokio::{run_multi_thread, run_paused, Config, Report};
use hub_core::rt::{self, spawn};
use hub_core::sim::{Blocked, Outcome};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn blocked(task: &str, site: &str) -> Blocked {
    Blocked {
        task: task.to_string(),
        site: site.to_string(),
    }
}

/// Seed 000's shape: two closers of one channel; the second panics with Go's text, and the
/// run stops there (main's sleep never ends).
#[test]
fn panic_names_the_task_and_gos_text() {
    for run in [run_paused, run_multi_thread] {
        let report = run(&Config::default(), async {
            let send: Chan<()> = Chan::named("client#1.send", 1);
            let first = send.clone();
            spawn("hub.unregisterClient", async move { first.close() });
            sleep(Duration::from_millis(10)).await; // real time on the multi-thread runtime
            spawn("router.UnregisterClient", async move { send.close() });
            sleep(secs(3600)).await;
        });
        assert_eq!(
            report.outcome,
            Outcome::Panic {
                task: "router.UnregisterClient".into(),
                message: "close of closed channel".into()
            }
        );
    }
}

#[test]
fn invariant_panic_is_an_invariant_verdict() {
    let report = run_paused(&Config::default(), async {
        sleep(secs(60)).await;
        violated("healthy-peer-open", "conn#1 closed by the server at 1m");
    });
    assert_eq!(
        report.outcome.to_string(),
        "invariant healthy-peer-open: conn#1 closed by the server at 1m"
    );
    assert_eq!(report.end, secs(60));
}

/// Main waits on a channel nobody sends on. On a paused clock nothing is pending, so the
/// clock jumps straight to the time bound: a deadlock found in no real time.
#[test]
fn deadlock_on_a_paused_clock_is_found_at_the_time_bound() {
    let mut config = Config::default();
    config.max_virtual_time = secs(3600);
    let report = run_paused(&config, async {
        let register: Chan<u32> = Chan::named("register", 0);
        let _ = register.recv().await;
    });
    assert_eq!(
        report.outcome,
        Outcome::Deadlock {
            blocked: vec![blocked("main", "recv on register (cap 0)")]
        }
    );
    assert_eq!(report.end, secs(3600));
}

/// On a real clock, as soon as nothing runs and no timer is pending.
#[test]
fn deadlock_on_a_multi_thread_runtime_is_found_by_quiescence() {
    let report = run_multi_thread(&Config::default(), async {
        let register: Chan<u32> = Chan::named("register", 0);
        let tx = register.clone();
        spawn("conn#1.handler", async move { tx.send(1).await });
        let unregister: Chan<u32> = Chan::named("unregister", 0);
        let _ = unregister.recv().await;
        drop(register);
    });
    assert_eq!(
        report.outcome,
        Outcome::Deadlock {
            blocked: vec![
                blocked("conn#1.handler", "send on register (cap 0)"),
                blocked("main", "recv on unregister (cap 0)"),
            ]
        }
    );
    assert!(report.end < secs(60), "found long before the time bound");
}

/// A ticker keeps a timer pending, so reaching the bound is a step limit, not a deadlock.
#[test]
fn time_bound_with_a_timer_pending_is_a_step_limit() {
    let mut config = Config::default();
    config.max_virtual_time = secs(3600);
    let report = run_paused(&config, async {
        let ticker = Ticker::new("client#1.ping", secs(30));
        let never: Chan<()> = Chan::named("never", 0);
        let _ = Select::new().recv(&never).recv(&never).wait().await;
        drop(ticker);
    });
    match &report.outcome {
        Outcome::StepLimit { at, reason, .. } => {
            assert_eq!(reason, "virtual time bound 1h");
            assert_eq!(*at, secs(3600));
        }
        other => panic!("{other}"),
    }
}

/// A task that is always runnable never lets a paused clock move: the poll bound ends it.
#[test]
fn livelock_is_ended_by_the_poll_bound() {
    let mut config = Config::default();
    config.max_polls = 1000;
    let report = run_paused(&config, async {
        loop {
            rt::yield_now().await;
        }
    });
    assert_eq!(
        report.outcome,
        Outcome::StepLimit {
            steps: 1000,
            at: Duration::ZERO,
            reason: "1000 polls".into()
        }
    );
}

/// Tasks parked after main returns are leaked, listed in natural order with their sites.
#[test]
fn leak_lists_parked_tasks_in_natural_order() {
    for run in [run_paused, run_multi_thread] {
        let report = run(&Config::default(), async {
            let unregister: Chan<u32> = Chan::named("unregister", 1);
            for n in [10, 9, 11] {
                let tx = unregister.clone();
                spawn(format!("conn#{n}.handler"), async move { tx.send(n).await });
            }
            sleep(Duration::from_millis(10)).await;
        });
        let Outcome::Leak { blocked: leaked } = &report.outcome else {
            panic!("{}", report.outcome)
        };
        // One of the three fit in the buffer; which one depends on the runtime's order.
        assert_eq!(leaked.len(), 2, "{report}");
        assert_eq!(leaked, &report.parked);
        let names: Vec<&str> = leaked.iter().map(|b| b.task.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| {
            n.trim_start_matches("conn#")
                .split('.')
                .next()
                .unwrap()
                .parse::<u32>()
                .unwrap()
        });
        assert_eq!(names, sorted);
        assert!(leaked
            .iter()
            .all(|b| b.site == "send on unregister (cap 1)"));
        assert_eq!(
            report.parked_summary(),
            "2 tasks parked: 2 on send on unregister (cap 1)"
        );
    }
}

/// The leak grace is virtual time: a task that finishes 999 ms after main is not leaked, one
/// that needs 1001 ms is, and either verdict costs no real time.
#[test]
fn leak_grace_is_virtual_time() {
    let late = |ms: u64| async move {
        spawn("hub.offline(user 1)", async move {
            sleep(Duration::from_millis(ms)).await;
        });
    };
    assert_eq!(
        run_paused(&Config::default(), late(999)).outcome,
        Outcome::Pass
    );
    assert_eq!(
        run_paused(&Config::default(), late(1001))
            .outcome
            .to_string(),
        "leak (1 task parked forever): hub.offline(user 1): sleep until 1.001s"
    );
}

/// Go's ticker on tokio's paused clock: ticks at exact multiples of the period.
#[test]
fn ticker_ticks_on_the_virtual_clock() {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let seen = ticks.clone();
    let report = run_paused(&Config::default(), async move {
        let ticker = Ticker::new("client#1.ping", secs(30));
        for _ in 0..50 {
            let t = ticker.c.recv().await.expect("ticker channels stay open");
            seen.lock().unwrap().push((t, rt::now()));
        }
    });
    assert_eq!(report.outcome, Outcome::Pass);
    let expected: Vec<(Duration, Duration)> =
        (1..=50).map(|k| (secs(30 * k), secs(30 * k))).collect();
    assert_eq!(*ticks.lock().unwrap(), expected);
    assert_eq!(report.end, secs(25 * 60));
}

/// Which ready select case fires is the engine's seeded pick: the same seed gives the same
/// picks (and the same report), other seeds other picks.
#[test]
fn select_picks_follow_the_seed() {
    let picks = |seed: u64| -> (Vec<usize>, Report) {
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let report = run_paused(&Config::default().with_seed(seed), async move {
            let a: Chan<()> = Chan::named("a", 1);
            let b: Chan<()> = Chan::named("b", 1);
            for _ in 0..32 {
                let _ = a.try_send(());
                let _ = b.try_send(());
                let picked = match Select::new().recv(&a).recv(&b).wait().await {
                    Selected::Case(k, _) => k,
                    Selected::Default => unreachable!("no default case"),
                };
                sink.lock().unwrap().push(picked);
            }
        });
        let picks = out.lock().unwrap().clone();
        (picks, report)
    };
    let (first, report1) = picks(7);
    let (again, report2) = picks(7);
    assert_eq!(first, again);
    assert_eq!(report1, report2);
    assert!(first.contains(&0) && first.contains(&1), "{first:?}");
    assert_ne!(first, picks(8).0);
}
