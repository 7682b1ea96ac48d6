//! Durations as scenarios write them: `"250ms"`, `"3s"`, `"2m"`, `"1h"`,
//! `"1m30s"` — one or more number-unit pairs, largest unit first.

use sim::Duration;

/// The longest duration a scenario may name (30 days of virtual time):
/// anything longer is a typo, not a test.
pub const MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// Parses a scenario duration, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("an empty duration (write e.g. \"250ms\", \"3s\", \"1m30s\")".into());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    let mut last_unit_ns = u64::MAX;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "'{text}' is not a duration: expected a number at '{rest}'"
            ));
        }
        let number: f64 = rest[..digits].parse().map_err(|_| {
            format!(
                "'{text}' is not a duration: '{}' is not a number",
                &rest[..digits]
            )
        })?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let unit_ns: u64 = match unit {
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3600 * 1_000_000_000,
            "" => return Err(format!("'{text}' has no unit (use ms, s, m or h)")),
            other => {
                return Err(format!(
                    "'{text}': unknown unit '{other}' (use ms, s, m or h)"
                ))
            }
        };
        if unit_ns >= last_unit_ns {
            return Err(format!(
                "'{text}': units must go from largest to smallest, each once"
            ));
        }
        last_unit_ns = unit_ns;
        rest = &rest[unit_len..];
        let ns = number * unit_ns as f64;
        if !ns.is_finite() || ns > MAX.as_nanos() as f64 {
            return Err(format!("'{text}' is longer than 30 days"));
        }
        total += ns.round() as u64;
    }
    if total > MAX.as_nanos() {
        return Err(format!("'{text}' is longer than 30 days"));
    }
    Ok(Duration::from_nanos(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_the_format() {
        let ms = |n| Ok(Duration::from_millis(n));
        assert_eq!(parse("250ms"), ms(250));
        assert_eq!(parse("3s"), ms(3000));
        assert_eq!(parse("2m"), ms(120_000));
        assert_eq!(parse("1h"), ms(3_600_000));
        assert_eq!(parse("1m30s"), ms(90_000));
        assert_eq!(parse("0.5ms"), Ok(Duration::from_micros(500)));
        assert_eq!(parse("1h2m3s4ms"), ms(3_723_004));
        assert_eq!(parse("0s"), ms(0));
    }

    #[test]
    fn refusals_say_why() {
        for (bad, why) in [
            ("", "empty"),
            ("3", "no unit"),
            ("3 sec", "unknown unit"),
            ("-3s", "expected a number"),
            ("30s1m", "largest to smallest"),
            ("1s1s", "largest to smallest"),
            ("999999h", "30 days"),
            ("s", "expected a number"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
