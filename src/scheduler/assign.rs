//! Assigning resources to nodes: stickiness and failure bans, colocation
//! scores, and the choice of the best node (Pacemaker 2.1.5's
//! `apply_node_criteria`, `pcmk__native_allocate`/`native_color`,
//! `pcmk__group_allocate`, `pcmk__native_merge_weights` and `sort_nodes`).

use std::cmp::Ordering as CmpOrdering;

use super::status::{failcount, resource_location};
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
            let key = format!("{}_clear_failcount_0", rsc.id);
            if rsc
                .actions
                .iter()
                .any(|&a| ws.action(a).key == key && ws.action(a).node == Some(n))
            {
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

/// Links each colocation into its resources' lists, sorted as Pacemaker
/// inserts them (by the other resource's priority, variant, then id).
pub fn index_colocations(ws: &mut WorkingSet) {
    for i in 0..ws.colocations.len() {
        let (dependent, primary) = (ws.colocations[i].dependent, ws.colocations[i].primary);
        insert_this_with(ws, dependent, i);
        insert_with_this(ws, primary, i);
    }
}

/// Hands a group's own colocations to its members when the group is
/// assigned, as Pacemaker does only then (`expand_group_colocations`):
/// "group with R" as the first member (or, for a group whose members are
/// not colocated, each member) with R; "R with group" as R with the last
/// member. Until then (when resources are sorted for placement) the
/// members' lists lack them.
fn expand_group_colocations(ws: &mut WorkingSet, g: RscIdx) {
    if ws.rsc(g).children.is_empty() {
        return;
    }
    let first = ws.rsc(g).children[0];
    let last = *ws.rsc(g).children.last().expect("non-empty");
    let colocated = ws.rsc(g).group_colocated;
    for ci in ws.rsc(g).this_with.clone() {
        if colocated {
            insert_this_with(ws, first, ci);
        } else if !ws.colocations[ci].score.is_inf() {
            for m in ws.rsc(g).children.clone() {
                insert_this_with(ws, m, ci);
            }
        }
    }
    if colocated {
        // Members after an unmanaged (already active) one are not held
        // by the internal colocations any more: they get the group's
        // mandatory colocations themselves (`expand_group_colocations`).
        let children = ws.rsc(g).children.clone();
        let mut any_unmanaged = !ws.rsc(first).managed;
        for &m in &children[1..] {
            if any_unmanaged {
                for ci in ws.rsc(g).this_with.clone() {
                    if ws.colocations[ci].score.is_inf() {
                        insert_this_with(ws, m, ci);
                    }
                }
            } else if !ws.rsc(m).managed {
                any_unmanaged = true;
            }
        }
    }
    for ci in ws.rsc(g).with_this.clone() {
        insert_with_this(ws, last, ci);
    }
}

/// The order colocation lists are kept in (`cmp_primary_priority`,
/// `cmp_dependent_priority`): higher priority first, then clones before
/// groups before primitives, promotable clones first, then by id.
fn coloc_sort_key(ws: &WorkingSet, r: RscIdx) -> (i64, i32, i32, String) {
    let rsc = ws.rsc(r);
    let (rank, promotable) = match rsc.variant {
        Variant::Primitive => (0, 0),
        Variant::Group => (1, 0),
        Variant::Clone { promotable } => (2, i32::from(promotable)),
        Variant::Bundle => (3, 0),
    };
    (-i64::from(rsc.priority), -rank, -promotable, rsc.id.clone())
}

/// Adds a "this with" colocation to a resource's sorted list
/// (`pcmk__add_this_with`): before the first one that does not sort lower.
fn insert_this_with(ws: &mut WorkingSet, r: RscIdx, ci: usize) {
    let k = coloc_sort_key(ws, ws.colocations[ci].primary);
    let pos = ws
        .rsc(r)
        .this_with
        .iter()
        .position(|&j| coloc_sort_key(ws, ws.colocations[j].primary) >= k)
        .unwrap_or(ws.rsc(r).this_with.len());
    ws.rsc_mut(r).this_with.insert(pos, ci);
}

/// Adds a "with this" colocation to a resource's sorted list
/// (`pcmk__add_with_this`).
fn insert_with_this(ws: &mut WorkingSet, r: RscIdx, ci: usize) {
    let k = coloc_sort_key(ws, ws.colocations[ci].dependent);
    let pos = ws
        .rsc(r)
        .with_this
        .iter()
        .position(|&j| coloc_sort_key(ws, ws.colocations[j].dependent) >= k)
        .unwrap_or(ws.rsc(r).with_this.len());
    ws.rsc_mut(r).with_this.insert(pos, ci);
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
fn any_node_available(
    ws: &WorkingSet,
    allowed: &std::collections::BTreeMap<NodeIdx, AllowedNode>,
) -> bool {
    allowed
        .iter()
        .any(|(&n, a)| ws.node(n).available() && a.weight.value() >= 0)
}

/// Applies a colocation's score to the dependent's node scores once the
/// primary is placed (`native_rsc_colocation_lh`/`_rh`, group variants).
pub(crate) fn apply_coloc_score(
    ws: &mut WorkingSet,
    dependent: RscIdx,
    primary: RscIdx,
    c: &Colocation,
) {
    if matches!(ws.rsc(primary).variant, Variant::Clone { .. }) {
        super::clone::clone_apply_coloc_score(ws, dependent, primary, c);
        return;
    }
    if ws.rsc(primary).variant == Variant::Bundle {
        super::bundle_sched::apply_coloc_score(ws, dependent, primary, c);
        return;
    }
    if ws.rsc(primary).variant == Variant::Group {
        if ws.rsc(primary).provisional {
            return;
        }
        let children = ws.rsc(primary).children.clone();
        if ws.rsc(primary).group_colocated && !children.is_empty() {
            let member = if c.score.is_inf() {
                *children.last().expect("non-empty")
            } else {
                children[0]
            };
            apply_coloc_score(ws, dependent, member, c);
        } else if !c.score.is_inf() {
            for m in children {
                apply_coloc_score(ws, dependent, m, c);
            }
        }
        return;
    }
    if ws.rsc(primary).provisional {
        return;
    }
    // A role colocation of a placed promotable instance changes its
    // promotion priority instead (`filter_colocation_constraint`).
    let dep_in_promotable = ws
        .rsc(dependent)
        .parent
        .is_some_and(|p| matches!(ws.rsc(p).variant, Variant::Clone { promotable: true }));
    if c.dependent_role >= Role::Unpromoted && dep_in_promotable && !ws.rsc(dependent).provisional {
        super::promotable::apply_coloc_to_priority(ws, dependent, primary, c);
        return;
    }
    if !ws.rsc(dependent).provisional {
        return;
    }
    let dep = ws.rsc(dependent);
    let pri = ws.rsc(primary);
    if c.score.value() > 0 && c.dependent_role != Role::Unknown && c.dependent_role != dep.next_role
    {
        return;
    }
    if c.score.value() > 0 && c.primary_role != Role::Unknown && c.primary_role != pri.next_role {
        return;
    }
    if c.score.value() < 0 && c.dependent_role != Role::Unknown && c.dependent_role == dep.next_role
    {
        return;
    }
    if c.score.value() < 0 && c.primary_role != Role::Unknown && c.primary_role == pri.next_role {
        return;
    }
    apply_coloc_to_weights(ws, dependent, primary, c);
}

fn node_attr<'a>(ws: &'a WorkingSet, n: NodeIdx, attr: &str) -> Option<&'a str> {
    ws.node(n).attrs.get(attr).map(String::as_str)
}

/// `pcmk__apply_coloc_to_weights`.
fn apply_coloc_to_weights(ws: &mut WorkingSet, dependent: RscIdx, primary: RscIdx, c: &Colocation) {
    let attr = c
        .node_attribute
        .clone()
        .unwrap_or_else(|| "#uname".to_string());
    let pri_node = ws.rsc(primary).assigned;
    if pri_node.is_none() && c.score.value() < 0 {
        // Anti-colocation with something that is not running: no effect.
        return;
    }
    let value = pri_node
        .and_then(|n| node_attr(ws, n, &attr))
        .map(str::to_string);
    let mut work = ws.rsc(dependent).allowed.clone();
    for (&n, a) in work.iter_mut() {
        if pri_node.is_none() {
            a.weight += Score::new(-(c.score.value() as i64));
        } else if node_attr(ws, n, &attr).map(str::to_ascii_lowercase)
            == value.as_deref().map(str::to_ascii_lowercase)
        {
            if c.score.value() < INFINITY {
                a.weight += c.score;
            }
        } else if c.score.is_inf() {
            a.weight = Score::NEG_INF;
        }
    }
    if c.score.is_inf() || c.score.is_neg_inf() || any_node_available(ws, &work) {
        ws.rsc_mut(dependent).allowed = work;
    }
}

/// Flags of a weight merge.
#[derive(Clone, Copy)]
pub(crate) struct MergeFlags {
    pub(crate) init: bool,
    pub(crate) forward: bool,
    pub(crate) rollback: bool,
    pub(crate) positive: bool,
}

impl MergeFlags {
    const ROLLBACK: MergeFlags = MergeFlags {
        init: false,
        forward: false,
        rollback: true,
        positive: false,
    };
}

pub(crate) type NodeTable = std::collections::BTreeMap<NodeIdx, AllowedNode>;

/// Folds another resource's node preferences into `nodes`, scaled by
/// `factor`, following its own colocations
/// (`pcmk__add_colocated_node_scores`).
pub(crate) fn merge_weights(
    ws: &mut WorkingSet,
    r: RscIdx,
    nodes: NodeTable,
    attr: Option<&str>,
    factor: f64,
    flags: MergeFlags,
) -> NodeTable {
    native_merge_weights(ws, r, nodes, attr, factor, flags)
}

fn native_merge_weights(
    ws: &mut WorkingSet,
    r: RscIdx,
    nodes: NodeTable,
    attr: Option<&str>,
    factor: f64,
    flags: MergeFlags,
) -> NodeTable {
    if ws.rsc(r).merging {
        return nodes;
    }
    ws.rsc_mut(r).merging = true;
    let is_group = ws.rsc(r).variant == Variant::Group && !ws.rsc(r).children.is_empty();
    let first = ws.rsc(r).children.first().copied();
    let last = ws.rsc(r).children.last().copied();
    let mut flags = flags;
    let mut work = if flags.init {
        // Only sorting resources for assignment starts from no table: a
        // group then starts from its last member (`init_group_colocated_nodes`).
        let w = if is_group {
            let mut f = flags;
            f.init = true;
            native_merge_weights(ws, last.expect("group"), NodeTable::new(), attr, factor, f)
        } else {
            ws.rsc(r).allowed.clone()
        };
        flags.init = false;
        w
    } else if is_group {
        // The first member brings in the others through the group's
        // internal colocations.
        native_merge_weights(
            ws,
            first.expect("group"),
            nodes.clone(),
            attr,
            factor,
            flags,
        )
    } else {
        let mut w = nodes.clone();
        add_node_scores_matching_attr(ws, &mut w, r, attr, factor, flags.positive);
        w
    };
    if any_node_available(ws, &work) {
        let list: Vec<usize> = if flags.forward {
            ws.rsc(r).this_with.clone()
        } else if is_group {
            ws.rsc(last.expect("group")).with_this.clone()
        } else {
            ws.rsc(r).with_this.clone()
        };
        let multiplier = if factor < 0.0 { -1.0 } else { 1.0 };
        for ci in list {
            let c = ws.colocations[ci].clone();
            let other = if flags.forward {
                c.primary
            } else if !c.influence {
                continue;
            } else {
                c.dependent
            };
            let mut f = flags;
            f.rollback = true;
            let scaled = multiplier * c.score.value() as f64 / INFINITY as f64;
            work = native_merge_weights(ws, other, work, c.node_attribute.as_deref(), scaled, f);
        }
    } else if flags.rollback {
        ws.rsc_mut(r).merging = false;
        return nodes;
    }
    if flags.positive {
        for a in work.values_mut() {
            if a.weight.value() == INFINITY_HACK {
                a.weight = Score::new(1);
            }
        }
    }
    ws.rsc_mut(r).merging = false;
    work
}

/// A marker score for "unusable" nodes during positive-only merging.
const INFINITY_HACK: i32 = INFINITY * -100;

fn add_node_scores_matching_attr(
    ws: &WorkingSet,
    work: &mut NodeTable,
    r: RscIdx,
    attr: Option<&str>,
    factor: f64,
    only_positive: bool,
) {
    let attr = attr.unwrap_or("#uname");
    for (&n, a) in work.iter_mut() {
        let value = node_attr(ws, n, attr);
        // Best score among the resource's usable nodes with the same value.
        let mut best = -INFINITY;
        for (&m, b) in &ws.rsc(r).allowed {
            if b.weight.value() > best
                && ws.node(m).available()
                && node_attr(ws, m, attr).map(str::to_ascii_lowercase)
                    == value.map(str::to_ascii_lowercase)
            {
                best = b.weight.value();
            }
        }
        if factor < 0.0 && best < 0 {
            continue;
        }
        if a.weight.value() == INFINITY_HACK {
            continue;
        }
        let weight_f = factor * best as f64;
        let mut weight = if weight_f < 0.0 {
            (weight_f - 0.5) as i64
        } else {
            (weight_f + 0.5) as i64
        };
        if weight == 0 && best != 0 {
            if factor > 0.0 {
                weight = 1;
            } else if factor < 0.0 {
                weight = -1;
            }
        }
        let new_score = Score::new(weight) + a.weight;
        if only_positive && new_score.value() < 0 && a.weight.value() > 0 {
            a.weight = Score::unclamped(INFINITY_HACK);
            continue;
        }
        if only_positive && new_score.value() < 0 && a.weight.value() == 0 {
            continue;
        }
        a.weight = new_score;
    }
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

/// Compares two nodes' free capacity (`pcmk__compare_node_capacities`):
/// negative when the first has more, attribute by attribute.
fn compare_capacities(ws: &WorkingSet, a: NodeIdx, b: NodeIdx) -> i32 {
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
fn ban_insufficient_capacity(ws: &mut WorkingSet, r: RscIdx) -> Option<NodeIdx> {
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
