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

/// A readable name for an action, as in dot files: `key node`.
pub fn action_label(ws: &WorkingSet, a: ActionIdx) -> String {
    let act = ws.action(a);
    match (act.pseudo, act.node) {
        (false, Some(n)) => format!("{} {}", act.key, ws.node(n).uname),
        _ => act.key.clone(),
    }
}

/// Writes the graph as dot, in the style of `crm_simulate -D`.
pub fn to_dot(ws: &WorkingSet, graph: &Graph) -> String {
    let in_graph: std::collections::BTreeSet<usize> =
        graph.synapses.iter().map(|s| s.action.0).collect();
    let mut lines: Vec<String> = Vec::new();
    for (i, act) in ws.actions.iter().enumerate() {
        let a = ActionIdx(i);
        let label = action_label(ws, a);
        let (style, color) = if in_graph.contains(&i) {
            ("bold", "green")
        } else if act.optional {
            continue;
        } else if !act.runnable {
            ("dashed", "red")
        } else {
            ("dashed", "blue")
        };
        let font = if act.pseudo { "orange" } else { "black" };
        lines.push(format!(
            "\"{label}\" [ style={style} color=\"{color}\" fontcolor=\"{font}\"]"
        ));
        for &(f, flags) in &act.before {
            if flags == NONE || !in_graph.contains(&f.0) && ws.action(f).optional {
                continue;
            }
            let style = if in_graph.contains(&f.0) && in_graph.contains(&i) {
                "bold"
            } else {
                "dashed"
            };
            lines.push(format!(
                "\"{}\" -> \"{label}\" [ style = {style}]",
                action_label(ws, f)
            ));
        }
    }
    lines.sort();
    lines.dedup();
    let mut out = String::from("digraph \"g\" {\n");
    for l in lines {
        let _ = writeln!(out, "{l}");
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
