//! The run loop: one thread, no OS threads, every step chosen by a [`Decide`]r.

use super::digest::Digests;
use super::outcome::{Blocked, Outcome};
use super::schedule::{Decision, DecisionKind, Schedule};
use super::trace::{Trace, TraceLine};
use super::{Config, Instance};
use crate::invariant::{payload_text, Violation};
use crate::rt::digest::{mix, tagged, Tag};
use crate::rt::{self, BoxTask, Engine, ObjectKind, SleepPoll, TimerId, WaitSite};
use crate::sync::host::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::host::{Arc as HostArc, Mutex as HostMutex, Once};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Who picks at each decision.
pub(crate) trait Decide {
    /// An option index below `options`, or None to abandon the run (a DFS branch that sleep
    /// sets prove redundant). `candidates`: the runnable task ids in option order (empty for
    /// a `Choose`).
    fn decide(
        &mut self,
        index: usize,
        kind: DecisionKind,
        options: u32,
        candidates: &[usize],
    ) -> Option<u32>;

    /// Whether the executor should report step footprints (costs a little per lock).
    fn wants_footprints(&self) -> bool {
        false
    }

    /// After every task step: which task ran, the objects it touched (sorted, deduplicated),
    /// and whether it made a `Choose` decision. With digests, also the task's identity and
    /// the touched objects' keys by identity (see `accesses`), stable across runs.
    fn after_step(&mut self, _task: usize, _step: StepFootprint<'_>) {}

    /// Timers fired: the clock moved, so every task's next step may differ.
    fn on_clock(&mut self) {}

    /// The only runnable task is about to run (no decision): false abandons the run.
    fn may_run_alone(&mut self, _task: usize) -> bool {
        true
    }

    /// Whether the executor should keep state digests (see [`super::digest`]).
    fn wants_digests(&self) -> bool {
        false
    }

    /// The state is `digest` (None: it cannot be digested soundly), after `decisions`
    /// decisions and `steps` steps: before a scheduling decision, or at a quiescent point
    /// (every task parked, the clock about to move or the run to end). `identity`: each
    /// task's identity by index. False abandons the run (its future was explored).
    fn at_state(
        &mut self,
        _digest: Option<u128>,
        _decisions: usize,
        _steps: u64,
        _quiescent: bool,
        _identity: &[u128],
    ) -> bool {
        true
    }
}

/// What a step touched (see [`Decide::after_step`]).
pub(crate) struct StepFootprint<'a> {
    /// `object id << 1 | written`, sorted, one entry per object.
    pub objects: &'a [u64],
    pub had_choose: bool,
    /// With digests: the task's identity and `object key << 1 | written` by identity, sorted.
    pub stable: Option<(u64, &'a [u64])>,
}

/// Follow a schedule; past its end, take the default.
pub(crate) struct Scripted<'a>(pub &'a [u32]);

impl Decide for Scripted<'_> {
    fn decide(&mut self, index: usize, _: DecisionKind, options: u32, _: &[usize]) -> Option<u32> {
        Some(self.0.get(index).map_or(0, |c| c % options))
    }
}

/// Everything one run produced.
#[derive(Clone, Debug)]
pub struct Run {
    pub outcome: Outcome,
    /// The choices this run took, trailing defaults trimmed: replaying it gives this run.
    pub schedule: Schedule,
    pub decisions: Vec<Decision>,
    pub steps: u64,
    /// Virtual time when the run ended.
    pub end: Duration,
    /// The timeline (empty unless the run recorded).
    pub trace: Trace,
    /// The run was abandoned by its decider (a redundant DFS branch): not a schedule.
    pub pruned: bool,
}

/// A task's "runnable" flag; setting it also queues the task's index on `woken`, so the
/// run loop keeps its runnable set without scanning every task at every step.
struct TaskFlag(AtomicBool, usize, HostArc<HostMutex<Vec<usize>>>);

impl TaskFlag {
    fn set(&self) {
        if !self.0.swap(true, Ordering::Relaxed) {
            self.2
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.1);
        }
    }
}

impl Wake for TaskFlag {
    fn wake(self: HostArc<Self>) {
        self.set();
    }
    fn wake_by_ref(self: &HostArc<Self>) {
        self.set();
    }
}

struct Task {
    name: HostArc<str>,
    fut: Option<BoxTask>,
    flag: HostArc<TaskFlag>,
    waker: Waker,
    done: bool,
    wait: Option<WaitSite>,
}

struct Timer {
    id: u64,
    deadline: Duration,
    fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
    /// What the timer is, independent of creation order (state digests).
    identity: u128,
}

struct Core<'d> {
    tasks: RefCell<Vec<Task>>,
    now: Cell<Duration>,
    timers: RefCell<Vec<Timer>>,
    next_timer: Cell<u64>,
    current: Cell<Option<usize>>,
    step: Cell<u64>,
    decide: RefCell<&'d mut dyn Decide>,
    decisions: RefCell<Vec<Decision>>,
    trace: Option<RefCell<Vec<TraceLine>>>,
    /// Objects touched by the running step, if the decider wants footprints.
    footprint: Option<RefCell<Vec<u64>>>,
    step_chose: Cell<bool>,
    next_object: Cell<u64>,
    pruned: Cell<bool>,
    digests: Option<RefCell<Digests>>,
    /// Tasks whose flag was set since the run loop last looked (see `TaskFlag`).
    woken: HostArc<HostMutex<Vec<usize>>>,
    /// Distinct for every run in this process (never reaches any output).
    run_id: u64,
    /// Runnable tasks (flag set, not done), ascending.
    runnable: RefCell<Vec<usize>>,
}

/// Who timeline lines are attributed to when no task is running.
const TIMER_TASK: &str = "timer";
const VERDICT_TASK: &str = "sim";

impl Core<'_> {
    /// Ask the decider; None means the run is abandoned.
    fn decision(&self, kind: DecisionKind, options: u32, candidates: &[usize]) -> Option<u32> {
        let index = self.decisions.borrow().len();
        let taken = self
            .decide
            .borrow_mut()
            .decide(index, kind, options, candidates)?;
        debug_assert!(taken < options);
        if kind == DecisionKind::Choose {
            self.step_chose.set(true);
        }
        self.decisions.borrow_mut().push(Decision {
            kind,
            options,
            taken,
        });
        Some(taken)
    }

    fn push_line(&self, task: HostArc<str>, text: String) {
        if let Some(trace) = &self.trace {
            trace.borrow_mut().push(TraceLine {
                step: self.step.get(),
                time: self.now.get(),
                task,
                text,
            });
        }
    }

    fn current_name(&self) -> HostArc<str> {
        match self.current.get() {
            Some(id) => self.tasks.borrow()[id].name.clone(),
            None => TIMER_TASK.into(),
        }
    }

    fn blocked(&self) -> Vec<Blocked> {
        self.tasks
            .borrow()
            .iter()
            .filter(|t| !t.done)
            .map(|t| Blocked {
                task: t.name.to_string(),
                site: t
                    .wait
                    .as_ref()
                    .map_or_else(|| "(unknown)".to_string(), |w| w.to_string()),
            })
            .collect()
    }

    /// Fire every timer due at the earliest deadline (advancing the clock to it), if that
    /// deadline is within `horizon`. Returns whether anything fired.
    fn fire_timers(&self, horizon: Duration) -> bool {
        let next = self.timers.borrow().iter().map(|t| t.deadline).min();
        let Some(deadline) = next else { return false };
        if deadline > horizon {
            return false;
        }
        if deadline > self.now.get() {
            self.now.set(deadline);
        }
        self.current.set(None);
        self.decide.borrow_mut().on_clock();
        loop {
            let due = {
                let mut timers = self.timers.borrow_mut();
                let pos = timers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.deadline <= deadline)
                    .min_by_key(|(_, t)| (t.deadline, t.id))
                    .map(|(i, _)| i);
                pos.map(|i| timers.swap_remove(i))
            };
            let Some(mut timer) = due else { break };
            if let Some(d) = &self.digests {
                let mut d = d.borrow_mut();
                d.timer_gone(timer.deadline, timer.identity);
                d.firing = Some(mix(timer.identity, self.now.get().as_nanos()));
            }
            let next = (timer.fire)(self.now.get());
            if let Some(d) = &self.digests {
                d.borrow_mut().firing = None;
            }
            if let Some(next) = next {
                timer.deadline = next;
                if let Some(d) = &self.digests {
                    d.borrow_mut().timer_set(timer.deadline, timer.identity);
                }
                self.timers.borrow_mut().push(timer);
            }
        }
        true
    }

    fn run_loop(&self, config: &Config) -> Outcome {
        let mut runnable: Vec<usize> = Vec::with_capacity(16);
        let mut main_done_at: Option<Duration> = None;
        loop {
            if self.step.get() >= config.max_steps {
                return Outcome::StepLimit {
                    steps: self.step.get(),
                    at: self.now.get(),
                    reason: format!("{} steps", config.max_steps),
                };
            }
            runnable.clear();
            {
                let tasks = self.tasks.borrow();
                let mut set = self.runnable.borrow_mut();
                for i in self
                    .woken
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .drain(..)
                {
                    if let Err(at) = set.binary_search(&i) {
                        set.insert(at, i);
                    }
                }
                set.retain(|&i| !tasks[i].done && tasks[i].flag.0.load(Ordering::Relaxed));
                let current = self.current.get();
                // Option 0 is the task that just ran, if it can go on.
                if let Some(c) = current {
                    if set.binary_search(&c).is_ok() {
                        runnable.push(c);
                    }
                }
                runnable.extend(set.iter().copied().filter(|&i| Some(i) != current));
            }
            // Stateful DFS: a state explored before ends this run (see `digest`).
            if self.digests.is_some()
                && (runnable.len() != 1)
                && !self.check_state(main_done_at, &runnable)
            {
                self.pruned.set(true);
                return Outcome::Pass;
            }
            if runnable.is_empty() {
                let horizon = match main_done_at {
                    Some(done) => done.saturating_add(config.leak_grace).min(config.max_time),
                    None => config.max_time,
                };
                if self.fire_timers(horizon) {
                    continue;
                }
                let pending_timer = self.timers.borrow().iter().any(|_| true);
                return match main_done_at {
                    None if pending_timer => Outcome::StepLimit {
                        steps: self.step.get(),
                        at: self.now.get(),
                        reason: format!("virtual time bound {}", super::fmt_time(config.max_time)),
                    },
                    None => Outcome::Deadlock {
                        blocked: self.blocked(),
                    },
                    Some(_) => {
                        let blocked = self.blocked();
                        if blocked.is_empty() {
                            Outcome::Pass
                        } else {
                            Outcome::Leak { blocked }
                        }
                    }
                };
            }
            let pick = if runnable.len() > 1 {
                let preemptible = self
                    .current
                    .get()
                    .is_some_and(|c| runnable.first() == Some(&c));
                let kind = DecisionKind::Schedule { preemptible };
                match self.decision(kind, runnable.len() as u32, &runnable) {
                    Some(i) => runnable[i as usize],
                    None => {
                        self.pruned.set(true);
                        return Outcome::Pass;
                    }
                }
            } else {
                if !self.decide.borrow_mut().may_run_alone(runnable[0]) {
                    self.pruned.set(true);
                    return Outcome::Pass;
                }
                runnable[0]
            };
            if let Err(outcome) = self.poll_task(pick) {
                return outcome;
            }
            if self.pruned.get() {
                return Outcome::Pass;
            }
            if pick == 0 && main_done_at.is_none() && self.tasks.borrow()[0].done {
                main_done_at = Some(self.now.get());
            }
        }
    }

    fn poll_task(&self, id: usize) -> Result<(), Outcome> {
        let (mut fut, waker, name) = {
            let mut tasks = self.tasks.borrow_mut();
            let t = &mut tasks[id];
            t.flag.0.store(false, Ordering::Relaxed);
            (
                t.fut.take().expect("runnable task has its future"),
                t.waker.clone(),
                t.name.clone(),
            )
        };
        self.current.set(Some(id));
        self.step.set(self.step.get() + 1);
        let _span = tracing::trace_span!(target: "hub_core::sim", "step",
            n = self.step.get(), t = %super::fmt_time(self.now.get()), task = %name)
        .entered();
        let mut cx = Context::from_waker(&waker);
        if let Some(fp) = &self.footprint {
            fp.borrow_mut().clear();
        }
        self.step_chose.set(false);
        let polled = quiet_panics(|| catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))));
        if self.pruned.get() {
            // A `Choose` inside the step was refused: drop the step's effects on the floor.
            let mut tasks = self.tasks.borrow_mut();
            if let Ok(Poll::Pending) = polled {
                tasks[id].fut = Some(fut);
            }
            return Ok(());
        }
        if let Some(fp) = &self.footprint {
            let mut fp = fp.borrow_mut();
            fp.sort_unstable();
            fp.dedup();
            // Keep one entry per object: the written one if it was also written.
            fp.dedup_by(|later, earlier| {
                if *later >> 1 == *earlier >> 1 {
                    *earlier |= *later & 1;
                    true
                } else {
                    false
                }
            });
            let stable = self.digests.as_ref().map(|d| {
                let d = d.borrow();
                let mut keys: Vec<u64> = fp
                    .iter()
                    .map(|&e| match d.seed(e >> 1) {
                        0 => super::accesses::ANONYMOUS << 1 | (e & 1),
                        seed => (seed as u64) << 1 | (e & 1),
                    })
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                (d.identity[id] as u64, keys)
            });
            self.decide.borrow_mut().after_step(
                id,
                StepFootprint {
                    objects: &fp,
                    had_choose: self.step_chose.get(),
                    stable: stable.as_ref().map(|(t, k)| (*t, &k[..])),
                },
            );
        }
        match polled {
            Ok(Poll::Ready(())) => {
                self.tasks.borrow_mut()[id].done = true;
                if let Some(d) = &self.digests {
                    d.borrow_mut().finished(id);
                }
                self.push_line(name, "exit".to_string());
                drop(fut);
                Ok(())
            }
            Ok(Poll::Pending) => {
                let blocked_line = {
                    let mut tasks = self.tasks.borrow_mut();
                    let t = &mut tasks[id];
                    t.fut = Some(fut);
                    let parked = !t.flag.0.load(Ordering::Relaxed);
                    (parked && self.trace.is_some())
                        .then(|| t.wait.as_ref().map(|w| format!("blocked: {w}")))
                        .flatten()
                };
                if let Some(text) = blocked_line {
                    self.push_line(name, text);
                }
                Ok(())
            }
            Err(payload) => {
                self.tasks.borrow_mut()[id].done = true;
                if let Some(d) = &self.digests {
                    d.borrow_mut().finished(id);
                }
                let outcome = match payload.downcast::<Violation>() {
                    Ok(v) => Outcome::from_violation(*v),
                    Err(payload) => {
                        let message = payload_text(&*payload);
                        self.push_line(name.clone(), format!("panic: {message}"));
                        Outcome::Panic {
                            task: name.to_string(),
                            message,
                        }
                    }
                };
                // The future is dropped with the other tasks, inside the engine.
                Err(outcome)
            }
        }
    }

    fn push_timer(
        &self,
        deadline: Duration,
        fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
        identity: u128,
    ) -> TimerId {
        let id = self.next_timer.get();
        self.next_timer.set(id + 1);
        if let Some(d) = &self.digests {
            d.borrow_mut().timer_set(deadline, identity);
        }
        self.timers.borrow_mut().push(Timer {
            id,
            deadline,
            fire,
            identity,
        });
        TimerId(id)
    }

    /// Digest the state (see [`super::digest`]) before a decision among `runnable`, or at a
    /// quiescent point (none runnable), and ask the decider whether to go on.
    fn check_state(&self, main_done_at: Option<Duration>, runnable: &[usize]) -> bool {
        let Some(d) = &self.digests else { return true };
        let d = d.borrow();
        let digest = d.digest(self.now.get(), main_done_at).map(|h| {
            // Who may run next is part of the state (a woken task has not yet looked).
            let woken = runnable.iter().fold(0u128, |sum, &t| {
                sum.wrapping_add(mix(tagged(Tag::Task, d.identity[t]), 1))
            });
            mix(h, woken)
        });
        let decisions = self.decisions.borrow().len();
        self.decide.borrow_mut().at_state(
            digest,
            decisions,
            self.step.get(),
            runnable.is_empty(),
            &d.identity,
        )
    }

    fn spawn_task(&self, name: String, fut: BoxTask) {
        if let Some(d) = &self.digests {
            let mut d = d.borrow_mut();
            let parent = d.actor_identity(self.current.get());
            let child = mix(tagged(Tag::Spawned, parent), *d.actor(self.current.get()));
            d.observe(self.current.get(), child);
            d.spawned(child);
        }
        let index = self.tasks.borrow().len();
        self.woken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(index);
        let flag = HostArc::new(TaskFlag(AtomicBool::new(true), index, self.woken.clone()));
        self.tasks.borrow_mut().push(Task {
            name: name.into(),
            fut: Some(fut),
            waker: Waker::from(flag.clone()),
            flag,
            done: false,
            wait: None,
        });
    }
}

impl Engine for Core<'_> {
    fn spawn(&self, name: String, task: BoxTask) {
        self.spawn_task(name, task);
    }

    fn now(&self) -> Duration {
        let now = self.now.get();
        if let Some(d) = &self.digests {
            d.borrow_mut()
                .observe(self.current.get(), tagged(Tag::Now, now.as_nanos()));
        }
        now
    }

    fn clock(&self) -> Duration {
        self.now.get()
    }

    fn add_timer(
        &self,
        deadline: Duration,
        fire: Box<dyn FnMut(Duration) -> Option<Duration> + Send>,
    ) -> TimerId {
        // Made by the model (a Go timer or ticker): what it does is a function of its maker's
        // state, so its identity is the maker's history.
        let identity = match &self.digests {
            Some(d) => {
                let mut d = d.borrow_mut();
                let current = self.current.get();
                let identity = mix(tagged(Tag::Timer, *d.actor(current)), deadline.as_nanos());
                d.observe(current, identity);
                identity
            }
            None => 0,
        };
        self.push_timer(deadline, fire, identity)
    }

    fn cancel_timer(&self, id: TimerId) {
        let mut timers = self.timers.borrow_mut();
        if let Some(i) = timers.iter().position(|t| t.id == id.0) {
            let t = timers.swap_remove(i);
            if let Some(d) = &self.digests {
                d.borrow_mut().timer_gone(t.deadline, t.identity);
            }
        }
    }

    fn poll_sleep(&self, deadline: Duration, _first: bool, waker: &Waker) -> SleepPoll {
        if self.now.get() >= deadline {
            return SleepPoll::Ready;
        }
        let waker = waker.clone();
        // It only wakes its task: the task and the deadline say everything about it.
        let identity = match &self.digests {
            Some(d) => mix(
                tagged(Tag::Sleep, d.borrow().actor_identity(self.current.get())),
                deadline.as_nanos(),
            ),
            None => 0,
        };
        let id = self.push_timer(
            deadline,
            Box::new(move |_| {
                waker.wake_by_ref();
                None
            }),
            identity,
        );
        SleepPoll::Pending(Some(id))
    }

    fn choose(&self, n: usize) -> usize {
        match self.decision(DecisionKind::Choose, n as u32, &[]) {
            Some(i) => {
                if let Some(d) = &self.digests {
                    let what = tagged(Tag::Choose, mix(n as u128, u128::from(i)));
                    d.borrow_mut().observe(self.current.get(), what);
                }
                i as usize
            }
            None => {
                // Finish this step on the default; the loop then ends the run as pruned.
                self.pruned.set(true);
                0
            }
        }
    }

    fn note_wait(&self, site: WaitSite) {
        if let Some(id) = self.current.get() {
            self.tasks.borrow_mut()[id].wait = Some(site);
        }
    }

    fn object_id(&self, kind: ObjectKind) -> u64 {
        let id = self.next_object.get();
        self.next_object.set(id + 1);
        if let Some(d) = &self.digests {
            d.borrow_mut().create(id, kind, self.current.get());
        }
        id
    }

    fn touch(&self, id: u64, write: bool) {
        if let Some(fp) = &self.footprint {
            // Low bit: written. After sort + dedup, a written id appears as `2id+1`.
            fp.borrow_mut().push(id << 1 | u64::from(write));
        }
        if let Some(d) = &self.digests {
            d.borrow_mut().lock(id, write, self.current.get());
        }
    }

    fn forget(&self, id: u64) {
        if let Some(d) = &self.digests {
            d.borrow_mut().forget(id);
        }
    }

    fn digesting(&self) -> bool {
        self.digests.is_some()
    }

    fn run_id(&self) -> u64 {
        self.run_id
    }

    fn observe(&self, what: u128) {
        if let Some(d) = &self.digests {
            d.borrow_mut().observe(self.current.get(), what);
        }
    }

    fn provenance(&self) -> u128 {
        self.digests
            .as_ref()
            .map_or(0, |d| *d.borrow_mut().actor(self.current.get()))
    }

    fn current_identity(&self) -> u128 {
        self.digests
            .as_ref()
            .map_or(0, |d| d.borrow().actor_identity(self.current.get()))
    }

    fn object_seed(&self, id: u64) -> u128 {
        self.digests.as_ref().map_or(0, |d| d.borrow().seed(id))
    }

    fn publish(&self, id: u64, summary: u128) {
        if let Some(d) = &self.digests {
            d.borrow_mut().publish(id, summary);
        }
    }

    fn recording(&self) -> bool {
        self.trace.is_some()
    }

    fn record(&self, text: String) {
        if self.trace.is_some() {
            let task = self.current_name();
            self.push_line(task, text);
        }
    }
}

thread_local! {
    static SUPPRESS_PANIC_OUTPUT: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` (which catches its own panics) with panic output off on this thread. Needs
/// [`install_panic_filter`] once per process; the tokio engine uses both too.
pub(crate) fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    let was = SUPPRESS_PANIC_OUTPUT.with(|s| s.replace(true));
    let out = f();
    SUPPRESS_PANIC_OUTPUT.with(|s| s.set(was));
    out
}

/// Model panics are verdicts, not crashes: keep them off stderr while a task is polled.
pub(crate) fn install_panic_filter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !SUPPRESS_PANIC_OUTPUT.with(|s| s.get()) {
                previous(info);
            }
        }));
    });
}

/// Run one program instance under `decide`.
pub(crate) fn run(config: &Config, decide: &mut dyn Decide, make: &dyn Fn() -> Instance) -> Run {
    install_panic_filter();
    let footprints = decide.wants_footprints();
    let digests = decide.wants_digests();
    let core = Core {
        tasks: RefCell::new(Vec::with_capacity(8)),
        now: Cell::new(Duration::ZERO),
        timers: RefCell::new(Vec::new()),
        next_timer: Cell::new(0),
        current: Cell::new(None),
        step: Cell::new(0),
        decide: RefCell::new(decide),
        decisions: RefCell::new(Vec::with_capacity(32)),
        trace: config.record.then(|| RefCell::new(Vec::new())),
        footprint: footprints.then(|| RefCell::new(Vec::new())),
        step_chose: Cell::new(false),
        // 0 is "no engine"; objects of this run count from 1.
        next_object: Cell::new(1),
        pruned: Cell::new(false),
        digests: digests.then(|| RefCell::new(Digests::default())),
        woken: HostArc::new(HostMutex::new(Vec::new())),
        run_id: {
            static RUNS: AtomicU64 = AtomicU64::new(1);
            RUNS.fetch_add(1, Ordering::Relaxed)
        },
        runnable: RefCell::new(Vec::new()),
    };
    let body = || {
        rt::with_installed(&core, || {
            let instance = make();
            core.spawn_task("main".to_string(), instance.main);
            let mut outcome = core.run_loop(config);
            if outcome.is_pass() && !core.pruned.get() {
                if let Some(check) = instance.check {
                    if let Err(v) = check() {
                        outcome = Outcome::from_violation(v);
                    }
                }
            }
            if !outcome.is_pass() && !core.pruned.get() {
                core.current.set(None);
                core.push_line(VERDICT_TASK.into(), format!("verdict: {outcome}"));
            }
            // Drop the futures while the engine is installed (their drops cancel timers).
            let futures: Vec<_> = core
                .tasks
                .borrow_mut()
                .iter_mut()
                .filter_map(|t| t.fut.take())
                .collect();
            drop(futures);
            outcome
        })
    };
    let outcome = match live_log_filter() {
        None => body(),
        Some(filter) => {
            use tracing_subscriber::layer::SubscriberExt;
            use tracing_subscriber::Layer;
            let live = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .without_time()
                .with_filter(filter);
            let subscriber = tracing_subscriber::registry().with(live);
            tracing::subscriber::with_default(subscriber, body)
        }
    };
    let pruned = core.pruned.get();
    let decisions = core.decisions.into_inner();
    let schedule = Schedule::new(decisions.iter().map(|d| d.taken).collect()).trimmed();
    Run {
        outcome,
        schedule,
        decisions,
        steps: core.step.get(),
        end: core.now.get(),
        trace: Trace {
            lines: core.trace.map(RefCell::into_inner).unwrap_or_default(),
        },
        pruned,
    }
}

/// `RUST_LOG`, if set and valid, for live output of the same events. Whether it is set is
/// read once per process (exploration runs hundreds of thousands of times).
fn live_log_filter() -> Option<tracing_subscriber::EnvFilter> {
    static SET: crate::sync::host::OnceLock<bool> = crate::sync::host::OnceLock::new();
    if !*SET.get_or_init(|| std::env::var_os("RUST_LOG").is_some()) {
        return None;
    }
    tracing_subscriber::EnvFilter::try_from_default_env().ok()
}
