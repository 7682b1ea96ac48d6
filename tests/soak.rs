//! An hour of faults on three nodes (the bench's run): every invariant holds.

use pacesim::runner::{self, soak, RunOptions};

#[test]
fn an_hour_of_faults_keeps_every_invariant() {
    let text = soak::toml(60, 1);
    let s = pacesim::scenario::parse(&text, std::path::Path::new("soak.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let o = runner::run(&s, RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let report = runner::text(&o);
    assert!(o.passed(), "{report}");
    // The cluster did work: many fencings and recoveries, not a stuck run.
    let fenced = o
        .timeline
        .iter()
        .filter(|(_, _, t)| t.starts_with("fenced "))
        .count();
    assert!(fenced >= 20, "only {fenced} fencings in an hour:\n{report}");
}

/// Twenty seeds of twenty minutes: the invariants hold whatever the
/// network draws.
#[test]
fn a_seed_sweep_keeps_every_invariant() {
    let mut failed = Vec::new();
    for seed in 1..=20 {
        let text = soak::toml(20, seed);
        let s = pacesim::scenario::parse(&text, std::path::Path::new("soak.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let o = runner::run(&s, RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        if !o.passed() {
            let bad: Vec<String> = o
                .invariants
                .iter()
                .filter(|v| !v.pass)
                .map(|v| format!("{}: {}", v.what, v.observed))
                .collect();
            failed.push(format!("seed {seed}: {}", bad.join("; ")));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
