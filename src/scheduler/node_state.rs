//! A cluster node's own state entry: whether it is online, shutting down,
//! or unclean and to be fenced. Mirrors `unpack_node_state`,
//! `determine_online_status`, `determine_online_status_fencing`/`_no_fencing`
//! and `pe_fence_node` of Pacemaker's `lib/pengine/unpack.c`, kept apart from
//! the resource histories that depend on them.

use std::collections::BTreeMap;

use super::rules::{is_true, unpack_nvsets, RuleCtx};
use super::unpack::find_nvset;
use super::ws::*;
use crate::cib::{Cib, NodeState, Score};

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

pub(super) fn unpack_node_state(cib: &Cib, ws: &mut WorkingSet, st: &NodeState, n: NodeIdx) {
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
