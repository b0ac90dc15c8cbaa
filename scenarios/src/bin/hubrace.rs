//! `hubrace`: see `hubrace --help` and `scenarios::cli`.

fn main() -> std::process::ExitCode {
    scenarios::cli::main()
}
