//! Assigning resources to nodes: stickiness and failure bans, colocation
//! scores, and the choice of the best node (Pacemaker 2.1.5's
//! `apply_node_criteria`, `pcmk__native_allocate`/`native_color`,
//! `pcmk__group_allocate`, `pcmk__native_merge_weights` and `sort_nodes`).

use std::cmp::Ordering as CmpOrdering;

use super::colocation::expand_group_colocations;
pub use super::colocation::index_colocations;
pub(crate) use super::colocation::{apply_coloc_score, merge_weights, MergeFlags, NodeTable};
use super::status::{failcount, resource_location};
use super::utilization::{ban_insufficient_capacity, compare_capacities};
use super::ws::*;
use crate::cib::{Score, INFINITY};

/// Applies stickiness and migration-threshold bans (`apply_node_criteria`).
pub fn apply_node_criteria(ws: &mut WorkingSet) {
    if ws.config.shutdown_lock {
        for r in ws.top.clone() {
            apply_shutdown_lock(ws, r);
        }
    }
    super::constraints::apply_locations(ws);
    for r in ws.all_in_order() {
        if ws.rsc(r).variant != Variant::Primitive {
            continue;
        }
        let rsc = ws.rsc(r);
        if !rsc.managed || rsc.stickiness < 1 || rsc.running_on.len() != 1 {
            continue;
        }
        let n = rsc.running_on[0];
        if !ws.config.symmetric && !rsc.allowed.contains_key(&n) {
            continue;
        }
        let s = Score::new(rsc.stickiness as i64);
        resource_location(ws, r, Some(n), s);
    }
    // A container's fillers (`pe_fc_fillers`), gathered once: looking them
    // up per resource and node made this quadratic in the resources.
    let mut fillers_of: Vec<Vec<RscIdx>> = vec![Vec::new(); ws.rscs.len()];
    for f in (0..ws.rscs.len()).map(RscIdx) {
        if let Some(c) = ws.rsc(f).container {
            fillers_of[c.0].push(f);
        }
    }
    for n in 0..ws.nodes.len() {
        let n = NodeIdx(n);
        for r in ws.all_in_order() {
            if ws.rsc(r).variant != Variant::Primitive {
                continue;
            }
            let rsc = ws.rsc(r);
            if rsc.migration_threshold == 0 || rsc.failure_ignored {
                continue;
            }
            // A fail count about to be cleared does not count
            // (`failcount_clear_action_exists`).
            let clear = super::actions::OpKeyMatch::new(&rsc.id, "clear_failcount", 0);
            if rsc.actions.iter().any(|&a| {
                let act = ws.action(a);
                act.node == Some(n) && clear.is(&act.key)
            }) {
                continue;
            }
            // A container's fillers' failures count as its own
            // (`pe_fc_fillers`).
            let mut fc = failcount(ws, r, n, true, None);
            for &f in &fillers_of[r.0] {
                fc += failcount(ws, f, n, true, None);
            }
            let fc = fc.value();
            if fc <= 0 {
                continue;
            }
            if ws.rsc(r).migration_threshold - fc <= 0 {
                // An anonymous clone's instance drives the whole clone away
                // (`pcmk__threshold_reached`).
                let top = ws.top_parent(r);
                let target = if super::status::is_anon_clone(ws, top) {
                    top
                } else {
                    r
                };
                resource_location(ws, target, Some(n), Score::NEG_INF);
            }
        }
        for r in ws.top.clone() {
            apply_exclusive_discovery(ws, r, n);
        }
    }
}

/// Keeps a resource that a clean shutdown stopped on its node, banned from
/// every other node (`pcmk__primitive_shutdown_lock`): with shutdown-lock,
/// an administrator's reboot is not a failover. The lock comes from the
/// history (a node already down) or is taken now (a node shutting down
/// with the resource active on it alone). Groups lock member by member;
/// clones, fence devices and remote connections are never locked.
fn apply_shutdown_lock(ws: &mut WorkingSet, r: RscIdx) {
    match ws.rsc(r).variant {
        Variant::Group => {
            for m in ws.rsc(r).children.clone() {
                apply_shutdown_lock(ws, m);
            }
            return;
        }
        // A bundle's replicas are not locked (not modelled: no corpus case).
        Variant::Clone { .. } | Variant::Bundle => return,
        Variant::Primitive => {}
    }
    let rsc = ws.rsc(r);
    if rsc.agent.starts_with("stonith:") || rsc.is_remote_node {
        return;
    }
    if let Some(lock) = rsc.lock_node {
        if !rsc.running_on.is_empty() {
            // Started elsewhere after all: leave it be, forget the lock.
            super::status::clear_resource_history(ws, r, lock);
            let rsc = ws.rsc_mut(r);
            rsc.lock_node = None;
            rsc.lock_time = 0;
            return;
        }
    } else if let [n] = rsc.running_on[..] {
        let node = ws.node(n);
        if !node.shutdown || node.unclean {
            return;
        }
        let at = node
            .attrs
            .get("shutdown")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|&t| t != 0)
            .unwrap_or(ws.config.now);
        let rsc = ws.rsc_mut(r);
        rsc.lock_node = Some(n);
        rsc.lock_time = at;
    } else {
        return;
    }
    let lock = ws.rsc(r).lock_node.expect("set above");
    if ws.config.shutdown_lock_limit_s > 0 {
        let expires = ws.rsc(r).lock_time + ws.config.shutdown_lock_limit_s;
        ws.update_recheck_time(expires + 1);
    }
    let lock_name = ws.node(lock).uname.clone();
    for n in 0..ws.nodes.len() {
        let n = NodeIdx(n);
        if ws.node(n).uname != lock_name {
            resource_location(ws, r, Some(n), Score::NEG_INF);
        }
    }
}

/// Bans a resource (and its descendants) from a node outside its exclusive
/// discovery set (`apply_exclusive_discovery`): where a resource may not be
/// probed, it may not run either, since the cluster could never learn that
/// it is already active there. The top resource's flag counts for its
/// instances, which carry no constraint of their own.
fn apply_exclusive_discovery(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) {
    let top = ws.top_parent(r);
    if !ws.rsc(r).exclusive_discover && !ws.rsc(top).exclusive_discover {
        return;
    }
    for c in ws.rsc(r).children.clone() {
        apply_exclusive_discovery(ws, c, n);
    }
    if let Some(a) = ws.rsc_mut(r).allowed.get_mut(&n) {
        if a.discover != Discover::Exclusive {
            a.weight = Score::NEG_INF;
        }
    }
}

/// Records a resource's node scores, then its descendants', as
/// `crm_simulate -s` shows them with `label` (the assigning function's
/// name), nodes by name; orphans are left out (`pe__show_node_weights`).
/// Does nothing unless scores are being shown.
pub(crate) fn show_node_weights(ws: &mut WorkingSet, r: RscIdx, label: &str) {
    if ws.score_log.is_none() {
        return;
    }
    let mut lines = Vec::new();
    node_weight_lines(ws, r, label, &mut lines);
    if let Some(log) = ws.score_log.as_mut() {
        log.extend(lines);
    }
}

fn node_weight_lines(ws: &WorkingSet, r: RscIdx, label: &str, lines: &mut Vec<String>) {
    let rsc = ws.rsc(r);
    if rsc.orphan {
        return;
    }
    let mut nodes: Vec<(&str, Score)> = rsc
        .allowed
        .iter()
        .map(|(n, a)| (ws.node(*n).uname.as_str(), a.weight))
        .collect();
    nodes.sort_by(|a, b| super::unpack::numeric_strcasecmp(a.0, b.0));
    for (uname, weight) in nodes {
        lines.push(format!(
            "{label}: {} allocation score on {uname}: {weight}",
            rsc.id
        ));
    }
    for &c in &rsc.children {
        node_weight_lines(ws, c, label, lines);
    }
}

/// Assigns every resource, in list order (`allocate_resources`); with a
/// placement strategy other than `default` the list is sorted first
/// (`pcmk__sort_resources`), which also changes the order of the summary.
pub fn assign_all(ws: &mut WorkingSet) {
    if !ws.config.placement_strategy.eq_ignore_ascii_case("default") {
        sort_resources(ws);
    }
    // Remote connections first (with whatever they are colocated with),
    // a migrating one preferring its migration target: resources on remote
    // nodes need to know whether those nodes will be up.
    let top = ws.top.clone();
    for &r in &top {
        if ws.rsc(r).is_remote_node {
            let prefer = ws.rsc(r).partial_migration_target;
            assign(ws, r, prefer);
        }
    }
    for &r in &top {
        if !ws.rsc(r).is_remote_node {
            assign(ws, r, None);
        }
    }
}

/// Assigns one resource, by variant.
pub fn assign(ws: &mut WorkingSet, r: RscIdx, prefer: Option<NodeIdx>) -> Option<NodeIdx> {
    match ws.rsc(r).variant {
        Variant::Primitive => primitive_assign(ws, r, prefer),
        Variant::Group => group_assign(ws, r, prefer),
        Variant::Clone { .. } => super::clone::clone_assign(ws, r, prefer),
        Variant::Bundle => super::bundle_sched::bundle_assign(ws, r, prefer),
    }
}

fn group_assign(ws: &mut WorkingSet, g: RscIdx, prefer: Option<NodeIdx>) -> Option<NodeIdx> {
    if !ws.rsc(g).provisional {
        return ws.rsc(g).assigned;
    }
    if ws.rsc(g).allocating {
        return None;
    }
    let children = ws.rsc(g).children.clone();
    if children.is_empty() {
        ws.rsc_mut(g).provisional = false;
        return None;
    }
    ws.rsc_mut(g).allocating = true;
    let first_role = ws.rsc(children[0]).role;
    expand_group_colocations(ws, g);
    ws.rsc_mut(g).role = first_role;
    show_node_weights(ws, g, "pcmk__group_assign");
    let mut group_node = None;
    for &m in &children {
        let node = primitive_assign(ws, m, prefer);
        if group_node.is_none() {
            group_node = node;
        }
    }
    let next = ws.rsc(children[0]).next_role;
    let rg = ws.rsc_mut(g);
    rg.next_role = next;
    rg.allocating = false;
    rg.provisional = false;
    if rg.group_colocated {
        rg.assigned = group_node;
        group_node
    } else {
        None
    }
}

fn primitive_assign(ws: &mut WorkingSet, r: RscIdx, prefer: Option<NodeIdx>) -> Option<NodeIdx> {
    if let Some(p) = ws.rsc(r).parent {
        if !ws.rsc(p).allocating && ws.rsc(p).provisional {
            assign(ws, p, prefer);
        }
    }
    if !ws.rsc(r).provisional {
        return ws.rsc(r).assigned;
    }
    if ws.rsc(r).allocating {
        return None;
    }
    ws.rsc_mut(r).allocating = true;

    for ci in ws.rsc(r).this_with.clone() {
        let c = ws.colocations[ci].clone();
        if c.dependent != r
            && !matches!(
                ws.rsc(c.dependent).variant,
                Variant::Group | Variant::Clone { .. }
            )
        {
            continue;
        }
        let archive = if c.dependent_role >= Role::Promoted
            || (c.score.value() < 0 && !c.score.is_neg_inf())
        {
            Some(ws.rsc(r).allowed.clone())
        } else {
            None
        };
        assign(ws, c.primary, None);
        apply_coloc_score(ws, r, c.primary, &c);
        if let Some(archive) = archive {
            if !any_node_available(ws, &ws.rsc(r).allowed) {
                ws.rsc_mut(r).allowed = archive;
            }
        }
    }
    for ci in ws.rsc(r).with_this.clone() {
        let c = ws.colocations[ci].clone();
        if !c.influence {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        let nodes = ws.rsc(r).allowed.clone();
        let merged = merge_weights(
            ws,
            c.dependent,
            nodes,
            c.node_attribute.as_deref(),
            factor,
            MergeFlags::ROLLBACK,
        );
        ws.rsc_mut(r).allowed = merged;
    }

    if ws.rsc(r).next_role == Role::Stopped {
        resource_location(ws, r, None, Score::NEG_INF);
    } else if ws.rsc(r).next_role > ws.rsc(r).role
        && !ws.config.have_quorum
        && ws.config.no_quorum_policy == NoQuorumPolicy::Freeze
    {
        let role = ws.rsc(r).role;
        ws.rsc_mut(r).next_role = role;
    }
    show_node_weights(ws, r, "pcmk__primitive_assign");
    if ws.config.stonith_enabled && !ws.config.have_stonith_resource {
        ws.rsc_mut(r).managed = false;
    }
    if !ws.rsc(r).managed {
        let role = ws.rsc(r).role;
        ws.rsc_mut(r).next_role = role;
        let to = ws.current_node(r);
        finalize_assignment(ws, r, to, true);
    } else if ws.config.stop_all {
        finalize_assignment(ws, r, None, true);
    } else {
        choose_node(ws, r, prefer);
    }
    ws.rsc_mut(r).allocating = false;
    if ws.rsc(r).is_remote_node {
        super::remote::connection_assigned(ws, r);
    }
    ws.rsc(r).assigned
}

/// Whether any node in a table can run resources with a non-negative score.
pub(super) fn any_node_available(
    ws: &WorkingSet,
    allowed: &std::collections::BTreeMap<NodeIdx, AllowedNode>,
) -> bool {
    allowed
        .iter()
        .any(|(&n, a)| ws.node(n).available() && a.weight.value() >= 0)
}

/// Sorts the top-level resources for assignment (`pcmk__sort_resources`
/// with `cmp_resources`): higher priority first, then the higher score on
/// the current node, then the higher score on the nodes in their best-first
/// order; a stable merge sort as `g_list_sort_with_data`.
fn sort_resources(ws: &mut WorkingSet) {
    let mut nodes: Vec<(NodeIdx, Score)> = (0..ws.nodes.len())
        .map(|i| (NodeIdx(i), ws.nodes[i].weight))
        .collect();
    nodes.sort_by(|&a, &b| compare_nodes(ws, a, b, None, true));
    let order: Vec<NodeIdx> = nodes.into_iter().map(|(n, _)| n).collect();
    let top = ws.top.clone();
    let mut scores: std::collections::BTreeMap<RscIdx, NodeTable> =
        std::collections::BTreeMap::new();
    for &r in &top {
        let flags = MergeFlags {
            init: true,
            forward: true,
            rollback: false,
            positive: false,
        };
        let table = merge_weights(ws, r, NodeTable::new(), None, 1.0, flags);
        scores.insert(r, table);
    }
    let score_on = |r: RscIdx, n: Option<NodeIdx>| -> i64 {
        match n {
            None => -(INFINITY as i64),
            Some(n) => scores
                .get(&r)
                .and_then(|t| t.get(&n))
                .map(|a| a.weight.value() as i64)
                .unwrap_or(-(INFINITY as i64)),
        }
    };
    let current: std::collections::BTreeMap<RscIdx, Option<NodeIdx>> = top
        .iter()
        .map(|&r| {
            let cur = if ws.rsc(r).running_on.is_empty()
                && ws
                    .primitives_of(r)
                    .iter()
                    .all(|&p| ws.rsc(p).running_on.is_empty())
            {
                None
            } else {
                ws.current_node(r)
            };
            (r, cur)
        })
        .collect();
    let cmp = |a: RscIdx, b: RscIdx| -> CmpOrdering {
        let (pa, pb) = (ws.rsc(a).priority, ws.rsc(b).priority);
        if pa != pb {
            return pb.cmp(&pa);
        }
        let (ca, cb) = (score_on(a, current[&a]), score_on(b, current[&b]));
        if ca != cb {
            return cb.cmp(&ca);
        }
        for &n in &order {
            let (sa, sb) = (score_on(a, Some(n)), score_on(b, Some(n)));
            if sa != sb {
                return sb.cmp(&sa);
            }
        }
        CmpOrdering::Equal
    };
    ws.top = super::status::merge_sort(top, &cmp);
}

/// Sorts nodes best first (`sort_nodes`/`compare_nodes`).
pub(crate) fn compare_nodes(
    ws: &WorkingSet,
    a: (NodeIdx, Score),
    b: (NodeIdx, Score),
    active: Option<NodeIdx>,
    capacity: bool,
) -> CmpOrdering {
    let score = |(n, w): (NodeIdx, Score)| {
        if ws.node(n).available() {
            w.value()
        } else {
            -INFINITY
        }
    };
    let (s1, s2) = (score(a), score(b));
    if s1 != s2 {
        return s2.cmp(&s1);
    }
    if ws.config.placement_strategy.eq_ignore_ascii_case("minimal") {
        return ws.node(a.0).uname.cmp(&ws.node(b.0).uname);
    }
    if capacity
        && ws
            .config
            .placement_strategy
            .eq_ignore_ascii_case("balanced")
    {
        let c = compare_capacities(ws, a.0, b.0);
        if c != 0 {
            return c.cmp(&0);
        }
    }
    let (c1, c2) = (ws.node(a.0).num_resources, ws.node(b.0).num_resources);
    if c1 != c2 {
        return c1.cmp(&c2);
    }
    if let Some(act) = active {
        if act == a.0 {
            return CmpOrdering::Less;
        } else if act == b.0 {
            return CmpOrdering::Greater;
        }
    }
    ws.node(a.0).uname.cmp(&ws.node(b.0).uname)
}

/// Chooses the best node for a primitive (`native_choose_node`).
fn choose_node(ws: &mut WorkingSet, r: RscIdx, prefer: Option<NodeIdx>) -> bool {
    let most_free = ban_insufficient_capacity(ws, r);
    let prefer = prefer.or(most_free);
    if !ws.rsc(r).provisional {
        return ws.rsc(r).assigned.is_some();
    }
    let current = ws.current_node(r);
    let mut nodes: Vec<(NodeIdx, Score)> = ws
        .rsc(r)
        .allowed
        .iter()
        .map(|(&n, a)| (n, a.weight))
        .collect();
    // Stand-ins for instances of unscheduled clones (orphans still
    // assignable) are kept out of capacity balancing, which belongs to the
    // clone logic they stand in for.
    let capacity = !ws.rsc(r).orphan;
    nodes.sort_by(|&a, &b| compare_nodes(ws, a, b, current, capacity));
    let best = nodes.first().copied();
    let mut chosen: Option<(NodeIdx, Score)> = None;
    if let (Some(p), Some(best)) = (prefer, best) {
        if let Some(a) = ws.rsc(r).allowed.get(&p) {
            if a.weight >= best.1 && ws.node(p).available() && a.weight.value() >= 0 {
                chosen = Some((p, a.weight));
            }
        }
    }
    if chosen.is_none() {
        if let Some(b) = best {
            chosen = Some(b);
            // Instances of a unique clone rebalance: they do not prefer
            // their current node on a tie.
            let unique_instance = ws
                .rsc(r)
                .parent
                .and_then(|p| ws.rsc(p).clone.as_ref())
                .is_some_and(|d| d.unique);
            if !unique_instance && b.1.value() > 0 && ws.node(b.0).available() {
                if let Some(running) = current {
                    let running_ok = ws.node(running).available()
                        && ws
                            .rsc(r)
                            .allowed
                            .get(&running)
                            .is_none_or(|a| a.weight.value() >= 0);
                    if running_ok {
                        for &(n, w) in nodes.iter().skip(1) {
                            if w != b.1 {
                                break;
                            }
                            if n == running {
                                chosen = Some((n, w));
                            }
                        }
                    }
                }
            }
        }
    }
    finalize_assignment(ws, r, chosen.map(|c| c.0), false)
}

/// Records a resource's assignment (`native_assign_node`).
pub fn finalize_assignment(
    ws: &mut WorkingSet,
    r: RscIdx,
    chosen: Option<NodeIdx>,
    force: bool,
) -> bool {
    let mut chosen = chosen;
    if !force {
        if let Some(n) = chosen {
            let w = ws
                .rsc(r)
                .allowed
                .get(&n)
                .map(|a| a.weight)
                .unwrap_or(Score::NEG_INF);
            // A guest node that is down now counts as coming up: its
            // connection is started before anything placed there.
            let unavailable = !ws.node(n).available() && !super::remote::is_guest(ws, n);
            if w.value() < 0 || unavailable {
                ws.rsc_mut(r).next_role = Role::Stopped;
                chosen = None;
            }
        }
    }
    ws.rsc_mut(r).assigned = None;
    ws.rsc_mut(r).provisional = false;
    let Some(n) = chosen else {
        ws.rsc_mut(r).next_role = Role::Stopped;
        for a in ws.rsc(r).actions.clone() {
            let act = ws.action(a).clone();
            if act.task == "stop" {
                ws.action_mut(a).optional = false;
            } else if act.task == "start" || (act.interval_ms > 0 && act.expected_rc != Some(7)) {
                ws.action_mut(a).runnable = false;
            }
        }
        return false;
    };
    ws.rsc_mut(r).assigned = Some(n);
    ws.nodes[n.0].num_resources += 1;
    // The node's remaining capacity shrinks (`pcmk__consume_node_capacity`).
    // An attribute the node lacks is recorded as 0.
    for (k, v) in ws.rsc(r).utilization.clone() {
        let util = &mut ws.nodes[n.0].utilization;
        match util.get_mut(&k) {
            Some(cur) => *cur -= v,
            None => {
                util.insert(k, 0);
            }
        }
    }
    true
}
