//! Schedules: the list of choices a run consumes.
//!
//! A *decision* happens whenever there is more than one way to go on: two or more runnable tasks
//! (a scheduling decision) or a Go choice point such as a select with several ready cases. Each
//! decision consumes one number from the schedule, an index into its options. Option 0 is
//! always the default: continue the task that just ran if it can, else the lowest-numbered
//! runnable task; for a select, the first ready case in source order. When the schedule runs
//! out, every further decision takes 0, so every prefix of a schedule is a schedule and a
//! shrinker may cut or zero entries freely.

use std::fmt;

/// The choices of one run, one per decision.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Schedule(pub Vec<u32>);

impl Schedule {
    pub fn new(choices: Vec<u32>) -> Self {
        Schedule(choices)
    }

    pub fn empty() -> Self {
        Schedule(Vec::new())
    }

    pub fn choices(&self) -> &[u32] {
        &self.0
    }

    /// Drop trailing defaults: they change nothing.
    pub fn trimmed(mut self) -> Self {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    /// How many choices differ from the default.
    pub fn non_default(&self) -> usize {
        self.0.iter().filter(|&&c| c != 0).count()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, c) in self.0.iter().enumerate() {
            write!(f, "{}{c}", if i == 0 { "" } else { " " })?;
        }
        f.write_str("]")
    }
}

/// What kind of decision was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionKind {
    /// Which runnable task runs next. `preemptible`: option 0 continues a task that could go
    /// on, so any other option is a preemption.
    Schedule { preemptible: bool },
    /// A Go choice point (select among ready cases).
    Choose,
}

impl DecisionKind {
    /// Does taking `option` here cost a preemption? Only leaving a task that could go on.
    pub fn cost(self, option: u32) -> u32 {
        match self {
            DecisionKind::Schedule { preemptible: true } if option != 0 => 1,
            _ => 0,
        }
    }
}

/// One decision of a run: its options and the option taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    pub options: u32,
    pub taken: u32,
}

impl Decision {
    /// Does taking `choice` here cost a preemption?
    pub fn costs(&self, choice: u32) -> u32 {
        self.kind.cost(choice)
    }
}

/// Preemptions used by a run's decisions.
pub fn preemptions(decisions: &[Decision]) -> u32 {
    decisions.iter().map(|d| d.costs(d.taken)).sum()
}
