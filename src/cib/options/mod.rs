//! The cluster options (`<cluster_property_set>` in `<crm_config>`) as one
//! table: name, type, default, and whether `pcs property set` takes it.
//!
//! The table is what `pacemaker-based`, `pacemaker-controld` and
//! `pacemaker-schedulerd` 2.1.5 print with `metadata` (a test compares them
//! when Pacemaker is installed), so that pacesim's readers of an option and
//! its pcs subset agree with Pacemaker and with each other.
//!
//! Readers take their defaults from the table ([`or_default`], [`read`]):
//! the scheduler (`no-quorum-policy`, the boolean options, `stonith-timeout`,
//! `cluster-delay`, also in the graph's attributes), the controller
//! (`controller/options.rs`) and the fencer (`stonith-timeout`), so each
//! default is written once, here.

use super::Cib;

/// What values an option takes, as Pacemaker's metadata types them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Pacemaker boolean (`true`, `yes`, `on`, `1`, ...).
    Boolean,
    /// An integer, or a score (`INFINITY`, `-INFINITY`).
    Integer,
    /// An interval: a number with an optional unit, or ISO 8601.
    Time,
    /// A percentage (`80%`).
    Percentage,
    /// Any text.
    Text,
    /// One of a fixed list.
    Select(&'static [&'static str]),
}

/// One cluster option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterOption {
    pub name: &'static str,
    pub kind: Kind,
    /// Pacemaker's default; `None` when it has none (`cluster-name`).
    pub default: Option<&'static str>,
    /// Whether `pcs property set` accepts it: pcs refuses the ones the
    /// cluster sets itself (`dc-version`, `cluster-infrastructure`,
    /// `cluster-name`, `have-watchdog`).
    pub pcs_settable: bool,
}

/// Every cluster option of Pacemaker 2.1.5, by name.
pub const OPTIONS: &[ClusterOption] = &[
    ClusterOption {
        name: "batch-limit",
        kind: Kind::Integer,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "cluster-delay",
        kind: Kind::Time,
        default: Some("60s"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "cluster-infrastructure",
        kind: Kind::Text,
        default: Some("corosync"),
        pcs_settable: false,
    },
    ClusterOption {
        name: "cluster-ipc-limit",
        kind: Kind::Integer,
        default: Some("500"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "cluster-name",
        kind: Kind::Text,
        default: None,
        pcs_settable: false,
    },
    ClusterOption {
        name: "cluster-recheck-interval",
        kind: Kind::Time,
        default: Some("15min"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "concurrent-fencing",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "dc-deadtime",
        kind: Kind::Time,
        default: Some("20s"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "dc-version",
        kind: Kind::Text,
        default: Some("none"),
        pcs_settable: false,
    },
    ClusterOption {
        name: "election-timeout",
        kind: Kind::Time,
        default: Some("2min"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "enable-acl",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "enable-startup-probes",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "fence-reaction",
        kind: Kind::Text,
        default: Some("stop"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "have-watchdog",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: false,
    },
    ClusterOption {
        name: "join-finalization-timeout",
        kind: Kind::Time,
        default: Some("30min"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "join-integration-timeout",
        kind: Kind::Time,
        default: Some("3min"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "load-threshold",
        kind: Kind::Percentage,
        default: Some("80%"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "maintenance-mode",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "migration-limit",
        kind: Kind::Integer,
        default: Some("-1"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "no-quorum-policy",
        kind: Kind::Select(&["stop", "freeze", "ignore", "demote", "suicide"]),
        default: Some("stop"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-action-limit",
        kind: Kind::Integer,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-health-base",
        kind: Kind::Integer,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-health-green",
        kind: Kind::Integer,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-health-red",
        kind: Kind::Integer,
        default: Some("-INFINITY"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-health-strategy",
        kind: Kind::Select(&[
            "none",
            "migrate-on-red",
            "only-green",
            "progressive",
            "custom",
        ]),
        default: Some("none"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "node-health-yellow",
        kind: Kind::Integer,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "pe-error-series-max",
        kind: Kind::Integer,
        default: Some("-1"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "pe-input-series-max",
        kind: Kind::Integer,
        default: Some("4000"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "pe-warn-series-max",
        kind: Kind::Integer,
        default: Some("5000"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "placement-strategy",
        kind: Kind::Select(&["default", "utilization", "minimal", "balanced"]),
        default: Some("default"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "priority-fencing-delay",
        kind: Kind::Time,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "remove-after-stop",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "shutdown-escalation",
        kind: Kind::Time,
        default: Some("20min"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "shutdown-lock",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "shutdown-lock-limit",
        kind: Kind::Time,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "start-failure-is-fatal",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "startup-fencing",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stonith-action",
        kind: Kind::Select(&["reboot", "off", "poweroff"]),
        default: Some("reboot"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stonith-enabled",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stonith-max-attempts",
        kind: Kind::Integer,
        default: Some("10"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stonith-timeout",
        kind: Kind::Time,
        default: Some("60s"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stonith-watchdog-timeout",
        kind: Kind::Time,
        default: Some("0"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stop-all-resources",
        kind: Kind::Boolean,
        default: Some("false"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stop-orphan-actions",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "stop-orphan-resources",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "symmetric-cluster",
        kind: Kind::Boolean,
        default: Some("true"),
        pcs_settable: true,
    },
    ClusterOption {
        name: "transition-delay",
        kind: Kind::Time,
        default: Some("0s"),
        pcs_settable: true,
    },
];

/// The option of that name.
pub fn get(name: &str) -> Option<&'static ClusterOption> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// Pacemaker's default for an option; `None` for an unknown option or one
/// without a default.
pub fn default_of(name: &str) -> Option<&'static str> {
    get(name).and_then(|o| o.default)
}

/// An option's value in a CIB, else its default.
pub fn value_of<'a>(cib: &'a Cib, name: &str) -> Option<&'a str> {
    cib.crm_option(name).or_else(|| default_of(name))
}

/// `value` read by `parse`; when it is unset or unreadable, the option's
/// default read the same way, as Pacemaker's daemons fall back. Every
/// reader takes its default from here, so that no default is written twice.
///
/// Panics if the table gives `name` no default `parse` can read: a reader
/// asking for a default that does not exist is a bug of the reader.
pub fn or_default<T>(value: Option<&str>, name: &str, parse: impl Fn(&str) -> Option<T>) -> T {
    value
        .and_then(&parse)
        .or_else(|| default_of(name).and_then(&parse))
        .unwrap_or_else(|| panic!("cluster option {name} has no readable default"))
}

/// An option of a CIB's `cib-bootstrap-options` read by `parse`, else its
/// default ([`or_default`]).
pub fn read<T>(cib: &Cib, name: &str, parse: impl Fn(&str) -> Option<T>) -> T {
    or_default(cib.crm_option(name), name, parse)
}

#[cfg(test)]
mod tests;
