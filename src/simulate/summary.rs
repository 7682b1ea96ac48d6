//! The "Transition Summary" section: one line per node action and per
//! resource that changes (Pacemaker's `pcmk__output_actions` and the
//! `rsc-action`/`rsc-action-item` messages in `pcmk_output.c`).

use crate::scheduler::ws::*;
use crate::scheduler::Transition;

/// The summary lines, each starting with `  * `.
pub fn transition_summary(t: &Transition) -> Vec<String> {
    let ws = &t.ws;
    let mut lines = Vec::new();
    for a in (0..ws.actions.len()).rev() {
        let act = &ws.actions[a];
        if act.rsc.is_some() || act.optional {
            continue;
        }
        let node = act
            .node
            .map(|n| {
                // A guest is named with the resource that holds it.
                match crate::scheduler::remote::guest_container(ws, n) {
                    Some(c) => {
                        format!("{} (resource: {})", ws.node(n).uname, ws.rsc(c).id)
                    }
                    _ => ws.node(n).uname.clone(),
                }
            })
            .unwrap_or_default();
        let task = match act.task.as_str() {
            "do_shutdown" => "Shutdown".to_string(),
            "stonith" => format!(
                "Fence ({})",
                act.meta
                    .get("stonith_action")
                    .map(String::as_str)
                    .unwrap_or("reboot")
            ),
            _ => continue,
        };
        // `node-action` prints only actions with a reason; the rest go to the log.
        if let Some(r) = &act.reason {
            lines.push(format!("  * {task} {node} '{r}'"));
        }
    }
    for &r in &ws.top {
        rsc_summary(ws, r, &mut lines);
    }
    align_items(lines)
}

fn rsc_summary(ws: &WorkingSet, r: RscIdx, lines: &mut Vec<String>) {
    let rsc = ws.rsc(r);
    if let Some(d) = ws.bundles.get(&r) {
        // Replica by replica (`pcmk__output_bundle_actions`).
        for rep in &d.replicas {
            for p in [rep.ip, Some(rep.container), rep.remote, rep.child]
                .into_iter()
                .flatten()
            {
                rsc_summary(ws, p, lines);
            }
        }
        return;
    }
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            rsc_summary(ws, c, lines);
        }
        return;
    }
    let next = rsc.assigned;
    let current = if rsc.running_on.is_empty() {
        None
    } else {
        ws.current_node(r)
    };
    let mut role = rsc.role;
    if current.is_some() && role == Role::Stopped {
        role = Role::Started;
    }
    if current.is_none() && rsc.orphan {
        return;
    }
    if let Some(line) = rsc_action(ws, r, role, current, next) {
        lines.extend(line);
    }
}

fn find(ws: &WorkingSet, r: RscIdx, task: &str, node: Option<NodeIdx>) -> Option<ActionIdx> {
    // Pacemaker's find_actions() returns the oldest match first; an action
    // not yet placed on a node matches any node.
    ws.rsc(r).actions.iter().rev().copied().find(|&a| {
        let act = ws.action(a);
        act.task == task
            && (node.is_none() || act.node.is_none() || act.node == node)
            && act.interval_ms == 0
    })
}

/// `rsc_action_default`: what happens to one primitive.
fn rsc_action(
    ws: &WorkingSet,
    r: RscIdx,
    role: Role,
    current: Option<NodeIdx>,
    next: Option<NodeIdx>,
) -> Option<Vec<String>> {
    let rsc = ws.rsc(r);
    if !rsc.managed || (current.is_none() && next.is_none()) {
        return None;
    }
    let moving = matches!((current, next), (Some(c), Some(n)) if c != n);
    let start = find_on(ws, r, "start", next);
    let start_node = match start {
        Some(s) if ws.action(s).runnable => current,
        _ => None,
    };
    let mut stop = find_on(ws, r, "stop", start_node);
    if stop.is_none() && rsc.recovery == Recovery::StopUnexpected && rsc.running_on.len() > 1 {
        stop = find(ws, r, "stop", None);
    }
    let promote = find_on(ws, r, "promote", next);
    let demote = find_on(ws, r, "demote", next);
    let failed = rsc.failed;
    let item = |change: &str,
                origin: Option<NodeIdx>,
                dest: Option<NodeIdx>,
                action: ActionIdx,
                source: Option<ActionIdx>| {
        let line = Line {
            change,
            origin,
            dest,
            action,
            source,
        };
        item_line(ws, r, role, &line)
    };
    if role == rsc.next_role {
        let next = next?;
        let migrate = find_on(ws, r, "migrate_from", Some(next));
        if let (Some(m), Some(c)) = (migrate, current) {
            if ws.action(m).runnable {
                return Some(vec![item("Migrate", Some(c), Some(next), start?, None)]);
            }
        }
        if rsc.reload {
            if let Some(s) = start {
                return Some(vec![item("Reload", current, Some(next), s, None)]);
            }
        }
        match start {
            None => {
                if let (Some(d), Some(p)) = (demote, promote) {
                    if !ws.action(d).optional && !ws.action(p).optional {
                        return Some(vec![item("Re-promote", current, Some(next), p, Some(d))]);
                    }
                }
                return None;
            }
            Some(s) if ws.action(s).optional => {
                if let (Some(d), Some(p)) = (demote, promote) {
                    if !ws.action(d).optional && !ws.action(p).optional {
                        return Some(vec![item("Re-promote", current, Some(next), p, Some(d))]);
                    }
                }
                return None;
            }
            Some(s) if !ws.action(s).runnable => {
                let src = stop
                    .filter(|&st| ws.action(st).reason.is_some())
                    .unwrap_or(s);
                return Some(vec![item(
                    "Stop",
                    current,
                    None,
                    stop.unwrap_or(s),
                    Some(src),
                )]);
            }
            Some(s) => {
                if moving && current.is_some() {
                    let change = if failed { "Recover" } else { "Move" };
                    return Some(vec![item(
                        change,
                        current,
                        Some(next),
                        stop.unwrap_or(s),
                        None,
                    )]);
                } else if failed {
                    return Some(vec![item(
                        "Recover",
                        current,
                        None,
                        stop.unwrap_or(s),
                        None,
                    )]);
                } else {
                    return Some(vec![item("Restart", current, Some(next), s, None)]);
                }
            }
        }
    }
    if let Some(st) = stop {
        if rsc.next_role == Role::Stopped || start.is_some_and(|s| !ws.action(s).runnable) {
            let mut out = Vec::new();
            for &n in &rsc.running_on {
                let stop_op = ws
                    .rsc(r)
                    .actions
                    .iter()
                    .copied()
                    .find(|&a| ws.action(a).task == "stop" && ws.action(a).node == Some(n));
                let source = match stop_op {
                    Some(so) if ws.action(so).reason.is_some() => Some(so),
                    _ => start,
                };
                let action = stop_op.unwrap_or(st);
                let line = Line {
                    change: "Stop",
                    origin: Some(n),
                    dest: None,
                    action,
                    source,
                };
                out.push(item_line(ws, r, role, &line));
            }
            return Some(out);
        }
    }
    if let Some(st) = stop {
        if failed && rsc.stop_on_fail {
            return Some(vec![item("Recover", current, next, st, start)]);
        }
    }
    if moving {
        let action = stop.or(start)?;
        return Some(vec![item("Move", current, next, action, None)]);
    }
    if let Some(st) = stop {
        if !ws.action(st).optional {
            return Some(vec![item(
                "Restart",
                current,
                next,
                start.unwrap_or(st),
                None,
            )]);
        }
    }
    if role == Role::Promoted {
        return Some(vec![item("Demote", current, next, demote?, None)]);
    }
    if rsc.next_role == Role::Promoted {
        return Some(vec![item("Promote", current, next, promote?, None)]);
    }
    if role == Role::Stopped && rsc.next_role > Role::Stopped {
        return Some(vec![item("Start", current, next, start?, None)]);
    }
    None
}

fn find_on(ws: &WorkingSet, r: RscIdx, task: &str, node: Option<NodeIdx>) -> Option<ActionIdx> {
    find(ws, r, task, node)
}

/// One resource line of the Transition Summary, before its text: what
/// changes, from and to which node, and the action it stands for.
struct Line<'a> {
    /// `Start`, `Stop`, `Move`, `Recover`, ...
    change: &'a str,
    origin: Option<NodeIdx>,
    dest: Option<NodeIdx>,
    /// Whether it is runnable decides "blocked".
    action: ActionIdx,
    /// The action whose reason the line gives, when not `action` itself.
    source: Option<ActionIdx>,
}

/// A resource line's text (`rsc-action-item`), from the resource's role
/// now (`role`) to its next role.
fn item_line(ws: &WorkingSet, r: RscIdx, role: Role, line: &Line) -> String {
    let Line {
        change,
        origin,
        dest,
        action,
        source,
    } = *line;
    let rsc = ws.rsc(r);
    let source = source.unwrap_or(action);
    let need_role = role > Role::Started || rsc.next_role > Role::Unpromoted;
    let name = |n: NodeIdx| ws.node(n).uname.clone();
    let same_host = matches!((origin, dest), (Some(o), Some(d)) if o == d);
    let same_role = role == rsc.next_role;
    let details = match (origin, dest) {
        (None, Some(d)) if need_role => format!(
            "{} -> {} {}",
            role.as_str(),
            rsc.next_role.as_str(),
            name(d)
        ),
        (None, Some(d)) => name(d),
        (Some(o), None) if need_role => format!("{} {}", role.as_str(), name(o)),
        (Some(o), None) => name(o),
        (Some(o), Some(_)) if need_role && same_role && same_host => {
            format!("{} {}", role.as_str(), name(o))
        }
        (Some(o), Some(_)) if same_role && same_host => name(o),
        (Some(o), Some(d)) if need_role && same_role => {
            format!("{} -> {} {}", name(o), name(d), role.as_str())
        }
        (Some(o), Some(d)) if same_role => format!("{} -> {}", name(o), name(d)),
        (Some(o), Some(_)) if same_host => format!(
            "{} -> {} {}",
            role.as_str(),
            rsc.next_role.as_str(),
            name(o)
        ),
        (Some(o), Some(d)) => format!(
            "{} {} -> {} {}",
            role.as_str(),
            name(o),
            rsc.next_role.as_str(),
            name(d)
        ),
        (None, None) => String::new(),
    };
    let act = ws.action(action);
    let src = ws.action(source);
    let reason = match (&src.reason, act.runnable) {
        (Some(r), false) => format!("  due to {r} (blocked)"),
        (Some(r), true) => format!("  due to {r}"),
        (None, false) => "  blocked".to_string(),
        (None, true) => String::new(),
    };
    // The columns are laid out once all lines are known, in order
    // (see [`align_items`]); the parts travel separated by NULs.
    format!("{ITEM_MARK}{change}\0{}\0{details}\0{reason}", rsc.id)
}

/// Marks a resource line whose columns are still to be laid out.
const ITEM_MARK: char = '\u{1}';

/// Lays out resource lines as `rsc-action-item` does: the resource column is
/// left-aligned and the details column right-aligned. The widths only grow,
/// line by line (a resource name longer than the width so far makes it that
/// length plus 2; longer details make it their length), and because
/// Pacemaker logs all these lines once before printing them, the printed
/// lines all use the final widths.
fn align_items(lines: Vec<String>) -> Vec<String> {
    let split = |l: &str| -> Option<(String, String, String, String)> {
        let body = l.strip_prefix(ITEM_MARK)?;
        let mut parts = body.splitn(4, '\0');
        Some((
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        ))
    };
    let mut rsc_width = 5usize;
    let mut detail_width = 5usize;
    for l in &lines {
        if let Some((_, id, details, _)) = split(l) {
            if id.len() > rsc_width {
                rsc_width = id.len() + 2;
            }
            if details.len() > detail_width {
                detail_width = details.len();
            }
        }
    }
    lines
        .into_iter()
        .map(|l| match split(&l) {
            Some((change, id, details, reason)) => {
                format!("  * {change:<8}   {id:<rsc_width$}   ( {details:>detail_width$} ){reason}")
            }
            None => l,
        })
        .collect()
}
