//! The reference model as a proptest-state-machine `ReferenceStateMachine`: it generates op
//! sequences that make sense step by step, and keeps them sensible while shrinking.

use super::model::{Model, Peer};
use super::op::{Op, Reconnect, SUBS, USERS};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest_state_machine::ReferenceStateMachine;

/// The hub's reference state machine.
pub struct HubMachine;

impl ReferenceStateMachine for HubMachine {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    /// Weighted so that sequences connect people early and tear them down in every way.
    fn transitions(state: &Model) -> BoxedStrategy<Op> {
        let user = || select(&USERS[..]);
        let sub = || select(&SUBS[..]);
        let mut options: Vec<(u32, BoxedStrategy<Op>)> = Vec::new();
        if !state.shutdown {
            options.push((4, user().prop_map(|user| Op::Connect { user }).boxed()));
            options.push((
                3,
                (user(), sub())
                    .prop_map(|(user, sub)| Op::Subscribe { user, sub })
                    .boxed(),
            ));
            options.push((
                1,
                sub().prop_map(|sub| Op::DeleteSubscription { sub }).boxed(),
            ));
            options.push((1, Just(Op::SlowPeer).boxed()));
            options.push((
                1,
                user()
                    .prop_map(|user| Op::PeerErrorOnConnect { user })
                    .boxed(),
            ));
            options.push((1, Just(Op::Shutdown).boxed()));
            let healthy: Vec<_> = state
                .targets()
                .into_iter()
                .filter(|&t| {
                    state
                        .resolve(t)
                        .and_then(|id| state.conn(id))
                        .is_some_and(|c| c.peer == Peer::Healthy)
                })
                .collect();
            if !healthy.is_empty() {
                options.push((
                    2,
                    (
                        select(healthy),
                        select(&[Reconnect::SecondTab, Reconnect::Reload][..]),
                    )
                        .prop_map(|(conn, how)| Op::RapidReconnect { conn, how })
                        .boxed(),
                ));
            }
        }
        let open = state.targets();
        if !open.is_empty() {
            options.push((
                2,
                select(open.clone())
                    .prop_map(|conn| Op::Disconnect { conn })
                    .boxed(),
            ));
            options.push((
                2,
                select(open).prop_map(|conn| Op::PeerError { conn }).boxed(),
            ));
        }
        options.push((2, Just(Op::Broadcast).boxed()));
        Union::new_weighted(options).boxed()
    }

    fn apply(state: Model, op: &Op) -> Model {
        state.apply(op)
    }

    fn preconditions(state: &Model, op: &Op) -> bool {
        state.allows(op)
    }
}
