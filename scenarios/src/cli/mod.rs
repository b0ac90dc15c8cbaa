//! The `hubrace` command line: argument definitions and dispatch. Each command lives in its
//! own module; [`input`] turns user input into catalog entries, variants, efforts and configs,
//! with one-line errors that name the valid choices.

mod bench;
mod equiv;
mod explore;
pub mod input;
mod list;
mod progress;
mod replay;
mod report;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes: as DESIGN.md's rules of the house say.
pub mod exit {
    /// Every verdict as expected.
    pub const OK: u8 = 0;
    /// Some verdict not as expected (or not proven).
    pub const MISMATCH: u8 = 1;
    /// Bad input: unknown bug, bad token, bad flag value, bad environment variable.
    pub const USAGE: u8 = 2;
}

/// Bad input, as one line naming the problem and the valid choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub type CmdResult = Result<u8, UsageError>;

#[derive(Debug, Parser)]
#[command(
    name = "hubrace",
    version,
    about = "Deterministic replays of Go WebSocket hub concurrency bugs",
    long_about = "Deterministic replays of Go WebSocket hub concurrency bugs.\n\n\
        Every documented bug of the catalog is a knob on one async model of a hub, with a \
        `buggy` variant (the seed's code), a `documented` one (the seed's fix) and a `fixed` \
        one. hubrace explores their interleavings under a seeded executor, prints the minimal \
        failing timeline and a token that replays it exactly.",
    after_help = "Examples:\n  \
        hubrace list\n  \
        hubrace replay --all\n  \
        hubrace replay double-close-router --variant buggy\n  \
        hubrace replay --token hr1:double-close-router:buggy:yu\n  \
        hubrace explore slow-client-close --variant documented --strategy pct\n  \
        hubrace equiv readpump-goroutine\n  \
        hubrace report --out docs\n  \
        hubrace bench --quick\n\n\
        Exit status: 0 every verdict as expected, 1 some verdict not as expected, 2 bad input.\n\
        Environment: HUBRACE_EFFORT=default|quick; HUBRACE_MAX_STEPS, HUBRACE_MAX_VIRTUAL_SECS, \
        HUBRACE_LEAK_GRACE_MS bound each run."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One line per bug: id, seed file, title.
    #[command(after_help = "Example:\n  hubrace list")]
    List,
    /// Judge bugs (or replay one token) and print verdicts, timelines and tokens.
    #[command(
        long_about = "Judge bugs and print, for each bug × variant: the verdict, the expected \
            verdict, the minimal failing timeline (or how much was explored) and the replay \
            token; then a matrix of bug × variant. With --token, replay exactly that run and \
            print its timeline.",
        after_help = "Examples:\n  \
            hubrace replay --all\n  \
            hubrace replay --all --quick\n  \
            hubrace replay double-close-router slow-client-close --variant documented\n  \
            hubrace replay --token hr1:double-close-router:buggy:yu\n\n\
            Exit status: 0 every verdict as expected, 1 otherwise (a pass that was not proven \
            over all interleavings counts as not as expected), 2 bad input. With --token: 0 once \
            the run is replayed, whatever its verdict."
    )]
    Replay(ReplayArgs),
    /// Explore one variant with a strategy; shrink and print the first failure.
    #[command(
        long_about = "Explore one variant of a bug with a strategy, stop at the first failing \
            schedule, shrink it to a minimal one and print its timeline and replay token.\n\n\
            --strategy dfs without --preemptions runs stateful DFS over all interleavings: \
            sleep sets, a run stops at any state it explored before, and a decision whose \
            explored step conflicted with no other task's is not branched. It is a proof when \
            it finishes, and --schedules caps every run it starts. With --preemptions B it \
            runs plain DFS over the schedules with at most B preemptions.",
        after_help = "Examples:\n  \
            hubrace explore double-close-router --variant buggy\n  \
            hubrace explore slow-client-close --variant documented --strategy pct --seed 7\n  \
            hubrace explore presence-reconnect --variant documented --strategy dfs --preemptions 2\n\n\
            Exit status: 0 if what was found is what the catalog expects of the variant (a \
            failure of the expected kind, or no failure where a pass is expected), 1 otherwise, \
            2 bad input."
    )]
    Explore(ExploreArgs),
    /// Check whether two variants of a bug are observably equivalent.
    #[command(
        long_about = "Explore every interleaving of two variants (DFS with sleep sets and \
            state caching) and \
            compare what the outside world can observe of each run: the verdict and what \
            every peer saw, with virtual times. Prints equal or different, with counts and, \
            if different, a witness token per side.\n\n\
            Without variants it compares the pair the bug asks about: buggy and documented \
            for an equivalence question, otherwise documented and fixed.",
        after_help = "Examples:\n  \
            hubrace equiv readpump-goroutine\n  \
            hubrace equiv orphaned-pumps documented fixed\n\n\
            Exit status: 0 equal over all interleavings, 1 different (or not exhausted), 2 bad \
            input."
    )]
    Equiv(EquivArgs),
    /// Write the whole catalog as Markdown (REPORT.md) or JSON.
    #[command(
        long_about = "Judge the whole catalog and write it as Markdown (REPORT.md, with each \
            failing timeline also drawn as a Mermaid sequence diagram) or JSON: per bug the \
            seed, the seed's claim, our verdict on its diagnosis and fix, our choices, the \
            timelines and tokens. Without --out it prints to standard output.",
        after_help = "Examples:\n  \
            hubrace report --out docs\n  \
            hubrace report --format json > report.json\n  \
            hubrace report --quick --format json\n\n\
            Exit status: 0 every verdict as expected, 1 otherwise (the report is written \
            either way), 2 bad input."
    )]
    Report(ReportArgs),
    /// Benchmark sim (records), or render every engine's records as one Markdown table.
    #[command(
        long_about = "Measure sim on the benchmarks it shares with shuttle and loom and print \
            one tab-separated record per measurement: schedules and seconds to the first \
            failure of every failing variant (random and PCT over seeds 1..=N, DFS once), the \
            scaled loom models' fixed variants explored to the end at preemption bounds 2 and \
            3, and schedules per second. With --table, read records of all three engines \
            (this command's, shuttle-tests' bench_shuttle, loom-tests' bench_loom) and print \
            the Markdown tables and where each goal stands. bench/run does all of it.",
        after_help = "Examples:\n  \
            hubrace bench > sim.tsv\n  \
            hubrace bench --quick --seeds 3\n  \
            hubrace bench --table sim.tsv shuttle.tsv loom.tsv > docs/BENCH.md\n\n\
            Figures are wall-clock measurements for the README: run on an otherwise idle \
            machine, in release.\n\
            Exit status: 0 done, 2 bad input (a flag value, an unreadable or malformed records \
            file)."
    )]
    Bench(BenchArgs),
}

/// How hard the judge looks.
#[derive(Debug, Args, Clone, Default)]
pub struct EffortArgs {
    /// A small effort (for a quick look; also HUBRACE_EFFORT=quick). Small spaces are still
    /// exhausted; larger ones are reported as not proven.
    #[arg(long)]
    pub quick: bool,
    /// Cap on DFS schedules (overrides the effort).
    #[arg(long, value_name = "N")]
    pub dfs_max: Option<u64>,
    /// Random schedules after DFS (overrides the effort).
    #[arg(long, value_name = "N")]
    pub random: Option<u64>,
    /// Seed of the random schedules (overrides the effort).
    #[arg(long, value_name = "S")]
    pub effort_seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Bug ids (see `hubrace list`).
    #[arg(value_name = "BUG")]
    pub bugs: Vec<String>,
    /// Every bug of the catalog.
    #[arg(long, conflicts_with = "bugs")]
    pub all: bool,
    /// Which variant(s).
    #[arg(long, value_enum, default_value_t = VariantArg::All)]
    pub variant: VariantArg,
    /// Replay exactly this run (from `explore`, `replay` or a report) and print its timeline.
    #[arg(long, conflicts_with_all = ["bugs", "all"])]
    pub token: Option<String>,
    #[command(flatten)]
    pub effort: EffortArgs,
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The bug id (see `hubrace list`).
    #[arg(value_name = "BUG")]
    pub bug: String,
    /// Which variant.
    #[arg(long, value_enum, default_value_t = OneVariant::Buggy)]
    pub variant: OneVariant,
    /// How to pick schedules: seeded random, PCT (priority drops at random points), or DFS.
    #[arg(long, value_enum, default_value_t = StrategyArg::Random)]
    pub strategy: StrategyArg,
    /// How many schedules at most.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub schedules: u64,
    /// Seed for random and pct.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// dfs only: plain DFS within this many preemptions (without it: DFS with sleep sets and
    /// state caching over all interleavings).
    #[arg(long, value_name = "B")]
    pub preemptions: Option<u32>,
    /// pct only: the bug depth PCT targets.
    #[arg(long, value_name = "D", default_value_t = 3)]
    pub depth: u32,
}

#[derive(Debug, Args)]
pub struct EquivArgs {
    /// The bug id (see `hubrace list`).
    #[arg(value_name = "BUG")]
    pub bug: String,
    /// The two variants to compare (default: the pair the bug asks about).
    #[arg(value_name = "VARIANT", num_args = 0..=2)]
    pub variants: Vec<String>,
    /// Cap on schedules per variant (default: the effort's DFS cap).
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,
    #[command(flatten)]
    pub effort: EffortArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write DIR/REPORT.md (or DIR/report.json) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    #[command(flatten)]
    pub effort: EffortArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A short run: 5 seeds, bound 2 only, fewer executions.
    #[arg(long)]
    pub quick: bool,
    /// Seeds 1..=N for the seeded strategies (default 20; 5 with --quick).
    #[arg(long, value_name = "N")]
    pub seeds: Option<u64>,
    /// Do not measure: render the records in these files as Markdown.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["quick", "seeds"])]
    pub table: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VariantArg {
    Buggy,
    Documented,
    Fixed,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OneVariant {
    Buggy,
    Documented,
    Fixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    Random,
    Pct,
    Dfs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Md,
    Json,
}

/// Run `hubrace` with these arguments (the first is the program name); returns the exit code.
/// Output goes to `out`; errors and progress to standard error.
pub fn run<I, T>(args: I, out: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return input::clap_error(e),
    };
    let result = match cli.command {
        Command::List => list::run(out),
        Command::Replay(a) => replay::run(&a, out),
        Command::Explore(a) => explore::run(&a, out),
        Command::Equiv(a) => equiv::run(&a, out),
        Command::Report(a) => report::run(&a, out),
        Command::Bench(a) => bench::run(&a, out),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

/// The binary's `main`.
pub fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let code = run(std::env::args_os(), &mut stdout.lock());
    ExitCode::from(code)
}
