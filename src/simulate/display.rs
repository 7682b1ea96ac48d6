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
    for (i, node) in ws.nodes.iter().enumerate() {
        if node.kind == NodeKind::Ping {
            // Ping nodes are listed like members.
        }
        let health = crate::scheduler::health::node_health(ws, NodeIdx(i));
        let unhealthy = node.online && health < 1;
        let individual =
            node.unclean || node.pending || node.standby || node.maintenance || unhealthy;
        if !individual {
            let list = match (node.online, node.kind == NodeKind::Remote) {
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
        let _ = writeln!(out, "    * Node {}: {}", node.uname, state);
    }
    for (label, list) in [
        ("Online", online),
        ("OFFLINE", offline),
        ("RemoteOnline", remote_online),
        ("RemoteOFFLINE", remote_offline),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "    * {label}: [ {} ]", list.join(" "));
        }
    }
    out.push('\n');
    out.push_str("  * Full List of Resources:\n");
    let mut any = false;
    for &r in &ws.top {
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
            if rsc.orphan && rsc.running_on.is_empty() {
                return;
            }
            lines.push(format!("{pad}* {}", primitive_text(ws, r)));
        }
        Variant::Clone { .. } => {}
    }
}

fn primitive_text(ws: &WorkingSet, r: RscIdx) -> String {
    let rsc = ws.rsc(r);
    let mut s = format!("{}\t({}):\t", rsc.id, rsc.agent);
    let multiple = rsc.running_on.len() > 1;
    let node = if multiple { None } else { ws.current_node(r) };
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
fn ocf_exitcode_str(rc: i32) -> &'static str {
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
