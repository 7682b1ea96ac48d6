//! A deterministic generator of realistic random CIBs, for differential
//! testing of the scheduler against `crm_simulate`.
//!
//! [`generate`] turns a `u64` seed and a set of [`Knobs`] into the XML text
//! of a CIB shaped like what a Pacemaker 2.1.5 cluster writes: a
//! `pacemaker-3.x` configuration (cluster options, nodes, `ocf:pacemaker:Dummy`
//! and `ocf:heartbeat:IPaddr2` primitives with monitor operations, groups,
//! location/colocation/order constraints, optionally a fencing device) and a
//! status section whose operation history is what the controller would have
//! recorded: probes, starts, recurring monitors, stops, and a few failures
//! (failed monitors, failed starts and stops, with their fail counts), on a
//! cluster some of whose nodes may have been lost, be unclean, shutting down
//! or in standby.
//!
//! The same seed and knobs always give the same text: the only randomness
//! is a ChaCha8 stream seeded from the seed; nothing reads the clock or the OS.
//!
//! How the status is made: every node is first given a fate (see
//! [`NodeFate`]); then resources are placed as a settled cluster would have
//! placed them *before* the latest events (honouring bans, mandatory
//! colocations and preferences, spreading by load), on every node that was
//! up then; then a few events are applied (monitor failures, start and stop
//! failures, probes finding a resource active where it should not be), and
//! the history each node's executor would hold is written out with the
//! `op-digest` Pacemaker computes (see [`op_digest`]), so that digests never
//! spuriously request restarts.

pub mod clones;
mod history;
mod model;
mod placement;
mod render;
mod render_history;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::scheduler::digest::md5_hex;

/// The feature mix. Probabilities are in `0.0..=1.0`; ranges are inclusive.
/// The defaults give mostly healthy clusters of 2–6 nodes and 2–15
/// resources with a few failures each.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// Number of cluster nodes.
    pub nodes: (usize, usize),
    /// Number of (non-fencing) primitives, counting group members.
    pub resources: (usize, usize),
    /// Chance that `stonith-enabled` is true (a fencing device is then
    /// configured: one `fence_xvm` for all nodes, or one `fence_ipmilan` per node).
    pub p_stonith: f64,
    /// Chance, when fencing, of one `fence_ipmilan` per node instead of one `fence_xvm`.
    pub p_fence_per_node: f64,
    /// Chance that the next resource unit is a group.
    pub p_group: f64,
    /// Members per group.
    pub group_size: (usize, usize),
    /// Chance that a primitive is an `IPaddr2` rather than a `Dummy`.
    pub p_ipaddr: f64,
    /// Chance of an opt-in cluster (`symmetric-cluster=false`); every
    /// resource then gets positive location constraints.
    pub p_opt_in: f64,
    /// Chance of a `resource-stickiness` in `rsc_defaults`.
    pub p_stickiness: f64,
    /// Chance of a `migration-threshold` (per unit, or in `rsc_defaults`).
    pub p_migration_threshold: f64,
    /// Expected location constraints per resource unit.
    pub locations_per_unit: f64,
    /// Expected colocation constraints per resource unit (each with an earlier unit).
    pub colocations_per_unit: f64,
    /// Expected order constraints per resource unit (each after an earlier unit).
    pub orders_per_unit: f64,
    /// Chance that a unit has `target-role=Stopped`.
    pub p_target_stopped: f64,
    /// Chance that a unit has `is-managed=false`.
    pub p_unmanaged: f64,
    /// Per node: lost from the membership (`in_ccm=false`, `expected=member`): unclean.
    pub p_node_lost: f64,
    /// Per node: the controller is gone but corosync is up (`crmd=offline`, `in_ccm=true`).
    pub p_node_crmd_down: f64,
    /// Per node: cleanly shut down (`expected=down`).
    pub p_node_offline: f64,
    /// Per node: configured but never seen (no `node_state`).
    pub p_node_unseen: f64,
    /// Per online node: a shutdown has been requested (transient `shutdown` attribute).
    pub p_node_shutdown: f64,
    /// Per online node: in standby.
    pub p_node_standby: f64,
    /// Chance that a standby was set before resources settled (so nothing is
    /// still running there) rather than just now.
    pub p_standby_settled: f64,
    /// Whether node fates may cost the cluster its quorum (otherwise fates are
    /// undone until a quorum is kept; two-node clusters keep quorum with one node).
    pub allow_quorum_loss: bool,
    /// Per active primitive: its recurring monitor has just failed.
    pub p_monitor_fail: f64,
    /// Per active primitive: a monitor failed earlier and it was restarted in
    /// place (fail count kept, history shows the old failure).
    pub p_old_monitor_fail: f64,
    /// Per unit: the start of a primitive has just failed on its node.
    pub p_start_fail: f64,
    /// Per unit: a start failed earlier on another node and was cleaned up
    /// (fail count `INFINITY` kept there).
    pub p_old_start_fail: f64,
    /// Per active unit: the stop of a primitive has just failed.
    pub p_stop_fail: f64,
    /// Per (online node, primitive): no probe recorded yet.
    pub p_unprobed: f64,
    /// Per active unit: the history of an earlier run elsewhere (a stop) is kept.
    pub p_moved_history: f64,
    /// Per active primitive: a probe found it active on a second node.
    pub p_probe_active: f64,
    /// Per unit: placed on a random allowed node instead of its preferred one
    /// (as after a configuration change).
    pub p_misplaced: f64,
    /// Per primitive: its monitor has an explicit `on-fail` (ignore, block,
    /// stop, restart, standby, or fence when fencing is enabled).
    pub p_on_fail: f64,
    /// Chance of `start-failure-is-fatal=false` (failed starts then count 1,
    /// not `INFINITY`).
    pub p_start_failure_not_fatal: f64,
    /// Per lost or cleanly offline node: its `node_state` uses one of the other
    /// shapes Pacemaker has written (lost: `join=member`, or `crmd=online`
    /// not yet updated; offline: no `expected`).
    pub p_node_state_variant: f64,
    /// Chance that the cluster's nodes carry a `site` attribute (dc1/dc2).
    pub p_node_site: f64,
    /// Per location constraint: written as a rule (`#uname eq NODE`, or
    /// `site eq SITE` when nodes have sites) instead of `node=`/`score=`.
    pub p_location_rule: f64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            nodes: (2, 6),
            resources: (2, 15),
            p_stonith: 0.6,
            p_fence_per_node: 0.25,
            p_group: 0.3,
            group_size: (2, 4),
            p_ipaddr: 0.3,
            p_opt_in: 0.05,
            p_stickiness: 0.5,
            p_migration_threshold: 0.15,
            locations_per_unit: 0.35,
            colocations_per_unit: 0.2,
            orders_per_unit: 0.2,
            p_target_stopped: 0.05,
            p_unmanaged: 0.02,
            p_node_lost: 0.07,
            p_node_crmd_down: 0.02,
            p_node_offline: 0.06,
            p_node_unseen: 0.02,
            p_node_shutdown: 0.04,
            p_node_standby: 0.06,
            p_standby_settled: 0.5,
            allow_quorum_loss: false,
            p_monitor_fail: 0.05,
            p_old_monitor_fail: 0.03,
            p_start_fail: 0.03,
            p_old_start_fail: 0.03,
            p_stop_fail: 0.015,
            p_unprobed: 0.03,
            p_moved_history: 0.1,
            p_probe_active: 0.01,
            p_misplaced: 0.08,
            p_on_fail: 0.04,
            p_start_failure_not_fatal: 0.05,
            p_node_state_variant: 0.3,
            p_node_site: 0.15,
            p_location_rule: 0.15,
        }
    }
}

impl Knobs {
    /// Sets one knob by its field name from text: probabilities and means
    /// as numbers, ranges as `LO-HI` (or one number), `allow_quorum_loss`
    /// as `true`/`false`. For targeted runs (`pacesim-gencib --knob`).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let num = || {
            value
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("knob {name}: '{value}' is not a number"))
        };
        let range = || -> Result<(usize, usize), String> {
            let bad = || format!("knob {name}: '{value}' is not a range LO-HI");
            match value.split_once('-') {
                Some((a, b)) => Ok((
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                )),
                None => {
                    let v = value.trim().parse().map_err(|_| bad())?;
                    Ok((v, v))
                }
            }
        };
        match name {
            "nodes" => self.nodes = range()?,
            "resources" => self.resources = range()?,
            "group_size" => self.group_size = range()?,
            "allow_quorum_loss" => {
                self.allow_quorum_loss = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("knob {name}: '{value}' is not true/false"))?
            }
            "p_stonith" => self.p_stonith = num()?,
            "p_fence_per_node" => self.p_fence_per_node = num()?,
            "p_group" => self.p_group = num()?,
            "p_ipaddr" => self.p_ipaddr = num()?,
            "p_opt_in" => self.p_opt_in = num()?,
            "p_stickiness" => self.p_stickiness = num()?,
            "p_migration_threshold" => self.p_migration_threshold = num()?,
            "locations_per_unit" => self.locations_per_unit = num()?,
            "colocations_per_unit" => self.colocations_per_unit = num()?,
            "orders_per_unit" => self.orders_per_unit = num()?,
            "p_target_stopped" => self.p_target_stopped = num()?,
            "p_unmanaged" => self.p_unmanaged = num()?,
            "p_node_lost" => self.p_node_lost = num()?,
            "p_node_crmd_down" => self.p_node_crmd_down = num()?,
            "p_node_offline" => self.p_node_offline = num()?,
            "p_node_unseen" => self.p_node_unseen = num()?,
            "p_node_shutdown" => self.p_node_shutdown = num()?,
            "p_node_standby" => self.p_node_standby = num()?,
            "p_standby_settled" => self.p_standby_settled = num()?,
            "p_monitor_fail" => self.p_monitor_fail = num()?,
            "p_old_monitor_fail" => self.p_old_monitor_fail = num()?,
            "p_start_fail" => self.p_start_fail = num()?,
            "p_old_start_fail" => self.p_old_start_fail = num()?,
            "p_stop_fail" => self.p_stop_fail = num()?,
            "p_unprobed" => self.p_unprobed = num()?,
            "p_moved_history" => self.p_moved_history = num()?,
            "p_probe_active" => self.p_probe_active = num()?,
            "p_misplaced" => self.p_misplaced = num()?,
            "p_on_fail" => self.p_on_fail = num()?,
            "p_start_failure_not_fatal" => self.p_start_failure_not_fatal = num()?,
            "p_node_state_variant" => self.p_node_state_variant = num()?,
            "p_node_site" => self.p_node_site = num()?,
            "p_location_rule" => self.p_location_rule = num()?,
            _ => return Err(format!("unknown knob '{name}'")),
        }
        Ok(())
    }
}

/// Pacemaker's `INFINITY` as an integer score.
const INF: i64 = 1_000_000;

/// The feature set the CIB and its histories claim: that of Pacemaker 2.1.5
/// as installed (`crm_simulate` 2.1.5 refuses, with a fatal assertion while
/// recording simulated results, any CIB whose `crm_feature_set` is newer
/// than its own 3.16.1).
const FEATURE_SET: &str = "3.16.1";

/// What became of a node by the time of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeFate {
    /// A healthy member.
    Online,
    /// Fell out of the membership unexpectedly: unclean, to be fenced.
    Lost,
    /// In the membership but its controller is gone: unclean.
    CrmdDown,
    /// Shut down cleanly.
    Offline,
    /// Configured but never seen.
    Unseen,
}

impl NodeFate {
    /// Whether the node was up before the latest events (so resources may
    /// have been placed there).
    fn was_up(self) -> bool {
        matches!(self, NodeFate::Online | NodeFate::Lost | NodeFate::CrmdDown)
    }
}

#[derive(Debug, Clone)]
struct Node {
    id: String,
    uname: String,
    fate: NodeFate,
    standby: bool,
    /// Standby was set before the resources settled.
    standby_settled: bool,
    shutdown: bool,
}

#[derive(Debug, Clone)]
struct Prim {
    id: String,
    class: &'static str,
    provider: Option<&'static str>,
    agent: &'static str,
    params: Vec<(String, String)>,
    monitor_ms: u64,
    monitor_timeout_ms: u64,
    /// Whether start/stop (and pcs's other default) operations are spelled out.
    full_ops: bool,
    meta: Vec<(String, String)>,
    /// Unit this primitive belongs to.
    unit: usize,
}

#[derive(Debug, Clone)]
struct Unit {
    id: String,
    group: bool,
    members: Vec<usize>,
    meta: Vec<(String, String)>,
    fencing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonResult {
    Ok,
    NotRunning,
    Error,
    Timeout,
}

/// What one node's executor remembers of one primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hist {
    /// Nothing (never probed).
    None,
    /// Probed, not running.
    Probed,
    /// Started, monitored; `old_fail` = a monitor failed before and it was restarted here.
    Running { mon: MonResult, old_fail: bool },
    /// The start just failed.
    StartFailed,
    /// A start failed before and was cleaned up by a stop.
    StartFailedStopped,
    /// The stop just failed (it was running).
    StopFailed,
    /// Ran here, was stopped (moved away).
    Stopped,
    /// A probe found it running where nothing started it.
    ProbeActive,
}

/// One constraint, as placement needs to know it.
#[derive(Debug, Clone)]
enum Cons {
    Location {
        unit: usize,
        node: usize,
        score: i64,
    },
    Colocation {
        dep: usize,
        with: usize,
        score: i64,
    },
    Order {
        first: usize,
        then: usize,
        kind: &'static str,
        symmetrical: bool,
    },
}

/// Generates one CIB from `seed` with the default [`Knobs`].
pub fn generate_default(seed: u64) -> String {
    generate(seed, &Knobs::default())
}

/// Generates one CIB (XML text) from `seed` and `knobs`.
pub fn generate(seed: u64, knobs: &Knobs) -> String {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        k: knobs.clone(),
        nodes: Vec::new(),
        prims: Vec::new(),
        units: Vec::new(),
        cons: Vec::new(),
        stonith: false,
        opt_in: false,
        var: ChaCha8Rng::seed_from_u64(seed ^ VARIATION_STREAM),
        start_failure_fatal: true,
        on_fail: Vec::new(),
        sites: Vec::new(),
    };
    g.make_nodes();
    g.sites = if g.var.gen_bool(g.k.p_node_site) {
        (0..g.nodes.len())
            .map(|_| Some(if g.var.gen_bool(0.5) { "dc1" } else { "dc2" }))
            .collect()
    } else {
        vec![None; g.nodes.len()]
    };
    g.stonith = g.rng.gen_bool(g.k.p_stonith);
    g.opt_in = g.rng.gen_bool(g.k.p_opt_in);
    if g.stonith {
        g.make_fencing();
    }
    g.make_resources();
    g.start_failure_fatal = !g.var.gen_bool(g.k.p_start_failure_not_fatal);
    g.on_fail = (0..g.prims.len())
        .map(|_| {
            if g.var.gen_bool(g.k.p_on_fail) {
                let choices: &[&'static str] = if g.stonith {
                    &["ignore", "block", "stop", "restart", "standby", "fence"]
                } else {
                    &["ignore", "block", "stop", "restart", "standby"]
                };
                Some(choices[g.var.gen_range(0..choices.len())])
            } else {
                None
            }
        })
        .collect();
    g.make_constraints();
    let placed = g.place();
    let hist = g.histories(&placed);
    g.render(seed, &hist)
}

/// A transition UUID as the controller writes it into transition keys,
/// drawn from the generator's stream (16 bytes, 8-4-4-4-12 hex digits).
fn random_uuid(rng: &mut ChaCha8Rng) -> String {
    let b: [u8; 16] = rng.gen();
    let hx: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hx[0..8],
        &hx[8..12],
        &hx[12..16],
        &hx[16..20],
        &hx[20..32]
    )
}

/// The `op-digest` Pacemaker records for an operation: the MD5 of
/// `" <parameters a="1" b="2"/>\n"` over the resource's parameters, plus
/// `CRM_meta_timeout` for recurring operations, attributes sorted by name
/// (this mirrors `pcmk__filter_op_for_digest` and the v1 operation digest of
/// `calculate_main_digest` in Pacemaker's `pe_digest.c`).
pub fn op_digest(params: &[(String, String)], interval_ms: u64, timeout_ms: u64) -> String {
    let mut attrs: std::collections::BTreeMap<String, String> = params.iter().cloned().collect();
    if interval_ms > 0 {
        attrs.insert("CRM_meta_timeout".into(), timeout_ms.to_string());
    }
    // The scheduler's digest, so that generated histories and the scheduler
    // can never disagree on what a digest is.
    crate::scheduler::digest::params_digest(&attrs)
}

/// XML attribute escaping.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn score_str(s: i64) -> String {
    if s >= INF {
        "INFINITY".into()
    } else if s <= -INF {
        "-INFINITY".into()
    } else {
        s.to_string()
    }
}

/// Seed offset of the second random stream, used for variations added after
/// the first release of the generator, so that they leave everything the
/// main stream decides (and so existing seeds' structure) unchanged.
const VARIATION_STREAM: u64 = 0x005e_ed0f_7a71_a7e5;

struct Gen {
    /// The main stream: structure, placement, events.
    rng: ChaCha8Rng,
    /// The variation stream (see [`VARIATION_STREAM`]).
    var: ChaCha8Rng,
    start_failure_fatal: bool,
    /// Explicit monitor `on-fail` per primitive.
    on_fail: Vec<Option<&'static str>>,
    /// The `site` node attribute per node, when the cluster uses one.
    sites: Vec<Option<&'static str>>,
    k: Knobs,
    nodes: Vec<Node>,
    prims: Vec<Prim>,
    units: Vec<Unit>,
    cons: Vec<Cons>,
    stonith: bool,
    opt_in: bool,
}
