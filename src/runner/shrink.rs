//! `--shrink`: the smallest fault schedule on which the same check still
//! fails, written as a v1 scenario file.
//!
//! Delta debugging over the schedule, each candidate judged by a full run
//! with the same seed: faults removed in chunks (halves first, then
//! quarters, ... then one by one), then pauses and the time a network
//! fault lasts before its `heal` halved, then faults moved earlier (the gap
//! to the fault before halved). A pass is repeated until nothing shrinks;
//! the number of runs is bounded.

use std::fmt::Write as _;
use std::path::Path;

use sim::Duration;

use super::fault::{toml_str, Fault, Planned, Schedule};
use super::{Keep, Prepared, Verdict};
use crate::scenario::Expect;

/// At most this many runs per shrink.
const MAX_RUNS: usize = 400;

/// What a shrink found.
pub struct Shrunk {
    /// The faults before.
    pub before: usize,
    /// The smallest schedule that still fails the check.
    pub schedule: Schedule,
    /// The failing check, as the run with that schedule reports it.
    pub verdict: Verdict,
    /// Runs spent.
    pub runs: usize,
}

struct Judge<'a> {
    p: &'a Prepared,
    seed: u64,
    what: String,
    runs: usize,
}

impl Judge<'_> {
    /// The failing verdict of the check on this schedule, if it fails.
    fn fails(&mut self, s: &[Planned]) -> Option<Verdict> {
        if self.runs >= MAX_RUNS {
            return None;
        }
        self.runs += 1;
        let o = self.p.simulate(self.seed, s, None, Keep::default());
        let failed = o
            .all_verdicts()
            .find(|v| v.what == self.what && !v.pass)
            .cloned();
        failed
    }
}

/// Shrinks seed `seed`'s schedule while `what` (a verdict's `what`) fails.
/// `None` if it does not fail on the full schedule.
pub fn shrink(p: &Prepared, seed: u64, what: &str) -> Option<Shrunk> {
    let mut j = Judge {
        p,
        seed,
        what: what.to_string(),
        runs: 0,
    };
    let mut cur = p.schedule(seed);
    let before = cur.len();
    let mut verdict = j.fails(&cur)?;
    loop {
        let size = cur.len();
        let mut changed = false;
        // Remove chunks: halves, quarters, ... single faults.
        let mut chunk = cur.len().div_ceil(2).max(1);
        while chunk >= 1 && !cur.is_empty() {
            let mut i = 0;
            while i < cur.len() {
                let mut cand = cur.clone();
                cand.drain(i..(i + chunk).min(cand.len()));
                if let Some(v) = j.fails(&cand) {
                    cur = cand;
                    verdict = v;
                    changed = true;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        // Shorter pauses; network faults healed sooner.
        for i in 0..cur.len() {
            loop {
                let mut cand = cur.clone();
                let ok = match &mut cand[i].fault {
                    Fault::Pause(_, d) if *d > Duration::from_millis(200) => {
                        *d = Duration::from_millis(d.as_nanos() / 2_000_000);
                        true
                    }
                    Fault::Partition(_) | Fault::Link { .. } => {
                        match (i + 1..cand.len()).find(|k| cand[*k].fault == Fault::Heal) {
                            Some(h) if cand[h].at > cand[i].at + Duration::from_millis(200) => {
                                let gap = cand[h].at.as_nanos() - cand[i].at.as_nanos();
                                cand[h].at = cand[i].at + Duration::from_millis(gap / 2_000_000);
                                cand.sort_by_key(|p| p.at);
                                true
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                };
                if !ok {
                    break;
                }
                match j.fails(&cand) {
                    Some(v) => {
                        cur = cand;
                        verdict = v;
                        changed = true;
                    }
                    None => break,
                }
            }
        }
        // Earlier instants.
        for i in 0..cur.len() {
            let prev = if i == 0 {
                Duration::ZERO
            } else {
                cur[i - 1].at
            };
            let gap = cur[i].at.as_nanos().saturating_sub(prev.as_nanos());
            if gap < 2_000_000_000 {
                continue;
            }
            let mut cand = cur.clone();
            cand[i].at = prev + Duration::from_millis(gap / 2_000_000);
            if let Some(v) = j.fails(&cand) {
                cur = cand;
                verdict = v;
                changed = true;
            }
        }
        if !changed || cur.len() == size && j.runs >= MAX_RUNS {
            break;
        }
    }
    Some(Shrunk {
        before,
        schedule: cur,
        verdict,
        runs: j.runs,
    })
}

/// The v1 scenario file of a shrunk schedule: the original file's cluster
/// (a `cib` path made absolute), `seed`, the kept faults, and only the
/// failing check.
pub fn scenario_file(p: &Prepared, seed: u64, s: &Shrunk) -> Result<String, String> {
    let sc = &p.scenario;
    let doc = crate::scenario::document(
        sc,
        &["fault", "expect", "explore", "invariants", "seed", "name"],
    )?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Shrunk by `pacesim sweep --shrink` from {} seed {seed}: {} faults -> {}.",
        sc.file.display(),
        s.before,
        s.schedule.len()
    );
    let _ = writeln!(out, "# Fails: {}", s.verdict.label());
    let _ = writeln!(
        out,
        "name = {}",
        toml_str(&format!("{} (seed {seed}, shrunk)", sc.name))
    );
    let _ = writeln!(out, "seed = {seed}");
    let is_invariant = s.verdict.line == 0;
    if is_invariant {
        let _ = writeln!(out, "invariants = [{}]", toml_str(&s.verdict.what));
    }
    out.push_str(&toml::to_string(&doc).map_err(|e| e.to_string())?);
    for f in &s.schedule {
        out.push_str(&f.table(p.names()));
    }
    if !is_invariant {
        // The failing expectation, as the original wrote it.
        let kept = sc.expects.iter().find(|e| {
            let line = match e {
                Expect::Point { pos, .. } | Expect::Event { pos, .. } => pos.line,
                Expect::Converged { pos } => pos.line,
            };
            line == s.verdict.line
        });
        match kept {
            Some(Expect::Converged { .. }) | None if s.verdict.what == "converged" => {
                out.push_str("\n[[expect]]\nconverged = true\n");
            }
            Some(_) => {
                let text = std::fs::read_to_string(&sc.file)
                    .map_err(|e| format!("cannot read {}: {e}", sc.file.display()))?;
                let block = expect_block(&text, s.verdict.line)
                    .ok_or("cannot find the failing expectation in the file")?;
                out.push('\n');
                out.push_str(&block);
            }
            None => return Err(format!("no expectation at line {}", s.verdict.line)),
        }
    }
    Ok(out)
}

/// The text of the `[[expect]]` table whose header is on `line`.
fn expect_block(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    // The header is on the expectation's line or the nearest above it.
    let start = (0..line.min(lines.len()))
        .rev()
        .find(|i| lines[*i].trim_start().starts_with("[[expect]]"))?;
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate().skip(start) {
        let t = l.trim_start();
        if i > start && t.starts_with('[') {
            break;
        }
        if i > start && t.starts_with("invariants") {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    Some(out)
}

/// Writes `DIR/seed-S.toml`.
pub fn write(
    dir: &Path,
    p: &Prepared,
    seed: u64,
    s: &Shrunk,
) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("seed-{seed}.toml"));
    let text = scenario_file(p, seed, s)?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
