//! `pacesim status CIB.xml` against `CIB_file=CIB.xml crm_mon -1`
//! (Pacemaker 2.1.5) on every CIB of Pacemaker's scheduler corpus, line
//! for line apart from "Last updated" (the wall clock each read).
//!
//! Each CIB is a test, `status::NAME`, that fails when the CIB is named in
//! `tests/status/passing.txt` and no longer matches; after the cases the
//! binary prints how many of those that ran match. The list only grows: set
//! `PACESIM_UPDATE_PASSING=1` (as for the conformance lists) to add the
//! CIBs that now match. Skipped with a message when `crm_mon` or the
//! corpus is absent. `PACESIM_STATUS_OUT=DIR` writes each mismatch's two
//! outputs there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use libtest_mimic::Trial;

use crate::{check, corpus_dir, read_list, root, verdict};

fn passing_list() -> PathBuf {
    root().join("tests/status/passing.txt")
}

fn crm_mon_installed() -> bool {
    Command::new("crm_mon").arg("--version").output().is_ok()
}

/// Both outputs without the "Last updated" line and trailing blanks.
fn comparable(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.contains("* Last updated:"))
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// `crm_mon -1` on one CIB file.
fn crm_mon(xml: &Path) -> String {
    let out = Command::new("crm_mon")
        .arg("-1")
        .env("CIB_file", xml)
        .output()
        .expect("crm_mon runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pacesim status` on one CIB file, through the binary.
fn pacesim_status(xml: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pacesim"))
        .arg("status")
        .arg(xml)
        .output()
        .expect("pacesim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The CIBs that ran and matched, and those that ran; `None` when the
/// corpus or crm_mon is absent.
static RESULTS: Mutex<Option<(BTreeSet<String>, usize)>> = Mutex::new(None);

fn results() -> std::sync::MutexGuard<'static, Option<(BTreeSet<String>, usize)>> {
    RESULTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A test per corpus CIB (`status::NAME`), and the command's own test.
pub fn trials() -> Vec<Trial> {
    let mut trials = vec![check(
        "status::status_command_prints_crm_mon_text_and_refuses_bad_files",
        status_command_prints_crm_mon_text_and_refuses_bad_files,
    )];
    let dir = corpus_dir().join("scheduler/xml");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: the Pacemaker corpus is not at {}; status not compared",
            dir.display()
        );
        return trials;
    }
    if !crm_mon_installed() {
        eprintln!("SKIPPED: crm_mon not installed (apt-get install pacemaker-cli-utils); status not compared");
        return trials;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    *results() = Some((BTreeSet::new(), 0));
    let listed = Arc::new(read_list(&passing_list()));
    for xml in files {
        let name = xml.file_stem().unwrap().to_string_lossy().into_owned();
        let listed = Arc::clone(&listed);
        trials.push(verdict(format!("status::{name}"), move || {
            let same = compare(&xml, &name);
            let mut guard = results();
            let (passing, ran) = guard.as_mut().expect("set up before the cases");
            *ran += 1;
            match same {
                Ok(true) => {
                    passing.insert(name);
                    return Ok(());
                }
                Ok(false) => {}
                Err(e) => println!("  {name}: {e}"),
            }
            if listed.contains(&name) {
                return Err(format!(
                    "{name} is listed as matching crm_mon but no longer does \
                     (PACESIM_STATUS_OUT=DIR shows both outputs)"
                ));
            }
            Ok(())
        }));
    }
    trials
}

/// Whether `pacesim status` prints what `crm_mon -1` prints for one CIB;
/// an error when pacesim cannot read it or panics. With
/// `PACESIM_STATUS_OUT=DIR`, a mismatch's two outputs are written there.
fn compare(xml: &Path, name: &str) -> Result<bool, String> {
    let ours = match pacesim::cib::load(xml) {
        Ok(cib) => std::panic::catch_unwind(|| pacesim::runner::status::crm_mon(&cib, now()))
            .map_err(|_| "panicked".to_string()),
        Err(e) => Err(e.to_string()),
    }?;
    let theirs = crm_mon(xml);
    let same = comparable(&ours) == comparable(&theirs);
    if let (false, Some(d)) = (same, std::env::var_os("PACESIM_STATUS_OUT")) {
        let d = PathBuf::from(d);
        let _ = std::fs::create_dir_all(&d);
        let _ = std::fs::write(d.join(format!("{name}.ours")), &ours);
        let _ = std::fs::write(d.join(format!("{name}.crm_mon")), &theirs);
    }
    Ok(same)
}

/// After the cases: how many matched, and the list grown when asked.
pub fn report() {
    let guard = results();
    let Some((passing, ran)) = guard.as_ref().filter(|(_, ran)| *ran > 0) else {
        return;
    };
    println!(
        "pacesim status = crm_mon -1 (but Last updated): {}/{ran} corpus CIBs",
        passing.len(),
    );
    let list = passing_list();
    let listed = read_list(&list);
    let newly: Vec<&String> = passing.difference(&listed).collect();
    if !newly.is_empty() {
        let shown: Vec<&&String> = newly.iter().take(20).collect();
        println!(
            "{} CIBs match that are not yet in {}: {shown:?}{}",
            newly.len(),
            list.display(),
            if newly.len() > 20 { " ..." } else { "" }
        );
        if std::env::var_os("PACESIM_UPDATE_PASSING").is_some() {
            let mut text = String::from(
                "# Corpus CIBs whose `pacesim status` must keep matching `crm_mon -1` (the list only grows).\n",
            );
            for n in listed.iter().chain(passing.iter()).collect::<BTreeSet<_>>() {
                text.push_str(n);
                text.push('\n');
            }
            std::fs::write(&list, text).expect("passing list is writable");
        }
    }
}

fn status_command_prints_crm_mon_text_and_refuses_bad_files() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status");
    std::fs::create_dir_all(&dir).unwrap();
    let cib = dir.join("two-nodes.xml");
    std::fs::write(
        &cib,
        r#"<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="5" num_updates="0" admin_epoch="0" cib-last-written="Thu Jan  1 00:00:00 2026" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
        <lrm_rsc_op id="vip_last_0" operation_key="vip_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
"#,
    )
    .unwrap();
    let (code, out, err) = pacesim_status(&cib);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Cluster Summary:\n  * Stack: unknown\n"),
        "{out}"
    );
    assert!(out.contains("* Current DC: node1 (version unknown) - partition with quorum"));
    assert!(out.contains("* Online: [ node1 node2 ]"), "{out}");
    assert!(
        out.contains("* vip\t(ocf:heartbeat:IPaddr2):\t Started node1"),
        "{out}"
    );
    if crm_mon_installed() {
        assert_eq!(comparable(&out), comparable(&crm_mon(&cib)));
    }
    // Bad input: exit 2 with the file and the line.
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, "<cib>\n  <configuration>\n</cib>\n").unwrap();
    let (code, _, err) = pacesim_status(&bad);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.xml:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, _, err) = pacesim_status(&dir.join("missing.xml"));
    assert_eq!(code, 2);
    assert!(err.contains("missing.xml"), "{err}");
}
