//! The loom engine: every model task is a loom thread running hub-core's own `block_on`.
//!
//! `block_on`'s waker is a std `Arc` around a `loom::sync::Notify` rather than
//! `loom::future::block_on`'s: measured to explore 5–7× fewer executions for the same model,
//! because waking is one loom operation instead of several. Time has no meaning here: a sleep
//! completes after one yield (more general than any fixed order of timers) and tickers never
//! tick. `choose` is always 0: loom explores thread interleavings, not select picks.

use super::{BoxTask, Engine, SleepPoll, TimerId, WaitSite};
use crate::sync::host::Arc as HostArc;
use crate::sync::{thread, Notify};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

pub(crate) struct LoomEngine;

struct NotifyWaker(Notify);

impl Wake for NotifyWaker {
    fn wake(self: HostArc<Self>) {
        self.0.notify();
    }
    fn wake_by_ref(self: &HostArc<Self>) {
        self.0.notify();
    }
}

/// Drive a future to completion on the current loom thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let notify = HostArc::new(NotifyWaker(Notify::new()));
    let waker = Waker::from(notify.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        notify.0.wait();
    }
}

impl Engine for LoomEngine {
    fn spawn(&self, _name: String, task: BoxTask) {
        // Detached, like a goroutine; loom reports a thread left blocked at the end.
        drop(thread::spawn(move || block_on(task)));
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }

    fn add_timer(
        &self,
        _deadline: Duration,
        _fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
    ) -> TimerId {
        TimerId(0)
    }

    fn cancel_timer(&self, _id: TimerId) {}

    fn poll_sleep(&self, _deadline: Duration, first_poll: bool, waker: &Waker) -> SleepPoll {
        if first_poll {
            thread::yield_now();
            waker.wake_by_ref();
            SleepPoll::Pending(None)
        } else {
            SleepPoll::Ready
        }
    }

    fn choose(&self, _n: usize) -> usize {
        0
    }

    fn note_wait(&self, _site: WaitSite) {}
}
