//! The `<nodes>` and `<resources>` sections: nodes, primitives and their
//! operations, groups, clones and bundles.

use super::*;

pub(super) fn nodes(el: &Element) -> Result<Vec<NodeConfig>, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let nodes = strict(p.children("node", must(node)))?;
    only_known(&p)?;
    Ok(nodes)
}

pub(super) fn node(el: &Element) -> Res<NodeConfig> {
    let mut p = Parts::new(el)?;
    Ok(NodeConfig {
        id: p.required("id"),
        uname: p.required("uname"),
        kind: p.attr("type"),
        score: p.score("score")?,
        attributes: p.children("instance_attributes", nvset)?,
        utilization: p.children("utilization", nvset)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

/// The element names that are resources inside `<resources>`.
pub(super) const RESOURCE_TAGS: [&str; 6] = [
    "primitive",
    "group",
    "clone",
    "master",
    "bundle",
    "template",
];

pub(super) fn resources(el: &Element) -> Result<Vec<Resource>, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let list =
        strict(p.children_where(|c| RESOURCE_TAGS.contains(&c.name.as_str()), must(resource)))?;
    only_known(&p)?;
    Ok(list)
}

pub(super) fn resource(el: &Element) -> Res<Resource> {
    Ok(match el.name.as_str() {
        "primitive" => Resource::Primitive(primitive(el)?),
        "template" => Resource::Template(primitive(el)?),
        "group" => Resource::Group(group(el)?),
        "clone" | "master" => Resource::Clone(clone(el)?),
        "bundle" => Resource::Bundle(bundle(el)?),
        other => {
            return Err(Fail::Misfit(error_at(
                el,
                format!("<{other}> is not a resource"),
            )))
        }
    })
}

pub(super) fn primitive(el: &Element) -> Res<Primitive> {
    let mut p = Parts::new(el)?;
    Ok(Primitive {
        id: p.required("id"),
        class: p.attr("class"),
        provider: p.attr("provider"),
        agent: p.attr("type"),
        template: p.attr("template"),
        meta: p.children("meta_attributes", nvset)?,
        instance: p.children("instance_attributes", nvset)?,
        utilization: p.children("utilization", nvset)?,
        operations: p.first("operations", operations)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

pub(super) fn operations(el: &Element) -> Res<Operations> {
    let mut p = Parts::new(el)?;
    let ops = Operations {
        id: p.attr("id"),
        id_ref: p.attr("id-ref"),
        ops: p.children("op", op)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(ops)
}

pub(super) fn op(el: &Element) -> Res<Op> {
    let mut p = Parts::new(el)?;
    let id = p.required("id");
    let name = p.required("name");
    let interval = p.attr("interval");
    let role = p.attr("role");
    Ok(Op {
        id,
        name,
        interval,
        role,
        // Everything else about an op is a setting the scheduler looks up by
        // name (timeout, on-fail, ...), so all of it is `attrs`.
        attrs: p.extra(),
        meta: p.children("meta_attributes", nvset)?,
        instance: p.children("instance_attributes", nvset)?,
        unknown: p.unknown(),
    })
}

pub(super) fn group(el: &Element) -> Res<Group> {
    let mut p = Parts::new(el)?;
    Ok(Group {
        id: p.required("id"),
        meta: p.children("meta_attributes", nvset)?,
        instance: p.children("instance_attributes", nvset)?,
        members: p.children("primitive", primitive)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

pub(super) fn clone(el: &Element) -> Res<Clone> {
    let mut p = Parts::new(el)?;
    let id = p.required("id");
    let meta = p.children("meta_attributes", nvset)?;
    let instance = p.children("instance_attributes", nvset)?;
    let child = p
        .first_where(|c| c.name == "primitive" || c.name == "group", resource)?
        .ok_or_else(|| p.error(format!("<{}> has no primitive or group to clone", el.name)))?;
    Ok(Clone {
        id,
        legacy_master: el.name == "master",
        meta,
        instance,
        child: Box::new(child),
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

pub(super) fn bundle(el: &Element) -> Res<Bundle> {
    let mut p = Parts::new(el)?;
    let keep = |e: &Element| -> Res<Element> { Ok(e.clone()) };
    Ok(Bundle {
        id: p.required("id"),
        meta: p.children("meta_attributes", nvset)?,
        runtime: p.first_where(
            |c| ["docker", "podman", "rkt"].contains(&c.name.as_str()),
            keep,
        )?,
        network: p.first("network", keep)?,
        storage: p.first("storage", keep)?,
        primitive: p.first("primitive", primitive)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}
