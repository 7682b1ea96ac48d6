//! The order in which a resource's history entries are replayed: Pacemaker
//! sorts them by call id and transition (`sort_op_by_callid` in
//! `lib/pengine/utils.c`), a comparison that is not a total order, so the
//! exact `g_list_sort` merge is reproduced here, along with the expected
//! result of an entry (`pe__target_rc_from_xml`).

use crate::cib::{LrmOp, LrmResource};

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
pub(crate) fn merge_sort<T: Copy>(
    mut v: Vec<T>,
    cmp: &dyn Fn(T, T) -> std::cmp::Ordering,
) -> Vec<T> {
    if v.len() < 2 {
        return v;
    }
    // In place, merging through one buffer: the same splits and the same
    // comparisons in the same order as merging new lists at every level,
    // hence the same result even for a comparison that is not an order.
    let mut merged = Vec::with_capacity(v.len());
    merge_sort_in(&mut v, &mut merged, cmp);
    v
}

/// [`merge_sort`] of a slice, `merged` being scratch space.
fn merge_sort_in<T: Copy>(
    v: &mut [T],
    merged: &mut Vec<T>,
    cmp: &dyn Fn(T, T) -> std::cmp::Ordering,
) {
    if v.len() < 2 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort_in(&mut v[..mid], merged, cmp);
    merge_sort_in(&mut v[mid..], merged, cmp);
    let (left, right) = v.split_at(mid);
    merged.clear();
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if cmp(left[i], right[j]) != std::cmp::Ordering::Greater {
            merged.push(left[i]);
            i += 1;
        } else {
            merged.push(right[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    v.copy_from_slice(merged);
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
    // The same entry (ids compared without case), else the entries of one
    // node's history by `pe__is_newer_op`'s comparison on one node.
    if a.id.eq_ignore_ascii_case(&b.id) {
        return std::cmp::Ordering::Equal;
    }
    super::migration::newer_on(a, b, true)
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
    key.and_then(transition_key_target).unwrap_or(-1)
}

/// The expected result in a transition key `action:transition:rc:uuid`:
/// its third field, read without a `str::split` (which the history of every
/// operation went through).
pub(crate) fn transition_key_target(key: &str) -> Option<i32> {
    let after_colon = |s: &str| s.bytes().position(|b| b == b':').map(|i| i + 1);
    let rest = &key[after_colon(key)?..];
    let rest = &rest[after_colon(rest)?..];
    let field = match after_colon(rest) {
        Some(end) => &rest[..end - 1],
        None => rest,
    };
    field.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::merge_sort;
    use std::cmp::Ordering;

    /// The merge sort as first written, new lists at every level.
    fn merge_sort_lists<T: Copy>(v: Vec<T>, cmp: &dyn Fn(T, T) -> Ordering) -> Vec<T> {
        if v.len() < 2 {
            return v;
        }
        let mut left = v;
        let right = left.split_off(left.len() / 2);
        let left = merge_sort_lists(left, cmp);
        let right = merge_sort_lists(right, cmp);
        let mut out = Vec::with_capacity(left.len() + right.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            if cmp(left[i], right[j]) != Ordering::Greater {
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

    #[test]
    fn in_place_merge_sorts_as_the_list_merge() {
        // Rock, paper, scissors on the value mod 3: not an order, so only
        // the same comparisons in the same order give the same result.
        let rps = |a: (u32, usize), b: (u32, usize)| match (a.0 % 3 + 3 - b.0 % 3) % 3 {
            0 => Ordering::Equal,
            1 => Ordering::Greater,
            _ => Ordering::Less,
        };
        let by_value = |a: (u32, usize), b: (u32, usize)| a.0.cmp(&b.0);
        let mut x: u32 = 12345;
        for len in 0..40 {
            let v: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    ((x >> 16) % 7, i)
                })
                .collect();
            assert_eq!(
                merge_sort(v.clone(), &rps),
                merge_sort_lists(v.clone(), &rps)
            );
            assert_eq!(
                merge_sort(v.clone(), &by_value),
                merge_sort_lists(v, &by_value)
            );
        }
    }
}
