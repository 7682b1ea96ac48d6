//! Corosync's sync barrier, as the stack needs it.
//!
//! When totem installs a new ring, corosync does not hand the new
//! membership to its clients at once. Its sync engine first runs a
//! synchronisation round in which every service exchanges its state among
//! the new members over the ring itself; votequorum's part is each member
//! broadcasting its node information. Only when every member's part has
//! been delivered does the round end ("sync barrier"), votequorum activate
//! its new view, and the clients (pacemaker's controller among them) hear
//! of the membership, with the quorum verdict that belongs to it.
//!
//! Without the barrier the controller would act on a membership whose
//! quorum is still the old partition's: a node rejoining would briefly
//! count as quorate (or not) by a verdict made without it, and the
//! controller's `no-quorum-policy` would act on that.
//!
//! [`SyncBarrier`] is that bookkeeping: the members whose votequorum
//! information is awaited, the membership held back for the controller,
//! and whether the controller is still to be told. The stack feeds
//! votequorum and the controller; the barrier says when.

use std::collections::BTreeSet;

use sim::NodeId;

/// One node's sync barrier: see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct SyncBarrier {
    /// The round under way, until every member's information is delivered.
    round: Option<Round>,
    /// From a new membership until the controller has been told of it
    /// (not merely until the round ended: the stack hands the membership
    /// on after the quorum verdict the round's end produced).
    syncing: bool,
}

/// A synchronisation round.
#[derive(Debug, Clone)]
struct Round {
    /// Members whose votequorum information is still awaited.
    awaiting: BTreeSet<NodeId>,
    /// The membership (by node name) the controller is told of at the end.
    names: Vec<String>,
}

impl SyncBarrier {
    /// No round under way; nothing held back.
    pub fn new() -> SyncBarrier {
        SyncBarrier::default()
    }

    /// Totem installed a new ring of `members` (named `names`): a new round
    /// starts, replacing any round still under way.
    pub fn begin(&mut self, members: &[NodeId], names: Vec<String>) {
        self.round = Some(Round {
            awaiting: members.iter().copied().collect(),
            names,
        });
        self.syncing = true;
    }

    /// Member `from`'s votequorum information was delivered. When that
    /// was the last one awaited, the round is over: the membership to hand
    /// on is returned, and the caller activates votequorum's view
    /// (`SyncDone`) before it tells the controller. Information from a
    /// node not awaited (an earlier ring's, a repeat) changes nothing.
    pub fn delivered(&mut self, from: NodeId) -> Option<Vec<String>> {
        let round = self.round.as_mut()?;
        if !round.awaiting.remove(&from) || !round.awaiting.is_empty() {
            return None;
        }
        self.round.take().map(|r| r.names)
    }

    /// The membership a finished round returned has reached the controller
    /// (or was dropped, the controller not being up yet).
    pub fn released(&mut self) {
        self.syncing = false;
    }

    /// Whether a membership is between totem and the controller: quorum
    /// changes then wait to reach the controller with the membership.
    pub fn syncing(&self) -> bool {
        self.syncing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_round_ends_with_the_last_members_information() {
        let mut b = SyncBarrier::new();
        assert!(!b.syncing());
        b.begin(&[NodeId(1), NodeId(2), NodeId(3)], names(&["a", "b", "c"]));
        assert!(b.syncing());
        assert_eq!(b.delivered(NodeId(2)), None);
        assert_eq!(b.delivered(NodeId(1)), None);
        assert_eq!(b.delivered(NodeId(3)), Some(names(&["a", "b", "c"])));
        // Over, but the controller has not been told yet.
        assert!(b.syncing());
        b.released();
        assert!(!b.syncing());
    }

    #[test]
    fn strangers_and_repeats_do_not_end_a_round() {
        let mut b = SyncBarrier::new();
        b.begin(&[NodeId(1), NodeId(2)], names(&["a", "b"]));
        assert_eq!(b.delivered(NodeId(1)), None);
        assert_eq!(b.delivered(NodeId(1)), None);
        assert_eq!(b.delivered(NodeId(5)), None);
        assert_eq!(b.delivered(NodeId(2)), Some(names(&["a", "b"])));
        // A round ends once: late information finds none under way.
        assert_eq!(b.delivered(NodeId(2)), None);
    }

    #[test]
    fn a_new_ring_restarts_the_round() {
        let mut b = SyncBarrier::new();
        b.begin(&[NodeId(1), NodeId(2)], names(&["a", "b"]));
        assert_eq!(b.delivered(NodeId(1)), None);
        b.begin(&[NodeId(1), NodeId(3)], names(&["a", "c"]));
        // node 2's information no longer counts; node 1's must come again.
        assert_eq!(b.delivered(NodeId(2)), None);
        assert_eq!(b.delivered(NodeId(3)), None);
        assert_eq!(b.delivered(NodeId(1)), Some(names(&["a", "c"])));
    }

    #[test]
    fn a_lone_node_syncs_with_itself() {
        let mut b = SyncBarrier::new();
        b.begin(&[NodeId(4)], names(&["d"]));
        assert_eq!(b.delivered(NodeId(4)), Some(names(&["d"])));
    }
}
