//! DC election, as Pacemaker's controllers hold it (`lib/cluster/election.c`).
//!
//! A node that needs a DC broadcasts a vote for itself. Every peer compares
//! that vote with the one it would cast ([`compare`]): if the sender's is
//! better it concedes (answers no-vote); otherwise it starts an election of
//! its own, which the sender will in turn concede. The owner of an election
//! wins when every active peer has conceded, or when `election-timeout`
//! passes. A node that lost waits 2 s before it may start another election,
//! so that a flurry of votes settles.
//!
//! Votes are compared on: eligibility, then the *lower* CRM feature set (so
//! an old node stays DC during a rolling upgrade), then the *greater* age,
//! then the case-insensitively smaller node name. Pacemaker's age is the
//! controller's CPU time, which a simulation cannot measure; pacesim draws
//! a CPU share per controller incarnation from its seed ([`CpuTime`], whose
//! doc says why and how). As in Pacemaker, a vote carries the sender's age
//! when it was cast, and the receiver compares it with its own age at
//! receipt (`election_count_vote`, `compare_age`): so the longest-running
//! controller generally wins, and among controllers started together the
//! draws decide, which node is the first DC varying with the seed as it
//! varies between real cluster starts. The name decides only equal ages.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use sim::{Duration, Instant};

pub use super::cpu_time::{CpuTime, Micros};

/// How long a node that lost waits before it may start another election.
pub const LOSS_DAMPENING: Duration = Duration::from_secs(2);

/// A CRM feature set, e.g. `3.16.2`, compared component by component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSet(pub Vec<u32>);

impl FeatureSet {
    /// Parses `3.16.2`; `None` if a component is not a number.
    pub fn parse(s: &str) -> Option<FeatureSet> {
        s.split('.')
            .map(|c| c.parse().ok())
            .collect::<Option<Vec<u32>>>()
            .map(FeatureSet)
    }
}

impl PartialOrd for FeatureSet {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FeatureSet {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| {
                self.0
                    .get(i)
                    .unwrap_or(&0)
                    .cmp(other.0.get(i).unwrap_or(&0))
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// One node's vote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Vote {
    /// The election round, counted per owner.
    pub round: u64,
    /// The voting node.
    pub node: String,
    /// Its CRM feature set.
    #[serde(skip)]
    pub feature_set: FeatureSet,
    /// Its controller's CPU time when the vote was cast, in microseconds
    /// (its "age").
    pub age: Micros,
    /// Whether it may become DC (a starting or shutting-down node may not).
    pub eligible: bool,
}

/// Which of two votes wins: `Greater` when `a` beats `b`.
pub fn compare(a: &Vote, b: &Vote) -> Ordering {
    a.eligible
        .cmp(&b.eligible)
        .then_with(|| b.feature_set.cmp(&a.feature_set))
        .then_with(|| a.age.cmp(&b.age))
        .then_with(|| b.node.to_lowercase().cmp(&a.node.to_lowercase()))
}

/// What election messages say.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Msg {
    /// A vote for its sender.
    Vote(Vote),
    /// The sender concedes this owner's round.
    NoVote {
        /// Whose election.
        owner: String,
        /// Which round.
        round: u64,
    },
}

/// An effect of the election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send to every active peer.
    Broadcast(Msg),
    /// Send to one peer.
    Send {
        /// The peer.
        to: String,
        /// The message.
        msg: Msg,
    },
    /// This node won: it is DC.
    Won,
    /// This node lost to `to`.
    Lost {
        /// The better voter.
        to: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// No election running here.
    Idle,
    /// Our election is running: who has conceded so far.
    Voting {
        deadline: Instant,
        conceded: BTreeSet<String>,
    },
    /// We won the last election.
    Won,
    /// We lost; no new election before `until`.
    Lost { until: Instant },
}

/// One node's part in DC elections.
///
/// Calling rules: tell it the active peers whenever the membership changes
/// ([`Election::set_peers`]); call [`Election::on_wake`] at
/// [`Election::next_deadline`].
#[derive(Debug, Clone)]
pub struct Election {
    /// Our vote; its age is refreshed from `cpu` before every use.
    me: Vote,
    cpu: CpuTime,
    peers: BTreeSet<String>,
    state: State,
    timeout: Duration,
}

impl Election {
    /// A node's election state; `timeout` is `election-timeout` (2 min).
    pub fn new(me: Vote, cpu: CpuTime, timeout: Duration) -> Election {
        Election {
            me,
            cpu,
            peers: BTreeSet::new(),
            state: State::Idle,
            timeout,
        }
    }

    /// Whether this node won the last election.
    pub fn is_dc(&self) -> bool {
        self.state == State::Won
    }

    /// Whether an election of ours is running.
    pub fn voting(&self) -> bool {
        matches!(self.state, State::Voting { .. })
    }

    /// Sets whether this node may become DC.
    pub fn set_eligible(&mut self, eligible: bool) {
        self.me.eligible = eligible;
    }

    /// The active peers (other nodes whose controllers are up and joined).
    pub fn set_peers(&mut self, now: Instant, peers: BTreeSet<String>) -> Vec<Output> {
        let mut peers = peers;
        peers.remove(&self.me.node);
        self.peers = peers;
        let mut out = Vec::new();
        self.check_won(now, &mut out);
        out
    }

    /// Starts an election (unless one of ours runs, or we lost too recently).
    pub fn start(&mut self, now: Instant) -> Vec<Output> {
        match self.state {
            State::Voting { .. } => Vec::new(),
            State::Lost { until } if now < until => Vec::new(),
            _ => self.new_round(now),
        }
    }

    /// A new round of our own: the count grows, the timer restarts, every
    /// peer is asked again.
    fn new_round(&mut self, now: Instant) -> Vec<Output> {
        let mut out = Vec::new();
        self.me.round += 1;
        self.state = State::Voting {
            deadline: now + self.timeout,
            conceded: BTreeSet::new(),
        };
        out.push(Output::Broadcast(Msg::Vote(self.my_vote(now))));
        self.check_won(now, &mut out);
        out
    }

    /// Votes again in our running election, as a new round with its own
    /// timeout (`election_vote`: the count grows, the timer restarts);
    /// starts one if none runs. A peer that has answered an older round
    /// answers this one too.
    pub fn vote_again(&mut self, now: Instant) -> Vec<Output> {
        if !self.voting() {
            return self.start(now);
        }
        self.new_round(now)
    }

    /// Our vote as of `now`: its age is our CPU time as `get_uptime` reads
    /// it (held while votes come in quick succession).
    fn my_vote(&mut self, now: Instant) -> Vote {
        self.me_as_of(now).clone()
    }

    /// Our vote as of `now`, borrowed: what a peer's vote is compared with
    /// (a copy is made only for a vote sent).
    fn me_as_of(&mut self, now: Instant) -> &Vote {
        self.me.age = self.cpu.read(now);
        &self.me
    }

    /// Takes a peer's election message.
    /// Borrowed, as the controller takes it: a sender's name is copied
    /// only into the answers that name it.
    pub fn on_message(&mut self, now: Instant, from: &str, msg: &Msg) -> Vec<Output> {
        let mut out = Vec::new();
        match msg {
            Msg::Vote(v) => {
                if v.node == self.me.node {
                    return out;
                }
                if compare(v, self.me_as_of(now)) == Ordering::Greater {
                    // The sender is the better DC: concede.
                    self.state = State::Lost {
                        until: now + LOSS_DAMPENING,
                    };
                    out.push(Output::Send {
                        to: v.node.clone(),
                        msg: Msg::NoVote {
                            owner: v.node.clone(),
                            round: v.round,
                        },
                    });
                    out.push(Output::Lost { to: v.node.clone() });
                } else {
                    // We would be the better DC, even when dampened or
                    // already DC: say so with an election of our own, or
                    // the worse voter wins by timeout.
                    if matches!(self.state, State::Lost { .. } | State::Won) {
                        self.state = State::Idle;
                    }
                    if self.voting() {
                        // Our election is already running, but the sender
                        // may not have heard our vote (it voted after
                        // conceding to someone else): say it again, or it
                        // waits for the election timeout and wins by it.
                        out.push(Output::Broadcast(Msg::Vote(self.my_vote(now))));
                    } else {
                        out.extend(self.start(now));
                    }
                }
            }
            Msg::NoVote { owner, round } => {
                if *owner != self.me.node || *round != self.me.round {
                    return out;
                }
                if let State::Voting { conceded, .. } = &mut self.state {
                    conceded.insert(from.to_string());
                }
                self.check_won(now, &mut out);
            }
        }
        out
    }

    /// When our election times out, or our loss dampening ends.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.state {
            State::Voting { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Our election's timeout: whoever has not answered by now is not
    /// waited for (Pacemaker's election-timeout).
    pub fn on_wake(&mut self, now: Instant) -> Vec<Output> {
        let mut out = Vec::new();
        if let State::Voting { deadline, .. } = self.state {
            if now >= deadline {
                self.state = State::Won;
                out.push(Output::Won);
            }
        }
        out
    }

    fn check_won(&mut self, _now: Instant, out: &mut Vec<Output>) {
        if let State::Voting { conceded, .. } = &self.state {
            if self.peers.iter().all(|p| conceded.contains(p)) {
                self.state = State::Won;
                out.push(Output::Won);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Instant {
        Instant::from_nanos(s * 1_000_000_000)
    }

    /// A vote with this age (CPU microseconds).
    fn vote(node: &str, fs: &str, age: Micros) -> Vote {
        Vote {
            round: 0,
            node: node.into(),
            feature_set: FeatureSet::parse(fs).unwrap(),
            age,
            eligible: true,
        }
    }

    /// A node whose controller started at `started_s` with this CPU share.
    fn elector(node: &str, started_s: u64, rate_ppm: u64) -> Election {
        Election::new(
            vote(node, "3.16.2", 0),
            CpuTime::with_rate(secs(started_s), rate_ppm),
            Duration::from_secs(120),
        )
    }

    #[test]
    fn votes_compare_by_eligibility_feature_set_age_then_name() {
        let base = vote("node2", "3.16.2", 10_000);
        let mut ineligible = vote("node1", "3.0.0", 90_000);
        ineligible.eligible = false;
        assert_eq!(
            compare(&base, &ineligible),
            Ordering::Greater,
            "an ineligible node loses"
        );
        assert_eq!(
            compare(&vote("node9", "3.15.0", 5_000), &base),
            Ordering::Greater,
            "the lower feature set wins"
        );
        assert_eq!(
            compare(&vote("node9", "3.16.2", 10_001), &base),
            Ordering::Greater,
            "the greater CPU time wins, to the microsecond"
        );
        assert_eq!(
            compare(&vote("Node1", "3.16.2", 10_000), &base),
            Ordering::Greater,
            "then the smaller name"
        );
        assert_eq!(
            compare(&vote("NODE2", "3.16.2", 10_000), &base),
            Ordering::Equal
        );
        assert!(FeatureSet::parse("3.9") < FeatureSet::parse("3.16.2"));
        assert!(FeatureSet::parse("3.x").is_none());
    }

    /// Age is uptime times the drawn share: a controller up an hour at the
    /// lowest share beats one restarted ten minutes ago at the highest;
    /// between controllers started together the share decides; with equal
    /// shares and starts, the name.
    #[test]
    fn ages_grow_with_uptime_and_share() {
        let rates = crate::controller::cpu_time::RATE_PPM;
        let (lo, hi) = (*rates.start(), *rates.end());
        let now = secs(3_600);
        let cast = |e: &mut Election| e.my_vote(now);
        let old_slow = cast(&mut elector("node2", 0, lo));
        let young_fast = cast(&mut elector("node1", 3_000, hi));
        assert_eq!(compare(&old_slow, &young_fast), Ordering::Greater);
        let fast = cast(&mut elector("node3", 0, lo + 1));
        assert_eq!(compare(&fast, &old_slow), Ordering::Greater);
        let twin = cast(&mut elector("node1", 0, lo));
        assert_eq!(old_slow.age, twin.age);
        assert_eq!(compare(&twin, &old_slow), Ordering::Greater);
        // Twice the uptime always wins, whatever the shares.
        let double = cast(&mut elector("node9", 1_800, hi));
        assert_ne!(compare(&double, &old_slow), Ordering::Greater);
    }

    /// The vote carries the sender's age when cast; the receiver compares
    /// its own age at receipt, held for 2 s after each use as
    /// `get_uptime` holds it.
    #[test]
    fn a_vote_is_compared_with_the_receivers_age_at_receipt() {
        let mut a = elector("node1", 0, 1_000);
        let cast_at_10 = a.my_vote(secs(10));
        // Same start and share, but b reads its CPU time 3 s later: older.
        let mut b = elector("node2", 0, 1_000);
        b.set_peers(secs(13), ["node1".to_string()].into());
        let out = b.on_message(secs(13), "node1", &Msg::Vote(cast_at_10.clone()));
        let Some(Output::Broadcast(Msg::Vote(answer))) = out.first() else {
            panic!("b should vote against a: {out:?}")
        };
        assert_eq!(answer.age, 13_000);
        // A receiver that read its clock at 10 s still holds that reading
        // at 11 s: the ages tie and the name decides for node1.
        let mut c = elector("node2", 0, 1_000);
        c.set_peers(secs(10), ["node1".to_string()].into());
        c.my_vote(secs(10));
        let out = c.on_message(secs(11), "node1", &Msg::Vote(cast_at_10));
        assert!(
            out.contains(&Output::Lost { to: "node1".into() }),
            "{out:?}"
        );
    }

    /// Three controllers exchanging messages instantly until quiet.
    fn run(mut nodes: Vec<Election>, starters: &[usize]) -> Vec<Election> {
        let now = Instant::from_nanos(100_000_000_000);
        let names: Vec<String> = nodes.iter().map(|e| e.me.node.clone()).collect();
        for e in nodes.iter_mut() {
            e.set_peers(now, names.iter().cloned().collect());
        }
        let mut queue: Vec<(usize, String, Msg)> = Vec::new();
        let route = |from: usize, outs: Vec<Output>, queue: &mut Vec<(usize, String, Msg)>| {
            for o in outs {
                match o {
                    Output::Broadcast(m) => {
                        for (i, _) in names.iter().enumerate().filter(|(i, _)| *i != from) {
                            queue.push((i, names[from].clone(), m.clone()));
                        }
                    }
                    Output::Send { to, msg } => {
                        let i = names.iter().position(|n| *n == to).unwrap();
                        queue.push((i, names[from].clone(), msg));
                    }
                    Output::Won | Output::Lost { .. } => {}
                }
            }
        };
        for &s in starters {
            let outs = nodes[s].start(now);
            route(s, outs, &mut queue);
        }
        let mut steps = 0;
        while !queue.is_empty() {
            steps += 1;
            assert!(steps < 10_000, "the election does not settle");
            let (to, from, msg) = queue.remove(0);
            let outs = nodes[to].on_message(now, &from, &msg);
            route(to, outs, &mut queue);
        }
        nodes
    }

    /// At 100 s: node1 has used 70 ms of CPU, node2 90 ms, node3 135 ms.
    fn cluster() -> Vec<Election> {
        vec![
            elector("node1", 30, 1_000),
            elector("node2", 10, 1_000),
            elector("node3", 10, 1_500),
        ]
    }

    #[test]
    fn the_greatest_cpu_time_wins_whoever_starts() {
        for starters in [vec![0], vec![1], vec![2], vec![0, 1, 2], vec![2, 0]] {
            let nodes = run(cluster(), &starters);
            let dcs: Vec<&str> = nodes
                .iter()
                .filter(|e| e.is_dc())
                .map(|e| e.me.node.as_str())
                .collect();
            assert_eq!(dcs, ["node3"], "started by {starters:?}");
        }
    }

    #[test]
    fn a_lone_node_wins_at_once_and_an_unanswered_election_at_its_timeout() {
        let mut e = elector("node1", 0, 1_000);
        let now = Instant::from_nanos(0);
        e.set_peers(now, BTreeSet::new());
        assert!(e.start(now).contains(&Output::Won));
        let mut e = elector("node1", 0, 1_000);
        e.set_peers(now, ["node2".to_string()].into());
        e.start(now);
        assert!(!e.is_dc());
        assert_eq!(e.next_deadline(), Some(now + Duration::from_secs(120)));
        assert!(e.on_wake(now + Duration::from_secs(119)).is_empty());
        assert_eq!(e.on_wake(now + Duration::from_secs(120)), [Output::Won]);
    }

    #[test]
    fn a_loser_waits_before_voting_again() {
        let mut e = elector("node3", 10, 1_000);
        let now = Instant::from_nanos(0);
        e.set_peers(now, ["node1".to_string()].into());
        let out = e.on_message(now, "node1", &Msg::Vote(vote("node1", "3.16.2", 5)));
        assert!(out.contains(&Output::Lost { to: "node1".into() }));
        assert!(e.start(now + Duration::from_secs(1)).is_empty(), "dampened");
        assert!(!e.start(now + LOSS_DAMPENING).is_empty());
    }

    /// A voter offered a join votes again, a new round that needs every
    /// peer's answer anew and restarts the timeout.
    #[test]
    fn voting_again_starts_a_new_round() {
        let mut e = elector("node2", 0, 1_000);
        let t0 = Instant::from_nanos(0);
        e.set_peers(t0, ["node1".to_string()].into());
        e.start(t0);
        let t1 = t0 + Duration::from_secs(60);
        let out = e.vote_again(t1);
        let Some(Output::Broadcast(Msg::Vote(v))) = out.first() else {
            panic!("{out:?}")
        };
        assert_eq!(v.round, 2);
        assert_eq!(e.next_deadline(), Some(t1 + Duration::from_secs(120)));
        let stale = Msg::NoVote {
            owner: "node2".into(),
            round: 1,
        };
        assert!(e.on_message(t1, "node1", &stale).is_empty());
        let fresh = Msg::NoVote {
            owner: "node2".into(),
            round: 2,
        };
        assert_eq!(e.on_message(t1, "node1", &fresh), [Output::Won]);
    }

    #[test]
    fn a_peer_leaving_completes_a_waiting_election() {
        let mut e = elector("node1", 0, 1_000);
        let now = Instant::from_nanos(0);
        e.set_peers(now, ["node2".to_string(), "node3".to_string()].into());
        e.start(now);
        e.on_message(
            now,
            "node2",
            &Msg::NoVote {
                owner: "node1".into(),
                round: 1,
            },
        );
        assert!(!e.is_dc());
        // A stale no-vote for another round counts for nothing.
        e.on_message(
            now,
            "node3",
            &Msg::NoVote {
                owner: "node1".into(),
                round: 7,
            },
        );
        assert!(!e.is_dc());
        assert_eq!(
            e.set_peers(now, ["node2".to_string()].into()),
            [Output::Won]
        );
    }
}
