//! What every node's controller does for its DC, the DC included: take a
//! join offer, answer with its CIB, take the DC's CIB, confirm with its
//! operation history, run the operations the DC asks for and report their
//! results, and ask to be shut down cleanly
//! (`controld_join_client.c`, `controld_execd.c`).

use std::sync::Arc;

use sim::Instant;

use crate::executor::{self, OpStatus};

use super::{Controller, Generation, Local, Msg, OpRecord, Output, Role, RscOp, SharedCib, Timer};

/// The return code a pending operation is recorded with (`PCMK_OCF_UNKNOWN`).
const PCMK_OCF_UNKNOWN: i32 = 193;

/// An operation the local executor runs for the DC.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) op: Arc<RscOp>,
    /// The transition and step it serves; `None` for the later results of
    /// a recurring operation.
    pub(super) key: Option<(u64, usize)>,
    pub(super) start_failure_is_fatal: bool,
}

impl Controller {
    pub(super) fn on_join_offer(
        &mut self,
        now: Instant,
        from: &str,
        join: u64,
        to: &[String],
        out: &mut Vec<Output>,
    ) {
        let me = self.local.me();
        if !to.is_empty() && !to.iter().any(|t| t == me) {
            return;
        }
        if from != me && (self.is_dc() || self.election.voting()) {
            // Two DCs meet (a partition healed), or a DC offers to
            // a node in an election of its own: the offer is not
            // taken, the node votes (again: a new round, which the
            // offering DC answers), so one of the two concedes.
            // Pacemaker's FSA: S_ELECTION with I_JOIN_OFFER runs
            // A_ELECTION_VOTE; a DC hearing another DC raises
            // I_ELECTION. Taking the offer would leave our election
            // running beside the DC we joined, to be won by its
            // timeout; a DC whose vote was lost at a ring change
            // and that did not vote again would stay DC beside the
            // other until then.
            let eo = self.election.vote_again(now);
            self.election_outputs(now, eo, out);
            return;
        }
        // A DC's own offer leaves it DC.
        if !self.is_dc() {
            self.role = Role::Member {
                dc: from.to_string(),
            };
        }
        self.local.timers.stop(Timer::DcDeadtime);
        out.push(Output::Cast(Msg::JoinRequest {
            join,
            cib: self.local.shared(),
        }));
    }

    pub(super) fn on_cib_sync(&mut self, from: &str, cib: &SharedCib) {
        if self.dc() == Some(from) && from != self.local.me() {
            self.local.cib = cib.cib.clone();
            self.local.generation = cib.generation;
        }
    }

    pub(super) fn on_join_ack(&mut self, from: &str, join: u64, to: &str, out: &mut Vec<Output>) {
        if to != self.local.me() || self.dc() != Some(from) {
            return;
        }
        let l = &self.local;
        let mut history: Vec<Arc<OpRecord>> = l.history.values().cloned().collect();
        history.sort_by_key(|r| r.call_id);
        // Operations still running (one-shot ones: a recurring
        // monitor's history is its last result) go last, as
        // pending: the new DC must not start elsewhere what is
        // being started here.
        history.extend(
            l.calls
                .values()
                .filter(|c| c.op.interval_ms == 0)
                .map(|c| Arc::new(l.pending_record(c))),
        );
        out.push(Output::Cast(Msg::JoinConfirm {
            join,
            history: Arc::new(history),
        }));
    }

    pub(super) fn on_exec(
        &mut self,
        from: &str,
        transition: u64,
        step: usize,
        op: &Arc<RscOp>,
        start_failure_is_fatal: bool,
        out: &mut Vec<Output>,
    ) {
        if op.node != self.local.me() || self.dc() != Some(from) {
            return;
        }
        if let Some(rec) =
            self.local
                .exec(transition, step, op.clone(), start_failure_is_fatal, out)
        {
            out.push(Output::Cast(Msg::Result(Arc::new(rec))));
        }
    }

    pub(super) fn on_shutdown(&mut self, to: &str, out: &mut Vec<Output>) {
        if to == self.local.me() && self.shutting_down {
            self.exited = true;
            out.push(Output::Exit);
        }
    }

    pub(super) fn on_executed(
        &mut self,
        now: Instant,
        r: executor::OpResult,
        out: &mut Vec<Output>,
    ) {
        let Some(rec) = self.local.take_result(&r) else {
            return;
        };
        // The DC's own results go straight into its CIB: Pacemaker's CIB
        // manager on the DC applies a local update and notifies the
        // controller before the change is broadcast, so a DC's view of its
        // own resources does not wait for the ring (which may be re-forming).
        match &mut self.role {
            Role::Dc(d) => d.on_result(&mut self.local, now, &rec, out),
            _ => out.push(Output::Cast(Msg::Result(rec))),
        }
    }

    pub(super) fn on_terminate(&mut self, out: &mut Vec<Output>) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        self.election.set_eligible(false);
        if matches!(self.role, Role::Pending) {
            // Nobody to move the resources: stop at once.
            self.exited = true;
            out.push(Output::Exit);
            return;
        }
        out.push(Output::Note("requests a clean shutdown".into()));
        out.push(Output::Cast(Msg::ShutdownRequest));
    }
}

impl Local {
    /// Runs an operation the DC asked for on this node. A cancellation is
    /// done at once: its result is returned, for the caller to report.
    pub(super) fn exec(
        &mut self,
        transition: u64,
        step: usize,
        op: Arc<RscOp>,
        start_failure_is_fatal: bool,
        out: &mut Vec<Output>,
    ) -> Option<OpRecord> {
        if op.task == "cancel" {
            return Some(self.cancel(transition, step, &op, start_failure_is_fatal, out));
        }
        if op.task == "stop" {
            self.end_recurring(&op.rsc, out);
        }
        let call = self.next_call;
        self.next_call += 1;
        out.push(Output::Exec {
            call,
            op: executor::Op {
                rsc: op.rsc.as_str().into(),
                agent: op.agent.as_str().into(),
                action: op.task.as_str().into(),
                interval_ms: op.interval_ms,
                timeout: op.timeout,
                stonith: op.stonith,
            },
        });
        self.calls.insert(
            call,
            Call {
                op,
                key: Some((transition, step)),
                start_failure_is_fatal,
            },
        );
        None
    }

    /// Stops a recurring operation and forgets its history; the result of
    /// the cancellation itself.
    fn cancel(
        &mut self,
        transition: u64,
        step: usize,
        op: &RscOp,
        start_failure_is_fatal: bool,
        out: &mut Vec<Output>,
    ) -> OpRecord {
        let task = op.cancel_task.clone().unwrap_or_else(|| "monitor".into());
        out.push(Output::Cancel {
            rsc: op.rsc.clone(),
            action: task.clone(),
            interval_ms: op.interval_ms,
        });
        self.calls.retain(|_, c| {
            !(c.op.rsc == op.rsc && c.op.task == task && c.op.interval_ms == op.interval_ms)
        });
        self.history
            .remove(&(op.rsc.clone(), task.clone(), op.interval_ms));
        OpRecord {
            node: op.node.clone(),
            rsc: op.rsc.clone(),
            agent: op.agent.clone(),
            task: "cancel".into(),
            interval_ms: op.interval_ms,
            rc: 0,
            status: OpStatus::Done,
            expected_rc: 0,
            call_id: 0,
            key: Some((transition, step)),
            digest: None,
            start_failure_is_fatal,
        }
    }

    /// A stop ends the resource's recurring monitors first.
    fn end_recurring(&mut self, rsc: &str, out: &mut Vec<Output>) {
        let recurring: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, c)| c.op.rsc == rsc && c.op.interval_ms > 0)
            .map(|(&k, _)| k)
            .collect();
        for k in recurring {
            let c = self.calls.remove(&k).expect("listed");
            out.push(Output::Cancel {
                rsc: c.op.rsc.clone(),
                action: c.op.task.clone(),
                interval_ms: c.op.interval_ms,
            });
            self.history
                .remove(&(c.op.rsc.clone(), c.op.task.clone(), c.op.interval_ms));
        }
    }

    /// An operation in flight as the history shows it until it ends.
    fn pending_record(&self, call: &Call) -> OpRecord {
        OpRecord {
            node: self.name.clone(),
            rsc: call.op.rsc.clone(),
            agent: call.op.agent.clone(),
            task: call.op.task.clone(),
            interval_ms: call.op.interval_ms,
            rc: PCMK_OCF_UNKNOWN,
            status: OpStatus::Pending,
            expected_rc: call.op.expected_rc,
            call_id: 0,
            key: call.key,
            digest: call.op.digest.clone(),
            start_failure_is_fatal: call.start_failure_is_fatal,
        }
    }

    /// The executor's result of a call, as the record to report, kept in
    /// this node's history (shared with the report); `None` when the call
    /// was cancelled meanwhile, or when the result is its cancellation.
    fn take_result(&mut self, r: &executor::OpResult) -> Option<Arc<OpRecord>> {
        let call = self.calls.get(&r.call)?;
        let rec = OpRecord {
            node: self.name.clone(),
            rsc: call.op.rsc.clone(),
            agent: call.op.agent.clone(),
            task: call.op.task.clone(),
            interval_ms: call.op.interval_ms,
            rc: r.rc,
            status: r.status,
            expected_rc: call.op.expected_rc,
            call_id: r.call_id,
            key: call.key,
            digest: call.op.digest.clone(),
            start_failure_is_fatal: call.start_failure_is_fatal,
        };
        if call.op.interval_ms == 0 || r.status != OpStatus::Done {
            self.calls.remove(&r.call);
        } else if let Some(c) = self.calls.get_mut(&r.call) {
            // Later results of a recurring op are not the DC's step any more.
            c.key = None;
        }
        if r.status == OpStatus::Cancelled {
            return None;
        }
        // The one place the history is written: each entry is this node's,
        // kept under its own operation, and never a cancellation. Checked
        // here rather than over the whole history after every input.
        assert!(
            rec.node == self.name && rec.status != OpStatus::Cancelled,
            "the history keeps this node's results, not cancellations"
        );
        let key = (rec.rsc.clone(), rec.task.clone(), rec.interval_ms);
        let rec = Arc::new(rec);
        self.history.insert(key, rec.clone());
        Some(rec)
    }

    /// The executor's calls and the history they leave.
    pub(super) fn check_invariants(&self) {
        assert!(
            self.members.is_empty() || self.members.contains(self.me()),
            "a started controller is a member of its own partition"
        );
        debug_assert_eq!(
            self.generation,
            Generation::of(&self.cib),
            "the typed generation is the CIB's own"
        );
        assert!(
            self.calls
                .last_key_value()
                .is_none_or(|(&call, _)| call < self.next_call),
            "call ids are handed out in order"
        );
        // The history's entries are checked as they are written
        // (`take_result`).
    }

    /// This node's CIB with its generation, to send.
    pub(super) fn shared(&self) -> SharedCib {
        SharedCib {
            cib: self.cib.clone(),
            generation: self.generation,
        }
    }
}
