//! Fencing of unclean nodes and clean shutdowns (Pacemaker's
//! `schedule_fencing_and_shutdowns`, `pe_fence_op`, `pcmk__order_vs_fence`
//! and `pcmk__order_stops_before_shutdown`).

use super::actions::{custom_action, new_ordering, ActionSpec};
use super::orderings::order_actions;
use super::ws::order::*;
use super::ws::*;

/// Whether the cluster may fence this node (`pe_can_fence`).
pub fn can_fence(ws: &WorkingSet, n: NodeIdx) -> bool {
    if let Some(container) = super::remote::guest_container(ws, n) {
        // A guest is "fenced" by stopping its container: possible when the
        // container's hosts are up or can themselves be fenced.
        return ws
            .rsc(container)
            .running_on
            .iter()
            .all(|&h| ws.node(h).online || can_fence(ws, h));
    }
    let c = &ws.config;
    if !c.stonith_enabled || !c.have_stonith_resource {
        return false;
    }
    c.have_quorum || c.no_quorum_policy == NoQuorumPolicy::Ignore || ws.node(n).online
}

/// Creates (or finds) the fencing action for a node (`pe_fence_op`).
pub fn fence_op(
    ws: &mut WorkingSet,
    n: NodeIdx,
    op: Option<&str>,
    optional: bool,
    reason: &str,
) -> ActionIdx {
    let op = op
        .map(str::to_string)
        .unwrap_or_else(|| ws.config.stonith_action.clone());
    let key = format!("stonith-{}-{}", ws.node(n).uname, op);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: None,
            key,
            task: "stonith".into(),
            node: Some(n),
            optional: true,
            interval_ms: 0,
        },
    );
    let created = !ws.action(a).meta.contains_key("stonith_action");
    ws.action_mut(a).meta.insert("stonith_action".into(), op);
    let mut optional = optional;
    if created && ws.config.enable_unfencing {
        // Fencing records the unfencing devices' definitions, so that a
        // change to them is noticed (and requires unfencing again).
        let (all, secure, changed) = super::unfencing::fencing_digests(ws, n);
        if changed {
            optional = false;
        }
        let meta = &mut ws.action_mut(a).meta;
        meta.insert("digests_all".into(), all);
        meta.insert("digests_secure".into(), secure);
    }
    let required = !optional && can_fence(ws, n);
    let act = ws.action_mut(a);
    if required {
        act.optional = false;
    }
    // The first reason given stays.
    if act.reason.is_none() && !reason.is_empty() {
        act.reason = Some(reason.to_string());
    }
    a
}

/// Schedules fencing of unclean nodes and shutdown of nodes leaving.
pub fn schedule_fencing_and_shutdowns(ws: &mut WorkingSet) {
    let have_managed = ws.rscs.iter().any(|r| r.managed);
    let mut fencing_ops: Vec<ActionIdx> = Vec::new();
    let mut dc_down: Option<ActionIdx> = None;
    let mut shutdown_ops: Vec<ActionIdx> = Vec::new();
    for i in 0..ws.nodes.len() {
        let n = NodeIdx(i);
        let node = ws.node(n);
        if super::remote::is_guest(ws, n) {
            // Guests are "fenced" by recovering their container.
            if node.remote_requires_reset && have_managed && can_fence(ws, n) {
                fence_guest(ws, n);
            }
            continue;
        }
        if have_managed && node.unclean && can_fence(ws, n) {
            // The reason given when the node was marked for fencing wins
            // (Pacemaker creates the fencing op then, with that reason).
            let reason = node
                .fence_reason
                .clone()
                .unwrap_or_else(|| "node is unclean".to_string());
            let f = fence_op(ws, n, None, false, &reason);
            order_vs_fence(ws, f);
            if ws.node(n).is_dc {
                dc_down = Some(f);
            } else {
                if !ws.config.concurrent_fencing {
                    if let Some(&last) = fencing_ops.first() {
                        order_actions(ws, last, f, OPTIONAL);
                    }
                }
                fencing_ops.insert(0, f);
            }
        } else if node.online && node.shutdown && node.kind == NodeKind::Member {
            let key = format!("do_shutdown-{}", node.uname);
            let s = custom_action(
                ws,
                ActionSpec {
                    rsc: None,
                    key,
                    task: "do_shutdown".into(),
                    node: Some(n),
                    optional: false,
                    interval_ms: 0,
                },
            );
            ws.action_mut(s).runnable = true;
            order_stops_before_shutdown(ws, n, s);
            if ws.node(n).is_dc {
                dc_down = Some(s);
            } else {
                shutdown_ops.insert(0, s);
            }
        }
    }
    if let Some(dc) = dc_down {
        if ws.action(dc).task == "do_shutdown" {
            for &s in &shutdown_ops {
                order_actions(ws, s, dc, OPTIONAL);
            }
        }
        if ws.config.concurrent_fencing {
            for &f in &fencing_ops {
                order_actions(ws, f, dc, OPTIONAL);
            }
        } else if let Some(&f) = fencing_ops.first() {
            order_actions(ws, f, dc, OPTIONAL);
        }
    }
}

fn order_stops_before_shutdown(ws: &mut WorkingSet, n: NodeIdx, shutdown: ActionIdx) {
    for a in (0..ws.actions.len()).rev().map(ActionIdx) {
        let act = ws.action(a);
        let Some(r) = act.rsc else { continue };
        if act.node != Some(n) || act.task != "stop" {
            continue;
        }
        let rsc = ws.rsc(r);
        if rsc.maintenance || ws.node(n).maintenance || !(rsc.managed || rsc.blocked) {
            continue;
        }
        ws.action_mut(a).optional = false;
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: None,
                first_action: Some(a),
                then_rsc: None,
                then_task: Some("do_shutdown".into()),
                then_action: Some(shutdown),
                flags: OPTIONAL | RUNNABLE_LEFT,
            },
        );
    }
}

/// "Fences" a guest node: a pseudo fencing action standing for the
/// recovery of its container, for the guest's resources to be ordered
/// against as with real fencing (`pcmk__fence_guest`).
fn fence_guest(ws: &mut WorkingSet, n: NodeIdx) {
    let container = super::remote::guest_container(ws, n);
    let first = |ws: &WorkingSet, r: RscIdx, task: &str| {
        ws.rsc(r)
            .actions
            .iter()
            .rev()
            .copied()
            .find(|&a| ws.action(a).task == task)
    };
    let stop = container.and_then(|c| first(ws, c, "stop"));
    // Only a label: "reboot" when the container comes back.
    let op = if container.and_then(|c| first(ws, c, "start")).is_some() {
        "reboot"
    } else {
        "off"
    };
    let f = fence_op(ws, n, Some(op), false, "guest is unclean");
    let act = ws.action_mut(f);
    act.pseudo = true;
    act.runnable = true;
    act.optional = false;
    match stop {
        Some(stop) if ws.action(stop).pseudo => {
            // The container's host is fenced: the guest is down after that.
            if let Some(host) = ws.action(stop).node {
                let host_fence = fence_op(ws, host, None, true, "");
                order_actions(ws, host_fence, f, RUNNABLE_LEFT | IMPLIES_THEN);
            }
        }
        Some(stop) => {
            order_actions(ws, stop, f, RUNNABLE_LEFT | IMPLIES_THEN);
        }
        None => {
            let conn = ws.node(n).remote_rsc;
            if let Some(stop) = conn.and_then(|c| first(ws, c, "stop")) {
                order_actions(ws, stop, f, OPTIONAL);
            }
        }
    }
    order_vs_fence(ws, f);
}

/// Orders resource actions relative to fencing a node: stops there become
/// pseudo actions implied by the fencing (`pcmk__order_vs_fence`).
fn order_vs_fence(ws: &mut WorkingSet, fence: ActionIdx) {
    let Some(target) = ws.action(fence).node else {
        return;
    };
    for r in ws.all_in_order() {
        if ws.rsc(r).variant != Variant::Primitive || !ws.rsc(r).managed {
            continue;
        }
        // Starts wait for the fencing when the resource needs it.
        for a in ws.rsc(r).actions.clone() {
            let act = ws.action(a);
            let needs_fencing = ws.rsc(r).needs_fencing;
            // A migration's first step stands in for the start, and takes
            // over what the start requires (`pcmk__create_migration_actions`).
            let migration_start = match act.task.as_str() {
                "migrate_to" => true,
                "migrate_from" => ws.rsc(r).partial_migration_target.is_some(),
                _ => false,
            };
            if migration_start {
                if needs_fencing {
                    order_actions(ws, fence, a, OPTIONAL);
                }
            } else if act.task == "start" || act.task == "promote" {
                if needs_fencing {
                    order_actions(ws, fence, a, OPTIONAL);
                } else if act.task == "start"
                    && ws.rsc(r).needs_quorum
                    && ws.rsc(r).allowed.contains_key(&target)
                    && !ws.rsc(r).known_on.contains(&target)
                {
                    order_actions(ws, fence, a, OPTIONAL | RUNNABLE_LEFT);
                }
            }
        }
        let stops: Vec<ActionIdx> = ws
            .rsc(r)
            .actions
            .iter()
            .copied()
            .filter(|&a| ws.action(a).task == "stop" && ws.action(a).node == Some(target))
            .collect();
        // A guest's "fencing" is a stop: what it implies always follows it.
        let order_implicit = ws.rsc(r).needs_fencing || super::remote::is_guest(ws, target);
        let bundled = super::bundle::is_bundled(ws, r);
        let top = ws.top_parent(r);
        let parent_stop = if order_implicit && top != r {
            ws.rsc(top)
                .actions
                .iter()
                .copied()
                .find(|&a| ws.action(a).task == "stop")
        } else {
            None
        };
        for s in stops {
            let act = ws.action_mut(s);
            act.pseudo = true;
            act.runnable = true;
            if order_implicit {
                // Inside a bundle this would make a loop (the container's
                // stop comes before the guest's fencing): the parent's stop
                // is ordered instead.
                if !bundled {
                    order_actions(ws, fence, s, PRESERVE);
                }
                if let Some(ps) = parent_stop {
                    order_actions(ws, fence, ps, PRESERVE);
                }
            }
            if super::notify::wants_notify(ws, r) {
                super::notify::order_notifs_after_fencing(ws, r, fence);
            }
        }
        let demotes: Vec<ActionIdx> = ws
            .rsc(r)
            .actions
            .iter()
            .copied()
            .filter(|&a| ws.action(a).task == "demote" && ws.action(a).node == Some(target))
            .collect();
        for d in demotes {
            let act = ws.action_mut(d);
            act.pseudo = true;
            act.runnable = true;
            // A bundle's recovery is ordered through its parent.
            if order_implicit && !bundled {
                order_actions(ws, fence, d, PRESERVE);
            }
        }
    }
}
