//! Ordering probes: each probe before the restarts it may cause and before
//! what its resource's stops are ordered before, so that nothing starts on a
//! node before the resource's state there is known (Pacemaker's
//! `pcmk__order_probes` in `pcmk_sched_probes.c`).

use super::orderings::{find_actions_by_key, order_actions};
use super::ws::order::*;
use super::ws::*;

/// Orders probes before what their resource's orderings imply
/// (`pcmk__order_probes`): restart orderings for every probe, then "probe
/// then X" for every "stop then X".
pub(super) fn order_probes(ws: &mut WorkingSet) {
    for r in ws.top.clone() {
        add_restart_orderings_for_rsc(ws, r);
    }
    add_probe_orderings_for_stops(ws);
}

/// A primitive's probes (`pe__resource_actions` for `monitor`, interval 0).
fn probes_of(ws: &WorkingSet, r: RscIdx) -> Vec<ActionIdx> {
    let rsc = ws.rsc(r);
    let probe = super::actions::OpKeyMatch::new(&rsc.id, "monitor", 0);
    rsc.actions
        .iter()
        .copied()
        .filter(|&a| probe.is(&ws.action(a).key))
        .collect()
}

/// Orders each probe of a resource's primitives before the stops and
/// demotes of restarts it may lead to (`add_restart_orderings_for_rsc`).
fn add_restart_orderings_for_rsc(ws: &mut WorkingSet, r: RscIdx) {
    if !matches!(ws.rsc(r).variant, Variant::Primitive) {
        for c in ws.rsc(r).children.clone() {
            add_restart_orderings_for_rsc(ws, c);
        }
        return;
    }
    for probe in probes_of(ws, r) {
        for (then, _) in ws.action(probe).after.clone() {
            let mut tracking = std::collections::BTreeSet::new();
            add_restart_orderings_for_probe(ws, probe, then, &mut tracking);
        }
    }
}

/// For "probe then start (or promote) of another primitive", orders the
/// probe before that primitive's stops (or demotes) too, and follows the
/// orderings after `after` that imply it, or lead from a group or clone to
/// its members (`add_restart_orderings_for_probe`).
fn add_restart_orderings_for_probe(
    ws: &mut WorkingSet,
    probe: ActionIdx,
    after: ActionIdx,
    tracking: &mut std::collections::BTreeSet<ActionIdx>,
) {
    let Some(probe_rsc) = ws.action(probe).rsc else {
        return;
    };
    if !matches!(ws.rsc(probe_rsc).variant, Variant::Primitive)
        || ws.action(probe).task != "monitor"
    {
        return;
    }
    if !tracking.insert(after) {
        return;
    }
    let after_rsc = ws.action(after).rsc;
    if let Some(ar) = after_rsc {
        if matches!(ws.rsc(ar).variant, Variant::Primitive) && ar != probe_rsc {
            let then_task = match ws.action(after).task.as_str() {
                "start" => Some("stop"),
                "promote" => Some("demote"),
                _ => None,
            };
            if let Some(task) = then_task {
                let key = format!("{}_{task}_0", ws.rsc(ar).id);
                for then in find_actions_by_key(ws, ar, &key) {
                    if !ws.action(then).pseudo {
                        order_actions(ws, probe, then, OPTIONAL);
                    }
                }
            }
        }
    }
    let is_clone = |ws: &WorkingSet, r: RscIdx| matches!(ws.rsc(r).variant, Variant::Clone { .. });
    let mut interleave = false;
    let mut compatible = None;
    if let Some(ar) = after_rsc.filter(|&ar| is_clone(ws, ar)) {
        interleave = ws.rsc(ar).clone.as_ref().is_some_and(|d| d.interleave);
        if interleave {
            compatible =
                super::clone::find_compatible_child(ws, probe_rsc, ar, Role::Unknown, false);
        }
    }
    for (next, flags) in ws.action(after).after.clone() {
        if flags & IMPLIES_THEN == 0 {
            let next_rsc = ws.action(next).rsc;
            let (Some(ar), Some(nr)) = (after_rsc, next_rsc) else {
                continue;
            };
            if matches!(ws.rsc(ar).variant, Variant::Primitive)
                || ws.rsc(probe_rsc).parent == Some(ar)
                || is_clone(ws, nr)
                || ws.rsc(nr).parent != Some(ar)
            {
                continue;
            }
            if is_clone(ws, ar) && interleave && compatible != Some(nr) {
                continue;
            }
        }
        add_restart_orderings_for_probe(ws, probe, next, tracking);
    }
}

/// Whether a probe should come before an action: not before unfencing its
/// own node, nor before another node's shutdown (`probe_needed_before_action`).
fn probe_needed_before_action(ws: &WorkingSet, probe: ActionIdx, then: ActionIdx) -> bool {
    let (p, t) = (ws.action(probe), ws.action(then));
    let same_node = p.node.is_some() && p.node == t.node;
    if t.task == "stonith"
        && same_node
        && t.meta
            .get("stonith_action")
            .is_some_and(|a| a.eq_ignore_ascii_case("on"))
    {
        return false;
    }
    !(t.task == "do_shutdown" && p.node.is_some() && t.node.is_some() && !same_node)
}

/// For every "stop A then X" ordering, orders A's probes before X too, so
/// the relation holds until A is known to be stopped
/// (`add_probe_orderings_for_stops`).
fn add_probe_orderings_for_stops(ws: &mut WorkingSet) {
    // Lent out rather than cloned (see `apply_orderings`).
    let orderings = std::mem::take(&mut ws.orderings);
    for o in &orderings {
        if o.flags == NONE {
            continue;
        }
        let Some(first) = o.first_rsc else { continue };
        if o.then_rsc == Some(first) {
            continue;
        }
        let first_is_stop = match (o.first_action, o.first_task.as_deref()) {
            (Some(a), _) => ws.action(a).task == "stop",
            (None, Some(t)) => t.ends_with("_stop_0"),
            (None, None) => continue,
        };
        if !first_is_stop || (o.then_action.is_none() && o.then_task.is_none()) {
            continue;
        }
        if let Some(tr) = o.then_rsc {
            if ws.rsc(first).container == Some(tr) {
                let then_is_stop = match (o.then_action, o.then_task.as_deref()) {
                    (Some(a), _) => ws.action(a).task == "stop",
                    (None, Some(t)) => t.ends_with("_stop_0"),
                    (None, None) => false,
                };
                if then_is_stop {
                    continue;
                }
            }
        }
        let mut flags = OPTIONAL;
        if o.flags & APPLY_FIRST_NON_MIGRATABLE != 0 {
            flags |= APPLY_FIRST_NON_MIGRATABLE;
        }
        if o.flags & SAME_NODE != 0 {
            flags |= SAME_NODE;
        }
        if o.flags == ANTI_COLOCATION || o.flags == LOAD {
            flags = o.flags;
        }
        let probes = probes_of(ws, first);
        if probes.is_empty() {
            continue;
        }
        let thens: Vec<ActionIdx> = match (o.then_action, o.then_rsc, o.then_task.as_deref()) {
            (Some(a), _, _) => vec![a],
            (None, Some(tr), Some(tt)) => find_actions_by_key(ws, tr, tt),
            _ => Vec::new(),
        };
        for &p in &probes {
            for &t in &thens {
                if probe_needed_before_action(ws, p, t) {
                    order_actions(ws, p, t, flags);
                }
            }
        }
    }
    super::orderings::restore_orderings(ws, orderings);
}
