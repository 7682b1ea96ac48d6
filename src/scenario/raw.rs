//! The scenario file exactly as TOML gives it, before any meaning is
//! checked: every field optional where the format allows, unknown keys
//! refused, positions kept (`Spanned`) so that later checks can name the
//! line and column of what they refuse.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// Lists of node lists (`partition`, `members`), each name with its place.
pub type NodeLists = S<Vec<S<Vec<S<String>>>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub name: Option<S<String>>,
    pub seed: Option<S<i64>>,
    pub duration: S<String>,
    pub cluster: S<Cluster>,
    pub network: Option<Network>,
    pub agents: Option<BTreeMap<String, S<Agent>>>,
    pub node_boot: Option<BTreeMap<S<String>, S<String>>>,
    #[serde(default)]
    pub fault: Vec<S<Fault>>,
    #[serde(default)]
    pub expect: Vec<S<Expect>>,
    pub invariants: Option<S<Vec<S<String>>>>,
    pub explore: Option<S<Explore>>,
}

/// `[explore]` (format v1.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explore {
    pub faults: Option<S<Vec<S<String>>>>,
    pub every: Option<S<Vec<S<String>>>>,
    pub from: Option<S<String>>,
    pub until: Option<S<String>>,
    pub liveness: Option<S<String>>,
    pub max_down: Option<S<i64>>,
    /// As after the last `[[fault]]`: a top-level list written after the
    /// `[explore]` header lands here, and is read as the top-level one.
    pub invariants: Option<S<Vec<S<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub nodes: S<Vec<S<String>>>,
    pub cib: Option<S<String>>,
    #[serde(default)]
    pub setup: Vec<S<String>>,
    pub quorum: Option<Quorum>,
    pub totem: Option<Totem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quorum {
    pub expected_votes: Option<S<i64>>,
    pub two_node: Option<S<bool>>,
    pub wait_for_all: Option<S<bool>>,
    pub last_man_standing: Option<S<bool>>,
    pub last_man_standing_window: Option<S<toml::Value>>,
    pub auto_tie_breaker: Option<S<bool>>,
    pub auto_tie_breaker_node: Option<S<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totem {
    pub token: Option<S<String>>,
    pub token_coefficient: Option<S<String>>,
    pub join: Option<S<String>>,
    pub consensus: Option<S<String>>,
    pub token_retransmits_before_loss_const: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub latency: Option<S<Vec<S<String>>>>,
    pub loss: Option<S<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub start: Option<S<String>>,
    pub stop: Option<S<String>>,
    pub monitor: Option<S<String>>,
    pub promote: Option<S<String>>,
    pub demote: Option<S<String>>,
    pub off: Option<S<String>>,
    pub on: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub at: Option<S<String>>,
    /// `invariants = [...]` written after the last `[[fault]]` header lands
    /// in that table, as it does in the last `[[expect]]`: read there too.
    pub invariants: Option<S<Vec<S<String>>>>,
    pub power_off: Option<S<String>>,
    pub power_on: Option<S<String>>,
    pub crash: Option<S<String>>,
    pub kill_stack: Option<S<String>>,
    pub pause: Option<S<String>>,
    #[serde(rename = "for")]
    pub for_: Option<S<String>>,
    pub restart: Option<S<String>>,
    pub stop_cluster: Option<S<String>>,
    pub start_cluster: Option<S<String>>,
    pub partition: Option<NodeLists>,
    pub heal: Option<S<bool>>,
    pub link: Option<S<Vec<S<String>>>>,
    pub loss: Option<S<f64>>,
    pub delay: Option<S<String>>,
    pub cut: Option<S<bool>>,
    pub fence_device: Option<S<String>>,
    pub fail: Option<S<String>>,
    pub resource_fail: Option<S<String>>,
    pub node: Option<S<String>>,
    pub op: Option<S<String>>,
    pub rc: Option<S<i64>>,
    pub times: Option<S<i64>>,
    pub standby: Option<S<String>>,
    pub unstandby: Option<S<String>>,
    pub pcs: Option<S<String>>,
    pub recover: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub at: Option<S<String>>,
    pub running: Option<S<toml::Table>>,
    pub dc: Option<S<String>>,
    pub quorate: Option<S<Vec<S<String>>>>,
    pub members: Option<NodeLists>,
    pub fenced: Option<S<String>>,
    pub recovered: Option<S<String>>,
    pub elected: Option<S<String>>,
    pub within: Option<S<String>>,
    pub by: Option<S<String>>,
    pub never: Option<S<bool>>,
    pub converged: Option<S<bool>>,
    /// Written after the last `[[expect]]`, TOML puts a top-level-looking
    /// `invariants = [...]` inside that table (the format's own example
    /// does so); it is accepted there and means the top-level list.
    pub invariants: Option<S<Vec<S<String>>>>,
}
