//! Lifecycles: node power and boot, process start and end, pause and resume,
//! and held inputs. Every transition here is traced.

use crate::actor::{Actor, Input, InputKind};
use crate::net::NodeId;
use crate::power::PowerState;
use crate::process::{Addr, ExitCause, Spawn, StartCause};
use crate::trace::{DropReason, HoldReason, PowerCause, TraceEvent};

use super::{Event, Proc, Sim};

impl<A: Actor> Sim<A> {
    /// A boot-done event: if still current, the node is up and its groups
    /// start in spec order.
    pub(super) fn on_boot(&mut self, node: NodeId, epoch: u64) {
        let n = self.nodes.get_mut(&node).expect("boot of a known node");
        if !n.power.boot_done(epoch) {
            return;
        }
        let groups = n.spec.groups.clone();
        self.record(TraceEvent::Power {
            node,
            state: PowerState::Up,
            cause: PowerCause::Boot,
        });
        for group in groups {
            self.start_proc(Addr::new(node, group), StartCause::Boot);
        }
    }

    /// Builds a new incarnation, tells its running siblings, and hands it
    /// `Input::Start`. The node must be up, unpaused, the group not running.
    pub(super) fn start_proc(&mut self, addr: Addr, cause: StartCause) {
        let now = self.now;
        let incarnation = self.next_incarnation;
        self.next_incarnation += 1;
        let node = self.nodes.get_mut(&addr.node).expect("known node");
        assert_eq!(node.power.state(), PowerState::Up);
        assert!(!node.paused);
        assert!(
            !node.procs.contains_key(&addr.group),
            "{addr} already running"
        );
        let restarts = node.restarts.get_or_insert_with(addr.group, || 0);
        let spawn = Spawn {
            addr,
            now,
            incarnation,
            restarts: *restarts,
            rng_seed: self
                .streams
                .seed(&format!("proc/{}/{}/{}", addr.node, addr.group, *restarts)),
            cause,
        };
        *restarts += 1;
        let actor = (self.spawner)(&spawn);
        let siblings: Vec<(Addr, u64)> = node
            .procs
            .iter()
            .map(|(&g, p)| (Addr::new(addr.node, g), p.incarnation))
            .collect();
        node.procs.insert(addr.group, Proc { actor, incarnation });
        self.record(TraceEvent::Start {
            proc: addr,
            incarnation,
            cause,
        });
        for (sibling, inc) in siblings {
            self.queue.push(
                now,
                Event::Deliver {
                    to: sibling,
                    incarnation: Some(inc),
                    msg: None,
                    input: Box::new(Input::SiblingStarted(addr.group)),
                },
            );
        }
        self.record(TraceEvent::Deliver {
            to: addr,
            input: InputKind::Start,
            msg: None,
        });
        self.call(addr, Input::Start);
    }

    /// Ends one incarnation on its own (exit or kill); siblings are told.
    pub(super) fn end_proc(&mut self, addr: Addr, cause: ExitCause) {
        assert!(matches!(cause, ExitCause::Exited | ExitCause::Killed));
        self.wakes.retain(|a| a.to != addr);
        let node = self.nodes.get_mut(&addr.node).expect("known node");
        let proc = node
            .procs
            .remove(&addr.group)
            .expect("ending a running process");
        let siblings: Vec<(Addr, u64)> = node
            .procs
            .iter()
            .map(|(&g, p)| (Addr::new(addr.node, g), p.incarnation))
            .collect();
        self.record(TraceEvent::Exit {
            proc: addr,
            incarnation: proc.incarnation,
            cause,
        });
        if let Some(reap) = &mut self.reaper {
            reap(addr, proc.actor);
        }
        for (sibling, inc) in siblings {
            self.queue.push(
                self.now,
                Event::Deliver {
                    to: sibling,
                    incarnation: Some(inc),
                    msg: None,
                    input: Box::new(Input::SiblingExited {
                        group: addr.group,
                        cause,
                    }),
                },
            );
        }
    }

    /// Ends every process of a node at once (crash, power loss), and drops
    /// what a pause was holding for them.
    fn end_all(&mut self, node_id: NodeId, cause: ExitCause) {
        self.wakes.retain(|a| a.to.node != node_id);
        let node = self.nodes.get_mut(&node_id).expect("known node");
        let procs = std::mem::take(&mut node.procs);
        let held = std::mem::take(&mut node.held);
        node.paused = false;
        for (group, proc) in procs {
            let addr = Addr::new(node_id, group);
            self.record(TraceEvent::Exit {
                proc: addr,
                incarnation: proc.incarnation,
                cause,
            });
            if let Some(reap) = &mut self.reaper {
                reap(addr, proc.actor);
            }
        }
        self.discard(held);
    }

    /// Drops held events, tracing the inputs among them.
    pub(super) fn discard(&mut self, held: Vec<Event<A::Msg>>) {
        for event in held {
            if let Event::Deliver { to, msg, input, .. } = event {
                self.record(TraceEvent::Drop {
                    to,
                    input: input.kind(),
                    msg,
                    reason: DropReason::Discarded,
                });
            }
        }
    }

    /// Power lost: everything on the node ends; a boot in progress is void.
    /// The power record comes first, then one exit per process.
    pub(super) fn power_off_node(&mut self, node: NodeId, cause: PowerCause) {
        let changed = self.nodes.get_mut(&node).expect("known node").power.off();
        if changed {
            self.record(TraceEvent::Power {
                node,
                state: PowerState::Off,
                cause,
            });
        }
        self.end_all(node, ExitCause::PowerLost);
    }

    /// Power restored: an unpowered node starts booting.
    pub(super) fn power_on_node(&mut self, node: NodeId, cause: PowerCause) {
        let now = self.now;
        let n = self.nodes.get_mut(&node).expect("known node");
        if let Some((at, epoch)) = n.power.on(now, n.spec.boot_time) {
            self.queue.push(at, Event::Boot { node, epoch });
            self.record(TraceEvent::Power {
                node,
                state: PowerState::Booting,
                cause,
            });
        }
    }

    /// The OS dies with power on; with `reboot`, it boots again.
    pub(super) fn crash_node(&mut self, node: NodeId, reboot: bool, cause: PowerCause) {
        if self.node(node).power.state() == PowerState::Off {
            self.record(TraceEvent::Ignored {
                what: format!("crash of node {node}: it has no power"),
            });
            return;
        }
        let now = self.now;
        let n = self.nodes.get_mut(&node).expect("known node");
        if reboot {
            let (at, epoch) = n.power.reboot_os(now, n.spec.boot_time);
            self.queue.push(at, Event::Boot { node, epoch });
            self.record(TraceEvent::Power {
                node,
                state: PowerState::Booting,
                cause,
            });
        } else if n.power.halt() {
            self.record(TraceEvent::Power {
                node,
                state: PowerState::Halted,
                cause,
            });
        }
        self.end_all(node, ExitCause::Crashed);
    }

    /// Freezes a powered node.
    pub(super) fn pause_node(&mut self, node: NodeId) {
        let n = self.nodes.get_mut(&node).expect("known node");
        if n.power.state() == PowerState::Off || n.paused {
            let what = format!("pause of node {node}: it is off or already paused");
            self.record(TraceEvent::Ignored { what });
            return;
        }
        n.paused = true;
    }

    /// Thaws a paused node: what it held is queued now, in order.
    pub(super) fn resume_node(&mut self, node: NodeId) {
        let n = self.nodes.get_mut(&node).expect("known node");
        if !n.paused {
            let what = format!("resume of node {node}: it is not paused");
            self.record(TraceEvent::Ignored { what });
            return;
        }
        n.paused = false;
        let held = std::mem::take(&mut n.held);
        self.requeue(held, HoldReason::Paused);
    }

    /// Queues held events again at the current instant, in their order.
    pub(super) fn requeue(&mut self, held: Vec<Event<A::Msg>>, reason: HoldReason) {
        self.record(TraceEvent::Release {
            count: held.len() as u64,
            reason,
        });
        for event in held {
            self.queue.push(self.now, event);
        }
    }
}
