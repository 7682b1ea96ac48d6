//! A group's actions and orderings: its members' actions plus the group's
//! pseudo actions, and the orderings chaining members one after another
//! (Pacemaker's `pcmk_sched_group.c`: `pcmk__group_create_actions`,
//! `pcmk__group_internal_constraints`).

use super::actions::*;
use super::ws::order::*;
use super::ws::*;

/// Creates a group's actions: members first, then the group's pseudo
/// actions (`pcmk__group_create_actions`).
pub fn group_create_actions(ws: &mut WorkingSet, g: RscIdx) {
    for m in ws.rsc(g).children.clone() {
        primitive_create_actions(ws, m);
    }
    // A group's pseudo actions start out optional and runnable; whether they
    // are needed and can run follows from their members through the
    // orderings (`create_group_pseudo_op`).
    let mut tasks = vec!["start", "running", "stop", "stopped"];
    if ws
        .rsc(g)
        .meta
        .get("promotable")
        .is_some_and(|v| super::rules::is_true(v))
    {
        tasks.extend(["demote", "demoted", "promote", "promoted"]);
    }
    for task in tasks {
        rsc_pseudo_action(ws, g, task, true, true);
    }
}

/// A group's orderings among its members and pseudo actions
/// (`pcmk__group_internal_constraints`).
pub fn group_internal_constraints(ws: &mut WorkingSet, g: RscIdx) {
    order_rsc_actions(ws, g, "stop", g, "stopped", RUNNABLE_LEFT);
    order_rsc_actions(ws, g, "stopped", g, "start", OPTIONAL);
    order_rsc_actions(ws, g, "start", g, "running", RUNNABLE_LEFT);
    let ordered = ws.rsc(g).group_ordered;
    let colocated = ws.rsc(g).group_colocated;
    let top = ws.top_parent(g);
    let promotable = matches!(ws.rsc(top).variant, Variant::Clone { promotable: true });
    let mut previous: Option<RscIdx> = None;
    let mut last_active: Option<RscIdx> = None;
    for member in ws.rsc(g).children.clone() {
        let mut down_flags = IMPLIES_FIRST_PRINTED;
        let mut post_down_flags = IMPLIES_THEN_PRINTED;
        primitive_internal_constraints(ws, member);
        match previous {
            None => {
                if ordered {
                    down_flags |= OPTIONAL;
                    post_down_flags = IMPLIES_THEN;
                }
            }
            Some(prev) if colocated => {
                let critical = ws
                    .rsc(member)
                    .meta
                    .get("critical")
                    .map(|v| super::rules::is_true(v))
                    .unwrap_or(true);
                ws.colocations.push(Colocation {
                    id: "group:internal_colocation".into(),
                    dependent: member,
                    primary: prev,
                    dependent_role: Role::Unknown,
                    primary_role: Role::Unknown,
                    score: crate::cib::Score::INF,
                    node_attribute: None,
                    influence: critical,
                });
            }
            Some(_) => {}
        }
        if promotable {
            order_rsc_actions(ws, g, "demote", member, "demote", down_flags);
            order_rsc_actions(ws, member, "demote", g, "demoted", post_down_flags);
            order_rsc_actions(
                ws,
                member,
                "promote",
                g,
                "promoted",
                RUNNABLE_LEFT | IMPLIES_THEN | IMPLIES_THEN_PRINTED,
            );
            order_rsc_actions(ws, g, "promote", member, "promote", IMPLIES_FIRST_PRINTED);
        }
        order_rsc_actions(ws, g, "stop", member, "stop", down_flags);
        order_rsc_actions(ws, member, "stop", g, "stopped", post_down_flags);
        order_rsc_actions(ws, g, "start", member, "start", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(
            ws,
            member,
            "start",
            g,
            "running",
            RUNNABLE_LEFT | IMPLIES_THEN | IMPLIES_THEN_PRINTED,
        );
        if !ordered {
            order_rsc_actions(
                ws,
                g,
                "start",
                member,
                "start",
                IMPLIES_THEN | RUNNABLE_LEFT | IMPLIES_FIRST_PRINTED,
            );
            if promotable {
                order_rsc_actions(
                    ws,
                    g,
                    "promote",
                    member,
                    "promote",
                    IMPLIES_THEN | RUNNABLE_LEFT | IMPLIES_FIRST_PRINTED,
                );
            }
        } else if let Some(prev) = previous {
            order_rsc_actions(
                ws,
                prev,
                "start",
                member,
                "start",
                IMPLIES_THEN | RUNNABLE_LEFT,
            );
            order_rsc_actions(ws, member, "stop", prev, "stop", OPTIONAL | RESTART);
            if promotable {
                order_rsc_actions(
                    ws,
                    prev,
                    "promote",
                    member,
                    "promote",
                    IMPLIES_THEN | RUNNABLE_LEFT,
                );
                order_rsc_actions(ws, member, "demote", prev, "demote", OPTIONAL);
            }
        } else {
            order_rsc_actions(ws, g, "start", member, "start", NONE);
            if promotable {
                order_rsc_actions(ws, g, "promote", member, "promote", NONE);
            }
        }
        if !ws.rsc(member).running_on.is_empty() {
            if ordered {
                if let (Some(prev), Some(last)) = (previous, last_active) {
                    if ws.rsc(prev).running_on.is_empty() && !ws.rsc(last).running_on.is_empty() {
                        order_rsc_actions(ws, member, "stop", last, "stop", OPTIONAL);
                    }
                }
            }
            last_active = Some(member);
        }
        previous = Some(member);
    }
}
