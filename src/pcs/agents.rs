//! Resource and fence agent metadata, as pcs reads it when it creates a
//! resource: the agent's actions become the default operations, its
//! parameters are the allowed instance attributes, the required ones must be
//! given.
//!
//! Real pcs runs `crm_resource --show-metadata` on the installed agent.
//! pacesim must give the same result on any machine, so the metadata of the
//! agents installed with resource-agents, pacemaker and fence-agents was
//! taken once (`tools/gen-pcs-agents.py`) into `agents.txt`, compiled in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One `<action>` of the agent's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Action {
    pub name: String,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub role: Option<String>,
    pub depth: Option<String>,
    pub start_delay: Option<String>,
}

/// One `<parameter>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Param {
    pub name: String,
    pub required: bool,
    pub deprecated: bool,
    /// The older parameter this one replaces (OCF 1.0 `obsoletes`).
    pub obsoletes: Option<String>,
    /// Newer parameters replacing this one (OCF 1.1 `<deprecated>`).
    pub replaced_with: Vec<String>,
}

/// An agent: `standard:provider:type` (or `stonith:type`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Agent {
    pub standard: String,
    pub provider: Option<String>,
    pub kind: String,
    pub actions: Vec<Action>,
    pub params: Vec<Param>,
}

impl Agent {
    /// The full name, as pcs prints it.
    pub fn full_name(&self) -> String {
        match &self.provider {
            Some(p) => format!("{}:{}:{}", self.standard, p, self.kind),
            None => format!("{}:{}", self.standard, self.kind),
        }
    }

    pub fn is_stonith(&self) -> bool {
        self.standard == "stonith"
    }

    /// Parameter names pcs accepts: the agent's own; for resource agents the
    /// trace parameters pcs adds (`get_additional_trace_parameters`); for
    /// fence agents the fencer's `pcmk_*` parameters and without the ones
    /// pcs removes.
    pub fn allowed_params(&self) -> Vec<String> {
        let mut names: Vec<String> = self.params.iter().map(|p| p.name.clone()).collect();
        if self.is_stonith() {
            // _metadata_remove_unwanted_stonith_parameters
            names.retain(|n| !STONITH_REMOVED.contains(&n.as_str()));
            names.extend(db().fenced.iter().cloned());
        } else {
            for t in ["trace_ra", "trace_file"] {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(t)) {
                    names.push(t.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Parameters deprecated by (replaced with) the given one.
    fn deprecated_by(&self, name: &str) -> Vec<String> {
        let mut by: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.obsoletes.as_deref() == Some(name))
            .map(|p| p.name.clone())
            .collect();
        if let Some(p) = self.params.iter().find(|p| p.name == name) {
            by.extend(p.replaced_with.iter().cloned());
        }
        by.sort();
        by.dedup();
        by
    }

    /// Groups of which one parameter must be given: a required parameter
    /// with the older ones it replaces (`get_validators_required_parameters`).
    /// For fence agents `port` and what replaces it are not required
    /// (`_metadata_make_stonith_port_parameter_not_required`).
    pub fn required_groups(&self) -> Vec<(String, Vec<String>)> {
        let mut not_required: Vec<String> = Vec::new();
        if self.is_stonith() {
            let mut next = vec!["port".to_string()];
            while let Some(n) = next.pop() {
                if not_required.contains(&n) {
                    continue;
                }
                next.extend(self.deprecated_by(&n));
                not_required.push(n);
            }
        }
        self.params
            .iter()
            .filter(|p| p.required && !p.deprecated && !not_required.contains(&p.name))
            .filter(|p| !(self.is_stonith() && STONITH_REMOVED.contains(&p.name.as_str())))
            .map(|p| (p.name.clone(), self.replaces(&p.name)))
            .collect()
    }

    /// The older parameters the given one replaces: the one it `obsoletes`
    /// and those naming it in `<deprecated><replaced-with>`.
    fn replaces(&self, name: &str) -> Vec<String> {
        let mut old: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.replaced_with.iter().any(|r| r == name))
            .map(|p| p.name.clone())
            .collect();
        if let Some(o) = self
            .params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.obsoletes.clone())
        {
            old.push(o);
        }
        old.sort();
        old.dedup();
        old
    }
}

/// Fence agent parameters pcs hides: they are set by the fencer itself.
const STONITH_REMOVED: &[&str] = &["action", "help", "version", "separator", "nodename"];

struct Db {
    agents: BTreeMap<String, Agent>,
    fenced: Vec<String>,
}

fn db() -> &'static Db {
    static DB: OnceLock<Db> = OnceLock::new();
    DB.get_or_init(|| parse(include_str!("agents.txt")))
}

fn parse(text: &str) -> Db {
    let mut agents = BTreeMap::new();
    let mut fenced = Vec::new();
    let mut current: Option<Agent> = None;
    let mut in_fenced = false;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("agent") => {
                if let Some(a) = current.take() {
                    agents.insert(a.full_name(), a);
                }
                let full = words.next().unwrap_or_default();
                let parts: Vec<&str> = full.split(':').collect();
                current = Some(match parts.as_slice() {
                    [s, p, t] => Agent {
                        standard: s.to_string(),
                        provider: Some(p.to_string()),
                        kind: t.to_string(),
                        ..Agent::default()
                    },
                    [s, t] => Agent {
                        standard: s.to_string(),
                        kind: t.to_string(),
                        ..Agent::default()
                    },
                    _ => continue,
                });
            }
            Some("fenced") => {
                if let Some(a) = current.take() {
                    agents.insert(a.full_name(), a);
                }
                in_fenced = true;
            }
            Some("action") => {
                let Some(a) = current.as_mut() else { continue };
                let mut act = Action {
                    name: words.next().unwrap_or_default().to_string(),
                    ..Action::default()
                };
                for w in words {
                    let Some((k, v)) = w.split_once('=') else {
                        continue;
                    };
                    let v = Some(v.to_string());
                    match k {
                        "interval" => act.interval = v,
                        "timeout" => act.timeout = v,
                        "role" => act.role = v,
                        "depth" => act.depth = v,
                        "start-delay" => act.start_delay = v,
                        _ => {}
                    }
                }
                a.actions.push(act);
            }
            Some("param") => {
                let name = words.next().unwrap_or_default().to_string();
                if in_fenced {
                    fenced.push(name);
                    continue;
                }
                let Some(a) = current.as_mut() else { continue };
                let mut p = Param {
                    name,
                    ..Param::default()
                };
                for w in words {
                    match w.split_once('=') {
                        None if w == "required" => p.required = true,
                        None if w == "deprecated" => p.deprecated = true,
                        Some(("obsoletes", v)) => p.obsoletes = Some(v.to_string()),
                        Some(("replaced-with", v)) => p.replaced_with.push(v.to_string()),
                        _ => {}
                    }
                }
                a.params.push(p);
            }
            _ => {}
        }
    }
    if let Some(a) = current.take() {
        agents.insert(a.full_name(), a);
    }
    Db { agents, fenced }
}

/// Why an agent name was not resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The agent is known.
    Found(Agent),
    /// A short name matching several agents (pcs: "Multiple agents match").
    Ambiguous(Vec<String>),
    /// Unknown: pcs refuses unless `--force`, then uses empty metadata.
    Unknown,
}

/// Resolves a resource agent name as `pcs resource create` does
/// (`find_one_resource_agent_by_type` for a bare type, the full name else).
pub fn resource_agent(name: &str) -> Lookup {
    let d = db();
    if !name.contains(':') {
        let found: Vec<&Agent> = d
            .agents
            .values()
            .filter(|a| !a.is_stonith() && a.kind == name)
            .collect();
        return match found.as_slice() {
            [] => Lookup::Unknown,
            [a] => Lookup::Found((*a).clone()),
            many => Lookup::Ambiguous(many.iter().map(|a| a.full_name()).collect()),
        };
    }
    match d.agents.get(name) {
        Some(a) => Lookup::Found(a.clone()),
        None => Lookup::Unknown,
    }
}

/// A fence agent by its type (`fence_apc`), as `pcs stonith create` takes it.
pub fn fence_agent(kind: &str) -> Option<Agent> {
    db().agents.get(&format!("stonith:{kind}")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_common_agents() {
        let Lookup::Found(a) = resource_agent("ocf:heartbeat:IPaddr2") else {
            panic!("IPaddr2 missing")
        };
        assert!(a.actions.iter().any(|x| x.name == "monitor"));
        assert_eq!(a.required_groups(), vec![("ip".to_string(), vec![])]);
        assert!(matches!(resource_agent("IPaddr2"), Lookup::Found(_)));
        assert!(matches!(resource_agent("Dummy"), Lookup::Ambiguous(_)));
        assert!(matches!(resource_agent("heartbeat:Dummy"), Lookup::Unknown));
        let f = fence_agent("fence_apc").unwrap();
        assert!(f.allowed_params().contains(&"pcmk_host_map".to_string()));
        assert!(!f.required_groups().iter().any(|(n, _)| n == "port"));
    }
}
