//! Rules, name/value sets, and the time and interval formats they use
//! (Pacemaker's `rules.c`, `iso8601.c` and `crm_get_msec`).

use std::collections::BTreeMap;

use crate::cib::{BoolOp, DateExpression, Expression, NvSet, Rule, RuleItem, Score};

/// What a rule is evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleCtx<'a> {
    /// Node attributes, for expressions on nodes.
    pub node_attrs: Option<&'a BTreeMap<String, String>>,
    /// "Now", seconds since the epoch (UTC).
    pub now: i64,
    /// Resource class, provider and type, for `rsc_expression`.
    pub rsc: Option<(&'a str, &'a str, &'a str)>,
    /// Operation name and interval, for `op_expression`.
    pub op: Option<(&'a str, u64)>,
    /// Resource parameters, for `value-source="param"`.
    pub params: Option<&'a BTreeMap<String, String>>,
    /// Resource meta attributes, for `value-source="meta"`.
    pub meta: Option<&'a BTreeMap<String, String>>,
}

/// Whether a rule holds.
pub fn eval_rule(rule: &Rule, ctx: &RuleCtx<'_>) -> bool {
    let mut any = false;
    for item in &rule.items {
        let ok = match item {
            RuleItem::Expr(e) => eval_expr(e, ctx),
            RuleItem::Date(d) => eval_date(d, ctx.now),
            RuleItem::Rule(r) => eval_rule(r, ctx),
            RuleItem::Op(attrs) => eval_op_expr(attrs, ctx),
            RuleItem::Rsc(attrs) => eval_rsc_expr(attrs, ctx),
            RuleItem::Unknown(_) => false,
        };
        match rule.boolean_op {
            BoolOp::And if !ok => return false,
            BoolOp::Or if ok => return true,
            _ => {}
        }
        any = true;
    }
    match rule.boolean_op {
        // An empty rule holds.
        BoolOp::And => true,
        BoolOp::Or => !any,
    }
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn eval_op_expr(attrs: &[(String, String)], ctx: &RuleCtx<'_>) -> bool {
    let Some((name, interval)) = ctx.op else {
        return false;
    };
    if attr(attrs, "name") != Some(name) {
        return false;
    }
    match attr(attrs, "interval") {
        Some(i) => parse_interval_ms(i) == Some(interval),
        None => true,
    }
}

fn eval_rsc_expr(attrs: &[(String, String)], ctx: &RuleCtx<'_>) -> bool {
    let Some((class, provider, agent)) = ctx.rsc else {
        return false;
    };
    attr(attrs, "class").is_none_or(|c| c == class)
        && attr(attrs, "provider").is_none_or(|p| p == provider)
        && attr(attrs, "type").is_none_or(|t| t == agent)
}

/// The value type an expression compares as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueType {
    String,
    Integer,
    Number,
    Version,
}

fn eval_expr(e: &Expression, ctx: &RuleCtx<'_>) -> bool {
    let Some(attrs) = ctx.node_attrs else {
        return false;
    };
    let lhs = attrs.get(&e.attribute).map(String::as_str);
    let op = e.operation.as_str();
    match op {
        "defined" => return lhs.is_some(),
        "not_defined" => return lhs.is_none(),
        _ => {}
    }
    let rhs: Option<String> = match e.value_source.as_deref() {
        Some("param") => e
            .value
            .as_ref()
            .and_then(|v| ctx.params.and_then(|p| p.get(v)).cloned()),
        Some("meta") => e
            .value
            .as_ref()
            .and_then(|v| ctx.meta.and_then(|p| p.get(v)).cloned()),
        _ => e.value.clone(),
    };
    let (Some(lhs), Some(rhs)) = (lhs, rhs.as_deref()) else {
        // Comparisons with a missing side: only "ne" can hold.
        return op == "ne" && (lhs.is_some() || rhs.is_some());
    };
    let vtype = match e
        .value_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("integer") => ValueType::Integer,
        Some("number") => ValueType::Number,
        Some("version") => ValueType::Version,
        Some("string") => ValueType::String,
        _ => {
            if matches!(op, "lt" | "lte" | "gt" | "gte")
                && (lhs.parse::<f64>().is_ok() && rhs.parse::<f64>().is_ok())
            {
                if lhs.contains('.') || rhs.contains('.') {
                    ValueType::Number
                } else {
                    ValueType::Integer
                }
            } else {
                ValueType::String
            }
        }
    };
    let cmp = match vtype {
        ValueType::String => lhs.to_ascii_lowercase().cmp(&rhs.to_ascii_lowercase()),
        ValueType::Integer => match (parse_ll(lhs), parse_ll(rhs)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => lhs.cmp(rhs),
        },
        ValueType::Number => match (lhs.trim().parse::<f64>(), rhs.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
            _ => lhs.cmp(rhs),
        },
        ValueType::Version => compare_version(lhs, rhs),
    };
    use std::cmp::Ordering::*;
    match op {
        "eq" => cmp == Equal,
        "ne" => cmp != Equal,
        "lt" => cmp == Less,
        "lte" => cmp != Greater,
        "gt" => cmp == Greater,
        "gte" => cmp != Less,
        _ => false,
    }
}

fn parse_ll(s: &str) -> Option<i64> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

fn compare_version(a: &str, b: &str) -> std::cmp::Ordering {
    let pa: Vec<i64> = a.split('.').map(|x| x.parse().unwrap_or(0)).collect();
    let pb: Vec<i64> = b.split('.').map(|x| x.parse().unwrap_or(0)).collect();
    let n = pa.len().max(pb.len());
    for i in 0..n {
        let x = pa.get(i).copied().unwrap_or(0);
        let y = pb.get(i).copied().unwrap_or(0);
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

fn eval_date(d: &DateExpression, now: i64) -> bool {
    let op = d.operation.as_deref().unwrap_or("in_range");
    match op {
        "gt" => d
            .start
            .as_deref()
            .and_then(parse_datetime)
            .is_some_and(|s| now > s),
        "lt" => d
            .end
            .as_deref()
            .and_then(parse_datetime)
            .is_some_and(|e| now < e),
        "in_range" => {
            let start = d.start.as_deref().and_then(parse_datetime);
            let mut end = d.end.as_deref().and_then(parse_datetime);
            if end.is_none() {
                if let (Some(s), Some(dur)) = (start, d.duration.as_ref()) {
                    end = Some(add_duration(s, dur));
                }
            }
            if start.is_none() && end.is_none() {
                return false;
            }
            start.is_none_or(|s| now >= s) && end.is_none_or(|e| now <= e)
        }
        "date_spec" => d
            .date_spec
            .as_ref()
            .is_some_and(|spec| date_spec_matches(spec, now)),
        _ => false,
    }
}

fn add_duration(start: i64, dur: &[(String, String)]) -> i64 {
    let mut t = start;
    for (k, v) in dur {
        let n: i64 = v.trim().parse().unwrap_or(0);
        t += match k.as_str() {
            "years" => {
                let (y, m, d, rest) = split_epoch(t);
                return add_duration(
                    civil_to_epoch(y + n, m, d) + rest,
                    &dur.iter()
                        .filter(|(k, _)| k != "years")
                        .cloned()
                        .collect::<Vec<_>>(),
                ) - (t - start);
            }
            "months" => {
                let (y, m, d, rest) = split_epoch(t);
                let total = y * 12 + (m as i64 - 1) + n;
                let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
                civil_to_epoch(ny, nm, d) + rest - t
            }
            "weeks" => n * 7 * 86400,
            "days" => n * 86400,
            "hours" => n * 3600,
            "minutes" => n * 60,
            "seconds" => n,
            _ => 0,
        };
    }
    t
}

fn split_epoch(t: i64) -> (i64, u32, u32, i64) {
    let days = t.div_euclid(86400);
    let rest = t.rem_euclid(86400);
    let (y, m, d) = epoch_days_to_civil(days);
    (y, m, d, rest)
}

fn in_ranges(spec: &str, value: i64) -> bool {
    spec.split(',').any(|part| {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) if !a.is_empty() => {
                let lo = a.trim().parse::<i64>().ok();
                let hi = b.trim().parse::<i64>().ok();
                lo.is_some_and(|lo| value >= lo) && hi.is_none_or(|hi| value <= hi)
            }
            _ => part.parse::<i64>().ok() == Some(value),
        }
    })
}

fn date_spec_matches(spec: &[(String, String)], now: i64) -> bool {
    let days = now.div_euclid(86400);
    let secs = now.rem_euclid(86400);
    let (y, m, d) = epoch_days_to_civil(days);
    let yday = days - civil_to_epoch(y, 1, 1).div_euclid(86400) + 1;
    // 1970-01-01 was a Thursday; ISO weekday: Monday = 1.
    let wday = (days + 3).rem_euclid(7) + 1;
    let (wyear, week) = iso_week(y, yday, wday);
    for (k, v) in spec {
        let value = match k.as_str() {
            "years" => y,
            "months" => m as i64,
            "monthdays" => d as i64,
            "hours" => secs / 3600,
            "minutes" => (secs / 60) % 60,
            "seconds" => secs % 60,
            "yeardays" => yday,
            "weekdays" => wday,
            "weekyears" => wyear,
            "weeks" => week,
            "moon" => continue,
            _ => continue,
        };
        if !in_ranges(v, value) {
            return false;
        }
    }
    true
}

fn iso_week(y: i64, yday: i64, wday: i64) -> (i64, i64) {
    let week = (yday - wday + 10) / 7;
    if week < 1 {
        let py = y - 1;
        let pdays = if is_leap(py) { 366 } else { 365 };
        return iso_week(py, yday + pdays, wday);
    }
    let ydays = if is_leap(y) { 366 } else { 365 };
    if week == 53 && (ydays - yday) < (4 - wday).max(0) {
        return (y + 1, 1);
    }
    if week > 52 {
        // A year has 53 ISO weeks only if it starts on Thursday (or Wednesday in leap years).
        let jan1 = (wday - (yday - 1)).rem_euclid(7);
        let jan1 = if jan1 == 0 { 7 } else { jan1 };
        let has53 = jan1 == 4 || (is_leap(y) && jan1 == 3);
        if !has53 {
            return (y + 1, 1);
        }
    }
    (y, week)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days since 1970-01-01 for a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_to_epoch(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * 86400
}

fn epoch_days_to_civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SSZ`.
pub fn format_datetime(t: i64) -> String {
    let (y, m, d, rest) = split_epoch(t);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

/// Parses an ISO 8601 date and time as Pacemaker accepts it
/// (`2019-10-22 20:53:06Z`, `2008-10-20T11:30:00`, `2010-03-01`, with an
/// optional `Z` or `±hh:mm` offset; ordinal `2009-100` and week dates
/// `2009-W10-1` too). Returns seconds since the epoch, UTC.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let days = parse_date_part(date)?;
    let mut secs = 0i64;
    if let Some(t) = time.filter(|t| !t.is_empty()) {
        let (clock, offset) = split_offset(t);
        let parts: Vec<&str> = clock.split(':').collect();
        let h: i64 = parts.first()?.trim().parse().ok()?;
        let mi: i64 = parts
            .get(1)
            .map(|x| x.trim().parse().ok())
            .unwrap_or(Some(0))?;
        let se: f64 = parts
            .get(2)
            .map(|x| x.trim().parse().ok())
            .unwrap_or(Some(0.0))?;
        secs = h * 3600 + mi * 60 + se as i64 - offset;
    }
    Some(days * 86400 + secs)
}

fn split_offset(t: &str) -> (&str, i64) {
    if let Some(stripped) = t.strip_suffix('Z') {
        return (stripped, 0);
    }
    if let Some(i) = t.rfind(['+', '-']) {
        let (clock, off) = t.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = &off[1..];
        let (h, m) = match off.split_once(':') {
            Some((h, m)) => (h.parse::<i64>().unwrap_or(0), m.parse::<i64>().unwrap_or(0)),
            None if off.len() == 4 => (
                off[..2].parse::<i64>().unwrap_or(0),
                off[2..].parse::<i64>().unwrap_or(0),
            ),
            None => (off.parse::<i64>().unwrap_or(0), 0),
        };
        return (clock, sign * (h * 3600 + m * 60));
    }
    (t, 0)
}

fn parse_date_part(date: &str) -> Option<i64> {
    let parts: Vec<&str> = date.split('-').collect();
    let y: i64 = parts.first()?.parse().ok()?;
    match parts.len() {
        1 => Some(days_from_civil(y, 1, 1)),
        2 if parts[1].starts_with('W') => {
            let w: i64 = parts[1][1..].parse().ok()?;
            Some(iso_week_start(y) + (w - 1) * 7)
        }
        2 if parts[1].len() == 3 => {
            let yd: i64 = parts[1].parse().ok()?;
            Some(days_from_civil(y, 1, 1) + yd - 1)
        }
        2 => Some(days_from_civil(y, parts[1].parse().ok()?, 1)),
        3 if parts[1].starts_with('W') => {
            let w: i64 = parts[1][1..].parse().ok()?;
            let d: i64 = parts[2].parse().ok()?;
            Some(iso_week_start(y) + (w - 1) * 7 + d - 1)
        }
        3 => {
            let m: u32 = parts[1].parse().ok()?;
            let d: u32 = parts[2].parse().ok()?;
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return None;
            }
            Some(days_from_civil(y, m, d))
        }
        _ => None,
    }
}

fn iso_week_start(y: i64) -> i64 {
    let jan4 = days_from_civil(y, 1, 4);
    let wday = (jan4 + 3).rem_euclid(7); // 0 = Monday
    jan4 - wday
}

pub use crate::cib::values::{is_true, parse_interval_ms, parse_ms};

/// Unpacks name/value sets into a map: sets whose rules hold, highest score
/// first (the set named `first`, if any, before all), the first value of a
/// name winning. `resolve` finds the target of an `id-ref`.
pub fn unpack_nvsets<'a>(
    sets: impl IntoIterator<Item = &'a NvSet>,
    ctx: &RuleCtx<'_>,
    first: Option<&str>,
    resolve: &dyn Fn(&str) -> Option<&'a NvSet>,
    into: &mut BTreeMap<String, String>,
) {
    let mut scored = sets.into_iter().filter_map(|set| {
        let set = match &set.id_ref {
            Some(r) => resolve(r)?,
            None => set,
        };
        let score = if first.is_some() && set.id.as_deref() == first {
            Score::INF
        } else {
            set.score.unwrap_or(Score::ZERO)
        };
        Some((score, set))
    });
    // One set (the usual case) needs no ordering, nor a list to order.
    let Some(one) = scored.next() else { return };
    let Some(two) = scored.next() else {
        unpack_nvset(one.1, ctx, into);
        return;
    };
    let mut list: Vec<(Score, &'a NvSet)> = vec![one, two];
    list.extend(scored);
    list.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, set) in list {
        unpack_nvset(set, ctx, into);
    }
}

/// One set of [`unpack_nvsets`], if its rules hold.
fn unpack_nvset(set: &NvSet, ctx: &RuleCtx<'_>, into: &mut BTreeMap<String, String>) {
    if !set.rules.iter().all(|r| eval_rule(r, ctx)) {
        return;
    }
    for pair in &set.pairs {
        let Some(value) = &pair.value else { continue };
        // "#default" lets the name default: it removes a value set so
        // far and sets none (`populate_hash`).
        if value.eq_ignore_ascii_case("#default") {
            into.remove(&pair.name);
            continue;
        }
        if !into.contains_key(&pair.name) {
            into.insert(pair.name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_ms("10s"), Some(10_000));
        assert_eq!(parse_ms("10"), Some(10_000));
        assert_eq!(parse_ms("500ms"), Some(500));
        assert_eq!(parse_ms("2min"), Some(120_000));
        assert_eq!(parse_ms("PT1M30S"), Some(90_000));
        assert_eq!(parse_ms("abc"), None);
    }

    #[test]
    fn whole_durations_as_floats_give_them() {
        // parse_ms multiplies whole numbers in integers: the float formula
        // it replaced must give the same for every unit and spelling.
        let units = [
            ("", 1000.0),
            ("s", 1000.0),
            ("Sec", 1000.0),
            ("ms", 1.0),
            ("MSEC", 1.0),
            ("us", 0.001),
            ("m", 60_000.0),
            ("Min", 60_000.0),
            ("h", 3_600_000.0),
            ("hours", 3_600_000.0),
        ];
        for n in [
            0u64,
            1,
            7,
            10,
            59,
            999,
            1000,
            86_400,
            1 << 31,
            2_501_999_792,
        ] {
            for (unit, mult) in units {
                let text = format!("{n}{unit}");
                assert_eq!(parse_ms(&text), Some((n as f64 * mult) as u64), "{text}");
            }
        }
        assert_eq!(parse_ms(" 15 S "), Some(15_000));
        assert_eq!(parse_ms("1.5m"), Some(90_000));
        assert_eq!(parse_ms("10 fortnights"), None);
        assert_eq!(parse_ms("s"), None);
        assert!(is_true(" YES "));
        assert!(is_true("On"));
        assert!(!is_true("yess"));
        assert!(!is_true(""));
    }

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime("1970-01-01 00:00:00Z"), Some(0));
        assert_eq!(parse_datetime("2019-10-22 20:53:06Z"), Some(1_571_777_586));
        assert_eq!(format_datetime(1_571_777_586), "2019-10-22 20:53:06Z");
        assert_eq!(
            parse_datetime("2019-10-22T22:53:06+02:00"),
            Some(1_571_777_586)
        );
    }
}
