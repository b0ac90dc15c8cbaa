//! Development probe: each entry × variant on the default schedule.
use hub_core::sim::Schedule;
use scenarios::judge::replay;
use scenarios::CATALOG;

fn main() {
    let only = std::env::args().nth(1);
    for e in CATALOG {
        if only.as_deref().is_some_and(|o| o != e.id) {
            continue;
        }
        for &v in e.variants() {
            let run = replay(e, v, &Schedule::empty());
            println!(
                "{} {}: {} (steps {}, decisions {}, end {})",
                e.id,
                v,
                run.outcome,
                run.steps,
                run.decisions.len(),
                hub_core::sim::fmt_time(run.end)
            );
            if std::env::var_os("TRACE").is_some() {
                println!("{}", run.trace);
            }
        }
    }
}
