//! Reading live migrations out of the recorded history: whether a recorded
//! `migrate_to` or `migrate_from` left the resource partially migrated,
//! active on both nodes, or fully moved with the source still to be cleaned
//! up (Pacemaker's `unpack_migrate_to_success`, `unpack_migrate_to_failure`
//! and `unpack_migrate_from_failure`).
//!
//! A migration spans two nodes' histories, so unlike the rest of the status
//! unpacking these look at the *other* node's record of the same resource.

use std::cmp::Ordering;

use super::status::add_running;
use super::ws::*;
use crate::cib::{Cib, LrmOp, LrmResource};

/// Which of two history entries is newer (`pe__is_newer_op`). Entries of
/// different nodes cannot be compared by call id (each node numbers its own
/// calls), so they are compared by when their result last changed; where
/// an entry does not say which node it ran on, `same_node_default` decides.
pub(crate) fn is_newer_op(a: &LrmOp, b: &LrmOp, same_node_default: bool) -> Ordering {
    use Ordering::*;
    let same_node = match (&a.on_node, &b.on_node) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => same_node_default,
    };
    if same_node && a.id == b.id {
        return Equal;
    }
    newer_on(a, b, same_node)
}

/// [`is_newer_op`] once it is known whether the two entries were recorded
/// on one node: by call id on one node, else by when their result last
/// changed, and pending entries by the transitions that scheduled them.
pub(crate) fn newer_on(a: &LrmOp, b: &LrmOp, same_node: bool) -> Ordering {
    use Ordering::*;
    let ac = a.call_id.unwrap_or(-1);
    let bc = b.call_id.unwrap_or(-1);
    if ac == -1 && bc == -1 {
        return Equal;
    }
    if same_node && ac >= 0 && ac < bc {
        return Less;
    }
    if same_node && bc >= 0 && ac > bc {
        return Greater;
    }
    if ac >= 0 && bc >= 0 && (!same_node || ac == bc) {
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
    super::status::compare_pending(a, b)
}

/// One resource's history on the named node (`find_lrm_resource`).
fn find_lrm_resource<'a>(cib: &'a Cib, rsc_id: &str, node: &str) -> Option<&'a LrmResource> {
    cib.status
        .node_states
        .iter()
        .filter(|st| st.uname.as_deref() == Some(node))
        .filter_map(|st| st.lrm.as_ref())
        .flat_map(|lrm| lrm.iter().map(|lr| &**lr))
        .find(|lr| lr.id == rsc_id)
}

/// The first recorded operation `task` of a resource on a node, for a
/// migration also matching the peer node, and when `want_rc` is given only
/// if it completed with that result (`find_lrm_op`).
fn find_lrm_op<'a>(
    cib: &'a Cib,
    rsc_id: &str,
    task: &str,
    node: &str,
    peer: Option<&str>,
    want_rc: Option<i32>,
) -> Option<&'a LrmOp> {
    let found = cib
        .status
        .node_states
        .iter()
        .filter(|st| st.uname.as_deref() == Some(node))
        .filter_map(|st| st.lrm.as_ref())
        .flat_map(|lrm| lrm.iter())
        .filter(|lr| lr.id == rsc_id)
        .flat_map(|lr| lr.ops.iter())
        .find(|op| {
            op.operation == task
                && match (peer, task) {
                    (Some(p), "migrate_to") => op.migrate_target.as_deref() == Some(p),
                    (Some(p), "migrate_from") => op.migrate_source.as_deref() == Some(p),
                    _ => true,
                }
        })?;
    if let Some(rc) = want_rc {
        if found.status_and_rc() != Some((0, rc)) {
            return None;
        }
    }
    Some(found)
}

/// Whether nothing is known of the resource on the node: it will be probed
/// there rather than assumed running (`unknown_on_node`).
fn unknown_on_node(cib: &Cib, rsc_id: &str, node: &str) -> bool {
    find_lrm_resource(cib, rsc_id, node).is_none_or(|lr| lr.ops.is_empty())
}

/// Whether a monitor found the resource not running on the node after `op`
/// (`monitor_not_running_after`).
fn monitor_not_running_after(
    cib: &Cib,
    rsc_id: &str,
    node: &str,
    op: &LrmOp,
    same_node: bool,
) -> bool {
    find_lrm_op(cib, rsc_id, "monitor", node, None, Some(7))
        .is_some_and(|m| is_newer_op(m, op, same_node) == Ordering::Greater)
}

/// Whether a start, stop or migration happened on the node after `op`
/// (`non_monitor_after`).
fn non_monitor_after(cib: &Cib, rsc_id: &str, node: &str, op: &LrmOp, same_node: bool) -> bool {
    let Some(lr) = find_lrm_resource(cib, rsc_id, node) else {
        return false;
    };
    lr.ops.iter().any(|o| {
        !std::ptr::eq(o, op)
            && matches!(
                o.operation.as_str(),
                "start" | "stop" | "migrate_to" | "migrate_from"
            )
            && is_newer_op(o, op, same_node) == Ordering::Greater
    })
}

/// Whether the node's record of the resource moved on after the migration
/// (`newer_state_after_migrate`): the migration event recorded on that same
/// node is preferred for the comparison, its call ids being reliable.
fn newer_state_after_migrate(
    cib: &Cib,
    rsc_id: &str,
    node: &str,
    migrate_to: Option<&LrmOp>,
    migrate_from: Option<&LrmOp>,
) -> bool {
    let Some(mut op) = migrate_from.or(migrate_to) else {
        return false;
    };
    let source = op.migrate_source.as_deref();
    let target = op.migrate_target.as_deref();
    let mut same_node = false;
    if target.is_some_and(|t| t.eq_ignore_ascii_case(node)) {
        if let Some(f) = migrate_from {
            op = f;
            same_node = true;
        } else if let Some(t) = migrate_to {
            op = t;
        }
    } else if source.is_some_and(|s| s.eq_ignore_ascii_case(node)) {
        if let Some(t) = migrate_to {
            op = t;
            same_node = true;
        } else if let Some(f) = migrate_from {
            op = f;
        }
    }
    non_monitor_after(cib, rsc_id, node, op, same_node)
        || monitor_not_running_after(cib, rsc_id, node, op, same_node)
}

/// Whether a node is known and up.
fn online_node(ws: &WorkingSet, name: &str) -> Option<NodeIdx> {
    ws.find_node(name).filter(|&n| ws.node(n).online)
}

/// A migration that must not be continued: the resource is recovered by a
/// full stop and start.
fn mark_failed(ws: &mut WorkingSet, r: RscIdx) {
    let rsc = ws.rsc_mut(r);
    rsc.failed = true;
    rsc.stop_on_fail = true;
    rsc.allow_migrate = false;
}

/// A `migrate_to` that succeeded on `n` (the source). Depending on what the
/// target recorded since, the migration is complete with only the source's
/// stop missing ("dangling"), partial (to be continued, active on both
/// nodes), or failed on the target (active on both, to be recovered).
pub(crate) fn migrate_to_success(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &LrmOp,
) {
    let (Some(source), Some(target)) = (op.migrate_source.as_deref(), op.migrate_target.as_deref())
    else {
        return;
    };
    if source != ws.node(n).uname {
        return;
    }
    let rsc_id = ws.rsc(r).id.clone();
    // A later start, stop or migration here may make this one irrelevant to
    // the source, but it can still matter for the target.
    let source_newer_op = non_monitor_after(cib, &rsc_id, source, op, true);
    let migrate_from = find_lrm_op(cib, &rsc_id, "migrate_from", target, Some(source), None);
    if source_newer_op && migrate_from.is_some() {
        return;
    }
    let target_newer_state =
        newer_state_after_migrate(cib, &rsc_id, target, Some(op), migrate_from);
    if source_newer_op && target_newer_state {
        return;
    }
    ws.rsc_mut(r).role = Role::Started;
    let target_node = online_node(ws, target);
    let source_up = online_node(ws, source).is_some();
    match migrate_from.map(|f| f.status_and_rc().unwrap_or((0, 0))) {
        Some((0, 0)) => {
            // Both halves succeeded: only the source's stop is missing.
            ws.rsc_mut(r).role = Role::Stopped;
            if !ws.rsc(r).dangling_migrations.contains(&n) {
                ws.rsc_mut(r).dangling_migrations.insert(0, n);
            }
        }
        Some((status, _)) if status != -1 => {
            // The migrate_from failed: active on the target unless it moved on.
            match target_node {
                Some(t) if !target_newer_state => add_running(ws, r, t),
                _ => mark_failed(ws, r),
            }
        }
        _ => {
            // Pending, or completed but since erased from the target.
            match target_node {
                Some(t) if !target_newer_state => {
                    add_running(ws, r, t);
                    if source_up {
                        ws.rsc_mut(r).partial_migration_target = Some(t);
                        ws.rsc_mut(r).partial_migration_source = Some(n);
                    }
                }
                _ if !source_newer_op => mark_failed(ws, r),
                _ => {}
            }
        }
    }
}

/// A `migrate_to` that failed on `n` (the source): the resource may be
/// active on the target as well, unless the target's history moved on.
pub(crate) fn migrate_to_failure(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &LrmOp,
) {
    let (Some(source), Some(target)) = (op.migrate_source.as_deref(), op.migrate_target.as_deref())
    else {
        return;
    };
    if source != ws.node(n).uname {
        return;
    }
    let rsc_id = ws.rsc(r).id.clone();
    ws.rsc_mut(r).role = Role::Started;
    let target_from = find_lrm_op(cib, &rsc_id, "migrate_from", target, Some(source), Some(0));
    if !unknown_on_node(cib, &rsc_id, target)
        && !newer_state_after_migrate(cib, &rsc_id, target, Some(op), target_from)
    {
        if let Some(t) = online_node(ws, target) {
            add_running(ws, r, t);
        }
    } else if !non_monitor_after(cib, &rsc_id, source, op, true)
        && !ws.rsc(r).dangling_migrations.contains(&n)
    {
        // Still relevant to the source: have it stopped there.
        ws.rsc_mut(r).dangling_migrations.insert(0, n);
    }
}

/// A `migrate_from` that failed on `n` (the target): the resource may still
/// be active on the source, unless the source's history moved on.
pub(crate) fn migrate_from_failure(
    cib: &Cib,
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: &LrmOp,
) {
    let (Some(source), Some(target)) = (op.migrate_source.as_deref(), op.migrate_target.as_deref())
    else {
        return;
    };
    if target != ws.node(n).uname {
        return;
    }
    let rsc_id = ws.rsc(r).id.clone();
    ws.rsc_mut(r).role = Role::Started;
    let source_to = find_lrm_op(cib, &rsc_id, "migrate_to", source, Some(target), Some(0));
    if !unknown_on_node(cib, &rsc_id, source)
        && !newer_state_after_migrate(cib, &rsc_id, source, source_to, Some(op))
    {
        if let Some(s) = online_node(ws, source) {
            add_running(ws, r, s);
        }
    }
}
