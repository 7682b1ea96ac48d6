//! How one ordering changes the flags of its two actions, by the type of
//! resource that handles it: primitives, groups (member by member) and clones
//! (instance by instance, or paired node by node when interleaved)
//! (Pacemaker's `pcmk__update_ordered_actions`,
//! `pcmk__group_update_ordered_actions` and `pcmk__multi_update_actions`).

use super::orderings::{
    is_collective, order_actions, rsc_action_flags, rsc_state, snapshot, update_for_orderings,
    Flags, Via, UPDATED_FIRST, UPDATED_THEN,
};
use std::borrow::Cow;

use super::ws::order::*;
use super::ws::*;

/// What one ordering update applies: the node it is evaluated for, first's
/// flags as the ordering sees them, which of then's flags may change
/// (`FILTER_*`) and the ordering type.
#[derive(Clone, Copy)]
pub(super) struct OrderedUpdate {
    pub(super) node: Option<NodeIdx>,
    pub(super) flags: Flags,
    pub(super) filter: u8,
    pub(super) kind: u32,
}

pub(super) const FILTER_OPTIONAL: u8 = 1;
pub(super) const FILTER_RUNNABLE: u8 = 2;

/// One action flag, for [`clear_flag_because`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flag {
    Optional,
    Runnable,
    MigrateRunnable,
}

/// Clears a flag of `action` and, when the cause is another resource's
/// action, records why (`clear_action_flag_because` with
/// `pe__action2reason`): "required X start", "unrunnable X start". The first
/// reason recorded stays.
fn clear_flag_because(ws: &mut WorkingSet, action: ActionIdx, flag: Flag, because: ActionIdx) {
    let act = ws.action(action);
    let set = match flag {
        Flag::Optional => act.optional,
        Flag::Runnable => act.runnable,
        Flag::MigrateRunnable => act.migrate_runnable,
    };
    if !set {
        return;
    }
    let cause = ws.action(because);
    let text = if act.rsc != cause.rsc && act.reason.is_none() {
        let change = if flag == Flag::Optional {
            "required"
        } else {
            "unrunnable"
        };
        Some(match cause.rsc {
            Some(r) => format!("{change} {} {}", ws.rsc(r).id, cause.task),
            None => format!("{change} {}", cause.task),
        })
    } else {
        None
    };
    let act = ws.action_mut(action);
    match flag {
        Flag::Optional => act.optional = false,
        Flag::Runnable => act.runnable = false,
        Flag::MigrateRunnable => act.migrate_runnable = false,
    }
    if text.is_some() {
        act.reason = text;
    }
}

/// An action's task, borrowed when it is one of the usual ones: the
/// updates below keep it while they change the working set, and run for
/// every ordering of a group or clone action.
fn task_of(ws: &WorkingSet, a: ActionIdx) -> Cow<'static, str> {
    match ws.action(a).task.as_str() {
        "start" => Cow::Borrowed("start"),
        "stop" => Cow::Borrowed("stop"),
        "promote" => Cow::Borrowed("promote"),
        "demote" => Cow::Borrowed("demote"),
        "running" => Cow::Borrowed("running"),
        "stopped" => Cow::Borrowed("stopped"),
        "promoted" => Cow::Borrowed("promoted"),
        "demoted" => Cow::Borrowed("demoted"),
        "monitor" => Cow::Borrowed("monitor"),
        other => Cow::Owned(other.to_string()),
    }
}

/// Applies one ordering type between two actions; a group's method also
/// applies it to each member's matching action (`pcmk__update_ordered_actions`,
/// `pcmk__group_update_ordered_actions`). Returns what changed.
pub(super) fn update_ordered(
    ws: &mut WorkingSet,
    via: Via,
    first: ActionIdx,
    then: ActionIdx,
    update: OrderedUpdate,
) -> u8 {
    let OrderedUpdate {
        node,
        flags,
        filter,
        kind,
    } = update;
    let method_rsc = match via {
        Via::Then => ws.action(then).rsc,
        Via::First => ws.action(first).rsc,
    };
    if let Some(mr) = method_rsc {
        if is_collective(ws, mr) {
            return clone_update_ordered(ws, first, then, update);
        }
    }
    let mut changed = primitive_update_ordered(ws, first, then, flags, filter, kind);
    let Some(mr) = method_rsc else { return changed };
    if ws.rsc(mr).variant != Variant::Group {
        return changed;
    }
    // The group method walks the members of then's resource.
    let Some(tr) = ws.action(then).rsc else {
        return changed;
    };
    let task = task_of(ws, then);
    for m in ws.rsc(tr).children.clone() {
        let ma =
            ws.rsc(m).actions.iter().copied().find(|&x| {
                ws.action(x).task == task && (node.is_none() || ws.action(x).node == node)
            });
        if let Some(ma) = ma {
            changed |= primitive_update_ordered(ws, first, ma, flags, filter, kind);
        }
    }
    changed
}

/// A clone's method for an ordering: instances are paired node by node
/// when interleaved, else the ordering applies to the clone action and to
/// each runnable instance's matching action (`pcmk__multi_update_actions`).
fn clone_update_ordered(
    ws: &mut WorkingSet,
    first: ActionIdx,
    then: ActionIdx,
    update: OrderedUpdate,
) -> u8 {
    let OrderedUpdate {
        node,
        flags,
        filter,
        kind,
    } = update;
    if super::clone::can_interleave(ws, first, then) {
        return interleave_update(ws, first, then, node, filter, kind);
    }
    let mut changed = primitive_update_ordered(ws, first, then, flags, filter, kind);
    let Some(tr) = ws.action(then).rsc else {
        return changed;
    };
    let task = task_of(ws, then);
    // A bundle's instances here are its containers
    // (`get_containers_or_children`).
    let children = match ws.bundles.get(&tr) {
        Some(d) => d.replicas.iter().map(|r| r.container).collect(),
        None => ws.rsc(tr).children.clone(),
    };
    for child in children {
        let Some(ca) = super::clone::find_first_action(ws, child, &task, node) else {
            continue;
        };
        let cf = rsc_action_flags(ws, ca, node);
        if !cf.runnable {
            continue;
        }
        let c = update_ordered(ws, Via::Then, first, ca, update);
        changed |= c;
        if c & UPDATED_THEN != 0 {
            for (a, _) in ws.action(ca).after.clone() {
                update_for_orderings(ws, a, 1);
            }
        }
    }
    changed
}

/// Interleaved clones: each instance of then's clone is ordered after the
/// instance of first's clone on its node (`multi_update_interleave_actions`).
fn interleave_update(
    ws: &mut WorkingSet,
    first: ActionIdx,
    then: ActionIdx,
    node: Option<NodeIdx>,
    filter: u8,
    kind: u32,
) -> u8 {
    let mut changed = 0u8;
    let fkey = &ws.action(first).key;
    let current = fkey.ends_with("_stopped_0") || fkey.ends_with("_demoted_0");
    let (Some(fr), Some(tr)) = (ws.action(first).rsc, ws.action(then).rsc) else {
        return changed;
    };
    let first_task = super::clone::child_task(ws, first);
    let then_task = task_of(ws, then);
    for then_child in ws.rsc(tr).children.clone() {
        let first_child =
            super::clone::find_compatible_child(ws, then_child, fr, Role::Unknown, current);
        let Some(first_child) = first_child else {
            if !current && kind & (RUNNABLE_LEFT | IMPLIES_THEN) != 0 {
                // Nothing of first's clone is (to be) on its node: it may
                // not become active.
                super::assign::finalize_assignment(ws, then_child, None, true);
            }
            continue;
        };
        let fa = super::clone::find_first_action(ws, first_child, &first_task, node);
        let ta = super::clone::find_first_action(ws, then_child, &then_task, node);
        let (Some(fa), Some(ta)) = (fa, ta) else {
            continue;
        };
        if order_actions(ws, fa, ta, kind) {
            changed |= UPDATED_FIRST | UPDATED_THEN;
        }
        let ff = rsc_action_flags(ws, fa, node);
        changed |= update_ordered(
            ws,
            Via::Then,
            fa,
            ta,
            OrderedUpdate {
                node,
                flags: ff,
                filter,
                kind,
            },
        );
    }
    changed
}

/// If first is unrunnable, an asymmetric then cannot run either, unless it
/// is an optional no-op (`handle_asymmetric_ordering`).
fn handle_asymmetric_ordering(ws: &mut WorkingSet, first: ActionIdx, then: ActionIdx) {
    let Some(tr) = ws.action(then).rsc else {
        return;
    };
    if ws.action(first).runnable {
        return;
    }
    if ws.action(then).optional {
        let role = rsc_state(ws, tr, true);
        let task = ws.action(then).task.as_str();
        if role == Role::Stopped && task == "stop" {
            return;
        }
        let node = ws.action(then).node;
        let running = &ws.rsc(tr).running_on;
        let only_there = running.len() == 1 && node.is_some_and(|n| running[0] == n);
        if role >= Role::Started && task == "start" && only_there {
            return;
        }
    }
    clear_flag_because(ws, then, Flag::Optional, first);
    clear_flag_because(ws, then, Flag::Runnable, first);
}

fn primitive_update_ordered(
    ws: &mut WorkingSet,
    first: ActionIdx,
    then: ActionIdx,
    flags: Flags,
    filter: u8,
    kind: u32,
) -> u8 {
    let then_before = snapshot(ws, then);
    let first_before = snapshot(ws, first);
    let f_opt = filter & FILTER_OPTIONAL != 0;
    let f_run = filter & FILTER_RUNNABLE != 0;
    if kind & ASYMMETRICAL != 0 {
        handle_asymmetric_ordering(ws, first, then);
    }
    if kind & IMPLIES_FIRST != 0 && !then_before.optional {
        if f_opt && !flags.optional && first_before.optional {
            clear_flag_because(ws, first, Flag::Optional, then);
        }
        if flags.migrate_runnable && !ws.action(then).migrate_runnable {
            clear_flag_because(ws, first, Flag::MigrateRunnable, then);
        }
    }
    if kind & PROMOTED_IMPLIES_FIRST != 0 {
        let promoted = ws
            .action(then)
            .rsc
            .is_some_and(|tr| ws.rsc(tr).role == Role::Promoted);
        if promoted && f_opt && !ws.action(then).optional {
            clear_flag_because(ws, first, Flag::Optional, then);
            if ws.action(first).migrate_runnable && !ws.action(then).migrate_runnable {
                clear_flag_because(ws, first, Flag::MigrateRunnable, then);
            }
        }
    }
    if kind & IMPLIES_FIRST_MIGRATABLE != 0 && f_opt {
        let t = ws.action(then);
        if !(t.migrate_runnable && t.runnable) {
            clear_flag_because(ws, first, Flag::Runnable, then);
        }
        if !ws.action(then).optional {
            clear_flag_because(ws, first, Flag::Optional, then);
        }
    }
    if kind & PSEUDO_LEFT != 0 && f_opt && !ws.action(first).runnable {
        clear_flag_because(ws, then, Flag::MigrateRunnable, first);
        ws.action_mut(then).pseudo = false;
    }
    if kind & RUNNABLE_LEFT != 0 && f_run && ws.action(then).runnable && !flags.runnable {
        clear_flag_because(ws, then, Flag::Runnable, first);
        clear_flag_because(ws, then, Flag::MigrateRunnable, first);
    }
    if kind & IMPLIES_THEN != 0
        && f_opt
        && ws.action(then).optional
        && !flags.optional
        && !ws.action(first).migrate_runnable
    {
        clear_flag_because(ws, then, Flag::Optional, first);
    }
    if kind & RESTART != 0 {
        handle_restart_ordering(ws, first, then, filter);
    }
    let mut changed = 0;
    if snapshot(ws, then) != then_before {
        changed |= UPDATED_THEN;
        if ws
            .action(then)
            .rsc
            .is_some_and(|r| ws.rsc(r).parent.is_some())
        {
            // Needed for "X_stop then X_start" of cloned groups.
            update_for_orderings(ws, then, 1);
        }
    }
    if snapshot(ws, first) != first_before {
        changed |= UPDATED_FIRST;
    }
    changed
}

/// A resource's stop before its own start (and a later group member's stop
/// before an earlier one's): a required or unrunnable then drags first along
/// (`handle_restart_ordering`).
fn handle_restart_ordering(ws: &mut WorkingSet, first: ActionIdx, then: ActionIdx, filter: u8) {
    let t = ws.action(then);
    let mut reason = false;
    if filter & FILTER_OPTIONAL != 0 && !t.optional {
        reason = true;
    }
    if filter & FILTER_RUNNABLE != 0
        && !t.runnable
        && t.rsc.is_some_and(|r| ws.rsc(r).managed)
        && ws.action(first).rsc == t.rsc
    {
        reason = true;
    }
    if !reason {
        return;
    }
    if ws.action(first).runnable {
        clear_flag_because(ws, first, Flag::Optional, then);
    }
    if !ws.action(then).optional {
        clear_flag_because(ws, first, Flag::Optional, then);
    }
    if !ws.action(then).migrate_runnable {
        clear_flag_because(ws, first, Flag::MigrateRunnable, then);
    }
    if !ws.action(first).optional && !ws.action(first).runnable {
        clear_flag_because(ws, then, Flag::Runnable, first);
    }
}
