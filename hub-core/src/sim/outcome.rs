//! Verdicts of one run.

use crate::invariant::Violation;
use std::fmt;
use std::time::Duration;

/// A task that can never run again, and what it waits on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Blocked {
    pub task: String,
    pub site: String,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.task, self.site)
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Main finished, nothing leaked, every end-of-run invariant held.
    Pass,
    /// A task panicked (Go's texts: `close of closed channel`, `send on closed channel`).
    Panic { task: String, message: String },
    /// Main is blocked and nothing can run or fire (Go: "all goroutines are asleep").
    Deadlock { blocked: Vec<Blocked> },
    /// Main finished but tasks stay parked forever (goleak).
    Leak { blocked: Vec<Blocked> },
    /// A model invariant failed.
    Invariant { name: String, detail: String },
    /// The run hit its step or virtual-time bound (a livelock or an unbounded loop).
    StepLimit {
        steps: u64,
        at: Duration,
        reason: String,
    },
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }

    /// The verdict's kind: `pass`, `panic`, `deadlock`, `leak`, `invariant`, `step-limit`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Panic { .. } => "panic",
            Outcome::Deadlock { .. } => "deadlock",
            Outcome::Leak { .. } => "leak",
            Outcome::Invariant { .. } => "invariant",
            Outcome::StepLimit { .. } => "step-limit",
        }
    }

    /// The detail that identifies the failure: the panic text, the invariant's name, the
    /// sorted wait sites of the blocked tasks. Two runs fail "the same way" when kind and key
    /// match; shrinking keeps a schedule only if it does.
    pub fn key(&self) -> String {
        match self {
            Outcome::Pass => String::new(),
            Outcome::Panic { message, .. } => message.clone(),
            Outcome::Invariant { name, .. } => name.clone(),
            Outcome::Deadlock { blocked } | Outcome::Leak { blocked } => {
                let mut sites: Vec<&str> = blocked.iter().map(|b| b.site.as_str()).collect();
                sites.sort_unstable();
                sites.join("; ")
            }
            Outcome::StepLimit { reason, .. } => reason.clone(),
        }
    }

    pub fn same_failure(&self, other: &Outcome) -> bool {
        self.kind() == other.kind() && self.key() == other.key()
    }

    pub(crate) fn from_violation(v: Violation) -> Outcome {
        Outcome::Invariant {
            name: v.name,
            detail: v.detail,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, blocked: &[Blocked]| -> fmt::Result {
            for (i, b) in blocked.iter().enumerate() {
                write!(f, "{}{b}", if i == 0 { "" } else { "; " })?;
            }
            Ok(())
        };
        match self {
            Outcome::Pass => f.write_str("pass"),
            Outcome::Panic { task, message } => write!(f, "panic in {task}: {message}"),
            Outcome::Deadlock { blocked } => {
                f.write_str("deadlock (all goroutines are asleep): ")?;
                list(f, blocked)
            }
            Outcome::Leak { blocked } => {
                let n = blocked.len();
                write!(
                    f,
                    "leak ({n} task{} parked forever): ",
                    if n == 1 { "" } else { "s" }
                )?;
                list(f, blocked)
            }
            Outcome::Invariant { name, detail } => write!(f, "invariant {name}: {detail}"),
            Outcome::StepLimit { steps, at, reason } => write!(
                f,
                "step limit: {reason} (after {steps} steps, t={})",
                super::fmt_time(*at)
            ),
        }
    }
}
