//! Faults as values: everything the harness can do to a run, in one enum.
//!
//! Each fault method of `Sim` (`partition`, `crash`, `power_off` ...) builds
//! one of these and applies it at once; `Sim::schedule` applies it later, at
//! a given instant, in queue order with every other event. Either way the
//! trace gets one `fault` record before the fault's effects.

use serde::Serialize;

use crate::device::{DeviceFault, DeviceId};
use crate::net::{LinkParams, NodeId};
use crate::process::Addr;

/// One thing done to a run from outside.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Cut both directions between `a` and `b`.
    Partition {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
    },
    /// Cut `from -> to` only.
    PartitionOneway {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Replace all cuts: only nodes within one group can talk; nodes in no
    /// group are isolated.
    PartitionGroups {
        /// The groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// Restore both directions between `a` and `b`.
    Repair {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
    },
    /// Restore `from -> to` only.
    RepairOneway {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Remove every cut, link degradation and hold.
    Heal,
    /// Set both directions between `a` and `b` to `params`.
    Degrade {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// The new parameters.
        params: LinkParams,
    },
    /// Set `from -> to` to `params`.
    DegradeOneway {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
        /// The new parameters.
        params: LinkParams,
    },
    /// Hold messages arriving on `from -> to` until `Release`.
    Hold {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Deliver what `from -> to` held, in order, and stop holding.
    Release {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Kernel panic: every process of the node ends; power stays on; the
    /// node stays dead until its power is cycled or it is bounced.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// Crash, then boot again (scenario `restart`).
    Bounce {
        /// The node.
        node: NodeId,
    },
    /// Kill one process group (SIGKILL); the others go on.
    Kill {
        /// The process.
        addr: Addr,
    },
    /// Start a process group that is not running on an `Up` node.
    Start {
        /// The process.
        addr: Addr,
    },
    /// Ask a process group to stop (`Input::Terminate`).
    Terminate {
        /// The process.
        addr: Addr,
    },
    /// Power lost at once: all state gone.
    PowerOff {
        /// The node.
        node: NodeId,
    },
    /// Power back: boots, and starts its groups after its boot time.
    PowerOn {
        /// The node.
        node: NodeId,
    },
    /// `PowerOff` then `PowerOn`.
    Reboot {
        /// The node.
        node: NodeId,
    },
    /// Freeze the whole node: inputs are held, nothing runs.
    Pause {
        /// The node.
        node: NodeId,
    },
    /// Thaw a paused node: held inputs are delivered now, in order.
    Resume {
        /// The node.
        node: NodeId,
    },
    /// Change how a power switch behaves.
    DeviceFault {
        /// The switch.
        device: DeviceId,
        /// Its new behaviour.
        fault: DeviceFault,
    },
}
