//! The controller (Pacemaker's `pacemaker-controld`): DC election, the join
//! protocol, the CIB held by the DC, running the scheduler and executing its
//! transitions.
//!
//! So far: [`election`], the DC election as a state machine. The join
//! protocol, CIB synchronisation and transition execution build on it.

pub mod election;
