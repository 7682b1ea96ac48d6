//! Delay distributions, with one exact percentile definition.
//!
//! Percentiles are *nearest-rank* on the sorted samples: the p-th
//! percentile of n samples is the ⌈p·n/100⌉-th smallest (the smallest for
//! p = 0). It is always one of the samples, needs no interpolation, and
//! does not depend on the order the samples came in — so a sweep split
//! over machines and merged reports the same figures.

use serde::{Deserialize, Serialize};

/// min, p50, p90, p99 and max of a set of delays, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Smallest.
    pub min: u64,
    /// Median (nearest rank).
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

/// The nearest-rank p-th percentile of sorted samples (`None` if empty).
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

impl Quantiles {
    /// The figures of some samples (`None` if there are none).
    pub fn of(samples: &[u64]) -> Option<Quantiles> {
        let mut s = samples.to_vec();
        s.sort_unstable();
        Some(Quantiles {
            min: *s.first()?,
            p50: percentile(&s, 50)?,
            p90: percentile(&s, 90)?,
            p99: percentile(&s, 99)?,
            max: *s.last()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&s, 50), Some(50));
        assert_eq!(percentile(&s, 90), Some(90));
        assert_eq!(percentile(&s, 99), Some(99));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[], 50), None);
        let q = Quantiles::of(&[5, 1, 3]).expect("samples");
        assert_eq!((q.min, q.p50, q.max), (1, 3, 5));
    }
}
