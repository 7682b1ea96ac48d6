//! The pcs commands, each mirroring the pcs 0.11 function named in its doc.
//! Errors are `String`s; [`super::run_words`] adds the command.

use super::agents::{self, Agent, Lookup};
use super::rule;
use crate::cib::{
    write, Cib, Clone as CloneRes, Colocation, Configuration, Constraint, Group, Location,
    NodeConfig, NvPair, NvSet, Op, Operations, Order, Primitive, Resource, Score,
};
use indexmap::IndexMap;
use std::collections::BTreeSet;

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------- options

/// The `--long` options of the command line (pcs reads them with getopt
/// wherever they stand). Words starting with one `-` are positional, as pcs
/// keeps `-INFINITY` and other negative scores.
#[derive(Default)]
struct Flags {
    force: bool,
    disabled: bool,
    no_default_ops: bool,
    group: Option<String>,
    before: Option<String>,
    after: Option<String>,
    given: Vec<&'static str>,
}

fn split_flags(words: &[String]) -> Res<(Vec<String>, Flags)> {
    let mut flags = Flags::default();
    let mut args = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "--" {
            args.extend(it.by_ref().cloned());
            break;
        }
        if w == "-f" {
            return Err("option '-f' is not supported: pacesim edits its own CIB".into());
        }
        let Some(opt) = w.strip_prefix("--") else {
            args.push(w.clone());
            continue;
        };
        let (name, inline) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (opt, None),
        };
        let mut value = |name: &str| -> Res<String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("option '--{name}' requires a value")),
            }
        };
        let key: &'static str = match name {
            "force" => {
                flags.force = true;
                "--force"
            }
            "disabled" => {
                flags.disabled = true;
                "--disabled"
            }
            "no-default-ops" => {
                flags.no_default_ops = true;
                "--no-default-ops"
            }
            "group" => {
                flags.group = Some(value(name)?);
                "--group"
            }
            "before" => {
                flags.before = Some(value(name)?);
                "--before"
            }
            "after" => {
                flags.after = Some(value(name)?);
                "--after"
            }
            // Waiting for the cluster has no meaning on a CIB being edited.
            "wait" => "--wait",
            _ => return Err(format!("unknown option '{w}'")),
        };
        flags.given.push(key);
    }
    Ok((args, flags))
}

impl Flags {
    /// `ensure_only_supported`.
    fn only(&self, allowed: &[&str]) -> Res<()> {
        for g in &self.given {
            if !allowed.contains(g) && *g != "--wait" {
                return Err(format!(
                    "specified option '{g}' is not supported in this command"
                ));
            }
        }
        Ok(())
    }
}

/// `split_option`: `NAME=VALUE` at the first `=`.
fn split_option(arg: &str, allow_empty: bool) -> Res<(String, String)> {
    let Some((k, v)) = arg.split_once('=') else {
        return Err(format!("missing value of '{arg}' option"));
    };
    if k.is_empty() {
        return Err(format!("missing key in '{arg}' option"));
    }
    if v.is_empty() && !allow_empty {
        return Err(format!("value of '{k}' option is empty"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `prepare_options`: a name given twice must have the same value.
fn prepare_options(args: &[String]) -> Res<IndexMap<String, String>> {
    let mut out: IndexMap<String, String> = IndexMap::new();
    for a in args {
        let (k, v) = split_option(a, true)?;
        match out.get(&k) {
            Some(old) if *old != v => {
                return Err(format!(
                    "duplicate option '{k}' with different values '{old}' and '{v}'"
                ))
            }
            Some(_) => {}
            None => {
                out.insert(k, v);
            }
        }
    }
    Ok(out)
}

/// `group_by_keywords` with an implicit first group and `op` repeated.
struct Groups {
    options: Vec<String>,
    /// Keyword → its words, in first-appearance order; `op` is in `ops`.
    named: IndexMap<String, Vec<String>>,
    ops: Vec<Vec<String>>,
}

fn group_by_keywords(args: &[String], keywords: &[&str], implicit: bool) -> Res<Groups> {
    let mut g = Groups {
        options: Vec::new(),
        named: IndexMap::new(),
        ops: Vec::new(),
    };
    let mut current: Option<String> = None;
    if let Some(first) = args.first() {
        if !keywords.contains(&first.as_str()) && !implicit {
            return Err(format!("unexpected '{first}'"));
        }
    }
    for a in args {
        if keywords.contains(&a.as_str()) {
            if a == "op" {
                g.ops.push(Vec::new());
            } else {
                g.named.entry(a.clone()).or_default();
            }
            current = Some(a.clone());
            continue;
        }
        match current.as_deref() {
            None => g.options.push(a.clone()),
            Some("op") => g.ops.last_mut().expect("op group").push(a.clone()),
            Some(k) => g.named.get_mut(k).expect("group").push(a.clone()),
        }
    }
    Ok(g)
}

// ---------------------------------------------------------------- ids

/// `sanitize_id`: an invalid first character is dropped, invalid further
/// characters are removed.
pub fn sanitize_id(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = String::new();
    if let Some(c) = chars.next() {
        if c.is_ascii_alphabetic() || c == '_' {
            out.push(c);
        }
    }
    out.extend(chars.filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')));
    out
}

/// `validate_id`: an XML NCName as pcs checks it.
fn validate_id(id: &str, what: &str) -> Res<()> {
    let mut chars = id.chars();
    let Some(first) = chars.next() else {
        return Err(format!("{what} cannot be empty"));
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(format!(
            "invalid {what} '{id}', '{first}' is not a valid first character for a {what}"
        ));
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
        return Err(format!(
            "invalid {what} '{id}', '{c}' is not a valid character for a {what}"
        ));
    }
    Ok(())
}

/// The ids used in the configuration (`does_id_exist`) plus the ones booked
/// by the command so far (`IdProvider`).
struct Ids(BTreeSet<String>);

impl Ids {
    fn of(cib: &Cib) -> Ids {
        fn walk(e: &crate::cib::xml::Element, out: &mut BTreeSet<String>) {
            if let Some(id) = e.attr("id") {
                out.insert(id.to_string());
            }
            for c in &e.children {
                walk(c, out);
            }
        }
        let mut set = BTreeSet::new();
        let root = write::cib(cib);
        if let Some(conf) = root.child("configuration") {
            walk(conf, &mut set);
        }
        Ids(set)
    }

    fn exists(&self, id: &str) -> bool {
        self.0.contains(id)
    }

    /// `find_unique_id`: `base`, else `base-1`, `base-2`, ...
    fn allocate(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = 1;
        while self.0.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.0.insert(id.clone());
        id
    }

    /// `create_subelement_id`.
    fn sub(&mut self, parent: &str, suffix: &str) -> String {
        self.allocate(&sanitize_id(&format!("{parent}-{suffix}")))
    }

    fn book(&mut self, id: &str) -> Res<()> {
        if !self.0.insert(id.to_string()) {
            return Err(format!("'{id}' already exists"));
        }
        Ok(())
    }
}

/// A new set of pairs (`append_new_nvset`): the pairs sorted by name, ids
/// `<set id>-<name>`.
fn new_nvset(tag: &str, set_id: String, pairs: &IndexMap<String, String>, ids: &mut Ids) -> NvSet {
    let mut names: Vec<&String> = pairs.keys().collect();
    names.sort();
    let pairs = names
        .into_iter()
        .map(|n| NvPair {
            id: Some(ids.sub(&set_id, n)),
            name: n.clone(),
            value: Some(pairs[n].clone()),
            ..NvPair::default()
        })
        .collect();
    NvSet {
        tag: tag.into(),
        id: Some(set_id),
        pairs,
        ..NvSet::default()
    }
}

/// Sets or removes (empty value) pairs in the first set of `sets`, creating
/// `<owner>-<tag>` when there is none (`arrange_first_nvset` /
/// `dom_update_nv_pair`): an existing pair keeps its id.
fn update_first_set(
    sets: &mut Vec<NvSet>,
    tag: &str,
    owner: &str,
    pairs: &[(String, String)],
    ids: &mut Ids,
) {
    update_set(sets, tag, owner, pairs, ids, false)
}

/// As [`update_first_set`]; with `short_ids` a new pair's id takes only the
/// first 20 characters of its name, as pcs's newer `nvset_update` does
/// ("limit id length"): `cib-bootstrap-options-cluster-recheck-inte`.
fn update_set(
    sets: &mut Vec<NvSet>,
    tag: &str,
    owner: &str,
    pairs: &[(String, String)],
    ids: &mut Ids,
    short_ids: bool,
) {
    // Only removals: no set is created for them.
    if sets.is_empty() && pairs.iter().all(|(_, v)| v.is_empty()) {
        return;
    }
    if sets.is_empty() {
        let id = ids.sub(owner, tag);
        sets.push(NvSet {
            tag: tag.into(),
            id: Some(id),
            ..NvSet::default()
        });
    }
    let set = &mut sets[0];
    let set_id = set.id.clone().unwrap_or_else(|| owner.to_string());
    for (name, value) in pairs {
        let pos = set.pairs.iter().position(|p| &p.name == name);
        match (pos, value.is_empty()) {
            (Some(i), true) => {
                set.pairs.remove(i);
            }
            (Some(i), false) => set.pairs[i].value = Some(value.clone()),
            (None, true) => {}
            (None, false) => set.pairs.push(NvPair {
                id: Some(if short_ids {
                    ids.sub(&set_id, &name.chars().take(20).collect::<String>())
                } else {
                    ids.sub(&set_id, name)
                }),
                name: name.clone(),
                value: Some(value.clone()),
                ..NvPair::default()
            }),
        }
    }
}

// ---------------------------------------------------------------- resources

/// A resource found by id, with what contains it.
enum Found<'a> {
    Prim(&'a mut Primitive),
    Group(&'a mut Group),
    Clone(&'a mut CloneRes),
    Other,
}

fn find<'a>(rs: &'a mut [Resource], id: &str) -> Option<Found<'a>> {
    for r in rs.iter_mut() {
        if let Some(f) = find_in(r, id) {
            return Some(f);
        }
    }
    None
}

fn find_in<'a>(r: &'a mut Resource, id: &str) -> Option<Found<'a>> {
    match r {
        Resource::Primitive(p) => (p.id == id).then_some(Found::Prim(p)),
        Resource::Template(p) => (p.id == id).then_some(Found::Other),
        Resource::Group(g) => {
            if g.id == id {
                return Some(Found::Group(g));
            }
            g.members.iter_mut().find(|m| m.id == id).map(Found::Prim)
        }
        Resource::Clone(c) => {
            if c.id == id {
                return Some(Found::Clone(c));
            }
            find_in(&mut c.child, id)
        }
        Resource::Bundle(b) => {
            if b.id == id {
                return Some(Found::Other);
            }
            b.primitive.as_mut().filter(|p| p.id == id).map(Found::Prim)
        }
    }
}

/// What kind of resource `id` is and the clone or bundle around it.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Primitive,
    Group,
    Clone,
    Bundle,
}

fn kind_of(rs: &[Resource], id: &str) -> Option<(Kind, Option<(Kind, String)>)> {
    fn inner(
        r: &Resource,
        id: &str,
        outer: Option<(Kind, String)>,
    ) -> Option<(Kind, Option<(Kind, String)>)> {
        match r {
            Resource::Primitive(p) => (p.id == id).then_some((Kind::Primitive, outer)),
            Resource::Template(_) => None,
            Resource::Group(g) => {
                if g.id == id {
                    return Some((Kind::Group, outer));
                }
                g.members
                    .iter()
                    .any(|m| m.id == id)
                    .then_some((Kind::Primitive, outer))
            }
            Resource::Clone(c) => {
                if c.id == id {
                    return Some((Kind::Clone, None));
                }
                inner(&c.child, id, Some((Kind::Clone, c.id.clone())))
            }
            Resource::Bundle(b) => {
                if b.id == id {
                    return Some((Kind::Bundle, None));
                }
                b.primitive
                    .as_ref()
                    .filter(|p| p.id == id)
                    .map(|_| (Kind::Primitive, Some((Kind::Bundle, b.id.clone()))))
            }
        }
    }
    rs.iter().find_map(|r| inner(r, id, None))
}

/// The group a primitive is a member of.
fn group_of(rs: &[Resource], id: &str) -> Option<String> {
    fn inner(r: &Resource, id: &str) -> Option<String> {
        match r {
            Resource::Group(g) => g.members.iter().any(|m| m.id == id).then(|| g.id.clone()),
            Resource::Clone(c) => inner(&c.child, id),
            _ => None,
        }
    }
    rs.iter().find_map(|r| inner(r, id))
}

// ---------------------------------------------------------------- dispatch

pub(super) fn dispatch(cib: &mut Cib, words: &[String]) -> Res<()> {
    let (args, flags) = split_flags(words)?;
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let rest = |n: usize| args[n.min(args.len())..].to_vec();
    match a.as_slice() {
        ["property", "set", ..] => property_set(cib, &rest(2), &flags),
        ["property", "unset", ..] => property_unset(cib, &rest(2), &flags),
        ["resource", "create", ..] => resource_create(cib, &rest(2), &flags, false),
        ["stonith", "create", ..] => resource_create(cib, &rest(2), &flags, true),
        ["resource", "group", "add", ..] => group_add(cib, &rest(3), &flags),
        ["resource", "defaults", "update", ..] => defaults(cib, &rest(3), &flags, false, false),
        ["resource", "defaults", "set", ..] => {
            Err("'pcs resource defaults set' (rule-based sets) is not supported by pacesim".into())
        }
        ["resource", "defaults", ..] if args.len() > 2 => {
            defaults(cib, &rest(2), &flags, false, true)
        }
        ["resource", "op", "defaults", "update", ..] => {
            defaults(cib, &rest(4), &flags, true, false)
        }
        ["resource", "op", "defaults", ..] if args.len() > 3 => {
            defaults(cib, &rest(3), &flags, true, true)
        }
        ["resource", "disable", ..] => enable_disable(cib, &rest(2), &flags, false),
        ["resource", "enable", ..] => enable_disable(cib, &rest(2), &flags, true),
        ["resource", "meta", ..] => resource_meta(cib, &rest(2), &flags),
        ["resource", "update", ..] => resource_update(cib, &rest(2), &flags),
        ["constraint", "location", rsc, "prefers" | "avoids", ..] => {
            location_prefers(cib, rsc, a[3] == "prefers", &rest(4), &flags)
        }
        ["constraint", "location", rsc, "rule", ..] => location_rule(cib, rsc, &rest(4), &flags),
        ["constraint", "colocation", "add", ..] => colocation_add(cib, &rest(3), &flags),
        ["constraint", "order", ..] => order_add(cib, &rest(2), &flags),
        ["node", "standby", ..] => standby(cib, &rest(2), &flags, true),
        ["node", "unstandby", ..] => standby(cib, &rest(2), &flags, false),
        ["node", "attribute", ..] => node_attribute(cib, &rest(2), &flags),
        [] => Err("no command given".into()),
        _ => Err(format!(
            "unknown or unsupported command '{}'",
            args.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
        )),
    }
}

// ---------------------------------------------------------------- property

/// The cluster options pcs allows (`pcs property set` validates against
/// the metadata of pacemaker-based, -controld and -schedulerd, without the
/// read-only ones), with their types.
const PROPERTIES: &[(&str, &str)] = &[
    ("batch-limit", "integer"),
    ("cluster-delay", "time"),
    ("cluster-ipc-limit", "integer"),
    ("cluster-recheck-interval", "time"),
    ("concurrent-fencing", "boolean"),
    ("dc-deadtime", "time"),
    ("election-timeout", "time"),
    ("enable-acl", "boolean"),
    ("enable-startup-probes", "boolean"),
    ("fence-reaction", "string"),
    ("join-finalization-timeout", "time"),
    ("join-integration-timeout", "time"),
    ("load-threshold", "percentage"),
    ("maintenance-mode", "boolean"),
    ("migration-limit", "integer"),
    ("no-quorum-policy", "stop|freeze|ignore|demote|suicide"),
    ("node-action-limit", "integer"),
    ("node-health-base", "integer"),
    ("node-health-green", "integer"),
    ("node-health-red", "integer"),
    (
        "node-health-strategy",
        "none|migrate-on-red|only-green|progressive|custom",
    ),
    ("node-health-yellow", "integer"),
    ("pe-error-series-max", "integer"),
    ("pe-input-series-max", "integer"),
    ("pe-warn-series-max", "integer"),
    ("placement-strategy", "default|utilization|minimal|balanced"),
    ("priority-fencing-delay", "time"),
    ("remove-after-stop", "boolean"),
    ("shutdown-escalation", "time"),
    ("shutdown-lock", "boolean"),
    ("shutdown-lock-limit", "time"),
    ("start-failure-is-fatal", "boolean"),
    ("startup-fencing", "boolean"),
    ("stonith-action", "reboot|off|poweroff"),
    ("stonith-enabled", "boolean"),
    ("stonith-max-attempts", "integer"),
    ("stonith-timeout", "time"),
    ("stonith-watchdog-timeout", "time"),
    ("stop-all-resources", "boolean"),
    ("stop-orphan-actions", "boolean"),
    ("stop-orphan-resources", "boolean"),
    ("symmetric-cluster", "boolean"),
    ("transition-delay", "time"),
];

const BOOLEANS: &[&str] = &[
    "0", "1", "false", "n", "no", "off", "on", "true", "y", "yes",
];

fn is_score(v: &str) -> bool {
    let u = v.strip_prefix(['+', '-']).unwrap_or(v);
    u == "INFINITY" || (!u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
}

/// `timeout_to_seconds`.
fn to_seconds(v: &str) -> Option<u64> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().ok();
    }
    for (suffix, mult) in [
        ("s", 1),
        ("sec", 1),
        ("m", 60),
        ("min", 60),
        ("h", 3600),
        ("hr", 3600),
    ] {
        if let Some(n) = v.strip_suffix(suffix) {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                return n.parse::<u64>().ok().map(|n| n * mult);
            }
        }
    }
    None
}

fn check_property(name: &str, value: &str) -> Res<()> {
    let Some((_, ty)) = PROPERTIES.iter().find(|(n, _)| *n == name) else {
        return Err(format!(
            "invalid cluster property option '{name}', allowed options are: {}, use --force to override",
            PROPERTIES.iter().map(|(n, _)| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        ));
    };
    let ok = match *ty {
        "boolean" => BOOLEANS.contains(&value.to_ascii_lowercase().as_str()),
        "integer" => is_score(value),
        "time" => is_pcmk_time(value),
        "percentage" => value
            .strip_suffix('%')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        "string" => true,
        enums => enums.split('|').any(|e| e == value),
    };
    if ok {
        return Ok(());
    }
    let hint = match *ty {
        "boolean" => format!(
            "a pacemaker boolean value: {}",
            BOOLEANS
                .iter()
                .map(|b| format!("'{b}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "integer" => "an integer or INFINITY or -INFINITY".into(),
        "time" => "time interval (e.g. 1, 2s, 3m, 4h, ...)".into(),
        "percentage" => "a percentage (e.g. 10%)".into(),
        enums => {
            let mut v: Vec<&str> = enums.split('|').collect();
            v.sort();
            v.iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Err(format!(
        "'{value}' is not a valid {name} value, use {hint}, use --force to override"
    ))
}

/// A Pacemaker interval: a number with an optional unit, or ISO 8601.
fn is_pcmk_time(v: &str) -> bool {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return v.starts_with('P');
    }
    matches!(
        v[digits..].trim(),
        "" | "ms" | "msec" | "us" | "usec" | "s" | "sec" | "m" | "min" | "h" | "hr"
    )
}

const BOOTSTRAP: &str = "cib-bootstrap-options";

/// `pcs property set` (`lib.commands.cluster_property.set_properties`): the
/// pairs go to `cib-bootstrap-options`, created when missing; an empty value
/// removes the property.
fn property_set(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    if args.is_empty() {
        return Err("no properties specified".into());
    }
    let props = prepare_options(args)?;
    if !flags.force {
        for (n, v) in &props {
            if !v.is_empty() {
                check_property(n, v)?;
            }
        }
    }
    // Removing a property that is not set is refused (set_properties).
    if !flags.force {
        let present = |name: &str| {
            cib.configuration
                .crm_config
                .iter()
                .filter(|s| s.id.as_deref() == Some(BOOTSTRAP))
                .flat_map(|s| s.pairs.iter())
                .any(|p| p.name == name)
        };
        if let Some((n, _)) = props.iter().find(|(n, v)| v.is_empty() && !present(n)) {
            return Err(format!(
                "Cannot remove property '{n}', it is not present in property set '{BOOTSTRAP}', use --force to override"
            ));
        }
    }
    let mut ids = Ids::of(cib);
    let sets = &mut cib.config_mut().crm_config;
    let idx = match sets.iter().position(|s| s.id.as_deref() == Some(BOOTSTRAP)) {
        Some(i) => i,
        None => {
            ids.book(BOOTSTRAP)?;
            sets.insert(
                0,
                NvSet {
                    tag: "cluster_property_set".into(),
                    id: Some(BOOTSTRAP.into()),
                    ..NvSet::default()
                },
            );
            0
        }
    };
    let mut one = vec![sets.remove(idx)];
    let pairs: Vec<(String, String)> = props.into_iter().collect();
    update_set(
        &mut one,
        "cluster_property_set",
        BOOTSTRAP,
        &pairs,
        &mut ids,
        true,
    );
    sets.insert(idx, one.pop().expect("set"));
    Ok(())
}

/// `pcs property unset NAME...`.
fn property_unset(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    if args.is_empty() {
        return Err("no properties specified".into());
    }
    let set = cib
        .config_mut()
        .crm_config
        .iter_mut()
        .find(|s| s.id.as_deref() == Some(BOOTSTRAP));
    let Some(set) = set else {
        if flags.force {
            return Ok(());
        }
        return Err(format!("Cannot remove property '{}', it is not present in property set '{BOOTSTRAP}', use --force to override", args[0]));
    };
    for name in args {
        match set.pairs.iter().position(|p| &p.name == name) {
            Some(i) => {
                set.pairs.remove(i);
            }
            None if flags.force => {}
            None => {
                return Err(format!(
                    "Cannot remove property '{name}', it is not present in property set '{BOOTSTRAP}', use --force to override"
                ))
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- resource create

/// `OPERATION_ATTRIBUTES`.
const OP_ATTRS: &[&str] = &[
    "OCF_CHECK_LEVEL",
    "description",
    "enabled",
    "id",
    "interval",
    "interval-origin",
    "name",
    "on-fail",
    "record-pending",
    "role",
    "start-delay",
    "timeout",
];
const ON_FAIL: &[&str] = &[
    "block",
    "demote",
    "fence",
    "ignore",
    "restart",
    "restart-container",
    "standby",
    "stop",
];
const OP_BOOLEANS: &[&str] = &["0", "1", "true", "false"];

/// A role as pcs writes it for a CIB with the new role names (schema 3.7+,
/// which every CIB made by Pacemaker 2.1 has): `Master` → `Promoted`,
/// `Slave` → `Unpromoted`.
fn cib_role(role: &str) -> Option<&'static str> {
    let mut c = role.to_ascii_lowercase();
    if let Some(f) = c.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    Some(match c.as_str() {
        "Stopped" => "Stopped",
        "Started" => "Started",
        "Promoted" | "Master" => "Promoted",
        "Unpromoted" | "Slave" => "Unpromoted",
        _ => return None,
    })
}

/// `build_operations`: every word without `=` starts an operation.
fn build_operations(groups: &[Vec<String>]) -> Res<Vec<IndexMap<String, String>>> {
    let mut ops: Vec<Vec<String>> = Vec::new();
    for g in groups {
        let Some(first) = g.first() else {
            return Err(
                "When using 'op' you must specify an operation name and at least one option".into(),
            );
        };
        if first.contains('=') {
            return Err("When using 'op' you must specify an operation name after 'op'".into());
        }
        for w in g {
            if w.contains('=') {
                ops.last_mut().expect("op").push(w.clone());
            } else {
                ops.push(vec![format!("name={w}")]);
            }
        }
    }
    if ops.iter().any(|o| o.len() < 2) {
        return Err(
            "When using 'op' you must specify an operation name and at least one option".into(),
        );
    }
    ops.iter().map(|o| prepare_options(o)).collect()
}

fn default_interval(name: &str) -> &'static str {
    if name == "monitor" {
        "60s"
    } else {
        "0s"
    }
}

/// `operations.prepare`: the user's operations, validated and completed,
/// then the agent's default operations for names the user did not give,
/// with intervals made unique per name.
fn prepare_operations(
    user: Vec<IndexMap<String, String>>,
    agent: Option<&Agent>,
    use_defaults: bool,
    force: bool,
) -> Res<Vec<IndexMap<String, String>>> {
    let allowed_names: Vec<String> = agent
        .map(|a| a.actions.iter().map(|x| x.name.clone()).collect())
        .unwrap_or_default();
    let mut ops = Vec::new();
    for mut op in user {
        for k in op.keys() {
            if !OP_ATTRS.contains(&k.as_str()) {
                return Err(format!(
                    "invalid resource operation option '{k}', allowed options are: {}",
                    OP_ATTRS
                        .iter()
                        .map(|a| format!("'{a}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let name = op["name"].clone();
        if !force && !allowed_names.contains(&name) {
            let mut names = allowed_names.clone();
            names.sort();
            names.dedup();
            return Err(format!(
                "'{name}' is not a valid operation name value, use {}, use --force to override",
                names
                    .iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(r) = op.get_mut("role") {
            match cib_role(r) {
                Some(c) => *r = c.to_string(),
                None => {
                    return Err(format!(
                        "'{r}' is not a valid role value, use 'Master', 'Promoted', 'Slave', 'Started', 'Stopped', 'Unpromoted'"
                    ))
                }
            }
        }
        for (k, allowed) in [
            ("on-fail", ON_FAIL),
            ("record-pending", OP_BOOLEANS),
            ("enabled", OP_BOOLEANS),
        ] {
            if let Some(v) = op.get_mut(k) {
                *v = v.to_ascii_lowercase();
                if !allowed.contains(&v.as_str()) {
                    return Err(format!(
                        "'{v}' is not a valid {k} value, use {}",
                        allowed
                            .iter()
                            .map(|a| format!("'{a}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        if op.contains_key("interval-origin") && op.contains_key("start-delay") {
            return Err("Only one of resource operation options 'interval-origin' and 'start-delay' can be used".into());
        }
        if let Some(id) = op.get("id") {
            validate_id(id, "operation id")?;
        }
        ops.push(op);
    }
    // validate_different_intervals
    let mut seen: Vec<(String, Option<u64>, String)> = Vec::new();
    let mut dups: Vec<String> = Vec::new();
    for op in &ops {
        let name = &op["name"];
        let interval = op
            .get("interval")
            .map(String::as_str)
            .unwrap_or(default_interval(name));
        let secs = to_seconds(interval);
        if let Some((_, _, first)) = seen.iter().find(|(n, s, _)| n == name && *s == secs) {
            dups.push(format!("{name} with intervals {first}, {interval}"));
        }
        seen.push((name.clone(), secs, interval.to_string()));
    }
    if !dups.is_empty() {
        return Err(format!(
            "multiple specification of the same operation with the same interval: {}",
            dups.join("; ")
        ));
    }
    // Default operations (get_default_operations).
    let stonith = agent.is_some_and(Agent::is_stonith);
    let mut defaults: Vec<IndexMap<String, String>> = Vec::new();
    for act in agent.map(|a| a.actions.as_slice()).unwrap_or_default() {
        let take = if !use_defaults || stonith {
            act.name == "monitor"
        } else {
            !["meta-data", "status", "validate-all"].contains(&act.name.as_str())
        };
        if !take {
            continue;
        }
        let mut d = IndexMap::new();
        d.insert("name".to_string(), act.name.clone());
        if let Some(t) = act.timeout.as_ref().filter(|t| !t.is_empty()) {
            d.insert("timeout".into(), t.clone());
        }
        let interval = act
            .interval
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| default_interval(&act.name).to_string());
        d.insert("interval".into(), interval);
        if let Some(r) = act.role.as_ref().and_then(|r| cib_role(r)) {
            d.insert("role".into(), r.to_string());
        }
        if let Some(s) = act.start_delay.as_ref().filter(|s| !s.is_empty()) {
            d.insert("start-delay".into(), s.clone());
        }
        if let Some(depth) = act.depth.as_ref().filter(|d| !d.is_empty() && *d != "0") {
            d.insert("OCF_CHECK_LEVEL".into(), depth.clone());
        }
        defaults.push(d);
    }
    if !defaults.iter().any(|d| d["name"] == "monitor") {
        let mut d = IndexMap::new();
        d.insert("name".to_string(), "monitor".to_string());
        d.insert("interval".to_string(), "60s".to_string());
        defaults.push(d);
    }
    let user_names: BTreeSet<String> = ops.iter().map(|o| o["name"].clone()).collect();
    defaults.retain(|d| !user_names.contains(&d["name"]));
    // uniquify_operations_intervals
    let mut used: Vec<(String, u64)> = Vec::new();
    for d in &mut defaults {
        let name = d["name"].clone();
        let Some(mut secs) = to_seconds(&d["interval"]) else {
            continue;
        };
        if used.contains(&(name.clone(), secs)) {
            while used.contains(&(name.clone(), secs)) {
                secs += 1;
            }
            d.insert("interval".into(), secs.to_string());
        }
        used.push((name, secs));
    }
    for op in &mut ops {
        if !op.contains_key("interval") {
            let i = default_interval(&op["name"]).to_string();
            op.insert("interval".into(), i);
        }
        op.retain(|_, v| !v.is_empty());
    }
    ops.extend(defaults);
    // create_operations: sorted by name, stable.
    ops.sort_by(|a, b| a["name"].cmp(&b["name"]));
    Ok(ops)
}

/// `<operations>` of a new primitive (`create_operations`,
/// `append_new_operation`).
fn build_ops(prim_id: &str, ops: Vec<IndexMap<String, String>>, ids: &mut Ids) -> Res<Operations> {
    let mut out = Operations::default();
    for mut o in ops {
        let check_level = o.shift_remove("OCF_CHECK_LEVEL");
        let id = match o.shift_remove("id") {
            Some(id) => {
                ids.book(&id)?;
                id
            }
            None => ids.sub(
                prim_id,
                &format!("{}-interval-{}", o["name"], o["interval"]),
            ),
        };
        let name = o.shift_remove("name").unwrap_or_default();
        let interval = o.shift_remove("interval");
        let role = o.shift_remove("role");
        let mut op = Op {
            id: id.clone(),
            name,
            interval,
            role,
            attrs: o.into_iter().collect(),
            ..Op::default()
        };
        if let Some(level) = check_level {
            let mut m = IndexMap::new();
            m.insert("OCF_CHECK_LEVEL".to_string(), level);
            let set_id = ids.sub(&id, "instance_attributes");
            op.instance
                .push(new_nvset("instance_attributes", set_id, &m, ids));
        }
        out.ops.push(op);
    }
    Ok(out)
}

/// Checks instance attributes against the agent
/// (`validate_resource_instance_attributes_create`).
fn check_instance_attrs(agent: &Agent, attrs: &IndexMap<String, String>, force: bool) -> Res<()> {
    let kind = if agent.is_stonith() {
        "stonith"
    } else {
        "resource"
    };
    for (k, v) in attrs {
        if v.is_empty() {
            return Err(format!(
                "'' is not a valid {k} value, use a non-empty value"
            ));
        }
    }
    if agent.is_stonith() && attrs.contains_key("action") && !force {
        return Err("stonith option 'action' is deprecated and should not be used, use 'pcmk_off_action', 'pcmk_reboot_action' instead, use --force to override".into());
    }
    if force {
        return Ok(());
    }
    let allowed = agent.allowed_params();
    let mut unknown: Vec<&String> = attrs.keys().filter(|k| !allowed.contains(k)).collect();
    unknown.sort();
    if !unknown.is_empty() {
        let s = if unknown.len() > 1 { "s" } else { "" };
        return Err(format!(
            "invalid {kind} option{s} {}, allowed options are: {}, use --force to override",
            unknown
                .iter()
                .map(|u| format!("'{u}'"))
                .collect::<Vec<_>>()
                .join(", "),
            allowed
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut missing_plain = Vec::new();
    for (name, by) in agent.required_groups() {
        if attrs.contains_key(&name) || by.iter().any(|b| attrs.contains_key(b)) {
            continue;
        }
        if by.is_empty() {
            missing_plain.push(name);
        } else {
            return Err(format!(
                "{kind} option {} has to be specified, use --force to override",
                std::iter::once(format!("'{name}'"))
                    .chain(by.iter().map(|b| format!("'{b}' (deprecated)")))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
    }
    if !missing_plain.is_empty() {
        missing_plain.sort();
        let s = if missing_plain.len() > 1 { "s" } else { "" };
        return Err(format!(
            "required {kind} option{s} {} {} missing, use --force to override",
            missing_plain
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(", "),
            if missing_plain.len() > 1 { "are" } else { "is" }
        ));
    }
    Ok(())
}

/// `pcs resource create` / `pcs stonith create` (`resource_create`,
/// `lib.commands.resource.create*`, `stonith.create`).
fn resource_create(cib: &mut Cib, args: &[String], flags: &Flags, stonith: bool) -> Res<()> {
    flags.only(&[
        "--force",
        "--disabled",
        "--no-default-ops",
        "--group",
        "--before",
        "--after",
    ])?;
    let [id, agent_name, rest @ ..] = args else {
        return Err("missing resource id or agent name".into());
    };
    let keywords: &[&str] = if stonith {
        &["op", "meta"]
    } else {
        &["op", "meta", "clone", "promotable", "bundle"]
    };
    let g = group_by_keywords(rest, keywords, true)?;
    let meta_words = g.named.get("meta").cloned().unwrap_or_default();
    let mut meta = prepare_options(&meta_words)?;
    let options = prepare_options(&g.options)?;
    let user_ops = build_operations(&g.ops)?;
    let mut clone_id: Option<String> = None;
    let mut clone_meta: Option<IndexMap<String, String>> = None;
    for kw in ["clone", "promotable"] {
        if let Some(words) = g.named.get(kw) {
            let mut words = words.clone();
            if words.first().is_some_and(|w| !w.contains('=')) {
                clone_id = Some(words.remove(0));
            }
            let mut m = prepare_options(&words)?;
            if kw == "promotable" {
                if m.contains_key("promotable") {
                    return Err(
                        "you cannot specify both promotable option and promotable keyword".into(),
                    );
                }
                m.insert("promotable".into(), "true".into());
            }
            if clone_meta.is_some() {
                return Err(
                    "you can specify only one of clone, promotable, bundle or --group".into(),
                );
            }
            clone_meta = Some(m);
        }
    }
    if g.named.contains_key("bundle") {
        return Err("'bundle' is not supported by pacesim's pcs".into());
    }
    if clone_meta.is_some() && flags.group.is_some() {
        return Err("you can specify only one of clone, promotable, bundle or --group".into());
    }
    if flags.before.is_some() && flags.after.is_some() {
        return Err(format!(
            "you cannot specify both --before and --after{}",
            if flags.group.is_some() {
                ""
            } else {
                " and you have to specify --group"
            }
        ));
    }
    if flags.group.is_none() {
        if flags.before.is_some() {
            return Err("you cannot use --before without --group".into());
        }
        if flags.after.is_some() {
            return Err("you cannot use --after without --group".into());
        }
    }

    // The agent.
    let (agent, standard, provider, kind): (Option<Agent>, String, Option<String>, String) =
        if stonith {
            if let Some(t) = agent_name.strip_prefix("stonith:") {
                return Err(format!("Invalid stonith agent name '{agent_name}'. Agent name cannot contain the 'stonith:' prefix. Please use '{t}' instead."));
            }
            match agents::fence_agent(agent_name) {
            Some(a) => (Some(a), "stonith".into(), None, agent_name.clone()),
            None if flags.force => (None, "stonith".into(), None, agent_name.clone()),
            None => {
                return Err(format!(
                    "Agent 'stonith:{agent_name}' is not installed or does not provide valid metadata, use --force to override"
                ))
            }
        }
        } else {
            if agent_name.starts_with("stonith:") {
                return Err(format!(
                "'{agent_name}' is a fence agent: use 'pcs stonith create' (pacesim does not take fence agents in 'pcs resource create')"
            ));
            }
            match agents::resource_agent(agent_name) {
            Lookup::Found(a) => {
                let (s, p, k) = (a.standard.clone(), a.provider.clone(), a.kind.clone());
                (Some(a), s, p, k)
            }
            Lookup::Ambiguous(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
                let list = match quoted.split_last() {
                    Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                    _ => quoted.join(""),
                };
                return Err(format!(
                    "Multiple agents match '{agent_name}', please specify full name: {list}"
                ));
            }
            Lookup::Unknown if !agent_name.contains(':') => {
                return Err(format!(
                    "Unable to find agent '{agent_name}', try specifying its full name"
                ))
            }
            Lookup::Unknown if flags.force => {
                let parts: Vec<&str> = agent_name.split(':').collect();
                match parts.as_slice() {
                    [s, p, t] if !s.is_empty() && !p.is_empty() && !t.is_empty() => {
                        (None, s.to_string(), Some(p.to_string()), t.to_string())
                    }
                    [s, t] if !s.is_empty() && !t.is_empty() => (None, s.to_string(), None, t.to_string()),
                    _ => return Err(format!("Invalid resource agent name '{agent_name}'")),
                }
            }
            Lookup::Unknown => {
                return Err(format!(
                    "Agent '{agent_name}' is not installed or does not provide valid metadata, use --force to override"
                ))
            }
        }
        };

    let mut ids = Ids::of(cib);
    if ids.exists(id) {
        return Err(format!("'{id}' already exists"));
    }
    validate_id(
        id,
        if stonith {
            "stonith name"
        } else {
            "resource name"
        },
    )?;
    let ops = prepare_operations(user_ops, agent.as_ref(), !flags.no_default_ops, flags.force)?;
    if let Some(a) = &agent {
        check_instance_attrs(a, &options, flags.force)?;
    }
    if let Some(c) = &clone_id {
        validate_id(c, "clone id")?;
        if ids.exists(c) {
            return Err(format!("'{c}' already exists"));
        }
    }
    // Where a new group goes, checked before anything is built.
    if let Some(gid) = &flags.group {
        match kind_of(&cib.configuration.resources, gid) {
            Some((Kind::Group, _)) => {}
            Some(_) => return Err(format!("'{gid}' is not a group")),
            None if ids.exists(gid) => return Err(format!("'{gid}' is not a group")),
            None => validate_id(gid, "group name")?,
        }
        if let Some(adj) = flags.before.as_ref().or(flags.after.as_ref()) {
            if group_of(&cib.configuration.resources, adj).as_deref() != Some(gid.as_str()) {
                return Err(format!("There is no resource '{adj}' in the group '{gid}', cannot add resources next to it"));
            }
        }
    }
    ids.book(id)?;

    // --disabled: target-role=Stopped on the primitive, or on the clone.
    if flags.disabled {
        match &mut clone_meta {
            Some(m) => {
                m.insert("target-role".into(), "Stopped".into());
            }
            None => {
                meta.insert("target-role".into(), "Stopped".into());
            }
        }
    }
    let mut prim = Primitive {
        id: id.clone(),
        class: Some(standard),
        provider,
        agent: Some(kind),
        ..Primitive::default()
    };
    if !options.is_empty() {
        let sid = ids.sub(id, "instance_attributes");
        prim.instance
            .push(new_nvset("instance_attributes", sid, &options, &mut ids));
    }
    if !meta.is_empty() {
        let sid = ids.sub(id, "meta_attributes");
        prim.meta
            .push(new_nvset("meta_attributes", sid, &meta, &mut ids));
    }
    prim.operations = Some(build_ops(id, ops, &mut ids)?);

    let resources = &mut cib.config_mut().resources;
    if let Some(m) = clone_meta {
        let cid = match clone_id {
            Some(c) => {
                ids.book(&c)?;
                c
            }
            None => ids.allocate(&format!("{id}-clone")),
        };
        let mut clone = CloneRes {
            id: cid.clone(),
            legacy_master: false,
            meta: Vec::new(),
            instance: Vec::new(),
            child: Box::new(Resource::Primitive(prim)),
            extra: Vec::new(),
            unknown: Vec::new(),
        };
        if !m.is_empty() {
            let sid = ids.sub(&cid, "meta_attributes");
            clone
                .meta
                .push(new_nvset("meta_attributes", sid, &m, &mut ids));
        }
        resources.push(Resource::Clone(clone));
    } else if let Some(gid) = &flags.group {
        let group = match find(resources, gid) {
            Some(Found::Group(g)) => g,
            _ => {
                ids.book(gid)?;
                resources.push(Resource::Group(Group {
                    id: gid.clone(),
                    ..Group::default()
                }));
                match resources.last_mut() {
                    Some(Resource::Group(g)) => g,
                    _ => unreachable!("just pushed a group"),
                }
            }
        };
        place_in_group(
            group,
            vec![prim],
            flags.before.as_deref(),
            flags.after.as_deref(),
        );
    } else {
        resources.push(Resource::Primitive(prim));
    }
    Ok(())
}

/// `move_resources_to_group`: after `after`, before `before`, else at the end.
fn place_in_group(g: &mut Group, prims: Vec<Primitive>, before: Option<&str>, after: Option<&str>) {
    let at = if let Some(b) = before {
        g.members
            .iter()
            .position(|m| m.id == b)
            .unwrap_or(g.members.len())
    } else if let Some(a) = after {
        g.members
            .iter()
            .position(|m| m.id == a)
            .map_or(g.members.len(), |i| i + 1)
    } else {
        g.members.len()
    };
    for (i, p) in prims.into_iter().enumerate() {
        g.members.insert(at + i, p);
    }
}

/// `pcs resource group add GROUP RSC... [--before|--after RSC]`
/// (`lib.commands.resource.group_add`).
fn group_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--before", "--after"])?;
    let [gid, members @ ..] = args else {
        return Err("missing group id".into());
    };
    if flags.before.is_some() && flags.after.is_some() {
        return Err("you cannot specify both --before and --after".into());
    }
    let rs = &cib.configuration.resources;
    let mut errors = Vec::new();
    let group_exists = match kind_of(rs, gid) {
        Some((Kind::Group, _)) => true,
        Some(_) => {
            errors.push(format!("'{gid}' is not a group"));
            true
        }
        None => {
            if Ids::of(cib).exists(gid) {
                errors.push(format!("'{gid}' is not a group"));
            } else {
                validate_id(gid, "group name")?;
            }
            false
        }
    };
    let mut seen = BTreeSet::new();
    for m in members {
        if !seen.insert(m.clone()) {
            errors.push(format!("Resources specified more than once: '{m}'"));
            continue;
        }
        match kind_of(rs, m) {
            None => errors.push(format!("'{m}' does not exist")),
            Some((Kind::Primitive, None)) => {}
            Some((Kind::Primitive, Some((_, outer)))) => errors.push(format!(
                "'{m}' is part of '{outer}': a resource in a clone or bundle cannot be put into a group"
            )),
            Some(_) => errors.push(format!("'{m}' is not a primitive resource")),
        }
    }
    if members.is_empty() {
        errors.push(format!(
            "Cannot modify group '{gid}', no resources to add or remove specified"
        ));
    }
    if let Some(adj) = flags.before.as_ref().or(flags.after.as_ref()) {
        if members.contains(adj) {
            errors.push(format!("Resource '{adj}' cannot be put next to itself"));
        } else if group_of(rs, adj).as_deref() != Some(gid.as_str()) {
            errors.push(format!("There is no resource '{adj}' in the group '{gid}', cannot add resources next to it"));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    // Take the primitives out of where they are, in the given order.
    let resources = &mut cib.config_mut().resources;
    let mut prims = Vec::new();
    for m in members {
        if let Some(i) = resources
            .iter()
            .position(|r| matches!(r, Resource::Primitive(p) if p.id == *m))
        {
            if let Resource::Primitive(p) = resources.remove(i) {
                prims.push(p);
            }
            continue;
        }
        for r in resources.iter_mut() {
            if let Resource::Group(g) = r {
                if let Some(i) = g.members.iter().position(|x| x.id == *m) {
                    prims.push(g.members.remove(i));
                    break;
                }
            }
        }
    }
    // A group the move left empty is removed (`move_resources_to_group`);
    // like pcs, constraints naming it are left as they are.
    resources.retain(|r| !matches!(r, Resource::Group(g) if g.members.is_empty() && g.id != *gid));
    if !group_exists {
        resources.push(Resource::Group(Group {
            id: gid.clone(),
            ..Group::default()
        }));
    }
    let Some(Found::Group(g)) = find(resources, gid) else {
        return Err(format!("'{gid}' is not a group"));
    };
    place_in_group(g, prims, flags.before.as_deref(), flags.after.as_deref());
    Ok(())
}

/// `pcs resource [op] defaults [update] NAME=VALUE...`
/// (`lib.commands.cib_options.resource_defaults_update`): the first
/// `meta_attributes` set of the section, created as
/// `rsc_defaults-meta_attributes` / `op_defaults-meta_attributes`.
fn defaults(cib: &mut Cib, args: &[String], flags: &Flags, op: bool, _legacy: bool) -> Res<()> {
    flags.only(&["--force"])?;
    if args.is_empty() {
        return Err("no defaults specified".into());
    }
    let pairs: Vec<(String, String)> = prepare_options(args)?.into_iter().collect();
    let mut ids = Ids::of(cib);
    let (sets, owner) = if op {
        (&mut cib.config_mut().op_defaults, "op_defaults")
    } else {
        (&mut cib.config_mut().rsc_defaults, "rsc_defaults")
    };
    update_set(sets, "meta_attributes", owner, &pairs, &mut ids, true);
    Ok(())
}

/// The meta-attribute sets of a resource of any kind.
fn meta_of<'a>(f: Found<'a>) -> Option<&'a mut Vec<NvSet>> {
    match f {
        Found::Prim(p) => Some(&mut p.meta),
        Found::Group(g) => Some(&mut g.meta),
        Found::Clone(c) => Some(&mut c.meta),
        Found::Other => None,
    }
}

/// `pcs resource disable|enable RSC...` (`resource.common.disable` /
/// `enable`): enabling also enables the clone around a primitive or the
/// primitive inside a clone (`find_resources_to_enable`).
fn enable_disable(cib: &mut Cib, args: &[String], flags: &Flags, enable: bool) -> Res<()> {
    flags.only(&[])?;
    if args.is_empty() {
        return Err("You must specify resource(s) to enable or disable".into());
    }
    let mut ids = Ids::of(cib);
    for rid in args {
        let rs = &cib.configuration.resources;
        let Some((kind, outer)) = kind_of(rs, rid) else {
            return Err(format!(
                "bundle/clone/group/resource '{rid}' does not exist"
            ));
        };
        let mut targets = vec![rid.clone()];
        if enable {
            match (&kind, &outer) {
                (Kind::Clone, _) => {
                    if let Some(Resource::Clone(c)) = rs.iter().find(|r| r.id() == rid) {
                        targets.push(c.child.id().to_string());
                    }
                }
                (_, Some((Kind::Clone, cid))) => {
                    // Only a direct child of the clone.
                    let direct = rs.iter().any(
                        |r| matches!(r, Resource::Clone(c) if c.id == *cid && c.child.id() == rid),
                    );
                    if direct {
                        targets.push(cid.clone());
                    }
                }
                _ => {}
            }
        }
        let value = if enable { "" } else { "Stopped" };
        for t in targets {
            let Some(sets) = find(&mut cib.config_mut().resources, &t).and_then(meta_of) else {
                return Err(format!("'{t}' cannot be enabled or disabled by pacesim"));
            };
            update_first_set(
                sets,
                "meta_attributes",
                &t,
                &[("target-role".into(), value.into())],
                &mut ids,
            );
        }
    }
    Ok(())
}

/// `pcs resource meta RSC NAME=VALUE...` (`resource_meta`): the first meta
/// set, an empty value removes the pair.
fn resource_meta(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    let [rid, pairs @ ..] = args else {
        return Err("missing resource id".into());
    };
    if pairs.is_empty() {
        return Err("no meta attributes specified".into());
    }
    let pairs: Vec<(String, String)> = prepare_options(pairs)?.into_iter().collect();
    let mut ids = Ids::of(cib);
    let Some(sets) = find(&mut cib.config_mut().resources, rid).and_then(meta_of) else {
        return Err(format!("unable to find a resource/clone/group: {rid}"));
    };
    update_first_set(sets, "meta_attributes", rid, &pairs, &mut ids);
    Ok(())
}

/// `pcs resource update RSC NAME=VALUE... [meta NAME=VALUE...]`
/// (`resource_update`): instance attributes of a primitive; for a clone
/// the pairs are its meta attributes, as pcs does.
fn resource_update(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    let [rid, rest @ ..] = args else {
        return Err("missing resource id".into());
    };
    let g = group_by_keywords(rest, &["op", "meta"], true)?;
    if !g.ops.is_empty() {
        return Err("'op' in 'pcs resource update' is not supported by pacesim".into());
    }
    let inst: Vec<(String, String)> = prepare_options(&g.options)?.into_iter().collect();
    let meta: Vec<(String, String)> =
        prepare_options(&g.named.get("meta").cloned().unwrap_or_default())?
            .into_iter()
            .collect();
    let mut ids = Ids::of(cib);
    match find(&mut cib.config_mut().resources, rid) {
        Some(Found::Prim(p)) => {
            if !flags.force {
                check_update_attrs(p, &inst)?;
            }
            update_first_set(&mut p.instance, "instance_attributes", rid, &inst, &mut ids);
            if !meta.is_empty() {
                update_first_set(&mut p.meta, "meta_attributes", rid, &meta, &mut ids);
            }
        }
        Some(Found::Clone(c)) => {
            let all: Vec<(String, String)> = inst.into_iter().chain(meta).collect();
            update_first_set(&mut c.meta, "meta_attributes", rid, &all, &mut ids);
        }
        Some(Found::Group(g)) => {
            if !inst.is_empty() {
                return Err(format!("'{rid}' is a group: only 'meta' can be updated"));
            }
            update_first_set(&mut g.meta, "meta_attributes", rid, &meta, &mut ids);
        }
        _ => return Err(format!("Unable to find resource: {rid}")),
    }
    Ok(())
}

/// `validate_resource_instance_attributes_update`: a name new to the
/// resource must be one of its agent's parameters (names already set are
/// not reported again). An agent pacesim does not know is not checked.
fn check_update_attrs(p: &Primitive, inst: &[(String, String)]) -> Res<()> {
    let full = match (&p.class, &p.provider, &p.agent) {
        (Some(c), Some(pr), Some(t)) => format!("{c}:{pr}:{t}"),
        (Some(c), None, Some(t)) => format!("{c}:{t}"),
        _ => return Ok(()),
    };
    let agent = if p.class.as_deref() == Some("stonith") {
        p.agent.as_deref().and_then(agents::fence_agent)
    } else {
        match agents::resource_agent(&full) {
            Lookup::Found(a) => Some(a),
            _ => None,
        }
    };
    let Some(agent) = agent else { return Ok(()) };
    let current: BTreeSet<&str> = p
        .instance
        .iter()
        .flat_map(|s| s.pairs.iter())
        .map(|x| x.name.as_str())
        .collect();
    let allowed = agent.allowed_params();
    let mut unknown: Vec<&str> = inst
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !current.contains(k) && !allowed.iter().any(|a| a == k))
        .collect();
    unknown.sort();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    let kind = if agent.is_stonith() {
        "stonith"
    } else {
        "resource"
    };
    let s = if unknown.len() > 1 { "s" } else { "" };
    Err(format!(
        "invalid {kind} option{s} {}, allowed options are: {}, use --force to override",
        unknown
            .iter()
            .map(|u| format!("'{u}'"))
            .collect::<Vec<_>>()
            .join(", "),
        allowed
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

// ---------------------------------------------------------------- constraints

/// `validate_constraint_resource`: a clone, bundle, group or primitive not
/// inside a clone or bundle.
fn constraint_resource(cib: &Cib, rid: &str, force: bool) -> Res<()> {
    match kind_of(&cib.configuration.resources, rid) {
        None => Err(format!("Resource '{rid}' does not exist")),
        Some((Kind::Clone | Kind::Bundle, _)) => Ok(()),
        Some((_, None)) => Ok(()),
        Some((_, Some(_))) if force => Ok(()),
        Some((_, Some((Kind::Bundle, b)))) => Err(format!(
            "{rid} is a bundle resource, you should use the bundle id: {b} when adding constraints. Use --force to override."
        )),
        Some((_, Some((_, c)))) => Err(format!(
            "{rid} is a clone resource, you should use the clone id: {c} when adding constraints. Use --force to override."
        )),
    }
}

/// `pcs constraint location RSC prefers|avoids NODE[=SCORE]...`
/// (`location_prefer` + `location_add`): a constraint for the same
/// resource and node (or the same id) is replaced.
fn location_prefers(
    cib: &mut Cib,
    rsc: &str,
    prefer: bool,
    nodes: &[String],
    flags: &Flags,
) -> Res<()> {
    flags.only(&["--force"])?;
    if nodes.is_empty() {
        return Err("no nodes specified".into());
    }
    if rsc.starts_with("regexp%") {
        return Err("'regexp%' resource patterns are not supported by pacesim's pcs".into());
    }
    let rsc = rsc.strip_prefix("resource%").unwrap_or(rsc);
    let mut parsed = Vec::new();
    for nc in nodes {
        let (node, score) = match nc.split_once('=') {
            None => (
                nc.as_str(),
                if prefer {
                    "INFINITY".to_string()
                } else {
                    "-INFINITY".to_string()
                },
            ),
            Some((n, s)) => {
                if !is_score(s) {
                    return Err(format!(
                        "invalid score '{s}', use integer or INFINITY or -INFINITY"
                    ));
                }
                let s = if prefer {
                    s.to_string()
                } else if let Some(pos) = s.strip_prefix('-') {
                    pos.to_string()
                } else {
                    format!("-{s}")
                };
                // `avoids N=+INFINITY` gives pcs "-+INFINITY", which the
                // CIB schema then refuses.
                if !is_score(&s) {
                    return Err(format!(
                        "Unable to update cib: score '{s}' for node '{n}' does not conform to the schema"
                    ));
                }
                (n, s)
            }
        };
        let id = sanitize_id(&format!("location-{rsc}-{node}-{score}"));
        parsed.push((id, node.to_string(), score));
    }
    for (id, node, score) in parsed {
        validate_id(&id, "constraint id")?;
        constraint_resource(cib, rsc, flags.force)?;
        let cs = &mut cib.config_mut().constraints;
        cs.retain(|c| match c {
            Constraint::Location(l) => {
                !(l.id == id
                    || (l.node.as_deref() == Some(node.as_str()) && l.rsc.as_deref() == Some(rsc)))
            }
            _ => true,
        });
        let score = Score::parse(&score).ok_or_else(|| format!("invalid score '{score}'"))?;
        cs.push(Constraint::Location(Location {
            id,
            rsc: Some(rsc.to_string()),
            node: Some(node),
            score: Some(score),
            ..Location::default()
        }));
    }
    Ok(())
}

/// `pcs constraint location RSC rule [id=] [constraint-id=] [role=]
/// [score=|score-attribute=] [resource-discovery=] EXPRESSION`
/// (`location_rule`, `rule.dom_rule_add`).
fn location_rule(cib: &mut Cib, rsc: &str, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    if rsc.starts_with("regexp%") {
        return Err("'regexp%' resource patterns are not supported by pacesim's pcs".into());
    }
    let rsc = rsc.strip_prefix("resource%").unwrap_or(rsc);
    // parse_argv: leading NAME=VALUE options, in any order.
    let names = [
        "id",
        "role",
        "score",
        "score-attribute",
        "constraint-id",
        "resource-discovery",
    ];
    let mut opts: IndexMap<&str, Option<String>> = names.iter().map(|n| (*n, None)).collect();
    let mut i = 0;
    while i < args.len() {
        let Some(name) = names.iter().find(|n| args[i].starts_with(&format!("{n}="))) else {
            break;
        };
        opts.insert(name, Some(args[i][name.len() + 1..].to_string()));
        i += 1;
    }
    let rule_words = &args[i..];
    constraint_resource(cib, rsc, flags.force)?;
    let score = opts["score"].clone().filter(|s| !s.is_empty());
    let score_attr = opts["score-attribute"].clone().filter(|s| !s.is_empty());
    if score.is_some() && score_attr.is_some() {
        return Err("can not specify both score and score-attribute".into());
    }
    if let Some(s) = &score {
        if !is_score(s) {
            return Err(format!("invalid score '{s}'"));
        }
    }
    let role = match opts["role"].clone().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match cib_role(&r) {
            Some(c @ ("Promoted" | "Unpromoted")) => Some(c.to_string()),
            _ => return Err(format!("invalid role '{r}', use Promoted or Unpromoted")),
        },
    };
    let mut ids = Ids::of(cib);
    if let Some(rid) = opts["id"].clone().filter(|s| !s.is_empty()) {
        validate_id(&rid, "rule id")?;
        if ids.exists(&rid) {
            return Err(format!(
                "id '{rid}' is already in use, please specify another one"
            ));
        }
    }
    if rule_words.is_empty() {
        return Err("no rule expression was specified".into());
    }
    let tree = rule::parse(rule_words).map_err(|e| {
        format!(
            "'{}' is not a valid rule expression: {e}",
            rule_words.join(" ")
        )
    })?;
    let cid = match opts["constraint-id"].clone().filter(|s| !s.is_empty()) {
        Some(c) => {
            validate_id(&c, "constraint id")?;
            if ids.exists(&c) {
                return Err(format!(
                    "id '{c}' is already in use, please specify another one"
                ));
            }
            ids.book(&c)?;
            c
        }
        None => ids.allocate(&sanitize_id(&format!("location-{rsc}"))),
    };
    let rule_id = match opts["id"].clone().filter(|s| !s.is_empty()) {
        Some(r) => {
            ids.book(&r)?;
            r
        }
        None => ids.allocate(&format!("{cid}-rule")),
    };
    let mut r = rule::build(&tree, rule_id, &mut |base| ids.allocate(base));
    // Nested rules get score 0 (the schema wants one; Pacemaker ignores it).
    fn zero_nested(r: &mut crate::cib::Rule) {
        for it in &mut r.items {
            if let crate::cib::RuleItem::Rule(n) = it {
                n.score = Some(Score::ZERO);
                zero_nested(n);
            }
        }
    }
    zero_nested(&mut r);
    r.role = role;
    r.score_attribute = score_attr.clone();
    if score_attr.is_none() {
        let s = score.unwrap_or_else(|| "INFINITY".into());
        r.score = Some(Score::parse(&s).ok_or_else(|| format!("invalid score '{s}'"))?);
    }
    let new = Location {
        id: cid,
        rsc: Some(rsc.to_string()),
        resource_discovery: opts["resource-discovery"].clone().filter(|s| !s.is_empty()),
        rules: vec![r],
        ..Location::default()
    };
    if !flags.force {
        let shape = |l: &Location| -> Option<(Option<String>, Vec<String>)> {
            if l.rules.is_empty() {
                return None;
            }
            Some((l.rsc.clone(), l.rules.iter().map(rule_shape).collect()))
        };
        let mine = shape(&new);
        for c in &cib.configuration.constraints {
            if let Constraint::Location(l) = c {
                if shape(l) == mine {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        l.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Location(new));
    Ok(())
}

/// A rule's expressions without ids, to find duplicates
/// (`location_rule_find_duplicates` compares the rules as text).
fn rule_shape(r: &crate::cib::Rule) -> String {
    use crate::cib::RuleItem;
    let parts: Vec<String> = r
        .items
        .iter()
        .map(|i| match i {
            RuleItem::Expr(e) => format!(
                "{} {} {} {}",
                e.attribute,
                e.operation,
                e.value_type.as_deref().unwrap_or(""),
                e.value.as_deref().unwrap_or("")
            ),
            RuleItem::Rule(n) => format!("({})", rule_shape(n)),
            _ => "?".into(),
        })
        .collect();
    let op = if r.boolean_op == crate::cib::BoolOp::Or {
        " or "
    } else {
        " and "
    };
    parts.join(op)
}

/// pcs's `is_score_or_opt`.
fn is_score_or_opt(w: &str) -> bool {
    is_score(w) || w.contains('=')
}

/// `pcs constraint colocation add [ROLE] RSC with [ROLE] RSC2 [SCORE]
/// [OPTIONS]` (`colocation_add`). The id is computed from the positional
/// score only, as pcs does: `score=50` as an option still gives
/// `colocation-A-B-INFINITY`.
fn colocation_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    if args.len() < 3 {
        return Err(
            "usage: pcs constraint colocation add [ROLE] RSC with [ROLE] RSC2 [SCORE] [OPTIONS]"
                .into(),
        );
    }
    let mut a: std::collections::VecDeque<String> = args.iter().cloned().collect();
    let role_of = |r: &str| -> Res<String> {
        cib_role(r).map(str::to_string).ok_or_else(|| {
            format!("invalid role value '{r}', allowed values are: 'Promoted', 'Started', 'Stopped', 'Unpromoted'")
        })
    };
    let mut role1 = None;
    let mut role2 = None;
    if a[2] == "with" {
        role1 = Some(role_of(&a.pop_front().expect("arg"))?);
    } else if a[1] != "with" {
        return Err(format!("expected 'with' after '{}'", a[0]));
    }
    let r1 = a.pop_front().expect("arg");
    a.pop_front();
    if a.iter().any(|w| w == "with") {
        return Err("Multiple 'with's cannot be specified.".into());
    }
    let Some(first) = a.front().cloned() else {
        return Err("missing the resource after 'with'".into());
    };
    let r2 = if a.len() == 1 || is_score_or_opt(&a[1]) {
        a.pop_front();
        first
    } else {
        role2 = Some(role_of(&first)?);
        a.pop_front();
        a.pop_front().expect("arg")
    };
    let score = match a.front() {
        Some(w) if !w.contains('=') => a.pop_front().expect("arg"),
        _ => "INFINITY".to_string(),
    };
    if !is_score(&score) {
        return Err(format!(
            "invalid score '{score}', use integer or INFINITY or -INFINITY"
        ));
    }
    let mut opts: Vec<(String, String)> = Vec::new();
    for w in &a {
        opts.push(split_option(w, false)?);
    }
    constraint_resource(cib, &r1, flags.force)?;
    constraint_resource(cib, &r2, flags.force)?;
    let mut ids = Ids::of(cib);
    let mut c = Colocation {
        rsc: Some(r1.clone()),
        with_rsc: Some(r2.clone()),
        score: Score::parse(&score),
        ..Colocation::default()
    };
    let mut id = None;
    for (k, v) in opts {
        match k.as_str() {
            "id" => {
                validate_id(&v, "constraint id")?;
                if ids.exists(&v) {
                    return Err(format!(
                        "id '{v}' is already in use, please specify another one"
                    ));
                }
                id = Some(v);
            }
            "score" => {
                c.score = Some(Score::parse(&v).ok_or_else(|| format!("invalid score '{v}'"))?)
            }
            "rsc-role" => role1 = Some(role_of(&v)?),
            "with-rsc-role" => role2 = Some(role_of(&v)?),
            "node-attribute" => c.node_attribute = Some(v),
            "influence" => c.influence = Some(v),
            _ => c.extra.push((k, v)),
        }
    }
    // One role given: the other defaults to Started.
    if role1.is_some() || role2.is_some() {
        c.rsc_role = Some(role1.unwrap_or_else(|| "Started".into()));
        c.with_rsc_role = Some(role2.unwrap_or_else(|| "Started".into()));
    }
    c.id = match id {
        Some(i) => i,
        None => ids.allocate(&format!("colocation-{r1}-{r2}-{score}")),
    };
    if !flags.force {
        let norm = |x: &Colocation| {
            (
                x.rsc.clone(),
                x.with_rsc.clone(),
                x.rsc_role.clone().unwrap_or_else(|| "Started".into()),
                x.with_rsc_role.clone().unwrap_or_else(|| "Started".into()),
            )
        };
        for other in &cib.configuration.constraints {
            if let Constraint::Colocation(o) = other {
                if o.sets.is_empty() && norm(o) == norm(&c) {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        o.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Colocation(c));
    Ok(())
}

/// pcs writes both; the CIB schema then refuses the constraint.
const KIND_AND_SCORE: &str =
    "Unable to update cib: an order constraint cannot have both 'kind' and 'score'";

const ACTIONS: &[&str] = &["start", "stop", "promote", "demote"];

/// `pcs constraint order [ACTION] RSC then [ACTION] RSC2 [OPTIONS]`
/// (`order_start`, `_order_add`).
fn order_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    if args.first().is_some_and(|w| w == "set") {
        return Err("'pcs constraint order set' is not supported by pacesim".into());
    }
    if args.len() < 3 {
        return Err("usage: pcs constraint order [ACTION] RSC then [ACTION] RSC2 [OPTIONS]".into());
    }
    let mut a: std::collections::VecDeque<String> = args.iter().cloned().collect();
    let mut first_action = "start".to_string();
    let mut then_action = "start".to_string();
    if ACTIONS.contains(&a[0].as_str()) {
        first_action = a.pop_front().expect("arg");
    }
    let r1 = a.pop_front().ok_or("missing the first resource")?;
    match a.pop_front() {
        Some(w) if w == "then" => {}
        Some(w) => return Err(format!("expected 'then', got '{w}'")),
        None => return Err("missing 'then'".into()),
    }
    if a.front().is_some_and(|w| ACTIONS.contains(&w.as_str())) {
        then_action = a.pop_front().expect("arg");
    }
    let r2 = a.pop_front().ok_or("missing the resource after 'then'")?;
    if a.iter().any(|w| w == "then") {
        return Err("Multiple 'then's cannot be specified.".into());
    }
    constraint_resource(cib, &r1, flags.force)?;
    constraint_resource(cib, &r2, flags.force)?;
    let rs = &cib.configuration.resources;
    if let (Some(g1), Some(g2)) = (group_of(rs, &r1), group_of(rs, &r2)) {
        if g1 == g2 {
            return Err("Cannot create an order constraint for resources in the same group".into());
        }
    }
    let mut ids = Ids::of(cib);
    let mut o = Order {
        first: Some(r1.clone()),
        then: Some(r2.clone()),
        ..Order::default()
    };
    let mut id = None;
    let mut sym: Option<String> = None;
    let mut suffix = "mandatory".to_string();
    let mut suffix_set = false;
    let mut opts: Vec<String> = a.into_iter().collect();
    opts.push(format!("first-action={first_action}"));
    opts.push(format!("then-action={then_action}"));
    for w in &opts {
        if w == "symmetrical" {
            sym = Some("true".into());
            continue;
        }
        if w == "nonsymmetrical" {
            sym = Some("false".into());
            continue;
        }
        let (k, v) = split_option(w, false)?;
        match k.as_str() {
            "id" => {
                validate_id(&v, "constraint id")?;
                if ids.exists(&v) {
                    return Err(format!(
                        "id '{v}' is already in use, please specify another one"
                    ));
                }
                id = Some(v);
            }
            "symmetrical" => {
                let l = v.to_ascii_lowercase();
                if l != "true" && l != "false" {
                    return Err(format!(
                        "invalid symmetrical value '{v}', allowed values are: true, false"
                    ));
                }
                sym = Some(l);
            }
            "kind" => {
                if o.score.is_some() {
                    return Err(KIND_AND_SCORE.into());
                }
                if !["Optional", "Mandatory", "Serialize"].contains(&v.as_str()) {
                    return Err(format!("invalid kind value '{v}', allowed values are: Optional, Mandatory, Serialize"));
                }
                if !suffix_set {
                    suffix = v.clone();
                    suffix_set = true;
                }
                o.kind = Some(v);
            }
            "score" => {
                if !is_score(&v) {
                    return Err(format!(
                        "invalid score '{v}', use integer or INFINITY or -INFINITY"
                    ));
                }
                if o.kind.is_some() {
                    return Err(KIND_AND_SCORE.into());
                }
                if !suffix_set {
                    suffix = v.clone();
                    suffix_set = true;
                }
                o.score = Score::parse(&v);
            }
            "first-action" => o.first_action = Some(v),
            "then-action" => o.then_action = Some(v),
            "require-all" => o.require_all = Some(v),
            _ => o.extra.push((k, v)),
        }
    }
    o.symmetrical = sym;
    o.id = match id {
        Some(i) => i,
        None => ids.allocate(&format!("order-{r1}-{r2}-{suffix}")),
    };
    if !flags.force {
        let norm = |x: &Order| {
            (
                x.first.clone(),
                x.then.clone(),
                x.first_action
                    .clone()
                    .unwrap_or_else(|| "start".into())
                    .to_ascii_lowercase(),
                x.then_action
                    .clone()
                    .unwrap_or_else(|| "start".into())
                    .to_ascii_lowercase(),
            )
        };
        for other in &cib.configuration.constraints {
            if let Constraint::Order(x) = other {
                if x.sets.is_empty() && norm(x) == norm(&o) {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        x.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Order(o));
    Ok(())
}

// ---------------------------------------------------------------- nodes

fn node_mut<'a>(conf: &'a mut Configuration, name: &str) -> Res<&'a mut NodeConfig> {
    conf.nodes
        .iter_mut()
        .find(|n| n.uname == name)
        .ok_or_else(|| format!("Node '{name}' does not appear to exist in configuration"))
}

/// Sets or deletes a permanent node attribute as `crm_attribute --node N
/// --lifetime forever` does: the set is `nodes-<id>`, the pair
/// `nodes-<id>-<name>`.
fn set_node_attr(cib: &mut Cib, node: &str, name: &str, value: Option<&str>) -> Res<()> {
    let mut ids = Ids::of(cib);
    let n = node_mut(cib.config_mut(), node)?;
    let owner = format!("nodes-{}", n.id);
    match value {
        Some(v) => {
            if n.attributes.is_empty() {
                let id = ids.allocate(&owner);
                n.attributes.push(NvSet {
                    tag: "instance_attributes".into(),
                    id: Some(id),
                    ..NvSet::default()
                });
            }
            let set = &mut n.attributes[0];
            match set.pairs.iter_mut().find(|p| p.name == name) {
                Some(p) => p.value = Some(v.to_string()),
                None => set.pairs.push(NvPair {
                    id: Some(ids.allocate(&format!("{owner}-{name}"))),
                    name: name.to_string(),
                    value: Some(v.to_string()),
                    ..NvPair::default()
                }),
            }
            Ok(())
        }
        None => {
            let mut found = false;
            for set in &mut n.attributes {
                let before = set.pairs.len();
                set.pairs.retain(|p| p.name != name);
                found |= set.pairs.len() != before;
            }
            if found {
                Ok(())
            } else {
                Err(format!(
                    "attribute: '{name}' doesn't exist for node: '{node}'"
                ))
            }
        }
    }
}

/// `pcs node standby|unstandby NODE...`.
fn standby(cib: &mut Cib, args: &[String], flags: &Flags, on: bool) -> Res<()> {
    flags.only(&[])?;
    if args.is_empty() {
        return Err("no node specified ('--all' is not supported by pacesim)".into());
    }
    for n in args {
        node_mut(cib.config_mut(), n)?;
        if on {
            set_node_attr(cib, n, "standby", Some("on"))?;
        } else {
            // Unstandby of a node not in standby is no error.
            let _ = set_node_attr(cib, n, "standby", None);
        }
    }
    Ok(())
}

/// `pcs node attribute NODE NAME=VALUE...` (an empty value removes).
fn node_attribute(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    flags.only(&["--force"])?;
    let [node, pairs @ ..] = args else {
        return Err("no node specified".into());
    };
    if pairs.is_empty() {
        return Err("no attributes specified".into());
    }
    let pairs = prepare_options(pairs)?;
    node_mut(cib.config_mut(), node)?;
    for (k, v) in pairs {
        set_node_attr(cib, node, &k, (!v.is_empty()).then_some(v.as_str()))?;
    }
    Ok(())
}
