//! Creating actions: the per-resource start/stop/monitor/migrate actions a
//! role change needs, probes, and the implicit orderings between them
//! (Pacemaker's `pe_actions.c` `custom_action`, `pcmk_sched_primitive.c`,
//! `pcmk_sched_group.c`, `pcmk_sched_recurring.c`, `pcmk_sched_probes.c`,
//! `pcmk_sched_migration.c`).

use super::ws::order::*;
use super::ws::*;

/// What to create or find.
#[derive(Debug, Clone)]
pub struct ActionSpec {
    /// The resource, if any.
    pub rsc: Option<RscIdx>,
    /// Key (`rsc_task_interval`).
    pub key: String,
    /// Task.
    pub task: String,
    /// Node.
    pub node: Option<NodeIdx>,
    /// Create as optional (an existing action is made required if not).
    pub optional: bool,
    /// Interval in ms.
    pub interval_ms: u64,
}

/// Builds an operation key, e.g. `rsc_monitor_10000`.
pub fn op_key(rsc: &str, task: &str, interval_ms: u64) -> String {
    format!("{rsc}_{task}_{interval_ms}")
}

/// Finds or creates an action (Pacemaker's `custom_action` with
/// `save_action`), then refreshes whether it can run.
pub fn custom_action(ws: &mut WorkingSet, spec: ActionSpec) -> ActionIdx {
    // Pacemaker's `find_existing_action`/`find_actions`: without a node any
    // action with the key matches; with one, an action on that node or one
    // not yet placed (which is then placed there).
    let matches = |act: &Action| {
        act.key == spec.key && (spec.node.is_none() || act.node.is_none() || act.node == spec.node)
    };
    let existing = match spec.rsc {
        Some(r) => ws
            .rsc(r)
            .actions
            .iter()
            .copied()
            .find(|&a| matches(ws.action(a))),
        None => ws
            .actions
            .iter()
            .position(|a| a.rsc.is_none() && matches(a))
            .map(ActionIdx),
    };
    let idx = match existing {
        Some(a) => {
            if ws.action(a).node.is_none() && spec.node.is_some() {
                ws.action_mut(a).node = spec.node;
            }
            a
        }
        None => {
            let id = ws.actions.len();
            ws.actions.push(Action {
                id,
                rsc: spec.rsc,
                task: spec.task.clone(),
                key: spec.key.clone(),
                interval_ms: spec.interval_ms,
                node: spec.node,
                optional: spec.optional,
                runnable: true,
                pseudo: false,
                print_always: false,
                migrate_runnable: false,
                reason: None,
                meta: Default::default(),
                before: Vec::new(),
                after: Vec::new(),
                expected_rc: None,
                requires_any: false,
                runnable_before: 0,
                required_runnable_before: 0,
                dangle: false,
                reschedule: false,
            });
            if let Some(r) = spec.rsc {
                // Pacemaker prepends, so a resource's actions are newest first.
                ws.rsc_mut(r).actions.insert(0, ActionIdx(id));
            }
            ActionIdx(id)
        }
    };
    // `update_action_optional`: a non-recurring action of an unmanaged
    // resource is always optional; otherwise a required request wins.
    let act = ws.action(idx);
    let unmanaged_one_shot = act.node.is_some()
        && !act.pseudo
        && act.interval_ms == 0
        && act.rsc.is_some_and(|r| !ws.rsc(r).managed);
    if unmanaged_one_shot {
        ws.action_mut(idx).optional = true;
    } else if !spec.optional {
        ws.action_mut(idx).optional = false;
    }
    if spec.rsc.is_some() {
        update_runnable(ws, idx);
    }
    idx
}

/// Whether a resource action can run (`update_resource_action_runnable`).
fn update_runnable(ws: &mut WorkingSet, a: ActionIdx) {
    let act = ws.action(a);
    if act.pseudo {
        return;
    }
    let Some(r) = act.rsc else { return };
    let Some(n) = act.node else {
        ws.action_mut(a).runnable = false;
        return;
    };
    let node = ws.node(n);
    let needs = needs_of(ws, r, &act.task);
    // History deletion is done by the DC in the CIB (`pe_action_dc`).
    let on_dc = act.task == "lrm_delete";
    if !node.online && !on_dc {
        ws.action_mut(a).runnable = false;
        let task = ws.action(a).task.clone();
        if ws.rsc(r).managed && task == "stop" && !ws.node(n).unclean {
            super::status::fence_node(ws, n, "stop is unrunnable");
        }
    } else if node.pending {
        ws.action_mut(a).runnable = false;
    } else if needs == Needs::Nothing {
        // Pacemaker also forgets any reason given so far.
        let act = ws.action_mut(a);
        act.runnable = true;
        act.reason = None;
    } else {
        match effective_quorum_policy(ws, r) {
            NoQuorumPolicy::Stop => {
                let act = ws.action_mut(a);
                act.runnable = false;
                act.reason = Some("no quorum".into());
            }
            NoQuorumPolicy::Freeze => {
                let rsc = ws.rsc(r);
                if rsc.running_on.is_empty() || rsc.next_role > rsc.role {
                    let act = ws.action_mut(a);
                    act.runnable = false;
                    act.reason = Some("quorum freeze".into());
                }
            }
            _ => ws.action_mut(a).runnable = true,
        }
    }
}

#[derive(PartialEq, Eq)]
enum Needs {
    Nothing,
    Quorum,
    Fencing,
}

fn needs_of(ws: &WorkingSet, r: RscIdx, task: &str) -> Needs {
    let rsc = ws.rsc(r);
    if task != "start" && task != "promote" {
        Needs::Nothing
    } else if rsc.needs_fencing {
        Needs::Fencing
    } else if rsc.needs_quorum {
        Needs::Quorum
    } else {
        Needs::Nothing
    }
}

fn effective_quorum_policy(ws: &mut WorkingSet, r: RscIdx) -> NoQuorumPolicy {
    if ws.config.have_quorum {
        return NoQuorumPolicy::Ignore;
    }
    let policy = ws.config.no_quorum_policy;
    if policy == NoQuorumPolicy::Demote {
        return match ws.rsc(r).role {
            Role::Promoted | Role::Unpromoted => {
                if ws.rsc(r).next_role > Role::Unpromoted {
                    ws.rsc_mut(r).next_role = Role::Unpromoted;
                }
                NoQuorumPolicy::Ignore
            }
            _ => NoQuorumPolicy::Stop,
        };
    }
    if policy == NoQuorumPolicy::Suicide {
        return NoQuorumPolicy::Stop;
    }
    policy
}

/// Creates a pseudo action for a collective resource
/// (`pe__new_rsc_pseudo_action`).
pub fn rsc_pseudo_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    optional: bool,
    runnable: bool,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, task, 0);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: task.to_string(),
            node: None,
            optional,
            interval_ms: 0,
        },
    );
    let act = ws.action_mut(a);
    act.pseudo = true;
    act.runnable = runnable;
    a
}

/// Finds or creates a cluster-wide pseudo action by name (`get_pseudo_op`):
/// it needs no node and starts out runnable.
pub fn get_pseudo_op(ws: &mut WorkingSet, name: &str) -> ActionIdx {
    if let Some(a) = ws
        .actions
        .iter()
        .position(|a| a.rsc.is_none() && a.key == name)
    {
        return ActionIdx(a);
    }
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: None,
            key: name.to_string(),
            task: name.to_string(),
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

/// Records an ordering to be applied later (`pcmk__new_ordering`, whose
/// eight parameters this keeps).
#[allow(clippy::too_many_arguments)]
pub fn new_ordering(
    ws: &mut WorkingSet,
    first_rsc: Option<RscIdx>,
    first_task: Option<String>,
    first_action: Option<ActionIdx>,
    then_rsc: Option<RscIdx>,
    then_task: Option<String>,
    then_action: Option<ActionIdx>,
    flags: u32,
) {
    if flags == NONE {
        return;
    }
    // Fill in missing resource and key from the actions given.
    let first_rsc = first_rsc.or(first_action.and_then(|a| ws.action(a).rsc));
    let then_rsc = then_rsc.or(then_action.and_then(|a| ws.action(a).rsc));
    let first_task = first_task.or(first_action.map(|a| ws.action(a).key.clone()));
    let then_task = then_task.or(then_action.map(|a| ws.action(a).key.clone()));
    ws.orderings.push(Ordering {
        first_rsc,
        first_task: first_task.clone(),
        first_action,
        then_rsc,
        then_task: then_task.clone(),
        then_action,
        flags,
    });
    if let (Some(f), Some(t)) = (first_rsc, then_rsc) {
        let task = |a: Option<ActionIdx>, k: &Option<String>| -> Option<String> {
            match a {
                Some(a) => Some(ws.action(a).task.clone()),
                None => k
                    .as_deref()
                    .and_then(super::orderings::task_of_key)
                    .map(|(t, _)| t.to_string()),
            }
        };
        let ft = task(first_action, &first_task);
        let tt = task(then_action, &then_task);
        order_migration_equivalents(ws, f, ft.as_deref(), t, tt.as_deref());
    }
}

/// Mirrors an ordering between two unrelated resources onto their live
/// migration actions, so that a migration honours it just as a stop/start
/// would (`pcmk__order_migration_equivalents`).
fn order_migration_equivalents(
    ws: &mut WorkingSet,
    first: RscIdx,
    first_task: Option<&str>,
    then: RscIdx,
    then_task: Option<&str>,
) {
    use super::orderings::is_parent;
    if first == then || is_parent(ws, first, then) || is_parent(ws, then, first) {
        return;
    }
    let first_mig = ws.rsc(first).allow_migrate;
    let then_mig = ws.rsc(then).allow_migrate;
    if !first_mig && !then_mig {
        return;
    }
    match (first_task, then_task) {
        (Some("start"), Some("start")) => {
            let mut flags = OPTIONAL;
            if first_mig && then_mig {
                order_rsc_actions(ws, first, "migrate_from", then, "migrate_to", flags);
            }
            if then_mig {
                if first_mig {
                    flags |= APPLY_FIRST_NON_MIGRATABLE;
                }
                order_rsc_actions(ws, first, "start", then, "migrate_to", flags);
            }
        }
        (Some("stop"), Some("stop")) if then_mig => {
            let mut flags = OPTIONAL;
            if first_mig {
                flags |= APPLY_FIRST_NON_MIGRATABLE;
            }
            order_rsc_actions(ws, first, "stop", then, "migrate_to", flags);
            if ws.rsc(then).partial_migration_target.is_some() {
                order_rsc_actions(ws, first, "stop", then, "migrate_from", flags);
            }
        }
        (Some("promote"), Some("start")) if then_mig => {
            order_rsc_actions(ws, first, "promote", then, "migrate_to", OPTIONAL);
        }
        (Some("demote"), Some("stop")) if then_mig => {
            order_rsc_actions(ws, first, "demote", then, "migrate_to", OPTIONAL);
            if ws.rsc(then).partial_migration_target.is_some() {
                order_rsc_actions(ws, first, "demote", then, "migrate_from", OPTIONAL);
            }
        }
        _ => {}
    }
}

/// Orders `first_task` of one resource before `then_task` of another
/// (`pcmk__order_resource_actions`).
pub fn order_rsc_actions(
    ws: &mut WorkingSet,
    first: RscIdx,
    first_task: &str,
    then: RscIdx,
    then_task: &str,
    flags: u32,
) {
    let fk = op_key(&ws.rsc(first).id, first_task, 0);
    let tk = op_key(&ws.rsc(then).id, then_task, 0);
    new_ordering(
        ws,
        Some(first),
        Some(fk),
        None,
        Some(then),
        Some(tk),
        None,
        flags,
    );
}

fn start_action(ws: &mut WorkingSet, r: RscIdx, n: Option<NodeIdx>, optional: bool) -> ActionIdx {
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

fn can_migrate(ws: &WorkingSet, r: RscIdx, current: Option<NodeIdx>) -> bool {
    let rsc = ws.rsc(r);
    rsc.allow_migrate
        && rsc.managed
        && !rsc.failed
        && !rsc.start_pending
        && current.is_some_and(|c| !ws.node(c).unclean)
        && rsc.assigned.is_some_and(|a| !ws.node(a).unclean)
}

fn create_migration_actions(ws: &mut WorkingSet, r: RscIdx, current: Option<NodeIdx>) {
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
            Some(r),
            k("monitor"),
            None,
            Some(r),
            k("migrate_to"),
            None,
            OPTIONAL,
        );
        new_ordering(
            ws,
            Some(r),
            k("migrate_to"),
            None,
            Some(r),
            k("migrate_from"),
            None,
            OPTIONAL | IMPLIES_FIRST_MIGRATABLE,
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
            Some(r),
            k("monitor"),
            None,
            Some(r),
            k("migrate_from"),
            None,
            OPTIONAL,
        );
    }
    new_ordering(
        ws,
        Some(r),
        k("migrate_from"),
        None,
        Some(r),
        k("stop"),
        None,
        OPTIONAL | IMPLIES_FIRST_MIGRATABLE,
    );
    new_ordering(
        ws,
        Some(r),
        k("migrate_from"),
        None,
        Some(r),
        k("start"),
        None,
        OPTIONAL | IMPLIES_FIRST_MIGRATABLE | PSEUDO_LEFT,
    );
}

/// Creates the configured recurring actions for the role the resource will
/// have: monitors for an active role on its node, and monitors for the
/// Stopped role on every other node (`pcmk__create_recurring_actions`).
fn create_recurring(ws: &mut WorkingSet, r: RscIdx) {
    if ws.rsc(r).blocked || ws.rsc(r).maintenance {
        return;
    }
    let assigned = ws.rsc(r).assigned;
    let mut start = None;
    if let Some(n) = assigned {
        if !ws.node(n).maintenance && (ws.rsc(r).next_role != Role::Stopped || !ws.rsc(r).managed) {
            start = Some(start_action(ws, r, Some(n), true));
        }
    }
    let ops = ws.rsc(r).ops.clone();
    for op in &ops {
        if let Some(start) = start {
            recurring_for_active(ws, r, start, assigned, op, &ops);
        }
        recurring_for_inactive(ws, r, assigned, op, &ops);
    }
}

/// Whether a configured op is a usable recurring action: it has an
/// interval, is of a kind that can recur, is configured once only and is
/// enabled (`is_recurring_history`).
fn is_recurring_op(op: &OpConfig, ops: &[OpConfig]) -> bool {
    if op.interval_ms == 0 {
        return false;
    }
    const CANNOT_RECUR: [&str; 7] = [
        "stop",
        "start",
        "demote",
        "promote",
        "reload-agent",
        "migrate_to",
        "migrate_from",
    ];
    if CANNOT_RECUR.contains(&op.name.as_str()) {
        return false;
    }
    if op.duplicate {
        return false;
    }
    // A disabled op is not found in the configuration (`find_rsc_op_entry`).
    ops.iter()
        .any(|o| o.enabled && o.name == op.name && o.interval_ms == op.interval_ms)
}

/// Actions of a resource with a key on exactly this node (`find_actions_exact`).
fn find_exact(ws: &WorkingSet, r: RscIdx, key: &str, node: Option<NodeIdx>) -> Vec<ActionIdx> {
    let Some(n) = node else { return Vec::new() };
    ws.rsc(r)
        .actions
        .iter()
        .copied()
        .filter(|&a| ws.action(a).key == key && ws.action(a).node == Some(n))
        .collect()
}

/// Turns the action with a recurring op's key on a node into a cancellation
/// of it (`pcmk__new_cancel_action`): the history-derived monitor action, if
/// there is one, becomes the cancel, keeping its key.
pub fn new_cancel_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    node: NodeIdx,
) -> ActionIdx {
    let key = op_key(&ws.rsc(r).id, task, interval_ms);
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "cancel".into(),
            node: Some(node),
            optional: false,
            interval_ms,
        },
    );
    let act = ws.action_mut(a);
    act.task = "cancel".into();
    act.interval_ms = interval_ms;
    act.meta.insert("cancel_task".into(), task.to_string());
    a
}

/// Cancels a recurring op found in the history, after any stop of the
/// resource (`pcmk__schedule_cancel`).
pub fn schedule_cancel(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    node: NodeIdx,
    call_id: Option<String>,
) {
    let cancel = new_cancel_action(ws, r, task, interval_ms, node);
    if let Some(id) = call_id {
        ws.action_mut(cancel).meta.insert("call_id".into(), id);
    }
    let stop = op_key(&ws.rsc(r).id, "stop", 0);
    new_ordering(
        ws,
        Some(r),
        Some(stop),
        None,
        Some(r),
        None,
        Some(cancel),
        OPTIONAL,
    );
}

fn recurring_for_active(
    ws: &mut WorkingSet,
    r: RscIdx,
    start: ActionIdx,
    node: Option<NodeIdx>,
    op: &OpConfig,
    ops: &[OpConfig],
) {
    if op.role == Some(Role::Stopped) || !is_recurring_op(op, ops) {
        return;
    }
    let id = ws.rsc(r).id.clone();
    let key = op_key(&id, &op.name, op.interval_ms);
    // `active_recurring_should_be_optional`
    let running = find_exact(ws, r, &key, node);
    let is_optional = node.is_some()
        && ws.action(start).optional
        && !running.is_empty()
        && !running.iter().any(|&a| ws.action(a).reschedule);
    let next_role = ws.rsc(r).next_role;
    let role_mismatch = match op.role {
        Some(role) => next_role != role,
        None => next_role == Role::Promoted,
    };
    if role_mismatch {
        // Configured for another role: if it is running, cancel it.
        if let (true, Some(n)) = (is_optional, node) {
            let cancel = new_cancel_action(ws, r, &op.name, op.interval_ms, n);
            let after = match ws.rsc(r).role {
                Role::Unpromoted | Role::Started => match next_role {
                    Role::Promoted => Some("promote"),
                    Role::Stopped => Some("stop"),
                    _ => None,
                },
                Role::Promoted => Some("demote"),
                _ => None,
            };
            if let Some(t) = after {
                new_ordering(
                    ws,
                    Some(r),
                    None,
                    Some(cancel),
                    Some(r),
                    Some(op_key(&id, t, 0)),
                    None,
                    RUNNABLE_LEFT,
                );
            }
        }
        return;
    }
    let mon = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key: key.clone(),
            task: op.name.clone(),
            node,
            optional: is_optional,
            interval_ms: op.interval_ms,
        },
    );
    if !ws.action(start).runnable || node.is_none_or(|n| !ws.node(n).online || ws.node(n).unclean) {
        ws.action_mut(mon).runnable = false;
    }
    if next_role == Role::Promoted {
        ws.action_mut(mon).expected_rc = Some(8);
    }
    if node.is_none() || ws.rsc(r).managed {
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "start", 0)),
            None,
            None,
            Some(key.clone()),
            Some(mon),
            IMPLIES_THEN | RUNNABLE_LEFT,
        );
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "reload-agent", 0)),
            None,
            None,
            Some(key.clone()),
            Some(mon),
            IMPLIES_THEN | RUNNABLE_LEFT,
        );
        if next_role == Role::Promoted {
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "promote", 0)),
                None,
                Some(r),
                None,
                Some(mon),
                OPTIONAL | RUNNABLE_LEFT,
            );
        } else if ws.rsc(r).role == Role::Promoted {
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "demote", 0)),
                None,
                Some(r),
                None,
                Some(mon),
                OPTIONAL | RUNNABLE_LEFT,
            );
        }
    }
}

/// Creates a monitor for the Stopped role on every node where the resource
/// will not be active, after any stop there, and cancels such a monitor on
/// the node where it will be active (`recurring_op_for_inactive`).
fn recurring_for_inactive(
    ws: &mut WorkingSet,
    r: RscIdx,
    node: Option<NodeIdx>,
    op: &OpConfig,
    ops: &[OpConfig],
) {
    if op.role != Some(Role::Stopped) || !is_recurring_op(op, ops) {
        return;
    }
    let top = ws.top_parent(r);
    let anonymous_clone = matches!(ws.rsc(top).variant, Variant::Clone { .. })
        && !ws
            .rsc(top)
            .meta
            .get("globally-unique")
            .is_some_and(|v| super::rules::is_true(v));
    if anonymous_clone {
        // Pacemaker does not support Stopped-role monitors for anonymous clones.
        return;
    }
    let id = ws.rsc(r).id.clone();
    let key = op_key(&id, &op.name, op.interval_ms);
    for i in 0..ws.nodes.len() {
        let stop_node = NodeIdx(i);
        if Some(stop_node) == node {
            // `cancel_if_running`
            if find_exact(ws, r, &key, Some(stop_node)).is_empty() {
                continue;
            }
            let cancel = new_cancel_action(ws, r, &op.name, op.interval_ms, stop_node);
            if matches!(ws.rsc(r).next_role, Role::Started | Role::Unpromoted) {
                new_ordering(
                    ws,
                    Some(r),
                    None,
                    Some(cancel),
                    Some(r),
                    Some(op_key(&id, "start", 0)),
                    None,
                    RUNNABLE_LEFT,
                );
            }
            continue;
        }
        let is_optional = !find_exact(ws, r, &key, Some(stop_node)).is_empty();
        let mon = custom_action(
            ws,
            ActionSpec {
                rsc: Some(r),
                key: key.clone(),
                task: op.name.clone(),
                node: Some(stop_node),
                optional: is_optional,
                interval_ms: op.interval_ms,
            },
        );
        ws.action_mut(mon).expected_rc = Some(7);
        let managed = ws.rsc(r).managed;
        if managed {
            // `order_after_probes`
            let probe_key = op_key(&id, "monitor", 0);
            let probes: Vec<ActionIdx> = ws
                .rsc(r)
                .actions
                .iter()
                .copied()
                .filter(|&a| {
                    let act = ws.action(a);
                    act.key == probe_key && (act.node.is_none() || act.node == Some(stop_node))
                })
                .collect();
            for p in probes {
                super::orderings::order_actions(ws, p, mon, RUNNABLE_LEFT);
            }
        }
        // `order_after_stops`
        let stop_key = op_key(&id, "stop", 0);
        for stop in find_exact(ws, r, &stop_key, Some(stop_node)) {
            if !ws.action(stop).optional && !ws.action(mon).optional && !managed {
                ws.action_mut(mon).optional = true;
            }
            if !ws.action(stop).runnable {
                ws.action_mut(mon).runnable = false;
            }
            if managed {
                new_ordering(
                    ws,
                    Some(r),
                    Some(stop_key.clone()),
                    Some(stop),
                    None,
                    None,
                    Some(mon),
                    IMPLIES_THEN | RUNNABLE_LEFT,
                );
            }
        }
        let n = ws.node(stop_node);
        if !n.online || n.unclean {
            ws.action_mut(mon).runnable = false;
        }
    }
}

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
            Some(r),
            Some(op_key(&id, "stop", 0)),
            None,
            None,
            None,
            Some(ls),
            LOAD,
        );
    }
    // Allowed nodes, by name (the node list is kept in name order).
    let allowed: Vec<NodeIdx> = ws.rsc(r).allowed.keys().copied().collect();
    for n in allowed {
        let ls = load_stopped_op(ws, n);
        for t in ["start", "migrate_to"] {
            new_ordering(
                ws,
                None,
                None,
                Some(ls),
                Some(r),
                Some(op_key(&id, t, 0)),
                None,
                LOAD,
            );
        }
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
        Some(r),
        None,
        Some(probe),
        Some(order_target),
        Some(op_key(&target_id, "start", 0)),
        None,
        flags,
    );
    new_ordering(
        ws,
        Some(r),
        None,
        Some(probe),
        Some(order_target),
        Some(op_key(&id, "reload-agent", 0)),
        None,
        OPTIONAL,
    );
    true
}
