//! The engine boundary: the only calls the model makes to whoever runs it.
//!
//! The model spawns tasks, sleeps, reads the clock and asks for choices through this module and
//! never names an engine. The engine is picked per thread at run time: `sim` installs itself on
//! the thread it runs on, and the tokio engine ([`tokio`]) around every poll of a model task,
//! on whichever worker thread runs it; with no engine installed the *ambient* engine is used,
//! which is loom under `--cfg loom` and shuttle under `--cfg shuttle` (each task one of the
//! checker's threads, [`threads_engine`]) and otherwise an error saying how to run a model.

use crate::sync::host::Arc as HostArc;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[cfg(all(loom, shuttle))]
compile_error!("--cfg loom and --cfg shuttle select two engines; build with one of them");
#[cfg(loom)]
mod loom_engine;
#[cfg(loom)]
pub use loom_engine::block_on;
#[cfg(shuttle)]
mod shuttle_engine;
#[cfg(all(feature = "tokio", not(loom)))]
pub mod tokio;
#[cfg(shuttle)]
pub use shuttle_engine::block_on;
pub(crate) mod digest;
#[cfg(any(loom, shuttle))]
mod threads_engine;

/// A boxed model task.
pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// What an engine must provide. `sim`, loom and tokio implement it.
pub(crate) trait Engine {
    fn spawn(&self, name: String, task: BoxTask);
    fn now(&self) -> Duration;
    /// Register a timer; `fire` runs when the clock reaches `deadline` and returns the next
    /// deadline to re-arm (a ticker) or `None`. `Send`: the tokio engine fires it from
    /// whichever worker thread its timer runs on.
    fn add_timer(
        &self,
        deadline: Duration,
        fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
    ) -> TimerId;
    fn cancel_timer(&self, id: TimerId);
    /// Poll a sleep. Engines without time (loom) complete it after one yield.
    fn poll_sleep(&self, deadline: Duration, first_poll: bool, waker: &Waker) -> SleepPoll;
    fn choose(&self, n: usize) -> usize;
    fn note_wait(&self, site: WaitSite);
    /// Whether the run keeps a timeline (so events are worth formatting).
    fn recording(&self) -> bool {
        false
    }
    /// Record a model event in the run's timeline (engines without one ignore it).
    fn record(&self, _text: String) {}
    /// A fresh id for a shared object (engines without partial-order reduction return 0).
    /// `kind` says how the sim's state digest sees it (see [`ObjectKind`]).
    fn object_id(&self, _kind: ObjectKind) -> u64 {
        0
    }
    /// Object `id` is gone (its owner dropped it).
    fn forget(&self, _id: u64) {}
    /// Which run of the engine this is (object ids restart every run; 0: not tracked).
    fn run_id(&self) -> u64 {
        0
    }
    /// Whether the engine keeps state digests (so the model's digest calls are worth making).
    fn digesting(&self) -> bool {
        false
    }
    /// The running task observed `what` (see [`observe`]).
    fn observe(&self, _what: u128) {}
    /// Where a value sent now comes from (see [`provenance`]).
    fn provenance(&self) -> u128 {
        0
    }
    /// The running task's place-independent identity (see [`current_identity`]).
    fn current_identity(&self) -> u128 {
        0
    }
    /// Object `id`'s identity in state digests (0 where there are none).
    fn object_seed(&self, _id: u64) -> u128 {
        0
    }
    /// A [`ObjectKind::Summarized`] object's content changed; `summary` now describes it.
    fn publish(&self, _id: u64, _summary: u128) {}
    /// The clock, without the running task observing it (primitives that only wait on it).
    fn clock(&self) -> Duration {
        self.now()
    }
    /// The running step touched object `id`, writing (`write`) or only in a way that commutes
    /// with other non-writing touches.
    fn touch(&self, _id: u64, _write: bool) {}
    /// The name of the task running now, where the engine can tell.
    fn current_task(&self) -> Option<String> {
        None
    }
}

pub(crate) enum SleepPoll {
    Ready,
    /// Pending; for the sim, a timer was registered that the caller must cancel if dropped.
    Pending(Option<TimerId>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub(crate) u64);

thread_local! {
    static CURRENT: std::cell::Cell<Option<*const dyn Engine>> = const { std::cell::Cell::new(None) };
}

/// Install `engine` on this thread for the duration of `f` (used by `sim`).
pub(crate) fn with_installed<R>(engine: &dyn Engine, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<*const dyn Engine>);
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    // SAFETY (lifetime erasure): the pointer is removed by `Reset` before `engine` goes out of
    // scope, and is only dereferenced on this thread inside `f`.
    let ptr: *const (dyn Engine + '_) = engine;
    let ptr: *const dyn Engine = unsafe { std::mem::transmute(ptr) };
    let _reset = Reset(CURRENT.with(|c| c.replace(Some(ptr))));
    f()
}

/// How the sim's state digests (state caching, `sim::digest`) see a
/// shared object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    /// Model state behind a lock: every lock is an observation of its content's history, and
    /// every writing lock extends that history.
    Chained,
    /// A primitive's internal state (a waiter): what tasks learn from it they learn through
    /// the primitive's own [`observe`] calls.
    Internal,
    /// A primitive that describes its own content ([`publish`]): a channel.
    Summarized,
}

/// `f` on the engine installed on this thread, if one is (never the ambient one: these calls
/// are bookkeeping that engines without it skip).
fn installed<R>(f: impl FnOnce(&dyn Engine) -> R) -> Option<R> {
    // SAFETY: see `with_installed`.
    CURRENT.with(|c| c.get()).map(|ptr| f(unsafe { &*ptr }))
}

/// A fresh object id from the engine installed on this thread (0 outside an engine).
pub(crate) fn object_id(kind: ObjectKind) -> u64 {
    installed(|e| e.object_id(kind)).unwrap_or(0)
}

/// Object `id`, made in run `run`, was dropped. Objects of another run (a value kept from an
/// earlier run) are not this run's: their ids mean other objects here.
pub(crate) fn forget(id: u64, run: u64) {
    installed(|e| {
        if e.run_id() == run {
            e.forget(id);
        }
    });
}

/// The run of the engine installed on this thread (0 outside one).
pub(crate) fn run_id() -> u64 {
    installed(|e| e.run_id()).unwrap_or(0)
}

/// As [`touch`], for an object made in run `run`: one from another run taints this run's
/// state digests (its id names another object here).
pub(crate) fn touch_in(id: u64, run: u64, write: bool) {
    installed(|e| e.touch(if e.run_id() == run { id } else { 0 }, write));
}

/// Whether the engine on this thread keeps state digests.
pub(crate) fn digesting() -> bool {
    installed(|e| e.digesting()).unwrap_or(false)
}

/// The running task's code saw `what` (a primitive's result: which case fired, whether the
/// channel was closed, where a received value came from). The sim folds it into the task's
/// history, which stands for the task's local state in state digests: every input a task's
/// code reads must reach it through here, a `Chained` lock, `now`, `choose` or `spawn`.
pub(crate) fn observe(what: u128) {
    installed(|e| e.observe(what));
}

/// Where a value sent now comes from: the sender's history (its local state, which the value
/// is a function of), or the firing timer. Stored with the value; the receiver observes it.
pub(crate) fn provenance() -> u128 {
    installed(|e| e.provenance()).unwrap_or(0)
}

/// The running task's identity, independent of spawn order across tasks.
pub(crate) fn current_identity() -> u128 {
    installed(|e| e.current_identity()).unwrap_or(0)
}

/// Object `id`'s identity in state digests (for content that refers to other objects).
pub(crate) fn object_seed(id: u64) -> u128 {
    installed(|e| e.object_seed(id)).unwrap_or(0)
}

/// A `Summarized` object's content is now described by `summary`.
pub(crate) fn publish(id: u64, summary: u128) {
    installed(|e| e.publish(id, summary));
}

/// The clock, not observed by the running task: for primitives that only wait on it (a
/// sleep's deadline lives in the engine's timer, which digests include).
pub(crate) fn clock() -> Duration {
    with_engine(|e| e.clock())
}

/// Tell the engine installed on this thread that the running step touched object `id`.
/// (The std shim uses [`touch_in`], which also knows the object's run.)
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn touch(id: u64, write: bool) {
    installed(|e| e.touch(id, write));
}

/// Whether the engine on this thread keeps a timeline (used by [`model_event!`]).
#[doc(hidden)]
pub fn recording() -> bool {
    match CURRENT.with(|c| c.get()) {
        // SAFETY: see `with_installed`.
        Some(ptr) => unsafe { &*ptr }.recording(),
        None => false,
    }
}

/// Hand an event to the engine installed on this thread (used by [`model_event!`]).
#[doc(hidden)]
pub fn record_event(text: String) {
    if let Some(ptr) = CURRENT.with(|c| c.get()) {
        // SAFETY: see `with_installed`.
        unsafe { &*ptr }.record(text);
    }
}

fn with_engine<R>(f: impl FnOnce(&dyn Engine) -> R) -> R {
    match CURRENT.with(|c| c.get()) {
        // SAFETY: see `with_installed`; the engine outlives every call made while installed.
        Some(ptr) => f(unsafe { &*ptr }),
        None => f(ambient()),
    }
}

#[cfg(loom)]
fn ambient() -> &'static dyn Engine {
    &loom_engine::ENGINE
}

#[cfg(shuttle)]
fn ambient() -> &'static dyn Engine {
    &shuttle_engine::ENGINE
}

#[cfg(not(any(loom, shuttle)))]
fn ambient() -> &'static dyn Engine {
    panic!(
        "hub_core::rt: no engine on this thread; run the model with hub_core::sim::Sim, \
         hub_core::rt::tokio::run_paused / run_multi_thread (or under loom with \
         RUSTFLAGS=\"--cfg loom\", shuttle with RUSTFLAGS=\"--cfg shuttle\")"
    )
}

/// The name of the model task running now (`hub.run`, `conn#2.writePump`), if an engine that
/// tracks names runs it (for panic hooks and reports).
pub fn current_task() -> Option<String> {
    match CURRENT.with(|c| c.get()) {
        // SAFETY: see `with_installed`.
        Some(ptr) => unsafe { &*ptr }.current_task(),
        None => ambient_current_task(),
    }
}

#[cfg(any(loom, shuttle))]
fn ambient_current_task() -> Option<String> {
    ambient().current_task()
}

#[cfg(not(any(loom, shuttle)))]
fn ambient_current_task() -> Option<String> {
    None
}

/// Start a named task (Go: `go f()`). The name appears in traces and verdicts.
pub fn spawn<F>(name: impl Into<String>, task: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let name = name.into();
    crate::model_event!("go {name}");
    with_engine(|e| e.spawn(name, Box::pin(task)));
}

/// Virtual time since the run started.
pub fn now() -> Duration {
    with_engine(|e| e.now())
}

/// A choice among `n` alternatives (Go's random select pick). Returns `0..n`; 0 is the default.
pub fn choose(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let picked = with_engine(|e| e.choose(n));
    debug_assert!(picked < n);
    picked
}

pub(crate) fn note_wait(site: WaitSite) {
    with_engine(|e| e.note_wait(site));
}

pub(crate) fn add_timer(
    deadline: Duration,
    fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
) -> TimerId {
    with_engine(|e| e.add_timer(deadline, fire))
}

pub(crate) fn cancel_timer(id: TimerId) {
    with_engine(|e| e.cancel_timer(id));
}

pub(crate) fn poll_sleep(deadline: Duration, first_poll: bool, waker: &Waker) -> SleepPoll {
    with_engine(|e| e.poll_sleep(deadline, first_poll, waker))
}

/// Give other tasks a chance to run (Go: `runtime.Gosched()`); a scheduling point.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        crate::model_event!("yield");
        note_wait(WaitSite::Yield);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// What a parked task waits on, for verdicts (`client#17: send on unregister (cap 16)`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaitSite {
    Send {
        chan: HostArc<str>,
        cap: usize,
    },
    Recv {
        chan: HostArc<str>,
        cap: usize,
    },
    Select {
        cases: Vec<(CaseKind, HostArc<str>)>,
        has_default: bool,
    },
    Lock {
        mutex: HostArc<str>,
    },
    WaitGroup {
        name: HostArc<str>,
    },
    Sleep {
        until: Duration,
    },
    Yield,
    /// A future that is not one of the model's operations (e.g. a join handle).
    Other(HostArc<str>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseKind {
    Send,
    Recv,
}

impl fmt::Display for WaitSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitSite::Send { chan, cap } => write!(f, "send on {chan} (cap {cap})"),
            WaitSite::Recv { chan, cap } => write!(f, "recv on {chan} (cap {cap})"),
            WaitSite::Select { cases, .. } => {
                f.write_str("select {")?;
                for (i, (kind, chan)) in cases.iter().enumerate() {
                    let sep = if i == 0 { " " } else { ", " };
                    let op = match kind {
                        CaseKind::Send => "send",
                        CaseKind::Recv => "recv",
                    };
                    write!(f, "{sep}{op} {chan}")?;
                }
                f.write_str(" }")
            }
            WaitSite::Lock { mutex } => write!(f, "lock {mutex}"),
            WaitSite::WaitGroup { name } => write!(f, "wait on {name}"),
            WaitSite::Sleep { until } => write!(f, "sleep until {}", crate::sim::fmt_time(*until)),
            WaitSite::Yield => f.write_str("yield"),
            WaitSite::Other(what) => f.write_str(what),
        }
    }
}

/// Emit a model event: one line of the timeline (`send on unregister`, `close client#2.send`).
///
/// A recording sim run stamps it with step, virtual time and task; it also goes to `tracing`
/// (target `hub_core::model`), so `RUST_LOG=hub_core=trace` shows the same events live. The
/// timeline is fed directly, not through a `tracing` layer: tracing caches per-callsite
/// interest process-wide, and a callsite first hit on a thread with no subscriber was then
/// dropped from recordings running on other threads (seen in CI as snapshots missing lines).
#[macro_export]
macro_rules! model_event {
    ($($arg:tt)*) => {{
        if $crate::rt::recording() {
            $crate::rt::record_event(::std::format!($($arg)*));
        }
        ::tracing::trace!(target: "hub_core::model", "{}", ::std::format_args!($($arg)*));
    }};
}
