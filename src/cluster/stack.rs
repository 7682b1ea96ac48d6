//! The `stack` process group: totem, votequorum, the controller, the fencer
//! and the executor of one node, wired together as corosync and pacemaker
//! wire them.
//!
//! Each daemon is its own state machine; the stack only routes: totem's
//! memberships go to votequorum and, through corosync's sync barrier
//! ([`super::sync`]), to the controller; its agreed deliveries
//! to whichever layer cast them; the controller's casts go back to totem,
//! its operations to the executor (whose agent requests leave the group as
//! IPC to `resources`) and its fencing requests to the fencer (whose power
//! requests leave as the kernel's power-switch calls). One input may ripple
//! through several layers; the stack runs the ripple to its end within the
//! one `handle` call, in order.
//!
//! Under totem, knet ([`membership::knet`]): totem's packets leave only for
//! peers whose link is up and are taken only from them; knet's pings and
//! pongs go between stacks beside them.
//!
//! The daemons do not start the instant the node's init starts the stack:
//! corosync configures its links [`COROSYNC_START`] later, and the
//! controller is up and waiting for a DC ([`CONTROLLER_START`]) later
//! still, after pacemakerd has started the other daemons and the
//! controller has connected to the cluster and read its configuration.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::cib::Cib;

use sim::{Duration, Input, Instant, NodeId, Output};

use crate::controller::{self, Controller};
use crate::executor::{self, Executor};
use crate::fencer::{self, Fencer, Registry};
use crate::membership::knet::{self, Knet};
use crate::membership::{self, Totem};
use crate::quorum::{self, Votequorum};

use super::sync::SyncBarrier;
use super::{ClusterEvent, Cpg, Msg, Out, Spec, RESOURCES};

/// From the stack's start to corosync configuring its links and forming
/// its first (lone) ring. The real nodes' logs (tests/calibration's
/// recordings) show "Configuring link 0" 0.4–0.6 s after the node's init
/// starts corosync: process start-up, crypto and service engines.
pub const COROSYNC_START: Duration = Duration::from_millis(500);

/// From the stack's start to the controller entering S_PENDING, when its
/// `dc-deadtime` timer starts: pacemakerd starts once corosync is up, then
/// spawns the daemons, and the controller waits for the CIB and membership
/// ("Delaying start, Config not read"). The recordings show 1.3–1.6 s
/// after the node's init.
pub const CONTROLLER_START: Duration = Duration::from_millis(1500);

/// Something one layer produced for another.
#[derive(Debug, Clone)]
enum Hop {
    Totem(membership::Output<Cpg>),
    Quorum(quorum::Output),
    Ctl(controller::Output),
    Fence(fencer::Output),
    Exec(executor::Output),
    /// A membership for the controller, once votequorum has settled on it.
    Members(Vec<String>),
}

/// One node's cluster stack.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The nodes' names, by id from 1: shared, as every controller message
    /// delivered carries its sender's.
    names: Vec<Arc<str>>,
    knet: Knet,
    totem: Totem<Cpg>,
    quorum: Votequorum,
    controller: Controller,
    fencer: Fencer,
    executor: Executor,
    /// The agreed membership of this node's partition.
    members: Vec<NodeId>,
    /// Corosync's sync barrier: the controller hears of a membership only
    /// once votequorum has every member's information.
    sync: SyncBarrier,
    quorate: bool,
    /// The CIB generation the fencer's devices were read from.
    devices_from: controller::Generation,
    /// The CIB last looked at for device changes: while the controller
    /// holds the very same one, nothing changed. Weak, so that it costs the
    /// controller no copy: `Arc::make_mut` moves a CIB that has weak
    /// references to a new place, which is what tells a change.
    devices_seen: std::sync::Weak<Cib>,
    exiting: bool,
    /// Each layer's next deadline, as it was when the layer last took an
    /// input: a layer's timers change only then, and most inputs (a totem
    /// token above all) touch one layer, so only that one is asked again.
    deadlines: [Option<Instant>; Layer::COUNT],
    /// Layers fed during the current `handle`, whose deadline is stale
    /// (a bit per layer, `Layer::bit`).
    stale: u8,
    /// The earliest of `deadlines`, kept with them.
    earliest: Option<Instant>,
    /// While starting: when corosync, then the controller, are up.
    corosync_at: Option<Instant>,
    controller_at: Option<Instant>,
    /// Buffers kept for their capacity between inputs (empty between
    /// them): the hops of the current ripple, totem's and knet's outputs.
    hops: VecDeque<Hop>,
    totem_out: Vec<membership::Output<Cpg>>,
    knet_buf: Vec<knet::Output>,
    quorum_out: Vec<quorum::Output>,
    ctl_out: Vec<controller::Output>,
    fence_out: Vec<fencer::Output>,
    exec_out: Vec<executor::Output>,
}

/// The layers of the stack that keep timers, as indices of its deadline cache.
#[derive(Debug, Clone, Copy)]
enum Layer {
    Knet,
    Totem,
    Quorum,
    Controller,
    Fencer,
    Executor,
}

impl Layer {
    const COUNT: usize = 6;
    /// Every layer's bit.
    const EVERY: u8 = (1 << Layer::COUNT) - 1;

    fn bit(self) -> u8 {
        1 << self as u8
    }

    const ALL: [Layer; Layer::COUNT] = [
        Layer::Knet,
        Layer::Totem,
        Layer::Quorum,
        Layer::Controller,
        Layer::Fencer,
        Layer::Executor,
    ];
}

impl Stack {
    /// A stack that starts on `Input::Start`, from the CIB on its disk
    /// (`disk`, if an earlier incarnation left one) or the scenario's.
    pub fn new(
        spec: &Spec,
        us: NodeId,
        now: Instant,
        seed: [u8; 32],
        disk: Option<Arc<Cib>>,
    ) -> Stack {
        let cib = disk.unwrap_or_else(|| spec.cib.clone());
        let ids: Vec<NodeId> = (1..=spec.names.len() as u32).map(NodeId).collect();
        let registry = Registry::from_cib(&cib).unwrap_or_default();
        let token = spec.totem.token_timeout(ids.len());
        let mut stack = Stack {
            names: spec.names.iter().map(|n| Arc::from(n.as_str())).collect(),
            knet: Knet::new(knet::Config::from_token(token), us, &ids),
            totem: Totem::new(&spec.totem, us, &ids),
            quorum: Votequorum::new(&spec.quorum, us, now),
            controller: Controller::new(
                &controller::Config {
                    nodes: spec.names.clone(),
                    cib: cib.clone(),
                    epoch_base: spec.epoch_base,
                },
                us,
                now,
                seed,
            ),
            fencer: Fencer::new(
                fencer::Config {
                    registry,
                    nodes: spec.names.clone(),
                },
                us,
                now,
                seed,
            ),
            executor: Executor::new(us, now),
            members: Vec::new(),
            sync: SyncBarrier::new(),
            quorate: false,
            devices_from: controller::Generation::of(&cib),
            devices_seen: Arc::downgrade(&cib),
            exiting: false,
            deadlines: [None; Layer::COUNT],
            stale: Layer::EVERY,
            earliest: None,
            corosync_at: None,
            controller_at: None,
            hops: VecDeque::new(),
            totem_out: Vec::new(),
            knet_buf: Vec::new(),
            quorum_out: Vec::new(),
            ctl_out: Vec::new(),
            fence_out: Vec::new(),
            exec_out: Vec::new(),
        };
        stack.refresh_deadlines();
        stack
    }

    /// Node `n`'s name, shared (its id for a node not configured).
    fn shared_name(&self, n: NodeId) -> Arc<str> {
        self.names
            .get((n.0 as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| n.to_string().into())
    }

    /// Node `n`'s name, owned.
    fn name(&self, n: NodeId) -> String {
        self.shared_name(n).to_string()
    }

    /// The controller.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The agreed membership of this node's partition (empty while forming).
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }

    /// The ring of the current membership, if operational.
    pub fn ring(&self) -> Option<membership::RingId> {
        self.totem.membership().map(|(r, _)| r)
    }

    /// Whether votequorum says this node's partition is quorate.
    pub fn quorate(&self) -> bool {
        self.quorate
    }

    /// Takes one input and returns its effects.
    pub fn handle(&mut self, now: Instant, input: Input<Msg>) -> Vec<Out> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// `handle`, appending the effects to `out`.
    pub fn handle_into(&mut self, now: Instant, input: Input<Msg>, out: &mut Vec<Out>) {
        let mut hops = std::mem::take(&mut self.hops);
        match input {
            Input::Start => {
                self.corosync_at = Some(now + COROSYNC_START);
                self.controller_at = Some(now + CONTROLLER_START);
                // The start-up instants count among the deadlines.
                self.stale = Layer::EVERY;
            }
            Input::Wake => self.wake(now, &mut hops, out),
            // knet discards data from a host it has no link up to (the
            // catch-all below).
            Input::Message {
                from,
                msg: Msg::Totem(m),
            } if self.knet.is_up(from) => {
                let input = membership::Input::Message { from, msg: m };
                self.feed_totem_routing(now, input, &mut hops, out);
            }
            Input::Message {
                from,
                msg: Msg::Knet(m),
            } => {
                let mut k = std::mem::take(&mut self.knet_buf);
                self.knet.on_message(now, from, m, &mut k);
                self.knet_out(&mut k, out);
                self.knet_buf = k;
            }
            Input::Ipc {
                msg: Msg::Done(d), ..
            } => self.feed_executor(now, executor::Input::Agent(d), &mut hops),
            Input::Command(Msg::Command(c)) => {
                self.feed_controller(now, controller::Input::Command(c), &mut hops)
            }
            Input::Terminate => self.feed_controller(now, controller::Input::Terminate, &mut hops),
            Input::PowerResult(r) => self.feed_fencer(now, fencer::Input::Power(r), &mut hops),
            _ => {}
        }
        while let Some(hop) = hops.pop_front() {
            self.route(now, hop, &mut hops, out);
        }
        self.refresh_devices();
        self.refresh_deadlines();
        if self.exiting {
            out.push(Output::Exit);
        }
        // The buffer goes back; what `take` left in its place is a deque
        // without an allocation, forgotten rather than dropped: its drop
        // code (35 instructions for nothing) would run on every input.
        let placeholder = std::mem::replace(&mut self.hops, hops);
        debug_assert_eq!(placeholder.capacity(), 0);
        std::mem::forget(placeholder);
    }

    /// Asks the layers fed since the last refresh for their next deadline.
    fn refresh_deadlines(&mut self) {
        if self.stale == 0 {
            return;
        }
        for layer in Layer::ALL {
            if self.stale & layer.bit() != 0 {
                self.deadlines[layer as usize] = self.ask_deadline(layer);
            }
        }
        self.stale = 0;
        self.earliest = Instant::earliest([
            Instant::earliest(self.deadlines),
            self.corosync_at,
            self.controller_at,
        ]);
    }

    /// A layer's next deadline, asked of the layer itself.
    fn ask_deadline(&self, layer: Layer) -> Option<Instant> {
        match layer {
            Layer::Knet => self.knet.next_deadline(),
            Layer::Totem => self.totem.next_deadline(),
            Layer::Quorum => self.quorum.next_deadline(),
            Layer::Controller => self.controller.next_deadline(),
            Layer::Fencer => self.fencer.next_deadline(),
            Layer::Executor => self.executor.next_deadline(),
        }
    }

    /// Whether a layer has a timer due at `now`: its cached deadline,
    /// unless the layer was fed since the cache was refreshed.
    fn layer_due(&self, layer: Layer, now: Instant) -> bool {
        let d = if self.stale & layer.bit() != 0 {
            self.ask_deadline(layer)
        } else {
            self.deadlines[layer as usize]
        };
        d.is_some_and(|t| t <= now)
    }

    /// knet's packets leave; its links' changes are for nobody but totem's
    /// filter, which asks `is_up` as packets pass.
    fn knet_out(&mut self, outputs: &mut Vec<knet::Output>, out: &mut Vec<Out>) {
        self.stale |= Layer::Knet.bit();
        for o in outputs.drain(..) {
            if let knet::Output::Send { to, msg } = o {
                out.push(Output::Send {
                    to,
                    msg: Msg::Knet(msg),
                });
            }
        }
    }

    /// Fires the timers that are due, layer by layer.
    fn wake(&mut self, now: Instant, hops: &mut VecDeque<Hop>, out: &mut Vec<Out>) {
        // A layer fed by an earlier layer's wake is asked afresh (its cached
        // deadline is then stale).
        let due = |d: Option<Instant>| d.is_some_and(|t| t <= now);
        if due(self.corosync_at) {
            self.corosync_at = None;
            self.knet.start(now);
            self.stale |= Layer::Knet.bit();
            self.feed_totem(now, membership::Input::Start, hops);
        }
        if due(self.controller_at) {
            self.controller_at = None;
            self.feed_controller(now, controller::Input::Start, hops);
            // It asks for the membership as it connects (a membership
            // still syncing reaches it when synced).
            if !self.members.is_empty() && !self.sync.syncing() {
                let members = self.members.iter().map(|&n| self.name(n)).collect();
                hops.push_back(Hop::Members(members));
            }
        }
        if self.layer_due(Layer::Knet, now) {
            let mut k = std::mem::take(&mut self.knet_buf);
            self.knet.on_wake(now, &mut k);
            self.knet_out(&mut k, out);
            self.knet_buf = k;
        }
        if self.layer_due(Layer::Totem, now) {
            self.feed_totem_routing(now, membership::Input::Wake, hops, out);
        }
        if self.layer_due(Layer::Quorum, now) {
            self.feed_quorum(now, quorum::Input::Wake, hops);
        }
        if self.layer_due(Layer::Controller, now) {
            self.feed_controller(now, controller::Input::Wake, hops);
        }
        if self.layer_due(Layer::Fencer, now) {
            self.feed_fencer(now, fencer::Input::Wake, hops);
        }
        if self.layer_due(Layer::Executor, now) {
            self.feed_executor(now, executor::Input::Wake, hops);
        }
    }

    fn cast(&mut self, now: Instant, p: Cpg, hops: &mut VecDeque<Hop>) {
        self.feed_totem(now, membership::Input::Cast(p), hops);
    }

    // One feed per layer: its input in, its outputs queued as hops.

    fn feed_totem(
        &mut self,
        now: Instant,
        input: membership::Input<Cpg>,
        hops: &mut VecDeque<Hop>,
    ) {
        self.feed_totem_then(now, input, |_, t| hops.push_back(Hop::Totem(t)));
    }

    /// Feeds totem at the start of a ripple (a packet, the token's hold
    /// ending): with no hop queued yet, its outputs are routed as they come,
    /// which is the order the queue would give them (what they cause queues
    /// behind), without moving each through the queue; else they queue.
    fn feed_totem_routing(
        &mut self,
        now: Instant,
        input: membership::Input<Cpg>,
        hops: &mut VecDeque<Hop>,
        out: &mut Vec<Out>,
    ) {
        if hops.is_empty() {
            self.feed_totem_then(now, input, |stack, t| {
                stack.route(now, Hop::Totem(t), hops, out)
            });
        } else {
            self.feed_totem(now, input, hops);
        }
    }

    /// Feeds totem and hands each of its outputs, in order, to `then`.
    fn feed_totem_then(
        &mut self,
        now: Instant,
        input: membership::Input<Cpg>,
        mut then: impl FnMut(&mut Self, membership::Output<Cpg>),
    ) {
        self.stale |= Layer::Totem.bit();
        let mut o = std::mem::take(&mut self.totem_out);
        self.totem.handle_into(now, input, &mut o);
        for t in o.drain(..) {
            then(self, t);
        }
        self.totem_out = o;
    }

    // The layers append to buffers of the stack's, kept for their capacity
    // (empty between feeds).

    fn feed_quorum(&mut self, now: Instant, input: quorum::Input, hops: &mut VecDeque<Hop>) {
        self.stale |= Layer::Quorum.bit();
        self.quorum.handle_into(now, input, &mut self.quorum_out);
        hops.extend(self.quorum_out.drain(..).map(Hop::Quorum));
    }

    fn feed_controller(
        &mut self,
        now: Instant,
        input: controller::Input,
        hops: &mut VecDeque<Hop>,
    ) {
        self.stale |= Layer::Controller.bit();
        self.controller.handle_into(now, input, &mut self.ctl_out);
        hops.extend(self.ctl_out.drain(..).map(Hop::Ctl));
    }

    fn feed_fencer(&mut self, now: Instant, input: fencer::Input, hops: &mut VecDeque<Hop>) {
        self.stale |= Layer::Fencer.bit();
        self.fencer.handle_into(now, input, &mut self.fence_out);
        hops.extend(self.fence_out.drain(..).map(Hop::Fence));
    }

    fn feed_executor(&mut self, now: Instant, input: executor::Input, hops: &mut VecDeque<Hop>) {
        self.stale |= Layer::Executor.bit();
        self.executor.handle_into(now, input, &mut self.exec_out);
        hops.extend(self.exec_out.drain(..).map(Hop::Exec));
    }

    fn route(&mut self, now: Instant, hop: Hop, hops: &mut VecDeque<Hop>, out: &mut Vec<Out>) {
        match hop {
            Hop::Totem(o) => match o {
                membership::Output::Send { to, msg } => {
                    if self.knet.is_up(to) {
                        out.push(Output::Send {
                            to,
                            msg: Msg::Totem(msg),
                        })
                    }
                }
                membership::Output::Broadcast(msg) => {
                    if self.knet.all_up() {
                        out.push(Output::Broadcast(Msg::Totem(msg)))
                    } else {
                        // Only over the links that are up, in node order
                        // as a broadcast goes; the last packet takes the
                        // message itself.
                        let peers = (1..=self.names.len() as u32).map(NodeId);
                        let up = |n: &NodeId| self.knet.is_up(*n);
                        if let Some(last) = peers.clone().rev().find(up) {
                            for to in peers.filter(up).take_while(|&n| n != last) {
                                let msg = Msg::Totem(msg.clone());
                                out.push(Output::Send { to, msg });
                            }
                            let msg = Msg::Totem(msg);
                            out.push(Output::Send { to: last, msg });
                        }
                    }
                }
                membership::Output::Membership { ring, members } => {
                    let names: Vec<String> = members.iter().map(|&n| self.name(n)).collect();
                    out.push(Output::Event(ClusterEvent::Membership {
                        ring,
                        members: members.clone(),
                        names: names.clone(),
                    }));
                    self.members = members.clone();
                    self.feed_fencer(now, fencer::Input::Peers(names.clone()), hops);
                    // The controller hears of it once the sync round ends.
                    self.sync.begin(&members, names);
                    self.feed_quorum(now, quorum::Input::Membership { members }, hops);
                }
                membership::Output::Deliver { from, payload } => match payload {
                    Cpg::Quorum(info) => {
                        self.feed_quorum(now, quorum::Input::NodeInfo(info), hops);
                        if let Some(names) = self.sync.delivered(from) {
                            self.feed_quorum(now, quorum::Input::SyncDone, hops);
                            hops.push_back(Hop::Members(names));
                        }
                    }
                    // Not in the controllers' CPG group before it starts.
                    Cpg::Ctl(_) if self.controller_at.is_some() => {}
                    // Shared as the ring delivered it: most messages are
                    // for one node, and the others' controllers copy
                    // nothing of them.
                    Cpg::Ctl(msg) => {
                        let from = self.shared_name(from);
                        self.feed_controller(now, controller::Input::Deliver { from, msg }, hops);
                    }
                },
            },
            Hop::Quorum(o) => match o {
                quorum::Output::Broadcast(info) => self.cast(now, Cpg::Quorum(info), hops),
                quorum::Output::Quorum { quorate, .. } => {
                    if quorate != self.quorate {
                        self.quorate = quorate;
                        out.push(Output::Event(ClusterEvent::Quorate(quorate)));
                        if !self.sync.syncing() && self.controller_at.is_none() {
                            self.feed_controller(now, controller::Input::Quorum(quorate), hops);
                        }
                    }
                }
            },
            Hop::Ctl(o) => match o {
                controller::Output::Cast(m) => self.cast(now, Cpg::Ctl(Arc::new(m)), hops),
                controller::Output::Exec { call, op } => {
                    self.feed_executor(now, executor::Input::Exec { call, op }, hops)
                }
                controller::Output::Cancel {
                    rsc,
                    action,
                    interval_ms,
                } => self.feed_executor(
                    now,
                    executor::Input::Cancel {
                        rsc,
                        action,
                        interval_ms,
                    },
                    hops,
                ),
                controller::Output::Fence { op, target, action } => {
                    self.feed_fencer(now, fencer::Input::Fence { op, target, action }, hops)
                }
                controller::Output::Note(text) => out.push(Output::Note(text)),
                controller::Output::Elected => out.push(Output::Event(ClusterEvent::Elected)),
                controller::Output::Fenced { target, devices } => {
                    out.push(Output::Event(ClusterEvent::Fenced { target, devices }))
                }
                controller::Output::Exit => {
                    // Tell the ring first, so the others re-form at once.
                    self.feed_totem(now, membership::Input::Leave, hops);
                    self.exiting = true;
                }
            },
            Hop::Fence(o) => match o {
                fencer::Output::Power(req) => out.push(Output::Power(req)),
                fencer::Output::Done {
                    op, target, result, ..
                } => self.feed_controller(
                    now,
                    controller::Input::Fenced { op, target, result },
                    hops,
                ),
            },
            Hop::Members(_) if self.controller_at.is_some() => self.sync.released(),
            Hop::Members(members) => {
                self.sync.released();
                let quorate = self.quorate;
                self.feed_controller(
                    now,
                    controller::Input::Membership { members, quorate },
                    hops,
                )
            }
            Hop::Exec(o) => match o {
                executor::Output::Run(req) => out.push(Output::Ipc {
                    to: RESOURCES,
                    msg: Msg::Run(Box::new(req)),
                }),
                executor::Output::Abandon(token) => out.push(Output::Ipc {
                    to: RESOURCES,
                    msg: Msg::Abandon(token),
                }),
                executor::Output::Result(r) => {
                    self.feed_controller(now, controller::Input::Executed(r), hops)
                }
            },
        }
    }

    /// The fencer follows configuration changes that reach this node's CIB.
    fn refresh_devices(&mut self) {
        // Compared by address, without taking a new weak reference (an
        // atomic count up and down on every input): the weak one held keeps
        // its allocation, so no other CIB can be at that address.
        if std::ptr::eq(
            self.devices_seen.as_ptr(),
            Arc::as_ptr(self.controller.shared_cib()),
        ) {
            return;
        }
        self.devices_seen = Arc::downgrade(self.controller.shared_cib());
        let generation = self.controller.generation();
        if !generation.same_configuration(&self.devices_from) {
            self.devices_from = generation;
            if let Ok(r) = Registry::from_cib(self.controller.cib()) {
                self.fencer.set_registry(r);
                self.stale |= Layer::Fencer.bit();
            }
        }
    }

    /// The earliest timer of any layer.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.exiting {
            return None;
        }
        debug_assert!(self.stale == 0, "refreshed after every input");
        self.earliest
    }
}
