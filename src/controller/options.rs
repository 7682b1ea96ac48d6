//! The cluster options the controller reads from `crm_config`
//! (Pacemaker's `controller_options` in `controld_control.c`), read again
//! whenever the configuration changes.

use sim::Duration;

use crate::cib::{options, Cib};

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
        let ms = |v: &str| crate::cib::values::parse_ms(v).map(Duration::from_millis);
        let dur = |name: &str| options::read(cib, name, ms);
        Options {
            dc_deadtime: dur("dc-deadtime"),
            election_timeout: dur("election-timeout"),
            join_integration_timeout: dur("join-integration-timeout"),
            cluster_delay: dur("cluster-delay"),
            stonith_timeout: dur("stonith-timeout"),
            stonith_max_attempts: options::read(cib, "stonith-max-attempts", |v| {
                v.parse().ok().filter(|&n: &u32| n > 0)
            }),
            start_failure_is_fatal: options::read(cib, "start-failure-is-fatal", |v| {
                Some(crate::cib::values::is_true(v))
            }),
        }
    }
}
