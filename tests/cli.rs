//! The `pacesim` binary: exit status and messages on good and bad input.

use std::path::PathBuf;
use std::process::Command;

fn pacesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pacesim"))
        .args(args)
        .output()
        .expect("pacesim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` to a fresh file under the target directory.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="1" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources><primitive id="r1" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints/>
  </configuration>
  <status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/></status>
</cib>
"#;

#[test]
fn a_good_cib_simulates_with_exit_zero() {
    let f = file("good.xml", GOOD);
    let (code, out, err) = pacesim(&["simulate", "-x", f.to_str().unwrap(), "-S"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Transition Summary:"), "{out}");
    assert!(out.contains("* Start      r1"), "{out}");
    assert!(out.contains("Revised Cluster Status:"), "{out}");
}

#[test]
fn bad_cibs_exit_non_zero_naming_file_and_place() {
    let cases = [
        ("malformed.xml", GOOD.replace("</nodes>", "</node>"), "malformed.xml:"),
        ("empty.xml", String::new(), "empty.xml:1:1"),
        ("dup.xml", GOOD.replace("id=\"o1\"", "id=\"r1\""), "'r1'"),
        (
            "dangling.xml",
            GOOD.replace("<constraints/>", "<constraints><rsc_location id=\"l1\" rsc=\"nope\" node=\"node1\" score=\"1\"/></constraints>"),
            "nope",
        ),
        (
            "score.xml",
            GOOD.replace("<constraints/>", "<constraints><rsc_location id=\"l1\" rsc=\"r1\" node=\"node1\" score=\"lots\"/></constraints>"),
            "'l1'",
        ),
    ];
    for (name, text, needle) in cases {
        let f = file(name, &text);
        let (code, _, err) = pacesim(&["simulate", "-x", f.to_str().unwrap(), "-S"]);
        assert_ne!(code, 0, "{name} was accepted");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(needle),
            "{name}: expected {needle:?} in: {err}"
        );
    }
}

#[test]
fn unknown_node_and_bad_op_spec_are_usage_errors() {
    let f = file("good2.xml", GOOD);
    let (code, _, err) = pacesim(&["simulate", "-x", f.to_str().unwrap(), "-S", "-u", "ghost"]);
    assert_ne!(code, 0);
    assert!(err.contains("ghost"), "{err}");
    let (code, _, err) = pacesim(&["simulate", "-x", f.to_str().unwrap(), "-S", "-i", "garbage"]);
    assert_ne!(code, 0);
    assert!(err.contains("garbage"), "{err}");
}

#[test]
fn a_missing_file_is_named() {
    let (code, _, err) = pacesim(&["simulate", "-x", "/nonexistent/cib.xml"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/cib.xml"), "{err}");
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn run_exits_zero_when_every_expectation_holds_and_writes_junit_and_trace() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-run");
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("report.xml");
    let trace = |n: &str| dir.join(n);
    let scenario = repo("scenarios/active-passive-power-loss.toml");
    let (code, out, err) = pacesim(&[
        "run",
        &scenario,
        "--junit",
        junit.to_str().unwrap(),
        "--trace",
        trace("a.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("timeline:") && out.contains("PASS  fenced node1"),
        "{out}"
    );
    let report = std::fs::read_to_string(&junit).unwrap();
    assert!(
        report.contains("<testsuite ") && report.contains("failures=\"0\""),
        "{report}"
    );
    // The same scenario and seed write the same trace, byte for byte.
    let (code, _, _) = pacesim(&[
        "run",
        &scenario,
        "--trace",
        trace("b.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let a = std::fs::read(trace("a.jsonl")).unwrap();
    let b = std::fs::read(trace("b.jsonl")).unwrap();
    assert!(a.len() > 10_000, "a real trace");
    assert!(a == b, "traces differ");
    // --seed changes the run.
    let (code, _, _) = pacesim(&[
        "run",
        &scenario,
        "--seed",
        "99",
        "--trace",
        trace("c.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(std::fs::read(trace("c.jsonl")).unwrap() != a);
}

#[test]
fn run_exits_one_when_an_expectation_fails() {
    let (code, out, _) = pacesim(&["run", &repo("tests/scenarios/known-bad-no-fencing.toml")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  no-double-active"), "{out}");
}

#[test]
fn run_exits_two_on_a_bad_file_naming_the_place() {
    let f = file(
        "bad-scenario.toml",
        "duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"5s\"\ncrash = \"zz\"\n",
    );
    let (code, out, err) = pacesim(&["run", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("bad-scenario.toml:6:9"), "{err}");
    let (code, _, err) = pacesim(&["run", "/nonexistent/x.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("x.toml"), "{err}");
}

#[test]
fn sweep_and_what_if_refuse_bad_options_with_the_offending_word() {
    let two = repo("scenarios/active-passive-power-loss.toml");
    for (args, word) in [
        (vec!["sweep", &two, "--shard", "3/2"], "3/2"),
        (vec!["sweep", &two, "--seeds", "10..2"], "10..2"),
        (vec!["sweep", &two, "--jobs", "0"], "--jobs"),
        (
            vec!["what-if", &two, "--set", "totem.tokn=1s"],
            "totem.tokn",
        ),
        (vec!["what-if", &two, "--set", "totem.token=fast"], "fast"),
        (vec!["what-if", &two, "--faults", "melt"], "melt"),
        (vec!["what-if", &two, "--nodes", "node9"], "node9"),
        (
            vec![
                "what-if",
                &two,
                "--with",
                "fence_device=nope fail=unreachable",
            ],
            "nope",
        ),
    ] {
        let (code, _, err) = pacesim(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(word), "{args:?}: {err}");
    }
}

#[test]
fn explore_tables_that_cannot_work_are_refused() {
    let base = "duration = \"10m\"\n[cluster]\nnodes = [\"a\", \"b\", \"c\"]\nsetup = [\"pcs property set stonith-enabled=false\", \"pcs resource create r ocf:heartbeat:Dummy\"]\n";
    for (extra, word) in [
        ("[explore]\nfaults = [\"melt\"]\n", "melt"),
        (
            "[explore]\nfaults = [\"crash\", \"pause\"]\nmax_down = 0\n",
            "max_down",
        ),
        ("[explore]\nmax_down = 3\n", "max_down"),
        ("[explore]\nfaults = [\"fence_device\"]\n", "fencing device"),
        ("[explore]\nliveness = \"20m\"\n", "liveness"),
    ] {
        let f = file("explore-bad.toml", &format!("{base}{extra}"));
        let (code, _, err) = pacesim(&["run", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{extra}: {err}");
        assert!(err.contains(word), "{extra}: {err}");
    }
}
