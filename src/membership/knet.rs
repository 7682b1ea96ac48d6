//! knet (kronosnet), corosync 3's transport, reduced to what decides when
//! totem may talk to a peer: one link per peer, up or down, judged by
//! pings and pongs.
//!
//! Where it sits: under [`Totem`](super::Totem), in the stack. Totem's
//! packets go only to peers whose link is up and are taken only from them
//! (knet's tx thread has no link to send on; its rx thread discards data
//! from a host "not reachable yet"). That is why a node that boots, or a
//! node whose links went down while it was paused or cut off, is not back
//! in the membership at once: its links must come up first.
//!
//! What libknet 1.25 (Debian bookworm's, under corosync 3.1.7) does, and
//! this module with it:
//! - The heartbeat thread wakes every 200 ms (`KNET_THREADS_TIMERES`) and
//!   pings each peer whose last ping is at least `knet_ping_interval` old
//!   (`_handle_check_each`), so pings go out on that 200 ms grid: with a
//!   3650 ms token (3 s plus one `token_coefficient`), corosync's interval
//!   of token / (2 × `knet_pong_count`) = 912 ms becomes a ping every
//!   second.
//! - A peer answers every ping with a pong carrying the ping's time. A pong
//!   later than `knet_ping_timeout` (token / `knet_pong_count`) after its
//!   ping is discarded (a ping answered from a socket buffer after a pause),
//!   though it still counts as heard (`pong_last` is set first).
//! - A link that is down comes up on the pong that finds `pong_count`
//!   pongs already received (`process_pong`: `received_pong >= pong_count`),
//!   so on the third pong with the default count of 2: two ping intervals
//!   after the first answered ping. Corosync's logs show it: "link: 0 is
//!   up" 2.1 s after "Configuring link 0".
//! - A link goes down at the first heartbeat at which the last pong is
//!   `pong_timeout_adj` old: the ping timeout times a backoff that a link
//!   going down (or being created) sets to 10 and that drops by one each
//!   second down to 1 (`_adjust_pong_timeouts`), so a link that flaps is
//!   slower to be declared down again. Going down forgets the pongs
//!   received.
//!
//! Simplified: one link per peer (no redundant links, priorities or
//! PMTUD); the latency average that knet adds to the timeout (twice the
//! mean ping time, well under a millisecond on a LAN) is left out.
//!
//! No timer table: the heartbeat is a grid, and the next instant at which a
//! link needs it (a ping due, a pong gone stale) is computed from the
//! links, so a node is woken once a second per ping, not five times. It is
//! computed when a link changes (a pong, a heartbeat), not when asked: the
//! stack asks after every packet, and most packets are pings, which change
//! nothing here. Each link keeps the heartbeat of its next ping and the one
//! at which its last pong goes stale, each recomputed only when what it
//! depends on changes (a ping sent, a pong heard); the node's next
//! heartbeat is the earliest of them.

use serde::Serialize;
use sim::{Duration, Instant, NodeId};

use super::NodeSet;

/// The heartbeat thread's period (`KNET_THREADS_TIMERES`, 200 ms).
pub const HEARTBEAT: Duration = Duration::from_millis(200);

/// The backoff a link's ping timeout starts with when the link is created
/// or goes down (`KNET_LINK_PONG_TIMEOUT_BACKOFF`).
const BACKOFF_MAX: u64 = 10;

/// The link timings corosync gives knet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// `knet_ping_interval`: how often a peer is pinged, at least.
    pub ping_interval: Duration,
    /// `knet_ping_timeout`: silence after which a link is down.
    pub ping_timeout: Duration,
    /// `knet_pong_count`: pongs a down link needs before the one that
    /// brings it up.
    pub pong_count: u32,
}

impl Config {
    /// corosync's defaults for a token timeout (totemconfig.c
    /// `calc_knet_ping_timers`, with the token timeout as adjusted for the
    /// nodelist's size): timeout = token / pong_count, interval = token /
    /// (2 × pong_count), pong_count = 2.
    pub fn from_token(token_timeout: Duration) -> Config {
        let pong_count = 2;
        let ms = token_timeout.as_millis();
        Config {
            ping_interval: Duration::from_millis(ms / (2 * pong_count as u64)),
            ping_timeout: Duration::from_millis(ms / pong_count as u64),
            pong_count,
        }
    }
}

/// What two nodes' knet send each other (besides the data they carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// A heartbeat ping, stamped with when it left.
    Ping {
        /// When the ping was sent.
        sent: Instant,
    },
    /// The answer, carrying the ping's stamp back.
    Pong {
        /// When the ping it answers was sent.
        sent: Instant,
    },
}

/// A link changed state, or a heartbeat packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Send to a peer.
    Send {
        /// The peer.
        to: NodeId,
        /// The packet.
        msg: Msg,
    },
    /// The link to a peer came up.
    Up(NodeId),
    /// The link to a peer went down.
    Down(NodeId),
}

/// Where knet's outputs go, in order: a `Vec` collects them; the stack
/// puts the packets on the wire as they come (and wants nothing else: its
/// totem asks [`Knet::is_up`] as packets pass).
pub trait Sink {
    /// Takes the next output.
    fn push(&mut self, output: Output);
}

impl Sink for Vec<Output> {
    #[inline]
    fn push(&mut self, output: Output) {
        Vec::push(self, output);
    }
}

/// One peer's link, as this node sees it.
#[derive(Debug, Clone)]
struct Link {
    peer: NodeId,
    /// The last ping sent (`ping_last`).
    ping_last: Option<Instant>,
    /// The last pong heard (`pong_last`; cleared when the link goes down).
    pong_last: Option<Instant>,
    /// Pongs counted towards bringing the link up.
    received_pong: u32,
    /// When the backoff was last set to its maximum.
    backoff_from: Instant,
    /// The heartbeat that pings this link next ([`Knet::ping_due`]);
    /// `None` before the start.
    next_ping: Option<Instant>,
    /// The heartbeat at which its last pong is too old
    /// ([`Knet::stale_at`]); `None` before the start and without a pong.
    next_stale: Option<Instant>,
}

/// One node's knet: its links to every other node of the nodelist.
///
/// Calling rules: `start(now)` when corosync configures its links;
/// `on_message` for every knet packet; `on_wake(now)` at
/// `next_deadline()` (an early wake does nothing). `is_up(peer)` says
/// whether totem may exchange packets with `peer`.
#[derive(Debug, Clone)]
pub struct Knet {
    cfg: Config,
    /// When the heartbeat thread started (its grid's origin), once started.
    started: Option<Instant>,
    links: Vec<Link>,
    /// The peers whose link is up: a set rather than a flag per link, as
    /// totem's every packet asks (a bit test, not a search).
    up: NodeSet,
    /// Every peer, for `all_up`.
    peers: NodeSet,
    /// The next heartbeat a link needs, as of the last change.
    next: Option<Instant>,
}

impl Knet {
    /// A node's knet for the other nodes of `nodelist`; not started.
    pub fn new(cfg: Config, us: NodeId, nodelist: &[NodeId]) -> Knet {
        assert!(
            cfg.ping_interval > Duration::ZERO,
            "knet pings at intervals"
        );
        let links: Vec<Link> = nodelist
            .iter()
            .filter(|&&n| n != us)
            .map(|&peer| Link {
                peer,
                ping_last: None,
                pong_last: None,
                received_pong: 0,
                backoff_from: Instant::ZERO,
                next_ping: None,
                next_stale: None,
            })
            .collect();
        Knet {
            cfg,
            started: None,
            up: NodeSet::EMPTY,
            peers: links.iter().map(|l| l.peer).collect(),
            links,
            next: None,
        }
    }

    /// The links are configured: the heartbeat starts, every link down.
    pub fn start(&mut self, now: Instant) {
        self.started = Some(now);
        for i in 0..self.links.len() {
            self.links[i].backoff_from = now;
            self.refresh_ping(now, i);
            self.refresh_stale(now, i);
        }
        self.next = self.compute_next();
    }

    /// Whether the link to `peer` is up.
    pub fn is_up(&self, peer: NodeId) -> bool {
        self.up.contains(peer)
    }

    /// Whether every link is up.
    pub fn all_up(&self) -> bool {
        self.up == self.peers
    }

    /// The next heartbeat at which a link needs attention.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.next
    }

    /// The earliest heartbeat a link needs.
    fn compute_next(&self) -> Option<Instant> {
        let mut next = None;
        for l in &self.links {
            debug_assert_eq!(
                (l.next_ping, l.next_stale),
                self.started.map_or((None, None), |start| (
                    self.ping_due(start, l),
                    self.stale_at(start, l)
                )),
                "a link's next heartbeats are up to date"
            );
            next = Instant::earliest([next, l.next_ping, l.next_stale]);
        }
        next
    }

    /// Recomputes link `i`'s next ping after its last ping changed.
    fn refresh_ping(&mut self, start: Instant, i: usize) {
        self.links[i].next_ping = self.ping_due(start, &self.links[i]);
    }

    /// Recomputes when link `i`'s last pong goes stale after it (or the
    /// backoff) changed.
    fn refresh_stale(&mut self, start: Instant, i: usize) {
        self.links[i].next_stale = self.stale_at(start, &self.links[i]);
    }

    /// A ping or pong from `from`.
    pub fn on_message(&mut self, now: Instant, from: NodeId, msg: Msg, out: &mut impl Sink) {
        if self.started.is_none() {
            return;
        }
        match msg {
            Msg::Ping { sent } => out.push(Output::Send {
                to: from,
                msg: Msg::Pong { sent },
            }),
            Msg::Pong { sent } => self.on_pong(now, from, sent, out),
        }
    }

    /// Mirrors `process_pong`: every pong is heard; a timely one counts
    /// towards bringing a down link up.
    fn on_pong(&mut self, now: Instant, from: NodeId, sent: Instant, out: &mut impl Sink) {
        let Some(start) = self.started else {
            return;
        };
        let Some(i) = self.links.iter().position(|l| l.peer == from) else {
            return;
        };
        self.count_pong(now, i, sent, out);
        self.refresh_stale(start, i);
        self.next = self.compute_next();
    }

    /// The pong's effect on link `i`'s state.
    fn count_pong(&mut self, now: Instant, i: usize, sent: Instant, out: &mut impl Sink) {
        let timeout = self.cfg.ping_timeout;
        let pong_count = self.cfg.pong_count;
        let l = &mut self.links[i];
        l.pong_last = Some(now);
        if now - sent > timeout || self.up.contains(l.peer) {
            return;
        }
        if l.received_pong >= pong_count {
            self.up.insert(l.peer);
            out.push(Output::Up(l.peer));
        } else {
            l.received_pong += 1;
        }
    }

    /// The heartbeat: pings that are due, links whose pongs went stale.
    pub fn on_wake(&mut self, now: Instant, out: &mut impl Sink) {
        let Some(start) = self.started else {
            return;
        };
        for i in 0..self.links.len() {
            if self.links[i].next_ping.is_some_and(|t| t <= now) {
                let l = &mut self.links[i];
                l.ping_last = Some(now);
                out.push(Output::Send {
                    to: l.peer,
                    msg: Msg::Ping { sent: now },
                });
                self.refresh_ping(start, i);
            }
            if self.links[i].next_stale.is_some_and(|t| t <= now) {
                let l = &mut self.links[i];
                l.pong_last = None;
                l.received_pong = 0;
                l.backoff_from = now;
                if self.up.contains(l.peer) {
                    self.up = self.up.without(l.peer);
                    out.push(Output::Down(l.peer));
                }
                self.refresh_stale(start, i);
            }
        }
        self.next = self.compute_next();
    }

    /// The first heartbeat at or after `t`.
    fn tick_at_or_after(start: Instant, t: Instant) -> Instant {
        let first = start + HEARTBEAT;
        if t <= first {
            return first;
        }
        let beat = HEARTBEAT.as_nanos();
        let k = (t - start).as_nanos().div_ceil(beat);
        start + Duration::from_nanos(k * beat)
    }

    /// The heartbeat that pings this link next.
    fn ping_due(&self, start: Instant, l: &Link) -> Option<Instant> {
        let from = l.ping_last.map_or(start, |p| p + self.cfg.ping_interval);
        Some(Self::tick_at_or_after(start, from))
    }

    /// The ping timeout with the link's backoff at `t`.
    fn timeout_at(&self, l: &Link, t: Instant) -> Duration {
        let secs = t.saturating_since(l.backoff_from).as_nanos() / 1_000_000_000;
        let backoff = BACKOFF_MAX.saturating_sub(secs).max(1);
        Duration::from_nanos(self.cfg.ping_timeout.as_nanos() * backoff)
    }

    /// The heartbeat at which the link's last pong is too old. The timeout
    /// only shrinks as the backoff decays, so the first heartbeat that is
    /// late enough for the timeout of its own instant is found by moving
    /// forward at most once per backoff step.
    fn stale_at(&self, start: Instant, l: &Link) -> Option<Instant> {
        let pong = l.pong_last?;
        let mut t = Self::tick_at_or_after(start, pong + self.cfg.ping_timeout);
        for _ in 0..=BACKOFF_MAX {
            let due = pong + self.timeout_at(l, t);
            if t >= due {
                return Some(t);
            }
            t = Self::tick_at_or_after(start, due);
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_nanos(n * 1_000_000)
    }

    /// Two knets wired back to back with no latency, one stepped at a time.
    fn pair(cfg: Config) -> (Knet, Knet) {
        let ids = [NodeId(1), NodeId(2)];
        (Knet::new(cfg, ids[0], &ids), Knet::new(cfg, ids[1], &ids))
    }

    /// Runs both until `until`, returning when each link came up or went down.
    fn run(a: &mut Knet, b: &mut Knet, until: Instant) -> Vec<(u64, u32, bool)> {
        let mut seen = Vec::new();
        loop {
            let next = [a.next_deadline(), b.next_deadline()]
                .into_iter()
                .flatten()
                .min();
            let Some(now) = next.filter(|&t| t <= until) else {
                return seen;
            };
            let mut pending: Vec<(u32, Output)> = Vec::new();
            let mut out = Vec::new();
            a.on_wake(now, &mut out);
            pending.extend(out.drain(..).map(|o| (1, o)));
            b.on_wake(now, &mut out);
            pending.extend(out.drain(..).map(|o| (2, o)));
            while let Some((who, o)) = pending.pop() {
                match o {
                    Output::Send { msg, .. } => {
                        let (to, to_id, from) = if who == 1 {
                            (&mut *b, 2, NodeId(1))
                        } else {
                            (&mut *a, 1, NodeId(2))
                        };
                        let mut out = Vec::new();
                        to.on_message(now, from, msg, &mut out);
                        pending.extend(out.into_iter().map(|o| (to_id, o)));
                    }
                    Output::Up(_) => seen.push((now.as_nanos() / 1_000_000, who, true)),
                    Output::Down(_) => seen.push((now.as_nanos() / 1_000_000, who, false)),
                }
            }
        }
    }

    #[test]
    fn corosync_derives_the_link_timings_from_the_token() {
        let c = Config::from_token(Duration::from_millis(3650));
        assert_eq!(c.ping_interval, Duration::from_millis(912));
        assert_eq!(c.ping_timeout, Duration::from_millis(1825));
        assert_eq!(c.pong_count, 2);
    }

    #[test]
    fn a_link_comes_up_on_the_third_pong_two_seconds_after_start() {
        let (mut a, mut b) = pair(Config::from_token(Duration::from_millis(3650)));
        a.start(ms(0));
        b.start(ms(0));
        let mut seen = run(&mut a, &mut b, ms(5000));
        seen.sort();
        // pings at 0.2, 1.2 and 2.2 s (912 ms rounded up to the 200 ms grid)
        assert_eq!(seen, [(2200, 1, true), (2200, 2, true)]);
        assert!(a.all_up() && b.is_up(NodeId(1)));
    }

    #[test]
    fn a_silent_peer_is_declared_down_after_the_ping_timeout() {
        let (mut a, mut b) = pair(Config::from_token(Duration::from_millis(3650)));
        a.start(ms(0));
        b.start(ms(0));
        run(&mut a, &mut b, ms(20_000));
        // b stops answering: only a's heartbeat runs from now on.
        let mut out = Vec::new();
        let mut down = None;
        while down.is_none() {
            let now = a.next_deadline().expect("heartbeat");
            a.on_wake(now, &mut out);
            if out.iter().any(|o| matches!(o, Output::Down(_))) {
                down = Some(now);
            }
            out.clear();
        }
        // last pong at 19.2 s (pings every second from 0.2 s); 19.2 + 1.825
        // falls between heartbeats: down at 21.2 s.
        assert_eq!(down, Some(ms(21_200)));
        assert!(!a.is_up(NodeId(2)));
    }

    #[test]
    fn a_pong_answering_a_stale_ping_is_heard_but_not_counted() {
        let (mut a, _) = pair(Config::from_token(Duration::from_millis(3650)));
        a.start(ms(0));
        let mut out = Vec::new();
        for at in [3000, 3100, 3200] {
            a.on_message(ms(at), NodeId(2), Msg::Pong { sent: ms(0) }, &mut out);
        }
        assert!(out.is_empty() && !a.is_up(NodeId(2)));
        for at in [3300, 3400, 3500] {
            a.on_message(ms(at), NodeId(2), Msg::Pong { sent: ms(3000) }, &mut out);
        }
        assert_eq!(out, [Output::Up(NodeId(2))]);
    }
}
