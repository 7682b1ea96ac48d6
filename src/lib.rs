//! pacesim: a deterministic simulation testbed for Pacemaker/Corosync clusters.
//!
//! - [`cib`]: the CIB, read and written faithfully;
//! - [`scheduler`]: Pacemaker's policy engine as a pure function CIB → transition;
//! - [`simulate`]: the `crm_simulate`-like what-if front end;
//! - [`testgen`]: a deterministic random CIB generator for differential tests.

pub mod cib;
pub mod cluster;
pub mod controller;
pub mod executor;
pub mod fencer;
pub mod membership;
pub mod pcs;
pub mod quorum;
pub mod runner;
pub mod scenario;
pub mod scheduler;
pub mod simulate;
pub mod testgen;
