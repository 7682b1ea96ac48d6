//! Virtual time. Only the kernel advances it; nothing in a run reads a wall clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in virtual time: nanoseconds since the start of the run.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Instant(u64);

/// A span of virtual time, in nanoseconds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Duration(u64);

impl Instant {
    /// The start of every run.
    pub const ZERO: Instant = Instant(0);

    /// Nanoseconds since the start of the run.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// The instant `nanos` after the start. Meant for the kernel and for tests.
    pub fn from_nanos(nanos: u64) -> Instant {
        Instant(nanos)
    }

    /// Time since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// The earliest of some optional instants (`None` if all are): an
    /// actor's next deadline among its timers. Asked after nearly every
    /// input.
    pub fn earliest<const N: usize>(times: [Option<Instant>; N]) -> Option<Instant> {
        // Branch-free (the minimum of the instants, an absent one counting
        // as the end of time): this runs for every input of every stack.
        // An instant at the very end of time (584 years) counts as none.
        let best = times
            .iter()
            .map(|t| t.map_or(u64::MAX, |t| t.0))
            .fold(u64::MAX, u64::min);
        (best != u64::MAX).then_some(Instant(best))
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// From nanoseconds.
    pub const fn from_nanos(n: u64) -> Duration {
        Duration(n)
    }
    /// From microseconds.
    pub const fn from_micros(n: u64) -> Duration {
        Duration(n * 1_000)
    }
    /// From milliseconds.
    pub const fn from_millis(n: u64) -> Duration {
        Duration(n * 1_000_000)
    }
    /// From seconds.
    pub const fn from_secs(n: u64) -> Duration {
        Duration(n * 1_000_000_000)
    }
    /// Whole nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    /// Whole milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
    /// Multiplies by a float factor (e.g. consensus = 1.2 × token), rounding down.
    pub fn mul_f64(self, f: f64) -> Duration {
        Duration((self.0 as f64 * f) as u64)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d.0)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 += d.0;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        Duration(self.0 - rhs.0)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0 + d.0)
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, d: Duration) -> Duration {
        Duration(self.0.saturating_sub(d.0))
    }
}

/// Shown as seconds with millisecond precision, e.g. `63.250s`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000_000;
        write!(f, "{}.{:03}s", ms / 1000, ms % 1000)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000_000;
        if ms % 1000 == 0 {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}
