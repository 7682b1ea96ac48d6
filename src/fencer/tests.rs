//! Device registration from CIBs, and the fencer driven by hand-made
//! switch answers.

use super::*;
use crate::cib;

const NODES: [&str; 3] = ["node1", "node2", "node3"];

fn cib_with(resources: &str, topology: &str, options: &str) -> crate::cib::Cib {
    let text = format!(
        r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o">{options}</cluster_property_set></crm_config>
    <nodes>
      <node id="1" uname="node1"><instance_attributes id="n1"><nvpair id="n1r" name="rack" value="a"/></instance_attributes></node>
      <node id="2" uname="node2"><instance_attributes id="n2"><nvpair id="n2r" name="rack" value="b"/></instance_attributes></node>
      <node id="3" uname="node3"/>
    </nodes>
    <resources>{resources}</resources>
    <constraints/>
    {topology}
  </configuration>
  <status/>
</cib>"#
    );
    cib::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn device(id: &str, attrs: &[(&str, &str)], meta: &[(&str, &str)]) -> String {
    let nv = |set: &str, kv: &[(&str, &str)]| {
        let pairs: String = kv
            .iter()
            .map(|(k, v)| format!(r#"<nvpair id="{id}-{set}-{k}" name="{k}" value="{v}"/>"#))
            .collect();
        format!(r#"<{set} id="{id}-{set}">{pairs}</{set}>"#)
    };
    format!(
        r#"<primitive id="{id}" class="stonith" type="fence_apc">{}{}</primitive>"#,
        nv("instance_attributes", attrs),
        nv("meta_attributes", meta)
    )
}

fn nodes() -> Vec<String> {
    NODES.iter().map(|s| s.to_string()).collect()
}

fn registry(resources: &str, topology: &str) -> Registry {
    Registry::from_cib(&cib_with(resources, topology, "")).unwrap()
}

#[test]
fn host_map_list_and_check_decide_who_a_device_fences() {
    let r = registry(
        &[
            device("map", &[("pcmk_host_map", "node1:1;node2:2")], &[]),
            device("list", &[("pcmk_host_list", "node2, node3")], &[]),
            device("any", &[], &[]),
            device(
                "none",
                &[("pcmk_host_list", "node1"), ("pcmk_host_check", "none")],
                &[],
            ),
            device("off", &[], &[("target-role", "Stopped")]),
        ]
        .concat(),
        "",
    );
    let can = |d: &str, n: &str| {
        let d = r.device(d).unwrap();
        d.can_fence(n, &d.outlets(&nodes()))
    };
    assert!(can("map", "node1") && can("map", "node2") && !can("map", "node3"));
    assert_eq!(r.device("map").unwrap().port_of("node2"), "2");
    assert_eq!(r.device("map").unwrap().host_check, HostCheck::StaticList);
    assert!(!can("list", "node1") && can("list", "node3"));
    assert_eq!(r.device("any").unwrap().host_check, HostCheck::DynamicList);
    assert!(
        NODES.iter().all(|n| can("any", n)),
        "a device without lists has every node as outlet"
    );
    assert!(can("none", "node3"), "pcmk_host_check=none fences anyone");
    assert!(!can("off", "node1"), "a stopped device is not registered");
    let outlets = r.device("map").unwrap().outlets(&nodes());
    assert_eq!(
        outlets.into_iter().collect::<Vec<_>>(),
        [("1".into(), "node1".into()), ("2".into(), "node2".into())]
    );
}

#[test]
fn without_topology_capable_devices_are_tried_by_priority() {
    let r = registry(
        &[
            device("low", &[], &[]),
            device("high", &[], &[("priority", "10")]),
            device(
                "other",
                &[("pcmk_host_list", "node3")],
                &[("priority", "20")],
            ),
        ]
        .concat(),
        "",
    );
    let plan: Vec<Vec<String>> = r
        .plan("node1", &nodes())
        .into_iter()
        .map(|l| l.devices)
        .collect();
    assert_eq!(plan, [vec!["high".to_string()], vec!["low".to_string()]]);
}

#[test]
fn topology_levels_by_target_pattern_and_attribute() {
    let topo = r#"<fencing-topology>
        <fencing-level id="l2" target="node1" index="2" devices="b"/>
        <fencing-level id="l1" target="node1" index="1" devices="a,b"/>
        <fencing-level id="p" target-pattern="node[23]" index="1" devices="b"/>
        <fencing-level id="t" target-attribute="rack" target-value="b" index="2" devices="a"/>
      </fencing-topology>"#;
    let r = registry(
        &[device("a", &[], &[]), device("b", &[], &[])].concat(),
        topo,
    );
    let devs = |n: &str| {
        r.plan(n, &nodes())
            .into_iter()
            .map(|l| (l.index, l.devices.join(",")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        devs("node1"),
        [(1, "a,b".to_string()), (2, "b".to_string())]
    );
    assert_eq!(devs("node2"), [(1, "b".to_string()), (2, "a".to_string())]);
    assert_eq!(devs("node3"), [(1, "b".to_string())]);
}

#[test]
fn bad_configurations_are_named() {
    let topo = r#"<fencing-topology><fencing-level id="lv" target="node1" index="1" devices="ghost"/></fencing-topology>"#;
    let e = Registry::from_cib(&cib_with(&device("a", &[], &[]), topo, "")).unwrap_err();
    assert!(
        e.to_string().contains("'lv'") && e.to_string().contains("'ghost'"),
        "{e}"
    );
    let topo = r#"<fencing-topology><fencing-level id="pat" target-pattern="node[" index="1" devices="a"/></fencing-topology>"#;
    let e = Registry::from_cib(&cib_with(&device("a", &[], &[]), topo, "")).unwrap_err();
    assert!(e.to_string().contains("'pat'"), "{e}");
    let e = Registry::from_cib(&cib_with(
        &device("a", &[("pcmk_host_check", "psychic")], &[]),
        "",
        "",
    ))
    .unwrap_err();
    assert!(e.to_string().contains("psychic"), "{e}");
}

#[test]
fn cluster_options_set_timeout_and_action() {
    let opts = r#"<nvpair id="o1" name="stonith-timeout" value="90s"/><nvpair id="o2" name="stonith-action" value="poweroff"/>"#;
    let r = Registry::from_cib(&cib_with(
        &device("a", &[("pcmk_reboot_timeout", "120")], &[]),
        "",
        opts,
    ))
    .unwrap();
    assert_eq!(r.stonith_timeout, Duration::from_secs(90));
    assert_eq!(r.stonith_action, "off");
    assert_eq!(
        r.device("a").unwrap().timeout("reboot", r.stonith_timeout),
        Duration::from_secs(120)
    );
    assert_eq!(
        r.device("a").unwrap().timeout("off", r.stonith_timeout),
        Duration::from_secs(90)
    );
}

/// Drives a fencer, answering switch requests from a script.
struct Bench {
    f: Fencer,
    now: Instant,
    requests: Vec<PowerRequest>,
    done: Vec<(u64, FenceResult)>,
}

impl Bench {
    fn new(resources: &str, topology: &str) -> Bench {
        Bench {
            f: Fencer::new(
                Config {
                    registry: registry(resources, topology),
                    nodes: nodes(),
                },
                NodeId(1),
                Instant::ZERO,
                [0; 32],
            ),
            now: Instant::from_nanos(0),
            requests: Vec::new(),
            done: Vec::new(),
        }
    }

    fn feed(&mut self, input: Input) {
        for o in self.f.handle(self.now, input) {
            match o {
                Output::Power(r) => self.requests.push(r),
                Output::Done { op, result, .. } => self.done.push((op, result)),
            }
        }
    }

    fn fence(&mut self, op: u64, target: &str, action: FenceAction) {
        self.feed(Input::Fence {
            op,
            target: target.into(),
            action,
        });
    }

    /// Answers the oldest open request; when the fencer then waits (a
    /// retry's pause), lets the time pass.
    fn answer(&mut self, outcome: PowerOutcome) -> PowerRequest {
        let r = self.requests.remove(0);
        self.feed(Input::Power(PowerResult {
            id: r.id,
            device: r.device.clone(),
            outlet: r.outlet.clone(),
            action: r.action,
            outcome,
        }));
        if let (true, Some(t)) = (self.requests.is_empty(), self.f.next_deadline()) {
            self.now = t;
            self.feed(Input::Wake);
        }
        r
    }
}

const OK: PowerOutcome = PowerOutcome::Done { powered: None };

#[test]
fn one_device_reboots_the_target_through_its_port() {
    let mut b = Bench::new(&device("pdu", &[("pcmk_host_map", "node1:7")], &[]), "");
    b.fence(1, "node1", FenceAction::Reboot);
    let r = b.answer(OK);
    assert_eq!(
        (r.device.0.as_str(), r.outlet.as_deref(), r.action),
        ("pdu", Some("7"), PowerAction::Reboot)
    );
    assert_eq!(r.timeout, Duration::from_secs(60));
    assert_eq!(
        b.done,
        [(
            1,
            FenceResult::Success {
                devices: vec!["pdu".into()]
            }
        )]
    );
    assert!(!b.f.fencing("node1"));
}

#[test]
fn a_failing_device_hands_over_to_the_next() {
    let mut b = Bench::new(
        &[
            device("a", &[], &[("priority", "5")]),
            device("b", &[], &[]),
        ]
        .concat(),
        "",
    );
    b.fence(1, "node2", FenceAction::Off);
    // The first device is asked again (pcmk_off_retries) before the next
    // one is tried.
    for _ in 0..DEVICE_TRIES {
        let first = b.answer(PowerOutcome::Unreachable);
        assert_eq!(first.device.0, "a");
        assert!(b.done.is_empty());
    }
    let second = b.answer(OK);
    assert_eq!(
        (second.device.0.as_str(), second.action),
        ("b", PowerAction::Off)
    );
    assert_eq!(
        b.done,
        [(
            1,
            FenceResult::Success {
                devices: vec!["b".into()]
            }
        )]
    );
}

#[test]
fn a_level_of_two_devices_turns_all_off_before_any_on() {
    let topo = r#"<fencing-topology>
        <fencing-level id="l1" target="node1" index="1" devices="psu1,psu2"/>
        <fencing-level id="l2" target="node1" index="2" devices="ipmi"/>
      </fencing-topology>"#;
    let res = [
        device("psu1", &[], &[]),
        device("psu2", &[], &[]),
        device("ipmi", &[], &[]),
    ]
    .concat();
    let mut b = Bench::new(&res, topo);
    b.fence(1, "node1", FenceAction::Reboot);
    let steps: Vec<(String, PowerAction)> = (0..4)
        .map(|_| b.answer(OK))
        .map(|r| (r.device.0, r.action))
        .collect();
    assert_eq!(
        steps,
        [
            ("psu1".into(), PowerAction::Off),
            ("psu2".into(), PowerAction::Off),
            ("psu1".into(), PowerAction::On),
            ("psu2".into(), PowerAction::On)
        ]
    );
    assert_eq!(
        b.done,
        [(
            1,
            FenceResult::Success {
                devices: vec!["psu1".into(), "psu2".into()]
            }
        )]
    );

    // The second supply refuses: the whole level fails, the next one is tried.
    let mut b = Bench::new(&res, topo);
    b.fence(2, "node1", FenceAction::Reboot);
    b.answer(OK);
    for _ in 0..DEVICE_TRIES {
        b.answer(PowerOutcome::Refused);
    }
    let r = b.answer(OK);
    assert_eq!(
        (r.device.0.as_str(), r.action),
        ("ipmi", PowerAction::Reboot)
    );
    assert_eq!(
        b.done,
        [(
            2,
            FenceResult::Success {
                devices: vec!["ipmi".into()]
            }
        )]
    );
}

#[test]
fn when_every_level_fails_the_request_fails_with_the_last_reason() {
    let mut b = Bench::new(&device("pdu", &[], &[]), "");
    b.fence(9, "node3", FenceAction::Reboot);
    b.answer(PowerOutcome::TimedOut);
    match &b.done[..] {
        [(9, FenceResult::Failed { reason })] => assert!(
            reason.contains("pdu") && reason.contains("timed out"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_capable_device_answers_at_once() {
    let mut b = Bench::new(&device("pdu", &[("pcmk_host_list", "node1")], &[]), "");
    b.fence(3, "node2", FenceAction::Reboot);
    assert_eq!(b.done, [(3, FenceResult::NoDevice)]);
    assert!(b.requests.is_empty());
}

#[test]
fn a_second_request_for_the_same_target_joins_the_first() {
    let mut b = Bench::new(&device("pdu", &[], &[]), "");
    b.fence(1, "node1", FenceAction::Reboot);
    b.fence(2, "node1", FenceAction::Reboot);
    assert_eq!(b.requests.len(), 1);
    b.answer(OK);
    assert_eq!(b.done.len(), 2);
}

#[test]
fn delay_base_holds_the_first_request() {
    let mut b = Bench::new(&device("pdu", &[("pcmk_delay_base", "5s")], &[]), "");
    b.fence(1, "node1", FenceAction::Off);
    assert!(b.requests.is_empty());
    assert_eq!(
        b.f.next_deadline(),
        Some(Instant::from_nanos(5_000_000_000))
    );
    b.now = Instant::from_nanos(4_000_000_000);
    b.feed(Input::Wake);
    assert!(b.requests.is_empty(), "an early wake does nothing");
    b.now = Instant::from_nanos(5_000_000_000);
    b.feed(Input::Wake);
    assert_eq!(b.requests.len(), 1);
    b.answer(OK);
    assert_eq!(b.done.len(), 1);
}

#[test]
fn answers_to_unknown_requests_are_ignored() {
    let mut b = Bench::new(&device("pdu", &[], &[]), "");
    b.feed(Input::Power(PowerResult {
        id: 77,
        device: DeviceId::new("pdu"),
        outlet: None,
        action: PowerAction::Off,
        outcome: OK,
    }));
    assert!(b.done.is_empty());
}

#[test]
fn a_refusing_device_is_run_twice_a_second_apart_by_each_peer() {
    let mut b = Bench::new(&device("pdu", &[], &[]), "");
    b.feed(Input::Peers(vec![
        "node1".into(),
        "node2".into(),
        "node3".into(),
    ]));
    b.fence(1, "node2", FenceAction::Reboot);
    let mut asked = Vec::new();
    for _ in 0..4 {
        asked.push(b.now.as_nanos() / 1_000_000_000);
        assert!(b.done.is_empty());
        b.answer(PowerOutcome::Refused);
    }
    // node1 twice (1 s apart), then node3 at once, twice; node2 is the target.
    assert_eq!(asked, [0, 1, 1, 2]);
    assert!(b.requests.is_empty());
    assert!(matches!(&b.done[..], [(1, FenceResult::Failed { .. })]));
}
