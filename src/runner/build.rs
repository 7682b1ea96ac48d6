//! From a checked scenario to a cluster ready to run: the CIB (the file's
//! configuration, the cluster's nodes, the `setup` commands), the corosync
//! options, the power switches behind the fencing devices, and the checks
//! that need the configuration (resource and device ids).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sim::{DeviceId, DeviceSpec, Duration, LinkParams, NodeId};

use crate::cib::{self, Cib, NodeConfig, Resource};
use crate::cluster::Spec;
use crate::executor::Timings;
use crate::fencer::Registry;
use crate::scenario::{
    Event, Expect, FaultAction, Located, Pos, Scenario, ScenarioError, TieBreakerNode,
};
use crate::{membership, quorum};

/// Seconds since the epoch at virtual time zero (2026-01-01T00:00:00Z):
/// fixed, so that runs do not depend on the day.
pub const EPOCH_BASE: i64 = 1_767_225_600;

/// Everything a run is built from.
pub struct Built {
    /// The nodes' common specification.
    pub spec: Spec,
    /// Link parameters of the network.
    pub link: LinkParams,
    /// Boot time per node.
    pub boot: Vec<Duration>,
    /// The power switches.
    pub devices: Vec<(DeviceId, DeviceSpec)>,
    /// The configuration once every `pcs` fault has been applied: every
    /// resource the run may name.
    pub later: Cib,
}

fn error(s: &Scenario, pos: Option<Pos>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        file: s.file.clone(),
        pos,
        message: message.into(),
    }
}

/// Builds the cluster of a scenario, or says what in the file is wrong.
pub fn build(s: &Scenario) -> Result<Built, ScenarioError> {
    let (cib, later) = initial_cib(s)?;
    check_ids(s, &later)?;
    let registry = Registry::from_cib(&cib).map_err(|e| {
        error(
            s,
            s.cib.as_ref().map(|c| c.pos),
            format!("the fencing configuration is unusable: {e}"),
        )
    })?;
    let ids: Vec<NodeId> = (1..=s.nodes.len() as u32).map(NodeId).collect();
    let id_of = |n: &str| {
        s.nodes
            .iter()
            .position(|x| x == n)
            .map(|i| NodeId(i as u32 + 1))
    };
    let q = &s.quorum;
    let mut qc = quorum::Config::for_nodes(ids.iter().copied());
    qc.expected_votes = q.expected_votes;
    qc.two_node = q.two_node;
    qc.wait_for_all = q.wait_for_all;
    qc.last_man_standing = q.last_man_standing;
    if let Some(w) = q.last_man_standing_window {
        qc.last_man_standing_window = w;
    }
    qc.auto_tie_breaker = q.auto_tie_breaker;
    qc.auto_tie_breaker_node = match &q.auto_tie_breaker_node {
        TieBreakerNode::Lowest => quorum::TieBreaker::Lowest,
        TieBreakerNode::Highest => quorum::TieBreaker::Highest,
        TieBreakerNode::Nodes(ns) => {
            quorum::TieBreaker::List(ns.iter().filter_map(|n| id_of(n)).collect())
        }
    };
    let effective = quorum::Effective::resolve(&qc)
        .map_err(|e| error(s, None, format!("[cluster.quorum]: {e}")))?;
    let t = &s.totem;
    let mut totem = membership::Config::default();
    if let Some(v) = t.token {
        totem.token = v;
    }
    if let Some(v) = t.token_coefficient {
        totem.token_coefficient = v;
    }
    if let Some(v) = t.join {
        totem.join = v;
    }
    totem.consensus = t.consensus;
    if let Some(v) = t.token_retransmits_before_loss_const {
        totem.token_retransmits_before_loss_const = v;
    }
    let timings = Timings(s.agents.clone());
    let fence_time = |dev: &str, agent: &str, off: bool| {
        [dev, agent, "default"]
            .iter()
            .find_map(|k| {
                s.agents
                    .get(*k)
                    .and_then(|a| if off { a.off } else { a.on })
            })
            .unwrap_or(Duration::from_secs(1))
    };
    let devices = registry
        .devices
        .iter()
        .map(|d| {
            let outlets: Vec<(String, NodeId)> = d
                .outlets(&s.nodes)
                .into_iter()
                .filter_map(|(port, node)| id_of(&node).map(|id| (port, id)))
                .collect();
            let mut spec = DeviceSpec::new(outlets);
            spec.off = fence_time(&d.id, &d.agent, true);
            spec.on = fence_time(&d.id, &d.agent, false);
            (DeviceId::new(d.id.clone()), spec)
        })
        .collect();
    let boot = s
        .nodes
        .iter()
        .map(|n| s.node_boot.get(n).copied().unwrap_or(s.node_boot_default))
        .collect();
    Ok(Built {
        spec: Spec {
            names: s.nodes.clone(),
            totem,
            quorum: effective,
            cib: Arc::new(cib),
            timings,
            epoch_base: EPOCH_BASE,
        },
        link: LinkParams::new(s.network.latency.0, s.network.latency.1, s.network.loss),
        boot,
        devices,
        later,
    })
}

/// The file's configuration (status dropped), a `<node>` for every cluster
/// node, then the `setup` commands; and the same with every `pcs` fault
/// applied too.
fn initial_cib(s: &Scenario) -> Result<(Cib, Cib), ScenarioError> {
    let mut cib = match &s.cib {
        Some(Located { value: path, pos }) => cib::load(path)
            .map_err(|e| error(s, Some(*pos), format!("cib {}: {e}", path.display())))?,
        None => cib::from_str(cib::EMPTY_CIB).expect("the empty CIB parses"),
    };
    cib.status = Default::default();
    // A node of the configuration the simulation does not run would be
    // fenced at startup, and with nothing to fence it the cluster stalls.
    if let Some(extra) = cib
        .configuration
        .nodes
        .iter()
        .filter(|n| n.kind.as_deref().is_none_or(|k| k == "member"))
        .find(|n| !s.nodes.contains(&n.uname))
    {
        return Err(error(
            s,
            s.cib.as_ref().map(|c| c.pos),
            format!(
                "the CIB has node `{}`, which [cluster] nodes does not list",
                extra.uname
            ),
        ));
    }
    let taken: BTreeSet<String> = cib
        .configuration
        .nodes
        .iter()
        .map(|n| n.id.clone())
        .collect();
    let mut next_id = 1u32;
    for name in &s.nodes {
        if cib.configuration.nodes.iter().any(|n| n.uname == *name) {
            continue;
        }
        while taken.contains(&next_id.to_string()) {
            next_id += 1;
        }
        cib.config_mut().nodes.push(NodeConfig {
            id: next_id.to_string(),
            uname: name.clone(),
            ..Default::default()
        });
        next_id += 1;
    }
    for line in &s.setup {
        crate::pcs::run(&mut cib, &line.value)
            .map_err(|e| error(s, Some(line.pos), format!("setup: {e}")))?;
    }
    // Every configuration change a run makes is checked here first, in
    // order, so that a command that cannot work is an error in the file.
    let mut later = cib.clone();
    for f in &s.faults {
        let line = match &f.action {
            FaultAction::Pcs(l) => l.value.clone(),
            FaultAction::Standby(n) => format!("pcs node standby {n}"),
            FaultAction::Unstandby(n) => format!("pcs node unstandby {n}"),
            _ => continue,
        };
        crate::pcs::run(&mut later, &line).map_err(|e| error(s, Some(f.pos), e.to_string()))?;
    }
    Ok((cib, later))
}

/// Resource ids as a scenario may name them, with what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RscKind {
    /// A primitive (`stonith` ones included).
    Primitive {
        /// Whether it is a fencing device.
        stonith: bool,
    },
    /// A group, with its members.
    Group(Vec<String>),
    /// A clone of a primitive or group.
    Clone {
        /// The primitive ids inside.
        prims: Vec<String>,
        /// Whether promotable.
        promotable: bool,
        /// `clone-max` if set.
        max: Option<u32>,
        /// `clone-node-max` (1).
        node_max: u32,
        /// `promoted-max` (1).
        promoted_max: u32,
    },
}

/// Every resource id of the configuration (clone children included).
pub fn resource_kinds(cib: &Cib) -> BTreeMap<String, RscKind> {
    let mut out = BTreeMap::new();
    fn meta(sets: &[cib::NvSet], names: &[&str]) -> Option<String> {
        sets.iter()
            .flat_map(|s| s.pairs.iter())
            .find(|p| names.contains(&p.name.as_str()))
            .and_then(|p| p.value.clone())
    }
    for r in &cib.configuration.resources {
        match r {
            Resource::Primitive(p) => {
                out.insert(
                    p.id.clone(),
                    RscKind::Primitive {
                        stonith: p.class.as_deref() == Some("stonith"),
                    },
                );
            }
            Resource::Group(g) => {
                for m in &g.members {
                    out.insert(m.id.clone(), RscKind::Primitive { stonith: false });
                }
                out.insert(
                    g.id.clone(),
                    RscKind::Group(g.members.iter().map(|m| m.id.clone()).collect()),
                );
            }
            Resource::Clone(c) => {
                let prims: Vec<String> = match c.child.as_ref() {
                    Resource::Primitive(p) => vec![p.id.clone()],
                    Resource::Group(g) => g.members.iter().map(|m| m.id.clone()).collect(),
                    _ => Vec::new(),
                };
                let promotable = crate::scheduler::unpack::clone_is_promotable(c);
                let kind = RscKind::Clone {
                    prims: prims.clone(),
                    promotable,
                    max: meta(&c.meta, &["clone-max"]).and_then(|v| v.parse().ok()),
                    node_max: meta(&c.meta, &["clone-node-max"])
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1),
                    promoted_max: meta(&c.meta, &["promoted-max", "master-max"])
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1),
                };
                out.insert(c.child.id().to_string(), kind.clone());
                for p in &prims {
                    out.entry(p.clone()).or_insert(kind.clone());
                }
                out.insert(c.id.clone(), kind);
            }
            _ => {}
        }
    }
    out
}

/// Resource and device ids named by faults and expectations must exist.
fn check_ids(s: &Scenario, cib: &Cib) -> Result<(), ScenarioError> {
    let kinds = resource_kinds(cib);
    let rsc = |l: &Located<String>| {
        if kinds.contains_key(&l.value) {
            Ok(())
        } else {
            Err(error(
                s,
                Some(l.pos),
                format!("no resource `{}` in the configuration", l.value),
            ))
        }
    };
    for f in &s.faults {
        match &f.action {
            FaultAction::ResourceFail { rsc: r, .. } => rsc(r)?,
            FaultAction::FenceDevice { device, .. }
                if kinds.get(&device.value) != Some(&RscKind::Primitive { stonith: true }) =>
            {
                return Err(error(
                    s,
                    Some(device.pos),
                    format!("no fencing device `{}` in the configuration", device.value),
                ));
            }
            _ => {}
        }
    }
    for e in &s.expects {
        match e {
            Expect::Point { running, .. } => {
                for (id, placement) in running {
                    rsc(&Located {
                        value: id.clone(),
                        pos: placement.pos,
                    })?;
                }
            }
            Expect::Event {
                event: Event::Recovered(r),
                ..
            } => rsc(r)?,
            _ => {}
        }
    }
    Ok(())
}
