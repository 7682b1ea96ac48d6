//! One node's resource history as the executor records it: the
//! `lrm_rsc_op` entries of each primitive's history, with their call ids,
//! transition keys and digests.

use super::*;

impl Gen {
    /// Writes the `lrm_resource` entries of node `i`, adding fail counts to `attrs`.
    pub(super) fn render_lrm(
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
pub(super) struct OpCtx<'a> {
    pub(super) prim: &'a Prim,
    pub(super) uname: &'a str,
    pub(super) uuid: &'a str,
    pub(super) out: String,
}

/// One `lrm_rsc_op` entry's values; the unset ones are 0.
#[derive(Default)]
pub(super) struct OpEntry<'a> {
    /// Names the entry: `last_0`, `last_failure_0` or `monitor_<ms>`.
    pub(super) suffix: &'a str,
    pub(super) task: &'a str,
    pub(super) interval_ms: u64,
    /// `call-id`.
    pub(super) call: u32,
    /// `rc-code`.
    pub(super) rc: u32,
    /// `op-status`.
    pub(super) status: u32,
    /// The rc the controller expected (7 for probes).
    pub(super) target_rc: u32,
    /// The action's number in its transition (`transition-key`).
    pub(super) action: u32,
    /// The transition's number (`transition-key`).
    pub(super) transition: u32,
    /// `last-rc-change`.
    pub(super) ts: i64,
    /// `exec-time`.
    pub(super) exec_ms: u32,
}

impl OpCtx<'_> {
    /// Writes one `lrm_rsc_op`.
    pub(super) fn op(&mut self, entry: OpEntry) {
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
