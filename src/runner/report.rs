//! What a run prints: the timeline, one PASS/FAIL line per expectation and
//! invariant; and the same verdicts as JUnit XML for CI.

use std::fmt::Write as _;

use super::{Outcome, Verdict};

fn verdict_line(v: &Verdict) -> String {
    let status = if v.pass { "PASS" } else { "FAIL" };
    if v.line > 0 {
        format!("{status}  {} (line {}): {}", v.what, v.line, v.observed)
    } else {
        format!("{status}  {}: {}", v.what, v.observed)
    }
}

/// The readable report.
pub fn text(o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "scenario: {} (seed {}, {})", o.name, o.seed, o.duration);
    let _ = writeln!(s, "\ntimeline:");
    let width = o
        .timeline
        .iter()
        .map(|(_, who, _)| who.len())
        .max()
        .unwrap_or(1);
    for (at, who, what) in &o.timeline {
        let _ = writeln!(s, "{:>11}  {who:<width$}  {what}", at.to_string());
    }
    let _ = writeln!(s, "\nexpectations:");
    for v in &o.verdicts {
        let _ = writeln!(s, "{}", verdict_line(v));
    }
    if !o.invariants.is_empty() {
        let _ = writeln!(s, "\ninvariants:");
        for v in &o.invariants {
            let _ = writeln!(s, "{}", verdict_line(v));
        }
    }
    let total = o.verdicts.len() + o.invariants.len();
    let passed = o
        .verdicts
        .iter()
        .chain(&o.invariants)
        .filter(|v| v.pass)
        .count();
    let _ = writeln!(
        s,
        "\n{}: {passed}/{total} hold",
        if o.passed() { "PASS" } else { "FAIL" }
    );
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A JUnit XML report: one test case per expectation and invariant.
pub fn junit(o: &Outcome) -> String {
    let all: Vec<&Verdict> = o.verdicts.iter().chain(&o.invariants).collect();
    let failures = all.iter().filter(|v| !v.pass).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites tests=\"{}\" failures=\"{failures}\">",
        all.len()
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"0\">",
        esc(&o.name),
        all.len()
    );
    for v in all {
        let name = if v.line > 0 {
            format!("{} (line {})", v.what, v.line)
        } else {
            format!("invariant {}", v.what)
        };
        if v.pass {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\"/>",
                esc(&o.name),
                esc(&name)
            );
        } else {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{}\"/>\n    </testcase>",
                esc(&o.name),
                esc(&name),
                esc(&v.observed)
            );
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}
