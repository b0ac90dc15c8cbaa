//! The scaled catalog programs the loom tests explore, as plain async bodies on hub-core's
//! engine boundary: loom runs them (`tests/loom_*.rs`), and so can `sim` or any other engine,
//! which is how the benchmarks compare engines on the same scenario. Each test file's header
//! says how its model was scaled from the catalog program and why the bug's shape survives.

use crate::{checkpoint, secs, spawn_read_pump};
use hub_core::go::sleep;
use hub_core::hub::{Hub, HubConfig, Invariant, PeerScript};
use hub_core::knobs::*;
use hub_core::rt::{spawn, BoxTask};

/// `double-close-router`: see `tests/loom_double_close_router.rs`.
pub async fn double_close_router(variant: DoubleCloseRouter) {
    let knobs = Knobs {
        double_close_router: variant,
        ..Knobs::default()
    };
    let hub = Hub::new(knobs, HubConfig::default());
    spawn("hub.run", hub.clone().run());
    let c = hub.attach(1, vec!["blocks", "trx"]).await;
    spawn_read_pump(&hub, &c);
    sleep(secs(1)).await;
    c.conn().close();
    hub.delete_subscription("trx").await;
    sleep(secs(1)).await;
    checkpoint(&hub, &[Invariant::DisconnectedClientsRemoved]).await;
    hub.shutdown();
    hub.exited().await;
}

/// `slow-client-close`: see `tests/loom_slow_client_close.rs`.
pub async fn slow_client_close(variant: SlowClientClose) {
    let knobs = Knobs {
        slow_client_close: variant,
        ..Knobs::default()
    };
    let mut config = HubConfig::default();
    config.send_buffer = 1;
    let hub = Hub::new(knobs, config);
    spawn("hub.run", hub.clone().run());
    let c = hub.attach(1, Vec::new()).await;
    spawn_read_pump(&hub, &c);
    sleep(secs(1)).await;
    c.conn().close();
    for text in ["m1", "m2", "m3"] {
        hub.send_message(1, text.into()).await;
    }
    sleep(secs(1)).await;
    checkpoint(&hub, &[Invariant::DisconnectedClientsRemoved]).await;
    hub.shutdown();
    hub.exited().await;
}

/// `unregister-after-shutdown`: see `tests/loom_unregister_after_shutdown.rs`.
pub async fn unregister_after_shutdown(variant: UnregisterAfterShutdown) {
    let knobs = Knobs {
        unregister_after_shutdown: variant,
        ..Knobs::default()
    };
    let mut config = HubConfig::default();
    config.unregister_buffer = 1;
    let hub = Hub::new(knobs, config);
    spawn("hub.run", hub.clone().run());
    let clients = [
        hub.attach(1, Vec::new()).await,
        hub.attach(2, Vec::new()).await,
    ];
    for c in &clients {
        spawn_read_pump(&hub, c);
    }
    sleep(secs(1)).await;
    hub.shutdown();
    hub.exited().await;
    for c in &clients {
        c.conn().close();
    }
}

/// `premature-disconnect`: see `tests/loom_premature_disconnect.rs`.
pub async fn premature_disconnect(variant: PrematureDisconnect) {
    let knobs = Knobs {
        premature_disconnect: variant,
        ..Knobs::default()
    };
    let hub = Hub::new(knobs, HubConfig::default());
    let c = hub.connect(
        1,
        Vec::new(),
        PeerScript::healthy().sending(secs(1), "hello"),
    );
    sleep(secs(5)).await;
    checkpoint(
        &hub,
        &[
            Invariant::ClosedBeforeFirstMessage,
            Invariant::HealthyPeerOpen,
        ],
    )
    .await;
    c.conn().close();
}

/// `keepalive-deadline`: see `tests/loom_keepalive_deadline.rs`.
pub async fn keepalive_deadline(variant: KeepaliveDeadline) {
    let knobs = Knobs {
        keepalive_deadline: variant,
        ..Knobs::default()
    };
    let hub = Hub::new(knobs, HubConfig::default());
    let c = hub.connect(1, Vec::new(), PeerScript::healthy());
    sleep(secs(100)).await;
    checkpoint(&hub, &[Invariant::HealthyPeerOpen]).await;
    c.conn().close();
}

/// `presence-reconnect`: see `tests/loom_presence_reconnect.rs`.
pub async fn presence_reconnect(variant: PresenceReconnect) {
    let knobs = Knobs {
        presence_reconnect: variant,
        ..Knobs::default()
    };
    let hub = Hub::new(knobs, HubConfig::default());
    spawn("hub.run", hub.clone().run());
    let old = hub.attach(1, Vec::new()).await;
    spawn_read_pump(&hub, &old);
    sleep(secs(1)).await;
    old.conn().close();
    let _new = hub.attach(1, Vec::new()).await;
    sleep(secs(1)).await;
    checkpoint(&hub, &[Invariant::PresenceMatchesConnections]).await;
    hub.shutdown();
    hub.exited().await;
}

/// `orphaned-pumps`: see `tests/loom_orphaned_pumps.rs`.
pub async fn orphaned_pumps(variant: OrphanedPumps) {
    let knobs = Knobs {
        orphaned_pumps: variant,
        readpump_goroutine: ReadpumpGoroutine::Buggy,
        ..Knobs::default()
    };
    let hub = Hub::new(knobs, HubConfig::default());
    spawn("hub.run", hub.clone().run());
    let c = hub.connect(1, Vec::new(), PeerScript::healthy());
    hub.shutdown();
    hub.exited().await;
    sleep(secs(1)).await;
    c.conn().close();
}

/// The model of catalog bug `bug` with its knob at `variant`, as a task for any engine; `None`
/// for a bug without a model here or a variant its knob lacks.
pub fn model(bug: &str, variant: Variant) -> Option<BoxTask> {
    Some(match bug {
        "double-close-router" => Box::pin(double_close_router(DoubleCloseRouter::from_variant(
            variant,
        )?)),
        "slow-client-close" => Box::pin(slow_client_close(SlowClientClose::from_variant(variant)?)),
        "unregister-after-shutdown" => Box::pin(unregister_after_shutdown(
            UnregisterAfterShutdown::from_variant(variant)?,
        )),
        "premature-disconnect" => Box::pin(premature_disconnect(
            PrematureDisconnect::from_variant(variant)?,
        )),
        "keepalive-deadline" => Box::pin(keepalive_deadline(KeepaliveDeadline::from_variant(
            variant,
        )?)),
        "presence-reconnect" => Box::pin(presence_reconnect(PresenceReconnect::from_variant(
            variant,
        )?)),
        "orphaned-pumps" => Box::pin(orphaned_pumps(OrphanedPumps::from_variant(variant)?)),
        _ => return None,
    })
}
