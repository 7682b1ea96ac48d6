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

use crate::cib::Cib;
use crate::cluster::{Process, STACK};
use crate::executor::Activity;

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
        .unwrap_or("corosync");
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
    if disabled > 0 || blocked > 0 {
        let _ = write!(
            counts,
            " ({disabled} DISABLED, {blocked} BLOCKED from further action due to failure)"
        );
    }
    out.push_str(&counts);
    out.push('\n');
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
    let active: Vec<&str> = active_lines(rsc_list);
    if active.is_empty() {
        out.push_str("  * No active resources\n");
    }
    for l in active {
        let _ = writeln!(out, "{}", l.strip_prefix("  ").unwrap_or(l));
    }
    let failed = failed_actions(cib);
    if !failed.is_empty() {
        out.push_str("\nFailed Resource Actions:\n");
        for l in failed {
            let _ = writeln!(out, "  * {l}");
        }
    }
    out
}

/// The resource lines without inactive resources (`crm_mon` without
/// `--inactive`): stopped primitives, clone `Stopped: [ ... ]` lines, and
/// group headers left without members.
fn active_lines(list: &str) -> Vec<&str> {
    let lines: Vec<&str> = list
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("* Stopped")
                || t.ends_with("Stopped")
                || t.contains("Stopped (")
                || t.starts_with("* No resources"))
        })
        .collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let depth = l.len() - l.trim_start().len();
        let header = l.trim_end().ends_with(':') || l.contains("Resource Group:");
        if header {
            let has_child = lines
                .get(i + 1)
                .is_some_and(|n| n.len() - n.trim_start().len() > depth);
            if !has_child {
                continue;
            }
        }
        out.push(*l);
    }
    out
}

/// `failed-action-list`: each `*_last_failure_0` history entry, as
/// `failed_action_friendly` (`pe_output.c`) words it.
fn failed_actions(cib: &Cib) -> Vec<String> {
    let mut out = Vec::new();
    for ns in &cib.status.node_states {
        let node = ns.uname.clone().unwrap_or_else(|| ns.id.clone());
        for r in ns.lrm.iter().flatten() {
            for op in &r.ops {
                if !op.id.ends_with("_last_failure_0") {
                    continue;
                }
                let rc = op.rc_code.unwrap_or(1);
                let reason = op
                    .extra
                    .iter()
                    .find(|(k, _)| k == "exit-reason")
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                let mut line = format!("{} ", r.id);
                if op.interval_ms > 0 {
                    let _ = write!(line, "{}-interval ", readable_interval(op.interval_ms));
                }
                let task = match op.operation.as_str() {
                    "monitor" if op.interval_ms == 0 => "probe",
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
                out.push(line);
            }
        }
    }
    out
}

/// `pcmk__readable_interval`: `20s`, `1m30s`, `500ms`.
fn readable_interval(ms: u64) -> String {
    let mut s = String::new();
    let (d, h, m, sec, milli) = (
        ms / 86_400_000,
        (ms / 3_600_000) % 24,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000,
    );
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m")] {
        if v > 0 {
            let _ = write!(s, "{v}{unit}");
        }
    }
    if sec > 0 || (milli > 0 && !s.is_empty()) {
        if milli > 0 {
            let _ = write!(s, "{sec}.{milli:03}s");
        } else {
            let _ = write!(s, "{sec}s");
        }
    } else if milli > 0 {
        let _ = write!(s, "{milli}ms");
    }
    if s.is_empty() {
        s.push_str("0s");
    }
    s
}

/// `pcmk_exec_status_str`.
fn exec_status(st: i32) -> &'static str {
    match st {
        1 => "pending",
        2 => "cancelled",
        3 => "timed out",
        4 => "not supported",
        5 => "error",
        6 => "no secrets",
        7 => "invalid",
        8 => "node unavailable",
        _ => "unknown",
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
        assert_eq!(readable_interval(3_600_000), "1h");
        assert_eq!(readable_interval(0), "0s");
    }
}
