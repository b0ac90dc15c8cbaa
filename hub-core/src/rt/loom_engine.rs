//! The loom engine: every model task is a loom thread ([`super::threads_engine`]).
//!
//! `block_on` parks the loom thread (`thread::park`) and its waker unparks it. Measured
//! on `double-close-router`'s fixed model at preemption bound 2: 996 executions, against
//! 455,727 with a `loom::sync::Notify` per task (whose `wait` may also wake spuriously, a
//! branch of its own) and more still with `loom::future::block_on`. An unpark is not a loom
//! branch point; the dependencies that matter are the model's own lock operations, which
//! loom does track.
//!
//! Loom aborts the process when a model ends with threads still blocked, so tests that expect
//! a `leak:`/`deadlock:` verdict run in a child process (`loom-tests`).
//!
//! `choose` is always 0: loom explores thread interleavings, not Go's random select picks;
//! `sim` explores those.

use super::threads_engine::{ClockSlot, ModelThreads, ThreadsEngine};
use crate::sync::{thread, thread_local};
use std::future::Future;

pub(crate) struct LoomThreads;

pub(crate) static ENGINE: ThreadsEngine<LoomThreads> = ThreadsEngine::new();

thread_local! {
    /// This loom thread's handle on its execution's clock. (A loom `lazy_static` would not
    /// do: loom drops those when main's closure returns, while detached tasks still run.)
    static CLOCK: ClockSlot<LoomThreads> = ClockSlot::new(None);
}

impl ModelThreads for LoomThreads {
    type Thread = thread::Thread;
    type Id = thread::ThreadId;

    fn current() -> Self::Thread {
        thread::current()
    }
    fn id(thread: &Self::Thread) -> Self::Id {
        thread.id()
    }
    fn unpark(thread: &Self::Thread) {
        thread.unpark();
    }
    fn park() {
        thread::park();
    }
    fn spawn<F: FnOnce() + Send + 'static>(_name: &str, body: F) {
        drop(thread::spawn(body));
    }
    fn choose(_n: usize) -> usize {
        0
    }
    fn with_clock_slot<R>(f: impl FnOnce(&ClockSlot<Self>) -> R) -> R {
        CLOCK.with(f)
    }
}

/// Drive a future to completion on the current loom thread: the model's `main` task when
/// called from the model's main thread (spawned tasks run through the same loop). Main
/// counts as ended while it is outside `block_on`.
pub fn block_on<F: Future>(future: F) -> F::Output {
    super::threads_engine::block_on::<LoomThreads, F>(future)
}
