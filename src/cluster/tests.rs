//! Stacks driven directly, wired by a small network of their own (every
//! packet takes a millisecond; knet's packets can be cut between two
//! nodes), to check what the stack itself does: when corosync and the
//! controller come up, that votequorum and the controller hear of a
//! membership through the sync barrier, and that knet gates totem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sim::{Duration, Input, Instant, NodeId, Output};

use super::stack::{CONTROLLER_START, COROSYNC_START};
use super::{ClusterEvent, Msg, Stack};

const LATENCY: Duration = Duration::from_millis(1);

/// Stacks and the packets between them.
struct Net {
    stacks: Vec<Stack>,
    now: Instant,
    /// Packets in flight by arrival time, then sending order.
    wire: BTreeMap<(Instant, u64), (NodeId, NodeId, Msg)>,
    sent: u64,
    /// Pairs (lower id first) between which knet's heartbeats are lost;
    /// totem's packets still pass, should a stack send them.
    knet_cut: BTreeSet<(NodeId, NodeId)>,
    events: Vec<(Instant, NodeId, ClusterEvent)>,
    /// Totem packets sent, by (from, to).
    totem_sent: BTreeMap<(NodeId, NodeId), u32>,
}

fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}

impl Net {
    /// `n` stacks of an empty cluster, none started.
    fn new(n: usize) -> Net {
        let nodes: Vec<String> = (1..=n).map(|i| format!("\"node{i}\"")).collect();
        let text = format!(
            "name = \"stack tests\"\nseed = 1\nduration = \"5m\"\n\n[cluster]\nnodes = [{}]\n",
            nodes.join(", ")
        );
        let scenario = crate::scenario::parse(&text, Path::new("stack-tests.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let spec = crate::runner::build(&scenario)
            .unwrap_or_else(|e| panic!("{e}"))
            .spec;
        let stacks = (1..=n as u32)
            .map(|i| Stack::new(&spec, NodeId(i), Instant::ZERO, [i as u8; 32], None))
            .collect();
        Net {
            stacks,
            now: Instant::ZERO,
            wire: BTreeMap::new(),
            sent: 0,
            knet_cut: BTreeSet::new(),
            events: Vec::new(),
            totem_sent: BTreeMap::new(),
        }
    }

    fn stack(&self, n: u32) -> &Stack {
        &self.stacks[n as usize - 1]
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Msg) {
        if matches!(msg, Msg::Totem(_)) {
            *self.totem_sent.entry((from, to)).or_default() += 1;
        }
        self.sent += 1;
        self.wire
            .insert((self.now + LATENCY, self.sent), (from, to, msg));
    }

    /// Feeds one stack and routes what it says.
    fn feed(&mut self, n: NodeId, input: Input<Msg>) -> usize {
        let outs = self.stacks[n.0 as usize - 1].handle(self.now, input);
        let count = outs.len();
        for o in outs {
            match o {
                Output::Send { to, msg } => self.send(n, to, msg),
                Output::Broadcast(msg) => {
                    for to in (1..=self.stacks.len() as u32).map(NodeId) {
                        if to != n {
                            self.send(n, to, msg.clone());
                        }
                    }
                }
                Output::Event(e) => self.events.push((self.now, n, e)),
                _ => {}
            }
        }
        count
    }

    fn start_all(&mut self) {
        for n in 1..=self.stacks.len() as u32 {
            self.feed(NodeId(n), Input::Start);
        }
    }

    /// Delivers packets and fires timers, in time order, up to `end`.
    fn run_until(&mut self, end: Instant) {
        loop {
            let packet = self.wire.keys().next().map(|&(t, _)| t);
            let wake = self.stacks.iter().filter_map(Stack::next_deadline).min();
            let Some(t) = packet.into_iter().chain(wake).min().filter(|&t| t <= end) else {
                break;
            };
            self.now = t;
            if packet == Some(t) {
                let (_, (from, to, msg)) = self.wire.pop_first().expect("a packet");
                let lost = matches!(msg, Msg::Knet(_)) && self.knet_cut.contains(&pair(from, to));
                if !lost {
                    self.feed(to, Input::Message { from, msg });
                }
            } else {
                for n in 1..=self.stacks.len() as u32 {
                    if self.stack(n).next_deadline().is_some_and(|d| d <= t) {
                        self.feed(NodeId(n), Input::Wake);
                    }
                }
            }
        }
        self.now = end;
    }

    fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    fn members(&self, n: u32) -> Vec<u32> {
        self.stack(n).members().iter().map(|m| m.0).collect()
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn corosync_comes_up_after_its_start_delay_and_forms_one_ring() {
    let mut net = Net::new(3);
    for n in 1..=3 {
        assert_eq!(net.feed(NodeId(n), Input::Start), 0, "nothing at once");
        assert_eq!(
            net.stack(n).next_deadline(),
            Some(Instant::ZERO + COROSYNC_START)
        );
    }
    net.run_until(Instant::ZERO + (COROSYNC_START - LATENCY));
    assert!(net.wire.is_empty() && net.events.is_empty());
    assert!(net.members(1).is_empty());

    net.run_for(secs(20));
    let ring = net.stack(1).ring().expect("operational");
    for n in 1..=3 {
        assert_eq!(net.members(n), [1, 2, 3], "node{n}");
        assert_eq!(net.stack(n).ring(), Some(ring), "node{n}");
        assert!(net.stack(n).quorate(), "node{n}");
    }
    let first = net
        .events
        .iter()
        .find(|(_, _, e)| matches!(e, ClusterEvent::Membership { .. }))
        .expect("a membership");
    assert!(first.0 >= Instant::ZERO + COROSYNC_START);
}

#[test]
fn votequorum_decides_once_every_members_information_is_delivered() {
    // Four nodes, so that quorum (three votes) needs two members'
    // information besides a node's own: a verdict taken on the first
    // delivery would be "not quorate", and nothing would revise it.
    let mut net = Net::new(4);
    net.start_all();
    net.run_for(secs(20));
    for n in (1..=4).map(NodeId) {
        assert!(net.stack(n.0).quorate(), "{n}");
        let mine: Vec<&(Instant, NodeId, ClusterEvent)> =
            net.events.iter().filter(|(_, m, _)| *m == n).collect();
        let quorate = mine
            .iter()
            .position(|(_, _, e)| *e == ClusterEvent::Quorate(true))
            .expect("quorate at last");
        // The membership that made it quorate came before, and its verdict
        // only after the other members' information crossed the network.
        let (at, _, membership) = mine[..quorate]
            .iter()
            .rev()
            .find(|(_, _, e)| matches!(e, ClusterEvent::Membership { .. }))
            .expect("a membership before quorum");
        let ClusterEvent::Membership { members, .. } = membership else {
            unreachable!()
        };
        assert!(members.len() >= 3, "{n}: two votes of four are no quorum");
        assert!(
            mine[quorate].0 >= *at + LATENCY,
            "{n}: decided before synced"
        );
    }
}

#[test]
fn the_controllers_hear_the_membership_and_elect_one_dc() {
    let mut net = Net::new(3);
    net.start_all();
    net.run_until(Instant::ZERO + (CONTROLLER_START - LATENCY));
    assert!(net
        .events
        .iter()
        .all(|(_, _, e)| *e != ClusterEvent::Elected));
    // A controller that never heard of its peers would elect itself.
    net.run_for(secs(60));
    let elected: Vec<NodeId> = net
        .events
        .iter()
        .filter(|(_, _, e)| *e == ClusterEvent::Elected)
        .map(|(_, n, _)| *n)
        .collect();
    assert_eq!(elected.len(), 1, "one DC: {elected:?}");
    let dc = elected[0].0;
    assert!(net.stack(dc).controller().is_dc());
}

#[test]
fn totem_packets_pass_only_over_links_knet_has_up() {
    let mut net = Net::new(3);
    net.start_all();
    net.run_for(secs(20));
    assert_eq!(net.members(1), [1, 2, 3]);

    // knet's heartbeats between node1 and the others are lost; totem's
    // packets would still pass, but knet declares the links down and the
    // stacks neither send nor take totem packets over them.
    net.knet_cut = [(NodeId(1), NodeId(2)), (NodeId(1), NodeId(3))].into();
    net.run_for(secs(20));
    assert_eq!(net.members(1), [1]);
    assert_eq!(net.members(2), [2, 3]);
    assert_eq!(net.members(3), [2, 3]);
    assert!(!net.stack(1).quorate());
    assert!(net.stack(2).quorate());
    let sent_then = net.totem_sent.clone();
    net.run_for(secs(20));
    for to in [2, 3] {
        let key = (NodeId(1), NodeId(to));
        assert_eq!(
            net.totem_sent.get(&key),
            sent_then.get(&key),
            "node1 sent totem to node{to} over a link that is down"
        );
    }
    // A merge probe from node2's ring would send node1 gathering, were
    // it let in over the down link.
    let ours = net.stack(1).ring();
    let probe = crate::membership::Msg::MergeDetect {
        ring: net.stack(2).ring().expect("node2 operational"),
    };
    let from = NodeId(2);
    let said = net.feed(
        NodeId(1),
        Input::Message {
            from,
            msg: Msg::Totem(probe),
        },
    );
    assert_eq!(said, 0, "node1 answered totem from a down link");
    assert_eq!(
        net.stack(1).ring(),
        ours,
        "node1 took totem from a down link"
    );

    // The heartbeats get through again: the links come up, one ring.
    net.knet_cut.clear();
    net.run_for(secs(20));
    for n in 1..=3 {
        assert_eq!(net.members(n), [1, 2, 3], "node{n}");
        assert!(net.stack(n).quorate(), "node{n}");
    }
}
