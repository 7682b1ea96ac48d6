//! Totem on a small hand-driven network: formation, failure detection
//! timings, clean leave, partition and merge, agreed order, token loss.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

const LATENCY: Duration = Duration::from_millis(1);

/// A membership change seen by a node.
#[derive(Debug, Clone)]
struct Change {
    at: Instant,
    ring: RingId,
    members: Vec<NodeId>,
}

/// Nodes joined by a network with a fixed latency and optional partitions.
struct Net {
    cfg: Config,
    nodelist: Vec<NodeId>,
    now: Instant,
    nodes: BTreeMap<NodeId, Totem<u32>>,
    up: BTreeSet<NodeId>,
    /// Nodes within one set can talk; empty means everyone can.
    partitions: Vec<BTreeSet<NodeId>>,
    queue: BTreeMap<(Instant, u64), (NodeId, NodeId, Msg<u32>)>,
    seq: u64,
    changes: BTreeMap<NodeId, Vec<Change>>,
    delivered: BTreeMap<NodeId, Vec<(NodeId, u32)>>,
    /// Drop the next this-many tokens sent.
    drop_tokens: usize,
    /// Drop every token sent to this node.
    cut_tokens_to: Option<NodeId>,
    /// For each delivery, how many memberships its node had installed.
    delivered_in: BTreeMap<NodeId, Vec<usize>>,
}

impl Net {
    fn new(n: u32) -> Net {
        let cfg = Config::default();
        let nodelist: Vec<NodeId> = (1..=n).map(NodeId).collect();
        let nodes = nodelist
            .iter()
            .map(|&id| (id, Totem::new(&cfg, id, &nodelist)))
            .collect();
        Net {
            cfg,
            nodelist,
            now: Instant::from_nanos(0),
            nodes,
            up: BTreeSet::new(),
            partitions: Vec::new(),
            queue: BTreeMap::new(),
            seq: 0,
            changes: BTreeMap::new(),
            delivered: BTreeMap::new(),
            drop_tokens: 0,
            cut_tokens_to: None,
            delivered_in: BTreeMap::new(),
        }
    }

    fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.partitions.is_empty()
            || self
                .partitions
                .iter()
                .any(|p| p.contains(&a) && p.contains(&b))
    }

    fn input(&mut self, n: NodeId, input: Input<u32>) {
        let out = self.nodes.get_mut(&n).unwrap().handle(self.now, input);
        for o in out {
            match o {
                Output::Send { to, msg } => self.send(n, to, msg),
                Output::Broadcast(msg) => {
                    for to in self.nodelist.clone() {
                        if to != n {
                            self.send(n, to, msg.clone());
                        }
                    }
                }
                Output::Membership { ring, members } => {
                    self.changes.entry(n).or_default().push(Change {
                        at: self.now,
                        ring,
                        members,
                    })
                }
                Output::Deliver { from, payload } => {
                    self.delivered.entry(n).or_default().push((from, payload));
                    let installed = self.changes.get(&n).map_or(0, Vec::len);
                    self.delivered_in.entry(n).or_default().push(installed);
                }
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Msg<u32>) {
        if matches!(msg, Msg::Token(_)) && self.drop_tokens > 0 {
            self.drop_tokens -= 1;
            return;
        }
        if matches!(msg, Msg::Token(_)) && self.cut_tokens_to == Some(to) {
            return;
        }
        if self.connected(from, to) {
            self.seq += 1;
            self.queue
                .insert((self.now + LATENCY, self.seq), (from, to, msg));
        }
    }

    fn start(&mut self, n: NodeId) {
        self.up.insert(n);
        self.input(n, Input::Start);
    }

    /// Stops a node's totem at once; its next start is a new incarnation
    /// (whose ring history starts afresh: corosync's ring id file is not
    /// modelled).
    fn crash(&mut self, n: NodeId) {
        self.up.remove(&n);
        self.changes.remove(&n);
        self.nodes
            .insert(n, Totem::new(&self.cfg, n, &self.nodelist));
    }

    fn run_until(&mut self, end: Instant) {
        let mut events = 0u64;
        loop {
            events += 1;
            assert!(
                events < 2_000_000,
                "message storm: over two million events before {end}"
            );
            let next_msg = self.queue.keys().next().map(|k| k.0);
            let next_timer = self
                .up
                .iter()
                .filter_map(|n| self.nodes[n].next_deadline().map(|t| (t, *n)))
                .min();
            let t_msg = next_msg.filter(|&t| t <= end);
            let t_timer = next_timer.filter(|&(t, _)| t <= end);
            match (t_msg, t_timer) {
                (None, None) => break,
                (Some(tm), tt) if tt.is_none_or(|(t, _)| tm <= t) => {
                    let (key, (from, to, msg)) = self.queue.pop_first().unwrap();
                    self.now = key.0;
                    if self.up.contains(&to) && self.connected(from, to) {
                        self.input(to, Input::Message { from, msg });
                    }
                }
                (_, Some((t, n))) => {
                    self.now = t;
                    self.input(n, Input::Wake);
                }
                _ => unreachable!(),
            }
        }
        self.now = end;
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until(end);
    }

    fn current(&self, n: NodeId) -> Option<(RingId, Vec<NodeId>)> {
        self.nodes[&n].membership().map(|(r, m)| (r, m.to_vec()))
    }

    fn last_change(&self, n: NodeId) -> &Change {
        self.changes[&n].last().expect("a membership was installed")
    }
}

fn ids(v: &[u32]) -> Vec<NodeId> {
    v.iter().map(|&n| NodeId(n)).collect()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn formed(n: u32) -> Net {
    let mut net = Net::new(n);
    for id in 1..=n {
        net.start(NodeId(id));
    }
    net.run_for(secs(3));
    net
}

#[test]
fn nodes_starting_together_form_one_ring() {
    let net = formed(3);
    let (ring, members) = net.current(NodeId(1)).expect("operational");
    assert_eq!(members, ids(&[1, 2, 3]));
    assert_eq!(ring.rep, NodeId(1));
    for n in ids(&[2, 3]) {
        assert_eq!(net.current(n), Some((ring, ids(&[1, 2, 3]))));
    }
}

#[test]
fn defaults_are_corosync_3s() {
    let c = Config::default();
    assert_eq!(c.token_timeout(2), Duration::from_millis(3000));
    assert_eq!(c.token_timeout(3), Duration::from_millis(3650));
    assert_eq!(c.token_timeout(5), Duration::from_millis(4950));
    assert_eq!(c.consensus_timeout(2), Duration::from_millis(3600));
    assert_eq!(c.join, Duration::from_millis(50));
}

#[test]
fn a_crash_is_detected_after_the_token_timeout_and_consensus() {
    let mut net = formed(3);
    let crash_at = net.now;
    net.crash(NodeId(3));
    net.run_for(secs(15));
    let token = net.cfg.token_timeout(3);
    let consensus = net.cfg.consensus_timeout(3);
    for n in ids(&[1, 2]) {
        let c = net.last_change(n);
        assert_eq!(c.members, ids(&[1, 2]), "node {n}");
        let took = c.at.saturating_since(crash_at);
        // The last token may have come up to one idle hold before the crash.
        let earliest = token + consensus - net.cfg.hold - Duration::from_millis(10);
        let latest = token + consensus + Duration::from_millis(100);
        assert!(
            took >= earliest && took <= latest,
            "node {n}: new membership after {took}"
        );
    }
}

#[test]
fn a_clean_leave_reforms_at_once() {
    let mut net = formed(3);
    let left_at = net.now;
    net.input(NodeId(2), Input::Leave);
    net.up.remove(&NodeId(2));
    net.run_for(secs(1));
    for n in ids(&[1, 3]) {
        let c = net.last_change(n);
        assert_eq!(c.members, ids(&[1, 3]));
        assert!(
            c.at.saturating_since(left_at) < Duration::from_millis(100),
            "took {}",
            c.at.saturating_since(left_at)
        );
    }
}

#[test]
fn partitions_form_rings_of_their_own_and_merge_when_healed() {
    let mut net = formed(3);
    net.partitions = vec![
        ids(&[1]).into_iter().collect(),
        ids(&[2, 3]).into_iter().collect(),
    ];
    net.run_for(secs(15));
    assert_eq!(net.current(NodeId(1)).unwrap().1, ids(&[1]));
    assert_eq!(net.current(NodeId(2)).unwrap().1, ids(&[2, 3]));
    assert_eq!(net.current(NodeId(3)).unwrap().1, ids(&[2, 3]));
    let before = [1, 2, 3].map(|n| net.current(NodeId(n)).unwrap().0);
    net.partitions.clear();
    let healed_at = net.now;
    net.run_for(secs(5));
    let (ring, members) = net.current(NodeId(1)).unwrap();
    assert_eq!(members, ids(&[1, 2, 3]));
    assert!(
        before.iter().all(|&r| ring > r),
        "the merged ring is newer than both halves"
    );
    for n in ids(&[2, 3]) {
        assert_eq!(net.current(n), Some((ring, members.clone())));
    }
    let took = net.last_change(NodeId(1)).at.saturating_since(healed_at);
    assert!(took < Duration::from_millis(500), "merge took {took}");
}

#[test]
fn a_node_that_starts_late_joins_the_ring() {
    let mut net = Net::new(3);
    net.start(NodeId(1));
    net.start(NodeId(2));
    net.run_for(secs(2));
    assert_eq!(net.current(NodeId(1)).unwrap().1, ids(&[1, 2]));
    net.start(NodeId(3));
    net.run_for(secs(2));
    for n in ids(&[1, 2, 3]) {
        assert_eq!(net.current(n).unwrap().1, ids(&[1, 2, 3]), "node {n}");
    }
}

#[test]
fn members_deliver_casts_in_one_agreed_order() {
    let mut net = formed(3);
    for round in 0..20u32 {
        for n in 1..=3u32 {
            net.input(NodeId(n), Input::Cast(round * 10 + n));
        }
        net.run_for(Duration::from_millis(7 * u64::from(round % 5) + 1));
    }
    net.run_for(secs(2));
    let d1 = &net.delivered[&NodeId(1)];
    assert_eq!(d1.len(), 60);
    assert_eq!(&net.delivered[&NodeId(2)], d1);
    assert_eq!(&net.delivered[&NodeId(3)], d1);
    for n in 1..=3u32 {
        let own: Vec<u32> = d1
            .iter()
            .filter(|(f, _)| *f == NodeId(n))
            .map(|(_, p)| *p)
            .collect();
        let mut sorted = own.clone();
        sorted.sort();
        assert_eq!(own, sorted, "node {n}'s casts keep their order");
    }
}

#[test]
fn ring_ids_only_grow() {
    let mut net = formed(3);
    net.crash(NodeId(2));
    net.run_for(secs(12));
    net.start(NodeId(2));
    net.run_for(secs(3));
    net.partitions = vec![
        ids(&[1, 2]).into_iter().collect(),
        ids(&[3]).into_iter().collect(),
    ];
    net.run_for(secs(12));
    net.partitions.clear();
    net.run_for(secs(3));
    for (n, changes) in &net.changes {
        assert!(
            changes.len() >= 2,
            "node {n} saw several memberships: {changes:?}"
        );
        assert!(
            changes.windows(2).all(|w| w[0].ring < w[1].ring),
            "node {n}: {changes:?}"
        );
    }
    assert_eq!(net.current(NodeId(3)).unwrap().1, ids(&[1, 2, 3]));
}

#[test]
fn one_lost_token_is_retransmitted_without_a_membership_change() {
    let mut net = formed(3);
    let changes = net.changes[&NodeId(1)].len();
    net.drop_tokens = 1;
    net.run_for(secs(10));
    assert_eq!(
        net.changes[&NodeId(1)].len(),
        changes,
        "{:?}",
        net.changes[&NodeId(1)]
    );
}

/// Extended virtual synchrony: a message the token carried to some members
/// only before the ring broke reaches the others when the next ring forms,
/// before its membership, and once.
#[test]
fn messages_in_flight_at_a_ring_change_reach_every_survivor_first() {
    let mut net = formed(3);
    let installed = net.changes[&NodeId(3)].len();
    net.input(NodeId(1), Input::Cast(7));
    // As soon as node 1 has put the cast on the token, the token stops
    // reaching node 3.
    while !net.delivered.contains_key(&NodeId(1)) {
        net.run_for(Duration::from_micros(100));
    }
    net.cut_tokens_to = Some(NodeId(3));
    net.run_for(secs(1));
    assert_eq!(net.delivered[&NodeId(1)], [(NodeId(1), 7)]);
    assert_eq!(net.delivered[&NodeId(2)], [(NodeId(1), 7)]);
    assert!(
        !net.delivered.contains_key(&NodeId(3)),
        "the token never came"
    );
    // The token is lost; the three gather and form a new ring.
    net.run_for(secs(6));
    net.cut_tokens_to = None;
    net.run_for(secs(10));
    assert_eq!(net.current(NodeId(3)).unwrap().1, ids(&[1, 2, 3]));
    assert!(net.changes[&NodeId(3)].len() > installed);
    for n in ids(&[1, 2, 3]) {
        assert_eq!(net.delivered[&n], [(NodeId(1), 7)], "node {n}: once");
    }
    assert_eq!(
        net.delivered_in[&NodeId(3)],
        [installed],
        "delivered in the old ring's configuration, before the new one"
    );
}

/// Recovery is per old ring: members that come from different rings
/// recover only their own ring's messages.
#[test]
fn recovery_unites_what_each_old_ring_kept() {
    let r1 = RingId {
        seq: 8,
        rep: NodeId(1),
    };
    let r2 = RingId {
        seq: 12,
        rep: NodeId(3),
    };
    let kept = |ring, log: &[(u64, u32, u32)]| {
        Some(Retained {
            ring,
            log: log
                .iter()
                .map(|&(s, f, p)| Arc::new((s, NodeId(f), p)))
                .collect(),
        })
    };
    let old_of = BTreeMap::from([
        (NodeId(1), kept(r1, &[(4, 2, 40)])),
        (NodeId(2), kept(r1, &[(4, 2, 40), (5, 2, 50)])),
        (NodeId(3), kept(r2, &[(9, 3, 90)])),
        (NodeId(4), None),
    ]);
    let rec = recovery(&old_of);
    assert_eq!(rec.len(), 2);
    let seqs = |r: &RingId| rec[r].log.iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(seqs(&r1), [4, 5]);
    assert_eq!(seqs(&r2), [9]);
}
