//! What judging the catalog found, as data a reviewer reads: per bug the seed's claim, our
//! verdict per variant (with the minimal failing timeline and its replay token), and what that
//! says about the seed's diagnosis and fix.
//!
//! [`build`] judges; [`text`], [`markdown`] and [`to_json`] render. Everything here is a pure
//! function of the catalog and the [`Effort`]: no wall clock, no hash-map order, so the same
//! effort gives byte-identical output.

pub mod markdown;
pub mod mermaid;
pub mod text;

use crate::catalog::{Entry, Expect, CATALOG};
use crate::judge::{self, Effort, Equivalence, Judgement};
use hub_core::knobs::Variant;
use hub_core::sim::{fmt_time, Config, Trace};
use serde::Serialize;

/// A named effort: how hard the judge looked, printed at the top of every report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedEffort {
    pub name: &'static str,
    pub effort: Effort,
}

impl NamedEffort {
    /// [`Effort::default`]: what `hubrace replay --all` and `hubrace report` use.
    pub fn default_effort() -> NamedEffort {
        NamedEffort {
            name: "default",
            effort: Effort::default(),
        }
    }

    /// A small effort for tests and snapshots (`--quick`, `HUBRACE_EFFORT=quick`): failures
    /// the first DFS schedules reach are found, and small spaces are still exhausted; larger
    /// spaces stay unproven and say so.
    pub fn quick() -> NamedEffort {
        NamedEffort {
            name: "quick",
            effort: Effort {
                dfs_max: 150,
                random: 0,
                ..Effort::default()
            },
        }
    }

    /// The effort by name (`default` or `quick`).
    pub fn by_name(name: &str) -> Option<NamedEffort> {
        match name {
            "default" => Some(NamedEffort::default_effort()),
            "quick" => Some(NamedEffort::quick()),
            _ => None,
        }
    }

    pub const NAMES: [&'static str; 2] = ["default", "quick"];

    /// `effort` with its numbers given by hand: named `custom` unless it equals a named one.
    pub fn custom(effort: Effort) -> NamedEffort {
        NamedEffort::NAMES
            .iter()
            .filter_map(|n| NamedEffort::by_name(n))
            .find(|named| named.effort == effort)
            .unwrap_or(NamedEffort {
                name: "custom",
                effort,
            })
    }

    /// The `hubrace` flags that select this effort ("" for the default).
    pub fn cli_flags(&self) -> String {
        match self.name {
            "default" => String::new(),
            "quick" => "--quick".to_string(),
            _ => format!(
                "--dfs-max {} --random {} --effort-seed {}",
                self.effort.dfs_max, self.effort.random, self.effort.seed
            ),
        }
    }
}

impl std::fmt::Display for NamedEffort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.effort;
        write!(
            f,
            "{}: DFS with sleep sets and state caching up to {} runs, then {} random schedules (seed {})",
            self.name, e.dfs_max, e.random, e.seed
        )
    }
}

/// How a variant's verdict compares with the catalog's expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The verdict matches (and, for an expected pass, every interleaving was covered).
    AsExpected,
    /// Every schedule tried passed, as expected, but the space was not exhausted.
    Unproven,
    /// A different verdict, or the expected failure was not found.
    Unexpected,
}

impl Status {
    /// [`Judgement::as_expected`], and if not, whether it is a pass DFS did not prove.
    pub fn of(j: &Judgement) -> Status {
        if j.as_expected() {
            Status::AsExpected
        } else if j.failure.is_none() && j.expected == Expect::Pass {
            Status::Unproven
        } else {
            Status::Unexpected
        }
    }

    /// The matrix mark.
    pub fn mark(self) -> &'static str {
        match self {
            Status::AsExpected => "✓",
            Status::Unproven => "~",
            Status::Unexpected => "✗",
        }
    }
}

/// How much was explored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explored {
    pub dfs_schedules: u64,
    /// Every run DFS started (complete schedules and runs stopped early).
    pub dfs_runs: u64,
    /// Distinct states DFS explored (each once, see `hub_core::sim::Strategy::DfsCached`).
    pub dfs_states: u64,
    /// DFS covered every interleaving (up to re-ordering independent steps).
    pub dfs_exhausted: bool,
    pub random_schedules: u64,
    pub random_seed: u64,
}

impl Explored {
    /// "all interleavings: 40 states in 34 DFS runs (...)", "100 DFS runs, space not
    /// exhausted at this effort; then 50 random schedules, seed 1".
    pub fn describe(&self) -> String {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let mut out = if self.dfs_exhausted {
            format!(
                "all interleavings: {} state{} in {} DFS run{} (DFS with sleep sets and state caching)",
                self.dfs_states,
                plural(self.dfs_states),
                self.dfs_runs,
                plural(self.dfs_runs)
            )
        } else {
            format!(
                "{} DFS run{}, space not exhausted at this effort",
                self.dfs_runs,
                plural(self.dfs_runs)
            )
        };
        out += &self.then_random();
        out
    }

    /// "; then N random schedules, seed S", or nothing if none ran.
    fn then_random(&self) -> String {
        match self.random_schedules {
            0 => String::new(),
            1 => format!("; then 1 random schedule, seed {}", self.random_seed),
            n => format!("; then {n} random schedules, seed {}", self.random_seed),
        }
    }

    /// How long the search for a failure took: "the first DFS schedule", "12 DFS schedules;
    /// then 40 random schedules, seed 1".
    pub fn describe_search(&self) -> String {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let mut out = if self.dfs_schedules == 1 && self.random_schedules == 0 {
            "the first DFS schedule".to_string()
        } else {
            format!(
                "{} DFS schedule{}",
                self.dfs_schedules,
                plural(self.dfs_schedules)
            )
        };
        out += &self.then_random();
        out
    }
}

/// One event of a timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub step: u64,
    pub time: String,
    pub task: String,
    pub event: String,
}

/// The minimal failing run of a variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// `hubrace replay --token TOKEN` reproduces it.
    pub token: String,
    /// The schedule's choices (trailing defaults trimmed).
    pub schedule: String,
    pub steps: u64,
    /// Virtual time when the run ended.
    pub end: String,
    pub timeline: Vec<Event>,
    /// The timeline as printed (`Trace`'s Display), for the text and Markdown renderings.
    #[serde(skip)]
    pub trace: Trace,
}

/// One bug × variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantReport {
    pub bug: &'static str,
    pub seed: &'static str,
    pub variant: &'static str,
    pub expected: String,
    /// `pass`, `panic`, `leak`, `invariant`.
    pub expected_kind: &'static str,
    pub verdict: String,
    pub verdict_kind: &'static str,
    pub status: Status,
    pub explored: Explored,
    pub failure: Option<Failure>,
}

impl VariantReport {
    pub fn new(entry: &Entry, j: &Judgement, effort: &Effort) -> VariantReport {
        let outcome = j.outcome();
        let failure = j.failure.as_ref().map(|run| Failure {
            token: j.token().map(|t| t.to_string()).unwrap_or_default(),
            schedule: run.schedule.clone().trimmed().to_string(),
            steps: run.steps,
            end: fmt_time(run.end),
            timeline: run
                .trace
                .lines
                .iter()
                .map(|l| Event {
                    step: l.step,
                    time: fmt_time(l.time),
                    task: l.task.to_string(),
                    event: l.text.clone(),
                })
                .collect(),
            trace: run.trace.clone(),
        });
        VariantReport {
            bug: entry.id,
            seed: entry.seed,
            variant: j.variant.name(),
            expected: j.expected.to_string(),
            expected_kind: j.expected.kind(),
            verdict: outcome.to_string(),
            verdict_kind: outcome.kind(),
            status: Status::of(j),
            explored: Explored {
                dfs_schedules: j.dfs_schedules,
                dfs_runs: j.dfs_runs(),
                dfs_states: j.dfs_states,
                dfs_exhausted: j.dfs_exhausted,
                random_schedules: j.random_schedules,
                random_seed: effort.seed,
            },
            failure,
        }
    }
}

/// One side of an equivalence check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EquivSide {
    pub variant: &'static str,
    pub schedules: u64,
    pub exhausted: bool,
    /// Every distinct observable (verdict and what each peer saw), sorted.
    pub observables: Vec<String>,
    /// Observables only this side produced, each with a token that reproduces it.
    pub only_here: Vec<Witness>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    pub observable: String,
    pub token: String,
}

/// The equivalence check of two variants, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EquivReport {
    pub bug: &'static str,
    /// Both spaces were explored completely.
    pub exhaustive: bool,
    /// Both sides produced the same set of observables.
    pub equal: bool,
    pub a: EquivSide,
    pub b: EquivSide,
}

impl EquivReport {
    pub fn new(e: &Equivalence) -> EquivReport {
        let side = |s: &judge::Side, only: Vec<(&String, &hub_core::sim::Schedule)>| EquivSide {
            variant: s.variant.name(),
            schedules: s.schedules,
            exhausted: s.exhausted,
            observables: s.observables.keys().cloned().collect(),
            only_here: only
                .into_iter()
                .map(|(o, schedule)| Witness {
                    observable: o.clone(),
                    token: hub_core::sim::Token::new(e.entry, s.variant.name(), schedule.clone())
                        .to_string(),
                })
                .collect(),
        };
        EquivReport {
            bug: e.entry,
            exhaustive: e.a.exhausted && e.b.exhausted,
            equal: e.equal_sets(),
            a: side(&e.a, e.only_in_a()),
            b: side(&e.b, e.only_in_b()),
        }
    }

    /// One sentence: "equal over all interleavings (36 and 132 schedules, 1 observable)".
    pub fn summary(&self) -> String {
        let scope = if self.exhaustive {
            "over all interleavings"
        } else {
            "over the schedules explored (not exhaustive)"
        };
        let counts = format!(
            "{} schedules of {}, {} of {}",
            self.a.schedules, self.a.variant, self.b.schedules, self.b.variant
        );
        if self.equal {
            let n = self.a.observables.len();
            format!(
                "equal {scope}: both produce the same set of observables, {n} distinct ({counts})"
            )
        } else {
            format!(
                "different {scope}: {} observable(s) only {} produces, {} only {} produces ({counts})",
                self.a.only_here.len(),
                self.a.variant,
                self.b.only_here.len(),
                self.b.variant
            )
        }
    }
}

/// Our reading of the seed's claim, from the verdicts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Findings {
    /// Does the seed's code fail the way the seed says? (None if `buggy` was not judged.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// Does the seed's fix work (and ours)? (None if neither `documented` nor `fixed` was
    /// judged.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// One bug of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BugReport {
    pub id: &'static str,
    pub seed: &'static str,
    pub title: &'static str,
    pub symptom: &'static str,
    pub seed_fix: &'static str,
    pub choices: Vec<&'static str>,
    pub findings: Findings,
    pub variants: Vec<VariantReport>,
    /// For an equivalence question (a knob without a `fixed` variant): buggy vs documented.
    pub equivalence: Option<EquivReport>,
}

impl BugReport {
    pub fn variant(&self, v: Variant) -> Option<&VariantReport> {
        self.variants.iter().find(|r| r.variant == v.name())
    }

    pub fn as_expected(&self) -> bool {
        self.variants.iter().all(|v| v.status == Status::AsExpected)
    }
}

/// The whole catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub effort: EffortReport,
    /// The sim's bounds, when `HUBRACE_*` changed them from the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_bounds: Option<String>,
    pub as_expected: bool,
    pub bugs: Vec<BugReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffortReport {
    pub name: &'static str,
    pub dfs_max: u64,
    pub random: u64,
    pub seed: u64,
}

impl EffortReport {
    fn new(e: &NamedEffort) -> EffortReport {
        EffortReport {
            name: e.name,
            dfs_max: e.effort.dfs_max,
            random: e.effort.random,
            seed: e.effort.seed,
        }
    }
}

/// Progress of a long judgement: `(bug, variant, phase, schedules so far)`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, Variant, &str, u64);

/// Is this entry an equivalence question? Knobs have no `fixed` variant exactly there.
pub fn is_equivalence_question(entry: &Entry) -> bool {
    !entry.variants().contains(&Variant::Fixed)
}

/// The two variants an equivalence question compares.
pub fn equivalence_pair(entry: &Entry) -> (Variant, Variant) {
    let has = |v| entry.variants().contains(&v);
    if !has(Variant::Fixed) {
        (Variant::Buggy, Variant::Documented)
    } else if has(Variant::Documented) {
        (Variant::Documented, Variant::Fixed)
    } else {
        (Variant::Buggy, Variant::Fixed)
    }
}

/// Judge `variants` of one entry (all of them when empty) and read the findings.
pub fn bug_report(
    entry: &'static Entry,
    variants: &[Variant],
    effort: &NamedEffort,
    progress: Progress<'_>,
) -> BugReport {
    bug_report_in(&Config::default(), entry, variants, effort, progress)
}

/// As [`bug_report`], with the sim's bounds from `config` (`HUBRACE_*`).
pub fn bug_report_in(
    config: &Config,
    entry: &'static Entry,
    variants: &[Variant],
    effort: &NamedEffort,
    progress: Progress<'_>,
) -> BugReport {
    let all = entry.variants();
    let chosen: Vec<Variant> = if variants.is_empty() {
        all.to_vec()
    } else {
        all.iter()
            .copied()
            .filter(|v| variants.contains(v))
            .collect()
    };
    let reports: Vec<VariantReport> = chosen
        .iter()
        .map(|&v| {
            let j = judge::judge_in(config, entry, v, effort.effort, &mut |phase, n| {
                progress(entry.id, v, phase, n)
            });
            VariantReport::new(entry, &j, &effort.effort)
        })
        .collect();
    let equivalence = (is_equivalence_question(entry) && chosen.len() == all.len()).then(|| {
        let (a, b) = equivalence_pair(entry);
        EquivReport::new(&judge::equivalence_in(
            config,
            entry,
            a,
            b,
            effort.effort.dfs_max,
        ))
    });
    let findings = findings(&reports, equivalence.as_ref());
    BugReport {
        id: entry.id,
        seed: entry.seed,
        title: entry.title,
        symptom: entry.symptom,
        seed_fix: entry.seed_fix,
        choices: entry.choices.to_vec(),
        findings,
        variants: reports,
        equivalence,
    }
}

/// Judge the whole catalog.
pub fn build(effort: &NamedEffort, progress: Progress<'_>) -> Report {
    build_in(&Config::default(), effort, progress)
}

/// As [`build`], with the sim's bounds from `config` (`HUBRACE_*`).
pub fn build_in(config: &Config, effort: &NamedEffort, progress: Progress<'_>) -> Report {
    let bugs: Vec<BugReport> = CATALOG
        .iter()
        .map(|e| bug_report_in(config, e, &[], effort, progress))
        .collect();
    Report {
        effort: EffortReport::new(effort),
        sim_bounds: (*config != Config::default()).then(|| config.bounds()),
        as_expected: bugs.iter().all(BugReport::as_expected),
        bugs,
    }
}

/// The report as JSON (keys in struct order; a trailing newline).
pub fn to_json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report serialises");
    out.push('\n');
    out
}

/// Read the verdicts as statements about the seed's diagnosis and fix.
fn findings(variants: &[VariantReport], equiv: Option<&EquivReport>) -> Findings {
    let find = |v: Variant| variants.iter().find(|r| r.variant == v.name());
    let diagnosis = find(Variant::Buggy).map(|b| diagnosis(b, equiv));
    let fix = match (find(Variant::Documented), find(Variant::Fixed)) {
        (None, None) => None,
        (documented, fixed) => {
            let mut out = match documented {
                None => "The seed documents no fix.".to_string(),
                Some(d) => documented_fix(d, equiv),
            };
            if let Some(f) = fixed {
                out += &format!(" Our fix (`fixed`): {}", verdict_sentence(f));
            }
            Some(out)
        }
    };
    Findings { diagnosis, fix }
}

fn diagnosis(b: &VariantReport, equiv: Option<&EquivReport>) -> String {
    let expects_failure = b.expected_kind != "pass";
    match (expects_failure, b.status) {
        (true, Status::AsExpected) => format!(
            "Confirmed: the seed's code fails with `{}` (minimal timeline below).",
            b.verdict
        ),
        (true, _) if b.failure.is_some() => format!(
            "Reproduced differently: the seed's code fails with `{}`, the catalog expects `{}`.",
            b.verdict, b.expected
        ),
        (true, _) => format!(
            "Not reproduced: every schedule passed: {}.",
            b.explored.describe()
        ),
        (false, Status::Unexpected) => format!(
            "Unexpected: the code the seed calls the problem fails with `{}`.",
            b.verdict
        ),
        (false, _) => {
            let mut out = format!(
                "Not confirmed: the code the seed calls the problem passes {}.",
                b.explored.describe()
            );
            if let Some(e) = equiv {
                out += &format!(" Compared with the seed's fix it is {}.", e.summary());
            }
            out
        }
    }
}

fn documented_fix(d: &VariantReport, equiv: Option<&EquivReport>) -> String {
    let expects_failure = d.expected_kind != "pass";
    match (expects_failure, d.status) {
        (true, Status::AsExpected) => format!(
            "The seed's fix is flawed: it still fails with `{}` (minimal timeline below).",
            d.verdict
        ),
        (_, Status::Unexpected) if d.failure.is_some() => format!(
            "Unexpected: the seed's fix fails with `{}`; the catalog expects `{}`.",
            d.verdict, d.expected
        ),
        (true, _) => format!(
            "The catalog expects the seed's fix to fail with `{}`, but every schedule passed: {}.",
            d.expected,
            d.explored.describe()
        ),
        (false, Status::AsExpected) => {
            let mut out = format!("The seed's fix holds: it passes {}.", d.explored.describe());
            if let Some(e) = equiv {
                if e.equal && e.exhaustive {
                    out += " It changes nothing observable, though: the code it replaces was already correct.";
                }
            }
            out
        }
        (false, _) => format!(
            "The seed's fix passed every schedule tried, but this is not a proof: {}.",
            d.explored.describe()
        ),
    }
}

fn verdict_sentence(r: &VariantReport) -> String {
    match r.status {
        Status::AsExpected if r.failure.is_none() => {
            format!("passes {}.", r.explored.describe())
        }
        Status::AsExpected => format!("fails as expected with `{}`.", r.verdict),
        Status::Unproven => format!(
            "passed every schedule tried, but that is no proof: {}.",
            r.explored.describe()
        ),
        Status::Unexpected => format!(
            "unexpected verdict `{}` (the catalog expects `{}`).",
            r.verdict, r.expected
        ),
    }
}
