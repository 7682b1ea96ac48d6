//! Differential tests: random CIBs from `pacesim::testgen` (and, in the
//! second test, from its clone-centred `testgen::clones`), run through the
//! real `crm_simulate -S` (Pacemaker 2.1.5) and through pacesim's
//! `simulate`, compared after the normalisation Pacemaker's own regression
//! suite applies (see `normalise`).
//!
//! - `PACESIM_DIFF_N` (default 200): how many CIBs; `PACESIM_DIFF_SEED`
//!   (default 0): the first seed. Seeds are consecutive, so a run is
//!   reproducible and a mismatch is named by its seed.
//! - Mismatches are saved under `target/differential/` (the clone test:
//!   `target/differential-clones/`) as `seed-N.xml`
//!   (input), `seed-N.exp` (crm_simulate), `seed-N.got` (pacesim).
//! - Without `crm_simulate` the test prints `SKIPPED: crm_simulate not
//!   installed` and returns (`PACESIM_CRM_SIMULATE=PATH` picks the binary;
//!   `PACESIM_CRM_SIMULATE=none` forces the skip).
//!
//! The floor asserted below is a few points under the rate measured for
//! the default seeds 0..200, so the test catches regressions without
//! claiming more than the scheduler does. Measured at the merge of the
//! first scheduler work: seeds 0..200 full-summary equal 200/200, seeds
//! 0..1000 992/1000 (99.2 %), Transition Summary equal 1000/1000 (it was
//! 45.8 % / 61.8 % before; docs/differential-report-5dba25c.md has the mismatch classes of that
//! time). Raise `FULL_FLOOR`/`TS_FLOOR` as the scheduler improves.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

use pacesim::simulate::{self, Options};
use pacesim::testgen;

/// Minimum share of full-summary-equal CIBs for the default seed range.
const FULL_FLOOR: f64 = 0.95;
/// Minimum share of Transition-Summary-equal CIBs for the default seed range.
const TS_FLOOR: f64 = 0.97;
/// The same for the clone-centred generator (measured 98.0 % / 98.0 %).
const CLONES_FULL_FLOOR: f64 = 0.97;
const CLONES_TS_FLOOR: f64 = 0.97;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not '{v}'")),
        Err(_) => default,
    }
}

/// `crm_simulate`: `PACESIM_CRM_SIMULATE` when set (empty or `none` = treat
/// as absent), else on `PATH`, else in `/usr/sbin` (where Debian installs it
/// and which a non-root `PATH` may lack).
fn find_crm_simulate() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("PACESIM_CRM_SIMULATE") {
        if v.is_empty() || v == "none" {
            return None;
        }
        let p = PathBuf::from(v);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(std::iter::once(PathBuf::from("/usr/sbin")))
        .map(|d| d.join("crm_simulate"))
        .find(|p| p.is_file())
}

/// Pacemaker's regression normalisation (`cts/cts-scheduler`'s sed and
/// `diff --ignore-all-space --ignore-blank-lines`): the sed expressions,
/// then every line without its whitespace, blank lines dropped.
fn normalise(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let mut l = l.replace("ocf::", "ocf:");
            l = l.replacen("Masters:", "Promoted:", 1);
            l = l.replacen("Slaves:", "Unpromoted:", 1);
            l = replace_master(&l);
            l = l.replacen(" Slave ", " Unpromoted ", 1);
            l.split_whitespace().collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// `s/ Master( |\[|$)/ Promoted\1/` (first occurrence).
fn replace_master(l: &str) -> String {
    let mut from = 0;
    while let Some(i) = l[from..].find(" Master") {
        let at = from + i;
        let rest = &l[at + 7..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('[') {
            return format!("{} Promoted{}", &l[..at], rest);
        }
        from = at + 1;
    }
    l.to_string()
}

/// The lines between `Transition Summary:` and `Executing Cluster Transition:`.
fn transition_summary(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .skip_while(|l| !l.starts_with("TransitionSummary:"))
        .take_while(|l| !l.starts_with("ExecutingClusterTransition:"))
        .cloned()
        .collect()
}

fn out_dir(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join(name)
}

#[test]
fn random_cibs_match_crm_simulate() {
    let knobs = testgen::Knobs::default();
    differential(
        "differential",
        &|seed| testgen::generate(seed, &knobs),
        Floors {
            full: FULL_FLOOR,
            transition: TS_FLOOR,
            crm_may_fail: false,
        },
    );
}

/// The clone-centred generator (`testgen::clones`: anonymous, unique and
/// promotable clones, cloned groups, constraints with roles). Measured when
/// it was written: seeds 0..200, full summary equal 195/199 (98.0 %); the
/// four mismatches are cloned-group placement and restarts of primitives
/// colocated with a cloned group.
#[test]
fn random_clone_cibs_match_crm_simulate() {
    differential(
        "differential-clones",
        &testgen::clones::generate,
        Floors {
            full: CLONES_FULL_FLOOR,
            transition: CLONES_TS_FLOOR,
            crm_may_fail: true,
        },
    );
}

/// What a generator's default seed range must reach.
struct Floors {
    /// Share of CIBs whose whole `-S` output is equal.
    full: f64,
    /// Share of CIBs whose Transition Summary is equal.
    transition: f64,
    /// crm_simulate may exit non-zero with output to compare: clone
    /// orderings can make it produce a transition it then calls invalid
    /// ("Transition failed: terminated"), which pacesim must print alike.
    crm_may_fail: bool,
}

/// Runs `PACESIM_DIFF_N` CIBs of `generate` through both and compares;
/// mismatches go to `target/<name>/`.
fn differential(name: &str, generate: &dyn Fn(u64) -> String, floors: Floors) {
    let Some(crm) = find_crm_simulate() else {
        println!("SKIPPED: crm_simulate not installed; the differential test did not run");
        return;
    };
    let n = env_u64("PACESIM_DIFF_N", 200);
    let first = env_u64("PACESIM_DIFF_SEED", 0);
    let dir = out_dir(name);
    let work = dir.join("work");
    std::fs::create_dir_all(&work).expect("create target/differential/work");
    // Old mismatch files would mislead; keep only this run's.
    for e in std::fs::read_dir(&dir)
        .expect("read target/differential")
        .flatten()
    {
        if e.path().is_file() {
            let _ = std::fs::remove_file(e.path());
        }
    }

    let (mut full, mut ts, mut rejected, mut errors, mut panics) =
        (0u64, 0u64, Vec::new(), Vec::new(), Vec::new());
    let mut mismatches = Vec::new();
    for seed in first..first + n {
        let xml = generate(seed);
        let file = work.join(format!("seed-{seed}.xml"));
        std::fs::write(&file, &xml).expect("write CIB");

        let out = Command::new(&crm)
            .arg("-x")
            .arg(&file)
            .arg("-S")
            .output()
            .expect("run crm_simulate");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let refused = if floors.crm_may_fail {
            out.stdout.is_empty()
        } else {
            !out.status.success() || !stderr.trim().is_empty()
        };
        if refused {
            rejected.push(format!(
                "seed {seed}: exit {:?}: {}",
                out.status.code(),
                stderr.trim()
            ));
            let _ = std::fs::copy(&file, dir.join(format!("rejected-seed-{seed}.xml")));
            continue;
        }
        let expected = String::from_utf8_lossy(&out.stdout).into_owned();

        let opts = Options {
            simulate: true,
            ..Options::default()
        };
        let got = match catch_unwind(AssertUnwindSafe(|| simulate::run_file(&file, &opts))) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => {
                errors.push(seed);
                format!("pacesim error: {e}\n")
            }
            Err(_) => {
                panics.push(seed);
                "pacesim panicked\n".to_string()
            }
        };

        let (e, g) = (normalise(&expected), normalise(&got));
        let ts_equal = transition_summary(&e) == transition_summary(&g);
        if ts_equal {
            ts += 1;
        }
        if e == g {
            full += 1;
        } else {
            mismatches.push((seed, ts_equal));
            let _ = std::fs::copy(&file, dir.join(format!("seed-{seed}.xml")));
            let _ = std::fs::write(dir.join(format!("seed-{seed}.exp")), &expected);
            let _ = std::fs::write(dir.join(format!("seed-{seed}.got")), &got);
        }
    }

    let compared = n - rejected.len() as u64;
    let pct = |x: u64| {
        if compared == 0 {
            0.0
        } else {
            100.0 * x as f64 / compared as f64
        }
    };
    println!(
        "{name}: seeds {first}..{}: {compared} compared, full-summary equal {full} ({:.1} %), Transition Summary equal {ts} ({:.1} %)",
        first + n,
        pct(full),
        pct(ts)
    );
    let names = |ts_ok: bool| -> String {
        mismatches
            .iter()
            .filter(|m| m.1 == ts_ok)
            .map(|m| m.0.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "mismatching seeds (Transition Summary differs): {}",
        names(false)
    );
    println!(
        "mismatching seeds (Transition Summary equal, rest differs): {}",
        names(true)
    );
    if !mismatches.is_empty() {
        println!("mismatches saved to {}", dir.display());
    }
    if !errors.is_empty() {
        println!("pacesim returned an error on seeds: {errors:?}");
    }
    if !panics.is_empty() {
        println!("pacesim PANICKED on seeds: {panics:?}");
    }

    assert!(
        rejected.is_empty(),
        "crm_simulate rejected {} generated CIBs (the generator must produce valid CIBs):\n{}",
        rejected.len(),
        rejected.join("\n")
    );
    assert!(panics.is_empty(), "pacesim panicked on seeds {panics:?}");
    assert!(compared > 0, "nothing was compared");
    // The floors describe the default seed range; other ranges only report.
    if first == 0 && n >= 200 {
        let (f, t) = (full as f64 / compared as f64, ts as f64 / compared as f64);
        assert!(
            f >= floors.full,
            "full-summary agreement {f:.3} fell under the floor {}",
            floors.full
        );
        assert!(
            t >= floors.transition,
            "Transition Summary agreement {t:.3} fell under the floor {}",
            floors.transition
        );
    } else {
        println!("(floors apply to the default seeds 0..200 only; this run reports without asserting them)");
    }
}

#[test]
fn normalisation_follows_pacemakers_sed() {
    assert_eq!(
        normalise("  * a\t(ocf::pacemaker:Dummy):\t Started n1\n\n"),
        vec!["*a(ocf:pacemaker:Dummy):Startedn1"]
    );
    assert_eq!(replace_master("x Master n1"), "x Promoted n1");
    assert_eq!(replace_master("x Masters: [ n1 ]"), "x Masters: [ n1 ]");
    assert_eq!(replace_master("x Master"), "x Promoted");
}
