//! Clones: placing instances, the clone's pseudo actions and orderings,
//! colocations with clones and interleaving (Pacemaker 2.1.5's
//! `pcmk_sched_clone.c`: `pcmk__clone_allocate`, `distribute_children`,
//! `allocate_instance`, `sort_clone_instance`, `clone_create_actions`,
//! `clone_internal_constraints`, `clone_rsc_colocation_rh`,
//! `clone_create_probe`, `summary_action_flags` and
//! `pcmk__multi_update_actions`).

use std::cmp::Ordering as CmpOrdering;

use super::actions::{order_rsc_actions, rsc_pseudo_action};
use super::assign::{self, MergeFlags, NodeTable};
pub use super::interleave::{can_interleave, child_task, find_compatible_child, find_first_action};
use super::status::resource_location;
use super::ws::order::*;
use super::ws::*;
use crate::cib::{Score, INFINITY};

/// Whether a resource is a clone.
pub fn is_clone(ws: &WorkingSet, r: RscIdx) -> bool {
    matches!(ws.rsc(r).variant, Variant::Clone { .. })
}

/// Whether a resource is a promotable clone.
pub fn is_promotable(ws: &WorkingSet, r: RscIdx) -> bool {
    matches!(ws.rsc(r).variant, Variant::Clone { promotable: true })
}

/// The instance number of a clone instance (after the last `:`).
pub fn instance_number(ws: &WorkingSet, r: RscIdx) -> i64 {
    let id = &ws.rsc(r).id;
    id.rsplit_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// Sorts a clone's instances by instance number (`sort_rsc_id`).
pub fn sort_by_number(ws: &mut WorkingSet, clone: RscIdx) {
    // Numbers compare as an order, so a stable sort of instances already
    // in order leaves them as they are (they mostly are).
    let in_order = ws
        .rsc(clone)
        .children
        .windows(2)
        .all(|w| instance_number(ws, w[0]) <= instance_number(ws, w[1]));
    if in_order {
        return;
    }
    let children = ws.rsc(clone).children.clone();
    let sorted = super::status::merge_sort(children, &|a, b| {
        instance_number(ws, a).cmp(&instance_number(ws, b))
    });
    ws.rsc_mut(clone).children = sorted;
}

/// Where a resource is (`current`) or will be (`fns->location`): the one
/// node, or none when it is on none or on several.
pub fn location(ws: &WorkingSet, r: RscIdx, current: bool) -> Option<NodeIdx> {
    let mut nodes: Vec<NodeIdx> = Vec::new();
    collect_locations(ws, r, current, &mut nodes);
    if nodes.len() == 1 {
        Some(nodes[0])
    } else {
        None
    }
}

fn collect_locations(ws: &WorkingSet, r: RscIdx, current: bool, out: &mut Vec<NodeIdx>) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            collect_locations(ws, c, current, out);
        }
        return;
    }
    let list: Vec<NodeIdx> = if current {
        rsc.running_on.clone()
    } else {
        rsc.assigned.into_iter().collect()
    };
    for n in list {
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// Whether a resource or any descendant is blocked (`is_set_recursive`
/// with `pe_rsc_block`, any).
pub(super) fn any_blocked(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r).blocked || ws.rsc(r).children.iter().any(|&c| any_blocked(ws, c))
}

/// Whether a resource or any descendant failed (`did_fail`).
fn did_fail(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r).failed || ws.rsc(r).children.iter().any(|&c| did_fail(ws, c))
}

/// Sets a node's score for a resource and its descendants, where the node
/// is allowed (`common_update_score`).
fn update_score(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, score: Score) {
    if let Some(a) = ws.rsc_mut(r).allowed.get_mut(&n) {
        a.weight = score;
    }
    for c in ws.rsc(r).children.clone() {
        update_score(ws, c, n, score);
    }
}

/// An instance's active node and how many nodes it is active on
/// (`pe__find_active_on`).
fn active_on(ws: &WorkingSet, r: RscIdx) -> (Option<NodeIdx>, usize) {
    let rsc = ws.rsc(r);
    if rsc.children.is_empty() {
        let n = rsc.running_on.len();
        return (if n > 0 { ws.current_node(r) } else { None }, n);
    }
    let n = rsc.running_on.len();
    (if n > 0 { ws.current_node(r) } else { None }, n)
}

/// The node's score after the clone's colocations, for an instance on
/// its current node (part of `sort_clone_instance`).
fn colocated_score_on(ws: &mut WorkingSet, inst: RscIdx, n: NodeIdx) -> Score {
    let clone = ws.rsc(inst).parent.expect("instance");
    let mut table = NodeTable::new();
    table.insert(
        n,
        AllowedNode {
            weight: ws.node(n).weight,
            discover: Discover::Always,
        },
    );
    for ci in ws.rsc(clone).this_with.clone() {
        let c = ws.colocations[ci].clone();
        if c.score == Score::ZERO {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        table = assign::merge_weights(
            ws,
            c.primary,
            table,
            c.node_attribute.as_deref(),
            factor,
            MergeFlags {
                init: false,
                forward: false,
                rollback: false,
                positive: false,
            },
        );
    }
    for ci in ws.rsc(clone).with_this.clone() {
        let c = ws.colocations[ci].clone();
        if !has_influence(ws, &c, Some(inst)) {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        table = assign::merge_weights(
            ws,
            c.dependent,
            table,
            c.node_attribute.as_deref(),
            factor,
            MergeFlags {
                init: false,
                forward: false,
                rollback: false,
                positive: true,
            },
        );
    }
    table.get(&n).map(|a| a.weight).unwrap_or(Score::NEG_INF)
}

/// Whether the dependent of a colocation may move its primary
/// (`pcmk__colocation_has_influence`).
fn has_influence(ws: &WorkingSet, c: &Colocation, rsc: Option<RscIdx>) -> bool {
    let r = rsc.unwrap_or(c.primary);
    c.influence || ws.rsc(r).running_on.is_empty()
}

/// The order in which instances are placed (`sort_clone_instance`): those
/// whose current node is still allowed first, then by priority, active
/// ones, on nodes that can run resources, on nodes with fewer instances,
/// not failed, by colocation score, then by id.
pub(crate) fn cmp_instance(
    ws: &WorkingSet,
    coloc: &std::collections::BTreeMap<RscIdx, Score>,
    a: RscIdx,
    b: RscIdx,
) -> CmpOrdering {
    let (cur1, n1) = active_on(ws, a);
    let (cur2, n2) = active_on(ws, b);
    if n1 > 0 && n2 > 0 && n1 != n2 {
        return n1.cmp(&n2);
    }
    let allowed_there = |ws: &WorkingSet, r: RscIdx, n: Option<NodeIdx>| {
        n.filter(|n| {
            ws.rsc(r)
                .allowed
                .get(n)
                .is_some_and(|x| x.weight.value() >= 0)
        })
    };
    // Inactive, or active on a node still allowed, beats active on a node
    // no longer allowed.
    let (o1, o2) = (allowed_there(ws, a, cur1), allowed_there(ws, b, cur2));
    match (
        cur1.is_none() || o1.is_some(),
        cur2.is_none() || o2.is_some(),
    ) {
        (true, false) => return CmpOrdering::Less,
        (false, true) => return CmpOrdering::Greater,
        _ => {}
    }
    // Priority (for a promotable clone: the best promotion score, see
    // `promotable::add_promotion_scores`) comes before being active: an
    // inactive instance that can be promoted is placed before a failed one.
    let (p1, p2) = (ws.rsc(a).priority, ws.rsc(b).priority);
    if p1 != p2 {
        return p2.cmp(&p1);
    }
    let (Some(c1), Some(c2)) = (o1, o2) else {
        return match (o1, o2) {
            (None, None) => CmpOrdering::Equal,
            (None, _) => CmpOrdering::Greater,
            _ => CmpOrdering::Less,
        };
    };
    let can = |n: NodeIdx| ws.node(n).available();
    match (can(c1), can(c2)) {
        (true, false) => return CmpOrdering::Less,
        (false, true) => return CmpOrdering::Greater,
        _ => {}
    }
    let clone = ws.rsc(a).parent.expect("instance");
    let count = |n: NodeIdx| {
        ws.rsc(clone)
            .clone
            .as_ref()
            .and_then(|d| d.counts.get(&n).copied())
            .unwrap_or(0)
    };
    let in_parent = |n: NodeIdx| ws.rsc(clone).allowed.contains_key(&n);
    match (in_parent(c1), in_parent(c2)) {
        (false, false) => return CmpOrdering::Equal,
        (false, true) => return CmpOrdering::Greater,
        (true, false) => return CmpOrdering::Less,
        _ => {}
    }
    if count(c1) != count(c2) {
        return count(c1).cmp(&count(c2));
    }
    match (did_fail(ws, a), did_fail(ws, b)) {
        (true, false) => return CmpOrdering::Greater,
        (false, true) => return CmpOrdering::Less,
        _ => {}
    }
    let s1 = coloc.get(&a).copied().unwrap_or(Score::NEG_INF);
    let s2 = coloc.get(&b).copied().unwrap_or(Score::NEG_INF);
    if s1 != s2 {
        return s2.cmp(&s1);
    }
    ws.rsc(a).id.cmp(&ws.rsc(b).id)
}

/// The colocation part of the instance comparison, per active instance on
/// its current node.
pub(crate) fn colocation_scores(
    ws: &mut WorkingSet,
    clone: RscIdx,
) -> std::collections::BTreeMap<RscIdx, Score> {
    let mut coloc = std::collections::BTreeMap::new();
    for c in ws.rsc(clone).children.clone() {
        if let (Some(n), _) = active_on(ws, c) {
            let s = colocated_score_on(ws, c, n);
            coloc.insert(c, s);
        }
    }
    coloc
}

/// Assigns a clone's instances to nodes (`pcmk__clone_allocate`).
pub fn clone_assign(ws: &mut WorkingSet, r: RscIdx, prefer: Option<NodeIdx>) -> Option<NodeIdx> {
    if !ws.rsc(r).provisional || ws.rsc(r).allocating {
        return None;
    }
    if is_promotable(ws, r) {
        super::promotable::add_promotion_scores(ws, r);
    }
    ws.rsc_mut(r).allocating = true;
    for ci in ws.rsc(r).this_with.clone() {
        let primary = ws.colocations[ci].primary;
        assign::assign(ws, primary, prefer);
    }
    for ci in ws.rsc(r).with_this.clone() {
        let c = ws.colocations[ci].clone();
        if !has_influence(ws, &c, None) {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        let nodes = ws.rsc(r).allowed.clone();
        let merged = assign::merge_weights(
            ws,
            c.dependent,
            nodes,
            c.node_attribute.as_deref(),
            factor,
            MergeFlags {
                init: false,
                forward: false,
                rollback: true,
                positive: true,
            },
        );
        ws.rsc_mut(r).allowed = merged;
    }
    assign::show_node_weights(ws, r, "pcmk__clone_allocate");
    let children = ws.rsc(r).children.clone();
    let coloc = colocation_scores(ws, r);
    let sorted = {
        let ws: &WorkingSet = ws;
        super::status::merge_sort(children, &|a, b| cmp_instance(ws, &coloc, a, b))
    };
    ws.rsc_mut(r).children = sorted;
    distribute_children(ws, r);
    if is_promotable(ws, r) {
        super::promotable::set_instance_roles(ws, r);
    }
    let rsc = ws.rsc_mut(r);
    rsc.provisional = false;
    rsc.allocating = false;
    None
}

/// Places the instances: first each active one on its current node, as
/// far as that keeps the spread even, then the rest (`distribute_children`).
fn distribute_children(ws: &mut WorkingSet, clone: RscIdx) {
    let children = ws.rsc(clone).children.clone();
    distribute_instances(ws, clone, children);
}

/// [`distribute_children`] over a given list of instances (a bundle's
/// containers, which are not all of its children).
pub(crate) fn distribute_instances(ws: &mut WorkingSet, clone: RscIdx, children: Vec<RscIdx>) {
    let data = ws.rsc(clone).clone.clone().expect("clone");
    let (max, per_host_max) = (data.clone_max, data.clone_node_max);
    let allowed: Vec<NodeIdx> = ws.rsc(clone).allowed.keys().copied().collect();
    let available_nodes = allowed.iter().filter(|&&n| ws.node(n).available()).count();
    if let Some(d) = ws.rsc_mut(clone).clone.as_mut() {
        d.counts = allowed.iter().map(|&n| (n, 0)).collect();
    }
    let all_coloc = max < available_nodes;
    let loop_max = max.checked_div(available_nodes).unwrap_or(1).max(1);
    let mut allocated = 0usize;
    for &child in &children {
        if allocated >= max {
            break;
        }
        let rsc = ws.rsc(child);
        if !has_running(ws, child) || !rsc.provisional || did_fail(ws, child) {
            continue;
        }
        let Some(cur) = ws.current_node(child) else {
            continue;
        };
        let node = ws.node(cur);
        if !node.available() || node.weight.value() < 0 {
            continue;
        }
        let count = ws
            .rsc(clone)
            .clone
            .as_ref()
            .and_then(|d| d.counts.get(&cur).copied());
        if count.is_some_and(|c| c >= loop_max) {
            continue;
        }
        if allocate_instance(ws, clone, child, Some(cur), all_coloc, per_host_max).is_some() {
            allocated += 1;
        }
    }
    for &child in &children {
        if !ws.rsc(child).provisional {
            continue;
        }
        if allocated >= max {
            resource_location(ws, child, None, Score::NEG_INF);
        } else if allocate_instance(ws, clone, child, None, all_coloc, per_host_max).is_some() {
            allocated += 1;
        }
    }
}

/// Whether an instance (or any member of it) is active anywhere.
fn has_running(ws: &WorkingSet, r: RscIdx) -> bool {
    !ws.rsc(r).running_on.is_empty()
}

/// Bans an instance from a node it may not run on: unavailable, orphaned,
/// the clone banned there, or the node full (`can_run_instance`).
fn can_run_instance(ws: &mut WorkingSet, child: RscIdx, n: NodeIdx, limit: usize) -> bool {
    let clone = ws.rsc(child).parent.expect("instance");
    if ws.node(n).available() && !ws.rsc(child).orphan {
        match ws.rsc(clone).allowed.get(&n).copied() {
            None => {}
            Some(p) if p.weight.value() < 0 => {
                update_score(ws, child, n, p.weight);
                return false;
            }
            Some(_) => {
                let count = ws
                    .rsc(clone)
                    .clone
                    .as_ref()
                    .and_then(|d| d.counts.get(&n).copied())
                    .unwrap_or(0);
                if count < limit {
                    return true;
                }
            }
        }
    }
    update_score(ws, child, n, Score::NEG_INF);
    false
}

/// Adds a colocation to a resource's sorted list, once.
fn add_sorted(ws: &mut WorkingSet, r: RscIdx, ci: usize, this_with: bool) {
    let list = if this_with {
        &ws.rsc(r).this_with
    } else {
        &ws.rsc(r).with_this
    };
    if list.contains(&ci) {
        return;
    }
    let variant_rank = |v: &Variant| match v {
        Variant::Primitive => 0,
        Variant::Group => 1,
        Variant::Clone { .. } => 2,
        Variant::Bundle => 3,
    };
    let key = |ws: &WorkingSet, j: usize| {
        let c = &ws.colocations[j];
        let other = if this_with { c.primary } else { c.dependent };
        let rsc = ws.rsc(other);
        (-rsc.priority, -variant_rank(&rsc.variant), rsc.id.clone())
    };
    let k = key(ws, ci);
    let list = if this_with {
        ws.rsc(r).this_with.clone()
    } else {
        ws.rsc(r).with_this.clone()
    };
    let pos = list
        .iter()
        .position(|&j| key(ws, j) >= k)
        .unwrap_or(list.len());
    if this_with {
        ws.rsc_mut(r).this_with.insert(pos, ci);
    } else {
        ws.rsc_mut(r).with_this.insert(pos, ci);
    }
}

/// Gives an instance the clone's colocations: all of them when not every
/// node gets an instance, else only the mandatory and negative ones
/// (`append_parent_colocation`).
fn append_parent_colocation(ws: &mut WorkingSet, clone: RscIdx, child: RscIdx, all: bool) {
    // A cloned group hands these to its members when it is assigned, right
    // after (`expand_group_colocations`).
    for ci in ws.rsc(clone).this_with.clone() {
        let score = ws.colocations[ci].score;
        if all || score.value() < 0 || score.is_inf() {
            add_sorted(ws, child, ci, true);
        }
    }
    for ci in ws.rsc(clone).with_this.clone() {
        let c = ws.colocations[ci].clone();
        if !has_influence(ws, &c, Some(child)) {
            continue;
        }
        if all || c.score.value() < 0 {
            add_sorted(ws, child, ci, false);
        }
    }
}

/// Takes back an assignment (`native_deallocate`).
fn deallocate(ws: &mut WorkingSet, r: RscIdx) {
    if let Some(old) = ws.rsc(r).assigned {
        ws.rsc_mut(r).assigned = None;
        ws.rsc_mut(r).provisional = true;
        let node = &mut ws.nodes[old.0];
        node.num_resources = node.num_resources.saturating_sub(1);
        for (k, v) in ws.rsc(r).utilization.clone() {
            if let Some(cur) = ws.nodes[old.0].utilization.get_mut(&k) {
                *cur += v;
            }
        }
    }
}

/// Assigns one instance, to `prefer` only if that is still its best node
/// (`allocate_instance`).
fn allocate_instance(
    ws: &mut WorkingSet,
    clone: RscIdx,
    child: RscIdx,
    prefer: Option<NodeIdx>,
    all_coloc: bool,
    limit: usize,
) -> Option<NodeIdx> {
    if !ws.rsc(child).provisional {
        return location(ws, child, false);
    }
    if ws.rsc(child).allocating {
        return None;
    }
    append_parent_colocation(ws, clone, child, all_coloc);
    if let Some(p) = prefer {
        match ws.rsc(child).allowed.get(&p) {
            Some(a) if a.weight.value() >= 0 => {}
            _ => return None,
        }
    }
    let nodes: Vec<NodeIdx> = ws.rsc(child).allowed.keys().copied().collect();
    for n in nodes {
        can_run_instance(ws, child, n, limit);
    }
    let backup = ws.rsc(child).allowed.clone();
    let mut chosen = assign::assign(ws, child, prefer);
    if let (Some(c), Some(p)) = (chosen, prefer) {
        if c != p {
            ws.rsc_mut(child).allowed = backup;
            deallocate(ws, child);
            chosen = None;
        }
    }
    if let Some(c) = chosen {
        if let Some(d) = ws.rsc_mut(clone).clone.as_mut() {
            if let Some(cnt) = d.counts.get_mut(&c) {
                *cnt += 1;
            }
        }
    }
    chosen
}

/// Instances allowed per node, for interleaving (`copies_per_node`).
fn copies_per_node(ws: &WorkingSet, r: RscIdx) -> usize {
    ws.rsc(r)
        .clone
        .as_ref()
        .map(|d| d.clone_node_max)
        .unwrap_or(1)
}

/// Applies a colocation with a clone as the primary to a dependent
/// primitive (`clone_rsc_colocation_rh`).
pub fn clone_apply_coloc_score(
    ws: &mut WorkingSet,
    dependent: RscIdx,
    primary: RscIdx,
    c: &Colocation,
) {
    if ws.rsc(dependent).variant != Variant::Primitive {
        // Groups and clones apply colocations through their members.
        if ws.rsc(dependent).variant == Variant::Group {
            for m in ws.rsc(dependent).children.clone() {
                clone_apply_coloc_score(ws, m, primary, c);
            }
        }
        return;
    }
    if is_promotable(ws, primary) {
        if ws.rsc(primary).provisional {
            return;
        } else if c.primary_role == Role::Unknown {
            // An ordinary clone colocation.
        } else if ws.rsc(dependent).provisional {
            super::promotable::update_dependent_with_promotable(ws, primary, dependent, c);
            return;
        } else if c.dependent_role == Role::Promoted {
            super::promotable::update_promotable_dependent_priority(ws, primary, dependent, c);
            return;
        }
    }
    let mut interleave = false;
    let cdep = c.dependent;
    if is_clone(ws, cdep)
        && ws
            .rsc(cdep)
            .meta
            .get("interleave")
            .is_some_and(|v| super::rules::is_true(v))
    {
        if copies_per_node(ws, cdep) != copies_per_node(ws, c.primary) {
            ws.warnings.push(format!(
                "Cannot interleave {} and {} because they do not support the same number of instances per node",
                ws.rsc(cdep).id,
                ws.rsc(c.primary).id
            ));
        } else {
            interleave = true;
        }
    }
    if ws.rsc(primary).provisional {
        return;
    }
    if interleave {
        match find_compatible_child(ws, dependent, primary, Role::Unknown, false) {
            Some(pi) => assign::apply_coloc_score(ws, dependent, pi, c),
            None if c.score.value() >= INFINITY => {
                assign::finalize_assignment(ws, dependent, None, true);
            }
            None => {}
        }
        return;
    }
    if c.score.value() >= INFINITY {
        let mut affected: Vec<NodeIdx> = Vec::new();
        for child in ws.rsc(primary).children.clone() {
            if let Some(n) = location(ws, child, false) {
                if !any_blocked(ws, child) && !affected.contains(&n) {
                    affected.push(n);
                }
            }
        }
        for (n, a) in ws.rsc_mut(dependent).allowed.iter_mut() {
            if !affected.contains(n) {
                a.weight = Score::NEG_INF;
            }
        }
        return;
    }
    for child in ws.rsc(primary).children.clone() {
        assign::apply_coloc_score(ws, dependent, child, c);
    }
}

/// Records whether an instance is active, starting or stopping
/// (`clone_update_pseudo_status`).
fn update_pseudo_status(
    ws: &WorkingSet,
    r: RscIdx,
    stopping: &mut bool,
    starting: &mut bool,
    active: &mut bool,
) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            update_pseudo_status(ws, c, stopping, starting, active);
        }
        return;
    }
    if !rsc.running_on.is_empty() {
        *active = true;
    }
    for &a in &rsc.actions {
        if *starting && *stopping {
            return;
        }
        let act = ws.action(a);
        if act.optional || !(act.pseudo || act.runnable) {
            continue;
        }
        if act.task == "stop" {
            *stopping = true;
        } else if act.task == "start" && act.runnable {
            *starting = true;
        }
    }
}

/// Creates the instances' actions and the clone's pseudo actions
/// (`clone_create_actions`, `clone_create_pseudo_actions`).
pub fn clone_create_actions(ws: &mut WorkingSet, r: RscIdx) {
    let (mut child_active, mut child_starting, mut child_stopping) = (false, false, false);
    let mut allow_dependent_migrations = true;
    for child in ws.rsc(r).children.clone() {
        match ws.rsc(child).variant {
            Variant::Group => super::actions::group_create_actions(ws, child),
            _ => super::actions::primitive_create_actions(ws, child),
        }
        let (mut stopping, mut starting) = (false, false);
        update_pseudo_status(ws, child, &mut stopping, &mut starting, &mut child_active);
        if stopping && starting {
            allow_dependent_migrations = false;
        }
        child_stopping |= stopping;
        child_starting |= starting;
    }
    let start = rsc_pseudo_action(ws, r, "start", !child_starting, true);
    let started = rsc_pseudo_action(ws, r, "running", !child_starting, false);
    if child_active || child_starting {
        ws.action_mut(started).runnable = true;
    }
    let start_notify = super::notify::notif_pseudo_ops(ws, r, "start", Some(start), Some(started));
    let stop = rsc_pseudo_action(ws, r, "stop", !child_stopping, true);
    let stopped = rsc_pseudo_action(ws, r, "stopped", !child_stopping, true);
    if allow_dependent_migrations {
        ws.action_mut(stop).migrate_runnable = true;
    }
    let stop_notify = super::notify::notif_pseudo_ops(ws, r, "stop", Some(stop), Some(stopped));
    if let (Some(sn), Some(st)) = (&stop_notify, &start_notify) {
        if let (Some(a), Some(b)) = (sn.post_done, st.pre) {
            super::orderings::order_actions(ws, a, b, OPTIONAL);
        }
    }
    if let Some(d) = ws.rsc_mut(r).clone.as_mut() {
        for nd in [start_notify, stop_notify].into_iter().flatten() {
            d.notifs.insert(nd.action.clone(), nd);
        }
    }
    if ws.rsc(r).clone.as_ref().is_some_and(|d| d.ordered) {
        order_instance_starts_stops(ws, r);
    }
    if is_promotable(ws, r) {
        super::promotable::create_promotable_actions(ws, r);
    }
}

/// The graph stage of clones (`clone_expand`, before the graph is
/// written): the clone's pseudo actions take their instances' flags, then
/// the notifications are created.
pub fn expand_clones(ws: &mut WorkingSet) {
    for r in ws.top.clone() {
        if ws.rsc(r).variant == Variant::Bundle {
            if let Some(child) = ws.bundles.get(&r).and_then(|d| d.child) {
                expand_clone(ws, child);
            }
        }
        if is_clone(ws, r) {
            expand_clone(ws, r);
        }
    }
}

/// [`expand_clones`] for one clone.
pub(crate) fn expand_clone(ws: &mut WorkingSet, r: RscIdx) {
    {
        for a in ws.rsc(r).actions.clone() {
            super::orderings::clone_action_flags(ws, a, None);
        }
        let notify = ws
            .rsc(r)
            .clone
            .as_ref()
            .map(|d| d.notifs.clone())
            .unwrap_or_default();
        for task in ["start", "stop", "promote", "demote"] {
            if let Some(nd) = notify.get(task) {
                super::notify::create_notifications(ws, r, nd);
            }
        }
    }
}

/// The one required action of a task of an instance, if exactly one
/// (`find_rsc_action`).
fn find_required_action(ws: &WorkingSet, r: RscIdx, task: &str) -> Option<ActionIdx> {
    let all: Vec<ActionIdx> = resource_actions(ws, r, task)
        .into_iter()
        .filter(|&a| !ws.action(a).optional)
        .collect();
    if all.len() == 1 {
        Some(all[0])
    } else {
        None
    }
}

/// A resource's actions of a task, oldest first (`pe__resource_actions`).
fn resource_actions(ws: &WorkingSet, r: RscIdx, task: &str) -> Vec<ActionIdx> {
    ws.rsc(r)
        .actions
        .iter()
        .rev()
        .copied()
        .filter(|&a| ws.action(a).task == task)
        .collect()
}

/// An ordered clone starts its instances one after the other, and stops
/// them in turn (`child_ordering_constraints`).
fn order_instance_starts_stops(ws: &mut WorkingSet, r: RscIdx) {
    sort_by_number(ws, r);
    let (mut last_stop, mut last_start) = (None, None);
    for child in ws.rsc(r).children.clone() {
        if let Some(stop) = find_required_action(ws, child, "stop") {
            if let Some(ls) = last_stop {
                super::orderings::order_actions(ws, stop, ls, OPTIONAL);
            }
            last_stop = Some(stop);
        }
        if let Some(start) = find_required_action(ws, child, "start") {
            if let Some(ls) = last_start {
                super::orderings::order_actions(ws, ls, start, OPTIONAL);
            }
            last_start = Some(start);
        }
    }
}

/// The clone's orderings with its instances (`clone_internal_constraints`).
pub fn clone_internal_constraints(ws: &mut WorkingSet, r: RscIdx) {
    let ordered = ws.rsc(r).clone.as_ref().is_some_and(|d| d.ordered);
    order_rsc_actions(ws, r, "stopped", r, "start", OPTIONAL);
    order_rsc_actions(ws, r, "start", r, "running", RUNNABLE_LEFT);
    order_rsc_actions(ws, r, "stop", r, "stopped", RUNNABLE_LEFT);
    if is_promotable(ws, r) {
        order_rsc_actions(ws, r, "demoted", r, "stop", OPTIONAL);
        order_rsc_actions(ws, r, "running", r, "promote", RUNNABLE_LEFT);
    }
    if ordered {
        sort_by_number(ws, r);
    }
    let mut last: Option<RscIdx> = None;
    for child in ws.rsc(r).children.clone() {
        match ws.rsc(child).variant {
            Variant::Group => super::actions::group_internal_constraints(ws, child),
            _ => super::actions::primitive_internal_constraints(ws, child),
        }
        order_rsc_actions(
            ws,
            r,
            "start",
            child,
            "start",
            RUNNABLE_LEFT | IMPLIES_FIRST_PRINTED,
        );
        order_rsc_actions(ws, child, "start", r, "running", IMPLIES_THEN_PRINTED);
        if let (true, Some(l)) = (ordered, last) {
            order_rsc_actions(ws, l, "start", child, "start", OPTIONAL);
        }
        order_rsc_actions(ws, r, "stop", child, "stop", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(ws, child, "stop", r, "stopped", IMPLIES_THEN_PRINTED);
        if let (true, Some(l)) = (ordered, last) {
            order_rsc_actions(ws, child, "stop", l, "stop", OPTIONAL);
        }
        last = Some(child);
    }
    if is_promotable(ws, r) {
        super::promotable::order_promotable_instances(ws, r);
    }
}

/// Probes a clone on a node: every instance of a unique clone, else one
/// instance only — the one known there, the one to run there, or the
/// first (`clone_create_probe`, `probe_anonymous_clone`).
pub fn clone_create_probe(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    sort_by_number(ws, r);
    if ws.rsc(r).children.is_empty() {
        return false;
    }
    if ws.rsc(r).exclusive_discover {
        if let Some(a) = ws.rsc(r).allowed.get(&n) {
            if a.discover != Discover::Exclusive {
                ws.rsc_mut(r).allowed.remove(&n);
                return false;
            }
        }
    }
    let unique = ws.rsc(r).clone.as_ref().is_some_and(|d| d.unique);
    if unique {
        let mut any = false;
        for c in ws.rsc(r).children.clone() {
            any |= super::actions::probe_rsc_on_node(ws, c, n);
        }
        return any;
    }
    let children = ws.rsc(r).children.clone();
    let child = children
        .iter()
        .copied()
        .find(|&c| known_on(ws, c, n))
        .or_else(|| {
            children
                .iter()
                .copied()
                .find(|&c| location(ws, c, false) == Some(n))
        })
        .unwrap_or(children[0]);
    super::actions::probe_rsc_on_node(ws, child, n)
}

fn known_on(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    ws.rsc(r).known_on.contains(&n) || ws.rsc(r).children.iter().any(|&c| known_on(ws, c, n))
}
