//! The fencer: carries out fencing requests with the configured devices,
//! one state machine per node (Pacemaker's `pacemaker-fenced`).
//!
//! Where it sits: the controller asks it to fence a node
//! ([`Input::Fence`]); it picks the levels to try ([`devices::Registry::plan`]:
//! the node's fencing topology, else every capable device by priority),
//! drives the power switches behind the devices ([`Output::Power`]) and
//! answers with one [`Output::Done`] per request.
//!
//! Within a level every device must succeed. `reboot` with a single device
//! is the device's own reboot; with several devices it is `off` on each,
//! then `on` on each, so that no node is powered back while one of its
//! supplies is still on. A failing device ends its level and the next level
//! is tried; when none is left the request fails. A second request for a
//! target already being fenced joins the first (fenced merges them too).
//! Retrying a failed request is the controller's business
//! (`stonith-max-attempts`).
//!
//! A device that fails is run again once, a second later (`pcmk_<action>_retries`
//! is 2 executions, and `internal_stonith_action_execute` in
//! lib/fencing/st_actions.c sleeps 1 s before the second); then, as
//! fenced_remote.c's `request_peer_fencing` asks the next peer that reported
//! the device, the same device is run by each other member of the partition
//! in turn, and only when every peer has failed is the level given up. So a
//! refusing switch in a three-node cluster costs two peers × two runs and
//! about 2 s per request, as on real clusters.
//!
//! Simplified: the fencer of one node drives the switches itself for every
//! peer (the peers' executions are its own, one after another, with the
//! same switch and timing); every member is taken to have every device
//! registered (fenced registers a device where its resource may run);
//! watchdog (sbd) fencing is not modelled.

pub mod devices;

use sim::{
    DeviceId, Duration, Instant, NodeId, PowerAction, PowerOutcome, PowerRequest, PowerResult,
};

pub use devices::{FenceDevice, HostCheck, Level, Registry, RegistryError};

#[cfg(test)]
mod tests;

/// How many times one peer runs a device for one request before it gives
/// up (`pcmk_reboot_retries` and friends, default 2: st_actions.c stops once
/// `tries >= max_retries`, so this counts executions, the first included).
pub const DEVICE_TRIES: u32 = 2;

/// The pause before a peer runs a failed device again (st_actions.c:
/// `sleep(1)` before every retry).
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// What to do to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FenceAction {
    /// Off, then on.
    Reboot,
    /// Off.
    Off,
    /// On (unfencing).
    On,
}

impl FenceAction {
    /// Pacemaker's name of the action.
    pub fn as_str(self) -> &'static str {
        match self {
            FenceAction::Reboot => "reboot",
            FenceAction::Off => "off",
            FenceAction::On => "on",
        }
    }
}

/// How a fencing request ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum FenceResult {
    /// Done, by these devices.
    Success {
        /// The devices of the level that succeeded.
        devices: Vec<String>,
    },
    /// No configured device can fence the target.
    NoDevice,
    /// Every level failed; the last failure.
    Failed {
        /// What went wrong last.
        reason: String,
    },
}

/// An input to the fencer.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Fence `target` (a node name); `op` identifies the request.
    Fence {
        /// The requester's id for this request.
        op: u64,
        /// The node.
        target: String,
        /// What to do.
        action: FenceAction,
    },
    /// A power switch answered.
    Power(PowerResult),
    /// The members of this node's partition (the fencers a request can be
    /// handed to), this node included.
    Peers(Vec<String>),
    /// A timer may have expired.
    Wake,
}

/// An effect of the fencer.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Ask a power switch to act.
    Power(PowerRequest),
    /// A request is finished.
    Done {
        /// The requester's id.
        op: u64,
        /// The node.
        target: String,
        /// What was asked.
        action: FenceAction,
        /// How it ended.
        result: FenceResult,
    },
}

/// One device operation of a level.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    device: String,
    action: PowerAction,
}

/// A request in progress.
#[derive(Debug, Clone)]
struct Job {
    /// Requester ids merged into this job.
    ops: Vec<u64>,
    target: String,
    action: FenceAction,
    levels: Vec<Level>,
    level: usize,
    steps: Vec<Step>,
    step: usize,
    /// The power request in flight, if any.
    waiting_for: Option<u64>,
    /// A `pcmk_delay_base` delay or a retry's pause before the next step.
    /// The fencer's only timer, one per request in progress: requests come
    /// and go, so each deadline lives with its job rather than in a fixed
    /// `TimerTable` slot.
    delayed_until: Option<Instant>,
    /// Runs left to the current peer for the current step
    /// (`pcmk_<action>_retries`).
    retries_left: u32,
    /// Other peers that will run the current step once this one gives up.
    peers_left: u32,
    last_failure: String,
}

/// What a fencer is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The devices and topology, as read from the CIB.
    pub registry: Registry,
    /// Every node of the cluster by name, in node-id order (node 1 first).
    pub nodes: Vec<String>,
}

/// One node's fencer.
///
/// Calling rules: answer every `Output::Power` with the matching
/// `Input::Power`; call `handle(now, Input::Wake)` at `next_deadline()`.
#[derive(Debug, Clone)]
pub struct Fencer {
    /// This node's name.
    name: String,
    registry: Registry,
    /// Draws the random part of `pcmk_delay_max` delays.
    rng: sim::SimRng,
    nodes: Vec<String>,
    /// The partition's members (empty until told: this node alone).
    peers: Vec<String>,
    jobs: Vec<Job>,
    next_request: u64,
}

impl Fencer {
    /// Node `us`'s fencer, with nothing to do.
    ///
    /// The daemons' constructor shape is `(config, node id, now, seed)`.
    /// The seed drives the random part of `pcmk_delay_max` delays (it comes
    /// from the process's own stream, so runs stay reproducible); `now` is
    /// unused (no timer runs before a request) and is taken so that the
    /// stack builds every daemon alike.
    pub fn new(cfg: Config, us: NodeId, _now: Instant, seed: [u8; 32]) -> Fencer {
        let name = cfg
            .nodes
            .get((us.0 as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| panic!("node {us} is in the nodelist"));
        Fencer {
            name,
            registry: cfg.registry,
            rng: rand::SeedableRng::from_seed(seed),
            nodes: cfg.nodes,
            peers: Vec::new(),
            jobs: Vec::new(),
            next_request: 1,
        }
    }

    /// The configuration the fencer works with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Takes a new configuration (the CIB changed). Requests in progress
    /// keep the levels they were planned with.
    pub fn set_registry(&mut self, registry: Registry) {
        self.registry = registry;
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
        match input {
            Input::Fence { op, target, action } => self.on_fence(now, op, target, action, out),
            Input::Power(r) => self.on_power_result(now, r, out),
            Input::Peers(peers) => self.peers = peers,
            Input::Wake => {
                for i in 0..self.jobs.len() {
                    if self.jobs[i].delayed_until.is_some_and(|t| t <= now) {
                        self.jobs[i].delayed_until = None;
                        self.issue(now, i, out);
                    }
                }
                self.reap(out);
            }
        }
        self.check_invariants();
    }

    /// The earliest delay to wake up for.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.jobs.iter().filter_map(|j| j.delayed_until).min()
    }

    /// Whether a request for `target` is in progress.
    pub fn fencing(&self, target: &str) -> bool {
        self.jobs.iter().any(|j| j.target == target)
    }

    fn on_fence(
        &mut self,
        now: Instant,
        op: u64,
        target: String,
        action: FenceAction,
        out: &mut Vec<Output>,
    ) {
        if let Some(job) = self
            .jobs
            .iter_mut()
            .find(|j| j.target == target && j.action == action)
        {
            job.ops.push(op);
            return;
        }
        let levels = self.registry.plan(&target, &self.nodes);
        if levels.is_empty() {
            out.push(Output::Done {
                op,
                target,
                action,
                result: FenceResult::NoDevice,
            });
            return;
        }
        self.jobs.push(Job {
            ops: vec![op],
            target,
            action,
            levels,
            level: 0,
            steps: Vec::new(),
            step: 0,
            waiting_for: None,
            delayed_until: None,
            retries_left: DEVICE_TRIES - 1,
            peers_left: 0,
            last_failure: String::new(),
        });
        let i = self.jobs.len() - 1;
        self.start_level(now, i, out);
        self.reap(out);
    }

    /// The steps of a level for an action.
    fn steps_for(level: &Level, action: FenceAction) -> Vec<Step> {
        let each = |a: PowerAction| {
            level
                .devices
                .iter()
                .map(move |d| Step {
                    device: d.clone(),
                    action: a,
                })
                .collect::<Vec<_>>()
        };
        match action {
            FenceAction::Off => each(PowerAction::Off),
            FenceAction::On => each(PowerAction::On),
            FenceAction::Reboot if level.devices.len() == 1 => each(PowerAction::Reboot),
            FenceAction::Reboot => {
                let mut s = each(PowerAction::Off);
                s.extend(each(PowerAction::On));
                s
            }
        }
    }

    fn start_level(&mut self, now: Instant, i: usize, out: &mut Vec<Output>) {
        let job = &mut self.jobs[i];
        job.steps = Self::steps_for(&job.levels[job.level], job.action);
        job.step = 0;
        self.begin_step(now, i, out);
    }

    /// Starts the current step, after its device's `pcmk_delay_base` when
    /// the device is used for the first time in this level.
    fn begin_step(&mut self, now: Instant, i: usize, out: &mut Vec<Output>) {
        let others = self
            .peers
            .iter()
            .filter(|p| **p != self.jobs[i].target)
            .count() as u32;
        self.jobs[i].retries_left = DEVICE_TRIES - 1;
        self.jobs[i].peers_left = others.saturating_sub(1);
        let job = &self.jobs[i];
        let step = &job.steps[job.step];
        let first_use = !job.steps[..job.step]
            .iter()
            .any(|s| s.device == step.device);
        let delay = self
            .registry
            .device(&step.device)
            .map_or(Duration::ZERO, |d| {
                if d.delay_max > d.delay_base {
                    let spread = (d.delay_max - d.delay_base).as_millis();
                    d.delay_base
                        + Duration::from_millis(sim::rng::uniform(&mut self.rng, 0, spread))
                } else {
                    d.delay_base
                }
            });
        if first_use && delay > Duration::ZERO {
            self.jobs[i].delayed_until = Some(now + delay);
        } else {
            self.issue(now, i, out);
        }
    }

    fn issue(&mut self, _now: Instant, i: usize, out: &mut Vec<Output>) {
        let id = self.next_request;
        self.next_request += 1;
        let job = &mut self.jobs[i];
        let step = &job.steps[job.step];
        let device = self.registry.device(&step.device);
        let action_name = match step.action {
            PowerAction::Reboot => "reboot",
            PowerAction::Off => "off",
            PowerAction::On => "on",
            PowerAction::Status => "status",
        };
        let timeout = device.map_or(self.registry.stonith_timeout, |d| {
            d.timeout(action_name, self.registry.stonith_timeout)
        });
        let outlet = device.map(|d| d.port_of(&job.target));
        job.waiting_for = Some(id);
        out.push(Output::Power(PowerRequest {
            id,
            device: DeviceId::new(step.device.clone()),
            outlet,
            action: step.action,
            timeout,
        }));
    }

    fn on_power_result(&mut self, now: Instant, r: PowerResult, out: &mut Vec<Output>) {
        let Some(i) = self.jobs.iter().position(|j| j.waiting_for == Some(r.id)) else {
            // An answer to a request this incarnation did not make.
            return;
        };
        self.jobs[i].waiting_for = None;
        if r.outcome.is_ok() {
            let job = &mut self.jobs[i];
            job.step += 1;
            if job.step < job.steps.len() {
                self.begin_step(now, i, out);
            }
        } else {
            let job = &mut self.jobs[i];
            job.last_failure = format!(
                "{} {} of {} failed: {}",
                r.device,
                match r.action {
                    PowerAction::Reboot => "reboot",
                    PowerAction::Off => "off",
                    PowerAction::On => "on",
                    PowerAction::Status => "status",
                },
                job.target,
                describe(r.outcome)
            );
            // A device that failed to answer is run again after a pause,
            // then by the next peer, before the level is given up. One
            // that hung has used up the request's time: the remote
            // operation's total timeout (1.2 × the device's) ends before a
            // second peer could finish.
            let hung = r.outcome == PowerOutcome::TimedOut;
            if job.retries_left > 0 && !hung {
                job.retries_left -= 1;
                job.delayed_until = Some(now + RETRY_PAUSE);
            } else if job.peers_left > 0 && !hung {
                job.peers_left -= 1;
                job.retries_left = DEVICE_TRIES - 1;
                self.issue(now, i, out);
            } else {
                job.level += 1;
                if job.level < job.levels.len() {
                    self.start_level(now, i, out);
                }
            }
        }
        self.reap(out);
    }

    /// Finishes jobs whose level succeeded or whose levels ran out.
    fn reap(&mut self, out: &mut Vec<Output>) {
        let mut k = 0;
        while k < self.jobs.len() {
            let job = &self.jobs[k];
            let result = if job.level >= job.levels.len() {
                Some(FenceResult::Failed {
                    reason: job.last_failure.clone(),
                })
            } else if job.step >= job.steps.len() && !job.steps.is_empty() {
                Some(FenceResult::Success {
                    devices: job.levels[job.level].devices.clone(),
                })
            } else {
                None
            };
            match result {
                Some(result) => {
                    let job = self.jobs.remove(k);
                    for op in job.ops {
                        out.push(Output::Done {
                            op,
                            target: job.target.clone(),
                            action: job.action,
                            result: result.clone(),
                        });
                    }
                }
                None => k += 1,
            }
        }
    }

    /// Checked after every input: the bookkeeping of requests in progress.
    fn check_invariants(&self) {
        let name = &self.name;
        assert!(
            self.peers.is_empty() || self.peers.contains(name),
            "{name}: a fencer is a member of its own partition"
        );
        for (k, job) in self.jobs.iter().enumerate() {
            assert!(
                !job.ops.is_empty(),
                "{name}: a job serves at least one request"
            );
            assert!(
                job.level < job.levels.len(),
                "{name}: a live job has a level to work on"
            );
            assert!(
                job.step < job.steps.len(),
                "{name}: a live job has a step to do"
            );
            assert!(
                job.waiting_for.is_some() != job.delayed_until.is_some(),
                "{name}: a live job either waits for a switch or for its delay"
            );
            assert!(
                job.waiting_for.is_none_or(|id| id < self.next_request),
                "{name}: a job waits only for a request it made"
            );
            assert!(
                !self.jobs[..k]
                    .iter()
                    .any(|j| j.target == job.target && j.action == job.action),
                "{name}: one job per target and action (a second request joins the first)"
            );
        }
    }
}

fn describe(o: PowerOutcome) -> &'static str {
    match o {
        PowerOutcome::Done { .. } => "done",
        PowerOutcome::Unreachable => "device unreachable",
        PowerOutcome::Refused => "device refused",
        PowerOutcome::NoSuchDevice => "no such device",
        PowerOutcome::NoSuchOutlet => "no such outlet",
        PowerOutcome::TimedOut => "timed out",
    }
}
