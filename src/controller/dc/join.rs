//! The DC's side of the join protocol (`controld_join_dc.c`).
//!
//! Join, per node, by phase: *welcomed* (offered), *integrated* (its
//! request with its CIB has come), *finalized* (the DC has synced the
//! greatest CIB and acknowledged it), *confirmed* (it has reported its
//! operation history, which the DC writes into the status). The DC
//! schedules only when no join is under way. A node that does not answer
//! within `join-integration-timeout` is left out of the round.

use std::sync::Arc;

use sim::Instant;

use super::super::cib_updates::{self as upd, NodeView};
use super::super::{Local, Msg, OpRecord, Output, SharedCib, Timer};
use super::DcState;

/// A node's progress through the current join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Welcomed,
    Integrated,
    Finalized,
    Confirmed,
}

/// How long the controller waits when its own CIB updates are pending
/// as it invokes the scheduler (the `sleep(1)` of `do_pe_invoke_callback`).
const CIB_PENDING_RETRY: sim::Duration = sim::Duration::from_secs(1);

impl DcState {
    /// Whether every node of the partition has confirmed its join.
    pub(super) fn joins_settled(&self) -> bool {
        self.phases.values().all(|(_, p)| *p == Phase::Confirmed)
    }

    /// A join round for every member (after an election).
    pub(in crate::controller) fn offer_all(
        &mut self,
        c: &mut Local,
        now: Instant,
        out: &mut Vec<Output>,
    ) {
        self.join_id += 1;
        self.phases = c
            .members
            .iter()
            .map(|m| (m.clone(), (self.join_id, Phase::Welcomed)))
            .collect();
        self.best = None;
        let deadline = now + c.opts.join_integration_timeout;
        c.timers.set(Timer::JoinIntegration, deadline);
        self.abort("new join round");
        out.push(Output::Cast(Msg::JoinOffer {
            join: self.join_id,
            to: Vec::new(),
        }));
    }

    /// A join round for nodes that just appeared.
    pub(super) fn offer(
        &mut self,
        c: &mut Local,
        now: Instant,
        nodes: &[String],
        out: &mut Vec<Output>,
    ) {
        if nodes.is_empty() {
            return;
        }
        self.join_id += 1;
        for n in nodes {
            self.phases
                .insert(n.clone(), (self.join_id, Phase::Welcomed));
        }
        if !c.timers.is_set(Timer::JoinIntegration) {
            let deadline = now + c.opts.join_integration_timeout;
            c.timers.set(Timer::JoinIntegration, deadline);
        }
        out.push(Output::Cast(Msg::JoinOffer {
            join: self.join_id,
            to: nodes.to_vec(),
        }));
    }

    /// A node answers the offer with its CIB; the greatest is kept.
    pub(super) fn on_join_request(
        &mut self,
        c: &mut Local,
        from: &str,
        join: u64,
        cib: &SharedCib,
        out: &mut Vec<Output>,
    ) {
        if self.phases.get(from) != Some(&(join, Phase::Welcomed)) {
            return;
        }
        self.phases
            .insert(from.to_string(), (join, Phase::Integrated));
        if self
            .best
            .as_ref()
            .is_none_or(|b| cib.generation > b.generation)
        {
            self.best = Some(cib.clone());
        }
        self.check_integration(c, out);
    }

    /// A node confirms with its operation history, which replaces what the
    /// CIB had of it; the last confirmation completes the join.
    pub(super) fn on_join_confirm(
        &mut self,
        c: &mut Local,
        now: Instant,
        from: &str,
        join: u64,
        history: &[Arc<OpRecord>],
        out: &mut Vec<Output>,
    ) {
        if self.phases.get(from) != Some(&(join, Phase::Finalized)) {
            return;
        }
        self.phases
            .insert(from.to_string(), (join, Phase::Confirmed));
        let now_secs = c.now_secs(now);
        let cib = self.cib(c);
        upd::clear_lrm(cib, from);
        for rec in history {
            upd::record_result(cib, rec, now_secs, false);
        }
        upd::set_node_view(cib, from, NodeView::Joined);
        self.abort("node joined");
        if self.joins_settled() {
            c.timers.set(Timer::SchedulerRetry, now + CIB_PENDING_RETRY);
            let members: Vec<&str> = self.phases.keys().map(String::as_str).collect();
            out.push(Output::Note(format!(
                "join complete: {}",
                members.join(" ")
            )));
        }
    }

    /// `join-integration-timeout` passed: nodes that did not answer the
    /// offer are left out of the round.
    pub(super) fn on_integration_timeout(&mut self, c: &mut Local, out: &mut Vec<Output>) {
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

    /// When no member is still to answer the offer: take the greatest CIB,
    /// sync it, and acknowledge every integrated node.
    pub(super) fn check_integration(&mut self, c: &mut Local, out: &mut Vec<Output>) {
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
        c.timers.stop(Timer::JoinIntegration);
        self.take_best_cib(c);
        self.mark_absent_down(c);
        self.dirty = true;
        self.sync(c, out);
        for (n, j) in integrated {
            self.phases.insert(n.clone(), (j, Phase::Finalized));
            out.push(Output::Cast(Msg::JoinAck { join: j, to: n }));
        }
    }

    /// The greatest CIB offered replaces the DC's when greater, with the
    /// DC's own view of the nodes written over it.
    fn take_best_cib(&mut self, c: &mut Local) {
        if let Some(best) = self.best.take() {
            if best.generation > c.generation {
                let mut cib = best.cib;
                upd::keep_peer_view(Arc::make_mut(&mut cib), &c.cib);
                c.cib = cib;
                c.generation = best.generation;
                c.opts = super::super::Options::from_cib(&c.cib);
            }
        }
    }

    /// Whatever the CIB says, nodes outside the partition are not up.
    fn mark_absent_down(&mut self, c: &mut Local) {
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
    }
}
