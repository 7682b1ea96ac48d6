//! A what-if grid: a cell per fault × node and setting, coloured by the
//! longest outage.

use super::*;

/// The colour of an outage: green (none) through yellow to red (a minute
/// or more); dark red when a resource was lost.
pub(super) fn outage_colour(max_ms: u64, lost: bool) -> String {
    if lost {
        return "#8b1a1a".into();
    }
    let f = (max_ms as f64 / 60_000.0).clamp(0.0, 1.0);
    // hue 120 (green) to 0 (red)
    format!("hsl({:.0},70%,{:.0}%)", 120.0 * (1.0 - f), 80.0 - 15.0 * f)
}

/// `pacesim what-if --html OUT`: rows fault × node, columns settings.
pub fn whatif(plan: &Plan, cells: &[Cell]) -> String {
    let mut b = String::new();
    let bad = cells.iter().filter(|c| c.violations > 0).count();
    let _ = writeln!(
        b,
        "<h1>what-if {} <span class=\"{}\">{}</span></h1>\n<div>{} cells × {} seeds, fault at {}; colour: the longest outage of any resource (green: none, red: a minute or more, dark red: lost); red border: invariant violations. Hover a cell for its distribution.</div>",
        esc(&plan.file.display().to_string()),
        if bad == 0 { "pass" } else { "fail" },
        if bad == 0 { "PASS" } else { "FAIL" },
        cells.len(),
        plan.seeds,
        plan.at
    );
    // Rows in first-seen order of (fault, node); columns per setting.
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut grid: BTreeMap<(usize, usize), &Cell> = BTreeMap::new();
    for c in cells {
        let key = (c.fault.clone(), c.node.clone());
        let r = match rows.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                rows.push(key);
                rows.len() - 1
            }
        };
        let col = plan.cells.get(c.index).map_or(0, |s| s.setting);
        grid.insert((r, col), c);
    }
    b.push_str("<table class=\"grid\"><tr><th>fault</th><th>node</th>");
    for s in &plan.settings {
        let label: Vec<String> = s.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let label = if label.is_empty() {
            "as in the file".to_string()
        } else {
            label.join(" ")
        };
        let _ = write!(b, "<th>{}</th>", esc(&label));
    }
    b.push_str("</tr>\n");
    for (ri, (fault, node)) in rows.iter().enumerate() {
        let _ = write!(b, "<tr><td>{}</td><td>{}</td>", esc(fault), esc(node));
        for ci in 0..plan.settings.len().max(1) {
            let Some(c) = grid.get(&(ri, ci)) else {
                b.push_str("<td></td>");
                continue;
            };
            let lost = c.resources.values().any(|r| r.lost > 0);
            let all: Vec<u64> = c
                .resources
                .values()
                .flat_map(|r| r.outages.iter().copied())
                .collect();
            let max = all.iter().max().copied().unwrap_or(0);
            let mut tip = format!("{} on {}: {} runs\n", c.fault, c.node, c.runs);
            for (r, rc) in &c.resources {
                let mut o = rc.outages.clone();
                o.sort_unstable();
                let q = |p| crate::runner::stats::percentile(&o, p).map_or("-".to_string(), secs);
                let ends: Vec<String> = rc.last.iter().map(|(n, k)| format!("{n} x{k}")).collect();
                let _ = writeln!(
                    tip,
                    "{r}: outage min {} p50 {} p90 {} max {}{}; ends on {}",
                    q(0),
                    q(50),
                    q(90),
                    q(100),
                    if rc.lost > 0 {
                        format!("; lost in {}", rc.lost)
                    } else {
                        String::new()
                    },
                    ends.join(", ")
                );
            }
            let fenced: Vec<String> = c.fenced.iter().map(|(n, k)| format!("{n} x{k}")).collect();
            let _ = write!(
                tip,
                "fenced: {}",
                if fenced.is_empty() {
                    "none".into()
                } else {
                    fenced.join(", ")
                }
            );
            if let Some((seed, what)) = &c.first_violation {
                let _ = write!(
                    tip,
                    "\nVIOLATIONS in {} of {} runs; first: seed {seed}: {what}",
                    c.violations, c.runs
                );
            }
            let border = if c.violations > 0 {
                "border:3px solid #c62828;"
            } else {
                ""
            };
            let mut p50s: Vec<u64> = all.clone();
            p50s.sort_unstable();
            let p50 = crate::runner::stats::percentile(&p50s, 50).unwrap_or(0);
            let mut per = String::new();
            for (r, rc) in &c.resources {
                let mut o = rc.outages.clone();
                o.sort_unstable();
                let p50 = crate::runner::stats::percentile(&o, 50).map_or("-".to_string(), secs);
                let mx = o.last().map_or("-".to_string(), |m| secs(*m));
                let _ = write!(
                    per,
                    "<br><small>{}: {p50} / {mx}{}</small>",
                    esc(r),
                    if rc.lost > 0 {
                        format!(", lost in {}", rc.lost)
                    } else {
                        String::new()
                    }
                );
            }
            let _ = write!(
                b,
                "<td class=\"cell\" style=\"background:{};{border}\" title=\"{}\"><b>{} / {}{}</b>{per}<br>{}</td>",
                outage_colour(max, lost),
                esc(&tip),
                secs(p50),
                secs(max),
                if lost { " lost" } else { "" },
                histogram(&all, 120.0, 18.0, 16, false)
            );
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n<p>Each cell: outage p50 / max over every seed and resource (bold), then per resource, and the histogram of all of them.</p>\n");
    page(&format!("pacesim what-if: {}", plan.file.display()), &b, "")
}
