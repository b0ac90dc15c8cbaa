//! Go's runtime panic texts, exactly as the Go runtime prints them.

pub const CLOSE_OF_CLOSED_CHANNEL: &str = "close of closed channel";
pub const CLOSE_OF_NIL_CHANNEL: &str = "close of nil channel";
pub const SEND_ON_CLOSED_CHANNEL: &str = "send on closed channel";
pub const NEGATIVE_WAITGROUP_COUNTER: &str = "sync: negative WaitGroup counter";
pub const UNLOCK_OF_UNLOCKED_MUTEX: &str = "fatal error: sync: unlock of unlocked mutex";

/// Panic with a Go runtime message (the sim records it as the task's last event). Callers must hold no lock guard (so loom and std locks are
/// never poisoned by a model panic).
#[track_caller]
pub fn go_panic(message: &'static str) -> ! {
    std::panic::panic_any(message)
}
