//! `pcs property set|unset`: the cluster options pcs allows, and their
//! values checked by type.

use super::commands::Res;
use super::flags::{prepare_options, Flags};
use super::ids::{update_set, Ids};
use crate::cib::options::{Kind, OPTIONS};
use crate::cib::{Cib, NvSet};

pub(super) const BOOLEANS: &[&str] = &[
    "0", "1", "false", "n", "no", "off", "on", "true", "y", "yes",
];

pub(super) fn is_score(v: &str) -> bool {
    let u = v.strip_prefix(['+', '-']).unwrap_or(v);
    u == "INFINITY" || (!u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
}

/// `timeout_to_seconds`.
pub(super) fn to_seconds(v: &str) -> Option<u64> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().ok();
    }
    for (suffix, mult) in [
        ("s", 1),
        ("sec", 1),
        ("m", 60),
        ("min", 60),
        ("h", 3600),
        ("hr", 3600),
    ] {
        if let Some(n) = v.strip_suffix(suffix) {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                return n.parse::<u64>().ok().map(|n| n * mult);
            }
        }
    }
    None
}

pub(super) fn check_property(name: &str, value: &str) -> Res<()> {
    // pcs validates against the daemons' metadata without the options the
    // cluster sets itself.
    let settable = || OPTIONS.iter().filter(|o| o.pcs_settable);
    let Some(option) = settable().find(|o| o.name == name) else {
        return Err(format!(
            "invalid cluster property option '{name}', allowed options are: {}, use --force to override",
            settable().map(|o| format!("'{}'", o.name)).collect::<Vec<_>>().join(", ")
        ));
    };
    let ok = match option.kind {
        Kind::Boolean => BOOLEANS.contains(&value.to_ascii_lowercase().as_str()),
        Kind::Integer => is_score(value),
        Kind::Time => is_pcmk_time(value),
        Kind::Percentage => value
            .strip_suffix('%')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        Kind::Text => true,
        Kind::Select(values) => values.contains(&value),
    };
    if ok {
        return Ok(());
    }
    let hint = match option.kind {
        Kind::Boolean => format!(
            "a pacemaker boolean value: {}",
            BOOLEANS
                .iter()
                .map(|b| format!("'{b}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Kind::Integer => "an integer or INFINITY or -INFINITY".into(),
        Kind::Time => "time interval (e.g. 1, 2s, 3m, 4h, ...)".into(),
        Kind::Percentage => "a percentage (e.g. 10%)".into(),
        // Any text is valid, so this is never shown.
        Kind::Text => "any text".into(),
        Kind::Select(values) => {
            let mut v = values.to_vec();
            v.sort();
            v.iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Err(format!(
        "'{value}' is not a valid {name} value, use {hint}, use --force to override"
    ))
}

/// A Pacemaker interval: a number with an optional unit, or ISO 8601.
pub(super) fn is_pcmk_time(v: &str) -> bool {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return v.starts_with('P');
    }
    matches!(
        v[digits..].trim(),
        "" | "ms" | "msec" | "us" | "usec" | "s" | "sec" | "m" | "min" | "h" | "hr"
    )
}

pub(super) const BOOTSTRAP: &str = "cib-bootstrap-options";

/// `pcs property set` (`lib.commands.cluster_property.set_properties`): the
/// pairs go to `cib-bootstrap-options`, created when missing; an empty value
/// removes the property.
pub(super) fn property_set(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    if args.is_empty() {
        return Err("no properties specified".into());
    }
    let props = prepare_options(args)?;
    if !flags.force {
        for (n, v) in &props {
            if !v.is_empty() {
                check_property(n, v)?;
            }
        }
    }
    // Removing a property that is not set is refused (set_properties).
    if !flags.force {
        let present = |name: &str| {
            cib.configuration
                .crm_config
                .iter()
                .filter(|s| s.id.as_deref() == Some(BOOTSTRAP))
                .flat_map(|s| s.pairs.iter())
                .any(|p| p.name == name)
        };
        if let Some((n, _)) = props.iter().find(|(n, v)| v.is_empty() && !present(n)) {
            return Err(format!(
                "Cannot remove property '{n}', it is not present in property set '{BOOTSTRAP}', use --force to override"
            ));
        }
    }
    let mut ids = Ids::of(cib);
    let sets = &mut cib.config_mut().crm_config;
    let idx = match sets.iter().position(|s| s.id.as_deref() == Some(BOOTSTRAP)) {
        Some(i) => i,
        None => {
            ids.book(BOOTSTRAP)?;
            sets.insert(
                0,
                NvSet {
                    tag: "cluster_property_set".into(),
                    id: Some(BOOTSTRAP.into()),
                    ..NvSet::default()
                },
            );
            0
        }
    };
    let mut one = vec![sets.remove(idx)];
    let pairs: Vec<(String, String)> = props.into_iter().collect();
    update_set(
        &mut one,
        "cluster_property_set",
        BOOTSTRAP,
        &pairs,
        &mut ids,
        true,
    );
    sets.insert(idx, one.pop().expect("set"));
    Ok(())
}

/// `pcs property unset NAME...`.
pub(super) fn property_unset(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    if args.is_empty() {
        return Err("no properties specified".into());
    }
    let set = cib
        .config_mut()
        .crm_config
        .iter_mut()
        .find(|s| s.id.as_deref() == Some(BOOTSTRAP));
    let Some(set) = set else {
        if flags.force {
            return Ok(());
        }
        return Err(format!("Cannot remove property '{}', it is not present in property set '{BOOTSTRAP}', use --force to override", args[0]));
    };
    for name in args {
        match set.pairs.iter().position(|p| &p.name == name) {
            Some(i) => {
                set.pairs.remove(i);
            }
            None if flags.force => {}
            None => {
                return Err(format!(
                    "Cannot remove property '{name}', it is not present in property set '{BOOTSTRAP}', use --force to override"
                ))
            }
        }
    }
    Ok(())
}
