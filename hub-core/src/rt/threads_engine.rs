//! The engine for checkers whose model tasks are threads (loom, shuttle): every model task is
//! one of the checker's threads running hub-core's own `block_on`, and virtual time moves the
//! way it does in Go's `testing/synctest` bubble and in `sim`: only when every model task is
//! parked. One generic engine over [`ModelThreads`], the few thread operations it needs;
//! `loom_engine` and `shuttle_engine` instantiate it.
//!
//! `block_on` parks the checker's thread and its waker unparks it. (Under loom this is measured:
//! on `double-close-router`'s fixed model at preemption bound 2, 996 executions against 455,727
//! with a `loom::sync::Notify` per task, and more still with `loom::future::block_on`; see
//! `loom_engine`.)
//!
//! # Time
//! Timers (`sleep`, `Timer`, `Ticker`, read and write deadlines) are real here. The engine
//! counts the tasks that can make progress; when the last one parks, its thread moves the
//! clock to the earliest timer and fires every timer due then, and the tasks those wake go
//! on. So a deadline never fires while some task could still act before it, in any of the
//! interleavings the checker explores: the same semantics as `sim`, which is what lets a fixed
//! variant whose correctness depends on timing (a pong extending a read deadline) pass at
//! all. Nothing reads the wall clock.
//!
//! The bookkeeping (clock, timers, who is parked) is host state that the checker does not see.
//! Both checkers run one thread at a time and switch only inside their own operations, and no
//! checker operation is performed while the bookkeeping lock is held, so each update is
//! atomic; the bookkeeping only decides *when* the clock moves, which is when every thread is
//! parked: a state that does not depend on the order the checker chose to get there. (Under
//! shuttle this also matters for another reason: its threads are coroutines on one OS thread,
//! so a host lock held across a switch would deadlock that thread.)
//!
//! # Verdicts
//! When every task is parked and no timer is due within the bounds, the model can never move
//! again. Rather than leaving that to the checker's own deadlock report (thread numbers, no
//! names), the engine panics with the same words `sim` uses: `deadlock:` (main is parked)
//! or `leak:` (main returned), then each parked task and what it waits on, e.g.
//! `leak: conn#2.writePump: recv on client#2.send (cap 256)`.
//!
//! Bounds come from `HUBRACE_MAX_VIRTUAL_SECS` (the clock never passes it: `virtual time
//! bound`) and `HUBRACE_LEAK_GRACE_MS` (after main returns, how long timers still fire), as
//! for `sim` ([`crate::sim::Config`]).

use super::{BoxTask, Engine, SleepPoll, TimerId, WaitSite};
use crate::sim::Blocked;
use crate::sync::host::{Arc as HostArc, Mutex as HostMutex};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// What the engine needs from a checker whose model tasks are its threads. Each operation is
/// the checker's own (a scheduling point where the checker makes it one), called in the same
/// order whatever the checker, so instantiating the engine changes nothing a checker explores.
pub(crate) trait ModelThreads: Sized + 'static {
    /// A handle to unpark a thread.
    type Thread: Clone + Send + Sync + 'static;
    type Id: Copy + PartialEq + Send + Sync + 'static;

    fn current() -> Self::Thread;
    fn id(thread: &Self::Thread) -> Self::Id;
    /// The current thread's id (a checker may get it more cheaply than a handle).
    fn current_id() -> Self::Id {
        Self::id(&Self::current())
    }
    fn unpark(thread: &Self::Thread);
    /// Park the current thread until unparked (a kept unpark returns at once; spurious
    /// returns are allowed).
    fn park();
    /// Start a detached thread for the model task `name`.
    fn spawn<F: FnOnce() + Send + 'static>(name: &str, body: F);
    /// Go's random pick among `n` ready alternatives, if the checker explores data choices.
    fn choose(n: usize) -> usize;
    /// This thread's slot for its execution's clock: a per-checker-thread local, fresh in every
    /// execution (`Self`'s `thread_local!`).
    fn with_clock_slot<R>(f: impl FnOnce(&ClockSlot<Self>) -> R) -> R;
}

/// A checker thread's handle on its execution's clock.
pub(crate) type ClockSlot<T> = RefCell<Option<HostArc<Clock<T>>>>;

/// The engine over checker `T`'s threads.
pub(crate) struct ThreadsEngine<T>(PhantomData<T>);

impl<T> ThreadsEngine<T> {
    pub(crate) const fn new() -> Self {
        ThreadsEngine(PhantomData)
    }
}

type TimerFn = Box<dyn FnMut(Duration) -> Option<Duration> + Send>;

/// One execution's clock and tasks.
pub(crate) struct Clock<T: ModelThreads> {
    state: HostMutex<State<T>>,
}

struct State<T: ModelThreads> {
    now: Duration,
    max_time: Duration,
    leak_grace: Duration,
    /// By id: (deadline, callback). Few at a time, so the earliest is found by a scan.
    timers: BTreeMap<u64, (Duration, TimerFn)>,
    next_timer: u64,
    tasks: Vec<Task<T>>,
    /// Tasks that are neither parked nor done.
    running: usize,
    main_done_at: Option<Duration>,
}

struct Task<T: ModelThreads> {
    name: String,
    thread: Option<T::Id>,
    parked: bool,
    /// Woken while running: the next park returns at once (the checker keeps the unpark).
    woken: bool,
    done: bool,
    site: Option<WaitSite>,
}

/// The clock of the execution this checker thread belongs to. The checker gives every
/// execution fresh threads with fresh locals, so main's first access makes a new clock;
/// spawned tasks are handed their creator's.
fn clock<T: ModelThreads>() -> HostArc<Clock<T>> {
    T::with_clock_slot(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| HostArc::new(Clock::new()))
            .clone()
    })
}

impl<T: ModelThreads> Clock<T> {
    fn new() -> Clock<T> {
        let limits = crate::sim::Config::from_env().unwrap_or_else(|e| panic!("{e}"));
        Clock {
            state: HostMutex::new(State {
                now: Duration::ZERO,
                max_time: limits.max_time,
                leak_grace: limits.leak_grace,
                timers: BTreeMap::new(),
                next_timer: 0,
                // The thread that first touches the clock is the model's main thread (spawned
                // threads exist only after a spawn touched it); it runs from the start.
                tasks: vec![Task::new("main".to_string(), Some(T::current_id()))],
                running: 1,
                main_done_at: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: ModelThreads> State<T> {
    fn current_task(&self) -> Option<usize> {
        let me = T::current_id();
        self.tasks.iter().position(|t| t.thread == Some(me))
    }

    /// The timers due at the earliest deadline (with their ids, so a ticker re-arms under
    /// the id its owner cancels), if the bounds let the clock get there.
    fn take_due(&mut self) -> Result<Vec<(u64, TimerFn)>, Duration> {
        let Some(deadline) = self.timers.values().map(|(d, _)| *d).min() else {
            return Ok(Vec::new());
        };
        let horizon = match self.main_done_at {
            Some(done) => done.saturating_add(self.leak_grace).min(self.max_time),
            None => self.max_time,
        };
        if deadline > horizon {
            return if self.main_done_at.is_some() {
                Ok(Vec::new())
            } else {
                Err(self.max_time)
            };
        }
        self.now = self.now.max(deadline);
        let due: Vec<u64> = self
            .timers
            .iter()
            .filter(|(_, (d, _))| *d == deadline)
            .map(|(id, _)| *id)
            .collect();
        Ok(due
            .into_iter()
            .filter_map(|id| self.timers.remove(&id).map(|(_, f)| (id, f)))
            .collect())
    }

    fn add_timer(&mut self, deadline: Duration, fire: TimerFn) -> u64 {
        let id = self.next_timer;
        self.next_timer += 1;
        self.timers.insert(id, (deadline, fire));
        id
    }

    /// Every task not ended, with what it last waited on, sorted.
    fn blocked(&self) -> Vec<Blocked> {
        let mut blocked: Vec<Blocked> = self
            .tasks
            .iter()
            .filter(|t| !t.done)
            .map(|t| Blocked {
                task: t.name.clone(),
                site: t
                    .site
                    .as_ref()
                    .map_or_else(|| "parked".to_string(), ToString::to_string),
            })
            .collect();
        blocked.sort();
        blocked
    }

    fn alive(&self) -> Vec<String> {
        self.blocked().iter().map(ToString::to_string).collect()
    }

    /// The verdict when no task can ever run again, or `None` if every task has ended.
    fn stuck(&self) -> Option<String> {
        let blocked = self.blocked();
        if blocked.is_empty() {
            return None;
        }
        let kind = if self.main_done_at.is_some() {
            "leak"
        } else {
            "deadlock"
        };
        let list: Vec<String> = blocked.iter().map(ToString::to_string).collect();
        Some(format!(
            "{kind}: {} (virtual time {}, every model task parked, no timer due)",
            list.join("; "),
            crate::sim::fmt_time(self.now)
        ))
    }
}

/// What a task does after a poll returned `Pending`, or after its future completed.
enum Next {
    /// Park the task's thread (an unpark may already be waiting).
    Wait,
    /// This task is the last one that can move: fire the timers due next, then decide again.
    Fire(Vec<(u64, TimerFn)>, Duration),
    /// Done; nothing more to do.
    Return,
}

/// Decide under the clock lock; act (fire, wait, panic) outside it, since acting performs
/// checker operations and the checker may switch threads there.
fn settle<T: ModelThreads>(clock: &Clock<T>, task: usize, finished: bool) -> Next {
    let mut st = clock.lock();
    if !finished && st.tasks[task].woken {
        st.tasks[task].woken = false;
        return Next::Wait;
    }
    if st.running == 1 {
        match st.take_due() {
            Ok(due) if !due.is_empty() => {
                let now = st.now;
                return Next::Fire(due, now);
            }
            Ok(_) => {}
            Err(bound) => {
                let alive = st.alive().join("; ");
                drop(st);
                panic!(
                    "virtual time bound {} reached with timers pending (a ticker that never \
                     stops?); tasks: {alive}",
                    crate::sim::fmt_time(bound)
                );
            }
        }
    }
    st.running -= 1;
    if finished {
        st.tasks[task].done = true;
        if task == 0 {
            st.main_done_at = Some(st.now);
        }
    } else {
        st.tasks[task].parked = true;
    }
    if st.running == 0 {
        if let Some(verdict) = st.stuck() {
            drop(st);
            panic!("{verdict}");
        }
    }
    if finished {
        Next::Return
    } else {
        Next::Wait
    }
}

fn fire<T: ModelThreads>(clock: &Clock<T>, due: Vec<(u64, TimerFn)>, now: Duration) {
    for (id, mut f) in due {
        if let Some(next) = f(now) {
            clock.lock().timers.insert(id, (next, f));
        }
    }
}

struct TaskWaker<T: ModelThreads> {
    clock: HostArc<Clock<T>>,
    task: usize,
    thread: T::Thread,
}

impl<T: ModelThreads> Wake for TaskWaker<T> {
    fn wake(self: HostArc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &HostArc<Self>) {
        {
            let mut st = self.clock.lock();
            let t = &mut st.tasks[self.task];
            if t.parked {
                t.parked = false;
                st.running += 1;
            } else if !t.done {
                t.woken = true;
            }
        }
        T::unpark(&self.thread);
    }
}

impl<T: ModelThreads> Task<T> {
    fn new(name: String, thread: Option<T::Id>) -> Task<T> {
        Task {
            name,
            thread,
            parked: false,
            woken: false,
            done: false,
            site: None,
        }
    }
}

fn register<T: ModelThreads>(clock: &Clock<T>, name: String) -> usize {
    let mut st = clock.lock();
    st.running += 1;
    st.tasks.push(Task::new(name, None));
    st.tasks.len() - 1
}

/// Drive task `task`'s future to completion on the current checker thread.
fn run_task<T: ModelThreads, F: Future>(
    clock: HostArc<Clock<T>>,
    task: usize,
    future: F,
) -> F::Output {
    clock.lock().tasks[task].thread = Some(T::current_id());
    T::with_clock_slot(|c| *c.borrow_mut() = Some(clock.clone()));
    let waker = HostArc::new(TaskWaker {
        clock: clock.clone(),
        task,
        thread: T::current(),
    });
    let as_waker = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&as_waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            while let Next::Fire(due, now) = settle(&clock, task, true) {
                fire(&clock, due, now);
            }
            return v;
        }
        while let Next::Fire(due, now) = settle(&clock, task, false) {
            fire(&clock, due, now);
        }
        T::park();
        // Whoever returns from `park` runs (a wake may have come from an unpark left over).
        let mut st = clock.lock();
        if std::mem::take(&mut st.tasks[task].parked) {
            st.running += 1;
        }
    }
}

/// Drive a future to completion on the current checker thread: the model's `main` task when
/// called from the model's main thread (spawned tasks run through the same loop). Main
/// counts as ended while it is outside `block_on`.
pub(crate) fn block_on<T: ModelThreads, F: Future>(future: F) -> F::Output {
    let clock = clock::<T>();
    let task = {
        let mut st = clock.lock();
        let t = st.current_task().unwrap_or(0);
        if st.tasks[t].done {
            // main again, after an earlier `block_on` on this thread returned
            st.tasks[t].done = false;
            st.running += 1;
            st.main_done_at = None;
        }
        t
    };
    run_task(clock, task, future)
}

impl<T: ModelThreads> Engine for ThreadsEngine<T> {
    fn spawn(&self, name: String, task: BoxTask) {
        let clock = clock::<T>();
        let thread_name = name.clone();
        let id = register(&clock, name);
        // Detached, like a goroutine; the engine reports a task left parked at the end.
        T::spawn(&thread_name, move || run_task(clock, id, task));
    }

    fn now(&self) -> Duration {
        clock::<T>().lock().now
    }

    fn add_timer(&self, deadline: Duration, fire: TimerFn) -> TimerId {
        TimerId(clock::<T>().lock().add_timer(deadline, fire))
    }

    fn cancel_timer(&self, id: TimerId) {
        clock::<T>().lock().timers.remove(&id.0);
    }

    fn poll_sleep(&self, deadline: Duration, _first: bool, waker: &Waker) -> SleepPoll {
        let clock = clock::<T>();
        let mut st = clock.lock();
        if st.now >= deadline {
            return SleepPoll::Ready;
        }
        let waker = waker.clone();
        let id = st.add_timer(
            deadline,
            Box::new(move |_| {
                waker.wake_by_ref();
                None
            }),
        );
        SleepPoll::Pending(Some(TimerId(id)))
    }

    fn choose(&self, n: usize) -> usize {
        T::choose(n)
    }

    fn current_task(&self) -> Option<String> {
        let clock = clock::<T>();
        let st = clock.lock();
        st.current_task().map(|t| st.tasks[t].name.clone())
    }

    fn note_wait(&self, site: WaitSite) {
        let clock = clock::<T>();
        let mut st = clock.lock();
        if let Some(t) = st.current_task() {
            st.tasks[t].site = Some(site);
        }
    }
}
