//! The scheduler against Pacemaker's own regression corpus.
//!
//! Every CIB of `../shared/pacemaker/scheduler/xml/` is run as Pacemaker's
//! `cts-scheduler` runs it (the library call, not the binary):
//!
//! - `crm_simulate -x IN -S`: the summary, normalised with cts-scheduler's
//!   `sed` expressions;
//! - `crm_simulate -x IN -D DOT -G EXP -sSQ`: the dot graph (its body lines
//!   sorted, duplicates dropped), the graph XML (`crm_feature_set` and
//!   `batch-limit` attributes removed) and the scores (stdout, sorted).
//!
//! Each is diffed with its expected file ignoring all whitespace and blank
//! lines (`diff -u -N --ignore-all-space --ignore-blank-lines`).
//!
//! Each case is a test, `conformance::NAME`. It fails when the case is
//! named in one of the passing lists of `tests/conformance/` and no longer
//! matches that output: `passing.txt` (summaries), `passing-dot.txt`,
//! `passing-graph.txt`, `passing-scores.txt` and `passing-all.txt`. After
//! the cases, the binary prints, per tier, how many of those that ran match
//! in each output and in all four. The lists only grow: set
//! `PACESIM_UPDATE_PASSING=1` to add the tests that now pass.
//! `PACESIM_CONFORMANCE_ONLY=NAME` runs that case alone without judging it,
//! `PACESIM_CONFORMANCE_OUT=DIR` writes every mismatching output there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use libtest_mimic::Trial;
use pacesim::simulate::{self, Options};

use crate::{check, corpus_dir, read_list, root, verdict};

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

/// The lines `diff --ignore-all-space --ignore-blank-lines` compares, for
/// the outputs cts-scheduler does not pass through `sed`.
fn comparable_raw(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<String>())
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

/// The outputs cts-scheduler compares, in report order.
const OUTPUTS: [&str; 5] = ["summary", "dot", "graph", "scores", "all"];

/// The passing list of an output (`passing.txt` for summaries).
fn passing_list(output: &str) -> PathBuf {
    let file = match output {
        "summary" => "passing.txt".to_string(),
        other => format!("passing-{other}.txt"),
    };
    root().join("tests/conformance").join(file)
}

/// A dot file as cts-scheduler leaves it: the first and last lines kept,
/// the lines between sorted with duplicates dropped.
fn sort_dot(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() < 2 {
        return text.to_string();
    }
    let body: BTreeSet<&str> = lines[1..lines.len() - 1].iter().copied().collect();
    let mut out = format!("{}\n", lines[0]);
    for l in body {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(lines[lines.len() - 1]);
    out.push('\n');
    out
}

/// Graph XML as cts-scheduler's `normalize` leaves it: without
/// `crm_feature_set="..."` and `batch-limit="N"`.
fn normalise_graph(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.to_string();
        for (attr, digits_only) in [("crm_feature_set=\"", false), ("batch-limit=\"", true)] {
            while let Some(at) = l.find(attr) {
                let value_at = at + attr.len();
                let Some(len) = l[value_at..].find('"') else {
                    break;
                };
                let value = &l[value_at..value_at + len];
                if digits_only && !value.bytes().all(|b| b.is_ascii_digit()) {
                    break;
                }
                l.replace_range(at..value_at + len + 1, "");
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Scores as cts-scheduler leaves them: lines sorted (Python's `sorted`
/// on lines that keep their newline).
fn sort_lines(text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l}\n")).collect();
    lines.sort();
    lines.concat()
}

/// What one test produced, per output; `None` when the run failed.
struct Produced {
    summary: Option<String>,
    dot: Option<String>,
    graph: Option<String>,
    scores: Option<String>,
}

/// Runs one test the way cts-scheduler does.
fn produce(xml: &Path, errors: &mut Vec<String>, name: &str) -> Produced {
    let summary_opts = Options {
        simulate: true,
        ..Options::default()
    };
    let outputs_opts = Options {
        simulate: true,
        show_scores: true,
        quiet: true,
        save_dot: Some(PathBuf::from("dot")),
        save_graph: Some(PathBuf::from("exp")),
        ..Options::default()
    };
    let mut run =
        |opts: &Options| match std::panic::catch_unwind(|| simulate::run_file_outputs(xml, opts)) {
            Ok(Ok(out)) => Some(out),
            Ok(Err(e)) => {
                errors.push(format!("{name}: error: {e}"));
                None
            }
            Err(_) => {
                errors.push(format!("{name}: panicked"));
                None
            }
        };
    let summary = run(&summary_opts).map(|o| o.stdout);
    let outputs = run(&outputs_opts);
    Produced {
        summary,
        dot: outputs
            .as_ref()
            .and_then(|o| o.dot.as_deref().map(sort_dot)),
        graph: outputs
            .as_ref()
            .and_then(|o| o.graph.as_deref().map(normalise_graph)),
        scores: outputs.map(|o| sort_lines(&o.stdout)),
    }
}

/// Per tier: tests, and how many match per output (in [`OUTPUTS`] order).
#[derive(Default, Clone)]
struct Count {
    total: usize,
    pass: [usize; 5],
    /// Summaries whose Transition Summary section alone matches.
    transition_summary: usize,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn print_table(counts: &BTreeMap<u32, Count>) {
    println!("tier  tests  summary    dot  graph  scores  all-four   transition-summary-only");
    let mut cumulative = Count::default();
    for (tier, c) in counts {
        cumulative.total += c.total;
        for i in 0..5 {
            cumulative.pass[i] += c.pass[i];
        }
        cumulative.transition_summary += c.transition_summary;
        let label = if *tier == 0 {
            "none".to_string()
        } else {
            tier.to_string()
        };
        println!(
            "{label:>4}  {:>5}  {:>7}  {:>5}  {:>5}  {:>6}  {:>8}   {:>5}",
            c.total, c.pass[0], c.pass[1], c.pass[2], c.pass[3], c.pass[4], c.transition_summary
        );
    }
    let c = &cumulative;
    println!(
        " all  {:>5}  {:>7}  {:>5}  {:>5}  {:>6}  {:>8}   {:>5}",
        c.total, c.pass[0], c.pass[1], c.pass[2], c.pass[3], c.pass[4], c.transition_summary
    );
}

/// Says which cases match an output but are not on its passing list yet,
/// and adds them when `PACESIM_UPDATE_PASSING` is set.
fn grow_list(output: &str, passing: &BTreeSet<String>) {
    let list = passing_list(output);
    let listed = read_list(&list);
    let newly = passing.difference(&listed).count();
    if newly > 0 {
        println!(
            "{output}: {newly} tests pass that are not yet in {}",
            list.display()
        );
        if std::env::var_os("PACESIM_UPDATE_PASSING").is_some() {
            let all: BTreeSet<&String> = listed.iter().chain(passing.iter()).collect();
            let what = match output {
                "summary" => "crm_simulate -S".to_string(),
                "all" => "all four outputs".to_string(),
                other => format!("the {other} output"),
            };
            let mut text =
                format!("# Corpus tests that must keep matching {what} (the list only grows).\n");
            for n in all {
                text.push_str(n);
                text.push('\n');
            }
            std::fs::write(&list, text).expect("passing list is writable");
        }
    }
}

/// What the cases that ran gave, for the table and the lists after the run.
#[derive(Default)]
struct Results {
    counts: BTreeMap<u32, Count>,
    /// Per output (in [`OUTPUTS`] order), the cases that match it.
    passing: [BTreeSet<String>; 5],
    errors: BTreeMap<String, String>,
    /// False when the corpus is absent: nothing to report.
    measured: bool,
}

static RESULTS: Mutex<Option<Results>> = Mutex::new(None);

fn results() -> std::sync::MutexGuard<'static, Option<Results>> {
    RESULTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A test per corpus case (`conformance::NAME`), and the normalisation's
/// own tests.
pub fn trials() -> Vec<Trial> {
    let mut trials = vec![
        check(
            "conformance::normalisation_follows_cts_scheduler",
            normalisation_follows_cts_scheduler,
        ),
        check(
            "conformance::outputs_are_normalised_as_cts_scheduler_does",
            outputs_are_normalised_as_cts_scheduler_does,
        ),
    ];
    let dir = corpus_dir();
    if !dir.join("scheduler/xml").is_dir() {
        eprintln!(
            "SKIPPED: the Pacemaker corpus is not at {}; conformance was not measured",
            dir.display()
        );
        return trials;
    }
    let tiers = tiers(&dir);
    assert!(
        !tiers.is_empty(),
        "no tests listed under {}/tiers",
        dir.display()
    );
    let listed: Arc<[BTreeSet<String>; 5]> =
        Arc::new(OUTPUTS.map(|output| read_list(&passing_list(output))));
    *results() = Some(Results {
        measured: true,
        ..Results::default()
    });
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
    let only = std::env::var("PACESIM_CONFORMANCE_ONLY").ok();
    for name in names {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        // Tests absent from the tier lists are counted as tier 0.
        let tier = tiers.get(&name).copied().unwrap_or(0);
        let sched = dir.join("scheduler");
        let listed = Arc::clone(&listed);
        // With PACESIM_CONFORMANCE_ONLY, one case is looked at, not judged.
        let judged = only.is_none();
        trials.push(verdict(format!("conformance::{name}"), move || {
            let regressed = run_case(&sched, &name, tier, &listed);
            if judged && !regressed.is_empty() {
                return Err(format!(
                    "{name} is listed as matching but no longer matches: {}",
                    regressed.join(", ")
                ));
            }
            Ok(())
        }));
    }
    trials
}

/// Runs one corpus case, records it in [`RESULTS`], and returns the outputs
/// whose passing list names it but which no longer match.
fn run_case(sched: &Path, name: &str, tier: u32, listed: &[BTreeSet<String>; 5]) -> Vec<String> {
    let xml = sched.join(format!("xml/{name}.xml"));
    let mut errors = Vec::new();
    let produced = produce(&xml, &mut errors, name);
    let expected = [
        read(&sched.join(format!("summary/{name}.summary"))),
        read(&sched.join(format!("dot/{name}.dot"))),
        read(&sched.join(format!("exp/{name}.exp"))),
        read(&sched.join(format!("scores/{name}.scores"))),
    ];
    let got = [
        produced.summary,
        produced.dot,
        produced.graph,
        produced.scores,
    ];
    let mut matches = [false; 5];
    let mut transition_summary_matches = false;
    for i in 0..4 {
        let lines = if i == 0 { comparable } else { comparable_raw };
        let want = lines(&expected[i]);
        matches[i] = got[i].as_deref().is_some_and(|g| lines(g) == want);
        if i == 0 {
            let have = comparable(got[0].as_deref().unwrap_or(""));
            transition_summary_matches = transition_summary(&want) == transition_summary(&have);
        }
        if !matches[i] {
            if let (Some(dir), Some(g)) = (std::env::var_os("PACESIM_CONFORMANCE_OUT"), &got[i]) {
                let dir = PathBuf::from(dir).join(OUTPUTS[i]);
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(name), g);
            }
        }
    }
    matches[4] = matches[..4].iter().all(|m| *m);
    let mut guard = results();
    let r = guard
        .as_mut()
        .expect("results are set up before the cases run");
    let c = r.counts.entry(tier).or_default();
    c.total += 1;
    if transition_summary_matches {
        c.transition_summary += 1;
    }
    for (i, matched) in matches.iter().enumerate() {
        if *matched {
            c.pass[i] += 1;
            r.passing[i].insert(name.to_string());
        }
    }
    if !errors.is_empty() {
        r.errors.insert(name.to_string(), errors.join("; "));
    }
    (0..5)
        .filter(|&i| !matches[i] && listed[i].contains(name))
        .map(|i| OUTPUTS[i].to_string())
        .collect()
}

/// After the cases: the per-tier table of the cases that ran, their errors,
/// and the passing lists grown when asked.
pub fn report() {
    let guard = results();
    let Some(r) = guard.as_ref().filter(|r| r.measured) else {
        return;
    };
    if r.counts.is_empty() {
        return;
    }
    print_table(&r.counts);
    for e in r.errors.values() {
        println!("  {e}");
    }
    if std::env::var_os("PACESIM_CONFORMANCE_ONLY").is_none() {
        for (i, output) in OUTPUTS.iter().enumerate() {
            grow_list(output, &r.passing[i]);
        }
    }
}

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

fn outputs_are_normalised_as_cts_scheduler_does() {
    assert_eq!(
        sort_dot(" digraph \"g\" {\n\"b\" [ x]\n\"a\" [ y]\n\"b\" [ x]\n}\n"),
        " digraph \"g\" {\n\"a\" [ y]\n\"b\" [ x]\n}\n"
    );
    assert_eq!(
        normalise_graph("<t a=\"1\" batch-limit=\"30\" x=\"y\"/>\n<attributes crm_feature_set=\"3.16.1\" b=\"2\"/>"),
        "<t a=\"1\"  x=\"y\"/>\n<attributes  b=\"2\"/>\n"
    );
    assert_eq!(sort_lines("b\na\n\nc\n"), "\na\nb\nc\n");
}
