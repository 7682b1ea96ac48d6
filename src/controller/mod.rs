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
//! Files: `messages.rs` (what controllers send each other), `member.rs`
//! (what every node does for its DC: join, take the CIB, run operations),
//! `election.rs` (votes), `dc/` (what only the DC does: `dc/join.rs` the
//! join protocol, `dc/engine.rs` the transition engine), `transition.rs`
//! (a graph as steps and their progress), `cib_updates.rs` (node states,
//! results and fail counts written into the CIB), `options.rs` (cluster
//! options).
//!
//! A node's role is a type ([`Role`]): pending, member of a DC's cluster,
//! or DC, the last holding what only the DC has. The parts every role has
//! (configuration, CIB copy, membership, the local executor's calls) are
//! one struct ([`Local`]) that the DC's handlers borrow beside their own
//! state.
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
mod member;
mod messages;
mod options;
pub mod transition;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;
use sim::timer::TimerTable;
use sim::{Instant, NodeId};

use crate::cib::Cib;
use crate::executor;
use crate::fencer::{FenceAction, FenceResult};

pub use cib_updates::Generation;
pub use election::{CpuTime, Election, FeatureSet, Vote};
pub use messages::{Msg, OpRecord, SharedCib};
pub(crate) use options::Options;
pub use transition::{Plan, RscOp, Run, Step};

use member::Call;

/// The CRM feature set every simulated controller announces (Pacemaker 2.1.5's).
pub const FEATURE_SET: &str = "3.16.2";

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
    ///
    /// Both parts are shared: the ring hands the one message to every
    /// member, and most messages are meant for one of them (`to` fields,
    /// an `Exec`'s node), so a handler copies only what it keeps, and only
    /// when it keeps it.
    Deliver {
        /// The sender.
        from: Arc<str>,
        /// The message.
        msg: Arc<Msg>,
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
    /// Every node of the cluster, in node-id order.
    pub nodes: Vec<String>,
    /// The configuration it starts with (its copy "on disk").
    pub cib: Arc<Cib>,
    /// Seconds since the epoch at virtual time zero: the scheduler's "now"
    /// and the timestamps written into the history.
    pub epoch_base: i64,
}

/// The controller's own timers, one slot each. The election keeps its
/// timer in [`Election`], and a transition's steps have one deadline each
/// in their [`Run`] (a per-step map is right there: their number varies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// No DC has offered a join within `dc-deadtime`: a pending node calls
    /// an election (`crm_timer_t election_timer` as `dc-deadtime`).
    DcDeadtime,
    /// A DC's join offer unanswered within `join-integration-timeout`.
    JoinIntegration,
    /// The DC's first scheduler run after a join waits for its own CIB
    /// writes (the `sleep(1)` of `do_pe_invoke_callback`).
    SchedulerRetry,
}

impl sim::timer::Timer for Timer {
    const ALL: &'static [Timer] = &[
        Timer::DcDeadtime,
        Timer::JoinIntegration,
        Timer::SchedulerRetry,
    ];
    fn slot(self) -> usize {
        self as usize
    }
}

/// What a controller keeps whatever its role: its configuration, its copy
/// of the CIB, the partition it sees, and the operations its executor runs
/// for the DC. The DC's handlers borrow it beside the DC's own state.
#[derive(Debug, Clone)]
struct Local {
    cfg: Config,
    /// This node's id (its place in `cfg.nodes`, from 1).
    us: NodeId,
    /// This node's name.
    name: String,
    opts: Options,
    /// This node's copy of the CIB (the DC's is authoritative).
    cib: Arc<Cib>,
    /// Its generation, kept with it.
    generation: Generation,
    /// The partition's members whose controllers run (this one included).
    members: BTreeSet<String>,
    /// Its timers (the DC's among them: stopped when the role ends).
    timers: TimerTable<Timer, 3>,
    /// Operations the local executor runs for the DC, by call id.
    calls: BTreeMap<u64, Call>,
    next_call: u64,
    /// The latest result of every operation this incarnation ran, by
    /// (resource, task, interval): what it tells a DC when it joins.
    history: BTreeMap<(String, String, u64), Arc<OpRecord>>,
}

impl Local {
    /// This node's name.
    fn me(&self) -> &str {
        &self.name
    }

    /// Seconds since the epoch at `now`: the scheduler's "now" and the
    /// timestamps written into the history.
    fn now_secs(&self, now: Instant) -> i64 {
        self.cfg.epoch_base + (now.as_nanos() / 1_000_000_000) as i64
    }
}

/// A node's role, as Pacemaker's FSA has it reduced to its outcomes.
#[derive(Debug, Clone)]
enum Role {
    /// No DC known: waiting for an offer, or voting.
    Pending,
    /// This node has taken the offer of `dc` (itself, when an offer of its
    /// own, sent before it lost the DC role, came back to it).
    Member {
        /// The DC.
        dc: String,
    },
    /// This node is the DC, with what only the DC has.
    Dc(Box<dc::DcState>),
}

/// One node's controller.
///
/// Calling rules: `Input::Start` first; then memberships, quorum changes and
/// cluster messages as the stack delivers them; `Input::Wake` at
/// `next_deadline()`. Handlers by input: [`Controller::handle`] dispatches;
/// the member side is in `member.rs`, the DC's in `dc/`.
#[derive(Debug, Clone)]
pub struct Controller {
    local: Local,
    role: Role,
    election: Election,
    quorate: bool,
    shutting_down: bool,
    exited: bool,
}

impl Controller {
    /// A controller that does nothing until `Input::Start`: node `us` of
    /// `cfg.nodes` (ids from 1, in that order), started at `now`.
    /// `rng_seed` is this incarnation's own random stream: the election's
    /// age draws from it ([`CpuTime`]).
    pub fn new(cfg: &Config, us: NodeId, now: Instant, rng_seed: [u8; 32]) -> Controller {
        assert!(
            (1..=cfg.nodes.len()).contains(&(us.0 as usize)),
            "node {us:?} is one of the {} configured",
            cfg.nodes.len()
        );
        let name = cfg.nodes[us.0 as usize - 1].clone();
        let opts = Options::from_cib(&cfg.cib);
        let vote = Vote {
            round: 0,
            node: name.clone(),
            feature_set: FeatureSet::parse(FEATURE_SET).expect("a valid feature set"),
            age: 0,
            eligible: true,
        };
        Controller {
            local: Local {
                generation: Generation::of(&cfg.cib),
                cib: cfg.cib.clone(),
                cfg: cfg.clone(),
                us,
                name,
                opts,
                members: BTreeSet::new(),
                timers: TimerTable::new(),
                calls: BTreeMap::new(),
                next_call: 1,
                history: BTreeMap::new(),
            },
            role: Role::Pending,
            election: Election::new(vote, CpuTime::seeded(now, rng_seed), opts.election_timeout),
            quorate: false,
            shutting_down: false,
            exited: false,
        }
    }

    /// Whether this node is the DC.
    pub fn is_dc(&self) -> bool {
        matches!(self.role, Role::Dc(_))
    }

    /// The DC this node has joined (or itself, as DC).
    fn dc(&self) -> Option<&str> {
        match &self.role {
            Role::Pending => None,
            Role::Member { dc } => Some(dc),
            Role::Dc(_) => Some(self.local.me()),
        }
    }

    /// This node's copy of the CIB.
    pub fn cib(&self) -> &Cib {
        &self.local.cib
    }

    /// The generation of this node's copy of the CIB.
    pub fn generation(&self) -> Generation {
        self.local.generation
    }

    /// This node's copy of the CIB, shared (what it would write to disk).
    pub fn shared_cib(&self) -> &Arc<Cib> {
        &self.local.cib
    }

    /// Why this DC is not settled at `now`, if it is not: a join or a
    /// transition under way, a scheduler run owed, or a scheduler that would
    /// still act on its CIB. On a settled DC, the CIB's view of what runs
    /// where is returned (primitive id without clone suffix → nodes), for
    /// the caller to hold against the ground truth. `Err` also for a
    /// controller that is not DC.
    pub fn settled(&self, now: Instant) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        let Role::Dc(d) = &self.role else {
            return Err("not DC".into());
        };
        d.busy()?;
        let t = crate::scheduler::schedule(&self.local.cib, self.local.now_secs(now));
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
        let mut view: BTreeMap<String, BTreeSet<String>> = Default::default();
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

    /// Takes one input and returns its effects.
    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// `handle`, appending the effects to `out`: the stack keeps one buffer
    /// for every input rather than a new `Vec` per call.
    pub fn handle_into(&mut self, now: Instant, input: Input, out: &mut Vec<Output>) {
        if self.exited {
            return;
        }
        match input {
            Input::Start => self.on_start(now),
            Input::Membership { members, quorate } => {
                self.set_quorate(quorate);
                self.on_membership(now, members, out)
            }
            Input::Quorum(q) => self.set_quorate(q),
            Input::Deliver { from, msg } => self.on_message(now, &from, &msg, out),
            Input::Executed(r) => self.on_executed(now, r, out),
            Input::Fenced { op, target, result } => {
                if let Role::Dc(d) = &mut self.role {
                    d.on_fenced(&mut self.local, op, &target, &result, out);
                }
            }
            Input::Command(Command::Pcs(line)) => {
                out.push(Output::Cast(Msg::Modify { line }));
            }
            Input::Terminate => self.on_terminate(out),
            Input::Wake => self.on_wake(now, out),
        }
        self.settle(now, out);
        self.check_invariants();
    }

    /// The earliest timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.exited {
            return None;
        }
        let dc = match &self.role {
            Role::Dc(d) => d.next_deadline(),
            _ => None,
        };
        [self.local.timers.next(), self.election.next_deadline(), dc]
            .into_iter()
            .flatten()
            .min()
    }

    fn on_start(&mut self, now: Instant) {
        let deadtime = now + self.local.opts.dc_deadtime;
        self.local.timers.set(Timer::DcDeadtime, deadtime);
        let me = self.local.me().to_string();
        self.local.members.insert(me);
    }

    fn set_quorate(&mut self, quorate: bool) {
        self.quorate = quorate;
        if let Role::Dc(d) = &mut self.role {
            d.quorum_changed(quorate);
        }
    }

    /// After every input: the DC schedules and fires what it can, and
    /// sends its CIB if it changed.
    fn settle(&mut self, now: Instant, out: &mut Vec<Output>) {
        if let Role::Dc(d) = &mut self.role {
            d.settle(&mut self.local, now, out);
        }
    }

    fn on_membership(&mut self, now: Instant, members: Vec<String>, out: &mut Vec<Output>) {
        let new: BTreeSet<String> = members.into_iter().collect();
        let lost: Vec<String> = self.local.members.difference(&new).cloned().collect();
        let gained: Vec<String> = new.difference(&self.local.members).cloned().collect();
        self.local.members = new;
        let peers = self.local.members.clone();
        let eo = self.election.set_peers(now, peers);
        self.election_outputs(now, eo, out);
        match &mut self.role {
            Role::Dc(d) => d.on_membership(&mut self.local, now, &lost, &gained, out),
            Role::Member { dc } if lost.contains(dc) => {
                // The DC is gone: elect another at once.
                self.role = Role::Pending;
                let eo = self.election.start(now);
                self.election_outputs(now, eo, out);
            }
            _ => {}
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
                election::Output::Lost { to } => self.on_election_lost(now, &to, out),
            }
        }
    }

    /// Another node won: a DC gives up its role and everything only the DC
    /// has; every loser waits for the winner's offer, but not for ever.
    fn on_election_lost(&mut self, now: Instant, winner: &str, out: &mut Vec<Output>) {
        match &self.role {
            Role::Dc(_) => {
                out.push(Output::Note(format!("gives up the DC role to {winner}")));
                self.role = Role::Pending;
                self.local.timers.stop(Timer::JoinIntegration);
                self.local.timers.stop(Timer::SchedulerRetry);
            }
            Role::Member { dc } if dc == self.local.me() => self.role = Role::Pending,
            _ => {}
        }
        let deadtime = now + self.local.opts.dc_deadtime;
        self.local.timers.set(Timer::DcDeadtime, deadtime);
    }

    /// Won an election: a new DC starts with a fresh state, a DC that won
    /// again keeps its own; either offers every member a join.
    fn become_dc(&mut self, now: Instant, out: &mut Vec<Output>) {
        self.local.timers.stop(Timer::DcDeadtime);
        if !self.is_dc() {
            self.role = Role::Dc(Box::new(dc::DcState::new(self.quorate)));
        }
        let Role::Dc(d) = &mut self.role else {
            unreachable!("just made DC")
        };
        if !d.announced {
            out.push(Output::Elected);
            d.announced = true;
        }
        d.offer_all(&mut self.local, now, out);
    }

    /// A cluster message, borrowed: each handler copies what it keeps.
    fn on_message(&mut self, now: Instant, from: &str, msg: &Msg, out: &mut Vec<Output>) {
        match msg {
            Msg::Election { to, msg } => {
                if to.as_deref().is_none_or(|t| t == self.local.me()) {
                    let eo = self.election.on_message(now, from, msg);
                    self.election_outputs(now, eo, out);
                }
            }
            Msg::JoinOffer { join, to } => self.on_join_offer(now, from, *join, to, out),
            Msg::CibSync { cib } => self.on_cib_sync(from, cib),
            Msg::JoinAck { join, to } => self.on_join_ack(from, *join, to, out),
            Msg::Exec {
                transition,
                step,
                op,
                start_failure_is_fatal,
            } => self.on_exec(from, *transition, *step, op, *start_failure_is_fatal, out),
            Msg::Shutdown { to } => self.on_shutdown(to, out),
            msg @ (Msg::JoinRequest { .. }
            | Msg::JoinConfirm { .. }
            | Msg::Result(_)
            | Msg::ShutdownRequest
            | Msg::Modify { .. }) => match &mut self.role {
                Role::Dc(d) => d.on_message(&mut self.local, now, from, msg, out),
                Role::Pending => {
                    if let Msg::Modify { line } = msg {
                        if from == self.local.me() {
                            out.push(Output::Note(format!("no DC to apply: {line}")));
                        }
                    }
                }
                Role::Member { .. } => {}
            },
        }
    }

    /// Fires what is due, in a fixed order: `dc-deadtime`, the election's
    /// timer, then the DC's (join integration, steps past their deadline;
    /// the scheduler retry is taken by `settle`, after every input). An
    /// early or extra wake does nothing.
    fn on_wake(&mut self, now: Instant, out: &mut Vec<Output>) {
        if self.local.timers.is_due(Timer::DcDeadtime, now) {
            self.local.timers.stop(Timer::DcDeadtime);
            self.on_dc_deadtime(now, out);
        }
        if self.election.next_deadline().is_some_and(|t| t <= now) {
            let eo = self.election.on_wake(now);
            self.election_outputs(now, eo, out);
        }
        if let Role::Dc(d) = &mut self.role {
            d.on_wake(&mut self.local, now, out);
        }
    }

    /// `dc-deadtime` passed without an offer: a node without a DC calls an
    /// election (unless one of its own runs).
    fn on_dc_deadtime(&mut self, now: Instant, out: &mut Vec<Output>) {
        if matches!(self.role, Role::Pending) && !self.election.voting() {
            let eo = self.election.start(now);
            self.election_outputs(now, eo, out);
        }
    }

    /// What holds after every input, whatever the role: one DC as this node
    /// believes it, and timers that belong to the role it has.
    fn check_invariants(&self) {
        let l = &self.local;
        assert!(
            !self.exited || self.shutting_down,
            "a controller exits only when asked to stop"
        );
        assert!(
            !self.election.is_dc() || self.is_dc(),
            "an election won makes this node DC"
        );
        match &self.role {
            Role::Pending => {}
            Role::Member { dc } => assert!(
                l.cfg.nodes.contains(dc),
                "the DC a member joined is a node of the cluster"
            ),
            Role::Dc(d) => {
                assert!(
                    !l.timers.is_set(Timer::DcDeadtime),
                    "a DC waits for no other DC's offer"
                );
                d.check_invariants(l);
            }
        }
        if !self.is_dc() {
            assert!(
                !l.timers.is_set(Timer::JoinIntegration),
                "only a DC integrates joins"
            );
            assert!(
                !l.timers.is_set(Timer::SchedulerRetry),
                "only a DC runs the scheduler"
            );
        }
        l.check_invariants();
    }
}
