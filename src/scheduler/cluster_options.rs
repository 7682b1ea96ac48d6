//! The cluster options as the scheduler uses them, parsed once from
//! `crm_config` (the option fields and `no_quorum_policy` of Pacemaker's
//! `pe_working_set_t`, whose defaults are `pe_opts` in
//! `lib/pengine/common.c`). Filled in by [`super::unpack::unpack_config`].

use std::collections::BTreeMap;

use crate::cib::Score;

/// Cluster-wide options.
#[derive(Debug, Clone)]
pub struct Config {
    /// stonith-enabled.
    pub stonith_enabled: bool,
    /// Some resource provides or requires unfencing (`pe_flag_enable_unfencing`).
    pub enable_unfencing: bool,
    /// The CIB was written by a controller older than feature set 3.16.0,
    /// whose secure digests cover only the agent's own parameters.
    pub legacy_digests: bool,
    /// The CIB predates per-operation fail counts (feature set < 3.0.13):
    /// only `fail-count-<rsc>` counts, else only `fail-count-<rsc>#<op>_<ms>`.
    pub legacy_failcounts: bool,
    /// A stonith resource exists.
    pub have_stonith_resource: bool,
    /// symmetric-cluster.
    pub symmetric: bool,
    /// The partition has quorum.
    pub have_quorum: bool,
    /// no-quorum-policy.
    pub no_quorum_policy: NoQuorumPolicy,
    /// stop-orphan-resources.
    pub stop_orphan_resources: bool,
    /// stop-orphan-actions.
    pub stop_orphan_actions: bool,
    /// start-failure-is-fatal.
    pub start_failure_is_fatal: bool,
    /// maintenance-mode.
    pub maintenance_mode: bool,
    /// stop-all-resources.
    pub stop_all: bool,
    /// startup-fencing.
    pub startup_fencing: bool,
    /// enable-startup-probes.
    pub startup_probes: bool,
    /// stonith-action.
    pub stonith_action: String,
    /// placement-strategy.
    pub placement_strategy: String,
    /// concurrent-fencing.
    pub concurrent_fencing: bool,
    /// Default resource stickiness (deprecated property).
    pub default_stickiness: i32,
    /// is-managed-default.
    pub managed_default: bool,
    /// Effective "now", seconds since the epoch.
    pub now: i64,
    /// cluster-delay in ms (for the graph).
    pub cluster_delay_ms: u64,
    /// stonith-timeout in ms (for the graph).
    pub stonith_timeout_ms: u64,
    /// shutdown-lock.
    pub shutdown_lock: bool,
    /// shutdown-lock-limit in seconds (0: locks never expire).
    pub shutdown_lock_limit_s: i64,
    /// Node score for red/yellow/green.
    pub colors: [Score; 3],
    /// The DC's node id, from `dc-uuid`.
    pub dc_uuid: Option<String>,
    /// The remaining properties.
    pub props: BTreeMap<String, String>,
    /// `<op_defaults>` meta-attribute sets, references resolved; their
    /// rules are evaluated per action.
    pub op_defaults: Vec<crate::cib::NvSet>,
}

/// `no-quorum-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoQuorumPolicy {
    /// Stop everything.
    Stop,
    /// Keep running, start nothing.
    Freeze,
    /// Carry on.
    Ignore,
    /// Demote promoted instances.
    Demote,
    /// Fence all nodes of the partition.
    Suicide,
}
