//! The attributes a graph action carries: its op's meta attributes, the
//! resource's parameters and agent, and the parent's clone/bundle meta the
//! executor needs (Pacemaker's `pcmk_graph_producer.c`:
//! `add_action_attributes`, `add_resource_details`, `clone_op_key`).

use std::collections::BTreeMap;

use super::ws::*;

/// `CRM_FEATURE_SET` of Pacemaker 2.1.5, written into every action's
/// attributes.
const CRM_FEATURE_SET: &str = "3.16.1";

/// An action's key by the name its resource has in the history
/// (`clone_op_key`).
pub(super) fn clone_op_key(act: &Action, clone_name: &str) -> String {
    if act.task == "notify" {
        let m = |k: &str| act.meta.get(k).map_or("", String::as_str);
        format!(
            "{clone_name}_{}_notify_{}_0",
            m("notify_type"),
            m("notify_operation")
        )
    } else {
        let task = match act.meta.get("cancel_task") {
            Some(t) if act.task == "cancel" => t.as_str(),
            _ => act.task.as_str(),
        };
        format!("{clone_name}_{task}_{}", act.interval_ms)
    }
}

/// `class`, `provider` and `type` of an agent written `class:provider:type`
/// (ocf) or `class:type`.
pub(super) fn split_agent(agent: &str) -> (&str, Option<&str>, &str) {
    let (class, rest) = agent.split_once(':').unwrap_or(("", agent));
    if class == "ocf" {
        if let Some((provider, t)) = rest.split_once(':') {
            return (class, Some(provider), t);
        }
    }
    (class, None, rest)
}

/// The `<op>` configured for an action, matched by key as
/// `find_rsc_op_entry` matches it (disabled ones included), falling back to
/// a `migrate` op for migrations and a `notify` op for notifications.
fn op_entry<'a>(ws: &'a WorkingSet, act: &Action) -> Option<&'a OpConfig> {
    let r = act.rsc?;
    let rsc = ws.rsc(r);
    let matches = |op: &OpConfig, key: &str| {
        let own = format!("{}_{}_{}", rsc.id, op.name, op.interval_ms);
        let by_history = rsc
            .clone_name
            .as_ref()
            .map(|c| format!("{c}_{}_{}", op.name, op.interval_ms));
        own.eq_ignore_ascii_case(key) || by_history.is_some_and(|k| k.eq_ignore_ascii_case(key))
    };
    if let Some(op) = rsc.ops.iter().find(|op| matches(op, &act.key)) {
        return Some(op);
    }
    let retry = if act.key.contains("migrate") {
        "migrate"
    } else if act.key.contains("_notify_") {
        "notify"
    } else {
        return None;
    };
    let key = format!("{}_{retry}_0", rsc.id);
    rsc.ops.iter().find(|op| matches(op, &key))
}

/// A timeout as `unpack_timeout` reads it: milliseconds, 20s by default.
fn timeout_ms(value: Option<&String>) -> u64 {
    value
        .and_then(|v| super::rules::parse_ms(v))
        .unwrap_or(20_000)
}

/// An action's meta-attributes from its configuration
/// (`unpack_operation`): the op defaults, the matching op's settings,
/// the interval and timeout normalised to milliseconds.
fn op_meta(ws: &WorkingSet, act: &Action) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    let Some(r) = act.rsc else { return meta };
    let rsc = ws.rsc(r);
    let (class, provider, agent) = split_agent(&rsc.agent);
    let ctx = super::rules::RuleCtx {
        now: ws.config.now,
        rsc: Some((class, provider.unwrap_or(""), agent)),
        op: Some((act.task.as_str(), act.interval_ms)),
        ..Default::default()
    };
    // Pacemaker lists the sets newest first before its stable sort by
    // score (`make_pairs`), so of sets with equal scores the last wins.
    let sets = ws.config.op_defaults.iter().rev();
    super::rules::unpack_nvsets(sets, &ctx, None, &|_| None, &mut meta);
    let probe = act.task == "monitor" && act.interval_ms == 0;
    if probe {
        let min_monitor = rsc
            .ops
            .iter()
            .filter(|op| op.enabled && op.name == "monitor" && op.interval_ms > 0)
            .min_by_key(|op| op.interval_ms);
        if let Some(t) = min_monitor.and_then(OpConfig::timeout_attr) {
            meta.insert("timeout".into(), t.to_string());
        }
    }
    if let Some(op) = op_entry(ws, act) {
        for (k, v) in op.meta_pairs() {
            meta.insert(k.to_string(), v.to_string());
        }
    }
    meta.remove("id");
    if act.interval_ms > 0 {
        meta.insert("interval".into(), act.interval_ms.to_string());
    } else {
        meta.remove("interval");
    }
    if rsc.agent.starts_with("stonith:") && (act.task == "start" || probe) {
        if let Some(t) = rsc.params.get("pcmk_monitor_timeout") {
            meta.insert("timeout".into(), t.clone());
        }
    }
    let timeout = timeout_ms(meta.get("timeout"));
    meta.insert("timeout".into(), timeout.to_string());
    if meta
        .get("on-fail")
        .is_some_and(|v| v.eq_ignore_ascii_case("block"))
    {
        meta.insert("on-fail".into(), "block".into());
    }
    if let Some(d) = meta.get("start-delay").cloned() {
        let ms = super::rules::parse_ms(&d).unwrap_or(0);
        meta.insert("start-delay".into(), ms.to_string());
    }
    meta
}

/// A meta-attribute's name in the graph: `CRM_meta_` and the name with
/// dashes as underscores (`crm_meta_name`).
fn crm_meta_name(name: &str) -> String {
    format!("CRM_meta_{}", name.replace('-', "_"))
}

/// A resource's parameters as evaluated for a node (`pe_rsc_params`):
/// where any of its or its parents' sets has rules, its own sets then each
/// parent's, evaluated with the node's attributes (of sets with equal
/// scores the last listed wins, as Pacemaker sorts them); otherwise the
/// parameters found when unpacking.
pub(crate) fn rsc_params(
    ws: &WorkingSet,
    r: RscIdx,
    node: Option<NodeIdx>,
) -> BTreeMap<String, String> {
    let chain: Vec<RscIdx> = std::iter::successors(Some(r), |&c| ws.rsc(c).parent).collect();
    let ruled = chain
        .iter()
        .any(|&c| ws.rsc(c).param_sets.iter().any(|s| !s.rules.is_empty()));
    if !ruled {
        let mut params = ws.rsc(r).params.clone();
        if let Some(host) = super::bundle::remote_addr(ws, r) {
            params.insert("addr".into(), host);
        }
        return params;
    }
    let (class, provider, agent) = split_agent(&ws.rsc(r).agent);
    let ctx = super::rules::RuleCtx {
        node_attrs: node.map(|n| &ws.node(n).attrs),
        now: ws.config.now,
        rsc: Some((class, provider.unwrap_or(""), agent)),
        ..Default::default()
    };
    let mut params = BTreeMap::new();
    for c in chain {
        let sets = ws.rsc(c).param_sets.iter().rev();
        super::rules::unpack_nvsets(sets, &ctx, None, &|_| None, &mut params);
    }
    params
}

/// Parameters whose names start with a digit: written as `<param>`
/// children rather than attributes (`hash2smartfield`).
pub(super) fn numbered_params(ws: &WorkingSet, act: &Action) -> Vec<(String, String)> {
    let Some(r) = act.rsc else { return Vec::new() };
    let rsc = ws.rsc(r);
    if act.node.is_none() && !matches!(rsc.variant, Variant::Primitive) {
        return Vec::new();
    }
    rsc_params(ws, r, act.node)
        .into_iter()
        .filter(|(k, _)| k.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// The scheduler's own meta-attributes of actions that reach the graph.
const ACTION_META: [&str; 10] = [
    "call_id",
    "stonith_action",
    "digests_all",
    "digests_secure",
    "migrate_source",
    "migrate_target",
    "notify_type",
    "notify_operation",
    "notify_key_type",
    "notify_key_operation",
];

/// An action's `<attributes>` (`add_action_attributes`), sorted by name:
/// the op's own parameters, the resource's parameters, the action's
/// meta-attributes, then what the resource and its parents add.
pub(super) fn action_attributes(
    ws: &WorkingSet,
    a: ActionIdx,
    with_node: bool,
) -> BTreeMap<String, String> {
    let act = ws.action(a);
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    let add = |attrs: &mut BTreeMap<String, String>, k: String, v: String| {
        attrs.entry(k).or_insert(v);
    };
    add(&mut attrs, "crm_feature_set".into(), CRM_FEATURE_SET.into());
    let rsc = act.rsc.map(|r| (r, ws.rsc(r)));
    if let (Some(op), true) = (op_entry(ws, act), act.node.is_some()) {
        for (k, v) in &op.params {
            add(&mut attrs, k.clone(), v.clone());
        }
    }
    if let Some((r, rsc)) = rsc {
        if act.node.is_some() || matches!(rsc.variant, Variant::Primitive) {
            for (k, v) in rsc_params(ws, r, act.node) {
                if !k.starts_with(|c: char| c.is_ascii_digit()) {
                    add(&mut attrs, k, v);
                }
            }
        }
    }
    let mut meta = if rsc.is_some() {
        op_meta(ws, act)
    } else {
        BTreeMap::new()
    };
    if let (true, Some(n)) = (with_node, act.node) {
        meta.insert("on_node".into(), ws.node(n).uname.clone());
        meta.insert("on_node_uuid".into(), ws.node(n).id.clone());
    }
    for (k, v) in &act.meta {
        if ACTION_META.contains(&k.as_str()) || k.starts_with("notify_") {
            meta.insert(k.clone(), v.clone());
        }
    }
    if let Some(rc) = act.expected_rc {
        meta.insert("op_target_rc".into(), rc.to_string());
    }
    match act.task.as_str() {
        "cancel" => {
            if let Some(t) = act.meta.get("cancel_task") {
                meta.insert("operation".into(), t.clone());
            }
        }
        // Pending migrations are recorded, in case the source node is lost
        // meanwhile; remote connections excepted
        // (`pcmk__create_migration_actions`).
        "migrate_to" if !rsc.is_some_and(|(_, r)| r.is_remote_node) => {
            meta.entry("record-pending".into())
                .or_insert_with(|| "true".into());
        }
        "do_shutdown" | "clear_failcount" | "probe_again" => {
            meta.insert("op_no_wait".into(), "true".into());
        }
        "migrate_from" => {
            if let Some((_, rsc)) = rsc {
                let to = rsc
                    .actions
                    .iter()
                    .map(|&m| ws.action(m))
                    .find(|m| m.task == "migrate_to");
                let uname = |n: Option<NodeIdx>| n.map(|n| ws.node(n).uname.clone());
                // A partial migration finishes without a migrate_to.
                let ends = match to {
                    Some(m) => [
                        m.meta.get("migrate_source").cloned(),
                        m.meta.get("migrate_target").cloned(),
                    ],
                    None => [
                        uname(rsc.partial_migration_source),
                        uname(rsc.partial_migration_target.or(rsc.assigned)),
                    ],
                };
                for (k, v) in ["migrate_source", "migrate_target"].into_iter().zip(ends) {
                    if let Some(v) = v {
                        meta.insert(k.to_string(), v);
                    }
                }
            }
        }
        _ => {}
    }
    for (k, v) in meta {
        if !k.contains(['#', ':']) {
            add(&mut attrs, crm_meta_name(&k), v);
        }
    }
    if let Some((r, _)) = rsc {
        add_parent_graph_meta(ws, r, &mut attrs);
        if let Some(host) = super::remote::guest_physical_host(ws, a) {
            if let Some(t) = ws.rsc(r).meta.get("container-attribute-target") {
                attrs.insert("CRM_meta_container_attribute_target".into(), t.clone());
            }
            attrs.insert("CRM_meta_physical_host".into(), ws.node(host).uname.clone());
        }
    } else if let (true, Some(n)) = (act.task == "stonith", act.node) {
        for (k, v) in &ws.node(n).attrs {
            if !k.contains(['#', ':']) {
                add(&mut attrs, crm_meta_name(k), v.clone());
            }
        }
    }
    attrs
}

/// What a resource and each of its parents add to its actions' attributes
/// (`add_graph_meta`): a clone instance's number, a clone's settings.
fn add_parent_graph_meta(ws: &WorkingSet, r: RscIdx, attrs: &mut BTreeMap<String, String>) {
    let mut cur = Some(r);
    let in_clone = {
        let top = ws.top_parent(r);
        top != r && matches!(ws.rsc(top).variant, Variant::Clone { .. })
    };
    while let Some(c) = cur {
        let rsc = ws.rsc(c);
        match &rsc.variant {
            Variant::Primitive => {
                if let Some(v) = rsc.meta.get("remote-node") {
                    attrs.insert("CRM_meta_remote_node".into(), v.clone());
                }
                // A bundle replica's address, as the agent expects it.
                if let Some(v) = rsc.meta.get("external-ip") {
                    attrs.insert("pcmk_external_ip".into(), v.clone());
                }
                if in_clone {
                    if let Some((_, n)) = rsc.id.rsplit_once(':') {
                        if n.bytes().all(|b| b.is_ascii_digit()) {
                            attrs.insert("CRM_meta_clone".into(), n.to_string());
                        }
                    }
                }
            }
            Variant::Group | Variant::Bundle => {}
            Variant::Clone { .. } => {
                if let Some(d) = &rsc.clone {
                    let b = |v: bool| if v { "true" } else { "false" }.to_string();
                    attrs.insert("CRM_meta_globally_unique".into(), b(d.unique));
                    attrs.insert("CRM_meta_notify".into(), b(d.notify));
                    attrs.insert("CRM_meta_clone_max".into(), d.clone_max.to_string());
                    attrs.insert(
                        "CRM_meta_clone_node_max".into(),
                        d.clone_node_max.to_string(),
                    );
                    if super::clone::is_promotable(ws, c) {
                        for k in ["promoted_max", "master_max"] {
                            attrs.insert(format!("CRM_meta_{k}"), d.promoted_max.to_string());
                        }
                        for k in ["promoted_node_max", "master_node_max"] {
                            attrs.insert(format!("CRM_meta_{k}"), d.promoted_node_max.to_string());
                        }
                    }
                }
            }
        }
        cur = rsc.parent;
    }
    // The container may be set on the primitive or a parent; the highest wins.
    let mut cur = Some(r).filter(|&r| ws.rsc(r).variant == Variant::Primitive);
    while let Some(c) = cur {
        if let Some(container) = ws.rsc(c).container {
            attrs.insert("CRM_meta_container".into(), ws.rsc(container).id.clone());
        }
        cur = ws.rsc(c).parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_split_into_class_provider_and_type() {
        assert_eq!(
            split_agent("ocf:heartbeat:IPaddr2"),
            ("ocf", Some("heartbeat"), "IPaddr2")
        );
        assert_eq!(
            split_agent("stonith:fence_xvm"),
            ("stonith", None, "fence_xvm")
        );
        assert_eq!(
            split_agent("systemd:getty@tty1"),
            ("systemd", None, "getty@tty1")
        );
    }

    #[test]
    fn meta_names_are_prefixed_with_underscores() {
        assert_eq!(crm_meta_name("record-pending"), "CRM_meta_record_pending");
        assert_eq!(crm_meta_name("timeout"), "CRM_meta_timeout");
    }

    #[test]
    fn timeouts_default_to_twenty_seconds() {
        assert_eq!(timeout_ms(None), 20_000);
        assert_eq!(timeout_ms(Some(&"90s".to_string())), 90_000);
        assert_eq!(timeout_ms(Some(&"bogus".to_string())), 20_000);
    }
}
