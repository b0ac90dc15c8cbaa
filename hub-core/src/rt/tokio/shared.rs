//! What one tokio run shares across worker threads, and the engine view each poll installs.
//!
//! The model reaches its engine through a thread-local pointer (`rt::with_installed`). tokio may
//! poll a task on any worker thread, so the engine is installed around every poll instead of
//! once per thread: [`TaskView`] is the engine as seen by one task (its wait site goes to its
//! own [`TaskState`]), and [`super::task::ModelTask`] installs it for each poll and drop.

use super::super::{with_installed, BoxTask, Engine, SleepPoll, TimerId, WaitSite};
use super::report::natural_order;
use super::task::ModelTask;
use crate::invariant::{payload_text, Violation};
use crate::sim::{quiet_panics, Blocked, Outcome, Rng};
use crate::sync::host::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use crate::sync::host::{Arc, Mutex, MutexGuard};
use ::tokio::runtime::Handle;
use ::tokio::sync::Notify;
use ::tokio::task::AbortHandle;
use ::tokio::time::Instant;
use std::any::Any;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;
use std::time::Duration;

pub(super) type Fire = Box<dyn FnMut(Duration) -> Option<Duration> + Send>;

/// The engine's own locks guard plain data; a model panic never happens while one is held.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One model task as the engine knows it: for verdicts and for the quiescence count.
pub(super) struct TaskState {
    pub name: Arc<str>,
    pub done: AtomicBool,
    /// Woken since its last poll began (see [`Shared::busy`]).
    pub scheduled: AtomicBool,
    /// What it last parked on (`note_wait`).
    pub wait: Mutex<Option<WaitSite>>,
}

impl TaskState {
    fn new(name: &str) -> Arc<TaskState> {
        Arc::new(TaskState {
            name: name.into(),
            done: AtomicBool::new(false),
            scheduled: AtomicBool::new(true),
            wait: Mutex::new(None),
        })
    }
}

/// Bounds a run needs inside its tasks.
pub(super) struct Limits {
    pub seed: u64,
    pub max_polls: u64,
}

pub(super) struct Shared {
    pub handle: Handle,
    /// tokio's clock when the run started: `rt::now()` is measured from here.
    start: Instant,
    rng: Mutex<Rng>,
    max_polls: u64,
    /// Every model task ever spawned, in spawn order.
    tasks: Mutex<Vec<Arc<TaskState>>>,
    /// Model tasks spawned and not finished.
    live: AtomicUsize,
    /// Model tasks being polled, or woken and not yet polled. With no timer due, 0 means no
    /// task can ever run again: how a multi-thread run tells "parked forever" from "slow".
    busy: AtomicUsize,
    polls: AtomicU64,
    /// The run is over (a verdict was reached): tasks are no longer polled.
    stopped: AtomicBool,
    failure: Mutex<Option<Outcome>>,
    pub failed: Notify,
    pub all_done: Notify,
    timers: Timers,
    /// Who timer callbacks run as.
    timer_task: Arc<TaskState>,
}

impl Shared {
    /// A fresh engine on the runtime of `handle`; call inside that runtime's context, so a
    /// paused runtime's clock is the one read.
    pub fn new(handle: Handle, limits: Limits) -> Arc<Shared> {
        Arc::new(Shared {
            handle,
            start: Instant::now(),
            rng: Mutex::new(Rng::new(limits.seed)),
            max_polls: limits.max_polls,
            tasks: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            polls: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            failure: Mutex::new(None),
            failed: Notify::new(),
            all_done: Notify::new(),
            timers: Timers::default(),
            timer_task: TaskState::new("timer"),
        })
    }

    pub fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }

    /// A model task about to be handed to tokio: counted live and busy (it will be polled).
    pub fn register(&self, name: &str) -> Arc<TaskState> {
        let state = TaskState::new(name);
        self.live.fetch_add(1, SeqCst);
        self.busy.fetch_add(1, SeqCst);
        lock(&self.tasks).push(state.clone());
        state
    }

    /// The task finished (returned or panicked).
    pub fn finished(&self, state: &TaskState) {
        state.done.store(true, SeqCst);
        if state.scheduled.swap(false, SeqCst) {
            self.busy.fetch_sub(1, SeqCst);
        }
        if self.live.fetch_sub(1, SeqCst) == 1 {
            self.all_done.notify_one();
        }
    }

    /// A poll begins: the task's wake (if any) turns into "being polled".
    pub fn poll_begins(&self, state: &TaskState) {
        if !state.scheduled.swap(false, SeqCst) {
            self.busy.fetch_add(1, SeqCst);
        }
    }

    pub fn poll_ends(&self) {
        self.busy.fetch_sub(1, SeqCst);
    }

    /// A waker fired for `state`.
    pub fn woken(&self, state: &TaskState) {
        if state.done.load(SeqCst) || state.scheduled.swap(true, SeqCst) {
            return;
        }
        self.busy.fetch_add(1, SeqCst);
        // Finished meanwhile: `finished` may have missed this wake; exactly one side undoes it.
        if state.done.load(SeqCst) && state.scheduled.swap(false, SeqCst) {
            self.busy.fetch_sub(1, SeqCst);
        }
    }

    /// Count a poll; the verdict if this one is over the bound.
    pub fn count_poll(&self) -> Result<(), Outcome> {
        let n = self.polls.fetch_add(1, SeqCst) + 1;
        if n > self.max_polls {
            return Err(Outcome::StepLimit {
                steps: n - 1,
                at: self.now(),
                reason: format!("{} polls", self.max_polls),
            });
        }
        Ok(())
    }

    pub fn polls(&self) -> u64 {
        self.polls.load(SeqCst).min(self.max_polls)
    }

    pub fn spawned(&self) -> usize {
        lock(&self.tasks).len()
    }

    pub fn live(&self) -> usize {
        self.live.load(SeqCst)
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(SeqCst)
    }

    pub fn stop(&self) {
        self.stopped.store(true, SeqCst);
    }

    /// Record the run's verdict if it has none yet, and stop the run.
    pub fn fail(&self, outcome: Outcome) {
        let mut failure = lock(&self.failure);
        if failure.is_none() {
            *failure = Some(outcome);
            self.stop();
            self.failed.notify_one();
        }
    }

    pub fn failure(&self) -> Option<Outcome> {
        lock(&self.failure).clone()
    }

    /// No task is running or about to run, and no timer is due by `horizon` (any timer, if
    /// None): nothing will happen before then.
    pub fn settled(&self, horizon: Option<Duration>) -> bool {
        self.busy.load(SeqCst) == 0 && !self.timers.due_by(horizon)
    }

    pub fn timers_pending(&self) -> bool {
        self.timers.due_by(None)
    }

    /// Tasks not finished, with what each last parked on, in natural name order
    /// (`conn#9` before `conn#10`) so that a multi-thread run lists them the same way each time.
    pub fn parked(&self) -> Vec<Blocked> {
        let mut parked: Vec<Blocked> = lock(&self.tasks)
            .iter()
            .filter(|t| !t.done.load(SeqCst))
            .map(|t| Blocked {
                task: t.name.to_string(),
                site: lock(&t.wait)
                    .as_ref()
                    .map_or_else(|| "(unknown)".to_string(), |w| w.to_string()),
            })
            .collect();
        parked.sort_by(|a, b| natural_order(&a.task, &b.task).then_with(|| a.site.cmp(&b.site)));
        parked
    }

    /// Spawn a model task on the runtime (detached, like a goroutine).
    pub fn spawn(self: &Arc<Self>, name: &str, fut: BoxTask) -> ::tokio::task::JoinHandle<()> {
        let state = self.register(name);
        self.spawn_registered(state, fut)
    }

    pub fn spawn_registered(
        self: &Arc<Self>,
        state: Arc<TaskState>,
        fut: BoxTask,
    ) -> ::tokio::task::JoinHandle<()> {
        self.handle.spawn(ModelTask::new(self.clone(), state, fut))
    }

    fn add_timer(self: &Arc<Self>, deadline: Duration, fire: Fire) -> TimerId {
        let id = self.timers.next.fetch_add(1, SeqCst);
        let slot = Arc::new(Mutex::new(Some(fire)));
        // Listed before its task can run, so the task's removal always finds it.
        lock(&self.timers.map).insert(
            id,
            TimerEntry {
                deadline,
                slot: slot.clone(),
                abort: None,
            },
        );
        let task = self
            .handle
            .spawn(run_timer(self.clone(), id, deadline, slot));
        if let Some(entry) = lock(&self.timers.map).get_mut(&id) {
            entry.abort = Some(task.abort_handle());
        }
        TimerId(id)
    }

    fn cancel_timer(&self, id: TimerId) {
        let entry = lock(&self.timers.map).remove(&id.0);
        if let Some(entry) = entry {
            // Taking the callback is the cancellation: a firing in progress finishes first
            // (it holds the slot), and none starts after this.
            drop(lock(&entry.slot).take());
            if let Some(abort) = entry.abort {
                abort.abort();
            }
        }
    }
}

/// The verdict for a panic payload raised in `task`.
pub(super) fn panic_outcome(task: &str, payload: Box<dyn Any + Send>) -> Outcome {
    match payload.downcast::<Violation>() {
        Ok(v) => Outcome::from_violation(*v),
        Err(payload) => Outcome::Panic {
            task: task.to_string(),
            message: payload_text(&*payload),
        },
    }
}

/// A timer is one small tokio task sleeping on tokio's clock (paused or real), so tokio's
/// timer wheel and auto-advance drive the model's `Timer`, `Ticker` and `sleep`.
async fn run_timer(
    shared: Arc<Shared>,
    id: u64,
    mut deadline: Duration,
    slot: Arc<Mutex<Option<Fire>>>,
) {
    loop {
        ::tokio::time::sleep_until(shared.start + deadline).await;
        let next = {
            let mut slot = lock(&slot);
            let Some(fire) = slot.as_mut() else { return };
            if shared.is_stopped() {
                return;
            }
            let now = shared.now();
            let view = TaskView::new(&shared, &shared.timer_task);
            let fired = with_installed(&view, || {
                quiet_panics(|| catch_unwind(AssertUnwindSafe(|| fire(now))))
            });
            match fired {
                Ok(next) => next,
                Err(payload) => {
                    shared.fail(panic_outcome("timer", payload));
                    None
                }
            }
        };
        match next {
            Some(next) => {
                deadline = next;
                if let Some(entry) = lock(&shared.timers.map).get_mut(&id) {
                    entry.deadline = next;
                }
            }
            None => {
                lock(&shared.timers.map).remove(&id);
                return;
            }
        }
    }
}

#[derive(Default)]
struct Timers {
    next: AtomicU64,
    /// Live timers by id (never iterated into anything a verdict shows).
    map: Mutex<HashMap<u64, TimerEntry>>,
}

struct TimerEntry {
    deadline: Duration,
    slot: Arc<Mutex<Option<Fire>>>,
    abort: Option<AbortHandle>,
}

impl Timers {
    fn due_by(&self, horizon: Option<Duration>) -> bool {
        let map = lock(&self.map);
        match horizon {
            None => !map.is_empty(),
            Some(h) => map.values().any(|t| t.deadline <= h),
        }
    }
}

/// The engine as one task sees it: shared state plus that task's own slot.
pub(super) struct TaskView<'a> {
    shared: &'a Arc<Shared>,
    task: &'a TaskState,
}

impl<'a> TaskView<'a> {
    pub fn new(shared: &'a Arc<Shared>, task: &'a TaskState) -> Self {
        TaskView { shared, task }
    }
}

impl Engine for TaskView<'_> {
    fn spawn(&self, name: String, task: BoxTask) {
        drop(self.shared.spawn(&name, task));
    }

    fn now(&self) -> Duration {
        self.shared.now()
    }

    fn add_timer(&self, deadline: Duration, fire: Fire) -> TimerId {
        self.shared.add_timer(deadline, fire)
    }

    fn cancel_timer(&self, id: TimerId) {
        self.shared.cancel_timer(id);
    }

    fn poll_sleep(&self, deadline: Duration, _first_poll: bool, waker: &Waker) -> SleepPoll {
        if self.shared.now() >= deadline {
            return SleepPoll::Ready;
        }
        let waker = waker.clone();
        let id = self.shared.add_timer(
            deadline,
            Box::new(move |_| {
                waker.wake_by_ref();
                None
            }),
        );
        SleepPoll::Pending(Some(id))
    }

    fn choose(&self, n: usize) -> usize {
        lock(&self.shared.rng).below(n)
    }

    fn note_wait(&self, site: WaitSite) {
        *lock(&self.task.wait) = Some(site);
    }
}
