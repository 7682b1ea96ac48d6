//! Unpacking ordering constraints: their kind and symmetry, simple
//! orderings between two resources (through a pseudo action when a clone's
//! `clone-min` applies) and ordered resource sets (Pacemaker's
//! `pcmk__unpack_ordering`, `unpack_simple_rsc_order`, `clone_min_ordering`,
//! `unpack_order_set` and `order_rsc_sets` in `pcmk_sched_ordering.c`).

use super::actions::{new_ordering, order_rsc_actions};
use super::constraints::resolve;
use super::rules::is_true;
use super::ws::order::*;
use super::ws::*;
use crate::cib::{self, ResourceSet, Score};

/// One resource's action ordered before another's, as
/// [`order_rsc_actions`] takes it.
#[derive(Clone, Copy)]
struct RscActionOrder<'a> {
    first: RscIdx,
    first_action: &'a str,
    then: RscIdx,
    then_action: &'a str,
    flags: u32,
}

/// A resource set of an ordering with its resolved members.
#[derive(Clone, Copy)]
struct OrderedSet<'a> {
    set: &'a ResourceSet,
    members: &'a [RscIdx],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mandatory,
    Optional,
    Serialize,
}

fn order_kind(kind: Option<&str>, score: Option<Score>) -> Kind {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        None => match score {
            Some(s) if s == Score::ZERO => Kind::Optional,
            _ => Kind::Mandatory,
        },
        Some("optional") => Kind::Optional,
        Some("serialize") => Kind::Serialize,
        _ => Kind::Mandatory,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Symmetry {
    Asymmetric,
    Symmetric,
    Inverse,
}

/// A constraint's symmetry (`get_ordering_symmetry`): an explicit
/// `symmetrical` wins (a serialization is never symmetrical), else only
/// serializations are asymmetrical.
fn symmetry(symmetrical: Option<&str>, kind: Kind) -> Symmetry {
    match parse_bool(symmetrical) {
        Some(true) if kind != Kind::Serialize => Symmetry::Symmetric,
        Some(_) => Symmetry::Asymmetric,
        None if kind == Kind::Serialize => Symmetry::Asymmetric,
        None => Symmetry::Symmetric,
    }
}

fn flags_for_kind(kind: Kind, first_action: &str, sym: Symmetry) -> u32 {
    let mut flags = OPTIONAL;
    match kind {
        Kind::Optional => {}
        Kind::Serialize => flags |= SERIALIZE_ONLY,
        Kind::Mandatory => match sym {
            Symmetry::Asymmetric => flags |= ASYMMETRICAL,
            Symmetry::Symmetric => {
                flags |= IMPLIES_THEN;
                if first_action == "start" || first_action == "promote" {
                    flags |= RUNNABLE_LEFT;
                }
            }
            Symmetry::Inverse => flags |= IMPLIES_FIRST,
        },
    }
    flags
}

fn invert_action(a: &str) -> Option<&'static str> {
    Some(match a {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        "promoted" => "demoted",
        "demoted" => "promoted",
        "running" => "stopped",
        "stopped" => "running",
        _ => return None,
    })
}

fn restart_flag(ws: &WorkingSet, r: RscIdx, kind: Kind, flag: u32, flags: u32) -> u32 {
    if kind == Kind::Optional
        && ws.rsc(r).meta.get("restart-type").map(String::as_str) == Some("restart")
    {
        flags | flag
    } else {
        flags
    }
}

pub(super) fn unpack_order(ws: &mut WorkingSet, o: &cib::Order, tags: &[cib::Tag]) {
    let kind = order_kind(o.kind.as_deref(), o.score);
    if !o.sets.is_empty() {
        unpack_order_sets(ws, o, kind, tags);
        return;
    }
    let (Some(first), Some(then)) = (&o.first, &o.then) else {
        ws.warnings
            .push(format!("order {}: needs first and then", o.id));
        return;
    };
    let firsts = resolve(ws, first, tags);
    let thens = resolve(ws, then, tags);
    if firsts.is_empty() || thens.is_empty() {
        ws.warnings
            .push(format!("order {}: unknown resource", o.id));
        return;
    }
    let action_first = o.first_action.clone().unwrap_or_else(|| "start".into());
    let action_then = o
        .then_action
        .clone()
        .unwrap_or_else(|| action_first.clone());
    let sym = symmetry(o.symmetrical.as_deref(), kind);
    for &f in &firsts {
        for &t in &thens {
            let flags = flags_for_kind(kind, &action_first, sym);
            let flags = restart_flag(ws, t, kind, IMPLIES_THEN, flags);
            let min = minimum_first_instances(ws, f, o.require_all.as_deref());
            if min > 0 {
                clone_min_ordering(
                    ws,
                    &o.id,
                    RscActionOrder {
                        first: f,
                        first_action: &action_first,
                        then: t,
                        then_action: &action_then,
                        flags,
                    },
                    min,
                );
            } else {
                order_rsc_actions(ws, f, &action_first, t, &action_then, flags);
            }
            if sym == Symmetry::Symmetric {
                let (Some(inv_first), Some(inv_then)) =
                    (invert_action(&action_first), invert_action(&action_then))
                else {
                    continue;
                };
                let flags = flags_for_kind(kind, inv_first, Symmetry::Inverse);
                let flags = restart_flag(ws, f, kind, IMPLIES_FIRST, flags);
                order_rsc_actions(ws, t, inv_then, f, inv_first, flags);
            }
        }
    }
}

/// How many instances of a clone first must be able to act before then
/// may: its `clone-min`, or 1 with the deprecated `require-all=false`
/// (`get_minimum_first_instances`).
fn minimum_first_instances(ws: &WorkingSet, r: RscIdx, require_all: Option<&str>) -> usize {
    if !matches!(ws.rsc(r).variant, Variant::Clone { .. }) {
        return 0;
    }
    if let Some(v) = ws.rsc(r).meta.get("clone-min") {
        return Score::parse_lenient(v).value().max(0) as usize;
    }
    match require_all {
        Some(v) if parse_bool(Some(v)) != Some(true) => 1,
        _ => 0,
    }
}

/// Orders then after enough instances of first: each instance's action
/// before a `clone-one-or-more:<id>` pseudo action that is runnable once
/// `min` of them are, and that before then (`clone_min_ordering`).
fn clone_min_ordering(ws: &mut WorkingSet, id: &str, order: RscActionOrder, min: usize) {
    let RscActionOrder {
        first,
        first_action,
        then,
        then_action,
        flags,
    } = order;
    let met = super::actions::get_pseudo_op(ws, &format!("clone-one-or-more:{id}"));
    {
        let a = ws.action_mut(met);
        a.required_runnable_before = min;
        a.requires_any = true;
    }
    for child in ws.rsc(first).children.clone() {
        let key = format!("{}_{first_action}_0", ws.rsc(child).id);
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(child),
                first_task: Some(key),
                first_action: None,
                then_rsc: None,
                then_task: None,
                then_action: Some(met),
                flags: ONE_OR_MORE | IMPLIES_THEN_PRINTED,
            },
        );
    }
    let key = format!("{}_{then_action}_0", ws.rsc(then).id);
    new_ordering(
        ws,
        Ordering {
            first_rsc: None,
            first_task: None,
            first_action: Some(met),
            then_rsc: Some(then),
            then_task: Some(key),
            then_action: None,
            flags: flags | RUNNABLE_LEFT,
        },
    );
}

/// A boolean attribute as `pcmk__xe_get_bool_attr` reads it: `None` when
/// absent or not a boolean.
fn parse_bool(v: Option<&str>) -> Option<bool> {
    match v?.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The symmetry of a set within an ordering (`get_ordering_symmetry` with
/// the constraint's kind and `symmetrical` as defaults).
fn set_symmetry(
    set: &ResourceSet,
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) -> Symmetry {
    let kind = if set.kind.is_some() || set.score.is_some() {
        order_kind(set.kind.as_deref(), set.score)
    } else {
        parent_kind
    };
    let own = set
        .extra
        .iter()
        .find(|(k, _)| k == "symmetrical")
        .map(|(_, v)| v.as_str());
    let explicit = parse_bool(own).or_else(|| parent_symmetrical.map(is_true));
    match explicit {
        Some(true) if kind != Kind::Serialize => Symmetry::Symmetric,
        Some(_) => Symmetry::Asymmetric,
        None if kind == Kind::Serialize => Symmetry::Asymmetric,
        None => Symmetry::Symmetric,
    }
}

/// Orderings within one set (`unpack_order_set`): a sequential set orders
/// each member after the previous one (and, if symmetrical, the inverse
/// actions the other way round); a serialized set orders each member before
/// every later one. A set of one resource orders nothing.
fn unpack_order_set(
    ws: &mut WorkingSet,
    set: &ResourceSet,
    members: &[RscIdx],
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) {
    let action = set.action.clone().unwrap_or_else(|| "start".into());
    let local_kind = match set.kind.as_deref() {
        Some(k) => order_kind(Some(k), None),
        None => parent_kind,
    };
    let sequential = is_true(set.sequential.as_deref().unwrap_or("1"));
    let sym = set_symmetry(set, parent_kind, parent_symmetrical);
    let flags = flags_for_kind(local_kind, &action, sym);
    if members.len() == 1 {
        return;
    }
    let mut last: Option<RscIdx> = None;
    for (i, &r) in members.iter().enumerate() {
        if local_kind == Kind::Serialize {
            for &then in &members[i + 1..] {
                order_rsc_actions(ws, r, &action, then, &action, flags);
            }
        } else if sequential {
            if let Some(l) = last {
                order_rsc_actions(ws, l, &action, r, &action, flags);
            }
            last = Some(r);
        }
    }
    if sym == Symmetry::Asymmetric {
        return;
    }
    let Some(inv) = invert_action(&action) else {
        return;
    };
    let flags = flags_for_kind(local_kind, inv, Symmetry::Inverse);
    let mut last: Option<RscIdx> = None;
    for &r in members {
        if sequential {
            if let Some(l) = last {
                order_rsc_actions(ws, r, inv, l, inv, flags);
            }
            last = Some(r);
        }
    }
}

/// Orders one set relative to the next (`order_rsc_sets`). Only a set
/// explicitly marked sequential is represented by its last (first, for the
/// inverse) member; otherwise every member takes part. A first set with
/// `require-all=false` starts or promotes through a pseudo action that needs
/// just one of its members.
fn order_rsc_sets(
    ws: &mut WorkingSet,
    first: OrderedSet,
    then: OrderedSet,
    kind: Kind,
    sym: Symmetry,
) {
    let (set1, m1) = (first.set, first.members);
    let (set2, m2) = (then.set, then.members);
    let mut a1 = set1.action.clone().unwrap_or_else(|| "start".into());
    let mut a2 = set2.action.clone().unwrap_or_else(|| "start".into());
    let mut require_all = parse_bool(set1.require_all.as_deref()).unwrap_or(true);
    if sym == Symmetry::Inverse {
        let (Some(i1), Some(i2)) = (invert_action(&a1), invert_action(&a2)) else {
            return;
        };
        a1 = i1.to_string();
        a2 = i2.to_string();
    }
    if a1 == "stop" || a1 == "demote" {
        // One-or-more applies only while starting or promoting.
        require_all = true;
    }
    let flags = flags_for_kind(kind, &a1, sym);
    if !require_all {
        let task = format!("one-or-more:{}", set1.id.as_deref().unwrap_or(""));
        let pseudo = super::actions::get_pseudo_op(ws, &task);
        ws.action_mut(pseudo).requires_any = true;
        for &r1 in m1 {
            let key = super::actions::op_key(&ws.rsc(r1).id, &a1, 0);
            super::actions::new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r1),
                    first_task: Some(key),
                    first_action: None,
                    then_rsc: None,
                    then_task: None,
                    then_action: Some(pseudo),
                    flags: ONE_OR_MORE | IMPLIES_THEN_PRINTED,
                },
            );
        }
        for &r2 in m2 {
            let key = super::actions::op_key(&ws.rsc(r2).id, &a2, 0);
            super::actions::new_ordering(
                ws,
                Ordering {
                    first_rsc: None,
                    first_task: None,
                    first_action: Some(pseudo),
                    then_rsc: Some(r2),
                    then_task: Some(key),
                    then_action: None,
                    flags: flags | RUNNABLE_LEFT,
                },
            );
        }
        return;
    }
    let explicit_seq = |s: &ResourceSet| s.sequential.as_deref().is_some_and(is_true);
    let r1 = if explicit_seq(set1) {
        if sym == Symmetry::Inverse {
            m1.first().copied()
        } else {
            m1.last().copied()
        }
    } else {
        None
    };
    let r2 = if explicit_seq(set2) {
        if sym == Symmetry::Inverse {
            m2.last().copied()
        } else {
            m2.first().copied()
        }
    } else {
        None
    };
    let firsts: Vec<RscIdx> = r1.map(|r| vec![r]).unwrap_or_else(|| m1.to_vec());
    let thens: Vec<RscIdx> = r2.map(|r| vec![r]).unwrap_or_else(|| m2.to_vec());
    for &f in &firsts {
        for &t in &thens {
            order_rsc_actions(ws, f, &a1, t, &a2, flags);
        }
    }
}

/// Ordered resource sets (`pcmk__unpack_ordering` with sets): each set's
/// own orderings, then each set relative to the one before it (and the
/// inverse, when symmetrical).
fn unpack_order_sets(ws: &mut WorkingSet, o: &cib::Order, kind: Kind, tags: &[cib::Tag]) {
    let sym = symmetry(o.symmetrical.as_deref(), kind);
    let mut last: Option<(&ResourceSet, Vec<RscIdx>)> = None;
    for set in &o.sets {
        let members: Vec<RscIdx> = set
            .resources
            .iter()
            .flat_map(|id| resolve(ws, id, tags))
            .collect();
        unpack_order_set(ws, set, &members, kind, o.symmetrical.as_deref());
        if let Some((lset, lmembers)) = &last {
            order_rsc_sets(
                ws,
                OrderedSet {
                    set: lset,
                    members: lmembers,
                },
                OrderedSet {
                    set,
                    members: &members,
                },
                kind,
                sym,
            );
            if sym == Symmetry::Symmetric {
                order_rsc_sets(
                    ws,
                    OrderedSet {
                        set,
                        members: &members,
                    },
                    OrderedSet {
                        set: lset,
                        members: lmembers,
                    },
                    kind,
                    Symmetry::Inverse,
                );
            }
        }
        last = Some((set, members));
    }
}
