//! What a tokio run reports: the verdict, the tasks left parked and where, the time reached.

use crate::sim::{fmt_time, Blocked, Outcome};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// How a tokio run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The verdict, in the sim's terms (a leak lists every parked task, as the sim does).
    pub outcome: Outcome,
    /// Tasks that had not finished when the run ended, with what each last parked on, in
    /// natural name order (`conn#9.handler` before `conn#10.handler`). Empty on a pass.
    pub parked: Vec<Blocked>,
    /// Time on tokio's clock when the verdict was reached: virtual on a paused clock (the same
    /// every run), real elapsed time on a multi-thread runtime.
    pub end: Duration,
    /// Whether `end` is virtual (paused clock) or real.
    pub virtual_time: bool,
    /// Model tasks spawned, main included.
    pub tasks: usize,
    /// Polls of model tasks.
    pub polls: u64,
}

impl Report {
    /// How many parked tasks wait on each site: `{"send on unregister (cap 16)": 984}`.
    pub fn parked_by_site(&self) -> BTreeMap<&str, usize> {
        let mut by_site = BTreeMap::new();
        for b in &self.parked {
            *by_site.entry(b.site.as_str()).or_insert(0) += 1;
        }
        by_site
    }

    /// One line naming how many tasks are parked and where, grouped by site:
    /// `984 tasks parked: 984 on send on unregister (cap 16)`; `no task parked`.
    pub fn parked_summary(&self) -> String {
        let n = self.parked.len();
        if n == 0 {
            return "no task parked".to_string();
        }
        let sites: Vec<String> = self
            .parked_by_site()
            .into_iter()
            .map(|(site, count)| format!("{count} on {site}"))
            .collect();
        format!(
            "{n} task{} parked: {}",
            if n == 1 { "" } else { "s" },
            sites.join(", ")
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "verdict: {}", self.outcome)?;
        match self.outcome {
            Outcome::Leak { .. } | Outcome::Deadlock { .. } => {
                writeln!(f, "parked:  {}", self.parked_summary())?;
            }
            // The run stopped at the verdict; the others were cut short, not stuck.
            _ if !self.parked.is_empty() => {
                writeln!(f, "stopped: {} other tasks unfinished", self.parked.len())?;
            }
            _ => {}
        }
        write!(
            f,
            "ended at {} ({}) after {} polls of {} tasks",
            fmt_time(self.end),
            if self.virtual_time { "virtual" } else { "real" },
            self.polls,
            self.tasks
        )
    }
}

/// Compare names with digit runs read as numbers: `client#9` < `client#10`.
pub(super) fn natural_order(a: &str, b: &str) -> Ordering {
    chunks(a).cmp(chunks(b))
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Chunk<'a> {
    /// Leading zeros dropped by the parse; the text breaks ties (`07` after `7`).
    Number(u128, &'a str),
    Text(&'a str),
}

fn chunks(s: &str) -> impl Iterator<Item = Chunk<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(match run.parse::<u128>() {
            Ok(n) if digit => Chunk::Number(n, run),
            _ => Chunk::Text(run),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::natural_order;
    use std::cmp::Ordering::*;

    #[test]
    fn numbers_in_names_compare_as_numbers() {
        assert_eq!(natural_order("conn#9.handler", "conn#10.handler"), Less);
        assert_eq!(natural_order("conn#10.handler", "conn#10.handler"), Equal);
        assert_eq!(natural_order("conn#10.handler", "conn#10.peer"), Less);
        assert_eq!(natural_order("client#2", "conn#1"), Less);
        // Equal numbers: the text decides, so distinct names never compare equal.
        assert_ne!(natural_order("a7", "a07"), Equal);
        assert_eq!(natural_order("main", "conn#1"), Greater);
        let mut names = vec![
            "conn#100.handler",
            "conn#20.handler",
            "conn#3.handler",
            "main",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "conn#3.handler",
                "conn#20.handler",
                "conn#100.handler",
                "main"
            ]
        );
    }
}
