//! The `crm_simulate`-like what-if front end: read a CIB, apply requested
//! changes, compute the transition, "execute" it as `crm_simulate -S` does
//! (every action succeeds unless a failure is injected) and print the
//! status before and after.

pub mod display;
pub mod inject;
pub mod summary;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cib::status_edit::{self, OpResult};
use crate::cib::{self, Cib, CibError, LrmResource};
use crate::scheduler::graph::{self, Outcome};
use crate::scheduler::rules::{format_datetime, parse_datetime};
use crate::scheduler::{self, ActionIdx, Transition};

/// What to do, as `crm_simulate`'s options say it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-S`: run the transition and show the revised status.
    pub simulate: bool,
    /// `-R`: run the transition, showing the actions only.
    pub run: bool,
    /// `-s`: show allocation scores.
    pub show_scores: bool,
    /// `-Q`: print only what is essential (with `-s`, the scores alone).
    pub quiet: bool,
    /// `-D FILE`: write the graph as dot.
    pub save_dot: Option<PathBuf>,
    /// `-G FILE`: write the graph as XML.
    pub save_graph: Option<PathBuf>,
    /// `-O FILE`: write the CIB as modified by the injections.
    pub save_output: Option<PathBuf>,
    /// `-u NODE`: bring nodes online.
    pub node_up: Vec<String>,
    /// `-d NODE`: take nodes offline.
    pub node_down: Vec<String>,
    /// `-f NODE`: fail nodes.
    pub node_fail: Vec<String>,
    /// `-i OPSPEC`: inject operation results before scheduling.
    pub op_inject: Vec<String>,
    /// `-F OPSPEC`: make actions fail while executing.
    pub op_fail: Vec<String>,
    /// `-q`: set quorum (the value as given: `true`, `1`, `false`, ...).
    pub quorum: Option<String>,
    /// `-t DATE`: the time to use.
    pub set_datetime: Option<String>,
    /// The wall clock (seconds since the epoch), when the caller lets it
    /// in: `crm_simulate` uses it as "now" for CIBs without an
    /// execution-date, and stamps injected results and fail counts with it.
    /// `None` keeps a run independent of the clock ([`DEFAULT_NOW`]).
    pub wall_clock: Option<i64>,
}

/// Why a simulation could not run.
#[derive(Debug)]
pub enum SimulateError {
    /// The CIB is bad.
    Cib(CibError),
    /// An option's value is bad.
    Usage(String),
    /// A file could not be written.
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for SimulateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulateError::Cib(e) => write!(f, "{e}"),
            SimulateError::Usage(m) => write!(f, "{m}"),
            SimulateError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for SimulateError {}

impl From<CibError> for SimulateError {
    fn from(e: CibError) -> Self {
        SimulateError::Cib(e)
    }
}

/// An operation spec: `rsc_task_interval@node=rc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpSpec {
    /// Resource id.
    pub rsc: String,
    /// Task.
    pub task: String,
    /// Interval in ms.
    pub interval_ms: u64,
    /// Node name.
    pub node: String,
    /// Result code.
    pub rc: i32,
}

impl OpSpec {
    /// Parses `rsc_task_interval@node=rc`.
    pub fn parse(s: &str) -> Result<OpSpec, SimulateError> {
        let bad = || {
            SimulateError::Usage(format!(
                "invalid operation spec '{s}': expected rsc_task_interval@node=rc"
            ))
        };
        let (key, rest) = s.split_once('@').ok_or_else(bad)?;
        let (node, rc) = rest.rsplit_once('=').ok_or_else(bad)?;
        let rc: i32 = rc.trim().parse().map_err(|_| bad())?;
        let (rest, interval) = key.rsplit_once('_').ok_or_else(bad)?;
        let interval_ms: u64 = interval.parse().map_err(|_| bad())?;
        let (rsc, task) = split_task(rest).ok_or_else(bad)?;
        Ok(OpSpec {
            rsc: rsc.to_string(),
            task: task.to_string(),
            interval_ms,
            node: node.to_string(),
            rc,
        })
    }
}

fn split_task(s: &str) -> Option<(&str, &str)> {
    for t in [
        "migrate_to",
        "migrate_from",
        "monitor",
        "start",
        "stop",
        "promote",
        "demote",
        "notify",
    ] {
        if let Some(rsc) = s.strip_suffix(&format!("_{t}")) {
            return Some((rsc, t));
        }
    }
    s.rsplit_once('_')
}

/// "Now" for a run: `-t`, else the CIB's `execution-date`, else `fallback`.
fn now_for(cib: &Cib, opts: &Options, fallback: i64) -> Result<i64, SimulateError> {
    if let Some(t) = &opts.set_datetime {
        return parse_datetime(t)
            .ok_or_else(|| SimulateError::Usage(format!("invalid date '{t}'")));
    }
    Ok(scheduler::effective_now(cib, fallback))
}

/// A fixed "now" for CIBs that carry no date, so output never depends on the
/// wall clock: 2022-11-24, the release of Pacemaker 2.1.5.
pub const DEFAULT_NOW: i64 = 1_669_248_000;

/// Everything one `crm_simulate` run produces.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// What it prints on stdout.
    pub stdout: String,
    /// The graph as dot, when `-D` was given.
    pub dot: Option<String>,
    /// The graph as XML, when `-G` was given.
    pub graph: Option<String>,
}

/// Runs `crm_simulate` on a CIB file and returns what it prints, writing
/// the files `-D`, `-G` and `-O` name.
pub fn run_file(path: &Path, opts: &Options) -> Result<String, SimulateError> {
    let cib = cib::load(path)?;
    run(cib, opts)
}

/// Runs `crm_simulate` on a CIB file and returns all it produces, without
/// writing the `-D` and `-G` files (their paths only say which to make).
pub fn run_file_outputs(path: &Path, opts: &Options) -> Result<Outputs, SimulateError> {
    let cib = cib::load(path)?;
    run_outputs(cib, opts)
}

/// Runs `crm_simulate` on a parsed CIB and returns what it prints, writing
/// the files `-D` and `-G` name.
pub fn run(cib: Cib, opts: &Options) -> Result<String, SimulateError> {
    let outputs = run_outputs(cib, opts)?;
    let files = [
        (&opts.save_dot, &outputs.dot),
        (&opts.save_graph, &outputs.graph),
    ];
    for (path, text) in files {
        if let (Some(p), Some(text)) = (path, text) {
            std::fs::write(p, text).map_err(|e| SimulateError::Io(p.clone(), e))?;
        }
    }
    Ok(outputs.stdout)
}

/// Runs `crm_simulate` on a parsed CIB and returns all it produces
/// (`pcmk__simulate`): what it prints, and the dot and XML graphs when
/// asked for. Writes only the `-O` file.
pub fn run_outputs(mut cib: Cib, opts: &Options) -> Result<Outputs, SimulateError> {
    let now = now_for(&cib, opts, opts.wall_clock.unwrap_or(DEFAULT_NOW))?;
    // Injected results carry the wall clock's time, whatever "now" the
    // scheduler is given (pcmk_injections.c uses time(NULL)).
    let stamp = opts.wall_clock.unwrap_or(now);
    let mut out = String::new();
    if cib.attr("validate-with") == Some("none") {
        // Printed while the CIB is read in (`pcmk__validate_xml`).
        out.push_str("Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)\n");
    }
    // crm_simulate says which "now" it uses each time it (re)reads the
    // CIB: at the start, after injections and after the simulation
    // (`set_effective_date` from `reset`).
    let date_note = match &opts.set_datetime {
        Some(t) => Some(format!("Setting effective cluster time: {t}\n")),
        None => cib
            .attr("execution-date")
            .and_then(|v| v.parse::<i64>().ok())
            .map(|d| {
                format!(
                    "Using the original execution date of: {}\n",
                    format_datetime(d)
                )
            }),
    };
    if let Some(n) = &date_note {
        out.push_str(n);
    }
    let ws = scheduler::unpack_cib(&cib, now);
    // The summary header items are separated by blank lines, and a blank
    // line follows them, when there are any.
    let mut header = false;
    if ws.config.maintenance_mode {
        out.push_str("\n              *** Resource management is DISABLED ***\n");
        out.push_str("  The cluster will not attempt to start, stop or recover services\n");
        header = true;
    }
    let (n, disabled, blocked) = display::instance_counts(&ws);
    if disabled > 0 || blocked > 0 {
        if header {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{disabled} of {n} resource instances DISABLED and {blocked} BLOCKED from further action due to failure"
        );
        header = true;
    }
    if header {
        out.push('\n');
    }
    out.push_str("Current cluster status:\n");
    out.push_str(&display::cluster_status(&ws));
    out.push('\n');

    let modified = apply_modifications(&mut cib, opts, stamp, &mut out)?;
    if let Some(p) = &opts.save_output {
        std::fs::write(p, cib.to_xml()).map_err(|e| SimulateError::Io(p.clone(), e))?;
    }
    if modified {
        if let Some(n) = &date_note {
            out.push_str(n);
        }
    }

    // With -Q only the scores are printed, after a blank line if the CIB
    // was modified (the end of the empty modifications list).
    let mut quiet_out = String::from(if modified { "\n" } else { "" });
    if !opts.simulate
        && !opts.run
        && !opts.show_scores
        && opts.save_dot.is_none()
        && opts.save_graph.is_none()
    {
        return Ok(finish(opts, out, quiet_out, Outputs::default()));
    }
    let t = scheduler::schedule_with(&cib, now, opts.show_scores);
    // Developer aid: PACESIM_DUMP=1 lists every action with its flags,
    // reason and inputs on stderr (stdout stays what crm_simulate prints).
    if std::env::var_os("PACESIM_DUMP").is_some() {
        for a in &t.ws.actions {
            let node = a
                .node
                .map(|n| t.ws.node(n).uname.clone())
                .unwrap_or_default();
            eprintln!(
                "{:3} {} on {} opt={} run={} pseudo={} reason={:?} before={:?}",
                a.id,
                a.key,
                node,
                a.optional,
                a.runnable,
                a.pseudo,
                a.reason,
                a.before
                    .iter()
                    .filter(|b| b.1 != 0)
                    .map(|b| format!("{}:{:x}", b.0 .0, b.1))
                    .collect::<Vec<_>>()
            );
        }
    }
    if opts.show_scores {
        let s = scores(&t);
        out.push_str(&s);
        quiet_out.push_str(&s);
    }
    let files = Outputs {
        stdout: String::new(),
        dot: opts
            .save_dot
            .as_ref()
            .map(|_| graph::to_dot(&t.ws, &t.graph)),
        graph: opts
            .save_graph
            .as_ref()
            .map(|_| graph::to_xml(&t.ws, &t.graph)),
    };
    if !opts.simulate && !opts.run {
        return Ok(finish(opts, out, quiet_out, files));
    }
    out.push_str("Transition Summary:\n");
    for l in summary::transition_summary(&t) {
        out.push_str(&l);
        out.push('\n');
    }
    if !opts.simulate {
        // -R shows what the cluster would do and stops there: executing
        // the transition belongs to -S (`pcmk__simulate`).
        return Ok(finish(opts, out, quiet_out, files));
    }
    out.push('\n');
    out.push_str("Executing Cluster Transition:\n");
    let fails: Vec<OpSpec> = opts
        .op_fail
        .iter()
        .map(|s| OpSpec::parse(s))
        .collect::<Result<_, _>>()?;
    let executed = execute(&mut cib, &t, &fails, stamp, &mut out);
    let _ = executed;
    if opts.simulate {
        if let Some(n) = &date_note {
            out.push_str(n);
        }
    }
    out.push('\n');
    if opts.simulate {
        out.push_str("Revised Cluster Status:\n");
        let mut ws2 = scheduler::unpack_cib(&cib, now);
        // crm_simulate shows the revised status without pending operations
        // (no `pcmk_show_pending`): a start still recorded as in flight
        // shows as its role, a pending monitor adds no "(Monitoring)".
        for rsc in &mut ws2.rscs {
            rsc.pending_task = None;
        }
        out.push_str(&display::cluster_status(&ws2));
    }
    Ok(finish(opts, out, quiet_out, files))
}

/// The outputs of a run, its stdout being `quiet` with `-Q`.
fn finish(opts: &Options, out: String, quiet: String, files: Outputs) -> Outputs {
    Outputs {
        stdout: if opts.quiet { quiet } else { out },
        ..files
    }
}

fn apply_modifications(
    cib: &mut Cib,
    opts: &Options,
    now: i64,
    out: &mut String,
) -> Result<bool, SimulateError> {
    let any = !opts.node_up.is_empty()
        || !opts.node_down.is_empty()
        || !opts.node_fail.is_empty()
        || !opts.op_inject.is_empty();
    // crm_simulate 2.1.5 applies -q only along with another injection.
    if !any {
        return Ok(false);
    }
    out.push_str("Performing Requested Modifications:\n");
    if let Some(q) = &opts.quorum {
        // Written as given, as crm_simulate does; the scheduler reads it
        // as a boolean.
        let _ = writeln!(out, "  * Setting quorum: {q}");
        match cib.attrs.iter_mut().find(|(k, _)| k == "have-quorum") {
            Some((_, val)) => *val = q.clone(),
            None => cib.attrs.push(("have-quorum".into(), q.clone())),
        }
    }
    let known = |cib: &Cib, n: &str| cib.configuration.nodes.iter().any(|x| x.uname == n);
    for n in &opts.node_up {
        if !known(cib, n) {
            return Err(SimulateError::Usage(format!("unknown node '{n}'")));
        }
        let _ = writeln!(out, "  * Bringing node {n} online");
        status_edit::node_state_change(cib, n, true);
    }
    for n in &opts.node_down {
        if !known(cib, n) {
            return Err(SimulateError::Usage(format!("unknown node '{n}'")));
        }
        let _ = writeln!(out, "  * Taking node {n} offline");
        status_edit::node_state_change(cib, n, false);
        status_edit::clear_node_history(cib, n);
    }
    for n in &opts.node_fail {
        if !known(cib, n) {
            return Err(SimulateError::Usage(format!("unknown node '{n}'")));
        }
        let _ = writeln!(out, "  * Failing node {n}");
        status_edit::node_state_change(cib, n, true);
        if let Some(st) = status_edit::node_state(cib, n) {
            st.in_ccm = Some("false".into());
        }
    }
    for spec in &opts.op_inject {
        let op = OpSpec::parse(spec)?;
        if !known(cib, &op.node) {
            return Err(SimulateError::Usage(format!(
                "unknown node '{}' in '{spec}'",
                op.node
            )));
        }
        if status_edit::agent_of(cib, &op.rsc).is_none() {
            return Err(SimulateError::Usage(format!(
                "invalid resource name '{}' in '{spec}'",
                op.rsc
            )));
        }
        let _ = writeln!(out, "  * Injecting {spec} into the configuration");
        // pcmk__inject_scheduler_input records every injected result as
        // expected to succeed.
        let result = OpResult {
            node: &op.node,
            rsc: &op.rsc,
            task: &op.task,
            interval_ms: op.interval_ms,
            rc: op.rc,
            target_rc: 0,
            now,
        };
        status_edit::record_op(cib, &result);
        inject::inject_failcount(cib, &result, out);
    }
    out.push('\n');
    Ok(true)
}

/// The `-F` spec that fails this action, if any.
fn matching_fail<'a>(
    fails: &'a [OpSpec],
    rsc: &str,
    task: &str,
    interval_ms: u64,
    node: &str,
) -> Option<&'a OpSpec> {
    fails.iter().find(|f| {
        f.rsc.eq_ignore_ascii_case(rsc)
            && f.task.eq_ignore_ascii_case(task)
            && f.interval_ms == interval_ms
            && f.node.eq_ignore_ascii_case(node)
    })
}

/// The names of an action's resource: as shown, and as written to the
/// history. The graph names an anonymous clone instance by its configured
/// id (long id: the history name or instance id), an orphan by its history
/// name; `crm_simulate` shows the graph's id if a resource is known by it,
/// else the long id if that is known (`simulate_rsc_action`).
fn action_rsc_names(ws: &scheduler::WorkingSet, r: scheduler::RscIdx) -> (String, String) {
    let (id, long) = scheduler::graph::rsc_graph_names(ws, r);
    let known = |name: &str| {
        ws.rscs
            .iter()
            .any(|x| x.id == name || x.clone_name.as_deref() == Some(name))
    };
    let shown = match long {
        Some(l) if !known(&id) && known(&l) => l,
        _ => id.clone(),
    };
    (shown, id)
}

/// Executes the graph, printing each action as `crm_simulate` does and
/// recording results in the CIB's status.
fn execute(
    cib: &mut Cib,
    t: &Transition,
    fails: &[OpSpec],
    now: i64,
    out: &mut String,
) -> Vec<(ActionIdx, Outcome)> {
    let ws = &t.ws;
    let outcome_of = |a: ActionIdx| {
        let act = ws.action(a);
        let (Some(r), Some(n)) = (act.rsc, act.node) else {
            return Outcome::Done;
        };
        let (shown, _) = action_rsc_names(ws, r);
        let rsc = &shown;
        let node = &ws.node(n).uname;
        let target = act.expected_rc.unwrap_or(0);
        let _ = target;
        // Any matching -F spec fails the action, whatever its code
        // (simulate_rsc_action compares the spec's prefix, ignoring case).
        if matching_fail(fails, rsc, &act.task, act.interval_ms, node).is_some() {
            Outcome::Failed
        } else {
            Outcome::Done
        }
    };
    let fired = graph::execute(ws, &t.graph, outcome_of);
    let mut histories = Histories::of(cib);
    for &(a, outcome) in &fired {
        let act = ws.action(a);
        let node = act
            .node
            .map(|n| ws.node(n).uname.clone())
            .unwrap_or_default();
        if act.pseudo {
            // The graph keys actions of a resource known in the history by
            // another name by that name (`clone_op_key`).
            let key = match act.rsc.and_then(|r| ws.rsc(r).clone_name.clone()) {
                Some(name) if act.task == "notify" => {
                    let m = |k: &str| act.meta.get(k).cloned().unwrap_or_default();
                    format!(
                        "{name}_{}_notify_{}_0",
                        m("notify_type"),
                        m("notify_operation")
                    )
                }
                Some(name) => {
                    let task = act.meta.get("cancel_task").unwrap_or(&act.task);
                    format!("{name}_{task}_{}", act.interval_ms)
                }
                None => act.key.clone(),
            };
            if act.task == "stonith" {
                let _ = writeln!(out, "  * Pseudo action:   {key} on {node}");
            } else {
                let _ = writeln!(out, "  * Pseudo action:   {key}");
            }
            continue;
        }
        match (act.rsc, act.task.as_str()) {
            (None, "stonith") => {
                let op = act
                    .meta
                    .get("stonith_action")
                    .cloned()
                    .unwrap_or_else(|| "reboot".into());
                let _ = writeln!(out, "  * Fencing {node} ({op})");
                if op != "on" {
                    status_edit::node_state_change(cib, &node, false);
                    status_edit::clear_node_history(cib, &node);
                    histories.forget_node(&node);
                }
            }
            (None, "probe_again") => {
                // A re-probe request: crm_simulate neither shows nor records it.
            }
            (None, task) => {
                let _ = writeln!(out, "  * Cluster action:  {task} on {node}");
            }
            (Some(r), task @ ("clear_failcount" | "lrm_delete")) => {
                // A controller (crm_event) action, not an agent call:
                // crm_simulate shows it, by the graph's primitive id, and
                // leaves the CIB as it is.
                let (rsc, _) = scheduler::graph::rsc_graph_names(ws, r);
                let _ = writeln!(out, "  * Cluster action:  {task} for {rsc} on {node}");
            }
            (Some(r), task) => {
                let (shown, lrm_name) = action_rsc_names(ws, r);
                // An existing entry under the name shown, else one under
                // the graph's name (`inject_resource`).
                let rsc = if histories.has(&node, &shown) {
                    shown.clone()
                } else {
                    lrm_name
                };
                if act.interval_ms > 0 {
                    let _ = writeln!(
                        out,
                        "  * Resource action: {shown:<15} {task}={} on {node}",
                        act.interval_ms
                    );
                } else {
                    let _ = writeln!(out, "  * Resource action: {shown:<15} {task} on {node}");
                }
                if task == "delete" || task == "meta-data" {
                    continue;
                }
                let target = act.expected_rc.unwrap_or(0);
                let rc = match outcome {
                    Outcome::Done => target,
                    Outcome::Failed => {
                        let rc = matching_fail(fails, &shown, task, act.interval_ms, &node)
                            .map_or(1, |f| f.rc);
                        let _ = writeln!(
                            out,
                            "Pretending action {} failed with rc={rc}",
                            graph::graph_id(act)
                        );
                        let failed = OpResult {
                            node: &node,
                            rsc: &shown,
                            task,
                            interval_ms: act.interval_ms,
                            rc,
                            target_rc: target,
                            now,
                        };
                        inject::inject_failcount(cib, &failed, out);
                        rc
                    }
                };
                let mut result = OpResult {
                    node: &node,
                    rsc: &rsc,
                    task,
                    interval_ms: act.interval_ms,
                    rc,
                    target_rc: target,
                    now,
                };
                let mut forced_id = None;
                if task == "notify" {
                    // A notification is recorded under its own id, and always
                    // as a success, so that it never replaces the resource's
                    // last result (`pcmk__create_history_xml`).
                    let m = |k: &str| act.meta.get(k).cloned().unwrap_or_default();
                    let (ntype, ntask) = (m("notify_type"), m("notify_operation"));
                    forced_id = Some(format!("{rsc}_{ntype}_notify_{ntask}_0"));
                    result = OpResult {
                        interval_ms: 0,
                        rc: 0,
                        target_rc: 0,
                        ..result
                    };
                }
                if let Some(entry) = histories.entry(cib, &node, &rsc) {
                    status_edit::record_result(entry, &result, forced_id);
                }
                if task == "migrate_to" || task == "migrate_from" {
                    if let (Some(s), Some(tg)) = (
                        act.meta.get("migrate_source"),
                        act.meta.get("migrate_target"),
                    ) {
                        inject::record_migration(cib, &node, &rsc, s, tg);
                    }
                }
            }
        }
    }
    fired
}

/// Where each resource history of the CIB's status sits, by (node name,
/// history id), while a transition's results are recorded: looking entries
/// up by scanning a node's history made recording a big transition
/// (thousands of probes on each node) quadratic.
struct Histories {
    at: BTreeMap<(String, String), (usize, usize)>,
    /// Ids a node has more than one history entry for: crm_simulate's
    /// lookup of the entry to record into (an XPath query expecting one
    /// match) finds none, so every result goes into a new entry of its own.
    duplicated: std::collections::BTreeSet<(String, String)>,
    /// Agents of the resources given a new entry so far
    /// ([`status_edit::agent_of`] scans the configuration).
    agents: BTreeMap<String, Option<(String, Option<String>, String)>>,
}

impl Histories {
    fn of(cib: &Cib) -> Self {
        let mut at = BTreeMap::new();
        let mut duplicated = std::collections::BTreeSet::new();
        for (si, st) in cib.status.node_states.iter().enumerate() {
            let Some(uname) = &st.uname else { continue };
            for (li, r) in st.lrm.iter().flatten().enumerate() {
                let key = (uname.clone(), r.id.clone());
                match at.entry(key) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        duplicated.insert(e.key().clone());
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert((si, li));
                    }
                }
            }
        }
        Histories {
            at,
            duplicated,
            agents: BTreeMap::new(),
        }
    }

    /// Whether the node has a history entry of this id.
    fn has(&self, node: &str, id: &str) -> bool {
        self.at.contains_key(&(node.to_string(), id.to_string()))
    }

    /// The node's history was erased (it was fenced).
    fn forget_node(&mut self, node: &str) {
        self.at.retain(|(n, _), _| n != node);
        self.duplicated.retain(|(n, _)| n != node);
    }

    /// A resource's history entry on a node, created if new
    /// ([`status_edit::history_entry`]).
    fn entry<'a>(&mut self, cib: &'a mut Cib, node: &str, id: &str) -> Option<&'a mut LrmResource> {
        let key = (node.to_string(), id.to_string());
        if self.duplicated.contains(&key) {
            let &(si, _) = self.at.get(&key)?;
            let agent = status_edit::agent_of(cib, id);
            let lrm = Arc::make_mut(&mut cib.status.node_states[si])
                .lrm
                .as_mut()?;
            lrm.push(Arc::new(status_edit::new_history(id, agent)));
            return lrm.last_mut().map(Arc::make_mut);
        }
        let (si, li) = match self.at.get(&key) {
            Some(&at) => at,
            None => {
                let by_name = |cib: &Cib| {
                    cib.status
                        .node_states
                        .iter()
                        .position(|s| s.uname.as_deref() == Some(node))
                };
                let si = match by_name(cib) {
                    Some(si) => si,
                    None => {
                        // Made as `history_entry` would make it; a state
                        // known by id only is left to it, unindexed.
                        status_edit::node_state(cib, node)?;
                        match by_name(cib) {
                            Some(si) => si,
                            None => return status_edit::history_entry(cib, node, id),
                        }
                    }
                };
                // Every entry of a named node state is indexed: this one is new.
                let agent = self
                    .agents
                    .entry(id.to_string())
                    .or_insert_with(|| status_edit::agent_of(cib, id))
                    .clone();
                let lrm = Arc::make_mut(&mut cib.status.node_states[si])
                    .lrm
                    .get_or_insert_with(Vec::new);
                lrm.push(Arc::new(status_edit::new_history(id, agent)));
                let li = lrm.len() - 1;
                self.at.insert(key, (si, li));
                (si, li)
            }
        };
        Arc::make_mut(&mut cib.status.node_states[si])
            .lrm
            .as_mut()?
            .get_mut(li)
            .map(Arc::make_mut)
    }
}

/// Allocation scores as `crm_simulate -s` prints them: each line as the
/// scheduler recorded it while assigning, then a blank line.
pub fn scores(t: &Transition) -> String {
    let mut out = String::new();
    for line in t.ws.score_log.iter().flatten() {
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Profiles every CIB in a directory in this process (`crm_simulate -P`):
/// one line per file with the time it took.
pub fn profile_dir(dir: &Path) -> Result<String, SimulateError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| SimulateError::Io(dir.to_path_buf(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let mut out = String::new();
    for f in files {
        let start = std::time::Instant::now();
        let result = cib::load(&f).map(|cib| {
            let now = scheduler::effective_now(&cib, DEFAULT_NOW);
            scheduler::schedule(&cib, now)
        });
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(_) => {
                let _ = writeln!(out, "  * Testing {} ... {secs:.2} secs", f.display());
            }
            Err(e) => {
                let _ = writeln!(out, "  * Testing {} ... error: {e}", f.display());
            }
        }
    }
    Ok(out)
}
