//! The table against what Pacemaker's daemons print with `metadata`, and
//! against the pcs subset.

use std::collections::BTreeMap;
use std::process::Command;

use super::*;
use crate::cib::xml::Element;

/// Where Debian installs the daemons.
const DAEMONS: [&str; 3] = [
    "/usr/lib/pacemaker/pacemaker-based",
    "/usr/lib/pacemaker/pacemaker-controld",
    "/usr/lib/pacemaker/pacemaker-schedulerd",
];

/// One option as a daemon's metadata describes it.
struct Described {
    /// `boolean`, `integer`, `time`, `percentage`, `string` or `select`.
    ty: String,
    default: Option<String>,
    /// A `select`'s values.
    choices: Vec<String>,
}

/// Every option the daemons' metadata lists, by name.
fn metadata() -> Option<BTreeMap<String, Described>> {
    let mut out = BTreeMap::new();
    for daemon in DAEMONS {
        let text = Command::new(daemon).arg("metadata").output().ok()?.stdout;
        let root = Element::parse(&String::from_utf8_lossy(&text)).expect("metadata is XML");
        let params = root.child("parameters").expect("<parameters>");
        for p in params.children.iter().filter(|c| c.name == "parameter") {
            let content = p.child("content").expect("<content>");
            let choices = content
                .children
                .iter()
                .filter(|c| c.name == "option")
                .filter_map(|c| c.attr("value").map(String::from))
                .collect();
            out.insert(
                p.attr("name").expect("name").to_string(),
                Described {
                    ty: content.attr("type").expect("type").to_string(),
                    default: content.attr("default").map(String::from),
                    choices,
                },
            );
        }
    }
    Some(out)
}

#[test]
fn table_is_what_pacemaker_prints() {
    let Some(meta) = metadata() else {
        eprintln!("SKIPPED: Pacemaker's daemons are not installed");
        return;
    };
    let names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
    assert_eq!(names, meta.keys().map(String::as_str).collect::<Vec<_>>());
    for o in OPTIONS {
        let Described {
            ty,
            default,
            choices,
        } = &meta[o.name];
        let kind = match o.kind {
            Kind::Boolean => "boolean",
            Kind::Integer => "integer",
            Kind::Time => "time",
            Kind::Percentage => "percentage",
            Kind::Text => "string",
            Kind::Select(values) => {
                assert_eq!(values, choices.as_slice(), "{}", o.name);
                "select"
            }
        };
        assert_eq!(kind, ty, "{}", o.name);
        assert_eq!(o.default, default.as_deref(), "{}", o.name);
    }
}

#[test]
fn table_is_sorted_by_name() {
    assert!(OPTIONS.windows(2).all(|w| w[0].name < w[1].name));
}
