//! Same seed, same inputs: byte-identical trace. Different seed: different.

use sim::{
    DeviceId, DeviceSpec, Duration, LinkParams, NodeId, PowerAction, PowerRequest, SimConfig,
    TraceConfig, TraceSink,
};

use crate::toy::{config, hb, ms, secs, toy, toy_sim, Msg};

/// A busy run: loss, jitter, partitions, a pause, a crash, a power cycle and
/// a fencing operation.
fn busy_run(seed: u64) -> (Vec<u8>, u64) {
    let mut c = config(seed);
    c.link = LinkParams::new(Duration::from_micros(200), Duration::from_millis(8), 0.05);
    let mut sim = toy_sim(c, 4, Some(Duration::from_millis(100)));
    sim.add_device(
        DeviceId::new("pdu"),
        DeviceSpec::new([("1", NodeId(1)), ("2", NodeId(2)), ("3", NodeId(3))]),
    );
    sim.run_until(secs(1));
    sim.partition(NodeId(1), NodeId(2));
    sim.pause_for(NodeId(4), Duration::from_millis(700));
    sim.run_until(secs(2));
    sim.crash(NodeId(3));
    sim.heal();
    sim.command(
        hb(1),
        Msg::Fence(PowerRequest {
            id: 9,
            device: DeviceId::new("pdu"),
            outlet: Some("3".into()),
            action: PowerAction::Reboot,
            timeout: Duration::from_secs(10),
        }),
    );
    sim.run_until(secs(4));
    sim.power_off(NodeId(2));
    sim.run_until(ms(4500));
    sim.power_on(NodeId(2));
    sim.run_until(secs(40));
    assert!(sim.actor(hb(3)).is_some(), "node 3 was rebooted by the PDU");
    assert!(toy(&sim, hb(2)).spawn.restarts == 1);
    (sim.trace_bytes().to_vec(), sim.trace_hash().unwrap())
}

#[test]
fn same_seed_gives_identical_trace_bytes() {
    let (a, ha) = busy_run(7);
    let (b, hb_) = busy_run(7);
    assert!(a.len() > 100_000, "trace suspiciously short: {}", a.len());
    assert!(a == b, "same seed, different traces");
    assert_eq!(ha, hb_);
}

#[test]
fn different_seed_gives_different_trace() {
    let (a, ha) = busy_run(7);
    let (b, hb_) = busy_run(8);
    assert_ne!(a, b);
    assert_ne!(ha, hb_);
}

#[test]
fn hash_sink_matches_memory_sink() {
    let run = |sink: TraceSink| {
        let mut c = config(11);
        c.trace = TraceConfig {
            sink,
            bodies: true,
            step_messages: true,
        };
        let mut sim = toy_sim(c, 3, Some(Duration::from_millis(100)));
        sim.run_until(secs(2));
        (sim.trace_bytes().to_vec(), sim.trace_hash())
    };
    let (bytes, memory_hash) = run(TraceSink::Memory);
    let (none, hash_only) = run(TraceSink::Hash);
    assert!(none.is_empty());
    assert_eq!(memory_hash, hash_only);
    assert_eq!(memory_hash, Some(sim::rng::fnv1a64(&bytes)));
}

#[test]
fn trace_is_numbered_json_lines_with_bodies_on_sends() {
    let mut sim = toy_sim(config(1), 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    let text = std::str::from_utf8(sim.trace_bytes()).unwrap();
    let mut sends = 0;
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["n"], i as u64);
        assert!(v["at"].is_u64());
        let ev = v["ev"].as_str().unwrap();
        if ev == "send" {
            sends += 1;
            assert!(v.get("body").is_some(), "send without body: {line}");
        } else {
            assert!(v.get("body").is_none());
        }
    }
    assert!(sends > 20);
    assert_eq!(sim.trace_len() as usize, text.lines().count());
}

#[test]
fn sink_off_records_nothing_but_keeps_last_records() {
    let mut c = SimConfig::new(3);
    c.trace.sink = TraceSink::Off;
    let mut sim = toy_sim(c, 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    assert!(sim.trace_hash().is_none());
    assert!(sim.trace_bytes().is_empty());
    sim.step();
    assert!(!sim.last_records().is_empty());
}

/// Adding a node must not change the random draws of other links or the
/// seeds of other processes.
#[test]
fn adding_a_node_keeps_other_streams() {
    let run = |nodes: u32| {
        let mut sim = toy_sim(config(5), nodes, None);
        sim.run_until(ms(1));
        sim.command(hb(1), Msg::SendData { to: 2, count: 200 });
        if nodes == 3 {
            sim.command(hb(3), Msg::SendData { to: 2, count: 50 });
            sim.command(hb(3), Msg::SendData { to: 1, count: 50 });
        }
        sim.run_until(secs(1));
        let from1: Vec<_> = toy(&sim, hb(2))
            .received()
            .into_iter()
            .filter(|(_, f, _)| *f == NodeId(1))
            .collect();
        (from1, toy(&sim, hb(1)).spawn.rng_seed)
    };
    let (two, seed_two) = run(2);
    let (three, seed_three) = run(3);
    assert_eq!(two.len(), 200);
    assert_eq!(two, three);
    assert_eq!(seed_two, seed_three);
}
