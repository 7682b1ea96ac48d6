//! votequorum rules as text tables (`tables/*.txt`), one per option.
//!
//! A table starts with `config` and then lists steps, each with what must
//! hold afterwards:
//!
//! ```text
//! config nodes=1,2,3 two_node wait_for_all=0 lms lms_window=10s atb atb_node=lowest expected_votes=4 votes=1:2
//! up [1,2] [3]   => quorate=1,2 quorum=2@1 expected=3@1
//! wait 10s       => quorate=1,2
//! ```
//!
//! `up` lays out the partitions (a node in no list has its stack down and
//! starts afresh when it next appears); `wait` advances virtual time,
//! firing timers. `quorate` lists exactly the running nodes that have quorum
//! (`-` for none); `quorum=N@node` and `expected=N@node` check one node.

use std::collections::BTreeMap;

use super::*;

const TABLES: &[(&str, &str)] = &[
    ("basic", include_str!("tables/basic.txt")),
    ("two_node", include_str!("tables/two_node.txt")),
    ("wait_for_all", include_str!("tables/wait_for_all.txt")),
    (
        "last_man_standing",
        include_str!("tables/last_man_standing.txt"),
    ),
    (
        "auto_tie_breaker",
        include_str!("tables/auto_tie_breaker.txt"),
    ),
    ("votes", include_str!("tables/votes.txt")),
];

/// Every node's votequorum, wired as the membership layer would wire them.
struct Cluster {
    cfg: Effective,
    now: Instant,
    running: BTreeMap<NodeId, Votequorum>,
    partitions: Vec<Vec<NodeId>>,
}

impl Cluster {
    fn new(cfg: Effective) -> Cluster {
        Cluster {
            cfg,
            now: Instant::from_nanos(0),
            running: BTreeMap::new(),
            partitions: Vec::new(),
        }
    }

    fn partition_of(&self, n: NodeId) -> Option<&Vec<NodeId>> {
        self.partitions.iter().find(|p| p.contains(&n))
    }

    /// Forms these partitions: nodes whose partition changed go through a
    /// membership change and a sync within their new partition.
    fn up(&mut self, partitions: Vec<Vec<NodeId>>) {
        let listed: Vec<NodeId> = partitions.iter().flatten().copied().collect();
        self.running.retain(|n, _| listed.contains(n));
        let old = std::mem::replace(&mut self.partitions, partitions.clone());
        for group in &partitions {
            let changed = group.iter().any(|n| {
                !self.running.contains_key(n) || old.iter().find(|p| p.contains(n)) != Some(group)
            });
            if !changed {
                continue;
            }
            for &n in group {
                let (cfg, now) = (&self.cfg, self.now);
                self.running
                    .entry(n)
                    .or_insert_with(|| Votequorum::new(cfg, n, now));
            }
            let mut infos = Vec::new();
            for &n in group {
                let q = self.running.get_mut(&n).unwrap();
                for o in q.handle(
                    self.now,
                    Input::Membership {
                        members: group.clone(),
                    },
                ) {
                    if let Output::Broadcast(info) = o {
                        infos.push(info);
                    }
                }
            }
            for info in infos {
                for &n in group {
                    let q = self.running.get_mut(&n).unwrap();
                    assert!(q.handle(self.now, Input::NodeInfo(info)).is_empty());
                }
            }
            for &n in group {
                let out = self
                    .running
                    .get_mut(&n)
                    .unwrap()
                    .handle(self.now, Input::SyncDone);
                assert!(
                    matches!(out.as_slice(), [Output::Quorum { members, .. }] if members == group)
                );
            }
        }
    }

    /// Advances time, waking every node whose timer expires on the way.
    fn wait(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            let next = self
                .running
                .values()
                .filter_map(|q| q.next_deadline())
                .filter(|&t| t <= end)
                .min();
            let Some(t) = next else { break };
            self.now = t;
            for q in self.running.values_mut() {
                if q.next_deadline().is_some_and(|d| d <= t) {
                    q.handle(t, Input::Wake);
                }
            }
        }
        self.now = end;
    }
}

fn parse_ids(s: &str) -> Vec<NodeId> {
    if s == "-" {
        return Vec::new();
    }
    s.split(',')
        .map(|x| {
            NodeId(
                x.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("bad node id {x:?}")),
            )
        })
        .collect()
}

fn parse_duration(s: &str) -> Duration {
    if let Some(ms) = s.strip_suffix("ms") {
        Duration::from_millis(ms.parse().unwrap())
    } else if let Some(secs) = s.strip_suffix('s') {
        Duration::from_secs(secs.parse().unwrap())
    } else {
        panic!("bad duration {s:?}")
    }
}

fn parse_config(words: &[&str]) -> Config {
    let mut cfg = Config::for_nodes([]);
    for w in words {
        let (k, v) = w.split_once('=').unwrap_or((w, "1"));
        match k {
            "nodes" => cfg.nodes = parse_ids(v).into_iter().map(|n| (n, 1)).collect(),
            "votes" => {
                for pair in v.split(',') {
                    let (n, votes) = pair.split_once(':').expect("votes=node:votes");
                    let n = NodeId(n.parse().unwrap());
                    let slot = cfg
                        .nodes
                        .iter_mut()
                        .find(|(m, _)| *m == n)
                        .expect("votes of a listed node");
                    slot.1 = votes.parse().unwrap();
                }
            }
            "expected_votes" => cfg.expected_votes = Some(v.parse().unwrap()),
            "two_node" => cfg.two_node = v == "1",
            "wait_for_all" => cfg.wait_for_all = Some(v == "1"),
            "lms" => cfg.last_man_standing = v == "1",
            "lms_window" => cfg.last_man_standing_window = parse_duration(v),
            "atb" => cfg.auto_tie_breaker = v == "1",
            "atb_node" => {
                cfg.auto_tie_breaker_node = match v {
                    "lowest" => TieBreaker::Lowest,
                    "highest" => TieBreaker::Highest,
                    list => TieBreaker::List(parse_ids(list)),
                }
            }
            other => panic!("unknown config key {other:?}"),
        }
    }
    cfg
}

fn parse_partitions(s: &str) -> Vec<Vec<NodeId>> {
    s.split(']')
        .map(|p| p.trim().trim_start_matches('['))
        .filter(|p| !p.is_empty())
        .map(parse_ids)
        .collect()
}

fn check(cluster: &Cluster, expect: &str, table: &str, line_no: usize) {
    for token in expect.split_whitespace() {
        let (k, v) = token
            .split_once('=')
            .unwrap_or_else(|| panic!("{table}:{line_no}: bad expectation {token:?}"));
        let at = |v: &str| -> (u32, &Votequorum) {
            let (num, node) = v.split_once('@').expect("N@node");
            let node = NodeId(node.parse().unwrap());
            let q = cluster
                .running
                .get(&node)
                .unwrap_or_else(|| panic!("{table}:{line_no}: node {node} is down"));
            (num.parse().unwrap(), q)
        };
        match k {
            "quorate" => {
                let want = parse_ids(v);
                let got: Vec<NodeId> = cluster
                    .running
                    .iter()
                    .filter(|(_, q)| q.is_quorate())
                    .map(|(n, _)| *n)
                    .collect();
                assert_eq!(got, want, "{table}:{line_no}: quorate nodes");
            }
            "quorum" => {
                let (n, q) = at(v);
                assert_eq!(q.quorum(), n, "{table}:{line_no}: quorum of {v}");
            }
            "expected" => {
                let (n, q) = at(v);
                assert_eq!(
                    q.expected_votes(),
                    n,
                    "{table}:{line_no}: expected votes of {v}"
                );
            }
            other => panic!("{table}:{line_no}: unknown expectation {other:?}"),
        }
    }
}

fn run_table(name: &str, text: &str) -> usize {
    let mut cluster: Option<Cluster> = None;
    let mut steps = 0;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let (step, expect) = line.split_once("=>").unwrap_or((line, ""));
        let words: Vec<&str> = step.split_whitespace().collect();
        match words[0] {
            "config" => {
                let cfg = Effective::resolve(&parse_config(&words[1..]))
                    .unwrap_or_else(|e| panic!("{name}:{line_no}: {e}"));
                cluster = Some(Cluster::new(cfg));
            }
            "up" => {
                let c = cluster.as_mut().expect("config first");
                c.up(parse_partitions(step.trim_start().trim_start_matches("up")));
            }
            "wait" => cluster
                .as_mut()
                .expect("config first")
                .wait(parse_duration(words[1])),
            other => panic!("{name}:{line_no}: unknown step {other:?}"),
        }
        let c = cluster.as_ref().expect("config first");
        for n in c.running.keys() {
            assert!(c.partition_of(*n).is_some());
        }
        check(c, expect, name, line_no);
        steps += 1;
    }
    steps
}

#[test]
fn votequorum_tables() {
    for (name, text) in TABLES {
        let steps = run_table(name, text);
        assert!(steps > 3, "table {name} has too few steps");
    }
}

#[test]
fn config_errors_and_downgrades() {
    let ids = |v: &[u32]| v.iter().map(|&n| NodeId(n)).collect::<Vec<_>>();
    assert_eq!(
        Effective::resolve(&Config::for_nodes([])),
        Err(ConfigError::NoVotes)
    );
    let mut c = Config::for_nodes(ids(&[1, 1]));
    assert_eq!(
        Effective::resolve(&c),
        Err(ConfigError::DuplicateNode(NodeId(1)))
    );
    c = Config::for_nodes(ids(&[1, 2, 3]));
    c.auto_tie_breaker = true;
    c.last_man_standing = true;
    assert_eq!(Effective::resolve(&c), Err(ConfigError::AtbLmsOddCluster));
    c.last_man_standing = false;
    let e = Effective::resolve(&c).unwrap();
    assert!(e.tie_breaker.is_none() && e.warnings.len() == 1, "{e:?}");
    c.wait_for_all = Some(true);
    assert!(Effective::resolve(&c).unwrap().tie_breaker.is_some());
    let mut two = Config::for_nodes(ids(&[1, 2]));
    two.two_node = true;
    let e = Effective::resolve(&two).unwrap();
    assert!(e.two_node && e.wait_for_all);
    two.auto_tie_breaker = true;
    let e = Effective::resolve(&two).unwrap();
    assert!(
        !e.two_node,
        "two_node and auto_tie_breaker: two_node is disabled"
    );
    two.expected_votes = Some(0);
    assert_eq!(Effective::resolve(&two), Err(ConfigError::ZeroExpected));
}
