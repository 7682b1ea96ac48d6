//! A sweep's page: pass counts per check, delay histograms per event,
//! failing seeds with the command that replays each.

use super::*;

/// `pacesim sweep --html OUT`.
pub fn sweep(r: &Report) -> String {
    let mut b = String::new();
    let ok = r.passed == r.runs;
    let _ = writeln!(
        b,
        "<h1>sweep of {} <span class=\"{}\">{}</span></h1>\n<div>{} runs, {} passed, {} failed</div>",
        esc(&r.file),
        if ok { "pass" } else { "fail" },
        if ok { "PASS" } else { "FAIL" },
        r.runs,
        r.passed,
        r.runs - r.passed
    );
    b.push_str("<h2>Checks (runs in which each held)</h2>\n<table><tr><th>check</th><th>held</th><th></th></tr>\n");
    for c in &r.checks {
        let frac = c.held as f64 / r.runs.max(1) as f64;
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td class=\"{}\">{}/{}</td><td><svg width=\"200\" height=\"12\"><rect width=\"200\" height=\"12\" fill=\"#f1c6c6\"/><rect width=\"{:.1}\" height=\"12\" fill=\"#66bb6a\"/></svg></td></tr>",
            esc(&c.what),
            if c.held == r.runs { "pass" } else { "fail" },
            c.held,
            r.runs,
            frac * 200.0
        );
    }
    b.push_str("</table>\n");
    if !r.events.is_empty() {
        b.push_str("<h2>Events: delay after the fault before each (ms; nearest-rank percentiles)</h2>\n<table><tr><th>event</th><th>count</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>histogram</th></tr>\n");
        for e in &r.events {
            let q = e.delay_ms;
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.what),
                e.count,
                q.min,
                q.p50,
                q.p90,
                q.p99,
                q.max,
                histogram(&e.samples_ms, 320.0, 60.0, 30, true)
            );
        }
        b.push_str("</table>\n");
    }
    if !r.failed_seeds.is_empty() {
        b.push_str("<h2>Failing seeds</h2>\n<table><tr><th>seed</th><th>failed</th><th>reproduce</th></tr>\n");
        for s in r.seeds.iter().filter(|s| !s.passed) {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td class=\"fail\">{}</td><td><code>pacesim run {} --seed {}</code></td></tr>",
                s.seed,
                esc(&s.failed.join("; ")),
                esc(&r.file),
                s.seed
            );
        }
        b.push_str("</table>\n");
    }
    page(&format!("pacesim sweep: {}", r.file), &b, "")
}
