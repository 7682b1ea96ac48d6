//! The graph as transition-graph XML, as `crm_simulate -G` writes it:
//! synapses, their actions and inputs, indented as libxml2 indents them
//! (Pacemaker's `pcmk_graph_producer.c`: `pcmk__create_graph`,
//! `create_graph_synapse`, `create_graph_action`, `add_downed_nodes`).

use std::fmt::Write as _;

use super::graph::{graph_id, Graph};
use super::graph_meta::{action_attributes, clone_op_key, numbered_params, split_agent};
use super::ws::*;

/// The names the graph gives an action's resource (`add_resource_details`):
/// the id the executor should run it as and record its history under, and
/// the long id it may also be known by. An anonymous clone instance goes by
/// its configured id (`dummy` for `dummy:2`; its history entries are mapped
/// back to instances when the status is read), with the name its history
/// used, or its instance id, as long id; an orphan known in the history
/// by another name by that name.
pub fn rsc_graph_names(ws: &WorkingSet, r: RscIdx) -> (String, Option<String>) {
    let rsc = ws.rsc(r);
    let top = ws.top_parent(r);
    let anonymous = top != r && ws.rsc(top).clone.as_ref().is_some_and(|d| !d.unique);
    if rsc.orphan && rsc.clone_name.is_some() {
        (
            rsc.clone_name.clone().unwrap_or_default(),
            Some(rsc.id.clone()),
        )
    } else if anonymous {
        let xml_id = super::status::clone_strip(&rsc.id).to_string();
        let long = match &rsc.clone_name {
            Some(c) if *c != xml_id => c.clone(),
            _ => rsc.id.clone(),
        };
        (xml_id, Some(long))
    } else {
        (rsc.id.clone(), None)
    }
}

/// Pacemaker's `INFINITY`, the priority of clone completion and
/// post-notification synapses.
const SYNAPSE_PRIORITY_INFINITY: i32 = 1_000_000;

/// Writes the graph as transition-graph XML, as `crm_simulate -G` does
/// (`pcmk__create_graph`), indented as libxml2 indents it.
pub fn to_xml(ws: &WorkingSet, graph: &Graph) -> String {
    let prop = |k: &str| {
        crate::cib::options::or_default(ws.config.props.get(k).map(String::as_str), k, |v| {
            Some(v.to_string())
        })
    };
    let mut attrs = vec![
        ("cluster-delay", prop("cluster-delay")),
        ("stonith-timeout", prop("stonith-timeout")),
        ("failed-stop-offset", "INFINITY".to_string()),
        (
            "failed-start-offset",
            if ws.config.start_failure_is_fatal {
                "INFINITY"
            } else {
                "1"
            }
            .to_string(),
        ),
        ("batch-limit", prop("batch-limit")),
        ("transition_id", "0".to_string()),
    ];
    let migration_limit = prop("migration-limit");
    if migration_limit.trim().parse::<i64>().is_ok_and(|l| l > 0) {
        attrs.push(("migration-limit", migration_limit));
    }
    if let Some(at) = ws.recheck_by {
        attrs.push(("recheck-by", at.to_string()));
    }
    let mut out = String::from("<transition_graph");
    for (k, v) in &attrs {
        push_attr(&mut out, k, v);
    }
    if graph.synapses.is_empty() {
        out.push_str("/>\n");
        return out;
    }
    out.push_str(">\n");
    for s in &graph.synapses {
        let _ = write!(out, "  <synapse id=\"{}\"", s.id);
        let priority = synapse_priority(ws, s.action);
        if priority > 0 {
            let _ = write!(out, " priority=\"{priority}\"");
        }
        out.push_str(">\n    <action_set>\n");
        write_action(&mut out, ws, s.action, false, 6);
        out.push_str("    </action_set>\n");
        if s.inputs.is_empty() {
            out.push_str("    <inputs/>\n");
        } else {
            out.push_str("    <inputs>\n");
            for &i in &s.inputs {
                out.push_str("      <trigger>\n");
                write_action(&mut out, ws, i, true, 8);
                out.push_str("      </trigger>\n");
            }
            out.push_str("    </inputs>\n");
        }
        out.push_str("  </synapse>\n");
    }
    out.push_str("</transition_graph>\n");
    out
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"{}\"", crate::cib::xml::escape(value));
}

/// A synapse's priority: its resource's, or its action's when higher
/// (`create_graph_synapse`). Clone completion pseudo actions and
/// post-notifications have priority INFINITY.
fn synapse_priority(ws: &WorkingSet, a: ActionIdx) -> i32 {
    let act = ws.action(a);
    let Some(r) = act.rsc else { return 0 };
    let clone = matches!(ws.rsc(r).variant, Variant::Clone { .. } | Variant::Bundle);
    let completion = matches!(
        act.task.as_str(),
        "running" | "stopped" | "promoted" | "demoted"
    );
    let post_notify = matches!(act.task.as_str(), "notify" | "notified")
        && (act.key.contains("_post_notify_") || act.key.contains("_confirmed-post_notify_"));
    let action_priority = if (clone && completion) || post_notify {
        SYNAPSE_PRIORITY_INFINITY
    } else {
        0
    };
    ws.rsc(r).priority.max(action_priority)
}

/// How an action appears in the graph (`create_graph_action`).
enum ActionTag {
    /// A controller event (fencing, shutdown, fail count clearing, history
    /// deletion).
    CrmEvent,
    /// A pseudo action.
    Pseudo,
    /// An agent call.
    RscOp,
}

fn action_tag(act: &Action) -> ActionTag {
    match act.task.as_str() {
        "stonith" if act.pseudo => ActionTag::Pseudo,
        "stonith" | "do_shutdown" | "clear_failcount" | "lrm_delete" => ActionTag::CrmEvent,
        _ if act.pseudo => ActionTag::Pseudo,
        _ => ActionTag::RscOp,
    }
}

/// The lock time to record on an action that keeps its resource locked to
/// its node (`pcmk__action_locks_rsc_to_node`), so the controller keeps the
/// lock when the action completes. While the node shuts down only the stop
/// is locked: another action completing would clear the lock.
fn lock_time(ws: &WorkingSet, a: ActionIdx) -> Option<i64> {
    let act = ws.action(a);
    let rsc = ws.rsc(act.rsc.filter(|_| !act.pseudo)?);
    let n = act.node?;
    if rsc.lock_node != Some(n) {
        return None;
    }
    if ws.node(n).shutdown && act.task != "stop" {
        return None;
    }
    Some(rsc.lock_time)
}

/// Writes one action element; with `short`, only its identifying
/// attributes (as a trigger).
fn write_action(out: &mut String, ws: &WorkingSet, a: ActionIdx, short: bool, indent: usize) {
    let act = ws.action(a);
    let tag = action_tag(act);
    let name = match tag {
        ActionTag::CrmEvent => "crm_event",
        ActionTag::Pseudo => "pseudo_event",
        ActionTag::RscOp => "rsc_op",
    };
    let pad = " ".repeat(indent);
    let _ = write!(out, "{pad}<{name}");
    if act.task == "lrm_delete" {
        push_attr(out, "mode", "cib");
    }
    push_attr(out, "id", &graph_id(act).to_string());
    push_attr(out, "operation", &act.task);
    let clone_name = act.rsc.and_then(|r| ws.rsc(r).clone_name.as_deref());
    match clone_name {
        Some(clone_name) => {
            push_attr(out, "operation_key", &clone_op_key(act, clone_name));
            push_attr(out, "internal_operation_key", &act.key);
        }
        None => push_attr(out, "operation_key", &act.key),
    }
    let needs_node_info = !matches!(tag, ActionTag::Pseudo) || act.task == "stonith";
    let node = act.node.filter(|_| needs_node_info).map(|n| ws.node(n));
    if let Some(node) = node {
        push_attr(out, "on_node", &node.uname);
        push_attr(out, "on_node_uuid", &node.id);
        // Actions on remote and guest nodes go through the cluster node
        // hosting the connection.
        if let Some(router) = super::remote::connection_host_for_action(ws, a) {
            push_attr(out, "router_node", &ws.node(router).uname);
        }
    }
    if short {
        out.push_str("/>\n");
        return;
    }
    if let Some(time) = lock_time(ws, a) {
        push_attr(out, "shutdown-lock", &time.to_string());
    }
    out.push_str(">\n");
    let inner = " ".repeat(indent + 2);
    if let (Some(r), false) = (act.rsc, act.pseudo) {
        out.push_str(&inner);
        out.push_str("<primitive");
        let (id, long) = rsc_graph_names(ws, r);
        push_attr(out, "id", &id);
        if let Some(long) = long {
            push_attr(out, "long-id", &long);
        }
        let (class, provider, agent) = split_agent(&ws.rsc(r).agent);
        push_attr(out, "class", class);
        if let Some(p) = provider {
            push_attr(out, "provider", p);
        }
        push_attr(out, "type", agent);
        out.push_str("/>\n");
    }
    out.push_str(&inner);
    out.push_str("<attributes");
    for (k, v) in action_attributes(ws, a, node.is_some()) {
        push_attr(out, &k, &v);
    }
    let numbered = numbered_params(ws, act);
    if numbered.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push_str(">\n");
        for (k, v) in numbered {
            let _ = write!(out, "{inner}  <param");
            push_attr(out, "name", &k);
            push_attr(out, "value", &v);
            out.push_str("/>\n");
        }
        let _ = writeln!(out, "{inner}</attributes>");
    }
    if node.is_some() {
        let downed = downed_nodes(ws, a);
        if !downed.is_empty() {
            let _ = writeln!(out, "{inner}<downed>");
            for id in downed {
                let _ = writeln!(
                    out,
                    "{inner}  <node id=\"{}\"/>",
                    crate::cib::xml::escape(&id)
                );
            }
            let _ = writeln!(out, "{inner}</downed>");
        }
    }
    let _ = writeln!(out, "{pad}</{name}>");
}

/// The ids of the nodes an action brings down (`add_downed_nodes`): a
/// shutdown its node; fencing its node and the guests hosted there;
/// stopping a remote connection (not as part of a migration) its node.
fn downed_nodes(ws: &WorkingSet, a: ActionIdx) -> Vec<String> {
    let act = ws.action(a);
    let Some(n) = act.node else {
        return Vec::new();
    };
    match act.task.as_str() {
        "do_shutdown" => vec![ws.node(n).id.clone()],
        "stonith"
            if matches!(
                act.meta.get("stonith_action").map(String::as_str),
                Some("reboot" | "off")
            ) =>
        {
            let mut out = vec![ws.node(n).id.clone()];
            for g in 0..ws.nodes.len() {
                let g = NodeIdx(g);
                let hosted = super::remote::guest_container(ws, g)
                    .is_some_and(|c| ws.rsc(c).running_on.contains(&n));
                if hosted {
                    out.push(ws.node(g).id.clone());
                }
            }
            out
        }
        "stop" => {
            let Some(r) = act.rsc.filter(|&r| ws.rsc(r).is_remote_node) else {
                return Vec::new();
            };
            let migrating = act.before.iter().any(|&(i, _)| {
                let input = ws.action(i);
                input.rsc.is_some_and(|ir| ws.rsc(ir).id == ws.rsc(r).id)
                    && input.task == "migrate_from"
            });
            if migrating {
                Vec::new()
            } else {
                vec![ws.rsc(r).id.clone()]
            }
        }
        _ => Vec::new(),
    }
}
