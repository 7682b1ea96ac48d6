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
    /// ground truth as events: activities that changed, in resource order,
    /// then those that began, in resource order; then the resources that
    /// returned an injected failure. The agents note what they change as
    /// they change it ([`crate::executor::agents::Changes`]): most inputs
    /// (a request, a monitor finding what it found before) change nothing,
    /// and then nothing is compared or copied.
    pub fn handle(&mut self, now: Instant, input: Input<Msg>) -> Vec<Out> {
        let mut out = self.handle_input(now, input);
        let mut changes = self.agents.take_changes();
        if !changes.activity.is_empty() {
            changes.activity.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let active = self.agents.active();
            for (rsc, was) in &changes.activity {
                let now = active.get(rsc).copied();
                if was.is_some() && now != *was {
                    out.push(Output::Event(ClusterEvent::Activity {
                        rsc: rsc.clone(),
                        now,
                    }));
                }
            }
            for (rsc, was) in changes.activity {
                let now = active.get(&rsc).copied();
                if was.is_none() && now.is_some() {
                    out.push(Output::Event(ClusterEvent::Activity { rsc, now }));
                }
            }
        }
        changes.failed.sort_unstable();
        for rsc in changes.failed {
            out.push(Output::Event(ClusterEvent::Failed { rsc }));
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
