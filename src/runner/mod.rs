//! `pacesim run`: a scenario on the simulated cluster, its expectations
//! and invariants checked.
//!
//! The run: build the cluster from the scenario (`build.rs`), add its nodes
//! and power switches to a [`sim::Sim`], then walk the virtual clock from
//! one fault or point expectation to the next, watching every step
//! (`observe.rs`). Faults are applied at their instant, after the events
//! already due then; a point expectation at the same instant is evaluated
//! after the faults of that instant. Event expectations are judged at the
//! end from what was seen. `report.rs` writes the timeline, the verdicts
//! and JUnit XML.
//!
//! Decisions where SCENARIO-FORMAT.md is silent:
//! - `within` is measured from the last fault at or before the moment the
//!   event happened (from time zero if none);
//! - `dc`, `quorate` and `members` leave out paused nodes (their view is
//!   frozen), as they leave out nodes whose stack is not running;
//! - `resource_fail` on a group fails its first member, on a clone its
//!   primitive (on the named node).

mod build;
mod observe;
mod report;
pub mod soak;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::cib::Cib;

use sim::{
    Addr, DeviceFault, DeviceId, Fault, Instant, LinkParams, NodeId, NodeSpec, PowerState, Sim,
    SimConfig, TraceConfig,
};

use crate::cluster::{Msg, Process, RESOURCES, STACK};
use crate::controller::Command;
use crate::executor::Activity;
use crate::scenario::{self, Event, Expect, FaultAction, Placement, Scenario};

pub use build::{build, resource_kinds, Built, RscKind, EPOCH_BASE};
pub use observe::{Observer, Seen, Violation};
pub use report::{junit, text};

/// How to run.
#[derive(Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Where the trace goes (default: hashed only).
    pub trace: Option<TraceConfig>,
}

/// One expectation's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What was expected, in words.
    pub what: String,
    /// Whether it held.
    pub pass: bool,
    /// What was observed.
    pub observed: String,
    /// Where it is written.
    pub line: usize,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario's name.
    pub name: String,
    /// The seed used.
    pub seed: u64,
    /// Virtual time simulated.
    pub duration: sim::Duration,
    /// The timeline: when, who, what.
    pub timeline: Vec<(Instant, String, String)>,
    /// One verdict per expectation.
    pub verdicts: Vec<Verdict>,
    /// One verdict per invariant.
    pub invariants: Vec<Verdict>,
    /// Kernel steps run.
    pub steps: u64,
    /// Hash of the trace (same seed, same hash).
    pub trace_hash: Option<u64>,
}

impl Outcome {
    /// Whether every expectation and invariant held.
    pub fn passed(&self) -> bool {
        self.verdicts.iter().chain(&self.invariants).all(|v| v.pass)
    }
}

/// A scheduled thing the run stops for.
enum Stop<'a> {
    Fault(&'a scenario::Fault),
    Resume(NodeId),
    Expect(usize),
}

/// Runs a checked scenario.
pub fn run(s: &Scenario, opts: RunOptions) -> Result<Outcome, scenario::ScenarioError> {
    let built = build(s)?;
    let seed = opts.seed.unwrap_or(s.seed);
    let mut cfg = SimConfig::new(seed);
    cfg.link = built.link;
    cfg.trace = opts.trace.unwrap_or(TraceConfig {
        sink: sim::trace::TraceSink::Hash,
        bodies: false,
    });
    let spec = built.spec.clone();
    let disks = Disks::default();
    let reader = disks.clone();
    let mut sim = Sim::new(cfg, move |sp: &sim::Spawn| {
        Process::spawn(&spec, sp, reader.read(sp.addr.node))
    });
    for (i, boot) in built.boot.iter().enumerate() {
        sim.add_node(
            NodeId(i as u32 + 1),
            NodeSpec::new(&[RESOURCES.0, STACK.0], *boot),
        );
    }
    for (id, spec) in &built.devices {
        sim.add_device(id.clone(), spec.clone());
    }
    let kinds = resource_kinds(&built.later);
    let mut obs = Observer::new(
        s.nodes.clone(),
        kinds.clone(),
        &built.later,
        s.invariants.clone(),
        built.spec.timings.clone(),
    );
    obs.after_step(&sim);

    let mut stops: Vec<(Instant, u8, usize, Stop)> = Vec::new();
    for (i, f) in s.faults.iter().enumerate() {
        stops.push((Instant::ZERO + f.at, 0, i, Stop::Fault(f)));
        if let FaultAction::Pause { node, duration } = &f.action {
            let id = node_id(s, node);
            stops.push((Instant::ZERO + f.at + *duration, 0, i, Stop::Resume(id)));
        }
    }
    for (i, e) in s.expects.iter().enumerate() {
        if let Expect::Point { at, .. } = e {
            stops.push((Instant::ZERO + *at, 1, i, Stop::Expect(i)));
        }
    }
    stops.sort_by_key(|(t, k, i, _)| (*t, *k, *i));
    let end = Instant::ZERO + s.duration;
    let mut point_verdicts: BTreeMap<usize, Verdict> = BTreeMap::new();
    for (at, _, _, stop) in stops {
        if at > end {
            break;
        }
        sim.run_until_with(at, |sim| {
            obs.after_step(sim);
            disks.write(sim);
        });
        match stop {
            Stop::Fault(f) => apply(s, &mut sim, &mut obs, &kinds, f),
            Stop::Resume(node) => {
                sim.apply(Fault::Resume { node });
                obs.note(at, &s.nodes[(node.0 - 1) as usize], "resumed".into());
                obs.after_step(&sim);
            }
            Stop::Expect(i) => {
                point_verdicts.insert(i, point(s, &sim, &obs, &kinds, &s.expects[i]));
            }
        }
    }
    sim.run_until_with(end, |sim| {
        obs.after_step(sim);
        disks.write(sim);
    });
    let fault_times: Vec<(Instant, usize)> = s
        .faults
        .iter()
        .map(|f| (Instant::ZERO + f.at, f.pos.line))
        .collect();
    let verdicts = s
        .expects
        .iter()
        .enumerate()
        .map(|(i, e)| match e {
            Expect::Point { pos, at, .. } => point_verdicts.remove(&i).unwrap_or(Verdict {
                what: format!("at {at}"),
                pass: false,
                observed: "after the end of the run".into(),
                line: pos.line,
            }),
            Expect::Event { .. } => event(e, &obs.seen, &fault_times),
        })
        .collect();
    let invariants = s
        .invariants
        .iter()
        .map(|inv| {
            let v: Vec<&Violation> = obs
                .violations
                .iter()
                .filter(|v| v.invariant == *inv)
                .collect();
            Verdict {
                what: inv.name().to_string(),
                pass: v.is_empty(),
                observed: match v.first() {
                    None => "held after every event".into(),
                    Some(first) => format!(
                        "{} violation(s); first at {}: {}",
                        v.len(),
                        first.at,
                        first.detail
                    ),
                },
                line: 0,
            }
        })
        .collect();
    let _ = sim.finish_trace();
    Ok(Outcome {
        name: s.name.clone(),
        seed,
        duration: s.duration,
        timeline: std::mem::take(&mut obs.timeline),
        verdicts,
        invariants,
        steps: sim.steps(),
        trace_hash: sim.trace_hash(),
    })
}

/// The nodes' disks: the last CIB each node's stack held, which a new
/// incarnation of the stack starts from (Pacemaker reads its CIB back from
/// `/var/lib/pacemaker/cib` at start). The status section is not kept: a
/// starting node learns it anew from the DC, as Pacemaker's does.
#[derive(Clone, Default)]
struct Disks(Rc<RefCell<BTreeMap<NodeId, Arc<Cib>>>>);

impl Disks {
    fn read(&self, node: NodeId) -> Option<Arc<Cib>> {
        self.0.borrow().get(&node).map(|c| {
            let mut cib = (**c).clone();
            cib.status = Default::default();
            Arc::new(cib)
        })
    }

    /// After every step: what each running stack holds is on its disk.
    fn write(&self, sim: &Sim<Process>) {
        let mut disks = self.0.borrow_mut();
        for node in sim.nodes() {
            let Some(stack) = sim.actor(Addr::new(node, STACK)).and_then(|p| p.stack()) else {
                continue;
            };
            let cib = stack.controller().shared_cib();
            if !disks.get(&node).is_some_and(|d| Arc::ptr_eq(d, cib)) {
                disks.insert(node, cib.clone());
            }
        }
    }
}

fn node_id(s: &Scenario, name: &str) -> NodeId {
    let i = s
        .nodes
        .iter()
        .position(|n| n == name)
        .expect("the scenario checker resolved every node name");
    NodeId(i as u32 + 1)
}

/// Where an operator command goes: the DC of the largest partition, else
/// the first node whose stack runs.
fn command_target(sim: &Sim<Process>) -> Option<NodeId> {
    let mut best: Option<(usize, NodeId)> = None;
    let mut first = None;
    for node in sim.nodes() {
        let Some(stack) = sim.actor(Addr::new(node, STACK)).and_then(|p| p.stack()) else {
            continue;
        };
        first.get_or_insert(node);
        if stack.controller().is_dc() {
            let size = stack.members().len();
            if best.is_none_or(|(s, _)| size > s) {
                best = Some((size, node));
            }
        }
    }
    best.map(|(_, n)| n).or(first)
}

fn apply(
    s: &Scenario,
    sim: &mut Sim<Process>,
    obs: &mut Observer,
    kinds: &BTreeMap<String, RscKind>,
    f: &scenario::Fault,
) {
    let now = sim.now();
    let id = |n: &str| node_id(s, n);
    let (who, what) = describe(&f.action);
    obs.note(now, &who, format!("FAULT {what}"));
    match &f.action {
        FaultAction::PowerOff(n) => sim.apply(Fault::PowerOff { node: id(n) }),
        FaultAction::PowerOn(n) => sim.apply(Fault::PowerOn { node: id(n) }),
        FaultAction::Crash(n) => sim.apply(Fault::Crash { node: id(n) }),
        FaultAction::KillStack(n) => sim.apply(Fault::Kill {
            addr: Addr::new(id(n), STACK),
        }),
        FaultAction::Pause { node, .. } => sim.apply(Fault::Pause { node: id(node) }),
        FaultAction::Restart(n) => sim.apply(Fault::Bounce { node: id(n) }),
        FaultAction::StopCluster(n) => sim.apply(Fault::Terminate {
            addr: Addr::new(id(n), STACK),
        }),
        FaultAction::StartCluster(n) => sim.apply(Fault::Start {
            addr: Addr::new(id(n), STACK),
        }),
        FaultAction::Partition(groups) => sim.apply(Fault::PartitionGroups {
            groups: groups
                .iter()
                .map(|g| g.iter().map(|n| id(n)).collect())
                .collect(),
        }),
        FaultAction::Heal => sim.apply(Fault::Heal),
        FaultAction::Link {
            a,
            b,
            loss,
            delay,
            cut,
        } => {
            let (a, b) = (id(a), id(b));
            if *cut {
                sim.apply(Fault::Partition { a, b });
            } else {
                let old = sim.net().params(a, b);
                let extra = delay.unwrap_or(sim::Duration::ZERO);
                let params = LinkParams::new(
                    old.latency_min + extra,
                    old.latency_max + extra,
                    loss.unwrap_or(old.loss),
                );
                sim.apply(Fault::Degrade { a, b, params });
            }
        }
        FaultAction::FenceDevice { device, fail } => sim.apply(Fault::DeviceFault {
            device: DeviceId::new(device.value.clone()),
            fault: match fail {
                scenario::DeviceFault::Unreachable => DeviceFault::Unreachable,
                scenario::DeviceFault::Timeout => DeviceFault::Hang,
                scenario::DeviceFault::Refuse => DeviceFault::Refuse,
                scenario::DeviceFault::Ok => DeviceFault::Ok,
            },
        }),
        FaultAction::ResourceFail {
            rsc,
            node,
            op,
            rc,
            times,
        } => {
            let prim = match kinds.get(&rsc.value) {
                Some(RscKind::Group(m)) => m.first().cloned().unwrap_or_default(),
                Some(RscKind::Clone { prims, .. }) => prims.first().cloned().unwrap_or_default(),
                _ => rsc.value.clone(),
            };
            if sim.power_state(id(node)) == PowerState::Up {
                sim.command(
                    Addr::new(id(node), RESOURCES),
                    Msg::Inject {
                        rsc: prim,
                        op: op.clone(),
                        rc: *rc,
                        times: *times,
                    },
                );
            }
        }
        FaultAction::Standby(n) => operator(sim, obs, format!("pcs node standby {n}")),
        FaultAction::Unstandby(n) => operator(sim, obs, format!("pcs node unstandby {n}")),
        FaultAction::Pcs(line) => operator(sim, obs, line.value.clone()),
    }
    obs.after_step(sim);
}

fn operator(sim: &mut Sim<Process>, obs: &mut Observer, line: String) {
    match command_target(sim) {
        Some(node) => sim.command(Addr::new(node, STACK), Msg::Command(Command::Pcs(line))),
        None => obs.note(
            sim.now(),
            "-",
            format!("no cluster stack runs to take: {line}"),
        ),
    }
}

/// The timeline's words for a fault: (who, what).
fn describe(a: &FaultAction) -> (String, String) {
    let node = |n: &String, what: &str| (n.clone(), what.to_string());
    match a {
        FaultAction::PowerOff(n) => node(n, "power_off"),
        FaultAction::PowerOn(n) => node(n, "power_on"),
        FaultAction::Crash(n) => node(n, "crash"),
        FaultAction::KillStack(n) => node(n, "kill_stack"),
        FaultAction::Pause { node: n, duration } => (n.clone(), format!("pause for {duration}")),
        FaultAction::Restart(n) => node(n, "restart"),
        FaultAction::StopCluster(n) => node(n, "stop_cluster"),
        FaultAction::StartCluster(n) => node(n, "start_cluster"),
        FaultAction::Partition(g) => (
            "-".into(),
            format!(
                "partition {}",
                g.iter()
                    .map(|p| format!("[{}]", p.join(" ")))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ),
        FaultAction::Heal => ("-".into(), "heal".into()),
        FaultAction::Link {
            a,
            b,
            loss,
            delay,
            cut,
        } => {
            let mut w = format!("link {a}-{b}");
            if *cut {
                w.push_str(" cut");
            }
            if let Some(l) = loss {
                w.push_str(&format!(" loss {l}"));
            }
            if let Some(d) = delay {
                w.push_str(&format!(" delay {d}"));
            }
            ("-".into(), w)
        }
        FaultAction::FenceDevice { device, fail } => (
            "-".into(),
            format!("fence_device {} {fail:?}", device.value).to_lowercase(),
        ),
        FaultAction::ResourceFail {
            rsc,
            node: n,
            op,
            rc,
            times,
        } => (
            n.clone(),
            format!("resource_fail {} {op} rc={rc} x{times}", rsc.value),
        ),
        FaultAction::Standby(n) => node(n, "standby"),
        FaultAction::Unstandby(n) => node(n, "unstandby"),
        FaultAction::Pcs(l) => ("-".into(), l.value.clone()),
    }
}

/// What a resource's placement is now, by the ground truth.
fn observed_placement(
    obs: &Observer,
    names: &[String],
    kinds: &BTreeMap<String, RscKind>,
    id: &str,
) -> Placement {
    let name = |n: &NodeId| names[(n.0 - 1) as usize].clone();
    match kinds.get(id) {
        Some(RscKind::Clone {
            prims, promotable, ..
        }) => {
            let nodes = obs.clone_nodes(prims);
            if *promotable {
                Placement::Promotable {
                    promoted: nodes
                        .iter()
                        .filter(|(_, a)| **a == Activity::Promoted)
                        .map(|(n, _)| name(n))
                        .collect(),
                    unpromoted: nodes
                        .iter()
                        .filter(|(_, a)| **a == Activity::Started)
                        .map(|(n, _)| name(n))
                        .collect(),
                }
            } else {
                Placement::Nodes(nodes.keys().map(name).collect())
            }
        }
        Some(RscKind::Group(members)) => match obs.group_node(members) {
            Some(n) => Placement::Node(name(&n)),
            None => {
                let any: BTreeSet<String> = members
                    .iter()
                    .flat_map(|m| obs.prim_nodes(m).into_keys())
                    .map(|n| name(&n))
                    .collect();
                if any.is_empty() {
                    Placement::Stopped
                } else {
                    Placement::Nodes(any)
                }
            }
        },
        _ => {
            let nodes: BTreeSet<String> = obs.prim_nodes(id).keys().map(name).collect();
            match nodes.len() {
                0 => Placement::Stopped,
                1 => Placement::Node(nodes.into_iter().next().expect("one")),
                _ => Placement::Nodes(nodes),
            }
        }
    }
}

fn show_placement(p: &Placement) -> String {
    let list =
        |s: &BTreeSet<String>| format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", "));
    match p {
        Placement::Node(n) => n.clone(),
        Placement::Stopped => "stopped".into(),
        Placement::Nodes(s) => list(s),
        Placement::Promotable {
            promoted,
            unpromoted,
        } => format!(
            "{{ promoted = {}, unpromoted = {} }}",
            list(promoted),
            list(unpromoted)
        ),
    }
}

fn show_set(s: &BTreeSet<String>) -> String {
    format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", "))
}

/// One checked item of a point expectation: `what = observed` when it
/// holds, else what was expected beside what was observed.
fn part(ok: bool, what: &str, want: String, got: String) -> (bool, String) {
    if ok {
        (true, format!("{what} = {got}"))
    } else {
        (false, format!("{what}: expected {want}, observed {got}"))
    }
}

/// Judges a point expectation against the state now.
fn point(
    s: &Scenario,
    sim: &Sim<Process>,
    obs: &Observer,
    kinds: &BTreeMap<String, RscKind>,
    e: &Expect,
) -> Verdict {
    let Expect::Point {
        at,
        running,
        dc,
        quorate,
        members,
        pos,
    } = e
    else {
        unreachable!("a point expectation");
    };
    let mut parts: Vec<(bool, String)> = Vec::new();
    for (id, want) in running {
        let got = observed_placement(obs, &s.nodes, kinds, id);
        let ok = got == want.value;
        parts.push(part(
            ok,
            id,
            show_placement(&want.value),
            show_placement(&got),
        ));
    }
    let name = |n: NodeId| s.nodes[(n.0 - 1) as usize].clone();
    // A paused node reports nothing: it counts for none of dc, quorate
    // and members while frozen.
    let stacks: Vec<(NodeId, &crate::cluster::Stack)> = sim
        .nodes()
        .filter(|n| !sim.is_paused(*n))
        .filter_map(|n| {
            sim.actor(Addr::new(n, STACK))
                .and_then(|p| p.stack())
                .map(|st| (n, st))
        })
        .collect();
    if let Some(want) = dc {
        let got: BTreeSet<String> = stacks
            .iter()
            .filter(|(_, st)| st.controller().is_dc())
            .map(|(n, _)| name(*n))
            .collect();
        let ok = match want {
            None => got.is_empty(),
            Some(n) => got.len() == 1 && got.contains(n),
        };
        let shown = match got.len() {
            0 => "none".to_string(),
            1 => got.iter().next().cloned().unwrap_or_default(),
            _ => show_set(&got),
        };
        let wanted = want.clone().unwrap_or_else(|| "none".into());
        parts.push(part(ok, "dc", wanted, shown));
    }
    if let Some(want) = quorate {
        let got: BTreeSet<String> = stacks
            .iter()
            .filter(|(_, st)| st.quorate())
            .map(|(n, _)| name(*n))
            .collect();
        let ok = got == *want;
        parts.push(part(ok, "quorate", show_set(want), show_set(&got)));
    }
    if let Some(want) = members {
        let got: BTreeSet<BTreeSet<String>> = stacks
            .iter()
            .filter(|(_, st)| st.ring().is_some())
            .map(|(_, st)| st.members().iter().map(|m| name(*m)).collect())
            .collect();
        let ok = got == *want;
        let show = |g: &BTreeSet<BTreeSet<String>>| {
            format!(
                "[{}]",
                g.iter().map(show_set).collect::<Vec<_>>().join(", ")
            )
        };
        parts.push(part(ok, "members", show(want), show(&got)));
    }
    let pass = parts.iter().all(|(ok, _)| *ok);
    Verdict {
        what: format!("at {at}"),
        pass,
        observed: parts
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("; "),
        line: pos.line,
    }
}

/// Judges an event expectation against what was seen.
///
/// It holds if any occurrence fits; the one reported is, when possible, the
/// one that follows the fault written last before the expectation.
fn event(e: &Expect, seen: &[(Instant, Seen)], faults: &[(Instant, usize)]) -> Verdict {
    let Expect::Event {
        event,
        within,
        by,
        never,
        pos,
    } = e
    else {
        unreachable!("an event expectation");
    };
    let (label, want) = match event {
        Event::Fenced(n) => (format!("fenced {n}"), Seen::Fenced(n.clone())),
        Event::Recovered(r) => (
            format!("recovered {}", r.value),
            Seen::Recovered(r.value.clone()),
        ),
        Event::Elected(n) => (format!("elected {n}"), Seen::Elected(n.clone())),
    };
    let anchor = |t: Instant| {
        faults
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| *f <= t)
            .max()
            .unwrap_or(Instant::ZERO)
    };
    let written_before = faults
        .iter()
        .filter(|(_, line)| *line < pos.line)
        .map(|(f, _)| *f)
        .max_by_key(|f| *f);
    let fits = |t: Instant| {
        within.is_none_or(|w| t.saturating_since(anchor(t)) <= w)
            && by.is_none_or(|b| t <= Instant::ZERO + b)
    };
    let times: Vec<Instant> = seen
        .iter()
        .filter(|(_, s)| *s == want)
        .map(|(t, _)| *t)
        .collect();
    let hit = times
        .iter()
        .copied()
        .find(|t| fits(*t) && Some(anchor(*t)) == written_before)
        .or_else(|| times.iter().copied().find(|t| fits(*t)));
    let mut what = String::new();
    if *never {
        what.push_str("never ");
    }
    what.push_str(&label);
    if let Some(w) = within {
        what.push_str(&format!(" within {w}"));
    }
    if let Some(b) = by {
        what.push_str(&format!(" by {b}"));
    }
    let describe_at = |t: Instant| {
        let a = anchor(t);
        if a == Instant::ZERO {
            format!("at {t}")
        } else {
            format!("at {t} ({} after the fault at {a})", t.saturating_since(a))
        }
    };
    // "Never ... within" looks after the fault written before it, when
    // there is one: an earlier fault's consequences are not this one's.
    let pass = if *never && within.is_some() && written_before.is_some() {
        !times
            .iter()
            .any(|t| fits(*t) && Some(anchor(*t)) == written_before)
    } else {
        hit.is_some() != *never
    };
    let observed = match (hit, times.first()) {
        _ if *never && pass => match (within, written_before) {
            (Some(w), Some(f)) => format!("did not happen within {w} of the fault at {f}"),
            _ => "did not happen".into(),
        },
        (Some(t), _) => describe_at(t),
        (None, Some(t)) => format!("{}, not in time", describe_at(*t)),
        (None, None) => "did not happen".into(),
    };
    Verdict {
        what,
        pass,
        observed,
        line: pos.line,
    }
}
