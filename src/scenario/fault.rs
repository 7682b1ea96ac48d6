//! One `[[fault]]` table checked into a [`Fault`]: exactly one action, its
//! node or resource, and its timing within the run.

use std::collections::BTreeSet;

use sim::Duration;

use super::*;

impl Checker<'_> {
    pub(super) fn fault(
        &self,
        nodes: &[String],
        end: Duration,
        f: &raw::S<raw::Fault>,
    ) -> R<Fault> {
        let span = f.span();
        let r = f.get_ref();
        let at_s =
            r.at.as_ref()
                .ok_or_else(|| self.err(span.clone(), "a fault needs `at`"))?;
        let at = self.duration(at_s, "at")?;
        if at > end {
            return Err(self.err(
                at_s.span(),
                format!("this fault comes after the end of the scenario ({})", end),
            ));
        }
        let node = |s: &raw::S<String>, what: &str| self.node(nodes, s, what);
        let mut actions: Vec<(&str, FaultAction)> = Vec::new();
        if let Some(n) = &r.power_off {
            actions.push(("power_off", FaultAction::PowerOff(node(n, "power_off")?)));
        }
        if let Some(n) = &r.power_on {
            actions.push(("power_on", FaultAction::PowerOn(node(n, "power_on")?)));
        }
        if let Some(n) = &r.crash {
            actions.push(("crash", FaultAction::Crash(node(n, "crash")?)));
        }
        if let Some(n) = &r.kill_stack {
            actions.push(("kill_stack", FaultAction::KillStack(node(n, "kill_stack")?)));
        }
        if let Some(n) = &r.pause {
            let d = r.for_.as_ref().ok_or_else(|| {
                self.err(n.span(), "pause needs `for`, how long the node freezes")
            })?;
            actions.push((
                "pause",
                FaultAction::Pause {
                    node: node(n, "pause")?,
                    duration: self.duration(d, "for")?,
                },
            ));
        }
        if let Some(n) = &r.restart {
            actions.push(("restart", FaultAction::Restart(node(n, "restart")?)));
        }
        if let Some(n) = &r.stop_cluster {
            actions.push((
                "stop_cluster",
                FaultAction::StopCluster(node(n, "stop_cluster")?),
            ));
        }
        if let Some(n) = &r.start_cluster {
            actions.push((
                "start_cluster",
                FaultAction::StartCluster(node(n, "start_cluster")?),
            ));
        }
        if let Some(p) = &r.partition {
            let mut seen = BTreeSet::new();
            let mut groups = Vec::new();
            for g in p.get_ref() {
                let mut group = Vec::new();
                for n in g.get_ref() {
                    let name = node(n, "partition")?;
                    if !seen.insert(name.clone()) {
                        return Err(self.err(
                            n.span(),
                            format!("partition: node '{name}' is in two lists"),
                        ));
                    }
                    group.push(name);
                }
                if group.is_empty() {
                    return Err(self.err(g.span(), "partition: an empty list"));
                }
                groups.push(group);
            }
            actions.push(("partition", FaultAction::Partition(groups)));
        }
        if let Some(h) = &r.heal {
            if !*h.get_ref() {
                return Err(self.err(h.span(), "heal takes `true` (leave it out for no heal)"));
            }
            actions.push(("heal", FaultAction::Heal));
        }
        if let Some(l) = &r.link {
            let [a, b] = l.get_ref().as_slice() else {
                return Err(self.err(l.span(), "link names two nodes: [a, b]"));
            };
            let (a, b) = (node(a, "link")?, node(b, "link")?);
            if a == b {
                return Err(self.err(l.span(), "link: a node has no link to itself"));
            }
            let loss = r
                .loss
                .as_ref()
                .map(|p| self.probability(p, "loss"))
                .transpose()?;
            let delay = self.opt_duration(&r.delay, "delay")?;
            let cut = r.cut.as_ref().is_some_and(|c| *c.get_ref());
            if loss.is_none() && delay.is_none() && !cut {
                return Err(self.err(l.span(), "link needs `loss`, `delay` and/or `cut = true`"));
            }
            actions.push((
                "link",
                FaultAction::Link {
                    a,
                    b,
                    loss,
                    delay,
                    cut,
                },
            ));
        }
        if let Some(d) = &r.fence_device {
            let fail_s = r
                .fail
                .as_ref()
                .ok_or_else(|| self.err(d.span(), "fence_device needs `fail` = \"unreachable\", \"timeout\", \"refuse\" or \"ok\""))?;
            let fail = match fail_s.get_ref().as_str() {
                "unreachable" => DeviceFault::Unreachable,
                "timeout" => DeviceFault::Timeout,
                "refuse" => DeviceFault::Refuse,
                "ok" => DeviceFault::Ok,
                other => {
                    return Err(self.err(
                        fail_s.span(),
                        format!("fail = '{other}': expected \"unreachable\", \"timeout\", \"refuse\" or \"ok\""),
                    ))
                }
            };
            actions.push((
                "fence_device",
                FaultAction::FenceDevice {
                    device: Located {
                        value: d.get_ref().clone(),
                        pos: self.pos(d.span()),
                    },
                    fail,
                },
            ));
        }
        if let Some(rsc) = &r.resource_fail {
            let n = r
                .node
                .as_ref()
                .ok_or_else(|| self.err(rsc.span(), "resource_fail needs `node`"))?;
            let op =
                r.op.as_ref()
                    .map_or("monitor".to_string(), |o| o.get_ref().clone());
            let known_ops = [
                "monitor",
                "start",
                "stop",
                "promote",
                "demote",
                "migrate_to",
                "migrate_from",
                "notify",
            ];
            if !known_ops.contains(&op.as_str()) {
                let o = r.op.as_ref().expect("set");
                return Err(self.err(
                    o.span(),
                    format!("op = '{op}': expected one of {}", known_ops.join(", ")),
                ));
            }
            let rc = match &r.rc {
                None => 7,
                Some(s) if (0..=255).contains(s.get_ref()) => *s.get_ref() as i32,
                Some(s) => {
                    return Err(self.err(
                        s.span(),
                        format!("rc must be an exit code 0-255, not {}", s.get_ref()),
                    ))
                }
            };
            let times = match &r.times {
                None => 1,
                Some(s) if (1..=1_000_000).contains(s.get_ref()) => *s.get_ref() as u32,
                Some(s) => {
                    return Err(self.err(
                        s.span(),
                        format!("times must be at least 1, not {}", s.get_ref()),
                    ))
                }
            };
            actions.push((
                "resource_fail",
                FaultAction::ResourceFail {
                    rsc: Located {
                        value: rsc.get_ref().clone(),
                        pos: self.pos(rsc.span()),
                    },
                    node: node(n, "resource_fail node")?,
                    op,
                    rc,
                    times,
                },
            ));
        }
        if let Some(n) = &r.standby {
            actions.push(("standby", FaultAction::Standby(node(n, "standby")?)));
        }
        if let Some(n) = &r.unstandby {
            actions.push(("unstandby", FaultAction::Unstandby(node(n, "unstandby")?)));
        }
        if let Some(n) = &r.recover {
            actions.push(("recover", FaultAction::Recover(node(n, "recover")?)));
        }
        if let Some(c) = &r.pcs {
            actions.push((
                "pcs",
                FaultAction::Pcs(Located {
                    value: c.get_ref().clone(),
                    pos: self.pos(c.span()),
                }),
            ));
        }
        let kind = match actions.len() {
            0 => return Err(self.err(
                span,
                "a fault needs exactly one action (power_off, crash, partition, ...); it has none",
            )),
            1 => actions[0].0,
            _ => {
                let names: Vec<&str> = actions.iter().map(|(n, _)| *n).collect();
                return Err(self.err(
                    span,
                    format!(
                        "a fault has exactly one action; this one has {}",
                        names.join(" and ")
                    ),
                ));
            }
        };
        // Modifiers belong to one action each.
        let modifiers: [(&str, bool, &[&str]); 9] = [
            ("for", r.for_.is_some(), &["pause"]),
            ("loss", r.loss.is_some(), &["link"]),
            ("delay", r.delay.is_some(), &["link"]),
            ("cut", r.cut.is_some(), &["link"]),
            ("fail", r.fail.is_some(), &["fence_device"]),
            ("node", r.node.is_some(), &["resource_fail"]),
            ("op", r.op.is_some(), &["resource_fail"]),
            ("rc", r.rc.is_some(), &["resource_fail"]),
            ("times", r.times.is_some(), &["resource_fail"]),
        ];
        for (key, set, owners) in modifiers {
            if set && !owners.contains(&kind) {
                return Err(self.err(
                    span,
                    format!(
                        "`{key}` belongs to {} faults, not to {kind}",
                        owners.join("/")
                    ),
                ));
            }
        }
        Ok(Fault {
            at,
            action: actions.pop().expect("one").1,
            pos: self.pos(span),
        })
    }
}
