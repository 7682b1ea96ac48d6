//! Pause and resume, power off and on, crash, bounce, kill, start,
//! terminate, panic, and the wake contract.

use sim::{
    Actor, Addr, DropReason, Duration, ExitCause, Group, Input, Instant, NodeId, NodeSpec, Output,
    PowerState, Sim, SimConfig, StartCause, TraceEvent,
};

use crate::toy::{config, hb, ms, res, secs, toy, toy_sim, Msg, BOOT, HB, RES};

#[test]
fn pause_holds_inputs_and_releases_them_in_order() {
    let mut c = config(40);
    c.fifo = true;
    let mut sim = toy_sim(c, 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    sim.pause(NodeId(2));
    assert!(sim.is_paused(NodeId(2)));
    sim.command(hb(1), Msg::SendData { to: 2, count: 30 });
    sim.command(hb(2), Msg::IpcData { to: "res", n: 7 });
    sim.run_until(secs(3));
    // Nothing at all was handled on node 2 while it was paused.
    let last_seen = |a: Addr| sim.actor(a).unwrap().log.last().unwrap().0;
    assert!(last_seen(hb(2)) <= secs(1));
    assert!(last_seen(res(2)) <= secs(1));
    sim.resume(NodeId(2));
    sim.run_until(ms(3001));
    let data = toy(&sim, hb(2)).data();
    assert_eq!(data, (0..30).map(|n| (secs(3), n)).collect::<Vec<_>>());
    // Its heartbeat timer, due during the pause, fires at the resume.
    let wakes: Vec<Instant> = toy(&sim, hb(2))
        .log
        .iter()
        .filter(|(t, i)| *t > secs(1) && *i == Input::Wake)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(wakes.first(), Some(&secs(3)));
    assert!(toy(&sim, res(2)).log.iter().any(|(t, i)| *t == secs(3)
        && matches!(
            i,
            Input::Ipc {
                msg: Msg::Data(7),
                ..
            }
        )));
    // And node 1 heard node 2 again.
    sim.run_until(secs(4));
    assert!(toy(&sim, hb(1)).pings_from(NodeId(2), secs(3)) >= 8);
}

#[test]
fn pause_for_resumes_by_itself() {
    let mut sim = toy_sim(config(41), 2, Some(Duration::from_millis(100)));
    sim.pause_for(NodeId(1), Duration::from_millis(500));
    sim.run_until(ms(499));
    assert!(sim.is_paused(NodeId(1)));
    sim.run_until(ms(500));
    assert!(!sim.is_paused(NodeId(1)));
}

#[test]
fn power_off_drops_state_and_power_on_boots_after_boot_time() {
    let mut sim = toy_sim(config(42), 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    let first = toy(&sim, hb(2)).spawn.clone();
    assert_eq!(first.cause, StartCause::Boot);
    sim.power_off(NodeId(2));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off);
    assert!(sim.actor(hb(2)).is_none() && sim.actor(res(2)).is_none());
    assert!(sim.last_records().iter().any(|r| matches!(
        r.event,
        TraceEvent::Exit {
            cause: ExitCause::PowerLost,
            ..
        }
    )));
    sim.command(hb(1), Msg::SendData { to: 2, count: 1 });
    let mut dropped = false;
    sim.run_until_with(secs(2), |s| {
        dropped |= s.last_records().iter().any(|r| {
            matches!(
                r.event,
                TraceEvent::Drop {
                    reason: DropReason::NodeDown,
                    ..
                }
            )
        })
    });
    assert!(dropped, "messages to an unpowered node are dropped");
    sim.power_on(NodeId(2));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Booting);
    sim.run_until(secs(2) + (BOOT - Duration::from_nanos(1)));
    assert!(
        sim.actor(hb(2)).is_none(),
        "no process before boot completes"
    );
    sim.run_until(secs(2) + BOOT);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    let second = toy(&sim, hb(2));
    assert_eq!(second.log[0], (secs(32), Input::Start), "fresh state");
    assert_eq!(second.spawn.restarts, 1);
    assert!(second.spawn.incarnation > first.incarnation);
    assert_ne!(second.spawn.rng_seed, first.rng_seed);
}

#[test]
fn power_cut_during_boot_cancels_it() {
    let mut sim = toy_sim(config(43), 1, None);
    sim.power_off(NodeId(1));
    sim.power_on(NodeId(1));
    sim.run_until(secs(10));
    sim.power_off(NodeId(1));
    sim.run_until(secs(20));
    sim.power_on(NodeId(1));
    sim.run_until(secs(49));
    assert!(sim.actor(hb(1)).is_none(), "the first boot was void");
    sim.run_until(secs(50));
    assert!(sim.actor(hb(1)).is_some());
}

#[test]
fn crash_keeps_power_and_needs_a_power_cycle() {
    let mut sim = toy_sim(config(44), 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    sim.crash(NodeId(2));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Halted);
    assert!(sim.actor(hb(2)).is_none() && sim.actor(res(2)).is_none());
    sim.power_on(NodeId(2));
    sim.run_until(secs(60));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Halted);
    sim.reboot(NodeId(2));
    sim.run_until(secs(90));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    assert!(sim.actor(hb(2)).is_some());
}

#[test]
fn bounce_restarts_after_boot_time() {
    let mut sim = toy_sim(config(45), 1, None);
    sim.run_until(secs(1));
    sim.bounce(NodeId(1));
    assert_eq!(sim.power_state(NodeId(1)), PowerState::Booting);
    sim.run_until(secs(31));
    assert_eq!(toy(&sim, hb(1)).spawn.restarts, 1);
}

#[test]
fn killing_one_group_leaves_the_other_running_and_informed() {
    let mut sim = toy_sim(config(46), 2, Some(Duration::from_millis(100)));
    sim.run_until(secs(1));
    sim.kill(hb(1));
    sim.run_until(ms(1001));
    assert!(sim.actor(hb(1)).is_none());
    let sibling_exit = Input::SiblingExited {
        group: HB,
        cause: ExitCause::Killed,
    };
    assert!(toy(&sim, res(1)).log.contains(&(secs(1), sibling_exit)));
    sim.command(res(1), Msg::IpcData { to: "hb", n: 1 });
    sim.run_until_with(secs(2), |s| {
        for r in s.last_records() {
            if let TraceEvent::Drop { to, reason, .. } = &r.event {
                assert_eq!(*to, hb(1));
                assert!(matches!(
                    reason,
                    DropReason::NotRunning | DropReason::NodeDown
                ));
            }
        }
    });
    // Node 2 stops hearing node 1.
    assert_eq!(toy(&sim, hb(2)).pings_from(NodeId(1), ms(1010)), 0);
    sim.start(hb(1));
    let restarted = toy(&sim, hb(1));
    assert_eq!(restarted.spawn.cause, StartCause::Started);
    assert_eq!(restarted.spawn.restarts, 1);
    sim.run_until(secs(3));
    assert!(toy(&sim, res(1))
        .log
        .contains(&(secs(2), Input::SiblingStarted(HB))));
    assert!(toy(&sim, hb(2)).pings_from(NodeId(1), secs(2)) >= 8);
    // Starting a running group does nothing.
    let inc = sim.incarnation(hb(1));
    sim.start(hb(1));
    assert_eq!(sim.incarnation(hb(1)), inc);
    assert!(matches!(
        sim.last_records()[1].event,
        TraceEvent::Ignored { .. }
    ));
}

#[test]
fn terminate_and_exit_end_cleanly() {
    let mut sim = toy_sim(config(47), 1, None);
    sim.terminate(res(1));
    sim.run_until(ms(1));
    assert!(sim.actor(res(1)).is_none());
    assert!(toy(&sim, hb(1)).log.iter().any(|(_, i)| *i
        == Input::SiblingExited {
            group: RES,
            cause: ExitCause::Exited
        }));
    sim.command(hb(1), Msg::Exit);
    sim.run_until(ms(2));
    assert_eq!(sim.processes().count(), 0);
    assert_eq!(sim.power_state(NodeId(1)), PowerState::Up);
}

#[test]
fn panic_halts_or_reboots_the_node() {
    let mut sim = toy_sim(config(48), 2, None);
    sim.command(hb(1), Msg::Panic { reboot: false });
    sim.command(hb(2), Msg::Panic { reboot: true });
    sim.run_until(ms(1));
    assert_eq!(sim.power_state(NodeId(1)), PowerState::Halted);
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Booting);
    sim.run_until(secs(30));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Up);
    assert_eq!(sim.processes().count(), 2);
}

#[test]
fn operations_on_dead_or_paused_nodes_are_ignored_or_held() {
    let mut sim = toy_sim(config(49), 2, None);
    sim.run_until(ms(0));
    sim.power_off(NodeId(2));
    sim.pause(NodeId(2));
    assert!(!sim.is_paused(NodeId(2)));
    sim.crash(NodeId(2));
    assert_eq!(sim.power_state(NodeId(2)), PowerState::Off);
    sim.pause(NodeId(1));
    sim.start(hb(1));
    assert!(matches!(
        sim.last_records()[1].event,
        TraceEvent::Ignored { .. }
    ));
    sim.command(hb(1), Msg::IpcData { to: "res", n: 3 });
    sim.run_until(secs(1));
    assert!(toy(&sim, res(1)).log.iter().all(|(t, _)| *t == ms(0)));
    sim.power_off(NodeId(1));
    assert!(sim.last_records().iter().any(|r| matches!(
        r.event,
        TraceEvent::Drop {
            reason: DropReason::Discarded,
            ..
        }
    )));
}

/// Kills the power of a paused node: what it held is gone, and it boots
/// fresh.
#[test]
fn power_loss_while_paused_discards_held_inputs() {
    let mut sim = toy_sim(config(50), 2, None);
    sim.pause(NodeId(2));
    sim.command(hb(1), Msg::SendData { to: 2, count: 3 });
    sim.run_until(secs(1));
    sim.reboot(NodeId(2));
    sim.run_until(secs(40));
    assert!(toy(&sim, hb(2)).data().is_empty());
}

/// An actor that breaks the `Wake` contract: its deadline never moves.
struct Stuck;

impl Actor for Stuck {
    type Msg = ();
    type Event = sim::NoEvent;
    fn handle(&mut self, _: Instant, _: Input<()>) -> Vec<Output<()>> {
        Vec::new()
    }
    fn next_deadline(&self) -> Option<Instant> {
        Some(Instant::ZERO)
    }
}

#[test]
#[should_panic(expected = "must fire every expired timer")]
fn wake_that_leaves_a_past_deadline_is_caught() {
    let mut sim = Sim::new(SimConfig::new(1), |_: &sim::Spawn| Stuck);
    sim.add_node(NodeId(1), NodeSpec::new(&["x"], Duration::ZERO));
    sim.run_until(ms(1));
}

#[test]
fn group_names_and_addresses_print_plainly() {
    assert_eq!(Addr::new(NodeId(3), Group("stack")).to_string(), "3/stack");
}

#[test]
fn the_reaper_gets_every_ended_incarnation_with_what_it_held() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let mut sim = toy_sim(config(42), 2, Some(Duration::from_millis(100)));
    let reaped: Rc<RefCell<Vec<(Addr, usize)>>> = Rc::default();
    let keep = reaped.clone();
    sim.set_reaper(move |addr, toy| keep.borrow_mut().push((addr, toy.log.len())));
    sim.run_until(secs(1));
    let heard = toy(&sim, hb(2)).log.len();
    sim.kill(hb(2));
    assert_eq!(*reaped.borrow(), [(hb(2), heard)]);
    sim.power_off(NodeId(1));
    let groups: Vec<Addr> = reaped.borrow().iter().map(|(a, _)| *a).collect();
    assert_eq!(groups, [hb(2), hb(1), res(1)]);
    assert!(reaped.borrow().iter().all(|(_, n)| *n > 0));
}
