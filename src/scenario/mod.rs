//! Scenario files: `../shared/SCENARIO-FORMAT.md`, version 1.
//!
//! A scenario is a cluster, a fault schedule and what must hold. This module
//! reads one into a [`Scenario`] and refuses, with file, line and column,
//! everything the format does not allow: unknown keys, a fault with no
//! action or two, a node the cluster does not have, a duration that does
//! not parse, a latency range upside down. Resource and fence-device ids can
//! only be checked once the configuration is built (from `cib` and
//! `setup`); they keep their position ([`Located`]) so that the check can
//! still point at the file.

mod check;
mod duration;
mod expect;
mod explore;
mod fault;
pub mod keys;
mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sim::Duration;

pub use duration::parse as parse_duration;
pub use explore::{Explore, ExploreFault};

/// A line and column in a scenario file (both from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1 (in characters).
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub pos: Pos,
}

/// A scenario file that cannot be run as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// Where in it (None when the file could not be read at all).
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{p}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// votequorum options (`[cluster.quorum]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quorum {
    /// `expected_votes`.
    pub expected_votes: Option<u32>,
    /// `two_node`.
    pub two_node: bool,
    /// `wait_for_all`; unset follows two_node.
    pub wait_for_all: Option<bool>,
    /// `last_man_standing`.
    pub last_man_standing: bool,
    /// `last_man_standing_window` (corosync's default 10 s).
    pub last_man_standing_window: Option<Duration>,
    /// `auto_tie_breaker`.
    pub auto_tie_breaker: bool,
    /// `auto_tie_breaker_node`.
    pub auto_tie_breaker_node: TieBreakerNode,
}

/// `auto_tie_breaker_node`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TieBreakerNode {
    /// The lowest node id.
    #[default]
    Lowest,
    /// The highest node id.
    Highest,
    /// These nodes, in order of preference.
    Nodes(Vec<String>),
}

/// totem options (`[cluster.totem]`); unset values take corosync 3's defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totem {
    /// `token`.
    pub token: Option<Duration>,
    /// `token_coefficient`.
    pub token_coefficient: Option<Duration>,
    /// `join`.
    pub join: Option<Duration>,
    /// `consensus`.
    pub consensus: Option<Duration>,
    /// `token_retransmits_before_loss_const`.
    pub token_retransmits_before_loss_const: Option<u32>,
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Per-message latency, drawn uniformly from this range.
    pub latency: (Duration, Duration),
    /// Probability that a message is dropped.
    pub loss: f64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            latency: (Duration::from_micros(500), Duration::from_millis(2)),
            loss: 0.0,
        }
    }
}

/// `[agents]` entries are read straight into the executor's own type: the
/// executor is below the scenario and does not know its file format.
pub use crate::executor::AgentTimings;

/// How a power switch misbehaves (`fence_device` faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceFault {
    /// It stops answering.
    Unreachable,
    /// It hangs.
    Timeout,
    /// It reports failure.
    Refuse,
    /// It works again.
    Ok,
}

/// One fault's action (`[[fault]]`, exactly one per fault).
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Power lost.
    PowerOff(String),
    /// Power back.
    PowerOn(String),
    /// Kernel panic; power stays on.
    Crash(String),
    /// Only the cluster stack dies.
    KillStack(String),
    /// The whole node freezes for a while.
    Pause {
        /// The node.
        node: String,
        /// For how long.
        duration: Duration,
    },
    /// Crash, then boot.
    Restart(String),
    /// Clean `pcs cluster stop`.
    StopCluster(String),
    /// `pcs cluster start`.
    StartCluster(String),
    /// Only nodes within one list can talk; unlisted nodes are isolated.
    Partition(Vec<Vec<String>>),
    /// Every partition and link fault removed.
    Heal,
    /// One link degraded, both ways.
    Link {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// Drop probability.
        loss: Option<f64>,
        /// Extra delay.
        delay: Option<Duration>,
        /// Cut entirely.
        cut: bool,
    },
    /// A power switch misbehaves or recovers.
    FenceDevice {
        /// The device id (a stonith resource).
        device: Located<String>,
        /// How.
        fail: DeviceFault,
    },
    /// The next such op on that node returns `rc`, `times` times.
    ResourceFail {
        /// The resource id.
        rsc: Located<String>,
        /// The node.
        node: String,
        /// The operation (default monitor).
        op: String,
        /// The result code (default 7).
        rc: i32,
        /// How many times (default 1).
        times: u32,
    },
    /// `pcs node standby`.
    Standby(String),
    /// `pcs node unstandby`.
    Unstandby(String),
    /// Any configuration change, through the DC.
    Pcs(Located<String>),
    /// (v1.1 extension) Bring a node back to a running stack, whatever
    /// took it down: power on, reset a crashed node, resume a paused one,
    /// start a stopped or killed stack; nothing if it runs. The undo of
    /// `[explore]`'s liveness phase, and of shrunk schedules.
    Recover(String),
}

/// A scheduled fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// When.
    pub at: Duration,
    /// What.
    pub action: FaultAction,
    /// Where the `[[fault]]` is written.
    pub pos: Pos,
}

/// Where a resource must be active (`running`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A primitive or group on one node.
    Node(String),
    /// Active nowhere.
    Stopped,
    /// Clone instances on exactly these nodes.
    Nodes(BTreeSet<String>),
    /// A promotable clone's roles.
    Promotable {
        /// Nodes with a promoted instance.
        promoted: BTreeSet<String>,
        /// Nodes with an unpromoted instance.
        unpromoted: BTreeSet<String>,
    },
}

/// What an event expectation waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A fencing of this node succeeded.
    Fenced(String),
    /// The resource is active again after it failed or its node was lost.
    Recovered(Located<String>),
    /// The node became DC.
    Elected(String),
}

/// An expectation (`[[expect]]`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The state at one instant.
    Point {
        /// When.
        at: Duration,
        /// Resource placements (by the ground truth of the nodes).
        running: BTreeMap<String, Located<Placement>>,
        /// The DC, or `None` for `"none"`.
        dc: Option<Option<String>>,
        /// Exactly the nodes whose partition has quorum.
        quorate: Option<BTreeSet<String>>,
        /// Each partition's agreed membership.
        members: Option<BTreeSet<BTreeSet<String>>>,
        /// Where it is written.
        pos: Pos,
    },
    /// (v1.1) The cluster has settled by the end of the run: see
    /// `[explore]`. Written `converged = true`.
    Converged {
        /// Where it is written.
        pos: Pos,
    },
    /// Something that happens (or, with `never`, must not).
    Event {
        /// What.
        event: Event,
        /// At most this long after the last fault before it.
        within: Option<Duration>,
        /// At the latest at this time.
        by: Option<Duration>,
        /// "This never happens".
        never: bool,
        /// Where it is written.
        pos: Pos,
    },
}

/// A cluster-wide property checked after every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invariant {
    /// No primitive active twice; clone and promotable limits held.
    NoDoubleActive,
    /// A lost node's resources start elsewhere only after it is fenced.
    FenceBeforeRecovery,
    /// At most one DC in every settled membership.
    OneDcPerPartition,
    /// No start by a partition without quorum (unless no-quorum-policy=ignore).
    QuorumSafety,
}

impl Invariant {
    /// The names the format uses.
    pub const ALL: [(&'static str, Invariant); 4] = [
        ("no-double-active", Invariant::NoDoubleActive),
        ("fence-before-recovery", Invariant::FenceBeforeRecovery),
        ("one-dc-per-partition", Invariant::OneDcPerPartition),
        ("quorum-safety", Invariant::QuorumSafety),
    ];

    /// The format's name of this invariant.
    pub fn name(self) -> &'static str {
        Invariant::ALL
            .iter()
            .find(|(_, i)| *i == self)
            .map(|(n, _)| *n)
            .expect("listed")
    }
}

/// A scenario, checked and with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it was read from.
    pub file: PathBuf,
    /// `name` (the file stem when unset).
    pub name: String,
    /// `seed` (default 1; `--seed` overrides).
    pub seed: u64,
    /// Virtual time to simulate.
    pub duration: Duration,
    /// Node names; node ids are 1, 2, ... in this order.
    pub nodes: Vec<String>,
    /// A CIB whose configuration to start from, relative paths resolved.
    pub cib: Option<Located<PathBuf>>,
    /// pcs commands applied after `cib`, in order.
    pub setup: Vec<Located<String>>,
    /// votequorum options.
    pub quorum: Quorum,
    /// totem options.
    pub totem: Totem,
    /// The network.
    pub network: Network,
    /// Agent timings by agent type or resource id (`default` included).
    pub agents: BTreeMap<String, AgentTimings>,
    /// Boot time per node (`node_boot`): the default, then overrides.
    pub node_boot_default: Duration,
    /// Boot times of single nodes.
    pub node_boot: BTreeMap<String, Duration>,
    /// Faults, in the order written (stable-sorted by time when run).
    pub faults: Vec<Fault>,
    /// Expectations, in the order written.
    pub expects: Vec<Expect>,
    /// Invariants to check after every event.
    pub invariants: BTreeSet<Invariant>,
    /// Random fault schedules (`[explore]`, format v1.1).
    pub explore: Option<Explore>,
}

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        pos: None,
        message: format!("cannot read the scenario: {e}"),
    })?;
    parse(&text, path)
}

/// A scenario's file as a TOML document, to write a variant of it
/// elsewhere (a shrunk schedule, a what-if cell): the top-level keys in
/// `drop` removed and a `cib` path made absolute, so that the document
/// means the same from any folder.
pub fn document(s: &Scenario, drop: &[&str]) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(&s.file)
        .map_err(|e| format!("cannot read {}: {e}", s.file.display()))?;
    let mut doc: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    for k in drop {
        doc.remove(*k);
    }
    if let (Some(cib), Some(toml::Value::Table(cluster))) = (&s.cib, doc.get_mut("cluster")) {
        let abs = std::fs::canonicalize(&cib.value).unwrap_or(cib.value.clone());
        cluster.insert(
            "cib".into(),
            toml::Value::String(abs.to_string_lossy().into_owned()),
        );
    }
    Ok(doc)
}

/// Checks a scenario's text; `path` names it in errors and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let raw: raw::File = toml::from_str(text).map_err(|e| {
        let pos = e.span().map(|s| position(text, s.start));
        ScenarioError {
            file: path.to_path_buf(),
            pos,
            message: e.message().trim().to_string(),
        }
    })?;
    Checker { text, path }.scenario(raw)
}

/// One fault written as the keys of a `[[fault]]` table (`at` optional,
/// default 0s), checked against the nodes and the run's end: what
/// `what-if --with` takes. `what` names it in errors.
pub fn parse_fault(
    keys: &str,
    what: &str,
    nodes: &[String],
    end: Duration,
) -> Result<Fault, ScenarioError> {
    #[derive(serde::Deserialize)]
    struct One {
        fault: Vec<raw::S<raw::Fault>>,
    }
    let mut text = String::from("[[fault]]\n");
    if !keys.lines().any(|l| l.trim_start().starts_with("at ")) {
        text.push_str("at = \"0s\"\n");
    }
    text.push_str(keys);
    let path = Path::new(what);
    let one: One = toml::from_str(&text).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        pos: None,
        message: e.message().trim().to_string(),
    })?;
    let checker = Checker { text: &text, path };
    checker.fault(nodes, end, &one.fault[0]).map_err(|mut e| {
        e.pos = None;
        e
    })
}

/// The line and column of a byte offset.
fn position(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line, column }
}

struct Checker<'a> {
    text: &'a str,
    path: &'a Path,
}

type R<T> = Result<T, ScenarioError>;

impl Checker<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.path.to_path_buf(),
            pos: Some(position(self.text, span.start)),
            message: message.into(),
        }
    }

    fn pos(&self, span: Range<usize>) -> Pos {
        position(self.text, span.start)
    }

    fn duration(&self, s: &raw::S<String>, what: &str) -> R<Duration> {
        duration::parse(s.get_ref()).map_err(|m| self.err(s.span(), format!("{what}: {m}")))
    }

    fn opt_duration(&self, s: &Option<raw::S<String>>, what: &str) -> R<Option<Duration>> {
        s.as_ref().map(|s| self.duration(s, what)).transpose()
    }

    fn node(&self, nodes: &[String], s: &raw::S<String>, what: &str) -> R<String> {
        let n = s.get_ref();
        if nodes.iter().any(|m| m == n) {
            Ok(n.clone())
        } else {
            Err(self.err(
                s.span(),
                format!(
                    "{what}: unknown node '{n}' (the cluster's nodes are {})",
                    nodes.join(", ")
                ),
            ))
        }
    }

    fn node_set(
        &self,
        nodes: &[String],
        list: &[raw::S<String>],
        what: &str,
    ) -> R<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for s in list {
            if !out.insert(self.node(nodes, s, what)?) {
                return Err(self.err(
                    s.span(),
                    format!("{what}: node '{}' is listed twice", s.get_ref()),
                ));
            }
        }
        Ok(out)
    }

    fn probability(&self, s: &raw::S<f64>, what: &str) -> R<f64> {
        let p = *s.get_ref();
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(self.err(
                s.span(),
                format!("{what} must be a probability between 0 and 1, not {p}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
