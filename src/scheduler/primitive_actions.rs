//! The start/stop/promote/demote actions of a primitive, stepping from its
//! current role to its next one, and the orderings every primitive has with
//! itself (Pacemaker's `pcmk_sched_primitive.c`: `pcmk__primitive_create_actions`,
//! `pcmk__primitive_internal_constraints`; and `pcmk_sched_utilization.c`'s
//! load_stopped orderings, which only primitives create).

use super::actions::*;
use super::migration_actions::{can_migrate, create_migration_actions};
use super::recurring::create_recurring;
use super::ws::order::*;
use super::ws::*;

pub(super) fn start_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: Option<NodeIdx>,
    optional: bool,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, "start", 0);
    custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "start".into(),
            node: n,
            optional,
            interval_ms: 0,
        },
    )
}

/// The stop action of a resource on a node.
pub fn stop_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: Option<NodeIdx>,
    optional: bool,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, "stop", 0);
    custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "stop".into(),
            node: n,
            optional,
            interval_ms: 0,
        },
    )
}

fn simple_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    n: Option<NodeIdx>,
    optional: bool,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, task, 0);
    custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: task.into(),
            node: n,
            optional,
            interval_ms: 0,
        },
    )
}

/// Next role on the way from `current` to `target` (`rsc_state_matrix`).
fn next_step(current: Role, target: Role) -> Role {
    use Role::*;
    match (current, target) {
        (Unknown, Unknown) => Unknown,
        (Unknown, _) => Stopped,
        (Stopped, Unknown | Stopped) => Stopped,
        (Stopped, Started) => Started,
        (Stopped, _) => Unpromoted,
        (Started, Unknown | Stopped) => Stopped,
        (Started, Started) => Started,
        (Started, Unpromoted) => Unpromoted,
        (Started, Promoted) => Promoted,
        (Unpromoted, Unknown | Stopped | Started) => Stopped,
        (Unpromoted, Unpromoted) => Unpromoted,
        (Unpromoted, Promoted) => Promoted,
        (Promoted, Unknown) => Stopped,
        (Promoted, Promoted) => Promoted,
        (Promoted, _) => Unpromoted,
    }
}

/// The action that takes a resource from one role to the next
/// (`rsc_action_matrix`); `None` when nothing is needed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Stop,
    Start,
    Promote,
    Demote,
    Nothing,
    Error,
}

fn step_fn(from: Role, to: Role) -> Step {
    use Role::*;
    match (from, to) {
        (Unknown, Stopped) => Step::Stop,
        (Unknown, _) => Step::Error,
        (Stopped, Stopped) => Step::Nothing,
        (Stopped, Started | Unpromoted) => Step::Start,
        (Stopped, _) => Step::Error,
        (Started, Stopped) => Step::Stop,
        (Started, Started | Unpromoted) => Step::Nothing,
        (Started, Promoted) => Step::Promote,
        (Started, Unknown) => Step::Error,
        (Unpromoted, Stopped | Started) => Step::Stop,
        (Unpromoted, Unpromoted) => Step::Nothing,
        (Unpromoted, Promoted) => Step::Promote,
        (Unpromoted, Unknown) => Step::Error,
        (Promoted, Promoted) => Step::Nothing,
        (Promoted, Unknown) => Step::Error,
        (Promoted, _) => Step::Demote,
    }
}

fn run_step(
    ws: &mut WorkingSet,
    r: RscIdx,
    step: Step,
    node: Option<NodeIdx>,
    optional: bool,
    restarting: bool,
) {
    match step {
        Step::Stop => stop_resource(ws, r, optional, restarting),
        Step::Start => start_resource(ws, r, node, optional),
        Step::Promote => promote_resource(ws, r, node, optional),
        Step::Demote => demote_resource(ws, r, optional),
        Step::Nothing | Step::Error => {}
    }
}

fn stop_resource(ws: &mut WorkingSet, r: RscIdx, mut optional: bool, restarting: bool) {
    for current in ws.rsc(r).running_on.clone() {
        let rsc = ws.rsc(r);
        if let Some(t) = rsc.partial_migration_target {
            if t == current && rsc.assigned == Some(t) {
                continue;
            }
            optional = false;
        }
        if restarting && is_expected_node(ws, r, current) {
            // Expected node of a multiply active resource: keep it.
            continue;
        }
        let stop = stop_action(ws, r, Some(current), optional);
        let rsc = ws.rsc(r);
        if rsc.assigned.is_none() {
            ws.action_mut(stop).reason = Some("node availability".into());
        } else if restarting && stops_unexpected(ws, r) {
            ws.action_mut(stop).reason = Some("being multiply active".into());
        }
        if !ws.rsc(r).managed {
            ws.action_mut(stop).runnable = false;
        }
        super::unfencing::order_stop_vs_unfence(ws, r, current, stop);
    }
}

fn start_resource(ws: &mut WorkingSet, r: RscIdx, node: Option<NodeIdx>, optional: bool) {
    let start = start_action(ws, r, node, true);
    if let Some(n) = node {
        super::unfencing::order_vs_unfence(ws, r, n, start, IMPLIES_THEN);
    }
    if ws.action(start).runnable && !optional {
        ws.action_mut(start).optional = false;
    }
    if node.is_some_and(|n| is_expected_node(ws, r, n)) {
        // It keeps running there: the start is only a formality.
        ws.action_mut(start).pseudo = true;
    }
}

/// A multiply active resource whose `multiple-active` is `stop_unexpected`
/// (Pacemaker's `pe_rsc_stop_unexpected`, set only when the resource is in
/// fact active on several nodes, not merely configured so).
fn stops_unexpected(ws: &WorkingSet, r: RscIdx) -> bool {
    let rsc = ws.rsc(r);
    rsc.recovery == Recovery::StopUnexpected && rsc.running_on.len() > 1
}

/// The node a stop_unexpected resource stays on while its other instances
/// stop (`is_expected_node`).
fn is_expected_node(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    let rsc = ws.rsc(r);
    stops_unexpected(ws, r) && rsc.next_role > Role::Stopped && rsc.assigned == Some(n)
}

fn promote_resource(ws: &mut WorkingSet, r: RscIdx, node: Option<NodeIdx>, optional: bool) {
    let starts: Vec<ActionIdx> = ws
        .rsc(r)
        .actions
        .iter()
        .copied()
        .filter(|&a| ws.action(a).task == "start" && (node.is_none() || ws.action(a).node == node))
        .collect();
    let runnable = starts.iter().all(|&a| ws.action(a).runnable);
    if runnable {
        simple_action(ws, r, "promote", node, optional);
        return;
    }
    // Without a runnable start there is no promote to create; any that
    // exists cannot run.
    for a in ws.rsc(r).actions.clone() {
        let act = ws.action(a);
        if act.task == "promote" && (node.is_none() || act.node == node) {
            ws.action_mut(a).runnable = false;
        }
    }
}

fn demote_resource(ws: &mut WorkingSet, r: RscIdx, optional: bool) {
    for current in ws.rsc(r).running_on.clone() {
        simple_action(ws, r, "demote", Some(current), optional);
    }
}

/// Creates a primitive's actions (`pcmk__primitive_create_actions`).
pub fn primitive_create_actions(ws: &mut WorkingSet, r: RscIdx) {
    if ws.rsc(r).next_role == Role::Unknown {
        let next = if ws.rsc(r).assigned.is_some() {
            Role::Started
        } else {
            Role::Stopped
        };
        ws.rsc_mut(r).next_role = next;
    }
    let current = ws.current_node(r);
    let (num_all, num_clean) = ws.active_counts(r);
    for n in ws.rsc(r).dangling_migrations.clone() {
        let stop = stop_action(ws, r, Some(n), false);
        ws.action_mut(stop).dangle = true;
    }
    let mut need_stop = false;
    let mut is_moving = false;
    let mut allow_migrate = false;
    let assigned = ws.rsc(r).assigned;
    if let (Some(cur), Some(to)) = (current, assigned) {
        if cur != to && ws.rsc(r).next_role >= Role::Started {
            is_moving = true;
            allow_migrate = can_migrate(ws, r, current);
            need_stop = true;
        }
    }
    let rsc = ws.rsc(r);
    let multiply_active;
    if rsc.partial_migration_source.is_some()
        && rsc.partial_migration_target.is_some()
        && allow_migrate
        && num_all == 2
        && current == rsc.partial_migration_source
        && assigned == rsc.partial_migration_target
    {
        multiply_active = false;
    } else if rsc.partial_migration_source.is_some() || rsc.partial_migration_target.is_some() {
        need_stop = true;
        let rm = ws.rsc_mut(r);
        rm.partial_migration_source = None;
        rm.partial_migration_target = None;
        allow_migrate = false;
        multiply_active = false;
    } else if rsc.needs_fencing {
        multiply_active = num_all > 1;
    } else {
        multiply_active = num_clean > 1;
    }
    if multiply_active {
        let id = ws.rsc(r).id.clone();
        ws.warnings
            .push(format!("resource {id} might be active on {num_all} nodes"));
        match ws.rsc(r).recovery {
            Recovery::StopStart | Recovery::StopUnexpected => need_stop = true,
            _ => {}
        }
    }
    if ws.rsc(r).start_pending {
        // The start already under way is shown in the graph as well
        // (`create_pending_start`).
        let start = start_action(ws, r, assigned, true);
        ws.action_mut(start).print_always = true;
    }
    let mut need_promote = false;
    let rsc = ws.rsc(r);
    if is_moving {
        // Remaining checks are for resources staying where they are.
    } else if rsc.failed {
        if rsc.stop_on_fail {
            need_stop = true;
        } else if rsc.next_role == Role::Promoted {
            need_promote = true;
        }
    } else if rsc.blocked {
        need_stop = true;
    } else if rsc.role > Role::Started && current.is_some() && assigned.is_some() {
        let start = start_action(ws, r, assigned, true);
        if !ws.action(start).optional {
            need_stop = true;
        }
    }

    // Bring the resource down to stopped on its current node, then up to its
    // current role on its next node (a restart when need_stop).
    let role = ws.rsc(r).role;
    let mut step_role = role;
    while step_role != Role::Stopped {
        let next = next_step(step_role, Role::Stopped);
        let f = step_fn(step_role, next);
        if f == Step::Error {
            break;
        }
        run_step(ws, r, f, current, !need_stop, true);
        step_role = next;
    }
    while ws.rsc(r).role <= ws.rsc(r).next_role && step_role != ws.rsc(r).role && !ws.rsc(r).blocked
    {
        let mut required = need_stop;
        let next = next_step(step_role, ws.rsc(r).role);
        if next == Role::Promoted && need_promote {
            required = true;
        }
        let f = step_fn(step_role, next);
        if f == Step::Error {
            break;
        }
        let to = ws.rsc(r).assigned;
        run_step(ws, r, f, to, !required, true);
        step_role = next;
    }
    // Then from the current role to the next role.
    let mut step_role = ws.rsc(r).role;
    while step_role != ws.rsc(r).next_role {
        let next = next_step(step_role, ws.rsc(r).next_role);
        let f = step_fn(step_role, next);
        if f == Step::Error {
            break;
        }
        let to = ws.rsc(r).assigned;
        run_step(ws, r, f, to, false, false);
        step_role = next;
    }
    create_recurring(ws, r);
    if allow_migrate {
        create_migration_actions(ws, r, current);
    }
}

/// Orderings every primitive has with itself
/// (`pcmk__primitive_internal_constraints`).
pub fn primitive_internal_constraints(ws: &mut WorkingSet, r: RscIdx) {
    if !ws.rsc(r).managed {
        return;
    }
    order_rsc_actions(ws, r, "stop", r, "start", OPTIONAL | IMPLIES_THEN | RESTART);
    let top = ws.top_parent(r);
    let promotable = matches!(ws.rsc(top).variant, Variant::Clone { promotable: true });
    if promotable || ws.rsc(r).role > Role::Unpromoted {
        order_rsc_actions(ws, r, "demote", r, "stop", PROMOTED_IMPLIES_FIRST);
        order_rsc_actions(ws, r, "start", r, "promote", RUNNABLE_LEFT);
    }
    // Don't clear resource history if probing on the same node.
    order_rsc_actions(
        ws,
        r,
        "lrm_delete",
        r,
        "monitor",
        SAME_NODE | THEN_CANCELS_FIRST,
    );
    let uses_capacity = !ws.rsc(r).utilization.is_empty()
        && !ws.config.placement_strategy.eq_ignore_ascii_case("default");
    super::unfencing::order_restart_vs_unfence(ws, r);
    if uses_capacity {
        create_utilization_constraints(ws, r);
    }
    if let Some(c) = ws.rsc(r).container {
        // A resource whose "container" is a remote connection, or a
        // resource holding a guest node, is placed on that remote node.
        let remote_rsc = if ws.rsc(r).is_remote_node {
            // A guest's own connection: guests do not nest in remote nodes
            // (bundles may: `pe_rsc_allow_remote_remotes`).
            if !super::bundle::is_bundled(ws, r) {
                super::remote::avoid_remote_nodes(ws, c);
            }
            // A probe finding the container active again comes before
            // giving up on the connection.
            order_rsc_actions(ws, c, "monitor", r, "stop", OPTIONAL);
            None
        } else if ws.rsc(c).is_remote_node {
            Some(c)
        } else {
            super::remote::guest_connection_of(ws, c)
        };
        if let Some(remote_rsc) = remote_rsc {
            for n in 0..ws.nodes.len() {
                let n = NodeIdx(n);
                if ws.node(n).remote_rsc != Some(remote_rsc) {
                    if let Some(a) = ws.rsc_mut(r).allowed.get_mut(&n) {
                        a.weight = crate::cib::Score::NEG_INF;
                    }
                }
            }
        } else {
            // A filler (or a guest's connection) starts after and stops
            // before its container, on the same node.
            order_rsc_actions(ws, c, "start", r, "start", IMPLIES_THEN | RUNNABLE_LEFT);
            order_rsc_actions(ws, r, "stop", c, "stop", IMPLIES_FIRST);
            // A bundle's connection only prefers its container's node: the
            // container may be on a remote node, the connection may not.
            let score = if ws.rsc(r).is_remote_node && super::bundle::is_bundled(ws, r) {
                crate::cib::Score::new(10_000)
            } else {
                crate::cib::Score::INF
            };
            ws.colocations.push(Colocation {
                id: "resource-with-container".into(),
                dependent: r,
                primary: c,
                dependent_role: Role::Unknown,
                primary_role: Role::Unknown,
                score,
                node_attribute: None,
                influence: true,
            });
        }
    }
    if ws.rsc(r).is_remote_node || ws.rsc(r).is_fence_device {
        // Connections and fence devices run on cluster nodes only.
        super::remote::avoid_remote_nodes(ws, r);
    }
}

/// The `load_stopped_<node>` pseudo action, which stands for every stop
/// that frees capacity on the node (`new_load_stopped_op`).
fn load_stopped_op(ws: &mut WorkingSet, n: NodeIdx) -> ActionIdx {
    let key = format!("load_stopped_{}", ws.node(n).uname);
    let existing = ws
        .actions
        .iter()
        .position(|a| a.rsc.is_none() && a.key == key)
        .map(ActionIdx);
    let a = match existing {
        Some(a) => a,
        None => {
            let a = custom_action(
                ws,
                ActionSpec {
                    rsc: None,
                    key: key.clone(),
                    task: key,
                    node: None,
                    optional: true,
                    interval_ms: 0,
                },
            );
            let act = ws.action_mut(a);
            act.pseudo = true;
            act.runnable = true;
            a
        }
    };
    if ws.action(a).node.is_none() {
        let act = ws.action_mut(a);
        act.node = Some(n);
        act.optional = false;
    }
    a
}

/// Stops free capacity before starts use it, node by node
/// (`pcmk__create_utilization_constraints`).
fn create_utilization_constraints(ws: &mut WorkingSet, r: RscIdx) {
    let id = ws.rsc(r).id.clone();
    for n in ws.rsc(r).running_on.clone() {
        let ls = load_stopped_op(ws, n);
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(r),
                first_task: Some(op_key(&id, "stop", 0)),
                first_action: None,
                then_rsc: None,
                then_task: None,
                then_action: Some(ls),
                flags: LOAD,
            },
        );
    }
    // Allowed nodes, by name (the node list is kept in name order).
    let allowed: Vec<NodeIdx> = ws.rsc(r).allowed.keys().copied().collect();
    for n in allowed {
        let ls = load_stopped_op(ws, n);
        for t in ["start", "migrate_to"] {
            new_ordering(
                ws,
                Ordering {
                    first_rsc: None,
                    first_task: None,
                    first_action: Some(ls),
                    then_rsc: Some(r),
                    then_task: Some(op_key(&id, t, 0)),
                    then_action: None,
                    flags: LOAD,
                },
            );
        }
    }
}
