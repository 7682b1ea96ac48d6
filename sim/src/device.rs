//! Power switches (fencing devices): outlets wired to nodes, operations that
//! take time, and faults that make them fail.
//!
//! A process asks for an operation with `Output::Power(PowerRequest)` and
//! gets exactly one `Input::PowerResult` back, unless it died in between. A
//! switch is reachable from every node; only its fault mode changes what
//! happens. The fault mode is read when the request arrives, so a switch that
//! recovers does not rescue a request that already hung.
//!
//! | fault          | what the requester sees                            | power change |
//! |----------------|----------------------------------------------------|--------------|
//! | `Ok`           | `Done` after the action's duration                 | yes          |
//! | `Unreachable`  | `Unreachable` after `unreachable_after` (connect timeout) | no    |
//! | `Hang`         | `TimedOut` at the request's timeout                | no           |
//! | `Refuse`       | `Refused` after `status` (login works, command fails) | no        |
//!
//! Every operation is cut short by the request's `timeout`: whatever step
//! would happen later does not happen, and the result is `TimedOut` then. So
//! a `Reboot` whose timeout falls between its off and on steps leaves the
//! node off, as when a fencer kills a slow agent half way.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::net::NodeId;
use crate::time::{Duration, Instant};

/// A power switch, named like the fencing resource it backs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DeviceId(pub String);

impl DeviceId {
    /// A device id from a name.
    pub fn new(name: impl Into<String>) -> Self {
        DeviceId(name.into())
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a switch is asked to do to one outlet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerAction {
    /// Cut the outlet's power.
    Off,
    /// Restore the outlet's power.
    On,
    /// `Off`, then `On`.
    Reboot,
    /// Report whether the outlet is powered; without an outlet, only whether
    /// the switch answers (a fencing device's monitor).
    Status,
}

/// How a switch misbehaves. Set with `Sim::set_device_fault`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeviceFault {
    /// Works.
    #[default]
    Ok,
    /// Does not answer: the agent cannot connect.
    Unreachable,
    /// Accepts the request and never finishes it (scenario `"timeout"`).
    Hang,
    /// Answers every request with a failure.
    Refuse,
}

/// The wiring and timing of one switch.
#[derive(Clone, Debug)]
pub struct DeviceSpec {
    /// Outlet name (a port number such as `"1"`, or a node name) to the node
    /// it powers. The requester names the outlet, as a real agent names a
    /// port, so a wrong host map fences the wrong node.
    pub outlets: BTreeMap<String, NodeId>,
    /// Duration of an `off`.
    pub off: Duration,
    /// Duration of an `on`.
    pub on: Duration,
    /// Duration of a `status`, and of a refusal.
    pub status: Duration,
    /// How long an agent tries to connect to an unreachable switch.
    pub unreachable_after: Duration,
}

impl DeviceSpec {
    /// A switch with these outlets and the scenario defaults: off and on 1 s
    /// each, status 50 ms, connect timeout 5 s.
    pub fn new<S: Into<String>>(outlets: impl IntoIterator<Item = (S, NodeId)>) -> Self {
        DeviceSpec {
            outlets: outlets.into_iter().map(|(s, n)| (s.into(), n)).collect(),
            off: Duration::from_secs(1),
            on: Duration::from_secs(1),
            status: Duration::from_millis(50),
            unreachable_after: Duration::from_secs(5),
        }
    }
}

/// A request from a process to a switch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerRequest {
    /// Chosen by the requester; echoed in the result.
    pub id: u64,
    /// Which switch.
    pub device: DeviceId,
    /// Which outlet; `None` only for a device-level `Status`.
    pub outlet: Option<String>,
    /// What to do.
    pub action: PowerAction,
    /// When the requester gives up (the agent is killed); must be positive.
    pub timeout: Duration,
}

/// How a power operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerOutcome {
    /// It worked. `powered` is the outlet's power afterwards (for `Status`,
    /// its power now); `None` for a device-level `Status`.
    Done {
        /// Whether the outlet is powered.
        powered: Option<bool>,
    },
    /// The switch could not be reached.
    Unreachable,
    /// The switch refused.
    Refused,
    /// No such switch.
    NoSuchDevice,
    /// The switch has no such outlet, or none was named.
    NoSuchOutlet,
    /// The request's timeout expired first.
    TimedOut,
}

impl PowerOutcome {
    /// Whether the operation succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, PowerOutcome::Done { .. })
    }
}

/// The answer to a `PowerRequest`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerResult {
    /// The request's id.
    pub id: u64,
    /// The switch.
    pub device: DeviceId,
    /// The outlet, as requested.
    pub outlet: Option<String>,
    /// The action, as requested.
    pub action: PowerAction,
    /// How it went.
    pub outcome: PowerOutcome,
}

/// One step of an operation in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Cut the target's power.
    Cut(NodeId),
    /// Restore the target's power.
    Restore(NodeId),
    /// Answer the requester. For `Done`, the kernel fills in `powered`.
    Finish(PowerOutcome),
}

/// The steps of one request, decided when it arrives.
pub(crate) fn plan(
    spec: Option<&DeviceSpec>,
    fault: DeviceFault,
    req: &PowerRequest,
    now: Instant,
) -> Vec<(Instant, Step)> {
    assert!(
        req.timeout > Duration::ZERO,
        "power request without timeout"
    );
    let done = Step::Finish(PowerOutcome::Done { powered: None });
    let fail = |after: Duration, o: PowerOutcome| vec![(now + after, Step::Finish(o))];
    let mut steps = match (spec, fault) {
        (None, _) => fail(Duration::ZERO, PowerOutcome::NoSuchDevice),
        (Some(_), DeviceFault::Hang) => fail(req.timeout, PowerOutcome::TimedOut),
        (Some(s), DeviceFault::Unreachable) => fail(s.unreachable_after, PowerOutcome::Unreachable),
        (Some(s), DeviceFault::Refuse) => fail(s.status, PowerOutcome::Refused),
        (Some(s), DeviceFault::Ok) => {
            let target = req.outlet.as_ref().and_then(|o| s.outlets.get(o)).copied();
            match (req.action, target) {
                (PowerAction::Status, _) if req.outlet.is_none() => vec![(now + s.status, done)],
                (_, None) => fail(s.status, PowerOutcome::NoSuchOutlet),
                (PowerAction::Status, Some(_)) => vec![(now + s.status, done)],
                (PowerAction::Off, Some(n)) => {
                    vec![(now + s.off, Step::Cut(n)), (now + s.off, done)]
                }
                (PowerAction::On, Some(n)) => {
                    vec![(now + s.on, Step::Restore(n)), (now + s.on, done)]
                }
                (PowerAction::Reboot, Some(n)) => vec![
                    (now + s.off, Step::Cut(n)),
                    (now + s.off + s.on, Step::Restore(n)),
                    (now + s.off + s.on, done),
                ],
            }
        }
    };
    let deadline = now + req.timeout;
    let finishes_in_time = steps.iter().all(|(at, _)| *at <= deadline);
    if !finishes_in_time {
        steps.retain(|(at, step)| *at <= deadline && !matches!(step, Step::Finish(_)));
        steps.push((deadline, Step::Finish(PowerOutcome::TimedOut)));
    }
    assert!(matches!(steps.last(), Some((_, Step::Finish(_)))));
    assert_eq!(
        steps
            .iter()
            .filter(|(_, s)| matches!(s, Step::Finish(_)))
            .count(),
        1
    );
    steps
}

/// The target node of a request, if the switch has that outlet.
pub(crate) fn target(spec: Option<&DeviceSpec>, req: &PowerRequest) -> Option<NodeId> {
    spec?.outlets.get(req.outlet.as_ref()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(action: PowerAction, timeout_s: u64) -> PowerRequest {
        PowerRequest {
            id: 1,
            device: DeviceId::new("pdu"),
            outlet: Some("1".into()),
            action,
            timeout: Duration::from_secs(timeout_s),
        }
    }

    fn s(n: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(n)
    }

    #[test]
    fn reboot_cut_short_leaves_node_off() {
        let spec = DeviceSpec::new([("1", NodeId(1))]);
        let steps = plan(
            Some(&spec),
            DeviceFault::Ok,
            &req(PowerAction::Reboot, 1),
            s(0),
        );
        assert_eq!(
            steps,
            vec![
                (s(1), Step::Cut(NodeId(1))),
                (s(1), Step::Finish(PowerOutcome::TimedOut))
            ]
        );
    }

    #[test]
    fn faults_map_to_outcomes() {
        let spec = DeviceSpec::new([("1", NodeId(1))]);
        let r = req(PowerAction::Off, 60);
        let last = |f| *plan(Some(&spec), f, &r, s(0)).last().unwrap();
        assert_eq!(
            last(DeviceFault::Hang),
            (s(60), Step::Finish(PowerOutcome::TimedOut))
        );
        assert_eq!(
            last(DeviceFault::Unreachable),
            (s(5), Step::Finish(PowerOutcome::Unreachable))
        );
        assert_eq!(
            last(DeviceFault::Refuse).1,
            Step::Finish(PowerOutcome::Refused)
        );
        assert_eq!(plan(None, DeviceFault::Ok, &r, s(0)).len(), 1);
    }
}
