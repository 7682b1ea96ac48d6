//! Interleaving: an ordering between two clones' actions may pair their
//! instances node by node instead of waiting for the whole clone; these
//! find the matching instance and its action (Pacemaker's
//! `can_interleave_actions`, `find_compatible_child`, `clone_child_action`
//! and `find_first_action`, used by `pcmk__multi_update_actions`).

use std::borrow::Cow;

use super::assign;
use super::clone::{any_blocked, is_clone, location};
use super::ws::*;
use crate::cib::Score;

/// An instance of `clone` on the node where `local` is (or will be), or on
/// the best of `local`'s nodes (`find_compatible_child`).
pub fn find_compatible_child(
    ws: &WorkingSet,
    local: RscIdx,
    clone: RscIdx,
    filter: Role,
    current: bool,
) -> Option<RscIdx> {
    if let Some(n) = location(ws, local, current) {
        return compatible_child_on(ws, n, clone, filter, current);
    }
    let mut nodes: Vec<(NodeIdx, Score)> = ws
        .rsc(local)
        .allowed
        .iter()
        .map(|(&n, a)| (n, a.weight))
        .collect();
    nodes.sort_by(|&a, &b| assign::compare_nodes(ws, a, b, None, false));
    nodes
        .into_iter()
        .find_map(|(n, _)| compatible_child_on(ws, n, clone, filter, current))
}

fn compatible_child_on(
    ws: &WorkingSet,
    n: NodeIdx,
    clone: RscIdx,
    filter: Role,
    current: bool,
) -> Option<RscIdx> {
    ws.rsc(clone).children.iter().copied().find(|&child| {
        let role = super::orderings::rsc_state(ws, child, current);
        if filter != Role::Unknown && role != filter {
            return false;
        }
        let node = if any_blocked(ws, child) {
            None
        } else {
            location(ws, child, current)
        };
        node == Some(n)
    })
}

/// The task an instance performs for a clone action (`clone_child_action`):
/// a notification stands for the action notified about (taken from its
/// key), and a primitive instance folds `running`/`stopped`/`promoted`/
/// `demoted` into `start`/`stop`/`promote`/`demote` (`get_complex_task`).
///
/// Called for every ordering update of a clone action, it borrows the
/// common task names instead of allocating them.
pub fn child_task(ws: &WorkingSet, a: ActionIdx) -> Cow<'static, str> {
    let act = ws.action(a);
    let raw = if act.task == "notify" || act.task == "notified" {
        // <rsc>_<type>_notify_<task>_0: the part between the last two '_'.
        let key = act.key.as_str();
        key.rsplit_once('_')
            .and_then(|(rest, _)| rest.rsplit_once('_'))
            .map(|(_, t)| t)
            .unwrap_or_default()
    } else {
        act.task.as_str()
    };
    let first_is_primitive = act
        .rsc
        .and_then(|r| ws.rsc(r).children.first().copied())
        .is_some_and(|c| ws.rsc(c).variant == Variant::Primitive);
    let task = match raw {
        "running" if first_is_primitive => "start",
        "stopped" if first_is_primitive => "stop",
        "promoted" if first_is_primitive => "promote",
        "demoted" if first_is_primitive => "demote",
        "start" => "start",
        "stop" => "stop",
        "promote" => "promote",
        "demote" => "demote",
        "running" => "running",
        "stopped" => "stopped",
        "promoted" => "promoted",
        "demoted" => "demoted",
        other => return Cow::Owned(other.to_string()),
    };
    Cow::Borrowed(task)
}

/// The first action of a resource with a task (on a node, if given)
/// (`find_first_action`).
pub fn find_first_action(
    ws: &WorkingSet,
    r: RscIdx,
    task: &str,
    node: Option<NodeIdx>,
) -> Option<ActionIdx> {
    ws.rsc(r).actions.iter().copied().find(|&a| {
        let act = ws.action(a);
        act.task == task && (node.is_none() || act.node == node)
    })
}

/// Whether an ordering between two clone actions pairs their instances
/// node by node (`can_interleave_actions`).
pub fn can_interleave(ws: &WorkingSet, first: ActionIdx, then: ActionIdx) -> bool {
    let (Some(fr), Some(tr)) = (ws.action(first).rsc, ws.action(then).rsc) else {
        return false;
    };
    if fr == tr || !is_clone(ws, fr) || !is_clone(ws, tr) {
        return false;
    }
    let key = &ws.action(then).key;
    let r = if key.ends_with("_stop_0") || key.ends_with("_demote_0") {
        fr
    } else {
        tr
    };
    ws.rsc(r)
        .meta
        .get("interleave")
        .is_some_and(|v| super::rules::is_true(v))
}
