//! A generated soak scenario: three nodes, a fault every minute, every
//! invariant checked. The criterion bench (`benches/cluster.rs`) times it;
//! a test runs it to show the invariants hold through an hour of faults.

use std::fmt::Write as _;

/// The TOML of a soak run of `minutes` minutes: an active/passive group and
/// a clone on three nodes, with one fault a minute cycling through crash,
/// resource failure, partition, heal, stack kill and power loss, on a
/// node chosen in turn. Fenced nodes reboot and rejoin by themselves.
pub fn toml(minutes: u64, seed: u64) -> String {
    let nodes = ["node1", "node2", "node3"];
    let mut s = format!(
        r#"name = "soak: {minutes} minutes, a fault a minute"
seed = {seed}
duration = "{}m"
invariants = ["no-double-active", "fence-before-recovery", "one-dc-per-partition", "quorum-safety"]

[cluster]
nodes = ["node1", "node2", "node3"]
setup = [
  "pcs property set stonith-enabled=true",
  "pcs resource defaults update resource-stickiness=100",
  "pcs stonith create fence-pdu fence_apc ip=192.0.2.99 username=admin pcmk_host_map='node1:1;node2:2;node3:3'",
  "pcs resource create vip ocf:heartbeat:IPaddr2 ip=192.0.2.10 op monitor interval=10s --group app",
  "pcs resource create web ocf:heartbeat:apache op monitor interval=20s --group app",
  "pcs resource create fs ocf:heartbeat:Dummy op monitor interval=30s clone",
]

"#,
        minutes + 1
    );
    for m in 1..=minutes {
        let n = nodes[(m as usize / 6) % 3];
        let other = nodes[(m as usize / 6 + 1) % 3];
        let _ = writeln!(s, "[[fault]]\nat = \"{m}m\"");
        let _ = match m % 6 {
            1 => writeln!(s, "crash = \"{n}\"\n"),
            2 => writeln!(s, "resource_fail = \"web\"\nnode = \"{n}\"\n"),
            3 => writeln!(s, "partition = [[\"{n}\"], [\"{other}\", \"{}\"]]\n", {
                nodes
                    .iter()
                    .find(|x| **x != n && **x != other)
                    .expect("three")
            }),
            4 => writeln!(s, "heal = true\n"),
            5 => writeln!(s, "kill_stack = \"{n}\"\n"),
            _ => writeln!(s, "power_off = \"{n}\"\n"),
        };
    }
    s
}
