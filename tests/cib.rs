//! The CIB reader against Pacemaker's own regression corpus, and against
//! inputs that must be refused with a message saying where.

use std::path::{Path, PathBuf};

use pacesim::cib::{self, validate};

/// Pacemaker's scheduler regression CIBs, shared beside the crate.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pacemaker/scheduler/xml")
}

/// Every corpus CIB, sorted; `None` (with a message) when the corpus is absent.
fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: the Pacemaker corpus is not at {}; corpus checks did not run",
            dir.display()
        );
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory is readable")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} exists but holds no .xml files",
        dir.display()
    );
    Some(files)
}

/// Every corpus CIB parses, validates, and survives a write and re-read unchanged.
#[test]
fn corpus_parses_validates_and_round_trips() {
    let Some(files) = corpus_files() else { return };
    let mut failures = Vec::new();
    for path in &files {
        let cib = match cib::load(path) {
            Ok(cib) => cib,
            Err(e) => {
                failures.push(format!("{e}"));
                continue;
            }
        };
        let text = cib.to_xml();
        match cib::from_str(&text) {
            Ok(again) if again == cib => {}
            Ok(_) => failures.push(format!(
                "{}: the model read back from the written XML differs",
                path.display()
            )),
            Err(e) => failures.push(format!("{}: re-reading failed: {e}", path.display())),
        }
    }
    eprintln!(
        "{} of {} corpus CIBs passed",
        files.len() - failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus CIBs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Parses and validates, returning the error's Display text.
fn error_of(text: &str) -> String {
    match cib::from_str(text).and_then(|c| validate::check(&c).map(|()| c)) {
        Ok(_) => panic!("accepted a CIB that should be refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// A minimal CIB around the given resources and constraints.
fn with(resources: &str, constraints: &str) -> String {
    format!(
        "<cib validate-with=\"pacemaker-3.7\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n\
         <configuration>\n<crm_config/>\n<nodes/>\n\
         <resources>\n{resources}\n</resources>\n\
         <constraints>\n{constraints}\n</constraints>\n\
         </configuration>\n<status/>\n</cib>\n"
    )
}

const DUMMY_A: &str = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>"#;

#[test]
fn minimal_cib_is_accepted() {
    let text = with(
        DUMMY_A,
        r#"<rsc_location id="l1" rsc="A" node="n1" score="100"/>"#,
    );
    let c = cib::from_str(&text).unwrap();
    validate::check(&c).unwrap();
    assert_eq!(cib::from_str(&c.to_xml()).unwrap(), c);
}

#[test]
fn malformed_xml_names_line_and_column() {
    let msg = error_of("<cib>\n  <configuration>\n</cib>\n");
    assert!(msg.starts_with("3:"), "{msg}");
}

#[test]
fn empty_file_is_refused() {
    let msg = error_of("");
    assert!(msg.starts_with("1:1:"), "{msg}");
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn wrong_root_and_missing_configuration_are_refused() {
    let msg = error_of("<config/>");
    assert!(msg.contains("1:1") && msg.contains("<config>"), "{msg}");
    let msg = error_of("<cib>\n  <status/>\n</cib>");
    assert!(
        msg.contains("1:1") && msg.contains("configuration"),
        "{msg}"
    );
}

#[test]
fn duplicate_ids_are_named() {
    let text = with(
        &format!(
            "{DUMMY_A}\n<primitive id=\"A\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>"
        ),
        "",
    );
    let msg = error_of(&text);
    assert!(
        msg.contains("'A'") && msg.contains("more than once"),
        "{msg}"
    );
}

#[test]
fn duplicate_ids_across_kinds_are_named() {
    // An nvpair and a constraint sharing an id is still a duplicate.
    let resources = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
  <meta_attributes id="A-meta"><nvpair id="same" name="target-role" value="Started"/></meta_attributes>
</primitive>"#;
    let msg = error_of(&with(
        resources,
        r#"<rsc_location id="same" rsc="A" node="n1" score="1"/>"#,
    ));
    assert!(msg.contains("'same'"), "{msg}");
}

#[test]
fn constraint_naming_a_missing_resource_is_named() {
    let text = with(
        DUMMY_A,
        r#"<rsc_colocation id="c1" rsc="A" with-rsc="Nope" score="INFINITY"/>"#,
    );
    let msg = error_of(&text);
    assert!(msg.contains("'c1'") && msg.contains("Nope"), "{msg}");
}

#[test]
fn resource_set_naming_a_missing_resource_is_named() {
    let text = with(
        DUMMY_A,
        r#"<rsc_order id="o1"><resource_set id="s1"><resource_ref id="A"/><resource_ref id="Gone"/></resource_set></rsc_order>"#,
    );
    let msg = error_of(&text);
    assert!(msg.contains("'o1'") && msg.contains("Gone"), "{msg}");
}

#[test]
fn non_numeric_score_names_position_and_id() {
    let text = with(
        DUMMY_A,
        r#"<rsc_location id="loc-bad" rsc="A" node="n1" score="lots"/>"#,
    );
    let msg = error_of(&text);
    // The constraint is on line 9 of `with`'s layout, column 1.
    assert!(msg.starts_with("9:1: "), "{msg}");
    assert!(msg.contains("'loc-bad'") && msg.contains("lots"), "{msg}");
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("pacesim-cib-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.xml");
    std::fs::write(
        &path,
        with(
            DUMMY_A,
            r#"<rsc_location id="l" rsc="A" node="n" score="x"/>"#,
        ),
    )
    .unwrap();
    let msg = cib::load(&path).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        msg.starts_with(&format!("{}:9:1: ", path.display())),
        "{msg}"
    );
}
