//! Unpacking the status section: which nodes are up, and what each
//! resource's operation history says about where it runs and how it failed
//! (Pacemaker's `unpack_status`, `unpack_lrm_resource` and `unpack_rsc_op`).
//! Node states, history order, resource lookup, resource state and fail
//! counts are in [`super::node_state`], [`super::op_order`],
//! [`super::rsc_lookup`], [`super::rsc_state`] and [`super::failcounts`].

use std::collections::BTreeMap;

use super::actions::{custom_action, stop_action, ActionSpec};
use super::failcounts::hist_entry;
pub use super::failcounts::{clear_failcount, clear_resource_history, failcount};
pub use super::node_state::fence_node;
use super::node_state::unpack_node_state;
pub(crate) use super::op_order::{compare_pending, merge_sort, sorted_ops, target_rc};
use super::rsc_lookup::unpack_find_resource;
pub use super::rsc_lookup::{clone_strip, is_anon_clone};
pub use super::rsc_state::add_running;
use super::rsc_state::process_rsc_state;
use super::rules::{unpack_nvsets, RuleCtx};
use super::unpack::{find_nvset, new_orphan};
use super::ws::*;
use crate::cib::{Cib, LrmOp, LrmResource, Score};

/// Executor status codes (`enum pcmk_exec_status`).
mod exec {
    pub const PENDING: i32 = -1;
    pub const DONE: i32 = 0;
    pub const CANCELLED: i32 = 1;
    #[allow(dead_code)]
    pub const TIMEOUT: i32 = 2;
    pub const NOT_SUPPORTED: i32 = 3;
    pub const ERROR: i32 = 4;
    pub const ERROR_HARD: i32 = 5;
    pub const ERROR_FATAL: i32 = 6;
    pub const NOT_INSTALLED: i32 = 7;
}

/// Unpacks the whole status section (`unpack_status`): first each cluster
/// node's own state, then the resource histories in passes, since a remote
/// or guest node's history can be read only once its connection's (and
/// container's) history elsewhere says the connection is up.
pub fn unpack_status(cib: &Cib, ws: &mut WorkingSet) {
    let states = &cib.status.node_states;
    // Pacemaker searches the whole status for some checks (`block_failure`),
    // which only an operation configured with on-fail=block asks for.
    let any_block = ws
        .rscs
        .iter()
        .any(|r| r.ops.iter().any(|o| o.on_fail_block_attr));
    for st in states.iter().filter(|_| any_block) {
        for lr in st.lrm.iter().flatten() {
            let entries = ws.history.entry(lr.id.clone()).or_default();
            for op in &lr.ops {
                entries.push(hist_entry(op));
            }
        }
    }
    let mut state_nodes: Vec<Option<NodeIdx>> = Vec::new();
    for st in states {
        let idx = ws
            .find_node_by_id(&st.id)
            .or_else(|| st.uname.as_deref().and_then(|u| ws.find_node(u)));
        state_nodes.push(idx);
        let Some(n) = idx else { continue };
        if ws.node(n).kind == NodeKind::Remote {
            if ws.node(n).from_orphan {
                // Not created yet at this point in Pacemaker.
                continue;
            }
            // Only whether it was fenced matters before the histories.
            ws.nodes[n.0].remote_was_fenced = st
                .extra
                .iter()
                .find(|(k, _)| k == "node_fenced")
                .and_then(|(_, v)| v.parse::<i64>().ok())
                .is_some_and(|v| v > 0);
            continue;
        }
        unpack_node_state(cib, ws, st, n);
    }
    while unpack_node_histories(cib, ws, &state_nodes, false) {}
    // Then the nodes not seen yet.
    let fence = ws.config.stonith_enabled;
    unpack_node_histories(cib, ws, &state_nodes, fence);
    // Now that resources' locations are known, the containers of failed
    // bundle connections stop where they run.
    for c in ws.stop_needed.clone() {
        if let Some(n) = ws.current_node(c) {
            stop_action(ws, c, Some(n), false);
        }
    }
    // Connections of remote nodes shutting down stop; the remote and guest
    // nodes without history get their online status now.
    for i in 0..ws.nodes.len() {
        let n = NodeIdx(i);
        if ws.node(n).kind != NodeKind::Remote {
            continue;
        }
        if ws.node(n).shutdown {
            if let Some(r) = ws.node(n).remote_rsc {
                ws.rsc_mut(r).next_role = Role::Stopped;
            }
        }
        if !ws.node(n).unpacked {
            super::remote::determine_online_status(ws, n);
        }
    }
}

/// One pass over the node histories not yet read (`unpack_node_history`);
/// with `fence`, every remaining node's. Returns whether any was read
/// (another pass may then read more).
fn unpack_node_histories(
    cib: &Cib,
    ws: &mut WorkingSet,
    state_nodes: &[Option<NodeIdx>],
    fence: bool,
) -> bool {
    let mut any = false;
    for (st, idx) in cib.status.node_states.iter().zip(state_nodes) {
        let Some(n) = *idx else { continue };
        if ws.node(n).unpacked {
            continue;
        }
        let remote = ws.node(n).kind == NodeKind::Remote;
        if fence {
            // Every remaining node.
        } else if remote {
            if !super::remote::history_readable(ws, n) {
                continue;
            }
        } else if !ws.config.stonith_enabled && !ws.config.shutdown_lock && !ws.node(n).online {
            // Offline nodes wait, so that active clone instances are
            // numbered first.
            continue;
        }
        if remote {
            super::remote::determine_online_status(ws, n);
            let resolve = |id: &str| find_nvset(cib, id);
            let ctx = RuleCtx {
                now: ws.config.now,
                ..Default::default()
            };
            let mut transient = BTreeMap::new();
            unpack_nvsets(&st.transient, &ctx, None, &resolve, &mut transient);
            super::remote::unpack_remote_attrs(ws, st, n, transient);
        }
        ws.nodes[n.0].unpacked = true;
        if let Some(lrm) = &st.lrm {
            for lr in lrm {
                unpack_lrm_resource(cib, ws, n, lr);
            }
        }
        any = true;
    }
    any
}

/// Severity order of on-fail values (`cmp_on_fail`).
fn on_fail_rank(f: OnFail) -> u8 {
    match f {
        OnFail::Ignore => 0,
        OnFail::Demote => 1,
        OnFail::Restart => 2,
        OnFail::ResetRemote => 3,
        OnFail::RestartContainer => 4,
        OnFail::Migrate => 5,
        OnFail::Block => 6,
        OnFail::Stop => 7,
        OnFail::Standby => 8,
        OnFail::Fence => 9,
    }
}

/// The on-fail and fail role of an operation (`unpack_operation`).
pub fn op_on_fail(ws: &WorkingSet, r: RscIdx, task: &str, interval_ms: u64) -> (OnFail, Role) {
    let rsc = ws.rsc(r);
    let conf = rsc
        .ops
        .iter()
        .find(|o| o.name == task && o.interval_ms == interval_ms);
    let mut on_fail = conf.and_then(|c| c.on_fail);
    if on_fail == Some(OnFail::Fence) && !ws.config.stonith_enabled {
        on_fail = Some(OnFail::Block);
    }
    if on_fail == Some(OnFail::Demote)
        && task != "promote"
        && !(task == "monitor" && interval_ms > 0)
    {
        on_fail = None;
    }
    if on_fail == Some(OnFail::RestartContainer) && rsc.container.is_none() {
        on_fail = None;
    }
    // Any failure that drops a remote node's connection (not a probe, not
    // a start) resets the node, unless told otherwise; an unmanaged
    // connection is only stopped.
    let probe = task == "monitor" && interval_ms == 0;
    if (on_fail.is_none() || !rsc.managed)
        && rsc.container.is_none()
        && super::remote::is_remote_connection(ws, r)
        && !probe
        && task != "start"
    {
        if !rsc.managed {
            return (OnFail::Stop, Role::Stopped);
        }
        let role = if rsc.remote_reconnect_ms > 0 {
            Role::Stopped
        } else {
            Role::Started
        };
        return (OnFail::ResetRemote, role);
    }
    // A filler's failures restart its container by default.
    let on_fail = on_fail.unwrap_or(if rsc.container.is_some() {
        OnFail::RestartContainer
    } else if task == "stop" {
        if ws.config.stonith_enabled {
            OnFail::Fence
        } else {
            OnFail::Block
        }
    } else {
        OnFail::Restart
    });
    let fail_role = match on_fail {
        OnFail::Stop => Role::Stopped,
        _ if task == "promote" => Role::Unpromoted,
        _ => Role::Started,
    };
    (on_fail, fail_role)
}

fn set_active(ws: &mut WorkingSet, r: RscIdx) {
    let top = ws.top_parent(r);
    let promotable = matches!(ws.rsc(top).variant, Variant::Clone { promotable: true });
    ws.rsc_mut(r).role = if promotable {
        Role::Unpromoted
    } else {
        Role::Started
    };
}

/// What a hard failure bans: an anonymous clone's instance stands for the
/// whole clone (`unpack_rsc_op` bans the `parent`).
fn failure_target(ws: &WorkingSet, r: RscIdx) -> RscIdx {
    let top = ws.top_parent(r);
    if is_anon_clone(ws, top) {
        top
    } else {
        r
    }
}

/// Bans a resource from a node with a -INFINITY score.
pub fn ban(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) {
    resource_location(ws, r, Some(n), Score::NEG_INF);
}

/// Adds a score for a resource on a node, or on every node (`resource_location`).
pub fn resource_location(ws: &mut WorkingSet, r: RscIdx, n: Option<NodeIdx>, score: Score) {
    match n {
        Some(n) => node_score(ws, r, n, score),
        None => {
            for i in 0..ws.nodes.len() {
                node_score(ws, r, NodeIdx(i), score);
            }
            if score.is_neg_inf() {
                ws.rsc_mut(r).assigned = None;
            }
        }
    }
}

fn node_score(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, score: Score) {
    let children = ws.rsc(r).children.clone();
    for c in children {
        node_score(ws, c, n, score);
    }
    let base = ws.node(n).weight;
    let entry = ws.rsc_mut(r).allowed.entry(n).or_insert(AllowedNode {
        weight: base,
        discover: Discover::Always,
    });
    entry.weight += score;
}

fn unpack_lrm_resource(cib: &Cib, ws: &mut WorkingSet, n: NodeIdx, lr: &LrmResource) {
    if lr.ops.is_empty() {
        return;
    }
    let r = match unpack_find_resource(cib, ws, n, &lr.id) {
        Some(r) => r,
        None => {
            let agent = match (&lr.class, &lr.provider, &lr.agent) {
                (Some(c), Some(p), Some(t)) => format!("{c}:{p}:{t}"),
                (Some(c), None, Some(t)) => format!("{c}:{t}"),
                _ => String::new(),
            };
            new_orphan(ws, &lr.id, agent, true)
        }
    };
    if ws.config.shutdown_lock {
        unpack_shutdown_lock(ws, lr, r, n);
    }
    let saved_role = ws.rsc(r).role;
    ws.rsc_mut(r).role = Role::Unknown;
    let ops = sorted_ops(lr);
    let mut on_fail = OnFail::Ignore;
    let mut last_failure: Option<&LrmOp> = None;
    for op in &ops {
        let history = ActionHistory {
            rsc: r,
            node: n,
            op,
        };
        unpack_rsc_op(cib, ws, history, &mut last_failure, &mut on_fail);
    }
    let (start_index, stop_index) = active_ops(&ops);
    process_recurring(ws, r, n, start_index, stop_index, &ops);
    process_rsc_state(ws, r, n, on_fail);
    let rsc = ws.rsc_mut(r);
    let target = match rsc.meta.get("target-role").and_then(|v| Role::parse(v)) {
        Some(Role::Stopped) => Some(Role::Stopped),
        Some(Role::Unpromoted) => Some(Role::Unpromoted),
        _ => None,
    };
    if let Some(req) = target {
        if rsc.next_role == Role::Unknown || req < rsc.next_role {
            rsc.next_role = req;
        }
    }
    if saved_role > rsc.role {
        rsc.role = saved_role;
    }
}

pub(crate) fn active_ops(ops: &[&LrmOp]) -> (isize, isize) {
    let mut stop_index = -1isize;
    let mut start_index = -1isize;
    let mut implied_monitor_start = -1isize;
    let mut implied_clone_start = -1isize;
    for (i, op) in ops.iter().enumerate() {
        let i = i as isize;
        let status = op.status_and_rc().map(|(s, _)| s);
        match op.operation.as_str() {
            "stop" if status == Some(0) => stop_index = i,
            "start" | "migrate_from" => start_index = i,
            "monitor" if implied_monitor_start <= stop_index => {
                if matches!(op.status_and_rc().map(|(_, rc)| rc), Some(0) | Some(8)) {
                    implied_monitor_start = i;
                }
            }
            "promote" | "demote" => implied_clone_start = i,
            _ => {}
        }
    }
    if start_index == -1 {
        if implied_clone_start != -1 {
            start_index = implied_clone_start;
        } else if implied_monitor_start != -1 {
            start_index = implied_monitor_start;
        }
    }
    (start_index, stop_index)
}

/// Creates the active recurring monitors as optional actions, so later
/// phases can tell a monitor that is already running (`process_recurring`).
fn process_recurring(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    start: isize,
    stop: isize,
    ops: &[&LrmOp],
) {
    for (i, op) in ops.iter().enumerate() {
        let i = i as isize;
        if !ws.node(n).online {
            break;
        }
        if start < stop && i <= stop {
            continue;
        }
        if i < start {
            continue;
        }
        if op.interval_ms == 0 {
            continue;
        }
        if op.status_and_rc().map(|(s, _)| s) == Some(exec::PENDING) {
            continue;
        }
        let key = super::actions::op_key(&ws.rsc(r).id, &op.operation, op.interval_ms);
        custom_action(
            ws,
            ActionSpec {
                rsc: Some(r),
                key,
                task: op.operation.clone(),
                node: Some(n),
                optional: true,
                interval_ms: op.interval_ms,
            },
        );
    }
}

/// One history entry being replayed: which resource, on which node, and the
/// entry itself (Pacemaker 2.1.6+ names this `struct action_history`).
#[derive(Clone, Copy)]
struct ActionHistory<'a> {
    rsc: RscIdx,
    node: NodeIdx,
    op: &'a LrmOp,
}

fn unpack_rsc_op<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    history: ActionHistory<'a>,
    last_failure: &mut Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
    let ActionHistory {
        rsc: r,
        node: n,
        op,
    } = history;
    let task = op.operation.as_str();
    if task == "notify" || task == "meta-data" {
        return;
    }
    let Some((mut status, mut rc)) = op.status_and_rc() else {
        return;
    };
    let interval_ms = op.interval_ms;
    let target = target_rc(op);
    let is_probe = task == "monitor" && interval_ms == 0;

    // Failure expiry (failure-timeout).
    let expired = status != exec::NOT_INSTALLED && check_operation_expiry(ws, r, n, op, rc);

    // remap_operation
    if status == exec::DONE || status == exec::ERROR {
        // Degraded monitor results are informational: they count as their
        // error-free counterparts.
        if task == "monitor" {
            rc = match rc {
                190 => 0,
                191 => 8,
                other => other,
            };
        }
        status = exec::DONE;
        if target >= 0 && rc != target {
            status = exec::ERROR;
        }
        match rc {
            0 => {
                if is_probe && target == 7 {
                    status = exec::DONE;
                }
            }
            7 => {
                if is_probe || target == rc || !ws.rsc(r).managed {
                    status = exec::DONE;
                    let rsc = ws.rsc_mut(r);
                    rsc.role = Role::Stopped;
                    *on_fail = OnFail::Ignore;
                    rsc.next_role = Role::Unknown;
                }
            }
            8 => {
                if is_probe && rc != target {
                    status = exec::DONE;
                }
                ws.rsc_mut(r).role = Role::Promoted;
            }
            9 => {
                ws.rsc_mut(r).role = Role::Promoted;
                status = exec::ERROR;
            }
            6 => status = exec::ERROR_FATAL,
            3 => {
                status = if interval_ms == 0 {
                    check_recoverable(ws, r, n, task);
                    exec::ERROR_HARD
                } else {
                    exec::NOT_SUPPORTED
                }
            }
            5 | 2 | 4 => {
                check_recoverable(ws, r, n, task);
                status = exec::ERROR_HARD
            }
            _ => {
                if status == exec::DONE {
                    status = exec::ERROR;
                }
            }
        }
    }

    if expired && rc != target && target >= 0 {
        if interval_ms == 0 {
            return;
        } else if ws.node(n).online && !ws.node(n).unclean {
            // The expired failure of a recurring op: have it rescheduled,
            // which Pacemaker does by faking a changed restart digest.
            ws.forced_restarts.insert((r, n, op.id.clone()));
            return;
        }
    }

    // A probe that found the agent not installed or its parameters invalid
    // counts as "not running" there, and bans the node
    // (`pcmk_xe_mask_probe_failure`, `mask_probe_failure`): other failed
    // probes are ordinary failures. The recorded codes are what matter.
    let raw_rc = op.rc_code.unwrap_or(0);
    let raw_status = op.op_status.unwrap_or(-1);
    let masked_probe =
        is_probe && (raw_rc == 5 || raw_rc == 2 || raw_status == exec::NOT_INSTALLED);
    if masked_probe {
        if expired {
            if ws.rsc(r).role <= Role::Stopped {
                ws.rsc_mut(r).role = Role::Unknown;
            }
            return;
        }
        // `record_failed_op`, for the status display.
        if ws.node(n).online {
            let key = op.operation_key.clone().unwrap_or_else(|| op.id.clone());
            let rsc_id = super::orderings::task_of_key(&key)
                .and_then(|(t, i)| key.strip_suffix(&format!("_{t}_{i}")).map(str::to_string))
                .unwrap_or_default();
            ws.failed_probes.push((rsc_id, op.on_node.clone(), raw_rc));
        }
        // Handled as the "not running" it is remapped to (`remap_operation`).
        ws.rsc_mut(r).role = Role::Stopped;
        update_resource_state(cib, ws, history, task, 7, *last_failure, on_fail);
        if !ws.rsc(r).failed_on.contains(&n) {
            ws.rsc_mut(r).failed_on.push(n);
        }
        ban(ws, failure_target(ws, r), n);
        return;
    }

    match status {
        exec::CANCELLED => return,
        exec::PENDING => {
            match task {
                "start" => {
                    ws.rsc_mut(r).start_pending = true;
                    set_active(ws, r);
                }
                "promote" => ws.rsc_mut(r).role = Role::Promoted,
                // A migration left pending on a node to be fenced may have
                // got as far as the target: stop it there.
                "migrate_to" if ws.node(n).unclean => {
                    let target = op.migrate_target.as_deref().and_then(|t| ws.find_node(t));
                    if let Some(t) = target {
                        stop_action(ws, r, Some(t), false);
                    }
                }
                _ => {}
            }
            if ws.rsc(r).pending_task.is_none() && (interval_ms != 0 || task != "monitor") {
                ws.rsc_mut(r).pending_task = Some(task.to_string());
                ws.rsc_mut(r).pending_node = Some(n);
            }
            return;
        }
        exec::DONE => {
            update_resource_state(cib, ws, history, task, rc, *last_failure, on_fail);
            return;
        }
        exec::NOT_INSTALLED => {
            // A missing agent cannot be ignored: handled as on-fail=migrate,
            // which shows the resource failed while it is active and which a
            // later completed stop does not clear.
            let (strategy, _) = op_on_fail(ws, r, task, interval_ms);
            if strategy == OnFail::Ignore {
                *on_fail = OnFail::Migrate;
            }
            ban(ws, failure_target(ws, r), n);
            rsc_op_failure(cib, ws, history, rc, last_failure, on_fail);
            return;
        }
        _ => {}
    }

    let (strategy, _) = op_on_fail(ws, r, task, interval_ms);
    // A filler's failed stop is taken as done: restarting its container
    // stops it anyway.
    let restart_container_stop = strategy == OnFail::RestartContainer && task == "stop";
    if strategy == OnFail::Ignore || restart_container_stop {
        update_resource_state(
            cib,
            ws,
            history,
            task,
            target.max(0),
            *last_failure,
            on_fail,
        );
        ws.rsc_mut(r).failure_ignored = true;
        ws.rsc_mut(r).failed_on.push(n);
        if restart_container_stop && on_fail_rank(*on_fail) <= on_fail_rank(OnFail::Restart) {
            *on_fail = strategy;
        }
    } else {
        rsc_op_failure(cib, ws, history, rc, last_failure, on_fail);
        if status == exec::ERROR_HARD {
            ban(ws, failure_target(ws, r), n);
        } else if status == exec::ERROR_FATAL {
            resource_location(ws, failure_target(ws, r), None, Score::NEG_INF);
        }
    }
}

/// A stop that failed with a hard error can only be recovered by fencing
/// the node: where that is impossible, the resource is blocked
/// (`check_recoverable`).
fn check_recoverable(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, task: &str) {
    if task != "stop" || super::fencing::can_fence(ws, n) {
        return;
    }
    let rsc = ws.rsc_mut(r);
    rsc.managed = false;
    rsc.blocked = true;
}

fn update_resource_state<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    history: ActionHistory<'a>,
    task: &str,
    rc: i32,
    last_failure: Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
    let ActionHistory {
        rsc: r,
        node: n,
        op,
    } = history;
    let mut clear_past_failure = false;
    if rc == 5 {
        ws.rsc_mut(r).role = Role::Stopped;
    } else if rc == 7 {
        clear_past_failure = true;
    } else if task == "monitor" {
        if let Some(lf) = last_failure {
            if lf.operation_key.is_some() && lf.operation_key == op.operation_key {
                clear_past_failure = true;
            }
        }
        if ws.rsc(r).role < Role::Started {
            set_active(ws, r);
        }
    } else if task == "start" {
        ws.rsc_mut(r).role = Role::Started;
        clear_past_failure = true;
    } else if task == "stop" {
        ws.rsc_mut(r).role = Role::Stopped;
        clear_past_failure = true;
    } else if task == "promote" {
        ws.rsc_mut(r).role = Role::Promoted;
        clear_past_failure = true;
    } else if task == "demote" {
        if *on_fail == OnFail::Demote {
            clear_past_failure = true;
        }
        ws.rsc_mut(r).role = Role::Unpromoted;
    } else if task == "migrate_from" {
        ws.rsc_mut(r).role = Role::Started;
        clear_past_failure = true;
    } else if task == "migrate_to" {
        super::migration::migrate_to_success(cib, ws, r, n, op);
    } else if ws.rsc(r).role < Role::Started {
        set_active(ws, r);
    }
    if clear_past_failure {
        match *on_fail {
            OnFail::Stop | OnFail::Fence | OnFail::Migrate | OnFail::Standby => {}
            // With a reconnect interval, a connection waits for its failure
            // to be cleared before reconnecting.
            OnFail::ResetRemote if ws.rsc(r).remote_reconnect_ms > 0 => {}
            _ => {
                *on_fail = OnFail::Ignore;
                ws.rsc_mut(r).next_role = Role::Unknown;
            }
        }
    }
}

fn rsc_op_failure<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    history: ActionHistory<'a>,
    rc: i32,
    last_failure: &mut Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
    let ActionHistory {
        rsc: r,
        node: n,
        op,
    } = history;
    let task = op.operation.as_str();
    let is_probe = task == "monitor" && op.interval_ms == 0;
    *last_failure = Some(op);
    if !ws.rsc(r).failed_on.contains(&n) {
        ws.rsc_mut(r).failed_on.push(n);
    }
    let (action_on_fail, fail_role) = op_on_fail(ws, r, task, op.interval_ms);
    if on_fail_rank(*on_fail) < on_fail_rank(action_on_fail) {
        *on_fail = action_on_fail;
    }
    match task {
        "stop" => ban(ws, r, n),
        "promote" => ws.rsc_mut(r).role = Role::Promoted,
        "demote" => {
            if action_on_fail == OnFail::Block {
                ws.rsc_mut(r).role = Role::Promoted;
                ws.rsc_mut(r).next_role = Role::Stopped;
            } else if rc == 7 {
                ws.rsc_mut(r).role = Role::Stopped;
            } else {
                ws.rsc_mut(r).role = Role::Unpromoted;
            }
        }
        "migrate_to" => super::migration::migrate_to_failure(cib, ws, r, n, op),
        "migrate_from" => super::migration::migrate_from_failure(cib, ws, r, n, op),
        _ => {}
    }
    if is_probe && rc == 5 {
        ws.rsc_mut(r).role = Role::Stopped;
    } else if ws.rsc(r).role < Role::Started {
        set_active(ws, r);
    }
    if fail_role != Role::Started && ws.rsc(r).next_role < fail_role {
        ws.rsc_mut(r).next_role = fail_role;
    }
    if fail_role == Role::Stopped {
        resource_location(ws, r, None, Score::NEG_INF);
    }
}

/// A remote connection's recurring monitor failure does not expire before
/// the remote node has been fenced, when a reconnect interval is set
/// (`should_ignore_failure_timeout`).
fn remote_failure_awaits_fencing(ws: &WorkingSet, r: RscIdx, op: &LrmOp) -> bool {
    ws.rsc(r).remote_reconnect_ms > 0
        && ws.config.stonith_enabled
        && op.interval_ms > 0
        && op.operation == "monitor"
        && ws
            .find_node(&ws.rsc(r).id)
            .is_some_and(|n| !ws.node(n).remote_was_fenced)
}

/// Whether a history entry's failure has expired by the resource's
/// failure-timeout, scheduling the clearing of the fail count when the whole
/// fail count has expired (`check_operation_expiry`).
fn check_operation_expiry(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, op: &LrmOp, rc: i32) -> bool {
    // Only a failure timeout makes the fail count look at the entry.
    let entry = (ws.rsc(r).failure_timeout > 0).then(|| hist_entry(op));
    let is_last_failure = op.id.ends_with("_last_failure_0");
    let mut expired = false;
    let mut unexpired = Score::ZERO;
    if ws.rsc(r).failure_timeout > 0 {
        if let Some(changed) = op.last_rc_change {
            if ws.config.now >= changed + ws.rsc(r).failure_timeout
                && !remote_failure_awaits_fencing(ws, r, op)
            {
                expired = true;
            }
            unexpired = failcount(ws, r, n, true, entry.as_ref());
        }
    }
    let mut clear = false;
    if expired && failcount(ws, r, n, false, entry.as_ref()).value() != 0 {
        if unexpired.value() == 0 {
            clear = true;
        } else {
            expired = false;
        }
    }
    // A failed start or monitor whose parameters changed since may succeed
    // now: start afresh (`should_clear_for_param_change`).
    if !expired && is_last_failure && matches!(op.operation.as_str(), "start" | "monitor") {
        if super::param_check::needs_remote_name(ws, r) {
            // The address is known only once resources are placed.
            let kind = super::param_check::CheckKind::LastFailure;
            super::param_check::defer(ws, r, n, op, kind);
        } else if !matches!(
            super::history::history_digest_cmp(ws, r, op, &mut super::digest::Digests::default(),),
            super::digest::DigestCmp::Match | super::digest::DigestCmp::Unknown
        ) {
            clear = true;
        }
    }
    if clear {
        clear_failcount(ws, r, n);
    }
    if expired
        && op.interval_ms == 0
        && op.operation == "monitor"
        && matches!(rc, 0 | 7 | 8 | 190 | 191)
    {
        // Probes that found the resource in a known state never expire.
        expired = false;
    }
    expired
}

/// Reads the shutdown lock a node's history records for a resource
/// (`unpack_shutdown_lock`). A lock older than `shutdown-lock-limit` has
/// expired: its history is erased so the resource is free to start
/// elsewhere and is not believed stopped on a node that may never return.
fn unpack_shutdown_lock(ws: &mut WorkingSet, lr: &LrmResource, r: RscIdx, n: NodeIdx) {
    let lock_time = lr
        .extra
        .iter()
        .find(|(k, _)| k == "shutdown-lock")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    if lock_time == 0 {
        return;
    }
    let limit = ws.config.shutdown_lock_limit_s;
    if limit > 0 && ws.config.now > lock_time + limit {
        clear_resource_history(ws, r, n);
    } else {
        let rsc = ws.rsc_mut(r);
        rsc.lock_node = Some(n);
        rsc.lock_time = lock_time;
    }
}
