//! Replay tokens: one printable string that reproduces a run exactly.
//!
//! `hr1:<scenario>:<variant>:<schedule>`, e.g. `hr1:double-close-router:buggy:aeaqc4a`.
//! The schedule part is base32 (RFC 4648 alphabet, lowercase, no padding) of: a run-length
//! encoding of the choices as LEB128 varints (a count of default choices, then one non-default
//! choice, repeated), followed by one checksum byte. Shrunk schedules are mostly defaults, so
//! tokens stay short.

use super::schedule::Schedule;
use std::fmt;

pub const PREFIX: &str = "hr1";
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub scenario: String,
    pub variant: String,
    pub schedule: Schedule,
}

/// Why a token could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Does not start with `hr1:`.
    Prefix { found: String },
    /// Not four `:`-separated fields.
    Fields { found: usize },
    /// A scenario or variant name with characters outside `[a-z0-9._-]`, or empty.
    Name { field: &'static str, value: String },
    /// A schedule character outside the base32 alphabet.
    Base32 { position: usize, found: char },
    /// The schedule ends inside a number.
    Truncated,
    /// The checksum does not match: the token was altered or cut.
    Checksum,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Prefix { found } => write!(
                f,
                "token must start with `{PREFIX}:` (found `{found}`); tokens look like \
                 `hr1:<scenario>:<variant>:<schedule>`"
            ),
            TokenError::Fields { found } => write!(
                f,
                "token has {found} `:`-separated fields, expected 4: \
                 `hr1:<scenario>:<variant>:<schedule>`"
            ),
            TokenError::Name { field, value } => write!(
                f,
                "token {field} `{value}` is empty or has characters outside [a-z0-9._-]"
            ),
            TokenError::Base32 { position, found } => write!(
                f,
                "token schedule has `{found}` at position {position}; allowed: a-z and 2-7"
            ),
            TokenError::Truncated => {
                f.write_str("token schedule is truncated (copy the whole token)")
            }
            TokenError::Checksum => {
                f.write_str("token checksum does not match (was the token altered or cut?)")
            }
        }
    }
}

impl std::error::Error for TokenError {}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn checksum(bytes: &[u8]) -> u8 {
    // FNV-1a folded to one byte; enough to catch a mistyped or cut token.
    let h = bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) as u8
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn encode_schedule(schedule: &Schedule) -> String {
    let mut bytes = Vec::new();
    let mut zeros = 0u64;
    for &c in schedule.choices() {
        if c == 0 {
            zeros += 1;
        } else {
            put_varint(&mut bytes, zeros);
            put_varint(&mut bytes, u64::from(c));
            zeros = 0;
        }
    }
    bytes.push(checksum(&bytes));
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn decode_schedule(text: &str) -> Result<Schedule, TokenError> {
    let mut bytes = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc = 0u32;
    let mut bits = 0;
    for (position, ch) in text.chars().enumerate() {
        let v = ALPHABET
            .iter()
            .position(|&a| a as char == ch)
            .ok_or(TokenError::Base32 {
                position,
                found: ch,
            })?;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    let Some((&sum, body)) = bytes.split_last() else {
        return Err(TokenError::Truncated);
    };
    if checksum(body) != sum {
        return Err(TokenError::Checksum);
    }
    let mut choices = Vec::new();
    let mut it = body.iter();
    let read = |it: &mut std::slice::Iter<u8>| -> Result<Option<u64>, TokenError> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let Some(&b) = it.next() else {
                return if shift == 0 {
                    Ok(None)
                } else {
                    Err(TokenError::Truncated)
                };
            };
            if shift >= 63 {
                return Err(TokenError::Truncated);
            }
            v |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(Some(v));
            }
        }
    };
    while let Some(zeros) = read(&mut it)? {
        let choice = read(&mut it)?.ok_or(TokenError::Truncated)?;
        let choice = u32::try_from(choice).map_err(|_| TokenError::Truncated)?;
        if zeros > 1_000_000 {
            return Err(TokenError::Truncated);
        }
        choices.extend(std::iter::repeat_n(0, zeros as usize));
        choices.push(choice);
    }
    Ok(Schedule::new(choices))
}

impl Token {
    /// Panics if `scenario` or `variant` is not a valid name (a caller bug, not user input).
    pub fn new(scenario: &str, variant: &str, schedule: Schedule) -> Token {
        assert!(valid_name(scenario), "invalid scenario name {scenario:?}");
        assert!(valid_name(variant), "invalid variant name {variant:?}");
        Token {
            scenario: scenario.to_string(),
            variant: variant.to_string(),
            schedule: schedule.trimmed(),
        }
    }

    pub fn parse(text: &str) -> Result<Token, TokenError> {
        let text = text.trim();
        let fields: Vec<&str> = text.split(':').collect();
        if fields[0] != PREFIX {
            return Err(TokenError::Prefix {
                found: fields[0].chars().take(12).collect(),
            });
        }
        if fields.len() != 4 {
            return Err(TokenError::Fields {
                found: fields.len(),
            });
        }
        for (field, value) in [("scenario", fields[1]), ("variant", fields[2])] {
            if !valid_name(value) {
                return Err(TokenError::Name {
                    field,
                    value: value.to_string(),
                });
            }
        }
        Ok(Token {
            scenario: fields[1].to_string(),
            variant: fields[2].to_string(),
            schedule: decode_schedule(fields[3])?,
        })
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}:{}:{}:{}",
            self.scenario,
            self.variant,
            encode_schedule(&self.schedule)
        )
    }
}

impl std::str::FromStr for Token {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Token, TokenError> {
        Token::parse(s)
    }
}
