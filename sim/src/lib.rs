//! The deterministic simulation kernel: virtual time, one event queue, seeded
//! random streams, a network, node power and process lifecycle, and a trace.
//!
//! It knows nothing of Pacemaker: the cluster stack in the `pacesim` crate is
//! driven by it through plain values.
#![deny(missing_docs)]

pub mod time;

pub use time::{Duration, Instant};
