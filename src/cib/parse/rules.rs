//! Attribute sets (`<instance_attributes>`, `<meta_attributes>`, ...),
//! their name/value pairs, and the rules that select them.

use super::*;

/// A section made of name/value sets with the given element names.
pub(super) fn nvset_section(el: &Element, tags: &[&str]) -> Res<Vec<NvSet>> {
    no_attrs(el)?;
    let mut p = Parts::new(el)?;
    let sets = p.children_where(|c| tags.contains(&c.name.as_str()), must(nvset))?;
    only_known(&p)?;
    Ok(sets)
}

/// A `cluster_property_set`, `meta_attributes`, `instance_attributes` or
/// `utilization` (the element name is kept in `tag`).
pub(super) fn nvset(el: &Element) -> Res<NvSet> {
    let mut p = Parts::new(el)?;
    Ok(NvSet {
        tag: el.name.clone(),
        id: p.attr("id"),
        id_ref: p.attr("id-ref"),
        score: p.score("score")?,
        rules: p.children("rule", rule)?,
        pairs: p.children("nvpair", nvpair)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

pub(super) fn nvpair(el: &Element) -> Res<NvPair> {
    let mut p = Parts::new(el)?;
    let pair = NvPair {
        id: p.attr("id"),
        id_ref: p.attr("id-ref"),
        name: p.required("name"),
        value: p.attr("value"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(pair)
}

/// A `<rule>`. Every child fits (unknown ones become [`RuleItem::Unknown`]),
/// so a rule only misfits when it holds text.
pub(super) fn rule(el: &Element) -> Res<Rule> {
    let mut p = Parts::new(el)?;
    let id = p.attr("id");
    let id_ref = p.attr("id-ref");
    let score = p.score("score")?;
    let score_attribute = p.attr("score-attribute");
    let boolean_op = bool_op(&mut p);
    let role = p.attr("role");
    let items = el
        .children
        .iter()
        .map(rule_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        id,
        id_ref,
        score,
        score_attribute,
        boolean_op,
        role,
        items,
        extra: p.extra(),
    })
}

/// `boolean-op`: Pacemaker compares it without regard to case and treats
/// anything but "or" as "and". Only those two spellings are typed; any other
/// value stays in `extra` so that it is written back as found.
pub(super) fn bool_op(p: &mut Parts<'_>) -> BoolOp {
    let value = p.el.attr("boolean-op").map(str::to_ascii_lowercase);
    match value.as_deref() {
        Some("or") => {
            p.attr("boolean-op");
            BoolOp::Or
        }
        Some("and") => {
            p.attr("boolean-op");
            BoolOp::And
        }
        _ => BoolOp::And,
    }
}

pub(super) fn rule_item(el: &Element) -> Result<RuleItem, CibError> {
    let typed = match el.name.as_str() {
        "expression" => expression(el).map(RuleItem::Expr),
        "date_expression" => date_expression(el).map(RuleItem::Date),
        "rule" => rule(el).map(RuleItem::Rule),
        "op_expression" => attrs_only(el).map(RuleItem::Op),
        "rsc_expression" => attrs_only(el).map(RuleItem::Rsc),
        _ => return Ok(RuleItem::Unknown(el.clone())),
    };
    match typed {
        Ok(item) => Ok(item),
        Err(Fail::Misfit(_)) => Ok(RuleItem::Unknown(el.clone())),
        Err(Fail::Error(e)) => Err(e),
    }
}

/// An element kept as its attribute list: it must have nothing else.
pub(super) fn attrs_only(el: &Element) -> Res<Attrs> {
    let p = Parts::new(el)?;
    p.no_unknown()?;
    Ok(el.attrs.clone())
}

pub(super) fn expression(el: &Element) -> Res<Expression> {
    let mut p = Parts::new(el)?;
    let e = Expression {
        id: p.attr("id"),
        attribute: p.required("attribute"),
        operation: p.required("operation"),
        value: p.attr("value"),
        value_type: p.attr("type"),
        value_source: p.attr("value-source"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(e)
}

pub(super) fn date_expression(el: &Element) -> Res<DateExpression> {
    let mut p = Parts::new(el)?;
    let d = DateExpression {
        id: p.attr("id"),
        operation: p.attr("operation"),
        start: p.attr("start"),
        end: p.attr("end"),
        date_spec: p.first("date_spec", attrs_only)?,
        duration: p.first("duration", attrs_only)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(d)
}
