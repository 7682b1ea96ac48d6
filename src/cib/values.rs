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
    // Units matched without lower-casing a copy (this runs for every
    // timeout and interval the scheduler unpacks).
    let unit = unit.trim();
    let is = |names: &[&str]| names.iter().any(|n| unit.eq_ignore_ascii_case(n));
    let mult: u64 = if is(&["", "s", "sec", "secs", "second", "seconds"]) {
        1000
    } else if is(&["ms", "msec", "msecs"]) {
        1
    } else if is(&["us", "usec", "usecs"]) {
        let v: f64 = num.parse().ok()?;
        return Some((v * 0.001) as u64);
    } else if is(&["m", "min", "mins", "minute", "minutes"]) {
        60_000
    } else if is(&["h", "hr", "hrs", "hour", "hours"]) {
        3_600_000
    } else {
        return None;
    };
    // A whole number small enough that the float product below is exact
    // gives the same result in integers, without parsing a float.
    if let Ok(n) = num.parse::<u64>() {
        if n < (1 << 53) / 3_600_000 {
            return Some(n * mult);
        }
    }
    let v: f64 = num.parse().ok()?;
    Some((v * mult as f64) as u64)
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
    // Compared without lower-casing a copy: this runs for every boolean
    // meta-attribute the scheduler reads.
    let s = s.trim();
    ["true", "on", "yes", "y", "1"]
        .iter()
        .any(|t| s.eq_ignore_ascii_case(t))
}

/// Appends a number in decimal, as `Display` writes it, without the
/// formatting machinery: the scheduler's operation keys and the DC's
/// history entries are written this way on every run and every result.
pub fn push_u64(out: &mut String, mut n: u64) {
    if n == 0 {
        // Most operation keys: every non-recurring action's.
        out.push('0');
        return;
    }
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    while n > 0 {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Appended as one slice rather than char by char.
    out.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

/// Builds an operation key, e.g. `rsc_monitor_10000`: how the scheduler
/// names actions and the CIB's history names its entries.
///
/// Written out by hand rather than with `format!`: the scheduler builds
/// thousands of keys per run, and the DC one per recorded result; the
/// formatting machinery cost about a thousand instructions for each.
pub fn op_key(rsc: &str, task: &str, interval_ms: u64) -> String {
    let mut key = String::with_capacity(rsc.len() + task.len() + 22);
    key.push_str(rsc);
    key.push('_');
    key.push_str(task);
    key.push('_');
    push_u64(&mut key, interval_ms);
    key
}

/// [`push_u64`] for a signed number.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::{push_i64, push_u64};

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 193, 20_000, i64::MAX, -1, -10, i64::MIN] {
            let mut s = String::from("x");
            push_i64(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        let mut s = String::new();
        push_u64(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }
}
