//! Creating actions and orderings: finding or creating an action by key,
//! whether it can run, pseudo actions, and recorded orderings between
//! actions (Pacemaker's `pe_actions.c` `custom_action`, `pcmk__new_ordering`,
//! `pcmk__order_resource_actions`). Each kind of resource's own actions live
//! in the modules re-exported below, so callers keep these paths.

use super::ws::order::*;
use super::ws::*;

pub use super::group_actions::{group_create_actions, group_internal_constraints};
pub use super::primitive_actions::{
    primitive_create_actions, primitive_internal_constraints, stop_action,
};
pub(crate) use super::probes::probe_rsc_on_node;
pub use super::probes::schedule_probes;
pub use super::recurring::{new_cancel_action, schedule_cancel};

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

pub use crate::cib::values::op_key;

/// Whether `key` is the operation key [`op_key`] builds from these parts,
/// checked without building it.
pub fn is_op_key(key: &str, rsc: &str, task: &str, interval_ms: u64) -> bool {
    OpKeyMatch::new(rsc, task, interval_ms).is(key)
}

/// An operation key (as [`op_key`] writes it) to compare keys with, kept
/// in its parts rather than written out.
///
/// Made once for a walk over a resource's actions: most of their keys are
/// not the one, and the length (worked out here once) rejects most of
/// those before a byte is compared.
#[derive(Debug, Clone, Copy)]
pub struct OpKeyMatch<'a> {
    rsc: &'a str,
    task: &'a str,
    interval_ms: u64,
    /// The length of the key written out.
    len: usize,
}

impl<'a> OpKeyMatch<'a> {
    /// The key `<rsc>_<task>_<interval_ms>`.
    pub fn new(rsc: &'a str, task: &'a str, interval_ms: u64) -> Self {
        // As `push_u64` writes the interval: its decimal digits.
        let digits = interval_ms.checked_ilog10().map_or(1, |d| d as usize + 1);
        OpKeyMatch {
            rsc,
            task,
            interval_ms,
            len: rsc.len() + task.len() + 2 + digits,
        }
    }

    /// Whether `key` is this key.
    pub fn is(&self, key: &str) -> bool {
        let key = key.as_bytes();
        if key.len() != self.len {
            return false;
        }
        let task_at = self.rsc.len() + 1;
        let task_end = task_at + self.task.len();
        // The length leaves as many places as the interval has digits: it
        // is written there exactly when they are digits of its value.
        &key[task_at..task_end] == self.task.as_bytes()
            && key[task_at - 1] == b'_'
            && key[task_end] == b'_'
            && decimal_value(&key[task_end + 1..]) == Some(self.interval_ms)
            && &key[..self.rsc.len()] == self.rsc.as_bytes()
    }
}

/// The number written in decimal digits (none if anything else is there,
/// or if it does not fit).
fn decimal_value(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |v, &b| {
        let d = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        v.checked_mul(10)?.checked_add(u64::from(d))
    })
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
    let ActionSpec {
        rsc,
        key,
        task,
        node,
        optional,
        interval_ms,
    } = spec;
    let idx = match existing {
        Some(a) => {
            if ws.action(a).node.is_none() && node.is_some() {
                ws.action_mut(a).node = node;
            }
            a
        }
        None => {
            let id = ws.actions.len();
            ws.actions.push(Action {
                id,
                rsc,
                task,
                key,
                interval_ms,
                node,
                optional,
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
            if let Some(r) = rsc {
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
    } else if !optional {
        ws.action_mut(idx).optional = false;
    }
    if rsc.is_some() {
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
/// seven parameters besides the working set are the fields of `ordering`).
pub fn new_ordering(ws: &mut WorkingSet, ordering: Ordering) {
    let Ordering {
        first_rsc,
        first_task,
        first_action,
        then_rsc,
        then_task,
        then_action,
        flags,
    } = ordering;
    if flags == NONE {
        return;
    }
    // Fill in missing resource and key from the actions given.
    let first_rsc = first_rsc.or(first_action.and_then(|a| ws.action(a).rsc));
    let then_rsc = then_rsc.or(then_action.and_then(|a| ws.action(a).rsc));
    let first_task = first_task.or(first_action.map(|a| ws.action(a).key.clone()));
    let then_task = then_task.or(then_action.map(|a| ws.action(a).key.clone()));
    // The tasks matter only to resources that can migrate, which most
    // cannot: look at them only then.
    let migration = match (first_rsc, then_rsc) {
        (Some(f), Some(t)) if migration_equivalents_apply(ws, f, t) => {
            let task = |a: Option<ActionIdx>, k: &Option<String>| -> Option<String> {
                match a {
                    Some(a) => Some(ws.action(a).task.clone()),
                    None => k
                        .as_deref()
                        .and_then(super::orderings::task_of_key)
                        .map(|(t, _)| t.to_string()),
                }
            };
            Some((
                f,
                task(first_action, &first_task),
                t,
                task(then_action, &then_task),
            ))
        }
        _ => None,
    };
    ws.orderings.push(Ordering {
        first_rsc,
        first_task,
        first_action,
        then_rsc,
        then_task,
        then_action,
        flags,
    });
    if let Some((f, ft, t, tt)) = migration {
        order_migration_equivalents(ws, f, ft.as_deref(), t, tt.as_deref());
    }
}

/// Whether an ordering between two resources has live-migration
/// equivalents to add: they are distinct and unrelated, and one of them
/// can migrate (the first checks of `pcmk__order_migration_equivalents`).
fn migration_equivalents_apply(ws: &WorkingSet, first: RscIdx, then: RscIdx) -> bool {
    use super::orderings::is_parent;
    if first == then || is_parent(ws, first, then) || is_parent(ws, then, first) {
        return false;
    }
    ws.rsc(first).allow_migrate || ws.rsc(then).allow_migrate
}

/// Mirrors an ordering between two unrelated resources onto their live
/// migration actions, so that a migration honours it just as a stop/start
/// would (`pcmk__order_migration_equivalents`); the caller has checked
/// [`migration_equivalents_apply`].
fn order_migration_equivalents(
    ws: &mut WorkingSet,
    first: RscIdx,
    first_task: Option<&str>,
    then: RscIdx,
    then_task: Option<&str>,
) {
    let first_mig = ws.rsc(first).allow_migrate;
    let then_mig = ws.rsc(then).allow_migrate;
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
        Ordering {
            first_rsc: Some(first),
            first_task: Some(fk),
            first_action: None,
            then_rsc: Some(then),
            then_task: Some(tk),
            then_action: None,
            flags,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::{is_op_key, op_key};

    #[test]
    fn is_op_key_is_equality_with_the_built_key() {
        let rscs = ["", "a", "a_b", "vip", "fs:0", "a_stop"];
        let tasks = ["", "b", "stop", "b_stop", "start", "monitor", "stop_0"];
        let intervals = [0, 1, 10, 20_000, 100_000, u64::MAX];
        let odd = [
            "", "_", "__", "a__0", "a_b_00", "a_b_01", "a_b_+1", "a_b_ 0",
        ];
        let mut keys: Vec<String> = odd.into_iter().map(String::from).collect();
        keys.push(format!("a_b_{}0", u64::MAX));
        for r in rscs {
            for t in tasks {
                for i in intervals {
                    keys.push(op_key(r, t, i));
                }
            }
        }
        for key in &keys {
            for r in rscs {
                for t in tasks {
                    for i in intervals {
                        let built = op_key(r, t, i);
                        assert_eq!(is_op_key(key, r, t, i), *key == built, "{key} {built}");
                    }
                }
            }
        }
    }
}
