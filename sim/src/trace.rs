//! The trace: one record per thing the kernel does, as JSON lines.
//!
//! Records are numbered, stamped with virtual time and written in the order
//! the kernel produces them, so the same seed and inputs give byte-identical
//! output on every machine (serde's field order is declaration order; no map
//! with unstable order is serialised). A running FNV-1a hash of the bytes
//! makes determinism checks cheap. Message bodies appear once, on their
//! `send` record; later records refer to them by message number.
//!
//! Whatever the sink, the records of the last step are kept for the harness
//! (`Sim::last_records`), so checkers can react to power changes, starts,
//! exits and deliveries without parsing JSON; a harness that needs no
//! message records turns them off (`TraceConfig::step_messages`).

use std::io::{self, Write};

use serde::Serialize;

use crate::actor::InputKind;
use crate::device::{DeviceId, PowerAction, PowerOutcome};
use crate::fault::Fault;
use crate::net::NodeId;
use crate::power::PowerState;
use crate::process::{Addr, ExitCause, StartCause};
use crate::rng::fnv1a64;
use crate::time::Instant;

/// Why an input never reached its process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The link's loss draw.
    Loss,
    /// The link was cut at sending, at arrival, or in between.
    Cut,
    /// A network rule said `Drop`.
    Rule,
    /// The node is not up (off, booting or halted).
    NodeDown,
    /// The group is not running on that node.
    NotRunning,
    /// It was meant for an earlier incarnation of the group.
    Stale,
    /// It was held at a paused node (or held link) when the node went down.
    Discarded,
}

/// Why a node's power or OS state changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PowerCause {
    /// The node was added to the simulation.
    Added,
    /// A fault applied by the harness.
    Fault,
    /// A power switch operation (its kernel-wide op number).
    Device {
        /// The switch.
        device: DeviceId,
        /// The operation number, as in its `device_request` record.
        op: u64,
    },
    /// One of its own processes panicked.
    Panic,
    /// Its boot finished.
    Boot,
}

/// Why inputs were held instead of delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The receiving node is paused.
    Paused,
    /// The link is held.
    Link,
}

/// One thing the kernel did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A node joined the simulation.
    AddNode {
        /// The node.
        node: NodeId,
    },
    /// A power switch joined the simulation.
    AddDevice {
        /// The switch.
        device: DeviceId,
    },
    /// A message was sent; `arrive` is when it is due (absent if it was
    /// dropped at once, in which case a `drop` record follows).
    Send {
        /// Message number, unique over the run.
        msg: u64,
        /// Sender.
        from: Addr,
        /// Receiver.
        to: Addr,
        /// When it is due.
        #[serde(skip_serializing_if = "Option::is_none")]
        arrive: Option<Instant>,
    },
    /// An input was handed to a process (`handle` was called).
    Deliver {
        /// The process.
        to: Addr,
        /// What kind of input.
        input: InputKind,
        /// The message number, for messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        msg: Option<u64>,
    },
    /// An input was dropped.
    Drop {
        /// Where it was going.
        to: Addr,
        /// What kind of input.
        input: InputKind,
        /// The message number, for messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        msg: Option<u64>,
        /// Why.
        reason: DropReason,
    },
    /// An input was held, to be delivered on resume or release.
    Hold {
        /// Where it is going.
        to: Addr,
        /// What kind of input.
        input: InputKind,
        /// The message number, for messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        msg: Option<u64>,
        /// Why.
        reason: HoldReason,
    },
    /// Held inputs were put back in the queue, in order.
    Release {
        /// How many.
        count: u64,
        /// Why they had been held.
        reason: HoldReason,
    },
    /// A process incarnation began.
    Start {
        /// The process.
        proc: Addr,
        /// Its incarnation number.
        incarnation: u64,
        /// Why.
        cause: StartCause,
    },
    /// A process incarnation ended.
    Exit {
        /// The process.
        proc: Addr,
        /// Its incarnation number.
        incarnation: u64,
        /// Why.
        cause: ExitCause,
    },
    /// A node's power or OS state changed.
    Power {
        /// The node.
        node: NodeId,
        /// Its new state.
        state: PowerState,
        /// Why.
        cause: PowerCause,
    },
    /// The harness applied a fault.
    Fault(Fault),
    /// A fault or call had no effect (e.g. starting a running process).
    Ignored {
        /// What was asked, and why it did nothing.
        what: String,
    },
    /// A process asked a power switch to act.
    DeviceRequest {
        /// Kernel-wide operation number.
        op: u64,
        /// The requester.
        from: Addr,
        /// The requester's id for it.
        id: u64,
        /// The switch.
        device: DeviceId,
        /// The outlet.
        #[serde(skip_serializing_if = "Option::is_none")]
        outlet: Option<String>,
        /// The action.
        action: PowerAction,
    },
    /// A power switch finished an operation.
    DeviceResult {
        /// Kernel-wide operation number.
        op: u64,
        /// The outcome.
        outcome: PowerOutcome,
    },
    /// A process wrote a note.
    Note {
        /// The process.
        proc: Addr,
        /// The text.
        text: String,
    },
}

/// A numbered, timestamped trace event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// Position in the trace, from 0.
    pub n: u64,
    /// Virtual time.
    pub at: Instant,
    /// What happened.
    #[serde(flatten)]
    pub event: TraceEvent,
}

/// A record as written: with the message body, if any and if wanted.
#[derive(Serialize)]
struct Line<'a, M> {
    #[serde(flatten)]
    record: &'a Record,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a M>,
}

/// Where trace lines go.
pub enum TraceSink {
    /// Nowhere: no serialisation, no hash (fastest; for seed sweeps).
    Off,
    /// Serialised and hashed, then discarded.
    Hash,
    /// Kept in memory (`Sim::trace_bytes`).
    Memory,
    /// Written to this writer (wrap files in a `BufWriter`).
    Writer(Box<dyn Write>),
}

/// Trace settings of a run.
pub struct TraceConfig {
    /// Where lines go.
    pub sink: TraceSink,
    /// Whether `send` records carry the message body.
    pub bodies: bool,
    /// Whether the records of a message's way (send, deliver, drop, hold)
    /// are among the last step's records (`Sim::last_records`). A harness
    /// that reacts only to power, processes and faults turns this off: on
    /// an idle ring nearly every step is a message, and keeping its records
    /// for nobody is a good part of the step's cost.
    pub step_messages: bool,
}

/// Hashed into memory, with bodies: what tests want.
impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            sink: TraceSink::Memory,
            bodies: true,
            step_messages: true,
        }
    }
}

/// The trace writer of one run. Kernel-internal; read through `Sim`.
pub(crate) struct Trace {
    sink: TraceSink,
    bodies: bool,
    step_messages: bool,
    line: Vec<u8>,
    memory: Vec<u8>,
    hash: u64,
    next_n: u64,
    error: Option<io::Error>,
    step: Vec<Record>,
    /// Whether the current step recorded anything but a message passing:
    /// power, processes, faults, devices, held links — the state the
    /// kernel's own invariants are about.
    step_changed: bool,
}

impl Trace {
    pub(crate) fn new(config: TraceConfig) -> Self {
        Trace {
            sink: config.sink,
            bodies: config.bodies,
            step_messages: config.step_messages,
            line: Vec::new(),
            memory: Vec::new(),
            hash: fnv1a64(b""),
            next_n: 0,
            error: None,
            step: Vec::new(),
            step_changed: false,
        }
    }

    /// Starts the records of a new step.
    #[inline]
    pub(crate) fn begin_step(&mut self) {
        self.step.clear();
        self.step_changed = false;
    }

    /// Whether records of messages passing (sends, deliveries, drops) are
    /// read by anyone: a sink, or the last step's records. When not, the
    /// kernel does not build them and only [`skip`](Self::skip)s a number.
    #[inline]
    pub(crate) fn wants_passing(&self) -> bool {
        self.step_messages || !matches!(self.sink, TraceSink::Off)
    }

    /// Takes the number a record nobody reads would have had, so that the
    /// records that are kept are numbered as in a full trace.
    #[inline]
    pub(crate) fn skip(&mut self) {
        self.next_n += 1;
    }

    /// Records one event, with an optional message body.
    #[inline]
    pub(crate) fn record<M: Serialize>(
        &mut self,
        at: Instant,
        event: TraceEvent,
        body: Option<&M>,
    ) {
        let passing = matches!(
            event,
            TraceEvent::Send { .. } | TraceEvent::Deliver { .. } | TraceEvent::Drop { .. }
        );
        if passing && !self.wants_passing() {
            // Nobody reads it: only its number is taken.
            self.skip();
            return;
        }
        let message = passing || matches!(event, TraceEvent::Hold { .. });
        let record = Record {
            n: self.next_n,
            at,
            event,
        };
        self.next_n += 1;
        if !matches!(self.sink, TraceSink::Off) {
            self.write(&record, body);
        }
        if !passing {
            self.step_changed = true;
        }
        if self.step_messages || !message {
            self.step.push(record);
        }
    }

    fn write<M: Serialize>(&mut self, record: &Record, body: Option<&M>) {
        self.line.clear();
        let line = Line {
            record,
            body: if self.bodies { body } else { None },
        };
        serde_json::to_writer(&mut self.line, &line).expect("trace records always serialise");
        self.line.push(b'\n');
        for &b in &self.line {
            self.hash ^= u64::from(b);
            self.hash = self.hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        match &mut self.sink {
            TraceSink::Off | TraceSink::Hash => {}
            TraceSink::Memory => self.memory.extend_from_slice(&self.line),
            TraceSink::Writer(w) => {
                if self.error.is_none() {
                    if let Err(e) = w.write_all(&self.line) {
                        self.error = Some(e);
                    }
                }
            }
        }
    }

    pub(crate) fn step_changed(&self) -> bool {
        self.step_changed
    }

    pub(crate) fn step_records(&self) -> &[Record] {
        &self.step
    }

    pub(crate) fn hash(&self) -> Option<u64> {
        match self.sink {
            TraceSink::Off => None,
            _ => Some(self.hash),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.memory
    }

    pub(crate) fn records(&self) -> u64 {
        self.next_n
    }

    /// Flushes a writer sink; returns the first write error, if any.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let TraceSink::Writer(w) = &mut self.sink {
            w.flush()?;
        }
        Ok(())
    }
}
