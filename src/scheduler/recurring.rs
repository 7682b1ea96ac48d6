//! Recurring monitors: for the role a resource will have on its node and
//! for the Stopped role elsewhere, and cancellation of recorded ones
//! (Pacemaker's `pcmk_sched_recurring.c`: `pcmk__create_recurring_actions`,
//! `pcmk__new_cancel_action`, `pcmk__schedule_cancel`).

use super::actions::*;
use super::primitive_actions::start_action;
use super::ws::order::*;
use super::ws::*;

/// Creates the configured recurring actions for the role the resource will
/// have: monitors for an active role on its node, and monitors for the
/// Stopped role on every other node (`pcmk__create_recurring_actions`).
pub(super) fn create_recurring(ws: &mut WorkingSet, r: RscIdx) {
    if ws.rsc(r).blocked || ws.rsc(r).maintenance {
        return;
    }
    let assigned = ws.rsc(r).assigned;
    let mut start = None;
    if let Some(n) = assigned {
        if !ws.node(n).maintenance && (ws.rsc(r).next_role != Role::Stopped || !ws.rsc(r).managed) {
            start = Some(start_action(ws, r, Some(n), true));
        }
    }
    let ops = std::sync::Arc::clone(&ws.rsc(r).ops);
    for op in ops.iter() {
        if let Some(start) = start {
            recurring_for_active(ws, r, start, assigned, op, &ops);
        }
        recurring_for_inactive(ws, r, assigned, op, &ops);
    }
}

/// Whether a configured op is a usable recurring action: it has an
/// interval, is of a kind that can recur, is configured once only and is
/// enabled (`is_recurring_history`).
fn is_recurring_op(op: &OpConfig, ops: &[OpConfig]) -> bool {
    if op.interval_ms == 0 {
        return false;
    }
    const CANNOT_RECUR: [&str; 7] = [
        "stop",
        "start",
        "demote",
        "promote",
        "reload-agent",
        "migrate_to",
        "migrate_from",
    ];
    if CANNOT_RECUR.contains(&op.name.as_str()) {
        return false;
    }
    if op.duplicate {
        return false;
    }
    // A disabled op is not found in the configuration (`find_rsc_op_entry`).
    ops.iter()
        .any(|o| o.enabled && o.name == op.name && o.interval_ms == op.interval_ms)
}

/// Actions of a resource with a key on exactly this node (`find_actions_exact`).
fn find_exact(ws: &WorkingSet, r: RscIdx, key: &str, node: Option<NodeIdx>) -> Vec<ActionIdx> {
    let Some(n) = node else { return Vec::new() };
    ws.rsc(r)
        .actions
        .iter()
        .copied()
        .filter(|&a| ws.action(a).key == key && ws.action(a).node == Some(n))
        .collect()
}

/// Turns the action with a recurring op's key on a node into a cancellation
/// of it (`pcmk__new_cancel_action`): the history-derived monitor action, if
/// there is one, becomes the cancel, keeping its key.
pub fn new_cancel_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    node: NodeIdx,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, task, interval_ms);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "cancel".into(),
            node: Some(node),
            optional: false,
            interval_ms,
        },
    );
    let act = ws.action_mut(a);
    act.task = "cancel".into();
    act.interval_ms = interval_ms;
    act.meta.insert("cancel_task".into(), task.to_string());
    a
}

/// Cancels a recurring op found in the history, after any stop of the
/// resource (`pcmk__schedule_cancel`).
pub fn schedule_cancel(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    node: NodeIdx,
    call_id: Option<String>,
) {
    let cancel = new_cancel_action(ws, r, task, interval_ms, node);
    if let Some(id) = call_id {
        ws.action_mut(cancel).meta.insert("call_id".into(), id);
    }
    let stop = op_key(&ws.rsc(r).id, "stop", 0);
    new_ordering(
        ws,
        Ordering {
            first_rsc: Some(r),
            first_task: Some(stop),
            first_action: None,
            then_rsc: Some(r),
            then_task: None,
            then_action: Some(cancel),
            flags: OPTIONAL,
        },
    );
}

fn recurring_for_active(
    ws: &mut WorkingSet,
    r: RscIdx,
    start: ActionIdx,
    node: Option<NodeIdx>,
    op: &OpConfig,
    ops: &[OpConfig],
) {
    if op.role == Some(Role::Stopped) || !is_recurring_op(op, ops) {
        return;
    }
    let id = ws.rsc(r).id.clone();
    let key = op_key(&id, &op.name, op.interval_ms);
    // `active_recurring_should_be_optional`
    let running = find_exact(ws, r, &key, node);
    let is_optional = node.is_some()
        && ws.action(start).optional
        && !running.is_empty()
        && !running.iter().any(|&a| ws.action(a).reschedule);
    let next_role = ws.rsc(r).next_role;
    let role_mismatch = match op.role {
        Some(role) => next_role != role,
        None => next_role == Role::Promoted,
    };
    if role_mismatch {
        // Configured for another role: if it is running, cancel it.
        if let (true, Some(n)) = (is_optional, node) {
            let cancel = new_cancel_action(ws, r, &op.name, op.interval_ms, n);
            let after = match ws.rsc(r).role {
                Role::Unpromoted | Role::Started => match next_role {
                    Role::Promoted => Some("promote"),
                    Role::Stopped => Some("stop"),
                    _ => None,
                },
                Role::Promoted => Some("demote"),
                _ => None,
            };
            if let Some(t) = after {
                new_ordering(
                    ws,
                    Ordering {
                        first_rsc: Some(r),
                        first_task: None,
                        first_action: Some(cancel),
                        then_rsc: Some(r),
                        then_task: Some(op_key(&id, t, 0)),
                        then_action: None,
                        flags: RUNNABLE_LEFT,
                    },
                );
            }
        }
        return;
    }
    let mon = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key: key.clone(),
            task: op.name.clone(),
            node,
            optional: is_optional,
            interval_ms: op.interval_ms,
        },
    );
    if !ws.action(start).runnable || node.is_none_or(|n| !ws.node(n).online || ws.node(n).unclean) {
        ws.action_mut(mon).runnable = false;
    }
    if next_role == Role::Promoted {
        ws.action_mut(mon).expected_rc = Some(8);
    }
    if node.is_none() || ws.rsc(r).managed {
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: Some(op_key(&id, "start", 0)),
                first_action: None,
                then_rsc: None,
                then_task: Some(key.clone()),
                then_action: Some(mon),
                flags: IMPLIES_THEN | RUNNABLE_LEFT,
            },
        );
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: Some(op_key(&id, "reload-agent", 0)),
                first_action: None,
                then_rsc: None,
                then_task: Some(key.clone()),
                then_action: Some(mon),
                flags: IMPLIES_THEN | RUNNABLE_LEFT,
            },
        );
        if next_role == Role::Promoted {
            new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r),
                    first_task: Some(op_key(&id, "promote", 0)),
                    first_action: None,
                    then_rsc: Some(r),
                    then_task: None,
                    then_action: Some(mon),
                    flags: OPTIONAL | RUNNABLE_LEFT,
                },
            );
        } else if ws.rsc(r).role == Role::Promoted {
            new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r),
                    first_task: Some(op_key(&id, "demote", 0)),
                    first_action: None,
                    then_rsc: Some(r),
                    then_task: None,
                    then_action: Some(mon),
                    flags: OPTIONAL | RUNNABLE_LEFT,
                },
            );
        }
    }
}

/// Creates a monitor for the Stopped role on every node where the resource
/// will not be active, after any stop there, and cancels such a monitor on
/// the node where it will be active (`recurring_op_for_inactive`).
fn recurring_for_inactive(
    ws: &mut WorkingSet,
    r: RscIdx,
    node: Option<NodeIdx>,
    op: &OpConfig,
    ops: &[OpConfig],
) {
    if op.role != Some(Role::Stopped) || !is_recurring_op(op, ops) {
        return;
    }
    if ws.in_anonymous_clone(r) {
        // Pacemaker does not support Stopped-role monitors for anonymous clones.
        return;
    }
    let id = ws.rsc(r).id.clone();
    let key = op_key(&id, &op.name, op.interval_ms);
    for i in 0..ws.nodes.len() {
        let stop_node = NodeIdx(i);
        if Some(stop_node) == node {
            // `cancel_if_running`
            if find_exact(ws, r, &key, Some(stop_node)).is_empty() {
                continue;
            }
            let cancel = new_cancel_action(ws, r, &op.name, op.interval_ms, stop_node);
            if matches!(ws.rsc(r).next_role, Role::Started | Role::Unpromoted) {
                new_ordering(
                    ws,
                    Ordering {
                        first_rsc: Some(r),
                        first_task: None,
                        first_action: Some(cancel),
                        then_rsc: Some(r),
                        then_task: Some(op_key(&id, "start", 0)),
                        then_action: None,
                        flags: RUNNABLE_LEFT,
                    },
                );
            }
            continue;
        }
        let is_optional = !find_exact(ws, r, &key, Some(stop_node)).is_empty();
        let mon = custom_action(
            ws,
            ActionSpec {
                rsc: Some(r),
                key: key.clone(),
                task: op.name.clone(),
                node: Some(stop_node),
                optional: is_optional,
                interval_ms: op.interval_ms,
            },
        );
        ws.action_mut(mon).expected_rc = Some(7);
        let managed = ws.rsc(r).managed;
        if managed {
            // `order_after_probes`
            let probe_key = op_key(&id, "monitor", 0);
            let probes: Vec<ActionIdx> = ws
                .rsc(r)
                .actions
                .iter()
                .copied()
                .filter(|&a| {
                    let act = ws.action(a);
                    act.key == probe_key && (act.node.is_none() || act.node == Some(stop_node))
                })
                .collect();
            for p in probes {
                super::orderings::order_actions(ws, p, mon, RUNNABLE_LEFT);
            }
        }
        // `order_after_stops`
        let stop_key = op_key(&id, "stop", 0);
        for stop in find_exact(ws, r, &stop_key, Some(stop_node)) {
            if !ws.action(stop).optional && !ws.action(mon).optional && !managed {
                ws.action_mut(mon).optional = true;
            }
            if !ws.action(stop).runnable {
                ws.action_mut(mon).runnable = false;
            }
            if managed {
                new_ordering(
                    ws,
                    Ordering {
                        first_rsc: Some(r),
                        first_task: Some(stop_key.clone()),
                        first_action: Some(stop),
                        then_rsc: None,
                        then_task: None,
                        then_action: Some(mon),
                        flags: IMPLIES_THEN | RUNNABLE_LEFT,
                    },
                );
            }
        }
        let n = ws.node(stop_node);
        if !n.online || n.unclean {
            ws.action_mut(mon).runnable = false;
        }
    }
}
