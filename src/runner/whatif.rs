//! `pacesim what-if`: failover what-if analysis.
//!
//! From a scenario it takes the cluster and the invariants (its own faults
//! and expectations are left out). A *cell* is a fault, on a node, under one
//! combination of `--set` values; each cell runs `--seeds` seeds: the
//! cluster runs undisturbed to `--at`, the fault strikes, and the run goes on
//! for `--for`. Per cell and resource: the outage, where it ends, which
//! nodes were fenced, invariant violations.
//!
//! Settings are applied to the scenario's TOML document and the result is
//! read back through the scenario checker, so a `--set` value is checked as
//! the same key in a file would be, and a kept reproducer is that document.
//!
//! The outage of a resource in one run: with `c` its active instances just
//! before the fault, how long after the fault it had fewer than `c` active,
//! in all (0 if never). After a power loss that is the time from the fault
//! until it is active again; a later move back to a rejoined node adds
//! only the move. `lost` when it still has fewer than `c` at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use sim::{Duration, Instant, NodeId};

use crate::scenario::{self, parse_duration, Scenario};

use super::fault::{toml_str, Fault, Planned, Schedule};
use super::{prepare, Keep, Outcome, Prepared, Seen};

/// The command line of `what-if`, as given.
pub struct Options {
    /// `--at`.
    pub at: String,
    /// `--for`.
    pub for_: String,
    /// `--faults`.
    pub faults: String,
    /// `--nodes`.
    pub nodes: Option<String>,
    /// `--with`, each a v1 fault in one string.
    pub with: Vec<String>,
    /// `--set KEY=V1,V2,...`.
    pub set: Vec<String>,
    /// `--seeds`.
    pub seeds: u64,
    /// Threads.
    pub jobs: usize,
}

/// The fault of a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum CellFault {
    /// Power lost.
    PowerOff,
    /// Kernel panic.
    Crash,
    /// The stack killed.
    KillStack,
    /// The node cut off from the rest.
    Isolate,
    /// The node frozen (for the rest of the run if `None`).
    Pause(Option<Duration>),
    /// `pcs cluster stop`.
    StopCluster,
    /// `pcs node standby`.
    Standby,
    /// The monitor of this resource fails on the node.
    ResourceFail(String),
}

impl CellFault {
    /// Its name in tables and JSON.
    pub fn label(&self) -> String {
        match self {
            CellFault::PowerOff => "power_off".into(),
            CellFault::Crash => "crash".into(),
            CellFault::KillStack => "kill_stack".into(),
            CellFault::Isolate => "isolate".into(),
            CellFault::Pause(None) => "pause".into(),
            CellFault::Pause(Some(d)) => format!("pause:{d}"),
            CellFault::StopCluster => "stop_cluster".into(),
            CellFault::Standby => "standby".into(),
            CellFault::ResourceFail(r) => format!("resource_fail:{r}"),
        }
    }

    fn fault(&self, node: NodeId, n: usize, rest_of_run: Duration) -> Fault {
        match self {
            CellFault::PowerOff => Fault::PowerOff(node),
            CellFault::Crash => Fault::Crash(node),
            CellFault::KillStack => Fault::KillStack(node),
            CellFault::Isolate => Fault::Partition(vec![
                vec![node],
                (1..=n as u32).map(NodeId).filter(|x| *x != node).collect(),
            ]),
            CellFault::Pause(d) => Fault::Pause(node, d.unwrap_or(rest_of_run)),
            CellFault::StopCluster => Fault::StopCluster(node),
            CellFault::Standby => Fault::Standby(node),
            CellFault::ResourceFail(r) => Fault::ResourceFail {
                rsc: r.clone(),
                node,
                op: "monitor".into(),
                rc: 7,
                times: 1,
            },
        }
    }
}

/// One combination of settings: its values and its prepared cluster.
pub struct Setting {
    /// KEY → value, in `--set` order.
    pub values: Vec<(String, String)>,
    /// The scenario's document with them applied (and faults left out).
    pub doc: toml::Table,
    /// The cluster.
    pub prepared: Arc<Prepared>,
}

/// A cell to run.
pub struct CellSpec {
    /// Its fault.
    pub fault: CellFault,
    /// On which node (index into the names).
    pub node: usize,
    /// Which setting.
    pub setting: usize,
    /// Background faults, then the cell's own.
    pub schedule: Schedule,
}

/// What `what-if` runs.
pub struct Plan {
    /// The node names.
    pub names: Vec<String>,
    /// The file.
    pub file: PathBuf,
    /// When the fault strikes.
    pub at: Duration,
    /// Every combination of settings.
    pub settings: Vec<Setting>,
    /// Every cell, in grid order (fault, node, setting).
    pub cells: Vec<CellSpec>,
    /// Seeds per cell.
    pub seeds: u64,
}

/// One resource in one cell.
#[derive(Debug, Clone, Default)]
pub struct RscCell {
    /// Outages of the runs where it came back, ms.
    pub outages: Vec<u64>,
    /// Runs where it did not come back.
    pub lost: u64,
    /// Where it ended: placement → runs.
    pub last: BTreeMap<String, u64>,
}

/// A cell's results.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Fault label.
    pub fault: String,
    /// Node name.
    pub node: String,
    /// Settings.
    pub settings: Vec<(String, String)>,
    /// Runs.
    pub runs: u64,
    /// Runs with an invariant violation.
    pub violations: u64,
    /// The first such: seed and what.
    pub first_violation: Option<(u64, String)>,
    /// Per resource.
    pub resources: BTreeMap<String, RscCell>,
    /// Fenced node → runs.
    pub fenced: BTreeMap<String, u64>,
    /// Index in the plan.
    pub index: usize,
}

fn err(s: impl Into<String>) -> String {
    s.into()
}

/// Applies one `--set` value to the scenario's document.
fn apply_setting(doc: &mut toml::Table, key: &str, v: &str) -> Result<(), String> {
    fn table<'a>(t: &'a mut toml::Table, k: &str) -> &'a mut toml::Table {
        let e = t
            .entry(k.to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()));
        if !e.is_table() {
            *e = toml::Value::Table(Default::default());
        }
        e.as_table_mut().expect("a table")
    }
    fn scalar(v: &str) -> toml::Value {
        if let Ok(b) = v.parse::<bool>() {
            toml::Value::Boolean(b)
        } else if let Ok(i) = v.parse::<i64>() {
            toml::Value::Integer(i)
        } else {
            toml::Value::String(v.to_string())
        }
    }
    let bad = || {
        err(format!(
            "--set {key}: unknown setting (totem.token, totem.consensus, totem.join, \
             totem.token_coefficient, totem.token_retransmits_before_loss_const, quorum.NAME, \
             network.latency, network.loss, node_boot, agents.AGENT_OR_RESOURCE.OP, \
             property.NAME, rsc_defaults.NAME)"
        ))
    };
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["totem", name] => {
            let value = match *name {
                "token" | "consensus" | "join" | "token_coefficient" => {
                    toml::Value::String(v.into())
                }
                "token_retransmits_before_loss_const" => toml::Value::Integer(
                    v.parse()
                        .map_err(|_| format!("--set {key}={v}: not a whole number"))?,
                ),
                _ => return Err(bad()),
            };
            table(table(doc, "cluster"), "totem").insert(name.to_string(), value);
        }
        ["quorum", name] => {
            let value = match *name {
                "two_node" | "wait_for_all" | "last_man_standing" | "auto_tie_breaker" => {
                    toml::Value::Boolean(
                        v.parse()
                            .map_err(|_| format!("--set {key}={v}: true or false"))?,
                    )
                }
                "expected_votes" => toml::Value::Integer(
                    v.parse()
                        .map_err(|_| format!("--set {key}={v}: not a whole number"))?,
                ),
                "last_man_standing_window" | "auto_tie_breaker_node" => scalar(v),
                _ => return Err(bad()),
            };
            table(table(doc, "cluster"), "quorum").insert(name.to_string(), value);
        }
        ["network", "latency"] => {
            let (a, b) = v
                .split_once("..")
                .ok_or_else(|| format!("--set {key}={v}: a range, e.g. 1ms..5ms"))?;
            table(doc, "network").insert(
                "latency".into(),
                toml::Value::Array(vec![
                    toml::Value::String(a.into()),
                    toml::Value::String(b.into()),
                ]),
            );
        }
        ["network", "loss"] => {
            let p: f64 = v
                .parse()
                .map_err(|_| format!("--set {key}={v}: a probability between 0 and 1"))?;
            table(doc, "network").insert("loss".into(), toml::Value::Float(p));
        }
        ["node_boot"] => {
            table(doc, "node_boot").insert("default".into(), toml::Value::String(v.into()));
        }
        ["agents", agent, op] => {
            if !["start", "stop", "monitor", "promote", "demote", "off", "on"].contains(op) {
                return Err(format!(
                    "--set {key}: unknown operation `{op}` (start, stop, monitor, promote, demote, off, on)"
                ));
            }
            table(table(doc, "agents"), agent)
                .insert(op.to_string(), toml::Value::String(v.into()));
        }
        ["property", name] | ["rsc_defaults", name] => {
            if name.is_empty() || v.contains(char::is_whitespace) {
                return Err(format!("--set {key}={v}: not a name=value pair"));
            }
            let line = if parts[0] == "property" {
                format!("pcs property set {name}={v}")
            } else {
                format!("pcs resource defaults update {name}={v}")
            };
            let setup = table(doc, "cluster")
                .entry("setup")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            match setup {
                toml::Value::Array(a) => a.push(toml::Value::String(line)),
                _ => return Err(err("cluster.setup is not a list")),
            }
        }
        _ => return Err(bad()),
    }
    Ok(())
}

/// `--with 'fence_device=fence-pdu fail=unreachable'` → TOML keys.
fn with_keys(w: &str) -> Result<String, String> {
    let mut out = String::new();
    for word in w.split_whitespace() {
        let (k, v) = word
            .split_once('=')
            .ok_or_else(|| format!("--with '{w}': `{word}` is not key=value"))?;
        let value = match k {
            "link" | "members" => {
                let names: Vec<String> = v.split(',').map(toml_str).collect();
                format!("[{}]", names.join(", "))
            }
            "partition" => {
                let groups: Vec<String> = v
                    .split('/')
                    .map(|g| {
                        let names: Vec<String> = g.split(',').map(toml_str).collect();
                        format!("[{}]", names.join(", "))
                    })
                    .collect();
                format!("[{}]", groups.join(", "))
            }
            "loss" => v
                .parse::<f64>()
                .map(|f| format!("{f:?}"))
                .map_err(|_| format!("--with '{w}': loss={v} is not a probability"))?,
            "rc" | "times" => v
                .parse::<i64>()
                .map(|i| i.to_string())
                .map_err(|_| format!("--with '{w}': {k}={v} is not a number"))?,
            "heal" | "cut" => v
                .parse::<bool>()
                .map(|b| b.to_string())
                .map_err(|_| format!("--with '{w}': {k}={v} is not true or false"))?,
            _ => toml_str(v),
        };
        let _ = writeln!(out, "{k} = {value}");
    }
    Ok(out)
}

fn parse_cell_faults(s: &str) -> Result<Vec<CellFault>, String> {
    let mut out = Vec::new();
    for w in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let f = match w {
            "power_off" => CellFault::PowerOff,
            "crash" => CellFault::Crash,
            "kill_stack" => CellFault::KillStack,
            "isolate" => CellFault::Isolate,
            "pause" => CellFault::Pause(None),
            "stop_cluster" => CellFault::StopCluster,
            "standby" => CellFault::Standby,
            "resource_fail" => CellFault::ResourceFail(String::new()),
            w if w.starts_with("pause:") => CellFault::Pause(Some(
                parse_duration(&w["pause:".len()..]).map_err(|e| format!("--faults {w}: {e}"))?,
            )),
            other => {
                return Err(format!(
                    "--faults: unknown fault `{other}` (power_off, crash, kill_stack, isolate, \
                     pause, pause:DURATION, stop_cluster, standby, resource_fail)"
                ))
            }
        };
        out.push(f);
    }
    if out.is_empty() {
        return Err("--faults: no fault".into());
    }
    Ok(out)
}

/// The scenario document for a what-if run: the file's, faults,
/// expectations and `[explore]` left out, the duration set, a `cib`
/// made absolute.
fn base_doc(s: &Scenario, duration: Duration) -> Result<toml::Table, String> {
    let mut doc = scenario::document(s, &["fault", "expect", "explore"])?;
    // The invariants, wherever the file wrote them (TOML may have put
    // them inside the last [[fault]] or [[expect]]).
    doc.insert(
        "invariants".into(),
        toml::Value::Array(
            s.invariants
                .iter()
                .map(|i| toml::Value::String(i.name().into()))
                .collect(),
        ),
    );
    doc.insert(
        "duration".into(),
        toml::Value::String(format!("{}ms", duration.as_nanos() / 1_000_000)),
    );
    Ok(doc)
}

/// Checks the options and builds every cell (exit 2 material on error).
pub fn plan(s: &Scenario, o: &Options) -> Result<Plan, String> {
    let at = parse_duration(&o.at).map_err(|e| format!("--at {}: {e}", o.at))?;
    let for_ = parse_duration(&o.for_).map_err(|e| format!("--for {}: {e}", o.for_))?;
    if for_ == Duration::ZERO {
        return Err("--for must be longer than zero".into());
    }
    if o.seeds == 0 || o.seeds > 1_000_000 {
        return Err(format!("--seeds {}: between 1 and 1,000,000", o.seeds));
    }
    let end = at + for_;
    let faults = parse_cell_faults(&o.faults)?;
    let nodes: Vec<usize> = match &o.nodes {
        None => (0..s.nodes.len()).collect(),
        Some(list) => {
            list.split(',')
                .map(|n| {
                    s.nodes.iter().position(|x| x == n.trim()).ok_or_else(|| {
                        format!("--nodes: unknown node `{n}` ({})", s.nodes.join(", "))
                    })
                })
                .collect::<Result<_, _>>()?
        }
    };
    let mut background: Schedule = Vec::new();
    for w in &o.with {
        let keys = with_keys(w)?;
        let f = scenario::parse_fault(&keys, "--with", &s.nodes, end)
            .map_err(|e| format!("--with '{w}': {}", e.message))?;
        background.push(Planned {
            at: f.at,
            fault: Fault::from_action(&s.nodes, &f.action),
            line: 0,
        });
    }
    // Settings: every combination, in `--set` order.
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    for kv in &o.set {
        let (k, vs) = kv
            .split_once('=')
            .ok_or_else(|| format!("--set {kv}: expected KEY=V1,V2,..."))?;
        let vals: Vec<String> = vs.split(',').map(|v| v.trim().to_string()).collect();
        if vals.iter().any(String::is_empty) {
            return Err(format!("--set {kv}: an empty value"));
        }
        axes.push((k.trim().to_string(), vals));
    }
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (k, vals) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    if combos.len() > 10_000 {
        return Err(format!(
            "--set: {} combinations, at most 10,000",
            combos.len()
        ));
    }
    let mut settings = Vec::new();
    for values in combos {
        let mut doc = base_doc(s, end)?;
        for (k, v) in &values {
            apply_setting(&mut doc, k, v)?;
        }
        let text = toml::to_string(&doc).map_err(|e| e.to_string())?;
        let sc = scenario::parse(&text, &s.file).map_err(|e| {
            let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("--set {}: {}", shown.join(" "), e.message)
        })?;
        let prepared = prepare(&sc).map_err(|e| e.to_string())?;
        settings.push(Setting {
            values,
            doc,
            prepared: Arc::new(prepared),
        });
    }
    // Ids the background faults name must exist in the configuration.
    if let Some(st) = settings.first() {
        for (w, b) in o.with.iter().zip(&background) {
            match &b.fault {
                Fault::FenceDevice(d, _) if !st.prepared.devices().contains(d) => {
                    return Err(format!(
                        "--with '{w}': no fencing device `{d}` in the configuration"
                    ))
                }
                Fault::ResourceFail { rsc, .. } if !st.prepared.kinds().contains_key(rsc) => {
                    return Err(format!(
                        "--with '{w}': no resource `{rsc}` in the configuration"
                    ))
                }
                _ => {}
            }
        }
    }
    let mut cells = Vec::new();
    for f in &faults {
        for &node in &nodes {
            for (si, st) in settings.iter().enumerate() {
                let kinds: Vec<CellFault> = match f {
                    CellFault::ResourceFail(_) => active_on(&st.prepared, node, &background)
                        .into_iter()
                        .map(CellFault::ResourceFail)
                        .collect(),
                    other => vec![other.clone()],
                };
                for kind in kinds {
                    let mut schedule = background.clone();
                    schedule.push(Planned {
                        at,
                        fault: kind.fault(NodeId(node as u32 + 1), s.nodes.len(), for_),
                        line: 0,
                    });
                    schedule.sort_by_key(|p| p.at);
                    cells.push(CellSpec {
                        fault: kind,
                        node,
                        setting: si,
                        schedule,
                    });
                }
            }
        }
    }
    Ok(Plan {
        names: s.nodes.clone(),
        file: s.file.clone(),
        at,
        settings,
        cells,
        seeds: o.seeds,
    })
}

/// The resources a `resource_fail` cell may strike on `node`: where each
/// top-level resource is at the end of a run with seed 1 and only the
/// background faults — with nothing struck, where it ran at `--at`.
fn active_on(p: &Prepared, node: usize, background: &[Planned]) -> Vec<String> {
    let o = p.simulate(1, background, None, Keep::default());
    let name = &p.names()[node];
    p.top()
        .iter()
        .filter(|r| {
            !matches!(
                p.kinds().get(*r),
                Some(super::RscKind::Primitive { stonith: true })
            )
        })
        .filter(|r| o.placement.get(*r).is_some_and(|n| n.contains(name)))
        .cloned()
        .collect()
}

/// One run's outage of a resource (ms): how long, after the fault, it had
/// fewer active instances than just before it, in all; `None` (lost) when
/// it has fewer at the end.
pub fn outage(o: &Outcome, rsc: &str, fault_at: Duration) -> Option<u64> {
    let t0 = Instant::ZERO + fault_at;
    let hist = o.availability.get(rsc).map(Vec::as_slice).unwrap_or(&[]);
    let before = hist
        .iter()
        .take_while(|(t, _)| *t < t0)
        .last()
        .map_or(0, |(_, c)| *c);
    if before == 0 {
        return Some(0);
    }
    let mut down_since: Option<Instant> = None;
    let mut total = 0u64;
    for (t, c) in hist.iter().filter(|(t, _)| *t >= t0) {
        match (down_since, *c < before) {
            (None, true) => down_since = Some(*t),
            (Some(s), false) => {
                total += t.saturating_since(s).as_nanos();
                down_since = None;
            }
            _ => {}
        }
    }
    match down_since {
        Some(_) => None,
        None => Some(total / 1_000_000),
    }
}

/// Runs every cell over its seeds.
pub fn run(plan: &Plan, o: &Options) -> Result<Vec<Cell>, String> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.jobs)
        .build()
        .map_err(|e| format!("cannot start {} threads: {e}", o.jobs))?;
    let jobs: Vec<(usize, u64)> = (0..plan.cells.len())
        .flat_map(|c| (1..=plan.seeds).map(move |s| (c, s)))
        .collect();
    let results: Vec<(usize, u64, Outcome)> = pool.install(|| {
        jobs.par_iter()
            .map(|&(c, seed)| {
                let cell = &plan.cells[c];
                let p = &plan.settings[cell.setting].prepared;
                let out = p.simulate(
                    seed,
                    &cell.schedule,
                    None,
                    Keep {
                        timeline: false,
                        availability: true,
                        ..Default::default()
                    },
                );
                (c, seed, out)
            })
            .collect()
    });
    let mut cells: Vec<Cell> = plan
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| Cell {
            fault: c.fault.label(),
            node: plan.names[c.node].clone(),
            settings: plan.settings[c.setting].values.clone(),
            runs: 0,
            violations: 0,
            first_violation: None,
            resources: BTreeMap::new(),
            fenced: BTreeMap::new(),
            index: i,
        })
        .collect();
    for (c, seed, out) in results {
        let cell = &mut cells[c];
        let p = &plan.settings[plan.cells[c].setting].prepared;
        cell.runs += 1;
        if let Some(v) = out.violations.first() {
            cell.violations += 1;
            if cell.first_violation.is_none() {
                cell.first_violation =
                    Some((seed, format!("{}: {}", v.invariant.name(), v.detail)));
            }
        }
        for r in p.top() {
            if matches!(
                p.kinds().get(r),
                Some(super::RscKind::Primitive { stonith: true })
            ) {
                continue;
            }
            let e = cell.resources.entry(r.clone()).or_default();
            match outage(&out, r, plan.at) {
                Some(ms) => e.outages.push(ms),
                None => e.lost += 1,
            }
            let at = out.placement.get(r).cloned().unwrap_or_default();
            let key = if at.is_empty() {
                "stopped".to_string()
            } else {
                at.join("+")
            };
            *e.last.entry(key).or_default() += 1;
        }
        let t0 = Instant::ZERO + plan.at;
        for (t, s) in &out.seen {
            if let Seen::Fenced(n) = s {
                if *t >= t0 {
                    *cell.fenced.entry(n.clone()).or_default() += 1;
                }
            }
        }
    }
    Ok(cells)
}

fn worst(c: &Cell) -> (u64, u64) {
    let lost = c.resources.values().map(|r| r.lost).sum::<u64>();
    let max = c
        .resources
        .values()
        .filter_map(|r| r.outages.iter().max())
        .max()
        .copied()
        .unwrap_or(0);
    (lost, max)
}

fn quantile(v: &[u64], p: u32) -> Option<u64> {
    let mut s = v.to_vec();
    s.sort_unstable();
    super::stats::percentile(&s, p)
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// The table: one row a cell, the worst outage first.
pub fn text(plan: &Plan, cells: &[Cell]) -> String {
    let mut order: Vec<&Cell> = cells.iter().collect();
    order.sort_by(|a, b| worst(b).cmp(&worst(a)).then(a.index.cmp(&b.index)));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "what-if {}: {} cells x {} seeds, fault at {}",
        plan.file.display(),
        cells.len(),
        plan.seeds,
        plan.at
    );
    let _ = writeln!(
        s,
        "outage: time with fewer instances active than before the fault (p50 / max over seeds; lost: still fewer at the end)\n"
    );
    for c in order {
        let settings: Vec<String> = c.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            s,
            "{} on {}{}{}",
            c.fault,
            c.node,
            if settings.is_empty() { "" } else { "  " },
            settings.join(" ")
        );
        for (r, rc) in &c.resources {
            let out = match (quantile(&rc.outages, 50), rc.outages.iter().max()) {
                (Some(p50), Some(max)) => format!("{} / {}", secs(p50), secs(*max)),
                _ => "-".into(),
            };
            let lost = if rc.lost > 0 {
                format!("  lost in {}", rc.lost)
            } else {
                String::new()
            };
            let last: Vec<String> = rc.last.iter().map(|(n, k)| format!("{n} x{k}")).collect();
            let _ = writeln!(
                s,
                "    {r:<16} outage {out:<22}{lost}  ends on {}",
                last.join(", ")
            );
        }
        let fenced: Vec<String> = c.fenced.iter().map(|(n, k)| format!("{n} x{k}")).collect();
        let _ = writeln!(
            s,
            "    fenced: {}",
            if fenced.is_empty() {
                "none".into()
            } else {
                fenced.join(", ")
            }
        );
        if let Some((seed, what)) = &c.first_violation {
            let _ = writeln!(
                s,
                "    VIOLATIONS in {} of {} runs; first: seed {seed}: {what} (--keep DIR writes its reproducer)",
                c.violations, c.runs
            );
        }
    }
    let bad = cells.iter().filter(|c| c.violations > 0).count();
    let _ = writeln!(
        s,
        "\n{}: {} of {} cells without violations",
        if bad == 0 { "PASS" } else { "FAIL" },
        cells.len() - bad,
        cells.len()
    );
    s
}

/// The cells as JSON (grid order).
pub fn json(cells: &[Cell]) -> String {
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .map(|c| {
            let resources: serde_json::Map<String, serde_json::Value> = c
                .resources
                .iter()
                .map(|(r, rc)| {
                    let outage = match (quantile(&rc.outages, 50), rc.outages.iter().max()) {
                        (Some(p50), Some(max)) => json!({ "p50": p50, "max": max }),
                        _ => serde_json::Value::Null,
                    };
                    (
                        r.clone(),
                        json!({ "outage_ms": outage, "lost": rc.lost, "final": rc.last }),
                    )
                })
                .collect();
            let settings: serde_json::Map<String, serde_json::Value> = c
                .settings
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            json!({
                "fault": c.fault, "node": c.node, "settings": settings, "runs": c.runs,
                "violations": c.violations,
                "first_violation": c.first_violation.as_ref().map(|(s, w)| json!({"seed": s, "what": w})),
                "resources": resources, "fenced": c.fenced,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "cells": cells })).expect("serialises") + "\n"
}

/// Cell `index` at `seed` as a v1 scenario file: `pacesim run` on it is
/// exactly that run of the cell.
pub fn cell_scenario(plan: &Plan, index: usize, seed: u64) -> Result<String, String> {
    let spec = &plan.cells[index];
    let st = &plan.settings[spec.setting];
    let mut doc = st.doc.clone();
    doc.insert("seed".into(), toml::Value::Integer(seed as i64));
    doc.insert(
        "name".into(),
        toml::Value::String(format!(
            "what-if: {} on {} (seed {seed})",
            spec.fault.label(),
            plan.names[spec.node]
        )),
    );
    let mut text = toml::to_string(&doc).map_err(|e| e.to_string())?;
    for f in &spec.schedule {
        text.push_str(&f.table(&plan.names));
    }
    Ok(text)
}

/// For each cell with a violation, a v1 scenario reproducing its first
/// one (`pacesim run FILE` exits 1 on it). Returns the files written.
pub fn keep(dir: &Path, plan: &Plan, cells: &[Cell]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for c in cells {
        let Some((seed, _)) = &c.first_violation else {
            continue;
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let text = cell_scenario(plan, c.index, *seed)?;
        let name = format!(
            "{}-{}-{}.toml",
            c.fault.replace([':', '/'], "_"),
            c.node,
            c.index
        );
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.push(path);
    }
    Ok(out)
}
