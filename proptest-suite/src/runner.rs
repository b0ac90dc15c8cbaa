//! Running a property with proptest's `TestRunner`: seeded, with a regression file, counting
//! cases, and handing back the shrunk counterexample instead of panicking.

use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngSeed, TestCaseError, TestError, TestRunner,
};
use std::cell::Cell;
use std::fmt;

/// The cases a "passes every case" property runs when `PROPTEST_CASES` is not set.
pub const DEFAULT_CASES: u32 = 256;

/// A bad `PROPTEST_CASES` or `PROPTEST_RNG_SEED`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    pub var: &'static str,
    pub value: String,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is not a whole number (unset it for the default)",
            self.var, self.value
        )
    }
}

impl std::error::Error for EnvError {}

fn env_number<T: std::str::FromStr>(var: &'static str) -> Result<Option<T>, EnvError> {
    parse_number(var, std::env::var(var).ok())
}

/// `value` of `var` as a whole number; None if unset.
fn parse_number<T: std::str::FromStr>(
    var: &'static str,
    value: Option<String>,
) -> Result<Option<T>, EnvError> {
    match value {
        None => Ok(None),
        Some(value) => value
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| EnvError { var, value }),
    }
}

/// How one property runs. Fields name the environment variables that override them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Cases to run (`PROPTEST_CASES`). For a property expected to fail, the search budget:
    /// it stops at the first failure.
    pub cases: u32,
    /// Seed of proptest's RNG (`PROPTEST_RNG_SEED`; each test has its own default).
    pub seed: u64,
    /// The regression file, relative to the crate root (`proptest-regressions/...`): seeds of
    /// failures found are saved there and replayed first. None: no file
    /// (`PROPTEST_DISABLE_FAILURE_PERSISTENCE`).
    pub regressions: Option<&'static str>,
    /// Most test runs spent shrinking one failure.
    pub max_shrink_runs: u32,
}

impl Settings {
    /// `cases` cases (unless `PROPTEST_CASES` says otherwise) from `seed` (unless
    /// `PROPTEST_RNG_SEED` does), with `regressions` as the regression file (unless
    /// `PROPTEST_DISABLE_FAILURE_PERSISTENCE` is set).
    pub fn from_env(
        cases: u32,
        seed: u64,
        regressions: Option<&'static str>,
    ) -> Result<Settings, EnvError> {
        let persist = std::env::var_os("PROPTEST_DISABLE_FAILURE_PERSISTENCE").is_none();
        Ok(Settings {
            cases: env_number("PROPTEST_CASES")?.unwrap_or(cases),
            seed: env_number("PROPTEST_RNG_SEED")?.unwrap_or(seed),
            regressions: regressions.filter(|_| persist),
            max_shrink_runs: 20_000,
        })
    }

    /// Exactly these values, whatever the environment says (snapshots, measurements).
    pub fn fixed(cases: u32, seed: u64, regressions: Option<&'static str>) -> Settings {
        Settings {
            cases,
            seed,
            regressions,
            max_shrink_runs: 20_000,
        }
    }

    /// The same settings with another case budget.
    pub fn with_cases(mut self, cases: u32) -> Settings {
        self.cases = cases;
        self
    }

    /// proptest's configuration for these settings.
    pub fn config(&self) -> Config {
        Config {
            cases: self.cases,
            max_shrink_iters: self.max_shrink_runs,
            // The shrink-run bound is the only one: no wall-clock limit (determinism).
            max_shrink_time: 0,
            failure_persistence: Some(Box::new(match self.regressions {
                Some(path) => FileFailurePersistence::Direct(path),
                None => FileFailurePersistence::Off,
            })),
            rng_seed: RngSeed::Fixed(self.seed),
            fork: false,
            timeout: 0,
            ..Config::default()
        }
    }
}

/// A failure proptest found and shrank.
#[derive(Clone, Debug)]
pub struct Found<T> {
    /// 1-based index of the first failing case (replayed regression seeds count as cases).
    pub case: u32,
    /// The shrunk counterexample.
    pub minimal: T,
    /// Why the minimal case fails (the property's message).
    pub reason: String,
    /// Test runs spent shrinking.
    pub shrink_runs: u32,
}

/// What running a property found.
#[derive(Clone, Debug)]
pub struct Search<T> {
    /// Cases tested before shrinking began (all of them if nothing failed).
    pub cases: u32,
    pub failure: Option<Found<T>>,
}

/// Run `property` over values of `strategy` under `settings`: Ok(()) passes, Err(why) fails.
/// The failure, if any, comes back shrunk rather than as a panic.
pub fn search<S: Strategy>(
    strategy: &S,
    settings: &Settings,
    property: impl Fn(&S::Value) -> Result<(), String>,
) -> Search<S::Value> {
    let mut runner = TestRunner::new(settings.config());
    let calls = Cell::new(0u32);
    let first_failure = Cell::new(None::<u32>);
    let result = runner.run(strategy, |value| {
        calls.set(calls.get() + 1);
        property(&value).map_err(|why| {
            if first_failure.get().is_none() {
                first_failure.set(Some(calls.get()));
            }
            TestCaseError::fail(why)
        })
    });
    match result {
        Ok(()) => Search {
            cases: calls.get(),
            failure: None,
        },
        Err(TestError::Fail(reason, minimal)) => {
            let case = first_failure.get().expect("a failure was seen");
            Search {
                cases: case,
                failure: Some(Found {
                    case,
                    minimal,
                    reason: reason.message().to_string(),
                    shrink_runs: calls.get() - case,
                }),
            }
        }
        Err(TestError::Abort(why)) => panic!("proptest aborted: {why}"),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn bad_environment_values_are_one_line_naming_the_variable() {
        assert_eq!(parse_number::<u32>("PROPTEST_CASES", None), Ok(None));
        assert_eq!(
            parse_number::<u32>("PROPTEST_CASES", Some(" 64 ".into())),
            Ok(Some(64))
        );
        let err = parse_number::<u32>("PROPTEST_CASES", Some("many".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PROPTEST_CASES=\"many\" is not a whole number (unset it for the default)"
        );
    }

    #[test]
    fn settings_make_a_seeded_proptest_config() {
        let c = Settings::fixed(12, 34, Some("proptest-regressions/x.txt")).config();
        assert_eq!(c.cases, 12);
        assert_eq!(c.rng_seed, RngSeed::Fixed(34));
        assert_eq!(c.max_shrink_time, 0);
    }
}
