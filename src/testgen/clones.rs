//! Random CIBs built around clones, for the second differential test
//! against `crm_simulate`: anonymous and globally-unique clones, promotable
//! clones of `ocf:pacemaker:Stateful`, cloned groups, and plain primitives
//! colocated with them and ordered after them, on a cluster some of whose
//! nodes are in standby or cleanly down.
//!
//! The main generator ([`super::generate`]) draws primitives and groups
//! with failure histories; clones there would multiply its cases. This one
//! spends its randomness on what clones add instead: how many instances run
//! and where, which one is promoted and what promotion scores the agent
//! left, interleaving, orders and colocations with a role, and instances
//! that are missing, misplaced or failed.
//!
//! The history is what a controller would have recorded: probes (or, now
//! and then, none yet), a start and the recurring monitor of every running
//! instance, a promote for promoted ones, a failed monitor here and there
//! with its fail count, all with the digests Pacemaker computes so that no
//! restart is asked for spuriously. Anonymous instances are recorded under
//! the primitive's id, unique ones as `id:N`, as Pacemaker records them.
//!
//! One seed always gives the same text (a ChaCha8 stream; no clock, no OS).

use std::fmt::Write as _;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::op_digest;

/// The feature set the generated CIBs claim (what Debian's Pacemaker 2.1.5 writes;
/// crm_simulate refuses status updates under a newer one).
const FEATURE_SET: &str = "3.16.1";
/// The timeout written on every recurring monitor, in ms (it is part of the
/// monitor's digest).
const MONITOR_TIMEOUT_MS: u64 = 20_000;

/// What a node went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Online,
    /// Online, and just put in standby (resources still run there).
    Standby,
    /// Cleanly shut down; its history is gone.
    Offline,
}

/// The kind of a resource unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    AnonClone,
    UniqueClone,
    Promotable,
    GroupClone,
    Primitive,
}

/// One configured unit: a clone (with its primitives) or a primitive.
#[derive(Debug, Clone)]
struct Unit {
    kind: Kind,
    /// The id constraints name: the clone's, or the primitive's.
    id: String,
    /// The primitives inside (one, or a cloned group's members).
    prims: Vec<String>,
    /// The cloned group's id.
    group: Option<String>,
    /// `clone-max`, when set.
    clone_max: Option<usize>,
    /// `clone-node-max` (unique clones).
    clone_node_max: usize,
    promoted_max: usize,
    interleave: bool,
}

impl Unit {
    fn is_clone(&self) -> bool {
        self.kind != Kind::Primitive
    }

    fn agent(&self) -> &'static str {
        if self.kind == Kind::Promotable {
            "Stateful"
        } else {
            "Dummy"
        }
    }
}

/// A running instance: unit, instance number (unique clones), node, and
/// whether it is promoted.
#[derive(Debug, Clone, Copy)]
struct Instance {
    unit: usize,
    number: usize,
    node: usize,
    promoted: bool,
    /// Only the first member of a cloned group runs.
    partial: bool,
}

/// Generates one clone-centred CIB (XML text) from `seed`.
pub fn generate(seed: u64) -> String {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0xc10e_5eed),
        fates: Vec::new(),
        units: Vec::new(),
    };
    g.make_nodes();
    g.make_units();
    let running = g.place();
    g.render(seed, &running)
}

struct Gen {
    rng: ChaCha8Rng,
    fates: Vec<Fate>,
    units: Vec<Unit>,
}

impl Gen {
    fn make_nodes(&mut self) {
        let n = self.rng.gen_range(2..=5);
        self.fates = vec![Fate::Online; n];
        // Fewer than half the nodes leave, so that the cluster keeps quorum
        // (a two-node cluster may lose one: have-quorum is written as such).
        let may_leave = if n == 2 { 1 } else { (n - 1) / 2 };
        let mut left = 0;
        for f in self.fates.iter_mut() {
            let x: f64 = self.rng.gen();
            if x < 0.12 && left < may_leave {
                *f = Fate::Offline;
                left += 1;
            } else if x < 0.22 {
                *f = Fate::Standby;
            }
        }
        if !self.fates.contains(&Fate::Online) {
            self.fates[0] = Fate::Online;
        }
    }

    fn up(&self, node: usize) -> bool {
        self.fates[node] != Fate::Offline
    }

    fn make_units(&mut self) {
        let clones = self.rng.gen_range(1..=3);
        let prims = self.rng.gen_range(0..=3);
        for i in 0..clones {
            let kind = *[
                Kind::AnonClone,
                Kind::AnonClone,
                Kind::Promotable,
                Kind::Promotable,
                Kind::UniqueClone,
                Kind::GroupClone,
            ]
            .choose(&mut self.rng)
            .expect("non-empty");
            let n = self.fates.len();
            let (stem, prims, group) = match kind {
                Kind::AnonClone => (format!("d{i}"), vec![format!("d{i}")], None),
                Kind::UniqueClone => (format!("u{i}"), vec![format!("u{i}")], None),
                Kind::Promotable => (format!("s{i}"), vec![format!("s{i}")], None),
                _ => (
                    format!("g{i}"),
                    vec![format!("g{i}a"), format!("g{i}b")],
                    Some(format!("g{i}")),
                ),
            };
            let unique = kind == Kind::UniqueClone;
            let clone_max = if unique {
                Some(self.rng.gen_range(2..=4))
            } else if self.rng.gen_bool(0.3) {
                Some(self.rng.gen_range(1..=n))
            } else {
                None
            };
            let clone_node_max = if unique { self.rng.gen_range(1..=2) } else { 1 };
            let promoted_max = if self.rng.gen_bool(0.2) { 2 } else { 1 };
            let interleave = self.rng.gen_bool(0.5);
            self.units.push(Unit {
                kind,
                id: format!("{stem}-clone"),
                prims,
                group,
                clone_max,
                clone_node_max,
                promoted_max,
                interleave,
            });
        }
        for i in 0..prims {
            self.units.push(Unit {
                kind: Kind::Primitive,
                id: format!("p{i}"),
                prims: vec![format!("p{i}")],
                group: None,
                clone_max: None,
                clone_node_max: 1,
                promoted_max: 0,
                interleave: false,
            });
        }
    }

    /// Where instances ran before the latest changes.
    fn place(&mut self) -> Vec<Instance> {
        let n = self.fates.len();
        let up: Vec<usize> = (0..n).filter(|&x| self.up(x)).collect();
        let mut out = Vec::new();
        for u in 0..self.units.len() {
            let unit = self.units[u].clone();
            match unit.kind {
                Kind::Primitive => {
                    if self.rng.gen_bool(0.8) {
                        let node = *up.choose(&mut self.rng).expect("a node is up");
                        out.push(self.instance(u, 0, node));
                    }
                }
                Kind::UniqueClone => {
                    let max = unit.clone_max.unwrap_or(n);
                    let mut per_node = vec![0; n];
                    for number in 0..max {
                        if !self.rng.gen_bool(0.8) {
                            continue;
                        }
                        let free: Vec<usize> = up
                            .iter()
                            .copied()
                            .filter(|&x| per_node[x] < unit.clone_node_max)
                            .collect();
                        if let Some(&node) = free.choose(&mut self.rng) {
                            per_node[node] += 1;
                            out.push(self.instance(u, number, node));
                        }
                    }
                }
                _ => {
                    let max = unit.clone_max.unwrap_or(n).min(up.len());
                    let count = if self.rng.gen_bool(0.75) {
                        max
                    } else {
                        self.rng.gen_range(0..=max)
                    };
                    let mut nodes = up.clone();
                    nodes.shuffle(&mut self.rng);
                    nodes.truncate(count);
                    nodes.sort_unstable();
                    let mut promoted = 0;
                    for node in nodes {
                        let mut i = self.instance(u, 0, node);
                        if unit.kind == Kind::Promotable
                            && promoted < unit.promoted_max
                            && self.rng.gen_bool(0.6)
                        {
                            i.promoted = true;
                            promoted += 1;
                        }
                        if unit.kind == Kind::GroupClone && self.rng.gen_bool(0.1) {
                            i.partial = true;
                        }
                        out.push(i);
                    }
                }
            }
        }
        out
    }

    fn instance(&self, unit: usize, number: usize, node: usize) -> Instance {
        Instance {
            unit,
            number,
            node,
            promoted: false,
            partial: false,
        }
    }

    fn render(&mut self, seed: u64, running: &[Instance]) -> String {
        let n = self.fates.len();
        let up = (0..n).filter(|&x| self.up(x)).count();
        let quorate = if n == 2 { up >= 1 } else { up * 2 > n };
        let dc = (0..n).find(|&x| self.up(x)).unwrap_or(0) + 1;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<cib crm_feature_set=\"{FEATURE_SET}\" validate-with=\"pacemaker-3.7\" epoch=\"{}\" num_updates=\"{}\" admin_epoch=\"0\" cib-last-written=\"Thu Nov 24 10:00:00 2022\" update-origin=\"node1\" update-client=\"cibadmin\" update-user=\"root\" have-quorum=\"{}\" dc-uuid=\"{dc}\">",
            self.rng.gen_range(5..400),
            self.rng.gen_range(0..60),
            u8::from(quorate)
        );
        let _ = writeln!(o, "  <!-- pacesim testgen clones seed {seed} -->");
        o.push_str("  <configuration>\n");
        self.render_config(&mut o);
        self.render_resources(&mut o);
        self.render_constraints(&mut o);
        o.push_str("  </configuration>\n");
        self.render_status(&mut o, running);
        o.push_str("</cib>\n");
        o
    }

    fn render_config(&mut self, o: &mut String) {
        o.push_str("    <crm_config>\n      <cluster_property_set id=\"cib-bootstrap-options\">\n");
        let mut props = vec![
            ("have-watchdog", "false".to_string()),
            ("dc-version", "2.1.5-a3f44794f94".to_string()),
            ("cluster-infrastructure", "corosync".to_string()),
            ("stonith-enabled", "false".to_string()),
        ];
        if self.rng.gen_bool(0.2) {
            props.push(("symmetric-cluster", "true".to_string()));
        }
        for (k, v) in props {
            let _ = writeln!(
                o,
                "        <nvpair id=\"cib-bootstrap-options-{k}\" name=\"{k}\" value=\"{v}\"/>"
            );
        }
        o.push_str("      </cluster_property_set>\n    </crm_config>\n    <nodes>\n");
        for (i, f) in self.fates.iter().enumerate() {
            let id = i + 1;
            if *f == Fate::Standby {
                let _ = writeln!(
                    o,
                    "      <node id=\"{id}\" uname=\"node{id}\">\n        <instance_attributes id=\"nodes-{id}\">\n          <nvpair id=\"nodes-{id}-standby\" name=\"standby\" value=\"on\"/>\n        </instance_attributes>\n      </node>"
                );
            } else {
                let _ = writeln!(o, "      <node id=\"{id}\" uname=\"node{id}\"/>");
            }
        }
        o.push_str("    </nodes>\n");
    }

    fn render_primitive(o: &mut String, id: &str, agent: &str, indent: &str) {
        let _ = writeln!(
            o,
            "{indent}<primitive id=\"{id}\" class=\"ocf\" provider=\"pacemaker\" type=\"{agent}\">\n{indent}  <operations>"
        );
        if agent == "Stateful" {
            for (interval, role) in [(10, "Promoted"), (11, "Unpromoted")] {
                let _ = writeln!(
                    o,
                    "{indent}    <op id=\"{id}-monitor-interval-{interval}s\" name=\"monitor\" interval=\"{interval}s\" timeout=\"20s\" role=\"{role}\"/>"
                );
            }
        } else {
            let _ = writeln!(
                o,
                "{indent}    <op id=\"{id}-monitor-interval-10s\" name=\"monitor\" interval=\"10s\" timeout=\"20s\"/>"
            );
        }
        let _ = writeln!(o, "{indent}  </operations>\n{indent}</primitive>");
    }

    fn render_resources(&mut self, o: &mut String) {
        o.push_str("    <resources>\n");
        for u in &self.units {
            if !u.is_clone() {
                Self::render_primitive(o, &u.prims[0], u.agent(), "      ");
                continue;
            }
            let _ = writeln!(o, "      <clone id=\"{}\">", u.id);
            match &u.group {
                Some(g) => {
                    let _ = writeln!(o, "        <group id=\"{g}\">");
                    for p in &u.prims {
                        Self::render_primitive(o, p, u.agent(), "          ");
                    }
                    o.push_str("        </group>\n");
                }
                None => Self::render_primitive(o, &u.prims[0], u.agent(), "        "),
            }
            let mut meta: Vec<(String, String)> = Vec::new();
            let mut set = |k: &str, v: String| meta.push((k.to_string(), v));
            if u.kind == Kind::Promotable {
                set("promotable", "true".to_string());
                if u.promoted_max != 1 {
                    set("promoted-max", u.promoted_max.to_string());
                }
            }
            if u.kind == Kind::UniqueClone {
                set("globally-unique", "true".to_string());
                set("clone-node-max", u.clone_node_max.to_string());
            }
            if let Some(m) = u.clone_max {
                set("clone-max", m.to_string());
            }
            if u.interleave {
                set("interleave", "true".to_string());
            }
            super::Gen::render_meta(o, &u.id, &meta, "        ");
            o.push_str("      </clone>\n");
        }
        o.push_str("    </resources>\n");
    }

    fn render_constraints(&mut self, o: &mut String) {
        o.push_str("    <constraints>\n");
        let n = self.fates.len();
        let units = self.units.clone();
        for (i, u) in units.iter().enumerate() {
            if self.rng.gen_bool(0.3) {
                let node = self.rng.gen_range(1..=n);
                let score = if self.rng.gen_bool(0.3) {
                    "-INFINITY".to_string()
                } else {
                    self.rng.gen_range(10..=200).to_string()
                };
                let _ = writeln!(
                    o,
                    "      <rsc_location id=\"loc-{}-node{node}\" rsc=\"{}\" node=\"node{node}\" score=\"{score}\"/>",
                    u.id, u.id
                );
            }
            if u.kind == Kind::Promotable && self.rng.gen_bool(0.3) {
                let node = self.rng.gen_range(1..=n);
                let _ = writeln!(
                    o,
                    "      <rsc_location id=\"loc-{}-promoted\" rsc=\"{}\">\n        <rule id=\"loc-{}-promoted-rule\" role=\"Promoted\" score=\"100\">\n          <expression id=\"loc-{}-promoted-expr\" attribute=\"#uname\" operation=\"eq\" value=\"node{node}\"/>\n        </rule>\n      </rsc_location>",
                    u.id, u.id, u.id, u.id
                );
            }
            // Constraints with an earlier clone.
            let earlier: Vec<usize> = (0..i).filter(|&e| units[e].is_clone()).collect();
            let Some(&with) = earlier.choose(&mut self.rng) else {
                continue;
            };
            let w = &units[with];
            let promoted = w.kind == Kind::Promotable && self.rng.gen_bool(0.5);
            if self.rng.gen_bool(0.6) {
                let score = if self.rng.gen_bool(0.7) {
                    "INFINITY".to_string()
                } else {
                    self.rng.gen_range(10..=500).to_string()
                };
                let role = if promoted {
                    " with-rsc-role=\"Promoted\""
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "      <rsc_colocation id=\"col-{}-{}\" rsc=\"{}\" with-rsc=\"{}\" score=\"{score}\"{role}/>",
                    u.id, w.id, u.id, w.id
                );
            }
            if self.rng.gen_bool(0.5) {
                let first_action = if promoted { "promote" } else { "start" };
                let kind = if self.rng.gen_bool(0.8) {
                    "Mandatory"
                } else {
                    "Optional"
                };
                let _ = writeln!(
                    o,
                    "      <rsc_order id=\"ord-{}-{}\" first=\"{}\" first-action=\"{first_action}\" then=\"{}\" then-action=\"start\" kind=\"{kind}\"/>",
                    w.id, u.id, w.id, u.id
                );
            }
        }
        o.push_str("    </constraints>\n");
    }

    fn render_status(&mut self, o: &mut String, running: &[Instance]) {
        o.push_str("  <status>\n");
        let uuid = super::random_uuid(&mut self.rng);
        let base_ts: i64 = 1_669_000_000 + self.rng.gen_range(0..100_000);
        // The draws below need `self.rng` while the units are read.
        let units = self.units.clone();
        for node in 0..self.fates.len() {
            let id = node + 1;
            if !self.up(node) {
                let _ = writeln!(
                    o,
                    "    <node_state id=\"{id}\" uname=\"node{id}\" in_ccm=\"false\" crmd=\"offline\" crm-debug-origin=\"do_state_transition\" join=\"down\" expected=\"down\"/>"
                );
                continue;
            }
            let _ = writeln!(
                o,
                "    <node_state id=\"{id}\" uname=\"node{id}\" in_ccm=\"true\" crmd=\"online\" crm-debug-origin=\"do_update_resource\" join=\"member\" expected=\"member\">"
            );
            let mut attrs = vec![("#feature-set".to_string(), FEATURE_SET.to_string())];
            let mut h = History {
                out: String::new(),
                uname: format!("node{id}"),
                uuid: uuid.clone(),
                call: self.rng.gen_range(1..20),
                ts: base_ts,
            };
            for (u, unit) in units.iter().enumerate() {
                let here: Vec<&Instance> = running
                    .iter()
                    .filter(|i| i.unit == u && i.node == node)
                    .collect();
                if unit.kind == Kind::Promotable && !here.is_empty() {
                    let score = if here[0].promoted || self.rng.gen_bool(0.5) {
                        10
                    } else {
                        5
                    };
                    attrs.push((format!("master-{}", unit.prims[0]), score.to_string()));
                }
                if unit.kind == Kind::UniqueClone {
                    // Every instance of a unique clone is its own resource:
                    // each is probed, started and monitored under `id:N`.
                    let prim = &unit.prims[0];
                    for number in 0..unit.clone_max.unwrap_or(self.fates.len()) {
                        let rid = format!("{prim}:{number}");
                        if here.iter().any(|i| i.number == number) {
                            let failed = self.rng.gen_bool(0.07);
                            h.resource(&rid, "Dummy", |h| {
                                h.running(&rid, false, false, failed, &mut attrs)
                            });
                        } else if self.rng.gen_bool(0.9) {
                            h.resource(&rid, "Dummy", |h| h.probe(&rid));
                        }
                    }
                    continue;
                }
                for (m, prim) in unit.prims.iter().enumerate() {
                    let agent = unit.agent();
                    if here.is_empty() {
                        // Not running here: probed (mostly), under the id a
                        // probe of this resource is recorded with.
                        if self.rng.gen_bool(0.9) {
                            h.resource(prim, agent, |h| h.probe(prim));
                        }
                        continue;
                    }
                    for inst in &here {
                        if inst.partial && m > 0 {
                            h.resource(prim, agent, |h| h.probe(prim));
                            continue;
                        }
                        let rid = prim.clone();
                        let failed = self.rng.gen_bool(0.07);
                        let stateful = unit.kind == Kind::Promotable;
                        h.resource(&rid, agent, |h| {
                            h.running(&rid, stateful, inst.promoted, failed, &mut attrs)
                        });
                    }
                }
            }
            let _ = writeln!(o, "      <transient_attributes id=\"{id}\">");
            let _ = writeln!(o, "        <instance_attributes id=\"status-{id}\">");
            for (k, v) in &attrs {
                let kid = k.replace('#', ".");
                let _ = writeln!(
                    o,
                    "          <nvpair id=\"status-{id}-{kid}\" name=\"{k}\" value=\"{v}\"/>"
                );
            }
            o.push_str("        </instance_attributes>\n      </transient_attributes>\n");
            if !h.out.is_empty() {
                let _ = writeln!(o, "      <lrm id=\"{id}\">\n        <lrm_resources>");
                o.push_str(&h.out);
                o.push_str("        </lrm_resources>\n      </lrm>\n");
            }
            o.push_str("    </node_state>\n");
        }
        o.push_str("  </status>\n");
    }
}

/// One node's resource history being written.
struct History {
    out: String,
    uname: String,
    uuid: String,
    call: u32,
    ts: i64,
}

/// One recorded operation.
struct Op<'a> {
    /// The entry's id without the resource id: `last_0`, `monitor_10000`, ...
    suffix: &'a str,
    task: &'a str,
    interval_ms: u64,
    rc: u32,
    /// The rc the controller expected.
    target: u32,
}

impl History {
    /// Writes one `lrm_resource` whose operations `ops` writes.
    fn resource(&mut self, rid: &str, agent: &str, ops: impl FnOnce(&mut Self)) {
        let _ = writeln!(
            self.out,
            "          <lrm_resource id=\"{rid}\" class=\"ocf\" provider=\"pacemaker\" type=\"{agent}\">"
        );
        ops(self);
        self.out.push_str("          </lrm_resource>\n");
    }

    fn op(&mut self, rid: &str, op: Op) {
        let call = self.call;
        self.call += 1;
        self.ts += 2;
        let key = format!("{rid}_{}_{}", op.task, op.interval_ms);
        let tkey = format!("{}:1:{}:{}", call % 50 + 1, op.target, self.uuid);
        let digest = op_digest(&[], op.interval_ms, MONITOR_TIMEOUT_MS);
        let _ = writeln!(
            self.out,
            "            <lrm_rsc_op id=\"{rid}_{}\" operation_key=\"{key}\" operation=\"{}\" crm-debug-origin=\"do_update_resource\" crm_feature_set=\"{FEATURE_SET}\" transition-key=\"{tkey}\" transition-magic=\"0:{};{tkey}\" exit-reason=\"\" on_node=\"{}\" call-id=\"{call}\" rc-code=\"{}\" op-status=\"0\" interval=\"{}\" last-rc-change=\"{}\" exec-time=\"10\" queue-time=\"0\" op-digest=\"{digest}\"/>",
            op.suffix, op.task, op.rc, self.uname, op.rc, op.interval_ms, self.ts
        );
    }

    fn probe(&mut self, rid: &str) {
        self.op(
            rid,
            Op {
                suffix: "last_0",
                task: "monitor",
                interval_ms: 0,
                rc: 7,
                target: 7,
            },
        );
    }

    /// A started (and maybe promoted) instance with its recurring monitor,
    /// which may just have failed (its fail count then goes to `attrs`).
    fn running(
        &mut self,
        rid: &str,
        stateful: bool,
        promoted: bool,
        failed: bool,
        attrs: &mut Vec<(String, String)>,
    ) {
        let last = if promoted { "promote" } else { "start" };
        self.op(
            rid,
            Op {
                suffix: "last_0",
                task: last,
                interval_ms: 0,
                rc: 0,
                target: 0,
            },
        );
        let (interval, ok) = match (stateful, promoted) {
            (true, true) => (10_000, 8),
            (true, false) => (11_000, 0),
            _ => (10_000, 0),
        };
        let rc = if failed { 1 } else { ok };
        let suffix = format!("monitor_{interval}");
        self.op(
            rid,
            Op {
                suffix: &suffix,
                task: "monitor",
                interval_ms: interval,
                rc,
                target: ok,
            },
        );
        if failed {
            self.op(
                rid,
                Op {
                    suffix: "last_failure_0",
                    task: "monitor",
                    interval_ms: interval,
                    rc,
                    target: ok,
                },
            );
            let key = format!("{rid}#monitor_{interval}");
            attrs.push((format!("fail-count-{key}"), "1".to_string()));
            attrs.push((format!("last-failure-{key}"), self.ts.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_parsable() {
        for seed in 0..50 {
            let a = generate(seed);
            assert_eq!(a, generate(seed));
            let cib = crate::cib::from_str(&a).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            crate::cib::validate::check(&cib).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
    }
}
