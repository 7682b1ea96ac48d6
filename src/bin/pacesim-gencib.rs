//! Writes random CIBs from the deterministic generator in `pacesim::testgen`,
//! for differential runs against `crm_simulate` by hand or by script.
//!
//! Usage: `pacesim-gencib [--seed N] [--count K] [--out DIR] [--clones] [--knob NAME=VALUE]...`
//! (`--clones`: the clone-centred generator, `pacesim::testgen::clones`, which has no knobs)
//! (knob names are the fields of `pacesim::testgen::Knobs`, e.g.
//! `--knob p_start_fail=1 --knob nodes=2-3`); writes
//! `DIR/seed-<N>.xml` for seeds N..N+K (default: seed 0, count 1, to stdout
//! when no `--out` is given and count is 1).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut seed: u64 = 0;
    let mut count: u64 = 1;
    let mut out: Option<PathBuf> = None;
    let mut knobs = pacesim::testgen::Knobs::default();
    let mut clones = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| match args.next() {
            Some(v) => Ok(v),
            None => Err(format!("{name} needs a value")),
        };
        let r: Result<(), String> = match a.as_str() {
            "--seed" => value("--seed").and_then(|v| {
                v.parse()
                    .map(|x| seed = x)
                    .map_err(|e| format!("--seed: {e}"))
            }),
            "--count" => value("--count").and_then(|v| {
                v.parse()
                    .map(|x| count = x)
                    .map_err(|e| format!("--count: {e}"))
            }),
            "--out" => value("--out").map(|v| out = Some(PathBuf::from(v))),
            "--clones" => {
                clones = true;
                Ok(())
            }
            "--knob" => value("--knob").and_then(|v| match v.split_once('=') {
                Some((k, x)) => knobs.set(k, x),
                None => Err(format!("--knob needs NAME=VALUE, not '{v}'")),
            }),
            "-h" | "--help" => {
                println!("usage: pacesim-gencib [--seed N] [--count K] [--out DIR] [--clones] [--knob NAME=VALUE]...");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument '{other}'")),
        };
        if let Err(e) = r {
            eprintln!("pacesim-gencib: {e}");
            return ExitCode::from(2);
        }
    }
    let generate = |s: u64| {
        if clones {
            pacesim::testgen::clones::generate(s)
        } else {
            pacesim::testgen::generate(s, &knobs)
        }
    };
    match out {
        None if count == 1 => {
            print!("{}", generate(seed));
        }
        None => {
            eprintln!("pacesim-gencib: --out DIR is needed for more than one CIB");
            return ExitCode::from(2);
        }
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                eprintln!("pacesim-gencib: {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
            for s in seed..seed.saturating_add(count) {
                let p = dir.join(format!("seed-{s}.xml"));
                if let Err(e) = std::fs::write(&p, generate(s)) {
                    eprintln!("pacesim-gencib: {}: {e}", p.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}
