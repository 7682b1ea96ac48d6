//! The configuration's model: nodes and their fates, the fencing device,
//! primitives, groups and their meta attributes, constraints, all drawn
//! from the main stream in a fixed order.

use super::*;

impl Gen {
    pub(super) fn range(&mut self, r: (usize, usize)) -> usize {
        let (lo, hi) = (r.0.min(r.1), r.0.max(r.1));
        self.rng.gen_range(lo..=hi)
    }

    /// Draws a count whose mean is `mean` (sum of Bernoulli trials of 0.5
    /// over twice the mean, rounded).
    pub(super) fn count(&mut self, mean: f64) -> usize {
        let trials = (mean * 2.0).round() as usize;
        (0..trials).filter(|_| self.rng.gen_bool(0.5)).count()
    }

    pub(super) fn make_nodes(&mut self) {
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

    pub(super) fn make_fencing(&mut self) {
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

    pub(super) fn push_unit(
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

    pub(super) fn push_prim(&mut self, p: Prim) {
        let u = p.unit;
        self.prims.push(p);
        let idx = self.prims.len() - 1;
        self.units[u].members.push(idx);
    }

    pub(super) fn unit_meta(&mut self) -> Vec<(String, String)> {
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

    pub(super) fn make_resources(&mut self) {
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

    pub(super) fn resource_units(&self) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&u| !self.units[u].fencing)
            .collect()
    }

    pub(super) fn make_constraints(&mut self) {
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
}
