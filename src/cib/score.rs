//! Scores: integers clamped to ±INFINITY, with Pacemaker's arithmetic.
//!
//! Pacemaker represents INFINITY as 1,000,000 and saturates every sum there.
//! The one rule that is not plain saturation: when +INFINITY meets -INFINITY,
//! -INFINITY wins (a ban beats a preference). All of it lives here, once.

use std::fmt;

/// The value Pacemaker uses for INFINITY.
pub const INFINITY: i32 = 1_000_000;

/// A placement or constraint score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i32);

impl Score {
    /// +INFINITY.
    pub const INF: Score = Score(INFINITY);
    /// -INFINITY.
    pub const NEG_INF: Score = Score(-INFINITY);
    /// Zero.
    pub const ZERO: Score = Score(0);

    /// A score from an integer, clamped to ±INFINITY.
    pub fn new(v: i64) -> Score {
        Score(v.clamp(-(INFINITY as i64), INFINITY as i64) as i32)
    }

    /// A score outside ±INFINITY, unclamped: only for the marker value the
    /// scheduler's weight merging uses for "would have gone negative"
    /// (Pacemaker's `INFINITY_HACK`); it compares below -INFINITY.
    pub fn unclamped(v: i32) -> Score {
        Score(v)
    }

    /// The integer value.
    pub fn value(self) -> i32 {
        self.0
    }

    /// Whether this is +INFINITY.
    pub fn is_inf(self) -> bool {
        self.0 >= INFINITY
    }

    /// Whether this is -INFINITY.
    pub fn is_neg_inf(self) -> bool {
        self.0 <= -INFINITY
    }

    /// Parses a score as Pacemaker's `char2score` does, given the configured
    /// values of the `node-score-red`/`-yellow`/`-green` properties. Returns
    /// `None` for text that is not a score at all.
    pub fn parse_with_colors(s: &str, colors: [Score; 3]) -> Option<Score> {
        let t = s.trim();
        match t {
            "INFINITY" | "+INFINITY" => return Some(Score::INF),
            "-INFINITY" => return Some(Score::NEG_INF),
            "red" => return Some(colors[0]),
            "yellow" => return Some(colors[1]),
            "green" => return Some(colors[2]),
            _ => {}
        }
        // strtoll-like: an optional sign and digits; anything after is an error here.
        let digits = t.strip_prefix('+').unwrap_or(t);
        digits.parse::<i64>().ok().map(Score::new)
    }

    /// Parses a score as leniently as Pacemaker's `char2score` does for
    /// meta attributes: leading digits count ("1.0" is 1), anything else is 0.
    pub fn parse_lenient(s: &str) -> Score {
        if let Some(v) = Score::parse(s) {
            return v;
        }
        let t = s.trim();
        let (neg, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        let v: i64 = digits[..end].parse().unwrap_or(0);
        Score::new(if neg { -v } else { v })
    }

    /// Parses a score with the default colour values (red is -INFINITY, yellow and green 0).
    pub fn parse(s: &str) -> Option<Score> {
        Score::parse_with_colors(s, [Score::NEG_INF, Score::ZERO, Score::ZERO])
    }
}

/// Adds two scores as Pacemaker's `pcmk__add_scores` does: -INFINITY wins over
/// +INFINITY, either infinity absorbs finite values, and finite sums saturate.
impl std::ops::Add for Score {
    type Output = Score;
    fn add(self, other: Score) -> Score {
        if self.is_neg_inf() || other.is_neg_inf() {
            Score::NEG_INF
        } else if self.is_inf() || other.is_inf() {
            Score::INF
        } else {
            Score::new(self.0 as i64 + other.0 as i64)
        }
    }
}

impl std::ops::AddAssign for Score {
    fn add_assign(&mut self, rhs: Score) {
        *self = *self + rhs;
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_inf() {
            write!(f, "INFINITY")
        } else if self.is_neg_inf() {
            write!(f, "-INFINITY")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinity_arithmetic() {
        assert_eq!(Score::INF + Score::NEG_INF, Score::NEG_INF);
        assert_eq!(Score::NEG_INF + Score::INF, Score::NEG_INF);
        assert_eq!(Score::INF + Score::new(-5), Score::INF);
        assert_eq!(Score::new(999_999) + Score::new(10), Score::INF);
        assert_eq!(Score::new(3) + Score::new(-5), Score::new(-2));
    }

    #[test]
    fn parsing() {
        assert_eq!(Score::parse("INFINITY"), Some(Score::INF));
        assert_eq!(Score::parse("+INFINITY"), Some(Score::INF));
        assert_eq!(Score::parse("-INFINITY"), Some(Score::NEG_INF));
        assert_eq!(Score::parse("+100"), Some(Score::new(100)));
        assert_eq!(Score::parse("-2000000"), Some(Score::NEG_INF));
        assert_eq!(Score::parse("red"), Some(Score::NEG_INF));
        assert_eq!(Score::parse("abc"), None);
        assert_eq!(Score::INF.to_string(), "INFINITY");
    }
}
