//! Reacting to what the status says about configuration changes since
//! operations ran: cancel recurring ops that are no longer configured or
//! whose resource or node is in maintenance, restart, reload or reschedule
//! after parameter changes, clean up orphans and changed agents, and clear
//! fail counts of changed definitions (Pacemaker's
//! `pcmk__handle_rsc_config_changes`, `process_rsc_history`,
//! `pcmk__check_action_config`, `pcmk__rsc_agent_changed`,
//! `pcmk__schedule_cleanup` and `schedule_reload`).
//!
//! This runs after the internal constraints and before assignment, so the
//! actions it creates come early, as in Pacemaker.

use crate::cib::Cib;

use super::actions::{
    custom_action, new_ordering, op_key, order_rsc_actions, schedule_cancel, stop_action,
    ActionSpec,
};
use super::digest::{digest_cmp, only_secure_changed, DigestCmp, Digests, Recorded};
use super::status::{active_ops, clear_failcount, failcount, sorted_ops};
use super::unfencing::trigger_unfencing;
use super::ws::order::*;
use super::ws::*;
use crate::cib::model::{LrmOp, LrmResource};

/// Goes through every available (or maintenance) node's resource history.
pub fn handle_rsc_config_changes(cib: &Cib, ws: &mut WorkingSet) {
    let mut digests = Digests::default();
    for i in 0..ws.nodes.len() {
        let n = NodeIdx(i);
        let node = ws.node(n);
        if !(node.maintenance || node.available()) {
            continue;
        }
        let uname = node.uname.clone();
        let Some(st) = cib
            .status
            .node_states
            .iter()
            .find(|st| st.uname.as_deref() == Some(uname.as_str()))
        else {
            continue;
        };
        for lr in st.lrm.iter().flatten() {
            if lr.ops.is_empty() {
                continue;
            }
            for r in rscs_matching_id(ws, &lr.id) {
                if ws.rsc(r).variant == Variant::Primitive && ws.rsc(r).children.is_empty() {
                    process_rsc_history(ws, lr, r, n, &mut digests);
                }
            }
        }
    }
}

/// The resources a history entry may belong to (`pcmk__rscs_matching_id`):
/// by id, or by the name an anonymous clone instance was known by in the
/// history, since instances are numbered anew each time. Pacemaker lists
/// them newest first.
fn rscs_matching_id(ws: &WorkingSet, id: &str) -> Vec<RscIdx> {
    // Walked in `all_in_order`'s order without listing every resource
    // first (this runs for each resource history entry of each node).
    fn walk(ws: &WorkingSet, r: RscIdx, id: &str, out: &mut Vec<RscIdx>) {
        let rsc = ws.rsc(r);
        if rsc.id == id || rsc.clone_name.as_deref() == Some(id) {
            out.push(r);
        }
        for &c in &rsc.children {
            walk(ws, c, id, out);
        }
    }
    let mut out = Vec::new();
    for &t in &ws.top {
        walk(ws, t, id, &mut out);
    }
    out.reverse();
    out
}

fn process_rsc_history(
    ws: &mut WorkingSet,
    lr: &LrmResource,
    r: RscIdx,
    n: NodeIdx,
    digests: &mut Digests,
) {
    if ws.rsc(r).orphan {
        if !ws.in_anonymous_clone(r) {
            schedule_cleanup(ws, r, n, false);
        }
        return;
    }
    if !ws.rsc(r).running_on.contains(&n) {
        if agent_changed(ws, r, n, lr, false) {
            schedule_cleanup(ws, r, n, false);
        }
        return;
    }
    if agent_changed(ws, r, n, lr, true) {
        schedule_cleanup(ws, r, n, false);
    }
    let ops = sorted_ops(lr);
    let (start, stop) = active_ops(&ops);
    if start < stop {
        return;
    }
    for (i, op) in ops.iter().enumerate() {
        if (i as isize) < start {
            continue;
        }
        let task = op.operation.as_str();
        let interval = op.interval_ms;
        if interval > 0 && (ws.rsc(r).maintenance || ws.node(n).maintenance) {
            schedule_cancel(ws, r, task, interval, n, op.call_id.map(|c| c.to_string()));
        } else if interval > 0 || matches!(task, "monitor" | "start" | "promote" | "migrate_from") {
            if super::param_check::needs_remote_name(ws, r) {
                let kind = super::param_check::CheckKind::Active;
                super::param_check::defer(ws, r, n, op, kind);
            } else if check_action_config(ws, r, n, op, digests)
                && failcount(ws, r, n, true, None).value() != 0
            {
                clear_failcount(ws, r, n);
            }
        }
    }
}

/// Whether the resource's class, provider or type differs from what its
/// history was recorded with; if it is active there, it must restart
/// (`pcmk__rsc_agent_changed`).
fn agent_changed(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    lr: &LrmResource,
    active_here: bool,
) -> bool {
    let (class, provider, kind) = split_agent(&ws.rsc(r).agent);
    let changed = class != lr.class.as_deref()
        || provider != lr.provider.as_deref()
        || kind != lr.agent.as_deref();
    if changed {
        // A fence device of another agent may need the node let in again.
        trigger_unfencing(ws, Some(r), Some(n), "Device definition changed");
    }
    if changed && active_here {
        stop_action(ws, r, Some(n), false);
        ws.rsc_mut(r).start_pending = true;
    }
    changed
}

/// `class:provider:type` (or `class:type`) back into its parts.
fn split_agent(agent: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let Some((class, rest)) = agent.split_once(':') else {
        return (None, None, None);
    };
    if class == "ocf" {
        if let Some((provider, kind)) = rest.split_once(':') {
            return (Some(class), Some(provider), Some(kind));
        }
    }
    (Some(class), None, Some(rest))
}

/// Deletes a resource's history on a node, between any stop and start
/// (`pcmk__schedule_cleanup`).
fn schedule_cleanup(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, optional: bool) {
    if ws.rsc(r).failed || ws.node(n).unclean || !ws.node(n).online {
        return;
    }
    let key = op_key(&ws.rsc(r).id, "delete", 0);
    custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "delete".into(),
            node: Some(n),
            optional,
            interval_ms: 0,
        },
    );
    let flags = if optional { IMPLIES_THEN } else { OPTIONAL };
    order_rsc_actions(ws, r, "stop", r, "delete", flags);
    order_rsc_actions(ws, r, "delete", r, "start", flags);
}

/// Schedules what a changed definition needs for one recorded operation;
/// returns whether it changed (`pcmk__check_action_config`).
pub(crate) fn check_action_config(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &LrmOp,
    digests: &mut Digests,
) -> bool {
    let interval = op.interval_ms;
    let mut task = op.operation.as_str();
    if interval > 0 {
        let configured = ws
            .rsc(r)
            .ops
            .iter()
            .any(|o| o.enabled && o.name == task && o.interval_ms == interval);
        if !configured {
            // An orphaned recurring op.
            if ws.config.stop_orphan_actions {
                schedule_cancel(ws, r, task, interval, n, op.call_id.map(|c| c.to_string()));
            }
            return true;
        }
    }
    // A probe, migration or promotion is compared with the start.
    if interval == 0 && matches!(task, "monitor" | "migrate_from" | "promote") {
        task = "start";
    }
    // Looked up without copying the entry's id into a key unless there is
    // anything to find (there seldom is).
    let forced =
        !ws.forced_restarts.is_empty() && ws.forced_restarts.contains(&(r, n, op.id.clone()));
    let cmp = if forced {
        DigestCmp::Restart
    } else {
        history_digest_cmp(ws, r, op, digests)
    };
    match cmp {
        DigestCmp::Match => false,
        DigestCmp::Restart => {
            force_restart(ws, r, task, interval, n);
            true
        }
        DigestCmp::All | DigestCmp::Unknown => {
            if interval > 0 {
                reschedule_recurring(ws, r, task, interval, n);
            } else if op.op_restart_digest.is_some() {
                trigger_unfencing(ws, Some(r), Some(n), "Device parameters changed (reload)");
                schedule_reload(ws, r, n);
            } else {
                force_restart(ws, r, task, interval, n);
            }
            true
        }
    }
}

/// Makes the action required wherever it will be (`force_restart`).
fn force_restart(ws: &mut WorkingSet, r: RscIdx, task: &str, interval_ms: u64, n: NodeIdx) {
    let key = op_key(&ws.rsc(r).id, task, interval_ms);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: task.to_string(),
            node: None,
            optional: false,
            interval_ms,
        },
    );
    ws.action_mut(a).reason = Some("resource definition change".into());
    trigger_unfencing(ws, Some(r), Some(n), "Device parameters changed");
}

/// Has a recurring op sent again with the new parameters
/// (`pcmk__reschedule_recurring`).
fn reschedule_recurring(ws: &mut WorkingSet, r: RscIdx, task: &str, interval_ms: u64, n: NodeIdx) {
    trigger_unfencing(
        ws,
        Some(r),
        Some(n),
        "Device parameters changed (reschedule)",
    );
    let key = op_key(&ws.rsc(r).id, task, interval_ms);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: task.to_string(),
            node: Some(n),
            optional: true,
            interval_ms,
        },
    );
    ws.action_mut(a).reschedule = true;
}

/// Reloads the agent with its new parameters, unless a required stop or
/// demote makes that moot (`schedule_reload`).
fn schedule_reload(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) {
    if !ws.rsc(r).managed || ws.rsc(r).failed {
        return;
    }
    let id = ws.rsc(r).id.clone();
    if ws.rsc(r).start_pending {
        // A start was pending: restart fully instead.
        stop_action(ws, r, Some(n), false);
        return;
    }
    ws.rsc_mut(r).reload = true;
    let reload = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key: op_key(&id, "reload-agent", 0),
            task: "reload-agent".into(),
            node: Some(n),
            optional: false,
            interval_ms: 0,
        },
    );
    if ws.action(reload).reason.is_none() {
        ws.action_mut(reload).reason = Some("resource definition change".into());
    }
    for t in ["stop", "demote"] {
        new_ordering(
            ws,
            Ordering {
                first_rsc: None,
                first_task: None,
                first_action: Some(reload),
                then_rsc: Some(r),
                then_task: Some(op_key(&id, t, 0)),
                then_action: None,
                flags: OPTIONAL | THEN_CANCELS_FIRST,
            },
        );
    }
}

/// Clears the fail counts of orphaned resources on every online node where
/// they have one, before any stop of them (`clear_failcounts_if_orphaned`).
pub fn clear_failcounts_if_orphaned(ws: &mut WorkingSet) {
    for r in ws.top.clone() {
        if !ws.rsc(r).orphan {
            continue;
        }
        for i in 0..ws.nodes.len() {
            let n = NodeIdx(i);
            if !ws.node(n).online || failcount(ws, r, n, true, None).value() == 0 {
                continue;
            }
            let clear = clear_failcount(ws, r, n);
            let stop = op_key(&ws.rsc(r).id, "stop", 0);
            new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r),
                    first_task: None,
                    first_action: Some(clear),
                    then_rsc: Some(r),
                    then_task: Some(stop),
                    then_action: None,
                    flags: OPTIONAL,
                },
            );
        }
    }
}

/// How a recorded operation's parameters compare with the configuration,
/// counting a change of hidden (sanitized) parameters only as no change
/// (`rsc_action_digest_cmp` with `only_sanitized_changed`). The op's own
/// task and interval select the op configuration, as in Pacemaker.
pub fn history_digest_cmp(
    ws: &WorkingSet,
    r: RscIdx,
    op: &LrmOp,
    digests: &mut Digests,
) -> DigestCmp {
    let extra = |name: &str| {
        op.extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let task = op.operation.as_str();
    let cmp = digest_cmp(
        ws,
        r,
        task,
        op.interval_ms,
        Recorded {
            op_digest: op.op_digest.as_deref(),
            restart_digest: op.op_restart_digest.as_deref(),
            force_restart_list: extra("op-force-restart"),
        },
        digests,
    );
    if cmp != DigestCmp::Match
        && only_secure_changed(
            ws,
            r,
            task,
            op.interval_ms,
            op.op_secure_digest.as_deref(),
            extra("op-secure-params"),
            extra("crm_feature_set"),
        )
    {
        return DigestCmp::Match;
    }
    cmp
}
