//! The controller (Pacemaker's `pacemaker-controld`), one state machine per
//! node: it elects the DC, joins the DC's cluster, and on the DC holds the
//! authoritative CIB, runs the scheduler on every change and carries out
//! the transitions it answers with.
//!
//! Where it sits: above membership and quorum (the stack tells it of every
//! new membership of its partition and of quorum changes) and above the
//! executor and the fencer, which it drives. Controllers talk to each other
//! only through agreed, ordered cluster messages ([`Msg`], carried by the
//! membership layer as CPG carries Pacemaker's), so every member sees the
//! same messages in the same order.
//!
//! Files: `election.rs` (votes), `dc.rs` (what only the DC does: the join
//! protocol, CIB sync, transitions), `transition.rs` (a graph as steps and
//! their progress), `cib_updates.rs` (node states, results and fail counts
//! written into the CIB).
//!
//! The life of a node, as Pacemaker's FSA has it, reduced to its outcomes:
//! - **pending**: started, no DC known; after `dc-deadtime` (20 s) without a
//!   join offer it calls an election ([`election`]);
//! - **joining**: a DC offered; the node answers with its CIB generation,
//!   takes the DC's CIB, and confirms with its own operation history;
//! - **DC**: won the election; offers every member a join, takes the
//!   greatest CIB among them (`admin_epoch`, `epoch`, `num_updates`), syncs
//!   it, writes the members' node states and histories, then schedules.
//!   It starts an election again when it meets another DC (a partition
//!   healing) and gives way to a better vote.
//!
//! Simplified relative to Pacemaker: the CIB manager, the attribute manager
//! and the controller are one state machine, and the DC writes every
//! change itself (fail counts, node attributes, history entries sent by the
//! node that ran the operation) and then sends its whole CIB to the
//! members, where Pacemaker sends diffs; the join has no
//! `join-finalization-timeout`; shutdown
//! escalation, `shutdown-lock`, alerts and remote nodes are absent.

mod cib_updates;
mod cpu_time;
mod dc;
pub mod election;
pub mod transition;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Serialize, Serializer};
use sim::{Duration, Instant};

use crate::cib::Cib;
use crate::executor::{self, OpStatus};
use crate::fencer::{FenceAction, FenceResult};

pub use cib_updates::{generation, Generation};
pub use election::{CpuTime, Election, FeatureSet, Vote};
pub use transition::{Plan, RscOp, Run, Step};

/// The CRM feature set every simulated controller announces (Pacemaker 2.1.5's).
pub const FEATURE_SET: &str = "3.16.2";

/// A CIB shared between messages without copying; in the trace it shows
/// as its generation.
#[derive(Debug, Clone)]
pub struct SharedCib(pub Arc<Cib>);

impl PartialEq for SharedCib {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Serialize for SharedCib {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (a, e, n) = generation(&self.0);
        s.serialize_str(&format!("cib {a}.{e}.{n}"))
    }
}

/// An operation result, as the node that ran it reports it to the DC.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpRecord {
    /// Where it ran.
    pub node: String,
    /// The resource's history id.
    pub rsc: String,
    /// The agent type.
    pub agent: String,
    /// The task.
    pub task: String,
    /// Its interval.
    pub interval_ms: u64,
    /// The agent's code.
    pub rc: i32,
    /// How it ended.
    pub status: OpStatus,
    /// The code that means success.
    pub expected_rc: i32,
    /// The executor's call id (orders a node's results).
    pub call_id: u64,
    /// The transition and step that asked for it, if any.
    pub key: Option<(u64, usize)>,
    /// The parameter digest to record.
    pub digest: Option<String>,
    /// `start-failure-is-fatal` as the DC asked with it.
    pub start_failure_is_fatal: bool,
}

/// The return code a pending operation is recorded with (`PCMK_OCF_UNKNOWN`).
const PCMK_OCF_UNKNOWN: i32 = 193;

impl OpRecord {
    /// Whether it ended as the DC intended.
    pub fn ok(&self) -> bool {
        self.status == OpStatus::Done && self.rc == self.expected_rc
    }
}

/// What controllers send each other, in agreed order, to every member of
/// the partition (`to` names the one it is meant for, if any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Msg {
    /// An election message.
    Election {
        /// Its one addressee, if any.
        to: Option<String>,
        /// The message.
        msg: election::Msg,
    },
    /// The DC invites nodes (all members when `to` is empty) to join.
    JoinOffer {
        /// The join round.
        join: u64,
        /// The invited nodes; empty for every member.
        to: Vec<String>,
    },
    /// A node asks to join, with its CIB.
    JoinRequest {
        /// The join round.
        join: u64,
        /// Its CIB.
        cib: SharedCib,
    },
    /// The DC's CIB, for every member to take.
    CibSync {
        /// The CIB.
        cib: SharedCib,
    },
    /// The DC accepts a node's request.
    JoinAck {
        /// The join round.
        join: u64,
        /// The node.
        to: String,
    },
    /// The node confirms with what its executor has done.
    JoinConfirm {
        /// The join round.
        join: u64,
        /// Its operation history, oldest first.
        history: Vec<OpRecord>,
    },
    /// The DC asks a node to run an operation.
    Exec {
        /// The transition.
        transition: u64,
        /// The step.
        step: usize,
        /// The operation.
        op: RscOp,
        /// `start-failure-is-fatal`.
        start_failure_is_fatal: bool,
    },
    /// The DC tells a node to exit: its clean shutdown is complete.
    Shutdown {
        /// The node.
        to: String,
    },
    /// An operation's result, for the DC.
    Result(OpRecord),
    /// A node asks to be shut down cleanly.
    ShutdownRequest,
    /// A configuration change for the DC to apply (a pcs command).
    Modify {
        /// The command line.
        line: String,
    },
}

/// What the harness or an operator asks of a controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Command {
    /// A pcs command, applied through the DC.
    Pcs(String),
}

/// An input to a controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The controller starts.
    Start,
    /// The partition's membership changed (nodes whose stack runs, this one
    /// included), with the quorum it has (both settle together, as
    /// corosync's sync barrier makes them).
    Membership {
        /// The members.
        members: Vec<String>,
        /// Whether the partition is quorate.
        quorate: bool,
    },
    /// The partition's quorum changed.
    Quorum(bool),
    /// A cluster message, in agreed order (this node's own too).
    Deliver {
        /// The sender.
        from: String,
        /// The message.
        msg: Msg,
    },
    /// The local executor finished an operation.
    Executed(executor::OpResult),
    /// The local fencer finished a request.
    Fenced {
        /// The request id.
        op: u64,
        /// The node.
        target: String,
        /// The result.
        result: FenceResult,
    },
    /// An operator command.
    Command(Command),
    /// Stop cleanly (`pcs cluster stop`).
    Terminate,
    /// A timer may have expired.
    Wake,
}

/// An effect of a controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send to every member of the partition, in agreed order.
    Cast(Msg),
    /// Ask the local executor to run an operation.
    Exec {
        /// The controller's id for it.
        call: u64,
        /// The operation.
        op: executor::Op,
    },
    /// Ask the local executor to stop a recurring operation.
    Cancel {
        /// The resource.
        rsc: String,
        /// The task.
        action: String,
        /// The interval.
        interval_ms: u64,
    },
    /// Ask the local fencer to fence a node.
    Fence {
        /// The request id.
        op: u64,
        /// The node.
        target: String,
        /// What to do.
        action: FenceAction,
    },
    /// Something worth a line in the timeline.
    Note(String),
    /// This controller has just become DC.
    Elected,
    /// The DC saw a fencing of `target` succeed.
    Fenced {
        /// The node fenced.
        target: String,
        /// The devices that did it.
        devices: Vec<String>,
    },
    /// The controller has stopped cleanly.
    Exit,
}

/// What a controller knows of its cluster when it starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// This node's name.
    pub node: String,
    /// Every node of the cluster, in node-id order.
    pub nodes: Vec<String>,
    /// The configuration it starts with (its copy "on disk").
    pub cib: Arc<Cib>,
    /// Seconds since the epoch at virtual time zero: the scheduler's "now"
    /// and the timestamps written into the history.
    pub epoch_base: i64,
}

/// An operation the local executor runs for the DC.
#[derive(Debug, Clone)]
struct Call {
    op: RscOp,
    key: Option<(u64, usize)>,
    start_failure_is_fatal: bool,
}

/// Cluster options the controller reads from `crm_config`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub dc_deadtime: Duration,
    pub election_timeout: Duration,
    pub join_integration_timeout: Duration,
    pub cluster_delay: Duration,
    pub stonith_timeout: Duration,
    pub stonith_max_attempts: u32,
    pub start_failure_is_fatal: bool,
}

impl Options {
    /// Reads the options (unset or unreadable: Pacemaker's defaults).
    pub(crate) fn from_cib(cib: &Cib) -> Options {
        let get = |name: &str| cib.crm_option(name).map(str::to_string);
        let dur = |name: &str, default: u64| {
            get(name)
                .and_then(|v| crate::scheduler::rules::parse_ms(&v))
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_millis(default))
        };
        Options {
            dc_deadtime: dur("dc-deadtime", 20_000),
            election_timeout: dur("election-timeout", 120_000),
            join_integration_timeout: dur("join-integration-timeout", 180_000),
            cluster_delay: dur("cluster-delay", 60_000),
            stonith_timeout: dur("stonith-timeout", 60_000),
            stonith_max_attempts: get("stonith-max-attempts")
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or(10),
            start_failure_is_fatal: get("start-failure-is-fatal")
                .map(|v| crate::scheduler::rules::is_true(&v))
                .unwrap_or(true),
        }
    }
}

/// One node's controller.
///
/// Calling rules: `Input::Start` first; then memberships, quorum changes and
/// cluster messages as the stack delivers them; `Input::Wake` at
/// `next_deadline()`.
#[derive(Debug, Clone)]
pub struct Controller {
    cfg: Config,
    opts: Options,
    /// This node's copy of the CIB (the DC's is authoritative).
    cib: Arc<Cib>,
    /// The partition's members whose controllers run (this one included).
    members: BTreeSet<String>,
    quorate: bool,
    election: Election,
    /// The DC this node has joined (or itself).
    dc: Option<String>,
    /// When a node without a DC calls an election (`dc-deadtime`).
    deadtime: Option<Instant>,
    /// What only the DC has.
    dc_state: Option<dc::DcState>,
    /// Operations the local executor runs for the DC, by call id.
    calls: BTreeMap<u64, Call>,
    next_call: u64,
    /// The latest result of every operation this incarnation ran, by
    /// (resource, task, interval): what it tells a DC when it joins.
    history: BTreeMap<(String, String, u64), OpRecord>,
    shutting_down: bool,
    exited: bool,
}

impl Controller {
    /// A controller that does nothing until `Input::Start`; its election
    /// age draws from `rng_seed` ([`CpuTime`]).
    pub fn new(cfg: Config, now: Instant, rng_seed: [u8; 32]) -> Controller {
        let opts = Options::from_cib(&cfg.cib);
        let vote = Vote {
            round: 0,
            node: cfg.node.clone(),
            feature_set: FeatureSet::parse(FEATURE_SET).expect("a valid feature set"),
            age: 0,
            eligible: true,
        };
        Controller {
            cib: cfg.cib.clone(),
            cfg,
            opts,
            members: BTreeSet::new(),
            quorate: false,
            election: Election::new(vote, CpuTime::seeded(now, rng_seed), opts.election_timeout),
            dc: None,
            deadtime: None,
            dc_state: None,
            calls: BTreeMap::new(),
            next_call: 1,
            history: BTreeMap::new(),
            shutting_down: false,
            exited: false,
        }
    }

    /// Whether this node is the DC.
    pub fn is_dc(&self) -> bool {
        self.dc_state.is_some()
    }

    /// This node's copy of the CIB.
    pub fn cib(&self) -> &Cib {
        &self.cib
    }

    /// This node's copy of the CIB, shared (what it would write to disk).
    pub fn shared_cib(&self) -> &Arc<Cib> {
        &self.cib
    }

    /// Why this DC is not settled at `now`, if it is not: a join or a
    /// transition under way, a scheduler run owed, or a scheduler that would
    /// still act on its CIB. On a settled DC, the CIB's view of what runs
    /// where is returned (primitive id without clone suffix → nodes), for
    /// the caller to hold against the ground truth. `Err` also for a
    /// controller that is not DC.
    pub fn settled(
        &self,
        now: Instant,
    ) -> Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>, String>
    {
        let Some(d) = &self.dc_state else {
            return Err("not DC".into());
        };
        d.busy()?;
        let t = crate::scheduler::schedule(&self.cib, self.now_secs(now));
        let plan = transition::Plan::from_transition(&t);
        let pending = plan
            .steps
            .iter()
            .filter(|s| !matches!(s.step, transition::Step::Pseudo | transition::Step::Nothing))
            .count();
        if pending > 0 {
            return Err(format!("the scheduler still plans {pending} action(s)"));
        }
        let ws = &t.ws;
        let mut view: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for r in &ws.rscs {
            if !matches!(r.variant, crate::scheduler::ws::Variant::Primitive) {
                continue;
            }
            let base = r.id.split(':').next().unwrap_or(&r.id).to_string();
            let nodes = view.entry(base).or_default();
            nodes.extend(r.running_on.iter().map(|n| ws.node(*n).uname.clone()));
        }
        Ok(view)
    }

    fn now_secs(&self, now: Instant) -> i64 {
        self.cfg.epoch_base + (now.as_nanos() / 1_000_000_000) as i64
    }

    /// Takes one input and returns its effects.
    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        if self.exited {
            return out;
        }
        match input {
            Input::Start => {
                self.deadtime = Some(now + self.opts.dc_deadtime);
                self.members.insert(self.cfg.node.clone());
            }
            Input::Membership { members, quorate } => {
                self.set_quorate(quorate);
                self.on_membership(now, members, &mut out)
            }
            Input::Quorum(q) => self.set_quorate(q),
            Input::Deliver { from, msg } => self.on_message(now, from, msg, &mut out),
            Input::Executed(r) => self.on_executed(now, r, &mut out),
            Input::Fenced { op, target, result } => {
                if let Some(mut d) = self.dc_state.take() {
                    d.on_fenced(self, now, op, &target, &result, &mut out);
                    self.dc_state = Some(d);
                }
            }
            Input::Command(Command::Pcs(line)) => {
                out.push(Output::Cast(Msg::Modify { line }));
            }
            Input::Terminate => self.on_terminate(&mut out),
            Input::Wake => self.on_wake(now, &mut out),
        }
        self.settle(now, &mut out);
        out
    }

    fn set_quorate(&mut self, quorate: bool) {
        self.quorate = quorate;
        if let Some(d) = self.dc_state.as_mut() {
            d.quorum_changed(quorate);
        }
    }

    /// The earliest timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.exited {
            return None;
        }
        [
            self.deadtime,
            self.election.next_deadline(),
            self.dc_state.as_ref().and_then(|d| d.next_deadline()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// After every input: the DC schedules and fires what it can, and
    /// sends its CIB if it changed.
    fn settle(&mut self, now: Instant, out: &mut Vec<Output>) {
        if let Some(mut d) = self.dc_state.take() {
            d.settle(self, now, out);
            self.dc_state = Some(d);
        }
    }

    fn on_membership(&mut self, now: Instant, members: Vec<String>, out: &mut Vec<Output>) {
        let new: BTreeSet<String> = members.into_iter().collect();
        let lost: Vec<String> = self.members.difference(&new).cloned().collect();
        let gained: Vec<String> = new.difference(&self.members).cloned().collect();
        self.members = new;
        let peers = self.members.clone();
        let eo = self.election.set_peers(now, peers);
        self.election_outputs(now, eo, out);
        if let Some(mut d) = self.dc_state.take() {
            d.on_membership(self, now, &lost, &gained, out);
            self.dc_state = Some(d);
        } else if self.dc.as_ref().is_some_and(|dc| lost.contains(dc)) {
            // The DC is gone: elect another at once.
            self.dc = None;
            let eo = self.election.start(now);
            self.election_outputs(now, eo, out);
        }
    }

    fn election_outputs(&mut self, now: Instant, eo: Vec<election::Output>, out: &mut Vec<Output>) {
        for o in eo {
            match o {
                election::Output::Broadcast(msg) => {
                    out.push(Output::Cast(Msg::Election { to: None, msg }))
                }
                election::Output::Send { to, msg } => {
                    out.push(Output::Cast(Msg::Election { to: Some(to), msg }))
                }
                election::Output::Won => self.become_dc(now, out),
                election::Output::Lost { to } => {
                    if self.dc_state.take().is_some() {
                        out.push(Output::Note(format!("gives up the DC role to {to}")));
                    }
                    if self.dc.as_deref() == Some(self.cfg.node.as_str()) {
                        self.dc = None;
                    }
                    // Wait for the winner's offer, but not for ever.
                    self.deadtime = Some(now + self.opts.dc_deadtime);
                }
            }
        }
    }

    fn become_dc(&mut self, now: Instant, out: &mut Vec<Output>) {
        self.deadtime = None;
        self.dc = Some(self.cfg.node.clone());
        let mut d = self
            .dc_state
            .take()
            .unwrap_or_else(|| dc::DcState::new(self.quorate));
        if !d.announced {
            out.push(Output::Elected);
            d.announced = true;
        }
        d.offer_all(self, now, out);
        self.dc_state = Some(d);
    }

    fn on_message(&mut self, now: Instant, from: String, msg: Msg, out: &mut Vec<Output>) {
        let me = self.cfg.node.clone();
        match msg {
            Msg::Election { to, msg } => {
                if to.as_ref().is_none_or(|t| *t == me) {
                    let eo = self.election.on_message(now, &from, msg);
                    self.election_outputs(now, eo, out);
                }
            }
            Msg::JoinOffer { join, to } => {
                if !to.is_empty() && !to.contains(&me) {
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
                self.dc = Some(from);
                self.deadtime = None;
                out.push(Output::Cast(Msg::JoinRequest {
                    join,
                    cib: SharedCib(self.cib.clone()),
                }));
            }
            Msg::CibSync { cib } => {
                if self.dc.as_deref() == Some(from.as_str()) && from != me {
                    self.cib = cib.0;
                }
            }
            Msg::JoinAck { join, to } => {
                if to == me && self.dc.as_deref() == Some(from.as_str()) {
                    let mut history: Vec<OpRecord> = self.history.values().cloned().collect();
                    history.sort_by_key(|r| r.call_id);
                    // Operations still running (one-shot ones: a recurring
                    // monitor's history is its last result) go last, as
                    // pending: the new DC must not start elsewhere what is
                    // being started here.
                    history.extend(
                        self.calls
                            .values()
                            .filter(|c| c.op.interval_ms == 0)
                            .map(|c| self.pending_record(c)),
                    );
                    out.push(Output::Cast(Msg::JoinConfirm { join, history }));
                }
            }
            Msg::Exec {
                transition,
                step,
                op,
                start_failure_is_fatal,
            } => {
                if op.node == me && self.dc.as_deref() == Some(from.as_str()) {
                    if let Some(rec) = self.exec(transition, step, op, start_failure_is_fatal, out)
                    {
                        out.push(Output::Cast(Msg::Result(rec)));
                    }
                }
            }
            Msg::Shutdown { to } => {
                if to == me && self.shutting_down {
                    self.exited = true;
                    out.push(Output::Exit);
                }
            }
            msg @ (Msg::JoinRequest { .. }
            | Msg::JoinConfirm { .. }
            | Msg::Result(_)
            | Msg::ShutdownRequest
            | Msg::Modify { .. }) => {
                if let Some(mut d) = self.dc_state.take() {
                    d.on_message(self, now, &from, msg, out);
                    self.dc_state = Some(d);
                } else if let Msg::Modify { line } = msg {
                    if from == me && self.dc.is_none() {
                        out.push(Output::Note(format!("no DC to apply: {line}")));
                    }
                }
            }
        }
    }

    /// Runs an operation the DC asked for on this node. A cancellation is
    /// done at once: its result is returned, for the caller to report.
    pub(super) fn exec(
        &mut self,
        transition: u64,
        step: usize,
        op: RscOp,
        start_failure_is_fatal: bool,
        out: &mut Vec<Output>,
    ) -> Option<OpRecord> {
        if op.task == "cancel" {
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
            return Some(OpRecord {
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
            });
        }
        if op.task == "stop" {
            // A stop ends the resource's recurring monitors first.
            let recurring: Vec<u64> = self
                .calls
                .iter()
                .filter(|(_, c)| c.op.rsc == op.rsc && c.op.interval_ms > 0)
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
        let call = self.next_call;
        self.next_call += 1;
        out.push(Output::Exec {
            call,
            op: executor::Op {
                rsc: op.rsc.clone(),
                agent: op.agent.clone(),
                action: op.task.clone(),
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

    /// An operation in flight as the history shows it until it ends.
    fn pending_record(&self, call: &Call) -> OpRecord {
        OpRecord {
            node: self.cfg.node.clone(),
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

    fn on_executed(&mut self, now: Instant, r: executor::OpResult, out: &mut Vec<Output>) {
        let Some(call) = self.calls.get(&r.call) else {
            return; // cancelled meanwhile
        };
        let rec = OpRecord {
            node: self.cfg.node.clone(),
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
            return;
        }
        self.history.insert(
            (rec.rsc.clone(), rec.task.clone(), rec.interval_ms),
            rec.clone(),
        );
        // The DC's own results go straight into its CIB: Pacemaker's CIB
        // manager on the DC applies a local update and notifies the
        // controller before the change is broadcast, so a DC's view of its
        // own resources does not wait for the ring (which may be re-forming).
        if let Some(mut d) = self.dc_state.take() {
            d.on_result(self, now, rec, out);
            self.dc_state = Some(d);
        } else {
            out.push(Output::Cast(Msg::Result(rec)));
        }
    }

    fn on_terminate(&mut self, out: &mut Vec<Output>) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        self.election.set_eligible(false);
        if self.dc.is_none() {
            // Nobody to move the resources: stop at once.
            self.exited = true;
            out.push(Output::Exit);
            return;
        }
        out.push(Output::Note("requests a clean shutdown".into()));
        out.push(Output::Cast(Msg::ShutdownRequest));
    }

    fn on_wake(&mut self, now: Instant, out: &mut Vec<Output>) {
        if self.deadtime.is_some_and(|t| t <= now) {
            self.deadtime = None;
            if self.dc.is_none() && !self.election.voting() {
                let eo = self.election.start(now);
                self.election_outputs(now, eo, out);
            }
        }
        if self.election.next_deadline().is_some_and(|t| t <= now) {
            let eo = self.election.on_wake(now);
            self.election_outputs(now, eo, out);
        }
        if let Some(mut d) = self.dc_state.take() {
            d.on_wake(self, now, out);
            self.dc_state = Some(d);
        }
    }
}
