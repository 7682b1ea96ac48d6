//! The transition graph: which actions run and what each waits for
//! (Pacemaker's `pcmk_graph_producer.c`), and its execution in the order
//! the controller (or `crm_simulate`) would fire them (`pcmk__execute_graph`).
//! Writing it out, as XML or dot, and the attributes of its actions live in
//! the modules re-exported below, so callers keep these paths.

use std::collections::BTreeMap;

use super::ws::order::*;
use super::ws::*;

pub use super::graph_dot::{dot_label, to_dot};
pub(crate) use super::graph_meta::rsc_params;
pub use super::graph_xml::{rsc_graph_names, to_xml};

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
