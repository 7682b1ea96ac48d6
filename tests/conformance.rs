//! The scheduler against Pacemaker's own regression corpus.
//!
//! Every CIB of `../shared/pacemaker/scheduler/xml/` is run through
//! `pacesim simulate -S` (the library call, not the binary) and its output is
//! compared with the expected `crm_simulate -S` summary the way Pacemaker's
//! `cts-scheduler` compares them: both normalised with the same `sed`
//! expressions, then diffed ignoring all whitespace and blank lines.
//!
//! The test prints, per tier, how many tests match in full and how many match
//! in their Transition Summary section alone. It fails when a test named in
//! `tests/conformance/passing.txt` no longer matches: that list only grows.
//! Set `PACESIM_UPDATE_PASSING=1` to add the tests that now pass to it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pacesim::simulate::{self, Options};

/// The corpus: `$PACESIM_CORPUS` if set (for worktrees elsewhere), else
/// `../shared/pacemaker` next to the crate.
fn shared_dir() -> PathBuf {
    match std::env::var_os("PACESIM_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pacemaker"),
    }
}

fn passing_list() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/passing.txt")
}

/// One `sed -E` substitution of cts-scheduler's normalisation, applied to the
/// first match on a line unless `global`.
fn normalise_line(line: &str) -> String {
    let mut l = line.replace("ocf::", "ocf:");
    l = l.replacen("Masters:", "Promoted:", 1);
    l = l.replacen("Slaves:", "Unpromoted:", 1);
    // s/ Master( |\[|$)/ Promoted\1/
    let mut from = 0;
    while let Some(i) = l[from..].find(" Master") {
        let at = from + i;
        let after = &l[at + " Master".len()..];
        if after.is_empty() || after.starts_with(' ') || after.starts_with('[') {
            l.replace_range(at..at + " Master".len(), " Promoted");
            break;
        }
        from = at + 1;
    }
    l.replacen(" Slave ", " Unpromoted ", 1)
}

/// The lines `diff --ignore-all-space --ignore-blank-lines` compares.
fn comparable(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| normalise_line(l).split_whitespace().collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The Transition Summary section alone (up to "Executing Cluster Transition").
fn transition_summary(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .skip_while(|l| *l != "TransitionSummary:")
        .take_while(|l| *l != "ExecutingClusterTransition:")
        .cloned()
        .collect()
}

/// Tier of every development test, from `tiers/tier-N.txt`.
fn tiers(dir: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for tier in 1..=7 {
        let f = dir.join(format!("tiers/tier-{tier}.txt"));
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for name in text.split_whitespace() {
            out.insert(name.to_string(), tier);
        }
    }
    out
}

#[derive(Default)]
struct Count {
    total: usize,
    full: usize,
    summary: usize,
    /// Equal byte for byte after the sed normalisation (no whitespace slack).
    exact: usize,
}

#[test]
fn corpus_summaries_match_crm_simulate() {
    let dir = shared_dir();
    if !dir.join("scheduler/xml").is_dir() {
        eprintln!(
            "SKIPPED: the Pacemaker corpus is not at {}; conformance was not measured",
            dir.display()
        );
        return;
    }
    let tiers = tiers(&dir);
    assert!(
        !tiers.is_empty(),
        "no tests listed under {}/tiers",
        dir.display()
    );
    let opts = Options {
        simulate: true,
        ..Options::default()
    };
    let mut counts: BTreeMap<u32, Count> = BTreeMap::new();
    let mut passing = BTreeSet::new();
    let mut errors = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("scheduler/xml"))
        .expect("corpus directory is readable")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".xml")
                .map(String::from)
        })
        .collect();
    names.sort();
    for name in &names {
        // Tests absent from the tier lists are counted as tier 0.
        let tier = tiers.get(name).copied().unwrap_or(0);
        let xml = dir.join(format!("scheduler/xml/{name}.xml"));
        let expected_file = dir.join(format!("scheduler/summary/{name}.summary"));
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_file.display()));
        let got = match std::panic::catch_unwind(|| simulate::run_file(&xml, &opts)) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => {
                errors.push(format!("{name}: error: {e}"));
                String::new()
            }
            Err(_) => {
                errors.push(format!("{name}: panicked"));
                String::new()
            }
        };
        let (want, have) = (comparable(&expected), comparable(&got));
        let c = counts.entry(tier).or_default();
        c.total += 1;
        if want == have {
            c.full += 1;
            passing.insert(name.clone());
        }
        let exact = |t: &str| t.lines().map(normalise_line).collect::<Vec<_>>();
        if exact(&expected) == exact(&got) {
            c.exact += 1;
        }
        if transition_summary(&want) == transition_summary(&have) {
            c.summary += 1;
        }
    }

    println!("tier  tests  full-equal  summary-equal  byte-identical");
    let mut cumulative = Count::default();
    for (tier, c) in counts.iter().filter(|(t, _)| **t > 0) {
        cumulative.total += c.total;
        cumulative.full += c.full;
        cumulative.summary += c.summary;
        println!(
            "{tier:>4}  {:>5}  {:>10}  {:>13}  {:>14}    (tiers <= {tier}: {}/{} full, {}/{} summary, {:.1}% full)",
            c.total,
            c.full,
            c.summary,
            c.exact,
            cumulative.full,
            cumulative.total,
            cumulative.summary,
            cumulative.total,
            100.0 * cumulative.full as f64 / cumulative.total as f64
        );
    }
    if let Some(c) = counts.get(&0) {
        println!(
            "untiered  {:>5}  {:>10}  {:>13}",
            c.total, c.full, c.summary
        );
    }
    for e in &errors {
        println!("  {e}");
    }

    let listed: BTreeSet<String> = std::fs::read_to_string(passing_list())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let regressed: Vec<&String> = listed.difference(&passing).collect();
    let newly: Vec<&String> = passing.difference(&listed).collect();
    if !newly.is_empty() {
        println!(
            "{} tests pass that are not yet in {}",
            newly.len(),
            passing_list().display()
        );
        if std::env::var_os("PACESIM_UPDATE_PASSING").is_some() {
            let all: BTreeSet<&String> = listed.iter().chain(passing.iter()).collect();
            let mut text = String::from(
                "# Corpus tests that must keep matching crm_simulate -S (the list only grows).\n",
            );
            for n in all {
                text.push_str(n);
                text.push('\n');
            }
            std::fs::write(passing_list(), text).expect("passing list is writable");
        }
    }
    assert!(
        regressed.is_empty(),
        "{} tests listed as passing no longer match: {:?}",
        regressed.len(),
        regressed
    );
}

#[test]
fn normalisation_follows_cts_scheduler() {
    assert_eq!(normalise_line("* Masters: [ a ]"), "* Promoted: [ a ]");
    assert_eq!(
        normalise_line("rsc (ocf::pacemaker:Stateful): Master node1"),
        "rsc (ocf:pacemaker:Stateful): Promoted node1"
    );
    assert_eq!(normalise_line(" Masterful"), " Masterful");
    assert_eq!(normalise_line("x Slave y"), "x Unpromoted y");
    assert_eq!(
        comparable("a  b\n\n c\n"),
        vec!["ab".to_string(), "c".to_string()]
    );
}
