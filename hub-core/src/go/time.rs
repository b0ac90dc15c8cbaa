//! Time in virtual terms: `sleep`, `timeout`, and a `Ticker` whose `c` is a channel, as in Go.
//! Nothing here reads the wall clock; the engine's clock is the only clock.

use super::chan::Chan;
use super::err::Elapsed;
use crate::rt::{self, SleepPoll, TimerId, WaitSite};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// `time.Sleep(d)`.
pub fn sleep(d: Duration) -> Sleep {
    Sleep {
        duration: d,
        deadline: None,
        timer: None,
    }
}

#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    duration: Duration,
    deadline: Option<Duration>,
    timer: Option<TimerId>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let first = self.deadline.is_none();
        let duration = self.duration;
        let deadline = *self
            .deadline
            .get_or_insert_with(|| rt::clock().saturating_add(duration));
        match rt::poll_sleep(deadline, first, cx.waker()) {
            SleepPoll::Ready => {
                self.timer = None;
                Poll::Ready(())
            }
            SleepPoll::Pending(timer) => {
                if let Some(old) = timer.and_then(|t| self.timer.replace(t)) {
                    rt::cancel_timer(old);
                }
                rt::note_wait(WaitSite::Sleep { until: deadline });
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(t) = self.timer.take() {
            rt::cancel_timer(t);
        }
    }
}

/// Run `fut` for at most `d` of virtual time (Go: `context.WithTimeout` around a call).
pub async fn timeout<F: Future>(d: Duration, fut: F) -> Result<F::Output, Elapsed> {
    let mut fut = std::pin::pin!(fut);
    let mut sleep = std::pin::pin!(sleep(d));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// `time.NewTimer(d)`: the engine sends the time on `c` (capacity 1) once, after `d`.
/// Dropping the timer stops it (Go: `t.Stop()`), so a select loop can make one per turn.
#[derive(Debug)]
pub struct Timer {
    pub c: Chan<Duration>,
    timer: TimerId,
}

impl Timer {
    pub fn new(name: &str, d: Duration) -> Timer {
        let c: Chan<Duration> = Chan::quiet(name, 1);
        let tx = c.clone();
        let timer = rt::add_timer(
            rt::now().saturating_add(d),
            Box::new(move |now| {
                let _ = tx.try_send(now);
                None
            }),
        );
        Timer { c, timer }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        rt::cancel_timer(self.timer);
    }
}

/// `time.NewTicker(period)`: the engine sends the current time on `c` (capacity 1) every
/// period, dropping ticks a slow reader misses, exactly like Go's ticker.
#[derive(Debug)]
pub struct Ticker {
    pub c: Chan<Duration>,
    timer: TimerId,
}

impl Ticker {
    pub fn new(name: &str, period: Duration) -> Ticker {
        assert!(!period.is_zero(), "non-positive interval for NewTicker");
        let c: Chan<Duration> = Chan::quiet(name, 1);
        let tx = c.clone();
        let first = rt::now().saturating_add(period);
        let timer = rt::add_timer(
            first,
            Box::new(move |now| {
                crate::model_event!("tick {}", tx.name());
                let _ = tx.try_send(now);
                Some(now.saturating_add(period))
            }),
        );
        Ticker { c, timer }
    }

    /// `ticker.Stop()`: no more ticks are sent (a pending one may remain in `c`).
    pub fn stop(&self) {
        rt::cancel_timer(self.timer);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}
