//! The cluster options the controller reads from `crm_config`
//! (Pacemaker's `controller_options` in `controld_control.c`), read again
//! whenever the configuration changes.

use sim::Duration;

use crate::cib::Cib;

/// Cluster options the controller reads from `crm_config`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub dc_deadtime: Duration,
    pub election_timeout: Duration,
    pub join_integration_timeout: Duration,
    pub cluster_delay: Duration,
    pub stonith_timeout: Duration,
    pub stonith_max_attempts: u32,
    pub start_failure_is_fatal: bool,
}

impl Options {
    /// Reads the options (unset or unreadable: Pacemaker's defaults).
    pub(crate) fn from_cib(cib: &Cib) -> Options {
        let get = |name: &str| cib.crm_option(name).map(str::to_string);
        let dur = |name: &str, default: u64| {
            get(name)
                .and_then(|v| crate::scheduler::rules::parse_ms(&v))
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_millis(default))
        };
        Options {
            dc_deadtime: dur("dc-deadtime", 20_000),
            election_timeout: dur("election-timeout", 120_000),
            join_integration_timeout: dur("join-integration-timeout", 180_000),
            cluster_delay: dur("cluster-delay", 60_000),
            stonith_timeout: dur("stonith-timeout", 60_000),
            stonith_max_attempts: get("stonith-max-attempts")
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or(10),
            start_failure_is_fatal: get("start-failure-is-fatal")
                .map(|v| crate::scheduler::rules::is_true(&v))
                .unwrap_or(true),
        }
    }
}
