//! The toy heartbeat cluster through the whole API: scheduled faults of
//! every kind, a fencing device, and a check after every step.

use sim::{
    DeviceFault, DeviceId, DeviceSpec, Duration, Fault, LinkParams, NodeId, PowerAction,
    PowerRequest, PowerState, TraceEvent,
};

use crate::toy::{config, hb, res, secs, toy, toy_sim, Msg};

#[test]
fn heartbeat_cluster_survives_a_fault_program() {
    let n = NodeId;
    let mut c = config(99);
    c.link = LinkParams::new(Duration::from_micros(300), Duration::from_millis(4), 0.02);
    let mut sim = toy_sim(c, 3, Some(Duration::from_millis(200)));
    sim.add_device(
        DeviceId::new("pdu"),
        DeviceSpec::new([("n1", n(1)), ("n2", n(2)), ("n3", n(3))]),
    );
    let program = [
        (
            2,
            Fault::PartitionGroups {
                groups: vec![vec![n(1), n(2)], vec![n(3)]],
            },
        ),
        (4, Fault::Heal),
        (5, Fault::Pause { node: n(2) }),
        (6, Fault::Resume { node: n(2) }),
        (7, Fault::Kill { addr: hb(3) }),
        (8, Fault::Start { addr: hb(3) }),
        (
            9,
            Fault::DeviceFault {
                device: DeviceId::new("pdu"),
                fault: DeviceFault::Hang,
            },
        ),
        (
            12,
            Fault::DeviceFault {
                device: DeviceId::new("pdu"),
                fault: DeviceFault::Ok,
            },
        ),
        (13, Fault::Crash { node: n(3) }),
    ];
    for (at, fault) in program {
        sim.schedule(secs(at), fault);
    }
    let fence = |id| {
        Msg::Fence(PowerRequest {
            id,
            device: DeviceId::new("pdu"),
            outlet: Some("n3".into()),
            action: PowerAction::Reboot,
            timeout: Duration::from_secs(2),
        })
    };
    sim.run_until(secs(10));
    sim.command(hb(1), fence(1)); // hangs: times out at 12s
    sim.run_until(secs(14));
    assert_eq!(sim.power_state(n(3)), PowerState::Halted);
    sim.command(hb(1), fence(2)); // works: n3 off at 15s, on at 16s
    let mut steps = 0u64;
    sim.run_until_with(secs(60), |s| {
        steps += 1;
        // Kernel-level invariant a checker might watch: nothing runs on a
        // node that is not up.
        for (addr, _) in s.processes() {
            assert_eq!(s.power_state(addr.node), PowerState::Up);
        }
        for r in s.last_records() {
            if let TraceEvent::Power { node, state, .. } = &r.event {
                assert_eq!(*node, n(3), "only n3 changes power");
                assert_ne!(*state, PowerState::Halted);
            }
        }
    });
    assert!(steps > 1000);
    // Everyone hears everyone again at the end.
    for a in 1..=3 {
        for b in 1..=3 {
            if a != b {
                assert!(
                    toy(&sim, hb(b)).pings_from(n(a), secs(50)) >= 30,
                    "{a} -> {b}"
                );
            }
        }
    }
    let fence_results: Vec<_> = toy(&sim, hb(1))
        .log
        .iter()
        .filter_map(|(t, i)| match i {
            sim::Input::PowerResult(r) => Some((*t, r.id, r.outcome)),
            _ => None,
        })
        .collect();
    assert_eq!(fence_results.len(), 2);
    assert_eq!(fence_results[0].0, secs(12));
    assert!(!fence_results[0].2.is_ok());
    assert_eq!(fence_results[1].0, secs(16));
    assert!(fence_results[1].2.is_ok());
    assert!(toy(&sim, res(3)).spawn.restarts >= 1);
    assert!(sim.trace_len() > 1000);
}
