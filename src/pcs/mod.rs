//! A faithful subset of `pcs` 0.11 applied to the typed CIB: the commands a
//! scenario uses to build a cluster's configuration (`setup = [...]`) and to
//! change it as a fault (`pcs = "..."`).
//!
//! Each command does what `pcs -f cib.xml COMMAND` does to the configuration
//! section, with pcs's own generated ids (`vip-monitor-interval-10s`,
//! `location-web-node1-INFINITY`, `order-vip-web-mandatory`, ...), its
//! defaults (the agent's operations, `INFINITY` scores, `start` actions) and
//! its refusals (unknown resource, duplicate id, bad score, unknown option).
//! A command either applies completely or not at all.
//!
//! - `commands`: the table of commands (words, options, handler), one
//!   module per command family: `property`, `resource` (with its
//!   `operations`), `constraint`, `node`; underneath, `flags` (the command
//!   line's options), `ids` (generated ids and attribute sets) and `lookup`
//!   (resources by id);
//! - [`shell`]: words split as a POSIX shell splits them;
//! - [`agents`]: the agents' metadata pcs takes default operations from;
//! - [`rule`]: the location rule language.
//!
//! Where this differs from real pcs it says so at the place. In short:
//!
//! - agents come from a table compiled in (`agents.txt`, from the
//!   resource-agents, pacemaker and fence-agents of the machine that made
//!   it); others (`systemd:`, `lsb:`, agents not installed there) need
//!   `--force` and then get only a `monitor`, as pcs does for an agent
//!   without metadata;
//! - a score written `+INFINITY` / `+100` is kept as a number and written
//!   `INFINITY` / `100` (pcs keeps the text);
//! - role names are always the new ones (`Promoted`), as pcs writes them for
//!   a CIB of schema 3.7 or later;
//! - node commands need the node's `<node>` entry in the configuration, as
//!   `pcs -f` does (a live pcs asks the cluster);
//! - refused with a clear error: fence agents in `pcs resource create`
//!   (pcs accepts them with a deprecation warning), bundles, rule-based
//!   defaults sets, constraint sets, `regexp%` patterns, date expressions
//!   in rules, `op` in `resource update`, `--all`, `-f`;
//! - pcs's warnings (e.g. "Assumed agent name") are not reported.

pub mod agents;
pub mod rule;
pub mod shell;

mod commands;
mod constraint;
mod flags;
mod ids;
mod lookup;
mod node;
mod operations;
mod property;
mod resource;

use crate::cib::Cib;
use std::fmt;

/// A refused command: which command, and why (naming the offending word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcsError {
    /// The command as given (words joined by spaces).
    pub command: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PcsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.command, self.message)
    }
}

impl std::error::Error for PcsError {}

/// Applies one pcs command line (with or without the leading `pcs`) to the
/// CIB. On error the CIB is unchanged.
pub fn run(cib: &mut Cib, line: &str) -> Result<(), PcsError> {
    let words = shell::split(line).map_err(|e| PcsError {
        command: line.to_string(),
        message: e.to_string(),
    })?;
    run_words(cib, &words)
}

/// Applies one pcs command given as words (as a shell would pass them).
pub fn run_words(cib: &mut Cib, words: &[String]) -> Result<(), PcsError> {
    let words: &[String] = match words.first() {
        Some(w) if w == "pcs" => &words[1..],
        _ => words,
    };
    let command = format!("pcs {}", words.join(" "));
    let mut work = cib.clone();
    commands::dispatch(&mut work, words).map_err(|message| PcsError { command, message })?;
    *cib = work;
    Ok(())
}
