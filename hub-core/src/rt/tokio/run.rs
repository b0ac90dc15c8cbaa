//! One run: spawn main on the runtime, wait for it, then judge what is left, as the sim does.

use super::super::{with_installed, BoxTask};
use super::shared::{Limits, Shared, TaskState, TaskView};
use super::{Config, Report};
use crate::sim::{fmt_time, install_panic_filter, Instance, IntoInstance, Outcome};
use crate::sync::host::atomic::Ordering::SeqCst;
use crate::sync::host::Arc;
use ::tokio::runtime::Runtime;
use ::tokio::time::{interval, sleep, MissedTickBehavior};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

/// Which clock the runtime has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Clock {
    /// Current-thread runtime, `start_paused`: virtual time, auto-advanced when all tasks wait.
    Paused,
    /// Multi-thread runtime on the real clock.
    Real,
}

/// How often a multi-thread run checks whether anything can still happen (real time).
const PROBE: Duration = Duration::from_millis(5);

pub(super) fn run(
    runtime: Runtime,
    clock: Clock,
    config: &Config,
    program: impl IntoInstance,
) -> Report {
    install_panic_filter();
    let (shared, main_state, instance) = {
        let _context = runtime.enter();
        let shared = Shared::new(
            runtime.handle().clone(),
            Limits {
                seed: config.seed,
                max_polls: config.max_polls,
            },
        );
        let main_state = shared.register("main");
        // Built with the engine installed, as the sim does: constructors may read the clock.
        let view = TaskView::new(&shared, &main_state);
        let instance = with_installed(&view, || program.into_instance());
        (shared, main_state, instance)
    };
    let Instance { main, check } = instance;
    let (mut outcome, end) = runtime.block_on(watch(
        shared.clone(),
        main_state.clone(),
        main,
        clock,
        config,
    ));
    shared.stop();
    if outcome.is_pass() {
        if let Some(check) = check {
            let _context = runtime.enter();
            let view = TaskView::new(&shared, &main_state);
            if let Err(v) = with_installed(&view, check) {
                outcome = Outcome::from_violation(v);
            }
        }
    }
    let report = Report {
        parked: if outcome.is_pass() {
            Vec::new()
        } else {
            shared.parked()
        },
        outcome,
        end,
        virtual_time: clock == Clock::Paused,
        tasks: shared.spawned(),
        polls: shared.polls(),
    };
    // Dropping the runtime drops the tasks still parked, each inside the engine (their drops
    // cancel timers).
    drop(runtime);
    report
}

enum Phase {
    Failed,
    MainDone,
    Bound,
    /// Nothing runs and no timer is pending, main included.
    Stuck,
}

async fn watch(
    shared: Arc<Shared>,
    main_state: Arc<TaskState>,
    main: BoxTask,
    clock: Clock,
    config: &Config,
) -> (Outcome, Duration) {
    let mut main_join = shared.spawn_registered(main_state.clone(), main);
    let (bound, bound_name) = match clock {
        Clock::Paused => (config.max_virtual_time, "virtual time bound"),
        Clock::Real => (config.max_real_time, "real time bound"),
    };
    let mut failed = pin!(shared.failed.notified());
    let mut all_done = pin!(shared.all_done.notified());
    let mut bound_timer = pin!(sleep(bound.saturating_sub(shared.now())));
    let mut probe = interval(PROBE);
    probe.set_missed_tick_behavior(MissedTickBehavior::Delay);

    // Until main returns.
    let phase = poll_fn(|cx| {
        if failed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Phase::Failed);
        }
        if Pin::new(&mut main_join).poll(cx).is_ready() {
            return Poll::Ready(Phase::MainDone);
        }
        if bound_timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Phase::Bound);
        }
        // A paused clock jumps to the bound by itself when everything waits; the real one
        // needs looking at.
        if clock == Clock::Real {
            while probe.poll_tick(cx).is_ready() {
                // Settled first, then main: main's `done` is set before its last poll ends.
                if shared.settled(None) && !main_state.done.load(SeqCst) {
                    return Poll::Ready(Phase::Stuck);
                }
            }
        }
        Poll::Pending
    })
    .await;
    // A task's failure wins over what the watcher concluded (on a multi-thread runtime the two
    // can coincide); `Failed` always has one.
    let verdict = |outcome: Outcome| (shared.failure().unwrap_or(outcome), shared.now());
    if let Some(failure) = shared.failure() {
        return (failure, shared.now());
    }
    match phase {
        Phase::Failed | Phase::MainDone => {}
        Phase::Bound if shared.timers_pending() => {
            return verdict(Outcome::StepLimit {
                steps: shared.polls(),
                at: shared.now(),
                reason: format!("{bound_name} {}", fmt_time(bound)),
            });
        }
        Phase::Bound | Phase::Stuck => {
            return verdict(Outcome::Deadlock {
                blocked: shared.parked(),
            });
        }
    }

    // Main returned: the others get `leak_grace` to finish, then the ones left are leaked.
    let horizon = shared
        .now()
        .saturating_add(config.leak_grace)
        .min(bound.max(shared.now()));
    let mut grace = pin!(sleep(horizon.saturating_sub(shared.now())));
    let end = poll_fn(|cx| {
        if shared.live() == 0 || all_done.as_mut().poll(cx).is_ready() {
            return Poll::Ready(End::AllDone);
        }
        if failed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(End::AllDone);
        }
        match clock {
            Clock::Paused => {
                if grace.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(End::Leaked);
                }
            }
            Clock::Real => {
                // Real time is not the model's: on a loaded machine a task may be late, not
                // leaked. Leaked means nothing can run and no timer is due within the grace.
                if bound_timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(End::OverBound);
                }
                while probe.poll_tick(cx).is_ready() {
                    if shared.live() > 0 && shared.settled(Some(horizon)) {
                        return Poll::Ready(End::Leaked);
                    }
                }
            }
        }
        Poll::Pending
    })
    .await;
    let blocked = shared.parked();
    match end {
        _ if blocked.is_empty() => verdict(Outcome::Pass),
        End::AllDone => verdict(Outcome::Pass),
        End::Leaked => verdict(Outcome::Leak { blocked }),
        End::OverBound => verdict(Outcome::StepLimit {
            steps: shared.polls(),
            at: shared.now(),
            reason: format!("{bound_name} {}", fmt_time(bound)),
        }),
    }
}

/// How the wait after main ended.
enum End {
    AllDone,
    Leaked,
    /// Tasks were still running at the real-time bound.
    OverBound,
}
