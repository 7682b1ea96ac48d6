//! The two clone set-ups the simulated cluster relies on, step by step,
//! against what `crm_simulate` 2.1.5 printed for the same inputs: a clone
//! of one primitive on every node and a promotable clone of one primitive on
//! two nodes (also with notifications, interleaving, an ordering and a
//! colocation between the clones), with fencing, from an empty status through probes, starts and
//! promotion (once promotion scores exist), nodes failing (fenced) and
//! coming back.
//!
//! Each `tests/clones/NAME.xml` is the input of one step (the previous
//! step's output as `crm_simulate -O` wrote it, promotion scores added after
//! the first), `NAME.args` the node injections (`-f`/`-u`/`-d NODE`), and
//! `NAME.exp` the expected `crm_simulate -S` output; each step is a test,
//! `clones::NAME`.

use std::path::Path;

use libtest_mimic::Trial;
use pacesim::simulate::{self, Options};

use crate::{root, verdict};

/// A test per step (`clones::NAME`).
pub fn trials() -> Vec<Trial> {
    let dir = root().join("tests/clones");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/clones is readable")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".xml"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no scenario steps found");
    names
        .into_iter()
        .map(|name| {
            let dir = dir.clone();
            verdict(format!("clones::{name}"), move || {
                step_matches_crm_simulate(&dir, &name)
            })
        })
        .collect()
}

/// One step's `crm_simulate -S` output, with its node injections.
fn step_matches_crm_simulate(dir: &Path, name: &str) -> Result<(), String> {
    let args = std::fs::read_to_string(dir.join(format!("{name}.args"))).unwrap_or_default();
    let mut opts = Options {
        simulate: true,
        ..Options::default()
    };
    let words: Vec<&str> = args.split_whitespace().collect();
    for pair in words.chunks(2) {
        let [flag, node] = pair else {
            return Err(format!("{name}.args: flag without a node"));
        };
        match *flag {
            "-f" => opts.node_fail.push(node.to_string()),
            "-u" => opts.node_up.push(node.to_string()),
            "-d" => opts.node_down.push(node.to_string()),
            other => return Err(format!("{name}.args: unknown flag {other}")),
        }
    }
    let expected = std::fs::read_to_string(dir.join(format!("{name}.exp")))
        .map_err(|e| format!("{name}.exp: {e}"))?;
    let got = simulate::run_file(&dir.join(format!("{name}.xml")), &opts)
        .unwrap_or_else(|e| format!("error: {e}"));
    if got.trim_end() != expected.trim_end() {
        return Err(format!(
            "--- {name}: expected\n{expected}\n--- {name}: got\n{got}"
        ));
    }
    Ok(())
}
