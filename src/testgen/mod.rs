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

impl Gen {
    fn range(&mut self, r: (usize, usize)) -> usize {
        let (lo, hi) = (r.0.min(r.1), r.0.max(r.1));
        self.rng.gen_range(lo..=hi)
    }

    /// Draws a count whose mean is `mean` (sum of Bernoulli trials of 0.5
    /// over twice the mean, rounded).
    fn count(&mut self, mean: f64) -> usize {
        let trials = (mean * 2.0).round() as usize;
        (0..trials).filter(|_| self.rng.gen_bool(0.5)).count()
    }

    fn make_nodes(&mut self) {
        let n = self.range(self.k.nodes).max(1);
        let style = self.rng.gen_range(0..5);
        const WORDS: [&str; 8] = [
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        ];
        let mut words: Vec<&str> = WORDS.to_vec();
        words.shuffle(&mut self.rng);
        for i in 0..n {
            let uname = match style {
                0 | 1 => format!("node{}", i + 1),
                2 => format!("pcmk-{}", i + 1),
                3 => format!("rhel9-node{}", i + 1),
                _ => words[i % words.len()].to_string(),
            };
            self.nodes.push(Node {
                id: (i + 1).to_string(),
                uname,
                fate: NodeFate::Online,
                standby: false,
                standby_settled: false,
                shutdown: false,
            });
        }
        for i in 0..n {
            let r: f64 = self.rng.gen();
            let k = &self.k;
            let mut acc = 0.0;
            let mut fate = NodeFate::Online;
            for (p, f) in [
                (k.p_node_lost, NodeFate::Lost),
                (k.p_node_crmd_down, NodeFate::CrmdDown),
                (k.p_node_offline, NodeFate::Offline),
                (k.p_node_unseen, NodeFate::Unseen),
            ] {
                acc += p;
                if r < acc {
                    fate = f;
                    break;
                }
            }
            self.nodes[i].fate = fate;
        }
        // Keep at least one member up, and keep quorum unless allowed to lose it.
        loop {
            let up = self
                .nodes
                .iter()
                .filter(|n| n.fate == NodeFate::Online)
                .count();
            let quorate = if n == 2 { up >= 1 } else { up * 2 > n };
            if up >= 1 && (quorate || self.k.allow_quorum_loss) {
                break;
            }
            let down: Vec<usize> = (0..n)
                .filter(|&i| self.nodes[i].fate != NodeFate::Online)
                .collect();
            let &i = down.choose(&mut self.rng).expect("some node is down");
            self.nodes[i].fate = NodeFate::Online;
        }
        for i in 0..n {
            if self.nodes[i].fate != NodeFate::Online {
                continue;
            }
            if self.rng.gen_bool(self.k.p_node_standby) {
                self.nodes[i].standby = true;
                self.nodes[i].standby_settled = self.rng.gen_bool(self.k.p_standby_settled);
            } else if self.rng.gen_bool(self.k.p_node_shutdown) {
                self.nodes[i].shutdown = true;
            }
        }
    }

    fn make_fencing(&mut self) {
        let unames: Vec<String> = self.nodes.iter().map(|n| n.uname.clone()).collect();
        if self.rng.gen_bool(self.k.p_fence_per_node) {
            for (i, u) in unames.iter().enumerate() {
                let id = format!("fence-{u}");
                let params = vec![
                    ("ip".to_string(), format!("10.0.0.{}", 100 + i)),
                    ("password".to_string(), "secret".to_string()),
                    ("pcmk_host_list".to_string(), u.clone()),
                    ("username".to_string(), "admin".to_string()),
                ];
                let unit = self.push_unit(id.clone(), false, Vec::new(), true);
                self.push_prim(Prim {
                    id,
                    class: "stonith",
                    provider: None,
                    agent: "fence_ipmilan",
                    params,
                    monitor_ms: 60_000,
                    monitor_timeout_ms: 20_000,
                    full_ops: false,
                    meta: Vec::new(),
                    unit,
                });
                // A device does not fence its own host.
                self.cons.push(Cons::Location {
                    unit,
                    node: i,
                    score: -INF,
                });
            }
        } else {
            let id = if self.rng.gen_bool(0.5) {
                "Fencing"
            } else {
                "fence-xvm"
            }
            .to_string();
            let params = vec![
                (
                    "key_file".to_string(),
                    "/etc/pacemaker/fence_xvm.key".to_string(),
                ),
                (
                    "multicast_address".to_string(),
                    "239.255.100.100".to_string(),
                ),
                ("pcmk_host_list".to_string(), unames.join(" ")),
            ];
            let unit = self.push_unit(id.clone(), false, Vec::new(), true);
            let monitor_ms = if self.rng.gen_bool(0.5) {
                60_000
            } else {
                120_000
            };
            let monitor_timeout_ms = if self.rng.gen_bool(0.5) {
                20_000
            } else {
                120_000
            };
            self.push_prim(Prim {
                id,
                class: "stonith",
                provider: None,
                agent: "fence_xvm",
                params,
                monitor_ms,
                monitor_timeout_ms,
                full_ops: false,
                meta: Vec::new(),
                unit,
            });
        }
    }

    fn push_unit(
        &mut self,
        id: String,
        group: bool,
        meta: Vec<(String, String)>,
        fencing: bool,
    ) -> usize {
        self.units.push(Unit {
            id,
            group,
            members: Vec::new(),
            meta,
            fencing,
        });
        self.units.len() - 1
    }

    fn push_prim(&mut self, p: Prim) {
        let u = p.unit;
        self.prims.push(p);
        let idx = self.prims.len() - 1;
        self.units[u].members.push(idx);
    }

    fn unit_meta(&mut self) -> Vec<(String, String)> {
        let mut meta = Vec::new();
        if self.rng.gen_bool(self.k.p_target_stopped) {
            meta.push(("target-role".into(), "Stopped".into()));
        } else if self.rng.gen_bool(0.1) {
            meta.push(("target-role".into(), "Started".into()));
        }
        if self.rng.gen_bool(self.k.p_unmanaged) {
            meta.push(("is-managed".into(), "false".into()));
        }
        if self.rng.gen_bool(self.k.p_migration_threshold / 2.0) {
            meta.push((
                "migration-threshold".into(),
                self.rng.gen_range(1..=3).to_string(),
            ));
        }
        if self.rng.gen_bool(0.05) {
            meta.push((
                "resource-stickiness".into(),
                ["0", "50", "200", "INFINITY"][self.rng.gen_range(0..4)].into(),
            ));
        }
        meta
    }

    fn make_resources(&mut self) {
        let total = self.range(self.k.resources).max(1);
        let naming = self.rng.gen_range(0..3);
        let mut made = 0;
        let mut ngroups = 0;
        let mut nip = 0;
        let mut ndummy = 0;
        while made < total {
            let left = total - made;
            let is_group = left >= 2 && self.rng.gen_bool(self.k.p_group);
            let size = if is_group {
                self.range(self.k.group_size).clamp(1, left)
            } else {
                1
            };
            let meta = self.unit_meta();
            let gid = if is_group {
                ngroups += 1;
                Some(match naming {
                    0 => format!("group{ngroups}"),
                    1 => format!("grp{ngroups}"),
                    _ => {
                        ["web", "db", "app", "mail", "nfs", "ldap", "dns", "cache"]
                            [(ngroups - 1) % 8]
                            .to_string()
                            + if ngroups > 8 { "x" } else { "" }
                            + "-group"
                    }
                })
            } else {
                None
            };
            let unit_id_placeholder = gid.clone().unwrap_or_default();
            let unit = self.push_unit(
                unit_id_placeholder,
                is_group,
                if is_group { meta.clone() } else { Vec::new() },
                false,
            );
            for _ in 0..size {
                let ip = self.rng.gen_bool(self.k.p_ipaddr);
                let id = if ip {
                    nip += 1;
                    match naming {
                        0 => format!("vip{nip}"),
                        1 => format!("ip-{nip}"),
                        _ => format!("VirtualIP{nip}"),
                    }
                } else {
                    ndummy += 1;
                    match naming {
                        0 => format!("rsc{ndummy}"),
                        1 => format!("dummy{ndummy}"),
                        _ => format!("Service{ndummy}"),
                    }
                };
                let (class, provider, agent, params, mon, timeout) = if ip {
                    let mut params = vec![("ip".to_string(), format!("192.168.122.{}", 100 + nip))];
                    if self.rng.gen_bool(0.7) {
                        params.push(("cidr_netmask".to_string(), "24".to_string()));
                    }
                    ("ocf", Some("heartbeat"), "IPaddr2", params, 10_000, 20_000)
                } else {
                    let mut params = Vec::new();
                    if self.rng.gen_bool(0.15) {
                        params.push(("fake".to_string(), format!("value{ndummy}")));
                    }
                    let mon = [10_000, 10_000, 30_000, 60_000][self.rng.gen_range(0..4)];
                    let timeout = [20_000, 20_000, 30_000][self.rng.gen_range(0..3)];
                    ("ocf", Some("pacemaker"), "Dummy", params, mon, timeout)
                };
                let pmeta = if is_group {
                    if self.rng.gen_bool(0.03) {
                        vec![("target-role".to_string(), "Stopped".to_string())]
                    } else {
                        Vec::new()
                    }
                } else {
                    meta.clone()
                };
                let full_ops = self.rng.gen_bool(0.5);
                self.push_prim(Prim {
                    id,
                    class,
                    provider,
                    agent,
                    params,
                    monitor_ms: mon,
                    monitor_timeout_ms: timeout,
                    full_ops,
                    meta: pmeta,
                    unit,
                });
            }
            if !is_group {
                let m = self.units[unit].members[0];
                self.units[unit].id = self.prims[m].id.clone();
            }
            made += size;
        }
    }

    fn resource_units(&self) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&u| !self.units[u].fencing)
            .collect()
    }

    fn make_constraints(&mut self) {
        let runits = self.resource_units();
        let n = self.nodes.len();
        if self.opt_in {
            for u in 0..self.units.len() {
                let k = self.rng.gen_range(1..=n.min(3));
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut self.rng);
                for &node in order.iter().take(k) {
                    if self.cons.iter().any(|c| matches!(c, Cons::Location { unit, node: nd, .. } if *unit == u && *nd == node)) {
                        continue;
                    }
                    let score = [INF, 100, 50, 0, 200][self.rng.gen_range(0..5)];
                    self.cons.push(Cons::Location {
                        unit: u,
                        node,
                        score,
                    });
                }
            }
        }
        for (pos, &u) in runits.iter().enumerate() {
            let nl = self.count(self.k.locations_per_unit);
            for _ in 0..nl {
                let node = self.rng.gen_range(0..n);
                if self
                    .cons
                    .iter()
                    .any(|c| matches!(c, Cons::Location { unit, node: nd, .. } if *unit == u && *nd == node))
                {
                    continue;
                }
                let r: f64 = self.rng.gen();
                let score = if r < 0.2 {
                    INF
                } else if r < 0.4 {
                    -INF
                } else if r < 0.55 {
                    50
                } else if r < 0.9 {
                    100
                } else {
                    [10, 200, 500, 1000, -100][self.rng.gen_range(0..5)]
                };
                self.cons.push(Cons::Location {
                    unit: u,
                    node,
                    score,
                });
            }
            if pos == 0 {
                continue;
            }
            let nc = self.count(self.k.colocations_per_unit);
            for _ in 0..nc {
                let with = runits[self.rng.gen_range(0..pos)];
                if self
                    .cons
                    .iter()
                    .any(|c| matches!(c, Cons::Colocation { dep, with: w, .. } if *dep == u && *w == with))
                {
                    continue;
                }
                let r: f64 = self.rng.gen();
                let score = if r < 0.6 {
                    INF
                } else if r < 0.8 {
                    -INF
                } else {
                    [100, 500, -100, 1000][self.rng.gen_range(0..4)]
                };
                self.cons.push(Cons::Colocation {
                    dep: u,
                    with,
                    score,
                });
            }
            let no = self.count(self.k.orders_per_unit);
            for _ in 0..no {
                let first = runits[self.rng.gen_range(0..pos)];
                if self
                    .cons
                    .iter()
                    .any(|c| matches!(c, Cons::Order { first: f, then, .. } if *f == first && *then == u))
                {
                    continue;
                }
                let r: f64 = self.rng.gen();
                let (kind, symmetrical) = if r < 0.7 {
                    ("Mandatory", true)
                } else if r < 0.9 {
                    ("Optional", true)
                } else {
                    ("Mandatory", false)
                };
                self.cons.push(Cons::Order {
                    first,
                    then: u,
                    kind,
                    symmetrical,
                });
            }
        }
    }

    fn unit_is_stopped(&self, u: usize) -> bool {
        self.units[u]
            .meta
            .iter()
            .any(|(k, v)| k == "target-role" && v == "Stopped")
            || (!self.units[u].group
                && self.prims[self.units[u].members[0]]
                    .meta
                    .iter()
                    .any(|(k, v)| k == "target-role" && v == "Stopped"))
    }

    /// Where each unit ran before the latest events (`None` = stopped).
    #[allow(clippy::needless_range_loop)]
    fn place(&mut self) -> Vec<Option<usize>> {
        let n = self.nodes.len();
        let mut placed: Vec<Option<usize>> = vec![None; self.units.len()];
        let mut load = vec![0usize; n];
        for u in 0..self.units.len() {
            if self.unit_is_stopped(u) {
                // Sometimes it was only just disabled, so it still runs.
                if self.rng.gen_bool(0.7) {
                    continue;
                }
            }
            let mut score: Vec<i64> = (0..n)
                .map(|i| {
                    let nd = &self.nodes[i];
                    if !nd.fate.was_up() || (nd.standby && nd.standby_settled) {
                        -INF
                    } else if self.opt_in {
                        -1
                    } else {
                        0
                    }
                })
                .collect();
            let mut must_stop = false;
            for c in &self.cons {
                match *c {
                    Cons::Location {
                        unit,
                        node,
                        score: s,
                    } if unit == u && score[node] > -INF => {
                        score[node] = if self.opt_in && score[node] == -1 {
                            s
                        } else {
                            (score[node] + s).clamp(-INF, INF)
                        };
                    }
                    Cons::Colocation {
                        dep,
                        with,
                        score: s,
                    } if dep == u => match placed[with] {
                        Some(w) => {
                            if s >= INF {
                                for (i, sc) in score.iter_mut().enumerate() {
                                    if i != w {
                                        *sc = -INF;
                                    }
                                }
                            } else if s <= -INF {
                                score[w] = -INF;
                            } else if score[w] > -INF {
                                score[w] = (score[w] + s).clamp(-INF + 1, INF);
                            }
                        }
                        None => {
                            if s >= INF {
                                must_stop = true;
                            }
                        }
                    },
                    Cons::Order {
                        first, then, kind, ..
                    } if then == u && kind == "Mandatory" && placed[first].is_none() => {
                        must_stop = true;
                    }
                    _ => {}
                }
            }
            if must_stop {
                continue;
            }
            let allowed: Vec<usize> = (0..n).filter(|&i| score[i] >= 0).collect();
            if allowed.is_empty() {
                continue;
            }
            let choice = if self.rng.gen_bool(self.k.p_misplaced) {
                *allowed.choose(&mut self.rng).expect("non-empty")
            } else {
                let best = allowed.iter().map(|&i| score[i]).max().expect("non-empty");
                let tops: Vec<usize> = allowed
                    .iter()
                    .copied()
                    .filter(|&i| score[i] == best)
                    .collect();
                let least = tops.iter().map(|&i| load[i]).min().expect("non-empty");
                let cands: Vec<usize> = tops.into_iter().filter(|&i| load[i] == least).collect();
                *cands.choose(&mut self.rng).expect("non-empty")
            };
            placed[u] = Some(choice);
            load[choice] += self.units[u].members.len();
        }
        placed
    }

    /// The executor history per (node, primitive).
    #[allow(clippy::needless_range_loop)]
    fn histories(&mut self, placed: &[Option<usize>]) -> Vec<Vec<Hist>> {
        let n = self.nodes.len();
        let np = self.prims.len();
        let mut h = vec![vec![Hist::None; np]; n];
        // Probes everywhere the node was up (or cleanly left after being up).
        for (i, row) in h.iter_mut().enumerate() {
            let fate = self.nodes[i].fate;
            let has_lrm = match fate {
                NodeFate::Online | NodeFate::Lost | NodeFate::CrmdDown => true,
                NodeFate::Offline => self.rng.gen_bool(0.5),
                NodeFate::Unseen => false,
            };
            if !has_lrm {
                continue;
            }
            for cell in row.iter_mut() {
                if !self.rng.gen_bool(self.k.p_unprobed) {
                    *cell = Hist::Probed;
                }
            }
        }
        for u in 0..self.units.len() {
            let members = self.units[u].members.clone();
            let Some(node) = placed[u] else {
                // A stopped unit may have failed to start somewhere before.
                if self.rng.gen_bool(self.k.p_old_start_fail) {
                    let ups: Vec<usize> = (0..n)
                        .filter(|&i| self.nodes[i].fate == NodeFate::Online)
                        .collect();
                    if let Some(&x) = ups.choose(&mut self.rng) {
                        let m = members[0];
                        h[x][m] = Hist::StartFailedStopped;
                    }
                }
                continue;
            };
            // Which member's start failed just now (the rest after it never started).
            let start_fail_at = if self.rng.gen_bool(self.k.p_start_fail)
                && self.nodes[node].fate == NodeFate::Online
            {
                Some(self.rng.gen_range(0..members.len()))
            } else {
                None
            };
            let stop_fail_at = if start_fail_at.is_none() && self.rng.gen_bool(self.k.p_stop_fail) {
                Some(self.rng.gen_range(0..members.len()))
            } else {
                None
            };
            for (j, &m) in members.iter().enumerate() {
                let cell = match (start_fail_at, stop_fail_at) {
                    (Some(f), _) if j == f => Hist::StartFailed,
                    (Some(f), _) if j > f => {
                        if matches!(h[node][m], Hist::None) {
                            Hist::None
                        } else {
                            Hist::Probed
                        }
                    }
                    // A group stops in reverse: members after the failed
                    // one are already stopped, the ones before still run.
                    (_, Some(f)) if j == f => Hist::StopFailed,
                    (_, Some(f)) if j > f => Hist::Stopped,
                    _ => {
                        let mon = if self.rng.gen_bool(self.k.p_monitor_fail) {
                            match self.rng.gen_range(0..6) {
                                0..=2 => MonResult::NotRunning,
                                3 | 4 => MonResult::Error,
                                _ => MonResult::Timeout,
                            }
                        } else {
                            MonResult::Ok
                        };
                        Hist::Running {
                            mon,
                            old_fail: mon == MonResult::Ok
                                && self.rng.gen_bool(self.k.p_old_monitor_fail),
                        }
                    }
                };
                h[node][m] = cell;
            }
            // Earlier history elsewhere: a move, or a cleaned-up start failure.
            let others: Vec<usize> = (0..n)
                .filter(|&i| {
                    i != node
                        && matches!(
                            self.nodes[i].fate,
                            NodeFate::Online | NodeFate::Lost | NodeFate::CrmdDown
                        )
                })
                .collect();
            if !others.is_empty() && self.rng.gen_bool(self.k.p_moved_history) {
                let &x = others.choose(&mut self.rng).expect("non-empty");
                for &m in &members {
                    h[x][m] = Hist::Stopped;
                }
            }
            if !others.is_empty() && self.rng.gen_bool(self.k.p_old_start_fail) {
                let &x = others.choose(&mut self.rng).expect("non-empty");
                let m = members[self.rng.gen_range(0..members.len())];
                h[x][m] = Hist::StartFailedStopped;
            }
            if !others.is_empty() && self.rng.gen_bool(self.k.p_probe_active) {
                let online: Vec<usize> = others
                    .iter()
                    .copied()
                    .filter(|&i| self.nodes[i].fate == NodeFate::Online)
                    .collect();
                if let Some(&x) = online.choose(&mut self.rng) {
                    let m = members[self.rng.gen_range(0..members.len())];
                    h[x][m] = Hist::ProbeActive;
                }
            }
        }
        h
    }

    // ---------------------------------------------------------------- render

    fn render(&mut self, seed: u64, hist: &[Vec<Hist>]) -> String {
        let n = self.nodes.len();
        let up = self
            .nodes
            .iter()
            .filter(|x| x.fate == NodeFate::Online)
            .count();
        let quorate = if n == 2 { up >= 1 } else { up * 2 > n };
        let dc = self
            .nodes
            .iter()
            .find(|x| x.fate == NodeFate::Online && !x.shutdown)
            .or_else(|| self.nodes.iter().find(|x| x.fate == NodeFate::Online))
            .map(|x| x.id.clone())
            .unwrap_or_else(|| "1".into());
        let epoch = self.rng.gen_range(5..400);
        let num_updates = self.rng.gen_range(0..60);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<cib crm_feature_set=\"{FEATURE_SET}\" validate-with=\"pacemaker-3.7\" epoch=\"{epoch}\" num_updates=\"{num_updates}\" admin_epoch=\"0\" cib-last-written=\"Thu Nov 24 10:00:00 2022\" update-origin=\"{}\" update-client=\"cibadmin\" update-user=\"root\" have-quorum=\"{}\" dc-uuid=\"{dc}\">",
            self.nodes[0].uname,
            if quorate { 1 } else { 0 }
        );
        let _ = writeln!(o, "  <!-- pacesim testgen seed {seed} -->");
        o.push_str("  <configuration>\n");
        self.render_crm_config(&mut o);
        self.render_nodes(&mut o);
        self.render_resources(&mut o);
        self.render_constraints(&mut o);
        self.render_defaults(&mut o);
        o.push_str("  </configuration>\n");
        self.render_status(&mut o, hist);
        o.push_str("</cib>\n");
        o
    }

    fn render_crm_config(&mut self, o: &mut String) {
        o.push_str("    <crm_config>\n      <cluster_property_set id=\"cib-bootstrap-options\">\n");
        let mut props: Vec<(&str, String)> = vec![
            ("have-watchdog", "false".into()),
            ("dc-version", "2.1.5-a3f44794f94".into()),
            ("cluster-infrastructure", "corosync".into()),
            (
                "cluster-name",
                ["mycluster", "hacluster", "test"][self.rng.gen_range(0..3)].into(),
            ),
            (
                "stonith-enabled",
                if self.stonith { "true" } else { "false" }.into(),
            ),
        ];
        if self.opt_in {
            props.push(("symmetric-cluster", "false".into()));
        }
        if !self.start_failure_fatal {
            props.push(("start-failure-is-fatal", "false".into()));
        }
        if self.nodes.len() == 2 && self.rng.gen_bool(0.3) {
            props.push(("no-quorum-policy", "ignore".into()));
        }
        for (k, v) in props {
            let _ = writeln!(
                o,
                "        <nvpair id=\"cib-bootstrap-options-{k}\" name=\"{k}\" value=\"{}\"/>",
                esc(&v)
            );
        }
        o.push_str("      </cluster_property_set>\n    </crm_config>\n");
    }

    fn render_nodes(&self, o: &mut String) {
        o.push_str("    <nodes>\n");
        for (i, nd) in self.nodes.iter().enumerate() {
            let mut attrs: Vec<(&str, &str)> = Vec::new();
            if let Some(site) = self.sites.get(i).copied().flatten() {
                attrs.push(("site", site));
            }
            if nd.standby {
                attrs.push(("standby", "on"));
            }
            if attrs.is_empty() {
                let _ = writeln!(o, "      <node id=\"{}\" uname=\"{}\"/>", nd.id, nd.uname);
                continue;
            }
            let _ = writeln!(o, "      <node id=\"{}\" uname=\"{}\">", nd.id, nd.uname);
            let _ = writeln!(o, "        <instance_attributes id=\"nodes-{}\">", nd.id);
            for (k, v) in attrs {
                let _ = writeln!(
                    o,
                    "          <nvpair id=\"nodes-{}-{k}\" name=\"{k}\" value=\"{v}\"/>",
                    nd.id
                );
            }
            o.push_str("        </instance_attributes>\n      </node>\n");
        }
        o.push_str("    </nodes>\n");
    }

    fn render_meta(o: &mut String, owner: &str, meta: &[(String, String)], indent: &str) {
        if meta.is_empty() {
            return;
        }
        let _ = writeln!(
            o,
            "{indent}<meta_attributes id=\"{owner}-meta_attributes\">"
        );
        for (k, v) in meta {
            let _ = writeln!(
                o,
                "{indent}  <nvpair id=\"{owner}-meta_attributes-{k}\" name=\"{k}\" value=\"{}\"/>",
                esc(v)
            );
        }
        let _ = writeln!(o, "{indent}</meta_attributes>");
    }

    fn render_prim(&self, o: &mut String, pi: usize, indent: &str) {
        let p = &self.prims[pi];
        let on_fail = self.on_fail[pi]
            .map(|f| format!(" on-fail=\"{f}\""))
            .unwrap_or_default();
        let prov = p
            .provider
            .map(|x| format!(" provider=\"{x}\""))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "{indent}<primitive class=\"{}\" id=\"{}\"{prov} type=\"{}\">",
            p.class, p.id, p.agent
        );
        let i2 = format!("{indent}  ");
        if !p.params.is_empty() {
            let _ = writeln!(
                o,
                "{i2}<instance_attributes id=\"{}-instance_attributes\">",
                p.id
            );
            for (k, v) in &p.params {
                let _ = writeln!(
                    o,
                    "{i2}  <nvpair id=\"{}-instance_attributes-{k}\" name=\"{k}\" value=\"{}\"/>",
                    p.id,
                    esc(v)
                );
            }
            let _ = writeln!(o, "{i2}</instance_attributes>");
        }
        Self::render_meta(o, &p.id, &p.meta, &i2);
        let _ = writeln!(o, "{i2}<operations>");
        let mon_s = p.monitor_ms / 1000;
        let to_s = p.monitor_timeout_ms / 1000;
        let _ = writeln!(
            o,
            "{i2}  <op id=\"{}-monitor-interval-{mon_s}s\" interval=\"{mon_s}s\" name=\"monitor\" timeout=\"{to_s}s\"{on_fail}/>",
            p.id
        );
        if p.full_ops {
            for op in ["start", "stop"] {
                let _ = writeln!(
                    o,
                    "{i2}  <op id=\"{}-{op}-interval-0s\" interval=\"0s\" name=\"{op}\" timeout=\"20s\"/>",
                    p.id
                );
            }
        }
        let _ = writeln!(o, "{i2}</operations>");
        let _ = writeln!(o, "{indent}</primitive>");
    }

    fn render_resources(&self, o: &mut String) {
        o.push_str("    <resources>\n");
        for u in &self.units {
            if u.group {
                let _ = writeln!(o, "      <group id=\"{}\">", u.id);
                for &m in &u.members {
                    self.render_prim(o, m, "        ");
                }
                Self::render_meta(o, &u.id, &u.meta, "        ");
                o.push_str("      </group>\n");
            } else {
                self.render_prim(o, u.members[0], "      ");
            }
        }
        o.push_str("    </resources>\n");
    }

    fn render_constraints(&mut self, o: &mut String) {
        if self.cons.is_empty() {
            o.push_str("    <constraints/>\n");
            return;
        }
        o.push_str("    <constraints>\n");
        for c in &self.cons.clone() {
            match *c {
                Cons::Location { unit, node, score } => {
                    let r = &self.units[unit].id;
                    let nd = &self.nodes[node].uname;
                    let s = score_str(score);
                    if self.var.gen_bool(self.k.p_location_rule) {
                        let (attr, value) = match self.sites[node] {
                            Some(site) if self.var.gen_bool(0.4) => ("site", site.to_string()),
                            _ => ("#uname", nd.clone()),
                        };
                        let id = format!("location-{r}-{nd}-{s}");
                        let _ = writeln!(o, "      <rsc_location id=\"{id}\" rsc=\"{r}\">");
                        let _ = writeln!(o, "        <rule id=\"{id}-rule\" score=\"{s}\">");
                        let _ = writeln!(
                            o,
                            "          <expression id=\"{id}-rule-expr\" attribute=\"{attr}\" operation=\"eq\" value=\"{value}\"/>"
                        );
                        o.push_str("        </rule>\n      </rsc_location>\n");
                        continue;
                    }
                    let _ = writeln!(
                        o,
                        "      <rsc_location id=\"location-{r}-{nd}-{s}\" node=\"{nd}\" rsc=\"{r}\" score=\"{s}\"/>"
                    );
                }
                Cons::Colocation { dep, with, score } => {
                    let a = &self.units[dep].id;
                    let b = &self.units[with].id;
                    let s = score_str(score);
                    let _ = writeln!(
                        o,
                        "      <rsc_colocation id=\"colocation-{a}-{b}-{s}\" rsc=\"{a}\" score=\"{s}\" with-rsc=\"{b}\"/>"
                    );
                }
                Cons::Order {
                    first,
                    then,
                    kind,
                    symmetrical,
                } => {
                    let a = &self.units[first].id;
                    let b = &self.units[then].id;
                    let kind_attr = if kind == "Mandatory" && symmetrical {
                        String::new()
                    } else {
                        format!(" kind=\"{kind}\"")
                    };
                    let sym = if symmetrical {
                        ""
                    } else {
                        " symmetrical=\"false\""
                    };
                    let _ = writeln!(
                        o,
                        "      <rsc_order first=\"{a}\" first-action=\"start\" id=\"order-{a}-{b}-{kind}\"{kind_attr}{sym} then=\"{b}\" then-action=\"start\"/>"
                    );
                }
            }
        }
        o.push_str("    </constraints>\n");
    }

    fn render_defaults(&mut self, o: &mut String) {
        let mut meta: Vec<(String, String)> = Vec::new();
        if self.rng.gen_bool(self.k.p_stickiness) {
            meta.push((
                "resource-stickiness".into(),
                ["1", "100", "100", "1000", "INFINITY"][self.rng.gen_range(0..5)].into(),
            ));
        }
        if self.rng.gen_bool(self.k.p_migration_threshold / 2.0) {
            meta.push((
                "migration-threshold".into(),
                self.rng.gen_range(1..=5).to_string(),
            ));
        }
        if meta.is_empty() {
            return;
        }
        o.push_str("    <rsc_defaults>\n");
        Self::render_meta(o, "rsc_defaults", &meta, "      ");
        o.push_str("    </rsc_defaults>\n");
    }

    #[allow(clippy::needless_range_loop)]
    fn render_status(&mut self, o: &mut String, hist: &[Vec<Hist>]) {
        o.push_str("  <status>\n");
        let uuid = {
            let b: [u8; 16] = self.rng.gen();
            let hx: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &hx[0..8],
                &hx[8..12],
                &hx[12..16],
                &hx[16..20],
                &hx[20..32]
            )
        };
        let base_ts: i64 = 1_669_000_000 + self.rng.gen_range(0..100_000);
        for i in 0..self.nodes.len() {
            let nd = self.nodes[i].clone();
            let variant = matches!(nd.fate, NodeFate::Lost | NodeFate::Offline)
                && self.var.gen_bool(self.k.p_node_state_variant);
            let (in_ccm, crmd, join, expected) = match (nd.fate, variant) {
                (NodeFate::Unseen, _) => continue,
                (NodeFate::Online, _) => ("true", "online", "member", Some("member")),
                (NodeFate::Lost, false) => ("false", "offline", "down", Some("member")),
                // Lost, as recorded before the controller noticed, or with
                // the join state not yet cleared.
                (NodeFate::Lost, true) => {
                    if self.var.gen_bool(0.5) {
                        ("false", "online", "member", Some("member"))
                    } else {
                        ("false", "offline", "member", Some("member"))
                    }
                }
                (NodeFate::CrmdDown, _) => ("true", "offline", "down", Some("member")),
                (NodeFate::Offline, false) => ("false", "offline", "down", Some("down")),
                (NodeFate::Offline, true) => ("false", "offline", "down", None),
            };
            let expected = expected
                .map(|e| format!(" expected=\"{e}\""))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "    <node_state id=\"{}\" uname=\"{}\" in_ccm=\"{in_ccm}\" crmd=\"{crmd}\" crm-debug-origin=\"do_update_resource\" join=\"{join}\"{expected}>",
                nd.id, nd.uname
            );
            let mut ops = String::new();
            let mut attrs: Vec<(String, String)> =
                vec![("#feature-set".into(), FEATURE_SET.into())];
            if nd.shutdown {
                attrs.push(("shutdown".into(), (base_ts + 5000).to_string()));
            }
            let any_hist = hist[i].iter().any(|x| *x != Hist::None);
            if any_hist {
                self.render_lrm(&mut ops, i, &hist[i], &uuid, base_ts, &mut attrs);
            }
            if nd.fate != NodeFate::Offline {
                let _ = writeln!(o, "      <transient_attributes id=\"{}\">", nd.id);
                let _ = writeln!(o, "        <instance_attributes id=\"status-{}\">", nd.id);
                for (k, v) in &attrs {
                    let kid = k.replace('#', ".");
                    let _ = writeln!(
                        o,
                        "          <nvpair id=\"status-{}-{kid}\" name=\"{k}\" value=\"{}\"/>",
                        nd.id,
                        esc(v)
                    );
                }
                o.push_str("        </instance_attributes>\n      </transient_attributes>\n");
            }
            if any_hist {
                let _ = writeln!(o, "      <lrm id=\"{}\">\n        <lrm_resources>", nd.id);
                o.push_str(&ops);
                o.push_str("        </lrm_resources>\n      </lrm>\n");
            }
            o.push_str("    </node_state>\n");
        }
        o.push_str("  </status>\n");
    }

    /// Writes the `lrm_resource` entries of node `i`, adding fail counts to `attrs`.
    fn render_lrm(
        &mut self,
        o: &mut String,
        i: usize,
        row: &[Hist],
        uuid: &str,
        base_ts: i64,
        attrs: &mut Vec<(String, String)>,
    ) {
        let uname = self.nodes[i].uname.clone();
        // What the controller records for a failed start (`start-failure-is-fatal`).
        let start_count = if self.start_failure_fatal {
            "INFINITY"
        } else {
            "1"
        }
        .to_string();
        let mut call: u32 = self.rng.gen_range(1..20);
        let mut transition: u32 = self.rng.gen_range(0..5);
        let mut ts = base_ts + self.rng.gen_range(0..600);
        // Probes come first (the node's first transition), in resource order.
        let mut probe_call = vec![0u32; row.len()];
        for (p, h) in row.iter().enumerate() {
            if *h != Hist::None {
                probe_call[p] = call;
                call += 1;
            }
        }
        transition += 1;
        let mut recs: Vec<String> = vec![String::new(); row.len()];
        let order: Vec<usize> = (0..row.len()).collect();
        for &p in &order {
            let h = row[p];
            if h == Hist::None {
                continue;
            }
            let prim = self.prims[p].clone();
            let mut ctx = OpCtx {
                prim: &prim,
                uname: &uname,
                uuid,
                out: String::new(),
            };
            let action_id = |rng: &mut ChaCha8Rng| rng.gen_range(1..60u32);
            let probe_ts = base_ts;
            let mon = prim.monitor_ms;
            let key_mon = format!("monitor_{mon}");
            match h {
                Hist::None => {}
                Hist::Probed => {
                    let a = action_id(&mut self.rng);
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "monitor",
                        call: probe_call[p],
                        rc: 7,
                        target_rc: 7,
                        action: a,
                        ts: probe_ts,
                        ..OpEntry::default()
                    });
                }
                Hist::ProbeActive => {
                    let a = action_id(&mut self.rng);
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "monitor",
                        call: probe_call[p],
                        target_rc: 7,
                        action: a,
                        ts: probe_ts,
                        ..OpEntry::default()
                    });
                }
                Hist::Running { mon: res, old_fail } => {
                    let t = transition + self.rng.gen_range(0..3);
                    ts += self.rng.gen_range(1..200);
                    let a = action_id(&mut self.rng);
                    if old_fail {
                        // Failed once, recovered in place: the failure stays on record.
                        let fail_call = call;
                        call += 3;
                        let fts = ts;
                        ctx.op(OpEntry {
                            suffix: "last_failure_0",
                            task: "monitor",
                            interval_ms: mon,
                            call: fail_call,
                            rc: 7,
                            action: a,
                            transition: t,
                            ts: fts,
                            ..OpEntry::default()
                        });
                        attrs.push((format!("fail-count-{}#{key_mon}", prim.id), "1".into()));
                        attrs.push((
                            format!("last-failure-{}#{key_mon}", prim.id),
                            fts.to_string(),
                        ));
                        ts += 30;
                    }
                    let start_call = call;
                    call += 1;
                    let mon_call = call;
                    call += 1;
                    let exec = self.rng.gen_range(10..80);
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "start",
                        call: start_call,
                        action: a,
                        transition: t,
                        ts,
                        exec_ms: exec,
                        ..OpEntry::default()
                    });
                    let (rc, status) = match res {
                        MonResult::Ok => (0, 0),
                        MonResult::NotRunning => (7, 0),
                        MonResult::Error => (1, 0),
                        MonResult::Timeout => (1, 2),
                    };
                    let mts = if res == MonResult::Ok {
                        ts
                    } else {
                        ts + self.rng.gen_range(100..3000)
                    };
                    let mexec = if status == 2 {
                        prim.monitor_timeout_ms as u32
                    } else {
                        self.rng.gen_range(5..40)
                    };
                    ctx.op(OpEntry {
                        suffix: &key_mon,
                        task: "monitor",
                        interval_ms: mon,
                        call: mon_call,
                        rc,
                        status,
                        action: a + 1,
                        transition: t,
                        ts: mts,
                        exec_ms: mexec,
                        ..OpEntry::default()
                    });
                    if res != MonResult::Ok {
                        ctx.op(OpEntry {
                            suffix: "last_failure_0",
                            task: "monitor",
                            interval_ms: mon,
                            call: mon_call,
                            rc,
                            status,
                            action: a + 1,
                            transition: t,
                            ts: mts,
                            exec_ms: mexec,
                            ..OpEntry::default()
                        });
                        attrs.push((format!("fail-count-{}#{key_mon}", prim.id), "1".into()));
                        attrs.push((
                            format!("last-failure-{}#{key_mon}", prim.id),
                            mts.to_string(),
                        ));
                    }
                }
                Hist::StartFailed => {
                    let t = transition + self.rng.gen_range(0..3);
                    ts += self.rng.gen_range(1..200);
                    let a = action_id(&mut self.rng);
                    let c = call;
                    call += 1;
                    let (rc, status, exec) = if self.rng.gen_bool(0.7) {
                        (1, 0, self.rng.gen_range(10..80))
                    } else {
                        (1, 2, 20_000)
                    };
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "start",
                        call: c,
                        rc,
                        status,
                        action: a,
                        transition: t,
                        ts,
                        exec_ms: exec,
                        ..OpEntry::default()
                    });
                    ctx.op(OpEntry {
                        suffix: "last_failure_0",
                        task: "start",
                        call: c,
                        rc,
                        status,
                        action: a,
                        transition: t,
                        ts,
                        exec_ms: exec,
                        ..OpEntry::default()
                    });
                    attrs.push((
                        format!("fail-count-{}#start_0", prim.id),
                        start_count.clone(),
                    ));
                    attrs.push((format!("last-failure-{}#start_0", prim.id), ts.to_string()));
                }
                Hist::StartFailedStopped => {
                    let t = transition;
                    ts += self.rng.gen_range(1..200);
                    let a = action_id(&mut self.rng);
                    let c = call;
                    call += 2;
                    let fts = ts;
                    ctx.op(OpEntry {
                        suffix: "last_failure_0",
                        task: "start",
                        call: c,
                        rc: 1,
                        action: a,
                        transition: t,
                        ts: fts,
                        exec_ms: 40,
                        ..OpEntry::default()
                    });
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "stop",
                        call: c + 1,
                        action: a,
                        transition: t + 1,
                        ts: fts + 2,
                        exec_ms: 30,
                        ..OpEntry::default()
                    });
                    attrs.push((
                        format!("fail-count-{}#start_0", prim.id),
                        start_count.clone(),
                    ));
                    attrs.push((format!("last-failure-{}#start_0", prim.id), fts.to_string()));
                }
                Hist::StopFailed => {
                    let t = transition + 3;
                    ts += self.rng.gen_range(1..200);
                    let a = action_id(&mut self.rng);
                    let c = call + 2;
                    call += 3;
                    let (rc, status, exec) = if self.rng.gen_bool(0.6) {
                        (1, 0, self.rng.gen_range(10..80))
                    } else {
                        (1, 2, 20_000)
                    };
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "stop",
                        call: c,
                        rc,
                        status,
                        action: a,
                        transition: t,
                        ts: ts + 500,
                        exec_ms: exec,
                        ..OpEntry::default()
                    });
                    ctx.op(OpEntry {
                        suffix: "last_failure_0",
                        task: "stop",
                        call: c,
                        rc,
                        status,
                        action: a,
                        transition: t,
                        ts: ts + 500,
                        exec_ms: exec,
                        ..OpEntry::default()
                    });
                    attrs.push((format!("fail-count-{}#stop_0", prim.id), "INFINITY".into()));
                    attrs.push((
                        format!("last-failure-{}#stop_0", prim.id),
                        (ts + 500).to_string(),
                    ));
                }
                Hist::Stopped => {
                    let t = transition;
                    ts += self.rng.gen_range(1..200);
                    let a = action_id(&mut self.rng);
                    let c = call + 2;
                    call += 3;
                    ctx.op(OpEntry {
                        suffix: "last_0",
                        task: "stop",
                        call: c,
                        action: a,
                        transition: t,
                        ts,
                        exec_ms: 30,
                        ..OpEntry::default()
                    });
                }
            }
            recs[p] = ctx.out;
        }
        for &p in &order {
            if row[p] == Hist::None {
                continue;
            }
            let prim = &self.prims[p];
            let prov = prim
                .provider
                .map(|x| format!(" provider=\"{x}\""))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "          <lrm_resource id=\"{}\" class=\"{}\"{prov} type=\"{}\">",
                prim.id, prim.class, prim.agent
            );
            o.push_str(&recs[p]);
            o.push_str("          </lrm_resource>\n");
        }
    }
}

/// Writes `lrm_rsc_op` elements for one primitive on one node.
struct OpCtx<'a> {
    prim: &'a Prim,
    uname: &'a str,
    uuid: &'a str,
    out: String,
}

/// One `lrm_rsc_op` entry's values; the unset ones are 0.
#[derive(Default)]
struct OpEntry<'a> {
    /// Names the entry: `last_0`, `last_failure_0` or `monitor_<ms>`.
    suffix: &'a str,
    task: &'a str,
    interval_ms: u64,
    /// `call-id`.
    call: u32,
    /// `rc-code`.
    rc: u32,
    /// `op-status`.
    status: u32,
    /// The rc the controller expected (7 for probes).
    target_rc: u32,
    /// The action's number in its transition (`transition-key`).
    action: u32,
    /// The transition's number (`transition-key`).
    transition: u32,
    /// `last-rc-change`.
    ts: i64,
    /// `exec-time`.
    exec_ms: u32,
}

impl OpCtx<'_> {
    /// Writes one `lrm_rsc_op`.
    fn op(&mut self, entry: OpEntry) {
        let OpEntry {
            suffix,
            task,
            interval_ms,
            call,
            rc,
            status,
            target_rc: target,
            action,
            transition,
            ts,
            exec_ms: exec,
        } = entry;
        let p = self.prim;
        let key = format!("{}_{task}_{interval_ms}", p.id);
        let tkey = format!("{action}:{transition}:{target}:{}", self.uuid);
        let digest = op_digest(&p.params, interval_ms, p.monitor_timeout_ms);
        let _ = writeln!(
            self.out,
            "            <lrm_rsc_op id=\"{}_{suffix}\" operation_key=\"{key}\" operation=\"{task}\" crm-debug-origin=\"do_update_resource\" crm_feature_set=\"{FEATURE_SET}\" transition-key=\"{tkey}\" transition-magic=\"{status}:{rc};{tkey}\" exit-reason=\"\" on_node=\"{}\" call-id=\"{call}\" rc-code=\"{rc}\" op-status=\"{status}\" interval=\"{interval_ms}\" last-rc-change=\"{ts}\" exec-time=\"{exec}\" queue-time=\"0\" op-digest=\"{digest}\"/>",
            p.id, self.uname
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        for seed in 0..20 {
            assert_eq!(generate_default(seed), generate_default(seed));
        }
        assert_ne!(generate_default(1), generate_default(2));
    }

    #[test]
    fn digest_of_fence_xvm_params_matches_pacemaker() {
        let params = vec![
            (
                "key_file".to_string(),
                "/etc/pacemaker/fence_xvm.key".to_string(),
            ),
            (
                "multicast_address".to_string(),
                "239.255.100.100".to_string(),
            ),
            ("pcmk_host_list".to_string(), "node1 node2".to_string()),
        ];
        assert_eq!(
            op_digest(&params, 0, 120_000),
            "d0ecced094a226a0aa38fbde1316160f"
        );
        assert_eq!(
            op_digest(&params, 120_000, 120_000),
            "d0a362070301042f83d1a341e91b21d7"
        );
    }

    #[test]
    fn generated_cibs_parse_and_validate() {
        for seed in 0..200 {
            let text = generate_default(seed);
            let cib = crate::cib::from_str(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            crate::cib::validate::check(&cib).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
    }
}
