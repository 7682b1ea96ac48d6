//! The CIB's XML text: configuration sections, then the status section
//! from the histories.

use super::*;

impl Gen {
    pub(super) fn render(&mut self, seed: u64, hist: &[Vec<Hist>]) -> String {
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

    pub(super) fn render_crm_config(&mut self, o: &mut String) {
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

    pub(super) fn render_nodes(&self, o: &mut String) {
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

    pub(super) fn render_meta(
        o: &mut String,
        owner: &str,
        meta: &[(String, String)],
        indent: &str,
    ) {
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

    pub(super) fn render_prim(&self, o: &mut String, pi: usize, indent: &str) {
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

    pub(super) fn render_resources(&self, o: &mut String) {
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

    pub(super) fn render_constraints(&mut self, o: &mut String) {
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

    pub(super) fn render_defaults(&mut self, o: &mut String) {
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
    pub(super) fn render_status(&mut self, o: &mut String, hist: &[Vec<Hist>]) {
        o.push_str("  <status>\n");
        let uuid = super::random_uuid(&mut self.rng);
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
}
