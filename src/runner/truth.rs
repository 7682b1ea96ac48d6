//! The ground truth of a run: which primitive is active on which node, by
//! what the simulated agents do — never what any CIB believes.
//!
//! It is kept incrementally from the nodes' typed events (a primitive's
//! activity changed on a node) and from the kernel's records of nodes and
//! processes ending (a crash or power loss ends everything on the node at
//! once, with no event from the services, which are gone).

use std::collections::{BTreeMap, BTreeSet};

use sim::NodeId;

use crate::executor::Activity;

use super::build::RscKind;
use crate::scenario::Placement;

/// Primitive (history id) → node → what it does there.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    active: BTreeMap<String, BTreeMap<NodeId, Activity>>,
}

impl Truth {
    /// A primitive's activity on a node changed.
    pub fn set(&mut self, rsc: &str, node: NodeId, now: Option<Activity>) {
        match now {
            Some(a) => {
                self.active
                    .entry(rsc.to_string())
                    .or_default()
                    .insert(node, a);
            }
            None => {
                if let Some(m) = self.active.get_mut(rsc) {
                    m.remove(&node);
                    if m.is_empty() {
                        self.active.remove(rsc);
                    }
                }
            }
        }
    }

    /// Everything on `node` ended with it; returns the primitives it ran.
    pub fn end_node(&mut self, node: NodeId) -> Vec<String> {
        let mut ended = Vec::new();
        self.active.retain(|rsc, m| {
            if m.remove(&node).is_some() {
                ended.push(rsc.clone());
            }
            !m.is_empty()
        });
        ended
    }

    /// Every primitive and where it is active.
    pub fn all(&self) -> &BTreeMap<String, BTreeMap<NodeId, Activity>> {
        &self.active
    }

    /// Where a primitive is active.
    pub fn prim(&self, id: &str) -> Option<&BTreeMap<NodeId, Activity>> {
        self.active.get(id)
    }

    /// Whether a primitive is active on a node.
    pub fn on(&self, id: &str, node: NodeId) -> bool {
        self.active.get(id).is_some_and(|m| m.contains_key(&node))
    }

    /// The node where every member of a group is active, if there is one.
    pub fn group_node(&self, members: &[String]) -> Option<NodeId> {
        let first = self.active.get(members.first()?)?;
        first
            .keys()
            .copied()
            .find(|n| members.iter().all(|m| self.on(m, *n)))
    }

    /// The nodes where every primitive of a clone is active, with the role
    /// of the first.
    pub fn clone_nodes(&self, prims: &[String]) -> BTreeMap<NodeId, Activity> {
        self.clone_instances(prims).map(|(n, a)| (*n, *a)).collect()
    }

    /// The nodes where every primitive of a clone instance is active, with
    /// the first primitive's activity there.
    fn clone_instances<'a>(
        &'a self,
        prims: &'a [String],
    ) -> impl Iterator<Item = (&'a NodeId, &'a Activity)> + 'a {
        let first = prims.first().and_then(|p| self.active.get(p));
        first
            .into_iter()
            .flatten()
            .filter(move |(n, _)| prims.iter().all(|p| self.on(p, **n)))
    }

    /// How many instances of a scenario-named resource are active.
    pub fn count(&self, kinds: &BTreeMap<String, RscKind>, id: &str) -> usize {
        self.count_of(kinds.get(id), id)
    }

    /// [`Truth::count`] with the resource's kind already looked up.
    pub fn count_of(&self, kind: Option<&RscKind>, id: &str) -> usize {
        match kind {
            Some(RscKind::Group(members)) => usize::from(self.group_node(members).is_some()),
            // Counted without building the map `clone_nodes` returns: the
            // observer counts every named resource after every change.
            Some(RscKind::Clone { prims, .. }) => self.clone_instances(prims).count(),
            _ => self.active.get(id).map_or(0, |m| m.len()),
        }
    }

    /// Where a scenario-named resource is, as `running` expectations say it.
    pub fn placement(
        &self,
        names: &[String],
        kinds: &BTreeMap<String, RscKind>,
        id: &str,
    ) -> Placement {
        let name = |n: &NodeId| names[(n.0 - 1) as usize].clone();
        match kinds.get(id) {
            Some(RscKind::Clone {
                prims, promotable, ..
            }) => {
                let nodes = self.clone_nodes(prims);
                if *promotable {
                    let with = |role: Activity| {
                        nodes
                            .iter()
                            .filter(|(_, a)| **a == role)
                            .map(|(n, _)| name(n))
                            .collect()
                    };
                    Placement::Promotable {
                        promoted: with(Activity::Promoted),
                        unpromoted: with(Activity::Started),
                    }
                } else {
                    Placement::Nodes(nodes.keys().map(name).collect())
                }
            }
            Some(RscKind::Group(members)) => match self.group_node(members) {
                Some(n) => Placement::Node(name(&n)),
                None => {
                    let any: BTreeSet<String> = members
                        .iter()
                        .filter_map(|m| self.active.get(m))
                        .flat_map(|m| m.keys())
                        .map(name)
                        .collect();
                    if any.is_empty() {
                        Placement::Stopped
                    } else {
                        Placement::Nodes(any)
                    }
                }
            },
            _ => {
                let nodes: BTreeSet<String> = self
                    .active
                    .get(id)
                    .map(|m| m.keys().map(name).collect())
                    .unwrap_or_default();
                match nodes.len() {
                    0 => Placement::Stopped,
                    1 => Placement::Node(nodes.into_iter().next().expect("one")),
                    _ => Placement::Nodes(nodes),
                }
            }
        }
    }
}

/// How the format writes a placement.
pub fn show_placement(p: &Placement) -> String {
    match p {
        Placement::Node(n) => n.clone(),
        Placement::Stopped => "stopped".into(),
        Placement::Nodes(s) => show_set(s),
        Placement::Promotable {
            promoted,
            unpromoted,
        } => format!(
            "{{ promoted = {}, unpromoted = {} }}",
            show_set(promoted),
            show_set(unpromoted)
        ),
    }
}

/// `[a, b]`.
pub fn show_set(s: &BTreeSet<String>) -> String {
    format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", "))
}
