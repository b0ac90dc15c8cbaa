//! Where the real hub and the reference disagree, one line per difference.

use super::model::{Expected, Seen, Snapshot};
use super::play::Observed;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn conns(ids: &BTreeSet<u32>) -> String {
    list(ids.iter().map(|id| format!("conn#{id}")))
}

/// Every difference between what the reference expects and what the run showed; empty when
/// they agree. The verdict must be `pass`.
pub fn disagreements(expected: &Expected, observed: &Observed) -> Vec<String> {
    let mut out = Vec::new();
    if !observed.outcome.is_pass() {
        out.push(format!(
            "verdict: {} (the reference expects pass)",
            observed.outcome
        ));
    }
    match &observed.snapshot {
        None => out.push("checkpoint: never reached (the run ended before it)".to_string()),
        Some(real) => snapshot(&expected.snapshot, real, &mut out),
    }
    let ids: BTreeSet<u32> = expected
        .peers
        .keys()
        .chain(observed.peers.keys())
        .copied()
        .collect();
    let none: Vec<Seen> = Vec::new();
    for id in ids {
        let want = expected.peers.get(&id).unwrap_or(&none);
        let got = observed.peers.get(&id).unwrap_or(&none);
        if want != got {
            out.push(format!(
                "conn#{id} peer saw {}, the reference expects {}",
                list(got),
                list(want)
            ));
        }
    }
    out
}

fn snapshot(want: &Snapshot, got: &Snapshot, out: &mut Vec<String>) {
    if want.registered != got.registered {
        out.push(format!(
            "registered clients: hub has {}, the reference expects {}",
            conns(&got.registered),
            conns(&want.registered)
        ));
    }
    diff_map(
        "userClients of user",
        &want.user_clients,
        &got.user_clients,
        conns,
        out,
    );
    for (user, &online) in &want.online {
        let real = got.online.get(user).copied().unwrap_or(false);
        if real != online {
            out.push(format!(
                "presence of user {user}: {}, the reference expects {}",
                if real { "online" } else { "offline" },
                if online { "online" } else { "offline" }
            ));
        }
    }
    diff_map(
        "router subscriptions of conn#",
        &want.subscriptions,
        &got.subscriptions,
        |subs| list(subs.iter()),
        out,
    );
    if want.open != got.open {
        out.push(format!(
            "open connections at the checkpoint: {}, the reference expects {}",
            conns(&got.open),
            conns(&want.open)
        ));
    }
}

fn diff_map<K: Ord + Copy + std::fmt::Display, V: PartialEq + Debug>(
    what: &str,
    want: &BTreeMap<K, V>,
    got: &BTreeMap<K, V>,
    show: impl Fn(&V) -> String,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<K> = want.keys().chain(got.keys()).copied().collect();
    for k in keys {
        let (w, g) = (want.get(&k), got.get(&k));
        if w != g {
            let show = |v: Option<&V>| v.map_or("none".to_string(), &show);
            let sep = if what.ends_with('#') { "" } else { " " };
            out.push(format!(
                "{what}{sep}{k}: hub has {}, the reference expects {}",
                show(g),
                show(w)
            ));
        }
    }
}
