//! Stateful DFS (`Strategy::DfsCached`: sleep sets, state caching, persistent steps) against
//! plain sleep-set DFS on generated programs, where both finish: the same set of outcomes.
//!
//! The programs are small and adversarial for the reductions: tasks lock a few shared cells,
//! branch on what they read, and in one branch touch a different cell. So which objects a
//! step touches depends on the interleaving, and states reached by different schedules
//! coincide often (cells are digested by content), which is what stops runs at cached states.
//! An outcome is every cell's final value and what every task read, in order.
//!
//! The catalog's own comparison is `scenarios/tests/state_cache.rs`; this one also catches
//! a stateful DFS that forgets what was explored beyond a cached state (checked by hand:
//! dropping those summaries makes it fail).

#![cfg(not(any(loom, shuttle)))]

use hub_core::rt;
use hub_core::sim::{Config, Instance, Rng, Sim, Strategy};
use hub_core::sync::{Arc, HashedMutex};
use std::collections::BTreeSet;
use std::sync::Mutex as HostMutex;

const CELLS: usize = 3;
const PROGRAMS: u64 = 400;

/// One step: lock `cell` and read it; if it holds `expect`, write `then` there, else lock
/// `other` and write `otherwise` there. A `read_only` step only reads.
#[derive(Clone, Copy, Debug)]
struct Step {
    cell: usize,
    read_only: bool,
    expect: u8,
    then: u8,
    other: usize,
    otherwise: u8,
}

type Program = Vec<Vec<Step>>;

fn generate(seed: u64) -> Program {
    let mut rng = Rng::new(seed);
    let tasks = 2 + rng.below(3);
    (0..tasks)
        .map(|_| {
            let steps = 1 + rng.below(3);
            (0..steps)
                .map(|_| Step {
                    cell: rng.below(CELLS),
                    read_only: rng.below(4) == 0,
                    expect: rng.below(2) as u8,
                    then: rng.below(3) as u8,
                    other: rng.below(CELLS),
                    otherwise: rng.below(3) as u8,
                })
                .collect()
        })
        .collect()
}

/// The program as a sim instance; its final check adds the run's outcome to `outcomes`.
fn instance(program: &Program, outcomes: &Arc<HostMutex<BTreeSet<String>>>) -> Instance {
    let cells: Arc<Vec<HashedMutex<u8>>> =
        Arc::new((0..CELLS).map(|_| HashedMutex::new(0)).collect());
    let seen: Arc<Vec<HashedMutex<Vec<u8>>>> = Arc::new(
        program
            .iter()
            .map(|_| HashedMutex::new(Vec::new()))
            .collect(),
    );
    let tasks = program.clone();
    let (cells_main, seen_main) = (cells.clone(), seen.clone());
    let main = async move {
        for (t, steps) in tasks.into_iter().enumerate() {
            let (cells, seen) = (cells_main.clone(), seen_main.clone());
            rt::spawn(format!("t{t}"), async move {
                let mut read = Vec::new();
                for (i, s) in steps.iter().enumerate() {
                    if i > 0 {
                        rt::yield_now().await;
                    }
                    if s.read_only {
                        read.push(*cells[s.cell].lock_read());
                        continue;
                    }
                    let taken = {
                        let mut cell = cells[s.cell].lock();
                        read.push(*cell);
                        let taken = *cell == s.expect;
                        if taken {
                            *cell = s.then;
                        }
                        taken
                    };
                    if !taken {
                        *cells[s.other].lock() = s.otherwise;
                    }
                }
                *seen[t].lock() = read;
            });
        }
    };
    let outcomes = outcomes.clone();
    Instance::new(main).with_check(move || {
        let finals: Vec<u8> = cells.iter().map(|c| *c.lock_read()).collect();
        let reads: Vec<Vec<u8>> = seen.iter().map(|s| s.lock_read().clone()).collect();
        outcomes
            .lock()
            .unwrap()
            .insert(format!("cells {finals:?} reads {reads:?}"));
        Ok(())
    })
}

fn outcomes(program: &Program, strategy: Strategy) -> (BTreeSet<String>, bool) {
    let mut config = Config::default();
    config.record = false;
    let sim = Sim::with_config(config);
    let found = Arc::new(HostMutex::new(BTreeSet::new()));
    let make = || instance(program, &found);
    let explored = sim.explore_each(&make, strategy, 1_000_000, &mut |_, _| true);
    let set = found.lock().unwrap().clone();
    (set, explored.exhausted)
}

#[test]
fn stateful_dfs_reaches_every_outcome_of_generated_programs() {
    let mut compared = 0;
    let mut with_several_outcomes = 0;
    for seed in 1..=PROGRAMS {
        let program = generate(seed);
        let plain = Strategy::DfsSleep {
            preemption_bound: None,
        };
        let (expected, plain_done) = outcomes(&program, plain);
        let (got, cached_done) = outcomes(&program, Strategy::DfsCached);
        assert!(plain_done && cached_done, "seed {seed}: {program:?}");
        assert_eq!(got, expected, "seed {seed}: {program:?}");
        compared += 1;
        if expected.len() > 1 {
            with_several_outcomes += 1;
        }
    }
    // The generator must make races, or the comparison says nothing.
    assert_eq!(compared, PROGRAMS);
    assert!(
        with_several_outcomes >= PROGRAMS / 2,
        "only {with_several_outcomes} programs have more than one outcome"
    );
}
