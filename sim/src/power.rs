//! Node power and boot: the state machine below the processes.
//!
//! ```text
//!            power_on               boot_time later
//!   Off ─────────────────▶ Booting ─────────────────▶ Up (boot groups start)
//!    ▲                        │  ▲                       │
//!    │ power_off (any state)  │  │ bounce/reboot         │ crash / panic
//!    └────────────────────────┘  └──── Halted ◀──────────┘
//! ```
//!
//! `Halted` is a node whose power is on but whose OS is dead (kernel panic):
//! nothing runs and it stays so until its power is cycled or it is bounced. A
//! boot in progress is identified by an epoch so that a power cut during boot
//! cancels it: the pending boot-done event then no longer matches.

use serde::Serialize;

use crate::process::Group;
use crate::time::{Duration, Instant};

/// The power and OS state of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    /// No power: nothing runs, all state is gone.
    Off,
    /// Powered, OS starting: processes start when boot completes.
    Booting,
    /// Powered and running its processes.
    Up,
    /// Powered, but the OS is dead (after a crash); nothing runs.
    Halted,
}

/// How a node is set up when the harness adds it.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Time from power-on (or bounce) to its process groups starting.
    pub boot_time: Duration,
    /// The groups started, in this order, every time it finishes booting.
    pub groups: Vec<Group>,
    /// Whether it is powered at the start. A powered node starts its groups
    /// at once (no boot delay), at the instant it is added.
    pub powered: bool,
}

impl NodeSpec {
    /// A powered node running `groups`, booting in `boot_time` after a power cycle.
    pub fn new(groups: &[&'static str], boot_time: Duration) -> Self {
        NodeSpec {
            boot_time,
            groups: groups.iter().map(|g| Group(g)).collect(),
            powered: true,
        }
    }
}

/// The power state machine of one node.
#[derive(Clone, Debug)]
pub(crate) struct Power {
    state: PowerState,
    /// Identifies the boot in progress; bumped by every transition that
    /// cancels or starts a boot.
    epoch: u64,
}

impl Power {
    pub(crate) fn new() -> Self {
        Power {
            state: PowerState::Off,
            epoch: 0,
        }
    }

    pub(crate) fn state(&self) -> PowerState {
        self.state
    }

    /// Cuts power. Returns whether anything changed.
    pub(crate) fn off(&mut self) -> bool {
        self.epoch += 1;
        let changed = self.state != PowerState::Off;
        self.state = PowerState::Off;
        changed
    }

    /// Restores power: an `Off` node starts booting and the boot is due at
    /// `now + boot_time`; returns its epoch. A powered node is unaffected.
    pub(crate) fn on(&mut self, now: Instant, boot_time: Duration) -> Option<(Instant, u64)> {
        if self.state != PowerState::Off {
            return None;
        }
        self.boot(now, boot_time)
    }

    /// Restarts the OS without a power cut (panic with reboot, `bounce`).
    pub(crate) fn reboot_os(&mut self, now: Instant, boot_time: Duration) -> (Instant, u64) {
        assert!(
            self.state != PowerState::Off,
            "cannot reboot an unpowered OS"
        );
        self.boot(now, boot_time).expect("boot always schedules")
    }

    fn boot(&mut self, now: Instant, boot_time: Duration) -> Option<(Instant, u64)> {
        self.epoch += 1;
        self.state = PowerState::Booting;
        Some((now + boot_time, self.epoch))
    }

    /// The OS dies, power stays. Returns whether anything changed.
    pub(crate) fn halt(&mut self) -> bool {
        match self.state {
            PowerState::Up | PowerState::Booting => {
                self.epoch += 1;
                self.state = PowerState::Halted;
                true
            }
            PowerState::Off | PowerState::Halted => false,
        }
    }

    /// A boot-done event arrived: whether it is the current boot (then the
    /// node is `Up`).
    pub(crate) fn boot_done(&mut self, epoch: u64) -> bool {
        if self.state == PowerState::Booting && self.epoch == epoch {
            self.state = PowerState::Up;
            true
        } else {
            false
        }
    }

    /// Starts a node powered and up, with no boot delay (the run's start).
    pub(crate) fn start_up(&mut self) -> u64 {
        self.epoch += 1;
        self.state = PowerState::Booting;
        self.epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_cut_cancels_boot() {
        let mut p = Power::new();
        let (_, e1) = p.on(Instant::ZERO, Duration::from_secs(30)).unwrap();
        assert!(p.off());
        let (_, e2) = p.on(Instant::ZERO, Duration::from_secs(30)).unwrap();
        assert!(!p.boot_done(e1));
        assert!(p.boot_done(e2));
        assert_eq!(p.state(), PowerState::Up);
    }

    #[test]
    fn halted_node_ignores_power_on() {
        let mut p = Power::new();
        let e = p.start_up();
        assert!(p.boot_done(e));
        assert!(p.halt());
        assert!(p.on(Instant::ZERO, Duration::ZERO).is_none());
        assert_eq!(p.state(), PowerState::Halted);
        assert!(!p.halt());
    }
}
