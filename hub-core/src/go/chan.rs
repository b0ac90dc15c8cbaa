//! `Chan<T>`: a Go channel.
//!
//! Semantics follow the Go spec and runtime (`runtime/chan.go`): capacity 0 is a rendezvous (a
//! send completes only when a receiver takes the value); a send blocks while the buffer is full
//! and panics `send on closed channel`, also when a close wakes it; a receive yields buffered
//! values, then `None` once closed and drained; a second close panics `close of closed channel`.
//! A receiver that finds a parked sender takes from the buffer head and moves the sender's value
//! to the tail, as Go does, so FIFO order holds across parked senders.
//!
//! Every operation is a one-case [`select`](super::select); the per-channel step is
//! [`Inner::attempt_recv`] / [`Inner::attempt_send`], shared by plain operations and selects.

use super::err::{Full, TryRecv};
use super::panics::{self, go_panic};
use super::select::{Attempt, Op, OpFuture};
use super::waiter::{Fired, Waiter};
use crate::rt::digest::{mix, tagged, Tag};
use crate::rt::{self, CaseKind, ObjectKind, WaitSite};
use crate::sync::host::Arc as HostArc;
use crate::sync::{Arc, Mutex};
use std::collections::VecDeque;
use std::fmt;

/// A Go channel handle. Cloning shares the channel (like copying a Go `chan T`).
pub struct Chan<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Self {
        Chan {
            inner: self.inner.clone(),
        }
    }
}

/// A channel value inside hashed model state (`sync::HashedMutex`) hashes as *which* channel
/// it is: its identity in the sim's state digests (its content is digested on its own).
impl<T> std::hash::Hash for Chan<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let id = self
            .inner
            .as_ref()
            .map_or(0, |i| rt::object_seed(i.state.id()));
        id.hash(state);
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Chan(nil)"),
            Some(inner) => write!(f, "Chan({}, cap {})", inner.name, inner.cap),
        }
    }
}

pub(crate) struct Inner<T> {
    pub(crate) name: HostArc<str>,
    pub(crate) cap: usize,
    /// Internal plumbing (a context's done, a mutex's semaphore): its operations are not
    /// timeline events; the wrapper emits the meaningful one.
    quiet: bool,
    /// Only ever closed, never sent on (a done signal): receivers parking on it commute with
    /// each other, which the sim's reduction may use.
    signal: bool,
    state: Mutex<State<T>>,
}

/// Every value in a channel travels with its provenance (`rt::provenance`: the sender's
/// history when it sent), which the receiver observes; the sim's state digests need it.
type Prov = u128;

struct State<T> {
    buf: VecDeque<(T, Prov)>,
    closed: bool,
    /// Declared receiver-less ([`Chan::no_more_receivers`]): buffered values are counted,
    /// not told apart, in state digests.
    sealed: bool,
    next_id: u64,
    recvq: VecDeque<Entry<()>>,
    sendq: VecDeque<Entry<T>>,
    /// Values handed to parked receivers, keyed by their entry id, until they wake.
    handoff: Vec<(u64, T, Prov)>,
}

struct Entry<V> {
    id: u64,
    case: usize,
    waiter: Arc<Waiter>,
    value: Option<(V, Prov)>,
    /// The parked task (`rt::current_identity`), for state digests.
    owner: u128,
}

impl<T> State<T> {
    /// What state digests see of this channel: everything that decides what its operations
    /// do next. Entry ids are left out: they are only ever compared with each other.
    fn summary(&self, signal: bool) -> u128 {
        let mut h = mix(Tag::Object as u128, u128::from(self.closed));
        if !self.sealed {
            for (_, prov) in &self.buf {
                h = mix(h, *prov);
            }
        }
        h = mix(h, self.buf.len() as u128);
        if signal {
            // Closing wakes every receiver at once, so their order does not matter.
            let set = self.recvq.iter().fold(0u128, |sum, e| {
                sum.wrapping_add(mix(e.owner, e.case as u128))
            });
            h = mix(h, set);
        } else {
            for e in &self.recvq {
                h = mix(mix(h, e.owner), e.case as u128);
            }
        }
        h = mix(h, self.recvq.len() as u128);
        for e in &self.sendq {
            h = mix(mix(h, e.owner), e.case as u128);
            h = mix(h, e.value.as_ref().map_or(0, |(_, prov)| *prov));
        }
        h = mix(h, self.sendq.len() as u128);
        for (_, _, prov) in &self.handoff {
            h = mix(h, *prov);
        }
        mix(h, self.handoff.len() as u128)
    }
}

/// The channel's lock; on release, the sim's state digest learns the new content.
struct StateGuard<'a, T> {
    guard: crate::sync::MutexGuard<'a, State<T>>,
    id: u64,
    signal: bool,
}

impl<T> std::ops::Deref for StateGuard<'_, T> {
    type Target = State<T>;
    fn deref(&self) -> &State<T> {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut State<T> {
        &mut self.guard
    }
}

impl<T> Drop for StateGuard<'_, T> {
    fn drop(&mut self) {
        if rt::digesting() {
            rt::publish(self.id, self.guard.summary(self.signal));
        }
    }
}

/// A received value: the code that gets it observes where it came from.
fn received<T>((value, prov): (T, Prov)) -> T {
    rt::observe(tagged(Tag::Received, prov));
    value
}

impl<T: Send + 'static> Chan<T> {
    /// `make(chan T, cap)`, named `chan` in traces.
    pub fn new(cap: usize) -> Self {
        Self::named("chan", cap)
    }

    /// `make(chan T, cap)` with the name traces and verdicts use (`unregister`, `client#2.send`).
    pub fn named(name: impl Into<HostArc<str>>, cap: usize) -> Self {
        Self::build(name.into(), cap, false, false)
    }

    /// A channel whose operations are not timeline events (for primitives built on channels).
    pub(crate) fn quiet(name: impl Into<HostArc<str>>, cap: usize) -> Self {
        Self::build(name.into(), cap, true, false)
    }

    /// A quiet, close-only channel (`ctx.Done()`, a connection's closed signal). Sending on
    /// it is a model bug.
    pub(crate) fn signal(name: impl Into<HostArc<str>>) -> Self {
        Self::build(name.into(), 0, true, true)
    }

    fn build(name: HostArc<str>, cap: usize, quiet: bool, signal: bool) -> Self {
        Chan {
            inner: Some(Arc::new(Inner {
                name,
                cap,
                quiet,
                signal,
                state: Mutex::of_kind(
                    State {
                        buf: VecDeque::new(),
                        closed: false,
                        sealed: false,
                        next_id: 0,
                        recvq: VecDeque::new(),
                        sendq: VecDeque::new(),
                        handoff: Vec::new(),
                    },
                    ObjectKind::Summarized,
                ),
            })),
        }
    }

    /// A nil channel (`var c chan T`): send and receive block forever, close panics.
    pub fn nil() -> Self {
        Chan { inner: None }
    }

    pub fn is_nil(&self) -> bool {
        self.inner.is_none()
    }

    pub fn name(&self) -> &str {
        self.inner.as_deref().map_or("nil", |i| &i.name)
    }

    /// `c <- v`: waits while the buffer is full (or, unbuffered, until a receiver takes `v`).
    /// Panics `send on closed channel` if the channel is or becomes closed.
    pub async fn send(&self, value: T) {
        if OpFuture::new(SendOp::new(self, value)).await.is_err() {
            go_panic(panics::SEND_ON_CLOSED_CHANNEL);
        }
        if !self.is_quiet() {
            crate::model_event!("send on {}", self.name());
        }
    }

    fn is_quiet(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.quiet)
    }

    /// `v, ok := <-c`: `Some(v)`, or `None` once closed and drained.
    pub async fn recv(&self) -> Option<T> {
        let got = OpFuture::new(RecvOp::new(self)).await;
        if !self.is_quiet() {
            match &got {
                Some(_) => crate::model_event!("recv on {}", self.name()),
                None => crate::model_event!("recv on {}: closed", self.name()),
            }
        }
        got
    }

    /// A receive that verdicts describe as `site` (used by WaitGroup, Mutex).
    pub(crate) async fn recv_at(&self, site: WaitSite) -> Option<T> {
        OpFuture::with_site(RecvOp::new(self), site).await
    }

    /// A send that verdicts describe as `site`; panics like `send`.
    pub(crate) async fn send_at(&self, value: T, site: WaitSite) {
        if OpFuture::with_site(SendOp::new(self, value), site)
            .await
            .is_err()
        {
            go_panic(panics::SEND_ON_CLOSED_CHANNEL);
        }
    }

    /// `select { case c <- v: default: }`. Panics on a closed channel, as Go does.
    pub fn try_send(&self, value: T) -> Result<(), Full<T>> {
        let mut op = SendOp::new(self, value);
        match super::select::try_op(&mut op) {
            Some(Ok(())) => {
                if !self.is_quiet() {
                    crate::model_event!("send on {}", self.name());
                }
                Ok(())
            }
            Some(Err(_closed)) => go_panic(panics::SEND_ON_CLOSED_CHANNEL),
            None => {
                if !self.is_quiet() {
                    crate::model_event!("send on {}: full, default taken", self.name());
                }
                Err(Full(op.value.take().expect("value returned on default")))
            }
        }
    }

    /// `select { case v, ok := <-c: default: }`.
    pub fn try_recv(&self) -> TryRecv<T> {
        match super::select::try_op(&mut RecvOp::new(self)) {
            Some(Some(v)) => TryRecv::Value(v),
            Some(None) => TryRecv::Closed,
            None => TryRecv::Empty,
        }
    }

    /// `close(c)`. Panics `close of closed channel` the second time.
    pub fn close(&self) {
        self.close_as(None);
    }

    /// `close(c)`, with the timeline line naming who closed it (`router.UnregisterClient:
    /// close client#1.send`).
    pub fn close_by(&self, by: &str) {
        self.close_as(Some(by));
    }

    fn close_as(&self, by: Option<&str>) {
        let Some(inner) = &self.inner else {
            go_panic(panics::CLOSE_OF_NIL_CHANNEL)
        };
        // The line comes first, so a second close reads "close ...", then the panic.
        match by {
            Some(by) => crate::model_event!("{by}: close {}", inner.name),
            None if !inner.quiet => crate::model_event!("close {}", inner.name),
            None => {}
        }
        let already = {
            let mut st = inner.lock_state();
            if st.closed {
                true
            } else {
                st.closed = true;
                let closed = |case| Fired { case, closed: true };
                // Entries stay queued: their owners remove them when they finish.
                for e in &st.recvq {
                    e.waiter.try_fire(closed(e.case));
                }
                for e in &st.sendq {
                    e.waiter.try_fire(closed(e.case));
                }
                false
            }
        };
        if already {
            go_panic(panics::CLOSE_OF_CLOSED_CHANNEL);
        }
    }

    /// Declare that no task will receive from this channel again (Go: its only receiver, a
    /// hub's run loop, has returned). Sends behave as before; a receive is a model bug and
    /// panics. What is buffered can then never be observed, so the sim's state digests count
    /// it instead of telling values apart.
    /// Only the sim keeps the mark (loom and shuttle would count the extra lock as a step).
    pub fn no_more_receivers(&self) {
        if !rt::digesting() {
            return;
        }
        if let Some(inner) = &self.inner {
            inner.lock_state().sealed = true;
        }
    }

    /// `len(c)`: values buffered now.
    pub fn len(&self) -> usize {
        let n = self.inner.as_ref().map_or(0, |i| i.lock_state().buf.len());
        rt::observe(tagged(Tag::Len, n as u128));
        n
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `cap(c)`.
    pub fn cap(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| i.cap)
    }

    pub fn is_closed(&self) -> bool {
        let closed = self.inner.as_ref().is_some_and(|i| i.lock_recv().closed);
        rt::observe(tagged(Tag::IsClosed, u128::from(closed)));
        closed
    }

    /// A receive case for [`Select`](super::Select).
    pub(crate) fn recv_op(&self) -> RecvOp<'_, T> {
        RecvOp::new(self)
    }

    pub(crate) fn send_op(&self, value: T) -> SendOp<'_, T> {
        SendOp::new(self, value)
    }
}

/// The first queued entry whose owner can still be committed, skipping owners that already
/// fired elsewhere (a select that completed another case). Returns its index after firing it.
fn fire_first<V>(queue: &VecDeque<Entry<V>>) -> Option<usize> {
    queue.iter().position(|e| {
        e.waiter.try_fire(Fired {
            case: e.case,
            closed: false,
        })
    })
}

/// Whether any queued owner is still live (could be committed now).
fn any_live<V>(queue: &VecDeque<Entry<V>>) -> bool {
    queue.iter().any(|e| !e.waiter.is_fired())
}

/// As [`any_live`], not counting `me`'s own entries: a select with a send and a receive case
/// on one channel queues itself on both sides, and Go never pairs a goroutine with itself.
/// (Counting them made such a select commit, find no counterpart, undo and restart forever.)
fn any_live_but<V>(queue: &VecDeque<Entry<V>>, me: &Arc<Waiter>) -> bool {
    queue
        .iter()
        .any(|e| !Arc::ptr_eq(&e.waiter, me) && !e.waiter.is_fired())
}

impl<T> Inner<T> {
    fn lock_state(&self) -> StateGuard<'_, T> {
        StateGuard {
            guard: self.state.lock(),
            id: self.state.id(),
            signal: self.signal,
        }
    }

    /// The lock for receive-side work: on a signal channel, a read (see `signal`).
    fn lock_recv(&self) -> StateGuard<'_, T> {
        if self.signal {
            StateGuard {
                guard: self.state.lock_read(),
                id: self.state.id(),
                signal: true,
            }
        } else {
            self.lock_state()
        }
    }

    fn ready_recv(&self) -> bool {
        let st = self.lock_recv();
        !st.buf.is_empty() || st.closed || any_live(&st.sendq)
    }

    fn ready_send(&self) -> bool {
        let st = self.lock_state();
        st.closed || st.buf.len() < self.cap || any_live(&st.recvq)
    }

    /// One receive step. `exposed`: `me` is already queued on other channels (a select in its
    /// registration pass), so a failed commit must restart instead of retrying in place.
    fn attempt_recv(
        &self,
        me: &Arc<Waiter>,
        case: usize,
        register: bool,
        exposed: bool,
    ) -> Attempt<Option<T>> {
        let mine = Fired {
            case,
            closed: false,
        };
        let mut st = self.lock_recv();
        assert!(
            !st.sealed,
            "model bug: receive on {} after no_more_receivers",
            self.name
        );
        if let Some(value) = st.buf.pop_front() {
            if !me.claim(mine) {
                st.buf.push_front(value);
                return Attempt::AlreadyFired;
            }
            // Buffer had room freed: the first live parked sender moves its value in.
            if let Some(i) = fire_first(&st.sendq) {
                let mut e = st.sendq.remove(i).expect("index from fire_first");
                st.buf
                    .push_back(e.value.take().expect("parked sender holds its value"));
            }
            return Attempt::Done(Some(received(value)));
        }
        // Unbuffered (or empty buffer): take directly from a parked sender.
        if any_live_but(&st.sendq, me) {
            if !me.claim(mine) {
                return Attempt::AlreadyFired;
            }
            if let Some(i) = fire_first(&st.sendq) {
                let mut e = st.sendq.remove(i).expect("index from fire_first");
                let got = e.value.take().expect("parked sender holds its value");
                return Attempt::Done(Some(received(got)));
            }
            // Every sender committed elsewhere between the check and the fire.
            me.unfire();
            if exposed {
                return Attempt::Restart;
            }
        }
        if st.closed {
            if !me.claim(Fired { case, closed: true }) {
                return Attempt::AlreadyFired;
            }
            rt::observe(tagged(Tag::RecvClosed, 0));
            return Attempt::Done(None);
        }
        if !register {
            return Attempt::NotReady;
        }
        let id = st.next_id;
        st.next_id += 1;
        st.recvq.push_back(Entry {
            id,
            case,
            waiter: me.clone(),
            value: None,
            owner: rt::current_identity(),
        });
        Attempt::Registered(id)
    }

    /// One send step; the value comes back unless it was delivered (`Done`) or queued.
    fn attempt_send(
        &self,
        me: &Arc<Waiter>,
        case: usize,
        value: &mut Option<T>,
        register: bool,
        exposed: bool,
    ) -> Attempt<Result<(), SendClosed>> {
        let mut st = self.lock_state();
        if st.closed {
            if !me.claim(Fired { case, closed: true }) {
                return Attempt::AlreadyFired;
            }
            rt::observe(tagged(Tag::SendClosed, 0));
            return Attempt::Done(Err(SendClosed));
        }
        let mine = Fired {
            case,
            closed: false,
        };
        if any_live_but(&st.recvq, me) {
            if !me.claim(mine) {
                return Attempt::AlreadyFired;
            }
            if let Some(i) = fire_first(&st.recvq) {
                let e = st.recvq.remove(i).expect("index from fire_first");
                let v = value.take().expect("send value present");
                st.handoff.push((e.id, v, rt::provenance()));
                rt::observe(tagged(Tag::Sent, 0));
                return Attempt::Done(Ok(()));
            }
            me.unfire();
            if exposed {
                return Attempt::Restart;
            }
        }
        if st.buf.len() < self.cap {
            if !me.claim(mine) {
                return Attempt::AlreadyFired;
            }
            st.buf
                .push_back((value.take().expect("send value present"), rt::provenance()));
            rt::observe(tagged(Tag::Sent, 0));
            return Attempt::Done(Ok(()));
        }
        if !register {
            return Attempt::NotReady;
        }
        let id = st.next_id;
        st.next_id += 1;
        st.sendq.push_back(Entry {
            id,
            case,
            waiter: me.clone(),
            value: value.take().map(|v| (v, rt::provenance())),
            owner: rt::current_identity(),
        });
        Attempt::Registered(id)
    }

    /// Remove our receive entry (if still queued) and take a value handed to it, if any.
    fn finish_recv(&self, id: u64) -> Option<(T, Prov)> {
        let mut st = self.lock_recv();
        st.recvq.retain(|e| e.id != id);
        let pos = st.handoff.iter().position(|(i, _, _)| *i == id)?;
        let (_, value, prov) = st.handoff.swap_remove(pos);
        Some((value, prov))
    }

    /// Remove our send entry; the value comes back if no receiver took it.
    fn finish_send(&self, id: u64) -> Option<T> {
        let mut st = self.lock_state();
        let pos = st.sendq.iter().position(|e| e.id == id)?;
        st.sendq
            .remove(pos)
            .and_then(|mut e| e.value.take())
            .map(|(v, _)| v)
    }
}

/// A send found (or was woken by) a closed channel. Turned into Go's panic by the caller, after
/// every lock is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendClosed;

pub(crate) struct RecvOp<'a, T> {
    chan: Option<&'a Inner<T>>,
}

impl<'a, T> RecvOp<'a, T> {
    fn new(chan: &'a Chan<T>) -> Self {
        RecvOp {
            chan: chan.inner.as_deref(),
        }
    }
}

impl<T: Send> Op for RecvOp<'_, T> {
    type Output = Option<T>;

    fn ready(&self) -> bool {
        self.chan.is_some_and(|c| c.ready_recv())
    }

    fn attempt(
        &mut self,
        me: &Arc<Waiter>,
        case: usize,
        register: bool,
        exposed: bool,
    ) -> Attempt<Option<T>> {
        match self.chan {
            Some(c) => c.attempt_recv(me, case, register, exposed),
            // A nil channel is never ready; registering on it is a no-op that never fires.
            None if register => Attempt::Registered(u64::MAX),
            None => Attempt::NotReady,
        }
    }

    fn cancel(&mut self, id: u64) {
        if let Some(c) = self.chan {
            drop(c.finish_recv(id));
        }
    }

    fn complete(&mut self, fired: Fired, id: u64) -> Option<T> {
        let c = self.chan.expect("a nil channel never fires");
        let got = c.finish_recv(id);
        debug_assert!(
            fired.closed || got.is_some(),
            "woken receiver without a value"
        );
        if fired.closed {
            rt::observe(tagged(Tag::RecvClosed, 0));
            None
        } else {
            got.map(received)
        }
    }

    fn site(&self) -> (CaseKind, HostArc<str>, usize) {
        site_of(CaseKind::Recv, self.chan)
    }
}

pub(crate) struct SendOp<'a, T> {
    chan: Option<&'a Inner<T>>,
    pub(crate) value: Option<T>,
}

impl<'a, T> SendOp<'a, T> {
    fn new(chan: &'a Chan<T>, value: T) -> Self {
        SendOp {
            chan: chan.inner.as_deref(),
            value: Some(value),
        }
    }
}

impl<T: Send> Op for SendOp<'_, T> {
    type Output = Result<(), SendClosed>;

    fn ready(&self) -> bool {
        self.chan.is_some_and(|c| c.ready_send())
    }

    fn attempt(
        &mut self,
        me: &Arc<Waiter>,
        case: usize,
        register: bool,
        exposed: bool,
    ) -> Attempt<Self::Output> {
        match self.chan {
            Some(c) => c.attempt_send(me, case, &mut self.value, register, exposed),
            None if register => Attempt::Registered(u64::MAX),
            None => Attempt::NotReady,
        }
    }

    fn cancel(&mut self, id: u64) {
        if let Some(c) = self.chan {
            if let Some(v) = c.finish_send(id) {
                self.value = Some(v);
            }
        }
    }

    fn complete(&mut self, fired: Fired, id: u64) -> Self::Output {
        let c = self.chan.expect("a nil channel never fires");
        drop(c.finish_send(id));
        if fired.closed {
            rt::observe(tagged(Tag::SendClosed, 0));
            Err(SendClosed)
        } else {
            rt::observe(tagged(Tag::Sent, 0));
            Ok(())
        }
    }

    fn site(&self) -> (CaseKind, HostArc<str>, usize) {
        site_of(CaseKind::Send, self.chan)
    }
}

/// Sites for a single operation.
pub(crate) fn single_site(kind: CaseKind, chan: HostArc<str>, cap: usize) -> WaitSite {
    match kind {
        CaseKind::Send => WaitSite::Send { chan, cap },
        CaseKind::Recv => WaitSite::Recv { chan, cap },
    }
}

fn site_of<T>(kind: CaseKind, chan: Option<&Inner<T>>) -> (CaseKind, HostArc<str>, usize) {
    match chan {
        Some(c) => (kind, c.name.clone(), c.cap),
        None => (kind, "nil".into(), 0),
    }
}
