//! Checks beyond syntax: ids are unique, and references resolve.
//!
//! What a CIB must pass is decided by what Pacemaker accepts, and the ground
//! truth for that is its own regression corpus (`shared/pacemaker/scheduler/
//! xml`): every CIB there passes these checks. Where Pacemaker is lenient the
//! check is relaxed, and the reason is written beside it.
//!
//! That the root is `<cib>` and holds a `<configuration>` is checked by
//! [`super::parse`], since the model cannot represent anything else.

use std::collections::{HashMap, HashSet};

use super::*;

/// Checks the configuration's ids and references.
pub fn check(cib: &Cib) -> Result<(), CibError> {
    let c = &cib.configuration;
    let ids = unique_ids(c)?;
    check_node_ids(c)?;
    check_id_refs(c, &ids)?;
    let resources = ResourceNames::new(c);
    check_templates(c, &resources)?;
    for constraint in &c.constraints {
        check_constraint(constraint, &resources)?;
    }
    Ok(())
}

/// Every id in the configuration that the schema declares an XML ID, with
/// what kind of element holds it.
///
/// Pacemaker validates the CIB against its RELAX NG schema, where these ids
/// are `xsd:ID` and so unique across the whole configuration, whatever the
/// element. Not counted:
/// - node ids: the schema types them as plain text, and a Pacemaker Remote
///   node's `<node>` carries the id of the resource that runs it;
/// - `id` in `<resource_ref>`/`<obj_ref>` and `id-ref` anywhere: references;
/// - the status section: it repeats ids per node by design;
/// - elements kept unknown: we do not know which of their ids are references.
fn unique_ids(c: &Configuration) -> Result<HashMap<&str, &str>, CibError> {
    let mut ids = IdSet::default();
    for s in &c.crm_config {
        ids.nvset(s)?;
    }
    for n in &c.nodes {
        for s in n.attributes.iter().chain(&n.utilization) {
            ids.nvset(s)?;
        }
    }
    for r in &c.resources {
        ids.resource(r)?;
    }
    for con in &c.constraints {
        ids.constraint(con)?;
    }
    for s in c.rsc_defaults.iter().chain(&c.op_defaults) {
        ids.nvset(s)?;
    }
    for l in c.fencing_topology.iter().flatten() {
        ids.add(&l.id, "fencing-level")?;
    }
    for t in c.tags.iter().flatten() {
        ids.add(&t.id, "tag")?;
    }
    for a in c.alerts.iter().flatten() {
        ids.add(&a.id, "alert")?;
        ids.nvsets(&a.meta)?;
        ids.nvsets(&a.instance)?;
        for r in &a.recipients {
            ids.add(&r.id, "recipient")?;
            ids.nvsets(&r.meta)?;
            ids.nvsets(&r.instance)?;
        }
    }
    Ok(ids.0)
}

/// The ids seen so far, each with the kind of element that holds it.
#[derive(Default)]
struct IdSet<'a>(HashMap<&'a str, &'a str>);

impl<'a> IdSet<'a> {
    fn add(&mut self, id: &'a str, kind: &'a str) -> Result<(), CibError> {
        // An empty id is how the parser reads a missing one: nothing to clash.
        if id.is_empty() {
            return Ok(());
        }
        match self.0.insert(id, kind) {
            None => Ok(()),
            Some(first) => Err(CibError::for_id(
                id,
                format!("the id is used more than once in the configuration (by <{first}> and by <{kind}>)"),
            )),
        }
    }

    fn opt(&mut self, id: &'a Option<String>, kind: &'a str) -> Result<(), CibError> {
        match id {
            Some(id) => self.add(id, kind),
            None => Ok(()),
        }
    }

    /// The `id` in an element kept as its attributes (date_spec, op_expression, ...).
    fn attrs(&mut self, attrs: &'a Attrs, kind: &'a str) -> Result<(), CibError> {
        match attrs.iter().find(|(k, _)| k == "id") {
            Some((_, id)) => self.add(id, kind),
            None => Ok(()),
        }
    }

    fn nvsets(&mut self, sets: &'a [NvSet]) -> Result<(), CibError> {
        sets.iter().try_for_each(|s| self.nvset(s))
    }

    fn nvset(&mut self, s: &'a NvSet) -> Result<(), CibError> {
        self.opt(&s.id, if s.tag.is_empty() { "nvset" } else { &s.tag })?;
        for r in &s.rules {
            self.rule(r)?;
        }
        for p in &s.pairs {
            self.opt(&p.id, "nvpair")?;
        }
        Ok(())
    }

    fn rule(&mut self, r: &'a Rule) -> Result<(), CibError> {
        self.opt(&r.id, "rule")?;
        for item in &r.items {
            match item {
                RuleItem::Expr(e) => self.opt(&e.id, "expression")?,
                RuleItem::Date(d) => {
                    self.opt(&d.id, "date_expression")?;
                    if let Some(a) = &d.date_spec {
                        self.attrs(a, "date_spec")?;
                    }
                    if let Some(a) = &d.duration {
                        self.attrs(a, "duration")?;
                    }
                }
                RuleItem::Rule(r) => self.rule(r)?,
                RuleItem::Op(a) => self.attrs(a, "op_expression")?,
                RuleItem::Rsc(a) => self.attrs(a, "rsc_expression")?,
                RuleItem::Unknown(_) => {}
            }
        }
        Ok(())
    }

    fn resource(&mut self, r: &'a Resource) -> Result<(), CibError> {
        match r {
            Resource::Primitive(p) => self.primitive(p, "primitive"),
            Resource::Template(p) => self.primitive(p, "template"),
            Resource::Group(g) => {
                self.add(&g.id, "group")?;
                self.nvsets(&g.meta)?;
                self.nvsets(&g.instance)?;
                g.members
                    .iter()
                    .try_for_each(|p| self.primitive(p, "primitive"))
            }
            Resource::Clone(c) => {
                self.add(&c.id, if c.legacy_master { "master" } else { "clone" })?;
                self.nvsets(&c.meta)?;
                self.nvsets(&c.instance)?;
                self.resource(&c.child)
            }
            Resource::Bundle(b) => {
                self.add(&b.id, "bundle")?;
                self.nvsets(&b.meta)?;
                // port-mapping and storage-mapping ids are XML IDs too.
                for section in b.network.iter().chain(&b.storage) {
                    for m in &section.children {
                        if let Some(id) = m.attr("id") {
                            self.add(id, &m.name)?;
                        }
                    }
                }
                match &b.primitive {
                    Some(p) => self.primitive(p, "primitive"),
                    None => Ok(()),
                }
            }
        }
    }

    fn primitive(&mut self, p: &'a Primitive, kind: &'a str) -> Result<(), CibError> {
        self.add(&p.id, kind)?;
        self.nvsets(&p.meta)?;
        self.nvsets(&p.instance)?;
        self.nvsets(&p.utilization)?;
        if let Some(ops) = &p.operations {
            self.opt(&ops.id, "operations")?;
            for op in &ops.ops {
                self.add(&op.id, "op")?;
                self.nvsets(&op.meta)?;
                self.nvsets(&op.instance)?;
            }
        }
        Ok(())
    }

    fn constraint(&mut self, c: &'a Constraint) -> Result<(), CibError> {
        let (id, kind, sets): (&str, _, &[ResourceSet]) = match c {
            Constraint::Location(l) => {
                for r in &l.rules {
                    self.rule(r)?;
                }
                (&l.id, "rsc_location", &l.sets)
            }
            Constraint::Colocation(c) => (&c.id, "rsc_colocation", &c.sets),
            Constraint::Order(o) => (&o.id, "rsc_order", &o.sets),
            Constraint::Ticket(t) => (&t.id, "rsc_ticket", &t.sets),
            Constraint::Unknown(el) => match el.attr("id") {
                Some(id) => (id, "constraint", &[]),
                None => return Ok(()),
            },
        };
        self.add(id, kind)?;
        sets.iter()
            .try_for_each(|s| self.opt(&s.id, "resource_set"))
    }
}

/// Node ids are not XML IDs (see [`unique_ids`]), but two `<node>`s with one
/// id are two definitions of one node, which Pacemaker cannot tell apart.
fn check_node_ids(c: &Configuration) -> Result<(), CibError> {
    let mut seen = HashSet::new();
    for n in &c.nodes {
        if !n.id.is_empty() && !seen.insert(n.id.as_str()) {
            return Err(CibError::for_id(&n.id, "two <node>s have this id"));
        }
    }
    Ok(())
}

/// Every `id-ref` must name an element that exists: a reference to nothing
/// means a set of attributes, a rule or operations silently missing.
fn check_id_refs(c: &Configuration, ids: &HashMap<&str, &str>) -> Result<(), CibError> {
    let mut refs: Vec<&str> = Vec::new();
    let mut rules: Vec<&Rule> = Vec::new();
    let mut sets: Vec<&NvSet> = Vec::new();
    sets.extend(
        c.crm_config
            .iter()
            .chain(&c.rsc_defaults)
            .chain(&c.op_defaults),
    );
    for n in &c.nodes {
        sets.extend(n.attributes.iter().chain(&n.utilization));
    }
    for p in all_primitives(&c.resources) {
        sets.extend(p.meta.iter().chain(&p.instance).chain(&p.utilization));
        if let Some(ops) = &p.operations {
            refs.extend(ops.id_ref.as_deref());
            for op in &ops.ops {
                sets.extend(op.meta.iter().chain(&op.instance));
            }
        }
    }
    for r in &c.resources {
        match r {
            Resource::Group(g) => sets.extend(g.meta.iter().chain(&g.instance)),
            Resource::Clone(cl) => sets.extend(cl.meta.iter().chain(&cl.instance)),
            Resource::Bundle(b) => sets.extend(&b.meta),
            Resource::Primitive(_) | Resource::Template(_) => {}
        }
    }
    for con in &c.constraints {
        let cs: &[ResourceSet] = match con {
            Constraint::Location(l) => {
                rules.extend(&l.rules);
                &l.sets
            }
            Constraint::Colocation(x) => &x.sets,
            Constraint::Order(x) => &x.sets,
            Constraint::Ticket(x) => &x.sets,
            Constraint::Unknown(_) => &[],
        };
        refs.extend(cs.iter().filter_map(|s| s.id_ref.as_deref()));
    }
    for s in &sets {
        refs.extend(s.id_ref.as_deref());
        refs.extend(s.pairs.iter().filter_map(|p| p.id_ref.as_deref()));
        rules.extend(&s.rules);
    }
    while let Some(r) = rules.pop() {
        refs.extend(r.id_ref.as_deref());
        rules.extend(r.items.iter().filter_map(|i| match i {
            RuleItem::Rule(r) => Some(r),
            _ => None,
        }));
    }
    match refs.into_iter().find(|r| !ids.contains_key(r)) {
        None => Ok(()),
        Some(r) => Err(CibError::for_id(
            r,
            "an id-ref names this id, but no element in the configuration has it",
        )),
    }
}

/// Every primitive, template, group member, cloned and bundled primitive.
fn all_primitives(resources: &[Resource]) -> Vec<&Primitive> {
    fn walk<'a>(r: &'a Resource, out: &mut Vec<&'a Primitive>) {
        match r {
            Resource::Primitive(p) | Resource::Template(p) => out.push(p),
            Resource::Group(g) => out.extend(&g.members),
            Resource::Clone(c) => walk(&c.child, out),
            Resource::Bundle(b) => out.extend(&b.primitive),
        }
    }
    let mut out = Vec::new();
    for r in resources {
        walk(r, &mut out);
    }
    out
}

/// The names a constraint may use for resources.
struct ResourceNames<'a> {
    /// Resource ids at every level, templates included (a constraint on a
    /// template applies to every primitive made from it).
    resources: HashSet<&'a str>,
    /// Template ids, for `template=` references.
    templates: HashSet<&'a str>,
    /// Tag ids: a constraint on a tag applies to everything tagged.
    tags: HashSet<&'a str>,
}

impl<'a> ResourceNames<'a> {
    fn new(c: &'a Configuration) -> Self {
        fn walk<'a>(r: &'a Resource, out: &mut HashSet<&'a str>) {
            out.insert(r.id());
            match r {
                Resource::Group(g) => out.extend(g.members.iter().map(|p| p.id.as_str())),
                Resource::Clone(c) => walk(&c.child, out),
                Resource::Bundle(b) => out.extend(b.primitive.iter().map(|p| p.id.as_str())),
                Resource::Primitive(_) | Resource::Template(_) => {}
            }
        }
        let mut resources = HashSet::new();
        for r in &c.resources {
            walk(r, &mut resources);
        }
        let templates = c
            .resources
            .iter()
            .filter(|r| matches!(r, Resource::Template(_)))
            .map(Resource::id)
            .collect();
        let tags = c.tags.iter().flatten().map(|t| t.id.as_str()).collect();
        ResourceNames {
            resources,
            templates,
            tags,
        }
    }

    /// Whether a constraint may name `id`: a resource, a template, a tag, or
    /// an instance of a clone written `rsc:N`, which Pacemaker resolves to
    /// the clone (`pcmk__find_constraint_resource`).
    fn resolves(&self, id: &str) -> bool {
        if self.resources.contains(id) || self.tags.contains(id) {
            return true;
        }
        match id.rsplit_once(':') {
            Some((base, n)) => {
                !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && self.resources.contains(base)
            }
            None => false,
        }
    }
}

/// A primitive made from a template that does not exist cannot be unpacked:
/// Pacemaker reports "No template named" and drops the resource.
fn check_templates(c: &Configuration, names: &ResourceNames<'_>) -> Result<(), CibError> {
    for p in all_primitives(&c.resources) {
        if let Some(t) = &p.template {
            if !names.templates.contains(t.as_str()) {
                return Err(CibError::for_id(
                    &p.id,
                    format!("the primitive uses template '{t}', which does not exist"),
                ));
            }
        }
    }
    Ok(())
}

/// Every resource a constraint names must exist.
fn check_constraint(c: &Constraint, names: &ResourceNames<'_>) -> Result<(), CibError> {
    let (id, direct, sets): (&str, Vec<&Option<String>>, &[ResourceSet]) = match c {
        Constraint::Location(l) => {
            // With rsc-pattern, `rsc` is absent and the pattern may match nothing.
            (&l.id, vec![&l.rsc], &l.sets)
        }
        Constraint::Colocation(x) => (&x.id, vec![&x.rsc, &x.with_rsc], &x.sets),
        Constraint::Order(x) => (&x.id, vec![&x.first, &x.then], &x.sets),
        Constraint::Ticket(x) => (&x.id, vec![&x.rsc], &x.sets),
        Constraint::Unknown(_) => return Ok(()),
    };
    let named = direct.into_iter().flatten().map(String::as_str).chain(
        sets.iter()
            .flat_map(|s| s.resources.iter().map(String::as_str)),
    );
    for rsc in named {
        if !names.resolves(rsc) {
            return Err(CibError::for_id(
                id,
                format!("the constraint names resource '{rsc}', which does not exist"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and checks a CIB with these resources and constraints (and
    /// optionally more configuration sections).
    fn check_text(resources: &str, constraints: &str, more: &str) -> Result<(), CibError> {
        let text = format!(
            "<cib><configuration><crm_config/><nodes><node id=\"1\" uname=\"n1\"/><node id=\"R\" uname=\"R\" type=\"remote\"/></nodes>\
             <resources>{resources}</resources><constraints>{constraints}</constraints>{more}</configuration><status/></cib>"
        );
        check(&from_str(&text)?)
    }

    const BASE: &str = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>
<clone id="C"><primitive id="C1" class="ocf" provider="pacemaker" type="Dummy"/></clone>
<template id="T" class="ocf" provider="pacemaker" type="Dummy"/>
<primitive id="R" class="ocf" provider="pacemaker" type="remote"/>"#;

    fn err(resources: &str, constraints: &str, more: &str) -> String {
        check_text(resources, constraints, more)
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn a_remote_node_may_share_its_resource_id() {
        check_text(BASE, "", "").unwrap();
    }

    #[test]
    fn constraints_may_name_instances_templates_tags_and_patterns() {
        let constraints = r#"<rsc_location id="l1" rsc="C1:0" node="n1" score="1"/>
<rsc_location id="l2" rsc="T" node="n1" score="1"/>
<rsc_location id="l3" rsc="TG" node="n1" score="1"/>
<rsc_location id="l4" rsc-pattern="^nothing$" node="n1" score="1"/>
<rsc_ticket id="t1" ticket="tk"><resource_set id="s"><resource_ref id="C"/><resource_ref id="TG"/></resource_set></rsc_ticket>"#;
        let tags = r#"<tags><tag id="TG"><obj_ref id="A"/></tag></tags>"#;
        check_text(BASE, constraints, tags).unwrap();
    }

    #[test]
    fn instance_suffix_must_be_a_number_on_a_real_resource() {
        let msg = err(BASE, r#"<rsc_order id="o" first="A" then="C1:x"/>"#, "");
        assert!(msg.contains("'o'") && msg.contains("C1:x"), "{msg}");
        let msg = err(BASE, r#"<rsc_order id="o" first="Z:0" then="A"/>"#, "");
        assert!(msg.contains("Z:0"), "{msg}");
    }

    #[test]
    fn duplicate_ids_deep_inside_are_found() {
        let resources = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
<operations><op id="x" name="monitor" interval="10"/></operations></primitive>"#;
        let constraints = r#"<rsc_location id="l" rsc="A"><rule id="r" score="1"><expression id="x" attribute="a" operation="defined"/></rule></rsc_location>"#;
        let msg = err(resources, constraints, "");
        assert!(
            msg.starts_with("id 'x': ") && msg.contains("<op>") && msg.contains("<expression>"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_nodes_are_refused() {
        let text = "<cib><configuration><nodes><node id=\"1\" uname=\"a\"/><node id=\"1\" uname=\"b\"/></nodes></configuration></cib>";
        let msg = check(&from_str(text).unwrap()).unwrap_err().to_string();
        assert!(msg.contains("'1'"), "{msg}");
    }

    #[test]
    fn dangling_id_ref_is_refused() {
        let resources = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id-ref="nowhere"/></primitive>"#;
        let msg = err(resources, "", "");
        assert!(msg.contains("'nowhere'"), "{msg}");
        let resources = r#"<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="m"/></primitive>
<primitive id="B" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id-ref="m"/></primitive>"#;
        check_text(resources, "", "").unwrap();
    }

    #[test]
    fn missing_template_is_refused() {
        let msg = err(r#"<primitive id="P" template="nope"/>"#, "", "");
        assert!(msg.contains("'P'") && msg.contains("nope"), "{msg}");
    }

    #[test]
    fn status_ids_may_repeat() {
        let text = r#"<cib><configuration><nodes/></configuration><status>
<node_state id="1"><lrm id="1"><lrm_resources><lrm_resource id="A"><lrm_rsc_op id="A_last_0" operation="start"/></lrm_resource></lrm_resources></lrm></node_state>
<node_state id="2"><lrm id="2"><lrm_resources><lrm_resource id="A"><lrm_rsc_op id="A_last_0" operation="start"/></lrm_resource></lrm_resources></lrm></node_state>
</status></cib>"#;
        check(&from_str(text).unwrap()).unwrap();
    }
}
