//! Clone notifications (`notify=true`): the pre/post notification pseudo
//! actions around a clone's start, stop, promote and demote, and the
//! instances' notify actions (Pacemaker 2.1.5's `pe_notif.c`:
//! `pe__clone_notif_pseudo_ops`, `pe__create_notifications`,
//! `pe__order_notifs_after_fencing`).

use super::actions::{custom_action, ActionSpec};
use super::orderings::order_actions;
use super::ws::order::*;
use super::ws::*;

/// The notification variables passed to each notify action, by name
/// (`notify_data_t` keys).
type Keys = std::collections::BTreeMap<String, String>;

/// The lists of a clone's notification data (`collect_resource_data`):
/// each entry an instance and the node it is on, or for an action.
#[derive(Default)]
struct Entries {
    stop: Vec<(RscIdx, Option<NodeIdx>)>,
    start: Vec<(RscIdx, Option<NodeIdx>)>,
    demote: Vec<(RscIdx, Option<NodeIdx>)>,
    promote: Vec<(RscIdx, Option<NodeIdx>)>,
    active: Vec<(RscIdx, Option<NodeIdx>)>,
    unpromoted: Vec<(RscIdx, Option<NodeIdx>)>,
    promoted: Vec<(RscIdx, Option<NodeIdx>)>,
    inactive: Vec<(RscIdx, Option<NodeIdx>)>,
}

fn collect_entries(ws: &WorkingSet, r: RscIdx, e: &mut Entries) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            collect_entries(ws, c, e);
        }
        return;
    }
    let entry = (r, rsc.running_on.first().copied());
    match rsc.role {
        Role::Stopped => e.inactive.push(entry),
        Role::Started => e.active.push(entry),
        Role::Unpromoted => {
            e.unpromoted.push(entry);
            e.active.push(entry);
        }
        Role::Promoted => {
            e.promoted.push(entry);
            e.active.push(entry);
        }
        _ => {}
    }
    for &a in &rsc.actions {
        let act = ws.action(a);
        let Some(n) = act.node else { continue };
        if act.optional || !(act.runnable || (act.task == "stop" && ws.node(n).unclean)) {
            continue;
        }
        let list = match act.task.as_str() {
            "start" => &mut e.start,
            "stop" => &mut e.stop,
            "promote" => &mut e.promote,
            "demote" => &mut e.demote,
            _ => continue,
        };
        list.push((r, Some(n)));
    }
}

/// Space-separated instance and node names of entries, sorted by instance
/// then node id, one per instance, `" "` when empty
/// (`notify_entries_to_strings`); entries without a node are left out when
/// nodes are listed.
fn entry_strings(
    ws: &WorkingSet,
    mut list: Vec<(RscIdx, Option<NodeIdx>)>,
    with_nodes: bool,
) -> (String, String) {
    list.sort_by(|a, b| {
        ws.rsc(a.0)
            .id
            .cmp(&ws.rsc(b.0).id)
            .then_with(|| match (a.1, b.1) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => ws.node(x).id.cmp(&ws.node(y).id),
            })
    });
    let (mut rscs, mut nodes): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut last: Option<&str> = None;
    for (r, n) in list {
        if with_nodes && n.is_none() {
            continue;
        }
        let id = ws.rsc(r).id.as_str();
        if last == Some(id) {
            continue;
        }
        last = Some(id);
        rscs.push(id);
        if let Some(n) = n {
            nodes.push(ws.node(n).uname.as_str());
        }
    }
    let words = |v: Vec<&str>| {
        if v.is_empty() {
            " ".to_string()
        } else {
            v.join(" ")
        }
    };
    (words(rscs), words(nodes))
}

/// The notification variables of a clone (`add_notif_keys`).
fn notification_keys(ws: &WorkingSet, clone: RscIdx) -> Keys {
    let mut e = Entries::default();
    collect_entries(ws, clone, &mut e);
    let mut keys = Keys::new();
    let mut add = |name: &str, list: Vec<(RscIdx, Option<NodeIdx>)>, aliases: &[&str]| {
        let (rscs, nodes) = entry_strings(ws, list, true);
        for n in std::iter::once(&name).chain(aliases) {
            keys.insert(format!("notify_{n}_resource"), rscs.clone());
            keys.insert(format!("notify_{n}_uname"), nodes.clone());
        }
    };
    add("stop", e.stop, &[]);
    add("start", e.start, &[]);
    add("demote", e.demote, &[]);
    add("promote", e.promote, &[]);
    add("active", e.active, &[]);
    add("unpromoted", e.unpromoted, &["slave"]);
    add("promoted", e.promoted, &["master"]);
    let (inactive, _) = entry_strings(ws, e.inactive, false);
    keys.insert("notify_inactive_resource".into(), inactive);
    let mut available: Vec<&str> = ws
        .rsc(clone)
        .allowed
        .keys()
        .map(|&n| ws.node(n).uname.as_str())
        .collect();
    available.sort_by(|a, b| super::unpack::numeric_strcasecmp(a, b));
    let words = |v: Vec<&str>| {
        if v.is_empty() {
            " ".to_string()
        } else {
            v.join(" ")
        }
    };
    keys.insert("notify_available_uname".into(), words(available));
    let all: Vec<&str> = ws.nodes.iter().map(|n| n.uname.as_str()).collect();
    keys.insert("notify_all_uname".into(), words(all));
    keys
}

/// Whether a resource has notifications enabled (`pe_rsc_notify`).
pub fn wants_notify(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r)
        .meta
        .get("notify")
        .is_some_and(|v| super::rules::is_true(v))
}

/// A notification pseudo action of a resource for an action
/// (`new_notify_pseudo_action`): key `<rsc>_<type>_notify_<task>_0`.
fn new_notify_pseudo(
    ws: &mut WorkingSet,
    r: RscIdx,
    action: ActionIdx,
    task: &str,
    notif_type: &str,
    meta_type: &str,
    operation: &str,
) -> ActionIdx {
    let key = format!(
        "{}_{notif_type}_notify_{}_0",
        ws.rsc(r).id,
        ws.action(action).task
    );
    let optional = ws.action(action).optional;
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
    let key_operation = ws.action(action).task.clone();
    let act = ws.action_mut(a);
    act.pseudo = true;
    act.meta.insert("notify_type".into(), meta_type.into());
    act.meta.insert("notify_operation".into(), operation.into());
    act.meta.insert("notify_key_type".into(), notif_type.into());
    act.meta
        .insert("notify_key_operation".into(), key_operation);
    a
}

/// Creates the pre- and post-notification pseudo actions around an action
/// and its completion, ordered pre → pre-confirmed → action and completion
/// → post → post-confirmed (`pe__clone_notif_pseudo_ops`).
pub fn notif_pseudo_ops(
    ws: &mut WorkingSet,
    r: RscIdx,
    task: &str,
    action: Option<ActionIdx>,
    complete: Option<ActionIdx>,
) -> Option<NotifyData> {
    if !wants_notify(ws, r) {
        return None;
    }
    let mut nd = NotifyData {
        action: task.to_string(),
        pre: None,
        pre_done: None,
        post: None,
        post_done: None,
    };
    if let Some(a) = action {
        let pre = new_notify_pseudo(ws, r, a, "notify", "pre", "pre", task);
        ws.action_mut(pre).runnable = true;
        let pre_done = new_notify_pseudo(ws, r, a, "notified", "confirmed-pre", "pre", task);
        ws.action_mut(pre_done).runnable = true;
        order_actions(ws, pre, pre_done, OPTIONAL);
        order_actions(ws, pre_done, a, OPTIONAL);
        nd.pre = Some(pre);
        nd.pre_done = Some(pre_done);
    }
    if let Some(c) = complete {
        let runnable = ws.action(c).runnable;
        let post = new_notify_pseudo(ws, r, c, "notify", "post", "post", task);
        ws.action_mut(post).runnable = runnable;
        let post_done = new_notify_pseudo(ws, r, c, "notified", "confirmed-post", "post", task);
        ws.action_mut(post_done).runnable = runnable;
        order_actions(ws, c, post, IMPLIES_THEN);
        order_actions(ws, post, post_done, IMPLIES_THEN);
        nd.post = Some(post);
        nd.post_done = Some(post_done);
    }
    if let (Some(pd), Some(p)) = (nd.pre_done, nd.post) {
        order_actions(ws, pd, p, OPTIONAL);
    }
    Some(nd)
}

/// Which of the instances' actions notifications are about
/// (`collect_resource_data` with activity).
#[derive(Default)]
struct Activity {
    start: bool,
    stop: bool,
    promote: bool,
    demote: bool,
}

fn collect_activity(ws: &WorkingSet, r: RscIdx, out: &mut Activity) {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            collect_activity(ws, c, out);
        }
        return;
    }
    for &a in &rsc.actions {
        let act = ws.action(a);
        let Some(n) = act.node else { continue };
        if act.optional {
            continue;
        }
        if !(act.runnable || (act.task == "stop" && ws.node(n).unclean)) {
            continue;
        }
        match act.task.as_str() {
            "start" => out.start = true,
            "stop" => out.stop = true,
            "promote" => out.promote = true,
            "demote" => out.demote = true,
            _ => {}
        }
    }
}

/// Creates the notifications for one of a clone's actions
/// (`pe__create_notifications`): the pseudo actions become required when
/// instances do what is notified about, and each instance concerned gets
/// its notify actions.
pub fn create_notifications(ws: &mut WorkingSet, clone: RscIdx, nd: &NotifyData) {
    let mut act = Activity::default();
    collect_activity(ws, clone, &mut act);
    let required = match nd.action.as_str() {
        "stop" => act.stop,
        "start" => act.start,
        "demote" => act.demote,
        "promote" => act.promote,
        _ => false,
    };
    if required {
        for a in [nd.pre, nd.pre_done, nd.post, nd.post_done]
            .into_iter()
            .flatten()
        {
            ws.action_mut(a).optional = false;
        }
    }
    let keys = notification_keys(ws, clone);
    create_notify_actions(ws, clone, nd, &act, &keys);
}

/// An instance's notify action on a node for a notification pseudo action,
/// ordered between it and its confirmation (`new_notify_action`).
fn new_notify_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    op: Option<ActionIdx>,
    done: Option<ActionIdx>,
    keys: &Keys,
) -> Option<ActionIdx> {
    let (op, done) = (op?, done?);
    if !ws.node(n).online || !ws.action(op).runnable {
        return None;
    }
    let ntype = ws
        .action(op)
        .meta
        .get("notify_type")
        .cloned()
        .unwrap_or_default();
    let ntask = ws
        .action(op)
        .meta
        .get("notify_operation")
        .cloned()
        .unwrap_or_default();
    let key = format!("{}_{ntype}_notify_{ntask}_0", ws.rsc(r).id);
    let optional = ws.action(op).optional;
    let a = custom_action(
        ws,
        ActionSpec {
            rsc: Some(r),
            key,
            task: "notify".into(),
            node: Some(n),
            optional,
            interval_ms: 0,
        },
    );
    for (k, v) in ws.action(op).meta.clone() {
        ws.action_mut(a).meta.entry(k).or_insert(v);
    }
    for (k, v) in keys {
        ws.action_mut(a)
            .meta
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    order_actions(ws, op, a, OPTIONAL);
    order_actions(ws, a, done, OPTIONAL);
    Some(a)
}

/// A post-notification, with the instance's recurring monitors after the
/// confirmation (`new_post_notify_action`).
fn new_post_notify_action(
    ws: &mut WorkingSet,
    r: RscIdx,
    n: NodeIdx,
    nd: &NotifyData,
    keys: &Keys,
) {
    new_notify_action(ws, r, n, nd.post, nd.post_done, keys);
    let Some(done) = nd.post_done else { return };
    for mon in ws.rsc(r).actions.clone() {
        let act = ws.action(mon);
        if act.interval_ms == 0 || act.task == "cancel" {
            continue;
        }
        order_actions(ws, done, mon, OPTIONAL);
    }
}

fn create_notify_actions(
    ws: &mut WorkingSet,
    r: RscIdx,
    nd: &NotifyData,
    act: &Activity,
    keys: &Keys,
) {
    if !ws.rsc(r).children.is_empty() {
        for c in ws.rsc(r).children.clone() {
            create_notify_actions(ws, c, nd, act, keys);
        }
        return;
    }
    // The instance's own actions get the variables too.
    for a in ws.rsc(r).actions.clone() {
        let op = ws.action(a);
        if op.optional
            || op.node.is_none()
            || !matches!(op.task.as_str(), "start" | "stop" | "promote" | "demote")
        {
            continue;
        }
        for (k, v) in keys {
            ws.action_mut(a)
                .meta
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
    }
    let task = nd.action.as_str();
    match task {
        "start" if !act.start => return,
        "promote" if !act.promote => return,
        "demote" if !act.demote => return,
        _ => {}
    }
    let first = |ws: &WorkingSet, t: &str| {
        ws.rsc(r)
            .actions
            .iter()
            .copied()
            .find(|&a| ws.action(a).task == t)
    };
    if ws.rsc(r).role != Role::Stopped && (task == "stop" || task == "demote") {
        let stop = first(ws, "stop");
        for cur in ws.rsc(r).running_on.clone() {
            if let Some(s) = stop {
                // A stop implied by fencing: the node being fenced (or the
                // guest being reset) cannot be told.
                if ws.action(s).pseudo
                    && (ws.node(cur).unclean || ws.node(cur).remote_requires_reset)
                {
                    continue;
                }
            }
            new_notify_action(ws, r, cur, nd.pre, nd.pre_done, keys);
            if task == "demote" || stop.is_none_or(|s| ws.action(s).optional) {
                new_post_notify_action(ws, r, cur, nd, keys);
            }
        }
    }
    if ws.rsc(r).next_role != Role::Stopped && (task == "start" || task == "promote") {
        let start = first(ws, "start");
        let Some(to) = ws.rsc(r).assigned else {
            return;
        };
        // An instance behind a remote connection starts (and is promoted)
        // once the connection has started: with that start blocked there is
        // nothing to notify about (`find_remote_start`).
        let remote_start = start
            .and_then(|s| ws.action(s).node)
            .and_then(|n| ws.node(n).remote_rsc)
            .and_then(|c| {
                ws.rsc(c)
                    .actions
                    .iter()
                    .copied()
                    .find(|&a| ws.action(a).task == "start")
            });
        if remote_start.is_some_and(|a| !ws.action(a).runnable) {
            return;
        }
        if task != "start" || start.is_none_or(|s| ws.action(s).optional) {
            new_notify_action(ws, r, to, nd.pre, nd.pre_done, keys);
        }
        new_post_notify_action(ws, r, to, nd, keys);
    }
}

/// After fencing implies an instance's stop, the other instances are told
/// once the fencing is done (`pe__order_notifs_after_fencing`).
pub fn order_notifs_after_fencing(ws: &mut WorkingSet, r: RscIdx, fence: ActionIdx) {
    let Some(nd) = notif_pseudo_ops(ws, r, "stop", None, Some(fence)) else {
        return;
    };
    let top = ws.top_parent(r);
    let act = Activity::default();
    let mut keys = Keys::new();
    keys.insert("notify_stop_resource".into(), ws.rsc(r).id.clone());
    if let Some(n) = ws.action(fence).node {
        keys.insert("notify_stop_uname".into(), ws.node(n).uname.clone());
    }
    create_notify_actions(ws, top, &nd, &act, &keys);
}
