//! What only the DC has and does: the join protocol (`join.rs`), the
//! transition engine (`engine.rs`), and, here, the state both share, the
//! CIB sync that follows every change, and the DC's reactions to
//! membership, quorum, shutdown requests and configuration changes
//! (`controld_join_dc.c`, `controld_te_*.c`, `controld_fencing.c`).
//!
//! Every handler borrows the node's [`Local`] state (configuration, CIB,
//! members, executor calls) beside the DC's own, so the controller keeps
//! the DC state inside its role instead of taking it out and back.

mod engine;
mod join;

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::Instant;

use crate::cib::Cib;

use super::cib_updates::{self as upd, NodeView};
use super::transition::{Run, State, Step};
use super::{Local, Msg, Output, SharedCib, Timer};

use join::Phase;

/// The DC's state.
#[derive(Debug, Clone)]
pub(super) struct DcState {
    /// Whether "elected DC" has been noted.
    pub(super) announced: bool,
    join_id: u64,
    /// Each node's join round and phase.
    phases: BTreeMap<String, (u64, Phase)>,
    /// The greatest CIB offered in the current integration.
    best: Option<SharedCib>,
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
}

impl DcState {
    pub(super) fn new(quorate: bool) -> DcState {
        DcState {
            announced: false,
            join_id: 0,
            phases: BTreeMap::new(),
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

    /// The earliest deadline of a step in flight (the DC's other timers
    /// are in the controller's table).
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.run.as_ref().and_then(|r| r.next_deadline())
    }

    /// Something changed: the scheduler must run again, and the running
    /// transition starts nothing new.
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

    /// The CIB, to change: the change is sent to the members when the
    /// input is done.
    fn cib<'a>(&mut self, c: &'a mut Local) -> &'a mut Cib {
        self.dirty = true;
        Arc::make_mut(&mut c.cib)
    }

    pub(super) fn on_membership(
        &mut self,
        c: &mut Local,
        now: Instant,
        lost: &[String],
        gained: &[String],
        out: &mut Vec<Output>,
    ) {
        for n in lost {
            self.on_node_lost(c, n, out);
        }
        self.offer(c, now, gained, out);
        self.check_integration(c, out);
    }

    /// A node left the partition: cleanly if it had asked to shut down (or
    /// its shutdown step was waiting for it), else lost, to be fenced.
    fn on_node_lost(&mut self, c: &mut Local, n: &str, out: &mut Vec<Output>) {
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

    pub(super) fn on_message(
        &mut self,
        c: &mut Local,
        now: Instant,
        from: &str,
        msg: &Msg,
        out: &mut Vec<Output>,
    ) {
        match msg {
            Msg::JoinRequest { join, cib } => self.on_join_request(c, from, *join, cib, out),
            Msg::JoinConfirm { join, history } => {
                self.on_join_confirm(c, now, from, *join, history, out)
            }
            Msg::Result(rec) => self.on_result(c, now, rec, out),
            Msg::ShutdownRequest => self.on_shutdown_request(c, now, from),
            Msg::Modify { line } => self.on_modify(c, line, out),
            _ => {}
        }
    }

    /// A node asks to be shut down: the request becomes its `shutdown`
    /// attribute, which the scheduler answers with moving its resources
    /// away and a shutdown step.
    fn on_shutdown_request(&mut self, c: &mut Local, now: Instant, from: &str) {
        let t = c.now_secs(now).to_string();
        upd::set_transient(self.cib(c), from, "shutdown", Some(&t));
        self.abort("shutdown requested");
    }

    /// A configuration change (a pcs command): applied to a copy, which
    /// replaces the CIB with a new epoch when the command succeeds.
    fn on_modify(&mut self, c: &mut Local, line: &str, out: &mut Vec<Output>) {
        let mut new = (*c.cib).clone();
        match crate::pcs::run(&mut new, line) {
            Ok(()) => {
                c.generation = upd::bump_epoch(&mut new, c.generation);
                c.cib = Arc::new(new);
                c.opts = super::Options::from_cib(&c.cib);
                self.dirty = true;
                out.push(Output::Note(format!("applied: {line}")));
                self.abort("configuration changed");
            }
            Err(e) => out.push(Output::Note(format!("refused: {line}: {e}"))),
        }
    }

    /// Sends the CIB to the members if it changed, with one more update.
    fn sync(&mut self, c: &mut Local, out: &mut Vec<Output>) {
        if self.dirty {
            self.dirty = false;
            c.generation = upd::bump_updates(Arc::make_mut(&mut c.cib), c.generation);
            out.push(Output::Cast(Msg::CibSync { cib: c.shared() }));
        }
    }

    pub(super) fn on_wake(&mut self, c: &mut Local, now: Instant, out: &mut Vec<Output>) {
        if c.timers.is_due(Timer::JoinIntegration, now) {
            c.timers.stop(Timer::JoinIntegration);
            self.on_integration_timeout(c, out);
        }
        self.on_step_timeouts(c, now, out);
    }

    /// Ends finished runs, schedules when due, fires what is ready, and
    /// sends the CIB if it changed.
    pub(super) fn settle(&mut self, c: &mut Local, now: Instant, out: &mut Vec<Output>) {
        loop {
            self.end_finished_run(out);
            // No scheduler run while the join's CIB writes are still in
            // flight: Pacemaker's controller, finding CIB updates of its own
            // pending when it asks for the CIB to schedule, sleeps a second
            // and asks again (`do_pe_invoke_callback`).
            if c.timers.is_due(Timer::SchedulerRetry, now) {
                c.timers.stop(Timer::SchedulerRetry);
            }
            let waiting = c.timers.is_set(Timer::SchedulerRetry);
            if self.run.is_none() && self.needs_schedule && self.joins_settled() && !waiting {
                self.schedule(c, now, out);
            }
            if !self.fire(c, now, out) {
                break;
            }
        }
        self.sync(c, out);
    }

    /// Join phases and transition bookkeeping, after every input.
    pub(super) fn check_invariants(&self, c: &Local) {
        assert!(
            !self.dirty,
            "every change reaches the members in the input that made it"
        );
        for (node, (join, phase)) in &self.phases {
            assert!(
                c.members.contains(node),
                "a node joins only while in the partition"
            );
            assert!(
                (1..=self.join_id).contains(join),
                "a node's join round is one this DC offered"
            );
            assert!(
                *phase != Phase::Welcomed || c.timers.is_set(Timer::JoinIntegration),
                "an unanswered offer is bounded by join-integration-timeout"
            );
        }
        assert!(
            self.fence_ops
                .last_key_value()
                .is_none_or(|(&op, _)| op < self.next_fence_op),
            "fencing request ids are handed out in order"
        );
        for &(transition, _) in self.fence_ops.values() {
            assert!(
                transition <= self.next_transition,
                "a fencing request serves a transition of this DC"
            );
        }
        if let Some(run) = &self.run {
            self.check_run(run);
        }
    }

    fn check_run(&self, run: &Run) {
        assert!(
            (1..=self.next_transition).contains(&run.id),
            "the running transition is one this DC started"
        );
        assert_eq!(run.state.len(), run.plan.steps.len(), "one state per step");
        for (i, state) in run.state.iter().enumerate() {
            if *state == State::Waiting {
                continue;
            }
            assert!(
                run.plan.steps[i]
                    .inputs
                    .iter()
                    .all(|&j| run.state[j] == State::Done),
                "a step starts only once its inputs are done"
            );
            if let (State::InFlight { .. }, Step::Fence { .. }) = (state, &run.plan.steps[i].step) {
                assert!(
                    self.fence_ops.values().any(|&k| k == (run.id, i)),
                    "a fencing step in flight waits for a request of its own"
                );
            }
        }
    }
}
