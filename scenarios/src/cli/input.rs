//! User input to catalog terms, each failure one line naming the valid choices.

use super::{exit, EffortArgs, UsageError, VariantArg};
use crate::catalog::{self, Entry};
use crate::report::NamedEffort;
use hub_core::knobs::Variant;
use hub_core::sim::{Config, Token};

fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|n| n.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The catalog entry `id`.
pub fn entry(id: &str) -> Result<&'static Entry, UsageError> {
    catalog::find(id).ok_or_else(|| {
        UsageError(format!(
            "unknown bug `{id}`; valid bugs: {}",
            list(catalog::ids())
        ))
    })
}

/// `v`, if `entry` has it.
pub fn variant_of(entry: &Entry, v: Variant) -> Result<Variant, UsageError> {
    if entry.variants().contains(&v) {
        Ok(v)
    } else {
        Err(UsageError(format!(
            "{} has no {v} variant; its variants: {}",
            entry.id,
            list(entry.variants().iter().map(|v| v.name()))
        )))
    }
}

/// A variant by name, if `entry` has it.
pub fn variant_named(entry: &Entry, name: &str) -> Result<Variant, UsageError> {
    let v = Variant::parse(name).ok_or_else(|| {
        UsageError(format!(
            "unknown variant `{name}`; valid variants: {}",
            list(entry.variants().iter().map(|v| v.name()))
        ))
    })?;
    variant_of(entry, v)
}

pub fn one(v: super::OneVariant) -> Variant {
    match v {
        super::OneVariant::Buggy => Variant::Buggy,
        super::OneVariant::Documented => Variant::Documented,
        super::OneVariant::Fixed => Variant::Fixed,
    }
}

/// The variants `arg` selects of `entry`; a specific one the entry lacks is an error.
pub fn variants(entry: &Entry, arg: VariantArg) -> Result<Vec<Variant>, UsageError> {
    let one = match arg {
        VariantArg::All => return Ok(entry.variants().to_vec()),
        VariantArg::Buggy => Variant::Buggy,
        VariantArg::Documented => Variant::Documented,
        VariantArg::Fixed => Variant::Fixed,
    };
    Ok(vec![variant_of(entry, one)?])
}

/// An op-sequence token, decoded.
pub struct OpsToken {
    pub token: Token,
    pub entry: &'static Entry,
    pub variant: Variant,
    pub ops: Vec<crate::ops::Op>,
}

/// `Some` if `text` is an op sequence's token (`hr1:ops.<bug>.<sequence>:...`).
pub fn ops_token(text: &str) -> Result<Option<OpsToken>, UsageError> {
    let Ok(token) = Token::parse(text) else {
        return Ok(None);
    };
    let Some(decoded) = crate::ops::token::decode(&token.scenario) else {
        return Ok(None);
    };
    let (entry, ops) = decoded.map_err(|e| UsageError(e.to_string()))?;
    let variant =
        variant_named(entry, &token.variant).map_err(|e| UsageError(format!("bad token: {e}")))?;
    Ok(Some(OpsToken {
        token,
        entry,
        variant,
        ops,
    }))
}

/// A replay token, the entry it names and its variant.
pub fn token(text: &str) -> Result<(Token, &'static Entry, Variant), UsageError> {
    let token = Token::parse(text).map_err(|e| UsageError(format!("bad token: {e}")))?;
    let entry = catalog::find(&token.scenario).ok_or_else(|| {
        UsageError(format!(
            "bad token: unknown bug `{}`; valid bugs: {}",
            token.scenario,
            list(catalog::ids())
        ))
    })?;
    let variant =
        variant_named(entry, &token.variant).map_err(|e| UsageError(format!("bad token: {e}")))?;
    Ok((token, entry, variant))
}

/// The effort: `--quick` or `HUBRACE_EFFORT`, then the overriding flags.
pub fn effort(args: &EffortArgs) -> Result<NamedEffort, UsageError> {
    let mut named = if args.quick {
        NamedEffort::quick()
    } else {
        match std::env::var("HUBRACE_EFFORT") {
            Err(_) => NamedEffort::default_effort(),
            Ok(value) => NamedEffort::by_name(value.trim()).ok_or_else(|| {
                UsageError(format!(
                    "HUBRACE_EFFORT={value:?} is not an effort; valid efforts: {}",
                    list(NamedEffort::NAMES)
                ))
            })?,
        }
    };
    if args.dfs_max.is_some() || args.random.is_some() || args.effort_seed.is_some() {
        let mut e = named.effort;
        e.dfs_max = args.dfs_max.unwrap_or(e.dfs_max);
        e.random = args.random.unwrap_or(e.random);
        e.seed = args.effort_seed.unwrap_or(e.seed);
        named = NamedEffort::custom(e);
    }
    Ok(named)
}

/// The sim's bounds from `HUBRACE_MAX_STEPS`, `HUBRACE_MAX_VIRTUAL_SECS`,
/// `HUBRACE_LEAK_GRACE_MS`.
pub fn config() -> Result<Config, UsageError> {
    Config::from_env().map_err(|e| UsageError(e.to_string()))
}

/// Report a clap error: help and version go to stdout with exit 0; a bad value is one line
/// naming the valid values (or, for a number, why it does not parse); anything else is
/// clap's own message (exit 2).
pub fn clap_error(e: clap::Error) -> u8 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            exit::OK
        }
        ErrorKind::InvalidValue => {
            let get = |k| match e.get(k) {
                Some(ContextValue::String(s)) => s.clone(),
                Some(ContextValue::Strings(v)) => list(v),
                _ => String::new(),
            };
            let arg = get(ContextKind::InvalidArg);
            let arg = arg.split(' ').next().unwrap_or_default();
            eprintln!(
                "error: invalid value `{}` for {arg}; valid values: {}",
                get(ContextKind::InvalidValue),
                get(ContextKind::ValidValue)
            );
            exit::USAGE
        }
        // A number that does not parse (`--seeds x`): clap's first line says it all.
        ErrorKind::ValueValidation => {
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: invalid value"));
            exit::USAGE
        }
        _ => {
            let _ = e.print();
            exit::USAGE
        }
    }
}
