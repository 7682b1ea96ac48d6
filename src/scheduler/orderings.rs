//! Binding orderings to actions and letting them change actions' flags:
//! a required first makes its then required, an unrunnable first makes its
//! then unrunnable, and so on until nothing changes (Pacemaker's
//! `pcmk__apply_orderings`, `order_actions`, `pcmk__update_action_for_orderings`,
//! `update_action_flags` and `pcmk__update_ordered_actions`).

use super::actions::{custom_action, ActionSpec};
use super::probe_orderings::order_probes;
use super::update_ordered::{update_ordered, OrderedUpdate, FILTER_OPTIONAL, FILTER_RUNNABLE};
use super::ws::order::*;
use super::ws::*;

/// Adds a first → then link between two actions unless an equivalent one
/// exists (`order_actions`). Returns whether a link was added.
pub fn order_actions(ws: &mut WorkingSet, first: ActionIdx, then: ActionIdx, flags: u32) -> bool {
    if flags == NONE || first == then {
        return false;
    }
    if ws
        .action(first)
        .after
        .iter()
        .any(|&(a, f)| a == then && (f & flags) != 0)
    {
        return false;
    }
    ws.action_mut(first).after.insert(0, (then, flags));
    ws.action_mut(then).before.insert(0, (first, flags));
    true
}

/// Actions of a resource with a given key (any node).
pub(super) fn find_actions_by_key(ws: &WorkingSet, r: RscIdx, key: &str) -> Vec<ActionIdx> {
    ws.rsc(r)
        .actions
        .iter()
        .copied()
        .filter(|&a| ws.action(a).key == key)
        .collect()
}

/// The task and interval of an operation key (`parse_op_key`).
pub(crate) fn task_of_key(key: &str) -> Option<(&str, u64)> {
    // key = <rsc>_<task>_<interval>
    let (rest, interval) = key.rsplit_once('_')?;
    let interval: u64 = interval.parse().ok()?;
    let tasks = [
        "migrate_from",
        "migrate_to",
        "reload-agent",
        "monitor",
        "start",
        "stop",
        "promote",
        "demote",
        "running",
        "stopped",
        "promoted",
        "demoted",
        "notify",
        "notified",
        "delete",
        "reload",
    ];
    tasks.into_iter().find_map(|t| {
        let head = rest.strip_suffix(t)?;
        head.ends_with('_').then_some((t, interval))
    })
}

/// Binds every recorded ordering to actions, orders probes, and then updates
/// all actions' flags until stable.
pub fn apply_orderings(ws: &mut WorkingSet) {
    // Lent out rather than cloned: nothing below reads the list, and
    // whatever is recorded meanwhile goes after it, as if pushed onto it.
    let orderings = std::mem::take(&mut ws.orderings);
    for o in &orderings {
        if let Some(fr) = o.first_rsc {
            rsc_order_first(ws, fr, o);
        } else if let (Some(fa), Some(tr)) = (o.first_action, o.then_rsc) {
            rsc_order_then(ws, Some(fa), tr, o);
        } else if let (Some(fa), Some(ta)) = (o.first_action, o.then_action) {
            order_actions(ws, fa, ta, o.flags);
        }
    }
    restore_orderings(ws, orderings);
    order_probes(ws);
    // Pacemaker walks its action list newest first.
    let all: Vec<ActionIdx> = (0..ws.actions.len()).rev().map(ActionIdx).collect();
    for a in all {
        update_action_for_orderings(ws, a);
    }
}

/// Puts back the orderings taken with `std::mem::take`, followed by any
/// recorded while they were out.
pub(super) fn restore_orderings(ws: &mut WorkingSet, orderings: Vec<Ordering>) {
    let added = std::mem::replace(&mut ws.orderings, orderings);
    ws.orderings.extend(added);
}

/// The next of a resource's actions with a key, from position `*at` on
/// (which it advances): walks the list without collecting it, for loops
/// that only order actions, which leaves every resource's list as it is.
fn next_action_by_key(ws: &WorkingSet, r: RscIdx, key: &str, at: &mut usize) -> Option<ActionIdx> {
    let actions = &ws.rsc(r).actions;
    while let Some(&a) = actions.get(*at) {
        *at += 1;
        if ws.action(a).key == key {
            return Some(a);
        }
    }
    None
}

fn rsc_order_first(ws: &mut WorkingSet, first_rsc: RscIdx, o: &Ordering) {
    let then_rsc = match o.then_rsc {
        Some(r) => Some(r),
        None => o.then_action.and_then(|a| ws.action(a).rsc),
    };
    let order_first = |ws: &mut WorkingSet, fa: ActionIdx| match then_rsc {
        None => {
            if let Some(ta) = o.then_action {
                order_actions(ws, fa, ta, o.flags);
            }
        }
        Some(tr) => rsc_order_then(ws, Some(fa), tr, o),
    };
    if let Some(a) = o.first_action {
        order_first(ws, a);
        return;
    }
    let key = o.first_task.as_deref();
    let mut at = 0;
    if let Some(key) = key {
        if let Some(fa) = next_action_by_key(ws, first_rsc, key, &mut at) {
            order_first(ws, fa);
            while let Some(fa) = next_action_by_key(ws, first_rsc, key, &mut at) {
                order_first(ws, fa);
            }
            return;
        }
    }
    if Some(first_rsc) == o.then_rsc {
        return;
    }
    let Some(key) = key else {
        return;
    };
    let Some((task, interval)) = task_of_key(key) else {
        return;
    };
    // Pacemaker asks for the current role here.
    let state = rsc_state(ws, first_rsc, true);
    if (state == Role::Stopped && task == "stop") || (state == Role::Unpromoted && task == "demote")
    {
        return;
    }
    let key = super::actions::op_key(&ws.rsc(first_rsc).id, task, interval);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(first_rsc),
            key,
            task: task.to_string(),
            node: None,
            optional: true,
            interval_ms: interval,
        },
    );
    order_first(ws, a);
}

/// A resource's role now (`current`) or after the transition
/// (`fns->state(rsc, current)`); a collective resource reports the highest
/// role among its children.
pub(crate) fn rsc_state(ws: &WorkingSet, r: RscIdx, current: bool) -> Role {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        return rsc
            .children
            .iter()
            .map(|&c| rsc_state(ws, c, current))
            .max()
            .unwrap_or(Role::Unknown);
    }
    if current {
        rsc.role
    } else {
        rsc.next_role
    }
}

fn rsc_order_then(
    ws: &mut WorkingSet,
    first_action: Option<ActionIdx>,
    then_rsc: RscIdx,
    o: &Ordering,
) {
    let mut flags = o.flags;
    if let Some(fa) = first_action {
        if ws.action(fa).rsc == Some(then_rsc) && ws.action(fa).dangle {
            flags &= !IMPLIES_THEN;
        }
    }
    if first_action.is_none() && flags & IMPLIES_THEN == 0 {
        return;
    }
    let order_then = |ws: &mut WorkingSet, ta: ActionIdx| match first_action {
        Some(fa) => {
            order_actions(ws, fa, ta, flags);
        }
        None => ws.action_mut(ta).runnable = false,
    };
    match (o.then_action, o.then_task.as_deref()) {
        (Some(ta), _) => order_then(ws, ta),
        (None, Some(key)) => {
            let mut at = 0;
            while let Some(ta) = next_action_by_key(ws, then_rsc, key, &mut at) {
                order_then(ws, ta);
            }
        }
        (None, None) => {}
    }
}

/// Flags of an action as seen by an ordering (`action_flags_for_ordering`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(super) optional: bool,
    pub(super) runnable: bool,
    pub(super) migrate_runnable: bool,
    pub(super) pseudo: bool,
}

/// An action's flags as an ordering sees them (`action_flags_for_ordering`):
/// a clone action on a node counts as runnable if it is runnable anywhere.
fn flags_of(ws: &mut WorkingSet, a: ActionIdx, node: Option<NodeIdx>) -> Flags {
    let rsc = ws.action(a).rsc;
    if let Some(r) = rsc {
        if is_collective(ws, r) {
            let flags = rsc_action_flags(ws, a, None);
            if node.is_none() {
                return flags;
            }
            let mut on_node = rsc_action_flags(ws, a, node);
            if flags.runnable {
                on_node.runnable = true;
            }
            return on_node;
        }
    }
    rsc_action_flags(ws, a, None)
}

/// A clone or a bundle: a resource whose actions summarise its instances'.
pub(super) fn is_collective(ws: &WorkingSet, r: RscIdx) -> bool {
    matches!(ws.rsc(r).variant, Variant::Clone { .. } | Variant::Bundle)
}

/// An action's flags by its resource's method (`rsc->cmds->action_flags`).
pub(super) fn rsc_action_flags(ws: &mut WorkingSet, a: ActionIdx, node: Option<NodeIdx>) -> Flags {
    let rsc = ws.action(a).rsc;
    if let Some(r) = rsc {
        if ws.rsc(r).variant == Variant::Group {
            return group_action_flags(ws, a, node);
        }
        if is_collective(ws, r) {
            return clone_action_flags(ws, a, node);
        }
    }
    let act = ws.action(a);
    Flags {
        optional: act.optional,
        runnable: act.runnable,
        migrate_runnable: act.migrate_runnable,
        pseudo: act.pseudo,
    }
}

pub(super) fn snapshot(ws: &WorkingSet, a: ActionIdx) -> Flags {
    let act = ws.action(a);
    Flags {
        optional: act.optional,
        runnable: act.runnable,
        migrate_runnable: act.migrate_runnable,
        pseudo: act.pseudo,
    }
}

/// The task a group's member performs for a group task.
fn member_task(task: &str) -> &str {
    match task {
        "running" => "start",
        "stopped" => "stop",
        "promoted" => "promote",
        "demoted" => "demote",
        t => t,
    }
}

/// A group pseudo action is required if any member's is, and unrunnable
/// unless every member's is runnable (`pcmk__group_action_flags`). Asked
/// about one node (a cloned group's instance, as an ordering with something
/// on that node sees it), only the members' actions there count.
fn group_action_flags(ws: &mut WorkingSet, a: ActionIdx, node: Option<NodeIdx>) -> Flags {
    let r = ws.action(a).rsc.expect("group action");
    let task = ws.action(a).task.as_str();
    // The member task, borrowed when it is one of the usual ones (this
    // runs for every ordering update of a group action).
    let mtask: std::borrow::Cow<'static, str> = match member_task(task) {
        "start" => "start".into(),
        "stop" => "stop".into(),
        "promote" => "promote".into(),
        "demote" => "demote".into(),
        other => other.to_string().into(),
    };
    let renamed = mtask != task;
    let mut flags = Flags {
        optional: true,
        runnable: true,
        migrate_runnable: false,
        pseudo: true,
    };
    // Members read in place: nothing below changes the list.
    for i in 0..ws.rsc(r).children.len() {
        let m = ws.rsc(r).children[i];
        match super::clone::find_first_action(ws, m, &mtask, node) {
            Some(ma) => {
                let mf = rsc_action_flags(ws, ma, node);
                if flags.optional && !mf.optional {
                    flags.optional = false;
                    ws.action_mut(a).optional = false;
                }
                if renamed && flags.runnable && !mf.runnable {
                    flags.runnable = false;
                    ws.action_mut(a).runnable = false;
                }
            }
            None => {
                if mtask != "stop" && mtask != "demote" {
                    flags.runnable = false;
                }
            }
        }
    }
    flags
}

/// A clone pseudo action is required if any instance's matching action
/// is, and runnable if any is (`summary_action_flags`).
pub(crate) fn clone_action_flags(
    ws: &mut WorkingSet,
    a: ActionIdx,
    node: Option<NodeIdx>,
) -> Flags {
    let r = ws.action(a).rsc.expect("clone action");
    let ctask = super::clone::child_task(ws, a);
    let mut flags = Flags {
        optional: true,
        runnable: true,
        migrate_runnable: false,
        pseudo: true,
    };
    let mut any_runnable = false;
    // A clone's instances are read in place (nothing below changes the
    // list); a bundle's are gathered.
    let bundle_children = match ws.rsc(r).variant {
        Variant::Bundle => Some(super::bundle::summary_children(ws, r, &ctask)),
        _ => None,
    };
    let count = match &bundle_children {
        Some(children) => children.len(),
        None => ws.rsc(r).children.len(),
    };
    for i in 0..count {
        let child = match &bundle_children {
            Some(children) => children[i],
            None => ws.rsc(r).children[i],
        };
        let on = if ws.rsc(child).children.is_empty() {
            node
        } else {
            None
        };
        let Some(ca) = super::clone::find_first_action(ws, child, &ctask, on) else {
            continue;
        };
        let cf = rsc_action_flags(ws, ca, node);
        if flags.optional && !cf.optional {
            flags.optional = false;
            ws.action_mut(a).optional = false;
        }
        if cf.runnable {
            any_runnable = true;
        }
    }
    if !any_runnable {
        flags.runnable = false;
        if node.is_none() {
            ws.action_mut(a).runnable = false;
        }
    }
    flags
}

pub(crate) fn is_parent(ws: &WorkingSet, child: RscIdx, parent: RscIdx) -> bool {
    let mut p = ws.rsc(child).parent;
    while let Some(x) = p {
        if x == parent {
            return true;
        }
        p = ws.rsc(x).parent;
    }
    false
}

/// For a collective resource's start/stop used as a first action elsewhere,
/// the completion pseudo action stands in, or with notifications the
/// confirmation of the post-notification (`rsc_expand_action`,
/// `convert_non_atomic_uuid`).
fn action_for_ordering(ws: &WorkingSet, a: ActionIdx) -> ActionIdx {
    let act = ws.action(a);
    let Some(r) = act.rsc else { return a };
    if ws.rsc(r).variant == Variant::Primitive || act.key.contains("notify") || act.interval_ms > 0
    {
        return a;
    }
    let task = match act.task.as_str() {
        "start" | "running" => "running",
        "stop" | "stopped" => "stopped",
        "promote" | "promoted" => "promoted",
        "demote" | "demoted" => "demoted",
        _ => return a,
    };
    // Only outermost resources, and clones in bundles, notify.
    let outermost = match ws.rsc(r).parent {
        None => true,
        Some(p) => {
            matches!(ws.rsc(r).variant, Variant::Clone { .. })
                && ws.rsc(p).variant == Variant::Bundle
        }
    };
    let notify = outermost && super::notify::wants_notify(ws, r);
    // The key `<rsc>_confirmed-post_notify_<task>_0` or `<rsc>_<task>_0`,
    // matched without building it.
    let id = ws.rsc(r).id.as_str();
    let is_key = |key: &str| {
        let rest = key.strip_prefix(id).and_then(|k| k.strip_prefix('_'));
        let rest = match notify {
            true => rest.and_then(|k| k.strip_prefix("confirmed-post_notify_")),
            false => rest,
        };
        rest.and_then(|k| k.strip_prefix(task)) == Some("_0")
    };
    ws.rsc(r)
        .actions
        .iter()
        .copied()
        .find(|&x| is_key(&ws.action(x).key))
        .unwrap_or(a)
}

fn group_location(ws: &WorkingSet, r: RscIdx) -> Option<NodeIdx> {
    ws.rsc(r)
        .assigned
        .or_else(|| ws.rsc(r).children.first().and_then(|&c| ws.rsc(c).assigned))
}

/// What an ordering update changed (`enum pcmk__updated`).
pub(super) const UPDATED_FIRST: u8 = 1;
pub(super) const UPDATED_THEN: u8 = 2;

/// How deep the re-evaluation may recurse before it is cut short; Pacemaker
/// recurses without a bound, this only guards against pathological inputs.
const MAX_UPDATE_DEPTH: usize = 20_000;

/// Re-evaluates one action against everything ordered before it and,
/// depth first, everything affected by a change
/// (`pcmk__update_action_for_orderings`).
fn update_action_for_orderings(ws: &mut WorkingSet, then: ActionIdx) {
    update_for_orderings(ws, then, 0);
}

pub(super) fn update_for_orderings(ws: &mut WorkingSet, then: ActionIdx, depth: usize) {
    if depth > MAX_UPDATE_DEPTH {
        if !ws
            .warnings
            .iter()
            .any(|w| w == "ordering update did not settle")
        {
            ws.warnings.push("ordering update did not settle".into());
        }
        return;
    }
    let last_flags = snapshot(ws, then);
    let mut changed: u8 = 0;
    if ws.action(then).requires_any {
        let act = ws.action_mut(then);
        act.runnable_before = 0;
        if act.required_runnable_before == 0 {
            act.required_runnable_before = 1;
        }
        act.runnable = false;
    }
    let mut i = 0;
    while i < ws.action(then).before.len() {
        let (first, oflags) = ws.action(then).before[i];
        let link = i;
        i += 1;
        let mut then_node = ws.action(then).node;
        let mut first_node = ws.action(first).node;
        if let Some(fr) = ws.action(first).rsc {
            if ws.rsc(fr).variant == Variant::Group && ws.action(first).task == "start" {
                first_node = group_location(ws, fr);
            }
        }
        if let Some(tr) = ws.action(then).rsc {
            if ws.rsc(tr).variant == Variant::Group && ws.action(then).task == "start" {
                then_node = group_location(ws, tr);
            }
        }
        if oflags & SAME_NODE != 0 {
            if let (Some(f), Some(t)) = (first_node, then_node) {
                if f != t {
                    ws.action_mut(then).before[link].1 = NONE;
                    continue;
                }
            }
        }
        changed &= !UPDATED_FIRST;
        if ws.action(first).rsc.is_some()
            && oflags & THEN_CANCELS_FIRST != 0
            && !ws.action(then).optional
        {
            // A required then abandons first (a required stop cancels a reload).
            ws.action_mut(first).optional = true;
        }
        let mut real_first = first;
        if let (Some(fr), Some(tr)) = (ws.action(first).rsc, ws.action(then).rsc) {
            if fr != tr && !is_parent(ws, tr, fr) {
                real_first = action_for_ordering(ws, first);
            }
        }
        if real_first == first {
            let first_flags = flags_of(ws, first, then_node);
            let then_flags = flags_of(ws, then, first_node);
            changed |= update_action_flags(ws, first, then, first_flags, then_flags, link);
        } else if order_actions(ws, real_first, then, oflags) {
            // First time these two were linked: start over with the new list.
            changed |= UPDATED_THEN;
            // order_actions prepended the new link, so ours moved down by one;
            // the remapped one takes its place.
            ws.action_mut(then).before[link + 1].1 = NONE;
            i += 1;
        }
        if changed & UPDATED_FIRST != 0 {
            for (a, _) in ws.action(real_first).after.clone() {
                update_for_orderings(ws, a, depth + 1);
            }
            update_for_orderings(ws, real_first, depth + 1);
        }
    }
    if ws.action(then).requires_any {
        if snapshot(ws, then) == last_flags {
            changed &= !UPDATED_THEN;
        } else {
            changed |= UPDATED_THEN;
        }
    }
    if changed & UPDATED_THEN != 0 {
        if last_flags.runnable && !ws.action(then).runnable {
            block_colocated_starts(ws, then, depth);
        }
        update_for_orderings(ws, then, depth + 1);
        for (a, _) in ws.action(then).after.clone() {
            update_for_orderings(ws, a, depth + 1);
        }
    }
}

/// When a start or promote can no longer run (for a collective resource:
/// when no instance's can), what is mandatorily colocated with it cannot
/// reach its colocated role: its starts (or, colocated as promoted, its
/// promotes) become unrunnable too (`pcmk__block_colocation_dependents`).
fn block_colocated_starts(ws: &mut WorkingSet, a: ActionIdx, depth: usize) {
    let act = ws.action(a);
    if act.runnable || (act.task != "start" && act.task != "promote") {
        return;
    }
    let is_start = act.task == "start";
    let task = act.task.clone();
    let Some(ar) = act.rsc else { return };
    let rsc = ws.top_parent(ar);
    for child in ws.rsc(rsc).children.clone() {
        let ca = super::clone::find_first_action(ws, child, &task, None);
        if ca.is_none_or(|c| ws.action(c).runnable) {
            return;
        }
    }
    for ci in ws.rsc(rsc).with_this.clone() {
        let c = ws.colocations[ci].clone();
        if !c.score.is_inf() {
            continue;
        }
        if !is_start && c.primary_role != Role::Promoted {
            continue;
        }
        let blocked = if c.dependent_role == Role::Promoted {
            "promote"
        } else {
            "start"
        };
        mark_action_blocked(ws, c.dependent, blocked, ar, depth);
    }
}

/// Makes a resource's (and its children's) actions of a task unrunnable
/// because of a colocation (`mark_action_blocked`).
fn mark_action_blocked(ws: &mut WorkingSet, r: RscIdx, task: &str, reason: RscIdx, depth: usize) {
    let text = format!("colocation with {}", ws.rsc(reason).id);
    for a in ws.rsc(r).actions.clone() {
        let act = ws.action(a);
        if act.task != task || !act.runnable {
            continue;
        }
        let act = ws.action_mut(a);
        act.runnable = false;
        if act.reason.is_none() {
            act.reason = Some(text.clone());
        }
        block_colocated_starts(ws, a, depth + 1);
        update_for_orderings(ws, a, depth + 1);
    }
    for c in ws.rsc(r).children.clone() {
        mark_action_blocked(ws, c, task, reason, depth);
    }
}

/// Which resource's method handles an update (`rsc->cmds->update_ordered_actions`):
/// a group also updates its members' matching actions.
#[derive(Clone, Copy)]
pub(super) enum Via {
    Then,
    First,
}

/// Applies an ordering's flags to its two actions
/// (`update_action_for_ordering_flags`); returns what changed.
fn update_action_flags(
    ws: &mut WorkingSet,
    first: ActionIdx,
    then: ActionIdx,
    first_flags: Flags,
    then_flags: Flags,
    link: usize,
) -> u8 {
    let mut changed = 0u8;
    let then_rsc = ws.action(then).rsc;
    let first_rsc = ws.action(first).rsc;
    let mut node = ws.action(then).node;
    let mut oflags = ws.action(then).before[link].1;
    if oflags & IMPLIES_THEN_ON_NODE != 0 {
        // Unfencing: only the instances on first's node restart.
        oflags = (oflags & !IMPLIES_THEN_ON_NODE) | IMPLIES_THEN;
        ws.action_mut(then).before[link].1 = oflags;
        node = ws.action(first).node;
    }
    if oflags & IMPLIES_THEN != 0 {
        if then_rsc.is_some() {
            let f = Flags {
                optional: first_flags.optional,
                runnable: false,
                migrate_runnable: false,
                pseudo: false,
            };
            changed |= update_ordered(
                ws,
                Via::Then,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: f,
                    filter: FILTER_OPTIONAL,
                    kind: IMPLIES_THEN,
                },
            );
        } else if !first_flags.optional && ws.action(then).optional {
            ws.action_mut(then).optional = false;
            changed |= UPDATED_THEN;
        }
    }
    if oflags & RESTART != 0 && then_rsc.is_some() {
        changed |= update_ordered(
            ws,
            Via::Then,
            first,
            then,
            OrderedUpdate {
                node,
                flags: first_flags,
                filter: FILTER_OPTIONAL | FILTER_RUNNABLE,
                kind: RESTART,
            },
        );
    }
    if oflags & IMPLIES_FIRST != 0 {
        if first_rsc.is_some() {
            changed |= update_ordered(
                ws,
                Via::First,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: first_flags,
                    filter: FILTER_OPTIONAL,
                    kind: IMPLIES_FIRST,
                },
            );
        } else if !first_flags.optional && ws.action(first).runnable {
            ws.action_mut(first).runnable = false;
            changed |= UPDATED_FIRST;
        }
    }
    if oflags & PROMOTED_IMPLIES_FIRST != 0 && then_rsc.is_some() {
        let f = Flags {
            optional: first_flags.optional,
            runnable: false,
            migrate_runnable: false,
            pseudo: false,
        };
        changed |= update_ordered(
            ws,
            Via::Then,
            first,
            then,
            OrderedUpdate {
                node,
                flags: f,
                filter: FILTER_OPTIONAL,
                kind: PROMOTED_IMPLIES_FIRST,
            },
        );
    }
    if oflags & ONE_OR_MORE != 0 {
        if then_rsc.is_some() {
            changed |= update_ordered(
                ws,
                Via::Then,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: first_flags,
                    filter: FILTER_RUNNABLE,
                    kind: ONE_OR_MORE,
                },
            );
        } else if first_flags.runnable {
            let act = ws.action_mut(then);
            act.runnable_before += 1;
            if act.runnable_before >= act.required_runnable_before && !act.runnable {
                act.runnable = true;
                changed |= UPDATED_THEN;
            }
        }
    }
    if oflags & PROBE != 0 && then_rsc.is_some() {
        let first_running = first_rsc.is_some_and(|r| !ws.rsc(r).running_on.is_empty());
        if !first_flags.runnable && first_running {
            // First is stopping: the probe ordering does not matter.
            ws.action_mut(then).before[link].1 = NONE;
            oflags = NONE;
        } else {
            changed |= update_ordered(
                ws,
                Via::Then,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: first_flags,
                    filter: FILTER_RUNNABLE,
                    kind: RUNNABLE_LEFT,
                },
            );
        }
    }
    if oflags & RUNNABLE_LEFT != 0 {
        if then_rsc.is_some() {
            changed |= update_ordered(
                ws,
                Via::Then,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: first_flags,
                    filter: FILTER_RUNNABLE,
                    kind: RUNNABLE_LEFT,
                },
            );
        } else if !first_flags.runnable && ws.action(then).runnable {
            ws.action_mut(then).runnable = false;
            changed |= UPDATED_THEN;
        }
    }
    // These kinds pass through the `then` resource's own update, in
    // Pacemaker's order, each with the flags of `first` that matter to it.
    for (kind, filter) in [
        (IMPLIES_FIRST_MIGRATABLE, FILTER_OPTIONAL),
        (PSEUDO_LEFT, FILTER_OPTIONAL),
        (OPTIONAL, FILTER_RUNNABLE),
        (ASYMMETRICAL, FILTER_RUNNABLE),
    ] {
        if oflags & kind != 0 && then_rsc.is_some() {
            changed |= update_ordered(
                ws,
                Via::Then,
                first,
                then,
                OrderedUpdate {
                    node,
                    flags: first_flags,
                    filter,
                    kind,
                },
            );
        }
    }
    if ws.action(first).runnable && oflags & IMPLIES_THEN_PRINTED != 0 && !first_flags.optional {
        ws.action_mut(then).print_always = true;
    }
    if oflags & IMPLIES_FIRST_PRINTED != 0 && !then_flags.optional {
        ws.action_mut(first).print_always = true;
    }
    if oflags & (IMPLIES_THEN | IMPLIES_FIRST | RESTART) != 0 {
        if let Some(fr) = first_rsc {
            let f = ws.action(first);
            if !ws.rsc(fr).managed
                && ws.rsc(fr).blocked
                && !f.runnable
                && f.task == "stop"
                && ws.action(then).runnable
            {
                ws.action_mut(then).runnable = false;
                changed |= UPDATED_THEN;
            }
        }
    }
    changed
}
