//! `context.Context` with cancellation: `done()` is a channel closed on cancel.

use super::chan::Chan;
use crate::sync::host::Arc as HostArc;
use crate::sync::{Arc, Mutex};

/// A cancellable context. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Context {
    inner: Arc<CtxInner>,
}

#[derive(Debug)]
struct CtxInner {
    name: HostArc<str>,
    done: Chan<()>,
    state: Mutex<CtxState>,
}

#[derive(Debug, Default)]
struct CtxState {
    cancelled: bool,
    children: Vec<Context>,
}

/// `context.Canceled`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canceled;

impl std::fmt::Display for Canceled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("context canceled")
    }
}

impl Context {
    /// `context.Background()`: never cancelled unless `cancel` is called on it.
    pub fn background() -> Context {
        Context::named("ctx")
    }

    /// A root context whose done channel is named `{name}.done` in traces.
    pub fn named(name: &str) -> Context {
        Context {
            inner: Arc::new(CtxInner {
                name: name.into(),
                done: Chan::signal(format!("{name}.done")),
                state: Mutex::new(CtxState::default()),
            }),
        }
    }

    /// `context.WithCancel(parent)`: cancelled when cancelled itself or when the parent is.
    pub fn with_cancel(&self, name: &str) -> Context {
        let child = Context::named(name);
        let parent_cancelled = {
            let mut st = self.inner.state.lock();
            if !st.cancelled {
                st.children.push(child.clone());
            }
            st.cancelled
        };
        if parent_cancelled {
            child.cancel();
        }
        child
    }

    /// `<-ctx.Done()`: use in a `Select`, or `ctx.done().recv().await`.
    pub fn done(&self) -> &Chan<()> {
        &self.inner.done
    }

    /// `cancel()`: idempotent; closes `done` once and cancels children.
    pub fn cancel(&self) {
        let children = {
            let mut st = self.inner.state.lock();
            if st.cancelled {
                return;
            }
            st.cancelled = true;
            std::mem::take(&mut st.children)
        };
        crate::model_event!("cancel {}", self.inner.name);
        self.inner.done.close();
        for child in children {
            child.cancel();
        }
    }

    /// `ctx.Err()`
    pub fn err(&self) -> Result<(), Canceled> {
        if self.inner.state.lock_read().cancelled {
            Err(Canceled)
        } else {
            Ok(())
        }
    }
}
