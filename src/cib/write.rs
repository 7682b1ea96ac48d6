//! Typed model → element tree, the inverse of [`super::parse`].
//!
//! Attributes are written id first, then the ones the struct models, then
//! `extra` in the order it was read. Children are written in the struct's
//! field order, `unknown` last. Reading the result gives an equal model.

use super::xml::Element;
use super::*;

/// Builds one element: a thin layer over [`Element`] so that each writer
/// below is a list of the struct's fields and nothing else.
struct Out(Element);

impl Out {
    fn new(name: &str) -> Self {
        Out(Element::new(name))
    }

    /// An optional attribute: written when present.
    fn opt(mut self, name: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.set_attr(name, v);
        }
        self
    }

    /// A required attribute: an empty value is how the parser reads an absent
    /// one, so it is not written.
    fn req(self, name: &str, value: &str) -> Self {
        let value = (!value.is_empty()).then_some(value);
        self.opt(name, value)
    }

    /// An attribute that is written whatever its value.
    fn always(mut self, name: &str, value: impl ToString) -> Self {
        self.0.set_attr(name, value.to_string());
        self
    }

    /// A number or score: written when present.
    fn num(self, name: &str, value: Option<impl ToString>) -> Self {
        let text = value.map(|v| v.to_string());
        self.opt(name, text.as_deref())
    }

    /// The unmodelled attributes. `set_attr` keeps a name from being written
    /// twice: a value the parser could not type (say `interval="abc"`) sits in
    /// `extra` under the same name as the field it did not fill.
    fn extra(mut self, extra: &Attrs) -> Self {
        for (k, v) in extra {
            self.0.set_attr(k, v.clone());
        }
        self
    }

    fn child(mut self, child: Element) -> Self {
        self.0.children.push(child);
        self
    }

    fn children(mut self, children: impl IntoIterator<Item = Element>) -> Self {
        self.0.children.extend(children);
        self
    }

    /// Sets of name/value pairs; `tag` names sets built without one.
    fn sets(self, tag: &str, sets: &[NvSet]) -> Self {
        self.children(sets.iter().map(|s| nvset(s, tag)))
    }

    fn unknown(self, unknown: &[Element]) -> Self {
        self.children(unknown.iter().cloned())
    }

    fn done(self) -> Element {
        self.0
    }
}

/// Writes a CIB as a `<cib>` element.
pub fn cib(cib: &Cib) -> Element {
    Out::new("cib")
        .extra(&cib.attrs)
        .child(configuration(&cib.configuration))
        .child(status(&cib.status))
        .unknown(&cib.unknown)
        .done()
}

fn configuration(c: &Configuration) -> Element {
    let section = |name: &str, children: Vec<Element>| Out::new(name).children(children).done();
    let sets = |tag: &str, sets: &[NvSet]| sets.iter().map(|s| nvset(s, tag)).collect::<Vec<_>>();
    let mut out = Out::new("configuration")
        .child(section(
            "crm_config",
            sets("cluster_property_set", &c.crm_config),
        ))
        .child(section("nodes", c.nodes.iter().map(node).collect()))
        .child(section(
            "resources",
            c.resources.iter().map(resource).collect(),
        ))
        .child(section(
            "constraints",
            c.constraints.iter().map(constraint).collect(),
        ));
    // The defaults sections are optional and an empty one says nothing.
    if !c.rsc_defaults.is_empty() {
        out = out.child(section(
            "rsc_defaults",
            sets("meta_attributes", &c.rsc_defaults),
        ));
    }
    if !c.op_defaults.is_empty() {
        out = out.child(section(
            "op_defaults",
            sets("meta_attributes", &c.op_defaults),
        ));
    }
    if let Some(levels) = &c.fencing_topology {
        out = out.child(section(
            "fencing-topology",
            levels.iter().map(fencing_level).collect(),
        ));
    }
    if let Some(tags) = &c.tags {
        out = out.child(section("tags", tags.iter().map(tag).collect()));
    }
    if let Some(alerts) = &c.alerts {
        out = out.child(section("alerts", alerts.iter().map(alert).collect()));
    }
    out.unknown(&c.unknown).done()
}

/// A set of name/value pairs, as the element it was read from (`default_tag`
/// when the set was built in code without one).
fn nvset(s: &NvSet, default_tag: &str) -> Element {
    let tag = if s.tag.is_empty() {
        default_tag
    } else {
        &s.tag
    };
    Out::new(tag)
        .opt("id", s.id.as_deref())
        .opt("id-ref", s.id_ref.as_deref())
        .num("score", s.score)
        .extra(&s.extra)
        .children(s.rules.iter().map(rule))
        .children(s.pairs.iter().map(nvpair))
        .unknown(&s.unknown)
        .done()
}

fn nvpair(p: &NvPair) -> Element {
    Out::new("nvpair")
        .opt("id", p.id.as_deref())
        .opt("id-ref", p.id_ref.as_deref())
        .req("name", &p.name)
        .opt("value", p.value.as_deref())
        .extra(&p.extra)
        .done()
}

fn rule(r: &Rule) -> Element {
    Out::new("rule")
        .opt("id", r.id.as_deref())
        .opt("id-ref", r.id_ref.as_deref())
        .num("score", r.score)
        .opt("score-attribute", r.score_attribute.as_deref())
        // "and" is the default; it is written only when it is not.
        .opt("boolean-op", (r.boolean_op == BoolOp::Or).then_some("or"))
        .opt("role", r.role.as_deref())
        .extra(&r.extra)
        .children(r.items.iter().map(rule_item))
        .done()
}

fn rule_item(item: &RuleItem) -> Element {
    match item {
        RuleItem::Expr(e) => Out::new("expression")
            .opt("id", e.id.as_deref())
            .req("attribute", &e.attribute)
            .req("operation", &e.operation)
            .opt("value", e.value.as_deref())
            .opt("type", e.value_type.as_deref())
            .opt("value-source", e.value_source.as_deref())
            .extra(&e.extra)
            .done(),
        RuleItem::Date(d) => Out::new("date_expression")
            .opt("id", d.id.as_deref())
            .opt("operation", d.operation.as_deref())
            .opt("start", d.start.as_deref())
            .opt("end", d.end.as_deref())
            .extra(&d.extra)
            .children(d.date_spec.as_ref().map(|a| attrs_only("date_spec", a)))
            .children(d.duration.as_ref().map(|a| attrs_only("duration", a)))
            .done(),
        RuleItem::Rule(r) => rule(r),
        RuleItem::Op(a) => attrs_only("op_expression", a),
        RuleItem::Rsc(a) => attrs_only("rsc_expression", a),
        RuleItem::Unknown(el) => el.clone(),
    }
}

fn attrs_only(name: &str, attrs: &Attrs) -> Element {
    Out::new(name).extra(attrs).done()
}

fn node(n: &NodeConfig) -> Element {
    Out::new("node")
        .req("id", &n.id)
        .req("uname", &n.uname)
        .opt("type", n.kind.as_deref())
        .num("score", n.score)
        .extra(&n.extra)
        .sets("instance_attributes", &n.attributes)
        .sets("utilization", &n.utilization)
        .unknown(&n.unknown)
        .done()
}

fn resource(r: &Resource) -> Element {
    match r {
        Resource::Primitive(p) => primitive("primitive", p),
        Resource::Template(p) => primitive("template", p),
        Resource::Group(g) => Out::new("group")
            .req("id", &g.id)
            .extra(&g.extra)
            .sets("meta_attributes", &g.meta)
            .sets("instance_attributes", &g.instance)
            .children(g.members.iter().map(|p| primitive("primitive", p)))
            .unknown(&g.unknown)
            .done(),
        Resource::Clone(c) => Out::new(if c.legacy_master { "master" } else { "clone" })
            .req("id", &c.id)
            .extra(&c.extra)
            .sets("meta_attributes", &c.meta)
            .sets("instance_attributes", &c.instance)
            .child(resource(&c.child))
            .unknown(&c.unknown)
            .done(),
        Resource::Bundle(b) => Out::new("bundle")
            .req("id", &b.id)
            .extra(&b.extra)
            .sets("meta_attributes", &b.meta)
            .children(b.runtime.iter().cloned())
            .children(b.network.iter().cloned())
            .children(b.storage.iter().cloned())
            .children(b.primitive.iter().map(|p| primitive("primitive", p)))
            .unknown(&b.unknown)
            .done(),
    }
}

fn primitive(name: &str, p: &Primitive) -> Element {
    Out::new(name)
        .req("id", &p.id)
        .opt("class", p.class.as_deref())
        .opt("provider", p.provider.as_deref())
        .opt("type", p.agent.as_deref())
        .opt("template", p.template.as_deref())
        .extra(&p.extra)
        .sets("meta_attributes", &p.meta)
        .sets("instance_attributes", &p.instance)
        .sets("utilization", &p.utilization)
        .children(p.operations.as_ref().map(operations))
        .unknown(&p.unknown)
        .done()
}

fn operations(o: &Operations) -> Element {
    Out::new("operations")
        .opt("id", o.id.as_deref())
        .opt("id-ref", o.id_ref.as_deref())
        .extra(&o.extra)
        .children(o.ops.iter().map(op))
        .done()
}

fn op(o: &Op) -> Element {
    Out::new("op")
        .req("id", &o.id)
        .req("name", &o.name)
        .opt("interval", o.interval.as_deref())
        .opt("role", o.role.as_deref())
        .extra(&o.attrs)
        .sets("meta_attributes", &o.meta)
        .sets("instance_attributes", &o.instance)
        .unknown(&o.unknown)
        .done()
}

fn constraint(c: &Constraint) -> Element {
    match c {
        Constraint::Location(l) => Out::new("rsc_location")
            .req("id", &l.id)
            .opt("rsc", l.rsc.as_deref())
            .opt("rsc-pattern", l.rsc_pattern.as_deref())
            .opt("role", l.role.as_deref())
            .opt("node", l.node.as_deref())
            .num("score", l.score)
            .opt("resource-discovery", l.resource_discovery.as_deref())
            .extra(&l.extra)
            .children(l.rules.iter().map(rule))
            .children(l.sets.iter().map(resource_set))
            .done(),
        Constraint::Colocation(c) => Out::new("rsc_colocation")
            .req("id", &c.id)
            .opt("rsc", c.rsc.as_deref())
            .opt("with-rsc", c.with_rsc.as_deref())
            .opt("rsc-role", c.rsc_role.as_deref())
            .opt("with-rsc-role", c.with_rsc_role.as_deref())
            .num("score", c.score)
            .opt("node-attribute", c.node_attribute.as_deref())
            .opt("influence", c.influence.as_deref())
            .extra(&c.extra)
            .children(c.sets.iter().map(resource_set))
            .done(),
        Constraint::Order(o) => Out::new("rsc_order")
            .req("id", &o.id)
            .opt("first", o.first.as_deref())
            .opt("then", o.then.as_deref())
            .opt("first-action", o.first_action.as_deref())
            .opt("then-action", o.then_action.as_deref())
            .opt("kind", o.kind.as_deref())
            .num("score", o.score)
            .opt("symmetrical", o.symmetrical.as_deref())
            .opt("require-all", o.require_all.as_deref())
            .extra(&o.extra)
            .children(o.sets.iter().map(resource_set))
            .done(),
        Constraint::Ticket(t) => Out::new("rsc_ticket")
            .req("id", &t.id)
            .opt("rsc", t.rsc.as_deref())
            .opt("rsc-role", t.rsc_role.as_deref())
            .req("ticket", &t.ticket)
            .opt("loss-policy", t.loss_policy.as_deref())
            .extra(&t.extra)
            .children(t.sets.iter().map(resource_set))
            .done(),
        Constraint::Unknown(el) => el.clone(),
    }
}

fn resource_set(s: &ResourceSet) -> Element {
    Out::new("resource_set")
        .opt("id", s.id.as_deref())
        .opt("id-ref", s.id_ref.as_deref())
        .opt("sequential", s.sequential.as_deref())
        .opt("require-all", s.require_all.as_deref())
        .opt("ordering", s.ordering.as_deref())
        .opt("action", s.action.as_deref())
        .opt("role", s.role.as_deref())
        .num("score", s.score)
        .opt("kind", s.kind.as_deref())
        .extra(&s.extra)
        .children(s.resources.iter().map(|id| ref_to("resource_ref", id)))
        .done()
}

/// A `<resource_ref>` or `<obj_ref>`.
fn ref_to(name: &str, id: &str) -> Element {
    Out::new(name).always("id", id).done()
}

fn fencing_level(l: &FencingLevel) -> Element {
    Out::new("fencing-level")
        .req("id", &l.id)
        .always("index", l.index)
        .opt("target", l.target.as_deref())
        .opt("target-pattern", l.target_pattern.as_deref())
        .opt("target-attribute", l.target_attribute.as_deref())
        .opt("target-value", l.target_value.as_deref())
        .always("devices", l.devices.join(","))
        .extra(&l.extra)
        .done()
}

fn tag(t: &Tag) -> Element {
    Out::new("tag")
        .req("id", &t.id)
        .extra(&t.extra)
        .children(t.refs.iter().map(|id| ref_to("obj_ref", id)))
        .done()
}

fn alert(a: &Alert) -> Element {
    Out::new("alert")
        .req("id", &a.id)
        .req("path", &a.path)
        .extra(&a.extra)
        .sets("meta_attributes", &a.meta)
        .sets("instance_attributes", &a.instance)
        .children(a.recipients.iter().map(recipient))
        .children(a.select.iter().cloned())
        .done()
}

fn recipient(r: &Recipient) -> Element {
    Out::new("recipient")
        .req("id", &r.id)
        .req("value", &r.value)
        .extra(&r.extra)
        .sets("meta_attributes", &r.meta)
        .sets("instance_attributes", &r.instance)
        .done()
}

fn status(s: &Status) -> Element {
    let mut out = Out::new("status").children(s.node_states.iter().map(|n| node_state(n)));
    if let Some(tickets) = &s.tickets {
        out = out.child(
            Out::new("tickets")
                .children(tickets.iter().map(ticket_state))
                .done(),
        );
    }
    out.unknown(&s.unknown).done()
}

fn node_state(n: &NodeState) -> Element {
    let mut out = Out::new("node_state")
        .req("id", &n.id)
        .opt("uname", n.uname.as_deref())
        .opt("in_ccm", n.in_ccm.as_deref())
        .opt("crmd", n.crmd.as_deref())
        .opt("join", n.join.as_deref())
        .opt("expected", n.expected.as_deref())
        .extra(&n.extra);
    // The wrappers take the node's id, as Pacemaker writes them; the ids
    // they were read with are not in the model (see parse.rs).
    if !n.transient.is_empty() {
        out = out.child(
            Out::new("transient_attributes")
                .req("id", &n.id)
                .sets("instance_attributes", &n.transient)
                .done(),
        );
    }
    if let Some(resources) = &n.lrm {
        let inner = Out::new("lrm_resources")
            .children(resources.iter().map(|r| lrm_resource(r)))
            .done();
        out = out.child(Out::new("lrm").req("id", &n.id).child(inner).done());
    }
    out.unknown(&n.unknown).done()
}

fn lrm_resource(r: &LrmResource) -> Element {
    Out::new("lrm_resource")
        .req("id", &r.id)
        .opt("type", r.agent.as_deref())
        .opt("class", r.class.as_deref())
        .opt("provider", r.provider.as_deref())
        .opt("container", r.container.as_deref())
        .extra(&r.extra)
        .children(r.ops.iter().map(lrm_op))
        .done()
}

fn lrm_op(o: &LrmOp) -> Element {
    Out::new("lrm_rsc_op")
        .req("id", &o.id)
        .opt("operation_key", o.operation_key.as_deref())
        .req("operation", &o.operation)
        .opt("transition-key", o.transition_key.as_deref())
        .opt("transition-magic", o.transition_magic.as_deref())
        .opt("on_node", o.on_node.as_deref())
        .num("call-id", o.call_id)
        .num("rc-code", o.rc_code)
        .num("op-status", o.op_status)
        .always("interval", o.interval_ms)
        .num("last-rc-change", o.last_rc_change)
        .num("last-run", o.last_run)
        .num("exec-time", o.exec_time)
        .num("queue-time", o.queue_time)
        .opt("op-digest", o.op_digest.as_deref())
        .opt("op-restart-digest", o.op_restart_digest.as_deref())
        .opt("op-secure-digest", o.op_secure_digest.as_deref())
        .opt("migrate_source", o.migrate_source.as_deref())
        .opt("migrate_target", o.migrate_target.as_deref())
        .extra(&o.extra)
        .done()
}

fn ticket_state(t: &TicketState) -> Element {
    Out::new("ticket_state")
        .req("id", &t.id)
        .opt("granted", t.granted.as_deref())
        .opt("standby", t.standby.as_deref())
        .opt("last-granted", t.last_granted.as_deref())
        .extra(&t.extra)
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CIB with something of every kind, including what the parser keeps
    /// as extra or unknown.
    const RICH: &str = r#"<cib epoch="3" num_updates="1" admin_epoch="0" validate-with="pacemaker-3.7" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options" score="10">
        <rule id="cps-r" score="0"><date_expression id="cps-d" operation="in_range" start="2020-01-01"><duration id="cps-du" years="1"/></date_expression></rule>
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
        <nvpair id-ref="opt-stonith" name="x"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="n1" type="member" score="-INFINITY">
        <instance_attributes id="n1-ia"><nvpair id="n1-a" name="site" value="a"/></instance_attributes>
        <utilization id="n1-u"><nvpair id="n1-cpu" name="cpu" value="4"/></utilization>
        <junk/>
      </node>
    </nodes>
    <resources>
      <template id="T" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="A" template="T" description="d">
        <meta_attributes id="A-m"><nvpair id="A-tr" name="target-role" value="Started"/></meta_attributes>
        <operations id="A-ops"><op id="A-mon" name="monitor" interval="10" timeout="20"><instance_attributes id="A-mon-ia"/></op></operations>
      </primitive>
      <group id="G" description="g"><primitive id="G1" class="lsb" type="x"/><primitive id="G2" class="lsb" type="y"/></group>
      <master id="M"><meta_attributes id="M-m"/><group id="MG"><primitive id="MG1" class="ocf" provider="pacemaker" type="Stateful"/></group></master>
      <clone id="C"><primitive id="C1" class="ocf" provider="pacemaker" type="Dummy"/></clone>
      <bundle id="B"><docker image="i" replicas="1"/><network control-port="1"><port-mapping id="B-pm" port="80"/></network><storage/><primitive id="B1" class="ocf" provider="heartbeat" type="apache"/></bundle>
    </resources>
    <constraints>
      <rsc_location id="L" rsc="A" role="Started" resource-discovery="never" lifetime="x"><rule id="L-r" score-attribute="w" role="Promoted"><expression id="L-e" attribute="a" operation="gt" value="1" type="integer" value-source="literal"/></rule></rsc_location>
      <rsc_location id="L2" rsc-pattern="^A" node="n1" score="5"/>
      <rsc_colocation id="CO" rsc="A" with-rsc="C" rsc-role="Started" with-rsc-role="Promoted" score="INFINITY" node-attribute="site" influence="false"/>
      <rsc_order id="O" kind="Optional" symmetrical="false" require-all="true" score="0"><resource_set id="O-s" sequential="false" require-all="false" ordering="group" action="start" role="Started" score="3" kind="Mandatory"><resource_ref id="A"/><resource_ref id="G"/></resource_set><resource_set id-ref="O-s"/></rsc_order>
      <rsc_ticket id="TK" rsc="A" rsc-role="Started" ticket="t" loss-policy="stop"/>
      <rsc_unknown id="U"/>
    </constraints>
    <rsc_defaults><meta_attributes id="rd"><rule id="rd-r"><rsc_expression id="rd-e" class="ocf"/></rule><nvpair id="rd-s" name="resource-stickiness" value="1"/></meta_attributes></rsc_defaults>
    <op_defaults><meta_attributes id="od"><nvpair id="od-t" name="timeout" value="30"/></meta_attributes></op_defaults>
    <fencing-topology><fencing-level id="F" index="1" target-pattern="n.*" devices="a, b"/><fencing-level id="F2" index="x" target-attribute="k" target-value="v" devices=""/></fencing-topology>
    <tags><tag id="TG"><obj_ref id="A"/></tag></tags>
    <alerts><alert id="AL" path="/bin/true"><meta_attributes id="AL-m"/><recipient id="AL-r" value="/tmp/x"><instance_attributes id="AL-r-ia"/></recipient><select><select_nodes/></select></alert></alerts>
    <acls/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member" shutdown="0">
      <transient_attributes id="1"><instance_attributes id="st-1"><nvpair id="st-1-p" name="p" value="1"/></instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources><lrm_resource id="A" type="Dummy" class="ocf" provider="pacemaker" container="B" shutdown-lock="0">
        <lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start" transition-key="1:2:3:x" transition-magic="0:0;1:2:3:x" on_node="n1" call-id="4" rc-code="0" op-status="0" interval="0" last-rc-change="1" last-run="2" exec-time="3" queue-time="4" op-digest="d" op-restart-digest="r" op-secure-digest="s" migrate_source="n1" migrate_target="n2" exit-reason=""/>
      </lrm_resource></lrm_resources></lrm>
      <weird/>
    </node_state>
    <tickets><ticket_state id="t" granted="false" standby="true" last-granted="5"/></tickets>
    <other/>
  </status>
  <extra-section/>
</cib>
"#;

    #[test]
    fn rich_cib_round_trips() {
        let cib = from_str(RICH).unwrap();
        validate::check(&cib).unwrap();
        let written = cib.to_xml();
        let again = from_str(&written).unwrap();
        assert_eq!(again, cib, "{written}");
        // And writing is stable from then on.
        assert_eq!(again.to_xml(), written);
    }

    #[test]
    fn id_comes_first_then_known_attributes_then_extra() {
        let cib = from_str(RICH).unwrap();
        let Resource::Primitive(p) = &cib.configuration.resources[1] else {
            panic!()
        };
        let el = primitive("primitive", p);
        let names: Vec<&str> = el.attrs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["id", "template", "description"]);
    }

    #[test]
    fn master_is_written_as_master() {
        let cib = from_str(RICH).unwrap();
        let el = super::cib(&cib);
        let resources = el
            .child("configuration")
            .unwrap()
            .child("resources")
            .unwrap();
        assert!(resources.child("master").is_some());
        assert!(resources.child("clone").is_some());
    }

    #[test]
    fn values_the_parser_could_not_type_are_written_as_read() {
        let cib = from_str(RICH).unwrap();
        let el = super::cib(&cib);
        let levels = el
            .child("configuration")
            .unwrap()
            .child("fencing-topology")
            .unwrap();
        let f2 = &levels.children[1];
        assert_eq!(f2.attr("index"), Some("x"));
        assert_eq!(f2.attrs.iter().filter(|(k, _)| k == "index").count(), 1);
        assert_eq!(levels.children[0].attr("devices"), Some("a, b"));
    }

    #[test]
    fn sets_built_in_code_get_their_slot_name() {
        let set = NvSet {
            id: Some("m".into()),
            ..Default::default()
        };
        assert_eq!(nvset(&set, "meta_attributes").name, "meta_attributes");
    }
}
