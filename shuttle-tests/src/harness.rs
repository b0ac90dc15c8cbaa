//! Running models under shuttle with a seeded scheduler, counting executions, and catching the
//! first failure in-process.

use hub_core::invariant::{payload_text, violated};
use hub_core::knobs::Variant;
use scenarios::catalog::Entry;
use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{Config, FailurePersistence, Runner};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Once};
use std::time::Instant;

/// Which shuttle scheduler picks the interleavings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// `shuttle::scheduler::RandomScheduler`: a uniformly random runnable thread at each step.
    Random,
    /// `shuttle::scheduler::PctScheduler` with this bug depth (`check_pct`'s `depth`).
    Pct { depth: usize },
}

impl std::fmt::Display for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scheduler::Random => f.write_str("random"),
            Scheduler::Pct { depth } => write!(f, "pct (depth {depth})"),
        }
    }
}

/// One seeded search: which scheduler, its seed, and how many executions at most.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Search {
    pub scheduler: Scheduler,
    /// The scheduler's seed (shuttle's `SHUTTLE_RANDOM_SEED`, if set, overrides it).
    pub seed: u64,
    pub max_executions: usize,
    /// Let shuttle print the failing schedule for `shuttle::replay` (benchmarks turn it off).
    pub print_failing_schedule: bool,
}

impl Search {
    pub fn new(scheduler: Scheduler, seed: u64, max_executions: usize) -> Search {
        Search {
            scheduler,
            seed,
            max_executions,
            print_failing_schedule: true,
        }
    }

    pub fn quiet(mut self) -> Search {
        self.print_failing_schedule = false;
        self
    }
}

/// The first failing execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The execution it happened in (1-based).
    pub execution: u64,
    /// The model task that panicked (for a `leak`/`deadlock` verdict: the one that parked last
    /// and found nothing left to run).
    pub task: String,
    /// A Go panic text, `invariant <name> violated: ...`, or the engine's `leak: ...` /
    /// `deadlock: ...` verdict.
    pub message: String,
}

/// What a search did.
#[derive(Clone, Debug)]
pub struct Explored {
    /// Executions run, the failing one included.
    pub executions: u64,
    /// Wall-clock seconds (a measurement for the README, never asserted on).
    pub seconds: f64,
    pub failure: Option<Failure>,
}

thread_local! {
    /// The first model panic of the search running on this OS thread (shuttle runs every
    /// shuttle thread of an execution on the thread that called `Runner::run`).
    static FIRST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Record the first model panic's task and text (the panic payload alone does not say which
/// task panicked).
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = payload_text(info.payload());
            // Only inside a running shuttle task can the engine say which task it is.
            let in_task = shuttle::current::try_get_current_task().is_some();
            if in_task && text != "<non-string panic payload>" {
                let task = hub_core::rt::current_task().unwrap_or_else(|| "?".into());
                FIRST_PANIC.with(|f| {
                    f.borrow_mut().get_or_insert((task, text));
                });
            }
            previous(info);
        }));
    });
}

/// Run `model` once per execution under `search`'s scheduler until it fails or
/// `max_executions` have passed.
pub fn explore(search: Search, model: impl Fn() + Send + Sync + 'static) -> Explored {
    install_panic_hook();
    FIRST_PANIC.with(|f| f.borrow_mut().take());
    let executions = Arc::new(AtomicU64::new(0));
    let counter = executions.clone();
    let body = move || {
        counter.fetch_add(1, Relaxed);
        model();
    };
    let mut config = Config::new();
    if !search.print_failing_schedule {
        config.failure_persistence = FailurePersistence::None;
    }
    let start = Instant::now();
    let ran = catch_unwind(AssertUnwindSafe(|| match search.scheduler {
        Scheduler::Random => Runner::new(
            RandomScheduler::new_from_seed(search.seed, search.max_executions),
            config,
        )
        .run(body),
        Scheduler::Pct { depth } => Runner::new(
            PctScheduler::new_from_seed(search.seed, depth, search.max_executions),
            config,
        )
        .run(body),
    }));
    let seconds = start.elapsed().as_secs_f64();
    let executions = executions.load(Relaxed);
    let failure = ran.err().map(|payload| {
        let (task, message) = FIRST_PANIC
            .with(|f| f.borrow_mut().take())
            .unwrap_or_else(|| ("?".into(), payload_text(&*payload)));
        Failure {
            execution: executions,
            task,
            message,
        }
    });
    Explored {
        executions,
        seconds,
        failure,
    }
}

/// A catalog program (at the seed's sizes) with its knob at `variant`, as a shuttle model:
/// `scenarios`' own timeline, driven by hub-core's `block_on` on shuttle's main thread, its
/// end-of-run checks failing the execution like a checkpoint does. `None` if the entry has
/// no such variant.
pub fn catalog_model(entry: &Entry, variant: Variant) -> Option<impl Fn() + Send + Sync + 'static> {
    let knobs = entry.knob.knobs(variant)?;
    let program = (entry.program)();
    Some(move || {
        let instance = program.instance(knobs);
        hub_core::rt::block_on(instance.main);
        if let Some(check) = instance.check {
            if let Err(v) = check() {
                violated(&v.name, v.detail);
            }
        }
    })
}

/// Loom's scaled model of `bug` ([`loom_tests::models`]) as a shuttle model; `None` for a bug
/// without one or a variant its knob lacks.
pub fn scaled_model(
    bug: &'static str,
    variant: Variant,
) -> Option<impl Fn() + Send + Sync + 'static> {
    drop(loom_tests::models::model(bug, variant)?);
    Some(move || {
        let task = loom_tests::models::model(bug, variant).expect("checked above");
        hub_core::rt::block_on(task);
    })
}
