//! The format's own example must read; every refusal must say where and why.

use super::*;

fn read(text: &str) -> Result<Scenario, ScenarioError> {
    parse(text, Path::new("/scen/test.toml"))
}

/// The example of SCENARIO-FORMAT.md, when the shared folder is beside the crate.
fn format_example() -> Option<String> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/SCENARIO-FORMAT.md");
    let text = std::fs::read_to_string(doc).ok()?;
    let start = text.find("```toml\n")? + "```toml\n".len();
    let end = start + text[start..].find("```")?;
    Some(text[start..end].to_string())
}

#[test]
fn the_formats_example_reads_as_it_says() {
    let Some(example) = format_example() else {
        eprintln!("SKIPPED: ../shared/SCENARIO-FORMAT.md is not beside the crate");
        return;
    };
    let s = read(&example).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.seed, 7);
    assert_eq!(s.duration, Duration::from_secs(300));
    assert_eq!(s.nodes, ["node1", "node2"]);
    assert_eq!(
        s.cib.as_ref().unwrap().value,
        Path::new("/scen/cib/two-node.xml")
    );
    assert_eq!(s.setup.len(), 6);
    assert!(s.setup[1].value.contains("pcmk_host_map='node1:1;node2:2'"));
    assert!(s.quorum.two_node);
    assert_eq!(s.totem.token, Some(Duration::from_secs(3)));
    assert_eq!(
        s.network.latency,
        (Duration::from_micros(500), Duration::from_millis(2))
    );
    assert_eq!(s.agents["apache"].start, Some(Duration::from_secs(4)));
    assert_eq!(s.agents["fence_apc"].off, Some(Duration::from_secs(2)));
    assert_eq!(s.agents["default"].monitor, Some(Duration::from_millis(50)));
    assert_eq!(s.node_boot_default, Duration::from_secs(30));
    assert_eq!(s.faults.len(), 1);
    assert_eq!(s.faults[0].action, FaultAction::PowerOff("node1".into()));
    assert_eq!(s.faults[0].at, Duration::from_secs(60));
    assert_eq!(s.expects.len(), 2);
    match &s.expects[0] {
        Expect::Point {
            at,
            running,
            dc,
            quorate,
            ..
        } => {
            assert_eq!(*at, Duration::from_secs(120));
            assert_eq!(running["vip"].value, Placement::Node("node2".into()));
            assert_eq!(dc, &Some(Some("node2".into())));
            assert_eq!(
                quorate.as_ref().unwrap().iter().collect::<Vec<_>>(),
                ["node2"]
            );
        }
        other => panic!("{other:?}"),
    }
    match &s.expects[1] {
        Expect::Event { event, within, .. } => {
            assert_eq!(event, &Event::Fenced("node1".into()));
            assert_eq!(*within, Some(Duration::from_secs(40)));
        }
        other => panic!("{other:?}"),
    }
    // Written after the last [[expect]], `invariants` lands in that table in
    // TOML; it still means the scenario's invariants.
    assert_eq!(s.invariants.len(), 3);
}

const MINIMAL: &str = "duration = \"1m\"\n[cluster]\nnodes = [\"a\", \"b\", \"c\"]\n";

#[test]
fn every_fault_and_expectation_form_reads() {
    let text = format!(
        "{MINIMAL}{}",
        r#"
[[fault]]
at = "1s"
pause = "a"
for = "5s"
[[fault]]
at = "2s"
partition = [["a"], ["b", "c"]]
[[fault]]
at = "3s"
heal = true
[[fault]]
at = "4s"
link = ["a", "b"]
loss = 0.5
delay = "10ms"
[[fault]]
at = "5s"
fence_device = "pdu"
fail = "timeout"
[[fault]]
at = "6s"
resource_fail = "db"
node = "b"
op = "start"
rc = 1
times = 3
[[fault]]
at = "7s"
pcs = "pcs resource disable web"
[[fault]]
at = "8s"
standby = "c"

[[expect]]
at = "30s"
running = { web = "stopped", ip = "a", clone = ["a", "b"], db = { promoted = ["a"], unpromoted = ["b", "c"] } }
dc = "none"
members = [["a"], ["b", "c"]]
[[expect]]
recovered = "db"
by = "50s"
[[expect]]
elected = "b"
within = "20s"
never = true
"#
    );
    let s = read(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.faults.len(), 8);
    assert!(
        matches!(&s.faults[3].action, FaultAction::Link { loss: Some(l), cut: false, .. } if *l == 0.5)
    );
    assert!(
        matches!(&s.faults[5].action, FaultAction::ResourceFail { rc: 1, times: 3, op, .. } if op == "start")
    );
    match &s.expects[0] {
        Expect::Point {
            running,
            dc,
            members,
            ..
        } => {
            assert_eq!(running["web"].value, Placement::Stopped);
            assert!(
                matches!(&running["db"].value, Placement::Promotable { promoted, unpromoted } if promoted.len() == 1 && unpromoted.len() == 2)
            );
            assert_eq!(dc, &Some(None));
            assert_eq!(members.as_ref().unwrap().len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&s.expects[2], Expect::Event { never: true, .. }));
}

/// Each bad file is refused with this position and these words.
#[test]
fn bad_files_are_refused_with_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "1:1", "duration"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\ncolour = \"red\"\n", "4:1", "colour"),
        ("duration = \"1 minute\"\n[cluster]\nnodes = [\"a\"]\n", "1:12", "unit"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\", \"a\"]\n", "3:15", "twice"),
        ("duration = \"1m\"\n[cluster]\nnodes = []\n", "3:9", "at least one node"),
        ("duration = \"1m\"\nseed = -1\n[cluster]\nnodes = [\"a\"]\n", "2:8", "negative"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"1s\"\ncrash = \"z\"\n", "6:9", "unknown node 'z'"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"1s\"\n", "4:1", "none"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\", \"b\"]\n[[fault]]\nat = \"1s\"\ncrash = \"a\"\npower_off = \"b\"\n", "4:1", "power_off and crash"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"2m\"\ncrash = \"a\"\n", "5:6", "after the end"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"1s\"\ncrash = \"a\"\nrc = 3\n", "4:1", "`rc` belongs to resource_fail"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"1s\"\npause = \"a\"\n", "6:9", "needs `for`"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"1s\"\nfence_device = \"p\"\nfail = \"melt\"\n", "7:8", "melt"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\", \"b\"]\n[[fault]]\nat = \"1s\"\npartition = [[\"a\"], [\"a\", \"b\"]]\n", "6:22", "two lists"),
        ("duration = \"1m\"\n[network]\nlatency = [\"5ms\", \"1ms\"]\n[cluster]\nnodes = [\"a\"]\n", "3:11", "upside down"),
        ("duration = \"1m\"\n[network]\nloss = 1.5\n[cluster]\nnodes = [\"a\"]\n", "3:8", "probability"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[expect]]\nat = \"1s\"\ndc = \"a\"\nfenced = \"a\"\nwithin = \"5s\"\n", "4:1", "not both"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[expect]]\nat = \"1s\"\nfenced = \"a\"\nwithin = \"5s\"\n", "5:6", "not `at`"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[expect]]\nfenced = \"a\"\n", "4:1", "within"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[expect]]\nat = \"1s\"\nrunning = { web = 3 }\n", "6:11", "expected a node"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[expect]]\nat = \"1s\"\nquorate = [\"b\"]\n", "6:12", "unknown node 'b'"),
        ("duration = \"1m\"\ninvariants = [\"no-split-brain\"]\n[cluster]\nnodes = [\"a\"]\n", "2:15", "unknown invariant"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[cluster.quorum]\nauto_tie_breaker_node = \"middle\"\n", "5:25", "lowest"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[cluster.totem]\ntoken = \"0s\"\n", "5:9", "longer than zero"),
        ("duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[node_boot]\nb = \"10s\"\n", "5:1", "unknown node 'b'"),
        ("duration = \"1m\"\n[cluster\nnodes = [\"a\"]\n", "2:9", "invalid"),
    ];
    for (text, pos, words) in cases {
        let e = read(text).expect_err(text);
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("/scen/test.toml:{pos}: ")),
            "{text:?}\n  gave: {shown}"
        );
        assert!(shown.contains(words), "{text:?}\n  gave: {shown}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let e = load(Path::new("/nonexistent/s.toml")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/s.toml: cannot read"),
        "{e}"
    );
}

#[test]
fn invariants_after_the_last_fault_are_read_there_too() {
    let text = "duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"5s\"\ncrash = \"a\"\n\ninvariants = [\"no-double-active\"]\n";
    let s = read(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.invariants.contains(&Invariant::NoDoubleActive));
    let early = "duration = \"1m\"\n[cluster]\nnodes = [\"a\"]\n[[fault]]\nat = \"5s\"\ncrash = \"a\"\ninvariants = [\"no-double-active\"]\n[[fault]]\nat = \"6s\"\ncrash = \"a\"\n";
    let e = read(early).unwrap_err();
    assert!(e.to_string().contains("top-level key"), "{e}");
}
