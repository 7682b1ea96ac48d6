//! Verdicts of expectations: a point expectation against the cluster at its
//! instant, an event expectation against the events seen, `converged`
//! against the cluster at the end. Invariants are judged as the run goes
//! (`observe.rs`); their verdicts are summed up here.

use std::collections::{BTreeMap, BTreeSet};

use sim::{Addr, Instant, NodeId, PowerState, Sim};

use crate::cluster::{Process, STACK};
use crate::scenario::{Event, Expect, Invariant};

use super::build::RscKind;
use super::observe::{Observer, Seen, Violation};
use super::truth::{show_placement, show_set};

/// One expectation's or invariant's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What was expected, in words.
    pub what: String,
    /// Whether it held.
    pub pass: bool,
    /// What was observed.
    pub observed: String,
    /// Where it is written (0: not in the file, e.g. an invariant).
    pub line: usize,
}

impl Verdict {
    /// The name a sweep counts it under: `what (line N)`.
    pub fn label(&self) -> String {
        if self.line > 0 {
            format!("{} (line {})", self.what, self.line)
        } else {
            self.what.clone()
        }
    }
}

/// One checked item of a point expectation: `what = observed` when it
/// holds, else what was expected beside what was observed.
fn part(ok: bool, what: &str, want: String, got: String) -> (bool, String) {
    if ok {
        (true, format!("{what} = {got}"))
    } else {
        (false, format!("{what}: expected {want}, observed {got}"))
    }
}

/// The stacks that report now: running and not paused (a paused node's
/// view is frozen; it counts for none of dc, quorate and members).
fn stacks(sim: &Sim<Process>) -> Vec<(NodeId, &crate::cluster::Stack)> {
    sim.nodes()
        .filter(|n| !sim.is_paused(*n))
        .filter_map(|n| {
            sim.actor(Addr::new(n, STACK))
                .and_then(|p| p.stack())
                .map(|st| (n, st))
        })
        .collect()
}

/// Judges a point expectation against the state now.
pub fn point(
    names: &[String],
    sim: &Sim<Process>,
    obs: &Observer,
    kinds: &BTreeMap<String, RscKind>,
    e: &Expect,
) -> Verdict {
    let Expect::Point {
        at,
        running,
        dc,
        quorate,
        members,
        pos,
    } = e
    else {
        unreachable!("a point expectation");
    };
    let mut parts: Vec<(bool, String)> = Vec::new();
    for (id, want) in running {
        let got = obs.truth.placement(names, kinds, id);
        let ok = got == want.value;
        parts.push(part(
            ok,
            id,
            show_placement(&want.value),
            show_placement(&got),
        ));
    }
    let name = |n: NodeId| names[(n.0 - 1) as usize].clone();
    let stacks = stacks(sim);
    if let Some(want) = dc {
        let got: BTreeSet<String> = stacks
            .iter()
            .filter(|(_, st)| st.controller().is_dc())
            .map(|(n, _)| name(*n))
            .collect();
        let ok = match want {
            None => got.is_empty(),
            Some(n) => got.len() == 1 && got.contains(n),
        };
        let shown = match got.len() {
            0 => "none".to_string(),
            1 => got.iter().next().cloned().unwrap_or_default(),
            _ => show_set(&got),
        };
        let wanted = want.clone().unwrap_or_else(|| "none".into());
        parts.push(part(ok, "dc", wanted, shown));
    }
    if let Some(want) = quorate {
        let got: BTreeSet<String> = stacks
            .iter()
            .filter(|(_, st)| st.quorate())
            .map(|(n, _)| name(*n))
            .collect();
        let ok = got == *want;
        parts.push(part(ok, "quorate", show_set(want), show_set(&got)));
    }
    if let Some(want) = members {
        let got: BTreeSet<BTreeSet<String>> = stacks
            .iter()
            .filter(|(_, st)| st.ring().is_some())
            .map(|(_, st)| st.members().iter().map(|m| name(*m)).collect())
            .collect();
        let ok = got == *want;
        let show = |g: &BTreeSet<BTreeSet<String>>| {
            format!(
                "[{}]",
                g.iter().map(show_set).collect::<Vec<_>>().join(", ")
            )
        };
        parts.push(part(ok, "members", show(want), show(&got)));
    }
    let pass = parts.iter().all(|(ok, _)| *ok);
    Verdict {
        what: format!("at {at}"),
        pass,
        observed: parts
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("; "),
        line: pos.line,
    }
}

/// Judges an event expectation against what was seen.
///
/// It holds if any occurrence fits; the one reported is, when possible, the
/// one that follows the fault written last before the expectation.
/// `faults` are (instant, line written) of every fault of the run.
pub fn event(e: &Expect, seen: &[(Instant, Seen)], faults: &[(Instant, usize)]) -> Verdict {
    let Expect::Event {
        event,
        within,
        by,
        never,
        pos,
    } = e
    else {
        unreachable!("an event expectation");
    };
    let want = match event {
        Event::Fenced(n) => Seen::Fenced(n.clone()),
        Event::Recovered(r) => Seen::Recovered(r.value.clone()),
        Event::Elected(n) => Seen::Elected(n.clone()),
    };
    let anchor = |t: Instant| {
        faults
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| *f <= t)
            .max()
            .unwrap_or(Instant::ZERO)
    };
    let written_before = faults
        .iter()
        .filter(|(_, line)| *line > 0 && *line < pos.line)
        .map(|(f, _)| *f)
        .max_by_key(|f| *f);
    let fits = |t: Instant| {
        within.is_none_or(|w| t.saturating_since(anchor(t)) <= w)
            && by.is_none_or(|b| t <= Instant::ZERO + b)
    };
    let times: Vec<Instant> = seen
        .iter()
        .filter(|(_, s)| *s == want)
        .map(|(t, _)| *t)
        .collect();
    let hit = times
        .iter()
        .copied()
        .find(|t| fits(*t) && Some(anchor(*t)) == written_before)
        .or_else(|| times.iter().copied().find(|t| fits(*t)));
    let mut what = String::new();
    if *never {
        what.push_str("never ");
    }
    what.push_str(&want.label());
    if let Some(w) = within {
        what.push_str(&format!(" within {w}"));
    }
    if let Some(b) = by {
        what.push_str(&format!(" by {b}"));
    }
    let describe_at = |t: Instant| {
        let a = anchor(t);
        if a == Instant::ZERO {
            format!("at {t}")
        } else {
            format!("at {t} ({} after the fault at {a})", t.saturating_since(a))
        }
    };
    // "Never ... within" looks after the fault written before it, when
    // there is one: an earlier fault's consequences are not this one's.
    let pass = if *never && within.is_some() && written_before.is_some() {
        !times
            .iter()
            .any(|t| fits(*t) && Some(anchor(*t)) == written_before)
    } else {
        hit.is_some() != *never
    };
    let observed = match (hit, times.first()) {
        _ if *never && pass => match (within, written_before) {
            (Some(w), Some(f)) => format!("did not happen within {w} of the fault at {f}"),
            _ => "did not happen".into(),
        },
        (Some(t), _) => describe_at(t),
        (None, Some(t)) => format!("{}, not in time", describe_at(*t)),
        (None, None) => "did not happen".into(),
    };
    Verdict {
        what,
        pass,
        observed,
        line: pos.line,
    }
}

/// Why the cluster has not settled now, if it has not: every node powered,
/// running its stack, in one membership; one DC; every node quorate; no
/// transition in progress; every resource active where the DC's scheduler
/// places it (the DC's CIB agrees with the ground truth and its scheduler
/// has nothing left to do).
pub fn unsettled(names: &[String], sim: &Sim<Process>, obs: &Observer) -> Option<String> {
    let name = |n: NodeId| names[(n.0 - 1) as usize].clone();
    let all: Vec<NodeId> = sim.nodes().collect();
    for &n in &all {
        if sim.power_state(n) != PowerState::Up {
            return Some(format!("{} is {:?}", name(n), sim.power_state(n)).to_lowercase());
        }
        if sim.is_paused(n) {
            return Some(format!("{} is paused", name(n)));
        }
    }
    let stacks = stacks(sim);
    if let Some(n) = all.iter().find(|n| !stacks.iter().any(|(m, _)| m == *n)) {
        return Some(format!("{} runs no cluster stack", name(*n)));
    }
    for (n, st) in &stacks {
        if st.members() != all.as_slice() || st.ring().is_none() {
            let m: Vec<String> = st.members().iter().map(|m| name(*m)).collect();
            return Some(format!(
                "{} is in membership [{}], not of every node",
                name(*n),
                m.join(" ")
            ));
        }
        if !st.quorate() {
            return Some(format!("{} is not quorate", name(*n)));
        }
    }
    let dcs: Vec<&(NodeId, &crate::cluster::Stack)> = stacks
        .iter()
        .filter(|(_, st)| st.controller().is_dc())
        .collect();
    let [(dc, st)] = dcs.as_slice() else {
        let d: Vec<String> = dcs.iter().map(|(n, _)| name(*n)).collect();
        return Some(format!("{} DCs ({})", d.len(), d.join(", ")));
    };
    let view = match st.controller().settled(sim.now()) {
        Ok(v) => v,
        Err(why) => return Some(format!("DC {}: {why}", name(*dc))),
    };
    // The ground truth, by the same keys (clone suffixes dropped).
    let mut truth: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rsc, nodes) in obs.truth.all() {
        let base = rsc.split(':').next().unwrap_or(rsc).to_string();
        truth
            .entry(base)
            .or_default()
            .extend(nodes.keys().map(|n| name(*n)));
    }
    let keys: BTreeSet<&String> = view
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, _)| k)
        .chain(truth.keys())
        .collect();
    for k in keys {
        let empty = BTreeSet::new();
        let believed = view.get(k).unwrap_or(&empty);
        let real = truth.get(k).unwrap_or(&empty);
        if believed != real {
            return Some(format!(
                "{k} is active on {} but the DC's CIB has it on {}",
                show_set(real),
                show_set(believed)
            ));
        }
    }
    None
}

/// The verdict of `converged` at the end of the run.
pub fn converged(names: &[String], sim: &Sim<Process>, obs: &Observer, line: usize) -> Verdict {
    let why = unsettled(names, sim, obs);
    Verdict {
        what: "converged".into(),
        pass: why.is_none(),
        observed: match why {
            None => format!("settled at {}", sim.now()),
            Some(w) => format!("not settled at {}: {w}", sim.now()),
        },
        line,
    }
}

/// An invariant's verdict from the violations seen.
pub fn invariant(inv: Invariant, violations: &[Violation]) -> Verdict {
    let v: Vec<&Violation> = violations.iter().filter(|v| v.invariant == inv).collect();
    Verdict {
        what: inv.name().to_string(),
        pass: v.is_empty(),
        observed: match v.first() {
            None => "held after every event".into(),
            Some(first) => format!(
                "{} violation(s); first at {}: {}",
                v.len(),
                first.at,
                first.detail
            ),
        },
        line: 0,
    }
}
