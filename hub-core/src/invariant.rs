//! Invariant violations: a model check that failed, as a value and as a panic payload.

use std::fmt;

/// A named invariant that does not hold, with what was observed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violation {
    pub name: String,
    pub detail: String,
}

impl Violation {
    pub fn new(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Violation {
            name: name.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invariant {} violated: {}", self.name, self.detail)
    }
}

/// Fail the run now with a violated invariant. The sim reports it as `Outcome::Invariant`;
/// other engines see a panic whose payload is the [`Violation`] (its text via `Display`).
pub fn violated(name: &str, detail: impl Into<String>) -> ! {
    let v = Violation::new(name, detail);
    crate::model_event!("{v}");
    std::panic::panic_any(v)
}

/// The text of a panic payload: Go panic strings, `Violation`s and ordinary panics alike.
pub fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(v) = payload.downcast_ref::<Violation>() {
        v.to_string()
    } else {
        "<non-string panic payload>".to_string()
    }
}
