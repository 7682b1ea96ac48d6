//! The operations of a created resource: the agent's defaults merged with
//! the `op` groups given, as `pcs resource create` builds them.

use super::agents::Agent;
use super::commands::Res;
use super::flags::prepare_options;
use super::ids::{new_nvset, validate_id, Ids};
use super::property::to_seconds;
use crate::cib::{Op, Operations};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// `OPERATION_ATTRIBUTES`.
pub(super) const OP_ATTRS: &[&str] = &[
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
pub(super) const ON_FAIL: &[&str] = &[
    "block",
    "demote",
    "fence",
    "ignore",
    "restart",
    "restart-container",
    "standby",
    "stop",
];
pub(super) const OP_BOOLEANS: &[&str] = &["0", "1", "true", "false"];

/// A role as pcs writes it for a CIB with the new role names (schema 3.7+,
/// which every CIB made by Pacemaker 2.1 has): `Master` → `Promoted`,
/// `Slave` → `Unpromoted`.
pub(super) fn cib_role(role: &str) -> Option<&'static str> {
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
pub(super) fn build_operations(groups: &[Vec<String>]) -> Res<Vec<IndexMap<String, String>>> {
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

pub(super) fn default_interval(name: &str) -> &'static str {
    if name == "monitor" {
        "60s"
    } else {
        "0s"
    }
}

/// `operations.prepare`: the user's operations, validated and completed,
/// then the agent's default operations for names the user did not give,
/// with intervals made unique per name.
pub(super) fn prepare_operations(
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
pub(super) fn build_ops(
    prim_id: &str,
    ops: Vec<IndexMap<String, String>>,
    ids: &mut Ids,
) -> Res<Operations> {
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
