//! The data-driven suites: every corpus CIB, scenario file, pcs sequence,
//! clone step and calibration recording is a test of its own, so that one
//! case is listed, run and reported alone (`cargo test --release --test
//! golden -- --list`, `... -- scenarios::n-plus-one`).
//!
//! libtest's `#[test]` cannot make tests from files found at run time, so
//! this binary uses `libtest-mimic` (same command line, same output). The
//! suites are modules of one binary rather than six, for one link instead
//! of six. A suite whose cases are compared with a tool that is absent
//! (`crm_mon`, `pcs`) or with a corpus that is absent says SKIPPED and adds
//! no case.
//!
//! Suites that print a summary over all their cases (the conformance table,
//! the status count, the calibration table) collect each case's result while
//! the cases run, and print after the last one; their passing lists (which
//! only grow) are checked per case, and grown after the run when
//! `PACESIM_UPDATE_PASSING` is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

mod calibration;
mod clones;
mod conformance;
mod pcs;
mod scenarios;
mod status;

fn main() {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(test_threads());
    }
    let mut trials = Vec::new();
    trials.extend(conformance::trials());
    trials.extend(status::trials());
    trials.extend(scenarios::trials());
    trials.extend(pcs::trials());
    trials.extend(clones::trials());
    trials.extend(calibration::trials());
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        conformance::report();
        status::report();
        calibration::report();
    }
    conclusion.exit();
}

/// `RUST_TEST_THREADS` as libtest reads it, else at least four: the status
/// and pcs cases mostly wait for a `crm_mon` or `pcs` process, so a few more
/// threads than cores keep the cores busy.
fn test_threads() -> usize {
    std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1)
                .max(4)
        })
}

/// The crate's directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Pacemaker's corpus: `$PACESIM_CORPUS` if set (for worktrees elsewhere),
/// else `../shared/pacemaker` next to the crate.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("PACESIM_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared/pacemaker"),
    }
}

/// The names of a passing list: one a line, `#` lines and blanks skipped.
pub fn read_list(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// A test that passes unless it panics (the body of a former `#[test]`).
pub fn check(name: impl Into<String>, body: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(name, move || {
        body();
        Ok(())
    })
}

/// A test whose body says why it failed.
pub fn verdict(
    name: impl Into<String>,
    body: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Trial {
    Trial::test(name, move || body().map_err(Failed::from))
}
