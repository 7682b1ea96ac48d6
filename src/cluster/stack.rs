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

use sim::timer::TimerTable;
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
    /// A ring totem installed, whose event has gone out: the layers above
    /// are still to hear of it.
    Installed {
        members: Vec<NodeId>,
        names: Vec<String>,
    },
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
    /// A timer table, whose earliest is a plain minimum over nanoseconds.
    deadlines: TimerTable<Layer, { Layer::COUNT }>,
    /// Layers fed during the current `handle`, whose deadline is stale
    /// (a bit per layer, `Layer::bit`).
    stale: u8,
    /// The earliest of `deadlines`, kept with them (the start-up instants
    /// aside).
    earliest: Option<Instant>,
    /// While starting: when corosync, then the controller, are up.
    corosync_at: Option<Instant>,
    controller_at: Option<Instant>,
    /// Buffers kept for their capacity between inputs (empty between
    /// them): the hops of the current ripple, the layers' outputs.
    hops: VecDeque<Hop>,
    quorum_out: Vec<quorum::Output>,
    ctl_out: Vec<controller::Output>,
    fence_out: Vec<fencer::Output>,
    exec_out: Vec<executor::Output>,
}

/// The layers of the stack that keep timers, as slots of its deadline cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl sim::timer::Timer for Layer {
    const ALL: &'static [Layer] = &Layer::ALL;
    fn slot(self) -> usize {
        self as usize
    }
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
            deadlines: TimerTable::new(),
            stale: Layer::EVERY,
            earliest: None,
            corosync_at: None,
            controller_at: None,
            hops: VecDeque::new(),
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
        shared_name(&self.names, n)
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
                self.stale |= Layer::Knet.bit();
                self.knet.on_message(now, from, m, &mut KnetOut(out));
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
        // Only the controller changes its CIB, and only when fed.
        if self.stale & Layer::Controller.bit() != 0 {
            self.refresh_devices();
        }
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
        // A layer fed may keep its timers (knet answering a ping): the
        // earliest is computed again only if a deadline moved.
        let mut moved = false;
        for layer in Layer::ALL {
            if self.stale & layer.bit() != 0 {
                let at = self.ask_deadline(layer);
                if at != self.deadlines.get(layer) {
                    moved = true;
                    match at {
                        Some(at) => self.deadlines.set(layer, at),
                        None => self.deadlines.stop(layer),
                    }
                }
            }
        }
        self.stale = 0;
        if moved {
            self.earliest = self.deadlines.next();
        }
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
        if self.stale & layer.bit() != 0 {
            self.ask_deadline(layer).is_some_and(|t| t <= now)
        } else {
            self.deadlines.is_due(layer, now)
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
            self.stale |= Layer::Knet.bit();
            self.knet.on_wake(now, &mut KnetOut(out));
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
        self.stale |= Layer::Totem.bit();
        self.totem.handle_into(now, input, &mut Queue(hops));
    }

    /// Feeds totem at the start of a ripple (a packet, the token's hold
    /// ending): with no hop queued yet, its outputs are routed as they come
    /// (the order the queue would give them: what they cause queues
    /// behind), without moving each through the queue; else they queue.
    ///
    /// As they come: its packets, and a new ring's event, go out from
    /// within totem ([`Router`]); what the layers above must hear of
    /// (deliveries, the ring) is routed as soon as totem returns, in order,
    /// before anything else happens: routing them feeds layers whose
    /// outputs queue, and writes nothing out, so the effects are those of
    /// routing each the moment it came.
    fn feed_totem_routing(
        &mut self,
        now: Instant,
        input: membership::Input<Cpg>,
        hops: &mut VecDeque<Hop>,
        out: &mut Vec<Out>,
    ) {
        if !hops.is_empty() {
            return self.feed_totem(now, input, hops);
        }
        self.stale |= Layer::Totem.bit();
        let mut router = Router {
            knet: &self.knet,
            names: &self.names,
            hops,
            out,
        };
        self.totem.handle_into(now, input, &mut router);
        // What totem left for the layers above, and only that, is queued.
        for _ in 0..hops.len() {
            let hop = hops.pop_front().expect("counted");
            self.route(now, hop, hops, out);
        }
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
                membership::Output::Send { to, msg } => send_totem(&self.knet, to, msg, out),
                membership::Output::Broadcast(msg) => {
                    broadcast_totem(&self.knet, self.names.len(), msg, out)
                }
                membership::Output::Membership { ring, members } => {
                    let names = membership_names(&self.names, &members);
                    out.push(membership_event(ring, &members, &names));
                    self.installed(now, members, names, hops);
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
            Hop::Installed { members, names } => self.installed(now, members, names, hops),
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

    /// Totem installed a ring of `members` (named `names`), and its event
    /// is out: the fencer and votequorum hear of it, and the controller
    /// will once the sync round ends.
    fn installed(
        &mut self,
        now: Instant,
        members: Vec<NodeId>,
        names: Vec<String>,
        hops: &mut VecDeque<Hop>,
    ) {
        self.members = members.clone();
        self.feed_fencer(now, fencer::Input::Peers(names.clone()), hops);
        self.sync.begin(&members, names);
        self.feed_quorum(now, quorum::Input::Membership { members }, hops);
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
        if self.corosync_at.is_none() && self.controller_at.is_none() {
            return self.earliest;
        }
        // Starting.
        Instant::earliest([self.earliest, self.corosync_at, self.controller_at])
    }
}

/// Node `n`'s name among `names` (by id from 1), shared; its id for a node
/// not configured.
fn shared_name(names: &[Arc<str>], n: NodeId) -> Arc<str> {
    names
        .get((n.0 as usize).wrapping_sub(1))
        .cloned()
        .unwrap_or_else(|| n.to_string().into())
}

/// The names of a ring's members.
fn membership_names(names: &[Arc<str>], members: &[NodeId]) -> Vec<String> {
    members
        .iter()
        .map(|&n| shared_name(names, n).to_string())
        .collect()
}

/// The event of a new ring.
fn membership_event(ring: membership::RingId, members: &[NodeId], names: &[String]) -> Out {
    Output::Event(ClusterEvent::Membership {
        ring,
        members: members.to_vec(),
        names: names.to_vec(),
    })
}

/// A totem packet for `to` leaves if knet's link to it is up (knet's tx
/// thread has no link to send it on otherwise).
#[inline]
fn send_totem(knet: &Knet, to: NodeId, msg: membership::Msg<Cpg>, out: &mut Vec<Out>) {
    if knet.is_up(to) {
        out.push(Output::Send {
            to,
            msg: Msg::Totem(msg),
        })
    }
}

/// A totem broadcast leaves over the links that are up, of a nodelist of
/// `nodes`: as one broadcast when all are.
fn broadcast_totem(knet: &Knet, nodes: usize, msg: membership::Msg<Cpg>, out: &mut Vec<Out>) {
    if knet.all_up() {
        out.push(Output::Broadcast(Msg::Totem(msg)));
        return;
    }
    // Only over the links that are up, in node order as a broadcast goes;
    // the last packet takes the message itself.
    let peers = (1..=nodes as u32).map(NodeId);
    let up = |n: &NodeId| knet.is_up(*n);
    if let Some(last) = peers.clone().rev().find(up) {
        for to in peers.filter(up).take_while(|&n| n != last) {
            let msg = Msg::Totem(msg.clone());
            out.push(Output::Send { to, msg });
        }
        let msg = Msg::Totem(msg);
        out.push(Output::Send { to: last, msg });
    }
}

/// Totem's outputs at the start of a ripple ([`Stack::feed_totem_routing`]):
/// its packets and a new ring's event go out as they come; what the layers
/// above must hear of queues, in order, for the stack to route next.
struct Router<'a> {
    knet: &'a Knet,
    names: &'a [Arc<str>],
    hops: &'a mut VecDeque<Hop>,
    out: &'a mut Vec<Out>,
}

impl membership::Sink<Cpg> for Router<'_> {
    /// A packet for one node (a token passed on, above all) is put on the
    /// wire right where totem sends it; the rarer outputs take a call.
    #[inline]
    fn push(&mut self, output: membership::Output<Cpg>) {
        match output {
            membership::Output::Send { to, msg } => send_totem(self.knet, to, msg, self.out),
            other => self.push_rare(other),
        }
    }
}

impl Router<'_> {
    #[inline(never)]
    fn push_rare(&mut self, output: membership::Output<Cpg>) {
        match output {
            membership::Output::Send { to, msg } => send_totem(self.knet, to, msg, self.out),
            membership::Output::Broadcast(msg) => {
                broadcast_totem(self.knet, self.names.len(), msg, self.out)
            }
            membership::Output::Membership { ring, members } => {
                let names = membership_names(self.names, &members);
                self.out.push(membership_event(ring, &members, &names));
                self.hops.push_back(Hop::Installed { members, names });
            }
            deliver @ membership::Output::Deliver { .. } => {
                self.hops.push_back(Hop::Totem(deliver))
            }
        }
    }
}

/// Totem's outputs behind hops already queued: they queue too.
struct Queue<'a>(&'a mut VecDeque<Hop>);

impl membership::Sink<Cpg> for Queue<'_> {
    fn push(&mut self, output: membership::Output<Cpg>) {
        self.0.push_back(Hop::Totem(output));
    }
}

/// knet's outputs: its packets leave; its links' changes are for nobody
/// but totem's filter, which asks `is_up` as packets pass.
struct KnetOut<'a>(&'a mut Vec<Out>);

impl knet::Sink for KnetOut<'_> {
    #[inline]
    fn push(&mut self, output: knet::Output) {
        if let knet::Output::Send { to, msg } = output {
            self.0.push(Output::Send {
                to,
                msg: Msg::Knet(msg),
            });
        }
    }
}
