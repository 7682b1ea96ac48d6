//! One `[[expect]]` table checked into an [`Expect`]: a point check at an
//! instant, or an event that must follow a fault within a bound.

use std::collections::{BTreeMap, BTreeSet};

use sim::Duration;

use super::*;

impl Checker<'_> {
    pub(super) fn expect(
        &self,
        nodes: &[String],
        end: Duration,
        e: &raw::S<raw::Expect>,
    ) -> R<Expect> {
        let span = e.span();
        let r = e.get_ref();
        let pos = self.pos(span.clone());
        let events = [
            r.fenced.is_some(),
            r.recovered.is_some(),
            r.elected.is_some(),
        ];
        let point = [
            r.running.is_some(),
            r.dc.is_some(),
            r.quorate.is_some(),
            r.members.is_some(),
        ];
        let n_events = events.iter().filter(|&&b| b).count();
        let is_point = point.iter().any(|&b| b);
        if let Some(c) = &r.converged {
            if !*c.get_ref() {
                return Err(self.err(c.span(), "converged takes `true` (leave it out otherwise)"));
            }
            if n_events > 0 || is_point || r.at.is_some() || r.within.is_some() || r.by.is_some() {
                return Err(self.err(
                    span,
                    "`converged = true` stands alone: it is judged at the end of the run",
                ));
            }
            return Ok(Expect::Converged { pos });
        }
        if n_events > 0 && is_point {
            return Err(self.err(span, "an expectation is either a point (at + running/dc/quorate/members) or an event (fenced/recovered/elected), not both"));
        }
        if n_events > 1 {
            return Err(self.err(
                span,
                "an event expectation names one of fenced, recovered, elected",
            ));
        }
        if n_events == 1 {
            if let Some(a) = &r.at {
                return Err(self.err(
                    a.span(),
                    "an event expectation takes `within` and/or `by`, not `at`",
                ));
            }
            let within = self.opt_duration(&r.within, "within")?;
            let by = self.opt_duration(&r.by, "by")?;
            let never = r.never.as_ref().is_some_and(|n| *n.get_ref());
            if within.is_none() && by.is_none() && !never {
                return Err(self.err(
                    span,
                    "an event expectation needs `within` and/or `by` (or `never = true`)",
                ));
            }
            if let (Some(b), Some(s)) = (by, &r.by) {
                if b > end {
                    return Err(self.err(
                        s.span(),
                        format!("by = {b} is after the end of the scenario ({end})"),
                    ));
                }
            }
            let event = if let Some(n) = &r.fenced {
                Event::Fenced(self.node(nodes, n, "fenced")?)
            } else if let Some(n) = &r.elected {
                Event::Elected(self.node(nodes, n, "elected")?)
            } else {
                let rsc = r.recovered.as_ref().expect("one event");
                Event::Recovered(Located {
                    value: rsc.get_ref().clone(),
                    pos: self.pos(rsc.span()),
                })
            };
            return Ok(Expect::Event {
                event,
                within,
                by,
                never,
                pos,
            });
        }
        if !is_point {
            if r.invariants.is_some() && r.at.is_none() {
                // Only `invariants` written after the last [[expect]] header.
                return Err(self.err(span, "this [[expect]] holds only `invariants`: an expectation needs `at` and what must hold (the invariants list is still read)"));
            }
            return Err(self.err(span, "an expectation needs `at` with running, dc, quorate or members, or an event (fenced, recovered, elected)"));
        }
        for (key, set) in [
            ("within", r.within.is_some()),
            ("by", r.by.is_some()),
            ("never", r.never.is_some()),
        ] {
            if set {
                return Err(self.err(
                    span,
                    format!("`{key}` belongs to event expectations (fenced, recovered, elected)"),
                ));
            }
        }
        let at_s =
            r.at.as_ref()
                .ok_or_else(|| self.err(span.clone(), "a point expectation needs `at`"))?;
        let at = self.duration(at_s, "at")?;
        if at > end {
            return Err(self.err(
                at_s.span(),
                format!("at = {at} is after the end of the scenario ({end})"),
            ));
        }
        let mut running = BTreeMap::new();
        if let Some(t) = &r.running {
            let tpos = self.pos(t.span());
            for (rsc, v) in t.get_ref() {
                let placement = self
                    .placement(nodes, rsc, v)
                    .map_err(|m| self.err(t.span(), m))?;
                running.insert(
                    rsc.clone(),
                    Located {
                        value: placement,
                        pos: tpos,
                    },
                );
            }
        }
        let dc = match &r.dc {
            None => None,
            Some(s) if s.get_ref() == "none" => Some(None),
            Some(s) => Some(Some(self.node(nodes, s, "dc")?)),
        };
        let quorate = r
            .quorate
            .as_ref()
            .map(|q| self.node_set(nodes, q.get_ref(), "quorate"))
            .transpose()?;
        let members = match &r.members {
            None => None,
            Some(m) => {
                let mut out = BTreeSet::new();
                let mut seen = BTreeSet::new();
                for g in m.get_ref() {
                    let set = self.node_set(nodes, g.get_ref(), "members")?;
                    if let Some(n) = set.iter().find(|n| seen.contains(*n)) {
                        return Err(self.err(
                            g.span(),
                            format!("members: node '{n}' is in two partitions"),
                        ));
                    }
                    seen.extend(set.iter().cloned());
                    if set.is_empty() {
                        return Err(self.err(g.span(), "members: an empty partition"));
                    }
                    out.insert(set);
                }
                Some(out)
            }
        };
        Ok(Expect::Point {
            at,
            running,
            dc,
            quorate,
            members,
            pos,
        })
    }

    /// One `running` entry: a node, "stopped", a list of nodes, or
    /// `{ promoted = [...], unpromoted = [...] }`.
    pub(super) fn placement(
        &self,
        nodes: &[String],
        rsc: &str,
        v: &toml::Value,
    ) -> Result<Placement, String> {
        let node = |n: &str| -> Result<String, String> {
            if nodes.iter().any(|m| m == n) {
                Ok(n.to_string())
            } else {
                Err(format!(
                    "running.{rsc}: unknown node '{n}' (the cluster's nodes are {})",
                    nodes.join(", ")
                ))
            }
        };
        let list = |v: &toml::Value, what: &str| -> Result<BTreeSet<String>, String> {
            let arr = v
                .as_array()
                .ok_or_else(|| format!("running.{rsc}.{what} must be a list of nodes"))?;
            let mut out = BTreeSet::new();
            for item in arr {
                let n = item
                    .as_str()
                    .ok_or_else(|| format!("running.{rsc}: {item} is not a node name"))?;
                if !out.insert(node(n)?) {
                    return Err(format!("running.{rsc}: node '{n}' is listed twice"));
                }
            }
            Ok(out)
        };
        match v {
            toml::Value::String(s) if s == "stopped" => Ok(Placement::Stopped),
            toml::Value::String(s) => Ok(Placement::Node(node(s)?)),
            toml::Value::Array(_) => Ok(Placement::Nodes(list(v, "instances")?)),
            toml::Value::Table(t) => {
                for k in t.keys() {
                    if k != "promoted" && k != "unpromoted" {
                        return Err(format!("running.{rsc}: unknown key '{k}' (promoted, unpromoted)"));
                    }
                }
                let get = |k: &str| t.get(k).map(|v| list(v, k)).transpose().map(Option::unwrap_or_default);
                let promoted = get("promoted")?;
                let unpromoted = get("unpromoted")?;
                if let Some(n) = promoted.intersection(&unpromoted).next() {
                    return Err(format!("running.{rsc}: node '{n}' is both promoted and unpromoted"));
                }
                Ok(Placement::Promotable { promoted, unpromoted })
            }
            other => Err(format!(
                "running.{rsc} = {other}: expected a node, \"stopped\", a list of nodes or {{ promoted = [...], unpromoted = [...] }}"
            )),
        }
    }
}
