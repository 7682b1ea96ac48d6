//! pacesim's pcs against real pcs 0.11.
//!
//! Each `tests/pcs/NAME.txt` is one command sequence, and two tests
//! (`pcs::recorded::NAME`, `pcs::real::NAME`): `pcs ...` lines, in
//! order; a line starting with `! ` must be refused (by both); `nodes A B`
//! first adds `<node>` entries (ids 1, 2, ...) as a cluster has; `#` starts
//! a comment line. For each sequence the configuration section pacesim
//! builds is compared with:
//!
//! - `tests/pcs/NAME.expected.xml`, recorded from real pcs (always runs);
//! - real pcs itself, `pcs -f` on a `cibadmin --empty` CIB, when installed
//!   (else SKIPPED). `PCS_RECORD=1` rewrites the expected files from it.
//!
//! Normalisation, and nothing more: attributes sorted by name (XML does not
//! order them); inside resources, operations, nodes and attribute sets the
//! children sorted by element name, stable (pacesim's model keeps the order
//! among siblings of one kind, which is what Pacemaker reads, not how
//! `<instance_attributes>` interleaves with `<meta_attributes>`);
//! the sections of `<configuration>` sorted by name (the model writes
//! `rsc_defaults` before `op_defaults`; pcs appends whichever came first);
//! whitespace-only text dropped; the `<cib>` element itself (epoch
//! counters) not compared.
//!
//! Known difference, not in these sequences: a score written `+INFINITY` or
//! `+100` comes out as `INFINITY` / `100` (the model keeps scores as
//! numbers); pcs keeps the text.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use libtest_mimic::Trial;
use pacesim::cib::xml::Element;
use pacesim::cib::{self, NodeConfig};

use crate::{check, root, verdict};

use pacesim::cib::EMPTY_CIB;

struct Sequence {
    name: String,
    nodes: Vec<String>,
    /// (command line, must fail)
    steps: Vec<(String, bool)>,
}

fn sequences() -> Vec<Sequence> {
    let dir = root().join("tests/pcs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/pcs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("read");
            let mut seq = Sequence {
                name: f.file_stem().unwrap().to_string_lossy().into_owned(),
                nodes: Vec::new(),
                steps: Vec::new(),
            };
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(n) = line.strip_prefix("nodes ") {
                    seq.nodes = n.split_whitespace().map(String::from).collect();
                } else if let Some(c) = line.strip_prefix("! ") {
                    seq.steps.push((c.to_string(), true));
                } else {
                    seq.steps.push((line.to_string(), false));
                }
            }
            seq
        })
        .collect()
}

const SORTED_CHILDREN: &[&str] = &[
    "configuration",
    "primitive",
    "template",
    "group",
    "clone",
    "master",
    "bundle",
    "op",
    "node",
    "meta_attributes",
    "instance_attributes",
    "utilization",
    "cluster_property_set",
];

fn canon(e: &Element) -> Element {
    let mut out = e.clone();
    out.attrs.sort();
    out.pos = Default::default();
    if out.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
        out.text = None;
    }
    out.children = e.children.iter().map(canon).collect();
    if SORTED_CHILDREN.contains(&e.name.as_str()) {
        out.children.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// The normalised configuration section of a CIB text.
fn configuration(xml: &str) -> String {
    let root = Element::parse(xml).expect("CIB XML");
    let conf = root.child("configuration").expect("configuration");
    canon(conf).to_xml()
}

/// Runs a sequence through pacesim; checks refusals leave the CIB as it was.
fn run_pacesim(seq: &Sequence) -> Result<String, String> {
    let mut c = cib::from_str(EMPTY_CIB).expect("empty CIB");
    for (i, n) in seq.nodes.iter().enumerate() {
        c.config_mut().nodes.push(NodeConfig {
            id: (i + 1).to_string(),
            uname: n.clone(),
            ..NodeConfig::default()
        });
    }
    for (line, must_fail) in &seq.steps {
        let before = c.clone();
        match (pacesim::pcs::run(&mut c, line), must_fail) {
            (Ok(()), false) => {}
            (Err(e), true) => {
                if c != before {
                    return Err(format!(
                        "{}: refused '{line}' but changed the CIB",
                        seq.name
                    ));
                }
                let text = e.to_string();
                if text.contains("panicked") || e.message.is_empty() {
                    return Err(format!("{}: bad error for '{line}': {text}", seq.name));
                }
            }
            (Ok(()), true) => {
                return Err(format!("{}: '{line}' should have been refused", seq.name))
            }
            (Err(e), false) => return Err(format!("{}: {e}", seq.name)),
        }
    }
    Ok(configuration(&c.to_xml()))
}

fn pcs_installed() -> bool {
    Command::new("pcs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("cibadmin")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Runs a sequence through real pcs: `bash` splits the words.
fn run_real(seq: &Sequence) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("pacesim-pcs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join(format!("{}.xml", seq.name));
    let sh = |script: &str| {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("CIB_file", &file)
            .env("LC_ALL", "C")
            .output()
            .expect("bash")
    };
    std::fs::write(&file, EMPTY_CIB).map_err(|e| e.to_string())?;
    for (i, n) in seq.nodes.iter().enumerate() {
        let out = sh(&format!(
            "cibadmin -C -o nodes -X '<node id=\"{}\" uname=\"{n}\"/>'",
            i + 1
        ));
        if !out.status.success() {
            return Err(format!(
                "cibadmin: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    for (line, must_fail) in &seq.steps {
        let args = line.strip_prefix("pcs ").unwrap_or(line);
        let out = sh(&format!("pcs -f \"$CIB_file\" {args}"));
        if out.status.success() == *must_fail {
            return Err(format!(
                "{}: real pcs {} '{line}': {}",
                seq.name,
                if *must_fail { "accepted" } else { "refused" },
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&file);
    Ok(configuration(&text))
}

fn expected_path(name: &str) -> PathBuf {
    root().join(format!("tests/pcs/{name}.expected.xml"))
}

fn diff(ours: &str, theirs: &str) -> String {
    let a: Vec<&str> = ours.lines().collect();
    let b: Vec<&str> = theirs.lines().collect();
    let mut out = String::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied(), b.get(i).copied());
        if x != y {
            out.push_str(&format!(
                "line {}:\n  pacesim: {}\n  pcs:     {}\n",
                i + 1,
                x.unwrap_or("(none)"),
                y.unwrap_or("(none)")
            ));
            if out.len() > 2000 {
                break;
            }
        }
    }
    out
}

/// A sequence through pacesim against its recorded pcs output.
fn matches_recorded_pcs(seq: &Sequence) -> Result<(), String> {
    let ours = run_pacesim(seq)?;
    let path = expected_path(&seq.name);
    let expected =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if ours != expected {
        return Err(diff(&ours, &expected));
    }
    Ok(())
}

/// A sequence through pacesim against real pcs; `PCS_RECORD` rewrites the
/// recorded output from it.
fn matches_real_pcs(seq: &Sequence) -> Result<(), String> {
    let theirs = run_real(seq)?;
    if std::env::var_os("PCS_RECORD").is_some() {
        std::fs::write(expected_path(&seq.name), &theirs).map_err(|e| e.to_string())?;
    }
    let ours = run_pacesim(seq)?;
    if ours != theirs {
        return Err(diff(&ours, &theirs));
    }
    Ok(())
}

/// Per sequence, a test against the recorded output (`pcs::recorded::NAME`)
/// and, when pcs is installed, one against real pcs (`pcs::real::NAME`).
pub fn trials() -> Vec<Trial> {
    let real = pcs_installed();
    if !real {
        eprintln!("SKIPPED: pcs or cibadmin not installed");
    }
    let mut trials = vec![check(
        "pcs::errors_name_command_and_word",
        errors_name_command_and_word,
    )];
    for seq in sequences() {
        let seq = Arc::new(seq);
        let recorded = Arc::clone(&seq);
        trials.push(verdict(format!("pcs::recorded::{}", seq.name), move || {
            matches_recorded_pcs(&recorded)
        }));
        if real {
            trials.push(verdict(format!("pcs::real::{}", seq.name), move || {
                matches_real_pcs(&seq)
            }));
        }
    }
    trials
}

/// Errors name the command and the offending word, and never panic.
fn errors_name_command_and_word() {
    let mut c = cib::from_str(EMPTY_CIB).unwrap();
    pacesim::pcs::run(
        &mut c,
        "pcs resource create vip ocf:heartbeat:IPaddr2 ip=192.0.2.10",
    )
    .unwrap();
    let cases = [
        ("pcs resource frobnicate x", "frobnicate"),
        ("pcs bogus", "bogus"),
        ("pcs constraint location nope prefers node1", "nope"),
        ("pcs constraint location vip prefers node1=abc", "abc"),
        ("pcs constraint colocation add vip with nope", "nope"),
        ("pcs constraint colocation add vip with vip xyz", "xyz"),
        ("pcs constraint order vip then nope", "nope"),
        (
            "pcs resource create vip ocf:heartbeat:IPaddr2 ip=1.1.1.1",
            "vip",
        ),
        (
            "pcs resource create v2 ocf:heartbeat:IPaddr2 ip=1.1.1.1 foo=bar",
            "foo",
        ),
        (
            "pcs resource create v2 ocf:heartbeat:IPaddr2 ip=1.1.1.1 meta x",
            "x",
        ),
        (
            "pcs resource create v2 ocf:heartbeat:IPaddr2 ip=1.1.1.1 op monitor interval=5 bad=1",
            "bad",
        ),
        (
            "pcs resource create v2 ocf:heartbeat:IPaddr2 ip=1.1.1.1 --frob",
            "--frob",
        ),
        ("pcs property set frob=1", "frob"),
        ("pcs property set stonith-enabled=maybe", "maybe"),
        ("pcs resource disable nope", "nope"),
        ("pcs node standby node9", "node9"),
        (
            "pcs constraint location vip rule '#uname' frob node1",
            "frob",
        ),
        (
            "pcs resource create 'v 2' ocf:heartbeat:IPaddr2 ip=1.1.1.1",
            "v 2",
        ),
        (
            "pcs resource create v2 'ocf:heartbeat:IPaddr2 ip=1",
            "quote",
        ),
        ("pcs", "no command"),
        ("", "no command"),
        ("pcs resource create", "missing"),
        ("pcs constraint colocation add", "usage"),
        ("pcs constraint order vip", "usage"),
        ("pcs resource group add", "missing"),
        ("pcs resource meta", "missing"),
        ("pcs node attribute", "no node"),
    ];
    for (line, word) in cases {
        let before = c.clone();
        let e = pacesim::pcs::run(&mut c, line).expect_err(line);
        assert_eq!(c, before, "{line} changed the CIB");
        let text = e.to_string();
        assert!(
            text.contains(word),
            "error for {line:?} does not name {word:?}: {text}"
        );
        assert!(
            text.starts_with("pcs"),
            "error for {line:?} does not name the command: {text}"
        );
    }
}
