use hub_core::sim::{Sim, Strategy};
fn main() {
    let e = scenarios::catalog::find(&std::env::args().nth(1).unwrap()).unwrap();
    let v = hub_core::knobs::Variant::parse(&std::env::args().nth(2).unwrap()).unwrap();
    let make = scenarios::judge::program(e, v);
    let r = Sim::new().run(&make, &hub_core::sim::Schedule::empty());
    println!("{}", r.trace);
    let _ = Sim::new().explore(
        &make,
        Strategy::DfsSleep {
            preemption_bound: None,
        },
        1,
    );
}
