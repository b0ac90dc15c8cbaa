//! Shrinking a failing schedule: fewest non-default choices first, then the shortest.

use super::executor::{run, Scripted};
use super::outcome::Outcome;
use super::schedule::Schedule;
use super::{Config, Instance};

/// Greedy delta debugging over the choice list; keeps a candidate only if it fails the same
/// way (same verdict kind and key). At most `max_runs` replays.
pub(crate) fn shrink(
    config: &Config,
    failing: &Schedule,
    target: &Outcome,
    make: &dyn Fn() -> Instance,
    max_runs: u32,
) -> (Schedule, u32) {
    let quiet = Config {
        record: false,
        ..config.clone()
    };
    let mut best = failing.clone().trimmed();
    let mut runs = 0u32;
    let fails = |cand: &[u32], runs: &mut u32| -> Option<Schedule> {
        *runs += 1;
        let r = run(&quiet, &mut Scripted(cand), make);
        r.outcome.same_failure(target).then_some(r.schedule)
    };
    let better = |a: &Schedule, b: &Schedule| {
        (a.non_default(), a.0.len(), &a.0) < (b.non_default(), b.0.len(), &b.0)
    };
    loop {
        let mut improved = false;
        // 1. Zero one choice (removes a preemption), 2. remove one choice (shifts the rest),
        // 3. lower one choice by one.
        for pass in 0..3 {
            let mut i = 0;
            while i < best.0.len() {
                if runs >= max_runs {
                    return (best, runs);
                }
                let mut cand = best.0.clone();
                match pass {
                    0 if cand[i] != 0 => cand[i] = 0,
                    1 => {
                        cand.remove(i);
                    }
                    2 if cand[i] > 1 => cand[i] -= 1,
                    _ => {
                        i += 1;
                        continue;
                    }
                }
                match fails(&cand, &mut runs) {
                    Some(s) if better(&s, &best) => {
                        best = s;
                        improved = true;
                    }
                    _ => i += 1,
                }
            }
        }
        if !improved {
            return (best, runs);
        }
    }
}
