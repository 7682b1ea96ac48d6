//! `pacesim schema` and the scenario format's documentation against the
//! parser: the schema accepts every scenario the project ships and refuses
//! the bad files of `tests/scenarios/bad/` (which the parser refuses too);
//! every key the parser accepts is in `docs/scenario-format.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use pacesim::scenario;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tomls(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no TOML file in {dir}");
    files
}

/// The schema as `pacesim schema` prints it.
fn printed_schema() -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_pacesim"))
        .arg("schema")
        .output()
        .expect("pacesim runs");
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).expect("pacesim schema prints JSON")
}

/// A TOML file as the JSON value an editor validates.
fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let value: toml::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_schema_accepts_every_shipped_scenario() {
    let schema = printed_schema();
    assert_eq!(schema, scenario::keys::schema(), "printed = library");
    let validator = jsonschema::draft7::new(&schema).expect("a valid draft-07 schema");
    let mut files = tomls("scenarios");
    files.extend(tomls("tests/scenarios"));
    for f in &files {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(f))
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
        // And the parser agrees the file is well formed.
        scenario::load(f).unwrap_or_else(|e| panic!("{e}"));
    }
    eprintln!("schema: {} scenario files accepted", files.len());
}

#[test]
fn the_schema_refuses_the_bad_files_as_the_parser_does() {
    let validator = jsonschema::draft7::new(&scenario::keys::schema()).unwrap();
    let files = tomls("tests/scenarios/bad");
    for f in &files {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(f))
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(!errors.is_empty(), "{}: the schema accepts it", f.display());
        let err = scenario::load(f)
            .err()
            .unwrap_or_else(|| panic!("{}: the parser accepts it", f.display()));
        // Refused with the file and a line.
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(err.to_string().contains(&format!("{name}:")), "{err}");
        eprintln!("{name}: schema: {}; parser: {err}", errors[0]);
    }
    // Through the command: exit 2, no panic.
    let out = Command::new(env!("CARGO_BIN_EXE_pacesim"))
        .arg("run")
        .arg(&files[0])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn every_schema_key_is_described() {
    let keys = scenario::keys::keys();
    assert!(keys.len() > 80, "{} keys", keys.len());
    let schema = scenario::keys::schema();
    for k in &keys {
        // Find the key's schema by its path.
        let mut v = &schema;
        for part in k.path.split('.') {
            if v.get("type").and_then(|t| t.as_str()) == Some("array") {
                v = &v["items"];
            }
            v = if part == "*" {
                &v["additionalProperties"]
            } else {
                &v["properties"][part]
            };
        }
        assert!(
            v.get("description").and_then(|d| d.as_str()).is_some(),
            "{}: no description in the schema",
            k.path
        );
    }
}

#[test]
fn every_parser_key_is_in_the_reference() {
    let doc = std::fs::read_to_string(root().join("docs/scenario-format.md")).unwrap();
    // Named as `key`, `key = ...`, `[table]`, `[[table]]`, or set in one
    // of the reference's annotated TOML examples (`key = ...` at a line's
    // start).
    let named = |k: &scenario::keys::Key| {
        let n = &k.name;
        doc.contains(&format!("`{n}`"))
            || doc.contains(&format!("`{n} = "))
            || doc.contains(&format!("`[{}]`", k.path))
            || doc.contains(&format!("`[[{}]]`", k.path))
            || doc
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{n} = ")))
    };
    let keys = scenario::keys::keys();
    let missing: Vec<&str> = keys
        .iter()
        .filter(|k| !named(k))
        .map(|k| k.path.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "keys the parser accepts that docs/scenario-format.md does not name (as `key`): {missing:?}"
    );
    eprintln!(
        "docs/scenario-format.md names all {} parser keys",
        keys.len()
    );
}
