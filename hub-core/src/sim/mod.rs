//! `sim`: the seeded executor.
//!
//! One thread, no OS threads. Tasks are boxed futures; at every step a schedule picks which
//! runnable task to poll, and Go's own non-determinism (which ready select case fires) is a
//! choice point fed by the same schedule. Time is virtual: when nothing can run, the clock
//! jumps to the next timer. A run is a pure function of (program, schedule): the same inputs
//! give a byte-identical [`Trace`].
//!
//! ```
//! use hub_core::go::Chan;
//! use hub_core::sim::{Outcome, Schedule, Sim};
//!
//! // Two goroutines close the same channel after checking it is open: a check-then-act race.
//! let program = || async {
//!     let ch: Chan<()> = Chan::named("send", 1);
//!     for i in 0..2 {
//!         let ch = ch.clone();
//!         hub_core::rt::spawn(format!("closer#{i}"), async move {
//!             if !ch.is_closed() {
//!                 hub_core::rt::yield_now().await;
//!                 ch.close();
//!             }
//!         });
//!     }
//! };
//! let sim = Sim::new();
//! let found = sim.explore(&program, hub_core::sim::Strategy::Dfs { preemption_bound: Some(1) }, 1000);
//! let failure = found.failure.expect("the race is found");
//! assert!(matches!(failure.run.outcome, Outcome::Panic { ref message, .. } if message == "close of closed channel"));
//! ```

mod accesses;
pub mod demo;
mod digest;
mod executor;
mod outcome;
mod rng;
mod schedule;
mod shrink;
mod sleep_sets;
mod strategy;
mod token;
mod trace;

pub use executor::Run;
#[cfg_attr(any(loom, not(feature = "tokio")), allow(unused_imports))]
pub(crate) use executor::{install_panic_filter, quiet_panics};
pub use outcome::{Blocked, Outcome};
pub use rng::Rng;
pub use schedule::{preemptions, Decision, DecisionKind, Schedule};
pub use strategy::{next_schedule, Exploration, Found, Strategy};
pub use token::{Token, TokenError};
pub use trace::{Trace, TraceLine};

use crate::invariant::Violation;
use crate::rt::BoxTask;
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// Bounds and switches for sim runs. Every field can be set from the environment by
/// [`Config::from_env`]; the variable is named next to each field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Task polls per run before the verdict is `StepLimit` (`HUBRACE_MAX_STEPS`).
    pub max_steps: u64,
    /// Virtual time per run before the verdict is `StepLimit` (`HUBRACE_MAX_VIRTUAL_SECS`).
    pub max_time: Duration,
    /// After main returns, how much virtual time other tasks get to finish before the ones
    /// still parked are reported as leaked (goleak's retry window) (`HUBRACE_LEAK_GRACE_MS`).
    pub leak_grace: Duration,
    /// Record the timeline (replays do; exploration runs do not, for speed).
    pub record: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_steps: 100_000,
            max_time: Duration::from_secs(24 * 3600),
            leak_grace: Duration::from_secs(1),
            record: true,
        }
    }
}

/// A bad value in one of the `HUBRACE_*` environment variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is not a positive whole number",
            self.var, self.value
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The run bounds, for a report header: `max steps 100000, max virtual time 24h, leak
    /// grace 1s`.
    pub fn bounds(&self) -> String {
        format!(
            "max steps {}, max virtual time {}, leak grace {}",
            self.max_steps,
            fmt_time(self.max_time),
            fmt_time(self.leak_grace)
        )
    }

    /// Defaults, overridden by `HUBRACE_MAX_STEPS`, `HUBRACE_MAX_VIRTUAL_SECS`,
    /// `HUBRACE_LEAK_GRACE_MS` where set.
    pub fn from_env() -> Result<Config, ConfigError> {
        let read = |var: &'static str| -> Result<Option<u64>, ConfigError> {
            match std::env::var(var) {
                Err(_) => Ok(None),
                Ok(value) => match value.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(ConfigError { var, value }),
                },
            }
        };
        let mut c = Config::default();
        if let Some(n) = read("HUBRACE_MAX_STEPS")? {
            c.max_steps = n;
        }
        if let Some(n) = read("HUBRACE_MAX_VIRTUAL_SECS")? {
            c.max_time = Duration::from_secs(n);
        }
        if let Some(n) = read("HUBRACE_LEAK_GRACE_MS")? {
            c.leak_grace = Duration::from_millis(n);
        }
        Ok(c)
    }
}

/// A final check, run when a run ends without panic, deadlock or leak.
pub type FinalCheck = Box<dyn FnOnce() -> Result<(), Violation>>;

/// One fresh instance of a program: its main task and the invariants checked at the end.
pub struct Instance {
    pub main: BoxTask,
    pub check: Option<FinalCheck>,
}

impl Instance {
    pub fn new(main: impl Future<Output = ()> + Send + 'static) -> Self {
        Instance {
            main: Box::pin(main),
            check: None,
        }
    }

    pub fn with_check(mut self, check: impl FnOnce() -> Result<(), Violation> + 'static) -> Self {
        self.check = Some(Box::new(check));
        self
    }
}

/// Something that makes a fresh program instance for every run.
pub trait IntoInstance {
    fn into_instance(self) -> Instance;
}

impl IntoInstance for Instance {
    fn into_instance(self) -> Instance {
        self
    }
}

impl<F: Future<Output = ()> + Send + 'static> IntoInstance for F {
    fn into_instance(self) -> Instance {
        Instance::new(self)
    }
}

/// The seeded executor.
#[derive(Clone, Debug, Default)]
pub struct Sim {
    pub config: Config,
}

impl Sim {
    pub fn new() -> Sim {
        Sim::default()
    }

    pub fn with_config(config: Config) -> Sim {
        Sim { config }
    }

    /// Run `program` once under `schedule` (recording its trace if `config.record`).
    pub fn run<P, I>(&self, program: &P, schedule: &Schedule) -> Run
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        strategy::replay(&self.config, schedule, &|| program().into_instance())
    }

    /// Run `program` under the default schedule and panic, with the timeline, unless it
    /// passes. For examples and ported Go tests.
    pub fn run_main<P, I>(&self, program: P)
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        let run = self.run(&program, &Schedule::empty());
        assert!(run.outcome.is_pass(), "{}\n{}", run.outcome, run.trace);
    }

    /// Explore up to `max_schedules` schedules, stopping at the first failure.
    pub fn explore<P, I>(&self, program: &P, strategy: Strategy, max_schedules: u64) -> Exploration
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        self.explore_with_progress(program, strategy, max_schedules, &mut |_| {})
    }

    /// As [`Sim::explore`], calling `progress(runs)` after every run (for the DFS strategies
    /// with sleep sets, runs stopped early count too: with state caching most runs do).
    pub fn explore_with_progress<P, I>(
        &self,
        program: &P,
        strategy: Strategy,
        max_schedules: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Exploration
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        let make = || program().into_instance();
        strategy::explore(
            &self.config,
            strategy,
            max_schedules,
            &make,
            true,
            progress,
            &mut |_, _| true,
        )
    }

    /// Run every schedule `strategy` gives (up to `max_schedules`), failures included, calling
    /// `visit(schedules_so_far, run)` after each; `visit` returns false to stop. For
    /// equivalence checks and statistics over whole spaces.
    pub fn explore_each<P, I>(
        &self,
        program: &P,
        strategy: Strategy,
        max_schedules: u64,
        visit: &mut dyn FnMut(u64, &Run) -> bool,
    ) -> Exploration
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        self.explore_each_with_progress(program, strategy, max_schedules, &mut |_| {}, visit)
    }

    /// As [`Sim::explore_each`], also calling `progress(runs)` after every run (see
    /// [`Sim::explore_with_progress`]).
    pub fn explore_each_with_progress<P, I>(
        &self,
        program: &P,
        strategy: Strategy,
        max_schedules: u64,
        progress: &mut dyn FnMut(u64),
        visit: &mut dyn FnMut(u64, &Run) -> bool,
    ) -> Exploration
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        let make = || program().into_instance();
        strategy::explore(
            &self.config,
            strategy,
            max_schedules,
            &make,
            false,
            progress,
            visit,
        )
    }

    /// Shrink a failing run's schedule to the fewest non-default choices, then the shortest,
    /// that fail the same way; returns the minimal run, recorded.
    pub fn shrink<P, I>(&self, program: &P, failing: &Run) -> Run
    where
        P: Fn() -> I,
        I: IntoInstance,
    {
        let make = || program().into_instance();
        let (minimal, _) = shrink::shrink(
            &self.config,
            &failing.schedule,
            &failing.outcome,
            &make,
            5_000,
        );
        let recorded = Config {
            record: true,
            ..self.config.clone()
        };
        strategy::replay(&recorded, &minimal, &make)
    }
}

/// Virtual time as people read it: `0s`, `100ms`, `30s`, `1m0.5s`, `1h`.
pub fn fmt_time(d: Duration) -> String {
    let total_ms = d.as_millis();
    let sub_ms = d.subsec_nanos() % 1_000_000;
    if total_ms == 0 && sub_ms == 0 {
        return "0s".to_string();
    }
    let h = total_ms / 3_600_000;
    let m = total_ms / 60_000 % 60;
    let s = total_ms / 1000 % 60;
    let ms = total_ms % 1000;
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    match (s, ms) {
        (0, 0) => {}
        (s, 0) => out += &format!("{s}s"),
        (0, ms) if out.is_empty() => out += &format!("{ms}ms"),
        (s, ms) => out += &format!("{s}.{ms:03}s"),
    }
    if out.is_empty() {
        out = format!("{}us", d.as_micros());
    }
    out
}
