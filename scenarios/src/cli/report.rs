//! `hubrace report`: the whole catalog as Markdown or JSON.

use super::progress::Meter;
use super::{exit, input, CmdResult, Format, ReportArgs, UsageError};
use crate::report::{self, markdown};
use std::io::Write;

pub fn run(a: &ReportArgs, out: &mut dyn Write) -> CmdResult {
    let config = input::config()?;
    let effort = input::effort(&a.effort)?;
    let mut meter = Meter::new();
    let built = report::build_in(&config, &effort, &mut |bug, v, phase, n| {
        meter.tick(&|| format!("{bug} {v}: {phase}"), n)
    });
    meter.finish();
    let (text, file) = match a.format {
        Format::Md => (markdown::render(&built, &effort), "REPORT.md"),
        Format::Json => (report::to_json(&built), "report.json"),
    };
    match &a.out {
        None => {
            let _ = out.write_all(text.as_bytes());
        }
        Some(dir) => {
            let path = dir.join(file);
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &text))
                .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
            let _ = writeln!(out, "wrote {}", path.display());
        }
    }
    Ok(if built.as_expected {
        exit::OK
    } else {
        exit::MISMATCH
    })
}
