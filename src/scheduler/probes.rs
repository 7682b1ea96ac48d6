//! Probes: one-shot monitors finding out what is already running where,
//! before anything is started (Pacemaker's `pcmk_sched_probes.c`:
//! `pcmk__schedule_probes`, `pcmk__probe_rsc_on_node`).

use super::actions::*;
use super::ws::order::*;
use super::ws::*;

/// Schedules probes of every resource on every node that can run them
/// (`pcmk__schedule_probes`).
pub fn schedule_probes(ws: &mut WorkingSet) {
    for n in 0..ws.nodes.len() {
        let n = NodeIdx(n);
        let node = ws.node(n);
        if !node.online {
            if super::remote::is_failed_remote_node(ws, n) {
                super::status::fence_node(ws, n, "the connection is unrecoverable");
            }
            continue;
        }
        if node.unclean || !node.rsc_discovery {
            continue;
        }
        if let Some(probed) = node.attrs.get("probe_complete") {
            if !super::rules::is_true(probed) {
                let key = format!("probe_again-{}", node.uname);
                let a = custom_action(
                    ws,
                    ActionSpec {
                        rsc: None,
                        key,
                        task: "probe_again".into(),
                        node: Some(n),
                        optional: false,
                        interval_ms: 0,
                    },
                );
                ws.action_mut(a).runnable = true;
                continue;
            }
        }
        for r in ws.top.clone() {
            probe_rsc_on_node(ws, r, n);
        }
    }
}

pub(crate) fn probe_rsc_on_node(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    if !ws.config.startup_probes {
        return false;
    }
    if super::remote::is_guest_or_remote(ws, n) {
        let rsc = ws.rsc(r);
        let fence_agent = rsc.variant == Variant::Primitive && rsc.is_fence_device;
        // No fence agents and no remote connections on remote nodes, and
        // no resource holding a guest on a guest.
        if fence_agent
            || rsc.is_remote_node
            || (super::remote::is_guest(ws, n)
                && super::remote::guest_connection_of(ws, r).is_some())
        {
            return false;
        }
    }
    if matches!(ws.rsc(r).variant, Variant::Clone { .. }) {
        return super::clone::clone_create_probe(ws, r, n);
    }
    if ws.rsc(r).variant == Variant::Bundle {
        return super::bundle_sched::create_probe(ws, r, n);
    }
    if !ws.rsc(r).children.is_empty() {
        let mut any = false;
        for c in ws.rsc(r).children.clone() {
            any |= probe_rsc_on_node(ws, c, n);
        }
        return any;
    }
    let rsc = ws.rsc(r);
    if (rsc.container.is_some() && !rsc.is_remote_node) || rsc.orphan || rsc.known_on.contains(&n) {
        // Not inside a container, not orphaned, state not yet known.
        return false;
    }
    let top = ws.top_parent(r);
    let allowed = rsc.allowed.get(&n).copied();
    if rsc.exclusive_discover || ws.rsc(top).exclusive_discover {
        match allowed {
            None => return false,
            Some(a) if a.discover != Discover::Exclusive => return false,
            _ => {}
        }
    }
    if allowed.is_some_and(|a| a.discover == Discover::Never) {
        return false;
    }
    if allowed.is_none() && super::bundle::is_guest_node(ws, n) {
        // Bundle guest nodes are "never probe here" to all but their own.
        return false;
    }
    if let Some(guest) = super::remote::guest_container(ws, n) {
        if ws.rsc(guest).role == Role::Stopped {
            // Nothing can be active in a stopped guest; but if the guest
            // is to start, its state there is learnt first.
            let guest_rsc = ws.rsc(guest);
            if let Some(to) = guest_rsc.assigned {
                if !guest_rsc.known_on.contains(&to) {
                    order_rsc_actions(ws, guest, "monitor", top, "start", OPTIONAL);
                }
            }
            return false;
        }
        if super::remote::guest_will_stop(ws, n) {
            // Restarting: start the resource after the guest stops.
            order_rsc_actions(ws, guest, "stop", top, "start", OPTIONAL);
            return false;
        }
    }
    let rsc = ws.rsc(r);
    let id = rsc.id.clone();
    let probe = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key: op_key(&id, "monitor", 0),
            task: "monitor".into(),
            node: Some(n),
            optional: false,
            interval_ms: 0,
        },
    );
    ws.action_mut(probe).optional = false;
    super::unfencing::order_vs_unfence(ws, r, n, probe, OPTIONAL);
    ws.action_mut(probe).expected_rc = Some(7);
    // Probes order the parent clone's start, except a fence device's when
    // unfencing is used: those wait for their own node's unfencing.
    let top_is_clone = matches!(ws.rsc(top).variant, Variant::Clone { .. });
    let own_order = ws.rsc(r).is_fence_device && ws.config.enable_unfencing;
    let order_target = if top_is_clone && !own_order { top } else { r };
    let mut flags = OPTIONAL;
    if !ws.action(probe).runnable && ws.rsc(order_target).running_on.is_empty() {
        flags |= RUNNABLE_LEFT;
    }
    let target_id = ws.rsc(order_target).id.clone();
    new_ordering(
        ws,
        Ordering {
            first_rsc: Some(r),
            first_task: None,
            first_action: Some(probe),
            then_rsc: Some(order_target),
            then_task: Some(op_key(&target_id, "start", 0)),
            then_action: None,
            flags,
        },
    );
    new_ordering(
        ws,
        Ordering {
            first_rsc: Some(r),
            first_task: None,
            first_action: Some(probe),
            then_rsc: Some(order_target),
            then_task: Some(op_key(&id, "reload-agent", 0)),
            then_action: None,
            flags: OPTIONAL,
        },
    );
    true
}
