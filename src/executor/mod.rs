//! The executor (Pacemaker's `pacemaker-execd`): runs the operations the
//! controller asks for, one at a time per resource, enforces their
//! timeouts, and repeats recurring monitors.
//!
//! Where it sits: in the cluster stack, between the controller
//! ([`Input::Exec`], [`Output::Result`]) and the node's simulated agents
//! ([`agents::Agents`], the ground truth, which live outside the stack so
//! that services outlive a killed stack). A recurring monitor reports its
//! first result and then only changes, as the controller records them. An
//! operation still running at its timeout is abandoned (it never takes
//! effect) and reported as timed out.

pub mod agents;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use sim::{Duration, Instant, NodeId};

pub use agents::{Activity, AgentTimings, Agents, Done, Request, Timings};

#[cfg(test)]
mod tests;

/// An operation as the controller asks for it.
///
/// Its names are shared: every run of the operation hands them to the
/// agents ([`Request`]) and every result reported carries the operation, so
/// a recurring monitor would otherwise copy all three at each run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// The resource id.
    pub rsc: Arc<str>,
    /// The agent type, for timings.
    pub agent: Arc<str>,
    /// The action.
    pub action: Arc<str>,
    /// Repeat every this many milliseconds (0: once).
    pub interval_ms: u64,
    /// Give up after this long.
    pub timeout: Duration,
    /// A fencing device: "running" means registered with the node's
    /// fencer, which dies with the stack.
    pub stonith: bool,
}

/// How an operation ended (Pacemaker's op-status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// The agent answered (see the rc).
    Done,
    /// It took longer than its timeout.
    TimedOut,
    /// It was cancelled before it ran.
    Cancelled,
    /// Still running: never an executor's answer, but how a controller
    /// reports an operation in flight when it joins a new DC (Pacemaker
    /// records pending operations, `record-pending`), so that the new DC
    /// does not start elsewhere what is being started here.
    Pending,
}

/// A result for the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    /// The controller's id of the request.
    pub call: u64,
    /// The executor's call id (grows with every request).
    pub call_id: u64,
    /// The operation.
    pub op: Op,
    /// How it ended.
    pub status: OpStatus,
    /// The agent's result code (1 when timed out or cancelled).
    pub rc: i32,
}

/// An input to the executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Run an operation.
    Exec {
        /// The controller's id for it.
        call: u64,
        /// The operation.
        op: Op,
    },
    /// Stop repeating a recurring operation (or drop it if queued).
    Cancel {
        /// The resource.
        rsc: String,
        /// The action.
        action: String,
        /// Its interval.
        interval_ms: u64,
    },
    /// The agents finished something.
    Agent(Done),
    /// A timer may have expired.
    Wake,
}

/// An effect of the executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Ask the agents to run this.
    Run(Request),
    /// Tell the agents to forget this (timed out).
    Abandon(u64),
    /// Report to the controller.
    Result(OpResult),
}

/// A run in flight: its token, its timeout, and the job (which names the
/// resource).
#[derive(Debug, Clone)]
struct Running {
    token: u64,
    deadline: Instant,
    job: Job,
}

#[derive(Debug, Clone)]
struct Job {
    call: u64,
    call_id: u64,
    op: Op,
    /// The last result reported (recurring ops report changes only).
    last: Option<(OpStatus, i32)>,
}

/// One node's executor.
///
/// Calling rules: route `Output::Run`/`Abandon` to the node's agents and
/// their `Done`s back as `Input::Agent`; call `handle(now, Input::Wake)` at
/// `next_deadline()`.
///
/// Its timers are per operation, not a fixed set: a timeout for each
/// operation in flight and a next run for each recurring one. Each
/// deadline is therefore kept with its operation (`in_flight`,
/// `recurring`) rather than in a `TimerTable`.
#[derive(Debug, Clone)]
pub struct Executor {
    /// The node this executor runs on (named when an invariant breaks).
    us: NodeId,
    next_call_id: u64,
    next_token: u64,
    /// The jobs in flight, at most one per resource, in resource order.
    /// A short vector rather than a map keyed by resource: a run comes and
    /// goes with every operation, and a map would copy the resource's name
    /// for its key (and allocate a node whenever it fills from empty).
    in_flight: Vec<Running>,
    /// Per resource: the jobs waiting for the one in flight.
    queued: BTreeMap<Arc<str>, VecDeque<Job>>,
    /// Recurring jobs waiting for their next run, with its time.
    recurring: Vec<(Instant, Job)>,
}

impl Executor {
    /// Node `us`'s executor, with nothing to do.
    ///
    /// The daemons' constructor shape is `(config, node id, now, seed)`.
    /// pacemaker-execd has no configuration this model reads (every
    /// operation brings its own timeout and interval) and draws nothing at
    /// random, so it takes neither; `now` is unused (no timer runs before
    /// an operation) and is taken so that the stack builds every daemon
    /// alike.
    pub fn new(us: NodeId, _now: Instant) -> Executor {
        Executor {
            us,
            next_call_id: 0,
            next_token: 0,
            in_flight: Vec::new(),
            queued: BTreeMap::new(),
            recurring: Vec::new(),
        }
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
            Input::Exec { call, op } => {
                self.next_call_id += 1;
                let job = Job {
                    call,
                    call_id: self.next_call_id,
                    op,
                    last: None,
                };
                self.enqueue(now, job, out);
            }
            Input::Cancel {
                rsc,
                action,
                interval_ms,
            } => self.on_cancel(&rsc, &action, interval_ms, out),
            Input::Agent(done) => self.on_done(now, done, out),
            Input::Wake => self.on_wake(now, out),
        }
        self.check_invariants();
    }

    /// The next timeout or recurring run.
    pub fn next_deadline(&self) -> Option<Instant> {
        let timeouts = self.in_flight.iter().map(|r| r.deadline);
        let repeats = self.recurring.iter().map(|(t, _)| *t);
        timeouts.chain(repeats).min()
    }

    /// Runs a job at once if its resource has none in flight, else queues
    /// it behind the resource's others.
    fn enqueue(&mut self, now: Instant, job: Job, out: &mut Vec<Output>) {
        match self.in_flight_pos(&job.op.rsc) {
            // Nothing in flight, so nothing queued either (checked after
            // every input).
            Err(pos) => self.start(now, pos, job, out),
            Ok(_) => match self.queued.get_mut(&job.op.rsc) {
                Some(queue) => queue.push_back(job),
                None => {
                    let rsc = job.op.rsc.clone();
                    self.queued.insert(rsc, VecDeque::from([job]));
                }
            },
        }
    }

    /// Where a resource's run in flight is (`Ok`), or would go (`Err`).
    fn in_flight_pos(&self, rsc: &str) -> Result<usize, usize> {
        self.in_flight
            .binary_search_by(|r| (*r.job.op.rsc).cmp(rsc))
    }

    /// Starts the next queued job of a resource if none is in flight.
    fn dispatch(&mut self, now: Instant, rsc: &str, out: &mut Vec<Output>) {
        let Err(pos) = self.in_flight_pos(rsc) else {
            return;
        };
        let Some(job) = self.queued.get_mut(rsc).and_then(VecDeque::pop_front) else {
            return;
        };
        self.start(now, pos, job, out);
    }

    /// Runs a job, filed at `pos` among the runs in flight.
    fn start(&mut self, now: Instant, pos: usize, job: Job, out: &mut Vec<Output>) {
        self.next_token += 1;
        let token = self.next_token;
        out.push(Output::Run(Request {
            token,
            rsc: job.op.rsc.clone(),
            agent: job.op.agent.clone(),
            action: job.op.action.clone(),
            stonith: job.op.stonith,
        }));
        let deadline = now + job.op.timeout;
        self.in_flight.insert(
            pos,
            Running {
                token,
                deadline,
                job,
            },
        );
    }

    fn on_done(&mut self, now: Instant, done: Done, out: &mut Vec<Output>) {
        let Some(pos) = self.in_flight.iter().position(|r| r.token == done.token) else {
            // Abandoned already (timed out), or from an earlier incarnation.
            return;
        };
        let Running { job, .. } = self.in_flight.remove(pos);
        self.finish_and_next(now, job, OpStatus::Done, done.rc, out);
    }

    /// [`Executor::finish`], then the resource's next queued job, if any.
    fn finish_and_next(
        &mut self,
        now: Instant,
        job: Job,
        status: OpStatus,
        rc: i32,
        out: &mut Vec<Output>,
    ) {
        let waiting = self.queued.get(&job.op.rsc).is_some_and(|q| !q.is_empty());
        if !waiting {
            self.finish(now, job, status, rc, out);
            return;
        }
        let rsc = job.op.rsc.clone();
        self.finish(now, job, status, rc, out);
        self.dispatch(now, &rsc, out);
    }

    fn finish(
        &mut self,
        now: Instant,
        mut job: Job,
        status: OpStatus,
        rc: i32,
        out: &mut Vec<Output>,
    ) {
        let changed = job.last != Some((status, rc));
        if job.op.interval_ms == 0 || changed {
            out.push(Output::Result(OpResult {
                call: job.call,
                call_id: job.call_id,
                op: job.op.clone(),
                status,
                rc,
            }));
        }
        if job.op.interval_ms > 0 {
            job.last = Some((status, rc));
            self.recurring
                .push((now + Duration::from_millis(job.op.interval_ms), job));
        }
    }

    fn on_cancel(&mut self, rsc: &str, action: &str, interval_ms: u64, out: &mut Vec<Output>) {
        let same = |j: &Job| {
            *j.op.rsc == *rsc && *j.op.action == *action && j.op.interval_ms == interval_ms
        };
        let mut cancelled: Vec<Job> = Vec::new();
        let mut keep = Vec::new();
        for (t, j) in self.recurring.drain(..) {
            if same(&j) {
                cancelled.push(j);
            } else {
                keep.push((t, j));
            }
        }
        self.recurring = keep;
        if let Some(q) = self.queued.get_mut(rsc) {
            let (gone, stay): (Vec<Job>, Vec<Job>) = q.drain(..).partition(|j| same(j));
            cancelled.extend(gone);
            q.extend(stay);
        }
        // A run in flight finishes, but is not repeated.
        if let Ok(pos) = self.in_flight_pos(rsc) {
            let j = &mut self.in_flight[pos].job;
            if same(j) {
                j.op.interval_ms = 0;
                j.last = Some((OpStatus::Cancelled, 1));
            }
        }
        for j in cancelled {
            out.push(Output::Result(OpResult {
                call: j.call,
                call_id: j.call_id,
                op: j.op,
                status: OpStatus::Cancelled,
                rc: 1,
            }));
        }
    }

    /// Runs past their timeout are abandoned, in resource order; then the
    /// recurring jobs due run again, in the order they were filed.
    fn on_wake(&mut self, now: Instant, out: &mut Vec<Output>) {
        // One run at a time: a timed-out run's resource may start its next
        // job, which files a new run (not yet due) where the old one was.
        let mut from = 0;
        while let Some(i) =
            (from..self.in_flight.len()).find(|&i| self.in_flight[i].deadline <= now)
        {
            let len = self.in_flight.len();
            let Running { token, job, .. } = self.in_flight.remove(i);
            out.push(Output::Abandon(token));
            self.finish_and_next(now, job, OpStatus::TimedOut, 1, out);
            // A next run of the same resource took its place: not looked at again.
            from = if self.in_flight.len() == len {
                i + 1
            } else {
                i
            };
        }
        // The due recurring jobs leave in order, in place: a partition into
        // two new vectors allocated twice for every monitor's next run.
        // (`enqueue` neither reads nor grows `recurring`.)
        let mut i = 0;
        while i < self.recurring.len() {
            if self.recurring[i].0 <= now {
                let (_, job) = self.recurring.remove(i);
                self.enqueue(now, job, out);
            } else {
                i += 1;
            }
        }
    }

    /// Checked after every input: one operation in flight per resource,
    /// and no operation left waiting behind nothing.
    fn check_invariants(&self) {
        let us = self.us;
        for pair in self.in_flight.windows(2) {
            assert!(
                pair[0].job.op.rsc < pair[1].job.op.rsc,
                "node {us}: one run in flight per resource, in resource order"
            );
        }
        // Runs in flight are few (one per resource at most): compared
        // pairwise rather than through a set built after every input.
        for (i, r) in self.in_flight.iter().enumerate() {
            assert!(
                r.token <= self.next_token
                    && self.in_flight[..i].iter().all(|o| o.token != r.token),
                "node {us}: each run in flight has a token of its own"
            );
        }
        for (rsc, q) in &self.queued {
            assert!(
                q.is_empty() || self.in_flight_pos(rsc).is_ok(),
                "node {us}: {rsc} has operations queued behind none in flight"
            );
            assert!(
                q.iter().all(|j| j.op.timeout > Duration::ZERO),
                "node {us}: every operation has a timeout"
            );
        }
        for (_, job) in &self.recurring {
            assert!(
                job.op.interval_ms > 0 && job.call_id <= self.next_call_id,
                "node {us}: only recurring operations wait for a next run"
            );
        }
    }
}
