//! Development probe: judge each entry × variant, with counts and time.
//! `cargo run --release -p scenarios --example probe_dfs [ENTRY|all] [DFS_MAX]`
use scenarios::judge::{judge, Effort};
use scenarios::CATALOG;
use std::time::Instant;

fn main() {
    let only = std::env::args().nth(1);
    let dfs_max: u64 = std::env::args()
        .nth(2)
        .map_or(3_000_000, |b| b.parse().unwrap());
    for e in CATALOG {
        if only.as_deref().is_some_and(|o| o != e.id && o != "all") {
            continue;
        }
        for &v in e.variants() {
            let t = Instant::now();
            let j = judge(
                e,
                v,
                Effort {
                    dfs_max,
                    random: 10_000,
                    seed: 1,
                },
            );
            println!(
                "{} {}: {} | expected {} ok={} | dfs {} exhausted={} random {} | {:.1}s",
                e.id,
                v,
                j.outcome(),
                j.expected,
                j.as_expected(),
                j.dfs_schedules,
                j.dfs_exhausted,
                j.random_schedules,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
