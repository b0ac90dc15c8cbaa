//! A parked operation's wake-up slot.
//!
//! Every blocked channel operation, plain or in a `select`, owns one `Waiter`. Channels queue
//! entries that point at it; whoever completes the operation first "fires" it (a one-shot
//! compare-and-set under the waiter's own lock), which is the commit point: a select whose waiter
//! has fired on case 2 can no longer complete case 0. Waiters are identified by the entry ids the
//! channel hands out, never by `Waker::will_wake` (loom's wakers do not compare equal).
//!
//! Lock order: a channel lock may be held while a waiter lock is taken, never the reverse.

use crate::sync::{Arc, Mutex};
use std::task::Waker;

/// Which case fired, and whether it fired because the channel was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fired {
    pub case: usize,
    pub closed: bool,
}

#[derive(Debug)]
pub(crate) struct Waiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    fired: Option<Fired>,
    waker: Option<Waker>,
}

impl Waiter {
    pub fn new(waker: Option<&Waker>) -> Arc<Waiter> {
        Arc::new(Waiter {
            state: Mutex::of_kind(
                State {
                    fired: None,
                    waker: waker.cloned(),
                },
                crate::rt::ObjectKind::Internal,
            ),
        })
    }

    /// Commit this waiter to `fired`. False if it had already fired (on any case).
    pub fn try_fire(&self, fired: Fired) -> bool {
        let waker = {
            let mut state = self.state.lock();
            if state.fired.is_some() {
                return false;
            }
            state.fired = Some(fired);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// The owner commits itself: as `try_fire`, but nothing is woken (the owner is running;
    /// waking it would make the engine poll a task that then parks, for nothing) and its waker
    /// stays for a later fire if it undoes this commit with `unfire`.
    pub fn claim(&self, fired: Fired) -> bool {
        let mut state = self.state.lock();
        if state.fired.is_some() {
            return false;
        }
        state.fired = Some(fired);
        true
    }

    /// Undo our own `claim` when the counterpart turned out to be gone. Only the owner calls
    /// this, and only before the commit was observed by a transfer.
    pub fn unfire(&self) {
        self.state.lock().fired = None;
    }

    pub fn is_fired(&self) -> bool {
        self.state.lock().fired.is_some()
    }

    /// Store the waker to use for the next fire; returns the fire if it already happened.
    pub fn poll_fired(&self, waker: &Waker) -> Option<Fired> {
        let mut state = self.state.lock();
        if state.fired.is_none() {
            match &state.waker {
                Some(current) if current.will_wake(waker) => {}
                _ => state.waker = Some(waker.clone()),
            }
        }
        state.fired
    }
}
