//! Seeded randomness, split into independent named streams.
//!
//! A run has one `u64` seed. Every consumer of randomness (each network link,
//! each process incarnation, the fault injector of the harness ...) gets its
//! own stream, whose seed is derived from the master seed and a stable text
//! label. Draws on one stream never shift another, so adding a node or a
//! message type does not reshuffle the rest of a run: link `1->2` draws the
//! same latencies whether or not node 3 exists.
//!
//! Derivation: a ChaCha20 key is expanded from the master seed with
//! SplitMix64, the label is hashed with FNV-1a (fixed constants, unlike std's
//! randomised `HashMap` hasher) into a ChaCha stream number, and the first 32
//! bytes of that stream are the stream's seed. Streams themselves are ChaCha8,
//! whose output is specified bit for bit and is the same on every platform.
//! The draw helpers below (`uniform`, `chance`) are written out here rather
//! than taken from `rand`'s distributions so that their results cannot change
//! with a `rand` upgrade.

use rand::{RngCore, SeedableRng};
use rand_chacha::{ChaCha20Rng, ChaCha8Rng};

/// The generator type of every stream.
pub type SimRng = ChaCha8Rng;

/// FNV-1a, 64-bit: a fixed, platform-independent hash for labels and traces.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One SplitMix64 step: used only to expand the `u64` master seed into a key.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The master seed of a run, from which every named stream is derived.
///
/// Deriving is pure: `seed(label)` returns the same bytes however often and in
/// whatever order it is called.
#[derive(Clone, Debug)]
pub struct RngStreams {
    master: u64,
    key: [u8; 32],
}

impl RngStreams {
    /// Streams for the run with this seed.
    pub fn new(master: u64) -> Self {
        let mut state = master;
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        RngStreams { master, key }
    }

    /// The run's seed, as given.
    pub fn master(&self) -> u64 {
        self.master
    }

    /// The 32-byte seed of the stream named `label`. Daemons take this as
    /// their `rng_seed` (STYLE.md §1).
    pub fn seed(&self, label: &str) -> [u8; 32] {
        let mut derive = ChaCha20Rng::from_seed(self.key);
        derive.set_stream(fnv1a64(label.as_bytes()));
        let mut out = [0u8; 32];
        derive.fill_bytes(&mut out);
        out
    }

    /// A fresh generator for the stream named `label`.
    pub fn stream(&self, label: &str) -> SimRng {
        SimRng::from_seed(self.seed(label))
    }
}

/// A uniform draw from `lo..=hi` (Lemire's method, unbiased).
#[inline]
pub fn uniform<R: RngCore + ?Sized>(rng: &mut R, lo: u64, hi: u64) -> u64 {
    assert!(lo <= hi, "empty range {lo}..={hi}");
    let span = hi - lo;
    if span == u64::MAX {
        return rng.next_u64();
    }
    lo + below(rng, span + 1)
}

/// A uniform draw from `0..n`, `n > 0`.
#[inline]
fn below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    assert!(n > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// `true` with probability `p`. Always consumes exactly one `u64`, whatever
/// `p` is, so that changing a probability does not shift later draws.
#[inline]
pub fn chance<R: RngCore + ?Sized>(rng: &mut R, p: f64) -> bool {
    assert!((0.0..=1.0).contains(&p), "probability out of range: {p}");
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    unit < p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_label_same_stream() {
        let s = RngStreams::new(42);
        assert_eq!(s.seed("net/1->2"), s.seed("net/1->2"));
        let (mut a, mut b) = (s.stream("x"), s.stream("x"));
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn labels_and_seeds_separate_streams() {
        let s = RngStreams::new(42);
        assert_ne!(s.seed("net/1->2"), s.seed("net/2->1"));
        assert_ne!(s.seed("a"), RngStreams::new(43).seed("a"));
    }

    /// Pins the derivation: if this changes, every recorded seed replays
    /// differently, so it must only change on purpose.
    #[test]
    fn derivation_is_pinned() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let first = RngStreams::new(1).stream("net").next_u64();
        assert_eq!(first, PINNED_FIRST_DRAW, "got {first:#x}");
    }
    const PINNED_FIRST_DRAW: u64 = 0x4456_907d_a963_409f;

    #[test]
    fn uniform_stays_in_range_and_covers_it() {
        let mut rng = RngStreams::new(7).stream("u");
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = uniform(&mut rng, 10, 14);
            assert!((10..=14).contains(&v));
            seen[(v - 10) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform(&mut rng, 3, 3), 3);
    }

    #[test]
    fn chance_extremes() {
        let mut rng = RngStreams::new(7).stream("c");
        assert!((0..1000).all(|_| !chance(&mut rng, 0.0)));
        assert!((0..1000).all(|_| chance(&mut rng, 1.0)));
    }
}
