use hub_core::sim::{Config, Sim, Strategy};
use std::time::Instant;
fn main() {
    let e = scenarios::catalog::find(&std::env::args().nth(1).unwrap()).unwrap();
    let v = hub_core::knobs::Variant::parse(&std::env::args().nth(2).unwrap()).unwrap();
    let n: u64 = std::env::args().nth(3).unwrap().parse().unwrap();
    let bound: Option<u32> = std::env::args().nth(4).map(|b| b.parse().unwrap());
    let make = scenarios::judge::program(e, v);
    let mut c = Config::default();
    c.record = false;
    let sim = Sim::with_config(c);
    let t = Instant::now();
    let mut max_steps = 0;
    let mut max_dec = 0;
    let x = sim.explore_each(
        &make,
        Strategy::DfsSleep {
            preemption_bound: bound,
        },
        n,
        &mut |_, r| {
            max_steps = max_steps.max(r.steps);
            max_dec = max_dec.max(r.decisions.len());
            true
        },
    );
    println!("complete {} pruned {} exhausted {} max_steps {max_steps} max_decisions {max_dec} in {:.2}s", x.schedules, x.pruned, x.exhausted, t.elapsed().as_secs_f64());
}
