//! Running a transition: the scheduler's graph turned into steps the DC can
//! carry out, and their progress (Pacemaker's transition engine,
//! `controld_te_*.c` and `lib/pacemaker/pcmk_graph_*.c`).
//!
//! The scheduler answers with a working set and a graph; the DC keeps only
//! what it needs to act ([`Plan`]): for every synapse what to do, where,
//! with which timeout, and which other steps it waits for. A [`Run`] then
//! tracks each step from waiting to in flight to done or failed. A failure
//! or an unexpected event aborts the run: nothing new is started, the steps
//! in flight are waited for, and the scheduler is asked again.

use sim::{Duration, Instant};

use crate::fencer::FenceAction;
use crate::scheduler::{digest, graph, Transition, WorkingSet};

use std::sync::Arc;

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A pseudo action: done as soon as its inputs are.
    Pseudo,
    /// An agent operation on a node (shared with the message that asks
    /// for it and the call that runs it).
    Rsc(Arc<RscOp>),
    /// Fence a node.
    Fence {
        /// The node.
        target: String,
        /// off, on or reboot.
        action: FenceAction,
    },
    /// Tell a node's controller to exit (the end of a clean shutdown).
    Shutdown {
        /// The node.
        node: String,
    },
    /// Forget a resource's fail counts on a node.
    ClearFailcount {
        /// The resource (history id).
        rsc: String,
        /// The node.
        node: String,
    },
    /// Forget a resource's history on a node.
    Delete {
        /// The resource (history id).
        rsc: String,
        /// The node.
        node: String,
    },
    /// A controller-internal action with no effect here (e.g. a re-probe
    /// request).
    Nothing,
}

/// An agent operation as the DC asks for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RscOp {
    /// The resource's id in the node's history (an anonymous clone
    /// instance is recorded under the primitive's id).
    pub rsc: String,
    /// The agent type, for timings (`IPaddr2`).
    pub agent: String,
    /// start, stop, monitor, promote, demote, cancel ...
    pub task: String,
    /// For `cancel`: the task of the recurring op to cancel.
    pub cancel_task: Option<String>,
    /// Interval of a recurring op.
    pub interval_ms: u64,
    /// The node.
    pub node: String,
    /// The operation's timeout.
    #[serde(skip)]
    pub timeout: Duration,
    /// The result that counts as success.
    pub expected_rc: i32,
    /// The parameter digest to record with the result.
    pub digest: Option<String>,
    /// Whether it is a fencing device.
    pub stonith: bool,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// A readable name (`vip_start_0 node2`).
    pub label: String,
    /// What to do.
    pub step: Step,
    /// Positions (in the plan) of the steps it waits for.
    pub inputs: Vec<usize>,
}

/// What the DC keeps of a scheduler run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The steps, in graph order.
    pub steps: Vec<Planned>,
}

/// The history id of a resource, as the graph names it for the executor
/// (an anonymous clone instance runs and is recorded under the primitive's
/// configured id, `dummy` for `dummy:2`).
fn history_id(ws: &WorkingSet, r: crate::scheduler::RscIdx) -> String {
    graph::rsc_graph_names(ws, r).0
}

impl Plan {
    /// The steps of a scheduler answer.
    pub fn from_transition(t: &Transition) -> Plan {
        let ws = &t.ws;
        let pos: std::collections::BTreeMap<usize, usize> = t
            .graph
            .synapses
            .iter()
            .enumerate()
            .map(|(i, s)| (s.action.0, i))
            .collect();
        let steps = t
            .graph
            .synapses
            .iter()
            .map(|s| {
                let act = ws.action(s.action);
                let node = act.node.map(|n| ws.node(n).uname.clone());
                let step = if act.pseudo {
                    Step::Pseudo
                } else {
                    match (act.rsc, act.task.as_str(), node.clone()) {
                        (None, "stonith", Some(target)) => Step::Fence {
                            target,
                            action: match act.meta.get("stonith_action").map(String::as_str) {
                                Some("off") => FenceAction::Off,
                                Some("on") => FenceAction::On,
                                _ => FenceAction::Reboot,
                            },
                        },
                        (None, "do_shutdown", Some(node)) => Step::Shutdown { node },
                        (Some(r), "clear_failcount", Some(node)) => Step::ClearFailcount {
                            rsc: history_id(ws, r),
                            node,
                        },
                        (Some(r), "delete" | "lrm_delete", Some(node)) => Step::Delete {
                            rsc: history_id(ws, r),
                            node,
                        },
                        (Some(r), task, Some(node)) if !matches!(task, "meta-data") => {
                            let rsc = ws.rsc(r);
                            let op = rsc
                                .ops
                                .iter()
                                .find(|o| o.name == task && o.interval_ms == act.interval_ms);
                            let timeout_ms = op
                                .and_then(|o| o.timeout_ms)
                                .unwrap_or(digest::DEFAULT_OP_TIMEOUT_MS);
                            let digest_task = if task == "monitor" && act.interval_ms == 0 {
                                "start"
                            } else {
                                task
                            };
                            let digest =
                                matches!(task, "start" | "monitor" | "promote").then(|| {
                                    digest::params_digest(&digest::op_params(
                                        ws,
                                        r,
                                        digest_task,
                                        act.interval_ms,
                                    ))
                                });
                            Step::Rsc(Arc::new(RscOp {
                                rsc: history_id(ws, r),
                                agent: rsc.agent.rsplit(':').next().unwrap_or("").to_string(),
                                task: task.to_string(),
                                cancel_task: act.meta.get("cancel_task").cloned(),
                                interval_ms: act.interval_ms,
                                node,
                                timeout: Duration::from_millis(timeout_ms),
                                expected_rc: act.expected_rc.unwrap_or(0),
                                digest,
                                stonith: rsc.is_fence_device,
                            }))
                        }
                        _ => Step::Nothing,
                    }
                };
                Planned {
                    label: graph::action_label(ws, s.action),
                    step,
                    inputs: s
                        .inputs
                        .iter()
                        .filter_map(|i| pos.get(&i.0).copied())
                        .collect(),
                }
            })
            .collect();
        Plan { steps }
    }
}

/// Where one step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Its inputs are not all done.
    Waiting,
    /// Started; given up on at `deadline`.
    InFlight {
        /// When the DC stops waiting for it.
        deadline: Instant,
    },
    /// Completed as intended.
    Done,
    /// Failed, timed out, or lost with its node.
    Failed,
}

/// A transition in progress.
#[derive(Debug, Clone)]
pub struct Run {
    /// The transition's number (counted per DC).
    pub id: u64,
    /// Its steps.
    pub plan: Plan,
    /// Each step's state.
    pub state: Vec<State>,
    /// Why it was aborted, if it was: nothing new is started.
    pub aborted: Option<String>,
}

impl Run {
    /// A run of `plan` with nothing started.
    pub fn new(id: u64, plan: Plan) -> Run {
        let state = vec![State::Waiting; plan.steps.len()];
        Run {
            id,
            plan,
            state,
            aborted: None,
        }
    }

    /// The steps that may start now, in graph order.
    pub fn ready(&self) -> Vec<usize> {
        if self.aborted.is_some() {
            return Vec::new();
        }
        (0..self.state.len())
            .filter(|&i| {
                self.state[i] == State::Waiting
                    && self.plan.steps[i]
                        .inputs
                        .iter()
                        .all(|&j| self.state[j] == State::Done)
            })
            .collect()
    }

    /// Ends a step in flight (or one about to be started).
    pub fn complete(&mut self, i: usize, ok: bool) {
        self.state[i] = if ok { State::Done } else { State::Failed };
    }

    /// Stops starting new steps.
    pub fn abort(&mut self, reason: &str) {
        if self.aborted.is_none() {
            self.aborted = Some(reason.to_string());
        }
    }

    /// Whether anything is still in flight.
    pub fn in_flight(&self) -> bool {
        self.state
            .iter()
            .any(|s| matches!(s, State::InFlight { .. }))
    }

    /// Over: nothing in flight and nothing more can start.
    pub fn finished(&self) -> bool {
        !self.in_flight() && self.ready().is_empty()
    }

    /// Whether every step completed.
    pub fn succeeded(&self) -> bool {
        self.state.iter().all(|s| *s == State::Done)
    }

    /// The earliest deadline of a step in flight.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.state
            .iter()
            .filter_map(|s| match s {
                State::InFlight { deadline } => Some(*deadline),
                _ => None,
            })
            .min()
    }
}
