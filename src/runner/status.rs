//! `pacesim run FILE --status-at T`: the cluster at virtual time T, as
//! `crm_mon -1` (Pacemaker 2.1.5) prints it from the DC's CIB, then the
//! ground truth where it differs from what the CIB says.
//!
//! The runner stops at T (after that instant's faults and point
//! expectations) and takes a [`Snapshot`]: the CIB the DC of the largest
//! partition holds, and what the nodes really do. The text mirrors
//! `crm_mon`'s `cluster-summary`, `node-list`, `resource-list` and
//! `failed-action-list` messages (`lib/pacemaker/pcmk_output.c`,
//! `lib/pengine/pe_output.c`), with the resource lines of
//! `simulate::display`. "Last updated" is the virtual instant on the
//! scenario's clock (`EPOCH_BASE` + T), not the wall clock.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use sim::{Addr, Instant, PowerState, Sim};

use crate::cib::{Cib, LrmOp};
use crate::cluster::{Process, STACK};
use crate::executor::Activity;
use crate::scheduler::ws::WorkingSet;

use super::observe::Observer;
use super::EPOCH_BASE;

/// One node at the snapshot's instant, as it really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeNow {
    /// Power and OS.
    pub power: PowerState,
    /// Whether its cluster stack runs.
    pub stack: bool,
    /// Whether it is frozen.
    pub paused: bool,
    /// Whether its partition is quorate (false without a stack).
    pub quorate: bool,
}

/// The cluster at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// When.
    pub at: Instant,
    /// The DC of the largest partition (index into the names).
    pub dc: Option<usize>,
    /// Whose CIB `cib` is: the DC's, else (no DC now) the first node whose
    /// stack runs, as `crm_mon` run there would read it.
    pub from: Option<usize>,
    /// That node's CIB.
    pub cib: Option<Arc<Cib>>,
    /// Each node, in the names' order.
    pub nodes: Vec<NodeNow>,
    /// Per primitive (history id): where it is active (node index).
    pub active: BTreeMap<String, BTreeMap<usize, Activity>>,
}

impl Snapshot {
    /// Takes the cluster's state now.
    pub(super) fn take(names: &[String], sim: &Sim<Process>, obs: &Observer) -> Snapshot {
        let nodes = sim
            .nodes()
            .map(|node| {
                let stack = sim.actor(Addr::new(node, STACK)).and_then(|p| p.stack());
                NodeNow {
                    power: sim.power_state(node),
                    stack: stack.is_some(),
                    paused: sim.is_paused(node),
                    quorate: stack.is_some_and(|s| s.quorate()),
                }
            })
            .collect::<Vec<_>>();
        let lead = super::lead_node(sim, true);
        let cib = lead.and_then(|(n, _)| {
            sim.actor(Addr::new(n, STACK))
                .and_then(|p| p.stack())
                .map(|s| s.controller().shared_cib().clone())
        });
        let index = |n: sim::NodeId| (n.0 as usize).saturating_sub(1);
        let active = obs
            .truth
            .all()
            .iter()
            .filter(|(_, on)| !on.is_empty())
            .map(|(r, on)| {
                let on = on
                    .iter()
                    .map(|(n, a)| ((n.0 as usize).saturating_sub(1), *a))
                    .collect();
                (r.clone(), on)
            })
            .collect();
        debug_assert_eq!(nodes.len(), names.len());
        let dc = lead.filter(|(_, is_dc)| *is_dc).map(|(n, _)| index(n));
        let from = lead.map(|(n, _)| index(n));
        Snapshot {
            at: sim.now(),
            dc,
            from,
            cib,
            nodes,
            active,
        }
    }
}

/// `Thu Jan  1 00:00:00 2026`, as `ctime` and `pcmk__epoch2str` write it.
pub fn ctime(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let rest = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {y}",
        WD[days.rem_euclid(7) as usize],
        MON[(m - 1) as usize],
        d,
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

/// The virtual instant on the scenario's clock, in seconds since the epoch.
pub fn epoch_of(at: Instant) -> i64 {
    EPOCH_BASE + (at.as_nanos() / 1_000_000_000) as i64
}

/// The properties a Pacemaker 2.1.5 DC on Corosync writes into
/// `cib-bootstrap-options` when it is elected (`dc-version`,
/// `cluster-infrastructure`) and the simulated controller leaves out: added
/// where missing, so that the summary names the stack and version as a
/// real cluster's does.
pub fn with_dc_properties(cib: &Cib) -> Cib {
    use crate::cib::{NvPair, NvSet};
    let mut c = cib.clone();
    let sets = &mut c.config_mut().crm_config;
    let i = match sets
        .iter()
        .position(|s| s.id.as_deref() == Some("cib-bootstrap-options"))
    {
        Some(i) => i,
        None => {
            sets.push(NvSet {
                tag: "cluster_property_set".into(),
                id: Some("cib-bootstrap-options".into()),
                ..NvSet::default()
            });
            sets.len() - 1
        }
    };
    for (name, value) in [
        ("dc-version", "2.1.5-a3f44794f94"),
        ("cluster-infrastructure", "corosync"),
    ] {
        if !sets.iter().flat_map(|s| &s.pairs).any(|p| p.name == name) {
            sets[i].pairs.push(NvPair {
                id: Some(format!("cib-bootstrap-options-{name}")),
                name: name.into(),
                value: Some(value.into()),
                ..NvPair::default()
            });
        }
    }
    c
}

/// `crm_mon -1` of a CIB, "Last updated" at `now` (seconds since the epoch).
pub fn crm_mon(cib: &Cib, now: i64) -> String {
    let ws = crate::scheduler::unpack_cib(cib, now);
    let mut out = String::from("Cluster Summary:\n");
    let stack = cib
        .crm_option("cluster-infrastructure")
        .unwrap_or("unknown");
    let _ = writeln!(out, "  * Stack: {stack}");
    let dc = cib.attr("dc-uuid").and_then(|id| {
        cib.configuration
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.uname.clone())
    });
    match dc {
        Some(dc) => {
            let version = cib.crm_option("dc-version").unwrap_or("unknown");
            let quorum = if cib
                .attr("have-quorum")
                .is_some_and(|q| q == "1" || q == "true")
            {
                "partition with quorum"
            } else {
                "partition WITHOUT quorum"
            };
            let _ = writeln!(out, "  * Current DC: {dc} (version {version}) - {quorum}");
        }
        None => out.push_str("  * Current DC: NONE\n"),
    }
    let _ = writeln!(out, "  * Last updated: {}", ctime(now));
    let last = cib
        .attr("cib-last-written")
        .map(str::to_string)
        .unwrap_or_default();
    let mut change = format!("  * Last change:  {last}");
    if let Some(user) = cib.attr("update-user") {
        let _ = write!(change, " by {user}");
    }
    if let Some(client) = cib.attr("update-client") {
        let _ = write!(change, " via {client}");
    }
    if let Some(origin) = cib.attr("update-origin") {
        let _ = write!(change, " on {origin}");
    }
    out.push_str(&change);
    out.push('\n');
    let nodes = ws.nodes.len();
    let _ = writeln!(
        out,
        "  * {nodes} node{} configured",
        if nodes == 1 { "" } else { "s" }
    );
    let (n, disabled, blocked) = crate::simulate::display::instance_counts(&ws);
    let mut counts = format!(
        "  * {n} resource instance{} configured",
        if n == 1 { "" } else { "s" }
    );
    // `cluster-counts` (pe_output.c) names only the non-zero counts.
    match (disabled, blocked) {
        (0, 0) => {}
        (d, 0) => {
            let _ = write!(counts, " ({d} DISABLED)");
        }
        (0, b) => {
            let _ = write!(counts, " ({b} BLOCKED from further action due to failure)");
        }
        (d, b) => {
            let _ = write!(
                counts,
                " ({d} DISABLED, {b} BLOCKED from further action due to failure)"
            );
        }
    }
    out.push_str(&counts);
    out.push('\n');
    // `cluster-options`: the banners of maintenance and stop-all.
    if ws.config.maintenance_mode {
        out.push_str("\n              *** Resource management is DISABLED ***\n");
        out.push_str("  The cluster will not attempt to start, stop or recover services\n");
    } else if ws.config.stop_all {
        out.push_str("\n    *** Resource management is DISABLED ***\n");
        out.push_str("  The cluster will keep all resources stopped\n");
    }
    // The node and resource lists, as crm_simulate indents them under
    // "Current cluster status:", one level out; inactive resources hidden.
    let status = crate::simulate::display::cluster_status(&ws);
    let (node_list, rsc_list) = status
        .split_once("\n  * Full List of Resources:\n")
        .unwrap_or((&status, ""));
    out.push_str("\nNode List:\n");
    for l in node_list.lines().skip(1).filter(|l| !l.is_empty()) {
        let _ = writeln!(out, "{}", l.strip_prefix("  ").unwrap_or(l));
    }
    out.push_str("\nActive Resources:\n");
    let active = active_lines(rsc_list);
    if active.is_empty() {
        out.push_str("  * No active resources\n");
    }
    for l in &active {
        let _ = writeln!(out, "{}", l.strip_prefix("  ").unwrap_or(l));
    }
    let failed = failed_actions(cib, &ws);
    if !failed.is_empty() {
        out.push_str("\nFailed Resource Actions:\n");
        for l in failed {
            let _ = writeln!(out, "  * {l}");
        }
    }
    out
}

/// The resource lines without inactive resources (`crm_mon` without
/// `--inactive`): stopped primitives and clone `Stopped: [ ... ]` lines
/// go, except the instances of a unique clone that is shown; a group
/// header counts its hidden members ("(2 members inactive)"); a header
/// left without members goes.
fn active_lines(list: &str) -> Vec<String> {
    let lines: Vec<&str> = list.lines().collect();
    let depth = |l: &str| l.len() - l.trim_start().len();
    let inactive = |l: &str| {
        let t = l.trim_start();
        t.starts_with("* Stopped")
            || t.ends_with("Stopped")
            || t.contains("Stopped (")
            // Stopped, shown on the node a shutdown lock keeps it on (a
            // bundle's stopped replica on its node is still shown).
            || (t.contains(":\t Stopped ") && t.ends_with("(LOCKED)"))
            || t.starts_with("* No resources")
    };
    let is_header = |l: &str| l.trim_end().ends_with(':') || l.contains("Resource Group:");
    // The header each line sits under, if any.
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(lines.len());
    let mut stack: Vec<usize> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        while stack.last().is_some_and(|&h| depth(lines[h]) >= depth(l)) {
            stack.pop();
        }
        parent.push(stack.last().copied());
        if is_header(l) {
            stack.push(i);
        }
    }
    // A unique clone with an active instance shows its stopped ones too.
    let unique_clone = |h: usize| {
        lines[h].contains("Clone Set:")
            && lines[h].contains("(unique)")
            && (h + 1..lines.len())
                .take_while(|&j| depth(lines[j]) > depth(lines[h]))
                .any(|j| !inactive(lines[j]) && !is_header(lines[j]))
    };
    let mut keep: Vec<bool> = (0..lines.len())
        .map(|i| !inactive(lines[i]) || parent[i].is_some_and(unique_clone))
        .collect();
    // Headers without a kept line under them go, innermost first.
    for i in (0..lines.len()).rev() {
        if is_header(lines[i]) && keep[i] {
            keep[i] = (i + 1..lines.len())
                .take_while(|&j| depth(lines[j]) > depth(lines[i]))
                .any(|j| keep[j]);
        }
    }
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let hidden = (i + 1..lines.len())
            .filter(|&j| parent[j] == Some(i) && !keep[j])
            .count();
        if hidden > 0 && l.contains("Resource Group:") {
            let word = format!(
                "{hidden} member{} inactive",
                if hidden == 1 { "" } else { "s" }
            );
            let head = l.trim_end().trim_end_matches(':');
            let line = match head.strip_suffix(')').and_then(|h| h.rsplit_once(" (")) {
                Some((name, attrs)) => format!("{name} ({word}, {attrs}):"),
                None => format!("{head} ({word}):"),
            };
            out.push(line);
        } else {
            out.push(l.to_string());
        }
    }
    out
}

/// `failed-action-list`: the operations the scheduler's unpacking records
/// as failed (`record_failed_op`: a result other than the expected one
/// after `remap_operation`, not expired by `failure-timeout`), on the
/// nodes whose history it reads, less the masked probe failures (agent
/// not installed, shown as "Stopped (not installed)"); worded as
/// `failed_action_friendly` (`pe_output.c`) words them.
fn failed_actions(cib: &Cib, ws: &WorkingSet) -> Vec<String> {
    use crate::scheduler::ws::NodeKind;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for ns in &cib.status.node_states {
        let Some(n) = ws
            .find_node_by_id(&ns.id)
            .or_else(|| ns.uname.as_deref().and_then(|u| ws.find_node(u)))
        else {
            continue;
        };
        let node = ws.node(n);
        if node.kind == NodeKind::Remote || !(node.online || ws.config.stonith_enabled) {
            continue;
        }
        let uname = node.uname.clone();
        for lr in ns.lrm.iter().flatten() {
            let rsc = ws
                .find_rsc(&lr.id)
                .or_else(|| ws.find_rsc(&format!("{}:0", lr.id)));
            for op in crate::scheduler::status::sorted_ops(lr) {
                // Recorded once per history key and node.
                let key = op.operation_key.clone().unwrap_or_else(|| op.id.clone());
                if !is_failure(ws, rsc, op) || !seen.insert((key, uname.clone())) {
                    continue;
                }
                out.push(failed_action_friendly(op, &uname));
            }
        }
    }
    out
}

/// Whether the scheduler records this history entry as a failed action
/// (`unpack_rsc_op` after `remap_operation`).
fn is_failure(ws: &WorkingSet, rsc: Option<crate::scheduler::ws::RscIdx>, op: &LrmOp) -> bool {
    const DONE: i32 = 0;
    const ERROR: i32 = 4;
    const NOT_SUPPORTED: i32 = 3;
    const NOT_INSTALLED: i32 = 7;
    let task = op.operation.as_str();
    if matches!(task, "notify" | "meta-data") {
        return false;
    }
    let Some((mut status, mut rc)) = op.status_and_rc() else {
        return false;
    };
    let is_probe = task == "monitor" && op.interval_ms == 0;
    let target = crate::scheduler::status::target_rc(op);
    let raw_rc = op.rc_code.unwrap_or(0);
    // Masked probe failures are not listed.
    if is_probe && (raw_rc == 5 || raw_rc == 2 || op.op_status == Some(NOT_INSTALLED)) {
        return false;
    }
    if status == DONE || status == ERROR {
        if task == "monitor" {
            rc = match rc {
                190 => 0,
                191 => 8,
                other => other,
            };
        }
        // Managed as configured: a failure that blocked it came later.
        let managed = rsc.is_none_or(|r| ws.rsc(r).managed || ws.rsc(r).blocked);
        status = if target >= 0 && rc != target {
            ERROR
        } else {
            DONE
        };
        match rc {
            0 if is_probe && target == 7 => status = DONE,
            7 if is_probe || target == 7 || !managed => status = DONE,
            8 if is_probe => status = DONE,
            0 | 7 | 8 => {}
            3 if op.interval_ms > 0 => status = NOT_SUPPORTED,
            _ if status == DONE => status = ERROR,
            _ => {}
        }
    }
    // Pending (-1) and cancelled (1) operations are not failures; nor, as
    // crm_mon lists them, a recurring operation the agent does not
    // implement (rc 3, remapped to "not supported": corpus 994).
    if status == DONE || status == -1 || status == 1 {
        return false;
    }
    if status == NOT_SUPPORTED && op.interval_ms > 0 {
        return false;
    }
    // Expired by failure-timeout; probes that found a known state never expire.
    let timeout = rsc.map_or(0, |r| ws.rsc(r).failure_timeout);
    let expired = status != NOT_INSTALLED
        && timeout > 0
        && op
            .last_rc_change
            .is_some_and(|t| ws.config.now >= t + timeout)
        && !(is_probe && matches!(rc, 0 | 7 | 8 | 190 | 191));
    !(expired && target >= 0 && rc != target)
}

/// One line of `failed-action-list` (`failed_action_friendly`).
fn failed_action_friendly(op: &LrmOp, node: &str) -> String {
    let key = op.operation_key.clone().unwrap_or_else(|| op.id.clone());
    let (rsc, task, interval_ms) = match parse_op_key(&key) {
        Some(k) => k,
        None => ("unknown resource".into(), "unknown action".into(), 0),
    };
    let rc = op.rc_code.unwrap_or(0);
    let reason = op.extra_attr("exit-reason").unwrap_or("");
    let mut line = format!("{rsc} ");
    if interval_ms > 0 {
        let _ = write!(line, "{}-interval ", readable_interval(interval_ms));
    }
    let task = match task.as_str() {
        "monitor" if interval_ms == 0 => "probe",
        t => t,
    };
    let _ = write!(line, "{task} on {node}");
    match op.op_status.unwrap_or(0) {
        0 => {
            let _ = write!(
                line,
                " returned '{}'",
                crate::simulate::display::ocf_exitcode_str(rc)
            );
            if !reason.is_empty() {
                let _ = write!(line, " ({reason})");
            }
        }
        st => {
            let _ = write!(line, " could not be executed ({}", exec_status(st));
            if !reason.is_empty() {
                let _ = write!(line, ": {reason}");
            }
            line.push(')');
        }
    }
    if let Some(t) = op.last_rc_change {
        let _ = write!(line, " at {}", ctime(t));
    }
    if let Some(ms) = op.exec_time.filter(|ms| *ms > 0) {
        let _ = write!(line, " after {}", readable_interval(ms as u64));
    }
    line
}

/// `parse_op_key`: `RSC_TASK_INTERVAL`, the resource id possibly holding
/// underscores, the task one of the known two-word ones or one word.
fn parse_op_key(key: &str) -> Option<(String, String, u64)> {
    let (rest, interval) = key.rsplit_once('_')?;
    let interval: u64 = interval.parse().ok()?;
    for two in ["migrate_to", "migrate_from", "pre_notify", "post_notify"] {
        if let Some(rsc) = rest.strip_suffix(two).and_then(|r| r.strip_suffix('_')) {
            if !rsc.is_empty() {
                return Some((rsc.to_string(), two.to_string(), interval));
            }
        }
    }
    let (rsc, task) = rest.rsplit_once('_')?;
    if rsc.is_empty() {
        return None;
    }
    Some((rsc.to_string(), task.to_string(), interval))
}

/// `pcmk__readable_interval` (2.1.5): days, hours and minutes while more
/// than one unit is left, then `20s`, `1.500s` or `500ms` (so 1,000 ms is
/// `1000ms` and an hour `60m`, as Pacemaker prints them).
fn readable_interval(mut ms: u64) -> String {
    let mut s = String::new();
    for (unit, name) in [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m")] {
        if ms > unit {
            let _ = write!(s, "{}{name}", ms / unit);
            ms %= unit;
        }
    }
    if ms > 1000 {
        let _ = write!(s, "{}", ms / 1000);
        if !ms.is_multiple_of(1000) {
            let _ = write!(s, ".{:03}", ms % 1000);
        }
        s.push('s');
    } else if ms > 0 {
        let _ = write!(s, "{ms}ms");
    } else if s.is_empty() {
        s.push_str("0s");
    }
    s
}

/// `pcmk_exec_status_str`.
fn exec_status(st: i32) -> &'static str {
    match st {
        -1 => "pending",
        0 => "complete",
        1 => "Cancelled",
        2 => "Timed Out",
        3 => "NOT SUPPORTED",
        4 => "Error",
        5 => "Hard error",
        6 => "Fatal error",
        7 => "Not installed",
        8 => "Internal communication failure",
        9 => "Cannot execute now",
        10 => "No fence device",
        11 => "CIB secrets unavailable",
        _ => "UNKNOWN",
    }
}

/// What the nodes really do where the DC's CIB says otherwise (or
/// nothing), one line each.
pub fn ground_truth(names: &[String], s: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| i.to_string());
    for (i, n) in s.nodes.iter().enumerate() {
        let what = match (n.power, n.stack, n.paused) {
            (PowerState::Off, ..) => Some("powered off".to_string()),
            (PowerState::Booting, ..) => Some("booting".into()),
            (PowerState::Halted, ..) => Some("halted (crashed)".into()),
            (PowerState::Up, false, _) => Some("up, cluster stack not running".into()),
            (PowerState::Up, true, true) => Some("paused (frozen)".into()),
            (PowerState::Up, true, false) if !n.quorate => {
                Some("up, its partition without quorum".into())
            }
            _ => None,
        };
        if let Some(w) = what {
            out.push(format!("Node {}: {w}", name(i)));
        }
    }
    // Where the CIB (as the scheduler reads it) places each primitive.
    let mut believed: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    if let Some(cib) = &s.cib {
        let ws = crate::scheduler::unpack_cib(cib, epoch_of(s.at));
        for r in &ws.rscs {
            if r.variant != crate::scheduler::ws::Variant::Primitive {
                continue;
            }
            let e = believed.entry(r.id.clone()).or_default();
            for &n in &r.running_on {
                e.insert(
                    ws.node(n).uname.clone(),
                    r.role == crate::scheduler::ws::Role::Promoted,
                );
            }
        }
    }
    let mut prims: Vec<&String> = s.active.keys().chain(believed.keys()).collect();
    prims.sort();
    prims.dedup();
    for p in prims {
        let real: BTreeMap<String, bool> = s
            .active
            .get(p)
            .map(|m| {
                m.iter()
                    .map(|(n, a)| (name(*n), *a == Activity::Promoted))
                    .collect()
            })
            .unwrap_or_default();
        let said = believed.get(p).cloned().unwrap_or_default();
        for (node, promoted) in &real {
            let role = if *promoted { "promoted" } else { "active" };
            let i = names.iter().position(|n| n == node);
            let stack = match i.and_then(|i| s.nodes.get(i)) {
                Some(n) if !n.stack => Some("is not running"),
                Some(n) if n.paused => Some("is frozen"),
                _ => None,
            };
            if let Some(how) = stack {
                out.push(format!(
                    "{p} is still {role} on {node}, whose cluster stack {how}: nothing manages it until {node} is fenced"
                ));
            }
            match said.get(node) {
                None => out.push(format!("{p} is {role} on {node}; the CIB does not say so")),
                Some(b) if b != promoted => {
                    out.push(format!("{p} is {role} on {node}; the CIB says otherwise"))
                }
                _ => {}
            }
        }
        for node in said.keys() {
            if !real.contains_key(node) {
                out.push(format!("{p} is not active on {node}; the CIB says it is"));
            }
        }
    }
    out
}

/// The whole `--status-at` block for one snapshot.
pub fn text(names: &[String], s: &Snapshot) -> String {
    let mut out = format!("=== status at {} ===\n", s.at);
    let name = |i: Option<usize>| i.and_then(|i| names.get(i)).map_or("?", |n| n.as_str());
    if s.dc.is_none() && s.cib.is_some() {
        let _ = writeln!(
            out,
            "(no DC at this instant: the CIB {} holds, as crm_mon run there shows it)",
            name(s.from)
        );
    }
    match &s.cib {
        Some(cib) => out.push_str(&crm_mon(&with_dc_properties(cib), epoch_of(s.at))),
        None => out.push_str("no DC: no running cluster stack holds a CIB the cluster agreed on\n"),
    }
    let truth = ground_truth(names, s);
    out.push_str("\nGround truth (where it differs from the CIB):\n");
    if truth.is_empty() {
        out.push_str("  * as the CIB says\n");
    }
    for l in truth {
        let _ = writeln!(out, "  * {l}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_is_as_pacemaker_prints_it() {
        assert_eq!(ctime(EPOCH_BASE), "Thu Jan  1 00:00:00 2026");
        assert_eq!(ctime(EPOCH_BASE + 436), "Thu Jan  1 00:07:16 2026");
        assert_eq!(ctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(ctime(1_796_947_199), "Thu Dec 10 23:59:59 2026");
    }

    #[test]
    fn readable_intervals() {
        assert_eq!(readable_interval(20_000), "20s");
        assert_eq!(readable_interval(90_000), "1m30s");
        assert_eq!(readable_interval(500), "500ms");
        assert_eq!(readable_interval(3_600_000), "60m");
        assert_eq!(readable_interval(1000), "1000ms");
        assert_eq!(readable_interval(1500), "1.500s");
        assert_eq!(readable_interval(0), "0s");
    }
}
