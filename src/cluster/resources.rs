//! The `resources` process group: a node's services, driven by its stack's
//! executor over local IPC (see `executor::agents` for what they do).

use std::collections::BTreeMap;

use sim::{Input, Instant, Output};

use crate::executor::{Activity, Agents, Timings};

use super::{ClusterEvent, Msg, Out, STACK};

/// A node's services.
#[derive(Debug, Clone)]
pub struct Resources {
    agents: Agents,
}

impl Resources {
    /// Nothing running.
    pub fn new(timings: Timings) -> Resources {
        Resources {
            agents: Agents::new(timings),
        }
    }

    /// What runs here: the ground truth the checkers read.
    pub fn active(&self) -> &BTreeMap<String, Activity> {
        self.agents.active()
    }

    /// Injected failures returned so far, per resource.
    pub fn failures(&self) -> &BTreeMap<String, u64> {
        self.agents.failures()
    }

    /// Takes one input and returns its effects, then what changed in the
    /// ground truth as events.
    pub fn handle(&mut self, now: Instant, input: Input<Msg>) -> Vec<Out> {
        let before = self.agents.active().clone();
        let failures = self.agents.failures().clone();
        let mut out = self.handle_input(now, input);
        let after = self.agents.active();
        for (rsc, was) in &before {
            let now = after.get(rsc).copied();
            if now != Some(*was) {
                out.push(Output::Event(ClusterEvent::Activity {
                    rsc: rsc.clone(),
                    now,
                }));
            }
        }
        for (rsc, a) in after {
            if !before.contains_key(rsc) {
                out.push(Output::Event(ClusterEvent::Activity {
                    rsc: rsc.clone(),
                    now: Some(*a),
                }));
            }
        }
        for (rsc, n) in self.agents.failures() {
            if failures.get(rsc).is_none_or(|old| old < n) {
                out.push(Output::Event(ClusterEvent::Failed { rsc: rsc.clone() }));
            }
        }
        self.agents.check_invariants();
        out
    }

    fn handle_input(&mut self, now: Instant, input: Input<Msg>) -> Vec<Out> {
        match input {
            Input::Ipc { msg, .. } | Input::Command(msg) => match msg {
                Msg::Run(req) => self.agents.request(now, *req),
                Msg::Abandon(token) => self.agents.abandon(token),
                Msg::Inject { rsc, op, rc, times } => self.agents.inject(&rsc, &op, rc, times),
                _ => {}
            },
            // Operations asked by a stack that died never report; a new
            // stack starts its own.
            Input::SiblingExited { group, .. } if group == STACK => self.agents.stack_exited(),
            Input::Wake => {
                return self
                    .agents
                    .on_wake(now)
                    .into_iter()
                    .map(|d| Output::Ipc {
                        to: STACK,
                        msg: Msg::Done(d),
                    })
                    .collect();
            }
            _ => {}
        }
        Vec::new()
    }

    /// When the next operation finishes.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.agents.next_deadline()
    }
}
