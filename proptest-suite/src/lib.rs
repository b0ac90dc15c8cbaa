//! proptest-suite: proptest as the third engine of hubrace. It generates `sim` schedules and
//! op sequences for the hub model and shrinks every failure to a minimal counterexample.
//!
//! # Background
//!
//! `sim` runs the hub model under a [`Schedule`](hub_core::sim::Schedule): one choice per
//! decision (which runnable task goes next, which ready `select` case fires), 0 being the
//! default. Every prefix of a schedule is a schedule, so schedules are easy to generate and to
//! shrink. Two kinds of generated input live here:
//!
//! - **Schedules** ([`schedule`]): a proptest `Strategy` for the schedules of one program,
//!   with a `ValueTree` of its own. It shrinks the *sparse* form of a schedule (its
//!   deviations from the default) and orders schedules by the sim's own cost rule: fewest
//!   preemptions, then fewest non-default choices, then the shortest. It replays each
//!   candidate once to learn that cost from the run's decisions, and proposes only strictly
//!   cheaper candidates. [`catalog`] applies it to the eight catalog programs.
//! - **Op sequences** ([`ops`]): proptest-state-machine generates sequences of connects,
//!   subscribes, disconnects, rapid reconnects, subscription deletions, broadcasts, slow
//!   peers, peer errors and shutdowns from a reference model of the hub. One `sim` run plays
//!   a whole sequence under a generated schedule; the hub must pass and agree with the
//!   reference (who is registered, subscribed, online and open; what each peer received).
//!   The sequence shrinks first (proptest-state-machine), then its schedule.
//!
//! [`runner`] runs a property through proptest's `TestRunner` with a fixed seed and a
//! regression file, and hands back the shrunk counterexample instead of panicking, so tests
//! can assert on it.
//!
//! # Running
//!
//! ```sh
//! cargo test -p proptest-suite --release                       # about 1 s of tests
//! PROPTEST_CASES=5000 cargo test -p proptest-suite --release   # more cases per property
//! cargo run --release -p proptest-suite --example measure      # the README's figures
//! ```
//!
//! - `PROPTEST_CASES`: cases of every "passes" property (default 256). The tests that expect
//!   a failure search a fixed budget instead, and stop at the first failure.
//! - `PROPTEST_RNG_SEED`: the seed of the "passes" properties and of the schedule searches
//!   (each test has its own default). The op-sequence searches keep their seed: their
//!   counterexamples are snapshots.
//! - `PROPTEST_DISABLE_FAILURE_PERSISTENCE`: no regression files read or written.
//! - A bad value of a number is one line naming it, and the test fails.
//!
//! # Debugging a failure
//!
//! A failing schedule prints its verdict, its cost, the timeline and a token:
//! `cargo run --release -p scenarios -- replay --token hr1:...` replays it exactly. A
//! failing op sequence prints the sequence (with the connections each op opened or acted
//! on), the schedule, every disagreement with the reference, the timeline, the case as Rust
//! (`OpCase { ops: vec![...], schedule: ... }`, replayable with [`ops::Harness`]) and the
//! token of the same bug in its catalog program. The seed of every failure is saved in
//! `proptest-regressions/` and replayed first on the next run.
//!
//! # Limits
//!
//! - Shrinking is greedy: it reaches a schedule that no single move (drop deviations, move
//!   them earlier, lower a choice) improves, not necessarily the global minimum. It never
//!   adds a deviation, so a cheaper schedule with *more* non-default choices is not found.
//! - Op sequences shrink under the schedule they were drawn with; a failure that needs the
//!   default schedule's tie-break between tasks can keep an unrelated op (2 to 5 ops for the
//!   documented presence fix, over 20 seeds).
//! - Ops are a virtual second apart and the hub runs scaled down ([`ops::hub_config`]), so
//!   races *between* ops are out of reach; the catalog programs cover those.
//! - "Every schedule" means every schedule drawn (`PROPTEST_CASES`), not a proof; the
//!   catalog's exhaustive DFS is the proof where it finishes.

pub mod catalog;
pub mod ops;
pub mod runner;
pub mod schedule;
