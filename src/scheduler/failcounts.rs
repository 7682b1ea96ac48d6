//! Fail counts: how many times a resource failed on a node, which of its
//! failures count and expire, and the actions that clear them. Mirrors
//! Pacemaker's `lib/pengine/failcounts.c` (`pe_get_failcount`,
//! `pe__clear_failcount`) and `pe__clear_resource_history`.

use super::actions::{custom_action, ActionSpec};
use super::ws::*;
use crate::cib::{LrmOp, Score};

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

pub(super) fn hist_entry(op: &LrmOp) -> HistEntry {
    HistEntry {
        id: op.id.clone(),
        operation: op.operation.clone(),
        interval_ms: op.interval_ms,
        rc: op.rc_code,
        target: op
            .transition_key
            .as_deref()
            .and_then(super::op_order::transition_key_target)
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
    let unique = !ws.in_anonymous_clone(r);
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
    // Only keys beginning with the prefix can match: the attributes are
    // sorted, so just those are read, in the same order as a full walk.
    for (k, v) in attrs_from(&node.attrs, "fail-count-") {
        if fail_attr_matches(k, "fail-count", name, legacy, unique) {
            count += Score::parse(v).unwrap_or(Score::ZERO);
        }
    }
    for (k, v) in attrs_from(&node.attrs, "last-failure-") {
        if fail_attr_matches(k, "last-failure", name, legacy, unique) {
            last = last.max(v.parse().unwrap_or(0));
        }
    }
    (count, last)
}

/// The attributes whose names begin with `prefix`, in order.
fn attrs_from<'a>(
    attrs: &'a std::collections::BTreeMap<String, String>,
    prefix: &'a str,
) -> impl Iterator<Item = (&'a String, &'a String)> {
    use std::ops::Bound;
    attrs
        .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(move |(k, _)| k.starts_with(prefix))
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
