//! `[explore]`: a random fault schedule drawn from the seed, in two phases
//! (as TigerBeetle's VOPR runs them).
//!
//! *Safety*, from `from` to `until`: a fault every `every` (uniform), its
//! kind drawn from the menu among those that keep at most `max_down` nodes
//! down at once (off, crashed, stack killed, paused, isolated), each undone
//! after a while (`recover`, `heal`, the device `ok`). *Liveness*, from
//! `until`: every node recovered, the network healed, every device `ok`;
//! the cluster then has `liveness` to settle (the `converged` check).
//!
//! The draw has its own random stream (`explore`), apart from the
//! cluster's: changing the menu changes the faults, not how the cluster
//! would have behaved under the same faults.

use rand::Rng;
use sim::{rng::RngStreams, Duration, NodeId};

use crate::scenario::{DeviceFault, Explore, ExploreFault, ScenarioError};

use super::build::RscKind;
use super::fault::{Fault, Planned, Schedule};
use super::Prepared;

/// Refuses a menu the configuration cannot serve (a `fence_device` fault
/// with no fencing device, a `resource_fail` with no resource).
pub fn check_menu(p: &Prepared, e: &Explore) -> Result<(), ScenarioError> {
    let err = |m: String| ScenarioError {
        file: p.scenario.file.clone(),
        pos: Some(e.pos),
        message: m,
    };
    if e.faults.contains(&ExploreFault::FenceDevice) && p.devices().is_empty() {
        return Err(err(
            "explore: `fence_device` is on the menu but the configuration has no fencing device"
                .into(),
        ));
    }
    if e.faults.contains(&ExploreFault::ResourceFail) && failable(p).is_empty() {
        return Err(err(
            "explore: `resource_fail` is on the menu but the configuration has no resource".into(),
        ));
    }
    Ok(())
}

/// Resources a `resource_fail` may strike: every top-level one that is not
/// a fencing device.
fn failable(p: &Prepared) -> Vec<String> {
    p.top()
        .iter()
        .filter(|id| {
            !matches!(
                p.kinds().get(*id),
                Some(RscKind::Primitive { stonith: true })
            )
        })
        .cloned()
        .collect()
}

fn between(rng: &mut impl Rng, lo: Duration, hi: Duration) -> Duration {
    let (lo, hi) = (lo.as_nanos(), hi.as_nanos());
    Duration::from_nanos(if hi > lo { rng.gen_range(lo..=hi) } else { lo })
}

/// Rounds to the millisecond, so that a schedule written back as a file
/// reads the same.
fn ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_nanos() / 1_000_000)
}

/// Seed `seed`'s random schedule, its liveness undo included.
pub fn draw(p: &Prepared, e: &Explore, seed: u64) -> Schedule {
    let mut rng = RngStreams::new(seed).stream("explore");
    let n = p.names().len();
    let nodes: Vec<NodeId> = (1..=n as u32).map(NodeId).collect();
    let devices = p.devices();
    let failable = failable(p);
    let mut out: Schedule = Vec::new();
    // Nodes down and until when; the network fault (one at a time) until when.
    let mut down: Vec<(NodeId, Duration)> = Vec::new();
    let mut net_until = Duration::ZERO;
    let mut t = ms(e.from + between(&mut rng, Duration::ZERO, e.every.0));
    let plan =
        |out: &mut Schedule, at: Duration, fault: Fault| out.push(Planned { at, fault, line: 0 });
    while t < e.until {
        down.retain(|(_, until)| *until > t);
        let free = e.max_down.saturating_sub(down.len());
        let up: Vec<NodeId> = nodes
            .iter()
            .copied()
            .filter(|x| !down.iter().any(|(d, _)| d == x))
            .collect();
        let feasible: Vec<ExploreFault> = e
            .faults
            .iter()
            .copied()
            .filter(|k| match k {
                ExploreFault::Partition => free > 0 && net_until <= t && n >= 2,
                ExploreFault::Link => net_until <= t && n >= 2 && free > 0,
                k if k.downs_a_node() => free > 0,
                _ => true,
            })
            .collect();
        if !feasible.is_empty() {
            let kind = feasible[rng.gen_range(0..feasible.len())];
            // How long the fault lasts before it is undone.
            let hold = ms(between(
                &mut rng,
                Duration::from_secs(5),
                e.every.1 + e.every.1,
            ));
            let undo_at = (t + hold).min(e.until);
            match kind {
                ExploreFault::PowerOff | ExploreFault::Crash | ExploreFault::KillStack => {
                    let node = up[rng.gen_range(0..up.len())];
                    let f = match kind {
                        ExploreFault::PowerOff => Fault::PowerOff(node),
                        ExploreFault::Crash => Fault::Crash(node),
                        _ => Fault::KillStack(node),
                    };
                    plan(&mut out, undo_at, f.undo().expect("a node fault is undone"));
                    plan(&mut out, t, f);
                    down.push((node, undo_at));
                }
                ExploreFault::Pause => {
                    let node = up[rng.gen_range(0..up.len())];
                    let d = ms(between(
                        &mut rng,
                        Duration::from_millis(500),
                        Duration::from_secs(40),
                    ));
                    plan(&mut out, t, Fault::Pause(node, d));
                    down.push((node, t + d));
                }
                ExploreFault::Partition => {
                    // A minority cut off: at most `free` nodes, fewer than half.
                    let most = free.min((n - 1) / 2).max(1).min(up.len());
                    let k = rng.gen_range(1..=most);
                    let mut pool = up.clone();
                    let mut minority = Vec::new();
                    for _ in 0..k {
                        minority.push(pool.remove(rng.gen_range(0..pool.len())));
                    }
                    minority.sort();
                    let rest: Vec<NodeId> = nodes
                        .iter()
                        .copied()
                        .filter(|x| !minority.contains(x))
                        .collect();
                    let f = Fault::Partition(vec![minority.clone(), rest]);
                    plan(&mut out, undo_at, f.undo().expect("a partition heals"));
                    plan(&mut out, t, f);
                    net_until = undo_at;
                    down.extend(minority.into_iter().map(|m| (m, undo_at)));
                }
                ExploreFault::Link => {
                    let a = up[rng.gen_range(0..up.len())];
                    let others: Vec<NodeId> = nodes.iter().copied().filter(|x| *x != a).collect();
                    let b = others[rng.gen_range(0..others.len())];
                    let (a, b) = (a.min(b), a.max(b));
                    let f = match rng.gen_range(0..3) {
                        0 => Fault::Link {
                            a,
                            b,
                            loss: Some(f64::from(rng.gen_range(5u32..=50)) / 100.0),
                            delay: None,
                            cut: false,
                        },
                        1 => Fault::Link {
                            a,
                            b,
                            loss: None,
                            delay: Some(ms(between(
                                &mut rng,
                                Duration::from_millis(10),
                                Duration::from_millis(500),
                            ))),
                            cut: false,
                        },
                        _ => Fault::Link {
                            a,
                            b,
                            loss: None,
                            delay: None,
                            cut: true,
                        },
                    };
                    plan(&mut out, undo_at, f.undo().expect("a link heals"));
                    plan(&mut out, t, f);
                    net_until = undo_at;
                    // A cut or bad link may cost a node its place in the ring.
                    down.push((a, undo_at));
                }
                ExploreFault::FenceDevice => {
                    let d = devices[rng.gen_range(0..devices.len())].clone();
                    let fail = [
                        DeviceFault::Unreachable,
                        DeviceFault::Timeout,
                        DeviceFault::Refuse,
                    ][rng.gen_range(0..3)];
                    let f = Fault::FenceDevice(d, fail);
                    plan(&mut out, undo_at, f.undo().expect("a device recovers"));
                    plan(&mut out, t, f);
                }
                ExploreFault::ResourceFail => {
                    let rsc = failable[rng.gen_range(0..failable.len())].clone();
                    let node = nodes[rng.gen_range(0..n)];
                    plan(
                        &mut out,
                        t,
                        Fault::ResourceFail {
                            rsc,
                            node,
                            op: "monitor".into(),
                            rc: 7,
                            times: 1,
                        },
                    );
                }
            }
        }
        t = ms(t + between(&mut rng, e.every.0, e.every.1));
    }
    // Liveness: everything undone at `until`.
    let until = e.until;
    plan(&mut out, until, Fault::Heal);
    for d in devices {
        plan(&mut out, until, Fault::FenceDevice(d, DeviceFault::Ok));
    }
    for node in nodes {
        plan(&mut out, until, Fault::Recover(node));
    }
    out.sort_by_key(|p| p.at);
    out
}
