//! The simulated network: who can reach whom, how late and how lossy.
//!
//! Links are directed (`from -> to`) and independent: each has its own
//! parameters (latency range, loss probability), its own cut flag and its own
//! random stream, labelled `net/<from>-><to>`, so the draws on one link depend
//! only on the traffic of that link.
//!
//! Delivery rules (the kernel applies them, this module answers questions):
//! - every message draws, in this order, one loss decision and one latency,
//!   uniform in `latency_min..=latency_max`, whatever happens to it next, so
//!   that a cut or a rule does not shift later draws on that link;
//! - a message sent on a cut link is dropped at once;
//! - a message is also dropped *at delivery time* if its link is cut then, or
//!   was cut at any moment since it was sent (its link's cut epoch moved):
//!   packets on the wire during a cut are lost even if the link is repaired
//!   before they would have arrived;
//! - order per link is **not** FIFO by default (two messages may swap when the
//!   latency range is wider than their spacing), as with UDP; `fifo = true`
//!   delays each arrival to no earlier than the previous one on that link;
//! - a node sending to itself uses a perfect loopback: no loss, no latency,
//!   never cut.

use std::fmt;

use serde::Serialize;

use crate::rng::{chance, uniform, RngStreams, SimRng};
use crate::time::{Duration, Instant};

/// A node of the simulated cluster. Small and `Copy`; ids are chosen by the
/// harness (pacesim numbers nodes 1, 2, ... in scenario order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The parameters of one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LinkParams {
    /// The shortest one-way latency.
    pub latency_min: Duration,
    /// The longest one-way latency (inclusive).
    pub latency_max: Duration,
    /// Probability in `0.0..=1.0` that a message is lost.
    pub loss: f64,
}

impl LinkParams {
    /// A link with this latency range and loss; asserts the range is ordered
    /// and the loss is a probability.
    pub fn new(latency_min: Duration, latency_max: Duration, loss: f64) -> Self {
        let p = LinkParams {
            latency_min,
            latency_max,
            loss,
        };
        p.check();
        p
    }

    fn check(&self) {
        assert!(
            self.latency_min <= self.latency_max,
            "latency range reversed: {} > {}",
            self.latency_min,
            self.latency_max
        );
        assert!(
            (0.0..=1.0).contains(&self.loss),
            "loss is not a probability: {}",
            self.loss
        );
    }
}

/// 0.5 ms to 2 ms, no loss: a quiet LAN.
impl Default for LinkParams {
    fn default() -> Self {
        LinkParams::new(Duration::from_micros(500), Duration::from_millis(2), 0.0)
    }
}

/// What the network drew for one message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Draw {
    /// The loss decision.
    pub lost: bool,
    /// The one-way latency.
    pub latency: Duration,
    /// Whether the link is cut as the message leaves ([`Network::is_cut`]).
    pub cut: bool,
    /// The link's cut epoch as the message leaves ([`Network::epoch`]).
    pub epoch: u64,
}

/// What a link does with a message arriving over it ([`Network::gate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Cut since the message left: it is lost.
    Cut,
    /// Held: it waits for the hold's release.
    Held,
    /// It arrives.
    Open,
}

/// One directed link's state. Absent entries of the table read as this
/// default: uncut, never cut, not held, no override, no draw yet.
#[derive(Default)]
struct Link {
    /// Overrides the network's default parameters until the next `heal`.
    params: Option<LinkParams>,
    cut: bool,
    /// Bumped on every cut of the link; a message remembers it at send time.
    epoch: u64,
    held: bool,
    /// The link's random stream, made on its first draw.
    rng: Option<SimRng>,
    /// The latest arrival scheduled on the link (FIFO networks only).
    last_arrival: Option<Instant>,
}

/// State of all links. Owned by the kernel; the fault API of `Sim` changes it.
///
/// The links are a table indexed by the two node ids (`links[from][to]`),
/// not a map: every message asks several questions of its link, and node
/// ids are small (the harness numbers nodes 1, 2, ...). Walking the table
/// in index order is walking the links in `(from, to)` order.
pub struct Network {
    default: LinkParams,
    fifo: bool,
    streams: RngStreams,
    links: Vec<Vec<Link>>,
}

/// The largest node id the link table takes: ids index it directly.
const MAX_NODE_ID: u32 = 1 << 12;

/// The table's entry for `from -> to`, made (with the rows before it) if new.
#[inline]
fn entry(links: &mut Vec<Vec<Link>>, from: NodeId, to: NodeId) -> &mut Link {
    let (f, t) = (from.0 as usize, to.0 as usize);
    // Every link that carries traffic is in the table after its first
    // message: the common case is one look.
    if links.get(f).is_some_and(|row| row.len() > t) {
        return &mut links[f][t];
    }
    grow(links, from, to)
}

/// `entry` for a link not yet in the table.
#[cold]
fn grow(links: &mut Vec<Vec<Link>>, from: NodeId, to: NodeId) -> &mut Link {
    assert!(
        from.0 < MAX_NODE_ID && to.0 < MAX_NODE_ID,
        "node ids index the link table: {from} -> {to} is too large"
    );
    let (f, t) = (from.0 as usize, to.0 as usize);
    if links.len() <= f {
        links.resize_with(f + 1, Vec::new);
    }
    let row = &mut links[f];
    if row.len() <= t {
        row.resize_with(t + 1, Link::default);
    }
    &mut row[t]
}

impl Network {
    /// A fully connected network where every link has `default` parameters.
    pub fn new(default: LinkParams, fifo: bool, streams: RngStreams) -> Self {
        default.check();
        Network {
            default,
            fifo,
            streams,
            links: Vec::new(),
        }
    }

    fn link(&self, from: NodeId, to: NodeId) -> Option<&Link> {
        self.links.get(from.0 as usize)?.get(to.0 as usize)
    }

    fn link_mut(&mut self, from: NodeId, to: NodeId) -> &mut Link {
        entry(&mut self.links, from, to)
    }

    /// The entry for `from -> to` if the table has one (one that does not
    /// is in the default state).
    fn existing_mut(&mut self, from: NodeId, to: NodeId) -> Option<&mut Link> {
        self.links.get_mut(from.0 as usize)?.get_mut(to.0 as usize)
    }

    /// Every link in `(from, to)` order, with its ends.
    fn each_link(&mut self) -> impl Iterator<Item = ((NodeId, NodeId), &mut Link)> {
        self.links.iter_mut().enumerate().flat_map(|(f, row)| {
            row.iter_mut()
                .enumerate()
                .map(move |(t, l)| ((NodeId(f as u32), NodeId(t as u32)), l))
        })
    }

    /// The parameters currently in force on `from -> to`.
    pub fn params(&self, from: NodeId, to: NodeId) -> LinkParams {
        self.link(from, to)
            .and_then(|l| l.params)
            .unwrap_or(self.default)
    }

    /// Overrides the parameters of `from -> to` until the next `heal`.
    pub fn set_params(&mut self, from: NodeId, to: NodeId, params: LinkParams) {
        params.check();
        self.link_mut(from, to).params = Some(params);
    }

    /// Draws loss and latency for one message on `from -> to`.
    #[inline]
    pub fn draw(&mut self, from: NodeId, to: NodeId) -> Draw {
        if from == to {
            return Draw {
                lost: false,
                latency: Duration::ZERO,
                cut: false,
                epoch: self.epoch(from, to),
            };
        }
        let default = self.default;
        let streams = &self.streams;
        let row = entry(&mut self.links, from, to);
        let params = row.params.unwrap_or(default);
        let rng = row
            .rng
            .get_or_insert_with(|| streams.stream(&format!("net/{from}->{to}")));
        let lost = chance(rng, params.loss);
        let nanos = uniform(
            rng,
            params.latency_min.as_nanos(),
            params.latency_max.as_nanos(),
        );
        Draw {
            lost,
            latency: Duration::from_nanos(nanos),
            cut: row.cut,
            epoch: row.epoch,
        }
    }

    /// The arrival instant for a message due at `at`, pushed back if the
    /// network is FIFO and an earlier message on this link arrives later.
    #[inline]
    pub fn arrival(&mut self, from: NodeId, to: NodeId, at: Instant) -> Instant {
        if !self.fifo || from == to {
            return at;
        }
        let last = self.link_mut(from, to).last_arrival.get_or_insert(at);
        let at = at.max(*last);
        *last = at;
        at
    }

    /// Whether `from -> to` is cut now. The loopback never is.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.link(from, to).is_some_and(|l| l.cut)
    }

    /// The cut epoch of `from -> to`: how many times it has been cut.
    pub fn epoch(&self, from: NodeId, to: NodeId) -> u64 {
        self.link(from, to).map_or(0, |l| l.epoch)
    }

    /// What becomes of a message sent in `epoch` and arriving now: lost if
    /// the link is cut or was cut in between, else held if the link is
    /// held ([`is_held`](Self::is_held)), else delivered. One look at the
    /// link, for every arrival.
    #[inline]
    pub fn gate(&self, from: NodeId, to: NodeId, epoch: u64) -> Gate {
        match self.link(from, to) {
            None if epoch == 0 => Gate::Open,
            None => Gate::Cut,
            Some(l) if l.cut || l.epoch != epoch => Gate::Cut,
            Some(l) if l.held => Gate::Held,
            Some(_) => Gate::Open,
        }
    }

    /// Cuts `from -> to`. Cutting a cut link does nothing.
    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        if from == to {
            return;
        }
        let l = self.link_mut(from, to);
        if !l.cut {
            l.cut = true;
            l.epoch += 1;
        }
    }

    /// Restores `from -> to` (its loss and latency stay as they are).
    pub fn uncut(&mut self, from: NodeId, to: NodeId) {
        if let Some(l) = self.existing_mut(from, to) {
            l.cut = false;
        }
    }

    /// Replaces every cut so that only nodes within one of `groups` can talk;
    /// nodes of `all` in no group are isolated.
    pub fn partition_groups(&mut self, all: &[NodeId], groups: &[Vec<NodeId>]) {
        let group_of = |n: NodeId| groups.iter().position(|g| g.contains(&n));
        let apart = |a: NodeId, b: NodeId| {
            a != b
                && all.contains(&a)
                && all.contains(&b)
                && !matches!((group_of(a), group_of(b)), (Some(x), Some(y)) if x == y)
        };
        // A link that stays cut keeps its epoch (`cut` of a cut link does
        // nothing); one newly cut bumps it.
        for ((a, b), l) in self.each_link() {
            if !apart(a, b) {
                l.cut = false;
            }
        }
        for &a in all {
            for &b in all {
                if apart(a, b) {
                    self.cut(a, b);
                }
            }
        }
    }

    /// Holds `from -> to`: arriving messages wait until `release`.
    pub fn hold(&mut self, from: NodeId, to: NodeId) {
        if from != to {
            self.link_mut(from, to).held = true;
        }
    }

    /// Stops holding `from -> to`; returns whether it was held.
    pub fn release(&mut self, from: NodeId, to: NodeId) -> bool {
        self.existing_mut(from, to)
            .is_some_and(|l| std::mem::take(&mut l.held))
    }

    /// Whether `from -> to` is held.
    pub fn is_held(&self, from: NodeId, to: NodeId) -> bool {
        self.link(from, to).is_some_and(|l| l.held)
    }

    /// Removes every cut, every override and every hold; returns the links
    /// that were held, in order, so the kernel can release their messages.
    pub fn heal(&mut self) -> Vec<(NodeId, NodeId)> {
        let mut held = Vec::new();
        for (ends, l) in self.each_link() {
            l.cut = false;
            l.params = None;
            if std::mem::take(&mut l.held) {
                held.push(ends);
            }
        }
        held
    }

    /// Every cut link, in `(from, to)` order.
    pub fn cuts(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.links.iter().enumerate().flat_map(|(f, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, l)| l.cut)
                .map(move |(t, _)| (NodeId(f as u32), NodeId(t as u32)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(fifo: bool) -> Network {
        Network::new(
            LinkParams::new(Duration::from_millis(1), Duration::from_millis(9), 0.0),
            fifo,
            RngStreams::new(5),
        )
    }

    #[test]
    fn links_draw_independently() {
        let mut a = net(false);
        let mut b = net(false);
        // Traffic on another link must not change the draws of 1->2.
        for _ in 0..17 {
            b.draw(NodeId(3), NodeId(1));
        }
        for _ in 0..50 {
            assert_eq!(a.draw(NodeId(1), NodeId(2)), b.draw(NodeId(1), NodeId(2)));
        }
    }

    #[test]
    fn cut_epochs_catch_flaps() {
        let mut n = net(false);
        let (a, b) = (NodeId(1), NodeId(2));
        let e = n.epoch(a, b);
        n.cut(a, b);
        assert_eq!(n.gate(a, b, e), Gate::Cut);
        n.uncut(a, b);
        assert_eq!(
            n.gate(a, b, e),
            Gate::Cut,
            "a flap still loses what was on the wire"
        );
        assert_eq!(n.gate(a, b, n.epoch(a, b)), Gate::Open);
        assert_eq!(n.gate(b, a, n.epoch(b, a)), Gate::Open, "one-way cut");
    }

    #[test]
    fn gate_and_draw_agree_with_the_single_questions() {
        let mut n = net(false);
        let (a, b, c) = (NodeId(1), NodeId(2), NodeId(3));
        let check = |n: &mut Network, e: u64| {
            for (f, t) in [(a, b), (b, a), (a, c), (c, c)] {
                let want = if n.is_cut(f, t) || n.epoch(f, t) != e {
                    Gate::Cut
                } else if n.is_held(f, t) {
                    Gate::Held
                } else {
                    Gate::Open
                };
                assert_eq!(n.gate(f, t, e), want, "{f}->{t} epoch {e}");
                let (cut, epoch) = (n.is_cut(f, t), n.epoch(f, t));
                let d = n.draw(f, t);
                assert_eq!((d.cut, d.epoch), (cut, epoch), "{f}->{t}");
            }
        };
        for e in 0..3 {
            check(&mut n, e);
        }
        n.cut(a, b);
        check(&mut n, 0);
        check(&mut n, 1);
        n.uncut(a, b);
        n.hold(a, c);
        for e in 0..3 {
            check(&mut n, e);
        }
    }

    #[test]
    fn partition_groups_isolates_unlisted() {
        let mut n = net(false);
        let all = [NodeId(1), NodeId(2), NodeId(3)];
        n.partition_groups(&all, &[vec![NodeId(1), NodeId(2)]]);
        assert!(!n.is_cut(NodeId(1), NodeId(2)));
        assert!(n.is_cut(NodeId(1), NodeId(3)));
        assert!(n.is_cut(NodeId(3), NodeId(2)));
        n.partition_groups(&all, &[all.to_vec()]);
        assert_eq!(n.cuts().count(), 0);
    }

    #[test]
    fn fifo_never_lets_a_later_message_overtake() {
        let mut n = net(true);
        let t = Instant::from_nanos(1_000_000);
        let first = n.arrival(NodeId(1), NodeId(2), t + Duration::from_millis(9));
        let second = n.arrival(NodeId(1), NodeId(2), t + Duration::from_millis(1));
        assert!(second >= first);
    }
}
