//! `hubrace bench`: `sim`'s benchmark records, or the Markdown table of every engine's.

use super::{exit, input, BenchArgs, CmdResult, UsageError};
use crate::bench::record::Record;
use crate::bench::{sim, table, Options};
use std::io::Write;

pub fn run(a: &BenchArgs, out: &mut dyn Write) -> CmdResult {
    if !a.table.is_empty() {
        let mut records = Vec::new();
        for path in &a.table {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
            records.extend(
                Record::parse_all(&text)
                    .map_err(|e| UsageError(format!("{}: {e}", path.display())))?,
            );
        }
        if records.is_empty() {
            return Err(UsageError(
                "no benchmark records in the files given to --table (records are the lines \
                 `hubrace bench`, bench_shuttle and bench_loom print)"
                    .to_string(),
            ));
        }
        let _ = write!(out, "{}", table::render(&records));
        return Ok(exit::OK);
    }
    let mut opts = if a.quick {
        Options::quick()
    } else {
        Options::default()
    };
    match a.seeds {
        Some(0) => {
            return Err(UsageError(
                "--seeds 0: expected at least 1 seed (seeds run from 1 to N)".to_string(),
            ))
        }
        Some(n) => opts.seeds = n,
        None => {}
    }
    let config = input::config()?;
    sim::measure(&config, &opts, &mut |r| {
        let _ = writeln!(out, "{r}");
        let _ = out.flush();
    });
    Ok(exit::OK)
}
