//! Faults as the runner applies them: typed, nodes by id, resolved once
//! from a scenario's names, so that a run, the random schedules of
//! `[explore]`, the shrinker and `what-if` all speak one language.
//!
//! One fault kind is one variant here; what it does to the kernel
//! (`Cluster::apply` in `mod.rs`), how the timeline says it
//! ([`Fault::describe`]), how a scenario file writes it ([`Fault::toml`])
//! and what undoes it ([`Fault::undo`]) are each one `match`.

use std::fmt::Write as _;

use sim::{Duration, NodeId};

use crate::scenario::{DeviceFault, FaultAction};

/// One fault, with nodes by id (node `i + 1` is the scenario's `nodes[i]`).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Power lost.
    PowerOff(NodeId),
    /// Power back.
    PowerOn(NodeId),
    /// Kernel panic; power stays on.
    Crash(NodeId),
    /// Only the cluster stack dies.
    KillStack(NodeId),
    /// The node freezes for a while.
    Pause(NodeId, Duration),
    /// Crash, then boot.
    Restart(NodeId),
    /// Clean `pcs cluster stop`.
    StopCluster(NodeId),
    /// `pcs cluster start`.
    StartCluster(NodeId),
    /// Only nodes within one list can talk.
    Partition(Vec<Vec<NodeId>>),
    /// Every partition and link fault removed.
    Heal,
    /// One link degraded, both ways.
    Link {
        /// One end.
        a: NodeId,
        /// The other.
        b: NodeId,
        /// Drop probability.
        loss: Option<f64>,
        /// Extra delay.
        delay: Option<Duration>,
        /// Cut entirely.
        cut: bool,
    },
    /// A power switch misbehaves or recovers.
    FenceDevice(String, DeviceFault),
    /// The next such op of a resource on a node returns `rc`.
    ResourceFail {
        /// The resource, as the scenario names it.
        rsc: String,
        /// The node.
        node: NodeId,
        /// The operation.
        op: String,
        /// The result code.
        rc: i32,
        /// How many times.
        times: u32,
    },
    /// `pcs node standby`.
    Standby(NodeId),
    /// `pcs node unstandby`.
    Unstandby(NodeId),
    /// A configuration change through the DC.
    Pcs(String),
    /// Bring a node back to a running stack, whatever took it down.
    Recover(NodeId),
}

/// A fault at its instant, and where the file wrote it (if it did).
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Virtual time from the start.
    pub at: Duration,
    /// What.
    pub fault: Fault,
    /// The line of its `[[fault]]` (0: drawn at random or given on the
    /// command line).
    pub line: usize,
}

impl Planned {
    /// Its `[[fault]]` table as a scenario file writes it (a blank line
    /// first; `at` in whole milliseconds).
    pub fn table(&self, names: &[String]) -> String {
        format!(
            "\n[[fault]]\nat = {}\n{}\n",
            toml_str(&format!("{}ms", self.at.as_nanos() / 1_000_000)),
            self.fault.toml(names)
        )
    }
}

/// The faults of one run, in the order they strike (stable by time).
pub type Schedule = Vec<Planned>;

fn id_of(names: &[String], n: &str) -> NodeId {
    let i = names
        .iter()
        .position(|x| x == n)
        .expect("the scenario checker resolved every node name");
    NodeId(i as u32 + 1)
}

impl Fault {
    /// The typed form of a scenario's fault.
    pub fn from_action(names: &[String], a: &FaultAction) -> Fault {
        let id = |n: &String| id_of(names, n);
        match a {
            FaultAction::PowerOff(n) => Fault::PowerOff(id(n)),
            FaultAction::PowerOn(n) => Fault::PowerOn(id(n)),
            FaultAction::Crash(n) => Fault::Crash(id(n)),
            FaultAction::KillStack(n) => Fault::KillStack(id(n)),
            FaultAction::Pause { node, duration } => Fault::Pause(id(node), *duration),
            FaultAction::Restart(n) => Fault::Restart(id(n)),
            FaultAction::StopCluster(n) => Fault::StopCluster(id(n)),
            FaultAction::StartCluster(n) => Fault::StartCluster(id(n)),
            FaultAction::Partition(g) => {
                Fault::Partition(g.iter().map(|p| p.iter().map(id).collect()).collect())
            }
            FaultAction::Heal => Fault::Heal,
            FaultAction::Link {
                a,
                b,
                loss,
                delay,
                cut,
            } => Fault::Link {
                a: id(a),
                b: id(b),
                loss: *loss,
                delay: *delay,
                cut: *cut,
            },
            FaultAction::FenceDevice { device, fail } => {
                Fault::FenceDevice(device.value.clone(), *fail)
            }
            FaultAction::ResourceFail {
                rsc,
                node,
                op,
                rc,
                times,
            } => Fault::ResourceFail {
                rsc: rsc.value.clone(),
                node: id(node),
                op: op.clone(),
                rc: *rc,
                times: *times,
            },
            FaultAction::Standby(n) => Fault::Standby(id(n)),
            FaultAction::Unstandby(n) => Fault::Unstandby(id(n)),
            FaultAction::Pcs(l) => Fault::Pcs(l.value.clone()),
            FaultAction::Recover(n) => Fault::Recover(id(n)),
        }
    }

    /// The timeline's words: (who, what).
    pub fn describe(&self, names: &[String]) -> (String, String) {
        let name = |n: &NodeId| names[(n.0 - 1) as usize].clone();
        let on = |n: &NodeId, what: &str| (name(n), what.to_string());
        match self {
            Fault::PowerOff(n) => on(n, "power_off"),
            Fault::PowerOn(n) => on(n, "power_on"),
            Fault::Crash(n) => on(n, "crash"),
            Fault::KillStack(n) => on(n, "kill_stack"),
            Fault::Pause(n, d) => (name(n), format!("pause for {d}")),
            Fault::Restart(n) => on(n, "restart"),
            Fault::StopCluster(n) => on(n, "stop_cluster"),
            Fault::StartCluster(n) => on(n, "start_cluster"),
            Fault::Partition(g) => (
                "-".into(),
                format!(
                    "partition {}",
                    g.iter()
                        .map(|p| format!("[{}]", p.iter().map(name).collect::<Vec<_>>().join(" ")))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ),
            Fault::Heal => ("-".into(), "heal".into()),
            Fault::Link {
                a,
                b,
                loss,
                delay,
                cut,
            } => {
                let mut w = format!("link {}-{}", name(a), name(b));
                if *cut {
                    w.push_str(" cut");
                }
                if let Some(l) = loss {
                    let _ = write!(w, " loss {l}");
                }
                if let Some(d) = delay {
                    let _ = write!(w, " delay {d}");
                }
                ("-".into(), w)
            }
            Fault::FenceDevice(device, fail) => (
                "-".into(),
                format!("fence_device {device} {}", fail_word(*fail)),
            ),
            Fault::ResourceFail {
                rsc,
                node,
                op,
                rc,
                times,
            } => (
                name(node),
                format!("resource_fail {rsc} {op} rc={rc} x{times}"),
            ),
            Fault::Standby(n) => on(n, "standby"),
            Fault::Unstandby(n) => on(n, "unstandby"),
            Fault::Pcs(l) => ("-".into(), l.clone()),
            Fault::Recover(n) => on(n, "recover"),
        }
    }

    /// The keys of its `[[fault]]` table, after `at` (one line each).
    pub fn toml(&self, names: &[String]) -> String {
        let q = |s: &str| toml_str(s);
        let name = |n: &NodeId| q(&names[(n.0 - 1) as usize]);
        match self {
            Fault::PowerOff(n) => format!("power_off = {}", name(n)),
            Fault::PowerOn(n) => format!("power_on = {}", name(n)),
            Fault::Crash(n) => format!("crash = {}", name(n)),
            Fault::KillStack(n) => format!("kill_stack = {}", name(n)),
            Fault::Pause(n, d) => format!("pause = {}\nfor = {}", name(n), q(&d.to_string())),
            Fault::Restart(n) => format!("restart = {}", name(n)),
            Fault::StopCluster(n) => format!("stop_cluster = {}", name(n)),
            Fault::StartCluster(n) => format!("start_cluster = {}", name(n)),
            Fault::Partition(g) => format!(
                "partition = [{}]",
                g.iter()
                    .map(|p| format!("[{}]", p.iter().map(name).collect::<Vec<_>>().join(", ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Fault::Heal => "heal = true".into(),
            Fault::Link {
                a,
                b,
                loss,
                delay,
                cut,
            } => {
                let mut s = format!("link = [{}, {}]", name(a), name(b));
                if let Some(l) = loss {
                    let _ = write!(s, "\nloss = {l:?}");
                }
                if let Some(d) = delay {
                    let _ = write!(s, "\ndelay = {}", q(&d.to_string()));
                }
                if *cut {
                    s.push_str("\ncut = true");
                }
                s
            }
            Fault::FenceDevice(d, f) => {
                format!("fence_device = {}\nfail = {}", q(d), q(fail_word(*f)))
            }
            Fault::ResourceFail {
                rsc,
                node,
                op,
                rc,
                times,
            } => format!(
                "resource_fail = {}\nnode = {}\nop = {}\nrc = {rc}\ntimes = {times}",
                q(rsc),
                name(node),
                q(op)
            ),
            Fault::Standby(n) => format!("standby = {}", name(n)),
            Fault::Unstandby(n) => format!("unstandby = {}", name(n)),
            Fault::Pcs(l) => format!("pcs = {}", q(l)),
            Fault::Recover(n) => format!("recover = {}", name(n)),
        }
    }

    /// What undoes it, for the liveness phase of `[explore]`: power on,
    /// heal, devices `ok`, stacks started. `None` when nothing needs
    /// undoing (a pause ends by itself, a failure is a one-off).
    pub fn undo(&self) -> Option<Fault> {
        match self {
            Fault::PowerOff(n)
            | Fault::Crash(n)
            | Fault::Restart(n)
            | Fault::KillStack(n)
            | Fault::StopCluster(n) => Some(Fault::Recover(*n)),
            Fault::Partition(_) | Fault::Link { .. } => Some(Fault::Heal),
            Fault::FenceDevice(d, f) if *f != DeviceFault::Ok => {
                Some(Fault::FenceDevice(d.clone(), DeviceFault::Ok))
            }
            Fault::Standby(n) => Some(Fault::Unstandby(*n)),
            _ => None,
        }
    }
}

/// The format's word for a device fault.
pub fn fail_word(f: DeviceFault) -> &'static str {
    match f {
        DeviceFault::Unreachable => "unreachable",
        DeviceFault::Timeout => "timeout",
        DeviceFault::Refuse => "refuse",
        DeviceFault::Ok => "ok",
    }
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
