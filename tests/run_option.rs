//! `crm_simulate -R` alone: it shows the status and what the cluster would
//! do, and executes nothing. Its output is therefore the part of the `-S`
//! output before "Executing Cluster Transition:", which Pacemaker's corpus
//! records for every CIB. Checked on every corpus CIB whose `-S` summary
//! pacesim already matches (`tests/conformance/passing.txt`), so that a
//! difference here is one of `-R` alone.

use std::path::{Path, PathBuf};

use pacesim::simulate::{self, Options};

fn shared_dir() -> PathBuf {
    match std::env::var_os("PACESIM_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pacemaker"),
    }
}

/// Lines as cts-scheduler compares them: whitespace and blank lines
/// ignored, `ocf::` written `ocf:`.
fn comparable(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.replace("ocf::", "ocf:")
                .split_whitespace()
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn run_alone_stops_after_the_transition_summary() {
    let sched = shared_dir().join("scheduler");
    if !sched.join("xml").is_dir() {
        eprintln!(
            "SKIPPED: the Pacemaker corpus is not at {}",
            sched.display()
        );
        return;
    }
    let listed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/passing.txt");
    let listed = std::fs::read_to_string(&listed).expect("passing list is readable");
    let opts = Options {
        run: true,
        ..Options::default()
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let summary = sched.join(format!("summary/{name}.summary"));
        let Ok(expected) = std::fs::read_to_string(&summary) else {
            continue;
        };
        let before_execution = expected
            .split("Executing Cluster Transition:")
            .next()
            .unwrap_or_default();
        let xml = sched.join(format!("xml/{name}.xml"));
        let got = simulate::run_file_outputs(&xml, &opts)
            .map(|o| o.stdout)
            .unwrap_or_else(|e| format!("error: {e}"));
        checked += 1;
        if comparable(&got) != comparable(before_execution) {
            failures.push(name.to_string());
        }
    }
    assert!(checked > 0, "no corpus CIB was checked");
    assert!(
        failures.is_empty(),
        "-R differs from the -S summary's first part on {} of {checked}: {failures:?}",
        failures.len()
    );
}
