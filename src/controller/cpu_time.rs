//! The controller's CPU time: the "age" a DC election compares.
//!
//! What Pacemaker does (`lib/cluster/election.c`, 2.1.5): a vote carries
//! the user CPU time of the voting controller process (`get_uptime`, which
//! asks `getrusage(RUSAGE_SELF)`), and a receiver compares it with its own
//! CPU time at receipt (`compare_age`, to the microsecond). The greater
//! wins. The reading is cached: it is refreshed only when it was not asked
//! for during the last `STORM_INTERVAL` (2 s), so during a burst of votes
//! every comparison on a node uses one frozen value.
//!
//! Why it matters: CPU time roughly follows uptime (a controller that has
//! run for an hour has used more than one started a minute ago), but
//! controllers started together are ordered by how much work each happened
//! to do, which is effectively random: the 31 real cluster starts recorded
//! for calibration (`tests/calibration/real.json`, `first_dc`) made node1
//! the first DC 9 times, node2 13, node3 9. pacesim used to compare uptime
//! and then names, so node1 always won; that hid every path where another
//! node is the first DC.
//!
//! The stand-in: each controller incarnation draws a CPU share (`rate_ppm`,
//! parts per million of one core) uniformly from [`RATE_PPM`] on its own
//! seeded stream, and its CPU time at `t` is `(t - started) * rate_ppm`,
//! in integer nanoseconds and truncated to microseconds as `timeval` is.
//! So a controller up more than twice as long as another always wins (the
//! range spans a factor of 2), and controllers started together are ordered
//! by their draws: uniformly at random over seeds, the same on every
//! machine. The 2 s cache is kept, as Pacemaker has it: without it two
//! controllers with close ages would each see itself ahead when comparing
//! its age at receipt with the other's at sending, and vote forever.
//!
//! Not modelled: the extra CPU a DC spends. Pacemaker's scheduler runs in
//! its own process (`pacemaker-schedulerd`), whose time `RUSAGE_SELF` does
//! not count; the DC's controller does some more work (joins, transition
//! graphs), which would favour a former DC when partitions merge. Adding
//! it would make an election's outcome depend on how many transitions ran
//! before, so an unrelated change to the scheduler would change who wins
//! later elections in every scenario; no real run we have measures the
//! effect, so the rate stays fixed for an incarnation's life.

use std::ops::RangeInclusive;

use rand::SeedableRng;
use sim::{Duration, Instant, SimRng};

/// The range a controller's CPU share is drawn from, in parts per million
/// of one core (0.1 % to 0.2 %: an idle `pacemaker-controld`). Only the
/// ratio of its ends matters to elections: 2.
pub const RATE_PPM: RangeInclusive<u64> = 1_000..=2_000;

/// How long a reading is reused after its last use (`STORM_INTERVAL`).
pub const READING_HELD: Duration = Duration::from_secs(2);

/// The label of the controller's stream within its process seed (the
/// fencer draws from stream 0 of the same seed; this keeps the two apart).
const STREAM: &[u8] = b"controller/cpu-time";

/// CPU time, in microseconds (`timeval` precision).
pub type Micros = u64;

/// One controller incarnation's CPU clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuTime {
    started: Instant,
    rate_ppm: u64,
    /// The cached reading and until when it is reused without refresh.
    reading: Option<(Micros, Instant)>,
}

impl CpuTime {
    /// A clock for a controller started at `started`, with the share drawn
    /// from the process's seed.
    pub fn seeded(started: Instant, rng_seed: [u8; 32]) -> CpuTime {
        let mut rng = SimRng::from_seed(rng_seed);
        rng.set_stream(sim::rng::fnv1a64(STREAM));
        let rate_ppm = sim::rng::uniform(&mut rng, *RATE_PPM.start(), *RATE_PPM.end());
        CpuTime::with_rate(started, rate_ppm)
    }

    /// A clock with a given share (for tests).
    pub fn with_rate(started: Instant, rate_ppm: u64) -> CpuTime {
        CpuTime {
            started,
            rate_ppm,
            reading: None,
        }
    }

    /// The drawn share, in parts per million of one core.
    pub fn rate_ppm(&self) -> u64 {
        self.rate_ppm
    }

    /// The CPU time used by `now`, without the cache.
    pub fn at(&self, now: Instant) -> Micros {
        let ns = u128::from(now.saturating_since(self.started).as_nanos());
        (ns * u128::from(self.rate_ppm) / 1_000_000_000) as Micros
    }

    /// The CPU time as `get_uptime` reports it: refreshed only if the last
    /// reading was not used within [`READING_HELD`]; every use extends it.
    pub fn read(&mut self, now: Instant) -> Micros {
        let value = match self.reading {
            Some((v, until)) if now <= until => v,
            _ => self.at(now),
        };
        self.reading = Some((value, now + READING_HELD));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Instant {
        Instant::from_nanos(s * 1_000_000_000)
    }

    #[test]
    fn cpu_time_is_uptime_times_the_share() {
        let c = CpuTime::with_rate(secs(10), 1_500);
        assert_eq!(c.at(secs(10)), 0);
        // 20 s at 0.15 % of a core: 30 ms.
        assert_eq!(c.at(secs(30)), 30_000);
        assert_eq!(c.at(secs(5)), 0, "before the start");
    }

    #[test]
    fn a_reading_is_held_while_it_is_used() {
        let mut c = CpuTime::with_rate(Instant::ZERO, 1_000);
        let first = c.read(secs(10));
        assert_eq!(c.read(secs(11)), first);
        assert_eq!(c.read(secs(13)), first, "used at 11 s: held to 13 s");
        assert_eq!(c.read(secs(16)), c.at(secs(16)), "idle 3 s: refreshed");
    }

    #[test]
    fn draws_stay_in_range_and_differ_by_seed() {
        let rates: Vec<u64> = (0u8..50)
            .map(|i| CpuTime::seeded(Instant::ZERO, [i; 32]).rate_ppm())
            .collect();
        assert!(rates.iter().all(|r| RATE_PPM.contains(r)));
        let distinct: std::collections::BTreeSet<_> = rates.iter().collect();
        assert!(distinct.len() > 40, "{rates:?}");
        assert_eq!(
            CpuTime::seeded(Instant::ZERO, [7; 32]),
            CpuTime::seeded(Instant::ZERO, [7; 32])
        );
    }
}
