//! Process groups: the units of a node that live and die together.
//!
//! A node hosts named process groups (pacesim uses e.g. `"stack"` for
//! corosync + pacemaker and `"resources"` for the services they manage), each
//! one [`Actor`](crate::Actor) instance. A group can be started, killed or
//! asked to stop on its own; a crash or power loss of the node ends all of
//! them. Each start is a new *incarnation* with fresh state, a fresh random
//! seed and a new incarnation number: timers and device results addressed to
//! an older incarnation are dropped, as a restarted process never sees the
//! replies owed to its predecessor.

use std::fmt;

use serde::Serialize;

use crate::net::NodeId;
use crate::time::Instant;

/// The name of a process group, fixed by the code that defines it.
///
/// Compared by name, but a group is nearly always compared with the same
/// constant it was made from (every delivery looks its process up by
/// group), so equal pointers answer first without reading the bytes.
#[derive(Clone, Copy, Debug, Eq, Serialize)]
pub struct Group(pub &'static str);

impl PartialEq for Group {
    fn eq(&self, other: &Group) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Ord for Group {
    fn cmp(&self, other: &Group) -> std::cmp::Ordering {
        if std::ptr::eq(self.0, other.0) {
            std::cmp::Ordering::Equal
        } else {
            self.0.cmp(other.0)
        }
    }
}

impl std::hash::Hash for Group {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialOrd for Group {
    fn partial_cmp(&self, other: &Group) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Where a process lives: a node and a group on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Addr {
    /// The node.
    pub node: NodeId,
    /// The group on that node.
    pub group: Group,
}

impl Addr {
    /// `group` on `node`.
    pub fn new(node: NodeId, group: Group) -> Self {
        Addr { node, group }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.node, self.group)
    }
}

/// Why a process incarnation began.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartCause {
    /// Its node finished booting (or was added running).
    Boot,
    /// The harness started it on a running node (`Sim::start`).
    Started,
}

/// Why a process incarnation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitCause {
    /// It returned `Output::Exit` (a clean stop).
    Exited,
    /// It was killed alone (`Sim::kill`), like SIGKILL.
    Killed,
    /// Its node crashed, panicked or was bounced.
    Crashed,
    /// Its node lost power.
    PowerLost,
}

/// Everything the spawner needs to build a new process incarnation.
#[derive(Clone, Debug)]
pub struct Spawn {
    /// Where it runs.
    pub addr: Addr,
    /// The instant it starts.
    pub now: Instant,
    /// Unique over the run; never reused.
    pub incarnation: u64,
    /// How many earlier incarnations this group had on this node.
    pub restarts: u64,
    /// Seed of its private random stream, labelled
    /// `proc/<node>/<group>/<restarts>`: stable when other nodes are added.
    pub rng_seed: [u8; 32],
    /// Why it starts.
    pub cause: StartCause,
}
