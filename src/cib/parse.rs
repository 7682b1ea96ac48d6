//! Element tree → typed model.
//!
//! The rule throughout: nothing in the document is silently lost. Attributes a
//! struct does not model go to its `extra`, child elements it does not model go
//! to its `unknown`. Where a struct has no `unknown` (an `<expression>`, a
//! `<rsc_location>`, a `<tag>`...), an element that does not fit it is kept
//! whole one level up instead (as [`RuleItem::Unknown`], [`Constraint::Unknown`],
//! in the parent's `unknown`, ...). Only where there is no such place either is
//! the misfit an error, naming line:column. Re-reading what [`super::write`]
//! produced gives the same decisions, hence an equal model.
//!
//! The one exception is the `id` (and any other attribute) of the wrappers
//! `<transient_attributes>`, `<lrm>` and `<lrm_resources>` in a `<node_state>`:
//! the model has no field for them, Pacemaker never reads them, and the corpus
//! is full of generated values like `lrm.auto-2`. They are written back as the
//! node's id.

use super::xml::Element;
use super::*;

/// Why an element could not be read into its typed struct.
#[derive(Debug)]
enum Fail {
    /// The document is wrong (e.g. a score that is not a score): give up.
    Error(CibError),
    /// The element is fine but holds something its struct cannot keep: the
    /// caller keeps it whole as unknown if it can, otherwise reports the error.
    Misfit(CibError),
}

impl From<CibError> for Fail {
    fn from(e: CibError) -> Self {
        Fail::Error(e)
    }
}

impl Fail {
    /// For callers with nowhere to keep a misfit: every failure is an error.
    fn into_error(self) -> CibError {
        match self {
            Fail::Error(e) | Fail::Misfit(e) => e,
        }
    }
}

type Res<T> = Result<T, Fail>;

/// An error about element `el`, at its position and naming its id if it has one.
fn error_at(el: &Element, message: impl Into<String>) -> CibError {
    let mut e = CibError::at(el.pos, message);
    e.id = el.attr("id").map(str::to_string);
    e
}

/// Runs a parser where a misfit has nowhere else to go, so it is an error.
fn strict<T>(r: Res<T>) -> Result<T, CibError> {
    r.map_err(Fail::into_error)
}

/// Wraps a child parser for a place with nowhere to keep a misfit: the child's
/// own reason becomes the error, rather than a vaguer one about its parent.
fn must<T>(parse: impl Fn(&Element) -> Res<T>) -> impl Fn(&Element) -> Res<T> {
    move |e| parse(e).map_err(|f| Fail::Error(f.into_error()))
}

/// Takes an element apart: the typed parser asks for the attributes and
/// children it knows, and whatever nobody asked for is left over as `extra`
/// and `unknown`. This keeps each parser to the list of what it models.
struct Parts<'a> {
    el: &'a Element,
    attr_taken: Vec<bool>,
    child_taken: Vec<bool>,
}

impl<'a> Parts<'a> {
    /// Starts on `el`. No typed struct holds text, so text is a misfit.
    fn new(el: &'a Element) -> Res<Self> {
        if el.text.is_some() {
            return Err(Fail::Misfit(error_at(
                el,
                format!("<{}> holds text, which it cannot have", el.name),
            )));
        }
        Ok(Parts {
            el,
            attr_taken: vec![false; el.attrs.len()],
            child_taken: vec![false; el.children.len()],
        })
    }

    /// An error about this element.
    fn error(&self, message: impl Into<String>) -> CibError {
        error_at(self.el, message)
    }

    /// Takes attribute `name`.
    fn attr(&mut self, name: &str) -> Option<String> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        self.attr_taken[i] = true;
        Some(self.el.attrs[i].1.clone())
    }

    /// Takes an attribute the schema requires; absent reads as empty.
    fn required(&mut self, name: &str) -> String {
        self.attr(name).unwrap_or_default()
    }

    /// Takes attribute `name` if it parses as a `T`; a value that does not
    /// (e.g. a number written oddly in an old CIB) stays in `extra`.
    fn parsed<T: std::str::FromStr>(&mut self, name: &str) -> Option<T> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        let v = self.el.attrs[i].1.trim().parse().ok()?;
        self.attr_taken[i] = true;
        Some(v)
    }

    /// Takes a score attribute. A value that is not a score is an error,
    /// because Pacemaker would read it as something the author did not mean.
    fn score(&mut self, name: &str) -> Result<Option<Score>, CibError> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => Score::parse(&v).map(Some).ok_or_else(|| {
                self.error(format!(
                    "{name}=\"{v}\" in <{}> is not a score \
                     (an integer, INFINITY, +INFINITY, -INFINITY, red, yellow or green)",
                    self.el.name
                ))
            }),
        }
    }

    /// Takes the children named `name` that `parse` can read, in order.
    /// Misfits stay behind for `unknown` (or make this element a misfit).
    fn children<T>(&mut self, name: &str, parse: impl Fn(&Element) -> Res<T>) -> Res<Vec<T>> {
        self.children_where(|c| c.name == name, parse)
    }

    /// Like [`Parts::children`], over the children `pick` chooses.
    fn children_where<T>(
        &mut self,
        pick: impl Fn(&Element) -> bool,
        parse: impl Fn(&Element) -> Res<T>,
    ) -> Res<Vec<T>> {
        let mut out = Vec::new();
        for (i, c) in self.el.children.iter().enumerate() {
            if self.child_taken[i] || !pick(c) {
                continue;
            }
            match parse(c) {
                Ok(v) => {
                    self.child_taken[i] = true;
                    out.push(v);
                }
                Err(Fail::Misfit(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Takes the first child named `name` that `parse` can read; later ones
    /// (a second `<operations>`, say) stay behind for `unknown`.
    fn first<T>(&mut self, name: &str, parse: impl Fn(&Element) -> Res<T>) -> Res<Option<T>> {
        self.first_where(|c| c.name == name, parse)
    }

    /// Like [`Parts::first`], over the children `pick` chooses.
    fn first_where<T>(
        &mut self,
        pick: impl Fn(&Element) -> bool,
        parse: impl Fn(&Element) -> Res<T>,
    ) -> Res<Option<T>> {
        for (i, c) in self.el.children.iter().enumerate() {
            if self.child_taken[i] || !pick(c) {
                continue;
            }
            match parse(c) {
                Ok(v) => {
                    self.child_taken[i] = true;
                    return Ok(Some(v));
                }
                Err(Fail::Misfit(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The attributes nobody took, in document order.
    fn extra(&self) -> Attrs {
        self.el
            .attrs
            .iter()
            .zip(&self.attr_taken)
            .filter(|(_, taken)| !**taken)
            .map(|(kv, _)| kv.clone())
            .collect()
    }

    /// The children nobody took, in document order.
    fn unknown(&self) -> Vec<Element> {
        self.el
            .children
            .iter()
            .zip(&self.child_taken)
            .filter(|(_, taken)| !**taken)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// For structs without `unknown`: leftover children make this a misfit.
    fn no_unknown(&self) -> Res<()> {
        match self.unknown().first() {
            None => Ok(()),
            Some(c) => Err(Fail::Misfit(self.error(format!(
                "<{}> cannot hold <{}> (at {})",
                self.el.name, c.name, c.pos
            )))),
        }
    }

    /// For elements with neither `extra` nor `unknown`: anything left over is
    /// a misfit.
    fn nothing_left(&self) -> Res<()> {
        if let Some((k, _)) = self.extra().first() {
            return Err(Fail::Misfit(
                self.error(format!("<{}> cannot hold attribute {k}", self.el.name)),
            ));
        }
        self.no_unknown()
    }
}

/// Parses a `<cib>` element.
pub fn cib(root: &Element) -> Result<Cib, CibError> {
    if root.name != "cib" {
        return Err(error_at(
            root,
            format!("the root element is <{}>, not <cib>", root.name),
        ));
    }
    let mut p = strict(Parts::new(root))?;
    let attrs = root.attrs.clone();
    let configuration =
        strict(p.first("configuration", |e| configuration(e).map_err(Fail::Error)))?
            .ok_or_else(|| error_at(root, "<cib> has no <configuration>"))?;
    let status = strict(p.first("status", |e| status(e).map_err(Fail::Error)))?.unwrap_or_default();
    Ok(Cib {
        attrs,
        configuration: std::sync::Arc::new(configuration),
        status,
        unknown: p.unknown(),
    })
}

/// Sections that hold no attributes in the schema and have no field for them:
/// an attribute there would be lost, so it is an error.
fn no_attrs(el: &Element) -> Result<(), CibError> {
    match el.attrs.first() {
        None => Ok(()),
        Some((k, _)) => Err(error_at(
            el,
            format!("<{}> cannot have attributes (found {k})", el.name),
        )),
    }
}

/// Children of a required section that are not what the section holds: the
/// model has nowhere to keep them, so they are an error.
fn only_known(p: &Parts<'_>) -> Result<(), CibError> {
    match p.unknown().first() {
        None => Ok(()),
        Some(c) => Err(error_at(
            c,
            format!("<{}> cannot hold <{}>", p.el.name, c.name),
        )),
    }
}

fn configuration(el: &Element) -> Result<Configuration, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    // The sections every CIB has: if one does not fit, that is an error.
    let crm_config = strict(p.first(
        "crm_config",
        must(|e| nvset_section(e, &["cluster_property_set"])),
    ))?;
    let nodes = strict(p.first("nodes", |e| nodes(e).map_err(Fail::Error)))?;
    let resources = strict(p.first("resources", |e| resources(e).map_err(Fail::Error)))?;
    let constraints = strict(p.first("constraints", must(constraints)))?;
    let defaults = must(|e| nvset_section(e, &["meta_attributes", "instance_attributes"]));
    let rsc_defaults = strict(p.first("rsc_defaults", &defaults))?;
    let op_defaults = strict(p.first("op_defaults", &defaults))?;
    // The optional sections fall back to `unknown` whole when they do not fit.
    let fencing_topology = strict(p.first("fencing-topology", fencing_topology))?;
    let tags = strict(p.first("tags", tags))?;
    let alerts = strict(p.first("alerts", alerts))?;
    Ok(Configuration {
        crm_config: crm_config.unwrap_or_default(),
        nodes: nodes.unwrap_or_default(),
        resources: resources.unwrap_or_default(),
        constraints: constraints.unwrap_or_default(),
        rsc_defaults: rsc_defaults.unwrap_or_default(),
        op_defaults: op_defaults.unwrap_or_default(),
        fencing_topology,
        tags,
        alerts,
        unknown: p.unknown(),
    })
}

/// A section made of name/value sets with the given element names.
fn nvset_section(el: &Element, tags: &[&str]) -> Res<Vec<NvSet>> {
    no_attrs(el)?;
    let mut p = Parts::new(el)?;
    let sets = p.children_where(|c| tags.contains(&c.name.as_str()), must(nvset))?;
    only_known(&p)?;
    Ok(sets)
}

/// A `cluster_property_set`, `meta_attributes`, `instance_attributes` or
/// `utilization` (the element name is kept in `tag`).
fn nvset(el: &Element) -> Res<NvSet> {
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

fn nvpair(el: &Element) -> Res<NvPair> {
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
fn rule(el: &Element) -> Res<Rule> {
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
fn bool_op(p: &mut Parts<'_>) -> BoolOp {
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

fn rule_item(el: &Element) -> Result<RuleItem, CibError> {
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
fn attrs_only(el: &Element) -> Res<Attrs> {
    let p = Parts::new(el)?;
    p.no_unknown()?;
    Ok(el.attrs.clone())
}

fn expression(el: &Element) -> Res<Expression> {
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

fn date_expression(el: &Element) -> Res<DateExpression> {
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

fn nodes(el: &Element) -> Result<Vec<NodeConfig>, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let nodes = strict(p.children("node", must(node)))?;
    only_known(&p)?;
    Ok(nodes)
}

fn node(el: &Element) -> Res<NodeConfig> {
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
const RESOURCE_TAGS: [&str; 6] = [
    "primitive",
    "group",
    "clone",
    "master",
    "bundle",
    "template",
];

fn resources(el: &Element) -> Result<Vec<Resource>, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let list =
        strict(p.children_where(|c| RESOURCE_TAGS.contains(&c.name.as_str()), must(resource)))?;
    only_known(&p)?;
    Ok(list)
}

fn resource(el: &Element) -> Res<Resource> {
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

fn primitive(el: &Element) -> Res<Primitive> {
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

fn operations(el: &Element) -> Res<Operations> {
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

fn op(el: &Element) -> Res<Op> {
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

fn group(el: &Element) -> Res<Group> {
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

fn clone(el: &Element) -> Res<Clone> {
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

fn bundle(el: &Element) -> Res<Bundle> {
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

/// `<constraints>`: a constraint that does not fit its struct is kept whole
/// as [`Constraint::Unknown`].
fn constraints(el: &Element) -> Res<Vec<Constraint>> {
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

fn constraint(el: &Element) -> Res<Constraint> {
    Ok(match el.name.as_str() {
        "rsc_location" => Constraint::Location(location(el)?),
        "rsc_colocation" => Constraint::Colocation(colocation(el)?),
        "rsc_order" => Constraint::Order(order(el)?),
        "rsc_ticket" => Constraint::Ticket(ticket_constraint(el)?),
        _ => Constraint::Unknown(el.clone()),
    })
}

fn location(el: &Element) -> Res<Location> {
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

fn colocation(el: &Element) -> Res<Colocation> {
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

fn order(el: &Element) -> Res<Order> {
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

fn ticket_constraint(el: &Element) -> Res<TicketConstraint> {
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

fn resource_set(el: &Element) -> Res<ResourceSet> {
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
fn id_ref_only(el: &Element) -> Res<String> {
    let mut p = Parts::new(el)?;
    let id = p.required("id");
    p.nothing_left()?;
    Ok(id)
}

fn fencing_topology(el: &Element) -> Res<Vec<FencingLevel>> {
    let mut p = Parts::new(el)?;
    let levels = p.children("fencing-level", fencing_level)?;
    p.nothing_left()?;
    Ok(levels)
}

fn fencing_level(el: &Element) -> Res<FencingLevel> {
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
fn split_devices(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

fn tags(el: &Element) -> Res<Vec<Tag>> {
    let mut p = Parts::new(el)?;
    let tags = p.children("tag", tag)?;
    p.nothing_left()?;
    Ok(tags)
}

fn tag(el: &Element) -> Res<Tag> {
    let mut p = Parts::new(el)?;
    let t = Tag {
        id: p.required("id"),
        refs: p.children("obj_ref", id_ref_only)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(t)
}

fn alerts(el: &Element) -> Res<Vec<Alert>> {
    let mut p = Parts::new(el)?;
    let alerts = p.children("alert", alert)?;
    p.nothing_left()?;
    Ok(alerts)
}

fn alert(el: &Element) -> Res<Alert> {
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

fn recipient(el: &Element) -> Res<Recipient> {
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

fn status(el: &Element) -> Result<Status, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let node_states = strict(p.children("node_state", must(node_state)))?;
    let tickets = strict(p.first("tickets", tickets))?;
    Ok(Status {
        node_states,
        tickets,
        unknown: p.unknown(),
    })
}

fn node_state(el: &Element) -> Res<NodeState> {
    let mut p = Parts::new(el)?;
    Ok(NodeState {
        id: p.required("id"),
        uname: p.attr("uname"),
        in_ccm: p.attr("in_ccm"),
        crmd: p.attr("crmd"),
        join: p.attr("join"),
        expected: p.attr("expected"),
        transient: p
            .first("transient_attributes", transient)?
            .unwrap_or_default(),
        lrm: p.first("lrm", lrm)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

/// `<transient_attributes>`: its own attributes are not kept (see the module doc).
fn transient(el: &Element) -> Res<Vec<NvSet>> {
    let mut p = Parts::new(el)?;
    let sets = p.children("instance_attributes", nvset)?;
    p.no_unknown()?;
    Ok(sets)
}

/// `<lrm><lrm_resources>...</lrm_resources></lrm>`: the wrappers' own
/// attributes are not kept (see the module doc).
fn lrm(el: &Element) -> Res<Vec<LrmResource>> {
    let mut p = Parts::new(el)?;
    let inner = p.first("lrm_resources", |e| {
        let mut q = Parts::new(e)?;
        let list = q.children("lrm_resource", lrm_resource)?;
        q.no_unknown()?;
        Ok(list)
    })?;
    p.no_unknown()?;
    Ok(inner.unwrap_or_default())
}

fn lrm_resource(el: &Element) -> Res<LrmResource> {
    let mut p = Parts::new(el)?;
    let r = LrmResource {
        id: p.required("id"),
        class: p.attr("class"),
        provider: p.attr("provider"),
        agent: p.attr("type"),
        container: p.attr("container"),
        ops: p.children("lrm_rsc_op", lrm_op)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(r)
}

/// An `<lrm_rsc_op>`. Numbers that do not parse (old CIBs are not always
/// tidy) stay in `extra` rather than failing the whole CIB.
fn lrm_op(el: &Element) -> Res<LrmOp> {
    let mut p = Parts::new(el)?;
    let op = LrmOp {
        id: p.required("id"),
        operation_key: p.attr("operation_key"),
        operation: p.required("operation"),
        call_id: p.parsed("call-id"),
        rc_code: p.parsed("rc-code"),
        op_status: p.parsed("op-status"),
        interval_ms: p.parsed("interval").unwrap_or(0),
        last_rc_change: p.parsed("last-rc-change"),
        last_run: p.parsed("last-run"),
        exec_time: p.parsed("exec-time"),
        queue_time: p.parsed("queue-time"),
        op_digest: p.attr("op-digest"),
        op_restart_digest: p.attr("op-restart-digest"),
        op_secure_digest: p.attr("op-secure-digest"),
        migrate_source: p.attr("migrate_source"),
        migrate_target: p.attr("migrate_target"),
        transition_key: p.attr("transition-key"),
        transition_magic: p.attr("transition-magic"),
        on_node: p.attr("on_node"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(op)
}

fn tickets(el: &Element) -> Res<Vec<TicketState>> {
    let mut p = Parts::new(el)?;
    let list = p.children("ticket_state", ticket_state)?;
    p.nothing_left()?;
    Ok(list)
}

fn ticket_state(el: &Element) -> Res<TicketState> {
    let mut p = Parts::new(el)?;
    let t = TicketState {
        id: p.required("id"),
        granted: p.attr("granted"),
        standby: p.attr("standby"),
        last_granted: p.attr("last-granted"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a CIB whose `<configuration>` holds `config` and `<status>` holds `status`.
    fn parse(config: &str, status: &str) -> Result<Cib, CibError> {
        let text = format!(
            "<cib epoch=\"1\">\n<configuration>\n{config}\n</configuration>\n<status>\n{status}\n</status>\n</cib>"
        );
        from_str(&text)
    }

    fn config(config: &str) -> Configuration {
        (*parse(config, "").unwrap().configuration).clone()
    }

    #[test]
    fn primitive_with_ops_and_sets() {
        let c = config(
            r#"<resources>
  <primitive id="A" class="ocf" provider="heartbeat" type="IPaddr2" description="vip">
    <instance_attributes id="A-ia"><nvpair id="A-ip" name="ip" value="10.0.0.1"/></instance_attributes>
    <operations>
      <op id="A-mon" name="monitor" interval="10s" timeout="20s" on-fail="restart" role="Started">
        <meta_attributes id="A-mon-meta"><nvpair id="A-mon-d" name="start-delay" value="5"/></meta_attributes>
      </op>
    </operations>
  </primitive>
</resources>"#,
        );
        let Resource::Primitive(p) = &c.resources[0] else {
            panic!("{:?}", c.resources)
        };
        assert_eq!(p.agent.as_deref(), Some("IPaddr2"));
        assert_eq!(p.extra, vec![("description".into(), "vip".into())]);
        assert_eq!(p.instance[0].pairs[0].value.as_deref(), Some("10.0.0.1"));
        let op = &p.operations.as_ref().unwrap().ops[0];
        assert_eq!(op.interval.as_deref(), Some("10s"));
        assert_eq!(op.role.as_deref(), Some("Started"));
        assert_eq!(
            op.attrs,
            vec![
                ("timeout".into(), "20s".into()),
                ("on-fail".into(), "restart".into())
            ]
        );
        assert_eq!(op.get("start-delay"), Some("5"));
    }

    #[test]
    fn master_is_a_legacy_promotable_clone() {
        let c = config(
            r#"<resources><master id="ms"><meta_attributes id="ms-m"/><primitive id="S" class="ocf" provider="pacemaker" type="Stateful"/></master></resources>"#,
        );
        let Resource::Clone(cl) = &c.resources[0] else {
            panic!()
        };
        assert!(cl.legacy_master);
        assert_eq!(cl.child.id(), "S");
    }

    #[test]
    fn clone_without_a_child_is_an_error() {
        let err = parse("<resources>\n<clone id=\"c\"/></resources>", "").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(4));
        assert_eq!(err.id.as_deref(), Some("c"));
    }

    #[test]
    fn bundle_keeps_runtime_network_and_storage() {
        let c = config(
            r#"<resources><bundle id="b"><podman image="x" replicas="2"/><network control-port="3121"/><storage><storage-mapping id="m" target-dir="/t"/></storage><primitive id="p" class="ocf" provider="heartbeat" type="apache"/></bundle></resources>"#,
        );
        let Resource::Bundle(b) = &c.resources[0] else {
            panic!()
        };
        assert_eq!(b.runtime.as_ref().unwrap().name, "podman");
        assert_eq!(b.storage.as_ref().unwrap().children.len(), 1);
        assert_eq!(b.primitive.as_ref().unwrap().id, "p");
        assert!(b.unknown.is_empty());
    }

    #[test]
    fn rules_nest_and_keep_all_expression_kinds() {
        let c = config(
            r##"<constraints><rsc_location id="l" rsc="A">
  <rule id="r" score="+INFINITY" boolean-op="or">
    <expression id="e" attribute="#uname" operation="eq" value="n1" type="string"/>
    <date_expression id="d" operation="date_spec"><date_spec id="ds" hours="9-16"/></date_expression>
    <rule id="r2" boolean-op="xor"><expression id="e2" attribute="a" operation="defined"/></rule>
    <op_expression id="o" name="monitor"/>
    <expression id="odd" attribute="a" operation="eq"><surprise/></expression>
  </rule>
</rsc_location></constraints>"##,
        );
        let Constraint::Location(l) = &c.constraints[0] else {
            panic!()
        };
        let r = &l.rules[0];
        assert_eq!(r.score, Some(Score::INF));
        assert_eq!(r.boolean_op, BoolOp::Or);
        assert!(
            matches!(&r.items[0], RuleItem::Expr(e) if e.value_type.as_deref() == Some("string"))
        );
        let RuleItem::Date(d) = &r.items[1] else {
            panic!()
        };
        assert_eq!(
            d.date_spec.as_ref().unwrap()[1],
            ("hours".into(), "9-16".into())
        );
        let RuleItem::Rule(inner) = &r.items[2] else {
            panic!()
        };
        // An unusual boolean-op is kept as written rather than normalised away.
        assert_eq!(inner.extra, vec![("boolean-op".into(), "xor".into())]);
        assert!(matches!(&r.items[3], RuleItem::Op(a) if a.len() == 2));
        // An expression with a child it cannot hold is kept whole.
        assert!(matches!(&r.items[4], RuleItem::Unknown(el) if el.children[0].name == "surprise"));
    }

    #[test]
    fn a_constraint_that_does_not_fit_is_kept_whole() {
        let c = config(
            r#"<constraints><rsc_location id="l" rsc="A" node="n" score="1"><lifetime id="lt"/></rsc_location><rsc_weird id="w"/></constraints>"#,
        );
        assert!(matches!(&c.constraints[0], Constraint::Unknown(el) if el.name == "rsc_location"));
        assert!(matches!(&c.constraints[1], Constraint::Unknown(el) if el.name == "rsc_weird"));
    }

    #[test]
    fn old_style_attributes_wrapper_is_kept_unknown() {
        let c = config(
            r#"<resources><primitive id="A" class="ocf" type="Dummy"><instance_attributes id="ia"><attributes><nvpair id="p" name="n" value="v"/></attributes></instance_attributes></primitive></resources>"#,
        );
        let Resource::Primitive(p) = &c.resources[0] else {
            panic!()
        };
        assert!(p.instance[0].pairs.is_empty());
        assert_eq!(p.instance[0].unknown[0].name, "attributes");
    }

    #[test]
    fn scores_accept_pacemaker_spellings_and_refuse_others() {
        for (text, want) in [
            ("+INFINITY", Score::INF),
            ("-INFINITY", Score::NEG_INF),
            ("-200", Score::new(-200)),
            ("red", Score::NEG_INF),
        ] {
            let c = config(&format!(
                r#"<constraints><rsc_colocation id="c" rsc="A" with-rsc="B" score="{text}"/></constraints>"#
            ));
            assert!(
                matches!(&c.constraints[0], Constraint::Colocation(x) if x.score == Some(want))
            );
        }
        let err = parse(
            "<constraints>\n  <rsc_order id=\"o\" first=\"A\" then=\"B\" score=\"1e3\"/>\n</constraints>",
            "",
        )
        .unwrap_err();
        assert_eq!(err.to_string().split(": id").next(), Some("4:3"), "{err}");
        assert_eq!(err.id.as_deref(), Some("o"));
    }

    #[test]
    fn status_history_and_odd_numbers() {
        let s = parse(
            "",
            r#"<node_state id="1" uname="n1" in_ccm="true" crmd="online" crm-debug-origin="x">
  <transient_attributes id="ta"><instance_attributes id="st"><nvpair id="p" name="probe_complete" value="true"/></instance_attributes></transient_attributes>
  <lrm id="lrm.auto-1"><lrm_resources>
    <lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">
      <lrm_rsc_op id="A_last_0" operation="start" call-id="-1" interval="soon" transition-magic="0:7;1:2:3:abc"/>
    </lrm_resource>
  </lrm_resources></lrm>
</node_state>
<tickets><ticket_state id="t" granted="true" owner="me"/></tickets>"#,
        )
        .unwrap()
        .status;
        let n = &s.node_states[0];
        assert_eq!(n.extra, vec![("crm-debug-origin".into(), "x".into())]);
        assert_eq!(n.transient[0].pairs[0].name, "probe_complete");
        let op = &n.lrm.as_ref().unwrap()[0].ops[0];
        assert_eq!(op.call_id, Some(-1));
        assert_eq!(op.rc_code, None);
        assert_eq!(op.status_and_rc(), Some((0, 7)));
        // An interval that is not a number stays as written.
        assert_eq!(op.interval_ms, 0);
        assert_eq!(op.extra_attr("interval"), Some("soon"));
        let t = &s.tickets.as_ref().unwrap()[0];
        assert_eq!(t.extra, vec![("owner".into(), "me".into())]);
    }

    #[test]
    fn unknown_sections_are_kept_and_misplaced_elements_refused() {
        let c = config("<acls><acl_role id=\"r\"/></acls>");
        assert_eq!(c.unknown[0].name, "acls");
        let err = parse("<resources>\n  <thing id=\"t\"/>\n</resources>", "").unwrap_err();
        assert!(err.to_string().starts_with("4:3: id 't'"), "{err}");
        let err = parse("<nodes foo=\"1\"/>", "").unwrap_err();
        assert!(err.to_string().contains("foo"), "{err}");
        let err = parse(
            "<resources><primitive id=\"A\">text</primitive></resources>",
            "",
        )
        .unwrap_err();
        assert!(err.to_string().contains("text"), "{err}");
        // A required section that does not fit is an error, not set aside.
        let err = parse("<crm_config>\n  oops\n</crm_config>", "").unwrap_err();
        assert!(err.to_string().starts_with("3:1:"), "{err}");
    }

    #[test]
    fn optional_section_that_does_not_fit_is_kept_whole() {
        let c = config(r#"<tags><tag id="t"><obj_ref id="A" extra="1"/></tag></tags>"#);
        assert_eq!(c.tags, None);
        assert_eq!(c.unknown[0].name, "tags");
        let c = config(
            r#"<fencing-topology><fencing-level id="f" index="2" target="n1" devices="a,b"/></fencing-topology>"#,
        );
        let l = &c.fencing_topology.unwrap()[0];
        assert_eq!(
            (l.index, l.devices.clone()),
            (2, vec!["a".to_string(), "b".to_string()])
        );
    }
}
