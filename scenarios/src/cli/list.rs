//! `hubrace list`.

use super::{exit, CmdResult};
use crate::CATALOG;
use std::io::Write;

pub fn run(out: &mut dyn Write) -> CmdResult {
    let id_width = CATALOG.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let seed_width = CATALOG.iter().map(|e| e.seed.len()).max().unwrap_or(0);
    for e in CATALOG {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<seed_width$}  {}",
            e.id, e.seed, e.title
        );
    }
    Ok(exit::OK)
}
