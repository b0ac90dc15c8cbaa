use hub_core::sim::{DecisionKind, Schedule};
use scenarios::judge::replay;
fn main() {
    let id = std::env::args().nth(1).unwrap();
    let e = scenarios::catalog::find(&id).unwrap();
    let v = hub_core::knobs::Variant::parse(&std::env::args().nth(2).unwrap()).unwrap();
    let run = replay(e, v, &Schedule::empty());
    let mut pre = 0;
    let mut free = 0;
    let mut ch = 0;
    let mut free_opts = vec![];
    for d in &run.decisions {
        match d.kind {
            DecisionKind::Schedule { preemptible: true } => pre += 1,
            DecisionKind::Schedule { preemptible: false } => {
                free += 1;
                free_opts.push(d.options)
            }
            DecisionKind::Choose => ch += 1,
        }
    }
    println!(
        "preemptible {pre} free {free} choose {ch} free options {:?}",
        free_opts
    );
    if std::env::var_os("TRACE").is_some() {
        println!("{}", run.trace);
    }
}
