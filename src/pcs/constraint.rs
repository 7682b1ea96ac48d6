//! `pcs constraint location|colocation add|order`.

use super::commands::Res;
use super::flags::{split_option, Flags};
use super::ids::{sanitize_id, validate_id, Ids};
use super::lookup::{group_of, kind_of, Kind};
use super::operations::cib_role;
use super::property::is_score;
use super::rule;
use crate::cib::{Cib, Colocation, Constraint, Location, Order, Score};
use indexmap::IndexMap;

/// `validate_constraint_resource`: a clone, bundle, group or primitive not
/// inside a clone or bundle.
pub(super) fn constraint_resource(cib: &Cib, rid: &str, force: bool) -> Res<()> {
    match kind_of(&cib.configuration.resources, rid) {
        None => Err(format!("Resource '{rid}' does not exist")),
        Some((Kind::Clone | Kind::Bundle, _)) => Ok(()),
        Some((_, None)) => Ok(()),
        Some((_, Some(_))) if force => Ok(()),
        Some((_, Some((Kind::Bundle, b)))) => Err(format!(
            "{rid} is a bundle resource, you should use the bundle id: {b} when adding constraints. Use --force to override."
        )),
        Some((_, Some((_, c)))) => Err(format!(
            "{rid} is a clone resource, you should use the clone id: {c} when adding constraints. Use --force to override."
        )),
    }
}

/// `pcs constraint location RSC prefers|avoids NODE[=SCORE]...`
/// (`location_prefer` + `location_add`): a constraint for the same
/// resource and node (or the same id) is replaced.
pub(super) fn location_prefers(
    cib: &mut Cib,
    rsc: &str,
    prefer: bool,
    nodes: &[String],
    flags: &Flags,
) -> Res<()> {
    if nodes.is_empty() {
        return Err("no nodes specified".into());
    }
    if rsc.starts_with("regexp%") {
        return Err("'regexp%' resource patterns are not supported by pacesim's pcs".into());
    }
    let rsc = rsc.strip_prefix("resource%").unwrap_or(rsc);
    let mut parsed = Vec::new();
    for nc in nodes {
        let (node, score) = match nc.split_once('=') {
            None => (
                nc.as_str(),
                if prefer {
                    "INFINITY".to_string()
                } else {
                    "-INFINITY".to_string()
                },
            ),
            Some((n, s)) => {
                if !is_score(s) {
                    return Err(format!(
                        "invalid score '{s}', use integer or INFINITY or -INFINITY"
                    ));
                }
                let s = if prefer {
                    s.to_string()
                } else if let Some(pos) = s.strip_prefix('-') {
                    pos.to_string()
                } else {
                    format!("-{s}")
                };
                // `avoids N=+INFINITY` gives pcs "-+INFINITY", which the
                // CIB schema then refuses.
                if !is_score(&s) {
                    return Err(format!(
                        "Unable to update cib: score '{s}' for node '{n}' does not conform to the schema"
                    ));
                }
                (n, s)
            }
        };
        let id = sanitize_id(&format!("location-{rsc}-{node}-{score}"));
        parsed.push((id, node.to_string(), score));
    }
    for (id, node, score) in parsed {
        validate_id(&id, "constraint id")?;
        constraint_resource(cib, rsc, flags.force)?;
        let cs = &mut cib.config_mut().constraints;
        cs.retain(|c| match c {
            Constraint::Location(l) => {
                !(l.id == id
                    || (l.node.as_deref() == Some(node.as_str()) && l.rsc.as_deref() == Some(rsc)))
            }
            _ => true,
        });
        let score = Score::parse(&score).ok_or_else(|| format!("invalid score '{score}'"))?;
        cs.push(Constraint::Location(Location {
            id,
            rsc: Some(rsc.to_string()),
            node: Some(node),
            score: Some(score),
            ..Location::default()
        }));
    }
    Ok(())
}

/// `pcs constraint location RSC rule [id=] [constraint-id=] [role=]
/// [score=|score-attribute=] [resource-discovery=] EXPRESSION`
/// (`location_rule`, `rule.dom_rule_add`).
pub(super) fn location_rule(cib: &mut Cib, rsc: &str, args: &[String], flags: &Flags) -> Res<()> {
    if rsc.starts_with("regexp%") {
        return Err("'regexp%' resource patterns are not supported by pacesim's pcs".into());
    }
    let rsc = rsc.strip_prefix("resource%").unwrap_or(rsc);
    // parse_argv: leading NAME=VALUE options, in any order.
    let names = [
        "id",
        "role",
        "score",
        "score-attribute",
        "constraint-id",
        "resource-discovery",
    ];
    let mut opts: IndexMap<&str, Option<String>> = names.iter().map(|n| (*n, None)).collect();
    let mut i = 0;
    while i < args.len() {
        let Some(name) = names.iter().find(|n| args[i].starts_with(&format!("{n}="))) else {
            break;
        };
        opts.insert(name, Some(args[i][name.len() + 1..].to_string()));
        i += 1;
    }
    let rule_words = &args[i..];
    constraint_resource(cib, rsc, flags.force)?;
    let score = opts["score"].clone().filter(|s| !s.is_empty());
    let score_attr = opts["score-attribute"].clone().filter(|s| !s.is_empty());
    if score.is_some() && score_attr.is_some() {
        return Err("can not specify both score and score-attribute".into());
    }
    if let Some(s) = &score {
        if !is_score(s) {
            return Err(format!("invalid score '{s}'"));
        }
    }
    let role = match opts["role"].clone().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match cib_role(&r) {
            Some(c @ ("Promoted" | "Unpromoted")) => Some(c.to_string()),
            _ => return Err(format!("invalid role '{r}', use Promoted or Unpromoted")),
        },
    };
    let mut ids = Ids::of(cib);
    if let Some(rid) = opts["id"].clone().filter(|s| !s.is_empty()) {
        validate_id(&rid, "rule id")?;
        if ids.exists(&rid) {
            return Err(format!(
                "id '{rid}' is already in use, please specify another one"
            ));
        }
    }
    if rule_words.is_empty() {
        return Err("no rule expression was specified".into());
    }
    let tree = rule::parse(rule_words).map_err(|e| {
        format!(
            "'{}' is not a valid rule expression: {e}",
            rule_words.join(" ")
        )
    })?;
    let cid = match opts["constraint-id"].clone().filter(|s| !s.is_empty()) {
        Some(c) => {
            validate_id(&c, "constraint id")?;
            if ids.exists(&c) {
                return Err(format!(
                    "id '{c}' is already in use, please specify another one"
                ));
            }
            ids.book(&c)?;
            c
        }
        None => ids.allocate(&sanitize_id(&format!("location-{rsc}"))),
    };
    let rule_id = match opts["id"].clone().filter(|s| !s.is_empty()) {
        Some(r) => {
            ids.book(&r)?;
            r
        }
        None => ids.allocate(&format!("{cid}-rule")),
    };
    let mut r = rule::build(&tree, rule_id, &mut |base| ids.allocate(base));
    // Nested rules get score 0 (the schema wants one; Pacemaker ignores it).
    pub(super) fn zero_nested(r: &mut crate::cib::Rule) {
        for it in &mut r.items {
            if let crate::cib::RuleItem::Rule(n) = it {
                n.score = Some(Score::ZERO);
                zero_nested(n);
            }
        }
    }
    zero_nested(&mut r);
    r.role = role;
    r.score_attribute = score_attr.clone();
    if score_attr.is_none() {
        let s = score.unwrap_or_else(|| "INFINITY".into());
        r.score = Some(Score::parse(&s).ok_or_else(|| format!("invalid score '{s}'"))?);
    }
    let new = Location {
        id: cid,
        rsc: Some(rsc.to_string()),
        resource_discovery: opts["resource-discovery"].clone().filter(|s| !s.is_empty()),
        rules: vec![r],
        ..Location::default()
    };
    if !flags.force {
        let shape = |l: &Location| -> Option<(Option<String>, Vec<String>)> {
            if l.rules.is_empty() {
                return None;
            }
            Some((l.rsc.clone(), l.rules.iter().map(rule_shape).collect()))
        };
        let mine = shape(&new);
        for c in &cib.configuration.constraints {
            if let Constraint::Location(l) = c {
                if shape(l) == mine {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        l.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Location(new));
    Ok(())
}

/// A rule's expressions without ids, to find duplicates
/// (`location_rule_find_duplicates` compares the rules as text).
pub(super) fn rule_shape(r: &crate::cib::Rule) -> String {
    use crate::cib::RuleItem;
    let parts: Vec<String> = r
        .items
        .iter()
        .map(|i| match i {
            RuleItem::Expr(e) => format!(
                "{} {} {} {}",
                e.attribute,
                e.operation,
                e.value_type.as_deref().unwrap_or(""),
                e.value.as_deref().unwrap_or("")
            ),
            RuleItem::Rule(n) => format!("({})", rule_shape(n)),
            _ => "?".into(),
        })
        .collect();
    let op = if r.boolean_op == crate::cib::BoolOp::Or {
        " or "
    } else {
        " and "
    };
    parts.join(op)
}

/// pcs's `is_score_or_opt`.
pub(super) fn is_score_or_opt(w: &str) -> bool {
    is_score(w) || w.contains('=')
}

/// `pcs constraint colocation add [ROLE] RSC with [ROLE] RSC2 [SCORE]
/// [OPTIONS]` (`colocation_add`). The id is computed from the positional
/// score only, as pcs does: `score=50` as an option still gives
/// `colocation-A-B-INFINITY`.
pub(super) fn colocation_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    if args.len() < 3 {
        return Err(
            "usage: pcs constraint colocation add [ROLE] RSC with [ROLE] RSC2 [SCORE] [OPTIONS]"
                .into(),
        );
    }
    let mut a: std::collections::VecDeque<String> = args.iter().cloned().collect();
    let role_of = |r: &str| -> Res<String> {
        cib_role(r).map(str::to_string).ok_or_else(|| {
            format!("invalid role value '{r}', allowed values are: 'Promoted', 'Started', 'Stopped', 'Unpromoted'")
        })
    };
    let mut role1 = None;
    let mut role2 = None;
    if a[2] == "with" {
        role1 = Some(role_of(&a.pop_front().expect("arg"))?);
    } else if a[1] != "with" {
        return Err(format!("expected 'with' after '{}'", a[0]));
    }
    let r1 = a.pop_front().expect("arg");
    a.pop_front();
    if a.iter().any(|w| w == "with") {
        return Err("Multiple 'with's cannot be specified.".into());
    }
    let Some(first) = a.front().cloned() else {
        return Err("missing the resource after 'with'".into());
    };
    let r2 = if a.len() == 1 || is_score_or_opt(&a[1]) {
        a.pop_front();
        first
    } else {
        role2 = Some(role_of(&first)?);
        a.pop_front();
        a.pop_front().expect("arg")
    };
    let score = match a.front() {
        Some(w) if !w.contains('=') => a.pop_front().expect("arg"),
        _ => "INFINITY".to_string(),
    };
    if !is_score(&score) {
        return Err(format!(
            "invalid score '{score}', use integer or INFINITY or -INFINITY"
        ));
    }
    let mut opts: Vec<(String, String)> = Vec::new();
    for w in &a {
        opts.push(split_option(w, false)?);
    }
    constraint_resource(cib, &r1, flags.force)?;
    constraint_resource(cib, &r2, flags.force)?;
    let mut ids = Ids::of(cib);
    let mut c = Colocation {
        rsc: Some(r1.clone()),
        with_rsc: Some(r2.clone()),
        score: Score::parse(&score),
        ..Colocation::default()
    };
    let mut id = None;
    for (k, v) in opts {
        match k.as_str() {
            "id" => {
                validate_id(&v, "constraint id")?;
                if ids.exists(&v) {
                    return Err(format!(
                        "id '{v}' is already in use, please specify another one"
                    ));
                }
                id = Some(v);
            }
            "score" => {
                c.score = Some(Score::parse(&v).ok_or_else(|| format!("invalid score '{v}'"))?)
            }
            "rsc-role" => role1 = Some(role_of(&v)?),
            "with-rsc-role" => role2 = Some(role_of(&v)?),
            "node-attribute" => c.node_attribute = Some(v),
            "influence" => c.influence = Some(v),
            _ => c.extra.push((k, v)),
        }
    }
    // One role given: the other defaults to Started.
    if role1.is_some() || role2.is_some() {
        c.rsc_role = Some(role1.unwrap_or_else(|| "Started".into()));
        c.with_rsc_role = Some(role2.unwrap_or_else(|| "Started".into()));
    }
    c.id = match id {
        Some(i) => i,
        None => ids.allocate(&format!("colocation-{r1}-{r2}-{score}")),
    };
    if !flags.force {
        let norm = |x: &Colocation| {
            (
                x.rsc.clone(),
                x.with_rsc.clone(),
                x.rsc_role.clone().unwrap_or_else(|| "Started".into()),
                x.with_rsc_role.clone().unwrap_or_else(|| "Started".into()),
            )
        };
        for other in &cib.configuration.constraints {
            if let Constraint::Colocation(o) = other {
                if o.sets.is_empty() && norm(o) == norm(&c) {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        o.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Colocation(c));
    Ok(())
}

/// pcs writes both; the CIB schema then refuses the constraint.
pub(super) const KIND_AND_SCORE: &str =
    "Unable to update cib: an order constraint cannot have both 'kind' and 'score'";

pub(super) const ACTIONS: &[&str] = &["start", "stop", "promote", "demote"];

/// `pcs constraint order [ACTION] RSC then [ACTION] RSC2 [OPTIONS]`
/// (`order_start`, `_order_add`).
pub(super) fn order_add(cib: &mut Cib, args: &[String], flags: &Flags) -> Res<()> {
    if args.first().is_some_and(|w| w == "set") {
        return Err("'pcs constraint order set' is not supported by pacesim".into());
    }
    if args.len() < 3 {
        return Err("usage: pcs constraint order [ACTION] RSC then [ACTION] RSC2 [OPTIONS]".into());
    }
    let mut a: std::collections::VecDeque<String> = args.iter().cloned().collect();
    let mut first_action = "start".to_string();
    let mut then_action = "start".to_string();
    if ACTIONS.contains(&a[0].as_str()) {
        first_action = a.pop_front().expect("arg");
    }
    let r1 = a.pop_front().ok_or("missing the first resource")?;
    match a.pop_front() {
        Some(w) if w == "then" => {}
        Some(w) => return Err(format!("expected 'then', got '{w}'")),
        None => return Err("missing 'then'".into()),
    }
    if a.front().is_some_and(|w| ACTIONS.contains(&w.as_str())) {
        then_action = a.pop_front().expect("arg");
    }
    let r2 = a.pop_front().ok_or("missing the resource after 'then'")?;
    if a.iter().any(|w| w == "then") {
        return Err("Multiple 'then's cannot be specified.".into());
    }
    constraint_resource(cib, &r1, flags.force)?;
    constraint_resource(cib, &r2, flags.force)?;
    let rs = &cib.configuration.resources;
    if let (Some(g1), Some(g2)) = (group_of(rs, &r1), group_of(rs, &r2)) {
        if g1 == g2 {
            return Err("Cannot create an order constraint for resources in the same group".into());
        }
    }
    let mut ids = Ids::of(cib);
    let mut o = Order {
        first: Some(r1.clone()),
        then: Some(r2.clone()),
        ..Order::default()
    };
    let mut id = None;
    let mut sym: Option<String> = None;
    let mut suffix = "mandatory".to_string();
    let mut suffix_set = false;
    let mut opts: Vec<String> = a.into_iter().collect();
    opts.push(format!("first-action={first_action}"));
    opts.push(format!("then-action={then_action}"));
    for w in &opts {
        if w == "symmetrical" {
            sym = Some("true".into());
            continue;
        }
        if w == "nonsymmetrical" {
            sym = Some("false".into());
            continue;
        }
        let (k, v) = split_option(w, false)?;
        match k.as_str() {
            "id" => {
                validate_id(&v, "constraint id")?;
                if ids.exists(&v) {
                    return Err(format!(
                        "id '{v}' is already in use, please specify another one"
                    ));
                }
                id = Some(v);
            }
            "symmetrical" => {
                let l = v.to_ascii_lowercase();
                if l != "true" && l != "false" {
                    return Err(format!(
                        "invalid symmetrical value '{v}', allowed values are: true, false"
                    ));
                }
                sym = Some(l);
            }
            "kind" => {
                if o.score.is_some() {
                    return Err(KIND_AND_SCORE.into());
                }
                if !["Optional", "Mandatory", "Serialize"].contains(&v.as_str()) {
                    return Err(format!("invalid kind value '{v}', allowed values are: Optional, Mandatory, Serialize"));
                }
                if !suffix_set {
                    suffix = v.clone();
                    suffix_set = true;
                }
                o.kind = Some(v);
            }
            "score" => {
                if !is_score(&v) {
                    return Err(format!(
                        "invalid score '{v}', use integer or INFINITY or -INFINITY"
                    ));
                }
                if o.kind.is_some() {
                    return Err(KIND_AND_SCORE.into());
                }
                if !suffix_set {
                    suffix = v.clone();
                    suffix_set = true;
                }
                o.score = Score::parse(&v);
            }
            "first-action" => o.first_action = Some(v),
            "then-action" => o.then_action = Some(v),
            "require-all" => o.require_all = Some(v),
            _ => o.extra.push((k, v)),
        }
    }
    o.symmetrical = sym;
    o.id = match id {
        Some(i) => i,
        None => ids.allocate(&format!("order-{r1}-{r2}-{suffix}")),
    };
    if !flags.force {
        let norm = |x: &Order| {
            (
                x.first.clone(),
                x.then.clone(),
                x.first_action
                    .clone()
                    .unwrap_or_else(|| "start".into())
                    .to_ascii_lowercase(),
                x.then_action
                    .clone()
                    .unwrap_or_else(|| "start".into())
                    .to_ascii_lowercase(),
            )
        };
        for other in &cib.configuration.constraints {
            if let Constraint::Order(x) = other {
                if x.sets.is_empty() && norm(x) == norm(&o) {
                    return Err(format!(
                        "duplicate constraint already exists, use --force to override: {}",
                        x.id
                    ));
                }
            }
        }
    }
    cib.config_mut().constraints.push(Constraint::Order(o));
    Ok(())
}
