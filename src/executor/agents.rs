//! Simulated resource agents: the ground truth of what runs on a node.
//!
//! This is the node's "resources" process group, not part of the cluster
//! stack: when the stack is killed (`kill_stack`) or paused, the services
//! keep running; only a crash, a power loss or a fence ends them. The
//! executor asks for an operation ([`Request`]); the agents answer after the
//! operation's duration ([`Done`]), with the result code an OCF agent would
//! give, and change what is active when the operation takes effect.
//!
//! Result codes follow the OCF convention Pacemaker reads: 0 success, 7 not
//! running, 8 running promoted, 1 generic failure. A `resource_fail` fault
//! arms the next operations of one kind on one resource to return another
//! code ([`Agents::inject`]); a failing monitor that reports "not running"
//! means the service died, any other failure leaves its state as it was.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::{Duration, Instant};

/// Simulated agent timings for one agent type or resource (a scenario's
/// `[agents]`): how long each operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentTimings {
    /// `start`.
    pub start: Option<Duration>,
    /// `stop`.
    pub stop: Option<Duration>,
    /// `monitor`.
    pub monitor: Option<Duration>,
    /// `promote`.
    pub promote: Option<Duration>,
    /// `demote`.
    pub demote: Option<Duration>,
    /// Fence `off`.
    pub off: Option<Duration>,
    /// Fence `on`.
    pub on: Option<Duration>,
}

/// OCF result codes.
pub mod rc {
    /// Success.
    pub const OK: i32 = 0;
    /// Generic failure.
    pub const ERROR: i32 = 1;
    /// Not running.
    pub const NOT_RUNNING: i32 = 7;
    /// Running, promoted.
    pub const RUNNING_PROMOTED: i32 = 8;
    /// Failed, promoted.
    pub const FAILED_PROMOTED: i32 = 9;
}

/// What a service is doing on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Running (not promotable, or unpromoted).
    Started,
    /// Running promoted.
    Promoted,
}

/// One operation asked of an agent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Request {
    /// The executor's id for it.
    pub token: u64,
    /// The resource id (shared with the executor's operation).
    pub rsc: Arc<str>,
    /// The agent type (`IPaddr2`, `Dummy`, ...), for timings.
    pub agent: Arc<str>,
    /// start, stop, monitor, promote, demote, migrate_to, migrate_from, notify.
    pub action: Arc<str>,
    /// A fencing device (lives in the stack, not in the services).
    pub stonith: bool,
}

/// An operation's result, when it has taken effect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Done {
    /// The request's token.
    pub token: u64,
    /// The OCF result code.
    pub rc: i32,
}

/// Failures armed by a `resource_fail` fault.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Armed {
    rc: i32,
    times: u32,
}

/// Agent timings: by resource id, then agent type, then `default`, then
/// the format's defaults (1 s, monitor 50 ms).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(pub BTreeMap<String, AgentTimings>);

impl Timings {
    /// How long `action` takes for this resource.
    pub fn of(&self, rsc: &str, agent: &str, action: &str) -> Duration {
        let pick = |t: &AgentTimings| match action {
            "start" | "migrate_from" => t.start,
            "stop" | "migrate_to" => t.stop,
            "monitor" => t.monitor,
            "promote" => t.promote,
            "demote" => t.demote,
            _ => None,
        };
        [rsc, agent, "default"]
            .iter()
            .find_map(|k| self.0.get(*k).and_then(pick))
            .unwrap_or(match action {
                "monitor" | "notify" => Duration::from_millis(50),
                _ => Duration::from_secs(1),
            })
    }
}

/// The services of one node and the operations in progress on them.
#[derive(Debug, Clone)]
pub struct Agents {
    timings: Timings,
    active: BTreeMap<String, Activity>,
    armed: BTreeMap<(String, String), Armed>,
    /// Operations in progress, in token order: when they finish, and what
    /// they were. These are the resources side's timers, one per operation
    /// in progress, so they live with their operation rather than in a
    /// fixed `TimerTable`. A short vector, not a map: it fills and empties
    /// with every operation, and a map would allocate a node each time.
    running: Vec<(u64, Instant, Request)>,
    /// Injected failures returned, per resource.
    failures: BTreeMap<String, u64>,
    /// Fencing devices started here.
    stack_bound: std::collections::BTreeSet<String>,
    /// What changed since the changes were last taken.
    changes: Changes,
}

/// What changed in a node's [`Agents`] since [`Agents::take_changes`]:
/// recorded as it happens, so that the `resources` process reports the
/// changes of an input without copying the whole state around it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Each resource whose activity changed, once, with its activity
    /// before its first change (it may have changed back since).
    pub activity: Vec<(String, Option<Activity>)>,
    /// Each resource that returned an injected failure, once.
    pub failed: Vec<String>,
}

impl Agents {
    /// A node with nothing running.
    pub fn new(timings: Timings) -> Agents {
        Agents {
            timings,
            active: BTreeMap::new(),
            armed: BTreeMap::new(),
            running: Vec::new(),
            failures: BTreeMap::new(),
            stack_bound: Default::default(),
            changes: Changes::default(),
        }
    }

    /// What changed since the last call (or since the start).
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Sets what a resource does here (`None`: stopped), noting the change.
    fn set_active(&mut self, rsc: &str, to: Option<Activity>) {
        let was = match (to, self.active.get_mut(rsc)) {
            (Some(a), Some(slot)) => Some(std::mem::replace(slot, a)),
            (Some(a), None) => self.active.insert(rsc.to_string(), a),
            (None, _) => self.active.remove(rsc),
        };
        if was != to && !self.changes.activity.iter().any(|(r, _)| r == rsc) {
            self.changes.activity.push((rsc.to_string(), was));
        }
    }

    /// What runs here now (the ground truth the checkers read).
    pub fn active(&self) -> &BTreeMap<String, Activity> {
        &self.active
    }

    /// Arms the next `times` `action`s of `rsc` to return `rc`.
    pub fn inject(&mut self, rsc: &str, action: &str, rc: i32, times: u32) {
        self.armed
            .insert((rsc.to_string(), action.to_string()), Armed { rc, times });
    }

    /// Everything stops at once (crash, power loss, fence).
    pub fn halt(&mut self) {
        let all: Vec<String> = self.active.keys().cloned().collect();
        for rsc in all {
            self.set_active(&rsc, None);
        }
        self.running.clear();
    }

    /// The stack that asked died: no operation in progress takes effect,
    /// the services stay as they are, but fencing devices, which only
    /// exist as registrations with the stack's fencer, are gone.
    pub fn stack_exited(&mut self) {
        self.running.clear();
        let stack_bound = std::mem::take(&mut self.stack_bound);
        for rsc in stack_bound {
            self.set_active(&rsc, None);
        }
    }

    /// How many injected failures each resource has returned so far.
    pub fn failures(&self) -> &BTreeMap<String, u64> {
        &self.failures
    }

    /// Starts an operation; its result comes at `next_deadline`.
    pub fn request(&mut self, now: Instant, req: Request) {
        let d = self.timings.of(&req.rsc, &req.agent, &req.action);
        let Err(pos) = self.position(req.token) else {
            panic!("request tokens are unique");
        };
        self.running.insert(pos, (req.token, now + d, req));
    }

    /// Where the operation of a token is (`Ok`), or would go (`Err`).
    fn position(&self, token: u64) -> Result<usize, usize> {
        self.running.binary_search_by_key(&token, |(k, _, _)| *k)
    }

    /// Abandons an operation (the executor timed it out): it never takes effect.
    pub fn abandon(&mut self, token: u64) {
        if let Ok(pos) = self.position(token) {
            self.running.remove(pos);
        }
    }

    /// When the next operation finishes.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.running.iter().map(|(_, t, _)| *t).min()
    }

    /// Finishes every operation due by `now`, in order of time then token.
    pub fn on_wake(&mut self, now: Instant) -> Vec<Done> {
        let mut due: Vec<(Instant, u64)> = self
            .running
            .iter()
            .filter(|(_, t, _)| *t <= now)
            .map(|(k, t, _)| (*t, *k))
            .collect();
        due.sort();
        due.into_iter()
            .map(|(_, token)| {
                let pos = self.position(token).expect("due");
                let (_, _, req) = self.running.remove(pos);
                Done {
                    token,
                    rc: self.complete(&req),
                }
            })
            .collect()
    }

    /// Checked by the `resources` process after every input.
    pub fn check_invariants(&self) {
        assert!(
            self.armed.values().all(|a| a.times > 0),
            "an armed failure is dropped once used up"
        );
        assert!(
            self.failures.values().all(|&n| n > 0),
            "only resources that failed are counted"
        );
    }

    /// Applies an operation's effect and gives its result code.
    fn complete(&mut self, req: &Request) -> i32 {
        // Found without building a key: armed failures are few, and most
        // operations find none.
        let armed = self
            .armed
            .iter_mut()
            .find(|((r, a), _)| *r == *req.rsc && *a == *req.action);
        if let Some((key, a)) = armed {
            let code = a.rc;
            a.times -= 1;
            if a.times == 0 {
                let key = key.clone();
                self.armed.remove(&key);
            }
            if code != rc::OK {
                match self.failures.get_mut(&*req.rsc) {
                    Some(n) => *n += 1,
                    None => {
                        self.failures.insert(req.rsc.to_string(), 1);
                    }
                }
                if !self.changes.failed.iter().any(|f| *f == *req.rsc) {
                    self.changes.failed.push(req.rsc.to_string());
                }
                if &*req.action == "monitor" && code == rc::NOT_RUNNING {
                    // The service died.
                    self.set_active(&req.rsc, None);
                }
                return code;
            }
        }
        let now_active = self.active.get(&*req.rsc).copied();
        match &*req.action {
            "start" | "migrate_from" => {
                if req.stonith && !self.stack_bound.contains(&*req.rsc) {
                    self.stack_bound.insert(req.rsc.to_string());
                }
                self.set_active(&req.rsc, Some(Activity::Started));
                rc::OK
            }
            "stop" | "migrate_to" => {
                self.set_active(&req.rsc, None);
                rc::OK
            }
            "promote" => {
                if now_active.is_none() {
                    return rc::NOT_RUNNING;
                }
                self.set_active(&req.rsc, Some(Activity::Promoted));
                rc::OK
            }
            "demote" => {
                if now_active.is_none() {
                    return rc::NOT_RUNNING;
                }
                self.set_active(&req.rsc, Some(Activity::Started));
                rc::OK
            }
            "monitor" => match now_active {
                None => rc::NOT_RUNNING,
                Some(Activity::Started) => rc::OK,
                Some(Activity::Promoted) => rc::RUNNING_PROMOTED,
            },
            _ => rc::OK,
        }
    }
}
