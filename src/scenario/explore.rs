//! `[explore]` (format v1.1): the menu and pace of random fault schedules.
//!
//! Only what the table says is checked here; drawing a schedule from a
//! seed is the runner's (`runner::explore`).

use sim::Duration;

use super::{raw, Checker, Pos, R};

/// A fault kind `[explore]` can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExploreFault {
    /// Power lost (power comes back in the liveness phase).
    PowerOff,
    /// Kernel panic.
    Crash,
    /// The stack killed.
    KillStack,
    /// The node frozen for a while.
    Pause,
    /// The cluster split in two.
    Partition,
    /// One link lossy, slow or cut.
    Link,
    /// A fencing device fails.
    FenceDevice,
    /// A resource's monitor fails.
    ResourceFail,
}

impl ExploreFault {
    /// Every kind, with its name in the format (the default menu).
    pub const ALL: [(&'static str, ExploreFault); 8] = [
        ("power_off", ExploreFault::PowerOff),
        ("crash", ExploreFault::Crash),
        ("kill_stack", ExploreFault::KillStack),
        ("pause", ExploreFault::Pause),
        ("partition", ExploreFault::Partition),
        ("link", ExploreFault::Link),
        ("fence_device", ExploreFault::FenceDevice),
        ("resource_fail", ExploreFault::ResourceFail),
    ];

    /// The format's name.
    pub fn name(self) -> &'static str {
        ExploreFault::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .expect("listed")
    }

    /// Whether it takes a node down (off, crashed, stack killed, paused,
    /// isolated), as `max_down` counts.
    pub fn downs_a_node(self) -> bool {
        matches!(
            self,
            ExploreFault::PowerOff
                | ExploreFault::Crash
                | ExploreFault::KillStack
                | ExploreFault::Pause
                | ExploreFault::Partition
        )
    }
}

/// `[explore]`, checked, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Explore {
    /// The menu.
    pub faults: Vec<ExploreFault>,
    /// Time between two faults, drawn uniformly from this range.
    pub every: (Duration, Duration),
    /// No fault before.
    pub from: Duration,
    /// The safety phase ends (and every fault is undone) here.
    pub until: Duration,
    /// Time allowed to settle after `until`.
    pub liveness: Duration,
    /// Most nodes down at once.
    pub max_down: usize,
    /// Where `[explore]` is written.
    pub pos: Pos,
}

impl Checker<'_> {
    pub(super) fn explore(
        &self,
        nodes: &[String],
        duration: Duration,
        e: &raw::S<raw::Explore>,
    ) -> R<Explore> {
        let r = e.get_ref();
        let mut faults = Vec::new();
        match &r.faults {
            None => faults.extend(ExploreFault::ALL.iter().map(|(_, k)| *k)),
            Some(list) => {
                for f in list.get_ref() {
                    let kind = ExploreFault::ALL
                        .iter()
                        .find(|(n, _)| n == f.get_ref())
                        .map(|(_, k)| *k)
                        .ok_or_else(|| {
                            let names: Vec<&str> =
                                ExploreFault::ALL.iter().map(|(n, _)| *n).collect();
                            self.err(
                                f.span(),
                                format!(
                                    "explore.faults: unknown fault kind '{}' (expected one of {})",
                                    f.get_ref(),
                                    names.join(", ")
                                ),
                            )
                        })?;
                    if faults.contains(&kind) {
                        return Err(self.err(
                            f.span(),
                            format!("explore.faults: '{}' is listed twice", f.get_ref()),
                        ));
                    }
                    faults.push(kind);
                }
                if faults.is_empty() {
                    return Err(self.err(list.span(), "explore.faults: an empty menu"));
                }
            }
        }
        let every = match &r.every {
            None => (Duration::from_secs(20), Duration::from_secs(120)),
            Some(list) => {
                let [a, b] = list.get_ref().as_slice() else {
                    return Err(self.err(
                        list.span(),
                        "explore.every is a range of two durations: [\"20s\", \"2m\"]",
                    ));
                };
                let (lo, hi) = (
                    self.duration(a, "explore.every")?,
                    self.duration(b, "explore.every")?,
                );
                if lo == Duration::ZERO {
                    return Err(self.err(a.span(), "explore.every must be longer than zero"));
                }
                if lo > hi {
                    return Err(self.err(
                        list.span(),
                        format!("explore.every: {lo} is longer than {hi}"),
                    ));
                }
                (lo, hi)
            }
        };
        let from = self
            .opt_duration(&r.from, "explore.from")?
            .unwrap_or(Duration::from_secs(60));
        let liveness = self
            .opt_duration(&r.liveness, "explore.liveness")?
            .unwrap_or(Duration::from_secs(300));
        if liveness == Duration::ZERO {
            let l = r.liveness.as_ref().expect("set when zero");
            return Err(self.err(l.span(), "explore.liveness must be longer than zero"));
        }
        if liveness >= duration {
            let span = r.liveness.as_ref().map_or(e.span(), |l| l.span());
            return Err(self.err(
                span,
                format!("explore.liveness ({liveness}) leaves no time before the end of the run ({duration})"),
            ));
        }
        let until = match &r.until {
            None => duration - liveness,
            Some(u) => {
                let until = self.duration(u, "explore.until")?;
                if until + liveness > duration {
                    return Err(self.err(
                        u.span(),
                        format!(
                            "explore.until ({until}) + liveness ({liveness}) is after the end of the run ({duration})"
                        ),
                    ));
                }
                until
            }
        };
        if from >= until {
            let span = r.from.as_ref().map_or(e.span(), |f| f.span());
            return Err(self.err(
                span,
                format!(
                    "explore.from ({from}) is not before the end of the safety phase ({until})"
                ),
            ));
        }
        let max_down = match &r.max_down {
            None => (nodes.len() - 1) / 2,
            Some(m) => {
                let v = *m.get_ref();
                if v < 0 || v as usize >= nodes.len() {
                    return Err(self.err(
                        m.span(),
                        format!(
                            "explore.max_down = {v}: between 0 and {} (the cluster has {} nodes)",
                            nodes.len() - 1,
                            nodes.len()
                        ),
                    ));
                }
                v as usize
            }
        };
        if max_down == 0 && faults.iter().all(|f| f.downs_a_node()) {
            let span = r.max_down.as_ref().map_or(e.span(), |m| m.span());
            return Err(self.err(
                span,
                format!(
                    "explore: max_down is 0, yet every fault of the menu ({}) takes a node down: nothing could be drawn",
                    faults.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(Explore {
            faults,
            every,
            from,
            until,
            liveness,
            max_down,
            pos: self.pos(e.span()),
        })
    }
}
