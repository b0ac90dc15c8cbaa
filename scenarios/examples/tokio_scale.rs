//! Wall time, peak memory and messages per second of the many-client workload, on tokio and
//! on the sim.
//!
//! ```text
//! cargo run --release -p scenarios --example tokio_scale [-- [--clients N] [--sim-clients N]]
//! ```
//! The workload is `scenarios::scale::Fanout` with 10 messages per phase: N clients connect,
//! phase `a` goes to all, half leave, phase `b` goes to the rest, the hub shuts down, the rest
//! leave; `Fanout::check` verifies every delivery. It runs three ways, each in a child
//! process of its own so that each peak memory (VmHWM from /proc/self/status, Linux) is its
//! own:
//! - `tokio multi-thread`: `run_multi_thread`, 2 workers, real clock;
//! - `tokio paused`: `run_paused`, one thread, virtual clock;
//! - `sim`: the same program on the seeded executor under its default schedule (one schedule,
//!   no exploration, no timeline recorded), one thread, virtual clock.
//!
//! `--sim-clients` (default: the same N) sizes the sim's run separately, since the sim's cost
//! grows faster than linearly with the number of tasks; 0 skips it. `cpu` is the child's user
//! plus system time (all threads), which other work on the machine disturbs less than `wall`.
//! Wall-clock time is read here, in the bench, never in the model.

// tokio is never built under `--cfg loom`; the example is then an empty binary.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    bench::main();
}

#[cfg(not(loom))]
mod bench {
    use hub_core::knobs::Knobs;
    use hub_core::rt::tokio::{run_multi_thread, run_paused, Config};
    use hub_core::sim::{self, Schedule, Sim};
    use scenarios::scale::Fanout;
    use std::process::{exit, Command};
    use std::sync::Mutex;
    use std::time::Instant;

    const PER_PHASE: usize = 10;
    const USAGE: &str = "usage: tokio_scale [--clients N] [--sim-clients N]";

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if let [flag, engine, clients] = args.as_slice() {
            if flag == "--child" {
                return child(engine, number("--child", clients));
            }
        }
        let mut clients = 10_000;
        let mut sim_clients = None;
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().map(String::as_str).unwrap_or("");
            match flag.as_str() {
                "--clients" => clients = number(flag, value),
                "--sim-clients" => sim_clients = Some(number(flag, value)),
                _ => fail(&format!("unknown argument {flag:?}; {USAGE}")),
            }
        }
        let sim_clients = sim_clients.unwrap_or(clients);
        println!(
            "workload: Fanout {{ clients, per_phase: {PER_PHASE} }}, Fixed hub (release, {} cores)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "{:<20} {:>8} {:>10} {:>10} {:>12} {:>14} {:>10} {:>9}",
            "engine", "clients", "wall", "cpu", "peak memory", "messages/s", "tasks", "verdict"
        );
        for (engine, n) in [
            ("tokio-multi-thread", clients),
            ("tokio-paused", clients),
            ("sim", sim_clients),
        ] {
            if n == 0 {
                continue;
            }
            let exe =
                std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
            let out = Command::new(exe)
                .args(["--child", engine, &n.to_string()])
                .output()
                .unwrap_or_else(|e| fail(&format!("running the {engine} child: {e}")));
            if !out.status.success() {
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
                exit(out.status.code().unwrap_or(1));
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }

    /// One run, in this process: print one row of the table.
    fn child(engine: &str, clients: u32) {
        let fanout = Fanout {
            clients,
            per_phase: PER_PHASE,
        };
        let start = Instant::now();
        let (verdict, tasks, hub) = match engine {
            "tokio-multi-thread" | "tokio-paused" => {
                let (instance, hub) = fanout.program().instance_with_hub(Knobs::default());
                let config = Config::default();
                let report = if engine == "tokio-paused" {
                    run_paused(&config, instance)
                } else {
                    run_multi_thread(&config, instance)
                };
                (report.outcome, report.tasks, hub)
            }
            "sim" => {
                let mut config = sim::Config::default();
                config.max_steps = u64::MAX;
                config.record = false;
                let hub = Mutex::new(None);
                let run = Sim::with_config(config).run(
                    &|| {
                        let (instance, h) = fanout.program().instance_with_hub(Knobs::default());
                        *hub.lock().unwrap() = Some(h);
                        instance
                    },
                    &Schedule::empty(),
                );
                let hub = hub.into_inner().unwrap().expect("the program was built");
                (run.outcome, 0, hub)
            }
            other => fail(&format!(
                "unknown engine {other:?}; valid: tokio-multi-thread, tokio-paused, sim"
            )),
        };
        let wall = start.elapsed().as_secs_f64();
        // A wrong result is a failed expectation (exit 1), not bad input (exit 2).
        let delivered = fanout.check(&hub).unwrap_or_else(|e| {
            eprintln!("error: {engine}: {e}");
            exit(1)
        });
        if !verdict.is_pass() {
            eprintln!("error: {engine}: {verdict}");
            exit(1);
        }
        let tasks = if tasks == 0 {
            "-".to_string()
        } else {
            tasks.to_string()
        };
        println!(
            "{engine:<20} {clients:>8} {:>9.2}s {:>9} {:>8} MiB {:>14.0} {tasks:>10} {:>9}",
            wall,
            cpu_secs().map_or("?".to_string(), |c| format!("{c:.2}s")),
            peak_rss_kib().map_or("?".to_string(), |k| format!("{:.0}", k as f64 / 1024.0)),
            delivered.messages as f64 / wall,
            verdict.kind()
        );
    }

    /// User + system CPU time of this process so far, in seconds (Linux: /proc/self/stat,
    /// clock ticks of 1/100 s). Less sensitive than wall time to other work on the machine.
    fn cpu_secs() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name (which is in parentheses and may hold spaces).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }

    /// VmHWM: this process's peak resident memory, in KiB (Linux).
    fn peak_rss_kib() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn number(flag: &str, value: &str) -> u32 {
        value.parse().unwrap_or_else(|_| {
            fail(&format!(
                "{flag} needs a whole number, got {value:?}; {USAGE}"
            ))
        })
    }

    fn fail(message: &str) -> ! {
        eprintln!("error: {message}");
        exit(2)
    }
}
