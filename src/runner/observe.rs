//! Watching a run after every step: the ground truth ([`Truth`]), the
//! invariants of SCENARIO-FORMAT.md, the events that event expectations and
//! sweeps wait for, and — when asked — the timeline and each resource's
//! availability.
//!
//! It reads the nodes' typed events ([`ClusterEvent`]) and the kernel's
//! records of power, processes and faults; never a note's wording. The
//! stacks' state (DC, ring, quorum) is read only when a compact signature
//! of it changed, or when a membership with two DCs comes of age.

use std::collections::{BTreeMap, BTreeSet};

use sim::{Addr, Duration, Instant, NodeId, PowerState, Sim, TraceEvent};

use crate::cib::options;
use crate::cluster::{ClusterEvent, Process, RESOURCES, STACK};
use crate::executor::{Activity, Timings};
use crate::membership::RingId;
use crate::scenario::Invariant;

use super::build::RscKind;
use super::story::Story;
use super::truth::Truth;

/// What event expectations and sweeps wait for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// A fencing of this node succeeded.
    Fenced(String),
    /// This resource (as the scenario names it) is active again.
    Recovered(String),
    /// This node became DC.
    Elected(String),
}

impl Seen {
    /// How reports name it: `fenced node1`.
    pub fn label(&self) -> String {
        match self {
            Seen::Fenced(n) => format!("fenced {n}"),
            Seen::Recovered(r) => format!("recovered {r}"),
            Seen::Elected(n) => format!("elected {n}"),
        }
    }
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

/// What an observer keeps beyond what checks need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keep {
    /// The timeline (every note, power change, stack start and exit).
    pub timeline: bool,
    /// Each named resource's count of active instances over time.
    pub availability: bool,
    /// The typed spans the `--html` timeline draws (`story.rs`).
    pub story: bool,
}

/// One node's stack, as far as the DC and membership checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StackSig {
    up: bool,
    dc: bool,
    ring: Option<RingId>,
    quorate: bool,
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
    keep: Keep,
    /// The ground truth.
    pub truth: Truth,
    health: BTreeMap<String, Health>,
    /// Active instances of each named resource after the previous change
    /// (`None` before the first), in the order of `kinds` and `health`:
    /// walked beside them, without a lookup by name.
    counts: Vec<Option<usize>>,
    /// Primitives whose activity on a node ended with the node (crash,
    /// power loss) and that nothing has made safe yet (fencing, a boot).
    unsafe_on: BTreeSet<(String, NodeId)>,
    /// When each membership (ring and members) was first seen.
    rings: BTreeMap<(RingId, Vec<NodeId>), Instant>,
    /// Each running stack's membership after the previous check.
    views: BTreeMap<NodeId, Vec<NodeId>>,
    /// Per node: quorate now, and since when its quorum state holds.
    quorum: BTreeMap<NodeId, (bool, Instant)>,
    /// The stacks' signature at the previous check.
    sig: Vec<StackSig>,
    /// The buffer the next signature is read into (kept, not allocated
    /// again at every check).
    next_sig: Vec<StackSig>,
    /// When a membership with two DCs comes of age (check again then).
    recheck_at: Option<Instant>,
    /// Invariant breaches still ongoing (reported once per episode).
    ongoing: BTreeSet<(Invariant, String)>,
    /// Events seen, in order.
    pub seen: Vec<(Instant, Seen)>,
    /// Invariant violations, in order.
    pub violations: Vec<Violation>,
    /// The timeline: when, who, what (if kept).
    pub timeline: Vec<(Instant, String, String)>,
    /// Per named resource: (instant, active instances) at every change
    /// (if kept).
    pub availability: BTreeMap<String, Vec<(Instant, usize)>>,
    /// What the timeline draws (if kept: set by the runner).
    pub story: Option<Story>,
}

/// The DC of `node`'s membership: a member whose stack is up, in the same
/// ring with the same members, and DC.
fn partition_dcs(sim: &Sim<Process>, node: NodeId) -> Vec<NodeId> {
    let stack = |n: NodeId| sim.actor(Addr::new(n, STACK)).and_then(|p| p.stack());
    let Some(me) = stack(node) else {
        return Vec::new();
    };
    let Some(ring) = me.ring() else {
        return Vec::new();
    };
    me.members()
        .iter()
        .copied()
        .filter(|&m| {
            stack(m).is_some_and(|s| {
                s.controller().is_dc() && s.ring() == Some(ring) && s.members() == me.members()
            })
        })
        .collect()
}

impl Observer {
    /// An observer for a cluster of `names` with these resources.
    pub fn new(
        names: Vec<String>,
        kinds: BTreeMap<String, RscKind>,
        cib: &crate::cib::Cib,
        invariants: BTreeSet<Invariant>,
        timings: Timings,
        keep: Keep,
    ) -> Observer {
        let opts = crate::controller::Options::from_cib(cib);
        let nqp = options::value_of(cib, "no-quorum-policy");
        let mut agent_of = BTreeMap::new();
        collect_agents(&cib.configuration.resources, &mut agent_of);
        let stonith_enabled =
            options::value_of(cib, "stonith-enabled").is_some_and(crate::cib::values::is_true);
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
            counts: vec![None; kinds.len()],
            names,
            kinds,
            invariants,
            nqp_ignore: nqp == Some("ignore"),
            dc_deadtime: opts.dc_deadtime,
            timings,
            agent_of,
            no_fencing_needed,
            keep,
            truth: Truth::default(),
            unsafe_on: BTreeSet::new(),
            rings: BTreeMap::new(),
            views: BTreeMap::new(),
            quorum: BTreeMap::new(),
            sig: Vec::new(),
            next_sig: Vec::new(),
            recheck_at: None,
            ongoing: BTreeSet::new(),
            seen: Vec::new(),
            violations: Vec::new(),
            timeline: Vec::new(),
            availability: BTreeMap::new(),
            story: None,
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

    /// A line of the harness's own (faults), if the timeline is kept.
    pub fn note(&mut self, at: Instant, who: &str, what: impl FnOnce() -> String) {
        if self.keep.timeline {
            self.timeline.push((at, who.to_string(), what()));
        }
    }

    fn line(&mut self, at: Instant, node: NodeId, what: &str) {
        if self.keep.timeline {
            let who = self.name(node);
            self.timeline.push((at, who, what.to_string()));
        }
    }

    /// Looks at the step (or fault) that just ran.
    ///
    /// Most steps deliver a message or fire a timer and report nothing the
    /// checks read: no typed event, no record that can move a stack, no
    /// recheck due, no story to feed. Those return after one pass over the
    /// step's records, without building anything; this runs after every
    /// one of a soak's 157,000 steps.
    pub fn after_step(&mut self, sim: &Sim<Process>) {
        let quiet = self.story.is_none()
            && sim.last_events().is_empty()
            && self.recheck_at.is_none_or(|t| sim.now() < t)
            && !sim.last_records().iter().any(|r| moves_stacks(&r.event));
        if !quiet {
            self.look(sim);
        }
    }

    /// [`Observer::after_step`] for a step that may matter.
    fn look(&mut self, sim: &Sim<Process>) {
        let now = sim.now();
        let stacks = sim.last_records().iter().any(|r| moves_stacks(&r.event));
        let mut ended_nodes: Vec<NodeId> = Vec::new();
        for r in sim.last_records() {
            if let Some(story) = &mut self.story {
                story.on_record(now, &r.event);
            }
            match &r.event {
                TraceEvent::Note { proc, text } if self.keep.timeline => {
                    let who = self.name(proc.node);
                    self.timeline.push((now, who, text.clone()));
                }
                TraceEvent::Power { node, state, cause } => {
                    let what = match (state, cause) {
                        (PowerState::Off, sim::PowerCause::Device { device, .. }) => {
                            Some(format!("power off by {device}"))
                        }
                        (PowerState::Booting, sim::PowerCause::Device { device, .. }) => {
                            Some(format!("power on by {device}, booting"))
                        }
                        (PowerState::Up, _) => Some("booted".to_string()),
                        (PowerState::Booting, sim::PowerCause::Added) => None,
                        (PowerState::Off, _) => Some("power off".to_string()),
                        (PowerState::Booting, _) => Some("booting".to_string()),
                        (PowerState::Halted, _) => Some("halted".to_string()),
                    };
                    if *state != PowerState::Up {
                        ended_nodes.push(*node);
                    }
                    if matches!(state, PowerState::Booting | PowerState::Up) {
                        // A fresh boot: nothing of the old services survives.
                        self.unsafe_on.retain(|(_, n)| n != node);
                    }
                    if let Some(w) = what {
                        self.line(now, *node, &w);
                    }
                }
                TraceEvent::Exit { proc, cause, .. } => {
                    if proc.group == RESOURCES {
                        ended_nodes.push(proc.node);
                    } else if proc.group == STACK {
                        let what = match cause {
                            sim::ExitCause::Killed => Some("cluster stack killed"),
                            sim::ExitCause::Exited => Some("cluster stack stopped"),
                            _ => None,
                        };
                        if let Some(w) = what {
                            self.line(now, proc.node, w);
                        }
                    }
                }
                TraceEvent::Start { proc, cause, .. }
                    if proc.group == STACK && *cause == sim::StartCause::Started =>
                {
                    self.line(now, proc.node, "cluster stack started");
                }
                _ => {}
            }
        }
        let mut started: Vec<(String, NodeId)> = Vec::new();
        let mut failed: BTreeSet<String> = BTreeSet::new();
        let mut truth = !ended_nodes.is_empty();
        for (addr, ev) in sim.last_events() {
            if let Some(story) = &mut self.story {
                story.on_event(now, addr.node, ev);
            }
            match ev {
                ClusterEvent::Activity { rsc, now: a } => {
                    truth = true;
                    if a.is_some() && !self.truth.on(rsc, addr.node) {
                        started.push((rsc.clone(), addr.node));
                    }
                    self.truth.set(rsc, addr.node, *a);
                }
                ClusterEvent::Failed { rsc } => {
                    truth = true;
                    failed.insert(rsc.clone());
                }
                ClusterEvent::Fenced { target, .. } => {
                    if let Some(t) = self.node_of(target) {
                        self.unsafe_on.retain(|(_, n)| *n != t);
                    }
                    self.seen.push((now, Seen::Fenced(target.clone())));
                }
                ClusterEvent::Elected => {
                    let who = self.name(addr.node);
                    self.seen.push((now, Seen::Elected(who)));
                }
                ClusterEvent::Membership { .. } | ClusterEvent::Quorate(_) => {}
            }
        }
        if truth {
            // Activity that ended with its node (not by a stop) is unsafe
            // until the node is fenced or boots again.
            let mut ended_with_node = BTreeSet::new();
            for node in ended_nodes {
                for rsc in self.truth.end_node(node) {
                    self.unsafe_on.insert((rsc.clone(), node));
                    ended_with_node.insert(rsc);
                }
            }
            for (rsc, node) in started {
                if self.truth.on(&rsc, node) {
                    self.on_start(sim, now, &rsc, node);
                }
            }
            self.check_double_active(now);
            self.update_health(now, &failed, &ended_with_node);
        }
        if stacks || self.recheck_at.is_some_and(|t| now >= t) {
            self.check_stacks(sim, now);
        }
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
            let agent = self.agent_of.get(rsc).map(String::as_str).unwrap_or("");
            let took = self.timings.of(rsc, agent, "start");
            // Pacemaker acts on the DC's quorum: a node that just rejoined
            // with wait_for_all may itself still wait while its
            // partition's DC is quorate (votequorum.c). The start was
            // ordered by a DC of the node's membership (a ring just merged
            // has two until their election settles) or by the node's own:
            // it is unsafe only if none of them, nor the node, had quorum
            // for the whole start.
            let mut judges = partition_dcs(sim, node);
            judges.push(node);
            let without = |j: &NodeId| {
                let (quorate, since) = self.quorum.get(j).copied().unwrap_or((false, now));
                !quorate && now.saturating_since(since) > took + Duration::from_secs(1)
            };
            let stack_up = sim.actor(Addr::new(node, STACK)).is_some();
            if stack_up && judges.iter().all(without) {
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
            if self.keep.timeline {
                self.timeline.push((
                    at,
                    "-".into(),
                    format!("VIOLATION {}: {detail}", invariant.name()),
                ));
            }
            self.violations.push(Violation {
                at,
                invariant,
                detail,
            });
        }
    }

    fn check_double_active(&mut self, now: Instant) {
        let mut breaches: Vec<(String, String)> = Vec::new();
        for (rsc, nodes) in self.truth.all() {
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
                        let on: Vec<String> = nodes.keys().map(|n| self.name(*n)).collect();
                        breaches
                            .push((rsc.clone(), format!("{rsc} active on {}", on.join(" and "))));
                    }
                }
            }
        }
        if breaches.is_empty() && self.ongoing.is_empty() {
            return;
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
        self.truth.count(&self.kinds, id)
    }

    fn update_health(
        &mut self,
        now: Instant,
        failed_prims: &BTreeSet<String>,
        ended_with_node: &BTreeSet<String>,
    ) {
        // `health`, `kinds` and `counts` hold the same resources in the
        // same order.
        let named = (self.health.iter_mut())
            .zip(self.kinds.values())
            .zip(self.counts.iter_mut());
        for (((id, health), kind), last) in named {
            let hit = prims_of_kind(Some(kind), id)
                .any(|p| failed_prims.contains(p) || ended_with_node.contains(p));
            let count = self.truth.count_of(Some(kind), id);
            let h = match *health {
                Health::Fine if hit => {
                    let before = last.unwrap_or(count);
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
            if self.keep.availability && *last != Some(count) {
                self.availability
                    .entry(id.clone())
                    .or_default()
                    .push((now, count));
            }
            *last = Some(count);
            *health = h;
        }
    }

    /// Membership, DC and quorum checks, when a stack's state may have moved.
    fn check_stacks(&mut self, sim: &Sim<Process>, now: Instant) {
        let mut sig = std::mem::take(&mut self.next_sig);
        sig.clear();
        sig.extend(sim.nodes().map(|node| {
            match sim.actor(Addr::new(node, STACK)).and_then(|p| p.stack()) {
                None => StackSig {
                    up: false,
                    dc: false,
                    ring: None,
                    quorate: false,
                },
                Some(s) => StackSig {
                    up: true,
                    dc: s.controller().is_dc(),
                    ring: s.ring(),
                    quorate: s.quorate(),
                },
            }
        }));
        if sig == self.sig && self.recheck_at.is_none_or(|t| now < t) {
            self.next_sig = sig;
            return;
        }
        if let Some(story) = &mut self.story {
            story.on_dcs(now, sig.iter().map(|s| s.dc));
        }
        self.next_sig = std::mem::replace(&mut self.sig, sig);
        self.recheck_at = None;
        let mut dcs = BTreeSet::new();
        let mut views = BTreeMap::new();
        let mut by_ring: BTreeMap<(RingId, Vec<NodeId>), Vec<NodeId>> = BTreeMap::new();
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
            let here: Vec<NodeId> = nodes.iter().filter(|n| dcs.contains(n)).copied().collect();
            if here.len() < 2 {
                continue;
            }
            let of_age = self.rings[key] + self.dc_deadtime;
            if now <= of_age {
                // Look again once it has lasted dc-deadtime.
                let t = of_age + Duration::from_nanos(1);
                self.recheck_at = Some(self.recheck_at.map_or(t, |r| r.min(t)));
                continue;
            }
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
        for (id, health) in self.health.iter_mut() {
            if *health != Health::Fine {
                continue;
            }
            let on_lost = prims_of(&self.kinds, id).any(|p| {
                self.truth
                    .prim(p)
                    .is_some_and(|m| m.keys().any(|n| lost.contains(n)))
            });
            if on_lost {
                let count = self.truth.count(&self.kinds, id);
                *health = Health::Hurt {
                    want: count.max(1),
                    dipped: false,
                };
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

/// The primitives of a scenario-named resource: a group's members, a
/// clone's primitives, else the resource itself.
fn prims_of<'a>(
    kinds: &'a BTreeMap<String, RscKind>,
    id: &'a str,
) -> impl Iterator<Item = &'a str> {
    prims_of_kind(kinds.get(id), id)
}

/// [`prims_of`] with the resource's kind already looked up.
fn prims_of_kind<'a>(kind: Option<&'a RscKind>, id: &'a str) -> impl Iterator<Item = &'a str> {
    let members = match kind {
        Some(RscKind::Group(m)) => Some(m),
        Some(RscKind::Clone { prims, .. }) => Some(prims),
        _ => None,
    };
    let itself = members.is_none().then_some(id);
    members
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(itself)
}

/// Whether a record can change what [`Observer::check_stacks`] reads (a
/// note marks a controller's state change; power, processes, faults and
/// released messages move stacks).
fn moves_stacks(e: &TraceEvent) -> bool {
    matches!(
        e,
        TraceEvent::Note { .. }
            | TraceEvent::Power { .. }
            | TraceEvent::Exit { .. }
            | TraceEvent::Start { .. }
            | TraceEvent::Fault(_)
            | TraceEvent::Release { .. }
    )
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
