//! A progress line on standard error for explorations that take over a second.
//!
//! The only wall clock in hubrace: it decides when to print, never what a run does, and it
//! prints to standard error only, so reports and timelines stay deterministic.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Look at the clock only every this many schedules.
const CHECK_EVERY: u64 = 16;
/// Nothing is shown for explorations shorter than this.
const QUIET_FOR: Duration = Duration::from_secs(1);

pub struct Meter {
    start: Instant,
    last_shown: Option<Instant>,
    /// On a terminal the line is redrawn in place every second; elsewhere (CI logs) a line
    /// is printed every ten seconds.
    tty: bool,
    calls: u64,
}

impl Meter {
    pub fn new() -> Meter {
        Meter {
            start: Instant::now(),
            last_shown: None,
            tty: std::io::stderr().is_terminal(),
            calls: 0,
        }
    }

    /// `schedules` schedules done so far in the part of the work `label` names.
    pub fn tick(&mut self, label: &dyn Fn() -> String, schedules: u64) {
        self.calls += 1;
        if !self.calls.is_multiple_of(CHECK_EVERY) {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.start;
        if elapsed < QUIET_FOR {
            return;
        }
        let every = if self.tty {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        };
        if self.last_shown.is_some_and(|t| now - t < every) {
            return;
        }
        self.last_shown = Some(now);
        let line = format!(
            "{}: {schedules} schedules, {:.0}s",
            label(),
            elapsed.as_secs_f64()
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Clear the line (on a terminal) before normal output continues.
    pub fn finish(&mut self) {
        if self.tty && self.last_shown.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
        self.last_shown = None;
    }
}

impl Default for Meter {
    fn default() -> Self {
        Meter::new()
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.finish();
    }
}
