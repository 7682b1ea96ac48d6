//! Fence devices and fencing topology as the fencer registers them from the
//! CIB (Pacemaker's `daemons/fenced`): which device can fence which node,
//! through which port, and in which order devices are tried.

use std::collections::BTreeMap;

use sim::Duration;

use crate::cib::values::parse_ms;
use crate::cib::{Cib, NvSet, Resource};

/// How a device decides which nodes it can fence (`pcmk_host_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCheck {
    /// Only the nodes of `pcmk_host_list` / `pcmk_host_map`.
    StaticList,
    /// Ask the device for its list of ports (here: its outlets).
    DynamicList,
    /// Ask the device for the status of the node's port.
    Status,
    /// Every node.
    None,
}

/// One stonith resource of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct FenceDevice {
    /// The resource id (also the power switch's id).
    pub id: String,
    /// The agent (`type`), e.g. `fence_apc`.
    pub agent: String,
    /// `pcmk_host_map`: node → port.
    pub host_map: BTreeMap<String, String>,
    /// `pcmk_host_list`.
    pub host_list: Vec<String>,
    /// `pcmk_host_check`.
    pub host_check: HostCheck,
    /// `priority` meta attribute: devices are tried highest first.
    pub priority: i64,
    /// `pcmk_delay_base`: a fixed delay before fencing with this device.
    pub delay_base: Duration,
    /// `pcmk_delay_max`: the delay is drawn from `delay_base..=delay_max`
    /// (when greater than the base), so that two nodes racing to fence each
    /// other do not both win.
    pub delay_max: Duration,
    /// Per-action timeouts (`pcmk_reboot_timeout`, `pcmk_off_timeout`, ...).
    pub timeouts: BTreeMap<String, Duration>,
    /// Whether the resource is enabled (`target-role` not Stopped).
    pub enabled: bool,
}

impl FenceDevice {
    /// The port of `node` on this device: its `pcmk_host_map` entry, else the node name.
    pub fn port_of(&self, node: &str) -> String {
        self.host_map
            .get(node)
            .cloned()
            .unwrap_or_else(|| node.to_string())
    }

    /// The outlets a power switch backing this device has: the nodes of its
    /// lists, else every cluster node (as SCENARIO-FORMAT.md wires them).
    pub fn outlets(&self, cluster_nodes: &[String]) -> BTreeMap<String, String> {
        let listed: Vec<&String> = self.host_map.keys().chain(self.host_list.iter()).collect();
        let nodes: Vec<&String> = if listed.is_empty() {
            cluster_nodes.iter().collect()
        } else {
            listed
        };
        nodes
            .into_iter()
            .map(|n| (self.port_of(n), n.clone()))
            .collect()
    }

    /// Whether this device can fence `node`, as `pcmk_host_check` says.
    /// `outlets` are the ports the device reports (dynamic-list, status).
    pub fn can_fence(&self, node: &str, outlets: &BTreeMap<String, String>) -> bool {
        if !self.enabled {
            return false;
        }
        match self.host_check {
            HostCheck::None => true,
            HostCheck::StaticList => {
                self.host_map.contains_key(node) || self.host_list.iter().any(|n| n == node)
            }
            HostCheck::DynamicList | HostCheck::Status => outlets.contains_key(&self.port_of(node)),
        }
    }

    /// The timeout of one action with this device.
    pub fn timeout(&self, action: &str, default: Duration) -> Duration {
        self.timeouts.get(action).copied().unwrap_or(default)
    }
}

/// A fencing topology level: all its devices must succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// `index`: lower first.
    pub index: u32,
    /// The devices, in order.
    pub devices: Vec<String>,
}

/// What the fencer knows from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// Devices, in configuration order.
    pub devices: Vec<FenceDevice>,
    /// Topology levels per target node.
    pub topology: BTreeMap<String, Vec<Level>>,
    /// `stonith-timeout` (60 s).
    pub stonith_timeout: Duration,
    /// `stonith-action` (reboot; `poweroff` means off).
    pub stonith_action: String,
}

/// No devices, Pacemaker's defaults.
impl Default for Registry {
    fn default() -> Self {
        Registry {
            devices: Vec::new(),
            topology: BTreeMap::new(),
            stonith_timeout: Duration::from_secs(60),
            stonith_action: "reboot".into(),
        }
    }
}

/// A configuration the fencer cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A topology level names a device that is not a stonith resource.
    #[error("fencing-level '{level}' names device '{device}', which is not a stonith resource")]
    UnknownDevice {
        /// The level's id.
        level: String,
        /// The missing device.
        device: String,
    },
    /// A level's target-pattern is not a valid regular expression.
    #[error(
        "fencing-level '{level}': target-pattern '{pattern}' is not a regular expression: {why}"
    )]
    BadPattern {
        /// The level's id.
        level: String,
        /// The pattern.
        pattern: String,
        /// The parser's complaint.
        why: String,
    },
    /// A device has a pcmk_host_check this fencer does not know.
    #[error("stonith resource '{device}': pcmk_host_check '{value}' is not one of dynamic-list, static-list, status, none")]
    BadHostCheck {
        /// The device.
        device: String,
        /// The value.
        value: String,
    },
}

fn pairs(sets: &[NvSet]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // Rules on fencing attributes are rare; the first value of a name wins.
    for s in sets {
        for p in &s.pairs {
            if let Some(v) = &p.value {
                out.entry(p.name.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    out
}

/// Splits `pcmk_host_list`/`pcmk_host_map` values: space, comma or semicolon.
fn words(v: &str) -> impl Iterator<Item = &str> {
    v.split([' ', ',', ';', '\t', '\n'])
        .filter(|w| !w.is_empty())
}

fn cluster_option<'a>(cib: &'a Cib, name: &str) -> Option<&'a str> {
    cib.configuration
        .crm_config
        .iter()
        .flat_map(|s| s.pairs.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

impl Registry {
    /// Reads devices and topology from a CIB's configuration. Node
    /// attributes (for `target-attribute` levels) come from `<nodes>`.
    pub fn from_cib(cib: &Cib) -> Result<Registry, RegistryError> {
        let mut devices = Vec::new();
        for r in &cib.configuration.resources {
            let Resource::Primitive(p) = r else { continue };
            if p.class.as_deref() != Some("stonith") {
                continue;
            }
            let inst = pairs(&p.instance);
            let meta = pairs(&p.meta);
            let mut host_map = BTreeMap::new();
            if let Some(m) = inst.get("pcmk_host_map") {
                for entry in words(m) {
                    let (node, port) = entry.split_once([':', '=']).unwrap_or((entry, entry));
                    host_map.insert(node.to_string(), port.to_string());
                }
            }
            let host_list: Vec<String> = inst
                .get("pcmk_host_list")
                .map(|l| words(l).map(String::from).collect())
                .unwrap_or_default();
            let host_check = match inst.get("pcmk_host_check").map(String::as_str) {
                None if !host_map.is_empty() || !host_list.is_empty() => HostCheck::StaticList,
                None => HostCheck::DynamicList,
                Some("static-list") => HostCheck::StaticList,
                Some("dynamic-list") => HostCheck::DynamicList,
                Some("status") => HostCheck::Status,
                Some("none") => HostCheck::None,
                Some(other) => {
                    return Err(RegistryError::BadHostCheck {
                        device: p.id.clone(),
                        value: other.to_string(),
                    })
                }
            };
            let ms = |v: Option<&String>| v.and_then(|v| parse_ms(v)).map(Duration::from_millis);
            let mut timeouts = BTreeMap::new();
            for action in ["reboot", "off", "on", "list", "status", "monitor"] {
                if let Some(t) = ms(inst.get(&format!("pcmk_{action}_timeout"))) {
                    timeouts.insert(action.to_string(), t);
                }
            }
            // A device whose resource is stopped is not registered; an
            // unmanaged one still fences.
            let enabled = meta
                .get("target-role")
                .is_none_or(|r| !r.eq_ignore_ascii_case("stopped"));
            devices.push(FenceDevice {
                id: p.id.clone(),
                agent: p.agent.clone().unwrap_or_default(),
                host_map,
                host_list,
                host_check,
                priority: meta
                    .get("priority")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
                delay_base: ms(inst.get("pcmk_delay_base")).unwrap_or(Duration::ZERO),
                delay_max: ms(inst.get("pcmk_delay_max")).unwrap_or(Duration::ZERO),
                timeouts,
                enabled,
            });
        }
        let mut topology: BTreeMap<String, Vec<Level>> = BTreeMap::new();
        let node_attrs: BTreeMap<&str, BTreeMap<String, String>> = cib
            .configuration
            .nodes
            .iter()
            .map(|n| (n.uname.as_str(), pairs(&n.attributes)))
            .collect();
        for level in cib.configuration.fencing_topology.iter().flatten() {
            for d in &level.devices {
                if !devices.iter().any(|x| &x.id == d) {
                    return Err(RegistryError::UnknownDevice {
                        level: level.id.clone(),
                        device: d.clone(),
                    });
                }
            }
            let pattern = match &level.target_pattern {
                None => None,
                Some(p) => Some(regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                    RegistryError::BadPattern {
                        level: level.id.clone(),
                        pattern: p.clone(),
                        why: e.to_string(),
                    }
                })?),
            };
            for (node, attrs) in &node_attrs {
                let matches = level.target.as_deref() == Some(node)
                    || pattern.as_ref().is_some_and(|re| re.is_match(node))
                    || level.target_attribute.as_ref().is_some_and(|a| {
                        attrs.get(a).map(String::as_str) == level.target_value.as_deref()
                    });
                if matches {
                    topology.entry(node.to_string()).or_default().push(Level {
                        index: level.index,
                        devices: level.devices.clone(),
                    });
                }
            }
        }
        for levels in topology.values_mut() {
            levels.sort_by_key(|l| l.index);
        }
        let stonith_action = match cluster_option(cib, "stonith-action") {
            Some("poweroff") | Some("off") => "off".to_string(),
            _ => "reboot".to_string(),
        };
        Ok(Registry {
            devices,
            topology,
            stonith_timeout: crate::cib::options::or_default(
                cluster_option(cib, "stonith-timeout"),
                "stonith-timeout",
                |v| parse_ms(v).map(Duration::from_millis),
            ),
            stonith_action,
        })
    }

    /// A device by id.
    pub fn device(&self, id: &str) -> Option<&FenceDevice> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// The levels to try for `target`, in order: its topology if it has
    /// one, else every capable device as a level of its own, highest
    /// priority first (configuration order among equals).
    pub fn plan(&self, target: &str, cluster_nodes: &[String]) -> Vec<Level> {
        if let Some(levels) = self.topology.get(target) {
            return levels.clone();
        }
        let mut capable: Vec<&FenceDevice> = self
            .devices
            .iter()
            .filter(|d| d.can_fence(target, &d.outlets(cluster_nodes)))
            .collect();
        capable.sort_by_key(|d| std::cmp::Reverse(d.priority));
        capable
            .into_iter()
            .enumerate()
            .map(|(i, d)| Level {
                index: i as u32 + 1,
                devices: vec![d.id.clone()],
            })
            .collect()
    }
}
