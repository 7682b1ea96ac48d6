//! A tiny actor that exercises the whole kernel API: a heartbeat over the
//! network (group `hb`), plus a local stand-in for managed services (group
//! `res`). Every input it gets is logged, so tests can assert on what each
//! process saw and when.

use rand::RngCore;
use serde::Serialize;
use sim::{
    Actor, Addr, Duration, Group, Input, Instant, LinkParams, NodeId, NodeSpec, Output,
    PowerRequest, Sim, SimConfig, SimRng, Spawn,
};

/// The heartbeat group.
pub const HB: Group = Group("hb");
/// The services stand-in group.
pub const RES: Group = Group("res");
/// Boot time of every toy node.
pub const BOOT: Duration = Duration::from_secs(30);

/// Messages, and commands from tests.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Msg {
    /// Heartbeat.
    Ping(u64),
    /// Heartbeat answer.
    Pong(u64),
    /// Test payload.
    Data(u64),
    /// Command: send `count` numbered `Data` messages to node `to`.
    SendData { to: u32, count: u64 },
    /// Command: send `Data(n)` to sibling `to`.
    IpcData { to: &'static str, n: u64 },
    /// Command: ask a power switch.
    Fence(PowerRequest),
    /// Command: exit cleanly.
    Exit,
    /// Command: panic the node.
    Panic { reboot: bool },
}

/// The toy process.
pub struct Toy {
    /// Its spawn facts (where it runs, its seed ...).
    pub spawn: Spawn,
    /// Heartbeat interval, if it beats.
    pub interval: Option<Duration>,
    next_beat: Option<Instant>,
    seq: u64,
    rng: SimRng,
    /// Every input with the instant it came.
    pub log: Vec<(Instant, Input<Msg>)>,
}

impl Toy {
    /// Messages received over the network: (when, from, msg).
    pub fn received(&self) -> Vec<(Instant, NodeId, Msg)> {
        self.log
            .iter()
            .filter_map(|(t, i)| match i {
                Input::Message { from, msg } => Some((*t, *from, msg.clone())),
                _ => None,
            })
            .collect()
    }

    /// `Data` payloads received over the network, in order, with times.
    pub fn data(&self) -> Vec<(Instant, u64)> {
        self.received()
            .into_iter()
            .filter_map(|(t, _, m)| match m {
                Msg::Data(n) => Some((t, n)),
                _ => None,
            })
            .collect()
    }

    /// Pings received from `from` at or after `since`.
    pub fn pings_from(&self, from: NodeId, since: Instant) -> usize {
        self.received()
            .iter()
            .filter(|(t, f, m)| *f == from && *t >= since && matches!(m, Msg::Ping(_)))
            .count()
    }
}

impl Actor for Toy {
    type Msg = Msg;
    type Event = sim::NoEvent;

    fn handle(&mut self, now: Instant, input: Input<Msg>) -> Vec<Output<Msg>> {
        self.log.push((now, input.clone()));
        let mut out = Vec::new();
        match input {
            Input::Start => {
                self.next_beat = self.interval.map(|i| now + i);
            }
            Input::Wake if self.next_beat.is_some_and(|t| t <= now) => {
                self.seq += 1;
                out.push(Output::Broadcast(Msg::Ping(self.seq)));
                // A little jitter from the process's own stream.
                let jitter = Duration::from_micros(self.rng.next_u64() % 1000);
                self.next_beat = self.interval.map(|i| now + i + jitter);
            }
            Input::Message {
                from,
                msg: Msg::Ping(n),
            } => out.push(Output::Send {
                to: from,
                msg: Msg::Pong(n),
            }),
            Input::Command(Msg::SendData { to, count }) => {
                for n in 0..count {
                    out.push(Output::Send {
                        to: NodeId(to),
                        msg: Msg::Data(n),
                    });
                }
            }
            Input::Command(Msg::IpcData { to, n }) => out.push(Output::Ipc {
                to: Group(to),
                msg: Msg::Data(n),
            }),
            Input::Command(Msg::Fence(req)) => {
                out.push(Output::Note(format!("fencing {:?}", req.outlet)));
                out.push(Output::Power(req));
            }
            Input::Command(Msg::Exit) | Input::Terminate => out.push(Output::Exit),
            Input::Command(Msg::Panic { reboot }) => out.push(Output::Panic { reboot }),
            _ => {}
        }
        out
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.next_beat
    }
}

/// `n` milliseconds after the start.
pub fn ms(n: u64) -> Instant {
    Instant::ZERO + Duration::from_millis(n)
}

/// `n` seconds after the start.
pub fn secs(n: u64) -> Instant {
    Instant::ZERO + Duration::from_secs(n)
}

/// The `hb` process of node `n`.
pub fn hb(n: u32) -> Addr {
    Addr::new(NodeId(n), HB)
}

/// The `res` process of node `n`.
pub fn res(n: u32) -> Addr {
    Addr::new(NodeId(n), RES)
}

/// A config with a fixed link for all tests unless they say otherwise.
pub fn config(seed: u64) -> SimConfig {
    let mut c = SimConfig::new(seed);
    c.link = LinkParams::new(Duration::from_millis(1), Duration::from_millis(3), 0.0);
    c
}

/// A sim of `nodes` toy nodes (ids 1..=nodes) running `hb` and `res`; `hb`
/// beats every `beat` if given.
pub fn toy_sim(config: SimConfig, nodes: u32, beat: Option<Duration>) -> Sim<Toy> {
    let mut sim = Sim::new(config, move |spawn: &Spawn| {
        use rand::SeedableRng;
        Toy {
            spawn: spawn.clone(),
            interval: if spawn.addr.group == HB { beat } else { None },
            next_beat: None,
            seq: 0,
            rng: SimRng::from_seed(spawn.rng_seed),
            log: Vec::new(),
        }
    });
    for n in 1..=nodes {
        sim.add_node(NodeId(n), NodeSpec::new(&["hb", "res"], BOOT));
    }
    sim
}

/// The toy actor at `addr`; panics if it is not running.
pub fn toy(sim: &Sim<Toy>, addr: Addr) -> &Toy {
    sim.actor(addr)
        .unwrap_or_else(|| panic!("{addr} is not running"))
}
