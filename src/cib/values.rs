//! Pacemaker's syntax for option and meta-attribute values: booleans as
//! `crm_is_true` reads them, intervals as `crm_get_msec` and ISO 8601
//! durations. A leaf below everything that reads the CIB — the scheduler,
//! the controller, the fencer and the front ends — so that none of them
//! borrows another's parser.

/// Parses a duration as `crm_get_msec` does: a number with an optional unit
/// (ms, msec, us, usec, s, sec, m, min, h, hr; default seconds).
pub fn parse_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.starts_with('P') {
        return parse_iso_duration_ms(s);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "ms" | "msec" | "msecs" => 1.0,
        "us" | "usec" | "usecs" => 0.001,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        _ => return None,
    };
    Some((v * mult) as u64)
}

/// Parses an operation interval: ISO 8601 (`PT10S`) or [`parse_ms`] form.
pub fn parse_interval_ms(s: &str) -> Option<u64> {
    parse_ms(s)
}

fn parse_iso_duration_ms(s: &str) -> Option<u64> {
    let mut total: f64 = 0.0;
    let mut in_time = false;
    let mut num = String::new();
    for c in s.chars().skip(1) {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => num.push(c),
            _ => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                // Only 'M' depends on the 'T' separator (minutes or months);
                // the other units are read alike on both sides of it, as
                // `crm_time_parse_duration` does.
                total += v * match (c, in_time) {
                    ('Y', _) => 365.0 * 86400.0,
                    ('M', false) => 30.0 * 86400.0,
                    ('W', _) => 7.0 * 86400.0,
                    ('D', _) => 86400.0,
                    ('H', _) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', _) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    Some((total * 1000.0) as u64)
}

/// A boolean as Pacemaker's `crm_is_true` reads it.
pub fn is_true(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "on" | "yes" | "y" | "1"
    )
}
