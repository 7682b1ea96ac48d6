//! Utilization: what resources consume and nodes offer, so that a
//! placement-strategy other than "default" bans nodes without the capacity
//! for a resource and what is colocated with it (Pacemaker's
//! `pcmk_sched_utilization.c`: `pcmk__compare_node_capacities`,
//! `pcmk__ban_insufficient_capacity` and their helpers).

use super::status::resource_location;
use super::ws::*;
use crate::cib::{Score, INFINITY};

/// Compares two nodes' free capacity (`pcmk__compare_node_capacities`):
/// negative when the first has more, attribute by attribute.
pub(super) fn compare_capacities(ws: &WorkingSet, a: NodeIdx, b: NodeIdx) -> i32 {
    let (ua, ub) = (&ws.node(a).utilization, &ws.node(b).utilization);
    let mut result = 0;
    for key in ua.keys().chain(ub.keys().filter(|k| !ua.contains_key(*k))) {
        let (ca, cb) = (
            ua.get(key).copied().unwrap_or(0),
            ub.get(key).copied().unwrap_or(0),
        );
        if ca > cb {
            result -= 1;
        } else if ca < cb {
            result += 1;
        }
    }
    result
}

fn has_capacity(
    ws: &WorkingSet,
    n: NodeIdx,
    need: &std::collections::BTreeMap<String, i64>,
) -> bool {
    let have = &ws.node(n).utilization;
    need.iter()
        .all(|(k, &v)| v <= have.get(k).copied().unwrap_or(0))
}

/// Resources that will end up with `r` through mandatory colocations
/// (`pcmk__colocated_resources`, `pcmk__group_colocated_resources`).
fn colocated_resources(ws: &WorkingSet, r: RscIdx, orig: RscIdx, list: &mut Vec<RscIdx>) {
    let rsc = ws.rsc(r);
    if rsc.variant == Variant::Group {
        // Members first (only the first one when they are not colocated
        // and the group is not cloned), then the group's own colocations.
        let cloned = rsc
            .parent
            .is_some_and(|p| matches!(ws.rsc(p).variant, Variant::Clone { .. }));
        let members: Vec<RscIdx> = if rsc.group_colocated || cloned {
            rsc.children.clone()
        } else {
            rsc.children.first().copied().into_iter().collect()
        };
        for m in members {
            colocated_resources(ws, m, orig, list);
        }
    }
    if list.contains(&r) {
        return;
    }
    list.push(r);
    // Only colocations that place the dependent count: not a promotable
    // instance's role colocation once it is assigned
    // (`pcmk__colocation_affects`).
    let affects_location = |dependent: RscIdx, c: &Colocation| {
        let d = ws.rsc(dependent);
        !(c.dependent_role >= Role::Unpromoted
            && d.parent
                .is_some_and(|p| matches!(ws.rsc(p).variant, Variant::Clone { promotable: true }))
            && !d.provisional)
    };
    for &ci in &ws.rsc(r).this_with {
        let c = &ws.colocations[ci];
        if c.primary == orig || c.score.value() != INFINITY || !affects_location(r, c) {
            continue;
        }
        colocated_resources(ws, c.primary, orig, list);
    }
    let is_clone = matches!(ws.rsc(r).variant, Variant::Clone { .. });
    for &ci in &ws.rsc(r).with_this {
        let c = &ws.colocations[ci];
        if c.dependent == orig || c.score.value() != INFINITY {
            continue;
        }
        // Whether a non-clone dependent ends up with a clone is unknown.
        if is_clone && !matches!(ws.rsc(c.dependent).variant, Variant::Clone { .. }) {
            continue;
        }
        if !affects_location(c.dependent, c) {
            continue;
        }
        colocated_resources(ws, c.dependent, orig, list);
    }
}

/// Adds what a not yet assigned resource will consume (`add_utilization`):
/// a colocated group all its members, another group its first member.
fn add_utilization(
    ws: &WorkingSet,
    r: RscIdx,
    all: &[RscIdx],
    sum: &mut std::collections::BTreeMap<String, i64>,
) {
    let rsc = ws.rsc(r);
    if !rsc.provisional {
        return;
    }
    if rsc.variant == Variant::Group {
        let members: Vec<RscIdx> = if rsc.group_colocated {
            rsc.children.clone()
        } else {
            rsc.children.first().copied().into_iter().collect()
        };
        for m in members {
            if ws.rsc(m).provisional && !all.contains(&m) {
                add_utilization(ws, m, all, sum);
            }
        }
        return;
    }
    if let Variant::Clone { .. } = rsc.variant {
        // An instance's worth, once: none if an instance (or a member of
        // one) is in the list already, though a cloned group whose member
        // is listed adds its own; else the first instance's
        // (`pcmk__clone_add_utilization`).
        let mut existing = false;
        for &child in &rsc.children {
            if all.contains(&child) {
                existing = true;
            } else if ws.rsc(child).children.iter().any(|m| all.contains(m)) {
                add_utilization(ws, child, all, sum);
                existing = true;
            }
        }
        if !existing {
            if let Some(&first) = rsc.children.first() {
                add_utilization(ws, first, all, sum);
            }
        }
        return;
    }
    for (k, v) in &rsc.utilization {
        *sum.entry(k.clone()).or_insert(0) += v;
    }
}

/// Bans a resource from nodes without the capacity for it and whatever is
/// colocated with it, or, if no node has that, for it alone; returns the
/// node with the most free capacity in the latter case
/// (`pcmk__ban_insufficient_capacity`).
pub(super) fn ban_insufficient_capacity(ws: &mut WorkingSet, r: RscIdx) -> Option<NodeIdx> {
    if ws.config.placement_strategy.eq_ignore_ascii_case("default") {
        return None;
    }
    let mut colocated = Vec::new();
    colocated_resources(ws, r, r, &mut colocated);
    if !colocated.contains(&r) {
        colocated.push(r);
    }
    let mut unassigned = std::collections::BTreeMap::new();
    for &c in &colocated {
        add_utilization(ws, c, &colocated, &mut unassigned);
    }
    let candidates: Vec<NodeIdx> = ws
        .rsc(r)
        .allowed
        .iter()
        .filter(|(&n, a)| ws.node_available(n, Some(a.weight)))
        .map(|(&n, _)| n)
        .collect();
    let mut any_capable = false;
    let mut most: Option<NodeIdx> = None;
    for &n in &candidates {
        if has_capacity(ws, n, &unassigned) {
            any_capable = true;
        }
        if most.is_none_or(|m| compare_capacities(ws, n, m) < 0) {
            most = Some(n);
        }
    }
    let need = if any_capable {
        most = None;
        unassigned
    } else {
        ws.rsc(r).utilization.clone()
    };
    for n in candidates {
        if !has_capacity(ws, n, &need) {
            resource_location(ws, r, Some(n), Score::NEG_INF);
        }
    }
    most
}
