//! `select`, and the single-operation future every channel operation is built on.
//!
//! A select runs in two passes, like Go's `selectgo`:
//! 1. *Poll*: find the cases that are ready now. If several are, which one fires is a choice
//!    point (`rt::choose`; Go picks uniformly at random, the default choice is the first ready
//!    case in source order). If none is and there is a `default`, take it.
//! 2. *Park*: queue one entry per case on its channel, all pointing at one [`Waiter`]. The first
//!    counterpart to fire the waiter commits the select to that case; on wake the select removes
//!    its other entries (getting unsent values back).
//!
//! Go locks every channel of a select at once; here each channel is locked on its own, so a
//! commit can race with the registration pass. The waiter's one-shot fire decides; in the rare
//! case where we committed ourselves but the counterpart had gone, we undo and start over
//! ([`Attempt::Restart`]), which is safe because no transfer happened.

use super::chan::{single_site, Chan, SendClosed};
use super::panics::{self, go_panic};
use super::waiter::{Fired, Waiter};
use crate::rt::digest::{tagged, Tag};
use crate::rt::{self, CaseKind, WaitSite};
use crate::sync::host::Arc as HostArc;
use crate::sync::Arc;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Result of one step of an operation on one channel.
pub(crate) enum Attempt<O> {
    Done(O),
    Registered(u64),
    NotReady,
    /// Our waiter had already fired on another case.
    AlreadyFired,
    /// We undid our own commit: start the select over.
    Restart,
}

/// One channel operation, usable alone or as a select case.
pub(crate) trait Op {
    type Output;
    fn ready(&self) -> bool;
    fn attempt(
        &mut self,
        me: &Arc<Waiter>,
        case: usize,
        register: bool,
        exposed: bool,
    ) -> Attempt<Self::Output>;
    /// Withdraw a queued entry that did not fire.
    fn cancel(&mut self, id: u64);
    /// Collect the result of a queued entry that fired.
    fn complete(&mut self, fired: Fired, id: u64) -> Self::Output;
    fn site(&self) -> (CaseKind, HostArc<str>, usize);
}

/// `select { case op: ... default: }` for one operation: `None` is the default case.
pub(crate) fn try_op<O: Op>(op: &mut O) -> Option<O::Output> {
    let me = Waiter::new(None);
    loop {
        match op.attempt(&me, 0, false, false) {
            Attempt::Done(out) => return Some(out),
            Attempt::NotReady => {
                rt::observe(tagged(Tag::NotReady, 0));
                return None;
            }
            // Unexposed attempts retry internally; these cannot happen, but retrying is correct.
            Attempt::Restart | Attempt::AlreadyFired | Attempt::Registered(_) => continue,
        }
    }
}

/// A future for one blocking operation.
pub(crate) struct OpFuture<O: Op> {
    op: O,
    parked: Option<(Arc<Waiter>, u64)>,
    /// What verdicts say this task waits on; by default the channel operation itself.
    site: Option<WaitSite>,
}

impl<O: Op> OpFuture<O> {
    pub fn new(op: O) -> Self {
        OpFuture {
            op,
            parked: None,
            site: None,
        }
    }

    pub fn with_site(op: O, site: WaitSite) -> Self {
        OpFuture {
            op,
            parked: None,
            site: Some(site),
        }
    }
}

// The operation is never pinned structurally.
impl<O: Op> Unpin for OpFuture<O> {}

impl<O: Op> Future for OpFuture<O> {
    type Output = O::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O::Output> {
        let this = self.get_mut();
        if let Some((waiter, id)) = &this.parked {
            return match waiter.poll_fired(cx.waker()) {
                Some(fired) => {
                    let id = *id;
                    this.parked = None;
                    Poll::Ready(this.op.complete(fired, id))
                }
                None => Poll::Pending,
            };
        }
        let me = Waiter::new(Some(cx.waker()));
        loop {
            match this.op.attempt(&me, 0, true, false) {
                Attempt::Done(out) => return Poll::Ready(out),
                Attempt::Registered(id) => {
                    this.parked = Some((me, id));
                    let site = this.site.clone().unwrap_or_else(|| {
                        let (kind, chan, cap) = this.op.site();
                        single_site(kind, chan, cap)
                    });
                    rt::note_wait(site);
                    return Poll::Pending;
                }
                Attempt::NotReady | Attempt::AlreadyFired | Attempt::Restart => continue,
            }
        }
    }
}

impl<O: Op> Drop for OpFuture<O> {
    fn drop(&mut self) {
        if let Some((_, id)) = self.parked.take() {
            self.op.cancel(id);
        }
    }
}

/// Type-erased select case.
trait Case: Send {
    fn ready(&self) -> bool;
    fn attempt(
        &mut self,
        me: &Arc<Waiter>,
        case: usize,
        exposed: bool,
        register: bool,
    ) -> Attempt<CaseOut>;
    fn cancel(&mut self, id: u64);
    fn complete(&mut self, fired: Fired, id: u64) -> CaseOut;
    fn site(&self) -> (CaseKind, HostArc<str>, usize);
}

enum CaseOut {
    Received(Option<Box<dyn Any + Send>>),
    Sent(Result<(), SendClosed>),
}

/// A typed operation as a select case: its output becomes a [`CaseOut`].
struct Erased<O>(O);

trait IntoCaseOut {
    fn into_case_out(self) -> CaseOut;
}

impl<T: Send + 'static> IntoCaseOut for Option<T> {
    fn into_case_out(self) -> CaseOut {
        CaseOut::Received(self.map(|v| Box::new(v) as Box<dyn Any + Send>))
    }
}

impl IntoCaseOut for Result<(), SendClosed> {
    fn into_case_out(self) -> CaseOut {
        CaseOut::Sent(self)
    }
}

impl<O> Case for Erased<O>
where
    O: Op + Send,
    O::Output: IntoCaseOut,
{
    fn ready(&self) -> bool {
        self.0.ready()
    }
    fn attempt(
        &mut self,
        me: &Arc<Waiter>,
        case: usize,
        exposed: bool,
        register: bool,
    ) -> Attempt<CaseOut> {
        map_attempt(
            self.0.attempt(me, case, register, exposed),
            IntoCaseOut::into_case_out,
        )
    }
    fn cancel(&mut self, id: u64) {
        self.0.cancel(id)
    }
    fn complete(&mut self, fired: Fired, id: u64) -> CaseOut {
        self.0.complete(fired, id).into_case_out()
    }
    fn site(&self) -> (CaseKind, HostArc<str>, usize) {
        self.0.site()
    }
}

fn map_attempt<A, B>(a: Attempt<A>, f: impl FnOnce(A) -> B) -> Attempt<B> {
    match a {
        Attempt::Done(out) => Attempt::Done(f(out)),
        Attempt::Registered(id) => Attempt::Registered(id),
        Attempt::NotReady => Attempt::NotReady,
        Attempt::AlreadyFired => Attempt::AlreadyFired,
        Attempt::Restart => Attempt::Restart,
    }
}

/// Go's `select` statement, in the shape of `reflect.Select`: add cases in source order, await
/// [`Select::wait`], and match on the index of the case that fired.
///
/// ```
/// # use hub_core::go::{Chan, Select, Selected};
/// # use hub_core::sim::Sim;
/// # Sim::new().run_main(|| async {
/// let register: Chan<u32> = Chan::named("register", 1);
/// let done: Chan<()> = Chan::named("done", 0);
/// register.send(7).await;
/// match Select::new().recv(&register).recv(&done).wait().await {
///     Selected::Case(0, got) => assert_eq!(got.received::<u32>(), Some(7)),
///     other => panic!("unexpected {other:?}"),
/// }
/// # });
/// ```
#[must_use = "a select does nothing until waited on"]
pub struct Select<'a> {
    cases: Vec<Box<dyn Case + 'a>>,
    has_default: bool,
}

/// Which case of a [`Select`] fired.
#[derive(Debug)]
pub enum Selected {
    /// Case `index` (in the order added) fired.
    Case(usize, CaseValue),
    /// No case was ready and the select has a default.
    Default,
}

/// What a fired case produced.
pub struct CaseValue(Option<CaseOutValue>);

enum CaseOutValue {
    Received(Option<Box<dyn Any + Send>>),
    Sent,
}

impl std::fmt::Debug for CaseValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(CaseOutValue::Received(Some(_))) => f.write_str("received"),
            Some(CaseOutValue::Received(None)) => f.write_str("closed"),
            Some(CaseOutValue::Sent) => f.write_str("sent"),
            None => f.write_str("taken"),
        }
    }
}

impl CaseValue {
    /// The value a receive case got: `None` if the channel was closed (Go's `ok == false`).
    /// Panics if the case was a send or `T` is not the channel's element type (a model bug).
    pub fn received<T: 'static>(self) -> Option<T> {
        match self.0 {
            Some(CaseOutValue::Received(v)) => v.map(|b| {
                *b.downcast::<T>()
                    .unwrap_or_else(|_| panic!("select: wrong type for received value"))
            }),
            _ => panic!("select: case was not a receive"),
        }
    }
}

impl<'a> Select<'a> {
    pub fn new() -> Self {
        Select {
            cases: Vec::new(),
            has_default: false,
        }
    }

    /// `case v, ok := <-chan:`
    pub fn recv<T: Send + 'static>(mut self, chan: &'a Chan<T>) -> Self {
        self.cases.push(Box::new(Erased(chan.recv_op())));
        self
    }

    /// `case chan <- value:`; the value is dropped if another case fires.
    pub fn send<T: Send + 'static>(mut self, chan: &'a Chan<T>, value: T) -> Self {
        self.cases.push(Box::new(Erased(chan.send_op(value))));
        self
    }

    /// `default:`
    pub fn default(mut self) -> Self {
        self.has_default = true;
        self
    }

    /// Run the select. Panics `send on closed channel` if a send case fires on a closed channel.
    pub async fn wait(self) -> Selected {
        SelectFuture {
            sel: self,
            parked: None,
        }
        .await
    }

    fn site(&self) -> WaitSite {
        WaitSite::Select {
            cases: self
                .cases
                .iter()
                .map(|c| {
                    let (kind, chan, _) = c.site();
                    (kind, chan)
                })
                .collect(),
            has_default: self.has_default,
        }
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Select::new()
    }
}

struct SelectFuture<'a> {
    sel: Select<'a>,
    parked: Option<(Arc<Waiter>, Vec<Option<u64>>)>,
}

impl SelectFuture<'_> {
    /// Withdraw every queued entry except `keep`.
    fn withdraw(&mut self, ids: &[Option<u64>], keep: Option<usize>) {
        for (k, id) in ids.iter().enumerate() {
            if let (Some(id), true) = (id, Some(k) != keep) {
                self.sel.cases[k].cancel(*id);
            }
        }
    }

    fn finish(&mut self, k: usize, out: CaseOut) -> Selected {
        rt::observe(tagged(Tag::SelectCase, k as u128));
        let (kind, chan, _) = self.sel.cases[k].site();
        match (&out, kind) {
            (CaseOut::Received(None), _) => crate::model_event!("select: recv {chan} (closed)"),
            (_, CaseKind::Recv) => crate::model_event!("select: recv {chan}"),
            (_, CaseKind::Send) => crate::model_event!("select: send {chan}"),
        }
        match out {
            CaseOut::Received(v) => Selected::Case(k, CaseValue(Some(CaseOutValue::Received(v)))),
            CaseOut::Sent(Ok(())) => Selected::Case(k, CaseValue(Some(CaseOutValue::Sent))),
            CaseOut::Sent(Err(SendClosed)) => go_panic(panics::SEND_ON_CLOSED_CHANNEL),
        }
    }
}

impl Future for SelectFuture<'_> {
    type Output = Selected;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Selected> {
        let this = self.get_mut();
        if let Some((waiter, _)) = &this.parked {
            let Some(fired) = waiter.poll_fired(cx.waker()) else {
                return Poll::Pending;
            };
            let (_, ids) = this.parked.take().expect("parked");
            this.withdraw(&ids, Some(fired.case));
            let id = ids[fired.case].expect("fired case was queued");
            let out = this.sel.cases[fired.case].complete(fired, id);
            return Poll::Ready(this.finish(fired.case, out));
        }
        'again: loop {
            // Pass 1: poll the cases that are ready now.
            let ready: Vec<usize> = (0..this.sel.cases.len())
                .filter(|&k| this.sel.cases[k].ready())
                .collect();
            if !ready.is_empty() {
                let k = ready[rt::choose(ready.len())];
                let me = Waiter::new(None);
                if let Attempt::Done(out) = this.sel.cases[k].attempt(&me, k, false, false) {
                    return Poll::Ready(this.finish(k, out));
                }
                continue 'again; // Lost a race (loom only): look again.
            }
            if this.sel.has_default {
                rt::observe(tagged(Tag::SelectDefault, 0));
                crate::model_event!("select: default");
                return Poll::Ready(Selected::Default);
            }
            // Pass 2: park on every case.
            let me = Waiter::new(Some(cx.waker()));
            let mut ids = vec![None; this.sel.cases.len()];
            for k in 0..this.sel.cases.len() {
                match this.sel.cases[k].attempt(&me, k, k > 0, true) {
                    Attempt::Registered(id) => ids[k] = Some(id),
                    Attempt::Done(out) => {
                        this.withdraw(&ids, None);
                        return Poll::Ready(this.finish(k, out));
                    }
                    Attempt::AlreadyFired => break,
                    Attempt::Restart | Attempt::NotReady => {
                        this.withdraw(&ids, None);
                        continue 'again;
                    }
                }
            }
            rt::note_wait(this.sel.site());
            this.parked = Some((me, ids));
            // Fired during registration? Poll again right away (the waker was consumed).
            if this.parked.as_ref().is_some_and(|(w, _)| w.is_fired()) {
                cx.waker().wake_by_ref();
            }
            return Poll::Pending;
        }
    }
}

impl Drop for SelectFuture<'_> {
    fn drop(&mut self) {
        if let Some((_, ids)) = self.parked.take() {
            self.withdraw(&ids, None);
        }
    }
}
