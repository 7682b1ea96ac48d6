//! `pcs resource create|group add|defaults|enable|disable|meta|update`
//! and `pcs stonith create`.

use super::agents::{self, Agent, Lookup};
use super::commands::Res;
use super::flags::{group_by_keywords, prepare_options, Flags};
use super::ids::{new_nvset, update_first_set, update_set, validate_id, Ids};
use super::lookup::{find, group_of, kind_of, Found, Kind};
use super::operations::{build_operations, build_ops, prepare_operations};
use crate::cib::{Cib, Clone as CloneRes, Group, NvSet, Primitive, Resource};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// Checks instance attributes against the agent
/// (`validate_resource_instance_attributes_create`).
pub(super) fn check_instance_attrs(
    agent: &Agent,
    attrs: &IndexMap<String, String>,
    force: bool,
) -> Res<()> {
    let kind = if agent.is_stonith() {
        "stonith"
    } else {
        "resource"
    };
    for (k, v) in attrs {
        if v.is_empty() {
            return Err(format!(
                "'' is not a valid {k} value, use a non-empty value"
            ));
        }
    }
    if agent.is_stonith() && attrs.contains_key("action") && !force {
        return Err("stonith option 'action' is deprecated and should not be used, use 'pcmk_off_action', 'pcmk_reboot_action' instead, use --force to override".into());
    }
    if force {
        return Ok(());
    }
    let allowed = agent.allowed_params();
    let mut unknown: Vec<&String> = attrs.keys().filter(|k| !allowed.contains(k)).collect();
    unknown.sort();
    if !unknown.is_empty() {
        let s = if unknown.len() > 1 { "s" } else { "" };
        return Err(format!(
            "invalid {kind} option{s} {}, allowed options are: {}, use --force to override",
            unknown
                .iter()
                .map(|u| format!("'{u}'"))
                .collect::<Vec<_>>()
                .join(", "),
            allowed
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut missing_plain = Vec::new();
    for (name, by) in agent.required_groups() {
        if attrs.contains_key(&name) || by.iter().any(|b| attrs.contains_key(b)) {
            continue;
        }
        if by.is_empty() {
            missing_plain.push(name);
        } else {
            return Err(format!(
                "{kind} option {} has to be specified, use --force to override",
                std::iter::once(format!("'{name}'"))
                    .chain(by.iter().map(|b| format!("'{b}' (deprecated)")))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
    }
    if !missing_plain.is_empty() {
        missing_plain.sort();
        let s = if missing_plain.len() > 1 { "s" } else { "" };
        return Err(format!(
            "required {kind} option{s} {} {} missing, use --force to override",
            missing_plain
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(", "),
            if missing_plain.len() > 1 { "are" } else { "is" }
        ));
    }
    Ok(())
}

/// `pcs resource create` / `pcs stonith create` (`resource_create`,
/// `lib.commands.resource.create*`, `stonith.create`).
/// `pcs resource create` / `pcs stonith create` (`resource_create`,
/// `lib.commands.resource.create*`, `stonith.create`): the words read, the
/// agent found, everything checked, then the primitive built and put in
/// place (alone, in a clone, or in a group).
pub(super) fn resource_create(
    cib: &mut Cib,
    args: &[String],
    flags: &Flags,
    stonith: bool,
) -> Res<()> {
    let [id, agent_name, rest @ ..] = args else {
        return Err("missing resource id or agent name".into());
    };
    let mut words = create_words(rest, flags, stonith)?;
    let agent = find_agent(agent_name, flags.force, stonith)?;
    let mut ids = Ids::of(cib);
    let ops = check_create(cib, id, &agent, &words, flags, stonith, &mut ids)?;
    let prim = build_primitive(id, agent, &mut words, ops, flags, &mut ids)?;
    place_created(cib, prim, words, flags, &mut ids)
}

/// The words of `pcs resource create` after the agent, grouped.
struct CreateWords {
    /// The agent's instance attributes (`NAME=VALUE` before any keyword).
    options: IndexMap<String, String>,
    /// `meta ...`.
    meta: IndexMap<String, String>,
    /// `op ...`, one map per operation.
    user_ops: Vec<IndexMap<String, String>>,
    /// `clone ID` / `promotable ID`: the clone's id when given.
    clone_id: Option<String>,
    /// `clone ...` / `promotable ...`: the clone's meta attributes.
    clone_meta: Option<IndexMap<String, String>>,
}

/// Groups the words by keyword and refuses contradictory options.
fn create_words(rest: &[String], flags: &Flags, stonith: bool) -> Res<CreateWords> {
    let keywords: &[&str] = if stonith {
        &["op", "meta"]
    } else {
        &["op", "meta", "clone", "promotable", "bundle"]
    };
    let g = group_by_keywords(rest, keywords, true)?;
    let meta_words = g.named.get("meta").cloned().unwrap_or_default();
    let meta = prepare_options(&meta_words)?;
    let options = prepare_options(&g.options)?;
    let user_ops = build_operations(&g.ops)?;
    let mut clone_id: Option<String> = None;
    let mut clone_meta: Option<IndexMap<String, String>> = None;
    for kw in ["clone", "promotable"] {
        if let Some(words) = g.named.get(kw) {
            let mut words = words.clone();
            if words.first().is_some_and(|w| !w.contains('=')) {
                clone_id = Some(words.remove(0));
            }
            let mut m = prepare_options(&words)?;
            if kw == "promotable" {
                if m.contains_key("promotable") {
                    return Err(
                        "you cannot specify both promotable option and promotable keyword".into(),
                    );
                }
                m.insert("promotable".into(), "true".into());
            }
            if clone_meta.is_some() {
                return Err(
                    "you can specify only one of clone, promotable, bundle or --group".into(),
                );
            }
            clone_meta = Some(m);
        }
    }
    if g.named.contains_key("bundle") {
        return Err("'bundle' is not supported by pacesim's pcs".into());
    }
    if clone_meta.is_some() && flags.group.is_some() {
        return Err("you can specify only one of clone, promotable, bundle or --group".into());
    }
    if flags.before.is_some() && flags.after.is_some() {
        return Err(format!(
            "you cannot specify both --before and --after{}",
            if flags.group.is_some() {
                ""
            } else {
                " and you have to specify --group"
            }
        ));
    }
    if flags.group.is_none() {
        if flags.before.is_some() {
            return Err("you cannot use --before without --group".into());
        }
        if flags.after.is_some() {
            return Err("you cannot use --after without --group".into());
        }
    }
    Ok(CreateWords {
        options,
        meta,
        user_ops,
        clone_id,
        clone_meta,
    })
}

/// The agent a created resource runs: its metadata when known, and its
/// standard, provider and type.
struct FoundAgent {
    agent: Option<Agent>,
    standard: String,
    provider: Option<String>,
    kind: String,
}

/// Finds the agent of `pcs resource create` (or of `pcs stonith create`)
/// by its name, full or short; an unknown one needs `--force`.
fn find_agent(agent_name: &str, force: bool, stonith: bool) -> Res<FoundAgent> {
    let (agent, standard, provider, kind): (Option<Agent>, String, Option<String>, String) =
        if stonith {
            if let Some(t) = agent_name.strip_prefix("stonith:") {
                return Err(format!("Invalid stonith agent name '{agent_name}'. Agent name cannot contain the 'stonith:' prefix. Please use '{t}' instead."));
            }
            match agents::fence_agent(agent_name) {
            Some(a) => (Some(a), "stonith".into(), None, agent_name.to_string()),
            None if force => (None, "stonith".into(), None, agent_name.to_string()),
            None => {
                return Err(format!(
                    "Agent 'stonith:{agent_name}' is not installed or does not provide valid metadata, use --force to override"
                ))
            }
        }
        } else {
            if agent_name.starts_with("stonith:") {
                return Err(format!(
                "'{agent_name}' is a fence agent: use 'pcs stonith create' (pacesim does not take fence agents in 'pcs resource create')"
            ));
            }
            match agents::resource_agent(agent_name) {
            Lookup::Found(a) => {
                let (s, p, k) = (a.standard.clone(), a.provider.clone(), a.kind.clone());
                (Some(a), s, p, k)
            }
            Lookup::Ambiguous(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
                let list = match quoted.split_last() {
                    Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                    _ => quoted.join(""),
                };
                return Err(format!(
                    "Multiple agents match '{agent_name}', please specify full name: {list}"
                ));
            }
            Lookup::Unknown if !agent_name.contains(':') => {
                return Err(format!(
                    "Unable to find agent '{agent_name}', try specifying its full name"
                ))
            }
            Lookup::Unknown if force => {
                let parts: Vec<&str> = agent_name.split(':').collect();
                match parts.as_slice() {
                    [s, p, t] if !s.is_empty() && !p.is_empty() && !t.is_empty() => {
                        (None, s.to_string(), Some(p.to_string()), t.to_string())
                    }
                    [s, t] if !s.is_empty() && !t.is_empty() => (None, s.to_string(), None, t.to_string()),
                    _ => return Err(format!("Invalid resource agent name '{agent_name}'")),
                }
            }
            Lookup::Unknown => {
                return Err(format!(
                    "Agent '{agent_name}' is not installed or does not provide valid metadata, use --force to override"
                ))
            }
        }
        };
    Ok(FoundAgent {
        agent,
        standard,
        provider,
        kind,
    })
}

/// Everything checked before anything is built: the ids, the operations
/// (returned, the agent's defaults merged in), the instance attributes, and
/// where a new group goes.
fn check_create(
    cib: &Cib,
    id: &str,
    agent: &FoundAgent,
    words: &CreateWords,
    flags: &Flags,
    stonith: bool,
    ids: &mut Ids,
) -> Res<Vec<IndexMap<String, String>>> {
    if ids.exists(id) {
        return Err(format!("'{id}' already exists"));
    }
    validate_id(
        id,
        if stonith {
            "stonith name"
        } else {
            "resource name"
        },
    )?;
    let ops = prepare_operations(
        words.user_ops.clone(),
        agent.agent.as_ref(),
        !flags.no_default_ops,
        flags.force,
    )?;
    if let Some(a) = &agent.agent {
        check_instance_attrs(a, &words.options, flags.force)?;
    }
    if let Some(c) = &words.clone_id {
        validate_id(c, "clone id")?;
        if ids.exists(c) {
            return Err(format!("'{c}' already exists"));
        }
    }
    // Where a new group goes, checked before anything is built.
    if let Some(gid) = &flags.group {
        match kind_of(&cib.configuration.resources, gid) {
            Some((Kind::Group, _)) => {}
            Some(_) => return Err(format!("'{gid}' is not a group")),
            None if ids.exists(gid) => return Err(format!("'{gid}' is not a group")),
            None => validate_id(gid, "group name")?,
        }
        if let Some(adj) = flags.before.as_ref().or(flags.after.as_ref()) {
            if group_of(&cib.configuration.resources, adj).as_deref() != Some(gid.as_str()) {
                return Err(format!("There is no resource '{adj}' in the group '{gid}', cannot add resources next to it"));
            }
        }
    }
    ids.book(id)?;
    Ok(ops)
}

/// The new primitive, with its attribute sets and operations; `--disabled`
/// stops it (or its clone).
fn build_primitive(
    id: &str,
    agent: FoundAgent,
    words: &mut CreateWords,
    ops: Vec<IndexMap<String, String>>,
    flags: &Flags,
    ids: &mut Ids,
) -> Res<Primitive> {
    // --disabled: target-role=Stopped on the primitive, or on the clone.
    if flags.disabled {
        match &mut words.clone_meta {
            Some(m) => {
                m.insert("target-role".into(), "Stopped".into());
            }
            None => {
                words.meta.insert("target-role".into(), "Stopped".into());
            }
        }
    }
    let mut prim = Primitive {
        id: id.to_string(),
        class: Some(agent.standard),
        provider: agent.provider,
        agent: Some(agent.kind),
        ..Primitive::default()
    };
    if !words.options.is_empty() {
        let sid = ids.sub(id, "instance_attributes");
        prim.instance
            .push(new_nvset("instance_attributes", sid, &words.options, ids));
    }
    if !words.meta.is_empty() {
        let sid = ids.sub(id, "meta_attributes");
        prim.meta
            .push(new_nvset("meta_attributes", sid, &words.meta, ids));
    }
    prim.operations = Some(build_ops(id, ops, ids)?);
    Ok(prim)
}

/// Puts the new primitive in the configuration: in a new clone, in a group
/// (created if new, at `--before`/`--after`), or alone.
fn place_created(
    cib: &mut Cib,
    prim: Primitive,
    words: CreateWords,
    flags: &Flags,
    ids: &mut Ids,
) -> Res<()> {
    let resources = &mut cib.config_mut().resources;
    if let Some(m) = words.clone_meta {
        let cid = match words.clone_id {
            Some(c) => {
                ids.book(&c)?;
                c
            }
            None => ids.allocate(&format!("{}-clone", prim.id)),
        };
        let mut clone = CloneRes {
            id: cid.clone(),
            legacy_master: false,
            meta: Vec::new(),
            instance: Vec::new(),
            child: Box::new(Resource::Primitive(prim)),
            extra: Vec::new(),
            unknown: Vec::new(),
        };
        if !m.is_empty() {
            let sid = ids.sub(&cid, "meta_attributes");
            clone.meta.push(new_nvset("meta_attributes", sid, &m, ids));
        }
        resources.push(Resource::Clone(clone));
    } else if let Some(gid) = &flags.group {
        let group = match find(resources, gid) {
            Some(Found::Group(g)) => g,
            _ => {
                ids.book(gid)?;
                resources.push(Resource::Group(Group {
                    id: gid.clone(),
                    ..Group::default()
                }));
                match resources.last_mut() {
                    Some(Resource::Group(g)) => g,
                    _ => unreachable!("just pushed a group"),
                }
            }
        };
        place_in_group(
            group,
            vec![prim],
            flags.before.as_deref(),
            flags.after.as_deref(),
        );
    } else {
        resources.push(Resource::Primitive(prim));
    }
    Ok(())
}

/// `move_resources_to_group`: after `after`, before `before`, else at the end.
pub(super) fn place_in_group(
    g: &mut Group,
    prims: Vec<Primitive>,
    before: Option<&str>,
    after: Option<&str>,
) {
    let at = if let Some(b) = before {
        g.members
            .iter()
            .position(|m| m.id == b)
            .unwrap_or(g.members.len())
    } else if let Some(a) = after {
        g.members
            .iter()
            .position(|m| m.id == a)
            .map_or(g.members.len(), |i| i + 1)
    } else {
        g.members.len()
    };
    for (i, p) in prims.into_iter().enumerate() {
        g.members.insert(at + i, p);
    }
}

/// `pcs resource group add GROUP RSC... [--before|--after RSC]`
/// (`lib.commands.resource.group_add`).
pub(super) fn group_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    let [gid, members @ ..] = args else {
        return Err("missing group id".into());
    };
    if flags.before.is_some() && flags.after.is_some() {
        return Err("you cannot specify both --before and --after".into());
    }
    let rs = &cib.configuration.resources;
    let mut errors = Vec::new();
    let group_exists = match kind_of(rs, gid) {
        Some((Kind::Group, _)) => true,
        Some(_) => {
            errors.push(format!("'{gid}' is not a group"));
            true
        }
        None => {
            if Ids::of(cib).exists(gid) {
                errors.push(format!("'{gid}' is not a group"));
            } else {
                validate_id(gid, "group name")?;
            }
            false
        }
    };
    let mut seen = BTreeSet::new();
    for m in members {
        if !seen.insert(m.clone()) {
            errors.push(format!("Resources specified more than once: '{m}'"));
            continue;
        }
        match kind_of(rs, m) {
            None => errors.push(format!("'{m}' does not exist")),
            Some((Kind::Primitive, None)) => {}
            Some((Kind::Primitive, Some((_, outer)))) => errors.push(format!(
                "'{m}' is part of '{outer}': a resource in a clone or bundle cannot be put into a group"
            )),
            Some(_) => errors.push(format!("'{m}' is not a primitive resource")),
        }
    }
    if members.is_empty() {
        errors.push(format!(
            "Cannot modify group '{gid}', no resources to add or remove specified"
        ));
    }
    if let Some(adj) = flags.before.as_ref().or(flags.after.as_ref()) {
        if members.contains(adj) {
            errors.push(format!("Resource '{adj}' cannot be put next to itself"));
        } else if group_of(rs, adj).as_deref() != Some(gid.as_str()) {
            errors.push(format!("There is no resource '{adj}' in the group '{gid}', cannot add resources next to it"));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    // Take the primitives out of where they are, in the given order.
    let resources = &mut cib.config_mut().resources;
    let mut prims = Vec::new();
    for m in members {
        if let Some(i) = resources
            .iter()
            .position(|r| matches!(r, Resource::Primitive(p) if p.id == *m))
        {
            if let Resource::Primitive(p) = resources.remove(i) {
                prims.push(p);
            }
            continue;
        }
        for r in resources.iter_mut() {
            if let Resource::Group(g) = r {
                if let Some(i) = g.members.iter().position(|x| x.id == *m) {
                    prims.push(g.members.remove(i));
                    break;
                }
            }
        }
    }
    // A group the move left empty is removed (`move_resources_to_group`);
    // like pcs, constraints naming it are left as they are.
    resources.retain(|r| !matches!(r, Resource::Group(g) if g.members.is_empty() && g.id != *gid));
    if !group_exists {
        resources.push(Resource::Group(Group {
            id: gid.clone(),
            ..Group::default()
        }));
    }
    let Some(Found::Group(g)) = find(resources, gid) else {
        return Err(format!("'{gid}' is not a group"));
    };
    place_in_group(g, prims, flags.before.as_deref(), flags.after.as_deref());
    Ok(())
}

/// `pcs resource [op] defaults [update] NAME=VALUE...`
/// (`lib.commands.cib_options.resource_defaults_update`): the first
/// `meta_attributes` set of the section, created as
/// `rsc_defaults-meta_attributes` / `op_defaults-meta_attributes`.
pub(super) fn defaults(cib: &mut Cib, args: &[String], op: bool) -> Res<()> {
    if args.is_empty() {
        return Err("no defaults specified".into());
    }
    let pairs: Vec<(String, String)> = prepare_options(args)?.into_iter().collect();
    let mut ids = Ids::of(cib);
    let (sets, owner) = if op {
        (&mut cib.config_mut().op_defaults, "op_defaults")
    } else {
        (&mut cib.config_mut().rsc_defaults, "rsc_defaults")
    };
    update_set(sets, "meta_attributes", owner, &pairs, &mut ids, true);
    Ok(())
}

/// The meta-attribute sets of a resource of any kind.
pub(super) fn meta_of<'a>(f: Found<'a>) -> Option<&'a mut Vec<NvSet>> {
    match f {
        Found::Prim(p) => Some(&mut p.meta),
        Found::Group(g) => Some(&mut g.meta),
        Found::Clone(c) => Some(&mut c.meta),
        Found::Other => None,
    }
}

/// `pcs resource disable|enable RSC...` (`resource.common.disable` /
/// `enable`): enabling also enables the clone around a primitive or the
/// primitive inside a clone (`find_resources_to_enable`).
pub(super) fn enable_disable(cib: &mut Cib, args: &[String], enable: bool) -> Res<()> {
    if args.is_empty() {
        return Err("You must specify resource(s) to enable or disable".into());
    }
    let mut ids = Ids::of(cib);
    for rid in args {
        let rs = &cib.configuration.resources;
        let Some((kind, outer)) = kind_of(rs, rid) else {
            return Err(format!(
                "bundle/clone/group/resource '{rid}' does not exist"
            ));
        };
        let mut targets = vec![rid.clone()];
        if enable {
            match (&kind, &outer) {
                (Kind::Clone, _) => {
                    if let Some(Resource::Clone(c)) = rs.iter().find(|r| r.id() == rid) {
                        targets.push(c.child.id().to_string());
                    }
                }
                (_, Some((Kind::Clone, cid))) => {
                    // Only a direct child of the clone.
                    let direct = rs.iter().any(
                        |r| matches!(r, Resource::Clone(c) if c.id == *cid && c.child.id() == rid),
                    );
                    if direct {
                        targets.push(cid.clone());
                    }
                }
                _ => {}
            }
        }
        let value = if enable { "" } else { "Stopped" };
        for t in targets {
            let Some(sets) = find(&mut cib.config_mut().resources, &t).and_then(meta_of) else {
                return Err(format!("'{t}' cannot be enabled or disabled by pacesim"));
            };
            update_first_set(
                sets,
                "meta_attributes",
                &t,
                &[("target-role".into(), value.into())],
                &mut ids,
            );
        }
    }
    Ok(())
}

/// `pcs resource meta RSC NAME=VALUE...` (`resource_meta`): the first meta
/// set, an empty value removes the pair.
pub(super) fn resource_meta(cib: &mut Cib, args: &[String]) -> Res<()> {
    let [rid, pairs @ ..] = args else {
        return Err("missing resource id".into());
    };
    if pairs.is_empty() {
        return Err("no meta attributes specified".into());
    }
    let pairs: Vec<(String, String)> = prepare_options(pairs)?.into_iter().collect();
    let mut ids = Ids::of(cib);
    let Some(sets) = find(&mut cib.config_mut().resources, rid).and_then(meta_of) else {
        return Err(format!("unable to find a resource/clone/group: {rid}"));
    };
    update_first_set(sets, "meta_attributes", rid, &pairs, &mut ids);
    Ok(())
}

/// `pcs resource update RSC NAME=VALUE... [meta NAME=VALUE...]`
/// (`resource_update`): instance attributes of a primitive; for a clone
/// the pairs are its meta attributes, as pcs does.
pub(super) fn resource_update(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    let [rid, rest @ ..] = args else {
        return Err("missing resource id".into());
    };
    let g = group_by_keywords(rest, &["op", "meta"], true)?;
    if !g.ops.is_empty() {
        return Err("'op' in 'pcs resource update' is not supported by pacesim".into());
    }
    let inst: Vec<(String, String)> = prepare_options(&g.options)?.into_iter().collect();
    let meta: Vec<(String, String)> =
        prepare_options(&g.named.get("meta").cloned().unwrap_or_default())?
            .into_iter()
            .collect();
    let mut ids = Ids::of(cib);
    match find(&mut cib.config_mut().resources, rid) {
        Some(Found::Prim(p)) => {
            if !flags.force {
                check_update_attrs(p, &inst)?;
            }
            update_first_set(&mut p.instance, "instance_attributes", rid, &inst, &mut ids);
            if !meta.is_empty() {
                update_first_set(&mut p.meta, "meta_attributes", rid, &meta, &mut ids);
            }
        }
        Some(Found::Clone(c)) => {
            let all: Vec<(String, String)> = inst.into_iter().chain(meta).collect();
            update_first_set(&mut c.meta, "meta_attributes", rid, &all, &mut ids);
        }
        Some(Found::Group(g)) => {
            if !inst.is_empty() {
                return Err(format!("'{rid}' is a group: only 'meta' can be updated"));
            }
            update_first_set(&mut g.meta, "meta_attributes", rid, &meta, &mut ids);
        }
        _ => return Err(format!("Unable to find resource: {rid}")),
    }
    Ok(())
}

/// `validate_resource_instance_attributes_update`: a name new to the
/// resource must be one of its agent's parameters (names already set are
/// not reported again). An agent pacesim does not know is not checked.
pub(super) fn check_update_attrs(p: &Primitive, inst: &[(String, String)]) -> Res<()> {
    let full = match (&p.class, &p.provider, &p.agent) {
        (Some(c), Some(pr), Some(t)) => format!("{c}:{pr}:{t}"),
        (Some(c), None, Some(t)) => format!("{c}:{t}"),
        _ => return Ok(()),
    };
    let agent = if p.class.as_deref() == Some("stonith") {
        p.agent.as_deref().and_then(agents::fence_agent)
    } else {
        match agents::resource_agent(&full) {
            Lookup::Found(a) => Some(a),
            _ => None,
        }
    };
    let Some(agent) = agent else { return Ok(()) };
    let current: BTreeSet<&str> = p
        .instance
        .iter()
        .flat_map(|s| s.pairs.iter())
        .map(|x| x.name.as_str())
        .collect();
    let allowed = agent.allowed_params();
    let mut unknown: Vec<&str> = inst
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !current.contains(k) && !allowed.iter().any(|a| a == k))
        .collect();
    unknown.sort();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    let kind = if agent.is_stonith() {
        "stonith"
    } else {
        "resource"
    };
    let s = if unknown.len() > 1 { "s" } else { "" };
    Err(format!(
        "invalid {kind} option{s} {}, allowed options are: {}, use --force to override",
        unknown
            .iter()
            .map(|u| format!("'{u}'"))
            .collect::<Vec<_>>()
            .join(", "),
        allowed
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
