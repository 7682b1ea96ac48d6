//! Running scenarios on the simulated cluster: one core that `pacesim run`,
//! `sweep`, `what-if` and the shrinker all loop over.
//!
//! - *prepare* ([`prepare`]): a scenario → a [`Prepared`] cluster (the CIB
//!   built, pcs applied, ids checked, faults typed). It is `Sync`: many
//!   threads simulate from one.
//! - *simulate* ([`Prepared::simulate`]): a seed and a typed fault
//!   [`Schedule`] → an [`Outcome`] of verdicts and typed events, no text
//!   unless asked ([`Keep`]).
//! - *check*: the observer (`observe.rs`) keeps the ground truth
//!   (`truth.rs`) from the nodes' typed events and judges invariants after
//!   every step; `checks.rs` judges point, event and `converged`
//!   expectations.
//! - *present*: `report.rs` (timeline text, JUnit, JSON), and the
//!   front ends `sweep.rs`, `whatif.rs`, `shrink.rs`.
//!
//! The run walks the virtual clock from one fault or point expectation to
//! the next. Faults are applied at their instant, after the events already
//! due then; a point expectation at the same instant is evaluated after the
//! faults of that instant. Event expectations are judged at the end.
//!
//! Decisions where SCENARIO-FORMAT.md is silent:
//! - `within` is measured from the last fault at or before the moment the
//!   event happened (from time zero if none);
//! - `dc`, `quorate` and `members` leave out paused nodes (their view is
//!   frozen), as they leave out nodes whose stack is not running;
//! - `resource_fail` on a group fails its first member, on a clone its
//!   primitive (on the named node).

mod build;
mod checks;
pub mod explore;
pub mod fault;
pub mod html;
mod observe;
mod report;
pub mod shrink;
pub mod soak;
pub mod stats;
pub mod status;
pub mod story;
pub mod sweep;
mod truth;
pub mod whatif;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use sim::{
    Addr, DeviceFault, DeviceId, Instant, LinkParams, NodeId, NodeSpec, PowerState, Sim, SimConfig,
    TraceConfig,
};

use crate::cib::Cib;
use crate::cluster::{Msg, Process, RESOURCES, STACK};
use crate::controller::Command;
use crate::scenario::{self, Expect, Scenario};

pub use build::{build, resource_kinds, Built, RscKind, EPOCH_BASE};
pub use checks::Verdict;
pub use fault::{Fault, Planned, Schedule};
pub use observe::{Keep, Observer, Seen, Violation};
pub use report::{junit, text};

/// A scenario ready to simulate, as many times as wanted.
pub struct Prepared {
    /// The scenario.
    pub scenario: Scenario,
    built: Built,
    kinds: BTreeMap<String, RscKind>,
    /// The file's own faults, typed.
    faults: Schedule,
    /// Top-level resource ids (not group members or clone children).
    top: Vec<String>,
}

/// The node id of the scenario's `i`-th node.
fn nid(i: usize) -> NodeId {
    NodeId(i as u32 + 1)
}

/// Builds a scenario's cluster once (see the module doc).
pub fn prepare(s: &Scenario) -> Result<Prepared, scenario::ScenarioError> {
    let built = build(s)?;
    let kinds = resource_kinds(&built.later);
    let mut faults: Schedule = s
        .faults
        .iter()
        .map(|f| Planned {
            at: f.at,
            fault: Fault::from_action(&s.nodes, &f.action),
            line: f.pos.line,
        })
        .collect();
    faults.sort_by_key(|p| p.at);
    let top = built
        .later
        .configuration
        .resources
        .iter()
        .map(|r| r.id().to_string())
        .filter(|id| kinds.contains_key(id))
        .collect();
    let p = Prepared {
        scenario: s.clone(),
        built,
        kinds,
        faults,
        top,
    };
    if let Some(e) = &s.explore {
        explore::check_menu(&p, e)?;
    }
    Ok(p)
}

/// How to run once.
#[derive(Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Where the trace goes (default: hashed only).
    pub trace: Option<TraceConfig>,
    /// Keep the typed spans the `--html` timeline draws.
    pub story: bool,
    /// Take the cluster's state at these instants (`--status-at`).
    pub status_at: Vec<sim::Duration>,
}

/// Runs a checked scenario as `pacesim run` does: its own faults and, with
/// `[explore]`, the seed's random schedule; the timeline kept.
pub fn run(s: &Scenario, opts: RunOptions) -> Result<Outcome, scenario::ScenarioError> {
    let p = prepare(s)?;
    let seed = opts.seed.unwrap_or(s.seed);
    let schedule = p.schedule(seed);
    let trace = opts.trace.unwrap_or(TraceConfig {
        sink: sim::trace::TraceSink::Hash,
        bodies: false,
        step_messages: false,
    });
    Ok(p.simulate_with(
        seed,
        &schedule,
        Some(trace),
        Keep {
            timeline: true,
            availability: false,
            story: opts.story,
        },
        &opts.status_at,
    ))
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
    /// The faults applied.
    pub schedule: Schedule,
    /// The timeline: when, who, what (empty unless kept).
    pub timeline: Vec<(Instant, String, String)>,
    /// One verdict per expectation (and `converged` for `[explore]`).
    pub verdicts: Vec<Verdict>,
    /// One verdict per invariant.
    pub invariants: Vec<Verdict>,
    /// Events seen, in order.
    pub seen: Vec<(Instant, Seen)>,
    /// Every invariant violation, in order.
    pub violations: Vec<Violation>,
    /// Per named resource, its active instances at every change (empty
    /// unless kept).
    pub availability: BTreeMap<String, Vec<(Instant, usize)>>,
    /// Per named resource, where it is active at the end (node names).
    pub placement: BTreeMap<String, Vec<String>>,
    /// Kernel steps run.
    pub steps: u64,
    /// Hash of the trace (same seed, same hash), when traced.
    pub trace_hash: Option<u64>,
    /// What the `--html` timeline draws (when kept).
    pub story: Option<story::Story>,
    /// The cluster at each instant asked for (`--status-at`), in order.
    pub snapshots: Vec<status::Snapshot>,
}

impl Outcome {
    /// Whether every expectation and invariant held.
    pub fn passed(&self) -> bool {
        self.verdicts.iter().chain(&self.invariants).all(|v| v.pass)
    }

    /// Every verdict: expectations, then invariants.
    pub fn all_verdicts(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().chain(&self.invariants)
    }
}

/// A scheduled thing the run stops for.
enum Stop<'a> {
    Fault(&'a Planned),
    Resume(NodeId),
    Expect(usize),
    Snapshot,
}

impl Prepared {
    /// The node names.
    pub fn names(&self) -> &[String] {
        &self.scenario.nodes
    }

    /// Resource ids a scenario may name, with what they are.
    pub fn kinds(&self) -> &BTreeMap<String, RscKind> {
        &self.kinds
    }

    /// Top-level resource ids (not group members or clone children).
    pub fn top(&self) -> &[String] {
        &self.top
    }

    /// The fencing devices' ids.
    pub fn devices(&self) -> Vec<String> {
        self.built
            .devices
            .iter()
            .map(|(d, _)| d.to_string())
            .collect()
    }

    /// Device → outlet → node index, for the story's fencing arrows.
    fn outlets(&self) -> BTreeMap<String, BTreeMap<String, usize>> {
        self.built
            .devices
            .iter()
            .map(|(d, spec)| {
                let o = spec
                    .outlets
                    .iter()
                    .map(|(k, n)| (k.clone(), (n.0 as usize).saturating_sub(1)))
                    .collect();
                (d.to_string(), o)
            })
            .collect()
    }

    /// The configuration with every `pcs` fault applied.
    pub fn cib(&self) -> &Cib {
        &self.built.later
    }

    /// The faults of seed `seed`'s run: the file's own, and with
    /// `[explore]` the seed's random schedule and its liveness undo.
    pub fn schedule(&self, seed: u64) -> Schedule {
        let mut s = self.faults.clone();
        if let Some(e) = &self.scenario.explore {
            s.extend(explore::draw(self, e, seed));
            s.sort_by_key(|p| p.at);
        }
        s
    }

    /// Runs the cluster once with this seed and these faults.
    pub fn simulate(
        &self,
        seed: u64,
        schedule: &[Planned],
        trace: Option<TraceConfig>,
        keep: Keep,
    ) -> Outcome {
        self.simulate_with(seed, schedule, trace, keep, &[])
    }

    /// [`simulate`](Self::simulate), also stopping at each of `status_at`
    /// (after the faults and point expectations of that instant) to take
    /// the cluster's state ([`status::Snapshot`]).
    pub fn simulate_with(
        &self,
        seed: u64,
        schedule: &[Planned],
        trace: Option<TraceConfig>,
        keep: Keep,
        status_at: &[sim::Duration],
    ) -> Outcome {
        let s = &self.scenario;
        let built = &self.built;
        let mut cfg = SimConfig::new(seed);
        cfg.link = built.link;
        cfg.trace = trace.unwrap_or(TraceConfig {
            sink: sim::trace::TraceSink::Off,
            bodies: false,
            step_messages: false,
        });
        let spec = built.spec.clone();
        let disks = Disks::default();
        let reader = disks.clone();
        let mut sim = Sim::new(cfg, move |sp: &sim::Spawn| {
            Process::spawn(&spec, sp, reader.read(sp.addr.node))
        });
        sim.set_reaper(move |addr, process| disks.write(addr, &process));
        for (i, boot) in built.boot.iter().enumerate() {
            sim.add_node(nid(i), NodeSpec::new(&[RESOURCES.0, STACK.0], *boot));
        }
        for (id, spec) in &built.devices {
            sim.add_device(id.clone(), spec.clone());
        }
        let mut obs = Observer::new(
            s.nodes.clone(),
            self.kinds.clone(),
            &built.later,
            s.invariants.clone(),
            built.spec.timings.clone(),
            keep,
        );
        if keep.story {
            obs.story = Some(story::Story::new(s.nodes.clone(), self.outlets()));
        }
        obs.after_step(&sim);

        let mut stops: Vec<(Instant, u8, usize, Stop)> = Vec::new();
        for (i, f) in schedule.iter().enumerate() {
            stops.push((Instant::ZERO + f.at, 0, i, Stop::Fault(f)));
            if let Fault::Pause(node, d) = &f.fault {
                stops.push((Instant::ZERO + f.at + *d, 0, i, Stop::Resume(*node)));
            }
        }
        for (i, e) in s.expects.iter().enumerate() {
            if let Expect::Point { at, .. } = e {
                stops.push((Instant::ZERO + *at, 1, i, Stop::Expect(i)));
            }
        }
        for (i, at) in status_at.iter().enumerate() {
            stops.push((Instant::ZERO + *at, 2, i, Stop::Snapshot));
        }
        stops.sort_by_key(|(t, k, i, _)| (*t, *k, *i));
        let mut snapshots = Vec::new();
        let end = Instant::ZERO + s.duration;
        let mut point_verdicts: BTreeMap<usize, Verdict> = BTreeMap::new();
        for (at, _, _, stop) in stops {
            if at > end {
                break;
            }
            sim.run_until_with(at, |sim| obs.after_step(sim));
            match stop {
                Stop::Fault(f) => self.apply(&mut sim, &mut obs, &f.fault),
                Stop::Resume(node) => {
                    if sim.is_paused(node) {
                        sim.apply(sim::Fault::Resume { node });
                        obs.note(at, &s.nodes[(node.0 - 1) as usize], || "resumed".into());
                        obs.after_step(&sim);
                    }
                }
                Stop::Expect(i) => {
                    let v = checks::point(&s.nodes, &sim, &obs, &self.kinds, &s.expects[i]);
                    point_verdicts.insert(i, v);
                }
                Stop::Snapshot => snapshots.push(status::Snapshot::take(&s.nodes, &sim, &obs)),
            }
        }
        sim.run_until_with(end, |sim| obs.after_step(sim));
        let fault_times: Vec<(Instant, usize)> = schedule
            .iter()
            .map(|f| (Instant::ZERO + f.at, f.line))
            .collect();
        let mut verdicts: Vec<Verdict> = s
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
                Expect::Event { .. } => checks::event(e, &obs.seen, &fault_times),
                Expect::Converged { pos } => checks::converged(&s.nodes, &sim, &obs, pos.line),
            })
            .collect();
        let has_converged = s
            .expects
            .iter()
            .any(|e| matches!(e, Expect::Converged { .. }));
        if let (Some(e), false) = (&s.explore, has_converged) {
            verdicts.push(checks::converged(&s.nodes, &sim, &obs, e.pos.line));
        }
        let invariants = s
            .invariants
            .iter()
            .map(|inv| checks::invariant(*inv, &obs.violations))
            .collect();
        let placement = self
            .top
            .iter()
            .map(|k| {
                let p = obs.truth.placement(&s.nodes, &self.kinds, k);
                let nodes = match p {
                    scenario::Placement::Stopped => Vec::new(),
                    scenario::Placement::Node(n) => vec![n],
                    scenario::Placement::Nodes(ns) => ns.into_iter().collect(),
                    scenario::Placement::Promotable {
                        promoted,
                        unpromoted,
                    } => promoted.into_iter().chain(unpromoted).collect(),
                };
                (k.clone(), nodes)
            })
            .collect();
        let _ = sim.finish_trace();
        Outcome {
            name: s.name.clone(),
            seed,
            duration: s.duration,
            schedule: schedule.to_vec(),
            timeline: std::mem::take(&mut obs.timeline),
            verdicts,
            invariants,
            seen: std::mem::take(&mut obs.seen),
            violations: std::mem::take(&mut obs.violations),
            availability: std::mem::take(&mut obs.availability),
            placement,
            steps: sim.steps(),
            trace_hash: sim.trace_hash(),
            story: obs.story.take(),
            snapshots,
        }
    }

    /// Applies one fault now.
    fn apply(&self, sim: &mut Sim<Process>, obs: &mut Observer, f: &Fault) {
        let now = sim.now();
        let names = &self.scenario.nodes;
        let (who, what) = f.describe(names);
        obs.note(now, &who, || format!("FAULT {what}"));
        let stack = |n: &NodeId| Addr::new(*n, STACK);
        match f {
            Fault::PowerOff(n) => sim.apply(sim::Fault::PowerOff { node: *n }),
            Fault::PowerOn(n) => sim.apply(sim::Fault::PowerOn { node: *n }),
            Fault::Crash(n) => sim.apply(sim::Fault::Crash { node: *n }),
            Fault::KillStack(n) => sim.apply(sim::Fault::Kill { addr: stack(n) }),
            Fault::Pause(n, _) => sim.apply(sim::Fault::Pause { node: *n }),
            Fault::Restart(n) => sim.apply(sim::Fault::Bounce { node: *n }),
            Fault::StopCluster(n) => sim.apply(sim::Fault::Terminate { addr: stack(n) }),
            Fault::StartCluster(n) => sim.apply(sim::Fault::Start { addr: stack(n) }),
            Fault::Partition(groups) => sim.apply(sim::Fault::PartitionGroups {
                groups: groups.clone(),
            }),
            Fault::Heal => sim.apply(sim::Fault::Heal),
            Fault::Link {
                a,
                b,
                loss,
                delay,
                cut,
            } => {
                if *cut {
                    sim.apply(sim::Fault::Partition { a: *a, b: *b });
                } else {
                    let old = sim.net().params(*a, *b);
                    let extra = delay.unwrap_or(sim::Duration::ZERO);
                    let params = LinkParams::new(
                        old.latency_min + extra,
                        old.latency_max + extra,
                        loss.unwrap_or(old.loss),
                    );
                    sim.apply(sim::Fault::Degrade {
                        a: *a,
                        b: *b,
                        params,
                    });
                }
            }
            Fault::FenceDevice(device, fail) => sim.apply(sim::Fault::DeviceFault {
                device: DeviceId::new(device.clone()),
                fault: match fail {
                    scenario::DeviceFault::Unreachable => DeviceFault::Unreachable,
                    scenario::DeviceFault::Timeout => DeviceFault::Hang,
                    scenario::DeviceFault::Refuse => DeviceFault::Refuse,
                    scenario::DeviceFault::Ok => DeviceFault::Ok,
                },
            }),
            Fault::ResourceFail {
                rsc,
                node,
                op,
                rc,
                times,
            } => {
                let prim = match self.kinds.get(rsc) {
                    Some(RscKind::Group(m)) => m.first().cloned().unwrap_or_default(),
                    Some(RscKind::Clone { prims, .. }) => {
                        prims.first().cloned().unwrap_or_default()
                    }
                    _ => rsc.clone(),
                };
                if sim.power_state(*node) == PowerState::Up {
                    sim.command(
                        Addr::new(*node, RESOURCES),
                        Msg::Inject {
                            rsc: prim,
                            op: op.clone(),
                            rc: *rc,
                            times: *times,
                        },
                    );
                }
            }
            Fault::Standby(n) => operator(sim, obs, || {
                format!("pcs node standby {}", names[(n.0 - 1) as usize])
            }),
            Fault::Unstandby(n) => operator(sim, obs, || {
                format!("pcs node unstandby {}", names[(n.0 - 1) as usize])
            }),
            Fault::Pcs(line) => operator(sim, obs, || line.clone()),
            Fault::Recover(n) => {
                let node = *n;
                match sim.power_state(node) {
                    PowerState::Off => sim.apply(sim::Fault::PowerOn { node }),
                    PowerState::Halted => sim.apply(sim::Fault::Bounce { node }),
                    PowerState::Booting => {}
                    PowerState::Up => {
                        if sim.is_paused(node) {
                            sim.apply(sim::Fault::Resume { node });
                        }
                        if sim.actor(stack(n)).is_none() {
                            sim.apply(sim::Fault::Start { addr: stack(n) });
                        }
                    }
                }
            }
        }
        obs.after_step(sim);
    }
}

fn operator(sim: &mut Sim<Process>, obs: &mut Observer, line: impl FnOnce() -> String) {
    let line = line();
    match lead_node(sim, false) {
        Some((node, _)) => sim.command(Addr::new(node, STACK), Msg::Command(Command::Pcs(line))),
        None => obs.note(sim.now(), "-", || {
            format!("no cluster stack runs to take: {line}")
        }),
    }
}

/// The nodes' disks: the last CIB each node's stack held, which a new
/// incarnation of the stack starts from (Pacemaker reads its CIB back from
/// `/var/lib/pacemaker/cib` at start). The status section is not kept: a
/// starting node learns it anew from the DC, as Pacemaker's does.
///
/// Pacemaker writes the CIB to disk as it changes; what the next
/// incarnation reads is what the last one held when it ended. So the disk
/// is written by the kernel's reaper as a stack ends, not after every step.
#[derive(Clone, Default)]
struct Disks(Rc<RefCell<BTreeMap<NodeId, Arc<Cib>>>>);

impl Disks {
    fn read(&self, node: NodeId) -> Option<Arc<Cib>> {
        self.0.borrow().get(&node).cloned()
    }

    /// A stack ended: its CIB, status dropped, is on its node's disk.
    fn write(&self, addr: Addr, process: &Process) {
        let Some(stack) = process.stack() else {
            return;
        };
        let cib = stack.controller().cib();
        let copy = Cib {
            attrs: cib.attrs.clone(),
            // Shared, not copied: a configuration is copied only when edited.
            configuration: cib.configuration.clone(),
            status: Default::default(),
            unknown: cib.unknown.clone(),
        };
        self.0.borrow_mut().insert(addr.node, Arc::new(copy));
    }
}

/// The node that speaks for the cluster: the DC of the largest partition
/// (and `true`), else the first node whose stack runs (and `false`).
/// `awake` leaves paused nodes out. Operator commands go there (paused
/// nodes included: a command waits for its node); `--status-at` reads its
/// CIB (awake only: a frozen node's view is old).
fn lead_node(sim: &Sim<Process>, awake: bool) -> Option<(NodeId, bool)> {
    let mut best: Option<(usize, NodeId)> = None;
    let mut first = None;
    for node in sim.nodes() {
        if awake && sim.is_paused(node) {
            continue;
        }
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
    best.map(|(_, n)| (n, true)).or(first.map(|n| (n, false)))
}

#[cfg(test)]
mod tests {
    /// Sweeps share one prepared cluster between threads.
    #[test]
    fn prepared_is_sync() {
        fn sync<T: Sync + Send>() {}
        sync::<super::Prepared>();
    }
}
