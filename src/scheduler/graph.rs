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
        if ws.actions[a].rsc.is_none() {
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

/// An action's name in dot files (`create_action_name` of
/// `pcmk_simulate.c`): its key (by the history's name for a resource known
/// there by another), then its node, or `<none>` for a real action without
/// one; a cancellation as `Cancel KEY NODE`; fencing as
/// `stonith 'ACTION' NODE`.
pub fn action_label(ws: &WorkingSet, a: ActionIdx) -> String {
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
        format!(
            "{prefix}{} '{op}' {}",
            act.task,
            host.unwrap_or("(null)")
        )
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
            action_label(ws, ActionIdx(i))
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
                action_label(ws, f),
                action_label(ws, ActionIdx(i))
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

/// Writes the graph as transition-graph XML, in the style of `crm_simulate -G`.
pub fn to_xml(ws: &WorkingSet, graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<transition_graph cluster-delay=\"{}s\" stonith-timeout=\"{}s\" failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\"  transition_id=\"0\">",
        ws.config.cluster_delay_ms / 1000,
        ws.config.stonith_timeout_ms / 1000
    );
    for s in &graph.synapses {
        let _ = writeln!(out, "  <synapse id=\"{}\">", s.id);
        out.push_str("    <action_set>\n");
        let _ = writeln!(out, "      {}", action_xml(ws, s.action, false));
        out.push_str("    </action_set>\n");
        if s.inputs.is_empty() {
            out.push_str("    <inputs/>\n");
        } else {
            out.push_str("    <inputs>\n");
            for &i in &s.inputs {
                let _ = writeln!(
                    out,
                    "      <trigger>\n        {}\n      </trigger>",
                    action_xml(ws, i, true)
                );
            }
            out.push_str("    </inputs>\n");
        }
        out.push_str("  </synapse>\n");
    }
    out.push_str("</transition_graph>\n");
    out
}

fn action_xml(ws: &WorkingSet, a: ActionIdx, short: bool) -> String {
    use crate::cib::xml::escape;
    let act = ws.action(a);
    let node_attrs = act
        .node
        .map(|n| {
            format!(
                " on_node=\"{}\" on_node_uuid=\"{}\"",
                escape(&ws.node(n).uname),
                escape(&ws.node(n).id)
            )
        })
        .unwrap_or_default();
    let (tag, node_attrs) = if act.pseudo {
        ("pseudo_event", String::new())
    } else if matches!(
        act.task.as_str(),
        "stonith" | "do_shutdown" | "clear_failcount" | "lrm_refresh" | "lrm_delete"
    ) {
        ("crm_event", node_attrs)
    } else {
        ("rsc_op", node_attrs)
    };
    let _ = short;
    format!(
        "<{tag} id=\"{}\" operation=\"{}\" operation_key=\"{}\"{node_attrs}/>",
        graph_id(act),
        escape(&act.task),
        escape(&act.key)
    )
}
