//! The kernel: owns the clock, the queue, the network, the nodes with their
//! processes, the power switches and the trace, and drives the actors.
//!
//! One step pops the earliest event, sets the clock to it, hands at most one
//! input to one actor, routes that actor's outputs into new events, re-arms
//! its wake from `next_deadline`, and checks the kernel's invariants. Time
//! jumps straight from one event to the next; there is no tick.
//!
//! Files: `mod.rs` (the `Sim` type, setup, driving, inspection), `route.rs`
//! (outputs to events, events to inputs), `lifecycle.rs` (power, boot,
//! processes, pause), `faults.rs` (the fault API).

mod faults;
mod lifecycle;
mod route;
mod table;

use std::collections::BTreeMap;
use std::io;

use crate::actor::{Actor, Input, Output};
use crate::device::{DeviceFault, DeviceId, DeviceSpec, PowerRequest, Step};
use crate::fault::Fault;
use crate::net::{LinkParams, Network, NodeId};
use crate::power::{NodeSpec, Power, PowerState};
use crate::process::{Addr, Group, Spawn};
use crate::queue::{order, EventQueue};
use crate::rng::{RngStreams, SimRng};
use crate::rule::{Rule, RuleId};
use crate::time::{Duration, Instant};
use crate::trace::{PowerCause, Record, Trace, TraceConfig, TraceEvent};

use table::Table;

/// How a run is set up.
pub struct SimConfig {
    /// The master seed: every random draw of the run derives from it.
    pub seed: u64,
    /// Parameters of every link until degraded.
    pub link: LinkParams,
    /// Whether each link delivers in send order (see `net.rs`).
    pub fifo: bool,
    /// Where the trace goes.
    pub trace: TraceConfig,
}

impl SimConfig {
    /// Default links (0.5–2 ms, no loss, not FIFO) and an in-memory trace.
    pub fn new(seed: u64) -> Self {
        SimConfig {
            seed,
            link: LinkParams::default(),
            fifo: false,
            trace: TraceConfig::default(),
        }
    }
}

/// A queued event. Node-bound ones (`Deliver`, `Wake`, `Boot`) can be held
/// at a paused node and queued again on resume.
pub(crate) enum Event<M> {
    /// A network message reaching `to`'s node: link checks happen here.
    Arrive {
        msg: u64,
        from: NodeId,
        to: Addr,
        epoch: u64,
        body: M,
    },
    /// An input for a process; `incarnation: None` means whichever runs then.
    ///
    /// The input is boxed so that an event stays under 128 bytes (moved
    /// with a few vector stores rather than a call to memcpy, three times
    /// a step): a message arriving at a running node, the common case, is
    /// handed over without becoming a `Deliver`.
    Deliver {
        to: Addr,
        incarnation: Option<u64>,
        msg: Option<u64>,
        input: Box<Input<M>>,
    },
    /// A process's deadline; valid only while its armed token matches.
    Wake {
        to: Addr,
        incarnation: u64,
        token: u64,
    },
    /// A node's boot completes, if `epoch` is still its current boot.
    Boot { node: NodeId, epoch: u64 },
    /// One step of a power switch operation.
    Device { op: u64, step: Step },
    /// A fault scheduled by the harness.
    Fault(Fault),
}

/// A running process incarnation.
pub(crate) struct Proc<A> {
    pub(crate) actor: A,
    pub(crate) incarnation: u64,
}

/// A process's armed wake. Wakes are not queued: a process has at most one,
/// and re-arms it on nearly every input (totem's timers move with every
/// token), so queueing each would leave a superseded entry behind per
/// input, popped later only to be skipped. Instead the kernel keeps the
/// armed wakes in a short list beside the queue (one entry per process
/// with a deadline) and each step compares the earliest with the queue's
/// head. `seq` comes from the queue's counter when the wake is armed, so
/// wakes and queued events come out in exactly the order they would if the
/// wake were queued.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Armed {
    pub(crate) to: Addr,
    pub(crate) incarnation: u64,
    pub(crate) at: Instant,
    pub(crate) seq: u64,
    /// Names this arming: a wake held at a paused node and queued again on
    /// resume fires only if the process has not been re-armed since.
    pub(crate) token: u64,
    /// Held at its paused node (as an `Event::Wake` in the node's `held`),
    /// so no longer due here.
    pub(crate) held: bool,
}

impl Armed {
    /// Where this wake stands among the events due: `(at, seq)` as one
    /// number, the end of time if it is held (so never the earliest). The
    /// kernel looks for the earliest wake before every step.
    #[inline]
    fn order(&self) -> u128 {
        if self.held {
            u128::MAX
        } else {
            order(self.at, self.seq)
        }
    }
}

/// What the next step handles.
enum Next {
    /// The queue's head.
    Queued,
    /// The armed wake at this index of `Sim::wakes`.
    Wake(usize),
}

/// A node and everything on it.
pub(crate) struct Node<A: Actor> {
    pub(crate) spec: NodeSpec,
    pub(crate) power: Power,
    pub(crate) paused: bool,
    /// Inputs that reached the node while paused, in arrival order.
    pub(crate) held: Vec<Event<A::Msg>>,
    pub(crate) procs: Table<Group, Proc<A>>,
    /// Incarnations so far, per group: labels the next one's random stream.
    pub(crate) restarts: Table<Group, u64>,
}

/// A power switch operation in progress.
pub(crate) struct DeviceOp {
    pub(crate) requester: Addr,
    pub(crate) incarnation: u64,
    pub(crate) req: PowerRequest,
}

/// Installed network rules, in the order they run.
pub(crate) type Rules<M> = Vec<(RuleId, Box<dyn Rule<M>>)>;

/// Builds a process incarnation from its `Spawn` facts.
pub type Spawner<A> = Box<dyn FnMut(&Spawn) -> A>;

/// Takes an incarnation that has just ended (exit, kill, crash, power
/// loss): what it persisted is the reaper's to keep for the next one.
pub type Reaper<A> = Box<dyn FnMut(Addr, A)>;

/// A deterministic simulation of nodes running actors.
///
/// Methods by group:
/// - setup: [`new`](Sim::new), [`add_node`](Sim::add_node),
///   [`add_device`](Sim::add_device), [`add_rule`](Sim::add_rule);
/// - driving: [`step`](Sim::step), [`run_until`](Sim::run_until),
///   [`run_for`](Sim::run_for), [`run_until_with`](Sim::run_until_with);
/// - stimuli: [`command`](Sim::command), [`schedule`](Sim::schedule),
///   [`apply`](Sim::apply), and the fault API (`partition`, `crash`, `power_off`, `pause` ...), each
///   applied at the current instant, after everything already processed;
/// - inspection: [`now`](Sim::now), [`actor`](Sim::actor),
///   [`processes`](Sim::processes), [`power_state`](Sim::power_state),
///   [`last_records`](Sim::last_records), [`trace_hash`](Sim::trace_hash) ...
///
/// Calling rules: add every node before the first step that could send to it
/// (a message to an unknown node is dropped as `node_down`); node ids and
/// device ids are unique; faults name existing nodes (asserted).
pub struct Sim<A: Actor> {
    pub(crate) now: Instant,
    pub(crate) queue: EventQueue<Event<A::Msg>>,
    pub(crate) streams: RngStreams,
    pub(crate) net: Network,
    pub(crate) nodes: Table<NodeId, Node<A>>,
    pub(crate) devices: BTreeMap<DeviceId, (DeviceSpec, DeviceFault)>,
    pub(crate) ops: BTreeMap<u64, DeviceOp>,
    /// Messages held on held links, per link, in arrival order.
    pub(crate) link_held: BTreeMap<(NodeId, NodeId), Vec<Event<A::Msg>>>,
    pub(crate) rules: Rules<A::Msg>,
    pub(crate) spawner: Spawner<A>,
    pub(crate) reaper: Option<Reaper<A>>,
    pub(crate) trace: Trace,
    pub(crate) next_msg: u64,
    pub(crate) next_incarnation: u64,
    pub(crate) next_op: u64,
    pub(crate) next_token: u64,
    pub(crate) next_rule: u64,
    pub(crate) steps: u64,
    /// The typed events actors reported in the current step.
    pub(crate) events: Vec<(Addr, A::Event)>,
    /// The buffer actors' effects are handed back in, kept for its capacity.
    pub(crate) outputs: Vec<Output<A::Msg, A::Event>>,
    /// The armed wakes, at most one per running process, in no order.
    pub(crate) wakes: Vec<Armed>,
}

impl<A: Actor> Sim<A> {
    /// An empty simulation at time zero. `spawner` builds every process
    /// incarnation (its `Spawn` says which node and group, and its seed).
    pub fn new(config: SimConfig, spawner: impl FnMut(&Spawn) -> A + 'static) -> Self {
        let streams = RngStreams::new(config.seed);
        Sim {
            now: Instant::ZERO,
            queue: EventQueue::new(),
            net: Network::new(config.link, config.fifo, streams.clone()),
            streams,
            nodes: Table::new(),
            devices: BTreeMap::new(),
            ops: BTreeMap::new(),
            link_held: BTreeMap::new(),
            rules: Vec::new(),
            spawner: Box::new(spawner),
            reaper: None,
            trace: Trace::new(config.trace),
            next_msg: 0,
            next_incarnation: 0,
            next_op: 0,
            next_token: 0,
            next_rule: 0,
            steps: 0,
            events: Vec::new(),
            outputs: Vec::new(),
            wakes: Vec::new(),
        }
    }

    /// Hands every ended incarnation to `reaper` instead of dropping it.
    /// The spawner's counterpart: a process's disk, written as it ran, is
    /// what it held when it ended, so the reaper can keep that and the
    /// spawner give it to the next incarnation, without anyone watching
    /// every step.
    pub fn set_reaper(&mut self, reaper: impl FnMut(Addr, A) + 'static) {
        self.reaper = Some(Box::new(reaper));
    }

    /// Adds a node. A powered node starts its groups at the current instant
    /// (as a queued event, so nodes added together start in id order).
    pub fn add_node(&mut self, id: NodeId, spec: NodeSpec) {
        assert!(!self.nodes.contains_key(&id), "node {id} added twice");
        self.begin_step();
        let powered = spec.powered;
        let mut node = Node {
            spec,
            power: Power::new(),
            paused: false,
            held: Vec::new(),
            procs: Table::new(),
            restarts: Table::new(),
        };
        self.record(TraceEvent::AddNode { node: id });
        if powered {
            let epoch = node.power.start_up();
            self.queue.push(self.now, Event::Boot { node: id, epoch });
            self.record(TraceEvent::Power {
                node: id,
                state: PowerState::Booting,
                cause: PowerCause::Added,
            });
        }
        self.nodes.insert(id, node);
    }

    /// Adds a power switch, working.
    pub fn add_device(&mut self, id: DeviceId, spec: DeviceSpec) {
        assert!(!self.devices.contains_key(&id), "device {id} added twice");
        for (outlet, node) in &spec.outlets {
            assert!(
                self.nodes.contains_key(node),
                "device {id} outlet {outlet} wired to unknown node {node}"
            );
        }
        self.begin_step();
        self.record(TraceEvent::AddDevice { device: id.clone() });
        self.devices.insert(id, (spec, DeviceFault::Ok));
    }

    /// Installs a network rule (see `rule.rs`); rules run in the order added.
    pub fn add_rule(&mut self, rule: impl Rule<A::Msg> + 'static) -> RuleId {
        let id = RuleId(self.next_rule);
        self.next_rule += 1;
        self.rules.push((id, Box::new(rule)));
        id
    }

    /// Removes a rule; returns whether it was installed.
    pub fn remove_rule(&mut self, id: RuleId) -> bool {
        let before = self.rules.len();
        self.rules.retain(|(r, _)| *r != id);
        self.rules.len() != before
    }

    /// Hands `msg` to the process at `addr` as `Input::Command`, at the
    /// current instant (queued; held if the node is paused, dropped if the
    /// process is not running then).
    pub fn command(&mut self, addr: Addr, msg: A::Msg) {
        self.assert_node(addr.node);
        self.queue.push(
            self.now,
            Event::Deliver {
                to: addr,
                incarnation: None,
                msg: None,
                input: Box::new(Input::Command(msg)),
            },
        );
    }

    /// Applies `fault` at `at` (not before now), in order with other events.
    pub fn schedule(&mut self, at: Instant, fault: Fault) {
        assert!(at >= self.now, "fault scheduled in the past");
        self.queue.push(at, Event::Fault(fault));
    }

    /// Processes the earliest event. Returns `false` if there was none.
    pub fn step(&mut self) -> bool {
        match self.next() {
            Some((_, next)) => {
                self.step_with(next);
                true
            }
            None => false,
        }
    }

    /// The earliest of the queue's head and the processes' armed wakes.
    fn next(&self) -> Option<(Instant, Next)> {
        let (mut wake, mut first) = (0, u128::MAX);
        for (i, a) in self.wakes.iter().enumerate() {
            let order = a.order();
            if order < first {
                (wake, first) = (i, order);
            }
        }
        match self.queue.peek() {
            Some((at, seq)) if order(at, seq) < first => Some((at, Next::Queued)),
            _ if first < u128::MAX => Some((self.wakes[wake].at, Next::Wake(wake))),
            _ => None,
        }
    }

    fn step_with(&mut self, next: Next) {
        let (at, event) = match next {
            Next::Queued => {
                let (at, event) = self.queue.pop().expect("the queue's head");
                (at, Some(event))
            }
            Next::Wake(i) => (self.wakes[i].at, None),
        };
        assert!(at >= self.now, "clock would go backwards");
        self.begin_step();
        self.now = at;
        self.steps += 1;
        match (event, next) {
            (Some(event), _) => self.dispatch(event),
            (None, Next::Wake(i)) => self.on_due_wake(i),
            (None, Next::Queued) => unreachable!("a queued step has its event"),
        }
        // The kernel's invariants are about power, processes, pauses, held
        // links and device operations, each of which is recorded when it
        // changes: a step that only passed messages cannot break them.
        if cfg!(debug_assertions) || self.trace.step_changed() {
            self.check_invariants();
        }
    }

    /// Processes every event due at or before `until`, then sets the clock to
    /// `until`. Returns how many steps ran.
    pub fn run_until(&mut self, until: Instant) -> u64 {
        self.run_until_with(until, |_| {})
    }

    /// `run_until(now + d)`.
    pub fn run_for(&mut self, d: Duration) -> u64 {
        self.run_until(self.now + d)
    }

    /// Like `run_until`, calling `after_step` after every step: the place for
    /// cluster-wide invariant checkers (STYLE.md §4).
    pub fn run_until_with(&mut self, until: Instant, mut after_step: impl FnMut(&Self)) -> u64 {
        assert!(until >= self.now, "run_until into the past");
        let mut n = 0;
        while let Some((at, next)) = self.next() {
            if at > until {
                break;
            }
            self.step_with(next);
            n += 1;
            after_step(self);
        }
        self.now = until;
        n
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.streams.master()
    }

    /// A generator for the named stream of this run (e.g. `"faults"` for the
    /// harness's fault injector). Labels `net/...` and `proc/...` are the
    /// kernel's.
    pub fn rng_stream(&self, label: &str) -> SimRng {
        self.streams.stream(label)
    }

    /// The 32-byte seed of the named stream.
    pub fn rng_seed(&self, label: &str) -> [u8; 32] {
        self.streams.seed(label)
    }

    /// How many steps have run.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// How many events are queued.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.wakes.iter().filter(|a| !a.held).count()
    }

    /// When the next event is due.
    pub fn next_event_at(&self) -> Option<Instant> {
        self.next().map(|(at, _)| at)
    }

    /// Every node id, in order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes.keys().copied()
    }

    /// A node's power state. Panics on an unknown node.
    pub fn power_state(&self, node: NodeId) -> PowerState {
        self.node(node).power.state()
    }

    /// Whether a node is paused.
    pub fn is_paused(&self, node: NodeId) -> bool {
        self.node(node).paused
    }

    /// The running process at `addr`, if any.
    pub fn actor(&self, addr: Addr) -> Option<&A> {
        Some(&self.nodes.get(&addr.node)?.procs.get(&addr.group)?.actor)
    }

    /// The incarnation number of the process at `addr`, if running.
    pub fn incarnation(&self, addr: Addr) -> Option<u64> {
        Some(
            self.nodes
                .get(&addr.node)?
                .procs
                .get(&addr.group)?
                .incarnation,
        )
    }

    /// Every running process, by node then group.
    pub fn processes(&self) -> impl Iterator<Item = (Addr, &A)> + '_ {
        self.nodes.iter().flat_map(|(&node, n)| {
            n.procs
                .iter()
                .map(move |(&group, p)| (Addr { node, group }, &p.actor))
        })
    }

    /// The network, for inspecting link parameters and cuts.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// A switch's current fault mode, if it exists.
    pub fn device_fault(&self, device: &DeviceId) -> Option<DeviceFault> {
        self.devices.get(device).map(|(_, f)| *f)
    }

    /// The trace records of the most recent step, `add_*` or fault call
    /// (without the send, deliver, drop and hold records unless
    /// `TraceConfig::step_messages`).
    pub fn last_records(&self) -> &[Record] {
        self.trace.step_records()
    }

    /// The typed events actors reported in the most recent step, `add_*`
    /// or fault call, in the order they were routed.
    pub fn last_events(&self) -> &[(Addr, A::Event)] {
        &self.events
    }

    /// Starts the records and events of a new step.
    #[inline]
    pub(crate) fn begin_step(&mut self) {
        self.trace.begin_step();
        self.events.clear();
    }

    /// Hash of the trace so far (`None` if the sink is `Off`).
    pub fn trace_hash(&self) -> Option<u64> {
        self.trace.hash()
    }

    /// The trace so far, if the sink is `Memory`.
    pub fn trace_bytes(&self) -> &[u8] {
        self.trace.bytes()
    }

    /// How many records the trace has.
    pub fn trace_len(&self) -> u64 {
        self.trace.records()
    }

    /// Flushes a writer sink; reports the first write error of the run.
    pub fn finish_trace(&mut self) -> io::Result<()> {
        self.trace.finish()
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node<A> {
        self.nodes
            .get(&id)
            .unwrap_or_else(|| panic!("unknown node {id}"))
    }

    pub(crate) fn assert_node(&self, id: NodeId) {
        assert!(self.nodes.contains_key(&id), "unknown node {id}");
    }

    /// Records an event with no message body.
    pub(crate) fn record(&mut self, event: TraceEvent) {
        self.trace.record::<A::Msg>(self.now, event, None);
    }

    /// Records a message passing (a delivery or a drop), built only when
    /// somebody reads such records.
    #[inline]
    pub(crate) fn record_passing(&mut self, event: impl FnOnce() -> TraceEvent) {
        if self.trace.wants_passing() {
            self.record(event());
        } else {
            self.trace.skip();
        }
    }

    fn dispatch(&mut self, event: Event<A::Msg>) {
        match event {
            Event::Arrive {
                msg,
                from,
                to,
                epoch,
                body,
            } => self.on_arrive(msg, from, to, epoch, body),
            Event::Deliver { .. } | Event::Wake { .. } | Event::Boot { .. } => {
                self.on_node_event(event)
            }
            Event::Device { op, step } => self.on_device_step(op, step),
            Event::Fault(fault) => self.apply_in_step(fault),
        }
    }

    /// What must hold between steps, whatever the actors do.
    fn check_invariants(&self) {
        for (id, node) in &self.nodes {
            let state = node.power.state();
            if state != PowerState::Up {
                assert!(node.procs.is_empty(), "node {id} {state:?} runs processes");
            }
            if state == PowerState::Off {
                assert!(!node.paused, "node {id} off yet paused");
            }
            if !node.paused {
                assert!(node.held.is_empty(), "node {id} holds inputs unpaused");
            }
        }
        for (link, held) in &self.link_held {
            assert!(
                held.is_empty() || self.net.is_held(link.0, link.1),
                "link {}->{} holds messages unheld",
                link.0,
                link.1
            );
        }
        for op in self.ops.values() {
            assert!(op.req.timeout > Duration::ZERO);
        }
    }
}
