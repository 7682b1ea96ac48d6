//! The whole file checked into a [`Scenario`]: duration, seed, the cluster
//! (nodes, quorum, totem, network, agents), then each fault, expectation and
//! invariant in file order.

use std::collections::{BTreeMap, BTreeSet};

use sim::Duration;

use super::*;

impl Checker<'_> {
    pub(super) fn scenario(&self, raw: raw::File) -> R<Scenario> {
        let duration = self.duration(&raw.duration, "duration")?;
        if duration == Duration::ZERO {
            return Err(self.err(raw.duration.span(), "duration must be longer than zero"));
        }
        let seed = match &raw.seed {
            None => 1,
            Some(s) => u64::try_from(*s.get_ref()).map_err(|_| {
                self.err(
                    s.span(),
                    format!("seed must not be negative, not {}", s.get_ref()),
                )
            })?,
        };
        let name = raw
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| {
                self.path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });

        let cluster_span = raw.cluster.span();
        let cluster = raw.cluster.into_inner();
        let mut nodes = Vec::new();
        for n in cluster.nodes.get_ref() {
            let name = n.get_ref();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
            if !valid {
                return Err(self.err(
                    n.span(),
                    format!("'{name}' is not a node name (letters, digits, '-', '_', '.')"),
                ));
            }
            if nodes.contains(name) {
                return Err(self.err(n.span(), format!("node '{name}' is listed twice")));
            }
            nodes.push(name.clone());
        }
        if nodes.is_empty() {
            return Err(self.err(cluster.nodes.span(), "the cluster needs at least one node"));
        }
        if nodes.len() > 64 {
            return Err(self.err(
                cluster.nodes.span(),
                format!("{} nodes: at most 64 are supported", nodes.len()),
            ));
        }
        let _ = cluster_span;
        let base = self.path.parent().unwrap_or(Path::new("."));
        let cib = cluster.cib.as_ref().map(|c| Located {
            value: base.join(c.get_ref()),
            pos: self.pos(c.span()),
        });
        let setup = cluster
            .setup
            .iter()
            .map(|s| Located {
                value: s.get_ref().clone(),
                pos: self.pos(s.span()),
            })
            .collect();
        let quorum = self.quorum(&nodes, cluster.quorum.as_ref())?;
        let totem = self.totem(cluster.totem.as_ref())?;
        let network = self.network(raw.network.as_ref())?;

        let mut agents = BTreeMap::new();
        for (key, a) in raw.agents.iter().flatten() {
            let a = a.get_ref();
            let d = |s: &Option<raw::S<String>>, op: &str| {
                self.opt_duration(s, &format!("agents.{key}.{op}"))
            };
            agents.insert(
                key.clone(),
                AgentTimings {
                    start: d(&a.start, "start")?,
                    stop: d(&a.stop, "stop")?,
                    monitor: d(&a.monitor, "monitor")?,
                    promote: d(&a.promote, "promote")?,
                    demote: d(&a.demote, "demote")?,
                    off: d(&a.off, "off")?,
                    on: d(&a.on, "on")?,
                },
            );
        }

        let mut node_boot_default = Duration::from_secs(30);
        let mut node_boot = BTreeMap::new();
        for (k, v) in raw.node_boot.iter().flatten() {
            let d = self.duration(v, &format!("node_boot.{}", k.get_ref()))?;
            if k.get_ref() == "default" {
                node_boot_default = d;
            } else {
                node_boot.insert(self.node(&nodes, k, "node_boot")?, d);
            }
        }

        let mut faults = Vec::new();
        let mut invariants = BTreeSet::new();
        for (i, f) in raw.fault.iter().enumerate() {
            faults.push(self.fault(&nodes, duration, f)?);
            if let Some(list) = &f.get_ref().invariants {
                if i + 1 != raw.fault.len() {
                    return Err(self.err(
                        list.span(),
                        "`invariants` is a top-level key: write it before the first table or after the last",
                    ));
                }
                self.invariants(list, &mut invariants)?;
            }
        }
        let mut expects = Vec::new();
        for e in &raw.expect {
            expects.push(self.expect(&nodes, duration, e)?);
            if let Some(list) = &e.get_ref().invariants {
                self.invariants(list, &mut invariants)?;
            }
        }
        if let Some(list) = &raw.invariants {
            self.invariants(list, &mut invariants)?;
        }
        let explore = match &raw.explore {
            None => None,
            Some(e) => {
                if let Some(list) = &e.get_ref().invariants {
                    self.invariants(list, &mut invariants)?;
                }
                Some(self.explore(&nodes, duration, e)?)
            }
        };
        Ok(Scenario {
            file: self.path.to_path_buf(),
            name,
            seed,
            duration,
            nodes,
            cib,
            setup,
            quorum,
            totem,
            network,
            agents,
            node_boot_default,
            node_boot,
            faults,
            expects,
            invariants,
            explore,
        })
    }

    pub(super) fn invariants(
        &self,
        list: &raw::S<Vec<raw::S<String>>>,
        out: &mut BTreeSet<Invariant>,
    ) -> R<()> {
        for s in list.get_ref() {
            let inv = Invariant::ALL
                .iter()
                .find(|(n, _)| n == s.get_ref())
                .map(|(_, i)| *i)
                .ok_or_else(|| {
                    let names: Vec<&str> = Invariant::ALL.iter().map(|(n, _)| *n).collect();
                    self.err(
                        s.span(),
                        format!(
                            "unknown invariant '{}' (known: {})",
                            s.get_ref(),
                            names.join(", ")
                        ),
                    )
                })?;
            out.insert(inv);
        }
        Ok(())
    }

    pub(super) fn quorum(&self, nodes: &[String], q: Option<&raw::Quorum>) -> R<Quorum> {
        let Some(q) = q else {
            return Ok(Quorum::default());
        };
        let b = |v: &Option<raw::S<bool>>| v.as_ref().map(|s| *s.get_ref());
        let expected_votes = match &q.expected_votes {
            None => None,
            Some(s) => {
                let v = *s.get_ref();
                if !(1..=1024).contains(&v) {
                    return Err(self.err(
                        s.span(),
                        format!("expected_votes must be between 1 and 1024, not {v}"),
                    ));
                }
                Some(v as u32)
            }
        };
        let last_man_standing_window = match &q.last_man_standing_window {
            None => None,
            Some(s) => Some(match s.get_ref() {
                // corosync.conf writes it in milliseconds.
                toml::Value::Integer(ms) if *ms >= 0 => Duration::from_millis(*ms as u64),
                toml::Value::String(text) => duration::parse(text)
                    .map_err(|m| self.err(s.span(), format!("last_man_standing_window: {m}")))?,
                _ => return Err(self.err(
                    s.span(),
                    "last_man_standing_window must be a duration such as \"10s\" or milliseconds",
                )),
            }),
        };
        let auto_tie_breaker_node = match &q.auto_tie_breaker_node {
            None => TieBreakerNode::Lowest,
            Some(s) => match s.get_ref() {
                toml::Value::String(v) if v == "lowest" => TieBreakerNode::Lowest,
                toml::Value::String(v) if v == "highest" => TieBreakerNode::Highest,
                toml::Value::String(v) if nodes.contains(v) => TieBreakerNode::Nodes(vec![v.clone()]),
                toml::Value::Array(list) if !list.is_empty() => {
                    let mut out = Vec::new();
                    for item in list {
                        match item.as_str() {
                            Some(n) if nodes.iter().any(|m| m == n) && !out.iter().any(|m: &String| m == n) => {
                                out.push(n.to_string())
                            }
                            _ => {
                                return Err(self.err(
                                    s.span(),
                                    format!("auto_tie_breaker_node: '{item}' is not one of the cluster's nodes (or is listed twice)"),
                                ))
                            }
                        }
                    }
                    TieBreakerNode::Nodes(out)
                }
                other => {
                    return Err(self.err(
                        s.span(),
                        format!("auto_tie_breaker_node must be \"lowest\", \"highest\" or a list of node names, not {other}"),
                    ))
                }
            },
        };
        Ok(Quorum {
            expected_votes,
            two_node: b(&q.two_node).unwrap_or(false),
            wait_for_all: b(&q.wait_for_all),
            last_man_standing: b(&q.last_man_standing).unwrap_or(false),
            last_man_standing_window,
            auto_tie_breaker: b(&q.auto_tie_breaker).unwrap_or(false),
            auto_tie_breaker_node,
        })
    }

    pub(super) fn totem(&self, t: Option<&raw::Totem>) -> R<Totem> {
        let Some(t) = t else {
            return Ok(Totem::default());
        };
        let positive = |s: &Option<raw::S<String>>, what: &str| -> R<Option<Duration>> {
            let d = self.opt_duration(s, what)?;
            if d == Some(Duration::ZERO) {
                return Err(self.err(
                    s.as_ref().expect("set").span(),
                    format!("{what} must be longer than zero"),
                ));
            }
            Ok(d)
        };
        let retransmits = match &t.token_retransmits_before_loss_const {
            None => None,
            Some(s) => {
                let v = *s.get_ref();
                if !(1..=100).contains(&v) {
                    return Err(self.err(
                        s.span(),
                        format!("token_retransmits_before_loss_const must be between 1 and 100, not {v}"),
                    ));
                }
                Some(v as u32)
            }
        };
        Ok(Totem {
            token: positive(&t.token, "token")?,
            token_coefficient: self.opt_duration(&t.token_coefficient, "token_coefficient")?,
            join: positive(&t.join, "join")?,
            consensus: positive(&t.consensus, "consensus")?,
            token_retransmits_before_loss_const: retransmits,
        })
    }

    pub(super) fn network(&self, n: Option<&raw::Network>) -> R<Network> {
        let mut net = Network::default();
        let Some(n) = n else { return Ok(net) };
        if let Some(l) = &n.latency {
            let [lo, hi] = l.get_ref().as_slice() else {
                return Err(self.err(
                    l.span(),
                    "latency must be a range of two durations, e.g. [\"0.5ms\", \"2ms\"]",
                ));
            };
            let (lo_d, hi_d) = (self.duration(lo, "latency")?, self.duration(hi, "latency")?);
            if lo_d > hi_d {
                return Err(self.err(
                    l.span(),
                    format!(
                        "latency range is upside down: {} > {}",
                        lo.get_ref(),
                        hi.get_ref()
                    ),
                ));
            }
            if hi_d > Duration::from_secs(60) {
                return Err(self.err(hi.span(), "latency above one minute is not a network"));
            }
            net.latency = (lo_d, hi_d);
        }
        if let Some(p) = &n.loss {
            net.loss = self.probability(p, "loss")?;
            if net.loss >= 1.0 {
                return Err(self.err(
                    p.span(),
                    "loss = 1 drops every message: use a partition instead",
                ));
            }
        }
        Ok(net)
    }
}
