//! Promotable clones: promotion scores, choosing which instances are
//! promoted, the promote/demote pseudo actions and role-aware colocations
//! (Pacemaker 2.1.5's `pcmk_sched_promotable.c`).
//!
//! While roles are chosen, an instance's `priority` holds its promotion
//! priority (Pacemaker repurposes the field the same way, and instance
//! placement sees it) and `promotion_priority` its `sort_index`; priorities
//! are reset to the clone's once the actions exist.

use super::actions::{order_rsc_actions, rsc_pseudo_action};
use super::assign::{self, MergeFlags};
use super::clone::{find_compatible_child, location};
use super::orderings::rsc_state;
use super::status::clone_strip;
use super::ws::order::*;
use super::ws::*;
use crate::cib::{Score, INFINITY};

fn add(a: i32, b: i32) -> i32 {
    (Score::new(a as i64) + Score::new(b as i64)).value()
}

fn is_unique(ws: &WorkingSet, r: RscIdx) -> bool {
    let top = ws.top_parent(r);
    ws.rsc(top).clone.as_ref().is_none_or(|d| d.unique)
}

/// The instance (or member of one) with a given base id active on a node
/// (`find_active_anon_instance`).
fn find_active_anon_instance(
    ws: &WorkingSet,
    clone: RscIdx,
    id: &str,
    n: NodeIdx,
) -> Option<RscIdx> {
    for &inst in &ws.rsc(clone).children {
        let cands: Vec<RscIdx> = if ws.rsc(inst).children.is_empty() {
            vec![inst]
        } else {
            ws.rsc(inst).children.clone()
        };
        for c in cands {
            if clone_strip(&ws.rsc(c).id) == id && ws.rsc(c).running_on.contains(&n) {
                return Some(c);
            }
        }
    }
    None
}

/// Whether any instance's resource with a given base id is known on a node
/// (`anonymous_known_on`).
fn anonymous_known_on(ws: &WorkingSet, clone: RscIdx, id: &str, n: NodeIdx) -> bool {
    ws.rsc(clone).children.iter().any(|&inst| {
        let cands: Vec<RscIdx> = if ws.rsc(inst).children.is_empty() {
            vec![inst]
        } else {
            ws.rsc(inst).children.clone()
        };
        cands
            .into_iter()
            .any(|c| clone_strip(&ws.rsc(c).id) == id && ws.rsc(c).known_on.contains(&n))
    })
}

/// Whether an instance's promotion score counts on a node
/// (`promotion_score_applies`).
fn promotion_score_applies(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    let id = clone_strip(&ws.rsc(r).id).to_string();
    let parent = ws.top_parent(r);
    let rsc = ws.rsc(r);
    let mut applies = false;
    if !is_unique(ws, r) {
        let active = find_active_anon_instance(ws, parent, &id, n);
        if active == Some(r) || (active.is_none() && anonymous_known_on(ws, parent, &id, n)) {
            applies = true;
        }
    }
    let none_probed = rsc.running_on.is_empty() && rsc.known_on.is_empty();
    let known_here = rsc.known_on.contains(&n) || rsc.running_on.contains(&n);
    if !applies && !none_probed && !known_here {
        return false;
    }
    rsc.allowed.get(&n).is_some_and(|a| a.weight.value() >= 0)
}

/// An instance's promotion score on a node from the `master-<rsc>` node
/// attribute, and whether none was found (`promotion_score`).
fn promotion_score(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> (i32, bool) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        let mut score = 0;
        let mut is_default = true;
        for &c in &rsc.children {
            let (s, d) = promotion_score(ws, c, n);
            if !d {
                is_default = false;
            }
            score += s;
        }
        return (score, is_default);
    }
    if !promotion_score_applies(ws, r, n) {
        return (0, true);
    }
    let name = rsc.clone_name.as_deref().unwrap_or(&rsc.id);
    let attr = |key: &str| super::bundle_sched::node_attribute_calculated(ws, n, key, r);
    let mut value = attr(&format!("master-{name}"));
    if value.is_none() && !is_unique(ws, r) {
        let base = clone_strip(&rsc.id);
        if base != rsc.id {
            value = attr(&format!("master-{base}"));
        }
    }
    match value {
        Some(v) => (Score::parse_lenient(v).value(), false),
        None => (0, true),
    }
}

/// Adds the nodes' promotion scores to the instances' node scores and
/// raises their priorities to them (`pcmk__add_promotion_scores`).
pub fn add_promotion_scores(ws: &mut WorkingSet, clone: RscIdx) {
    for child in ws.rsc(clone).children.clone() {
        let nodes: Vec<NodeIdx> = ws.rsc(child).allowed.keys().copied().collect();
        for n in nodes {
            if !ws.node(n).available() {
                // Never promoted there: keep instances from shuffling.
                continue;
            }
            let (score, _) = promotion_score(ws, child, n);
            if score > 0 {
                if let Some(a) = ws.rsc_mut(child).allowed.get_mut(&n) {
                    a.weight += Score::new(score as i64);
                }
            }
            if score > ws.rsc(child).priority {
                ws.rsc_mut(child).priority = score;
            }
        }
    }
}

fn set_current_role_unpromoted(ws: &mut WorkingSet, r: RscIdx) {
    if ws.rsc(r).role == Role::Started {
        ws.rsc_mut(r).role = Role::Unpromoted;
    }
    for c in ws.rsc(r).children.clone() {
        set_current_role_unpromoted(ws, c);
    }
}

fn set_next_role_unpromoted(ws: &mut WorkingSet, r: RscIdx) {
    let assigned = location_any(ws, r);
    ws.rsc_mut(r).next_role = if assigned {
        Role::Unpromoted
    } else {
        Role::Stopped
    };
    for c in ws.rsc(r).children.clone() {
        set_next_role_unpromoted(ws, c);
    }
}

fn set_next_role_promoted(ws: &mut WorkingSet, r: RscIdx) {
    if ws.rsc(r).next_role == Role::Unknown {
        ws.rsc_mut(r).next_role = Role::Promoted;
    }
    for c in ws.rsc(r).children.clone() {
        set_next_role_promoted(ws, c);
    }
}

/// Whether a resource (or any member) is assigned anywhere.
fn location_any(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r).assigned.is_some() || ws.rsc(r).children.iter().any(|&c| location_any(ws, c))
}

/// Adds promoted-role location scores for the chosen node to an instance's
/// priority (`apply_promoted_locations`).
fn apply_promoted_locations(ws: &mut WorkingSet, inst: RscIdx, owner: RscIdx, chosen: NodeIdx) {
    let scores: Vec<Score> = ws
        .locations
        .iter()
        .filter(|l| l.rsc == owner && l.role == Role::Promoted)
        .filter_map(|l| l.nodes.iter().find(|(n, _)| *n == chosen).map(|(_, s)| *s))
        .collect();
    for s in scores {
        let p = add(ws.rsc(inst).priority, s.value());
        ws.rsc_mut(inst).priority = p;
    }
}

/// An instance's promotion priority from its promotion score, promoted-role
/// locations and role colocations (`set_instance_priority`).
fn set_instance_priority(ws: &mut WorkingSet, clone: RscIdx, inst: RscIdx) {
    if rsc_state(ws, inst, true) == Role::Started {
        set_current_role_unpromoted(ws, inst);
    }
    let Some(chosen) = location(ws, inst, false) else {
        return;
    };
    let next_role = rsc_state(ws, inst, false);
    match next_role {
        Role::Started | Role::Unknown => {
            let (score, is_default) = promotion_score(ws, inst, chosen);
            ws.rsc_mut(inst).priority = if is_default { -1 } else { score };
        }
        Role::Unpromoted | Role::Stopped => ws.rsc_mut(inst).priority = -INFINITY,
        Role::Promoted => {}
    }
    apply_promoted_locations(ws, inst, inst, chosen);
    apply_promoted_locations(ws, inst, clone, chosen);
    for ci in ws.rsc(inst).this_with.clone() {
        let c = ws.colocations[ci].clone();
        assign::apply_coloc_score(ws, inst, c.primary, &c);
    }
    let p = ws.rsc(inst).priority;
    ws.rsc_mut(inst).promotion_priority = if next_role == Role::Promoted {
        INFINITY
    } else {
        p
    };
}

/// Sorts the instances by promotion priority after adding the clone's
/// promoted-role colocations to the nodes' scores
/// (`sort_promotable_instances`).
fn sort_promotable_instances(ws: &mut WorkingSet, clone: RscIdx) {
    for child in ws.rsc(clone).children.clone() {
        let idx = ws.rsc(child).promotion_priority;
        if idx < 0 {
            continue;
        }
        let Some(chosen) = location(ws, child, false) else {
            continue;
        };
        if let Some(a) = ws.rsc_mut(clone).allowed.get_mut(&chosen) {
            a.weight += Score::new(idx as i64);
        }
    }
    for ci in ws.rsc(clone).this_with.clone() {
        let c = ws.colocations[ci].clone();
        if c.dependent_role != Role::Promoted {
            continue;
        }
        let flags = MergeFlags {
            init: false,
            forward: false,
            rollback: !c.score.is_inf(),
            positive: false,
        };
        let nodes = ws.rsc(clone).allowed.clone();
        let factor = c.score.value() as f64 / INFINITY as f64;
        let merged = assign::merge_weights(
            ws,
            c.primary,
            nodes,
            c.node_attribute.as_deref(),
            factor,
            flags,
        );
        ws.rsc_mut(clone).allowed = merged;
    }
    for ci in ws.rsc(clone).with_this.clone() {
        let c = ws.colocations[ci].clone();
        let influence = c.influence || ws.rsc(c.primary).running_on.is_empty();
        if c.primary_role != Role::Promoted || !influence {
            continue;
        }
        let flags = MergeFlags {
            init: false,
            forward: false,
            rollback: true,
            positive: true,
        };
        let nodes = ws.rsc(clone).allowed.clone();
        let factor = c.score.value() as f64 / INFINITY as f64;
        let merged = assign::merge_weights(
            ws,
            c.dependent,
            nodes,
            c.node_attribute.as_deref(),
            factor,
            flags,
        );
        ws.rsc_mut(clone).allowed = merged;
    }
    if ws.rsc(clone).promotion_needs_ticket {
        super::status::resource_location(ws, clone, None, Score::NEG_INF);
    }
    for child in ws.rsc(clone).children.clone() {
        let chosen = location(ws, child, false);
        let rsc = ws.rsc(child);
        if !rsc.managed && rsc.next_role == Role::Promoted {
            ws.rsc_mut(child).promotion_priority = INFINITY;
        } else if let (Some(n), true) = (chosen, rsc.promotion_priority >= 0) {
            let w = ws
                .rsc(clone)
                .allowed
                .get(&n)
                .map(|a| a.weight.value())
                .unwrap_or(-INFINITY);
            ws.rsc_mut(child).promotion_priority = w;
        }
    }
    let children = ws.rsc(clone).children.clone();
    let coloc = super::clone::colocation_scores(ws, clone);
    let sorted = {
        let ws: &WorkingSet = ws;
        super::status::merge_sort(children, &|a, b| {
            let (sa, sb) = (ws.rsc(a).promotion_priority, ws.rsc(b).promotion_priority);
            if sa != sb {
                return sb.cmp(&sa);
            }
            let (ra, rb) = (rsc_state(ws, a, true), rsc_state(ws, b, true));
            if ra != rb {
                return rb.cmp(&ra);
            }
            super::clone::cmp_instance(ws, &coloc, a, b)
        })
    };
    ws.rsc_mut(clone).children = sorted;
}

/// The node an instance would be promoted on, if it can be
/// (`node_to_be_promoted_on`).
fn node_to_be_promoted_on(
    ws: &WorkingSet,
    inst: RscIdx,
    counts: &std::collections::BTreeMap<NodeIdx, usize>,
) -> Option<NodeIdx> {
    for &c in &ws.rsc(inst).children {
        node_to_be_promoted_on(ws, c, counts)?;
    }
    let n = location(ws, inst, false)?;
    let rsc = ws.rsc(inst);
    if !rsc.managed {
        if rsc_state(ws, inst, true) != Role::Promoted {
            return None;
        }
    } else if rsc.priority < 0 || !ws.node(n).available() || guest_unrunnable(ws, n) {
        return None;
    }
    let parent = ws.top_parent(inst);
    ws.rsc(parent).allowed.get(&n)?;
    let max = ws
        .rsc(parent)
        .clone
        .as_ref()
        .map(|d| d.promoted_node_max)
        .unwrap_or(1);
    if counts.get(&n).copied().unwrap_or(0) >= max && rsc.managed {
        return None;
    }
    Some(n)
}

/// Whether a node is a guest node whose container will not be placed
/// (`pcmk__node_available` considering guests): nothing can be promoted
/// there, even though its connection may still be placed somewhere.
fn guest_unrunnable(ws: &WorkingSet, n: NodeIdx) -> bool {
    if !super::remote::is_guest(ws, n) {
        return false;
    }
    let container = ws.node(n).remote_rsc.and_then(|c| ws.rsc(c).container);
    container.is_some_and(|c| location(ws, c, false).is_none())
}

/// Records an instance's promotion score on the node where it will be
/// active, when scores are shown (`show_promotion_score`).
fn show_promotion_score(ws: &mut WorkingSet, inst: RscIdx) {
    if ws.score_log.is_none() {
        return;
    }
    let chosen = location(ws, inst, false).map_or("none".to_string(), |n| ws.node(n).uname.clone());
    let line = format!(
        "{} promotion score on {chosen}: {}",
        ws.rsc(inst).id,
        Score::new(i64::from(ws.rsc(inst).promotion_priority))
    );
    if let Some(log) = ws.score_log.as_mut() {
        log.push(line);
    }
}

/// Chooses which instances are promoted (`pcmk__set_instance_roles`).
pub fn set_instance_roles(ws: &mut WorkingSet, clone: RscIdx) {
    let mut counts = std::collections::BTreeMap::new();
    for child in ws.rsc(clone).children.clone() {
        set_instance_priority(ws, clone, child);
    }
    sort_promotable_instances(ws, clone);
    let max = ws
        .rsc(clone)
        .clone
        .as_ref()
        .map(|d| d.promoted_max)
        .unwrap_or(1);
    let mut promoted = 0usize;
    for child in ws.rsc(clone).children.clone() {
        show_promotion_score(ws, child);
        let mut chosen = None;
        if ws.rsc(child).promotion_priority < 0 {
            // Not to be promoted.
        } else if promoted < max || !ws.rsc(clone).managed {
            chosen = node_to_be_promoted_on(ws, child, &counts);
        }
        let Some(n) = chosen else {
            set_next_role_unpromoted(ws, child);
            continue;
        };
        if ws.rsc(child).role < Role::Promoted
            && !ws.config.have_quorum
            && ws.config.no_quorum_policy == NoQuorumPolicy::Freeze
        {
            set_next_role_unpromoted(ws, child);
            continue;
        }
        *counts.entry(n).or_insert(0) += 1;
        set_next_role_promoted(ws, child);
        promoted += 1;
    }
}

/// A dependent placed relative to a role of a promotable clone: scores on
/// nodes where an instance will have that role, and for a mandatory
/// colocation a ban from all others (`pcmk__update_dependent_with_promotable`).
pub fn update_dependent_with_promotable(
    ws: &mut WorkingSet,
    primary: RscIdx,
    dependent: RscIdx,
    c: &Colocation,
) {
    let attr = c
        .node_attribute
        .clone()
        .unwrap_or_else(|| "#uname".to_string());
    let mut affected: Vec<(NodeIdx, Score)> = Vec::new();
    for inst in ws.rsc(primary).children.clone() {
        let Some(n) = location(ws, inst, false) else {
            continue;
        };
        if rsc_state(ws, inst, false) != c.primary_role {
            continue;
        }
        if !c.score.is_inf() {
            let value = ws.node(n).attrs.get(&attr).map(|v| v.to_ascii_lowercase());
            let nodes: Vec<NodeIdx> = ws.rsc(dependent).allowed.keys().copied().collect();
            for m in nodes {
                let mv = ws.node(m).attrs.get(&attr).map(|v| v.to_ascii_lowercase());
                if mv == value {
                    if let Some(a) = ws.rsc_mut(dependent).allowed.get_mut(&m) {
                        a.weight += c.score;
                    }
                }
            }
        }
        let w = primitive_weight_on(ws, inst, n);
        affected.insert(0, (n, w));
    }
    if c.score.is_inf() && (c.dependent_role != Role::Promoted || c.primary_role != Role::Promoted)
    {
        // `node_list_exclude` with merged scores.
        let nodes: Vec<NodeIdx> = ws.rsc(dependent).allowed.keys().copied().collect();
        for m in nodes {
            let other = affected.iter().find(|(n, _)| *n == m).map(|(_, w)| *w);
            if let Some(a) = ws.rsc_mut(dependent).allowed.get_mut(&m) {
                match other {
                    None => a.weight = Score::NEG_INF,
                    Some(w) => a.weight += w,
                }
            }
        }
        for (n, _) in affected {
            ws.rsc_mut(dependent)
                .allowed
                .entry(n)
                .or_insert(AllowedNode {
                    weight: Score::NEG_INF,
                    discover: Discover::Always,
                });
        }
    }
}

/// The score an instance was assigned with on its node (the weight of the
/// copy Pacemaker keeps as `allocated_to`).
fn primitive_weight_on(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> Score {
    let rsc = ws.rsc(r);
    if rsc.children.is_empty() {
        return rsc.allowed.get(&n).map(|a| a.weight).unwrap_or(Score::ZERO);
    }
    rsc.allowed.get(&n).map(|a| a.weight).unwrap_or(Score::ZERO)
}

/// A dependent instance's promotion priority from a colocation with a role
/// of a promotable clone (`pcmk__update_promotable_dependent_priority`).
pub fn update_promotable_dependent_priority(
    ws: &mut WorkingSet,
    primary: RscIdx,
    dependent: RscIdx,
    c: &Colocation,
) {
    match find_compatible_child(ws, dependent, primary, c.primary_role, false) {
        Some(_) => {
            let p = add(ws.rsc(dependent).priority, c.score.value());
            ws.rsc_mut(dependent).priority = p;
        }
        None if c.score.is_inf() => ws.rsc_mut(dependent).priority = -INFINITY,
        None => {}
    }
}

/// A colocation's score on a promotable instance's priority, once both are
/// placed (`pcmk__apply_coloc_to_priority`).
pub fn apply_coloc_to_priority(
    ws: &mut WorkingSet,
    dependent: RscIdx,
    primary: RscIdx,
    c: &Colocation,
) {
    let (Some(pn), Some(dn)) = (ws.rsc(primary).assigned, ws.rsc(dependent).assigned) else {
        return;
    };
    let attr = c
        .node_attribute
        .clone()
        .unwrap_or_else(|| "#id".to_string());
    let dv = ws.node(dn).attrs.get(&attr).map(|v| v.to_ascii_lowercase());
    let pv = ws.node(pn).attrs.get(&attr).map(|v| v.to_ascii_lowercase());
    if dv != pv {
        if c.score.is_inf() && c.dependent_role == Role::Promoted {
            ws.rsc_mut(dependent).priority = -INFINITY;
        }
        return;
    }
    if c.primary_role != Role::Unknown && c.primary_role != ws.rsc(primary).next_role {
        return;
    }
    let mult = if c.dependent_role == Role::Unpromoted {
        -1
    } else {
        1
    };
    let p = add(mult * c.score.value(), ws.rsc(dependent).priority);
    ws.rsc_mut(dependent).priority = p;
}

/// Whether an instance (or member) has a required promote or demote
/// (`check_for_role_change`).
fn check_for_role_change(ws: &WorkingSet, r: RscIdx, demoting: &mut bool, promoting: &mut bool) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            check_for_role_change(ws, c, demoting, promoting);
        }
        return;
    }
    for &a in &rsc.actions {
        if *promoting && *demoting {
            return;
        }
        let act = ws.action(a);
        if act.optional {
            continue;
        }
        if act.task == "demote" {
            *demoting = true;
        } else if act.task == "promote" {
            *promoting = true;
        }
    }
}

/// Creates the instances' actions (again, as Pacemaker does) and the
/// clone's promote/promoted/demote/demoted pseudo actions, then gives the
/// instances back the clone's priority (`pcmk__create_promotable_actions`).
pub fn create_promotable_actions(ws: &mut WorkingSet, clone: RscIdx) {
    let (mut promoting, mut demoting) = (false, false);
    for child in ws.rsc(clone).children.clone() {
        match ws.rsc(child).variant {
            Variant::Group => super::actions::group_create_actions(ws, child),
            _ => super::actions::primitive_create_actions(ws, child),
        }
        check_for_role_change(ws, child, &mut demoting, &mut promoting);
    }
    let promote = rsc_pseudo_action(ws, clone, "promote", !promoting, true);
    let promoted = rsc_pseudo_action(ws, clone, "promoted", !promoting, true);
    let pn = super::notify::notif_pseudo_ops(ws, clone, "promote", Some(promote), Some(promoted));
    let demote = rsc_pseudo_action(ws, clone, "demote", !demoting, true);
    let demoted = rsc_pseudo_action(ws, clone, "demoted", !demoting, true);
    let dn = super::notify::notif_pseudo_ops(ws, clone, "demote", Some(demote), Some(demoted));
    if let (Some(pn), Some(dn)) = (&pn, &dn) {
        // Notifications of the different tasks follow one another.
        let get = |t: &str, ws: &WorkingSet| {
            ws.rsc(clone)
                .clone
                .as_ref()
                .and_then(|d| d.notifs.get(t).cloned())
        };
        let (stn, sn) = (get("start", ws), get("stop", ws));
        let pairs = [
            (sn.as_ref().and_then(|n| n.post_done), pn.pre),
            (stn.as_ref().and_then(|n| n.post_done), pn.pre),
            (dn.post_done, pn.pre),
            (dn.post_done, stn.as_ref().and_then(|n| n.pre)),
            (dn.post_done, sn.as_ref().and_then(|n| n.pre)),
        ];
        for (a, b) in pairs {
            if let (Some(a), Some(b)) = (a, b) {
                super::orderings::order_actions(ws, a, b, OPTIONAL);
            }
        }
    }
    if let Some(d) = ws.rsc_mut(clone).clone.as_mut() {
        for nd in [pn, dn].into_iter().flatten() {
            d.notifs.insert(nd.action.clone(), nd);
        }
    }
    let p = ws.rsc(clone).priority;
    for child in ws.rsc(clone).children.clone() {
        ws.rsc_mut(child).priority = p;
    }
}

/// Orders the instances' promotes and demotes with the clone's
/// (`pcmk__order_promotable_instances`, `pcmk__promotable_restart_ordering`).
pub fn order_promotable_instances(ws: &mut WorkingSet, clone: RscIdx) {
    order_rsc_actions(ws, clone, "stopped", clone, "start", OPTIONAL);
    order_rsc_actions(ws, clone, "stopped", clone, "promote", OPTIONAL);
    order_rsc_actions(ws, clone, "demoted", clone, "stop", OPTIONAL);
    order_rsc_actions(ws, clone, "demoted", clone, "start", OPTIONAL);
    order_rsc_actions(ws, clone, "demoted", clone, "promote", OPTIONAL);
    order_rsc_actions(ws, clone, "running", clone, "promote", OPTIONAL);
    order_rsc_actions(ws, clone, "demote", clone, "demoted", OPTIONAL);
    let ordered = ws.rsc(clone).clone.as_ref().is_some_and(|d| d.ordered);
    let mut previous: Option<RscIdx> = None;
    for inst in ws.rsc(clone).children.clone() {
        order_rsc_actions(ws, inst, "demote", inst, "promote", OPTIONAL);
        order_rsc_actions(ws, clone, "promote", inst, "promote", OPTIONAL);
        order_rsc_actions(ws, inst, "promote", clone, "promoted", OPTIONAL);
        if let (true, Some(p)) = (ordered, previous) {
            order_rsc_actions(ws, p, "promote", inst, "promote", OPTIONAL);
        }
        order_rsc_actions(ws, clone, "demote", inst, "demote", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(ws, inst, "demote", clone, "demoted", IMPLIES_THEN_PRINTED);
        if let (true, Some(p)) = (ordered, previous) {
            order_rsc_actions(ws, inst, "demote", p, "demote", OPTIONAL);
        }
        previous = Some(inst);
    }
}
