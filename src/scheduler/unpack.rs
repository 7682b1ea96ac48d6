//! Unpacking the configuration: cluster options, nodes and resources
//! (Pacemaker's `unpack_config`, `unpack_nodes`, `unpack_resources` and
//! `pe__unpack_resource`). The status section is [`super::status`]'s job.

use std::collections::BTreeMap;

pub use super::clone_unpack::create_clone_instance;
use super::clone_unpack::unpack_clone;
pub(crate) use super::clone_unpack::unpack_clone_in;
pub use super::node_config::{numeric_strcasecmp, unpack_nodes, utilization_value};
use super::rules::{is_true, parse_interval_ms, parse_ms, unpack_nvsets, RuleCtx};
use super::ws::*;
use crate::cib::{self, options, Cib, NvSet, Resource, Score};

/// Finds the name/value set with a given id anywhere in the configuration,
/// for `id-ref`.
pub fn find_nvset<'a>(cib: &'a Cib, id: &str) -> Option<&'a NvSet> {
    fn in_sets<'a>(sets: &'a [NvSet], id: &str) -> Option<&'a NvSet> {
        sets.iter().find(|s| s.id.as_deref() == Some(id))
    }
    fn in_prim<'a>(p: &'a cib::Primitive, id: &str) -> Option<&'a NvSet> {
        in_sets(&p.meta, id)
            .or_else(|| in_sets(&p.instance, id))
            .or_else(|| in_sets(&p.utilization, id))
    }
    fn in_rsc<'a>(r: &'a Resource, id: &str) -> Option<&'a NvSet> {
        match r {
            Resource::Primitive(p) | Resource::Template(p) => in_prim(p, id),
            Resource::Group(g) => in_sets(&g.meta, id)
                .or_else(|| in_sets(&g.instance, id))
                .or_else(|| g.members.iter().find_map(|m| in_prim(m, id))),
            Resource::Clone(c) => in_sets(&c.meta, id)
                .or_else(|| in_sets(&c.instance, id))
                .or_else(|| in_rsc(&c.child, id)),
            Resource::Bundle(b) => {
                in_sets(&b.meta, id).or_else(|| b.primitive.as_ref().and_then(|p| in_prim(p, id)))
            }
        }
    }
    let c = &cib.configuration;
    in_sets(&c.crm_config, id)
        .or_else(|| in_sets(&c.rsc_defaults, id))
        .or_else(|| in_sets(&c.op_defaults, id))
        .or_else(|| {
            c.nodes
                .iter()
                .find_map(|n| in_sets(&n.attributes, id).or_else(|| in_sets(&n.utilization, id)))
        })
        .or_else(|| c.resources.iter().find_map(|r| in_rsc(r, id)))
}

/// Reads the cluster options (`unpack_config`).
pub fn unpack_config(cib: &Cib, now: i64) -> Config {
    let mut props = BTreeMap::new();
    let ctx = RuleCtx {
        now,
        ..Default::default()
    };
    let resolve = |id: &str| find_nvset(cib, id);
    unpack_nvsets(
        &cib.configuration.crm_config,
        &ctx,
        Some("cib-bootstrap-options"),
        &resolve,
        &mut props,
    );
    let get = |k: &str| props.get(k).map(String::as_str);
    let flag = |k: &str| options::or_default(get(k), k, |v| Some(is_true(v)));
    let no_quorum_policy = options::or_default(get("no-quorum-policy"), "no-quorum-policy", |v| {
        Some(match v {
            "freeze" => NoQuorumPolicy::Freeze,
            "ignore" => NoQuorumPolicy::Ignore,
            "demote" => NoQuorumPolicy::Demote,
            "suicide" => NoQuorumPolicy::Suicide,
            _ => NoQuorumPolicy::Stop,
        })
    });
    let stonith_enabled = flag("stonith-enabled");
    // Suicide needs fencing, and a cluster that has had quorum (or was told
    // to panic, `no-quorum-panic`); otherwise it is reset to stop.
    let have_quorum = cib.attr("have-quorum").map(is_true).unwrap_or(false);
    let panic = cib
        .attr("no-quorum-panic")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0)
        != 0;
    let no_quorum_policy = if no_quorum_policy == NoQuorumPolicy::Suicide
        && (!stonith_enabled || !(panic || have_quorum))
    {
        NoQuorumPolicy::Stop
    } else {
        no_quorum_policy
    };
    let color = |k: &str, d: Score| get(k).and_then(Score::parse).unwrap_or(d);
    let op_defaults = cib
        .configuration
        .op_defaults
        .iter()
        .filter_map(|set| match &set.id_ref {
            Some(r) => resolve(r).cloned(),
            None => Some(set.clone()),
        })
        .collect();
    Config {
        stonith_enabled,
        enable_unfencing: super::unfencing::unfencing_in_use(cib),
        legacy_digests: cib
            .attr("crm_feature_set")
            .is_some_and(|v| super::digest::version_lt(Some(v), "3.16.0")),
        legacy_failcounts: super::digest::version_lt(cib.attr("crm_feature_set"), "3.0.13"),
        // Watchdog-based self-fencing (SBD) counts as a fencing device.
        have_stonith_resource: flag("have-watchdog"),
        symmetric: flag("symmetric-cluster"),
        have_quorum: cib.attr("have-quorum").map(is_true).unwrap_or(false),
        no_quorum_policy,
        stop_orphan_resources: flag("stop-orphan-resources"),
        stop_orphan_actions: flag("stop-orphan-actions"),
        start_failure_is_fatal: flag("start-failure-is-fatal"),
        maintenance_mode: flag("maintenance-mode"),
        stop_all: flag("stop-all-resources"),
        startup_fencing: flag("startup-fencing"),
        startup_probes: flag("enable-startup-probes"),
        stonith_action: match get("stonith-action").unwrap_or("reboot") {
            "poweroff" => "off".to_string(),
            other => other.to_string(),
        },
        placement_strategy: get("placement-strategy").unwrap_or("default").to_string(),
        concurrent_fencing: flag("concurrent-fencing"),
        default_stickiness: get("default-resource-stickiness")
            .and_then(Score::parse)
            .map(Score::value)
            .unwrap_or(0),
        // Deprecated, hence not in the options table.
        managed_default: get("is-managed-default").is_none_or(is_true),
        now,
        cluster_delay_ms: options::or_default(get("cluster-delay"), "cluster-delay", parse_ms),
        stonith_timeout_ms: options::or_default(
            get("stonith-timeout"),
            "stonith-timeout",
            parse_ms,
        ),
        shutdown_lock: flag("shutdown-lock"),
        shutdown_lock_limit_s: get("shutdown-lock-limit")
            .and_then(parse_ms)
            .map_or(0, |ms| (ms / 1000) as i64),
        colors: [
            color("node-health-red", Score::NEG_INF),
            color("node-health-yellow", Score::ZERO),
            color("node-health-green", Score::ZERO),
        ],
        dc_uuid: cib.attr("dc-uuid").map(str::to_string),
        props,
        op_defaults,
    }
}

/// The resource-level context handed from parent to child while unpacking.
pub(super) struct Inherited<'a> {
    pub(super) meta: &'a BTreeMap<String, String>,
    pub(super) params: &'a BTreeMap<String, String>,
}

/// Name/value sets with each `id-ref` replaced by the set it names (those
/// naming nothing dropped).
pub(super) fn resolved_sets<'a>(
    cib: &Cib,
    sets: impl IntoIterator<Item = &'a NvSet>,
) -> Vec<NvSet> {
    sets.into_iter()
        .filter_map(|set| match &set.id_ref {
            Some(r) => find_nvset(cib, r).cloned(),
            None => Some(set.clone()),
        })
        .collect()
}

/// Builds every resource of the configuration (`unpack_resources`).
pub fn unpack_resources(cib: &Cib, ws: &mut WorkingSet) {
    let templates: BTreeMap<&str, &cib::Primitive> = cib
        .configuration
        .resources
        .iter()
        .filter_map(|r| match r {
            Resource::Template(t) => Some((t.id.as_str(), t)),
            _ => None,
        })
        .collect();
    let empty = BTreeMap::new();
    for r in &cib.configuration.resources {
        let inherited = Inherited {
            meta: &empty,
            params: &empty,
        };
        let idx = match r {
            Resource::Template(_) => continue,
            Resource::Primitive(p) => unpack_primitive(cib, ws, p, &templates, None, &inherited),
            Resource::Group(g) => unpack_group(cib, ws, g, &templates, None, &inherited),
            Resource::Clone(c) => unpack_clone(cib, ws, c, &templates),
            Resource::Bundle(b) => match super::bundle::unpack_bundle(cib, ws, b) {
                Some(idx) => idx,
                None => continue,
            },
        };
        ws.top.push(idx);
    }
    // Fillers name the resource that contains them (`setup_container`).
    for i in 0..ws.rscs.len() {
        let r = RscIdx(i);
        if !ws.rsc(r).children.is_empty() {
            continue;
        }
        let Some(cid) = ws.rsc(r).meta.get("container").cloned() else {
            continue;
        };
        if cid.eq_ignore_ascii_case(&ws.rsc(r).id) {
            continue;
        }
        match ws.find_rsc(&cid) {
            Some(c) => ws.rsc_mut(r).container = Some(c),
            None => ws.warnings.push(format!(
                "Resource {}: Unknown resource container ({cid})",
                ws.rsc(r).id
            )),
        }
    }
    super::bundle::keep_off_guest_nodes(cib, ws);
    super::remote::link_connections(ws);
}

/// Adds the `rsc_defaults` under what `meta` already holds: a resource's
/// own and inherited meta-attributes win over the defaults.
pub(super) fn apply_rsc_defaults(
    cib: &Cib,
    ctx: &RuleCtx<'_>,
    meta: &mut BTreeMap<String, String>,
) {
    let resolve = |id: &str| find_nvset(cib, id);
    unpack_nvsets(&cib.configuration.rsc_defaults, ctx, None, &resolve, meta);
}

pub(super) fn rsc_ctx(cib_now: i64) -> RuleCtx<'static> {
    RuleCtx {
        now: cib_now,
        ..Default::default()
    }
}

/// A bundle's resource itself (its replicas are [`super::bundle`]'s).
pub(crate) fn unpack_bundle_resource(cib: &Cib, ws: &mut WorkingSet, b: &cib::Bundle) -> RscIdx {
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = rsc_ctx(ws.config.now);
    let mut meta = BTreeMap::new();
    unpack_nvsets(&b.meta, &ctx, None, &resolve, &mut meta);
    apply_rsc_defaults(cib, &ctx, &mut meta);
    new_rsc(
        ws,
        RscDef {
            id: &b.id,
            variant: Variant::Bundle,
            parent: None,
            meta,
            params: BTreeMap::new(),
            agent: String::new(),
            ops: Vec::new(),
        },
    )
}

/// A resource's own meta-attributes, without defaults (what its children
/// inherit).
pub(crate) fn own_meta(cib: &Cib, ws: &WorkingSet, sets: &[NvSet]) -> BTreeMap<String, String> {
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = rsc_ctx(ws.config.now);
    let mut meta = BTreeMap::new();
    unpack_nvsets(sets, &ctx, None, &resolve, &mut meta);
    meta
}

/// An implicit primitive of a bundle, inheriting the bundle's own
/// meta-attributes.
pub(crate) fn unpack_implicit(
    cib: &Cib,
    ws: &mut WorkingSet,
    p: &cib::Primitive,
    parent: RscIdx,
    meta: &BTreeMap<String, String>,
) -> RscIdx {
    let templates = templates_of(cib);
    let params = BTreeMap::new();
    let inherited = Inherited {
        meta,
        params: &params,
    };
    unpack_primitive(cib, ws, p, &templates, Some(parent), &inherited)
}

/// The templates of the configuration, by id.
pub fn templates_of(cib: &Cib) -> BTreeMap<&str, &cib::Primitive> {
    cib.configuration
        .resources
        .iter()
        .filter_map(|r| match r {
            Resource::Template(t) => Some((t.id.as_str(), t)),
            _ => None,
        })
        .collect()
}

pub(super) fn unpack_group(
    cib: &Cib,
    ws: &mut WorkingSet,
    g: &cib::Group,
    templates: &BTreeMap<&str, &cib::Primitive>,
    parent: Option<RscIdx>,
    inherited: &Inherited<'_>,
) -> RscIdx {
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = rsc_ctx(ws.config.now);
    let mut meta = BTreeMap::new();
    unpack_nvsets(&g.meta, &ctx, None, &resolve, &mut meta);
    for (k, v) in inherited.meta {
        add_missing(&mut meta, k, v);
    }
    let mut params = BTreeMap::new();
    unpack_nvsets(&g.instance, &ctx, None, &resolve, &mut params);
    for (k, v) in inherited.params {
        add_missing(&mut params, k, v);
    }
    // Group meta is inherited by members before rsc_defaults apply, so keep
    // the group's own view separately from the defaults.
    let own_meta = meta.clone();
    let mut full_meta = meta;
    apply_rsc_defaults(cib, &ctx, &mut full_meta);
    let idx = new_rsc(
        ws,
        RscDef {
            id: &g.id,
            variant: Variant::Group,
            parent,
            meta: full_meta,
            params: params.clone(),
            agent: String::new(),
            ops: Vec::new(),
        },
    );
    ws.rsc_mut(idx).param_sets = resolved_sets(cib, &g.instance);
    {
        let r = ws.rsc_mut(idx);
        r.group_ordered = r.meta.get("ordered").map(|v| is_true(v)).unwrap_or(true);
        r.group_colocated = r.meta.get("collocated").map(|v| is_true(v)).unwrap_or(true);
    }
    let child_inherited = Inherited {
        meta: &own_meta,
        params: &params,
    };
    for m in &g.members {
        let c = unpack_primitive(cib, ws, m, templates, Some(idx), &child_inherited);
        ws.rsc_mut(idx).children.push(c);
    }
    idx
}

pub(super) fn unpack_primitive(
    cib: &Cib,
    ws: &mut WorkingSet,
    p: &cib::Primitive,
    templates: &BTreeMap<&str, &cib::Primitive>,
    parent: Option<RscIdx>,
    inherited: &Inherited<'_>,
) -> RscIdx {
    unpack_primitive_as(cib, ws, p, &p.id, templates, parent, inherited)
}

/// [`unpack_primitive`] under another id: a clone instance is its child
/// with `:N` appended, and only the id differs.
pub(super) fn unpack_primitive_as(
    cib: &Cib,
    ws: &mut WorkingSet,
    p: &cib::Primitive,
    id: &str,
    templates: &BTreeMap<&str, &cib::Primitive>,
    parent: Option<RscIdx>,
    inherited: &Inherited<'_>,
) -> RscIdx {
    let template = p
        .template
        .as_deref()
        .and_then(|t| templates.get(t).copied());
    let class = p
        .class
        .as_deref()
        .or(template.and_then(|t| t.class.as_deref()))
        .unwrap_or("");
    let provider = p
        .provider
        .as_deref()
        .or(template.and_then(|t| t.provider.as_deref()));
    let agent_type = p
        .agent
        .as_deref()
        .or(template.and_then(|t| t.agent.as_deref()))
        .unwrap_or("");
    // Joined by hand: `format!` cost a thousand instructions here, once
    // for every primitive of every run of the scheduler.
    let mut agent = String::with_capacity(class.len() + agent_type.len() + 32);
    agent.push_str(class);
    agent.push(':');
    if let Some(prov) = provider {
        agent.push_str(prov);
        agent.push(':');
    }
    agent.push_str(agent_type);
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = RuleCtx {
        now: ws.config.now,
        rsc: Some((class, provider.unwrap_or(""), agent_type)),
        ..Default::default()
    };
    let mut meta = BTreeMap::new();
    let mut params = BTreeMap::new();
    let meta_sets = p
        .meta
        .iter()
        .chain(template.into_iter().flat_map(|t| t.meta.iter()));
    unpack_nvsets(meta_sets, &ctx, None, &resolve, &mut meta);
    for (k, v) in inherited.meta {
        add_missing(&mut meta, k, v);
    }
    apply_rsc_defaults(cib, &ctx, &mut meta);
    let inst_sets = p
        .instance
        .iter()
        .chain(template.into_iter().flat_map(|t| t.instance.iter()));
    unpack_nvsets(inst_sets.clone(), &ctx, None, &resolve, &mut params);
    for (k, v) in inherited.params {
        add_missing(&mut params, k, v);
    }
    let mut ops = Vec::new();
    let own_ops = p.operations.iter().flat_map(|o| o.ops.iter());
    // A template's op is used unless the primitive has one of the same name
    // for the same role, Started and Unpromoted counting as no role
    // (`unpack_template`, `template_op_key`).
    let op_role_key = |op: &cib::Op| -> (String, String) {
        let role = match op.role.as_deref() {
            None => "Unknown".to_string(),
            Some(r)
                if ["started", "unpromoted", "slave"]
                    .contains(&r.to_ascii_lowercase().as_str()) =>
            {
                "Unknown".to_string()
            }
            Some(r) => r.to_string(),
        };
        (op.name.clone(), role)
    };
    let own_keys: Vec<(String, String)> = match template {
        Some(_) => p
            .operations
            .iter()
            .flat_map(|o| o.ops.iter())
            .map(op_role_key)
            .collect(),
        None => Vec::new(),
    };
    let tmpl_ops = template
        .into_iter()
        .flat_map(|t| t.operations.iter().flat_map(|o| o.ops.iter()))
        .filter(move |op| !own_keys.contains(&op_role_key(op)));
    let mut seen: Vec<(&str, u64)> = Vec::new();
    for op in own_ops.chain(tmpl_ops) {
        let interval_ms = op
            .interval
            .as_deref()
            .and_then(parse_interval_ms)
            .unwrap_or(0);
        if seen.contains(&(op.name.as_str(), interval_ms)) {
            // The same name and interval twice: Pacemaker refuses to make
            // either recurring (`is_op_dup`).
            if let Some(first) = ops
                .iter_mut()
                .find(|o: &&mut OpConfig| o.name == op.name && o.interval_ms == interval_ms)
            {
                first.duplicate = true;
            }
            continue;
        }
        seen.push((op.name.as_str(), interval_ms));
        let op_ctx = RuleCtx {
            now: ws.config.now,
            op: Some((op.name.as_str(), interval_ms)),
            ..Default::default()
        };
        // The op's meta-attribute sets, evaluated (usually there are none).
        let mut meta_sets = BTreeMap::new();
        unpack_nvsets(&op.meta, &op_ctx, None, &resolve, &mut meta_sets);
        // The op's settings: its meta-attribute sets, then its own XML
        // attributes, then the op defaults, the first value of a name
        // winning. Without sets (the usual case) that is the attributes
        // alone, read in place instead of copied into a map.
        let no_sets = op.meta.is_empty() && cib.configuration.op_defaults.is_empty();
        let mut op_meta = BTreeMap::new();
        if !no_sets {
            op_meta.clone_from(&meta_sets);
            for (k, v) in &op.attrs {
                add_missing(&mut op_meta, k, v);
            }
            unpack_nvsets(
                &cib.configuration.op_defaults,
                &op_ctx,
                None,
                &resolve,
                &mut op_meta,
            );
        }
        let setting = |name: &str| -> Option<&str> {
            if no_sets {
                op.attrs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            } else {
                op_meta.get(name).map(String::as_str)
            }
        };
        let mut op_params = BTreeMap::new();
        unpack_nvsets(&op.instance, &op_ctx, None, &resolve, &mut op_params);
        ops.push(OpConfig {
            id: op.id.clone(),
            name: op.name.clone(),
            interval_ms,
            role: op.role.as_deref().and_then(Role::parse),
            enabled: setting("enabled").map(is_true).unwrap_or(true),
            on_fail: setting("on-fail").and_then(parse_on_fail),
            timeout_ms: setting("timeout").and_then(parse_ms),
            duplicate: false,
            on_fail_block_attr: op.attrs.iter().any(|(k, v)| k == "on-fail" && v == "block"),
            params: op_params,
            meta_sets,
            interval_attr: op.interval.clone(),
            role_attr: op.role.clone(),
            attrs: op.attrs.clone(),
        });
    }
    let is_fence_device = class == "stonith";
    if is_fence_device {
        ws.config.have_stonith_resource = true;
    }
    let idx = new_rsc(
        ws,
        RscDef {
            id,
            variant: Variant::Primitive,
            parent,
            meta,
            params,
            agent,
            ops,
        },
    );
    ws.rsc_mut(idx).is_fence_device = is_fence_device;
    ws.rsc_mut(idx).param_sets = resolved_sets(cib, inst_sets);
    let util_sets = p
        .utilization
        .iter()
        .chain(template.into_iter().flat_map(|t| t.utilization.iter()));
    let mut util = BTreeMap::new();
    unpack_nvsets(util_sets, &ctx, None, &resolve, &mut util);
    ws.rsc_mut(idx).utilization = util
        .iter()
        .map(|(k, v)| (k.clone(), utilization_value(v)))
        .collect();
    apply_requires(ws, idx);
    idx
}

/// Sets `k` to `v` unless `k` is set already: what
/// `map.entry(k.clone()).or_insert_with(|| v.clone())` does, without
/// copying the name when it is there (inherited meta-attributes mostly are).
fn add_missing(map: &mut BTreeMap<String, String>, k: &str, v: &str) {
    if !map.contains_key(k) {
        map.insert(k.to_string(), v.to_string());
    }
}

/// Parses an `on-fail` value.
pub fn parse_on_fail(v: &str) -> Option<OnFail> {
    Some(match v.to_ascii_lowercase().as_str() {
        "ignore" => OnFail::Ignore,
        "restart" => OnFail::Restart,
        "demote" => OnFail::Demote,
        "stop" => OnFail::Stop,
        "block" => OnFail::Block,
        "fence" => OnFail::Fence,
        "standby" => OnFail::Standby,
        "restart-container" => OnFail::RestartContainer,
        "migrate" => OnFail::Migrate,
        _ => return None,
    })
}

/// Sets what starting the resource requires (`unpack_requires`).
fn apply_requires(ws: &mut WorkingSet, idx: RscIdx) {
    let cfg = &ws.config;
    let rsc = ws.rsc(idx);
    let value: &'static str = match rsc.meta.get("requires").map(String::as_str) {
        Some("nothing") => "nothing",
        Some("quorum") => "quorum",
        Some("fencing") => "fencing",
        Some("unfencing") => "unfencing",
        _ => {
            if rsc.is_fence_device
                || (rsc.variant == Variant::Primitive
                    && rsc.agent.eq_ignore_ascii_case("ocf:pacemaker:remote"))
            {
                "quorum"
            } else if cfg.enable_unfencing {
                "unfencing"
            } else if cfg.stonith_enabled {
                "fencing"
            } else if cfg.no_quorum_policy == NoQuorumPolicy::Ignore {
                "nothing"
            } else {
                "quorum"
            }
        }
    };
    // Fence devices cannot require unfencing, nor can anything without
    // fencing: they fall back to quorum.
    let value = if value == "unfencing" && (rsc.is_fence_device || !cfg.stonith_enabled) {
        "quorum"
    } else {
        value
    };
    let r = ws.rsc_mut(idx);
    r.needs_fencing = value == "fencing" || value == "unfencing";
    r.needs_unfencing = value == "unfencing";
    r.needs_quorum = value != "nothing";
}

/// What a new resource is made from: its id and kind, its parent, and its
/// already-resolved meta-attributes, parameters, agent and operations.
pub(super) struct RscDef<'a> {
    pub(super) id: &'a str,
    pub(super) variant: Variant,
    pub(super) parent: Option<RscIdx>,
    pub(super) meta: BTreeMap<String, String>,
    pub(super) params: BTreeMap<String, String>,
    pub(super) agent: String,
    pub(super) ops: Vec<OpConfig>,
}

pub(super) fn new_rsc(ws: &mut WorkingSet, def: RscDef) -> RscIdx {
    let RscDef {
        id,
        variant,
        parent,
        meta,
        params,
        agent,
        ops,
    } = def;
    let cfg = &ws.config;
    let get = |k: &str| meta.get(k).map(String::as_str);
    let mut managed = cfg.managed_default;
    if let Some(v) = get("is-managed").filter(|v| *v != "default") {
        managed = is_true(v);
    }
    let mut maintenance = false;
    if get("maintenance").map(is_true).unwrap_or(false) || cfg.maintenance_mode {
        managed = false;
        maintenance = true;
    }
    let stickiness = match get("resource-stickiness").filter(|v| *v != "default") {
        Some(v) => Score::parse_lenient(v).value(),
        None => cfg.default_stickiness,
    };
    let migration_threshold = get("migration-threshold")
        .map(|v| Score::parse_lenient(v).value().max(0))
        .unwrap_or(crate::cib::INFINITY);
    let failure_timeout = get("failure-timeout")
        .and_then(parse_ms)
        .map(|ms| (ms / 1000) as i64)
        .unwrap_or(0);
    let recovery = match get("multiple-active") {
        Some("stop_only") => Recovery::StopOnly,
        Some("block") => Recovery::Block,
        Some("stop_unexpected") => Recovery::StopUnexpected,
        _ => Recovery::StopStart,
    };
    let next_role = match get("target-role") {
        None | Some("default") => Role::Unknown,
        Some(v) => match Role::parse(v) {
            Some(Role::Started) | None => Role::Unknown,
            Some(r @ (Role::Stopped | Role::Unpromoted)) => r,
            Some(_) => Role::Unknown,
        },
    };
    let rsc = Rsc {
        id: id.to_string(),
        variant,
        parent,
        children: Vec::new(),
        priority: get("priority")
            .map(|v| Score::parse_lenient(v).value())
            .unwrap_or(0),
        stickiness,
        migration_threshold,
        failure_timeout,
        recovery,
        managed,
        failed: false,
        failure_ignored: false,
        blocked: false,
        stop_on_fail: false,
        orphan: false,
        allow_migrate: get("allow-migrate").map(is_true).unwrap_or(false),
        needs_fencing: false,
        needs_unfencing: false,
        needs_quorum: true,
        start_pending: false,
        reload: false,
        container: None,
        is_remote_node: false,
        remote_reconnect_ms: 0,
        is_fence_device: false,
        maintenance,
        exclusive_discover: false,
        role: Role::Stopped,
        next_role,
        next_role_reason: None,
        running_on: Vec::new(),
        known_on: Vec::new(),
        allowed: BTreeMap::new(),
        provisional: true,
        allocating: false,
        merging: false,
        assigned: None,
        actions: Vec::new(),
        this_with: Vec::new(),
        with_this: Vec::new(),
        partial_migration_source: None,
        partial_migration_target: None,
        dangling_migrations: Vec::new(),
        failed_on: Vec::new(),
        pending_task: None,
        lock_node: None,
        lock_time: 0,
        ops: ops.into(),
        group_colocated: true,
        group_ordered: true,
        utilization: BTreeMap::new(),
        clone: None,
        clone_name: None,
        param_sets: Vec::new(),
        promotion_priority: 0,
        pending_node: None,
        promotion_needs_ticket: false,
        meta,
        params,
        agent,
    };
    let idx = ws.add_rsc(rsc);
    if ws.config.symmetric {
        for n in 0..ws.nodes.len() {
            let node = NodeIdx(n);
            if ws.node(node).from_orphan {
                continue;
            }
            let w = ws.node(node).weight;
            ws.rsc_mut(idx).allowed.insert(
                node,
                AllowedNode {
                    weight: w,
                    discover: Discover::Always,
                },
            );
        }
    }
    idx
}

/// Creates an orphan: a resource known only from the status section.
/// `ban` keeps it from running anywhere when orphans are to be stopped.
pub fn new_orphan(ws: &mut WorkingSet, id: &str, agent: String, ban: bool) -> RscIdx {
    let mut meta = BTreeMap::new();
    meta.insert("is-managed".to_string(), String::new());
    meta.clear();
    let idx = new_rsc(
        ws,
        RscDef {
            id,
            variant: Variant::Primitive,
            parent: None,
            meta,
            params: BTreeMap::new(),
            agent,
            ops: Vec::new(),
        },
    );
    apply_requires(ws, idx);
    super::remote::link_orphaned_connection(ws, idx);
    let stop_orphans = ws.config.stop_orphan_resources;
    let r = ws.rsc_mut(idx);
    r.orphan = true;
    if !stop_orphans {
        r.managed = false;
    } else if ban {
        // An orphan to be stopped may run nowhere (`process_orphan_resource`).
        super::status::resource_location(ws, idx, None, crate::cib::Score::NEG_INF);
    }
    ws.top.push(idx);
    idx
}

/// Whether a clone is promotable as written in the configuration (the old
/// `<master>` element, or its own `promotable` meta attribute), for the
/// callers that read a CIB without unpacking it (the controller, the
/// scenario runner).
pub fn clone_is_promotable(c: &crate::cib::Clone) -> bool {
    c.legacy_master
        || c.meta
            .iter()
            .flat_map(|s| s.pairs.iter())
            .find(|p| p.name == "promotable")
            .and_then(|p| p.value.as_deref())
            .is_some_and(is_true)
}
