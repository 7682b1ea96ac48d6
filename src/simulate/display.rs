//! The cluster status as `crm_simulate` prints it (Pacemaker's text output
//! of `node-list` and the resource messages in `pe_output.c`/`native.c`/`group.c`).

use std::fmt::Write as _;

use crate::scheduler::ws::*;

/// The node list and resource list, indented as under "Current cluster status:".
pub fn cluster_status(ws: &WorkingSet) -> String {
    let mut out = String::new();
    out.push_str("  * Node List:\n");
    let mut online = Vec::new();
    let mut offline = Vec::new();
    let mut remote_online = Vec::new();
    let mut remote_offline = Vec::new();
    let mut guest_online = Vec::new();
    for (i, node) in ws.nodes.iter().enumerate() {
        let guest = crate::scheduler::remote::is_guest(ws, NodeIdx(i));
        if node.kind == NodeKind::Ping {
            // Ping nodes are listed like members.
        }
        let health = crate::scheduler::health::node_health(ws, NodeIdx(i));
        let unhealthy = node.online && health < 1;
        let individual =
            node.unclean || node.pending || node.standby || node.maintenance || unhealthy;
        if !individual {
            let list = match (node.online, node.kind == NodeKind::Remote) {
                _ if guest && !node.online => continue,
                _ if guest => &mut guest_online,
                (true, false) => &mut online,
                (true, true) => &mut remote_online,
                (false, false) => &mut offline,
                (false, true) => &mut remote_offline,
            };
            list.push(node.uname.clone());
            continue;
        }
        let running = ws
            .rscs
            .iter()
            .any(|r| r.variant == Variant::Primitive && r.running_on.contains(&NodeIdx(i)));
        let state = if node.unclean {
            if node.online {
                "UNCLEAN (online)"
            } else {
                "UNCLEAN (offline)"
            }
        } else if node.pending {
            "pending"
        } else if node.standby {
            if node.online {
                if running {
                    "standby (with active resources)"
                } else {
                    "standby"
                }
            } else {
                "OFFLINE (standby)"
            }
        } else if node.maintenance {
            if node.online {
                "maintenance"
            } else {
                "OFFLINE (maintenance)"
            }
        } else if health < 0 {
            "online (health is RED)"
        } else {
            "online (health is YELLOW)"
        };
        let kind = if guest {
            "GuestNode"
        } else if node.kind == NodeKind::Remote {
            "RemoteNode"
        } else {
            "Node"
        };
        let _ = writeln!(out, "    * {kind} {}: {}", node.uname, state);
    }
    for (label, list) in [
        ("Online", online),
        ("OFFLINE", offline),
        ("RemoteOnline", remote_online),
        ("RemoteOFFLINE", remote_offline),
        ("GuestOnline", guest_online),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "    * {label}: [ {} ]", list.join(" "));
        }
    }
    out.push('\n');
    out.push_str("  * Full List of Resources:\n");
    let mut any = false;
    for &r in &ws.top {
        // A resource active only through an unmanaged instance on a node
        // that is not online is running "nowhere" for the list, which
        // skips it (`resource_list`, `pe__rsc_running_on_any`).
        let rsc = ws.rsc(r);
        if rsc.variant != Variant::Bundle && is_active(ws, r, false) && rsc.running_on.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        resource_lines(ws, r, 4, &mut lines);
        any |= !lines.is_empty();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    if !any {
        out.push_str("    * No resources\n");
    }
    out
}

fn is_disabled(rsc: &Rsc) -> bool {
    matches!(
        rsc.meta.get("target-role").and_then(|v| Role::parse(v)),
        Some(Role::Stopped)
    )
}

fn resource_lines(ws: &WorkingSet, r: RscIdx, indent: usize, lines: &mut Vec<String>) {
    let rsc = ws.rsc(r);
    let internal = rsc
        .meta
        .get("internal_rsc")
        .is_some_and(|v| crate::cib::values::is_true(v));
    if rsc.variant == Variant::Primitive && internal {
        // Implicit resources (a guest's connection) are not listed.
        return;
    }
    let pad = " ".repeat(indent);
    match rsc.variant {
        Variant::Group => {
            let mut flags = Vec::new();
            if !rsc.managed {
                flags.push("unmanaged");
            }
            if is_disabled(rsc) {
                flags.push("disabled");
            }
            let header = if flags.is_empty() {
                format!("{pad}* Resource Group: {}:", rsc.id)
            } else {
                format!("{pad}* Resource Group: {} ({}):", rsc.id, flags.join(", "))
            };
            let mut children = Vec::new();
            for &c in &rsc.children {
                resource_lines(ws, c, indent + 2, &mut children);
            }
            if !children.is_empty() {
                lines.push(header);
                lines.extend(children);
            }
        }
        Variant::Primitive => {
            // Only top-level inactive orphans are skipped (`resource_list`);
            // a group shows every member, an orphaned stopped one included.
            if rsc.orphan && rsc.running_on.is_empty() && rsc.parent.is_none() {
                return;
            }
            lines.push(format!("{pad}* {}", primitive_text(ws, r)));
        }
        Variant::Clone { promotable } => clone_lines(ws, r, promotable, indent, lines),
        Variant::Bundle => bundle_lines(ws, r, indent, lines),
    }
}

/// A bundle: a line per replica, naming it by its guest node (or its
/// container when there is no primitive inside) and showing the state of
/// what runs in it, on the container's node (`pe__bundle_text`).
fn bundle_lines(ws: &WorkingSet, r: RscIdx, indent: usize, lines: &mut Vec<String>) {
    let Some(data) = ws.bundles.get(&r) else {
        return;
    };
    let rsc = ws.rsc(r);
    let pad = " ".repeat(indent);
    let unique = rsc
        .meta
        .get("globally-unique")
        .is_some_and(|v| crate::cib::values::is_true(v));
    lines.push(format!(
        "{pad}* Container bundle{}: {} [{}]{}{}:",
        if data.nreplicas > 1 { " set" } else { "" },
        rsc.id,
        data.image,
        if unique { " (unique)" } else { "" },
        if rsc.managed { "" } else { " (unmanaged)" },
    ));
    for rep in &data.replicas {
        let shown = rep.child.unwrap_or(rep.container);
        let mut name = ws.rsc(rep.remote.unwrap_or(rep.container)).id.clone();
        if let Some(ip) = &rep.ipaddr {
            name = format!("{name} ({ip})");
        }
        let node = ws.current_node(rep.container);
        lines.push(format!("{pad}  * {}", rsc_text(ws, shown, &name, node)));
    }
}

/// The id a resource is shown by: an anonymous clone's instances by the
/// configured id, without the instance number (`rsc_printable_id`).
pub fn printable_id(ws: &WorkingSet, r: RscIdx) -> &str {
    let id = ws.rsc(r).id.as_str();
    let top = ws.top_parent(r);
    if top != r && ws.rsc(top).clone.as_ref().is_some_and(|d| !d.unique) {
        crate::scheduler::status::clone_strip(id)
    } else {
        id
    }
}

/// Whether a resource is active (`fns->active`): any node for a primitive;
/// for a group, any member (or all members when `all`).
fn is_active(ws: &WorkingSet, r: RscIdx, all: bool) -> bool {
    let rsc = ws.rsc(r);
    if !rsc.children.is_empty() {
        let mut any = false;
        let mut every = true;
        for &c in &rsc.children {
            if is_active(ws, c, all) {
                any = true;
            } else {
                every = false;
            }
        }
        return any && (!all || every);
    }
    rsc.running_on.iter().any(|&n| {
        let node = ws.node(n);
        node.unclean || node.online || !rsc.managed
    })
}

fn any_of(ws: &WorkingSet, r: RscIdx, f: &dyn Fn(&Rsc) -> bool) -> bool {
    f(ws.rsc(r)) || ws.rsc(r).children.iter().any(|&c| any_of(ws, c, f))
}

/// A clone: unique instances one by one, anonymous ones summarised as
/// Promoted/Started/Unpromoted/Stopped node lists (`pe__clone_default`).
fn clone_lines(
    ws: &WorkingSet,
    r: RscIdx,
    promotable: bool,
    indent: usize,
    lines: &mut Vec<String>,
) {
    let rsc = ws.rsc(r);
    let pad = " ".repeat(indent);
    let data = rsc.clone.clone().unwrap_or(CloneData {
        clone_max: 0,
        clone_node_max: 1,
        promoted_max: 1,
        promoted_node_max: 1,
        unique: false,
        interleave: false,
        ordered: false,
        notify: false,
        total: 0,
        counts: Default::default(),
        notifs: Default::default(),
    });
    let mut flags = Vec::new();
    if promotable {
        flags.push("promotable");
    }
    if data.unique {
        flags.push("unique");
    }
    // Pacemaker 2.1.5 shows a clone in maintenance as merely unmanaged.
    if !rsc.managed {
        flags.push("unmanaged");
    }
    if is_disabled(rsc) {
        flags.push("disabled");
    }
    let child_id = rsc
        .children
        .first()
        .map(|&c| printable_id(ws, c).to_string())
        .unwrap_or_default();
    let child_id = if data.unique {
        crate::scheduler::status::clone_strip(&child_id).to_string()
    } else {
        child_id
    };
    let header = if flags.is_empty() {
        format!("{pad}* Clone Set: {} [{child_id}]:", rsc.id)
    } else {
        format!(
            "{pad}* Clone Set: {} [{child_id}] ({}):",
            rsc.id,
            flags.join(", ")
        )
    };
    let mut body: Vec<String> = Vec::new();
    let mut promoted: Vec<NodeIdx> = Vec::new();
    let mut started: Vec<NodeIdx> = Vec::new();
    for &c in &rsc.children {
        let child = ws.rsc(c);
        let partially_active = is_active(ws, c, false);
        let mut full = false;
        if data.unique {
            if partially_active || !rsc.orphan {
                full = true;
            }
        } else if child.pending_task.as_deref().is_some_and(|t| t != "probe") {
            // A pending (non-probe) action is shown instance by instance.
            full = true;
        } else if !partially_active {
            // Listed below, by node.
        } else if any_of(ws, c, &|x| x.orphan)
            || any_of(ws, c, &|x| !x.managed)
            || any_of(ws, c, &|x| x.failed)
        {
            full = true;
        } else if is_active(ws, c, true) {
            match crate::scheduler::clone::location(ws, c, true) {
                Some(n) => {
                    let role = crate::scheduler::orderings::rsc_state(ws, c, true);
                    let node = ws.node(n);
                    if !node.online && node.unclean {
                        full = true;
                    } else if role > Role::Unpromoted {
                        promoted.push(n);
                    } else {
                        started.push(n);
                    }
                }
                None => full = true,
            }
        } else {
            full = true;
        }
        let _ = child;
        if full {
            resource_lines(ws, c, indent + 2, &mut body);
        }
    }
    let sort_names = |v: &mut Vec<NodeIdx>| {
        v.sort_by(|&a, &b| {
            crate::scheduler::unpack::numeric_strcasecmp(&ws.node(a).uname, &ws.node(b).uname)
        })
    };
    sort_names(&mut promoted);
    sort_names(&mut started);
    let names = |v: &[NodeIdx]| {
        v.iter()
            .map(|&n| ws.node(n).uname.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ipad = " ".repeat(indent + 2);
    if !promoted.is_empty() {
        body.push(format!("{ipad}* Promoted: [ {} ]", names(&promoted)));
    }
    if !started.is_empty() {
        let label = if promotable {
            if configured_role(rsc) == Some(Role::Unpromoted) {
                "Unpromoted (target-role)"
            } else {
                "Unpromoted"
            }
        } else {
            "Started"
        };
        body.push(format!("{ipad}* {label}: [ {} ]", names(&started)));
    }
    let active_instances = promoted.len() + started.len();
    if !data.unique && data.clone_max > active_instances {
        let mut nodes: Vec<NodeIdx> = if rsc.allowed.is_empty() {
            rsc.known_on.clone()
        } else {
            rsc.allowed.keys().copied().collect()
        };
        sort_names(&mut nodes);
        let mut stopped: Vec<(String, NodeIdx)> = Vec::new();
        for n in nodes {
            if rsc.running_on.contains(&n) {
                continue;
            }
            let uname = &ws.node(n).uname;
            let probe = ws.failed_probes.iter().find(|(id, on_node, _)| {
                crate::scheduler::status::clone_strip(id) == child_id
                    && on_node.as_deref() == Some(uname.as_str())
            });
            let state = match probe {
                Some((_, _, rc)) => format!("Stopped ({})", ocf_exitcode_str(*rc)),
                None if is_disabled(rsc) => "Stopped (disabled)".to_string(),
                None => "Stopped".to_string(),
            };
            stopped.push((state, n));
        }
        let mut states: Vec<String> = stopped.iter().map(|(s, _)| s.clone()).collect();
        states.sort();
        states.dedup();
        for st in states {
            let ns: Vec<NodeIdx> = stopped
                .iter()
                .filter(|(s, _)| *s == st)
                .map(|&(_, n)| n)
                .collect();
            if !ns.is_empty() {
                body.push(format!("{ipad}* {st}: [ {} ]", names(&ns)));
            }
        }
    }
    if !body.is_empty() || active_instances == 0 {
        lines.push(header);
        lines.extend(body);
    }
}

/// The role configured by target-role, if any (`configured_role`).
fn configured_role(rsc: &Rsc) -> Option<Role> {
    rsc.meta.get("target-role").and_then(|v| Role::parse(v))
}

fn primitive_text(ws: &WorkingSet, r: RscIdx) -> String {
    rsc_text(ws, r, printable_id(ws, r), ws.current_node(r))
}

/// A primitive's line shown under `name` on `node`
/// (`pe__common_output_text`).
fn rsc_text(ws: &WorkingSet, r: RscIdx, name: &str, node: Option<NodeIdx>) -> String {
    let rsc = ws.rsc(r);
    let mut s = format!("{name}\t({}):\t", rsc.agent);
    let multiple = rsc.running_on.len() > 1;
    // A resource stopped by a shutdown lock is shown on its locked node.
    let node = if multiple {
        None
    } else {
        node.or(rsc.lock_node)
    };
    if rsc.orphan {
        s.push_str(" ORPHANED");
    }
    if rsc.failed {
        s.push_str(" FAILED");
        if rsc.role > Role::Unpromoted {
            let _ = write!(s, " {}", rsc.role.as_str());
        }
    } else {
        let state = match rsc.pending_task.as_deref() {
            Some("start") => "Starting",
            Some("stop") => "Stopping",
            Some("migrate_to") | Some("migrate_from") => "Migrating",
            Some("promote") => "Promoting",
            Some("demote") => "Demoting",
            _ => displayable_role(ws, r).as_str(),
        };
        let _ = write!(s, " {state}");
    }
    if let Some(n) = node {
        let _ = write!(s, " {}", ws.node(n).uname);
    }
    if displayable_role(ws, r) == Role::Stopped {
        // Why it is stopped, when a probe found it unusable
        // (`pe__failed_probe_for_rsc`).
        let on = node.map(|n| ws.node(n).uname.as_str());
        let probe = ws.failed_probes.iter().find(|(id, on_node, _)| {
            *id == rsc.id
                && on_node
                    .as_deref()
                    .is_some_and(|o| on.is_none_or(|u| u == o))
        });
        if let Some((_, _, rc)) = probe {
            let _ = write!(s, " ({}) ", ocf_exitcode_str(*rc));
        }
    }
    let mut flags: Vec<String> = Vec::new();
    if let Some(n) = node {
        if !ws.node(n).online && ws.node(n).unclean {
            flags.push("UNCLEAN".into());
        }
    }
    if node.is_some() && node == rsc.lock_node {
        flags.push("LOCKED".into());
    }
    if rsc.pending_task.as_deref() == Some("monitor") {
        flags.push("Monitoring".into());
    }
    if is_disabled(rsc) {
        flags.push("disabled".into());
    }
    // Pacemaker 2.1.5 shows a resource in maintenance as merely unmanaged.
    if rsc.blocked {
        flags.push("blocked".into());
    } else if !rsc.managed {
        flags.push("unmanaged".into());
    }
    if rsc.failure_ignored {
        flags.push("failure ignored".into());
    }
    if !flags.is_empty() {
        let _ = write!(s, " ({})", flags.join(", "));
    }
    if multiple {
        let names: Vec<&str> = rsc
            .running_on
            .iter()
            .map(|&n| ws.node(n).uname.as_str())
            .collect();
        let _ = write!(s, " [ {} ]", names.join(" "));
    }
    s
}

fn displayable_role(ws: &WorkingSet, r: RscIdx) -> Role {
    let role = ws.rsc(r).role;
    let top = ws.top_parent(r);
    if role == Role::Started && matches!(ws.rsc(top).variant, Variant::Clone { promotable: true }) {
        Role::Unpromoted
    } else {
        role
    }
}

/// "N of M resource instances DISABLED and K BLOCKED ..." counts.
pub fn instance_counts(ws: &WorkingSet) -> (usize, usize, usize) {
    let (mut n, mut disabled, mut blocked) = (0, 0, 0);
    for r in ws.all_in_order() {
        let rsc = ws.rsc(r);
        if !rsc.children.is_empty() {
            continue;
        }
        if rsc.orphan && rsc.role <= Role::Stopped {
            continue;
        }
        n += 1;
        if is_disabled(rsc) {
            disabled += 1;
        }
        if rsc.blocked {
            blocked += 1;
        }
    }
    (n, disabled, blocked)
}

/// The name of an OCF result code (`services_ocf_exitcode_str`).
pub(crate) fn ocf_exitcode_str(rc: i32) -> &'static str {
    match rc {
        0 => "ok",
        1 => "error",
        2 => "invalid parameter",
        3 => "unimplemented feature",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "promoted",
        9 => "promoted (failed)",
        190 => "degraded",
        191 => "degraded promoted",
        _ => "unknown",
    }
}
