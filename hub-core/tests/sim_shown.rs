//! What issue #2 asks the foundation to show, each as a test that fails if it is not so.
#![cfg(not(any(loom, shuttle)))]

use hub_core::go::{Chan, WaitGroup};
use hub_core::rt::{self, spawn, yield_now};
use hub_core::sim::{Outcome, Schedule, Sim, Strategy, Token};
use std::time::Duration;

use hub_core::sim::demo::{check_then_close, guarded_close};

fn close_panic(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Panic { message, .. } if message == "close of closed channel")
}

#[test]
fn check_then_close_race_is_found_by_random_exploration() {
    let sim = Sim::new();
    let found = sim.explore(&check_then_close, Strategy::Random { seed: 1 }, 1_000);
    let failure = found
        .failure
        .expect("random exploration finds the double close");
    assert!(close_panic(&failure.run.outcome), "{}", failure.run.outcome);
}

#[test]
fn check_then_close_race_is_found_by_dfs_at_preemption_bound_1() {
    let sim = Sim::new();
    let found = sim.explore(
        &check_then_close,
        Strategy::Dfs {
            preemption_bound: Some(1),
        },
        1_000,
    );
    let failure = found
        .failure
        .expect("dfs at bound 1 finds the double close");
    assert!(close_panic(&failure.run.outcome), "{}", failure.run.outcome);
    let minimal = sim.shrink(&check_then_close, &failure.run);
    assert!(close_panic(&minimal.outcome));
    assert_eq!(
        hub_core::sim::preemptions(&minimal.decisions),
        1,
        "one preemption is enough"
    );
}

#[test]
fn check_then_close_race_is_not_found_without_preemptions() {
    let sim = Sim::new();
    let found = sim.explore(
        &check_then_close,
        Strategy::Dfs {
            preemption_bound: Some(0),
        },
        1_000,
    );
    assert!(
        found.exhausted && found.failure.is_none(),
        "{:?}",
        found.failure.map(|f| f.run.outcome)
    );
}

#[test]
fn guarded_close_passes_dfs_exhaustively_at_bound_2() {
    let sim = Sim::new();
    let found = sim.explore(
        &guarded_close,
        Strategy::Dfs {
            preemption_bound: Some(2),
        },
        100_000,
    );
    assert!(
        found.failure.is_none(),
        "{}",
        found.failure.unwrap().run.outcome
    );
    assert!(found.exhausted, "bound 2 is exhausted");
    // The whole space, derived by hand: main spawns both and exits; either closer goes first
    // (2); it takes the lock and yields, where it either goes on (no preemption) or is
    // preempted by the other, which then parks on the lock (2). Nothing else can interleave:
    // 2 × 2 = 4. The same 4 without a bound: bound 2 is not cutting anything here.
    assert_eq!(
        found.schedules, 4,
        "schedules explored at preemption bound 2"
    );
    let unbounded = sim.explore(
        &guarded_close,
        Strategy::Dfs {
            preemption_bound: None,
        },
        100_000,
    );
    assert!(unbounded.exhausted && unbounded.failure.is_none());
    assert_eq!(unbounded.schedules, 4);
}

/// Main spawns A and B, each with two awaits (three atomic segments), and waits for both.
async fn two_tasks_two_awaits() {
    let wg = WaitGroup::named("wg");
    for name in ["A", "B"] {
        wg.add(1);
        let wg = wg.clone();
        spawn(name, async move {
            hub_core::model_event!("{name}1");
            yield_now().await;
            hub_core::model_event!("{name}2");
            yield_now().await;
            hub_core::model_event!("{name}3");
            wg.done();
        });
    }
    wg.wait().await;
}

/// The order in which A's and B's segments ran, e.g. "A1 B1 A2 ...".
fn segment_order(trace: &hub_core::sim::Trace) -> String {
    let segments: Vec<&str> = trace
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .filter(|t| t.len() == 2 && (t.starts_with('A') || t.starts_with('B')))
        .collect();
    segments.join(" ")
}

/// The schedules DFS visits, recovered by following its enumeration order.
fn all_dfs_schedules(sim: &Sim, bound: Option<u32>) -> Vec<Schedule> {
    let mut out = Vec::new();
    let mut prefix = Schedule::empty();
    loop {
        let run = sim.run(&two_tasks_two_awaits, &prefix);
        out.push(run.schedule.clone());
        match hub_core::sim::next_schedule(&run.decisions, bound) {
            Some(next) => prefix = next,
            None => return out,
        }
    }
}

#[test]
fn dfs_enumerates_exactly_the_interleavings_of_two_tasks_with_two_awaits() {
    // Interleavings of two sequences of 3 segments: C(6,3) = 20. With at most one preemption:
    // run one task whole then the other (2), or preempt the first after 1 or 2 segments, run
    // the other whole, finish the first (2 × 2): 6. With none: 2.
    for (bound, expected) in [(None, 20), (Some(1), 6), (Some(0), 2)] {
        let sim = Sim::new();
        let found = sim.explore(
            &two_tasks_two_awaits,
            Strategy::Dfs {
                preemption_bound: bound,
            },
            1_000,
        );
        assert!(found.exhausted && found.failure.is_none());
        assert_eq!(found.schedules, expected, "bound {bound:?}");
        // Every schedule DFS ran is a distinct interleaving.
        let orders: std::collections::BTreeSet<String> = all_dfs_schedules(&sim, bound)
            .iter()
            .map(|s| segment_order(&sim.run(&two_tasks_two_awaits, s).trace))
            .collect();
        assert_eq!(
            orders.len(),
            expected as usize,
            "distinct interleavings at bound {bound:?}"
        );
        assert!(orders.contains("A1 A2 A3 B1 B2 B3") && orders.contains("B1 B2 B3 A1 A2 A3"));
    }
}

/// 17 senders on a cap-16 channel nobody reads (seed 004's shape).
fn seventeen_senders(main_waits: bool) -> impl Fn() -> hub_core::sim::Instance {
    move || {
        hub_core::sim::Instance::new(async move {
            let unregister: Chan<usize> = Chan::named("unregister", 16);
            let wg = WaitGroup::named("clients");
            for i in 1..=17 {
                let (unregister, wg) = (unregister.clone(), wg.clone());
                wg.add(1);
                spawn(format!("client#{i}"), async move {
                    unregister.send(i).await;
                    wg.done();
                });
            }
            if main_waits {
                wg.wait().await;
            }
        })
    }
}

#[test]
fn seventeen_senders_into_cap_16_leak_exactly_one_task() {
    let run = Sim::new().run(&seventeen_senders(false), &Schedule::empty());
    match &run.outcome {
        Outcome::Leak { blocked } => {
            assert_eq!(blocked.len(), 1, "{}", run.outcome);
            assert_eq!(blocked[0].task, "client#17");
            assert_eq!(blocked[0].site, "send on unregister (cap 16)");
        }
        other => panic!("expected a leak, got {other}"),
    }
    assert_eq!(
        run.outcome.to_string(),
        "leak (1 task parked forever): client#17: send on unregister (cap 16)"
    );
}

#[test]
fn seventeen_senders_with_main_waiting_deadlock() {
    let run = Sim::new().run(&seventeen_senders(true), &Schedule::empty());
    match &run.outcome {
        Outcome::Deadlock { blocked } => {
            let described: Vec<String> = blocked.iter().map(|b| b.to_string()).collect();
            assert_eq!(
                described,
                [
                    "main: wait on clients",
                    "client#17: send on unregister (cap 16)"
                ]
            );
        }
        other => panic!("expected a deadlock, got {other}"),
    }
}

#[test]
fn every_random_schedule_of_seventeen_senders_leaks_exactly_one() {
    let sim = Sim::new();
    for seed in 0..20 {
        let found = sim.explore(&seventeen_senders(false), Strategy::Random { seed }, 1);
        let run = found.failure.expect("every schedule leaks").run;
        assert!(
            matches!(&run.outcome, Outcome::Leak { blocked } if blocked.len() == 1
                && blocked[0].site == "send on unregister (cap 16)"),
            "{}",
            run.outcome
        );
    }
}

#[test]
fn an_hour_of_virtual_sleep_takes_no_real_time_and_reads_1h() {
    let program = || async {
        let wg = WaitGroup::named("sleepers");
        wg.add(1);
        let done = wg.clone();
        spawn("sleeper", async move {
            hub_core::go::sleep(Duration::from_secs(3600)).await;
            hub_core::model_event!("woke at {}", hub_core::sim::fmt_time(rt::now()));
            done.done();
        });
        wg.wait().await;
    };
    let run = Sim::new().run(&program, &Schedule::empty());
    assert!(run.outcome.is_pass(), "{}", run.outcome);
    assert_eq!(run.end, Duration::from_secs(3600));
    let woke = run
        .trace
        .lines
        .iter()
        .find(|l| l.text.starts_with("woke"))
        .unwrap();
    assert_eq!(woke.text, "woke at 1h");
    assert_eq!(hub_core::sim::fmt_time(woke.time), "1h");
    assert!(woke.to_string().contains("      1h  sleeper"), "{woke}");
    // No timing assertion (house rule: the bench measures speed). The sim never reads a
    // clock, so the hour is one jump of the virtual clock.
}

#[test]
fn token_round_trip_replays_byte_identical_traces_100_times() {
    let sim = Sim::new();
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..100 {
        // A random run of the racy program, recorded.
        let quiet = sim.explore(&check_then_close, Strategy::Random { seed }, 1);
        let schedule = match quiet.failure {
            Some(f) => f.run.schedule,
            None => {
                let pass = sim.explore(&two_tasks_two_awaits, Strategy::Random { seed }, 1);
                assert!(pass.failure.is_none());
                Schedule::empty()
            }
        };
        let original = sim.run(&check_then_close, &schedule);
        let token = Token::new("check-then-close", "buggy", original.schedule.clone()).to_string();
        let decoded = Token::parse(&token).expect("own token decodes");
        assert_eq!(decoded.scenario, "check-then-close");
        assert_eq!(decoded.variant, "buggy");
        assert_eq!(decoded.schedule, original.schedule);
        let replayed = sim.run(&check_then_close, &decoded.schedule);
        assert_eq!(
            replayed.trace.to_string(),
            original.trace.to_string(),
            "token {token}"
        );
        assert_eq!(replayed.outcome, original.outcome);
        distinct.insert(token);
    }
    assert!(distinct.len() > 1, "random seeds gave different schedules");
}

#[test]
fn the_double_close_timeline_reads_like_the_seeds() {
    let sim = Sim::new();
    let found = sim.explore(
        &check_then_close,
        Strategy::Dfs {
            preemption_bound: Some(1),
        },
        100,
    );
    let minimal = sim.shrink(&check_then_close, &found.failure.unwrap().run);
    let token = Token::new("check-then-close", "buggy", minimal.schedule.clone());
    let expected = "\
step      time  task               event
   1        0s  main               go hub.unregister
   1        0s  main               go router.unregister
   1        0s  main               exit
   2        0s  hub.unregister     yield
   3        0s  router.unregister  yield
   4        0s  router.unregister  close client.send
   4        0s  router.unregister  exit
   5        0s  hub.unregister     close client.send
   5        0s  hub.unregister     panic: close of closed channel
   5        0s  sim                verdict: panic in hub.unregister: close of closed channel
";
    assert_eq!(minimal.trace.to_string(), expected, "token {token}");
    // One preemption (hub.unregister switched out after its check) is the whole story.
    assert_eq!(minimal.schedule.non_default(), 1);
}

#[test]
fn malformed_tokens_say_what_is_wrong() {
    let good = Token::new(
        "double-close-router",
        "buggy",
        Schedule::new(vec![0, 0, 1, 0, 2]),
    );
    let text = good.to_string();
    assert_eq!(Token::parse(&text).unwrap(), good);
    let cases = [
        ("", "token must start with `hr1:`"),
        ("hr2:x:y:aa", "token must start with `hr1:` (found `hr2`)"),
        ("hr1:x:y", "token has 3 `:`-separated fields, expected 4"),
        (
            "hr1:X:y:aa",
            "token scenario `X` is empty or has characters",
        ),
        ("hr1:x::aa", "token variant `` is empty"),
        (
            "hr1:x:y:a1",
            "token schedule has `1` at position 1; allowed: a-z and 2-7",
        ),
        ("hr1:x:y:", "token schedule is truncated"),
    ];
    for (token, expected) in cases {
        let err = Token::parse(token).expect_err(token).to_string();
        assert!(err.starts_with(expected), "{token:?}: {err}");
    }
    // One character changed in the schedule part: the checksum catches it.
    let mut altered = text.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'a' { 'b' } else { 'a' });
    let err = Token::parse(&altered)
        .expect_err("altered token")
        .to_string();
    assert!(
        err.contains("checksum") || err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn sleep_sets_collapse_interleavings_of_independent_steps() {
    // A and B share only the WaitGroup, touched by their last steps: of the 20 interleavings
    // there are exactly two classes (A's `done` first, or B's).
    let sim = Sim::new();
    let mut orders = Vec::new();
    let found = sim.explore_each(
        &two_tasks_two_awaits,
        Strategy::DfsSleep {
            preemption_bound: None,
        },
        1_000,
        &mut |_, run| {
            orders.push(
                sim.run(&two_tasks_two_awaits, &run.schedule)
                    .trace
                    .to_string(),
            );
            true
        },
    );
    assert!(found.exhausted && found.failure.is_none());
    let orders: Vec<String> = orders
        .iter()
        .map(|t| {
            let run_trace = t
                .lines()
                .filter(|l| l.ends_with('1') || l.ends_with('2') || l.ends_with('3'));
            run_trace
                .map(|l| l.split_whitespace().last().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(found.schedules, 2, "{orders:#?}");
}

#[test]
fn sleep_sets_still_find_the_double_close_and_prove_the_guarded_close() {
    let sim = Sim::new();
    let all = Strategy::DfsSleep {
        preemption_bound: None,
    };
    let racy = sim.explore(&check_then_close, all, 1_000);
    assert!(close_panic(&racy.failure.expect("found").run.outcome));
    let guarded = sim.explore(&guarded_close, all, 1_000);
    assert!(guarded.exhausted && guarded.failure.is_none());
    assert!(
        guarded.schedules <= 4,
        "never more than plain DFS: {}",
        guarded.schedules
    );
}

#[test]
fn recorded_traces_do_not_depend_on_other_threads() {
    // Regression: the timeline once went through a `tracing` layer, and tracing's process-wide
    // callsite cache dropped events first emitted on a thread that was not recording.
    let sim = Sim::new();
    let expected = sim
        .run(&check_then_close, &Schedule::new(vec![0, 1]))
        .trace
        .to_string();
    let busy = std::thread::spawn(|| {
        let mut quiet = hub_core::sim::Config::default();
        quiet.record = false;
        let sim = Sim::with_config(quiet);
        for seed in 0..200 {
            let _ = sim.explore(&guarded_close, Strategy::Random { seed }, 10);
        }
    });
    for _ in 0..200 {
        let again = sim.run(&check_then_close, &Schedule::new(vec![0, 1]));
        assert_eq!(again.trace.to_string(), expected);
    }
    busy.join().unwrap();
}
