//! Quorum as Corosync 3's votequorum computes it, one state machine per node.
//!
//! Where it sits: the membership layer (totem) tells each node's
//! [`Votequorum`] which nodes form its partition ([`Input::Membership`]);
//! each member then broadcasts its [`NodeInfo`] within the partition (agreed
//! delivery, as corosync's sync phase does); once all of them are delivered
//! the membership layer says [`Input::SyncDone`], and the node publishes its
//! verdict ([`Output::Quorum`]) to the cluster stack above it.
//!
//! The arithmetic follows `exec/votequorum.c`:
//! - quorum is `max(highest_expected / 2 + 1, total_votes / 2 + 1)` and
//!   never decreases on its own; expected votes only grow with the votes seen
//!   (an operator or last_man_standing brings them down);
//! - `two_node`: quorum is 1 while at most two nodes are members, and
//!   `wait_for_all` is on unless configured off;
//! - `wait_for_all`: not quorate until every expected vote is present at
//!   once; armed at start and again whenever quorum is lost, cleared by a
//!   quorate peer that is not itself waiting;
//! - `last_man_standing`: when nodes have left and the rest still have
//!   quorum, a timer of `last_man_standing_window` starts; when it fires on a
//!   quorate node, expected votes drop to the current member count;
//! - `auto_tie_breaker`: in an exact half split the half holding the
//!   tie-breaker node (the lowest or highest node id seen when last quorate,
//!   or the first listed node that is present) stays quorate.
//!
//! Not modelled: quorum devices (qdevice), `allow_downscale` (documented
//! upstream as unsupported), runtime reconfiguration.

use std::collections::BTreeMap;

use sim::timer::TimerTable;
use sim::{Duration, Instant, NodeId};

#[cfg(test)]
mod tests;

/// Which node wins an exact half split under `auto_tie_breaker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieBreaker {
    /// The lowest node id (corosync's default).
    Lowest,
    /// The highest node id.
    Highest,
    /// These nodes, tried in order.
    List(Vec<NodeId>),
}

/// `quorum {}` of corosync.conf, plus the votes of the nodelist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Every node of the nodelist with its `quorum_votes` (usually 1).
    pub nodes: Vec<(NodeId, u32)>,
    /// `expected_votes`, overriding the nodelist's sum when set.
    pub expected_votes: Option<u32>,
    /// `two_node`.
    pub two_node: bool,
    /// `wait_for_all`; unset means "on if two_node".
    pub wait_for_all: Option<bool>,
    /// `last_man_standing`.
    pub last_man_standing: bool,
    /// `last_man_standing_window` (corosync's default 10 s).
    pub last_man_standing_window: Duration,
    /// `auto_tie_breaker`.
    pub auto_tie_breaker: bool,
    /// `auto_tie_breaker_node`.
    pub auto_tie_breaker_node: TieBreaker,
}

impl Config {
    /// Corosync's defaults for a nodelist of `nodes`, one vote each.
    pub fn for_nodes(nodes: impl IntoIterator<Item = NodeId>) -> Config {
        Config {
            nodes: nodes.into_iter().map(|n| (n, 1)).collect(),
            expected_votes: None,
            two_node: false,
            wait_for_all: None,
            last_man_standing: false,
            last_man_standing_window: Duration::from_millis(10_000),
            auto_tie_breaker: false,
            auto_tie_breaker_node: TieBreaker::Lowest,
        }
    }
}

/// A configuration corosync refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Neither a nodelist nor `expected_votes`.
    #[error("quorum: the nodelist is empty and expected_votes is not set")]
    NoVotes,
    /// A node appears twice in the nodelist.
    #[error("quorum: node {0} appears twice in the nodelist")]
    DuplicateNode(NodeId),
    /// `auto_tie_breaker` and `last_man_standing` in an odd-sized cluster
    /// without `wait_for_all`: corosync does not start.
    #[error("quorum: auto_tie_breaker and last_man_standing cannot be combined in an odd-sized cluster without wait_for_all")]
    AtbLmsOddCluster,
    /// `expected_votes = 0`.
    #[error("quorum: expected_votes must be at least 1")]
    ZeroExpected,
}

/// The configuration as corosync ends up applying it, with the warnings it
/// logs when it switches an option off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    nodes: BTreeMap<NodeId, u32>,
    expected_votes: u32,
    two_node: bool,
    wait_for_all: bool,
    last_man_standing: bool,
    last_man_standing_window: Duration,
    tie_breaker: Option<TieBreaker>,
    /// What corosync would have logged at CRIT/WARNING level.
    pub warnings: Vec<String>,
}

impl Effective {
    /// Resolves a configuration as `votequorum_readconfig` does at startup.
    pub fn resolve(cfg: &Config) -> Result<Effective, ConfigError> {
        let mut nodes = BTreeMap::new();
        for &(n, v) in &cfg.nodes {
            if nodes.insert(n, v).is_some() {
                return Err(ConfigError::DuplicateNode(n));
            }
        }
        if cfg.expected_votes == Some(0) {
            return Err(ConfigError::ZeroExpected);
        }
        let nodelist_votes: u32 = nodes.values().sum();
        if nodes.is_empty() && cfg.expected_votes.is_none() {
            return Err(ConfigError::NoVotes);
        }
        let mut warnings = Vec::new();
        let mut two_node = cfg.two_node;
        let wait_for_all = cfg.wait_for_all.unwrap_or(two_node);
        let mut tie_breaker = cfg
            .auto_tie_breaker
            .then(|| cfg.auto_tie_breaker_node.clone());
        if two_node && tie_breaker.is_some() {
            warnings
                .push("two_node and auto_tie_breaker are not compatible: two_node disabled".into());
            two_node = false;
        }
        if tie_breaker.is_some() && nodelist_votes % 2 == 1 && !wait_for_all {
            if cfg.last_man_standing {
                return Err(ConfigError::AtbLmsOddCluster);
            }
            warnings.push("auto_tie_breaker in an odd-sized cluster needs wait_for_all: auto_tie_breaker disabled".into());
            tie_breaker = None;
        }
        let mut last_man_standing = cfg.last_man_standing;
        if last_man_standing && nodes.values().any(|&v| v > 1) {
            warnings.push(
                "last_man_standing needs every node to have one vote: last_man_standing disabled"
                    .into(),
            );
            last_man_standing = false;
        }
        Ok(Effective {
            expected_votes: cfg.expected_votes.unwrap_or(nodelist_votes),
            nodes,
            two_node,
            wait_for_all,
            last_man_standing,
            last_man_standing_window: cfg.last_man_standing_window,
            tie_breaker,
            warnings,
        })
    }

    /// The votes of a node (1 for a node absent from the nodelist).
    pub fn votes_of(&self, n: NodeId) -> u32 {
        self.nodes.get(&n).copied().unwrap_or(1)
    }
}

/// What a node tells its partition about itself (corosync's
/// `req_exec_quorum_nodeinfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NodeInfo {
    /// The sender.
    pub node: NodeId,
    /// Its votes.
    pub votes: u32,
    /// Its expected votes.
    pub expected_votes: u32,
    /// Whether it is quorate.
    pub quorate: bool,
    /// Whether it still waits for all nodes (`wait_for_all`).
    pub wait_for_all_status: bool,
}

/// An input to a node's votequorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A new membership was agreed: these nodes form this node's partition.
    Membership {
        /// The members, this node included.
        members: Vec<NodeId>,
    },
    /// A member's [`NodeInfo`], delivered in agreed order (this node's own too).
    NodeInfo(NodeInfo),
    /// Every member's `NodeInfo` of the latest membership has been delivered.
    SyncDone,
    /// A timer may have expired.
    Wake,
}

/// An effect of a node's votequorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send this to every member of the partition (this node included).
    Broadcast(NodeInfo),
    /// Tell the cluster stack the quorum state (corosync's quorum callback).
    Quorum {
        /// Whether this node's partition is quorate.
        quorate: bool,
        /// The members of the partition.
        members: Vec<NodeId>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Member,
    Dead,
}

/// votequorum's timers, one of each at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// `last_man_standing_window` after nodes left a still-quorate
    /// partition: expected votes then drop to the members present.
    LastManStanding,
}

impl sim::timer::Timer for Timer {
    const ALL: &'static [Timer] = &[Timer::LastManStanding];
    fn slot(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy)]
struct Peer {
    votes: u32,
    expected_votes: u32,
    state: State,
}

/// One node's votequorum.
///
/// Calling rules: `handle` inputs in the order the membership layer delivers
/// them (a `Membership`, then the members' `NodeInfo`s, then `SyncDone`);
/// call `handle(now, Input::Wake)` at `next_deadline()`.
#[derive(Debug, Clone)]
pub struct Votequorum {
    cfg: Effective,
    us: NodeId,
    peers: BTreeMap<NodeId, Peer>,
    quorum: u32,
    quorate: bool,
    wait_for_all_status: bool,
    syncing: bool,
    members: Vec<NodeId>,
    previous_members: Vec<NodeId>,
    /// Lowest and highest member ids when this node was last quorate.
    lowest_seen: NodeId,
    highest_seen: NodeId,
    timers: TimerTable<Timer, 1>,
}

impl Votequorum {
    /// A node's votequorum as corosync starts it: alone, with its own
    /// votes and the configured expected votes.
    ///
    /// The daemons' constructor shape is `(config, node id, now, seed)`.
    /// votequorum draws nothing at random, so it takes no seed; `now` is
    /// unused (no timer runs until a membership arrives) and is taken so
    /// that the stack builds every daemon alike.
    pub fn new(cfg: &Effective, us: NodeId, _now: Instant) -> Votequorum {
        let mut peers = BTreeMap::new();
        peers.insert(
            us,
            Peer {
                votes: cfg.votes_of(us),
                expected_votes: cfg.expected_votes,
                state: State::Member,
            },
        );
        let mut q = Votequorum {
            cfg: cfg.clone(),
            us,
            peers,
            quorum: 0,
            quorate: false,
            wait_for_all_status: cfg.wait_for_all,
            syncing: false,
            members: vec![us],
            previous_members: Vec::new(),
            lowest_seen: us,
            highest_seen: us,
            timers: TimerTable::new(),
        };
        q.recalculate(false, false);
        q.check_invariants();
        q
    }

    /// Takes one input and returns its effects.
    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// `handle`, appending the effects to `out`: the stack keeps one buffer
    /// for every input rather than a new `Vec` per call.
    pub fn handle_into(&mut self, now: Instant, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::Membership { members } => self.on_membership(now, members, out),
            Input::NodeInfo(info) => self.on_nodeinfo(info),
            Input::SyncDone => self.on_sync_done(out),
            Input::Wake => self.on_wake(now, out),
        }
        self.check_invariants();
    }

    /// When the last_man_standing timer, if running, expires.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Whether this node's partition has quorum.
    pub fn is_quorate(&self) -> bool {
        self.quorate
    }

    /// The votes needed for quorum.
    pub fn quorum(&self) -> u32 {
        self.quorum
    }

    /// This node's expected votes.
    pub fn expected_votes(&self) -> u32 {
        self.us_peer().expected_votes
    }

    /// The votes of the current members.
    pub fn total_votes(&self) -> u32 {
        self.members_iter().map(|p| p.votes).sum()
    }

    /// Whether this node still waits for all nodes before granting quorum.
    pub fn waiting_for_all(&self) -> bool {
        self.cfg.wait_for_all && self.wait_for_all_status
    }

    fn us_peer(&self) -> &Peer {
        self.peers
            .get(&self.us)
            .expect("votequorum always knows itself")
    }

    fn members_iter(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values().filter(|p| p.state == State::Member)
    }

    fn info(&self) -> NodeInfo {
        let p = self.us_peer();
        NodeInfo {
            node: self.us,
            votes: p.votes,
            expected_votes: p.expected_votes,
            quorate: self.quorate,
            wait_for_all_status: self.wait_for_all_status,
        }
    }

    /// Mirrors `votequorum_sync_init` and `votequorum_sync_process`.
    fn on_membership(&mut self, now: Instant, mut members: Vec<NodeId>, out: &mut Vec<Output>) {
        members.sort();
        members.dedup();
        assert!(
            members.contains(&self.us),
            "a membership always holds its own node"
        );
        self.syncing = true;
        let mut left = false;
        for n in &self.members {
            if !members.contains(n) {
                left = true;
                if let Some(p) = self.peers.get_mut(n) {
                    p.state = State::Dead;
                }
            }
        }
        if self.cfg.last_man_standing {
            let count = members.len() as u32;
            let tie_here = self.cfg.tie_breaker.is_some() && self.low_node_in_partition();
            if (count >= self.quorum && left) || (count <= self.quorum && tie_here) {
                self.timers.set(
                    Timer::LastManStanding,
                    now + self.cfg.last_man_standing_window,
                );
            }
        }
        self.previous_members = std::mem::replace(&mut self.members, members);
        out.push(Output::Broadcast(self.info()));
    }

    /// Mirrors `message_handler_req_exec_votequorum_nodeinfo`.
    fn on_nodeinfo(&mut self, info: NodeInfo) {
        if info.node != self.us && !self.members.contains(&info.node) {
            // A message from an earlier membership, overtaken by a new one.
            return;
        }
        let mut allow_decrease = false;
        let mut expected = self.us_peer().expected_votes;
        if !self.quorate && info.quorate {
            allow_decrease = true;
            expected = info.expected_votes;
            self.peers.get_mut(&self.us).expect("self").expected_votes = expected;
        }
        let peer_expected = if info.quorate {
            info.expected_votes
        } else {
            expected
        };
        let p = self.peers.entry(info.node).or_insert(Peer {
            votes: info.votes,
            expected_votes: peer_expected,
            state: State::Member,
        });
        p.votes = info.votes;
        p.expected_votes = peer_expected;
        p.state = State::Member;
        self.recalculate(allow_decrease, false);
        if self.cfg.wait_for_all && !info.wait_for_all_status && info.quorate {
            self.wait_for_all_status = false;
        }
    }

    /// Mirrors `votequorum_sync_activate`.
    fn on_sync_done(&mut self, out: &mut Vec<Output>) {
        self.syncing = false;
        self.recalculate(false, false);
        out.push(self.notification());
    }

    /// Mirrors `votequorum_last_man_standing_timer_fn`.
    fn on_wake(&mut self, now: Instant, out: &mut Vec<Output>) {
        if !self.timers.is_due(Timer::LastManStanding, now) {
            return;
        }
        self.timers.stop(Timer::LastManStanding);
        if self.quorate {
            let before = self.quorate;
            self.recalculate(true, true);
            if before != self.quorate && !self.syncing {
                out.push(self.notification());
            }
        }
    }

    fn notification(&self) -> Output {
        Output::Quorum {
            quorate: self.quorate,
            members: self.members.clone(),
        }
    }

    fn low_node_in_partition(&self) -> bool {
        self.peers
            .get(&self.lowest_seen)
            .is_some_and(|p| p.state == State::Member)
    }

    fn high_node_in_partition(&self) -> bool {
        self.peers
            .get(&self.highest_seen)
            .is_some_and(|p| p.state == State::Member)
    }

    /// Mirrors `recalculate_quorum`: expected votes follow the votes seen,
    /// then quorum is computed and the verdict taken.
    fn recalculate(&mut self, allow_decrease: bool, by_current_nodes: bool) {
        let total_votes = self.total_votes();
        let member_count = self.members_iter().count() as u32;
        let us = self.peers.get_mut(&self.us).expect("self");
        if total_votes > us.expected_votes {
            us.expected_votes = total_votes;
        }
        let max_expected = if by_current_nodes { member_count } else { 0 };
        self.quorum = self.calculate_quorum(allow_decrease, max_expected);
        if max_expected > 0 {
            for p in self.peers.values_mut().filter(|p| p.state == State::Member) {
                p.expected_votes = max_expected;
            }
        }
        self.decide(total_votes);
    }

    /// Mirrors `calculate_quorum`: the OpenVMS rule, held up unless a
    /// decrease is allowed, and 1 for a two_node cluster of at most two.
    fn calculate_quorum(&self, allow_decrease: bool, max_expected: u32) -> u32 {
        let mut highest_expected = self
            .members_iter()
            .map(|p| p.expected_votes)
            .max()
            .unwrap_or(0);
        let total_votes = self.total_votes();
        let total_nodes = self.members_iter().count();
        if max_expected > 0 {
            highest_expected = max_expected;
        }
        let mut quorum = ((highest_expected + 2) / 2).max((total_votes + 2) / 2);
        if !allow_decrease {
            quorum = quorum.max(self.quorum);
        }
        if self.cfg.two_node && total_nodes <= 2 {
            quorum = 1;
        }
        quorum
    }

    /// Mirrors `are_we_quorate`.
    fn decide(&mut self, total_votes: u32) {
        let expected = self.us_peer().expected_votes;
        if self.cfg.wait_for_all && self.wait_for_all_status {
            if total_votes != expected {
                self.quorate = false;
                return;
            }
            self.wait_for_all_status = false;
        }
        let mut quorate = total_votes >= self.quorum;
        if quorate {
            let ids = self
                .peers
                .iter()
                .filter(|(_, p)| p.state == State::Member)
                .map(|(n, _)| *n);
            self.lowest_seen = ids.clone().min().unwrap_or(self.us);
            self.highest_seen = ids.max().unwrap_or(self.us);
        }
        let others_might_have_quorum =
            self.previous_members.len() as i64 - self.members.len() as i64 >= self.quorum as i64;
        if !quorate
            && total_votes == expected / 2
            && !others_might_have_quorum
            && self.tie_breaker_here()
        {
            quorate = true;
        }
        self.quorate = quorate;
        if self.cfg.wait_for_all {
            self.wait_for_all_status = !quorate;
        }
    }

    /// Mirrors `check_auto_tie_breaker`.
    fn tie_breaker_here(&self) -> bool {
        match &self.cfg.tie_breaker {
            None => false,
            Some(TieBreaker::Lowest) => self.low_node_in_partition(),
            Some(TieBreaker::Highest) => self.high_node_in_partition(),
            Some(TieBreaker::List(list)) => {
                for (i, n) in list.iter().enumerate() {
                    if self.members.contains(n) {
                        // A node listed before it that was with us last
                        // time but is not now may be in the other half.
                        return !list[..i].iter().any(|m| self.previous_members.contains(m));
                    }
                }
                false
            }
        }
    }

    /// Checked after every input: the state votequorum's arithmetic
    /// relies on.
    fn check_invariants(&self) {
        let us = self.us;
        assert!(
            self.members.contains(&us),
            "node {us}: a node is always in its own partition"
        );
        assert!(
            self.members.windows(2).all(|w| w[0] < w[1]),
            "node {us}: members are sorted and distinct"
        );
        assert!(
            self.us_peer().state == State::Member,
            "node {us}: a node never marks itself dead"
        );
        for (n, p) in &self.peers {
            assert!(
                p.state == State::Dead || self.members.contains(n),
                "node {us}: a live peer ({n}) is a member of the partition"
            );
        }
        assert!(self.quorum >= 1, "node {us}: quorum is at least one vote");
        if self.waiting_for_all() {
            assert!(
                !self.quorate,
                "node {us}: a node waiting for all is never quorate"
            );
        }
        assert!(
            self.cfg.wait_for_all || !self.wait_for_all_status,
            "node {us}: only wait_for_all waits for all"
        );
        assert!(
            self.cfg.last_man_standing || self.timers.is_empty(),
            "node {us}: only last_man_standing arms its timer"
        );
    }
}
