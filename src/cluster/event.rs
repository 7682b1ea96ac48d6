//! What a node's processes tell the harness, as typed values.
//!
//! Checkers and reports read these, never the wording of a note: a daemon
//! may reword its trace line without breaking a check. Each event's note is
//! the line the trace and the timeline show.

use sim::{ActorEvent, NodeId};

use crate::executor::Activity;
use crate::membership::RingId;

/// Something that happened on one node, worth a checker's attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterEvent {
    /// Totem delivered a new membership to this node.
    Membership {
        /// The ring.
        ring: RingId,
        /// Its members, by node id.
        members: Vec<NodeId>,
        /// The same, by name (for the note).
        names: Vec<String>,
    },
    /// votequorum's verdict for this node's partition changed.
    Quorate(bool),
    /// This node's controller became DC.
    Elected,
    /// This node's controller saw a fencing of `target` succeed.
    Fenced {
        /// The node fenced.
        target: String,
        /// The devices that did it.
        devices: Vec<String>,
    },
    /// What a primitive (by history id) is doing on this node changed: the
    /// ground truth of the services (`None`: no longer active).
    Activity {
        /// The primitive.
        rsc: String,
        /// Now.
        now: Option<Activity>,
    },
    /// An injected failure was returned by a primitive's agent here.
    Failed {
        /// The primitive.
        rsc: String,
    },
}

impl ActorEvent for ClusterEvent {
    fn note(&self) -> Option<String> {
        match self {
            ClusterEvent::Membership { ring, names, .. } => Some(format!(
                "membership [{}] (ring {})",
                names.join(" "),
                ring.seq
            )),
            ClusterEvent::Quorate(q) => Some(if *q { "quorate" } else { "not quorate" }.into()),
            ClusterEvent::Elected => Some("elected DC".into()),
            ClusterEvent::Fenced { target, devices } => {
                Some(format!("fenced {target} by {}", devices.join(", ")))
            }
            ClusterEvent::Activity { .. } | ClusterEvent::Failed { .. } => None,
        }
    }
}
