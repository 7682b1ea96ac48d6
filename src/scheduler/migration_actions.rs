//! The migrate_to/migrate_from actions of a live migration and their
//! orderings (Pacemaker's `pcmk_sched_migration.c`: `pcmk__create_migration_actions`);
//! reading past migrations out of the history is `migration.rs`.

use super::actions::*;
use super::primitive_actions::start_action;
use super::ws::order::*;
use super::ws::*;

pub(super) fn can_migrate(ws: &WorkingSet, r: RscIdx, current: Option<NodeIdx>) -> bool {
    let rsc = ws.rsc(r);
    rsc.allow_migrate
        && rsc.managed
        && !rsc.failed
        && !rsc.start_pending
        && current.is_some_and(|c| !ws.node(c).unclean)
        && rsc.assigned.is_some_and(|a| !ws.node(a).unclean)
}

pub(super) fn create_migration_actions(ws: &mut WorkingSet, r: RscIdx, current: Option<NodeIdx>) {
    let to = ws.rsc(r).assigned;
    let id = ws.rsc(r).id.clone();
    let start = start_action(ws, r, to, true);
    let stop = stop_action(ws, r, current, true);
    let partial = ws.rsc(r).partial_migration_target.is_some();
    let migrate_to = if !partial {
        Some(custom_action(
            ws,
            ActionSpec {
                rsc: Some(r),
                key: op_key(&id, "migrate_to", 0),
                task: "migrate_to".into(),
                node: current,
                optional: true,
                interval_ms: 0,
            },
        ))
    } else {
        None
    };
    let migrate_from = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key: op_key(&id, "migrate_from", 0),
            task: "migrate_from".into(),
            node: to,
            optional: true,
            interval_ms: 0,
        },
    );
    ws.action_mut(start).migrate_runnable = true;
    ws.action_mut(stop).migrate_runnable = true;
    ws.action_mut(start).pseudo = true;
    ws.action_mut(migrate_from).migrate_runnable = true;
    let k = |t: &str| Some(op_key(&id, t, 0));
    if let Some(mt) = migrate_to {
        ws.action_mut(mt).migrate_runnable = true;
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: k("monitor"),
                first_action: None,
                then_rsc: Some(r),
                then_task: k("migrate_to"),
                then_action: None,
                flags: OPTIONAL,
            },
        );
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: k("migrate_to"),
                first_action: None,
                then_rsc: Some(r),
                then_task: k("migrate_from"),
                then_action: None,
                flags: OPTIONAL | IMPLIES_FIRST_MIGRATABLE,
            },
        );
        if let (Some(c), Some(t)) = (current, to) {
            let (cn, tn) = (ws.node(c).uname.clone(), ws.node(t).uname.clone());
            let m = &mut ws.action_mut(mt).meta;
            m.insert("migrate_source".into(), cn);
            m.insert("migrate_target".into(), tn);
        }
    } else {
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: k("monitor"),
                first_action: None,
                then_rsc: Some(r),
                then_task: k("migrate_from"),
                then_action: None,
                flags: OPTIONAL,
            },
        );
    }
    new_ordering(
        ws,
        Ordering {
            first_rsc: Some(r),
            first_task: k("migrate_from"),
            first_action: None,
            then_rsc: Some(r),
            then_task: k("stop"),
            then_action: None,
            flags: OPTIONAL | IMPLIES_FIRST_MIGRATABLE,
        },
    );
    new_ordering(
        ws,
        Ordering {
            first_rsc: Some(r),
            first_task: k("migrate_from"),
            first_action: None,
            then_rsc: Some(r),
            then_task: k("start"),
            then_action: None,
            flags: OPTIONAL | IMPLIES_FIRST_MIGRATABLE | PSEUDO_LEFT,
        },
    );
}
