//! Unfencing: fence devices that cut nodes off from shared storage (SCSI
//! reservations and the like) must let a node back in ("on") before
//! resources needing that storage are probed or started there
//! (Pacemaker's `trigger_unfencing`, `pcmk__order_vs_unfence`,
//! `pcmk__order_restart_vs_unfence` and `pcmk__node_unfenced`).

use super::fencing::fence_op;
use super::orderings::order_actions;
use super::ws::order::*;
use super::ws::*;
use crate::cib::{Cib, NvSet, Resource};

/// Whether any resource (or the resource defaults) says `provides` or
/// `requires` is `unfencing` in its meta-attributes: only then does
/// unfencing come into play at all (`XPATH_ENABLE_UNFENCING`).
pub fn unfencing_in_use(cib: &Cib) -> bool {
    fn says_unfencing(sets: &[NvSet]) -> bool {
        sets.iter().filter(|s| s.tag == "meta_attributes").any(|s| {
            s.pairs.iter().any(|p| {
                matches!(p.name.as_str(), "provides" | "requires")
                    && p.value.as_deref() == Some("unfencing")
            })
        })
    }
    fn primitive(p: &crate::cib::Primitive) -> bool {
        says_unfencing(&p.meta)
            || p.operations
                .iter()
                .flat_map(|ops| ops.ops.iter())
                .any(|o| says_unfencing(&o.meta))
    }
    fn resource(r: &Resource) -> bool {
        match r {
            Resource::Primitive(p) | Resource::Template(p) => primitive(p),
            Resource::Group(g) => says_unfencing(&g.meta) || g.members.iter().any(primitive),
            Resource::Clone(c) => says_unfencing(&c.meta) || resource(&c.child),
            Resource::Bundle(b) => says_unfencing(&b.meta) || b.primitive.iter().any(primitive),
        }
    }
    let conf = &cib.configuration;
    conf.resources.iter().any(resource) || says_unfencing(&conf.rsc_defaults)
}

/// Whether a node was unfenced since it last joined: the controller sets
/// `#node-unfenced` when it is, and clears it (to "0") when it leaves
/// (`pcmk__node_unfenced`).
pub fn node_unfenced(ws: &WorkingSet, n: NodeIdx) -> bool {
    ws.node(n)
        .attrs
        .get("#node-unfenced")
        .is_some_and(|v| v != "0")
}

/// The (possibly optional) unfencing of a node.
fn unfence_op(ws: &mut WorkingSet, n: NodeIdx, optional: bool, reason: &str) -> ActionIdx {
    fence_op(ws, n, Some("on"), optional, reason)
}

/// Requires unfencing a node, or, given a fence device whose definition
/// changed, every node it may run on: a device's new parameters may need
/// the nodes let in again (`trigger_unfencing`).
pub fn trigger_unfencing(ws: &mut WorkingSet, r: Option<RscIdx>, n: Option<NodeIdx>, reason: &str) {
    if !ws.config.enable_unfencing {
        return;
    }
    if r.is_some_and(|r| !ws.rsc(r).is_fence_device) {
        return;
    }
    let usable = |ws: &WorkingSet, n: NodeIdx| {
        let node = ws.node(n);
        node.online && !node.unclean && !node.shutdown
    };
    if let Some(n) = n.filter(|&n| usable(ws, n)) {
        unfence_op(ws, n, false, reason);
    } else if let Some(r) = r {
        let nodes: Vec<NodeIdx> = ws.rsc(r).allowed.keys().copied().collect();
        for n in nodes {
            if usable(ws, n) {
                unfence_op(ws, n, false, reason);
            }
        }
    }
}

/// Whether an action of this resource must wait for its node's unfencing:
/// the resource needs it, or it is a fence device while unfencing is used
/// (such agents often cannot even probe before the node is let in).
fn waits_for_unfencing(ws: &WorkingSet, r: RscIdx) -> bool {
    let rsc = ws.rsc(r);
    (rsc.is_fence_device && ws.config.enable_unfencing) || rsc.needs_unfencing
}

/// Orders a probe or start after unfencing its node; a node never unfenced
/// must be unfenced first (`pcmk__order_vs_unfence`).
pub fn order_vs_unfence(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, action: ActionIdx, flags: u32) {
    if !waits_for_unfencing(ws, r) {
        return;
    }
    // Optional at first: requiring it would unfence the node (and so stop
    // everything there) whenever a resource is added.
    let unfence = unfence_op(ws, n, true, "");
    order_actions(ws, unfence, action, flags);
    if !node_unfenced(ws, n) {
        let reason = format!("required by {} {}", ws.rsc(r).id, ws.action(action).task);
        trigger_unfencing(ws, None, Some(n), &reason);
    }
}

/// A stop of a resource needing unfencing comes before any unfencing of
/// its node (which would otherwise cut it off while still running).
pub fn order_stop_vs_unfence(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, stop: ActionIdx) {
    if !ws.rsc(r).needs_unfencing {
        return;
    }
    let unfence = unfence_op(ws, n, true, "");
    order_actions(ws, stop, unfence, IMPLIES_FIRST);
}

/// For each node a resource needing unfencing may run on, stops there come
/// before unfencing it and starts after, and unfencing restarts the
/// resource there (`pcmk__order_restart_vs_unfence`).
pub fn order_restart_vs_unfence(ws: &mut WorkingSet, r: RscIdx) {
    let rsc = ws.rsc(r);
    if rsc.is_fence_device || !ws.config.enable_unfencing || !rsc.needs_unfencing {
        return;
    }
    let mut nodes: Vec<NodeIdx> = rsc.allowed.keys().copied().collect();
    nodes.sort_by(|&a, &b| super::unpack::numeric_strcasecmp(&ws.node(a).uname, &ws.node(b).uname));
    let id = rsc.id.clone();
    for n in nodes {
        let unfence = unfence_op(ws, n, true, "");
        super::actions::new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: Some(format!("{id}_stop_0")),
                first_action: None,
                then_rsc: None,
                then_task: None,
                then_action: Some(unfence),
                flags: OPTIONAL | SAME_NODE,
            },
        );
        super::actions::new_ordering(
            ws,
            Ordering {
                first_rsc: None,
                first_task: None,
                first_action: Some(unfence),
                then_rsc: Some(r),
                then_task: Some(format!("{id}_start_0")),
                then_action: None,
                flags: IMPLIES_THEN_ON_NODE | SAME_NODE,
            },
        );
    }
}

/// The fence devices that unfence: those providing unfencing, in the
/// reverse of configuration order, as Pacemaker collects them
/// (`find_unfencing_devices`).
fn unfencing_devices(ws: &WorkingSet) -> Vec<RscIdx> {
    fn walk(ws: &WorkingSet, list: &[RscIdx], out: &mut Vec<RscIdx>) {
        for &r in list {
            let rsc = ws.rsc(r);
            if !rsc.children.is_empty() {
                walk(ws, &rsc.children, out);
            } else if rsc.is_fence_device
                && (rsc.needs_unfencing
                    || rsc
                        .meta
                        .get("provides")
                        .is_some_and(|v| v.eq_ignore_ascii_case("unfencing")))
            {
                out.insert(0, r);
            }
        }
    }
    let mut out = Vec::new();
    walk(ws, &ws.top, &mut out);
    out
}

/// What a fencing action records of the unfencing devices' current
/// definitions (`id:agent:digest,` for each, of all parameters and of the
/// non-secret ones), and whether the node was unfenced with a different
/// definition, which makes unfencing it again necessary
/// (`pe__compare_fencing_digest`, in `pe_fence_op`).
pub fn fencing_digests(ws: &WorkingSet, n: NodeIdx) -> (String, String, bool) {
    let mut all = String::new();
    let mut secure = String::new();
    let mut changed = false;
    let node_all = ws.node(n).attrs.get("#digests-all");
    let node_secure = ws.node(n).attrs.get("#digests-secure");
    for r in unfencing_devices(ws) {
        let rsc = ws.rsc(r);
        let agent = rsc.agent.rsplit(':').next().unwrap_or_default();
        let params = super::digest::op_params(ws, r, "stonith-on", 0);
        let digest_all = super::digest::params_digest(&params);
        // Without a recorded op, the usual secret parameters are left out;
        // older controllers also hashed only the agent's own parameters.
        let mut public = if ws.config.legacy_digests {
            let mut p = rsc.params.clone();
            p.retain(|k, _| !k.starts_with("CRM_meta_") && !super::digest::is_stonith_param(k));
            p
        } else {
            params
        };
        public.retain(|k, _| !matches!(k.as_str(), "passwd" | "password" | "user"));
        let digest_secure = super::digest::params_digest(&public);
        let summary = |d: &str| format!("{}:{agent}:{d}", rsc.id);
        if let Some(on_node) = node_all {
            let matches = on_node.contains(&summary(&digest_all))
                || node_secure.is_some_and(|s| s.contains(&summary(&digest_secure)));
            changed |= !matches;
        }
        all.push_str(&format!("{},", summary(&digest_all)));
        secure.push_str(&format!("{},", summary(&digest_secure)));
    }
    (all, secure, changed)
}
