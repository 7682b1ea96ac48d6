//! The deterministic simulation kernel: virtual time, one event queue, seeded
//! random streams, a network, node power and process lifecycle, power
//! switches, faults, and a trace.
//!
//! It knows nothing of Pacemaker: the cluster stack in the `pacesim` crate
//! plugs in as [`Actor`]s (one per process group on a node) and is driven by
//! [`Sim`] through plain values. Nothing here reads a wall clock or OS
//! randomness, and no hash map is iterated: the same seed and the same inputs
//! give the same run, and a byte-identical trace.
//!
//! A process is an actor; the kernel builds one per group when its node boots:
//!
//! ```
//! use sim::{Actor, Duration, Input, Instant, NodeId, NodeSpec, Output, Sim, SimConfig, Spawn};
//!
//! /// Says hello to node 2 once, then counts what it hears.
//! struct Hello { heard: u32 }
//!
//! impl Actor for Hello {
//!     type Msg = String;
//!     type Event = sim::NoEvent;
//!     fn handle(&mut self, _now: Instant, input: Input<String>) -> Vec<Output<String>> {
//!         match input {
//!             Input::Start => vec![Output::Send { to: NodeId(2), msg: "hello".into() }],
//!             Input::Message { .. } => { self.heard += 1; vec![] }
//!             _ => vec![],
//!         }
//!     }
//!     fn next_deadline(&self) -> Option<Instant> { None }
//! }
//!
//! let mut sim = Sim::new(SimConfig::new(42), |_: &Spawn| Hello { heard: 0 });
//! for n in 1..=2 {
//!     sim.add_node(NodeId(n), NodeSpec::new(&["stack"], Duration::from_secs(30)));
//! }
//! sim.run_for(Duration::from_secs(1));
//! let two = sim::Addr::new(NodeId(2), sim::Group("stack"));
//! assert_eq!(sim.actor(two).unwrap().heard, 2); // from node 1, and its own loopback
//! ```
//!
//! Modules, from the bottom up: `time` (virtual instants), `queue` (the event
//! heap), `rng` (named random streams), `net` (links, cuts, loss, latency),
//! `rule` (per-message verdicts), `timer` (a table of named timers for actors), `process` (process groups and addresses),
//! `power` (node power and boot), `device` (power switches), `actor` (the
//! trait and its inputs and outputs), `fault` (faults as values), `trace`
//! (JSON-lines records), `kernel` (the `Sim` that ties them together).
#![deny(missing_docs)]

pub mod actor;
pub mod device;
pub mod fault;
mod kernel;
pub mod net;
pub mod power;
pub mod process;
pub mod queue;
pub mod rng;
pub mod rule;
pub mod time;
pub mod timer;
pub mod trace;

pub use actor::{Actor, ActorEvent, Input, InputKind, NoEvent, Output};
pub use device::{
    DeviceFault, DeviceId, DeviceSpec, PowerAction, PowerOutcome, PowerRequest, PowerResult,
};
pub use fault::Fault;
pub use kernel::{Reaper, Sim, SimConfig, Spawner};
pub use net::{LinkParams, Network, NodeId};
pub use power::{NodeSpec, PowerState};
pub use process::{Addr, ExitCause, Group, Spawn, StartCause};
pub use rng::{RngStreams, SimRng};
pub use rule::{Packet, Rule, RuleId, Verdict};
pub use time::{Duration, Instant};
pub use trace::{DropReason, HoldReason, PowerCause, Record, TraceConfig, TraceEvent, TraceSink};
