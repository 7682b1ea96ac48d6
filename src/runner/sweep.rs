//! `pacesim sweep`: one scenario over many seeds, in parallel, summed up.
//!
//! Run S of a sweep is exactly `pacesim run FILE --seed S` (same schedule,
//! same verdicts). Runs go to a rayon pool; results are put back in seed
//! order before anything is summed, so the report does not depend on how
//! many threads ran them, nor — through `merge` — on how many machines.
//! Wall-clock figures are kept apart (`wall_clock` in JSON, stderr in text).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use sim::Instant;

use super::stats::Quantiles;
use super::{Keep, Outcome, Prepared};

/// Which seeds, parsed from `--seeds N` (1..=N) or `--seeds A..B`
/// (inclusive).
pub fn parse_seeds(s: &str) -> Result<Vec<u64>, String> {
    let bad = || format!("--seeds {s}: expected a count N or a range A..B (e.g. 100, 1..500)");
    if let Some((a, b)) = s.split_once("..") {
        let a: u64 = a.trim().parse().map_err(|_| bad())?;
        let b: u64 = b.trim().parse().map_err(|_| bad())?;
        if a > b {
            return Err(format!("--seeds {s}: the range is upside down"));
        }
        if b - a >= 100_000_000 {
            return Err(format!("--seeds {s}: more than 100,000,000 seeds"));
        }
        Ok((a..=b).collect())
    } else {
        let n: u64 = s.trim().parse().map_err(|_| bad())?;
        if n == 0 || n > 100_000_000 {
            return Err(format!("--seeds {s}: between 1 and 100,000,000 runs"));
        }
        Ok((1..=n).collect())
    }
}

/// `--shard K/N`, 1 ≤ K ≤ N.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard {s}: expected K/N with 1 <= K <= N (e.g. 2/4)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The seeds at positions K, K+N, K+2N, ... (from 1) of the list.
pub fn shard(seeds: &[u64], (k, n): (usize, usize)) -> Vec<u64> {
    seeds.iter().skip(k - 1).step_by(n).copied().collect()
}

/// How one seed went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Whether every check held.
    pub passed: bool,
    /// The checks that did not (labels).
    pub failed: Vec<String>,
}

/// One check over the sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCount {
    /// Its label (`fenced node1 within 40s (line 56)`, an invariant's name).
    pub what: String,
    /// In how many runs it held.
    pub held: usize,
}

/// One event over the sweep: its delay after the fault before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventStats {
    /// `fenced node1`, `recovered vip`, `elected node2`.
    pub what: String,
    /// How many times it was seen.
    pub count: usize,
    /// The distribution, in ms (see `stats.rs` for the percentiles).
    pub delay_ms: Quantiles,
    /// Every sample, sorted: what `merge` needs to sum shards exactly.
    pub samples_ms: Vec<u64>,
}

/// Time spent (not part of the comparable report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WallClock {
    /// Seconds the runs took.
    pub seconds: f64,
    /// Runs per second.
    pub runs_per_s: f64,
}

/// A sweep's report (its JSON form is the contract's `--json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario file, as given.
    pub file: String,
    /// Runs.
    pub runs: usize,
    /// Runs where every check held.
    pub passed: usize,
    /// Seeds where one did not.
    pub failed_seeds: Vec<u64>,
    /// Per check, how many runs it held in (in the file's order).
    pub checks: Vec<CheckCount>,
    /// Per event, its delays.
    pub events: Vec<EventStats>,
    /// Every seed's result, by seed.
    pub seeds: Vec<SeedResult>,
    /// Time spent (differs between otherwise equal sweeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_clock: Option<WallClock>,
}

/// What a sweep keeps of one run.
pub struct RunSummary {
    seed: u64,
    verdicts: Vec<(String, bool)>,
    /// (event label, delay in ms after the fault before it).
    delays: Vec<(String, u64)>,
}

/// The delay of each event seen after the fault before it.
pub fn delays(o: &Outcome) -> Vec<(String, u64)> {
    let faults: Vec<Instant> = o.schedule.iter().map(|p| Instant::ZERO + p.at).collect();
    o.seen
        .iter()
        .map(|(t, s)| {
            let anchor = faults
                .iter()
                .copied()
                .filter(|f| f <= t)
                .max()
                .unwrap_or(Instant::ZERO);
            (s.label(), t.saturating_since(anchor).as_nanos() / 1_000_000)
        })
        .collect()
}

fn summary(o: &Outcome) -> RunSummary {
    RunSummary {
        seed: o.seed,
        verdicts: o.all_verdicts().map(|v| (v.label(), v.pass)).collect(),
        delays: delays(o),
    }
}

/// Runs every seed on `jobs` threads (a progress bar on stderr if
/// `progress`). Returns the report, with its wall-clock figures.
pub fn sweep(
    p: &Prepared,
    file: &str,
    seeds: &[u64],
    jobs: usize,
    progress: bool,
) -> Result<Report, String> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))?;
    let bar = if progress {
        let b = indicatif::ProgressBar::new(seeds.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs, {per_sec}, eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let mut runs: Vec<RunSummary> = pool.install(|| {
        seeds
            .par_iter()
            .map(|&seed| {
                let o = run_seed(p, seed);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                summary(&o)
            })
            .collect()
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    runs.sort_by_key(|r| r.seed);
    let mut report = assemble(file, &runs);
    report.wall_clock = Some(WallClock {
        seconds,
        runs_per_s: if seconds > 0.0 {
            runs.len() as f64 / seconds
        } else {
            0.0
        },
    });
    Ok(report)
}

/// Sums runs (in seed order) into a report.
fn assemble(file: &str, runs: &[RunSummary]) -> Report {
    let mut checks: Vec<CheckCount> = Vec::new();
    let mut samples: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut seeds = Vec::new();
    for r in runs {
        for (what, pass) in &r.verdicts {
            match checks.iter_mut().find(|c| c.what == *what) {
                Some(c) => c.held += usize::from(*pass),
                None => checks.push(CheckCount {
                    what: what.clone(),
                    held: usize::from(*pass),
                }),
            }
        }
        for (what, d) in &r.delays {
            samples.entry(what.clone()).or_default().push(*d);
        }
        let failed: Vec<String> = r
            .verdicts
            .iter()
            .filter(|(_, p)| !p)
            .map(|(w, _)| w.clone())
            .collect();
        seeds.push(SeedResult {
            seed: r.seed,
            passed: failed.is_empty(),
            failed,
        });
    }
    finish(file, checks, samples, seeds)
}

fn finish(
    file: &str,
    checks: Vec<CheckCount>,
    samples: BTreeMap<String, Vec<u64>>,
    mut seeds: Vec<SeedResult>,
) -> Report {
    seeds.sort_by_key(|s| s.seed);
    let events = samples
        .into_iter()
        .filter_map(|(what, mut s)| {
            s.sort_unstable();
            Some(EventStats {
                what,
                count: s.len(),
                delay_ms: Quantiles::of(&s)?,
                samples_ms: s,
            })
        })
        .collect();
    Report {
        file: file.to_string(),
        runs: seeds.len(),
        passed: seeds.iter().filter(|s| s.passed).count(),
        failed_seeds: seeds.iter().filter(|s| !s.passed).map(|s| s.seed).collect(),
        checks,
        events,
        seeds,
        wall_clock: None,
    }
}

/// Joins the reports of a sweep's shards into the one report a single
/// machine would have written (wall-clock figures summed).
pub fn merge(parts: &[Report]) -> Result<Report, String> {
    let first = parts.first().ok_or("merge: no reports")?;
    let mut checks: Vec<CheckCount> = first
        .checks
        .iter()
        .map(|c| CheckCount {
            what: c.what.clone(),
            held: 0,
        })
        .collect();
    let mut samples: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut seeds: Vec<SeedResult> = Vec::new();
    let mut seconds = 0.0;
    for r in parts {
        if r.file != first.file {
            return Err(format!(
                "merge: reports of different files ({} and {})",
                first.file, r.file
            ));
        }
        let names: Vec<&String> = r.checks.iter().map(|c| &c.what).collect();
        let want: Vec<&String> = checks.iter().map(|c| &c.what).collect();
        if names != want && r.runs > 0 && first.runs > 0 {
            return Err("merge: the reports have different checks (not one sweep)".into());
        }
        for (c, rc) in checks.iter_mut().zip(&r.checks) {
            c.held += rc.held;
        }
        for e in &r.events {
            samples
                .entry(e.what.clone())
                .or_default()
                .extend(&e.samples_ms);
        }
        for s in &r.seeds {
            if seeds.iter().any(|x| x.seed == s.seed) {
                return Err(format!("merge: seed {} is in two reports", s.seed));
            }
            seeds.push(s.clone());
        }
        seconds += r.wall_clock.map_or(0.0, |w| w.seconds);
    }
    let mut out = finish(&first.file, checks, samples, seeds);
    out.wall_clock = Some(WallClock {
        seconds,
        runs_per_s: if seconds > 0.0 {
            out.runs as f64 / seconds
        } else {
            0.0
        },
    });
    Ok(out)
}

/// The readable report (no wall-clock figures: equal sweeps print the same).
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "sweep of {}: {} runs, {} passed, {} failed",
        r.file,
        r.runs,
        r.passed,
        r.runs - r.passed
    );
    let _ = writeln!(s, "\nchecks (runs in which each held):");
    for c in &r.checks {
        let _ = writeln!(s, "  {:>7}/{:<7} {}", c.held, r.runs, c.what);
    }
    if !r.events.is_empty() {
        let _ = writeln!(
            s,
            "\nevents (delay after the fault before it, ms; nearest-rank percentiles):"
        );
        let w = r.events.iter().map(|e| e.what.len()).max().unwrap_or(5);
        let _ = writeln!(
            s,
            "  {:<w$}  {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "event", "count", "min", "p50", "p90", "p99", "max"
        );
        for e in &r.events {
            let q = e.delay_ms;
            let _ = writeln!(
                s,
                "  {:<w$}  {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
                e.what, e.count, q.min, q.p50, q.p90, q.p99, q.max
            );
        }
    }
    if !r.failed_seeds.is_empty() {
        let _ = writeln!(s, "\nfailing seeds:");
        for seed in r.seeds.iter().filter(|x| !x.passed) {
            let _ = writeln!(
                s,
                "  seed {}: {}\n    pacesim run {} --seed {}",
                seed.seed,
                seed.failed.join("; "),
                r.file,
                seed.seed
            );
        }
    }
    let _ = writeln!(
        s,
        "\n{}: {}/{} runs hold",
        if r.passed == r.runs { "PASS" } else { "FAIL" },
        r.passed,
        r.runs
    );
    s
}

/// The JSON of a report.
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises") + "\n"
}

/// Runs one seed as `pacesim sweep` runs it (for tests and the shrinker).
pub fn run_seed(p: &Prepared, seed: u64) -> Outcome {
    let schedule = p.schedule(seed);
    p.simulate(seed, &schedule, None, Keep::default())
}
