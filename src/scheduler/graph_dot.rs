//! The graph as dot, as `crm_simulate -D` writes it: action names, colours
//! and the orderings between actions (Pacemaker's `pcmk_simulate.c`:
//! `write_sim_dotfile`, `create_action_name`).

use std::fmt::Write as _;

use super::graph::Graph;
use super::ws::order::*;
use super::ws::*;

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
