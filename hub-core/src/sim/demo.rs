//! The smallest programs that show what the sim is for, shared by the docs, the tests that
//! issue #2 asks for, and the schedules-per-second bench.

use crate::go::{Chan, Mutex};
use crate::rt::{spawn, yield_now};
use crate::sync::Arc;

/// Two tasks close the same channel after checking it is still open. The check and the close
/// are two awaits apart, as in Go where `if !closed { ...; close(ch) }` spans statements: one
/// preemption between them panics `close of closed channel`.
pub async fn check_then_close() {
    let send: Chan<()> = Chan::named("client.send", 1);
    for name in ["hub.unregister", "router.unregister"] {
        let send = send.clone();
        spawn(name, async move {
            if !send.is_closed() {
                yield_now().await;
                send.close();
            }
        });
    }
}

/// The same, with the check and the close under one lock (seed 000's documented fix): no
/// schedule fails.
pub async fn guarded_close() {
    let send: Chan<()> = Chan::named("client.send", 1);
    let closed = Arc::new(Mutex::named("client.mu", false));
    for name in ["hub.unregister", "router.unregister"] {
        let (send, closed) = (send.clone(), closed.clone());
        spawn(name, async move {
            let mut flag = closed.lock().await;
            if !*flag {
                yield_now().await;
                send.close();
                *flag = true;
            }
        });
    }
}
