//! Cluster membership as Corosync's totem protocol decides it, one state
//! machine per node, with agreed ordered delivery of messages within a
//! membership (what CPG gives Pacemaker's daemons).
//!
//! Where it sits: at the bottom of a node's stack. [`Totem`] talks to the
//! totem of other nodes over the simulated network and tells the layers
//! above (votequorum, the controller) of every new membership
//! ([`Output::Membership`]) and of every cluster message, delivered in the
//! same order on every member ([`Output::Deliver`]).
//!
//! The protocol, reduced to what its timing and outcomes depend on:
//! - **Operational**: the members pass a token round the ring in node-id
//!   order. Whoever holds it appends its queued messages with the next
//!   sequence numbers, so every member delivers them in one order. When the
//!   ring is idle the representative (lowest id) holds the token for `hold`.
//!   A token not passed on is retransmitted every `token / (retransmits +
//!   0.2)`, so one lost packet does not break the ring.
//! - **Token loss**: a member that has not seen the token for the token
//!   timeout (`token`, plus `token_coefficient` per node beyond two) starts
//!   gathering.
//! - **Gather**: nodes broadcast joins carrying the set of nodes they would
//!   form a ring with and the set they consider failed, every `join`, and
//!   merge what others say. When every candidate has sent identical sets,
//!   the candidates agree (consensus) and the representative commits a new
//!   ring with a higher ring id. Candidates that stay silent for `consensus`
//!   are declared failed.
//! - **Merge**: a representative advertises its ring every `merge` to the
//!   nodes outside it; a node that hears of another ring gathers with it,
//!   which is how partitions heal.
//! - **Leave**: a node stopping cleanly tells the others it has failed
//!   itself, so they re-form at once rather than after a token timeout.
//! - **Recovery** (extended virtual synchrony): a message the token had not
//!   carried round the whole ring when it broke may have been delivered by
//!   some members only. Every node keeps the messages of its ring not yet
//!   known to be everywhere (the log of the last token it passed on) and
//!   says them in its joins; the representative of the new ring hands each
//!   member, with the commit, what its old ring's members in the new ring
//!   delivered, and the member delivers what it lacks, in order, before
//!   the new membership (totemsrp's recovery state: the old ring's messages
//!   go to the transitional configuration before the regular one).
//!
//! Totem talks to a peer only while knet's link to it is up ([`knet`]: the
//! stack filters totem's packets), which is what delays a booting node's
//! return and breaks a ring whose member was paused longer than knet's
//! ping timeout.
//!
//! Simplified relative to corosync: no multicast retransmission (the token
//! carries the messages); a ring is installed when its commit arrives, not
//! after the commit token has gone round twice, so a member whose commit is
//! lost misses the recovery; no flow control, encryption or multiple rings
//! (one knet link per peer); the ring sequence is not kept on disk across restarts
//! (corosync's `ringid_*` file), so a restarted node's first lone ring
//! starts afresh.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sim::timer::TimerTable;
use sim::{Duration, Instant, NodeId};

pub mod knet;
mod nodeset;
mod recovery;
mod token;

pub use nodeset::NodeSet;
use recovery::recovery;

#[cfg(test)]
mod tests;

/// `totem {}` of corosync.conf (corosync 3 defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `token`: silence after which the token is declared lost (3000 ms).
    pub token: Duration,
    /// `token_coefficient`: added per node beyond two (650 ms; zero turns it off).
    pub token_coefficient: Duration,
    /// `consensus`: unset means 1.2 × the token timeout.
    pub consensus: Option<Duration>,
    /// `join`: how often a gathering node repeats its join (50 ms).
    pub join: Duration,
    /// `merge`: how often a representative looks for other rings (200 ms).
    pub merge: Duration,
    /// `hold`: how long an idle representative keeps the token (180 ms).
    pub hold: Duration,
    /// `token_retransmits_before_loss_const` (4).
    pub token_retransmits_before_loss_const: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: Duration::from_millis(3000),
            token_coefficient: Duration::from_millis(650),
            consensus: None,
            join: Duration::from_millis(50),
            merge: Duration::from_millis(200),
            hold: Duration::from_millis(180),
            token_retransmits_before_loss_const: 4,
        }
    }
}

impl Config {
    /// The real token timeout for a nodelist of `nodes` nodes.
    pub fn token_timeout(&self, nodes: usize) -> Duration {
        let extra = nodes.saturating_sub(2) as u64;
        Duration::from_nanos(self.token.as_nanos() + extra * self.token_coefficient.as_nanos())
    }

    /// The consensus timeout for a nodelist of `nodes` nodes.
    pub fn consensus_timeout(&self, nodes: usize) -> Duration {
        self.consensus
            .unwrap_or_else(|| self.token_timeout(nodes).mul_f64(1.2))
    }

    /// How long a holder waits before sending the token again.
    pub fn token_retransmit(&self, nodes: usize) -> Duration {
        let n = self.token_retransmits_before_loss_const as f64 + 0.2;
        self.token_timeout(nodes).mul_f64(1.0 / n)
    }
}

/// A ring's identity: its representative and a sequence number that grows
/// with every new ring (corosync's `ring_id`), ordered by sequence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RingId {
    /// The sequence number.
    pub seq: u64,
    /// The representative (lowest node id of the ring).
    pub rep: NodeId,
}

/// What totem instances send each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Msg<P> {
    /// The token of an operational ring.
    Token(Token<P>),
    /// A gathering node's view (also sent to leave: `fail` holds the sender).
    /// Behind a pointer, as is a commit's recovery: every message on the
    /// wire, tokens above all, is as large as its largest kind, and the
    /// kernel moves each several times on its way. Shared rather than
    /// boxed: a join is broadcast, and each receiver's copy is the same
    /// (traced as the join itself: serde's `rc` feature).
    Join(Arc<Join<P>>),
    /// The representative's new ring.
    Commit {
        /// The ring.
        ring: RingId,
        /// Its members.
        members: Vec<NodeId>,
        /// The addressee's old ring's messages, as its members in the new
        /// ring delivered them, for it to deliver what it lacks first.
        recovered: Option<Box<Retained<P>>>,
    },
    /// A member has installed the representative's new ring.
    CommitAck {
        /// The ring.
        ring: RingId,
    },
    /// A representative advertising its ring to nodes outside it.
    MergeDetect {
        /// The ring.
        ring: RingId,
    },
}

/// A message on a token's log: its sequence number, who cast it, and what.
///
/// Shared: the token is copied at every hop (the holder keeps one to
/// retransmit or to recover from), and a message stays on it for a whole
/// rotation, so copies share each message rather than clone it. Traced as
/// the plain `(seq, from, payload)` (serde's `rc` feature).
pub type Entry<P> = Arc<(u64, NodeId, P)>;

/// The token: it carries every message appended during the last rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token<P> {
    /// The ring it belongs to.
    pub ring: RingId,
    /// How many times it has been passed in this ring (duplicates are ignored).
    pub hop: u64,
    /// The last sequence number assigned.
    pub seq: u64,
    /// Messages not yet seen by every member, in sequence order.
    pub log: Vec<Entry<P>>,
}

/// Messages of one ring that may not have reached every member: what a
/// node keeps of its ring for recovery (totemsrp's retransmit list at a
/// membership change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retained<P> {
    /// The ring they were sent in.
    pub ring: RingId,
    /// The messages, in sequence order.
    pub log: Vec<Entry<P>>,
}

/// A gathering node's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Join<P> {
    /// Nodes the sender would form a ring with.
    pub proc: NodeSet,
    /// Nodes the sender considers failed.
    pub fail: NodeSet,
    /// The highest ring sequence the sender knows.
    pub ring_seq: u64,
    /// The ring the sender was last operational in, and the messages of
    /// it that it delivered and may be missing elsewhere.
    pub old: Option<Retained<P>>,
}

/// What a node kept of the ring it was last operational in.
#[derive(Debug, Clone)]
struct OldRing<P> {
    /// The messages that may be missing elsewhere.
    retained: Retained<P>,
    /// The last sequence number it delivered there.
    delivered: u64,
}

/// An input to a node's totem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<P> {
    /// The stack starts: look for other nodes.
    Start,
    /// A message from another node's totem.
    Message {
        /// The sender.
        from: NodeId,
        /// The message.
        msg: Msg<P>,
    },
    /// Send this to every member, in agreed order.
    Cast(P),
    /// The stack stops cleanly: tell the others.
    Leave,
    /// A timer may have expired.
    Wake,
}

/// An effect of a node's totem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<P> {
    /// Send to one node.
    Send {
        /// The destination.
        to: NodeId,
        /// The message.
        msg: Msg<P>,
    },
    /// Send to every other node.
    Broadcast(Msg<P>),
    /// A new membership (corosync's configuration change).
    Membership {
        /// The ring.
        ring: RingId,
        /// Its members, in id order.
        members: Vec<NodeId>,
    },
    /// A cluster message, in agreed order.
    Deliver {
        /// Who cast it.
        from: NodeId,
        /// What was cast.
        payload: P,
    },
}

/// Where totem's outputs go, one at a time and in order. A `Vec` collects
/// them; the stack routes each as it comes (a token passed on leaves for
/// the wire at once), rather than collecting them first and moving each
/// again on the way out: that path runs for every token.
pub trait Sink<P> {
    /// Takes the next output.
    fn push(&mut self, output: Output<P>);
}

impl<P> Sink<P> for Vec<Output<P>> {
    #[inline]
    fn push(&mut self, output: Output<P>) {
        Vec::push(self, output);
    }
}

/// Timers, one of each at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// The token has not come round for the token timeout.
    TokenLoss,
    /// The token passed on has not been seen again: send it again.
    TokenRetransmit,
    /// The idle representative's hold is over: pass the token.
    TokenHold,
    /// Repeat this gathering node's join.
    Join,
    /// Gathering has gone on for the consensus timeout.
    Consensus,
    /// The representative advertises its ring.
    Merge,
}

impl sim::timer::Timer for Timer {
    const ALL: &'static [Timer] = &[
        Timer::TokenLoss,
        Timer::TokenRetransmit,
        Timer::TokenHold,
        Timer::Join,
        Timer::Consensus,
        Timer::Merge,
    ];
    fn slot(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone)]
enum State<P> {
    /// Not started, or left.
    Down,
    /// Agreeing on a new ring.
    Gather {
        proc: NodeSet,
        fail: NodeSet,
        /// What each candidate said in its last join, by candidate, in the
        /// order first heard (a few entries: looked up by scanning).
        joins: Vec<(NodeId, LastJoin<P>)>,
        /// Candidates heard from since the consensus timer was last armed.
        heard: NodeSet,
        /// The join this node last sent in this gathering: repeated as it
        /// is (shared, not built again) while the view in it holds, which
        /// it does through most of a partition's join timer repeats.
        sent: Option<Arc<Join<P>>>,
    },
    /// In a ring.
    Operational {
        ring: RingId,
        members: Vec<NodeId>,
        /// The member this node passes the token to: the next id round
        /// the ring (itself, alone), fixed with the ring.
        next: NodeId,
        /// The last hop of this ring's token seen here.
        last_hop: u64,
        /// The token this node holds (idle representative) or last passed on.
        token: Option<Token<P>>,
        /// The last sequence number delivered here.
        delivered: u64,
    },
}

/// What a candidate said in its last join.
#[derive(Debug, Clone)]
struct LastJoin<P> {
    /// The nodes it would form a ring with.
    proc: NodeSet,
    /// The nodes it considers failed.
    fail: NodeSet,
    /// Its old ring and the messages it retained of it.
    old: Option<Retained<P>>,
}

/// One node's totem.
///
/// Calling rules: `handle(now, Input::Start)` first; `handle(now,
/// Input::Wake)` at `next_deadline()`; deliver every message addressed to
/// this node. Casts made while no ring is operational wait for the next one.
#[derive(Debug, Clone)]
pub struct Totem<P> {
    cfg: Config,
    /// `cfg`'s timeouts for this nodelist, computed once: the token path
    /// arms them at every hop.
    token_timeout: Duration,
    token_retransmit: Duration,
    consensus_timeout: Duration,
    us: NodeId,
    nodelist: Vec<NodeId>,
    state: State<P>,
    timers: TimerTable<Timer, 6>,
    /// The highest ring sequence this node has heard of.
    ring_seq: u64,
    /// Casts not yet put on a token.
    pending: Vec<P>,
    /// The ring this node was last operational in, kept while gathering
    /// for the recovery of its messages.
    old: Option<OldRing<P>>,
    /// A representative's commits not yet acknowledged, by member. The
    /// first token waits for all of them: a member that never installed
    /// the ring must not miss what the others deliver in it (totem's
    /// commit token goes round every member before the ring operates).
    unacked: BTreeMap<NodeId, Msg<P>>,
}

impl<P: Clone> Totem<P> {
    /// A node's totem for a cluster of `nodelist` nodes; it does nothing
    /// until `Input::Start`.
    pub fn new(cfg: &Config, us: NodeId, nodelist: &[NodeId]) -> Totem<P> {
        assert!(nodelist.contains(&us), "a node is in its own nodelist");
        assert!(
            nodelist.iter().all(|n| n.0 < NodeSet::CAPACITY),
            "node ids fit a NodeSet"
        );
        Totem {
            cfg: cfg.clone(),
            token_timeout: cfg.token_timeout(nodelist.len()),
            token_retransmit: cfg.token_retransmit(nodelist.len()),
            consensus_timeout: cfg.consensus_timeout(nodelist.len()),
            us,
            nodelist: nodelist.to_vec(),
            state: State::Down,
            timers: TimerTable::new(),
            ring_seq: 0,
            pending: Vec::new(),
            old: None,
            unacked: BTreeMap::new(),
        }
    }

    /// Takes one input and returns its effects.
    pub fn handle(&mut self, now: Instant, input: Input<P>) -> Vec<Output<P>> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// `handle`, appending the outputs to `out`: the stack feeds totem every
    /// token and keeps one buffer for it.
    #[inline]
    pub fn handle_into(&mut self, now: Instant, input: Input<P>, out: &mut impl Sink<P>) {
        match input {
            Input::Start => {
                if matches!(self.state, State::Down) {
                    self.enter_gather(now, NodeSet::one(self.us), NodeSet::EMPTY, out);
                }
            }
            Input::Message { from, msg } => self.on_message(now, from, msg, out),
            Input::Cast(p) => {
                if !matches!(self.state, State::Down) {
                    self.pending.push(p);
                }
            }
            Input::Leave => self.on_leave(out),
            Input::Wake => self.on_wake(now, out),
        }
        self.check_invariants();
    }

    /// The earliest timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The current ring and its members, when operational.
    pub fn membership(&self) -> Option<(RingId, &[NodeId])> {
        match &self.state {
            State::Operational { ring, members, .. } => Some((*ring, members)),
            _ => None,
        }
    }

    fn on_message(&mut self, now: Instant, from: NodeId, msg: Msg<P>, out: &mut impl Sink<P>) {
        if matches!(self.state, State::Down) || from == self.us {
            return;
        }
        match msg {
            Msg::Token(t) => self.on_token(now, t, out),
            Msg::Join(join) => self.on_join(now, from, join, out),
            Msg::Commit {
                ring,
                members,
                recovered,
            } => self.on_commit(now, from, ring, members, recovered.map(|r| *r), out),
            Msg::CommitAck { ring } => self.on_commit_ack(now, from, ring, out),
            Msg::MergeDetect { ring } => self.on_merge_detect(now, from, ring, out),
        }
    }

    fn enter_gather(&mut self, now: Instant, proc: NodeSet, fail: NodeSet, out: &mut impl Sink<P>) {
        if let State::Operational {
            ring,
            token,
            delivered,
            ..
        } = &self.state
        {
            // What we delivered that the token has not yet carried round
            // the ring is what the log of the last token we passed holds.
            self.old = Some(OldRing {
                retained: Retained {
                    ring: *ring,
                    log: token.as_ref().map(|t| t.log.clone()).unwrap_or_default(),
                },
                delivered: *delivered,
            });
        }
        self.timers.stop_all();
        self.unacked.clear();
        self.state = State::Gather {
            proc,
            fail,
            joins: Vec::new(),
            heard: NodeSet::EMPTY,
            sent: None,
        };
        self.timers
            .set(Timer::Consensus, now + self.consensus_timeout);
        self.send_join(now, out);
        self.check_consensus(now, out);
    }

    fn send_join(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let State::Gather {
            proc, fail, sent, ..
        } = &mut self.state
        else {
            return;
        };
        // `old` is fixed while gathering: set as the ring was left.
        let join = match sent {
            Some(j) if j.proc == *proc && j.fail == *fail && j.ring_seq == self.ring_seq => {
                j.clone()
            }
            _ => sent
                .insert(Arc::new(Join {
                    proc: *proc,
                    fail: *fail,
                    ring_seq: self.ring_seq,
                    old: self.old.as_ref().map(|o| o.retained.clone()),
                }))
                .clone(),
        };
        out.push(Output::Broadcast(Msg::Join(join)));
        self.timers.set(Timer::Join, now + self.cfg.join);
    }

    /// Mirrors totemsrp's `memb_join_process`: merge the sender's view
    /// into ours, and record it for consensus.
    fn on_join(&mut self, now: Instant, from: NodeId, join: Arc<Join<P>>, out: &mut impl Sink<P>) {
        let (their_proc, their_fail, ring_seq) = (join.proc, join.fail, join.ring_seq);
        if let State::Operational { ring, members, .. } = &self.state {
            // A join from a gathering older than the ring we are in is
            // stale. From a member it is the round that made this ring;
            // from an outsider it would tear a working ring down for a
            // view that is out of date, again and again on a lossy link:
            // the outsider hears of our ring by merge detection instead,
            // and answers with our sequence. Alone, we take it: that is
            // how nodes starting together find each other.
            if ring_seq < ring.seq && (members.contains(&from) || members.len() > 1) {
                return;
            }
        }
        self.ring_seq = self.ring_seq.max(ring_seq);
        if let State::Operational { members, .. } = &self.state {
            // A member gathering, or an outsider asking to merge: gather too.
            let mut proc: NodeSet = members.iter().copied().collect();
            proc.insert(from);
            let fail = if their_fail.contains(from) {
                NodeSet::one(from)
            } else {
                NodeSet::EMPTY
            };
            self.enter_gather(now, proc, fail, out);
        }
        let us = self.us;
        let State::Gather {
            proc,
            fail,
            joins,
            heard,
            ..
        } = &mut self.state
        else {
            return;
        };
        heard.insert(from);
        let mut new_proc = *proc;
        let mut new_fail = *fail;
        if their_fail.contains(us) {
            // They consider us failed: the view is only consistent if we
            // consider them failed too.
            new_fail.insert(from);
        } else if !fail.contains(from) {
            new_proc = new_proc.union(their_proc);
            new_fail = new_fail.union(their_fail.without(us));
        }
        new_proc.insert(from);
        let last = LastJoin {
            proc: their_proc,
            fail: their_fail,
            // Moved out of the join if this is its last copy (a broadcast's
            // copies, and the sender's, share it), else copied: never the
            // whole join.
            old: Arc::try_unwrap(join).map_or_else(|shared| shared.old.clone(), |own| own.old),
        };
        match joins.iter_mut().find(|(n, _)| *n == from) {
            Some((_, h)) => *h = last,
            None => joins.push((from, last)),
        }
        if new_proc != *proc || new_fail != *fail {
            *proc = new_proc;
            *fail = new_fail;
            self.send_join(now, out);
        }
        self.check_consensus(now, out);
    }

    /// Consensus: every live candidate has sent our exact view. The
    /// representative then commits the ring, handing each member the
    /// messages of its old ring that the new ring's members hold.
    fn check_consensus(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let State::Gather {
            proc, fail, joins, ..
        } = &self.state
        else {
            return;
        };
        let last_join = |n: NodeId| joins.iter().find(|(m, _)| *m == n).map(|(_, h)| h);
        let live = proc.minus(*fail);
        let agreed = live
            .without(self.us)
            .iter()
            .all(|n| last_join(n).is_some_and(|h| h.proc == *proc && h.fail == *fail));
        if !agreed || live.first() != Some(self.us) {
            return;
        }
        let ring = RingId {
            seq: self.ring_seq + 4,
            rep: self.us,
        };
        let mut old_of: BTreeMap<NodeId, Option<Retained<P>>> = live
            .without(self.us)
            .iter()
            .map(|n| (n, last_join(n).and_then(|h| h.old.clone())))
            .collect();
        let live: Vec<NodeId> = live.iter().collect();
        old_of.insert(self.us, self.old.as_ref().map(|o| o.retained.clone()));
        let recovered = recovery(&old_of);
        let mut unacked = BTreeMap::new();
        for &n in live.iter().filter(|&&n| n != self.us) {
            let mine = old_of[&n].as_ref().and_then(|r| recovered.get(&r.ring));
            let msg = Msg::Commit {
                ring,
                members: live.clone(),
                recovered: mine.cloned().map(Box::new),
            };
            out.push(Output::Send {
                to: n,
                msg: msg.clone(),
            });
            unacked.insert(n, msg);
        }
        let mine = self
            .old
            .as_ref()
            .and_then(|o| recovered.get(&o.retained.ring))
            .cloned();
        self.install(now, ring, live, mine, out);
        self.unacked = unacked;
        if self.unacked.is_empty() {
            self.start_token(now, ring, out);
        } else {
            self.timers
                .set(Timer::TokenRetransmit, now + self.token_retransmit);
        }
    }

    /// The representative's first token, once every member has the ring.
    fn start_token(&mut self, now: Instant, ring: RingId, out: &mut impl Sink<P>) {
        let token = Token {
            ring,
            hop: 0,
            seq: 0,
            log: Vec::new(),
        };
        self.arm_merge(now);
        self.take_token(now, token, out);
    }

    /// The representative advertises its ring every `merge` to the nodes
    /// of the nodelist outside it (totemsrp's merge detect). A ring of the
    /// whole nodelist has nobody to advertise to, and stays so until a new
    /// ring is installed (which arms the timer again): it keeps no timer,
    /// rather than waking five times a second to send nothing.
    fn arm_merge(&mut self, now: Instant) {
        let State::Operational { members, .. } = &self.state else {
            return;
        };
        if self.nodelist.iter().any(|n| !members.contains(n)) {
            self.timers.set(Timer::Merge, now + self.cfg.merge);
        }
    }

    fn on_commit_ack(&mut self, now: Instant, from: NodeId, ring: RingId, out: &mut impl Sink<P>) {
        let ours = matches!(&self.state, State::Operational { ring: r, .. } if *r == ring);
        if !ours || self.unacked.remove(&from).is_none() {
            return;
        }
        if self.unacked.is_empty() {
            self.timers.stop(Timer::TokenRetransmit);
            self.start_token(now, ring, out);
        }
    }

    fn on_commit(
        &mut self,
        now: Instant,
        from: NodeId,
        ring: RingId,
        members: Vec<NodeId>,
        recovered: Option<Retained<P>>,
        out: &mut impl Sink<P>,
    ) {
        if !members.contains(&self.us) {
            return;
        }
        // A commit older than the ring we are in is stale; the commit of
        // our ring again means our acknowledgement was lost.
        match self.membership() {
            Some((current, _)) if current > ring => return,
            Some((current, _)) if current == ring => {}
            _ => self.install(now, ring, members, recovered, out),
        }
        out.push(Output::Send {
            to: from,
            msg: Msg::CommitAck { ring },
        });
    }

    /// Installs a new ring and tells the layers above: first the old
    /// ring's messages this node had not delivered (the transitional
    /// configuration's), then the new membership.
    fn install(
        &mut self,
        now: Instant,
        ring: RingId,
        members: Vec<NodeId>,
        recovered: Option<Retained<P>>,
        out: &mut impl Sink<P>,
    ) {
        let gathering = matches!(self.state, State::Gather { .. });
        if let (true, Some(old), Some(rec)) = (gathering, self.old.take(), recovered) {
            if rec.ring == old.retained.ring {
                let mut delivered = old.delivered;
                for e in &rec.log {
                    let (seq, from, ref p) = **e;
                    if seq > delivered + 1 {
                        // Cannot happen (whoever delivered a message had
                        // every one before it, and kept those not yet
                        // everywhere); a gap would break the agreed order.
                        break;
                    }
                    if seq > delivered {
                        delivered = seq;
                        out.push(Output::Deliver {
                            from,
                            payload: p.clone(),
                        });
                    }
                }
            }
        }
        self.old = None;
        self.ring_seq = self.ring_seq.max(ring.seq);
        self.timers.stop_all();
        // Commits of an earlier ring this node represented are moot now.
        self.unacked.clear();
        assert!(
            members.windows(2).all(|w| w[0] < w[1]),
            "members are sorted and distinct"
        );
        let i = members
            .iter()
            .position(|&n| n == self.us)
            .expect("a node is a member of its own ring");
        self.state = State::Operational {
            ring,
            next: members[(i + 1) % members.len()],
            members: members.clone(),
            last_hop: 0,
            token: None,
            delivered: 0,
        };
        out.push(Output::Membership { ring, members });
        self.timers.set(Timer::TokenLoss, now + self.token_timeout);
    }

    fn on_merge_detect(
        &mut self,
        now: Instant,
        from: NodeId,
        ring: RingId,
        out: &mut impl Sink<P>,
    ) {
        match &self.state {
            State::Operational {
                ring: ours,
                members,
                ..
            } if *ours != ring && !members.contains(&from) => {
                // Our joins must not look older than the ring we answer.
                self.ring_seq = self.ring_seq.max(ring.seq);
                let mut proc: NodeSet = members.iter().copied().collect();
                proc.insert(from);
                self.enter_gather(now, proc, NodeSet::EMPTY, out);
            }
            _ => {}
        }
    }

    fn on_leave(&mut self, out: &mut impl Sink<P>) {
        let proc: NodeSet = match &self.state {
            State::Down => return,
            State::Gather { proc, .. } => *proc,
            State::Operational { members, .. } => members.iter().copied().collect(),
        };
        out.push(Output::Broadcast(Msg::Join(Arc::new(Join {
            proc,
            fail: NodeSet::one(self.us),
            ring_seq: self.ring_seq,
            old: None,
        }))));
        self.state = State::Down;
        self.timers.stop_all();
        self.pending.clear();
        self.old = None;
        self.unacked.clear();
    }

    fn on_wake(&mut self, now: Instant, out: &mut impl Sink<P>) {
        for timer in self.timers.expired(now) {
            // An earlier timer of this wake may have changed state and timers.
            if !self.timers.is_due(timer, now) {
                continue;
            }
            self.timers.stop(timer);
            match timer {
                Timer::TokenLoss => self.on_token_loss(now, out),
                Timer::TokenRetransmit => self.on_token_retransmit(now, out),
                Timer::TokenHold => self.on_token_hold(now, out),
                Timer::Join => self.send_join(now, out),
                Timer::Consensus => self.on_consensus_timeout(now, out),
                Timer::Merge => self.on_merge_timer(now, out),
            }
        }
    }

    fn on_token_loss(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let State::Operational { members, .. } = &self.state else {
            return;
        };
        let proc = members.iter().copied().collect();
        self.enter_gather(now, proc, NodeSet::EMPTY, out);
    }

    /// Candidates that have stayed silent for the consensus timeout are
    /// declared failed. One that is talking but has not yet come round to
    /// our view is not: declaring it failed would make it declare us
    /// failed in turn, and split a ring that was about to agree.
    fn on_consensus_timeout(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let us = self.us;
        let State::Gather {
            proc, fail, heard, ..
        } = &mut self.state
        else {
            return;
        };
        let silent = proc.minus(*fail).without(us).minus(*heard);
        *fail = fail.union(silent);
        *heard = NodeSet::EMPTY;
        self.timers
            .set(Timer::Consensus, now + self.consensus_timeout);
        self.send_join(now, out);
        self.check_consensus(now, out);
    }

    fn on_merge_timer(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let State::Operational { ring, members, .. } = &self.state else {
            return;
        };
        for &n in self.nodelist.iter().filter(|n| !members.contains(n)) {
            out.push(Output::Send {
                to: n,
                msg: Msg::MergeDetect { ring: *ring },
            });
        }
        self.arm_merge(now);
    }

    // Inlined: it runs after every input, a token's above all.
    #[inline(always)]
    fn check_invariants(&self) {
        match &self.state {
            State::Down => assert!(self.timers.is_empty(), "a stopped totem has no timers"),
            State::Gather { proc, fail, .. } => {
                assert!(proc.contains(self.us), "a gathering node is a candidate");
                assert!(
                    !fail.contains(self.us),
                    "a gathering node never fails itself"
                );
                assert!(
                    self.timers.is_set(Timer::Consensus),
                    "gathering is bounded by consensus"
                );
            }
            State::Operational { ring, members, .. } => {
                // Members are sorted, distinct and include us: `install`
                // checks it, and nothing else writes them.
                assert_eq!(
                    members.first(),
                    Some(&ring.rep),
                    "the representative is the lowest id"
                );
                assert!(ring.seq <= self.ring_seq);
                assert!(
                    self.timers.is_set(Timer::TokenLoss),
                    "an operational node watches the token"
                );
            }
        }
    }
}
