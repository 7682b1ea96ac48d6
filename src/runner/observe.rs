//! Watching a run after every event: the ground truth of where services
//! are active, the invariants of SCENARIO-FORMAT.md, the events that event
//! expectations wait for, and the timeline.
//!
//! Ground truth is read from the nodes' `resources` groups (what the
//! simulated agents have running), never from a CIB: a service counts as
//! active on a node while its agent says so and the node is up. The
//! observer looks only at steps whose trace records could change what it
//! tracks, so that the cost of watching stays small next to the run.

use std::collections::{BTreeMap, BTreeSet};

use sim::{Addr, Duration, Instant, NodeId, PowerState, Sim, TraceEvent};

use crate::cluster::{Process, RESOURCES, STACK};
use crate::executor::{Activity, Timings};
use crate::scenario::Invariant;

use super::build::RscKind;

/// What event expectations wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A fencing of this node succeeded.
    Fenced(String),
    /// This resource (as the scenario names it) is active again.
    Recovered(String),
    /// This node became DC.
    Elected(String),
}

/// An invariant that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// When.
    pub at: Instant,
    /// Which.
    pub invariant: Invariant,
    /// What was seen.
    pub detail: String,
}

/// Where a resource the scenario names stands, for `recovered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    /// Nothing wrong.
    Fine,
    /// Failed or lost; it counts as recovered once `want` instances are
    /// active again after at least one moment with fewer.
    Hurt { want: usize, dipped: bool },
}

/// The observer of one run.
pub struct Observer {
    names: Vec<String>,
    kinds: BTreeMap<String, RscKind>,
    invariants: BTreeSet<Invariant>,
    nqp_ignore: bool,
    dc_deadtime: Duration,
    timings: Timings,
    agent_of: BTreeMap<String, String>,
    /// Primitives that do not need their lost node fenced before they
    /// start elsewhere (`requires` of `nothing` or `quorum`; fencing devices).
    no_fencing_needed: BTreeSet<String>,
    /// Ground truth: primitive (history id) → node → activity.
    active: BTreeMap<String, BTreeMap<NodeId, Activity>>,
    /// Injected failures returned so far, per node and primitive.
    failures: BTreeMap<(NodeId, String), u64>,
    health: BTreeMap<String, Health>,
    /// Active instances of each named resource after the previous change.
    counts: BTreeMap<String, usize>,
    /// Primitives whose activity on a node ended with the node (crash,
    /// power loss) and that nothing has made safe yet (fencing, a boot).
    unsafe_on: BTreeSet<(String, NodeId)>,
    /// When each membership (ring and members) was first seen.
    rings: BTreeMap<(crate::membership::RingId, Vec<NodeId>), Instant>,
    /// Each running stack's membership after the previous step.
    views: BTreeMap<NodeId, Vec<NodeId>>,
    /// Per node: quorate now, and since when its quorum state holds.
    quorum: BTreeMap<NodeId, (bool, Instant)>,
    /// Invariant breaches still ongoing (reported once per episode).
    ongoing: BTreeSet<(Invariant, String)>,
    /// Events seen, in order.
    pub seen: Vec<(Instant, Seen)>,
    /// Invariant violations, in order.
    pub violations: Vec<Violation>,
    /// The timeline: when, who, what.
    pub timeline: Vec<(Instant, String, String)>,
}

impl Observer {
    /// An observer for a cluster of `names` with these resources.
    pub fn new(
        names: Vec<String>,
        kinds: BTreeMap<String, RscKind>,
        cib: &crate::cib::Cib,
        invariants: BTreeSet<Invariant>,
        timings: Timings,
    ) -> Observer {
        let opts = crate::controller::Options::from_cib(cib);
        let nqp = cib.crm_option("no-quorum-policy");
        let mut agent_of = BTreeMap::new();
        collect_agents(&cib.configuration.resources, &mut agent_of);
        let stonith_enabled = cib
            .crm_option("stonith-enabled")
            .is_none_or(crate::scheduler::rules::is_true);
        // Without fencing, Pacemaker recovers as soon as a node is lost;
        // the invariant then judges nothing (the config is what is unsafe,
        // and no-double-active says so).
        let no_fencing_needed = kinds
            .keys()
            .filter(|id| {
                !stonith_enabled
                    || matches!(kinds.get(*id), Some(RscKind::Primitive { stonith: true }))
                    || requires_of(cib, id).is_some_and(|r| r == "nothing" || r == "quorum")
            })
            .cloned()
            .collect();
        Observer {
            health: kinds.keys().map(|k| (k.clone(), Health::Fine)).collect(),
            counts: BTreeMap::new(),
            names,
            kinds,
            invariants,
            nqp_ignore: nqp == Some("ignore"),
            dc_deadtime: opts.dc_deadtime,
            timings,
            agent_of,
            no_fencing_needed,
            active: BTreeMap::new(),
            failures: BTreeMap::new(),
            unsafe_on: BTreeSet::new(),
            rings: BTreeMap::new(),
            views: BTreeMap::new(),
            quorum: BTreeMap::new(),
            ongoing: BTreeSet::new(),
            seen: Vec::new(),
            violations: Vec::new(),
            timeline: Vec::new(),
        }
    }

    fn name(&self, n: NodeId) -> String {
        self.names
            .get((n.0 as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| n.to_string())
    }

    fn node_of(&self, name: &str) -> Option<NodeId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32 + 1))
    }

    /// A line of the harness's own (faults).
    pub fn note(&mut self, at: Instant, who: &str, what: String) {
        self.timeline.push((at, who.to_string(), what));
    }

    /// Looks at the step (or fault) that just ran.
    pub fn after_step(&mut self, sim: &Sim<Process>) {
        let now = sim.now();
        let mut truth = false;
        let mut stacks = false;
        for r in sim.last_records() {
            match &r.event {
                TraceEvent::Note { proc, text } => {
                    let who = self.name(proc.node);
                    if let Some(rest) = text.strip_prefix("fenced ") {
                        let target = rest.split_whitespace().next().unwrap_or("").to_string();
                        if let Some(t) = self.node_of(&target) {
                            self.unsafe_on.retain(|(_, n)| *n != t);
                        }
                        self.seen.push((now, Seen::Fenced(target)));
                    }
                    if text == "elected DC" {
                        self.seen.push((now, Seen::Elected(who.clone())));
                    }
                    self.timeline.push((now, who, text.clone()));
                    stacks = true;
                }
                TraceEvent::Power { node, state, cause } => {
                    truth = true;
                    let what = match (state, cause) {
                        (PowerState::Off, sim::PowerCause::Device { device, .. }) => {
                            format!("power off by {device}")
                        }
                        (PowerState::Booting, sim::PowerCause::Device { device, .. }) => {
                            format!("power on by {device}, booting")
                        }
                        (PowerState::Up, _) => "booted".to_string(),
                        (PowerState::Booting, sim::PowerCause::Added) => continue,
                        (PowerState::Off, _) => "power off".to_string(),
                        (PowerState::Booting, _) => "booting".to_string(),
                        (PowerState::Halted, _) => "halted".to_string(),
                    };
                    if matches!(state, PowerState::Booting | PowerState::Up) {
                        // A fresh boot: nothing of the old services survives.
                        self.unsafe_on.retain(|(_, n)| n != node);
                    }
                    self.timeline.push((now, self.name(*node), what));
                }
                TraceEvent::Exit { proc, cause, .. } => {
                    truth = true;
                    stacks = true;
                    if proc.group == STACK {
                        let what = match cause {
                            sim::ExitCause::Killed => Some("cluster stack killed"),
                            sim::ExitCause::Exited => Some("cluster stack stopped"),
                            _ => None,
                        };
                        if let Some(w) = what {
                            self.timeline.push((now, self.name(proc.node), w.into()));
                        }
                    }
                }
                TraceEvent::Start { proc, cause, .. } => {
                    truth = true;
                    stacks = true;
                    if proc.group == STACK && *cause == sim::StartCause::Started {
                        self.timeline.push((
                            now,
                            self.name(proc.node),
                            "cluster stack started".into(),
                        ));
                    }
                }
                TraceEvent::Deliver { to, .. } => {
                    if to.group == RESOURCES {
                        truth = true;
                    } else {
                        stacks = true;
                    }
                }
                TraceEvent::Fault(_) | TraceEvent::Release { .. } => {
                    truth = true;
                    stacks = true;
                }
                _ => {}
            }
        }
        if truth {
            self.update_truth(sim, now);
        }
        if stacks {
            self.check_stacks(sim, now);
        }
    }

    /// Re-reads what runs where, and checks what depends on it.
    fn update_truth(&mut self, sim: &Sim<Process>, now: Instant) {
        let mut active: BTreeMap<String, BTreeMap<NodeId, Activity>> = BTreeMap::new();
        let mut failures = BTreeMap::new();
        for node in sim.nodes() {
            if sim.power_state(node) != PowerState::Up {
                continue;
            }
            let Some(res) = sim
                .actor(Addr::new(node, RESOURCES))
                .and_then(|p| p.resources())
            else {
                continue;
            };
            for (rsc, a) in res.active() {
                active.entry(rsc.clone()).or_default().insert(node, *a);
            }
            for (rsc, n) in res.failures() {
                failures.insert((node, rsc.clone()), *n);
            }
        }
        if active == self.active && failures == self.failures {
            return;
        }
        let before = std::mem::replace(&mut self.active, active);
        let failed_prims: BTreeSet<String> = failures
            .iter()
            .filter(|(k, n)| self.failures.get(*k).is_none_or(|old| old < *n))
            .map(|((_, r), _)| r.clone())
            .collect();
        self.failures = failures;
        // Activity that ended with its node (not by a stop) is unsafe until
        // the node is fenced or boots again.
        let mut ended_with_node: BTreeSet<String> = BTreeSet::new();
        for (rsc, nodes) in &before {
            for node in nodes.keys() {
                let still = self.active.get(rsc).is_some_and(|m| m.contains_key(node));
                let node_alive = sim.power_state(*node) == PowerState::Up
                    && sim.actor(Addr::new(*node, RESOURCES)).is_some();
                if !still && !node_alive {
                    ended_with_node.insert(rsc.clone());
                    self.unsafe_on.insert((rsc.clone(), *node));
                }
            }
        }
        // New activity.
        let started: Vec<(String, NodeId)> = self
            .active
            .iter()
            .flat_map(|(rsc, nodes)| nodes.keys().map(move |n| (rsc.clone(), *n)))
            .filter(|(rsc, n)| !before.get(rsc).is_some_and(|m| m.contains_key(n)))
            .collect();
        for (rsc, node) in started {
            self.on_start(sim, now, &rsc, node);
        }
        self.check_double_active(now);
        self.update_health(now, &failed_prims, &ended_with_node);
    }

    fn on_start(&mut self, sim: &Sim<Process>, now: Instant, rsc: &str, node: NodeId) {
        // Clone instances are judged by the counts; fencing devices (and
        // anything else that does not require fencing) may start anywhere
        // before the lost node is fenced, as Pacemaker lets them.
        let in_clone = matches!(self.kinds.get(rsc), Some(RscKind::Clone { .. }));
        if !in_clone && !self.no_fencing_needed.contains(rsc) {
            let elsewhere: Vec<NodeId> = self
                .unsafe_on
                .iter()
                .filter(|(r, n)| r == rsc && *n != node)
                .map(|(_, n)| *n)
                .collect();
            for other in elsewhere {
                let detail = format!(
                    "{rsc} started on {} while {} (where it was last active) had not been fenced",
                    self.name(node),
                    self.name(other)
                );
                self.violate(now, Invariant::FenceBeforeRecovery, detail);
            }
        }
        self.unsafe_on.retain(|(r, n)| !(r == rsc && *n == node));
        if !self.nqp_ignore && !self.kinds.get(rsc).is_some_and(is_stonith) {
            let agent = self.agent_of.get(rsc).cloned().unwrap_or_default();
            let took = self.timings.of(rsc, &agent, "start");
            let (quorate, since) = self.quorum.get(&node).copied().unwrap_or((false, now));
            let stack_up = sim.actor(Addr::new(node, STACK)).is_some();
            if stack_up && !quorate && now.saturating_since(since) > took + Duration::from_secs(1) {
                let detail = format!(
                    "{rsc} started on {} by a partition without quorum",
                    self.name(node)
                );
                self.violate(now, Invariant::QuorumSafety, detail);
            }
        }
    }

    fn violate(&mut self, at: Instant, invariant: Invariant, detail: String) {
        if self.invariants.contains(&invariant) {
            self.timeline.push((
                at,
                "-".into(),
                format!("VIOLATION {}: {detail}", invariant.name()),
            ));
            self.violations.push(Violation {
                at,
                invariant,
                detail,
            });
        }
    }

    fn check_double_active(&mut self, now: Instant) {
        let mut breaches: Vec<(String, String)> = Vec::new();
        for (rsc, nodes) in &self.active {
            let on: Vec<String> = nodes.keys().map(|n| self.name(*n)).collect();
            match self.kinds.get(rsc) {
                Some(RscKind::Clone {
                    promotable,
                    max,
                    promoted_max,
                    ..
                }) => {
                    let max = max.unwrap_or(self.names.len() as u32) as usize;
                    if nodes.len() > max {
                        breaches.push((
                            rsc.clone(),
                            format!("{rsc} active on {} nodes (clone-max {max})", nodes.len()),
                        ));
                    }
                    let promoted = nodes.values().filter(|a| **a == Activity::Promoted).count();
                    if *promotable && promoted > *promoted_max as usize {
                        breaches.push((
                            rsc.clone(),
                            format!(
                                "{rsc} promoted on {promoted} nodes (promoted-max {promoted_max})"
                            ),
                        ));
                    }
                }
                // A fencing device may be started elsewhere before its old
                // node is fenced (it requires only quorum): not a double.
                Some(RscKind::Primitive { stonith: true }) => {}
                _ => {
                    if nodes.len() > 1 {
                        breaches
                            .push((rsc.clone(), format!("{rsc} active on {}", on.join(" and "))));
                    }
                }
            }
        }
        let now_set: BTreeSet<(Invariant, String)> = breaches
            .iter()
            .map(|(r, _)| (Invariant::NoDoubleActive, r.clone()))
            .collect();
        for (rsc, detail) in breaches {
            if !self
                .ongoing
                .contains(&(Invariant::NoDoubleActive, rsc.clone()))
            {
                self.violate(now, Invariant::NoDoubleActive, detail);
            }
        }
        self.ongoing
            .retain(|(i, _)| *i != Invariant::NoDoubleActive);
        self.ongoing.extend(now_set);
    }

    /// How many instances of a scenario-named resource are active.
    pub fn count(&self, id: &str) -> usize {
        match self.kinds.get(id) {
            Some(RscKind::Group(members)) => usize::from(self.group_node(members).is_some()),
            Some(RscKind::Clone { prims, .. }) => self.clone_nodes(prims).len(),
            _ => self.active.get(id).map_or(0, |m| m.len()),
        }
    }

    /// The node where every member of a group is active, if there is one.
    pub fn group_node(&self, members: &[String]) -> Option<NodeId> {
        let first = self.active.get(members.first()?)?;
        first.keys().copied().find(|n| {
            members
                .iter()
                .all(|m| self.active.get(m).is_some_and(|x| x.contains_key(n)))
        })
    }

    /// The nodes where every primitive of a clone is active, with the role
    /// of the first.
    pub fn clone_nodes(&self, prims: &[String]) -> BTreeMap<NodeId, Activity> {
        let Some(first) = prims.first().and_then(|p| self.active.get(p)) else {
            return BTreeMap::new();
        };
        first
            .iter()
            .filter(|(n, _)| {
                prims
                    .iter()
                    .all(|p| self.active.get(p).is_some_and(|x| x.contains_key(n)))
            })
            .map(|(n, a)| (*n, *a))
            .collect()
    }

    /// Where a primitive is active.
    pub fn prim_nodes(&self, id: &str) -> BTreeMap<NodeId, Activity> {
        self.active.get(id).cloned().unwrap_or_default()
    }

    fn update_health(
        &mut self,
        now: Instant,
        failed_prims: &BTreeSet<String>,
        ended_with_node: &BTreeSet<String>,
    ) {
        let ids: Vec<String> = self.health.keys().cloned().collect();
        for id in ids {
            let prims: Vec<String> = match self.kinds.get(&id) {
                Some(RscKind::Group(m)) => m.clone(),
                Some(RscKind::Clone { prims, .. }) => prims.clone(),
                _ => vec![id.clone()],
            };
            let hit = prims
                .iter()
                .any(|p| failed_prims.contains(p) || ended_with_node.contains(p));
            let count = self.count(&id);
            let h = self.health[&id];
            let h = match h {
                Health::Fine if hit => {
                    let before = self.counts.get(&id).copied().unwrap_or(count);
                    Health::Hurt {
                        want: before.max(1),
                        dipped: count < before.max(1),
                    }
                }
                Health::Fine => Health::Fine,
                Health::Hurt { want, dipped } => {
                    let dipped = dipped || count < want;
                    if dipped && count >= want {
                        self.seen.push((now, Seen::Recovered(id.clone())));
                        Health::Fine
                    } else {
                        Health::Hurt { want, dipped }
                    }
                }
            };
            self.counts.insert(id.clone(), count);
            self.health.insert(id, h);
        }
    }

    /// Membership, DC and quorum checks, after a step that touched a stack.
    fn check_stacks(&mut self, sim: &Sim<Process>, now: Instant) {
        let mut dcs = BTreeSet::new();
        let mut views = BTreeMap::new();
        let mut by_ring: BTreeMap<(crate::membership::RingId, Vec<NodeId>), Vec<NodeId>> =
            BTreeMap::new();
        for node in sim.nodes() {
            let Some(stack) = sim.actor(Addr::new(node, STACK)).and_then(|p| p.stack()) else {
                self.quorum.remove(&node);
                continue;
            };
            if stack.controller().is_dc() {
                dcs.insert(node);
            }
            views.insert(node, stack.members().to_vec());
            if let Some(ring) = stack.ring() {
                by_ring
                    .entry((ring, stack.members().to_vec()))
                    .or_default()
                    .push(node);
            }
            let q = stack.quorate();
            match self.quorum.get(&node) {
                Some((old, _)) if *old == q => {}
                _ => {
                    self.quorum.insert(node, (q, now));
                }
            }
        }
        // A membership no stack is in any more is forgotten: if it forms
        // again, it is a new one.
        self.rings.retain(|k, _| by_ring.contains_key(k));
        for key in by_ring.keys() {
            self.rings.entry(key.clone()).or_insert(now);
        }
        let mut breaches = BTreeSet::new();
        for (key, nodes) in &by_ring {
            let ring = &key.0;
            let settled = now.saturating_since(self.rings[key]) > self.dc_deadtime;
            let here: Vec<NodeId> = nodes.iter().filter(|n| dcs.contains(n)).copied().collect();
            if settled && here.len() > 1 {
                let names: Vec<String> = here.iter().map(|n| self.name(*n)).collect();
                let key = format!("ring {}", ring.seq);
                breaches.insert(key.clone());
                if !self
                    .ongoing
                    .contains(&(Invariant::OneDcPerPartition, key.clone()))
                {
                    let detail = format!(
                        "{} are all DC in one membership (ring {})",
                        names.join(" and "),
                        ring.seq
                    );
                    self.violate(now, Invariant::OneDcPerPartition, detail);
                }
            }
        }
        self.ongoing
            .retain(|(i, _)| *i != Invariant::OneDcPerPartition);
        self.ongoing.extend(
            breaches
                .into_iter()
                .map(|k| (Invariant::OneDcPerPartition, k)),
        );
        // A node dropping out of a partition's membership is "lost" for
        // what runs on it: what it ran is waiting to be recovered.
        let mut lost: BTreeSet<NodeId> = BTreeSet::new();
        for (node, members) in &views {
            if let Some(before) = self.views.get(node) {
                lost.extend(before.iter().filter(|m| !members.contains(m) && *m != node));
            }
        }
        self.views = views;
        if !lost.is_empty() {
            self.mark_lost(&lost);
        }
    }

    /// Resources active on lost nodes become "hurt" (see `recovered`).
    fn mark_lost(&mut self, lost: &BTreeSet<NodeId>) {
        let ids: Vec<String> = self.health.keys().cloned().collect();
        for id in ids {
            if self.health[&id] != Health::Fine {
                continue;
            }
            let prims: Vec<String> = match self.kinds.get(&id) {
                Some(RscKind::Group(m)) => m.clone(),
                Some(RscKind::Clone { prims, .. }) => prims.clone(),
                _ => vec![id.clone()],
            };
            let on_lost = prims.iter().any(|p| {
                self.active
                    .get(p)
                    .is_some_and(|m| m.keys().any(|n| lost.contains(n)))
            });
            if on_lost {
                let count = self.count(&id);
                self.health.insert(
                    id,
                    Health::Hurt {
                        want: count.max(1),
                        dipped: false,
                    },
                );
            }
        }
    }
}

/// A primitive's `requires` meta attribute (its own, else `rsc_defaults`).
fn requires_of(cib: &crate::cib::Cib, id: &str) -> Option<String> {
    use crate::cib::Resource;
    fn find<'a>(r: &'a Resource, id: &str) -> Option<&'a crate::cib::Primitive> {
        match r {
            Resource::Primitive(p) if p.id == id => Some(p),
            Resource::Group(g) => g.members.iter().find(|m| m.id == id),
            Resource::Clone(c) => find(&c.child, id),
            _ => None,
        }
    }
    let meta = |sets: &[crate::cib::NvSet]| {
        sets.iter()
            .flat_map(|s| s.pairs.iter())
            .find(|p| p.name == "requires")
            .and_then(|p| p.value.clone())
    };
    cib.configuration
        .resources
        .iter()
        .find_map(|r| find(r, id))
        .and_then(|p| meta(&p.meta))
        .or_else(|| meta(&cib.configuration.rsc_defaults))
}

fn is_stonith(k: &RscKind) -> bool {
    matches!(k, RscKind::Primitive { stonith: true })
}

fn collect_agents(rscs: &[crate::cib::Resource], out: &mut BTreeMap<String, String>) {
    use crate::cib::Resource;
    for r in rscs {
        match r {
            Resource::Primitive(p) => {
                out.insert(p.id.clone(), p.agent.clone().unwrap_or_default());
            }
            Resource::Group(g) => {
                for m in &g.members {
                    out.insert(m.id.clone(), m.agent.clone().unwrap_or_default());
                }
            }
            Resource::Clone(c) => collect_agents(std::slice::from_ref(&c.child), out),
            _ => {}
        }
    }
}
