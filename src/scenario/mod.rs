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

mod duration;
mod explore;
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

    fn scenario(&self, raw: raw::File) -> R<Scenario> {
        let duration = self.duration(&raw.duration, "duration")?;
        if duration == Duration::ZERO {
            return Err(self.err(raw.duration.span(), "duration must be longer than zero"));
        }
        let seed = match &raw.seed {
            None => 1,
            Some(s) => u64::try_from(*s.get_ref()).map_err(|_| {
                self.err(
                    s.span(),
                    format!("seed must not be negative, not {}", s.get_ref()),
                )
            })?,
        };
        let name = raw
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| {
                self.path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });

        let cluster_span = raw.cluster.span();
        let cluster = raw.cluster.into_inner();
        let mut nodes = Vec::new();
        for n in cluster.nodes.get_ref() {
            let name = n.get_ref();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
            if !valid {
                return Err(self.err(
                    n.span(),
                    format!("'{name}' is not a node name (letters, digits, '-', '_', '.')"),
                ));
            }
            if nodes.contains(name) {
                return Err(self.err(n.span(), format!("node '{name}' is listed twice")));
            }
            nodes.push(name.clone());
        }
        if nodes.is_empty() {
            return Err(self.err(cluster.nodes.span(), "the cluster needs at least one node"));
        }
        if nodes.len() > 64 {
            return Err(self.err(
                cluster.nodes.span(),
                format!("{} nodes: at most 64 are supported", nodes.len()),
            ));
        }
        let _ = cluster_span;
        let base = self.path.parent().unwrap_or(Path::new("."));
        let cib = cluster.cib.as_ref().map(|c| Located {
            value: base.join(c.get_ref()),
            pos: self.pos(c.span()),
        });
        let setup = cluster
            .setup
            .iter()
            .map(|s| Located {
                value: s.get_ref().clone(),
                pos: self.pos(s.span()),
            })
            .collect();
        let quorum = self.quorum(&nodes, cluster.quorum.as_ref())?;
        let totem = self.totem(cluster.totem.as_ref())?;
        let network = self.network(raw.network.as_ref())?;

        let mut agents = BTreeMap::new();
        for (key, a) in raw.agents.iter().flatten() {
            let a = a.get_ref();
            let d = |s: &Option<raw::S<String>>, op: &str| {
                self.opt_duration(s, &format!("agents.{key}.{op}"))
            };
            agents.insert(
                key.clone(),
                AgentTimings {
                    start: d(&a.start, "start")?,
                    stop: d(&a.stop, "stop")?,
                    monitor: d(&a.monitor, "monitor")?,
                    promote: d(&a.promote, "promote")?,
                    demote: d(&a.demote, "demote")?,
                    off: d(&a.off, "off")?,
                    on: d(&a.on, "on")?,
                },
            );
        }

        let mut node_boot_default = Duration::from_secs(30);
        let mut node_boot = BTreeMap::new();
        for (k, v) in raw.node_boot.iter().flatten() {
            let d = self.duration(v, &format!("node_boot.{}", k.get_ref()))?;
            if k.get_ref() == "default" {
                node_boot_default = d;
            } else {
                node_boot.insert(self.node(&nodes, k, "node_boot")?, d);
            }
        }

        let mut faults = Vec::new();
        let mut invariants = BTreeSet::new();
        for (i, f) in raw.fault.iter().enumerate() {
            faults.push(self.fault(&nodes, duration, f)?);
            if let Some(list) = &f.get_ref().invariants {
                if i + 1 != raw.fault.len() {
                    return Err(self.err(
                        list.span(),
                        "`invariants` is a top-level key: write it before the first table or after the last",
                    ));
                }
                self.invariants(list, &mut invariants)?;
            }
        }
        let mut expects = Vec::new();
        for e in &raw.expect {
            expects.push(self.expect(&nodes, duration, e)?);
            if let Some(list) = &e.get_ref().invariants {
                self.invariants(list, &mut invariants)?;
            }
        }
        if let Some(list) = &raw.invariants {
            self.invariants(list, &mut invariants)?;
        }
        let explore = match &raw.explore {
            None => None,
            Some(e) => {
                if let Some(list) = &e.get_ref().invariants {
                    self.invariants(list, &mut invariants)?;
                }
                Some(self.explore(&nodes, duration, e)?)
            }
        };
        Ok(Scenario {
            file: self.path.to_path_buf(),
            name,
            seed,
            duration,
            nodes,
            cib,
            setup,
            quorum,
            totem,
            network,
            agents,
            node_boot_default,
            node_boot,
            faults,
            expects,
            invariants,
            explore,
        })
    }

    fn invariants(
        &self,
        list: &raw::S<Vec<raw::S<String>>>,
        out: &mut BTreeSet<Invariant>,
    ) -> R<()> {
        for s in list.get_ref() {
            let inv = Invariant::ALL
                .iter()
                .find(|(n, _)| n == s.get_ref())
                .map(|(_, i)| *i)
                .ok_or_else(|| {
                    let names: Vec<&str> = Invariant::ALL.iter().map(|(n, _)| *n).collect();
                    self.err(
                        s.span(),
                        format!(
                            "unknown invariant '{}' (known: {})",
                            s.get_ref(),
                            names.join(", ")
                        ),
                    )
                })?;
            out.insert(inv);
        }
        Ok(())
    }

    fn quorum(&self, nodes: &[String], q: Option<&raw::Quorum>) -> R<Quorum> {
        let Some(q) = q else {
            return Ok(Quorum::default());
        };
        let b = |v: &Option<raw::S<bool>>| v.as_ref().map(|s| *s.get_ref());
        let expected_votes = match &q.expected_votes {
            None => None,
            Some(s) => {
                let v = *s.get_ref();
                if !(1..=1024).contains(&v) {
                    return Err(self.err(
                        s.span(),
                        format!("expected_votes must be between 1 and 1024, not {v}"),
                    ));
                }
                Some(v as u32)
            }
        };
        let last_man_standing_window = match &q.last_man_standing_window {
            None => None,
            Some(s) => Some(match s.get_ref() {
                // corosync.conf writes it in milliseconds.
                toml::Value::Integer(ms) if *ms >= 0 => Duration::from_millis(*ms as u64),
                toml::Value::String(text) => duration::parse(text)
                    .map_err(|m| self.err(s.span(), format!("last_man_standing_window: {m}")))?,
                _ => return Err(self.err(
                    s.span(),
                    "last_man_standing_window must be a duration such as \"10s\" or milliseconds",
                )),
            }),
        };
        let auto_tie_breaker_node = match &q.auto_tie_breaker_node {
            None => TieBreakerNode::Lowest,
            Some(s) => match s.get_ref() {
                toml::Value::String(v) if v == "lowest" => TieBreakerNode::Lowest,
                toml::Value::String(v) if v == "highest" => TieBreakerNode::Highest,
                toml::Value::String(v) if nodes.contains(v) => TieBreakerNode::Nodes(vec![v.clone()]),
                toml::Value::Array(list) if !list.is_empty() => {
                    let mut out = Vec::new();
                    for item in list {
                        match item.as_str() {
                            Some(n) if nodes.iter().any(|m| m == n) && !out.iter().any(|m: &String| m == n) => {
                                out.push(n.to_string())
                            }
                            _ => {
                                return Err(self.err(
                                    s.span(),
                                    format!("auto_tie_breaker_node: '{item}' is not one of the cluster's nodes (or is listed twice)"),
                                ))
                            }
                        }
                    }
                    TieBreakerNode::Nodes(out)
                }
                other => {
                    return Err(self.err(
                        s.span(),
                        format!("auto_tie_breaker_node must be \"lowest\", \"highest\" or a list of node names, not {other}"),
                    ))
                }
            },
        };
        Ok(Quorum {
            expected_votes,
            two_node: b(&q.two_node).unwrap_or(false),
            wait_for_all: b(&q.wait_for_all),
            last_man_standing: b(&q.last_man_standing).unwrap_or(false),
            last_man_standing_window,
            auto_tie_breaker: b(&q.auto_tie_breaker).unwrap_or(false),
            auto_tie_breaker_node,
        })
    }

    fn totem(&self, t: Option<&raw::Totem>) -> R<Totem> {
        let Some(t) = t else {
            return Ok(Totem::default());
        };
        let positive = |s: &Option<raw::S<String>>, what: &str| -> R<Option<Duration>> {
            let d = self.opt_duration(s, what)?;
            if d == Some(Duration::ZERO) {
                return Err(self.err(
                    s.as_ref().expect("set").span(),
                    format!("{what} must be longer than zero"),
                ));
            }
            Ok(d)
        };
        let retransmits = match &t.token_retransmits_before_loss_const {
            None => None,
            Some(s) => {
                let v = *s.get_ref();
                if !(1..=100).contains(&v) {
                    return Err(self.err(
                        s.span(),
                        format!("token_retransmits_before_loss_const must be between 1 and 100, not {v}"),
                    ));
                }
                Some(v as u32)
            }
        };
        Ok(Totem {
            token: positive(&t.token, "token")?,
            token_coefficient: self.opt_duration(&t.token_coefficient, "token_coefficient")?,
            join: positive(&t.join, "join")?,
            consensus: positive(&t.consensus, "consensus")?,
            token_retransmits_before_loss_const: retransmits,
        })
    }

    fn network(&self, n: Option<&raw::Network>) -> R<Network> {
        let mut net = Network::default();
        let Some(n) = n else { return Ok(net) };
        if let Some(l) = &n.latency {
            let [lo, hi] = l.get_ref().as_slice() else {
                return Err(self.err(
                    l.span(),
                    "latency must be a range of two durations, e.g. [\"0.5ms\", \"2ms\"]",
                ));
            };
            let (lo_d, hi_d) = (self.duration(lo, "latency")?, self.duration(hi, "latency")?);
            if lo_d > hi_d {
                return Err(self.err(
                    l.span(),
                    format!(
                        "latency range is upside down: {} > {}",
                        lo.get_ref(),
                        hi.get_ref()
                    ),
                ));
            }
            if hi_d > Duration::from_secs(60) {
                return Err(self.err(hi.span(), "latency above one minute is not a network"));
            }
            net.latency = (lo_d, hi_d);
        }
        if let Some(p) = &n.loss {
            net.loss = self.probability(p, "loss")?;
            if net.loss >= 1.0 {
                return Err(self.err(
                    p.span(),
                    "loss = 1 drops every message: use a partition instead",
                ));
            }
        }
        Ok(net)
    }

    fn fault(&self, nodes: &[String], end: Duration, f: &raw::S<raw::Fault>) -> R<Fault> {
        let span = f.span();
        let r = f.get_ref();
        let at_s =
            r.at.as_ref()
                .ok_or_else(|| self.err(span.clone(), "a fault needs `at`"))?;
        let at = self.duration(at_s, "at")?;
        if at > end {
            return Err(self.err(
                at_s.span(),
                format!("this fault comes after the end of the scenario ({})", end),
            ));
        }
        let node = |s: &raw::S<String>, what: &str| self.node(nodes, s, what);
        let mut actions: Vec<(&str, FaultAction)> = Vec::new();
        if let Some(n) = &r.power_off {
            actions.push(("power_off", FaultAction::PowerOff(node(n, "power_off")?)));
        }
        if let Some(n) = &r.power_on {
            actions.push(("power_on", FaultAction::PowerOn(node(n, "power_on")?)));
        }
        if let Some(n) = &r.crash {
            actions.push(("crash", FaultAction::Crash(node(n, "crash")?)));
        }
        if let Some(n) = &r.kill_stack {
            actions.push(("kill_stack", FaultAction::KillStack(node(n, "kill_stack")?)));
        }
        if let Some(n) = &r.pause {
            let d = r.for_.as_ref().ok_or_else(|| {
                self.err(n.span(), "pause needs `for`, how long the node freezes")
            })?;
            actions.push((
                "pause",
                FaultAction::Pause {
                    node: node(n, "pause")?,
                    duration: self.duration(d, "for")?,
                },
            ));
        }
        if let Some(n) = &r.restart {
            actions.push(("restart", FaultAction::Restart(node(n, "restart")?)));
        }
        if let Some(n) = &r.stop_cluster {
            actions.push((
                "stop_cluster",
                FaultAction::StopCluster(node(n, "stop_cluster")?),
            ));
        }
        if let Some(n) = &r.start_cluster {
            actions.push((
                "start_cluster",
                FaultAction::StartCluster(node(n, "start_cluster")?),
            ));
        }
        if let Some(p) = &r.partition {
            let mut seen = BTreeSet::new();
            let mut groups = Vec::new();
            for g in p.get_ref() {
                let mut group = Vec::new();
                for n in g.get_ref() {
                    let name = node(n, "partition")?;
                    if !seen.insert(name.clone()) {
                        return Err(self.err(
                            n.span(),
                            format!("partition: node '{name}' is in two lists"),
                        ));
                    }
                    group.push(name);
                }
                if group.is_empty() {
                    return Err(self.err(g.span(), "partition: an empty list"));
                }
                groups.push(group);
            }
            actions.push(("partition", FaultAction::Partition(groups)));
        }
        if let Some(h) = &r.heal {
            if !*h.get_ref() {
                return Err(self.err(h.span(), "heal takes `true` (leave it out for no heal)"));
            }
            actions.push(("heal", FaultAction::Heal));
        }
        if let Some(l) = &r.link {
            let [a, b] = l.get_ref().as_slice() else {
                return Err(self.err(l.span(), "link names two nodes: [a, b]"));
            };
            let (a, b) = (node(a, "link")?, node(b, "link")?);
            if a == b {
                return Err(self.err(l.span(), "link: a node has no link to itself"));
            }
            let loss = r
                .loss
                .as_ref()
                .map(|p| self.probability(p, "loss"))
                .transpose()?;
            let delay = self.opt_duration(&r.delay, "delay")?;
            let cut = r.cut.as_ref().is_some_and(|c| *c.get_ref());
            if loss.is_none() && delay.is_none() && !cut {
                return Err(self.err(l.span(), "link needs `loss`, `delay` and/or `cut = true`"));
            }
            actions.push((
                "link",
                FaultAction::Link {
                    a,
                    b,
                    loss,
                    delay,
                    cut,
                },
            ));
        }
        if let Some(d) = &r.fence_device {
            let fail_s = r
                .fail
                .as_ref()
                .ok_or_else(|| self.err(d.span(), "fence_device needs `fail` = \"unreachable\", \"timeout\", \"refuse\" or \"ok\""))?;
            let fail = match fail_s.get_ref().as_str() {
                "unreachable" => DeviceFault::Unreachable,
                "timeout" => DeviceFault::Timeout,
                "refuse" => DeviceFault::Refuse,
                "ok" => DeviceFault::Ok,
                other => {
                    return Err(self.err(
                        fail_s.span(),
                        format!("fail = '{other}': expected \"unreachable\", \"timeout\", \"refuse\" or \"ok\""),
                    ))
                }
            };
            actions.push((
                "fence_device",
                FaultAction::FenceDevice {
                    device: Located {
                        value: d.get_ref().clone(),
                        pos: self.pos(d.span()),
                    },
                    fail,
                },
            ));
        }
        if let Some(rsc) = &r.resource_fail {
            let n = r
                .node
                .as_ref()
                .ok_or_else(|| self.err(rsc.span(), "resource_fail needs `node`"))?;
            let op =
                r.op.as_ref()
                    .map_or("monitor".to_string(), |o| o.get_ref().clone());
            let known_ops = [
                "monitor",
                "start",
                "stop",
                "promote",
                "demote",
                "migrate_to",
                "migrate_from",
                "notify",
            ];
            if !known_ops.contains(&op.as_str()) {
                let o = r.op.as_ref().expect("set");
                return Err(self.err(
                    o.span(),
                    format!("op = '{op}': expected one of {}", known_ops.join(", ")),
                ));
            }
            let rc = match &r.rc {
                None => 7,
                Some(s) if (0..=255).contains(s.get_ref()) => *s.get_ref() as i32,
                Some(s) => {
                    return Err(self.err(
                        s.span(),
                        format!("rc must be an exit code 0-255, not {}", s.get_ref()),
                    ))
                }
            };
            let times = match &r.times {
                None => 1,
                Some(s) if (1..=1_000_000).contains(s.get_ref()) => *s.get_ref() as u32,
                Some(s) => {
                    return Err(self.err(
                        s.span(),
                        format!("times must be at least 1, not {}", s.get_ref()),
                    ))
                }
            };
            actions.push((
                "resource_fail",
                FaultAction::ResourceFail {
                    rsc: Located {
                        value: rsc.get_ref().clone(),
                        pos: self.pos(rsc.span()),
                    },
                    node: node(n, "resource_fail node")?,
                    op,
                    rc,
                    times,
                },
            ));
        }
        if let Some(n) = &r.standby {
            actions.push(("standby", FaultAction::Standby(node(n, "standby")?)));
        }
        if let Some(n) = &r.unstandby {
            actions.push(("unstandby", FaultAction::Unstandby(node(n, "unstandby")?)));
        }
        if let Some(n) = &r.recover {
            actions.push(("recover", FaultAction::Recover(node(n, "recover")?)));
        }
        if let Some(c) = &r.pcs {
            actions.push((
                "pcs",
                FaultAction::Pcs(Located {
                    value: c.get_ref().clone(),
                    pos: self.pos(c.span()),
                }),
            ));
        }
        let kind = match actions.len() {
            0 => return Err(self.err(
                span,
                "a fault needs exactly one action (power_off, crash, partition, ...); it has none",
            )),
            1 => actions[0].0,
            _ => {
                let names: Vec<&str> = actions.iter().map(|(n, _)| *n).collect();
                return Err(self.err(
                    span,
                    format!(
                        "a fault has exactly one action; this one has {}",
                        names.join(" and ")
                    ),
                ));
            }
        };
        // Modifiers belong to one action each.
        let modifiers: [(&str, bool, &[&str]); 9] = [
            ("for", r.for_.is_some(), &["pause"]),
            ("loss", r.loss.is_some(), &["link"]),
            ("delay", r.delay.is_some(), &["link"]),
            ("cut", r.cut.is_some(), &["link"]),
            ("fail", r.fail.is_some(), &["fence_device"]),
            ("node", r.node.is_some(), &["resource_fail"]),
            ("op", r.op.is_some(), &["resource_fail"]),
            ("rc", r.rc.is_some(), &["resource_fail"]),
            ("times", r.times.is_some(), &["resource_fail"]),
        ];
        for (key, set, owners) in modifiers {
            if set && !owners.contains(&kind) {
                return Err(self.err(
                    span,
                    format!(
                        "`{key}` belongs to {} faults, not to {kind}",
                        owners.join("/")
                    ),
                ));
            }
        }
        Ok(Fault {
            at,
            action: actions.pop().expect("one").1,
            pos: self.pos(span),
        })
    }

    fn expect(&self, nodes: &[String], end: Duration, e: &raw::S<raw::Expect>) -> R<Expect> {
        let span = e.span();
        let r = e.get_ref();
        let pos = self.pos(span.clone());
        let events = [
            r.fenced.is_some(),
            r.recovered.is_some(),
            r.elected.is_some(),
        ];
        let point = [
            r.running.is_some(),
            r.dc.is_some(),
            r.quorate.is_some(),
            r.members.is_some(),
        ];
        let n_events = events.iter().filter(|&&b| b).count();
        let is_point = point.iter().any(|&b| b);
        if let Some(c) = &r.converged {
            if !*c.get_ref() {
                return Err(self.err(c.span(), "converged takes `true` (leave it out otherwise)"));
            }
            if n_events > 0 || is_point || r.at.is_some() || r.within.is_some() || r.by.is_some() {
                return Err(self.err(
                    span,
                    "`converged = true` stands alone: it is judged at the end of the run",
                ));
            }
            return Ok(Expect::Converged { pos });
        }
        if n_events > 0 && is_point {
            return Err(self.err(span, "an expectation is either a point (at + running/dc/quorate/members) or an event (fenced/recovered/elected), not both"));
        }
        if n_events > 1 {
            return Err(self.err(
                span,
                "an event expectation names one of fenced, recovered, elected",
            ));
        }
        if n_events == 1 {
            if let Some(a) = &r.at {
                return Err(self.err(
                    a.span(),
                    "an event expectation takes `within` and/or `by`, not `at`",
                ));
            }
            let within = self.opt_duration(&r.within, "within")?;
            let by = self.opt_duration(&r.by, "by")?;
            let never = r.never.as_ref().is_some_and(|n| *n.get_ref());
            if within.is_none() && by.is_none() && !never {
                return Err(self.err(
                    span,
                    "an event expectation needs `within` and/or `by` (or `never = true`)",
                ));
            }
            if let (Some(b), Some(s)) = (by, &r.by) {
                if b > end {
                    return Err(self.err(
                        s.span(),
                        format!("by = {b} is after the end of the scenario ({end})"),
                    ));
                }
            }
            let event = if let Some(n) = &r.fenced {
                Event::Fenced(self.node(nodes, n, "fenced")?)
            } else if let Some(n) = &r.elected {
                Event::Elected(self.node(nodes, n, "elected")?)
            } else {
                let rsc = r.recovered.as_ref().expect("one event");
                Event::Recovered(Located {
                    value: rsc.get_ref().clone(),
                    pos: self.pos(rsc.span()),
                })
            };
            return Ok(Expect::Event {
                event,
                within,
                by,
                never,
                pos,
            });
        }
        if !is_point {
            if r.invariants.is_some() && r.at.is_none() {
                // Only `invariants` written after the last [[expect]] header.
                return Err(self.err(span, "this [[expect]] holds only `invariants`: an expectation needs `at` and what must hold (the invariants list is still read)"));
            }
            return Err(self.err(span, "an expectation needs `at` with running, dc, quorate or members, or an event (fenced, recovered, elected)"));
        }
        for (key, set) in [
            ("within", r.within.is_some()),
            ("by", r.by.is_some()),
            ("never", r.never.is_some()),
        ] {
            if set {
                return Err(self.err(
                    span,
                    format!("`{key}` belongs to event expectations (fenced, recovered, elected)"),
                ));
            }
        }
        let at_s =
            r.at.as_ref()
                .ok_or_else(|| self.err(span.clone(), "a point expectation needs `at`"))?;
        let at = self.duration(at_s, "at")?;
        if at > end {
            return Err(self.err(
                at_s.span(),
                format!("at = {at} is after the end of the scenario ({end})"),
            ));
        }
        let mut running = BTreeMap::new();
        if let Some(t) = &r.running {
            let tpos = self.pos(t.span());
            for (rsc, v) in t.get_ref() {
                let placement = self
                    .placement(nodes, rsc, v)
                    .map_err(|m| self.err(t.span(), m))?;
                running.insert(
                    rsc.clone(),
                    Located {
                        value: placement,
                        pos: tpos,
                    },
                );
            }
        }
        let dc = match &r.dc {
            None => None,
            Some(s) if s.get_ref() == "none" => Some(None),
            Some(s) => Some(Some(self.node(nodes, s, "dc")?)),
        };
        let quorate = r
            .quorate
            .as_ref()
            .map(|q| self.node_set(nodes, q.get_ref(), "quorate"))
            .transpose()?;
        let members = match &r.members {
            None => None,
            Some(m) => {
                let mut out = BTreeSet::new();
                let mut seen = BTreeSet::new();
                for g in m.get_ref() {
                    let set = self.node_set(nodes, g.get_ref(), "members")?;
                    if let Some(n) = set.iter().find(|n| seen.contains(*n)) {
                        return Err(self.err(
                            g.span(),
                            format!("members: node '{n}' is in two partitions"),
                        ));
                    }
                    seen.extend(set.iter().cloned());
                    if set.is_empty() {
                        return Err(self.err(g.span(), "members: an empty partition"));
                    }
                    out.insert(set);
                }
                Some(out)
            }
        };
        Ok(Expect::Point {
            at,
            running,
            dc,
            quorate,
            members,
            pos,
        })
    }

    /// One `running` entry: a node, "stopped", a list of nodes, or
    /// `{ promoted = [...], unpromoted = [...] }`.
    fn placement(&self, nodes: &[String], rsc: &str, v: &toml::Value) -> Result<Placement, String> {
        let node = |n: &str| -> Result<String, String> {
            if nodes.iter().any(|m| m == n) {
                Ok(n.to_string())
            } else {
                Err(format!(
                    "running.{rsc}: unknown node '{n}' (the cluster's nodes are {})",
                    nodes.join(", ")
                ))
            }
        };
        let list = |v: &toml::Value, what: &str| -> Result<BTreeSet<String>, String> {
            let arr = v
                .as_array()
                .ok_or_else(|| format!("running.{rsc}.{what} must be a list of nodes"))?;
            let mut out = BTreeSet::new();
            for item in arr {
                let n = item
                    .as_str()
                    .ok_or_else(|| format!("running.{rsc}: {item} is not a node name"))?;
                if !out.insert(node(n)?) {
                    return Err(format!("running.{rsc}: node '{n}' is listed twice"));
                }
            }
            Ok(out)
        };
        match v {
            toml::Value::String(s) if s == "stopped" => Ok(Placement::Stopped),
            toml::Value::String(s) => Ok(Placement::Node(node(s)?)),
            toml::Value::Array(_) => Ok(Placement::Nodes(list(v, "instances")?)),
            toml::Value::Table(t) => {
                for k in t.keys() {
                    if k != "promoted" && k != "unpromoted" {
                        return Err(format!("running.{rsc}: unknown key '{k}' (promoted, unpromoted)"));
                    }
                }
                let get = |k: &str| t.get(k).map(|v| list(v, k)).transpose().map(Option::unwrap_or_default);
                let promoted = get("promoted")?;
                let unpromoted = get("unpromoted")?;
                if let Some(n) = promoted.intersection(&unpromoted).next() {
                    return Err(format!("running.{rsc}: node '{n}' is both promoted and unpromoted"));
                }
                Ok(Placement::Promotable { promoted, unpromoted })
            }
            other => Err(format!(
                "running.{rsc} = {other}: expected a node, \"stopped\", a list of nodes or {{ promoted = [...], unpromoted = [...] }}"
            )),
        }
    }
}

#[cfg(test)]
mod tests;
