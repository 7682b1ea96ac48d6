//! Routing: actor outputs become queued events, queued events become actor
//! inputs. This is the only place that calls `Actor::handle`.

use crate::actor::ActorEvent as _;
use crate::actor::{Actor, Input, InputKind, Output};
use crate::device::{self, PowerOutcome, PowerRequest, PowerResult, Step};
use crate::net::{Gate, NodeId};
use crate::power::PowerState;
use crate::process::Addr;
use crate::rule::{Packet, Verdict};
use crate::time::Instant;
use crate::trace::{DropReason, HoldReason, PowerCause, TraceEvent};

use super::{Armed, DeviceOp, Event, Sim};

impl<A: Actor> Sim<A> {
    /// A network message reaches its node: the link decides first.
    pub(super) fn on_arrive(&mut self, msg: u64, from: NodeId, to: Addr, epoch: u64, body: A::Msg) {
        let input = Input::Message { from, msg: body };
        let gate = self.net.gate(from, to.node, epoch);
        if gate == Gate::Cut {
            self.record_drop(to, InputKind::Message, Some(msg), DropReason::Cut);
            return;
        }
        let held = gate == Gate::Held;
        if !held && self.nodes.get(&to.node).is_some_and(|n| !n.paused) {
            // What `on_node_event` would do with it, without the event.
            self.deliver(to, None, Some(msg), input);
            return;
        }
        let event = Event::Deliver {
            to,
            incarnation: None,
            msg: Some(msg),
            input: Box::new(input),
        };
        if held {
            self.record(TraceEvent::Hold {
                to,
                input: InputKind::Message,
                msg: Some(msg),
                reason: HoldReason::Link,
            });
            self.link_held
                .entry((from, to.node))
                .or_default()
                .push(event);
            return;
        }
        self.on_node_event(event);
    }

    /// An event bound to a node: held if the node is paused, else handled.
    pub(super) fn on_node_event(&mut self, event: Event<A::Msg>) {
        let node_id = match &event {
            Event::Deliver { to, .. } | Event::Wake { to, .. } => to.node,
            Event::Boot { node, .. } => *node,
            Event::Arrive { .. } | Event::Device { .. } | Event::Fault(_) => {
                unreachable!("not a node event")
            }
        };
        let Some(node) = self.nodes.get_mut(&node_id) else {
            if let Event::Deliver { to, msg, input, .. } = &event {
                let kind = input.kind();
                let (to, msg) = (*to, *msg);
                self.record_drop(to, kind, msg, DropReason::NodeDown);
            }
            return;
        };
        if node.paused {
            if let Event::Wake { to, token, .. } = &event {
                // No longer due where wakes are looked for: it waits here.
                if let Some(a) = self
                    .wakes
                    .iter_mut()
                    .find(|a| a.to == *to && a.token == *token)
                {
                    a.held = true;
                }
            }
            if let Event::Deliver { to, msg, input, .. } = &event {
                let record = TraceEvent::Hold {
                    to: *to,
                    input: input.kind(),
                    msg: *msg,
                    reason: HoldReason::Paused,
                };
                node.held.push(event);
                self.record(record);
            } else {
                node.held.push(event);
            }
            return;
        }
        match event {
            Event::Deliver {
                to,
                incarnation,
                msg,
                input,
            } => self.deliver(to, incarnation, msg, *input),
            Event::Wake {
                to,
                incarnation,
                token,
            } => self.on_wake(to, incarnation, token),
            Event::Boot { node, epoch } => self.on_boot(node, epoch),
            Event::Arrive { .. } | Event::Device { .. } | Event::Fault(_) => unreachable!(),
        }
    }

    /// Hands an input to a running, unpaused process, or drops it.
    fn deliver(
        &mut self,
        to: Addr,
        incarnation: Option<u64>,
        msg: Option<u64>,
        input: Input<A::Msg>,
    ) {
        let kind = input.kind();
        let node = &self.nodes[&to.node];
        assert!(!node.paused);
        let reason = if node.power.state() != PowerState::Up {
            Some(DropReason::NodeDown)
        } else {
            match node.procs.get(&to.group) {
                None => Some(DropReason::NotRunning),
                Some(p) if incarnation.is_some_and(|i| i != p.incarnation) => {
                    Some(DropReason::Stale)
                }
                Some(_) => None,
            }
        };
        if let Some(reason) = reason {
            self.record_drop(to, kind, msg, reason);
            return;
        }
        self.record_passing(|| TraceEvent::Deliver {
            to,
            input: kind,
            msg,
        });
        self.call(to, input);
    }

    /// The armed wake at `i` of `wakes` comes due. At a running node it is
    /// handed over at once (it is armed, so its process and incarnation
    /// are the current ones); at a paused node it waits as any input does.
    pub(super) fn on_due_wake(&mut self, i: usize) {
        let a = self.wakes[i];
        if !self.nodes.get(&a.to.node).is_some_and(|n| !n.paused) {
            self.on_node_event(Event::Wake {
                to: a.to,
                incarnation: a.incarnation,
                token: a.token,
            });
            return;
        }
        self.wakes.swap_remove(i);
        self.record_passing(|| TraceEvent::Deliver {
            to: a.to,
            input: InputKind::Wake,
            msg: None,
        });
        self.call(a.to, Input::Wake);
    }

    /// A wake held at a pause, queued again on resume.
    fn on_wake(&mut self, to: Addr, incarnation: u64, token: u64) {
        let armed = self
            .wakes
            .iter()
            .position(|a| a.to == to && a.incarnation == incarnation && a.token == token);
        // A wake held at a pause whose process was re-armed or ended since
        // is not an event: skip it silently.
        let Some(i) = armed else {
            return;
        };
        assert_eq!(self.nodes[&to.node].power.state(), PowerState::Up);
        self.wakes.swap_remove(i);
        self.record_passing(|| TraceEvent::Deliver {
            to,
            input: InputKind::Wake,
            msg: None,
        });
        self.call(to, Input::Wake);
    }

    /// Calls `handle`, re-arms the wake, routes the outputs.
    pub(super) fn call(&mut self, addr: Addr, input: Input<A::Msg>) {
        let now = self.now;
        let is_wake = matches!(input, Input::Wake);
        let proc = self
            .nodes
            .get_mut(&addr.node)
            .and_then(|n| n.procs.get_mut(&addr.group))
            .expect("call on a running process");
        // The effects go to a buffer the kernel keeps between calls; a call
        // nested in routing (none today) would find it taken and use its own.
        let mut outputs = std::mem::take(&mut self.outputs);
        proc.actor.handle_into(now, input, &mut outputs);
        let deadline = proc.actor.next_deadline();
        if is_wake {
            assert!(
                deadline.map_or(true, |d| d > now),
                "{addr}: after Wake at {now}, next_deadline is still {deadline:?}: \
                 an actor must fire every expired timer on Wake"
            );
        }
        let incarnation = proc.incarnation;
        let armed = self.wakes.iter().position(|a| a.to == addr);
        match (deadline, armed) {
            (None, None) => {}
            (None, Some(i)) => {
                self.wakes.swap_remove(i);
            }
            (Some(d), armed) => {
                let d = d.max(now);
                if armed.map(|i| self.wakes[i].at) != Some(d) {
                    let token = self.next_token;
                    self.next_token += 1;
                    let wake = Armed {
                        to: addr,
                        incarnation,
                        at: d,
                        seq: self.queue.take_seq(),
                        token,
                        held: false,
                    };
                    match armed {
                        Some(i) => self.wakes[i] = wake,
                        None => self.wakes.push(wake),
                    }
                }
            }
        }
        self.route(addr, &mut outputs);
        self.outputs = outputs;
    }

    /// Turns outputs into events (leaving `outputs` empty). `Exit` and
    /// `Panic` act last.
    fn route(&mut self, from: Addr, outputs: &mut Vec<Output<A::Msg, A::Event>>) {
        let mut exit = false;
        let mut panic = None;
        // Taken from the back of the reversed list rather than drained: a
        // call's outputs are mostly one or two, and a drain's bookkeeping
        // cost more than the popping (callgrind).
        outputs.reverse();
        while let Some(output) = outputs.pop() {
            match output {
                Output::Send { to, msg } => self.send_net(from, to, msg),
                Output::Broadcast(msg) => {
                    // Every other node in node order; the last one gets
                    // the message itself, the others a copy.
                    let mut next = self.nodes.key_after(None, from.node);
                    while let Some(to) = next {
                        next = self.nodes.key_after(Some(to), from.node);
                        if next.is_none() {
                            self.send_net(from, to, msg);
                            break;
                        }
                        self.send_net(from, to, msg.clone());
                    }
                }
                Output::Ipc { to, msg } => {
                    let id = self.next_msg;
                    self.next_msg += 1;
                    let to = Addr::new(from.node, to);
                    self.record_send(id, from, to, Some(self.now), &msg);
                    let input = Input::Ipc {
                        from: from.group,
                        msg,
                    };
                    self.queue.push(
                        self.now,
                        Event::Deliver {
                            to,
                            incarnation: None,
                            msg: Some(id),
                            input: Box::new(input),
                        },
                    );
                }
                Output::Power(req) => self.device_request(from, req),
                Output::Exit => exit = true,
                Output::Panic { reboot } => panic = Some(reboot || panic == Some(true)),
                Output::Note(text) => self.record(TraceEvent::Note { proc: from, text }),
                Output::Event(event) => {
                    if let Some(text) = event.note() {
                        self.record(TraceEvent::Note { proc: from, text });
                    }
                    self.events.push((from, event));
                }
            }
        }
        if let Some(reboot) = panic {
            self.crash_node(from.node, reboot, PowerCause::Panic);
        } else if exit {
            self.end_proc(from, crate::process::ExitCause::Exited);
        }
    }

    /// Puts one message on the wire from `from` to the same group on `to`.
    fn send_net(&mut self, from: Addr, to: NodeId, msg: A::Msg) {
        let id = self.next_msg;
        self.next_msg += 1;
        let dest = Addr::new(to, from.group);
        let draw = self.net.draw(from.node, to);
        let mut verdict = Verdict::Pass;
        if !self.rules.is_empty() {
            let packet = Packet {
                now: self.now,
                from: from.node,
                to,
                group: from.group,
                msg: &msg,
            };
            for (_, rule) in &mut self.rules {
                verdict = rule.verdict(&packet);
                if verdict != Verdict::Pass {
                    break;
                }
            }
        }
        let dropped = if !self.nodes.contains_key(&to) {
            Some(DropReason::NodeDown)
        } else if draw.cut {
            Some(DropReason::Cut)
        } else if draw.lost {
            Some(DropReason::Loss)
        } else if verdict == Verdict::Drop {
            Some(DropReason::Rule)
        } else {
            None
        };
        let arrive = dropped.is_none().then(|| {
            let delay = match verdict {
                Verdict::Delay(d) => d,
                Verdict::Pass | Verdict::Drop => crate::time::Duration::ZERO,
            };
            self.net
                .arrival(from.node, to, self.now + draw.latency + delay)
        });
        self.record_send(id, from, dest, arrive, &msg);
        match (dropped, arrive) {
            (Some(reason), _) => self.record_drop(dest, InputKind::Message, Some(id), reason),
            (None, Some(at)) => {
                let epoch = draw.epoch;
                self.queue.push(
                    at,
                    Event::Arrive {
                        msg: id,
                        from: from.node,
                        to: dest,
                        epoch,
                        body: msg,
                    },
                );
            }
            (None, None) => unreachable!(),
        }
    }

    /// A process asks a switch to act: plan the steps now.
    fn device_request(&mut self, from: Addr, req: PowerRequest) {
        let op = self.next_op;
        self.next_op += 1;
        self.record(TraceEvent::DeviceRequest {
            op,
            from,
            id: req.id,
            device: req.device.clone(),
            outlet: req.outlet.clone(),
            action: req.action,
        });
        let (spec, fault) = match self.devices.get(&req.device) {
            Some((spec, fault)) => (Some(spec), *fault),
            None => (None, Default::default()),
        };
        let steps = device::plan(spec, fault, &req, self.now);
        let incarnation = self.nodes[&from.node].procs[&from.group].incarnation;
        self.ops.insert(
            op,
            DeviceOp {
                requester: from,
                incarnation,
                req,
            },
        );
        for (at, step) in steps {
            self.queue.push(at, Event::Device { op, step });
        }
    }

    pub(super) fn on_device_step(&mut self, op: u64, step: Step) {
        let device = self.ops[&op].req.device.clone();
        match step {
            Step::Cut(node) => self.power_off_node(node, PowerCause::Device { device, op }),
            Step::Restore(node) => self.power_on_node(node, PowerCause::Device { device, op }),
            Step::Finish(outcome) => {
                let op_state = self.ops.remove(&op).expect("one finish per op");
                let spec = self.devices.get(&device).map(|(s, _)| s);
                let outcome = match outcome {
                    PowerOutcome::Done { .. } => PowerOutcome::Done {
                        powered: device::target(spec, &op_state.req)
                            .map(|n| self.nodes[&n].power.state() != PowerState::Off),
                    },
                    other => other,
                };
                self.record(TraceEvent::DeviceResult { op, outcome });
                let req = op_state.req;
                let result = PowerResult {
                    id: req.id,
                    device: req.device,
                    outlet: req.outlet,
                    action: req.action,
                    outcome,
                };
                self.on_node_event(Event::Deliver {
                    to: op_state.requester,
                    incarnation: Some(op_state.incarnation),
                    msg: None,
                    input: Box::new(Input::PowerResult(result)),
                });
            }
        }
    }

    /// Records a message leaving (`arrive`: when it will, if it will),
    /// with its body, built only when somebody reads such records.
    fn record_send(
        &mut self,
        id: u64,
        from: Addr,
        to: Addr,
        arrive: Option<Instant>,
        body: &A::Msg,
    ) {
        if self.trace.wants_passing() {
            let send = TraceEvent::Send {
                msg: id,
                from,
                to,
                arrive,
            };
            self.trace.record(self.now, send, Some(body));
        } else {
            self.trace.skip();
        }
    }

    pub(super) fn record_drop(
        &mut self,
        to: Addr,
        input: InputKind,
        msg: Option<u64>,
        reason: DropReason,
    ) {
        self.record_passing(|| TraceEvent::Drop {
            to,
            input,
            msg,
            reason,
        });
    }
}
