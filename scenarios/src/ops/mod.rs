//! Op sequences as data: what users, peers and the API do to a hub ([`Op`]), a reference model
//! of what a correct hub shows ([`Model`]), the player that turns a sequence into hub calls on
//! `sim` ([`Harness`]), the comparison of the two ([`disagreements`]), and the replay token of
//! a sequence ([`token`]). proptest-suite generates and shrinks the sequences; `hubrace replay
//! --token` replays a failing one from its token.

pub mod compare;
pub mod model;
pub mod op;
pub mod play;
pub mod token;

pub use compare::disagreements;
pub use model::{ConnModel, End, Expected, Model, Peer, Seen, Snapshot};
pub use op::{ConnId, Op, Reconnect, Target, SLOW_USER, SUBS, USERS};
pub use play::{hub_config, Harness, Observed, Plan, Probe};
