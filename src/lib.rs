//! pacesim: a deterministic simulation testbed for Pacemaker/Corosync clusters.
//!
//! - [`cib`]: the CIB, read and written faithfully;
//! - [`scheduler`]: Pacemaker's policy engine as a pure function CIB → transition;
//! - [`simulate`]: the `crm_simulate`-like what-if front end.

pub mod cib;
pub mod membership;
pub mod pcs;
pub mod quorum;
pub mod scheduler;
pub mod simulate;
