//! The simulated cluster node: what runs on each node of a simulation, as
//! the sim kernel's actors.
//!
//! A node has two process groups:
//! - `stack` ([`Stack`]): corosync and pacemaker — membership, votequorum,
//!   the controller, the fencer and the executor — which live and die
//!   together (`kill_stack`, `stop_cluster`);
//! - `resources` ([`Resources`]): the services themselves, the ground truth
//!   of what runs on the node, which outlive a killed stack and end only
//!   with the node (crash, power loss, fencing).
//!
//! The kernel knows neither; it sees one actor type ([`Process`]) whose
//! messages ([`Msg`]) are totem packets between stacks, and IPC between the
//! two groups of a node.

mod event;
mod resources;
mod stack;
mod sync;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde::Serialize;
use sim::{Actor, Group, Input, Instant, Output, Spawn};

use crate::cib::Cib;
use crate::executor::{Done, Request, Timings};
use crate::{controller, membership, quorum};

pub use event::ClusterEvent;
pub use resources::Resources;
pub use stack::Stack;

/// An effect of a node's process.
pub type Out = Output<Msg, ClusterEvent>;

/// The cluster stack's process group.
pub const STACK: Group = Group("stack");
/// The services' process group.
pub const RESOURCES: Group = Group("resources");

/// What the membership layer carries for the layers above (CPG).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cpg {
    /// votequorum's node information.
    Quorum(quorum::NodeInfo),
    /// A controller message, shared: it is large (every totem output, hop
    /// and token entry would otherwise be as large as it), and totem copies
    /// it many times on its way — into the token, the retransmit log, a
    /// broadcast's every packet — while no one changes it. Each controller
    /// takes its own copy as it is delivered.
    Ctl(Arc<controller::Msg>),
}

/// Every message of a simulated cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Msg {
    /// Between the stacks of two nodes, over the network.
    Totem(membership::Msg<Cpg>),
    /// knet's heartbeat between the stacks of two nodes.
    Knet(membership::knet::Msg),
    /// Stack to services: run an operation (boxed: rare, and four times a
    /// token's size, which every message would otherwise be).
    Run(Box<Request>),
    /// Stack to services: forget an operation that timed out.
    Abandon(u64),
    /// Services to stack: an operation finished.
    Done(Done),
    /// Harness to services: make the next operations of a kind fail.
    Inject {
        /// The resource (history id).
        rsc: String,
        /// The operation.
        op: String,
        /// The code to return.
        rc: i32,
        /// How many times.
        times: u32,
    },
    /// Harness to stack: an operator command.
    Command(controller::Command),
}

/// What every node of the cluster is built from.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Node names; node `i + 1` is `names[i]`.
    pub names: Vec<String>,
    /// totem options.
    pub totem: membership::Config,
    /// votequorum, as corosync resolves it.
    pub quorum: quorum::Effective,
    /// The CIB every node starts with.
    pub cib: Arc<Cib>,
    /// Simulated agent timings.
    pub timings: Timings,
    /// Seconds since the epoch at virtual time zero.
    pub epoch_base: i64,
}

/// One process of a simulated node.
#[derive(Debug, Clone)]
pub enum Process {
    /// The cluster stack.
    Stack(Box<Stack>),
    /// The services.
    Resources(Resources),
}

impl Process {
    /// Builds the process the kernel asks for; a stack starts from the CIB
    /// its node's disk holds, if any.
    pub fn spawn(spec: &Spec, s: &Spawn, disk: Option<Arc<Cib>>) -> Process {
        if s.addr.group == STACK {
            Process::Stack(Box::new(Stack::new(
                spec,
                s.addr.node,
                s.now,
                s.rng_seed,
                disk,
            )))
        } else {
            Process::Resources(Resources::new(spec.timings.clone()))
        }
    }

    /// The stack, if this is one.
    pub fn stack(&self) -> Option<&Stack> {
        match self {
            Process::Stack(s) => Some(s),
            Process::Resources(_) => None,
        }
    }

    /// The services, if this is them.
    pub fn resources(&self) -> Option<&Resources> {
        match self {
            Process::Resources(r) => Some(r),
            Process::Stack(_) => None,
        }
    }
}

impl Actor for Process {
    type Msg = Msg;
    type Event = ClusterEvent;

    fn handle(&mut self, now: Instant, input: Input<Msg>) -> Vec<Out> {
        match self {
            Process::Stack(s) => s.handle(now, input),
            Process::Resources(r) => r.handle(now, input),
        }
    }

    fn handle_into(&mut self, now: Instant, input: Input<Msg>, out: &mut Vec<Out>) {
        match self {
            Process::Stack(s) => s.handle_into(now, input, out),
            Process::Resources(r) => out.extend(r.handle(now, input)),
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        match self {
            Process::Stack(s) => s.next_deadline(),
            Process::Resources(r) => r.next_deadline(),
        }
    }
}
