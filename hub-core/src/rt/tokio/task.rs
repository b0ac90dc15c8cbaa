//! The wrapper tokio runs for every model task: it installs the engine around each poll and
//! drop, turns the task's panics into verdicts, and keeps the engine's counts (live, busy,
//! polls) that verdicts are built from.

use super::super::{with_installed, BoxTask};
use super::shared::{panic_outcome, Shared, TaskState, TaskView};
use crate::sim::quiet_panics;
use crate::sync::host::Arc;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

pub(super) struct ModelTask {
    shared: Arc<Shared>,
    state: Arc<TaskState>,
    fut: Option<BoxTask>,
    /// tokio's waker for this task and ours around it (made once, reused while tokio's is).
    waker: Option<(Waker, Waker)>,
}

/// Our waker: tells the engine the task is runnable again, then wakes it in tokio.
struct CountingWaker {
    inner: Waker,
    shared: Arc<Shared>,
    state: Arc<TaskState>,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.woken(&self.state);
        self.inner.wake_by_ref();
    }
}

/// Ends the poll's "busy" count however the poll ends.
struct Polling<'a>(&'a Shared);

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        self.0.poll_ends();
    }
}

impl ModelTask {
    pub fn new(shared: Arc<Shared>, state: Arc<TaskState>, fut: BoxTask) -> ModelTask {
        ModelTask {
            shared,
            state,
            fut: Some(fut),
            waker: None,
        }
    }

    fn waker_for(&mut self, tokio_waker: &Waker) -> Waker {
        if let Some((inner, ours)) = &self.waker {
            if inner.will_wake(tokio_waker) {
                return ours.clone();
            }
        }
        let ours = Waker::from(Arc::new(CountingWaker {
            inner: tokio_waker.clone(),
            shared: self.shared.clone(),
            state: self.state.clone(),
        }));
        self.waker = Some((tokio_waker.clone(), ours.clone()));
        ours
    }

    /// Drop the model future with the engine installed (its drop cancels timers).
    fn drop_future(&mut self) {
        if let Some(fut) = self.fut.take() {
            let view = TaskView::new(&self.shared, &self.state);
            let _ = with_installed(&view, || {
                quiet_panics(|| catch_unwind(AssertUnwindSafe(move || drop(fut))))
            });
        }
    }
}

impl Future for ModelTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.fut.is_none() {
            return Poll::Ready(());
        }
        let shared = this.shared.clone();
        shared.poll_begins(&this.state);
        let _polling = Polling(&shared);
        if shared.is_stopped() {
            // A verdict was reached: freeze, like the sim ending the run.
            return Poll::Pending;
        }
        if let Err(limit) = shared.count_poll() {
            shared.fail(limit);
            return Poll::Pending;
        }
        let waker = this.waker_for(cx.waker());
        let mut task_cx = Context::from_waker(&waker);
        let fut = this.fut.as_mut().expect("checked above");
        let view = TaskView::new(&shared, &this.state);
        let polled = with_installed(&view, || {
            quiet_panics(|| catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut task_cx))))
        });
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => {
                this.drop_future();
                shared.finished(&this.state);
                Poll::Ready(())
            }
            Err(payload) => {
                // The verdict first, so the driver sees it before it sees the task end.
                shared.fail(panic_outcome(&this.state.name, payload));
                this.drop_future();
                shared.finished(&this.state);
                Poll::Ready(())
            }
        }
    }
}

impl Drop for ModelTask {
    fn drop(&mut self) {
        self.drop_future();
    }
}
