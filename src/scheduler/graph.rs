//! The transition graph: which actions run and what each waits for
//! (Pacemaker's `pcmk_graph_producer.c`), and its execution in the order
//! the controller (or `crm_simulate`) would fire them (`pcmk__execute_graph`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::ws::order::*;
use super::ws::*;

/// One step of the graph: an action and the actions it waits for.
#[derive(Debug, Clone)]
pub struct Synapse {
    /// Position in the graph.
    pub id: usize,
    /// The action.
    pub action: ActionIdx,
    /// Actions that must complete first.
    pub inputs: Vec<ActionIdx>,
}

/// A transition graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Synapses in graph order.
    pub synapses: Vec<Synapse>,
}

fn should_add_action(ws: &WorkingSet, a: ActionIdx) -> bool {
    let act = ws.action(a);
    if !act.runnable {
        return false;
    }
    if act.optional && !act.print_always {
        return false;
    }
    if let Some(r) = act.rsc {
        if !ws.rsc(r).managed && act.task != "monitor" && act.interval_ms == 0 {
            return false;
        }
    }
    if act.pseudo || act.task == "stonith" || act.task == "do_shutdown" {
        return true;
    }
    let Some(n) = act.node else { return false };
    // History deletion can run on the DC instead (`pe_action_dc`).
    if act.task == "lrm_delete" {
        return true;
    }
    let node = ws.node(n);
    node.online && !node.unclean
}

fn can_change_actions(flags: u32) -> bool {
    flags & !(IMPLIES_THEN_PRINTED | IMPLIES_FIRST_PRINTED | OPTIONAL) != 0
}

fn should_add_input(ws: &WorkingSet, then: ActionIdx, first: ActionIdx, flags: u32) -> bool {
    let input = ws.action(first);
    if flags == NONE {
        return false;
    }
    if !input.runnable && !can_change_actions(flags) {
        return false;
    }
    if !input.runnable && flags & ONE_OR_MORE != 0 {
        return false;
    }
    if flags & IMPLIES_FIRST_MIGRATABLE != 0 && !input.runnable {
        return false;
    }
    if flags & APPLY_FIRST_NON_MIGRATABLE != 0 && input.migrate_runnable {
        return false;
    }
    if flags == OPTIONAL && input.migrate_runnable && input.key.ends_with("_stop_0") {
        return false;
    }
    if flags == LOAD {
        // Only between actions for the same node (for a migration, the node
        // it is assigned to), and only when the load_stopped is required.
        let t = ws.action(then);
        let target = if t.task == "migrate_to" {
            t.rsc.and_then(|r| ws.rsc(r).assigned)
        } else {
            t.node
        };
        match (input.node, target) {
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
        if t.task != "migrate_to" && input.optional {
            return false;
        }
    }
    if flags == ANTI_COLOCATION {
        let then_node = ws.action(then).node;
        if let (Some(a), Some(b)) = (input.node, then_node) {
            if a != b {
                return false;
            }
        }
        if input.optional {
            return false;
        }
    }
    if input.optional && !input.print_always {
        return false;
    }
    if input.optional && input.print_always && !should_add_action(ws, first) {
        return false;
    }
    true
}

/// A resource's actions in the order they are added to the graph: a
/// group's own before its members', a clone's instances' before its own
/// (`group_expand`, `clone_expand`).
fn graph_order(ws: &WorkingSet, r: RscIdx, out: &mut Vec<ActionIdx>) {
    let rsc = ws.rsc(r);
    if let Some(d) = ws.bundles.get(&r) {
        // The primitive's clone, then each replica's address, container and
        // connection; the bundle's own actions come with the actions of no
        // resource (`pcmk__bundle_expand`).
        if let Some(c) = d.child {
            graph_order(ws, c, out);
        }
        for rep in &d.replicas {
            for p in [rep.ip, Some(rep.container), rep.remote]
                .into_iter()
                .flatten()
            {
                graph_order(ws, p, out);
            }
        }
        return;
    }
    let clone = matches!(rsc.variant, Variant::Clone { .. });
    if !clone {
        out.extend(rsc.actions.iter().copied());
    }
    for &c in &rsc.children {
        graph_order(ws, c, out);
    }
    if clone {
        out.extend(rsc.actions.iter().copied());
    }
}

/// Builds the graph from the scheduled actions (`pcmk__create_graph`).
pub fn build(ws: &WorkingSet) -> Graph {
    let mut order: Vec<ActionIdx> = Vec::new();
    for &r in &ws.top {
        graph_order(ws, r, &mut order);
    }
    for a in (0..ws.actions.len()).rev() {
        let bundle = ws.actions[a]
            .rsc
            .is_some_and(|r| ws.rsc(r).variant == Variant::Bundle);
        if ws.actions[a].rsc.is_none() || bundle {
            order.push(ActionIdx(a));
        }
    }
    let mut graph = Graph::default();
    let mut dumped = vec![false; ws.actions.len()];
    for a in order {
        if dumped[a.0] || !should_add_action(ws, a) {
            continue;
        }
        dumped[a.0] = true;
        // De-duplicate inputs by action, combining their flags.
        let mut combined: BTreeMap<usize, u32> = BTreeMap::new();
        for &(f, flags) in &ws.action(a).before {
            *combined.entry(f.0).or_insert(0) |= flags;
        }
        let inputs = combined
            .into_iter()
            .filter(|&(f, flags)| should_add_input(ws, a, ActionIdx(f), flags))
            .map(|(f, _)| ActionIdx(f))
            .collect();
        graph.synapses.push(Synapse {
            id: graph.synapses.len(),
            action: a,
            inputs,
        });
    }
    graph
}

/// An action's id in the graph: Pacemaker counts actions from 1.
pub fn graph_id(act: &super::ws::Action) -> usize {
    act.id + 1
}

/// How an executed action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Completed as intended.
    Done,
    /// Failed (injected).
    Failed,
}

/// Fires the graph's synapses as the controller does when every action
/// completes at once: repeated passes in graph order, each firing whatever
/// is ready. After a failure only pseudo actions still fire. Returns the
/// actions in the order fired, with their outcomes.
pub fn execute(
    ws: &WorkingSet,
    graph: &Graph,
    mut outcome_of: impl FnMut(ActionIdx) -> Outcome,
) -> Vec<(ActionIdx, Outcome)> {
    let mut confirmed: BTreeMap<usize, bool> = BTreeMap::new(); // action → failed?
    let mut fired = vec![false; graph.synapses.len()];
    let mut aborted = false;
    let mut out = Vec::new();
    loop {
        let mut progress = false;
        for s in &graph.synapses {
            if fired[s.id] {
                continue;
            }
            let ready = s.inputs.iter().all(|i| confirmed.get(&i.0) == Some(&false));
            if !ready {
                continue;
            }
            let act = ws.action(s.action);
            if aborted && !act.pseudo {
                continue;
            }
            fired[s.id] = true;
            progress = true;
            let outcome = if act.pseudo {
                Outcome::Done
            } else {
                outcome_of(s.action)
            };
            if outcome == Outcome::Failed {
                aborted = true;
            }
            confirmed.insert(s.action.0, outcome == Outcome::Failed);
            out.push((s.action, outcome));
        }
        if !progress {
            break;
        }
    }
    out
}

/// A readable name for an action: `key node` (`key` alone for pseudo
/// actions and actions without a node).
pub fn action_label(ws: &WorkingSet, a: ActionIdx) -> String {
    let act = ws.action(a);
    match (act.pseudo, act.node) {
        (false, Some(n)) => format!("{} {}", act.key, ws.node(n).uname),
        _ => act.key.clone(),
    }
}

/// An action's name in dot files (`create_action_name` of
/// `pcmk_simulate.c`): its key (by the history's name for a resource known
/// there by another), then its node, or `<none>` for a real action without
/// one; a cancellation as `Cancel KEY NODE`; fencing as
/// `stonith 'ACTION' NODE`.
pub fn dot_label(ws: &WorkingSet, a: ActionIdx) -> String {
    let act = ws.action(a);
    let host = match act.node {
        Some(n) => Some(ws.node(n).uname.as_str()),
        None if !act.pseudo => Some("<none>"),
        None => None,
    };
    let (prefix, task) = match act.meta.get("cancel_task") {
        Some(t) if act.task == "cancel" => ("Cancel ", t.as_str()),
        _ => ("", act.task.as_str()),
    };
    let with_host = |name: String| match host {
        Some(h) => format!("{prefix}{name} {h}"),
        None => format!("{prefix}{name}"),
    };
    let clone_name = act.rsc.and_then(|r| ws.rsc(r).clone_name.as_deref());
    if let Some(clone_name) = clone_name {
        let key = if act.task == "notify" || act.task == "notified" {
            let m = |k: &str, alt: &str| {
                act.meta
                    .get(k)
                    .or_else(|| act.meta.get(alt))
                    .cloned()
                    .unwrap_or_default()
            };
            format!(
                "{clone_name}_{}_notify_{}_0",
                m("notify_key_type", "notify_type"),
                m("notify_key_operation", "notify_operation")
            )
        } else {
            format!("{clone_name}_{task}_{}", act.interval_ms)
        };
        with_host(key)
    } else if act.task == "stonith" {
        let op = act.meta.get("stonith_action").map_or("", String::as_str);
        format!("{prefix}{} '{op}' {}", act.task, host.unwrap_or("(null)"))
    } else if act.rsc.is_some() && host.is_some() {
        with_host(act.key.clone())
    } else if host.is_some() {
        with_host(act.task.clone())
    } else {
        act.key.clone()
    }
}

/// An action's inputs with the flags of all orderings from the same action
/// combined (`pcmk__deduplicate_action_inputs`), in first-seen order.
fn deduplicated_inputs(act: &Action) -> Vec<(ActionIdx, u32)> {
    let mut out: Vec<(ActionIdx, u32)> = Vec::new();
    for &(f, flags) in &act.before {
        match out.iter_mut().find(|(g, _)| *g == f) {
            Some((_, combined)) => *combined |= flags,
            None => out.push((f, flags)),
        }
    }
    out
}

/// Writes the graph as dot, as `crm_simulate -D` does
/// (`write_sim_dotfile`, without `--all-actions`): every action in the
/// graph (bold green), every required action left out of it (dashed red);
/// then every ordering between them: bold if the graph has it, dashed if it
/// is not optional, that is between two written actions and not a load
/// ordering. Pseudo actions have orange labels.
pub fn to_dot(ws: &WorkingSet, graph: &Graph) -> String {
    let mut dumped = vec![false; ws.actions.len()];
    let mut link_dumped: std::collections::BTreeSet<(usize, usize)> = Default::default();
    for s in &graph.synapses {
        dumped[s.action.0] = true;
        for i in &s.inputs {
            link_dumped.insert((s.action.0, i.0));
        }
    }
    let mut out = String::from(" digraph \"g\" {\n");
    // Pacemaker lists actions newest first.
    for i in (0..ws.actions.len()).rev() {
        let act = &ws.actions[i];
        let font = if act.pseudo { "orange" } else { "black" };
        let (style, color) = if dumped[i] {
            ("bold", "green")
        } else if act.rsc.is_some_and(|r| !ws.rsc(r).managed) || act.optional {
            continue;
        } else {
            ("dashed", "red")
        };
        // Written actions count as dumped for the orderings below.
        dumped[i] = true;
        let _ = writeln!(
            out,
            "\"{}\" [ style={style} color=\"{color}\" fontcolor=\"{font}\"]",
            dot_label(ws, ActionIdx(i))
        );
    }
    for i in (0..ws.actions.len()).rev() {
        for (f, flags) in deduplicated_inputs(&ws.actions[i]) {
            let style = if link_dumped.contains(&(i, f.0)) {
                "bold"
            } else if flags == NONE {
                continue;
            } else if dumped[f.0] && dumped[i] && flags != LOAD {
                "dashed"
            } else {
                continue;
            };
            let _ = writeln!(
                out,
                "\"{}\" -> \"{}\" [ style = {style}]",
                dot_label(ws, f),
                dot_label(ws, ActionIdx(i))
            );
        }
    }
    out.push_str("}\n");
    out
}

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

/// `CRM_FEATURE_SET` of Pacemaker 2.1.5, written into every action's
/// attributes.
const CRM_FEATURE_SET: &str = "3.16.1";

/// Pacemaker's `INFINITY`, the priority of clone completion and
/// post-notification synapses.
const SYNAPSE_PRIORITY_INFINITY: i32 = 1_000_000;

/// Writes the graph as transition-graph XML, as `crm_simulate -G` does
/// (`pcmk__create_graph`), indented as libxml2 indents it.
pub fn to_xml(ws: &WorkingSet, graph: &Graph) -> String {
    let prop = |k: &str, default: &str| {
        ws.config
            .props
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let mut attrs = vec![
        ("cluster-delay", prop("cluster-delay", "60s")),
        ("stonith-timeout", prop("stonith-timeout", "60s")),
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
        ("batch-limit", prop("batch-limit", "0")),
        ("transition_id", "0".to_string()),
    ];
    let migration_limit = prop("migration-limit", "-1");
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

/// An action's key by the name its resource has in the history
/// (`clone_op_key`).
fn clone_op_key(act: &Action, clone_name: &str) -> String {
    if act.task == "notify" {
        let m = |k: &str| act.meta.get(k).map_or("", String::as_str);
        format!(
            "{clone_name}_{}_notify_{}_0",
            m("notify_type"),
            m("notify_operation")
        )
    } else {
        let task = match act.meta.get("cancel_task") {
            Some(t) if act.task == "cancel" => t.as_str(),
            _ => act.task.as_str(),
        };
        format!("{clone_name}_{task}_{}", act.interval_ms)
    }
}

/// `class`, `provider` and `type` of an agent written `class:provider:type`
/// (ocf) or `class:type`.
fn split_agent(agent: &str) -> (&str, Option<&str>, &str) {
    let (class, rest) = agent.split_once(':').unwrap_or(("", agent));
    if class == "ocf" {
        if let Some((provider, t)) = rest.split_once(':') {
            return (class, Some(provider), t);
        }
    }
    (class, None, rest)
}

/// The `<op>` configured for an action, matched by key as
/// `find_rsc_op_entry` matches it (disabled ones included), falling back to
/// a `migrate` op for migrations and a `notify` op for notifications.
fn op_entry<'a>(ws: &'a WorkingSet, act: &Action) -> Option<&'a OpConfig> {
    let r = act.rsc?;
    let rsc = ws.rsc(r);
    let matches = |op: &OpConfig, key: &str| {
        let own = format!("{}_{}_{}", rsc.id, op.name, op.interval_ms);
        let by_history = rsc
            .clone_name
            .as_ref()
            .map(|c| format!("{c}_{}_{}", op.name, op.interval_ms));
        own.eq_ignore_ascii_case(key) || by_history.is_some_and(|k| k.eq_ignore_ascii_case(key))
    };
    if let Some(op) = rsc.ops.iter().find(|op| matches(op, &act.key)) {
        return Some(op);
    }
    let retry = if act.key.contains("migrate") {
        "migrate"
    } else if act.key.contains("_notify_") {
        "notify"
    } else {
        return None;
    };
    let key = format!("{}_{retry}_0", rsc.id);
    rsc.ops.iter().find(|op| matches(op, &key))
}

/// A timeout as `unpack_timeout` reads it: milliseconds, 20s by default.
fn timeout_ms(value: Option<&String>) -> u64 {
    value
        .and_then(|v| super::rules::parse_ms(v))
        .unwrap_or(20_000)
}

/// An action's meta-attributes from its configuration
/// (`unpack_operation`): the op defaults, the matching op's settings,
/// the interval and timeout normalised to milliseconds.
fn op_meta(ws: &WorkingSet, act: &Action) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    let Some(r) = act.rsc else { return meta };
    let rsc = ws.rsc(r);
    let (class, provider, agent) = split_agent(&rsc.agent);
    let ctx = super::rules::RuleCtx {
        now: ws.config.now,
        rsc: Some((class, provider.unwrap_or(""), agent)),
        op: Some((act.task.as_str(), act.interval_ms)),
        ..Default::default()
    };
    // Pacemaker lists the sets newest first before its stable sort by
    // score (`make_pairs`), so of sets with equal scores the last wins.
    let sets = ws.config.op_defaults.iter().rev();
    super::rules::unpack_nvsets(sets, &ctx, None, &|_| None, &mut meta);
    let probe = act.task == "monitor" && act.interval_ms == 0;
    if probe {
        let min_monitor = rsc
            .ops
            .iter()
            .filter(|op| op.enabled && op.name == "monitor" && op.interval_ms > 0)
            .min_by_key(|op| op.interval_ms);
        if let Some(t) = min_monitor.and_then(|op| op.timeout_attr.clone()) {
            meta.insert("timeout".into(), t);
        }
    }
    if let Some(op) = op_entry(ws, act) {
        meta.extend(op.meta.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    meta.remove("id");
    if act.interval_ms > 0 {
        meta.insert("interval".into(), act.interval_ms.to_string());
    } else {
        meta.remove("interval");
    }
    if rsc.agent.starts_with("stonith:") && (act.task == "start" || probe) {
        if let Some(t) = rsc.params.get("pcmk_monitor_timeout") {
            meta.insert("timeout".into(), t.clone());
        }
    }
    let timeout = timeout_ms(meta.get("timeout"));
    meta.insert("timeout".into(), timeout.to_string());
    if meta
        .get("on-fail")
        .is_some_and(|v| v.eq_ignore_ascii_case("block"))
    {
        meta.insert("on-fail".into(), "block".into());
    }
    if let Some(d) = meta.get("start-delay").cloned() {
        let ms = super::rules::parse_ms(&d).unwrap_or(0);
        meta.insert("start-delay".into(), ms.to_string());
    }
    meta
}

/// A meta-attribute's name in the graph: `CRM_meta_` and the name with
/// dashes as underscores (`crm_meta_name`).
fn crm_meta_name(name: &str) -> String {
    format!("CRM_meta_{}", name.replace('-', "_"))
}

/// A resource's parameters as evaluated for a node (`pe_rsc_params`):
/// where any of its or its parents' sets has rules, its own sets then each
/// parent's, evaluated with the node's attributes (of sets with equal
/// scores the last listed wins, as Pacemaker sorts them); otherwise the
/// parameters found when unpacking.
pub(crate) fn rsc_params(
    ws: &WorkingSet,
    r: RscIdx,
    node: Option<NodeIdx>,
) -> BTreeMap<String, String> {
    let chain: Vec<RscIdx> = std::iter::successors(Some(r), |&c| ws.rsc(c).parent).collect();
    let ruled = chain
        .iter()
        .any(|&c| ws.rsc(c).param_sets.iter().any(|s| !s.rules.is_empty()));
    if !ruled {
        let mut params = ws.rsc(r).params.clone();
        if let Some(host) = super::bundle::remote_addr(ws, r) {
            params.insert("addr".into(), host);
        }
        return params;
    }
    let (class, provider, agent) = split_agent(&ws.rsc(r).agent);
    let ctx = super::rules::RuleCtx {
        node_attrs: node.map(|n| &ws.node(n).attrs),
        now: ws.config.now,
        rsc: Some((class, provider.unwrap_or(""), agent)),
        ..Default::default()
    };
    let mut params = BTreeMap::new();
    for c in chain {
        let sets = ws.rsc(c).param_sets.iter().rev();
        super::rules::unpack_nvsets(sets, &ctx, None, &|_| None, &mut params);
    }
    params
}

/// Parameters whose names start with a digit: written as `<param>`
/// children rather than attributes (`hash2smartfield`).
fn numbered_params(ws: &WorkingSet, act: &Action) -> Vec<(String, String)> {
    let Some(r) = act.rsc else { return Vec::new() };
    let rsc = ws.rsc(r);
    if act.node.is_none() && !matches!(rsc.variant, Variant::Primitive) {
        return Vec::new();
    }
    rsc_params(ws, r, act.node)
        .into_iter()
        .filter(|(k, _)| k.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// The scheduler's own meta-attributes of actions that reach the graph.
const ACTION_META: [&str; 10] = [
    "call_id",
    "stonith_action",
    "digests_all",
    "digests_secure",
    "migrate_source",
    "migrate_target",
    "notify_type",
    "notify_operation",
    "notify_key_type",
    "notify_key_operation",
];

/// An action's `<attributes>` (`add_action_attributes`), sorted by name:
/// the op's own parameters, the resource's parameters, the action's
/// meta-attributes, then what the resource and its parents add.
fn action_attributes(ws: &WorkingSet, a: ActionIdx, with_node: bool) -> BTreeMap<String, String> {
    let act = ws.action(a);
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    let add = |attrs: &mut BTreeMap<String, String>, k: String, v: String| {
        attrs.entry(k).or_insert(v);
    };
    add(&mut attrs, "crm_feature_set".into(), CRM_FEATURE_SET.into());
    let rsc = act.rsc.map(|r| (r, ws.rsc(r)));
    if let (Some(op), true) = (op_entry(ws, act), act.node.is_some()) {
        for (k, v) in &op.params {
            add(&mut attrs, k.clone(), v.clone());
        }
    }
    if let Some((r, rsc)) = rsc {
        if act.node.is_some() || matches!(rsc.variant, Variant::Primitive) {
            for (k, v) in rsc_params(ws, r, act.node) {
                if !k.starts_with(|c: char| c.is_ascii_digit()) {
                    add(&mut attrs, k, v);
                }
            }
        }
    }
    let mut meta = if rsc.is_some() {
        op_meta(ws, act)
    } else {
        BTreeMap::new()
    };
    if let (true, Some(n)) = (with_node, act.node) {
        meta.insert("on_node".into(), ws.node(n).uname.clone());
        meta.insert("on_node_uuid".into(), ws.node(n).id.clone());
    }
    for (k, v) in &act.meta {
        if ACTION_META.contains(&k.as_str()) || k.starts_with("notify_") {
            meta.insert(k.clone(), v.clone());
        }
    }
    if let Some(rc) = act.expected_rc {
        meta.insert("op_target_rc".into(), rc.to_string());
    }
    match act.task.as_str() {
        "cancel" => {
            if let Some(t) = act.meta.get("cancel_task") {
                meta.insert("operation".into(), t.clone());
            }
        }
        // Pending migrations are recorded, in case the source node is lost
        // meanwhile; remote connections excepted
        // (`pcmk__create_migration_actions`).
        "migrate_to" if !rsc.is_some_and(|(_, r)| r.is_remote_node) => {
            meta.entry("record-pending".into())
                .or_insert_with(|| "true".into());
        }
        "do_shutdown" | "clear_failcount" | "probe_again" => {
            meta.insert("op_no_wait".into(), "true".into());
        }
        "migrate_from" => {
            if let Some((_, rsc)) = rsc {
                let to = rsc
                    .actions
                    .iter()
                    .map(|&m| ws.action(m))
                    .find(|m| m.task == "migrate_to");
                let uname = |n: Option<NodeIdx>| n.map(|n| ws.node(n).uname.clone());
                // A partial migration finishes without a migrate_to.
                let ends = match to {
                    Some(m) => [
                        m.meta.get("migrate_source").cloned(),
                        m.meta.get("migrate_target").cloned(),
                    ],
                    None => [
                        uname(rsc.partial_migration_source),
                        uname(rsc.partial_migration_target.or(rsc.assigned)),
                    ],
                };
                for (k, v) in ["migrate_source", "migrate_target"].into_iter().zip(ends) {
                    if let Some(v) = v {
                        meta.insert(k.to_string(), v);
                    }
                }
            }
        }
        _ => {}
    }
    for (k, v) in meta {
        if !k.contains(['#', ':']) {
            add(&mut attrs, crm_meta_name(&k), v);
        }
    }
    if let Some((r, _)) = rsc {
        add_parent_graph_meta(ws, r, &mut attrs);
        if let Some(host) = super::remote::guest_physical_host(ws, a) {
            if let Some(t) = ws.rsc(r).meta.get("container-attribute-target") {
                attrs.insert("CRM_meta_container_attribute_target".into(), t.clone());
            }
            attrs.insert("CRM_meta_physical_host".into(), ws.node(host).uname.clone());
        }
    } else if let (true, Some(n)) = (act.task == "stonith", act.node) {
        for (k, v) in &ws.node(n).attrs {
            if !k.contains(['#', ':']) {
                add(&mut attrs, crm_meta_name(k), v.clone());
            }
        }
    }
    attrs
}

/// What a resource and each of its parents add to its actions' attributes
/// (`add_graph_meta`): a clone instance's number, a clone's settings.
fn add_parent_graph_meta(ws: &WorkingSet, r: RscIdx, attrs: &mut BTreeMap<String, String>) {
    let mut cur = Some(r);
    let in_clone = {
        let top = ws.top_parent(r);
        top != r && matches!(ws.rsc(top).variant, Variant::Clone { .. })
    };
    while let Some(c) = cur {
        let rsc = ws.rsc(c);
        match &rsc.variant {
            Variant::Primitive => {
                if let Some(v) = rsc.meta.get("remote-node") {
                    attrs.insert("CRM_meta_remote_node".into(), v.clone());
                }
                // A bundle replica's address, as the agent expects it.
                if let Some(v) = rsc.meta.get("external-ip") {
                    attrs.insert("pcmk_external_ip".into(), v.clone());
                }
                if in_clone {
                    if let Some((_, n)) = rsc.id.rsplit_once(':') {
                        if n.bytes().all(|b| b.is_ascii_digit()) {
                            attrs.insert("CRM_meta_clone".into(), n.to_string());
                        }
                    }
                }
            }
            Variant::Group | Variant::Bundle => {}
            Variant::Clone { .. } => {
                if let Some(d) = &rsc.clone {
                    let b = |v: bool| if v { "true" } else { "false" }.to_string();
                    attrs.insert("CRM_meta_globally_unique".into(), b(d.unique));
                    attrs.insert("CRM_meta_notify".into(), b(d.notify));
                    attrs.insert("CRM_meta_clone_max".into(), d.clone_max.to_string());
                    attrs.insert(
                        "CRM_meta_clone_node_max".into(),
                        d.clone_node_max.to_string(),
                    );
                    if super::clone::is_promotable(ws, c) {
                        for k in ["promoted_max", "master_max"] {
                            attrs.insert(format!("CRM_meta_{k}"), d.promoted_max.to_string());
                        }
                        for k in ["promoted_node_max", "master_node_max"] {
                            attrs.insert(format!("CRM_meta_{k}"), d.promoted_node_max.to_string());
                        }
                    }
                }
            }
        }
        cur = rsc.parent;
    }
    // The container may be set on the primitive or a parent; the highest wins.
    let mut cur = Some(r).filter(|&r| ws.rsc(r).variant == Variant::Primitive);
    while let Some(c) = cur {
        if let Some(container) = ws.rsc(c).container {
            attrs.insert("CRM_meta_container".into(), ws.rsc(container).id.clone());
        }
        cur = ws.rsc(c).parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_split_into_class_provider_and_type() {
        assert_eq!(
            split_agent("ocf:heartbeat:IPaddr2"),
            ("ocf", Some("heartbeat"), "IPaddr2")
        );
        assert_eq!(
            split_agent("stonith:fence_xvm"),
            ("stonith", None, "fence_xvm")
        );
        assert_eq!(
            split_agent("systemd:getty@tty1"),
            ("systemd", None, "getty@tty1")
        );
    }

    #[test]
    fn meta_names_are_prefixed_with_underscores() {
        assert_eq!(crm_meta_name("record-pending"), "CRM_meta_record_pending");
        assert_eq!(crm_meta_name("timeout"), "CRM_meta_timeout");
    }

    #[test]
    fn timeouts_default_to_twenty_seconds() {
        assert_eq!(timeout_ms(None), 20_000);
        assert_eq!(timeout_ms(Some(&"90s".to_string())), 90_000);
        assert_eq!(timeout_ms(Some(&"bogus".to_string())), 20_000);
    }
}
