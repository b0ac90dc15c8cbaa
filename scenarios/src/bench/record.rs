//! One measurement as one line of text, the format all three engines' benchmark runners print
//! (`sim`: `hubrace bench`; shuttle: `shuttle-tests`' `bench_shuttle` example; loom:
//! `loom-tests`' `bench_loom` example, which writes the same tab-separated fields by hand
//! because `loom-tests` sits below this crate).
//!
//! Fields are separated by one tab (shown here as two spaces):
//! ```text
//! kind<TAB>engine<TAB>bug<TAB>variant<TAB>param<TAB>count<TAB>seconds<TAB>result<TAB>text
//! first-failure  sim-random  double-close-router  buggy  7  1  0.000143  expected  panic in api.deleteSubscription(trx): close of closed channel
//! finish  loom  double-close-router  fixed  2  996  0.412000  exhausted  -
//! rate  shuttle-random  double-close-router  fixed  -  2000  0.310000  -  -
//! ```
//! `param` is the seed (`first-failure`; `-` for a deterministic engine), the preemption
//! bound (`finish`; `-` for sim's stateful DFS over all interleavings), or `-`.

use hub_core::knobs::Variant;
use std::fmt;

/// What was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Schedules (executions) and seconds until the first failing one.
    FirstFailure,
    /// Schedules and seconds to explore a whole space (at a preemption bound).
    Finish,
    /// Executions run in a time: throughput.
    Rate,
}

/// Who explored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    SimRandom,
    SimPct,
    SimDfs,
    ShuttleRandom,
    ShuttlePct,
    Loom,
}

/// How a measurement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ending {
    /// The first failure is the one the catalog expects of the variant.
    Expected,
    /// The first failure is another one (another Go panic of the same race, say).
    Other,
    /// A failure, not judged by its runner (loom's: its scaled models' texts are judged by
    /// kind against the catalog when the table is made).
    Found,
    /// No failure within the cap.
    NotFound,
    /// The whole space (within the bound) was explored.
    Exhausted,
    /// The exploration stopped before the space was exhausted (a cap, or a failure).
    Unfinished,
    /// Not applicable (`rate`).
    None,
}

macro_rules! names {
    ($ty:ident { $($v:ident => $n:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$v),*];
            pub fn name(self) -> &'static str {
                match self { $($ty::$v => $n),* }
            }
            pub fn parse(s: &str) -> Option<$ty> {
                $ty::ALL.iter().copied().find(|v| v.name() == s)
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

names!(Kind { FirstFailure => "first-failure", Finish => "finish", Rate => "rate" });
names!(Engine {
    SimRandom => "sim-random",
    SimPct => "sim-pct",
    SimDfs => "sim-dfs",
    ShuttleRandom => "shuttle-random",
    ShuttlePct => "shuttle-pct",
    Loom => "loom",
});
names!(Ending {
    Expected => "expected",
    Other => "other",
    Found => "found",
    NotFound => "not-found",
    Exhausted => "exhausted",
    Unfinished => "unfinished",
    None => "-",
});

/// One measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: Kind,
    pub engine: Engine,
    pub bug: String,
    pub variant: Variant,
    /// Seed, preemption bound, or none (see the module docs).
    pub param: Option<u64>,
    /// Schedules or executions, the failing one included.
    pub count: u64,
    /// Wall-clock seconds (a measurement, never asserted on).
    pub seconds: f64,
    pub result: Ending,
    /// The first failure's text, one line (`-` if none).
    pub text: String,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let param = self.param.map_or("-".to_string(), |p| p.to_string());
        let text = if self.text.is_empty() {
            "-".to_string()
        } else {
            self.text.replace(['\t', '\n'], " ")
        };
        write!(
            f,
            "{}\t{}\t{}\t{}\t{param}\t{}\t{:.6}\t{}\t{text}",
            self.kind, self.engine, self.bug, self.variant, self.count, self.seconds, self.result
        )
    }
}

/// A line that is not a record, with what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn one_of<T: Copy>(what: &str, value: &str, all: &[T], name: fn(T) -> &'static str) -> String {
    let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
    format!("unknown {what} `{value}`; valid: {}", names.join(", "))
}

impl Record {
    /// Parse one line printed by [`Record`]'s `Display`.
    pub fn parse(line: &str) -> Result<Record, ParseError> {
        let fields: Vec<&str> = line.splitn(9, '\t').collect();
        let [kind, engine, bug, variant, param, count, seconds, result, text] = fields[..] else {
            return Err(ParseError(format!(
                "expected 9 tab-separated fields, found {}",
                fields.len()
            )));
        };
        let kind = Kind::parse(kind)
            .ok_or_else(|| ParseError(one_of("kind", kind, Kind::ALL, Kind::name)))?;
        let engine = Engine::parse(engine)
            .ok_or_else(|| ParseError(one_of("engine", engine, Engine::ALL, Engine::name)))?;
        let variant = Variant::parse(variant)
            .ok_or_else(|| ParseError(one_of("variant", variant, &Variant::ALL, Variant::name)))?;
        let param = match param {
            "-" => None,
            p => Some(
                p.parse()
                    .map_err(|_| ParseError(format!("param `{p}` is not `-` or a number")))?,
            ),
        };
        let count = count
            .parse()
            .map_err(|_| ParseError(format!("count `{count}` is not a whole number")))?;
        let seconds = seconds
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| ParseError(format!("seconds `{seconds}` is not a number of seconds")))?;
        let result = Ending::parse(result)
            .ok_or_else(|| ParseError(one_of("result", result, Ending::ALL, Ending::name)))?;
        Ok(Record {
            kind,
            engine,
            bug: bug.to_string(),
            variant,
            param,
            count,
            seconds,
            result,
            text: if text == "-" {
                String::new()
            } else {
                text.to_string()
            },
        })
    }

    /// Every record in `text`, skipping blank lines and lines that do not start with a kind
    /// (runners' other output); a line that starts with a kind but is malformed is an error
    /// naming its line number.
    pub fn parse_all(text: &str) -> Result<Vec<Record>, ParseError> {
        let mut records = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let first = line.split('\t').next().unwrap_or_default();
            if Kind::parse(first).is_none() {
                continue;
            }
            records
                .push(Record::parse(line).map_err(|e| ParseError(format!("line {}: {e}", i + 1)))?);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_printed() {
        let r = Record {
            kind: Kind::FirstFailure,
            engine: Engine::ShuttlePct,
            bug: "slow-client-close".into(),
            variant: Variant::Documented,
            param: Some(7),
            count: 18,
            seconds: 0.25,
            result: Ending::Expected,
            text: "panic in main: send on closed channel".into(),
        };
        let line = r.to_string();
        assert_eq!(
            line,
            "first-failure\tshuttle-pct\tslow-client-close\tdocumented\t7\t18\t0.250000\texpected\tpanic in main: send on closed channel"
        );
        assert_eq!(Record::parse(&line), Ok(r));
    }

    #[test]
    fn other_output_is_skipped_and_a_bad_record_named() {
        let text = "compiling...\n\nrate\tloom\tx\tfixed\t-\t10\t1.0\t-\t-\n";
        let records = Record::parse_all(text).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].param, None);
        assert_eq!(records[0].text, "");
        let bad = "rate\tloom\tx\tfixed\t-\tten\t1.0\t-\t-\n";
        assert_eq!(
            Record::parse_all(bad),
            Err(ParseError(
                "line 1: count `ten` is not a whole number".into()
            ))
        );
        let bad = "rate\tsim\tx\tfixed\t-\t1\t1.0\t-\t-";
        assert_eq!(
            Record::parse(bad),
            Err(ParseError(
                "unknown engine `sim`; valid: sim-random, sim-pct, sim-dfs, shuttle-random, shuttle-pct, loom".into()
            ))
        );
    }
}
