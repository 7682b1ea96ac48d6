//! The configuration's smaller sections: fencing topology, tags and alerts.

use super::*;

pub(super) fn fencing_topology(el: &Element) -> Res<Vec<FencingLevel>> {
    let mut p = Parts::new(el)?;
    let levels = p.children("fencing-level", fencing_level)?;
    p.nothing_left()?;
    Ok(levels)
}

pub(super) fn fencing_level(el: &Element) -> Res<FencingLevel> {
    let mut p = Parts::new(el)?;
    let level = FencingLevel {
        id: p.required("id"),
        // An index that is not a number stays in `extra` (and reads as 0).
        index: p.parsed("index").unwrap_or(0),
        target: p.attr("target"),
        target_pattern: p.attr("target-pattern"),
        target_attribute: p.attr("target-attribute"),
        target_value: p.attr("target-value"),
        devices: split_devices(&p.required("devices")),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(level)
}

/// `devices` is a comma-separated list; entries are kept exactly as written
/// so that joining them with commas gives the attribute back.
pub(super) fn split_devices(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

pub(super) fn tags(el: &Element) -> Res<Vec<Tag>> {
    let mut p = Parts::new(el)?;
    let tags = p.children("tag", tag)?;
    p.nothing_left()?;
    Ok(tags)
}

pub(super) fn tag(el: &Element) -> Res<Tag> {
    let mut p = Parts::new(el)?;
    let t = Tag {
        id: p.required("id"),
        refs: p.children("obj_ref", id_ref_only)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(t)
}

pub(super) fn alerts(el: &Element) -> Res<Vec<Alert>> {
    let mut p = Parts::new(el)?;
    let alerts = p.children("alert", alert)?;
    p.nothing_left()?;
    Ok(alerts)
}

pub(super) fn alert(el: &Element) -> Res<Alert> {
    let mut p = Parts::new(el)?;
    let a = Alert {
        id: p.required("id"),
        path: p.required("path"),
        meta: p.children("meta_attributes", nvset)?,
        instance: p.children("instance_attributes", nvset)?,
        recipients: p.children("recipient", recipient)?,
        select: p.first("select", |e| Ok(e.clone()))?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(a)
}

pub(super) fn recipient(el: &Element) -> Res<Recipient> {
    let mut p = Parts::new(el)?;
    let r = Recipient {
        id: p.required("id"),
        value: p.required("value"),
        meta: p.children("meta_attributes", nvset)?,
        instance: p.children("instance_attributes", nvset)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(r)
}
