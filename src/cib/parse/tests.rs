//! The parser on small CIBs: what is kept, what is refused and where.

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
    assert!(matches!(&r.items[0], RuleItem::Expr(e) if e.value_type.as_deref() == Some("string")));
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
        assert!(matches!(&c.constraints[0], Constraint::Colocation(x) if x.score == Some(want)));
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
