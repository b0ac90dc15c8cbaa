//! The shuttle engine: every model task is a shuttle thread ([`super::threads_engine`]),
//! named after the task, so shuttle's own failure report (`test panicked in task
//! 'client#2.writePump'`) names it too.
//!
//! Shuttle's threads are coroutines on one OS thread and every execution gets fresh ones,
//! with fresh `shuttle::thread_local!`s. Unlike loom, shuttle contains a failing execution
//! (it stops it and returns the panic from `Runner::run`), so a buggy model can be checked
//! in-process.
//!
//! # Parking without spurious wakeups
//! A task parks on a per-thread token channel (`mpsc::sync_channel(1)`: full means an unpark
//! is waiting), not on `shuttle::thread::park`. Shuttle's `park` may return spuriously, and
//! its schedulers offer every parked thread as a candidate for such a wakeup at every step:
//! with the catalog's ~140 tasks a random schedule spent nearly all its steps re-polling
//! parked tasks, and `unregister-after-shutdown` hit shuttle's bound of 1,000,000 steps in
//! its first execution. A spurious poll changes nothing the model can observe (the future is
//! polled again and parks again), so the token channel explores the same behaviours; a
//! blocked `recv` is never woken spuriously.
//!
//! `choose` (Go's random select pick) is `shuttle::rand`: data non-determinism that shuttle's
//! scheduler draws and replays, so shuttle explores those picks as `sim` does.

use super::threads_engine::{ClockSlot, ModelThreads, ThreadsEngine};
use crate::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use crate::sync::rand::{thread_rng, Rng};
use crate::sync::{thread, thread_local};
use std::future::Future;

pub(crate) struct ShuttleThreads;

pub(crate) static ENGINE: ThreadsEngine<ShuttleThreads> = ThreadsEngine::new();

thread_local! {
    /// This shuttle thread's handle on its execution's clock.
    static CLOCK: ClockSlot<ShuttleThreads> = ClockSlot::new(None);
    /// This shuttle thread's park token: a message waiting is an unpark not yet consumed.
    static TOKEN: (SyncSender<()>, Receiver<()>) = sync_channel(1);
}

/// A handle to unpark a shuttle thread: its id and the sending side of its park token.
#[derive(Clone)]
pub(crate) struct Parker {
    id: thread::ThreadId,
    token: SyncSender<()>,
}

impl ModelThreads for ShuttleThreads {
    type Thread = Parker;
    type Id = thread::ThreadId;

    fn current() -> Parker {
        Parker {
            id: thread::current().id(),
            token: TOKEN.with(|(tx, _)| tx.clone()),
        }
    }
    fn id(thread: &Parker) -> Self::Id {
        thread.id
    }
    fn current_id() -> Self::Id {
        thread::current().id()
    }
    fn unpark(thread: &Parker) {
        match thread.token.try_send(()) {
            // Full: an unpark is already waiting. Disconnected: the thread has ended.
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
    fn park() {
        // Every sender lives in this thread's own local, so `recv` cannot fail while it runs.
        TOKEN.with(|(_, rx)| rx.recv().expect("a thread's park token outlives its park"));
    }
    fn spawn<F: FnOnce() + Send + 'static>(name: &str, body: F) {
        let spawned = thread::Builder::new().name(name.to_string()).spawn(body);
        drop(spawned.expect("shuttle's Builder::spawn does not fail"));
    }
    fn choose(n: usize) -> usize {
        thread_rng().gen_range(0..n)
    }
    fn with_clock_slot<R>(f: impl FnOnce(&ClockSlot<Self>) -> R) -> R {
        CLOCK.with(f)
    }
}

/// Drive a future to completion on the current shuttle thread: the model's `main` task when
/// called from the model's main thread (inside `shuttle::check_random`, `check_pct` or a
/// `shuttle::Runner`). Main counts as ended while it is outside `block_on`.
pub fn block_on<F: Future>(future: F) -> F::Output {
    super::threads_engine::block_on::<ShuttleThreads, F>(future)
}
