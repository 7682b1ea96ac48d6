//! The DC's transition engine (`controld_te_actions.c`,
//! `controld_te_callbacks.c`, `controld_te_events.c`, and the DC's part of
//! `controld_fencing.c`): it runs the scheduler when something changed,
//! starts every step whose inputs are done (operations on the members,
//! fencing through the local fencer, CIB edits at once), matches results
//! to steps, and aborts the transition on anything unexpected, for the
//! scheduler to answer the new state.
//!
//! A transition's steps and their progress are [`Run`]'s; this file is
//! what the DC does with them.

use std::sync::Arc;

use sim::Instant;

use crate::cib::Cib;
use crate::executor::OpStatus;
use crate::fencer::{FenceAction, FenceResult};

use super::super::cib_updates as upd;
use super::super::transition::{Plan, RscOp, Run, State, Step};
use super::super::{Local, Msg, OpRecord, Output};
use super::DcState;

/// How many scheduler runs at one virtual instant mean the cluster is
/// spinning (a transition that keeps failing at once).
const MAX_RUNS_PER_INSTANT: u32 = 50;

impl DcState {
    /// Notes and drops the run once nothing more of it can happen.
    pub(super) fn end_finished_run(&mut self, out: &mut Vec<Output>) {
        if !self.run.as_ref().is_some_and(|r| r.finished()) {
            return;
        }
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

    /// Runs the scheduler on the CIB and starts a run of its answer, if it
    /// has steps (`do_pe_invoke`, then `do_te_invoke`).
    pub(super) fn schedule(&mut self, c: &mut Local, now: Instant, out: &mut Vec<Output>) {
        self.needs_schedule = false;
        if self.spinning(now, out) {
            return;
        }
        let quorum = if self.quorate { "1" } else { "0" };
        let dc_id = c.us.0.to_string();
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

    /// Counts scheduler runs at `now`; whether there were too many (noted
    /// once), in which case the DC waits for a change.
    fn spinning(&mut self, now: Instant, out: &mut Vec<Output>) -> bool {
        if self.runs_at.0 != now {
            self.runs_at = (now, 1);
            return false;
        }
        self.runs_at.1 += 1;
        if self.runs_at.1 <= MAX_RUNS_PER_INSTANT {
            return false;
        }
        if self.runs_at.1 == MAX_RUNS_PER_INSTANT + 1 {
            out.push(Output::Note(
                "the scheduler keeps answering with failing transitions; waiting for a change"
                    .into(),
            ));
        }
        true
    }

    /// Starts every ready step; returns whether anything changed.
    pub(super) fn fire(&mut self, c: &mut Local, now: Instant, out: &mut Vec<Output>) -> bool {
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
                Step::Rsc(op) => fire_rsc(c, now, (id, i), op, &mut local, out),
                Step::Fence { target, action } => {
                    self.fire_fence(c, now, (id, i), target, action, out)
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
            self.on_result(c, now, &rec, out);
        }
        true
    }

    /// Asks the fencer to fence `target`, unless it failed too often.
    fn fire_fence(
        &mut self,
        c: &Local,
        now: Instant,
        key: (u64, usize),
        target: String,
        action: FenceAction,
        out: &mut Vec<Output>,
    ) -> State {
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
            return State::Failed;
        }
        let op = self.next_fence_op;
        self.next_fence_op += 1;
        self.fence_ops.insert(op, key);
        out.push(Output::Note(format!(
            "fencing {target} ({})",
            action.as_str()
        )));
        out.push(Output::Fence { op, target, action });
        State::InFlight {
            deadline: now + c.opts.stonith_timeout + c.opts.stonith_timeout + c.opts.cluster_delay,
        }
    }

    /// An operation's result, from the node that ran it (or the DC's own
    /// executor): written into the CIB, matched to its step, and an abort
    /// when it is not what the DC wanted (`process_graph_event`).
    pub(in crate::controller) fn on_result(
        &mut self,
        c: &mut Local,
        now: Instant,
        rec: &OpRecord,
        out: &mut Vec<Output>,
    ) {
        self.write_result(c, now, rec);
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
        let failed = matched.map_or(!rec.ok(), |ok| !ok);
        if failed {
            let what = describe(rec);
            out.push(Output::Note(format!("{what}: {}", result_text(rec))));
            self.abort(&format!("{what} failed"));
        } else if matched.is_none() && rec.key.is_some() && rec.task != "cancel" {
            let what = describe(rec);
            out.push(Output::Note(format!("{what}: ok")));
            self.abort(&format!("{what} from another transition"));
        } else if matched.is_some() {
            let probe = rec.task == "monitor" && rec.interval_ms == 0;
            if probe || rec.task == "cancel" {
                return;
            }
            out.push(Output::Note(format!("{}: ok", describe(rec))));
        }
    }

    /// Writes a result into the node's history (a cancellation removes the
    /// recurring operation's entry).
    fn write_result(&mut self, c: &mut Local, now: Instant, rec: &OpRecord) {
        let now_secs = c.now_secs(now);
        if rec.task == "cancel" {
            let cib = self.cib(c);
            if let Some(st) = crate::cib::status_edit::node_state(cib, &rec.node) {
                if let Some(res) = st
                    .lrm
                    .as_mut()
                    .and_then(|l| l.iter_mut().find(|r| r.id == rec.rsc))
                    .map(std::sync::Arc::make_mut)
                {
                    res.ops.retain(|o| o.interval_ms != rec.interval_ms);
                }
            }
        } else {
            upd::record_result(self.cib(c), rec, now_secs, true);
            if rec.ok() {
                self.promotion_score(c, rec);
            }
        }
    }

    /// A promotable resource's agent sets its promotion score as it goes
    /// (`crm_master`, as ocf:pacemaker:Stateful does): 5 once started or
    /// demoted, 10 once promoted, none once stopped.
    fn promotion_score(&mut self, c: &mut Local, rec: &OpRecord) {
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

    /// The fencer's answer to a request of this DC (`tengine_stonith_callback`).
    pub(in crate::controller) fn on_fenced(
        &mut self,
        c: &mut Local,
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

    /// Steps in flight past their deadline fail (`action_timer_callback`).
    pub(super) fn on_step_timeouts(&mut self, c: &mut Local, now: Instant, out: &mut Vec<Output>) {
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
        c: &mut Local,
        now: Instant,
        transition: u64,
        step: usize,
        op: &RscOp,
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
            status: OpStatus::TimedOut,
            expected_rc: op.expected_rc,
            call_id: 0,
            key: Some((transition, step)),
            digest: op.digest.clone(),
            start_failure_is_fatal: c.opts.start_failure_is_fatal,
        };
        let now_secs = c.now_secs(now);
        upd::record_result(self.cib(c), &rec, now_secs, false);
    }
}

/// Starts a resource operation: on a member, as a cluster message; on the
/// DC itself, straight to its executor (`te_rsc_command` hands local ones
/// to the executor), a cancellation's result going to `local`.
fn fire_rsc(
    c: &mut Local,
    now: Instant,
    (id, i): (u64, usize),
    op: Arc<RscOp>,
    local: &mut Vec<OpRecord>,
    out: &mut Vec<Output>,
) -> State {
    if !c.members.contains(&op.node) {
        return State::Failed;
    }
    let deadline = now + op.timeout + c.opts.cluster_delay;
    let sfif = c.opts.start_failure_is_fatal;
    if op.node == c.name {
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
        OpStatus::TimedOut => "timed out".into(),
        OpStatus::Cancelled => "cancelled".into(),
        OpStatus::Pending => "pending".into(),
        OpStatus::Done => match r.rc {
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
