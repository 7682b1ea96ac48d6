//! What the `--html` timeline draws, recorded as typed spans while the run
//! goes (only when [`Keep::story`](super::Keep) asks for it).
//!
//! The observer (`observe.rs`) hands this recorder the kernel records and
//! the nodes' typed events ([`ClusterEvent`]) it already reads, and the DC
//! flags of its stack check; nothing here parses a note. Each lane keeps,
//! per aspect of a node (power, stack, membership, quorum, DC, each
//! primitive), the instants at which its value changed: a span runs from
//! one change to the next (or to the end of the run). Fencing is kept as
//! the power-switch operations the nodes' fencers asked for, each with its
//! requester, outlet's node, device and result.

use std::collections::BTreeMap;

use sim::{Instant, NodeId, PowerAction, PowerOutcome, PowerState, TraceEvent};

use crate::cluster::{ClusterEvent, RESOURCES, STACK};
use crate::executor::Activity;

/// Power and OS of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Powered off.
    Off,
    /// Powered, booting.
    Booting,
    /// Up.
    Up,
    /// Halted (kernel panic): powered, nothing runs.
    Halted,
}

/// The cluster stack of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// Not running (never started, stopped, or its node is down).
    Down,
    /// Killed (SIGKILL).
    Killed,
    /// Running.
    Up,
    /// Its node is frozen.
    Paused,
}

/// A value's changes: (instant, value from then on).
pub type Changes<T> = Vec<(Instant, T)>;

fn change<T: PartialEq>(c: &mut Changes<T>, at: Instant, v: T) {
    if c.last().is_none_or(|(_, old)| *old != v) {
        c.push((at, v));
    }
}

/// One node's lane.
#[derive(Debug, Clone, Default)]
pub struct Lane {
    /// Power and OS.
    pub power: Changes<Option<Power>>,
    /// The cluster stack.
    pub stack: Changes<Option<Stack>>,
    /// The membership this node's stack is in: ring sequence and members
    /// (`None`: no stack).
    pub ring: Changes<Option<(u64, Vec<String>)>>,
    /// Whether its partition is quorate.
    pub quorate: Changes<bool>,
    /// Whether it is DC.
    pub dc: Changes<bool>,
    /// Per primitive (history id): what it does here.
    pub rsc: BTreeMap<String, Changes<Option<Activity>>>,
    /// Injected failures returned here: (instant, primitive).
    pub failed: Vec<(Instant, String)>,
}

/// One power-switch operation a fencer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fencing {
    /// Asked at.
    pub at: Instant,
    /// Answered at (`None`: still pending at the end).
    pub done: Option<Instant>,
    /// The asking node (index into the names).
    pub from: usize,
    /// The outlet's node, when the outlet is one of the device's.
    pub target: Option<usize>,
    /// The device.
    pub device: String,
    /// The outlet as asked.
    pub outlet: String,
    /// `off`, `on`, `reboot`.
    pub action: &'static str,
    /// `OK`, `unreachable`, `refused`, `timed out`, ... (`pending`).
    pub result: String,
}

/// A fencing a node's controller saw succeed (`ClusterEvent::Fenced`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fenced {
    /// When.
    pub at: Instant,
    /// The node that saw it (index).
    pub by: usize,
    /// The node fenced (name).
    pub target: String,
    /// The devices that did it.
    pub devices: Vec<String>,
}

/// Everything the timeline shows, per node and cluster-wide.
#[derive(Debug, Clone, Default)]
pub struct Story {
    /// The node names.
    pub names: Vec<String>,
    /// One lane per node, in the names' order.
    pub lanes: Vec<Lane>,
    /// The fencers' power-switch operations, in the order asked.
    pub fencing: Vec<Fencing>,
    /// Fencings confirmed to the controllers.
    pub fenced: Vec<Fenced>,
    /// Device → outlet → node index.
    outlets: BTreeMap<String, BTreeMap<String, usize>>,
    /// Kernel op number → index into `fencing`, while pending.
    pending: BTreeMap<u64, usize>,
}

impl Story {
    /// A story of these nodes, fenced through these devices' outlets.
    pub fn new(names: Vec<String>, outlets: BTreeMap<String, BTreeMap<String, usize>>) -> Story {
        Story {
            lanes: vec![Lane::default(); names.len()],
            names,
            outlets,
            ..Story::default()
        }
    }

    fn lane(&mut self, node: NodeId) -> Option<&mut Lane> {
        self.lanes.get_mut((node.0 as usize).wrapping_sub(1))
    }

    /// A kernel record of the step that just ran.
    pub fn on_record(&mut self, at: Instant, ev: &TraceEvent) {
        match ev {
            TraceEvent::Power { node, state, .. } => {
                let p = match state {
                    PowerState::Off => Power::Off,
                    PowerState::Booting => Power::Booting,
                    PowerState::Up => Power::Up,
                    PowerState::Halted => Power::Halted,
                };
                if let Some(l) = self.lane(*node) {
                    change(&mut l.power, at, Some(p));
                    if p != Power::Up {
                        l.stack_gone(at, Stack::Down);
                        l.end_all(at);
                    }
                }
            }
            TraceEvent::Start { proc, .. } if proc.group == STACK => {
                if let Some(l) = self.lane(proc.node) {
                    change(&mut l.stack, at, Some(Stack::Up));
                }
            }
            TraceEvent::Exit { proc, cause, .. } => {
                let Some(l) = self.lane(proc.node) else {
                    return;
                };
                if proc.group == STACK {
                    let s = match cause {
                        sim::ExitCause::Killed => Stack::Killed,
                        _ => Stack::Down,
                    };
                    l.stack_gone(at, s);
                } else if proc.group == RESOURCES {
                    l.end_all(at);
                }
            }
            TraceEvent::Fault(sim::Fault::Pause { node }) => {
                if let Some(l) = self.lane(*node) {
                    if l.stack.last().is_some_and(|(_, s)| *s == Some(Stack::Up)) {
                        change(&mut l.stack, at, Some(Stack::Paused));
                    }
                }
            }
            TraceEvent::Fault(sim::Fault::Resume { node }) => {
                if let Some(l) = self.lane(*node) {
                    if l.stack
                        .last()
                        .is_some_and(|(_, s)| *s == Some(Stack::Paused))
                    {
                        change(&mut l.stack, at, Some(Stack::Up));
                    }
                }
            }
            TraceEvent::DeviceRequest {
                op,
                from,
                device,
                outlet,
                action,
                ..
            } => {
                let action = match action {
                    PowerAction::Off => "off",
                    PowerAction::On => "on",
                    PowerAction::Reboot => "reboot",
                    PowerAction::Status => return,
                };
                let outlet = outlet.clone().unwrap_or_default();
                let target = self
                    .outlets
                    .get(&device.0)
                    .and_then(|o| o.get(&outlet))
                    .copied();
                self.pending.insert(*op, self.fencing.len());
                self.fencing.push(Fencing {
                    at,
                    done: None,
                    from: (from.node.0 as usize).saturating_sub(1),
                    target,
                    device: device.0.clone(),
                    outlet,
                    action,
                    result: "pending".into(),
                });
            }
            TraceEvent::DeviceResult { op, outcome } => {
                if let Some(i) = self.pending.remove(op) {
                    let f = &mut self.fencing[i];
                    f.done = Some(at);
                    f.result = match outcome {
                        PowerOutcome::Done { .. } => "OK".into(),
                        PowerOutcome::Unreachable => "unreachable".into(),
                        PowerOutcome::Refused => "refused".into(),
                        PowerOutcome::NoSuchDevice => "no such device".into(),
                        PowerOutcome::NoSuchOutlet => "no such outlet".into(),
                        PowerOutcome::TimedOut => "timed out".into(),
                    };
                }
            }
            _ => {}
        }
    }

    /// A node's typed event of the step that just ran.
    pub fn on_event(&mut self, at: Instant, node: NodeId, ev: &ClusterEvent) {
        let by = (node.0 as usize).wrapping_sub(1);
        if let ClusterEvent::Fenced { target, devices } = ev {
            self.fenced.push(Fenced {
                at,
                by,
                target: target.clone(),
                devices: devices.clone(),
            });
            return;
        }
        let Some(l) = self.lanes.get_mut(by) else {
            return;
        };
        match ev {
            ClusterEvent::Membership { ring, names, .. } => {
                change(&mut l.ring, at, Some((ring.seq, names.clone())));
            }
            ClusterEvent::Quorate(q) => change(&mut l.quorate, at, *q),
            ClusterEvent::Elected => change(&mut l.dc, at, true),
            ClusterEvent::Activity { rsc, now } => {
                change(l.rsc.entry(rsc.clone()).or_default(), at, *now);
            }
            ClusterEvent::Failed { rsc } => l.failed.push((at, rsc.clone())),
            ClusterEvent::Fenced { .. } => {}
        }
    }

    /// Every node that became DC, in time order (ties: node order): the
    /// first is the run's first DC, which the election's seeded CPU time
    /// decides (`controller::CpuTime`).
    pub fn elected(&self) -> Vec<(Instant, &str)> {
        let mut out: Vec<(Instant, usize)> = Vec::new();
        for (i, l) in self.lanes.iter().enumerate() {
            out.extend(l.dc.iter().filter(|(_, dc)| *dc).map(|(t, _)| (*t, i)));
        }
        out.sort();
        out.into_iter()
            .map(|(t, i)| (t, self.names[i].as_str()))
            .collect()
    }

    /// The DC flag of every node (in order), after the observer's stack
    /// check saw the stacks change.
    pub fn on_dcs(&mut self, at: Instant, dcs: impl Iterator<Item = bool>) {
        for (l, dc) in self.lanes.iter_mut().zip(dcs) {
            change(&mut l.dc, at, dc);
        }
    }
}

impl Lane {
    fn stack_gone(&mut self, at: Instant, s: Stack) {
        change(&mut self.stack, at, Some(s));
        change(&mut self.ring, at, None);
        change(&mut self.quorate, at, false);
        change(&mut self.dc, at, false);
    }

    fn end_all(&mut self, at: Instant) {
        for c in self.rsc.values_mut() {
            change(c, at, None);
        }
    }
}
