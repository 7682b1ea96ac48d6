//! Kernel tests, one binary with a module per concern (raft-rs
//! `harness/tests/tests.rs` style). `toy` is the shared test actor.

mod determinism;
mod device;
mod lifecycle;
mod network;
mod toy;
mod whole_api;
