//! Where a resource runs once its history on a node has been replayed:
//! the node is added to its locations and the failure handling its on-fail
//! asks for is applied (`native_add_running` in `lib/pengine/native.c`,
//! `process_rsc_state` in `lib/pengine/unpack.c`).

use super::actions::stop_action;
use super::node_state::fence_node;
use super::rsc_lookup::is_anon_clone;
use super::status::{ban, resource_location};
use super::ws::*;
use crate::cib::Score;

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

pub(super) fn process_rsc_state(ws: &mut WorkingSet, r: RscIdx, n: NodeIdx, on_fail: OnFail) {
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
            // Joined by hand: nodes lost with resources on them are met on
            // every run until fenced.
            let reason = reason.unwrap_or_else(|| {
                let mut text = ws.rsc(r).id.clone();
                text.push_str(" is thought to be active there");
                text
            });
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
        // The resource and the actions are apart: the list is walked in
        // place while the actions change.
        let rsc = &ws.rscs[r.0];
        let stop = super::actions::OpKeyMatch::new(&rsc.id, "stop", 0);
        for &a in &rsc.actions {
            let act = &mut ws.actions[a.0];
            if stop.is(&act.key) && act.node == Some(n) {
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
