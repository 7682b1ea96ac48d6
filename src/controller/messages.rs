//! What controllers tell each other: the cluster messages ([`Msg`]) that
//! the membership layer carries in agreed order, as CPG carries
//! Pacemaker's `crm_message`s, and the operation results they carry.
//!
//! Every member sees every message, in the same order; `to` fields name the
//! one member a message is meant for, and the others ignore it (as
//! Pacemaker's controllers drop CPG messages addressed to another host).

use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::cib::Cib;
use crate::executor::OpStatus;

use super::election;
use super::transition::RscOp;
use super::Generation;

/// A CIB shared between messages without copying, with its generation;
/// in the trace it shows as its generation.
#[derive(Debug, Clone)]
pub struct SharedCib {
    /// The CIB.
    pub cib: Arc<Cib>,
    /// Its generation, as its attributes say.
    pub generation: Generation,
}

impl PartialEq for SharedCib {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && (Arc::ptr_eq(&self.cib, &other.cib) || self.cib == other.cib)
    }
}

impl Serialize for SharedCib {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("cib {}", self.generation))
    }
}

/// An operation result, as the node that ran it reports it to the DC.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpRecord {
    /// Where it ran.
    pub node: String,
    /// The resource's history id.
    pub rsc: String,
    /// The agent type.
    pub agent: String,
    /// The task.
    pub task: String,
    /// Its interval.
    pub interval_ms: u64,
    /// The agent's code.
    pub rc: i32,
    /// How it ended.
    pub status: OpStatus,
    /// The code that means success.
    pub expected_rc: i32,
    /// The executor's call id (orders a node's results).
    pub call_id: u64,
    /// The transition and step that asked for it, if any.
    pub key: Option<(u64, usize)>,
    /// The parameter digest to record.
    pub digest: Option<String>,
    /// `start-failure-is-fatal` as the DC asked with it.
    pub start_failure_is_fatal: bool,
}

impl OpRecord {
    /// Whether it ended as the DC intended.
    pub fn ok(&self) -> bool {
        self.status == OpStatus::Done && self.rc == self.expected_rc
    }
}

/// What controllers send each other, in agreed order, to every member of
/// the partition (`to` names the one it is meant for, if any).
///
/// Operation records, resource operations and join histories are `Arc`s:
/// the ring hands every message to every member and carries it in each
/// token pass until all have it, and a copy would copy all their strings.
/// serde's `rc` feature writes an `Arc` as its content, so traces show the
/// part itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Msg {
    /// An election message.
    Election {
        /// Its one addressee, if any.
        to: Option<String>,
        /// The message.
        msg: election::Msg,
    },
    /// The DC invites nodes (all members when `to` is empty) to join.
    JoinOffer {
        /// The join round.
        join: u64,
        /// The invited nodes; empty for every member.
        to: Vec<String>,
    },
    /// A node asks to join, with its CIB.
    JoinRequest {
        /// The join round.
        join: u64,
        /// Its CIB.
        cib: SharedCib,
    },
    /// The DC's CIB, for every member to take.
    CibSync {
        /// The CIB.
        cib: SharedCib,
    },
    /// The DC accepts a node's request.
    JoinAck {
        /// The join round.
        join: u64,
        /// The node.
        to: String,
    },
    /// The node confirms with what its executor has done.
    JoinConfirm {
        /// The join round.
        join: u64,
        /// Its operation history, oldest first (the records shared with
        /// the node's own history).
        history: Arc<Vec<Arc<OpRecord>>>,
    },
    /// The DC asks a node to run an operation.
    Exec {
        /// The transition.
        transition: u64,
        /// The step.
        step: usize,
        /// The operation.
        op: Arc<RscOp>,
        /// `start-failure-is-fatal`.
        start_failure_is_fatal: bool,
    },
    /// The DC tells a node to exit: its clean shutdown is complete.
    Shutdown {
        /// The node.
        to: String,
    },
    /// An operation's result, for the DC.
    Result(Arc<OpRecord>),
    /// A node asks to be shut down cleanly.
    ShutdownRequest,
    /// A configuration change for the DC to apply (a pcs command).
    Modify {
        /// The command line.
        line: String,
    },
}
