//! Unpacking constraints into the working set: location constraints become
//! node scores, colocations link resources for assignment, and orderings
//! wait to be bound to actions (Pacemaker's `pcmk_sched_location.c`,
//! `pcmk_sched_colocation.c`, `pcmk_sched_ordering.c`).

use super::actions::{new_ordering, order_rsc_actions};
use super::rules::{eval_rule, is_true, RuleCtx};
use super::ws::order::*;
use super::ws::*;
use crate::cib::{self, BoolOp, Cib, Constraint, ResourceSet, Rule, Score};

/// Unpacks every constraint, in document order.
pub fn unpack_constraints(cib: &Cib, ws: &mut WorkingSet) {
    let mut tags = cib.configuration.tags.clone().unwrap_or_default();
    tags.extend(template_tags(cib));
    for c in &cib.configuration.constraints {
        match c {
            Constraint::Location(l) => unpack_location(ws, l, &tags),
            Constraint::Colocation(c) => unpack_colocation(ws, c, &tags),
            Constraint::Order(o) => unpack_order(ws, o, &tags),
            Constraint::Ticket(t) => unpack_rsc_ticket(cib, ws, t, &tags),
            Constraint::Unknown(_) => {}
        }
    }
}

/// What happens to a resource when its ticket is revoked (`loss-policy`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum LossPolicy {
    Stop,
    Demote,
    Fence,
    Freeze,
}

/// A resource's dependency on a ticket (`pcmk__unpack_rsc_ticket`): sets
/// and tags name several resources, each getting its own dependency.
fn unpack_rsc_ticket(cib: &Cib, ws: &mut WorkingSet, t: &cib::TicketConstraint, tags: &[cib::Tag]) {
    // A ticket the status does not mention exists, neither granted nor standby.
    let state = cib
        .status
        .tickets
        .iter()
        .flatten()
        .find(|s| s.id == t.ticket);
    let granted = state
        .and_then(|s| s.granted.as_deref())
        .is_some_and(is_true);
    let standby = state
        .and_then(|s| s.standby.as_deref())
        .is_some_and(is_true);
    if !t.sets.is_empty() {
        for set in &t.sets {
            let members: Vec<RscIdx> = set
                .resources
                .iter()
                .flat_map(|id| resolve(ws, id, tags))
                .collect();
            for r in members {
                rsc_ticket_new(
                    ws,
                    r,
                    granted,
                    standby,
                    set.role.as_deref(),
                    t.loss_policy.as_deref(),
                );
            }
        }
        return;
    }
    let Some(id) = &t.rsc else {
        ws.warnings.push(format!("rsc_ticket {}: needs rsc", t.id));
        return;
    };
    let rscs = resolve(ws, id, tags);
    if rscs.is_empty() {
        ws.warnings
            .push(format!("rsc_ticket {}: unknown resource {id}", t.id));
    }
    for r in rscs {
        rsc_ticket_new(
            ws,
            r,
            granted,
            standby,
            t.rsc_role.as_deref(),
            t.loss_policy.as_deref(),
        );
    }
}

/// One resource's ticket dependency (`rsc_ticket_new`): the role filter
/// ("Started" means any) and the loss policy (fencing only when fencing is
/// enabled; by default demote for the promoted role, else stop), applied at
/// once when the ticket is not granted or is in standby.
fn rsc_ticket_new(
    ws: &mut WorkingSet,
    r: RscIdx,
    granted: bool,
    standby: bool,
    role: Option<&str>,
    loss: Option<&str>,
) {
    let role = match role {
        None => Role::Unknown,
        Some(v) if v.eq_ignore_ascii_case("started") => Role::Unknown,
        Some(v) => Role::parse(v).unwrap_or(Role::Unknown),
    };
    let loss = match loss.map(str::to_ascii_lowercase).as_deref() {
        Some("fence") if ws.config.stonith_enabled => LossPolicy::Fence,
        Some("fence") => LossPolicy::Stop,
        Some("freeze") => LossPolicy::Freeze,
        Some("demote") => LossPolicy::Demote,
        Some("stop") => LossPolicy::Stop,
        _ if role == Role::Promoted => LossPolicy::Demote,
        _ => LossPolicy::Stop,
    };
    if role == Role::Promoted && (!granted || standby) {
        // Promotion needs the ticket (`pcmk__require_promotion_tickets`).
        ws.rsc_mut(r).promotion_needs_ticket = true;
    }
    if !granted || standby {
        constraints_for_ticket(ws, r, granted, standby, role, loss);
    }
}

/// Bans, fences or freezes what depends on a revoked or standby ticket
/// (`constraints_for_ticket`); collective resources pass it to their children.
fn constraints_for_ticket(
    ws: &mut WorkingSet,
    r: RscIdx,
    granted: bool,
    standby: bool,
    role: Role,
    loss: LossPolicy,
) {
    use super::status::{fence_node, resource_location};
    if granted && !standby {
        return;
    }
    if !ws.rsc(r).children.is_empty() {
        for c in ws.rsc(r).children.clone() {
            constraints_for_ticket(ws, c, granted, standby, role, loss);
        }
        return;
    }
    let role_matches = role == Role::Unknown || role == ws.rsc(r).role;
    if !granted && !ws.rsc(r).running_on.is_empty() {
        match loss {
            LossPolicy::Stop => resource_location(ws, r, None, Score::NEG_INF),
            LossPolicy::Demote => {
                // The promotion score of a promoted role is handled when
                // promoting; other roles lose their place.
                if role != Role::Promoted {
                    resource_location(ws, r, None, Score::NEG_INF);
                }
            }
            LossPolicy::Fence => {
                if !role_matches {
                    return;
                }
                resource_location(ws, r, None, Score::NEG_INF);
                for n in ws.rsc(r).running_on.clone() {
                    fence_node(ws, n, "deadman ticket was lost");
                }
            }
            LossPolicy::Freeze => {
                if !role_matches {
                    return;
                }
                let rsc = ws.rsc_mut(r);
                rsc.managed = false;
                rsc.blocked = true;
            }
        }
    } else if role != Role::Promoted || loss == LossPolicy::Stop {
        // Not granted (and not active), or in standby.
        resource_location(ws, r, None, Score::NEG_INF);
    }
}

/// A template stands, in constraints, for every primitive made from it,
/// in configuration order (the scheduler's `template_rsc_sets`).
fn template_tags(cib: &Cib) -> Vec<cib::Tag> {
    fn walk(r: &cib::Resource, out: &mut Vec<(String, String)>) {
        match r {
            cib::Resource::Primitive(p) => {
                if let Some(t) = &p.template {
                    out.push((t.clone(), p.id.clone()));
                }
            }
            cib::Resource::Group(g) => {
                for m in &g.members {
                    if let Some(t) = &m.template {
                        out.push((t.clone(), m.id.clone()));
                    }
                }
            }
            cib::Resource::Clone(c) => walk(&c.child, out),
            cib::Resource::Bundle(b) => {
                if let Some(p) = &b.primitive {
                    if let Some(t) = &p.template {
                        out.push((t.clone(), p.id.clone()));
                    }
                }
            }
            cib::Resource::Template(_) => {}
        }
    }
    let mut uses = Vec::new();
    for r in &cib.configuration.resources {
        walk(r, &mut uses);
    }
    cib.configuration
        .resources
        .iter()
        .filter_map(|r| match r {
            cib::Resource::Template(t) => Some(cib::Tag {
                id: t.id.clone(),
                refs: uses
                    .iter()
                    .filter(|(tp, _)| *tp == t.id)
                    .map(|(_, id)| id.clone())
                    .collect(),
                extra: Vec::new(),
            }),
            _ => None,
        })
        .collect()
}

/// Resolves a resource or tag name to resources.
fn resolve(ws: &WorkingSet, name: &str, tags: &[cib::Tag]) -> Vec<RscIdx> {
    if let Some(r) = ws.find_rsc(name) {
        return vec![r];
    }
    if let Some(t) = tags.iter().find(|t| t.id == name) {
        return t.refs.iter().filter_map(|id| ws.find_rsc(id)).collect();
    }
    Vec::new()
}

fn parse_role(s: Option<&str>) -> Role {
    s.and_then(Role::parse)
        .map(|r| if r == Role::Started { Role::Unknown } else { r })
        .unwrap_or(Role::Unknown)
}

fn discover_mode(s: Option<&str>) -> Discover {
    match s {
        Some("never") => Discover::Never,
        Some("exclusive") => Discover::Exclusive,
        _ => Discover::Always,
    }
}

fn unpack_location(ws: &mut WorkingSet, l: &cib::Location, tags: &[cib::Tag]) {
    let mut targets: Vec<(RscIdx, Role)> = Vec::new();
    if let Some(name) = &l.rsc {
        for r in resolve(ws, name, tags) {
            targets.push((r, parse_role(l.role.as_deref())));
        }
        if targets.is_empty() {
            ws.warnings
                .push(format!("location {}: no resource {}", l.id, name));
            return;
        }
    } else if let Some(pattern) = &l.rsc_pattern {
        // Every top-level resource whose id the (POSIX extended) regular
        // expression matches, or with a leading "!", does not match
        // (`unpack_simple_location`).
        let (invert, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern.as_str()),
        };
        let Ok(re) = regex::Regex::new(pattern) else {
            ws.warnings
                .push(format!("location {}: invalid rsc-pattern {pattern}", l.id));
            return;
        };
        let role = parse_role(l.role.as_deref());
        for r in ws.top.clone() {
            if re.is_match(&ws.rsc(r).id) != invert {
                targets.push((r, role));
            }
        }
    } else {
        for set in &l.sets {
            let role = parse_role(set.role.as_deref().or(l.role.as_deref()));
            for id in &set.resources {
                for r in resolve(ws, id, tags) {
                    targets.push((r, role));
                }
            }
        }
    }
    let discover = discover_mode(l.resource_discovery.as_deref());
    for (r, role) in targets {
        if let (Some(node), Some(score)) = (&l.node, l.score) {
            let Some(n) = ws.find_node(node) else {
                continue;
            };
            ws.locations.push(LocationCons {
                id: l.id.clone(),
                rsc: r,
                role,
                nodes: vec![(n, score)],
                discover,
            });
        } else if let Some(node) = &l.node {
            // A node without a score: Pacemaker treats a missing score as 0.
            let Some(n) = ws.find_node(node) else {
                continue;
            };
            ws.locations.push(LocationCons {
                id: l.id.clone(),
                rsc: r,
                role,
                nodes: vec![(n, Score::ZERO)],
                discover,
            });
        }
        for rule in &l.rules {
            let rule_role = rule
                .role
                .as_deref()
                .map(|s| parse_role(Some(s)))
                .unwrap_or(role);
            let nodes = location_rule_nodes(ws, rule, r);
            ws.locations.push(LocationCons {
                id: l.id.clone(),
                rsc: r,
                role: rule_role,
                nodes,
                discover,
            });
        }
    }
}

/// The node scores a location rule yields (`generate_location_rule`).
fn location_rule_nodes(ws: &WorkingSet, rule: &Rule, r: RscIdx) -> Vec<(NodeIdx, Score)> {
    let do_and = rule.boolean_op == BoolOp::And;
    let node_score = |n: NodeIdx| -> Score {
        match (&rule.score_attribute, rule.score) {
            (Some(attr), _) => match ws.node(n).attrs.get(attr) {
                Some(v) => Score::parse_with_colors(v, ws.config.colors).unwrap_or(Score::ZERO),
                None => Score::NEG_INF,
            },
            (None, Some(s)) => s,
            (None, None) => Score::ZERO,
        }
    };
    let rsc = ws.rsc(r);
    let mut list: Vec<(NodeIdx, Score)> = if do_and {
        (0..ws.nodes.len())
            .map(|i| (NodeIdx(i), node_score(NodeIdx(i))))
            .collect()
    } else {
        Vec::new()
    };
    for i in 0..ws.nodes.len() {
        let n = NodeIdx(i);
        // Parameters as evaluated for this node (`pe_rsc_params`).
        let params = super::graph::rsc_params(ws, r, Some(n));
        let ctx = RuleCtx {
            node_attrs: Some(&ws.node(n).attrs),
            now: ws.config.now,
            params: Some(&params),
            meta: Some(&rsc.meta),
            ..Default::default()
        };
        let accept = eval_rule(rule, &ctx);
        if accept {
            if do_and {
                continue;
            }
            match list.iter_mut().find(|(m, _)| *m == n) {
                Some(entry) => entry.1 += node_score(n),
                None => list.push((n, ws.node(n).weight + node_score(n))),
            }
        } else if do_and {
            list.retain(|(m, _)| *m != n);
        }
    }
    list
}

fn coloc_influence(ws: &WorkingSet, dependent: RscIdx, influence: Option<&str>) -> bool {
    match influence {
        Some(v) => is_true(v),
        None => ws
            .rsc(dependent)
            .meta
            .get("critical")
            .map(|v| is_true(v))
            .unwrap_or(true),
    }
}

/// Adds a colocation (`pcmk__new_colocation`), with the anti-colocation
/// orderings a -INFINITY one implies.
#[allow(clippy::too_many_arguments)]
pub fn new_colocation(
    ws: &mut WorkingSet,
    id: &str,
    node_attribute: Option<String>,
    score: Score,
    dependent: RscIdx,
    primary: RscIdx,
    dependent_role: Role,
    primary_role: Role,
    influence: bool,
) {
    if score == Score::ZERO {
        return;
    }
    ws.colocations.push(Colocation {
        id: id.to_string(),
        dependent,
        primary,
        dependent_role,
        primary_role,
        score,
        node_attribute,
        influence,
    });
    if score.is_neg_inf() {
        anti_colocation_order(ws, dependent, dependent_role, primary, primary_role);
        anti_colocation_order(ws, primary, primary_role, dependent, dependent_role);
    }
}

fn anti_colocation_order(
    ws: &mut WorkingSet,
    first: RscIdx,
    first_role: Role,
    then: RscIdx,
    then_role: Role,
) {
    let first_tasks: &[&str] = match first_role {
        Role::Promoted => &["demote"],
        Role::Unpromoted => &["stop", "promote"],
        _ => &["stop"],
    };
    let then_tasks: &[&str] = match then_role {
        Role::Promoted => &["promote"],
        Role::Unpromoted => &["start", "demote"],
        _ => &["start"],
    };
    for f in first_tasks {
        for t in then_tasks {
            order_rsc_actions(ws, first, f, then, t, ANTI_COLOCATION);
        }
    }
}

fn unpack_colocation(ws: &mut WorkingSet, c: &cib::Colocation, tags: &[cib::Tag]) {
    let score = c.score.unwrap_or(Score::ZERO);
    if c.sets.is_empty() {
        let (Some(d), Some(p)) = (&c.rsc, &c.with_rsc) else {
            ws.warnings
                .push(format!("colocation {}: needs rsc and with-rsc", c.id));
            return;
        };
        // Pacemaker 2.1.5 creates no colocation when both sides name a tag
        // or template (what crm_simulate shows); one side may.
        if ws.find_rsc(d).is_none() && ws.find_rsc(p).is_none() {
            ws.warnings.push(format!(
                "colocation {}: both sides are tags or templates",
                c.id
            ));
            return;
        }
        let ds = resolve(ws, d, tags);
        let ps = resolve(ws, p, tags);
        if ds.is_empty() || ps.is_empty() {
            ws.warnings
                .push(format!("colocation {}: unknown resource", c.id));
            return;
        }
        for &dep in &ds {
            for &pri in &ps {
                let influence = coloc_influence(ws, dep, c.influence.as_deref());
                new_colocation(
                    ws,
                    &c.id,
                    c.node_attribute.clone(),
                    score,
                    dep,
                    pri,
                    parse_role(c.rsc_role.as_deref()),
                    parse_role(c.with_rsc_role.as_deref()),
                    influence,
                );
            }
        }
        return;
    }
    // Resource sets (`unpack_colocation_set`, `colocate_rsc_sets`).
    let sets: Vec<(&ResourceSet, Vec<RscIdx>)> = c
        .sets
        .iter()
        .map(|s| {
            let members = s
                .resources
                .iter()
                .flat_map(|id| resolve(ws, id, tags))
                .collect();
            (s, members)
        })
        .collect();
    for (set, members) in &sets {
        let set_score = set.score.unwrap_or(score);
        let sequential = set.sequential.as_deref().map(is_true).unwrap_or(true);
        if !sequential || set_score == Score::ZERO {
            continue;
        }
        let role = parse_role(set.role.as_deref());
        if set_score.is_neg_inf() {
            for (i, &a) in members.iter().enumerate() {
                for &b in &members[i + 1..] {
                    let infl = coloc_influence(ws, a, c.influence.as_deref());
                    new_colocation(
                        ws,
                        &set_id(set, &c.id),
                        None,
                        set_score,
                        a,
                        b,
                        role,
                        role,
                        infl,
                    );
                }
            }
        } else {
            for w in members.windows(2) {
                let infl = coloc_influence(ws, w[1], c.influence.as_deref());
                new_colocation(
                    ws,
                    &set_id(set, &c.id),
                    None,
                    set_score,
                    w[1],
                    w[0],
                    role,
                    role,
                    infl,
                );
            }
        }
    }
    for i in 0..sets.len().saturating_sub(1) {
        let (s1, m1) = &sets[i];
        let (s2, m2) = &sets[i + 1];
        let r1 = parse_role(s1.role.as_deref());
        let r2 = parse_role(s2.role.as_deref());
        let seq1 = s1.sequential.as_deref().map(is_true).unwrap_or(true);
        let seq2 = s2.sequential.as_deref().map(is_true).unwrap_or(true);
        // The earlier set depends on the later one: the first resource of
        // a sequential earlier set, with the last of a sequential later one.
        let dependents: Vec<RscIdx> = if seq1 {
            m1.first().copied().into_iter().collect()
        } else {
            m1.clone()
        };
        let primaries: Vec<RscIdx> = if seq2 {
            m2.last().copied().into_iter().collect()
        } else {
            m2.clone()
        };
        for &d in &dependents {
            for &p in &primaries {
                let infl = coloc_influence(ws, d, c.influence.as_deref());
                new_colocation(
                    ws,
                    &c.id,
                    c.node_attribute.clone(),
                    score,
                    d,
                    p,
                    r1,
                    r2,
                    infl,
                );
            }
        }
    }
}

fn set_id(set: &ResourceSet, fallback: &str) -> String {
    set.id.clone().unwrap_or_else(|| fallback.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mandatory,
    Optional,
    Serialize,
}

fn order_kind(kind: Option<&str>, score: Option<Score>) -> Kind {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        None => match score {
            Some(s) if s == Score::ZERO => Kind::Optional,
            _ => Kind::Mandatory,
        },
        Some("optional") => Kind::Optional,
        Some("serialize") => Kind::Serialize,
        _ => Kind::Mandatory,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Symmetry {
    Asymmetric,
    Symmetric,
    Inverse,
}

/// A constraint's symmetry (`get_ordering_symmetry`): an explicit
/// `symmetrical` wins (a serialization is never symmetrical), else only
/// serializations are asymmetrical.
fn symmetry(symmetrical: Option<&str>, kind: Kind) -> Symmetry {
    match parse_bool(symmetrical) {
        Some(true) if kind != Kind::Serialize => Symmetry::Symmetric,
        Some(_) => Symmetry::Asymmetric,
        None if kind == Kind::Serialize => Symmetry::Asymmetric,
        None => Symmetry::Symmetric,
    }
}

fn flags_for_kind(kind: Kind, first_action: &str, sym: Symmetry) -> u32 {
    let mut flags = OPTIONAL;
    match kind {
        Kind::Optional => {}
        Kind::Serialize => flags |= SERIALIZE_ONLY,
        Kind::Mandatory => match sym {
            Symmetry::Asymmetric => flags |= ASYMMETRICAL,
            Symmetry::Symmetric => {
                flags |= IMPLIES_THEN;
                if first_action == "start" || first_action == "promote" {
                    flags |= RUNNABLE_LEFT;
                }
            }
            Symmetry::Inverse => flags |= IMPLIES_FIRST,
        },
    }
    flags
}

fn invert_action(a: &str) -> Option<&'static str> {
    Some(match a {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        "promoted" => "demoted",
        "demoted" => "promoted",
        "running" => "stopped",
        "stopped" => "running",
        _ => return None,
    })
}

fn restart_flag(ws: &WorkingSet, r: RscIdx, kind: Kind, flag: u32, flags: u32) -> u32 {
    if kind == Kind::Optional
        && ws.rsc(r).meta.get("restart-type").map(String::as_str) == Some("restart")
    {
        flags | flag
    } else {
        flags
    }
}

fn unpack_order(ws: &mut WorkingSet, o: &cib::Order, tags: &[cib::Tag]) {
    let kind = order_kind(o.kind.as_deref(), o.score);
    if !o.sets.is_empty() {
        unpack_order_sets(ws, o, kind, tags);
        return;
    }
    let (Some(first), Some(then)) = (&o.first, &o.then) else {
        ws.warnings
            .push(format!("order {}: needs first and then", o.id));
        return;
    };
    let firsts = resolve(ws, first, tags);
    let thens = resolve(ws, then, tags);
    if firsts.is_empty() || thens.is_empty() {
        ws.warnings
            .push(format!("order {}: unknown resource", o.id));
        return;
    }
    let action_first = o.first_action.clone().unwrap_or_else(|| "start".into());
    let action_then = o
        .then_action
        .clone()
        .unwrap_or_else(|| action_first.clone());
    let sym = symmetry(o.symmetrical.as_deref(), kind);
    for &f in &firsts {
        for &t in &thens {
            let flags = flags_for_kind(kind, &action_first, sym);
            let flags = restart_flag(ws, t, kind, IMPLIES_THEN, flags);
            let min = minimum_first_instances(ws, f, o.require_all.as_deref());
            if min > 0 {
                clone_min_ordering(ws, &o.id, f, &action_first, t, &action_then, flags, min);
            } else {
                order_rsc_actions(ws, f, &action_first, t, &action_then, flags);
            }
            if sym == Symmetry::Symmetric {
                let (Some(inv_first), Some(inv_then)) =
                    (invert_action(&action_first), invert_action(&action_then))
                else {
                    continue;
                };
                let flags = flags_for_kind(kind, inv_first, Symmetry::Inverse);
                let flags = restart_flag(ws, f, kind, IMPLIES_FIRST, flags);
                order_rsc_actions(ws, t, inv_then, f, inv_first, flags);
            }
        }
    }
}

/// How many instances of a clone first must be able to act before then
/// may: its `clone-min`, or 1 with the deprecated `require-all=false`
/// (`get_minimum_first_instances`).
fn minimum_first_instances(ws: &WorkingSet, r: RscIdx, require_all: Option<&str>) -> usize {
    if !matches!(ws.rsc(r).variant, Variant::Clone { .. }) {
        return 0;
    }
    if let Some(v) = ws.rsc(r).meta.get("clone-min") {
        return Score::parse_lenient(v).value().max(0) as usize;
    }
    match require_all {
        Some(v) if parse_bool(Some(v)) != Some(true) => 1,
        _ => 0,
    }
}

/// Orders then after enough instances of first: each instance's action
/// before a `clone-one-or-more:<id>` pseudo action that is runnable once
/// `min` of them are, and that before then (`clone_min_ordering`).
#[allow(clippy::too_many_arguments)]
fn clone_min_ordering(
    ws: &mut WorkingSet,
    id: &str,
    first: RscIdx,
    first_action: &str,
    then: RscIdx,
    then_action: &str,
    flags: u32,
    min: usize,
) {
    let met = super::actions::get_pseudo_op(ws, &format!("clone-one-or-more:{id}"));
    {
        let a = ws.action_mut(met);
        a.required_runnable_before = min;
        a.requires_any = true;
    }
    for child in ws.rsc(first).children.clone() {
        let key = format!("{}_{first_action}_0", ws.rsc(child).id);
        new_ordering(
            ws,
            Ordering {
                first_rsc: Some(child),
                first_task: Some(key),
                first_action: None,
                then_rsc: None,
                then_task: None,
                then_action: Some(met),
                flags: ONE_OR_MORE | IMPLIES_THEN_PRINTED,
            },
        );
    }
    let key = format!("{}_{then_action}_0", ws.rsc(then).id);
    new_ordering(
        ws,
        Ordering {
            first_rsc: None,
            first_task: None,
            first_action: Some(met),
            then_rsc: Some(then),
            then_task: Some(key),
            then_action: None,
            flags: flags | RUNNABLE_LEFT,
        },
    );
}

/// A boolean attribute as `pcmk__xe_get_bool_attr` reads it: `None` when
/// absent or not a boolean.
fn parse_bool(v: Option<&str>) -> Option<bool> {
    match v?.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The symmetry of a set within an ordering (`get_ordering_symmetry` with
/// the constraint's kind and `symmetrical` as defaults).
fn set_symmetry(
    set: &ResourceSet,
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) -> Symmetry {
    let kind = if set.kind.is_some() || set.score.is_some() {
        order_kind(set.kind.as_deref(), set.score)
    } else {
        parent_kind
    };
    let own = set
        .extra
        .iter()
        .find(|(k, _)| k == "symmetrical")
        .map(|(_, v)| v.as_str());
    let explicit = parse_bool(own).or_else(|| parent_symmetrical.map(is_true));
    match explicit {
        Some(true) if kind != Kind::Serialize => Symmetry::Symmetric,
        Some(_) => Symmetry::Asymmetric,
        None if kind == Kind::Serialize => Symmetry::Asymmetric,
        None => Symmetry::Symmetric,
    }
}

/// Orderings within one set (`unpack_order_set`): a sequential set orders
/// each member after the previous one (and, if symmetrical, the inverse
/// actions the other way round); a serialized set orders each member before
/// every later one. A set of one resource orders nothing.
fn unpack_order_set(
    ws: &mut WorkingSet,
    set: &ResourceSet,
    members: &[RscIdx],
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) {
    let action = set.action.clone().unwrap_or_else(|| "start".into());
    let local_kind = match set.kind.as_deref() {
        Some(k) => order_kind(Some(k), None),
        None => parent_kind,
    };
    let sequential = is_true(set.sequential.as_deref().unwrap_or("1"));
    let sym = set_symmetry(set, parent_kind, parent_symmetrical);
    let flags = flags_for_kind(local_kind, &action, sym);
    if members.len() == 1 {
        return;
    }
    let mut last: Option<RscIdx> = None;
    for (i, &r) in members.iter().enumerate() {
        if local_kind == Kind::Serialize {
            for &then in &members[i + 1..] {
                order_rsc_actions(ws, r, &action, then, &action, flags);
            }
        } else if sequential {
            if let Some(l) = last {
                order_rsc_actions(ws, l, &action, r, &action, flags);
            }
            last = Some(r);
        }
    }
    if sym == Symmetry::Asymmetric {
        return;
    }
    let Some(inv) = invert_action(&action) else {
        return;
    };
    let flags = flags_for_kind(local_kind, inv, Symmetry::Inverse);
    let mut last: Option<RscIdx> = None;
    for &r in members {
        if sequential {
            if let Some(l) = last {
                order_rsc_actions(ws, r, inv, l, inv, flags);
            }
            last = Some(r);
        }
    }
}

/// Orders one set relative to the next (`order_rsc_sets`). Only a set
/// explicitly marked sequential is represented by its last (first, for the
/// inverse) member; otherwise every member takes part. A first set with
/// `require-all=false` starts or promotes through a pseudo action that needs
/// just one of its members.
#[allow(clippy::too_many_arguments)]
fn order_rsc_sets(
    ws: &mut WorkingSet,
    set1: &ResourceSet,
    m1: &[RscIdx],
    set2: &ResourceSet,
    m2: &[RscIdx],
    kind: Kind,
    sym: Symmetry,
) {
    let mut a1 = set1.action.clone().unwrap_or_else(|| "start".into());
    let mut a2 = set2.action.clone().unwrap_or_else(|| "start".into());
    let mut require_all = parse_bool(set1.require_all.as_deref()).unwrap_or(true);
    if sym == Symmetry::Inverse {
        let (Some(i1), Some(i2)) = (invert_action(&a1), invert_action(&a2)) else {
            return;
        };
        a1 = i1.to_string();
        a2 = i2.to_string();
    }
    if a1 == "stop" || a1 == "demote" {
        // One-or-more applies only while starting or promoting.
        require_all = true;
    }
    let flags = flags_for_kind(kind, &a1, sym);
    if !require_all {
        let task = format!("one-or-more:{}", set1.id.as_deref().unwrap_or(""));
        let pseudo = super::actions::get_pseudo_op(ws, &task);
        ws.action_mut(pseudo).requires_any = true;
        for &r1 in m1 {
            let key = super::actions::op_key(&ws.rsc(r1).id, &a1, 0);
            super::actions::new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r1),
                    first_task: Some(key),
                    first_action: None,
                    then_rsc: None,
                    then_task: None,
                    then_action: Some(pseudo),
                    flags: ONE_OR_MORE | IMPLIES_THEN_PRINTED,
                },
            );
        }
        for &r2 in m2 {
            let key = super::actions::op_key(&ws.rsc(r2).id, &a2, 0);
            super::actions::new_ordering(
                ws,
                Ordering {
                    first_rsc: None,
                    first_task: None,
                    first_action: Some(pseudo),
                    then_rsc: Some(r2),
                    then_task: Some(key),
                    then_action: None,
                    flags: flags | RUNNABLE_LEFT,
                },
            );
        }
        return;
    }
    let explicit_seq = |s: &ResourceSet| s.sequential.as_deref().is_some_and(is_true);
    let r1 = if explicit_seq(set1) {
        if sym == Symmetry::Inverse {
            m1.first().copied()
        } else {
            m1.last().copied()
        }
    } else {
        None
    };
    let r2 = if explicit_seq(set2) {
        if sym == Symmetry::Inverse {
            m2.last().copied()
        } else {
            m2.first().copied()
        }
    } else {
        None
    };
    let firsts: Vec<RscIdx> = r1.map(|r| vec![r]).unwrap_or_else(|| m1.to_vec());
    let thens: Vec<RscIdx> = r2.map(|r| vec![r]).unwrap_or_else(|| m2.to_vec());
    for &f in &firsts {
        for &t in &thens {
            order_rsc_actions(ws, f, &a1, t, &a2, flags);
        }
    }
}

/// Ordered resource sets (`pcmk__unpack_ordering` with sets): each set's
/// own orderings, then each set relative to the one before it (and the
/// inverse, when symmetrical).
fn unpack_order_sets(ws: &mut WorkingSet, o: &cib::Order, kind: Kind, tags: &[cib::Tag]) {
    let sym = symmetry(o.symmetrical.as_deref(), kind);
    let mut last: Option<(&ResourceSet, Vec<RscIdx>)> = None;
    for set in &o.sets {
        let members: Vec<RscIdx> = set
            .resources
            .iter()
            .flat_map(|id| resolve(ws, id, tags))
            .collect();
        unpack_order_set(ws, set, &members, kind, o.symmetrical.as_deref());
        if let Some((lset, lmembers)) = &last {
            order_rsc_sets(ws, lset, lmembers, set, &members, kind, sym);
            if sym == Symmetry::Symmetric {
                order_rsc_sets(ws, set, &members, lset, lmembers, kind, Symmetry::Inverse);
            }
        }
        last = Some((set, members));
    }
}

/// Applies location constraints to resources' allowed-node scores
/// (`pcmk__apply_locations`).
pub fn apply_locations(ws: &mut WorkingSet) {
    for i in 0..ws.locations.len() {
        let loc = ws.locations[i].clone();
        apply_location(ws, loc.rsc, &loc, true);
    }
}

fn apply_location(ws: &mut WorkingSet, r: RscIdx, loc: &LocationCons, first_of_group: bool) {
    if ws.rsc(r).variant == Variant::Group {
        // The group itself, then each member; in colocated groups only the
        // first member keeps the scores, later ones see the nodes at 0.
        apply_location_one(ws, r, loc, false);
        let colocated = ws.rsc(r).group_colocated;
        let mut reset = false;
        for m in ws.rsc(r).children.clone() {
            apply_location_one(ws, m, loc, reset);
            if colocated {
                reset = true;
            }
        }
        let _ = first_of_group;
        return;
    }
    if let Some(d) = ws.bundles.get(&r).cloned() {
        // The bundle, its containers and addresses; the primitive only for
        // a role (`pcmk__bundle_rsc_location`).
        apply_location_one(ws, r, loc, false);
        for rep in &d.replicas {
            apply_location_one(ws, rep.container, loc, false);
            if let Some(ip) = rep.ip {
                apply_location_one(ws, ip, loc, false);
            }
        }
        if let (Some(c), Role::Unpromoted | Role::Promoted) = (d.child, loc.role) {
            apply_location(ws, c, loc, true);
        }
        return;
    }
    if matches!(ws.rsc(r).variant, Variant::Clone { .. }) {
        // The clone itself, then each instance (`clone_rsc_location`).
        apply_location_one(ws, r, loc, false);
        for c in ws.rsc(r).children.clone() {
            apply_location(ws, c, loc, true);
        }
        return;
    }
    apply_location_one(ws, r, loc, false);
}

fn apply_location_one(ws: &mut WorkingSet, r: RscIdx, loc: &LocationCons, zero: bool) {
    if loc.role != Role::Unknown && loc.role != ws.rsc(r).next_role {
        return;
    }
    for &(n, score) in &loc.nodes {
        let score = if zero { Score::ZERO } else { score };
        let rsc = ws.rsc_mut(r);
        match rsc.allowed.get_mut(&n) {
            Some(a) => a.weight += score,
            None => {
                rsc.allowed.insert(
                    n,
                    AllowedNode {
                        weight: score,
                        discover: Discover::Always,
                    },
                );
            }
        }
        let a = ws.rsc_mut(r).allowed.get_mut(&n).expect("inserted above");
        if a.discover < loc.discover {
            a.discover = loc.discover;
            if loc.discover == Discover::Exclusive {
                ws.rsc_mut(r).exclusive_discover = true;
            }
        }
    }
}
