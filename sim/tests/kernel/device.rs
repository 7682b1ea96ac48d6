//! Power switches: each fault mode, timeouts, reboot, wrong outlets, and
//! results for requesters that died.

use sim::{
    DeviceFault, DeviceId, DeviceSpec, DropReason, Duration, Input, Instant, NodeId, PowerAction,
    PowerOutcome, PowerRequest, PowerResult, PowerState, Sim, TraceEvent,
};

use crate::toy::{config, hb, ms, secs, toy, toy_sim, Msg, Toy};

fn pdu() -> DeviceId {
    DeviceId::new("pdu")
}

/// Three nodes and a PDU with outlets "1".."3" wired to them.
fn setup() -> Sim<Toy> {
    let mut sim = toy_sim(config(60), 3, None);
    sim.add_device(
        pdu(),
        DeviceSpec::new([("1", NodeId(1)), ("2", NodeId(2)), ("3", NodeId(3))]),
    );
    sim.run_until(secs(1));
    sim
}

fn fence(sim: &mut Sim<Toy>, outlet: &str, action: PowerAction, timeout_s: u64) {
    sim.command(
        hb(1),
        Msg::Fence(PowerRequest {
            id: 77,
            device: pdu(),
            outlet: Some(outlet.into()),
            action,
            timeout: Duration::from_secs(timeout_s),
        }),
    );
}

/// The power results node 1 got, with their instants.
fn results(sim: &Sim<Toy>) -> Vec<(Instant, PowerResult)> {
    toy(sim, hb(1))
        .log
        .iter()
        .filter_map(|(t, i)| match i {
            Input::PowerResult(r) => Some((*t, r.clone())),
            _ => None,
        })
        .collect()
}

fn outcomes(sim: &Sim<Toy>) -> Vec<(Instant, PowerOutcome)> {
    results(sim)
        .into_iter()
        .map(|(t, r)| (t, r.outcome))
        .collect()
}

#[test]
fn off_cuts_power_after_its_duration_and_reports() {
    let mut sim = setup();
    fence(&mut sim, "2", PowerAction::Off, 20);
    sim.run_until(ms(1999));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    sim.run_until(secs(2));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off);
    assert!(sim.actor(hb(2)).is_none());
    let r = results(&sim);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, secs(2));
    assert_eq!(r[0].1.id, 77);
    assert_eq!(r[0].1.action, PowerAction::Off);
    assert_eq!(
        r[0].1.outcome,
        PowerOutcome::Done {
            powered: Some(false)
        }
    );
    // The power change names the device operation that caused it.
    sim.run_until(secs(60));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off, "off stays off");
}

#[test]
fn reboot_is_off_then_on_then_boot() {
    let mut sim = setup();
    let mut changes = Vec::new();
    fence(&mut sim, "3", PowerAction::Reboot, 20);
    sim.run_until_with(secs(40), |s| {
        for r in s.last_records() {
            if let TraceEvent::Power { node, state, cause } = &r.event {
                changes.push((r.at, *node, *state, cause.clone()));
            }
        }
    });
    let states: Vec<_> = changes.iter().map(|c| (c.0, c.2)).collect();
    assert_eq!(
        states,
        vec![
            (secs(2), PowerState::Off),
            (secs(3), PowerState::Booting),
            (secs(33), PowerState::Up)
        ]
    );
    assert!(matches!(
        changes[0].3,
        sim::PowerCause::Device { op: 0, .. }
    ));
    assert_eq!(
        outcomes(&sim),
        vec![(
            secs(3),
            PowerOutcome::Done {
                powered: Some(true)
            }
        )]
    );
    assert!(sim.actor(hb(3)).is_some());
}

#[test]
fn unreachable_device_fails_after_connect_timeout() {
    let mut sim = setup();
    sim.set_device_fault(pdu(), DeviceFault::Unreachable);
    assert_eq!(sim.device_fault(&pdu()), Some(DeviceFault::Unreachable));
    fence(&mut sim, "2", PowerAction::Off, 20);
    sim.run_until(secs(30));
    assert_eq!(outcomes(&sim), vec![(secs(6), PowerOutcome::Unreachable)]);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    // An unreachable device with a short timeout times out instead.
    fence(&mut sim, "2", PowerAction::Off, 2);
    sim.run_until(secs(40));
    assert_eq!(outcomes(&sim)[1], (secs(32), PowerOutcome::TimedOut));
}

#[test]
fn hung_device_times_out_and_recovers() {
    let mut sim = setup();
    sim.set_device_fault(pdu(), DeviceFault::Hang);
    fence(&mut sim, "2", PowerAction::Reboot, 20);
    sim.run_until(secs(5));
    // Recovery does not rescue a request already hung.
    sim.set_device_fault(pdu(), DeviceFault::Ok);
    sim.run_until(secs(30));
    assert_eq!(outcomes(&sim), vec![(secs(21), PowerOutcome::TimedOut)]);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    fence(&mut sim, "2", PowerAction::Off, 20);
    sim.run_until(secs(40));
    assert_eq!(
        outcomes(&sim)[1],
        (
            secs(31),
            PowerOutcome::Done {
                powered: Some(false)
            }
        )
    );
}

#[test]
fn refusing_device_reports_failure_quickly() {
    let mut sim = setup();
    sim.set_device_fault(pdu(), DeviceFault::Refuse);
    fence(&mut sim, "2", PowerAction::Off, 20);
    sim.run_until(secs(30));
    assert_eq!(outcomes(&sim), vec![(ms(1050), PowerOutcome::Refused)]);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
}

#[test]
fn timeout_between_off_and_on_leaves_the_node_off() {
    let mut sim = setup();
    fence(&mut sim, "2", PowerAction::Reboot, 1);
    sim.run_until(secs(60));
    assert_eq!(outcomes(&sim), vec![(secs(2), PowerOutcome::TimedOut)]);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off);
}

#[test]
fn wrong_outlet_fences_the_node_it_is_wired_to() {
    let mut sim = setup();
    fence(&mut sim, "3", PowerAction::Off, 20);
    fence(&mut sim, "9", PowerAction::Off, 20);
    sim.run_until(secs(10));
    assert_eq!(sim.power_state(NodeId(3)), PowerState::Off);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    let o = outcomes(&sim);
    assert_eq!(o[0], (ms(1050), PowerOutcome::NoSuchOutlet));
    assert!(o[1].1.is_ok());
}

#[test]
fn status_and_unknown_device() {
    let mut sim = setup();
    fence(&mut sim, "2", PowerAction::Status, 20);
    sim.command(
        hb(1),
        Msg::Fence(PowerRequest {
            id: 1,
            device: pdu(),
            outlet: None,
            action: PowerAction::Status,
            timeout: Duration::from_secs(5),
        }),
    );
    sim.command(
        hb(1),
        Msg::Fence(PowerRequest {
            id: 2,
            device: DeviceId::new("nope"),
            outlet: Some("1".into()),
            action: PowerAction::Off,
            timeout: Duration::from_secs(5),
        }),
    );
    sim.run_until(secs(2));
    assert_eq!(
        outcomes(&sim),
        vec![
            (secs(1), PowerOutcome::NoSuchDevice),
            (
                ms(1050),
                PowerOutcome::Done {
                    powered: Some(true)
                }
            ),
            (ms(1050), PowerOutcome::Done { powered: None }),
        ]
    );
}

#[test]
fn requester_that_died_gets_nothing_but_the_power_still_changes() {
    let mut sim = setup();
    fence(&mut sim, "2", PowerAction::Off, 20);
    sim.run_until(ms(1500));
    sim.kill(hb(1));
    sim.start(hb(1));
    let mut dropped = None;
    sim.run_until_with(secs(3), |s| {
        for r in s.last_records() {
            if let TraceEvent::Drop { to, reason, .. } = &r.event {
                if *to == hb(1) {
                    dropped = Some(*reason);
                }
            }
        }
    });
    assert_eq!(dropped, Some(DropReason::Stale));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off);
    assert!(results(&sim).is_empty());
}

#[test]
fn a_node_can_fence_itself() {
    let mut sim = setup();
    fence(&mut sim, "1", PowerAction::Reboot, 20);
    sim.run_until(secs(40));
    assert_eq!(sim.power_state(NodeId(1)), PowerState::Up);
    assert!(results(&sim).is_empty(), "the requester died with its node");
}
