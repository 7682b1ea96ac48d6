//! The scenarios of `scenarios/` run as CI runs them, a test each
//! (`scenarios::NAME`), each timeline kept as an insta snapshot in
//! `snapshots/`; determinism (same seed, same trace);
//! the invariant checkers on a configuration known to be unsafe; and the
//! errors a wrong scenario file gets.

use std::path::{Path, PathBuf};

use libtest_mimic::Trial;
use pacesim::runner::{self, RunOptions};
use pacesim::scenario;

use crate::{check, root};

/// The regressions of [`fuzzed_schedule_keeps_every_invariant`].
const FUZZED: [&str; 7] = [
    "fuzz-lossy-link",
    "fuzz-pause-merge",
    "fuzz-two-dcs-in-one-membership",
    "fuzz-double-active-on-lossy-ring",
    "fuzz-dc-voting-ignores-offer",
    "fuzz-dc-voting-on-lossy-link",
    "fuzz-lost-before-join-confirm",
];

/// A test per file of `scenarios/` (`scenarios::NAME`) and per fuzzed
/// regression (`scenarios::fuzzed::NAME`), and the tests of the runner.
pub fn trials() -> Vec<Trial> {
    let files = scenario_files();
    assert!(files.len() >= 4, "the scenario suite is there");
    let mut trials: Vec<Trial> = files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            check(format!("scenarios::{name}"), move || {
                scenario_holds_and_matches_its_snapshot(&path, &name)
            })
        })
        .collect();
    trials.extend(FUZZED.iter().map(|name| {
        check(format!("scenarios::fuzzed::{name}"), move || {
            fuzzed_schedule_keeps_every_invariant(name)
        })
    }));
    trials.push(check(
        "scenarios::same_seed_same_trace",
        same_seed_same_trace,
    ));
    trials.push(check(
        "scenarios::an_unsafe_configuration_is_caught_as_double_active",
        an_unsafe_configuration_is_caught_as_double_active,
    ));
    trials.push(check(
        "scenarios::wrong_files_name_the_place",
        wrong_files_name_the_place,
    ));
    trials.push(check(
        "scenarios::a_random_fencing_delay_leaves_one_winner",
        a_random_fencing_delay_leaves_one_winner,
    ));
    trials
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn run(path: &Path, opts: RunOptions) -> runner::Outcome {
    let s = scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    runner::run(&s, opts).unwrap_or_else(|e| panic!("{e}"))
}

/// A scenario holds, and its report is what the snapshot says.
fn scenario_holds_and_matches_its_snapshot(path: &Path, name: &str) {
    let o = run(path, RunOptions::default());
    let report = runner::text(&o);
    insta::with_settings!({
        snapshot_path => root().join("snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, report);
    });
    assert!(o.passed(), "{}:\n{report}", path.display());
}

/// The same scenario and seed give the same trace, byte for byte; another
/// seed gives another.
fn same_seed_same_trace() {
    let path = root().join("scenarios/active-passive-faults.toml");
    let traced = |seed| {
        let s = scenario::load(&path).unwrap();
        let o = runner::run(
            &s,
            RunOptions {
                seed: Some(seed),
                trace: Some(sim::TraceConfig {
                    sink: sim::TraceSink::Hash,
                    bodies: true,
                    step_messages: false,
                }),
                ..Default::default()
            },
        )
        .unwrap();
        (o.trace_hash.expect("hashed"), runner::text(&o))
    };
    let (a, ta) = traced(11);
    let (b, tb) = traced(11);
    assert_eq!(a, b, "same seed, same trace");
    assert_eq!(ta, tb);
    let (c, _) = traced(12);
    assert_ne!(a, c, "the seed reaches the network draws");
}

/// Without fencing and with no-quorum-policy=ignore, both sides of a
/// partition run the database: the checker must say so.
fn an_unsafe_configuration_is_caught_as_double_active() {
    let o = run(
        &root().join("tests/scenarios/known-bad-no-fencing.toml"),
        RunOptions::default(),
    );
    assert!(!o.passed());
    let double = o
        .invariants
        .iter()
        .find(|v| v.what == "no-double-active")
        .expect("checked");
    assert!(!double.pass, "{}", runner::text(&o));
    assert!(
        double.observed.contains("db active on node1 and node"),
        "{}",
        double.observed
    );
}

/// Files that cannot run are refused with file, line and column.
fn wrong_files_name_the_place() {
    let dir = std::env::temp_dir().join(format!("pacesim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = "duration = \"1m\"\n[cluster]\nnodes = [\"a\", \"b\"]\nsetup = [\n  \"pcs resource create r ocf:heartbeat:Dummy\",\n]\n";
    let cases = [
        (
            format!("{base}[[fault]]\nat = \"5s\"\nresource_fail = \"nope\"\nnode = \"a\"\n"),
            "9:17",
            "no resource `nope`",
        ),
        (
            format!("{base}[[expect]]\nat = \"5s\"\nrunning = {{ ghost = \"a\" }}\n"),
            "9:",
            "no resource `ghost`",
        ),
        (
            format!("{base}[[fault]]\nat = \"5s\"\nfence_device = \"r\"\nfail = \"refuse\"\n"),
            "9:",
            "no fencing device `r`",
        ),
        (
            "duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\nsetup = [\"pcs resource create r ocf:heartbeat:NoSuchAgent\"]\n".to_string(),
            "4:",
            "setup",
        ),
        (
            format!("{base}[[fault]]\nat = \"5s\"\npcs = \"pcs constraint location nope prefers a\"\n"),
            "7:",
            "nope",
        ),
    ];
    for (i, (text, at, what)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("case {i} should parse: {e}"));
        let err = runner::run(&s, RunOptions::default())
            .err()
            .unwrap_or_else(|| panic!("case {i} should be refused"));
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("case{i}.toml:{at}")) && msg.contains(what),
            "case {i}: {msg}"
        );
    }
}

/// A two-node split with one device and `pcmk_delay_max`: whatever the
/// seed, exactly one node is fenced, and the seed decides which.
fn a_random_fencing_delay_leaves_one_winner() {
    let path = root().join("tests/scenarios/fence-race-delay-max.toml");
    let mut winners = std::collections::BTreeSet::new();
    for seed in 1..=8 {
        let o = run(
            &path,
            RunOptions {
                seed: Some(seed),
                trace: None,
                ..Default::default()
            },
        );
        let fenced: Vec<&str> = o
            .timeline
            .iter()
            .filter_map(|(_, who, t)| t.starts_with("fenced ").then_some(who.as_str()))
            .collect();
        assert_eq!(fenced.len(), 1, "seed {seed}: {}", runner::text(&o));
        winners.insert(fenced[0].to_string());
    }
    assert_eq!(winners.len(), 2, "both nodes win some seeds: {winners:?}");
}

/// A random fault schedule that once broke an invariant or never ended
/// (generated by a fuzz sweep, kept as a regression): every invariant holds.
fn fuzzed_schedule_keeps_every_invariant(name: &str) {
    let o = run(
        &root().join(format!("tests/scenarios/{name}.toml")),
        RunOptions::default(),
    );
    let broken: Vec<String> = o
        .invariants
        .iter()
        .filter(|v| !v.pass)
        .map(|v| format!("{}: {}", v.what, v.observed))
        .collect();
    assert!(broken.is_empty(), "{name}: {}", broken.join("; "));
    assert!(o.steps < 5_000_000, "{name}: {} steps, a churn", o.steps);
}
