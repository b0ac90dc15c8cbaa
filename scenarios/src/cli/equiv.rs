//! `hubrace equiv`: are two variants observably the same?

use super::{exit, input, CmdResult, EquivArgs};
use crate::judge;
use crate::report::{equivalence_pair, text, EquivReport};
use std::io::Write;

pub fn run(a: &EquivArgs, out: &mut dyn Write) -> CmdResult {
    let entry = input::entry(&a.bug)?;
    let (va, vb) = match a.variants.as_slice() {
        [] => equivalence_pair(entry),
        [x, y] => (
            input::variant_named(entry, x)?,
            input::variant_named(entry, y)?,
        ),
        _ => {
            return Err(super::UsageError(format!(
                "equiv takes two variants or none; {}'s variants: {}",
                entry.id,
                entry
                    .variants()
                    .iter()
                    .map(|v| v.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    };
    let config = input::config()?;
    let effort = input::effort(&a.effort)?;
    let max = a.max.unwrap_or(effort.effort.dfs_max);
    let _ = writeln!(
        out,
        "comparing {} · {va} and {vb}: every interleaving (DFS with sleep sets and state caching), up to {max} runs each",
        entry.id
    );
    let _ = out.flush();
    let e = EquivReport::new(&judge::equivalence_in(&config, entry, va, vb, max));
    let _ = write!(out, "{}", text::equivalence(&e));
    Ok(if e.equal && e.exhaustive {
        exit::OK
    } else {
        exit::MISMATCH
    })
}
