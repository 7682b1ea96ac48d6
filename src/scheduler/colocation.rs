//! Colocations as assignment sees them: each resource's sorted lists of
//! colocations, the scores a placed primary gives its dependents, and the
//! node preferences merged along chains of colocations (Pacemaker's
//! `pcmk__add_this_with`/`pcmk__add_with_this`, `expand_group_colocations`,
//! `pcmk__apply_coloc_to_weights` and `pcmk__add_colocated_node_scores` in
//! `pcmk_sched_colocation.c` and the resource variants' files).

use super::assign::any_node_available;
use super::ws::*;
use crate::cib::{Score, INFINITY};

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
pub(super) fn expand_group_colocations(ws: &mut WorkingSet, g: RscIdx) {
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
    pub(super) const ROLLBACK: MergeFlags = MergeFlags {
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
