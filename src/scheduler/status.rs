//! Unpacking the status section: which nodes are up, and what each
//! resource's operation history says about where it runs and how it failed
//! (Pacemaker's `unpack_status`, `determine_online_status`, `unpack_lrm_resource`,
//! `unpack_rsc_op`, `process_rsc_state` and `failcounts.c`).

use std::collections::BTreeMap;

use super::actions::{custom_action, stop_action, ActionSpec};
use super::rules::{is_true, unpack_nvsets, RuleCtx};
use super::unpack::{find_nvset, new_orphan};
use super::ws::*;
use crate::cib::{Cib, LrmOp, LrmResource, NodeState, Score};

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

/// Marks a node for fencing (`pe_fence_node`).
pub fn fence_node(ws: &mut WorkingSet, n: NodeIdx, reason: &str) {
    if let Some(container) = super::remote::guest_container(ws, n) {
        // A guest is fenced by recovering its container; the node stays
        // usable, should the recovery succeed in this transition.
        if !ws.rsc(container).failed && ws.rsc(container).managed {
            ws.nodes[n.0].remote_requires_reset = true;
            ws.rsc_mut(container).failed = true;
            ws.rsc_mut(container).stop_on_fail = true;
        }
        return;
    }
    if super::remote::is_remote(ws, n) {
        // Unless its connection is unmanaged, the node must be reset.
        let conn_managed = ws.node(n).remote_rsc.is_none_or(|c| ws.rsc(c).managed);
        let node = &mut ws.nodes[n.0];
        if conn_managed {
            node.remote_requires_reset = true;
        }
        node.unclean = true;
        if node.fence_reason.is_none() {
            node.fence_reason = Some(reason.to_string());
        }
        super::fencing::fence_op(ws, n, None, true, reason);
        return;
    }
    let node = &mut ws.nodes[n.0];
    if !node.unclean {
        node.unclean = true;
        node.fence_reason = Some(reason.to_string());
        // The (still optional) fencing action is created now, carrying the
        // first reason given (`pe_fence_node` calls `pe_fence_op`).
        super::fencing::fence_op(ws, n, None, true, reason);
    }
}

/// Unpacks the whole status section (`unpack_status`): first each cluster
/// node's own state, then the resource histories in passes, since a remote
/// or guest node's history can be read only once its connection's (and
/// container's) history elsewhere says the connection is up.
pub fn unpack_status(cib: &Cib, ws: &mut WorkingSet) {
    let states = &cib.status.node_states;
    // Pacemaker searches the whole status for some checks (`block_failure`).
    for st in states {
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

fn unpack_node_state(cib: &Cib, ws: &mut WorkingSet, st: &NodeState, n: NodeIdx) {
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = RuleCtx {
        now: ws.config.now,
        ..Default::default()
    };
    let mut transient = BTreeMap::new();
    unpack_nvsets(&st.transient, &ctx, None, &resolve, &mut transient);
    let have_quorum = ws.config.have_quorum;
    let nqp = ws.config.no_quorum_policy;
    let stonith = ws.config.stonith_enabled;
    let node = &mut ws.nodes[n.0];
    node.unclean = false;
    node.unseen = false;
    for (k, v) in transient {
        node.attrs.insert(k, v);
    }
    if node
        .attrs
        .get("standby")
        .map(|v| is_true(v))
        .unwrap_or(false)
    {
        node.standby = true;
    }
    if node
        .attrs
        .get("maintenance")
        .map(|v| is_true(v))
        .unwrap_or(false)
    {
        node.maintenance = true;
    }
    // `resource-discovery-enabled` is ignored on cluster nodes: only
    // remote and guest nodes may have discovery disabled.
    determine_online_status(ws, st, n, stonith);
    let node = ws.node(n);
    if !have_quorum && node.online && nqp == NoQuorumPolicy::Suicide {
        fence_node(ws, n, "cluster does not have quorum");
    }
}

fn shutdown_requested(node: &Node) -> bool {
    node.attrs
        .get("shutdown")
        .is_some_and(|v| !v.is_empty() && v != "0")
}

fn determine_online_status(ws: &mut WorkingSet, st: &NodeState, n: NodeIdx, stonith: bool) {
    let exp_state = st.expected.as_deref();
    {
        let node = &mut ws.nodes[n.0];
        node.shutdown = false;
        node.expected_up = false;
        if shutdown_requested(node) {
            node.shutdown = true;
        } else if exp_state == Some("member") {
            node.expected_up = true;
        }
    }
    let online = if ws.node(n).kind == NodeKind::Ping {
        ws.nodes[n.0].unclean = false;
        false
    } else if !stonith {
        online_no_fencing(ws, st, n)
    } else {
        online_fencing(ws, st, n)
    };
    let node = &mut ws.nodes[n.0];
    if online {
        node.online = true;
    } else {
        node.weight = Score::NEG_INF;
    }
    if online && node.shutdown {
        node.weight = Score::NEG_INF;
    }
}

/// `in_ccm` is "true"/"false" in 2.1.5 (later versions write a timestamp).
fn in_cluster(st: &NodeState) -> Option<bool> {
    st.in_ccm
        .as_deref()
        .map(|v| is_true(v) || v.parse::<i64>().is_ok_and(|t| t > 0))
}

fn crmd_online(st: &NodeState) -> bool {
    st.crmd
        .as_deref()
        .is_some_and(|v| v == "online" || v.parse::<i64>().is_ok_and(|t| t > 0))
}

fn online_no_fencing(ws: &mut WorkingSet, st: &NodeState, n: NodeIdx) -> bool {
    let join = st.join.as_deref();
    if in_cluster(st) != Some(true) {
        false
    } else if crmd_online(st) {
        join == Some("member")
    } else if !ws.node(n).expected_up {
        false
    } else {
        fence_node(ws, n, "peer is unexpectedly down");
        false
    }
}

fn online_fencing(ws: &mut WorkingSet, st: &NodeState, n: NodeIdx) -> bool {
    let join = st.join.as_deref();
    let exp_state = st.expected.as_deref().unwrap_or("down");
    let terminate = ws.node(n).attrs.get("terminate").cloned();
    let do_terminate = terminate.as_deref().is_some_and(|t| {
        is_true(t)
            || t.chars()
                .next()
                .is_some_and(|c| c != '0' && c.is_ascii_digit())
    });
    let in_ccm = in_cluster(st);
    let crmd = crmd_online(st);
    let mut online = in_ccm == Some(true);
    if ws.node(n).shutdown {
        online = crmd;
    } else if in_ccm.is_none() {
        fence_node(ws, n, "peer has not been seen by the cluster");
    } else if join == Some("banned") {
        // The DC refused its join (`CRMD_JOINSTATE_NACK` is "banned").
        fence_node(ws, n, "peer failed Pacemaker membership criteria");
    } else if !do_terminate && exp_state == "down" {
        if in_ccm == Some(true) || crmd {
            let node = &mut ws.nodes[n.0];
            node.standby = true;
            node.pending = true;
        }
    } else if do_terminate && join == Some("down") && in_ccm != Some(true) && !crmd {
        online = false;
    } else if in_ccm != Some(true) {
        fence_node(ws, n, "peer is no longer part of the cluster");
    } else if !crmd {
        fence_node(ws, n, "peer process is no longer available");
    } else if do_terminate {
        fence_node(ws, n, "termination was requested");
    } else if join == Some("member") {
        // active
    } else if matches!(join, Some("pending") | Some("down")) {
        let node = &mut ws.nodes[n.0];
        node.standby = true;
        node.pending = true;
    } else {
        fence_node(ws, n, "peer was in an unknown state");
    }
    online
}

/// The ops of one resource's history sorted as Pacemaker sorts them:
/// collected in reverse document order, then merge-sorted (stable, as
/// `g_list_sort`) with `sort_op_by_callid`.
pub(crate) fn sorted_ops(lr: &LrmResource) -> Vec<&LrmOp> {
    let ops: Vec<&LrmOp> = lr.ops.iter().rev().collect();
    merge_sort(ops, &compare_ops)
}

/// A stable top-down merge sort splitting as `g_list_sort` does (the left
/// half gets the smaller share). Unlike the standard library's sort it
/// tolerates comparisons that are not a total order, which
/// `sort_op_by_callid` is not.
pub(crate) fn merge_sort<T: Copy>(v: Vec<T>, cmp: &dyn Fn(T, T) -> std::cmp::Ordering) -> Vec<T> {
    if v.len() < 2 {
        return v;
    }
    let mut left = v;
    let right = left.split_off(left.len() / 2);
    let left = merge_sort(left, cmp);
    let right = merge_sort(right, cmp);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if cmp(left[i], right[j]) != std::cmp::Ordering::Greater {
            out.push(left[i]);
            i += 1;
        } else {
            out.push(right[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    out
}

/// Transition id and uuid from an op's `transition-magic`
/// (`decode_transition_magic`): `status:rc;action:transition:target:uuid`.
fn magic_transition(op: &LrmOp) -> Option<(i64, String)> {
    let magic = op.transition_magic.as_deref()?;
    let (codes, key) = magic.split_once(';')?;
    let (status, rc) = codes.split_once(':')?;
    status.trim().parse::<i64>().ok()?;
    rc.trim().parse::<i64>().ok()?;
    let mut parts = key.splitn(4, ':');
    parts.next()?.parse::<i64>().ok()?;
    let transition = parts.next()?.parse::<i64>().ok()?;
    parts.next()?.parse::<i64>().ok()?;
    let uuid = parts.next()?.to_string();
    Some((transition, uuid))
}

/// Which of two history entries is older (`sort_op_by_callid`): by call id,
/// equal call ids (an op and its last failure) by last-rc-change, pending
/// ones (call id -1) by the transition that scheduled them.
fn compare_ops(a: &LrmOp, b: &LrmOp) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    if a.id.eq_ignore_ascii_case(&b.id) {
        return Equal;
    }
    let ac = a.call_id.unwrap_or(-1);
    let bc = b.call_id.unwrap_or(-1);
    if ac == -1 && bc == -1 {
        return Equal;
    }
    if ac >= 0 && ac < bc {
        return Less;
    }
    if bc >= 0 && ac > bc {
        return Greater;
    }
    if bc >= 0 && ac == bc {
        let la = a.last_rc_change.unwrap_or(-1);
        let lb = b.last_rc_change.unwrap_or(-1);
        if la >= 0 && la < lb {
            return Less;
        }
        if lb >= 0 && la > lb {
            return Greater;
        }
        return Equal;
    }
    compare_pending(a, b)
}

/// The age of two history entries at least one of which is pending, by the
/// transitions that scheduled them (the tail of `pe__is_newer_op`).
pub(crate) fn compare_pending(a: &LrmOp, b: &LrmOp) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let ac = a.call_id.unwrap_or(-1);
    let bc = b.call_id.unwrap_or(-1);
    let (Some((aid, auuid)), Some((bid, buuid))) = (magic_transition(a), magic_transition(b))
    else {
        return Equal;
    };
    if !auuid.eq_ignore_ascii_case(&buuid) || aid == bid {
        if bc == -1 {
            return Less;
        }
        if ac == -1 {
            return Greater;
        }
    } else if (aid >= 0 && aid < bid) || bid == -1 {
        return Less;
    } else if (bid >= 0 && aid > bid) || aid == -1 {
        return Greater;
    }
    Equal
}

/// The result an operation was expected to give, from its transition key
/// (`-1`: none recorded).
pub(crate) fn target_rc(op: &LrmOp) -> i32 {
    let key = op.transition_key.as_deref().or_else(|| {
        op.transition_magic
            .as_deref()
            .and_then(|m| m.split_once(';').map(|(_, k)| k))
    });
    key.and_then(|k| k.split(':').nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
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

/// An instance id without its `:N` suffix (`clone_strip`).
pub fn clone_strip(id: &str) -> &str {
    match id.rsplit_once(':') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => id,
    }
}

/// Whether a resource is an anonymous (not globally-unique) clone.
pub fn is_anon_clone(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r).clone.as_ref().is_some_and(|d| !d.unique)
}

/// Every resource of an instance (itself, or a cloned group's members)
/// whose id without the instance number is `base` (`find_rsc` with
/// `pe_find_clone`).
fn find_in_instance(ws: &WorkingSet, inst: RscIdx, base: &str) -> Option<RscIdx> {
    if ws.rsc(inst).children.is_empty() {
        return (clone_strip(&ws.rsc(inst).id) == base).then_some(inst);
    }
    ws.rsc(inst)
        .children
        .iter()
        .copied()
        .find(|&m| clone_strip(&ws.rsc(m).id) == base)
}

/// Where an instance is (or is about to be) active while the status is
/// being unpacked (`native_location` with `current == 2`).
fn instance_locations(ws: &WorkingSet, inst: RscIdx) -> Vec<NodeIdx> {
    let mut out: Vec<NodeIdx> = Vec::new();
    for p in std::iter::once(inst).chain(ws.rsc(inst).children.iter().copied()) {
        let rsc = ws.rsc(p);
        if !rsc.children.is_empty() {
            continue;
        }
        for &n in rsc.running_on.iter().chain(rsc.pending_node.iter()) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Maps a history entry of an anonymous clone to one of its instances: the
/// instance already active on this node, else the first inactive one, else
/// a new orphan instance (`find_anonymous_clone`).
fn find_anonymous_clone(
    cib: &Cib,
    ws: &mut WorkingSet,
    n: NodeIdx,
    clone: RscIdx,
    base: &str,
) -> Option<RscIdx> {
    let mut found: Option<RscIdx> = None;
    let mut inactive: Option<RscIdx> = None;
    let mut skip_inactive = false;
    for inst in ws.rsc(clone).children.clone() {
        if found.is_some() {
            break;
        }
        let locations = instance_locations(ws, inst);
        if !locations.is_empty() {
            if locations[0] == n {
                if let Some(r) = find_in_instance(ws, inst, base) {
                    if !ws.rsc(r).running_on.is_empty() {
                        // A second history of the same anonymous clone on
                        // one node: an orphan.
                        skip_inactive = true;
                    } else {
                        found = Some(r);
                    }
                }
            }
        } else if !skip_inactive && inactive.is_none() && !ws.rsc(inst).blocked {
            inactive = find_in_instance(ws, inst, base);
            if let Some(i) = inactive {
                if ws.rsc(i).pending_node.is_some_and(|p| p != n) {
                    inactive = None;
                }
            }
        }
    }
    if found.is_none() && !skip_inactive {
        found = inactive;
    }
    // Instances that need no fencing are not held by unclean nodes, unless
    // the clone runs everywhere.
    if let Some(r) = found {
        let node = ws.node(n);
        let universal = ws
            .rsc(clone)
            .clone
            .as_ref()
            .is_some_and(|d| d.clone_max == ws.nodes.len());
        if !ws.rsc(r).needs_fencing && (!node.online || node.unclean) && !universal {
            found = None;
        }
    }
    if found.is_none() {
        // `create_anonymous_orphan`
        let child = cib.configuration.resources.iter().find_map(|r| match r {
            crate::cib::Resource::Clone(c) if c.id == ws.rsc(clone).id => Some(&*c.child),
            _ => None,
        })?;
        let templates = super::unpack::templates_of(cib);
        let inst = super::unpack::create_clone_instance(cib, ws, clone, child, &templates)?;
        found = find_in_instance(ws, inst, base);
    }
    found
}

/// Finds the resource a history entry is for (`unpack_find_resource`):
/// by id, or as an instance of a clone; anonymous clones' entries are
/// mapped to instances by [`find_anonymous_clone`].
fn unpack_find_resource(cib: &Cib, ws: &mut WorkingSet, n: NodeIdx, id: &str) -> Option<RscIdx> {
    // The first resource with this id or this history name.
    let by_name = ws
        .rscs
        .iter()
        .position(|r| r.clone_name.as_deref() == Some(id))
        .map(RscIdx);
    let direct = match (ws.find_rsc(id), by_name) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (rsc, parent) = match direct {
        Some(r) if !ws.rsc(r).children.is_empty() => return None,
        Some(r) if ws.rsc(r).parent.is_none() => (Some(r), None),
        Some(r) => (Some(r), Some(ws.top_parent(r))),
        None => {
            let zero = format!("{}:0", clone_strip(id));
            match ws.find_rsc(&zero) {
                Some(z) if !is_anon_clone(ws, ws.top_parent(z)) => (None, None),
                Some(z) => (Some(z), Some(ws.top_parent(z))),
                None => (None, None),
            }
        }
    };
    let mut rsc = rsc;
    if let Some(p) = parent {
        if is_anon_clone(ws, p) {
            rsc = match ws.rsc(p).parent {
                // A bundle's instances are tied to their guest nodes
                // (`pe__find_bundle_replica`).
                Some(b) if ws.rsc(b).variant == Variant::Bundle => ws
                    .bundles
                    .get(&b)
                    .and_then(|d| d.replicas.iter().find(|r| r.node == Some(n)))
                    .and_then(|r| r.child),
                _ => find_anonymous_clone(cib, ws, n, p, clone_strip(id)),
            };
        }
    }
    if let Some(r) = rsc {
        if ws.rsc(r).id != id && ws.rsc(r).clone_name.as_deref() != Some(id) {
            ws.rsc_mut(r).clone_name = Some(id.to_string());
        }
    }
    rsc
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
        unpack_rsc_op(cib, ws, r, n, op, &mut last_failure, &mut on_fail);
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
        let key = format!("{}_{}_{}", ws.rsc(r).id, op.operation, op.interval_ms);
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

#[allow(clippy::too_many_arguments)]
fn unpack_rsc_op<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &'a LrmOp,
    last_failure: &mut Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
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
        update_resource_state(cib, ws, r, n, op, task, 7, *last_failure, on_fail);
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
            update_resource_state(cib, ws, r, n, op, task, rc, *last_failure, on_fail);
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
            rsc_op_failure(cib, ws, r, n, op, rc, last_failure, on_fail);
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
            r,
            n,
            op,
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
        rsc_op_failure(cib, ws, r, n, op, rc, last_failure, on_fail);
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

#[allow(clippy::too_many_arguments)]
fn update_resource_state<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &'a LrmOp,
    task: &str,
    rc: i32,
    last_failure: Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
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

#[allow(clippy::too_many_arguments)]
fn rsc_op_failure<'a>(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &'a LrmOp,
    rc: i32,
    last_failure: &mut Option<&'a LrmOp>,
    on_fail: &mut OnFail,
) {
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

/// Adds a node to where a resource runs (`native_add_running`).
pub fn add_running(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) {
    if ws.rsc(r).running_on.contains(&n) {
        return;
    }
    ws.rsc_mut(r).running_on.push(n);
    if ws.rsc(r).variant == Variant::Primitive && ws.node(n).maintenance {
        ws.rsc_mut(r).managed = false;
        ws.rsc_mut(r).maintenance = true;
    }
    if !ws.rsc(r).managed {
        resource_location(ws, r, Some(n), Score::INF);
        let mut p = ws.rsc(r).parent;
        while let Some(pi) = p {
            if !ws.node(n).online {
                break;
            }
            if !ws.rsc(pi).running_on.contains(&n) {
                ws.rsc_mut(pi).running_on.push(n);
            }
            p = ws.rsc(pi).parent;
        }
        return;
    }
    if ws.rsc(r).running_on.len() > 1 {
        match ws.rsc(r).recovery {
            Recovery::StopOnly => {
                for i in 0..ws.nodes.len() {
                    ws.rsc_mut(r).allowed.insert(
                        NodeIdx(i),
                        AllowedNode {
                            weight: Score::NEG_INF,
                            discover: Discover::Always,
                        },
                    );
                }
            }
            Recovery::Block => {
                ws.rsc_mut(r).managed = false;
                ws.rsc_mut(r).blocked = true;
                if let Some(p) = ws.rsc(r).parent {
                    if ws.rsc(p).variant == Variant::Group && ws.rsc(p).recovery == Recovery::Block
                    {
                        for c in ws.rsc(p).children.clone() {
                            ws.rsc_mut(c).managed = false;
                            ws.rsc_mut(c).blocked = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut p = ws.rsc(r).parent;
    while let Some(pi) = p {
        if !ws.rsc(pi).running_on.contains(&n) {
            ws.rsc_mut(pi).running_on.push(n);
        }
        p = ws.rsc(pi).parent;
    }
}

fn process_rsc_state(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, on_fail: OnFail) {
    if ws.rsc(r).role != Role::Unknown {
        let mut iter = Some(r);
        while let Some(i) = iter {
            if !ws.rsc(i).known_on.contains(&n) {
                ws.rsc_mut(i).known_on.push(n);
            }
            // Up to the first globally unique resource: an anonymous
            // clone's instances and the clone share what is known.
            let top = ws.top_parent(i);
            if ws.rsc(i).parent.is_none() || !is_anon_clone(ws, top) {
                break;
            }
            iter = ws.rsc(i).parent;
        }
    }
    let role = ws.rsc(r).role;
    if role > Role::Stopped && !ws.node(n).online && !ws.node(n).maintenance && ws.rsc(r).managed {
        let mut reason = None;
        let mut should_fence = false;
        if super::remote::is_guest(ws, n) {
            // Fenced by recovering the container, fencing enabled or not;
            // the resource is failed until the guest's history is cleared.
            ws.rsc_mut(r).failed = true;
            ws.rsc_mut(r).stop_on_fail = true;
            should_fence = true;
        } else if ws.config.stonith_enabled {
            let conn = ws.node(n).remote_rsc;
            if super::remote::is_remote(ws, n) && conn.is_some_and(|c| !ws.rsc(c).failed) {
                // Fencing is revoked if the connection can come back
                // elsewhere: only an unseen node is fenced then.
                ws.nodes[n.0].unseen = true;
                reason = Some(format!(
                    "{} is active there (fencing will be revoked if remote connection can be re-established elsewhere)",
                    ws.rsc(r).id
                ));
            }
            should_fence = true;
        }
        if should_fence {
            let reason =
                reason.unwrap_or_else(|| format!("{} is thought to be active there", ws.rsc(r).id));
            fence_node(ws, n, &reason);
        }
    }
    let save_on_fail = on_fail;
    let on_fail = if ws.node(n).unclean {
        OnFail::Ignore
    } else {
        on_fail
    };
    match on_fail {
        OnFail::Ignore => {}
        OnFail::Demote => {
            ws.rsc_mut(r).failed = true;
        }
        OnFail::Fence => {
            let reason = format!("{} failed there", ws.rsc(r).id);
            fence_node(ws, n, &reason);
        }
        OnFail::Standby => {
            ws.nodes[n.0].standby = true;
        }
        OnFail::Block => {
            ws.rsc_mut(r).managed = false;
            ws.rsc_mut(r).blocked = true;
        }
        OnFail::Migrate => {
            ban(ws, r, n);
        }
        OnFail::Stop => {
            ws.rsc_mut(r).next_role = Role::Stopped;
        }
        OnFail::RestartContainer if ws.rsc(r).container.is_some() => {
            // The whole container restarts, and its fillers with it.
            ws.rsc_mut(r).failed = true;
            ws.rsc_mut(r).stop_on_fail = true;
            let c = ws.rsc(r).container.expect("container");
            if super::bundle::is_bundled(ws, r) {
                // A bundle's connection may run elsewhere than its
                // container, whose location may not be known yet.
                ws.stop_needed.insert(0, c);
            } else {
                stop_action(ws, c, Some(n), false);
            }
        }
        OnFail::ResetRemote => {
            ws.rsc_mut(r).failed = true;
            ws.rsc_mut(r).stop_on_fail = true;
            if ws.config.stonith_enabled {
                // The connection failed in a way that requires resetting
                // its remote node.
                if let Some(rn) = super::remote::node_of_connection(ws, r) {
                    if super::remote::is_remote(ws, rn) && !ws.node(rn).remote_was_fenced {
                        fence_node(ws, rn, "remote connection is unrecoverable");
                    }
                }
            }
            if role > Role::Stopped {
                stop_action(ws, r, Some(n), false);
            }
            // With a reconnect interval, the connection stays stopped
            // until the failure expires.
            if ws.rsc(r).remote_reconnect_ms > 0 {
                ws.rsc_mut(r).next_role = Role::Stopped;
            }
        }
        OnFail::Restart | OnFail::RestartContainer => {
            if role != Role::Stopped && role != Role::Unknown {
                ws.rsc_mut(r).failed = true;
                ws.rsc_mut(r).stop_on_fail = true;
                stop_action(ws, r, Some(n), false);
            }
        }
    }
    let _ = save_on_fail;
    // A failed connection makes an unclean remote node be fenced even if
    // the connection comes back in this transition.
    if ws.rsc(r).failed {
        if let Some(rn) = super::remote::node_of_connection(ws, r) {
            if ws.node(rn).unclean {
                ws.nodes[rn.0].unseen = false;
            }
        }
    }
    let role = ws.rsc(r).role;
    if role != Role::Stopped && role != Role::Unknown {
        add_running(ws, r, n);
        match on_fail {
            OnFail::Ignore => {}
            OnFail::Demote | OnFail::Block => ws.rsc_mut(r).failed = true,
            _ => {
                ws.rsc_mut(r).failed = true;
                ws.rsc_mut(r).stop_on_fail = true;
            }
        }
    } else {
        // An old-style history name with an instance number is forgotten
        // once the instance is found stopped, lest stopped instances look
        // like orphans.
        if ws
            .rsc(r)
            .clone_name
            .as_deref()
            .is_some_and(|c| c.contains(':'))
        {
            ws.rsc_mut(r).clone_name = None;
        }
        // Any stop found needed earlier is moot now.
        let key = format!("{}_stop_0", ws.rsc(r).id);
        for a in ws.rsc(r).actions.clone() {
            let act = ws.action_mut(a);
            if act.key == key && act.node == Some(n) {
                act.optional = true;
            }
        }
    }
    let rsc = ws.rsc(r);
    if rsc.role == Role::Stopped
        && rsc.partial_migration_source == Some(n)
        && rsc.partial_migration_target.is_some()
        && !rsc.running_on.is_empty()
    {
        ws.rsc_mut(r).role = Role::Started;
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
    let entry = hist_entry(op);
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
            unexpired = failcount(ws, r, n, true, Some(&entry));
        }
    }
    let mut clear = false;
    if expired && failcount(ws, r, n, false, Some(&entry)).value() != 0 {
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
            super::history::history_digest_cmp(ws, r, op),
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

/// Schedules erasing a resource's history on a node
/// (`pe__clear_resource_history`); the DC does it in the CIB, so it runs
/// even when the node is down.
pub fn clear_resource_history(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) -> ActionIdx {
    let key = format!("{}_lrm_delete_0", ws.rsc(r).id);
    custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "lrm_delete".into(),
            node: Some(n),
            optional: false,
            interval_ms: 0,
        },
    )
}

/// Schedules clearing a resource's fail count on a node (`pe__clear_failcount`).
pub fn clear_failcount(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) -> ActionIdx {
    let key = format!("{}_clear_failcount_0", ws.rsc(r).id);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "clear_failcount".into(),
            node: Some(n),
            optional: false,
            interval_ms: 0,
        },
    );
    ws.action_mut(a)
        .meta
        .insert("op_no_wait".into(), "true".into());
    a
}

fn hist_entry(op: &LrmOp) -> HistEntry {
    HistEntry {
        id: op.id.clone(),
        operation: op.operation.clone(),
        interval_ms: op.interval_ms,
        rc: op.rc_code,
        target: op
            .transition_key
            .as_deref()
            .and_then(|k| k.split(':').nth(2))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1),
    }
}

/// Whether a history entry is a failure of an op configured with
/// `on-fail="block"` (`is_matched_failure`).
fn is_matched_failure(rsc_id: &str, op: &OpConfig, entry: &HistEntry) -> bool {
    if op.interval_ms != entry.interval_ms || !op.name.eq_ignore_ascii_case(&entry.operation) {
        return false;
    }
    if entry
        .id
        .eq_ignore_ascii_case(&format!("{rsc_id}_last_failure_0"))
    {
        return true;
    }
    entry
        .id
        .eq_ignore_ascii_case(&format!("{rsc_id}_{}_{}", op.name, op.interval_ms))
        && entry.rc.unwrap_or(0) != entry.target
}

/// Whether a failure of the resource (the given history entry, or any in
/// the status) is one its configuration says should block (`block_failure`).
fn block_failure(ws: &WorkingSet, r: RscIdx, entry: Option<&HistEntry>) -> bool {
    let rsc = ws.rsc(r);
    let id = rsc.id.split(':').next().unwrap_or(&rsc.id);
    rsc.ops
        .iter()
        .filter(|o| o.on_fail_block_attr)
        .any(|o| match entry {
            Some(e) => is_matched_failure(id, o, e),
            None => ws.history.get(id).into_iter().flatten().any(|e| {
                e.operation == o.name
                    && e.interval_ms == o.interval_ms
                    && is_matched_failure(id, o, e)
            }),
        })
}

/// The fail count of a resource on a node (`pe_get_failcount`), with
/// expired failures dropped when `effective` is set. As in Pacemaker, a
/// failure configured to block makes the resource's failure-timeout void.
pub fn failcount(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    effective: bool,
    entry: Option<&HistEntry>,
) -> Score {
    let (count, last) = raw_failcount(ws, r, n);
    if count.value() > 0 && ws.rsc(r).failure_timeout > 0 && block_failure(ws, r, entry) {
        ws.warnings.push(format!(
            "Ignoring failure timeout for {} because it conflicts with on-fail=block",
            ws.rsc(r).id
        ));
        ws.rsc_mut(r).failure_timeout = 0;
    }
    let timeout = ws.rsc(r).failure_timeout;
    if effective && count.value() > 0 && last > 0 && timeout > 0 && ws.config.now > last + timeout {
        return Score::ZERO;
    }
    count
}

/// The summed fail count and latest failure time on a node.
fn raw_failcount(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> (Score, i64) {
    let rsc = ws.rsc(r);
    let top = ws.top_parent(r);
    let unique = !matches!(ws.rsc(top).variant, Variant::Clone { .. })
        || ws
            .rsc(top)
            .meta
            .get("globally-unique")
            .is_some_and(|v| super::rules::is_true(v));
    // `rsc_fail_name`
    let name = if unique {
        rsc.id.as_str()
    } else {
        rsc.id.split(':').next().unwrap_or(&rsc.id)
    };
    let legacy = ws.config.legacy_failcounts;
    let node = ws.node(n);
    let mut count = Score::ZERO;
    let mut last = 0i64;
    for (k, v) in &node.attrs {
        if fail_attr_matches(k, "fail-count", name, legacy, unique) {
            count += Score::parse(v).unwrap_or(Score::ZERO);
        } else if fail_attr_matches(k, "last-failure", name, legacy, unique) {
            last = last.max(v.parse().unwrap_or(0));
        }
    }
    (count, last)
}

/// Whether a node attribute is a resource's fail count or last-failure
/// time: `PREFIX-NAME[:N]` in legacy CIBs, `PREFIX-NAME[:N]#OP_INTERVAL`
/// since, the instance number only for anonymous clones
/// (`generate_fail_regex`).
fn fail_attr_matches(key: &str, prefix: &str, name: &str, legacy: bool, unique: bool) -> bool {
    let Some(mut rest) = key
        .strip_prefix(prefix)
        .and_then(|k| k.strip_prefix('-'))
        .and_then(|k| k.strip_prefix(name))
    else {
        return false;
    };
    if !unique {
        if let Some(after) = rest.strip_prefix(':') {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                rest = &after[digits..];
            }
        }
    }
    if legacy {
        return rest.is_empty();
    }
    let Some(op) = rest.strip_prefix('#') else {
        return false;
    };
    match op.rfind('_') {
        Some(i) if i > 0 => {
            let interval = &op[i + 1..];
            !interval.is_empty() && interval.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}
