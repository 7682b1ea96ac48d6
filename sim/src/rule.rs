//! Per-message network rules: test code that looks at each message about to
//! be sent and returns a verdict (after turmoil-net's `rule.rs`).
//!
//! Rules see network messages only, never local IPC, and are consulted in the
//! order they were added; the first verdict other than `Pass` wins. They run
//! after the link's own loss and latency draws, so adding a rule does not
//! shift the random streams.

use crate::net::NodeId;
use crate::process::Group;
use crate::time::{Duration, Instant};

/// What a rule decides for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No opinion: the next rule, then the link, decides.
    Pass,
    /// Drop the message.
    Drop,
    /// Deliver it this much later than the link would.
    Delay(Duration),
}

/// The facts a rule can judge a message by.
#[derive(Debug)]
pub struct Packet<'a, M> {
    /// When it is sent.
    pub now: Instant,
    /// Sending node.
    pub from: NodeId,
    /// Receiving node.
    pub to: NodeId,
    /// The group that sends and receives it.
    pub group: Group,
    /// The message.
    pub msg: &'a M,
}

/// A network rule. Any `FnMut(&Packet<M>) -> Verdict` is one.
pub trait Rule<M> {
    /// Judges one message.
    fn verdict(&mut self, packet: &Packet<'_, M>) -> Verdict;
}

impl<M, F: FnMut(&Packet<'_, M>) -> Verdict> Rule<M> for F {
    fn verdict(&mut self, packet: &Packet<'_, M>) -> Verdict {
        self(packet)
    }
}

/// Identifies an installed rule, for `Sim::remove_rule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleId(pub(crate) u64);
