//! The fault API, named after turmoil's `Sim`: each method applies one
//! [`Fault`] at the current instant. `apply` is the single place that does
//! the work, so scheduled and immediate faults behave the same.

use crate::actor::{Actor, Input};
use crate::device::{DeviceFault, DeviceId};
use crate::fault::Fault;
use crate::net::{LinkParams, NodeId};
use crate::power::PowerState;
use crate::process::{Addr, ExitCause, StartCause};
use crate::time::Duration;
use crate::trace::{HoldReason, PowerCause, TraceEvent};

use super::{Event, Sim};

impl<A: Actor> Sim<A> {
    /// Cuts both directions between `a` and `b`.
    pub fn partition(&mut self, a: NodeId, b: NodeId) {
        self.apply(Fault::Partition { a, b });
    }

    /// Cuts `from -> to` only: `to` still reaches `from`.
    pub fn partition_oneway(&mut self, from: NodeId, to: NodeId) {
        self.apply(Fault::PartitionOneway { from, to });
    }

    /// Replaces every cut: only nodes within one group can talk; nodes in
    /// no group are isolated. Link degradations stay.
    pub fn partition_groups(&mut self, groups: Vec<Vec<NodeId>>) {
        self.apply(Fault::PartitionGroups { groups });
    }

    /// Restores both directions between `a` and `b`.
    pub fn repair(&mut self, a: NodeId, b: NodeId) {
        self.apply(Fault::Repair { a, b });
    }

    /// Restores `from -> to` only.
    pub fn repair_oneway(&mut self, from: NodeId, to: NodeId) {
        self.apply(Fault::RepairOneway { from, to });
    }

    /// Removes every cut, degradation and link hold (held messages are
    /// delivered now, in order).
    pub fn heal(&mut self) {
        self.apply(Fault::Heal);
    }

    /// Sets both directions between `a` and `b` to `params`.
    pub fn degrade(&mut self, a: NodeId, b: NodeId, params: LinkParams) {
        self.apply(Fault::Degrade { a, b, params });
    }

    /// Sets `from -> to` to `params`.
    pub fn degrade_oneway(&mut self, from: NodeId, to: NodeId, params: LinkParams) {
        self.apply(Fault::DegradeOneway { from, to, params });
    }

    /// Holds messages arriving on `from -> to` until `release`.
    pub fn hold(&mut self, from: NodeId, to: NodeId) {
        self.apply(Fault::Hold { from, to });
    }

    /// Delivers what `from -> to` held, in order, and stops holding.
    pub fn release(&mut self, from: NodeId, to: NodeId) {
        self.apply(Fault::Release { from, to });
    }

    /// Kernel panic: all processes end, power stays on, nothing restarts
    /// until the node is power-cycled (fenced) or bounced.
    pub fn crash(&mut self, node: NodeId) {
        self.apply(Fault::Crash { node });
    }

    /// Crash, then boot again after the node's boot time.
    pub fn bounce(&mut self, node: NodeId) {
        self.apply(Fault::Bounce { node });
    }

    /// Kills one process group; its siblings are told and go on.
    pub fn kill(&mut self, addr: Addr) {
        self.apply(Fault::Kill { addr });
    }

    /// Starts a process group that is not running, on an up, unpaused node.
    pub fn start(&mut self, addr: Addr) {
        self.apply(Fault::Start { addr });
    }

    /// Asks a process group to stop (`Input::Terminate`).
    pub fn terminate(&mut self, addr: Addr) {
        self.apply(Fault::Terminate { addr });
    }

    /// Cuts a node's power: all its state is lost.
    pub fn power_off(&mut self, node: NodeId) {
        self.apply(Fault::PowerOff { node });
    }

    /// Restores a node's power: it boots and starts its groups after its
    /// boot time. No effect on a powered node (even a halted one).
    pub fn power_on(&mut self, node: NodeId) {
        self.apply(Fault::PowerOn { node });
    }

    /// Power off, then on.
    pub fn reboot(&mut self, node: NodeId) {
        self.apply(Fault::Reboot { node });
    }

    /// Freezes a node: inputs and timers for it are held, in order.
    pub fn pause(&mut self, node: NodeId) {
        self.apply(Fault::Pause { node });
    }

    /// Thaws a node: held inputs are delivered now, in their order.
    pub fn resume(&mut self, node: NodeId) {
        self.apply(Fault::Resume { node });
    }

    /// Pauses a node now and schedules its resume `d` later.
    pub fn pause_for(&mut self, node: NodeId, d: Duration) {
        self.pause(node);
        self.schedule(self.now + d, Fault::Resume { node });
    }

    /// Changes how a power switch behaves, from its next request on.
    pub fn set_device_fault(&mut self, device: DeviceId, fault: DeviceFault) {
        self.apply(Fault::DeviceFault { device, fault });
    }

    /// Applies any fault at the current instant, after everything already
    /// processed; its records become `last_records`. The named methods above
    /// are shorthands for this.
    pub fn apply(&mut self, fault: Fault) {
        self.begin_step();
        self.apply_in_step(fault);
        self.check_invariants();
    }

    /// Applies a fault as part of the current step.
    pub(super) fn apply_in_step(&mut self, fault: Fault) {
        self.check_fault(&fault);
        self.record(TraceEvent::Fault(fault.clone()));
        match fault {
            Fault::Partition { a, b } => {
                self.net.cut(a, b);
                self.net.cut(b, a);
            }
            Fault::PartitionOneway { from, to } => self.net.cut(from, to),
            Fault::PartitionGroups { groups } => {
                let all: Vec<NodeId> = self.nodes.keys().copied().collect();
                self.net.partition_groups(&all, &groups);
            }
            Fault::Repair { a, b } => {
                self.net.uncut(a, b);
                self.net.uncut(b, a);
            }
            Fault::RepairOneway { from, to } => self.net.uncut(from, to),
            Fault::Heal => {
                for link in self.net.heal() {
                    let held = self.link_held.remove(&link).unwrap_or_default();
                    self.requeue(held, HoldReason::Link);
                }
            }
            Fault::Degrade { a, b, params } => {
                self.net.set_params(a, b, params);
                self.net.set_params(b, a, params);
            }
            Fault::DegradeOneway { from, to, params } => self.net.set_params(from, to, params),
            Fault::Hold { from, to } => self.net.hold(from, to),
            Fault::Release { from, to } => {
                if self.net.release(from, to) {
                    let held = self.link_held.remove(&(from, to)).unwrap_or_default();
                    self.requeue(held, HoldReason::Link);
                }
            }
            Fault::Crash { node } => self.crash_node(node, false, PowerCause::Fault),
            Fault::Bounce { node } => self.crash_node(node, true, PowerCause::Fault),
            Fault::Kill { addr } => {
                if self.incarnation(addr).is_some() {
                    self.end_proc(addr, ExitCause::Killed);
                } else {
                    self.ignored(format!("kill of {addr}: not running"));
                }
            }
            Fault::Start { addr } => {
                let node = self.node(addr.node);
                if node.power.state() != PowerState::Up || node.paused {
                    self.ignored(format!("start of {addr}: node not up, or paused"));
                } else if node.procs.contains_key(&addr.group) {
                    self.ignored(format!("start of {addr}: already running"));
                } else {
                    self.start_proc(addr, StartCause::Started);
                }
            }
            Fault::Terminate { addr } => {
                self.queue.push(
                    self.now,
                    Event::Deliver {
                        to: addr,
                        incarnation: None,
                        msg: None,
                        input: Box::new(Input::Terminate),
                    },
                );
            }
            Fault::PowerOff { node } => self.power_off_node(node, PowerCause::Fault),
            Fault::PowerOn { node } => self.power_on_node(node, PowerCause::Fault),
            Fault::Reboot { node } => {
                self.power_off_node(node, PowerCause::Fault);
                self.power_on_node(node, PowerCause::Fault);
            }
            Fault::Pause { node } => self.pause_node(node),
            Fault::Resume { node } => self.resume_node(node),
            Fault::DeviceFault { device, fault } => match self.devices.get_mut(&device) {
                Some((_, f)) => *f = fault,
                None => self.ignored(format!("fault of device {device}: no such device")),
            },
        }
    }

    /// Faults must name known nodes: a typo in a harness is a bug.
    fn check_fault(&self, fault: &Fault) {
        let nodes: Vec<NodeId> = match fault {
            Fault::Partition { a, b } | Fault::Repair { a, b } | Fault::Degrade { a, b, .. } => {
                vec![*a, *b]
            }
            Fault::PartitionOneway { from, to }
            | Fault::RepairOneway { from, to }
            | Fault::DegradeOneway { from, to, .. }
            | Fault::Hold { from, to }
            | Fault::Release { from, to } => vec![*from, *to],
            Fault::PartitionGroups { groups } => groups.iter().flatten().copied().collect(),
            Fault::Crash { node }
            | Fault::Bounce { node }
            | Fault::PowerOff { node }
            | Fault::PowerOn { node }
            | Fault::Reboot { node }
            | Fault::Pause { node }
            | Fault::Resume { node } => vec![*node],
            Fault::Kill { addr } | Fault::Start { addr } | Fault::Terminate { addr } => {
                vec![addr.node]
            }
            Fault::Heal | Fault::DeviceFault { .. } => vec![],
        };
        for node in nodes {
            self.assert_node(node);
        }
    }

    fn ignored(&mut self, what: String) {
        self.record(TraceEvent::Ignored { what });
    }
}
