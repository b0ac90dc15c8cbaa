//! The replay token of an op sequence: `hr1:ops.<bug>.<sequence>:<variant>:<schedule>`.
//!
//! It is the sim's ordinary token (`hub_core::sim::Token`) whose scenario names the sequence:
//! the bug whose knob is switched to `<variant>` and the ops, one letter each followed by
//! their arguments as base-36 digits (`c1` connect user 1, `s1b` user 1 subscribes to
//! `blocks`, `d10` disconnect user 1's oldest open connection, `q` shutdown, ...). So
//! `hubrace replay --token` replays a failing sequence exactly, as it replays a catalog run.

use super::op::{Op, Reconnect, Target, SUBS};
use crate::catalog::{self, Entry};
use hub_core::knobs::Variant;
use hub_core::sim::{Schedule, Token};
use std::fmt;

/// The scenario prefix of a sequence token.
pub const PREFIX: &str = "ops.";

/// A sequence token's scenario that does not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpsTokenError(pub String);

impl fmt::Display for OpsTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad op-sequence token: {}", self.0)
    }
}

impl std::error::Error for OpsTokenError {}

fn digit(n: u32) -> char {
    char::from_digit(n, 36).unwrap_or_else(|| panic!("{n} does not fit one base-36 digit"))
}

fn sub_digit(sub: &str) -> char {
    let i = SUBS
        .iter()
        .position(|s| *s == sub)
        .unwrap_or_else(|| panic!("unknown subscription {sub:?}"));
    digit(i as u32)
}

fn encode_op(op: &Op, out: &mut String) {
    let target = |t: &Target, out: &mut String| {
        out.push(digit(t.user));
        out.push(digit(u32::from(t.nth)));
    };
    match op {
        Op::Connect { user } => {
            out.push('c');
            out.push(digit(*user));
        }
        Op::Subscribe { user, sub } => {
            out.push('s');
            out.push(digit(*user));
            out.push(sub_digit(sub));
        }
        Op::Disconnect { conn } => {
            out.push('d');
            target(conn, out);
        }
        Op::RapidReconnect { conn, how } => {
            out.push('r');
            target(conn, out);
            out.push(match how {
                Reconnect::SecondTab => '0',
                Reconnect::Reload => '1',
            });
        }
        Op::DeleteSubscription { sub } => {
            out.push('x');
            out.push(sub_digit(sub));
        }
        Op::Broadcast => out.push('b'),
        Op::SlowPeer => out.push('w'),
        Op::PeerError { conn } => {
            out.push('e');
            target(conn, out);
        }
        Op::PeerErrorOnConnect { user } => {
            out.push('o');
            out.push(digit(*user));
        }
        Op::Shutdown => out.push('q'),
    }
}

/// The token replaying `ops` with `entry`'s knob at `variant` under `schedule`.
pub fn encode(entry: &Entry, variant: Variant, ops: &[Op], schedule: Schedule) -> Token {
    let mut code = String::new();
    for op in ops {
        encode_op(op, &mut code);
    }
    Token::new(
        &format!("{PREFIX}{}.{code}", entry.id),
        variant.name(),
        schedule,
    )
}

/// The bug and the ops a sequence token's scenario names (`None`: not a sequence token).
pub fn decode(scenario: &str) -> Option<Result<(&'static Entry, Vec<Op>), OpsTokenError>> {
    let rest = scenario.strip_prefix(PREFIX)?;
    Some(decode_rest(rest))
}

fn decode_rest(rest: &str) -> Result<(&'static Entry, Vec<Op>), OpsTokenError> {
    let (bug, code) = rest
        .split_once('.')
        .ok_or_else(|| OpsTokenError("expected ops.<bug>.<sequence>".into()))?;
    let entry = catalog::find(bug).ok_or_else(|| {
        OpsTokenError(format!(
            "unknown bug {bug:?} (valid: {})",
            catalog::ids().join(", ")
        ))
    })?;
    let mut ops = Vec::new();
    let mut rest_code = code;
    while let Some(letter) = rest_code.chars().next() {
        let arity = match letter {
            'c' | 'o' => 1,
            's' | 'd' | 'e' => 2,
            'r' => 3,
            'x' => 1,
            'b' | 'w' | 'q' => 0,
            other => {
                return Err(OpsTokenError(format!(
                    "unknown op {other:?} in {code:?} (valid: c s d r x b w e o q)"
                )))
            }
        };
        let args = &rest_code[1..];
        if !args.is_ascii() || args.len() < arity {
            return Err(OpsTokenError(format!(
                "sequence {code:?} ends inside an op"
            )));
        }
        let digits: Vec<u32> = args[..arity]
            .chars()
            .map(|c| c.to_digit(36))
            .collect::<Option<_>>()
            .ok_or_else(|| OpsTokenError(format!("bad argument in {code:?}")))?;
        let sub = |i: u32| {
            SUBS.get(i as usize)
                .copied()
                .ok_or_else(|| OpsTokenError(format!("no subscription #{i}")))
        };
        let target = |u: u32, n: u32| -> Result<Target, OpsTokenError> {
            Ok(Target {
                user: u,
                nth: u8::try_from(n).map_err(|_| OpsTokenError("connection index".into()))?,
            })
        };
        ops.push(match letter {
            'c' => Op::Connect { user: digits[0] },
            's' => Op::Subscribe {
                user: digits[0],
                sub: sub(digits[1])?,
            },
            'd' => Op::Disconnect {
                conn: target(digits[0], digits[1])?,
            },
            'r' => Op::RapidReconnect {
                conn: target(digits[0], digits[1])?,
                how: match digits[2] {
                    0 => Reconnect::SecondTab,
                    1 => Reconnect::Reload,
                    _ => return Err(OpsTokenError("reconnect kind is 0 or 1".into())),
                },
            },
            'x' => Op::DeleteSubscription {
                sub: sub(digits[0])?,
            },
            'b' => Op::Broadcast,
            'w' => Op::SlowPeer,
            'e' => Op::PeerError {
                conn: target(digits[0], digits[1])?,
            },
            'o' => Op::PeerErrorOnConnect { user: digits[0] },
            _ => Op::Shutdown,
        });
        rest_code = &args[arity..];
    }
    Ok((entry, ops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_kind_round_trips() {
        let t = |user, nth| Target { user, nth };
        let ops = vec![
            Op::Connect { user: 1 },
            Op::Subscribe {
                user: 2,
                sub: "trx",
            },
            Op::Disconnect { conn: t(1, 0) },
            Op::RapidReconnect {
                conn: t(3, 1),
                how: Reconnect::Reload,
            },
            Op::RapidReconnect {
                conn: t(2, 0),
                how: Reconnect::SecondTab,
            },
            Op::DeleteSubscription { sub: "blocks" },
            Op::Broadcast,
            Op::SlowPeer,
            Op::PeerError { conn: t(9, 2) },
            Op::PeerErrorOnConnect { user: 2 },
            Op::Shutdown,
        ];
        let entry = catalog::find("presence-reconnect").unwrap();
        let token = encode(entry, Variant::Buggy, &ops, Schedule::new(vec![0, 1]));
        assert_eq!(
            token.to_string().split(':').nth(1),
            Some("ops.presence-reconnect.c1s21d10r311r200x0bwe92o2q")
        );
        let parsed = Token::parse(&token.to_string()).unwrap();
        let (back_entry, back_ops) = decode(&parsed.scenario).unwrap().unwrap();
        assert_eq!(back_entry.id, entry.id);
        assert_eq!(back_ops, ops);
        assert_eq!(parsed.schedule, token.schedule);
    }

    #[test]
    fn bad_sequences_say_what_is_wrong() {
        let err = |s: &str| match decode(s) {
            Some(Err(e)) => e.to_string(),
            _ => panic!("{s} decoded"),
        };
        assert_eq!(
            err("ops.nope.c1"),
            format!(
                "bad op-sequence token: unknown bug \"nope\" (valid: {})",
                catalog::ids().join(", ")
            )
        );
        assert_eq!(
            err("ops.presence-reconnect.z1"),
            "bad op-sequence token: unknown op 'z' in \"z1\" (valid: c s d r x b w e o q)"
        );
        assert_eq!(
            err("ops.presence-reconnect.d1"),
            "bad op-sequence token: sequence \"d1\" ends inside an op"
        );
        assert!(decode("presence-reconnect").is_none());
    }
}
