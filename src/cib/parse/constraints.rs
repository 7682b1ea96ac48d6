//! The `<constraints>` section: location, colocation, order and ticket
//! constraints, and their resource sets.

use super::*;

/// `<constraints>`: a constraint that does not fit its struct is kept whole
/// as [`Constraint::Unknown`].
pub(super) fn constraints(el: &Element) -> Res<Vec<Constraint>> {
    no_attrs(el)?;
    Parts::new(el)?; // refuses text; the children are read below
    el.children
        .iter()
        .map(|c| match constraint(c) {
            Ok(c) => Ok(c),
            Err(Fail::Misfit(_)) => Ok(Constraint::Unknown(c.clone())),
            Err(e) => Err(e),
        })
        .collect()
}

pub(super) fn constraint(el: &Element) -> Res<Constraint> {
    Ok(match el.name.as_str() {
        "rsc_location" => Constraint::Location(location(el)?),
        "rsc_colocation" => Constraint::Colocation(colocation(el)?),
        "rsc_order" => Constraint::Order(order(el)?),
        "rsc_ticket" => Constraint::Ticket(ticket_constraint(el)?),
        _ => Constraint::Unknown(el.clone()),
    })
}

pub(super) fn location(el: &Element) -> Res<Location> {
    let mut p = Parts::new(el)?;
    let c = Location {
        id: p.required("id"),
        rsc: p.attr("rsc"),
        rsc_pattern: p.attr("rsc-pattern"),
        role: p.attr("role"),
        node: p.attr("node"),
        score: p.score("score")?,
        resource_discovery: p.attr("resource-discovery"),
        rules: p.children("rule", rule)?,
        sets: p.children("resource_set", resource_set)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(c)
}

pub(super) fn colocation(el: &Element) -> Res<Colocation> {
    let mut p = Parts::new(el)?;
    let c = Colocation {
        id: p.required("id"),
        rsc: p.attr("rsc"),
        with_rsc: p.attr("with-rsc"),
        rsc_role: p.attr("rsc-role"),
        with_rsc_role: p.attr("with-rsc-role"),
        score: p.score("score")?,
        node_attribute: p.attr("node-attribute"),
        influence: p.attr("influence"),
        sets: p.children("resource_set", resource_set)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(c)
}

pub(super) fn order(el: &Element) -> Res<Order> {
    let mut p = Parts::new(el)?;
    let c = Order {
        id: p.required("id"),
        first: p.attr("first"),
        then: p.attr("then"),
        first_action: p.attr("first-action"),
        then_action: p.attr("then-action"),
        kind: p.attr("kind"),
        score: p.score("score")?,
        symmetrical: p.attr("symmetrical"),
        require_all: p.attr("require-all"),
        sets: p.children("resource_set", resource_set)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(c)
}

pub(super) fn ticket_constraint(el: &Element) -> Res<TicketConstraint> {
    let mut p = Parts::new(el)?;
    let c = TicketConstraint {
        id: p.required("id"),
        rsc: p.attr("rsc"),
        rsc_role: p.attr("rsc-role"),
        ticket: p.required("ticket"),
        loss_policy: p.attr("loss-policy"),
        sets: p.children("resource_set", resource_set)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(c)
}

pub(super) fn resource_set(el: &Element) -> Res<ResourceSet> {
    let mut p = Parts::new(el)?;
    let s = ResourceSet {
        id: p.attr("id"),
        id_ref: p.attr("id-ref"),
        sequential: p.attr("sequential"),
        require_all: p.attr("require-all"),
        ordering: p.attr("ordering"),
        action: p.attr("action"),
        role: p.attr("role"),
        score: p.score("score")?,
        kind: p.attr("kind"),
        resources: p.children("resource_ref", id_ref_only)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(s)
}

/// A `<resource_ref>` or `<obj_ref>`: just an `id` naming something else.
pub(super) fn id_ref_only(el: &Element) -> Res<String> {
    let mut p = Parts::new(el)?;
    let id = p.required("id");
    p.nothing_left()?;
    Ok(id)
}
