//! What only the DC does: the join protocol, keeping and syncing the CIB,
//! and running the scheduler's transitions
//! (`controld_join_dc.c`, `controld_te_*.c`, `controld_fencing.c`).
//!
//! Join, per node, by phase: *welcomed* (offered), *integrated* (its
//! request with its CIB has come), *finalized* (the DC has synced the
//! greatest CIB and acknowledged it), *confirmed* (it has reported its
//! operation history, which the DC writes into the status). The DC
//! schedules only when no join is under way. A node that does not answer
//! within `join-integration-timeout` is left out of the round.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::Instant;

use crate::cib::Cib;
use crate::fencer::FenceResult;

use super::cib_updates::{self as upd, NodeView};
use super::transition::{Plan, Run, State, Step};
use super::{Controller, Msg, OpRecord, Output, SharedCib};

/// A node's progress through the current join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Welcomed,
    Integrated,
    Finalized,
    Confirmed,
}

/// How many scheduler runs at one virtual instant mean the cluster is
/// spinning (a transition that keeps failing at once).
const MAX_RUNS_PER_INSTANT: u32 = 50;

/// The DC's state.
#[derive(Debug, Clone)]
pub(super) struct DcState {
    /// Whether "elected DC" has been noted.
    pub announced: bool,
    join_id: u64,
    /// Each node's join round and phase.
    phases: BTreeMap<String, (u64, Phase)>,
    integration_deadline: Option<Instant>,
    /// The greatest CIB offered in the current integration.
    best: Option<(upd::Generation, Arc<Cib>)>,
    run: Option<Run>,
    next_transition: u64,
    needs_schedule: bool,
    /// The CIB changed since it was last sent to the members.
    dirty: bool,
    quorate: bool,
    /// Fencing requests in flight: request id to (transition, step).
    fence_ops: BTreeMap<u64, (u64, usize)>,
    next_fence_op: u64,
    /// Failed fencing attempts per target since its last success.
    fence_failures: BTreeMap<String, u32>,
    /// The instant of the last scheduler run and how many ran then.
    runs_at: (Instant, u32),
    /// No scheduler run before this: the join's CIB writes are still in
    /// flight when it completes, and Pacemaker's controller, finding CIB
    /// updates of its own pending when it asks for the CIB to schedule,
    /// sleeps a second and asks again (`do_pe_invoke_callback`).
    scheduler_retry: Option<Instant>,
}

/// How long the controller waits when its own CIB updates are pending
/// as it invokes the scheduler (the `sleep(1)` of `do_pe_invoke_callback`).
const CIB_PENDING_RETRY: sim::Duration = sim::Duration::from_secs(1);

impl DcState {
    pub(super) fn new(quorate: bool) -> DcState {
        DcState {
            announced: false,
            join_id: 0,
            phases: BTreeMap::new(),
            integration_deadline: None,
            best: None,
            run: None,
            next_transition: 0,
            needs_schedule: true,
            dirty: false,
            quorate,
            fence_ops: BTreeMap::new(),
            next_fence_op: 1,
            fence_failures: BTreeMap::new(),
            runs_at: (Instant::ZERO, 0),
            scheduler_retry: None,
        }
    }

    /// What keeps this DC busy, if anything.
    pub(super) fn busy(&self) -> Result<(), String> {
        if !self.joins_settled() {
            return Err("a join is under way".into());
        }
        if let Some(r) = &self.run {
            return Err(format!("transition {} is running", r.id));
        }
        if self.needs_schedule {
            return Err("a scheduler run is owed".into());
        }
        Ok(())
    }

    fn joins_settled(&self) -> bool {
        self.phases.values().all(|(_, p)| *p == Phase::Confirmed)
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        [
            self.integration_deadline,
            self.scheduler_retry,
            self.run.as_ref().and_then(|r| r.next_deadline()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn abort(&mut self, reason: &str) {
        self.needs_schedule = true;
        if let Some(r) = self.run.as_mut() {
            r.abort(reason);
        }
    }

    pub(super) fn quorum_changed(&mut self, quorate: bool) {
        if self.quorate != quorate {
            self.quorate = quorate;
            self.abort("quorum changed");
        }
    }

    fn cib<'a>(&mut self, c: &'a mut Controller) -> &'a mut Cib {
        self.dirty = true;
        Arc::make_mut(&mut c.cib)
    }

    /// A join round for every member (after an election).
    pub(super) fn offer_all(&mut self, c: &mut Controller, now: Instant, out: &mut Vec<Output>) {
        self.join_id += 1;
        self.phases = c
            .members
            .iter()
            .map(|m| (m.clone(), (self.join_id, Phase::Welcomed)))
            .collect();
        self.best = None;
        self.integration_deadline = Some(now + c.opts.join_integration_timeout);
        self.abort("new join round");
        out.push(Output::Cast(Msg::JoinOffer {
            join: self.join_id,
            to: Vec::new(),
        }));
    }

    /// A join round for nodes that just appeared.
    fn offer(&mut self, c: &Controller, now: Instant, nodes: &[String], out: &mut Vec<Output>) {
        if nodes.is_empty() {
            return;
        }
        self.join_id += 1;
        for n in nodes {
            self.phases
                .insert(n.clone(), (self.join_id, Phase::Welcomed));
        }
        if self.integration_deadline.is_none() {
            self.integration_deadline = Some(now + c.opts.join_integration_timeout);
        }
        out.push(Output::Cast(Msg::JoinOffer {
            join: self.join_id,
            to: nodes.to_vec(),
        }));
    }

    pub(super) fn on_membership(
        &mut self,
        c: &mut Controller,
        now: Instant,
        lost: &[String],
        gained: &[String],
        out: &mut Vec<Output>,
    ) {
        for n in lost {
            self.phases.remove(n);
            let mut clean = upd::transient(&c.cib, n, "shutdown").is_some();
            // Steps in flight on the node end with it; its exit after a
            // clean shutdown is what the shutdown step waited for.
            if let Some(run) = self.run.as_mut() {
                for i in 0..run.state.len() {
                    if !matches!(run.state[i], State::InFlight { .. }) {
                        continue;
                    }
                    match &run.plan.steps[i].step {
                        Step::Shutdown { node } if node == n => {
                            clean = true;
                            run.complete(i, true);
                        }
                        Step::Rsc(op) if op.node == *n => run.complete(i, false),
                        _ => {}
                    }
                }
            }
            let view = if clean {
                NodeView::Down
            } else {
                NodeView::Lost
            };
            upd::set_node_view(self.cib(c), n, view);
            if clean {
                // A node that left cleanly takes its transient attributes
                // (the shutdown request, fail counts) with it.
                upd::clear_transient(self.cib(c), n);
            }
            out.push(Output::Note(if clean {
                format!("{n} left cleanly")
            } else {
                format!("{n} lost")
            }));
            self.abort("node lost");
        }
        self.offer(c, now, gained, out);
        self.check_integration(c, out);
    }

    pub(super) fn on_message(
        &mut self,
        c: &mut Controller,
        now: Instant,
        from: &str,
        msg: Msg,
        out: &mut Vec<Output>,
    ) {
        match msg {
            Msg::JoinRequest { join, cib } => {
                if self.phases.get(from) != Some(&(join, Phase::Welcomed)) {
                    return;
                }
                self.phases
                    .insert(from.to_string(), (join, Phase::Integrated));
                let generation = upd::generation(&cib.0);
                if self.best.as_ref().is_none_or(|(g, _)| generation > *g) {
                    self.best = Some((generation, cib.0));
                }
                self.check_integration(c, out);
            }
            Msg::JoinConfirm { join, history } => {
                if self.phases.get(from) != Some(&(join, Phase::Finalized)) {
                    return;
                }
                self.phases
                    .insert(from.to_string(), (join, Phase::Confirmed));
                let now_secs = c.now_secs(now);
                let cib = self.cib(c);
                upd::clear_lrm(cib, from);
                for rec in &history {
                    upd::record_result(cib, rec, now_secs, false);
                }
                upd::set_node_view(cib, from, NodeView::Joined);
                self.abort("node joined");
                if self.joins_settled() {
                    self.scheduler_retry = Some(now + CIB_PENDING_RETRY);
                    let members: Vec<&str> = self.phases.keys().map(String::as_str).collect();
                    out.push(Output::Note(format!(
                        "join complete: {}",
                        members.join(" ")
                    )));
                }
            }
            Msg::Result(rec) => self.on_result(c, now, rec, out),
            Msg::ShutdownRequest => {
                let t = c.now_secs(now).to_string();
                upd::set_transient(self.cib(c), from, "shutdown", Some(&t));
                self.abort("shutdown requested");
            }
            Msg::Modify { line } => {
                let mut new = (*c.cib).clone();
                match crate::pcs::run(&mut new, &line) {
                    Ok(()) => {
                        upd::bump_epoch(&mut new);
                        c.cib = Arc::new(new);
                        c.opts = super::Options::from_cib(&c.cib);
                        self.dirty = true;
                        out.push(Output::Note(format!("applied: {line}")));
                        self.abort("configuration changed");
                    }
                    Err(e) => out.push(Output::Note(format!("refused: {line}: {e}"))),
                }
            }
            _ => {}
        }
    }

    /// When no member is still to answer the offer: take the greatest CIB,
    /// sync it, and acknowledge every integrated node.
    fn check_integration(&mut self, c: &mut Controller, out: &mut Vec<Output>) {
        if self.phases.values().any(|(_, p)| *p == Phase::Welcomed) {
            return;
        }
        let integrated: Vec<(String, u64)> = self
            .phases
            .iter()
            .filter(|(_, (_, p))| *p == Phase::Integrated)
            .map(|(n, (j, _))| (n.clone(), *j))
            .collect();
        if integrated.is_empty() {
            return;
        }
        self.integration_deadline = None;
        if let Some((generation, best)) = self.best.take() {
            if generation > upd::generation(&c.cib) {
                let mut best = best;
                upd::keep_peer_view(Arc::make_mut(&mut best), &c.cib);
                c.cib = best;
                c.opts = super::Options::from_cib(&c.cib);
            }
        }
        // Whatever the CIB says, nodes outside the partition are not up.
        let gone: Vec<String> = c
            .cfg
            .nodes
            .iter()
            .filter(|n| !c.members.contains(*n))
            .filter(|n| {
                c.cib.status.node_states.iter().any(|s| {
                    s.uname.as_deref() == Some(n.as_str())
                        && (s.in_ccm.as_deref() == Some("true")
                            || s.crmd.as_deref() == Some("online"))
                })
            })
            .cloned()
            .collect();
        for n in gone {
            let view = if upd::transient(&c.cib, &n, "shutdown").is_some() {
                NodeView::Down
            } else {
                NodeView::Lost
            };
            upd::set_node_view(self.cib(c), &n, view);
        }
        self.dirty = true;
        self.sync(c, out);
        for (n, j) in integrated {
            self.phases.insert(n.clone(), (j, Phase::Finalized));
            out.push(Output::Cast(Msg::JoinAck { join: j, to: n }));
        }
    }

    fn sync(&mut self, c: &mut Controller, out: &mut Vec<Output>) {
        if self.dirty {
            self.dirty = false;
            upd::bump_updates(Arc::make_mut(&mut c.cib));
            out.push(Output::Cast(Msg::CibSync {
                cib: SharedCib(c.cib.clone()),
            }));
        }
    }

    pub(super) fn on_result(
        &mut self,
        c: &mut Controller,
        now: Instant,
        rec: OpRecord,
        out: &mut Vec<Output>,
    ) {
        let now_secs = c.now_secs(now);
        if rec.task == "cancel" {
            let cib = self.cib(c);
            if let Some(st) = crate::cib::status_edit::node_state(cib, &rec.node) {
                if let Some(res) = st
                    .lrm
                    .as_mut()
                    .and_then(|l| l.iter_mut().find(|r| r.id == rec.rsc))
                {
                    res.ops.retain(|o| o.interval_ms != rec.interval_ms);
                }
            }
        } else {
            upd::record_result(self.cib(c), &rec, now_secs, true);
            if rec.ok() {
                self.promotion_score(c, &rec);
            }
        }
        let matched = match (rec.key, self.run.as_mut()) {
            (Some((t, i)), Some(run))
                if run.id == t
                    && i < run.state.len()
                    && matches!(run.state[i], State::InFlight { .. }) =>
            {
                let ok = rec.task == "cancel" || rec.ok();
                run.complete(i, ok);
                Some(ok)
            }
            _ => None,
        };
        // A step that failed, or a result nobody waited for that is not
        // what the DC wanted (a monitor finding the service gone), aborts.
        // So does the result of a step of another transition (one this DC
        // already gave up, or one a former DC started before it was cut
        // off): the scheduler must see what it changed before anything
        // else is started (`process_graph_event`'s "Old event" and
        // "Foreign event" aborts).
        let what = describe(&rec);
        let failed = matched.map_or(!rec.ok(), |ok| !ok);
        if failed {
            out.push(Output::Note(format!("{what}: {}", result_text(&rec))));
            self.abort(&format!("{what} failed"));
        } else if matched.is_none() && rec.key.is_some() && rec.task != "cancel" {
            out.push(Output::Note(format!("{what}: ok")));
            self.abort(&format!("{what} from another transition"));
        } else if matched.is_some() {
            let probe = rec.task == "monitor" && rec.interval_ms == 0;
            if probe || rec.task == "cancel" {
                return;
            }
            out.push(Output::Note(format!("{what}: ok")));
        }
    }

    /// A promotable resource's agent sets its promotion score as it goes
    /// (`crm_master`, as ocf:pacemaker:Stateful does): 5 once started or
    /// demoted, 10 once promoted, none once stopped.
    fn promotion_score(&mut self, c: &mut Controller, rec: &OpRecord) {
        if rec.interval_ms != 0 || !is_promotable_prim(&c.cib, &rec.rsc) {
            return;
        }
        let name = format!("master-{}", rec.rsc);
        let value = match rec.task.as_str() {
            "start" | "demote" => Some("5"),
            "promote" => Some("10"),
            "stop" => None,
            _ => return,
        };
        if upd::transient(&c.cib, &rec.node, &name).as_deref() != value {
            upd::set_transient(self.cib(c), &rec.node, &name, value);
            // A node attribute changed: the transition is recomputed.
            self.abort("promotion score changed");
        }
    }

    pub(super) fn on_fenced(
        &mut self,
        c: &mut Controller,
        _now: Instant,
        op: u64,
        target: &str,
        result: &FenceResult,
        out: &mut Vec<Output>,
    ) {
        let Some((t, i)) = self.fence_ops.remove(&op) else {
            return;
        };
        let ok = matches!(result, FenceResult::Success { .. });
        if let FenceResult::Success { devices } = result {
            out.push(Output::Fenced {
                target: target.to_string(),
                devices: devices.clone(),
            });
            self.fence_failures.remove(target);
            upd::node_down_clean(self.cib(c), target);
            self.needs_schedule = true;
        } else {
            let n = self.fence_failures.entry(target.to_string()).or_insert(0);
            *n += 1;
            let reason = match result {
                FenceResult::NoDevice => "no device can fence it".to_string(),
                FenceResult::Failed { reason } => reason.clone(),
                FenceResult::Success { .. } => unreachable!(),
            };
            out.push(Output::Note(format!(
                "fencing {target} failed ({n} of {}): {reason}",
                c.opts.stonith_max_attempts
            )));
            self.abort("fencing failed");
        }
        if let Some(run) = self.run.as_mut() {
            if run.id == t && matches!(run.state.get(i), Some(State::InFlight { .. })) {
                run.complete(i, ok);
            }
        }
    }

    pub(super) fn on_wake(&mut self, c: &mut Controller, now: Instant, out: &mut Vec<Output>) {
        if self.integration_deadline.is_some_and(|t| t <= now) {
            self.integration_deadline = None;
            let late: Vec<String> = self
                .phases
                .iter()
                .filter(|(_, (_, p))| *p == Phase::Welcomed)
                .map(|(n, _)| n.clone())
                .collect();
            for n in &late {
                self.phases.remove(n);
                out.push(Output::Note(format!("{n} did not answer the join offer")));
            }
            self.check_integration(c, out);
        }
        let mut lost = Vec::new();
        if let Some(run) = self.run.as_mut() {
            for i in 0..run.state.len() {
                if let State::InFlight { deadline } = run.state[i] {
                    if deadline <= now {
                        run.complete(i, false);
                        out.push(Output::Note(format!(
                            "{}: no answer in time",
                            run.plan.steps[i].label
                        )));
                        lost.push((run.id, i, run.plan.steps[i].step.clone()));
                    }
                }
            }
        }
        for (transition, i, step) in &lost {
            if let Step::Rsc(op) = step {
                self.record_action_timeout(c, now, *transition, *i, op);
            }
        }
        if !lost.is_empty() {
            self.abort("action timed out");
        }
    }

    /// An operation whose result did not come back within its timeout and
    /// `cluster-delay` may have run, or be running still: the DC records it
    /// in the node's history as timed out (`PCMK_EXEC_TIMEOUT`, rc unknown
    /// error), so that the scheduler treats the resource as possibly active
    /// there and recovers it (a stop first), rather than starting it a
    /// second time elsewhere. Mirrors `controld_record_action_timeout`
    /// (`action_timer_callback`); the action is already confirmed failed,
    /// so the fail count is not bumped, and a result arriving late still
    /// replaces the record. Cancels, deletes and notifications are not
    /// recorded (`controld_action_is_recordable`).
    fn record_action_timeout(
        &mut self,
        c: &mut Controller,
        now: Instant,
        transition: u64,
        step: usize,
        op: &super::RscOp,
    ) {
        if matches!(
            op.task.as_str(),
            "cancel" | "delete" | "notify" | "meta-data"
        ) {
            return;
        }
        let rec = OpRecord {
            node: op.node.clone(),
            rsc: op.rsc.clone(),
            agent: op.agent.clone(),
            task: op.task.clone(),
            interval_ms: op.interval_ms,
            rc: 1,
            status: crate::executor::OpStatus::TimedOut,
            expected_rc: op.expected_rc,
            call_id: 0,
            key: Some((transition, step)),
            digest: op.digest.clone(),
            start_failure_is_fatal: c.opts.start_failure_is_fatal,
        };
        let now_secs = c.now_secs(now);
        upd::record_result(self.cib(c), &rec, now_secs, false);
    }

    /// Ends finished runs, schedules when due, fires what is ready, and
    /// sends the CIB if it changed.
    pub(super) fn settle(&mut self, c: &mut Controller, now: Instant, out: &mut Vec<Output>) {
        loop {
            if self.run.as_ref().is_some_and(|r| r.finished()) {
                let run = self.run.take().expect("checked");
                match &run.aborted {
                    Some(why) => out.push(Output::Note(format!(
                        "transition {} aborted: {why}",
                        run.id
                    ))),
                    None if run.succeeded() => {
                        out.push(Output::Note(format!("transition {} complete", run.id)))
                    }
                    None => out.push(Output::Note(format!("transition {} stalled", run.id))),
                }
            }
            if self.scheduler_retry.is_some_and(|t| t <= now) {
                self.scheduler_retry = None;
            }
            let waiting = self.scheduler_retry.is_some();
            if self.run.is_none() && self.needs_schedule && self.joins_settled() && !waiting {
                self.schedule(c, now, out);
            }
            if !self.fire(c, now, out) {
                break;
            }
        }
        self.sync(c, out);
    }

    fn schedule(&mut self, c: &mut Controller, now: Instant, out: &mut Vec<Output>) {
        self.needs_schedule = false;
        if self.runs_at.0 == now {
            self.runs_at.1 += 1;
            if self.runs_at.1 > MAX_RUNS_PER_INSTANT {
                if self.runs_at.1 == MAX_RUNS_PER_INSTANT + 1 {
                    out.push(Output::Note(
                        "the scheduler keeps answering with failing transitions; waiting for a change"
                            .into(),
                    ));
                }
                return;
            }
        } else {
            self.runs_at = (now, 1);
        }
        let quorum = if self.quorate { "1" } else { "0" };
        let dc_id = c
            .cfg
            .nodes
            .iter()
            .position(|n| *n == c.cfg.node)
            .map(|i| (i + 1).to_string())
            .unwrap_or_default();
        if c.cib.attr("have-quorum") != Some(quorum) || c.cib.attr("dc-uuid") != Some(&dc_id) {
            let cib = self.cib(c);
            upd::set_cib_attr(cib, "have-quorum", quorum);
            upd::set_cib_attr(cib, "dc-uuid", &dc_id);
        }
        let t = crate::scheduler::schedule(&c.cib, c.now_secs(now));
        let plan = Plan::from_transition(&t);
        if plan.steps.is_empty() {
            return;
        }
        self.next_transition += 1;
        let actions = plan
            .steps
            .iter()
            .filter(|s| !matches!(s.step, Step::Pseudo | Step::Nothing))
            .count();
        out.push(Output::Note(format!(
            "transition {}: {actions} actions",
            self.next_transition
        )));
        self.run = Some(Run::new(self.next_transition, plan));
    }

    /// Starts every ready step; returns whether anything changed.
    fn fire(&mut self, c: &mut Controller, now: Instant, out: &mut Vec<Output>) -> bool {
        let Some(run) = self.run.as_ref() else {
            return false;
        };
        let ready = run.ready();
        if ready.is_empty() {
            return false;
        }
        let id = run.id;
        let mut local = Vec::new();
        for i in ready {
            let step = self.run.as_ref().expect("running").plan.steps[i]
                .step
                .clone();
            let state = match step {
                Step::Pseudo | Step::Nothing => State::Done,
                Step::ClearFailcount { rsc, node } => {
                    upd::clear_failcount(self.cib(c), &node, &rsc);
                    State::Done
                }
                Step::Delete { rsc, node } => {
                    upd::delete_history(self.cib(c), &node, &rsc);
                    State::Done
                }
                Step::Rsc(op) => {
                    if !c.members.contains(&op.node) {
                        State::Failed
                    } else {
                        let deadline = now + op.timeout + c.opts.cluster_delay;
                        let sfif = c.opts.start_failure_is_fatal;
                        if op.node == c.cfg.node {
                            // The DC's own actions do not go round the ring
                            // (`te_rsc_command` hands local ones straight to
                            // the executor).
                            if let Some(rec) = c.exec(id, i, op, sfif, out) {
                                local.push(rec);
                            }
                        } else {
                            out.push(Output::Cast(Msg::Exec {
                                transition: id,
                                step: i,
                                op,
                                start_failure_is_fatal: sfif,
                            }));
                        }
                        State::InFlight { deadline }
                    }
                }
                Step::Fence { target, action } => {
                    let failures = self.fence_failures.get(&target).copied().unwrap_or(0);
                    if failures >= c.opts.stonith_max_attempts {
                        if failures == c.opts.stonith_max_attempts {
                            out.push(Output::Note(format!(
                                "too many failures fencing {target}: giving up"
                            )));
                            self.fence_failures.insert(target.clone(), failures + 1);
                        }
                        // Not rescheduled: only a change can help now.
                        if let Some(r) = self.run.as_mut() {
                            r.abort("fencing given up");
                        }
                        State::Failed
                    } else {
                        let op = self.next_fence_op;
                        self.next_fence_op += 1;
                        self.fence_ops.insert(op, (id, i));
                        out.push(Output::Note(format!(
                            "fencing {target} ({})",
                            action.as_str()
                        )));
                        out.push(Output::Fence { op, target, action });
                        State::InFlight {
                            deadline: now
                                + c.opts.stonith_timeout
                                + c.opts.stonith_timeout
                                + c.opts.cluster_delay,
                        }
                    }
                }
                Step::Shutdown { node } => {
                    out.push(Output::Cast(Msg::Shutdown { to: node }));
                    State::InFlight {
                        deadline: now + c.opts.cluster_delay,
                    }
                }
            };
            let run = self.run.as_mut().expect("running");
            match state {
                State::Done => run.complete(i, true),
                State::Failed => {
                    run.complete(i, false);
                    run.abort("a step could not be started");
                }
                s => run.state[i] = s,
            }
        }
        // Cancellations on the DC's own node are done already.
        for rec in local {
            self.on_result(c, now, rec, out);
        }
        true
    }
}

/// `start vip on node2`, `monitor (10s) web on node1`, `probe db on node3`.
fn describe(r: &OpRecord) -> String {
    let task = match (r.task.as_str(), r.interval_ms) {
        ("monitor", 0) => "probe".to_string(),
        (t, 0) => t.to_string(),
        (t, ms) => format!("{t} ({})", sim::Duration::from_millis(ms)),
    };
    format!("{task} {} on {}", r.rsc, r.node)
}

fn result_text(r: &OpRecord) -> String {
    match r.status {
        crate::executor::OpStatus::TimedOut => "timed out".into(),
        crate::executor::OpStatus::Cancelled => "cancelled".into(),
        crate::executor::OpStatus::Pending => "pending".into(),
        crate::executor::OpStatus::Done => match r.rc {
            0 => "ok (running)".into(),
            7 => "not running".into(),
            8 => "running promoted".into(),
            rc => format!("failed (rc={rc})"),
        },
    }
}

/// Whether a history id names the primitive of a promotable clone.
fn is_promotable_prim(cib: &Cib, id: &str) -> bool {
    use crate::cib::Resource;
    cib.configuration.resources.iter().any(|r| match r {
        Resource::Clone(c) => {
            crate::scheduler::unpack::clone_is_promotable(c)
                && match c.child.as_ref() {
                    Resource::Primitive(p) => p.id == id,
                    Resource::Group(g) => g.members.iter().any(|m| m.id == id),
                    _ => false,
                }
        }
        _ => false,
    })
}
