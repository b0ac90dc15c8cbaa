//! The tokio engine: the unmodified model on a real tokio runtime.
//!
//! # Background
//!
//! The model calls only [`crate::rt`] (spawn, sleep, now, choose). Here `spawn` is
//! `tokio::spawn`, time is tokio's clock, timers are tokio timers and `choose` (Go's random
//! select pick) is a seeded generator owned by the run. Two runtimes:
//!
//! - [`run_paused`]: a current-thread runtime with a paused clock (`start_paused`). Time is
//!   virtual: when every task waits, tokio jumps the clock to the next timer, so 25 minutes of
//!   30 s pings take milliseconds. One thread and no wall clock make a run deterministic: the
//!   same program and seed give the same [`Report`], byte for byte.
//! - [`run_multi_thread`]: a multi-thread runtime on the real clock, for many clients. tokio
//!   refuses a paused clock here; which task runs when is the OS's and tokio's business, so
//!   only properties that hold for every interleaving can be asserted.
//!
//! The model reaches its engine through a thread-local that the sim sets once. tokio polls a
//! task on whichever worker is free, so this engine wraps every spawned task and installs
//! itself around each poll (and each drop, whose `Sleep`/`Timer` drops cancel timers). The
//! wrapper also knows the task's name, whether it finished, and where it last parked (from
//! `note_wait`), which is what a stuck run reports.
//!
//! # Verdicts
//!
//! The sim's [`Outcome`](crate::sim::Outcome), with the same meaning:
//! - a task's panic is `Panic` (Go's texts), an invariant panic is `Invariant`; the run stops
//!   at the first, as the sim's does (other tasks are no longer polled);
//! - main returned and every task ended: `Pass` (then the program's end-of-run check runs);
//! - main returned and tasks are still parked after [`Config::leak_grace`]: `Leak`, listing
//!   each with its wait site. On a paused clock the grace is virtual time, so stuck teardowns
//!   are found by a virtual-time timeout in no real time at all. On a multi-thread runtime a
//!   task is leaked when nothing is running or woken and no timer is due within the grace;
//!   a slow machine delays that verdict, it cannot fake it;
//! - main never returns and nothing can happen any more: `Deadlock` (paused: at the time
//!   bound, which the clock reaches at once; multi-thread: as soon as it is seen);
//! - a bound is hit ([`Config::max_polls`], a time bound) with work still pending: `StepLimit`.
//!   A task that never stops being runnable would keep a paused clock from moving forever; the
//!   poll bound is what ends it.
//!
//! # Running
//!
//! ```
//! use hub_core::go::{sleep, Chan};
//! use hub_core::rt::tokio::{run_paused, Config};
//! use hub_core::sim::Outcome;
//! use std::time::Duration;
//!
//! let report = run_paused(&Config::default(), async {
//!     let unregister: Chan<u32> = Chan::named("unregister", 1);
//!     unregister.send(1).await;
//!     let tx = unregister.clone();
//!     hub_core::rt::spawn("teardown", async move { tx.send(2).await });
//!     sleep(Duration::from_secs(30)).await;
//! });
//! assert_eq!(
//!     report.outcome.to_string(),
//!     "leak (1 task parked forever): teardown: send on unregister (cap 1)"
//! );
//! assert_eq!(report.end, Duration::from_secs(31)); // 30 s, then the 1 s leak grace
//! ```
//!
//! [`Scope`] installs the engine on the current thread for polling model futures by hand,
//! which is how `tokio_test::task::spawn` checks of single blocking points run.
//!
//! # Limits
//!
//! - tokio's timer wheel counts whole milliseconds: a deadline is rounded up to the next
//!   millisecond (the sim's clock is exact).
//! - No timeline: the tokio engine records no trace (`model_event!` still goes to `tracing`,
//!   so `RUST_LOG=hub_core=trace` shows the events live). Replaying a failure exactly is the
//!   sim's job.
//! - The paused runtime's interleaving is tokio's FIFO order plus the seeded picks, one
//!   schedule out of many; exploring schedules is also the sim's job.

mod report;
mod run;
mod shared;
mod task;

pub use report::Report;

use super::with_installed;
use crate::sync::host::Arc;
use run::Clock;
use shared::{lock, Limits, Shared, TaskState, TaskView};
use std::time::Duration;

/// Bounds and sizes of a tokio run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Seed of the run's generator: Go's random pick among ready select cases.
    pub seed: u64,
    /// Polls of model tasks before the verdict is `StepLimit`.
    pub max_polls: u64,
    /// [`run_paused`]: virtual time before the verdict is `StepLimit` (or `Deadlock`, if no
    /// timer is pending).
    pub max_virtual_time: Duration,
    /// [`run_multi_thread`]: real time before the verdict is `StepLimit`.
    pub max_real_time: Duration,
    /// After main returns, the time other tasks get to finish before those still parked count
    /// as leaked (the sim's `leak_grace`).
    pub leak_grace: Duration,
    /// [`run_multi_thread`]: tokio worker threads.
    pub worker_threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            max_polls: 50_000_000,
            max_virtual_time: Duration::from_secs(24 * 3600),
            max_real_time: Duration::from_secs(600),
            leak_grace: Duration::from_secs(1),
            worker_threads: 2,
        }
    }
}

impl Config {
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Run `program` on a current-thread runtime with a paused clock: virtual time, one thread,
/// deterministic. Panics only if tokio cannot build a runtime.
pub fn run_paused(config: &Config, program: impl crate::sim::IntoInstance) -> Report {
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio: building a current-thread runtime");
    run::run(runtime, Clock::Paused, config, program)
}

/// Run `program` on a multi-thread runtime (`config.worker_threads` workers) on the real
/// clock. Panics only if tokio cannot build a runtime.
pub fn run_multi_thread(config: &Config, program: impl crate::sim::IntoInstance) -> Report {
    let runtime = ::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads.max(1))
        .enable_time()
        .build()
        .expect("tokio: building a multi-thread runtime");
    run::run(runtime, Clock::Real, config, program)
}

/// The tokio engine installed by hand, for polling model futures outside a run (tokio-test's
/// `task::spawn` mock tasks). Tasks the model spawns go to the tokio runtime it was made on;
/// timers use that runtime's clock (paused in `#[tokio::test(start_paused = true)]`). Values
/// that own a timer (`Timer`, `Ticker`, a polled `sleep`) cancel it when dropped, which needs
/// the engine too: drop them inside [`Scope::enter`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use hub_core::go::Chan;
/// use hub_core::rt::tokio::Scope;
/// use std::task::Poll;
///
/// let scope = Scope::current("teardown", 1);
/// let unregister: Chan<u32> = Chan::named("unregister", 0);
/// let mut send = tokio_test::task::spawn(unregister.send(1));
/// assert!(scope.enter(|| send.poll()).is_pending());
/// assert_eq!(scope.wait_site().as_deref(), Some("send on unregister (cap 0)"));
/// # }
/// ```
pub struct Scope {
    shared: Arc<Shared>,
    task: Arc<TaskState>,
}

impl Scope {
    /// The engine on the tokio runtime this is called from, seeded with `seed`, its clock
    /// starting now; code under [`Scope::enter`] runs as the task named `task`. Panics outside
    /// a tokio runtime, as `tokio::spawn` does.
    pub fn current(task: &str, seed: u64) -> Scope {
        let shared = Shared::new(
            ::tokio::runtime::Handle::current(),
            Limits {
                seed,
                max_polls: u64::MAX,
            },
        );
        let task = shared.register(task);
        Scope { shared, task }
    }

    /// Another task of the same engine (its own wait site).
    pub fn task(&self, name: &str) -> Scope {
        Scope {
            shared: self.shared.clone(),
            task: self.shared.register(name),
        }
    }

    /// Run `f` with the engine installed on this thread.
    pub fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let view = TaskView::new(&self.shared, &self.task);
        with_installed(&view, f)
    }

    /// Where this scope's task last parked: `send on unregister (cap 16)`.
    pub fn wait_site(&self) -> Option<String> {
        lock(&self.task.wait).as_ref().map(|w| w.to_string())
    }

    /// Virtual (or real) time since the scope was made.
    pub fn now(&self) -> Duration {
        self.shared.now()
    }
}
