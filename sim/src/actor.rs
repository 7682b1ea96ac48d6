//! The one interface between the kernel and the code it runs.
//!
//! Every process group is an [`Actor`]: a state machine with one `handle`
//! that takes an [`Input`] and returns its effects as plain [`Output`]
//! values, and a `next_deadline` that says when it next wants a `Wake`
//! (STYLE.md §1). It never sees the network, the queue or a clock: the kernel
//! passes `now`, routes the outputs, and re-arms the wake after every call.
//! Because effects are returned, not performed, the kernel can log and check
//! every one of them and nothing can be forgotten.

use serde::Serialize;

use crate::device::{PowerRequest, PowerResult};
use crate::net::NodeId;
use crate::process::{ExitCause, Group};
use crate::time::Instant;

/// A process group's state machine.
///
/// Calling rules (the kernel keeps them; a test driving an actor by hand
/// should too):
/// - the first call of every incarnation is `handle(now, Input::Start)`;
/// - `now` never decreases between calls;
/// - after every `handle`, the kernel calls `next_deadline` and delivers
///   `Input::Wake` at that instant (or at once, if it is already past);
/// - on `Wake` the actor fires every expired timer, so that afterwards
///   `next_deadline` is `None` or later than `now`: the kernel asserts this,
///   since otherwise the run would spin at one instant forever. An early or
///   extra `Wake` must be harmless.
pub trait Actor {
    /// What processes send each other, over the network and locally. It is
    /// serialised into the trace when message bodies are traced.
    type Msg: Clone + Serialize;

    /// What the actor tells the harness happened (typed, for checkers that
    /// must not parse notes); [`NoEvent`] for actors that tell nothing.
    type Event: ActorEvent;

    /// Takes one input at `now` and returns its effects, in order.
    fn handle(
        &mut self,
        now: Instant,
        input: Input<Self::Msg>,
    ) -> Vec<Output<Self::Msg, Self::Event>>;

    /// `handle`, appending the effects to `out` (which the kernel hands in
    /// empty and reuses from input to input) instead of returning a new
    /// vector: an actor that takes most of a run's inputs implements this
    /// to spare an allocation per input. The default calls `handle`.
    fn handle_into(
        &mut self,
        now: Instant,
        input: Input<Self::Msg>,
        out: &mut Vec<Output<Self::Msg, Self::Event>>,
    ) {
        let effects = self.handle(now, input);
        if out.is_empty() {
            *out = effects;
        } else {
            out.extend(effects);
        }
    }

    /// The earliest instant at which this actor wants a `Wake`, if any.
    fn next_deadline(&self) -> Option<Instant>;
}

/// Everything that can happen to a process.
#[derive(Clone, Debug, PartialEq)]
pub enum Input<M> {
    /// The incarnation has just been created (after boot, or by `Sim::start`).
    Start,
    /// `next_deadline` has come.
    Wake,
    /// A message from the same group on node `from`, over the network.
    Message {
        /// The sending node.
        from: NodeId,
        /// The message.
        msg: M,
    },
    /// A message from a sibling group on the same node (local IPC: no
    /// latency, no loss, unaffected by the network).
    Ipc {
        /// The sending group.
        from: Group,
        /// The message.
        msg: M,
    },
    /// A command from the harness (operator action, test stimulus).
    Command(M),
    /// A polite request to stop (SIGTERM, `pcs cluster stop`). The actor
    /// answers with `Output::Exit` when it has finished stopping.
    Terminate,
    /// A sibling group on the same node started.
    SiblingStarted(Group),
    /// A sibling group on the same node ended (alone: a node-wide crash
    /// leaves nobody to tell).
    SiblingExited {
        /// Which group.
        group: Group,
        /// How it ended.
        cause: ExitCause,
    },
    /// The answer to an earlier `Output::Power`.
    PowerResult(PowerResult),
}

impl<M> Input<M> {
    /// The variant's name, for the trace.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Start => InputKind::Start,
            Input::Wake => InputKind::Wake,
            Input::Message { .. } => InputKind::Message,
            Input::Ipc { .. } => InputKind::Ipc,
            Input::Command(_) => InputKind::Command,
            Input::Terminate => InputKind::Terminate,
            Input::SiblingStarted(_) => InputKind::SiblingStarted,
            Input::SiblingExited { .. } => InputKind::SiblingExited,
            Input::PowerResult(_) => InputKind::PowerResult,
        }
    }
}

/// The variants of [`Input`] without their payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// `Input::Start`.
    Start,
    /// `Input::Wake`.
    Wake,
    /// `Input::Message`.
    Message,
    /// `Input::Ipc`.
    Ipc,
    /// `Input::Command`.
    Command,
    /// `Input::Terminate`.
    Terminate,
    /// `Input::SiblingStarted`.
    SiblingStarted,
    /// `Input::SiblingExited`.
    SiblingExited,
    /// `Input::PowerResult`.
    PowerResult,
}

/// A typed event an actor reports to the harness. The kernel hands it on
/// unread (`Sim::last_events`); its `note`, if any, is also written to the
/// trace as a `note` record, so a trace reads the same whether a daemon
/// says a thing as a note or as an event.
pub trait ActorEvent: Clone + std::fmt::Debug {
    /// The trace line for this event, if it has one.
    fn note(&self) -> Option<String>;
}

/// The event type of actors that report none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoEvent {}

impl ActorEvent for NoEvent {
    fn note(&self) -> Option<String> {
        match *self {}
    }
}

/// An effect of a `handle` call. Routed in order, except that `Exit` and
/// `Panic` take effect after all other outputs of the same call.
#[derive(Clone, Debug, PartialEq)]
pub enum Output<M, E = NoEvent> {
    /// Send to the same group on node `to`, over the network.
    Send {
        /// The destination node.
        to: NodeId,
        /// The message.
        msg: M,
    },
    /// Send to the same group on every other node of the simulation, one
    /// independent network message per node, in node order.
    Broadcast(M),
    /// Send to sibling group `to` on this node.
    Ipc {
        /// The destination group.
        to: Group,
        /// The message.
        msg: M,
    },
    /// Ask a power switch to act; the answer comes as `Input::PowerResult`.
    Power(PowerRequest),
    /// This incarnation ends cleanly; its siblings are told.
    Exit,
    /// The whole node panics: every group ends, and the node halts or, with
    /// `reboot`, boots again (as Pacemaker's `pcmk__panic` or sbd do).
    Panic {
        /// Reboot after the panic rather than halt.
        reboot: bool,
    },
    /// A free-form line for the trace.
    Note(String),
    /// A typed event for the harness (and its note for the trace).
    Event(E),
}
