//! The scheduler's working set: nodes, resources and actions as the phases
//! fill them in (Pacemaker's `pe_working_set_t`, but indexed by newtypes).
//!
//! Phases run in Pacemaker's order (see [`super::schedule`]); each one reads
//! what the earlier ones wrote. Lists keep Pacemaker's orders where those
//! orders leak into output (resources in configuration order, each resource's
//! actions newest first), because the transition graph is built from them.

use std::collections::BTreeMap;

pub use super::cluster_options::{Config, NoQuorumPolicy};
use crate::cib::Score;

/// Index of a node in [`WorkingSet::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIdx(pub usize);

/// Index of a resource in [`WorkingSet::rscs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RscIdx(pub usize);

/// Index of an action in [`WorkingSet::actions`]; also its graph id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionIdx(pub usize);

/// A resource role, in Pacemaker's order (the order matters: comparisons
/// such as "next role above current" are made on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Role {
    /// Not known yet.
    #[default]
    Unknown,
    /// Not running.
    Stopped,
    /// Running (non-promotable).
    Started,
    /// Running as a promotable instance, not promoted.
    Unpromoted,
    /// Running promoted.
    Promoted,
}

impl Role {
    /// Parses a role name, accepting the pre-2.1 names.
    pub fn parse(s: &str) -> Option<Role> {
        // Compared without lower-casing a copy (read for every resource's
        // target role on every run).
        let is = |name: &str| s.eq_ignore_ascii_case(name);
        if is("stopped") {
            Some(Role::Stopped)
        } else if is("started") {
            Some(Role::Started)
        } else if is("unpromoted") || is("slave") {
            Some(Role::Unpromoted)
        } else if is("promoted") || is("master") {
            Some(Role::Promoted)
        } else if is("unknown") {
            Some(Role::Unknown)
        } else {
            None
        }
    }

    /// The name Pacemaker 2.1 prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }
}

/// What kind of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A full cluster member.
    Member,
    /// A `ping` node: never runs resources.
    Ping,
    /// A Pacemaker Remote node.
    Remote,
}

/// A cluster node and what the status says of it.
#[derive(Debug, Clone)]
pub struct Node {
    /// Node id (`id` in the configuration).
    pub id: String,
    /// Node name.
    pub uname: String,
    /// Member, ping or remote.
    pub kind: NodeKind,
    /// Base score of the node (its `score` attribute; -INFINITY once found offline).
    pub weight: Score,
    /// The node runs resources now.
    pub online: bool,
    /// The node must be fenced before anything it ran can move.
    pub unclean: bool,
    /// No status entry was seen for the node.
    pub unseen: bool,
    /// A shutdown has been requested.
    pub shutdown: bool,
    /// The node is in standby (by attribute or because it is pending).
    pub standby: bool,
    /// The node is joining and not ready.
    pub pending: bool,
    /// The node is in maintenance mode.
    pub maintenance: bool,
    /// The node is expected to be up.
    pub expected_up: bool,
    /// Probes are allowed on this node.
    pub rsc_discovery: bool,
    /// The node is the DC.
    pub is_dc: bool,
    /// Node attributes (permanent then transient), incl. `#uname`, `#id`.
    pub attrs: BTreeMap<String, String>,
    /// Number of resources assigned here so far (balances placement).
    pub num_resources: usize,
    /// Why the node is to be fenced, when it is.
    pub fence_reason: Option<String>,
    /// Remaining capacity per utilization attribute (placement strategies
    /// other than `default` consume it as resources are assigned).
    pub utilization: BTreeMap<String, i64>,
    /// The connection resource of a Pacemaker Remote or guest node (none
    /// for cluster nodes, and for remote node entries left behind in the
    /// configuration after their connection was removed).
    pub remote_rsc: Option<RscIdx>,
    /// A remote or guest node whose connection was lost uncleanly: it must
    /// be fenced (a guest by recovering its container) before it is trusted.
    pub remote_requires_reset: bool,
    /// The node's status entry says it was fenced since it last connected.
    pub remote_was_fenced: bool,
    /// The node's status entry says its executor is in maintenance.
    pub remote_maintenance: bool,
    /// Its resource history has been read (status is read in passes:
    /// remote nodes only once their connection's state is known).
    pub unpacked: bool,
    /// A remote node known only from an orphaned connection in the status:
    /// Pacemaker creates it while reading the history, so resources do not
    /// get it as a default allowed node and its first status pass skips it.
    pub from_orphan: bool,
}

impl Node {
    /// Whether the node can run resources at all (`pcmk__node_available`
    /// without the score check).
    pub fn available(&self) -> bool {
        self.online && !self.shutdown && !self.unclean && !self.standby && !self.maintenance
    }
}

/// How a resource is recovered when found active on several nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Stop everywhere, start on one node.
    StopStart,
    /// Stop everywhere.
    StopOnly,
    /// Leave it and unmanage it.
    Block,
    /// Stop only the unexpected instances.
    StopUnexpected,
}

/// What to do when an operation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OnFail {
    /// Ignore the failure.
    Ignore,
    /// Recover where it is, else move.
    Restart,
    /// Demote (promotable only).
    Demote,
    /// Move away (ban from the node).
    Migrate,
    /// Stop and leave stopped.
    Stop,
    /// Leave it alone, unmanaged.
    Block,
    /// Fence the node.
    Fence,
    /// Put the node in standby.
    Standby,
    /// Restart the container (bundles).
    RestartContainer,
    /// A remote connection failed: fence its node (when fencing is
    /// enabled) and recover the connection (`action_fail_reset_remote`).
    ResetRemote,
}

/// A resource of the working set (primitive, group or clone).
#[derive(Debug, Clone)]
pub struct Rsc {
    /// Resource id (clone instances get `:N`).
    pub id: String,
    /// The variant and its data.
    pub variant: Variant,
    /// The enclosing group or clone.
    pub parent: Option<RscIdx>,
    /// Members or instances, in order.
    pub children: Vec<RscIdx>,
    /// Effective meta attributes (defaults, parent, own).
    pub meta: BTreeMap<String, String>,
    /// Effective instance attributes.
    pub params: BTreeMap<String, String>,
    /// `class`, `provider` and `type` for display, e.g. `ocf:heartbeat:IPaddr2`.
    pub agent: String,
    /// Allocation priority.
    pub priority: i32,
    /// Stickiness.
    pub stickiness: i32,
    /// Failures on a node before it is banned (0 = never).
    pub migration_threshold: i32,
    /// Seconds after which failures expire (0 = never).
    pub failure_timeout: i64,
    /// Recovery when active on several nodes.
    pub recovery: Recovery,
    /// The resource is managed.
    pub managed: bool,
    /// The resource was found failed.
    pub failed: bool,
    /// Failures were ignored (on-fail=ignore).
    pub failure_ignored: bool,
    /// Further actions are blocked after a failure (on-fail=block or a failed stop).
    pub blocked: bool,
    /// Stop after a failure rather than restart (on-fail=stop).
    pub stop_on_fail: bool,
    /// Not in the configuration any more: found only in the status.
    pub orphan: bool,
    /// The resource can live-migrate.
    pub allow_migrate: bool,
    /// Starting requires fencing of unclean nodes first.
    pub needs_fencing: bool,
    /// Starting (or probing) needs the node unfenced first (`requires=unfencing`).
    pub needs_unfencing: bool,
    /// Starting requires quorum.
    pub needs_quorum: bool,
    /// A start was in flight when the status was written.
    pub start_pending: bool,
    /// The agent will be reloaded with new parameters.
    pub reload: bool,
    /// The resource this one runs inside (`container` meta-attribute).
    pub container: Option<RscIdx>,
    /// An `ocf:pacemaker:remote` connection: the resource whose being
    /// active makes the remote or guest node of the same name online.
    pub is_remote_node: bool,
    /// `reconnect_interval` of a remote connection in ms (0 = none): after
    /// a failure the connection stays stopped until the failure expires.
    pub remote_reconnect_ms: u64,
    /// The resource is a fence device.
    pub is_fence_device: bool,
    /// The resource is in maintenance mode.
    pub maintenance: bool,
    /// Exclusive discovery is on for some node.
    pub exclusive_discover: bool,
    /// Role now.
    pub role: Role,
    /// Role the transition aims at.
    pub next_role: Role,
    /// Why the next role was set, for logs.
    pub next_role_reason: Option<String>,
    /// Nodes it is active on now, in the order discovered.
    pub running_on: Vec<NodeIdx>,
    /// Nodes whose history for this resource is known (it was probed there).
    pub known_on: Vec<NodeIdx>,
    /// Node scores for placement.
    pub allowed: BTreeMap<NodeIdx, AllowedNode>,
    /// Assignment is not yet done.
    pub provisional: bool,
    /// Assignment is in progress (loop detection).
    pub allocating: bool,
    /// Score merging is in progress (loop detection).
    pub merging: bool,
    /// The node chosen.
    pub assigned: Option<NodeIdx>,
    /// Actions of this resource, newest first (as Pacemaker keeps them).
    pub actions: Vec<ActionIdx>,
    /// Colocations where this resource is the dependent.
    pub this_with: Vec<usize>,
    /// Colocations where this resource is the primary.
    pub with_this: Vec<usize>,
    /// A migration was interrupted: source node.
    pub partial_migration_source: Option<NodeIdx>,
    /// A migration was interrupted: target node.
    pub partial_migration_target: Option<NodeIdx>,
    /// Nodes where a migration left a stale half behind.
    pub dangling_migrations: Vec<NodeIdx>,
    /// Where the resource was last seen to fail (for display).
    pub failed_on: Vec<NodeIdx>,
    /// Pending operation per node, for display (e.g. "Starting").
    pub pending_task: Option<String>,
    /// Locked to a node by shutdown-lock.
    pub lock_node: Option<NodeIdx>,
    /// When the lock began (the node's shutdown time), epoch seconds.
    pub lock_time: i64,
    /// Configured operations; shared, since they never change once
    /// unpacked and a clone's instances are copies of one another.
    pub ops: std::sync::Arc<[OpConfig]>,
    /// Group members colocated (`collocated`).
    pub group_colocated: bool,
    /// Group members ordered (`ordered`).
    pub group_ordered: bool,
    /// Capacity needed per utilization attribute.
    pub utilization: BTreeMap<String, i64>,
    /// Clone settings (clones only).
    pub clone: Option<CloneData>,
    /// Its own `instance_attributes` sets (then a template's), references
    /// resolved, for evaluating parameters per node (`pe_rsc_params`).
    pub param_sets: Vec<crate::cib::NvSet>,
    /// The name the status history uses for this resource when it differs
    /// from its id (an anonymous clone instance found as `rsc` or `rsc:3`;
    /// Pacemaker's `clone_name`).
    pub clone_name: Option<String>,
    /// Promotion priority of a promotable clone instance (Pacemaker reuses
    /// `priority`/`sort_index` for it while choosing roles).
    pub promotion_priority: i32,
    /// The node a pending action was recorded on (`pending_node`).
    pub pending_node: Option<NodeIdx>,
    /// A ticket for the promoted role is not granted (or in standby).
    pub promotion_needs_ticket: bool,
}

/// What a clone's meta-attributes say (`clone_variant_data_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneData {
    /// `clone-max`: how many instances in total.
    pub clone_max: usize,
    /// `clone-node-max`: how many on one node.
    pub clone_node_max: usize,
    /// `promoted-max`.
    pub promoted_max: usize,
    /// `promoted-node-max`.
    pub promoted_node_max: usize,
    /// `globally-unique`.
    pub unique: bool,
    /// `interleave`.
    pub interleave: bool,
    /// `ordered`.
    pub ordered: bool,
    /// `notify`.
    pub notify: bool,
    /// Instances created so far (numbers are handed out in order, orphans
    /// get the next ones).
    pub total: usize,
    /// Instances assigned to each node so far (the `count` of the clone's
    /// allowed-node entries while its instances are placed).
    pub counts: BTreeMap<NodeIdx, usize>,
    /// Notification pseudo actions, per notified task (start, stop,
    /// promote, demote), when `notify` is on.
    pub notifs: BTreeMap<String, NotifyData>,
}

/// The pseudo actions of one kind of clone notification
/// (`notify_data_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyData {
    /// The task notified about.
    pub action: String,
    /// Pre-notification.
    pub pre: Option<ActionIdx>,
    /// Pre-notifications confirmed.
    pub pre_done: Option<ActionIdx>,
    /// Post-notification.
    pub post: Option<ActionIdx>,
    /// Post-notifications confirmed.
    pub post_done: Option<ActionIdx>,
}

/// One node's entry in a resource's allowed-node table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedNode {
    /// The score.
    pub weight: Score,
    /// Discovery mode set by location constraints.
    pub discover: Discover,
}

/// `resource-discovery` of a location constraint (ordered: exclusive beats never beats always).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Discover {
    /// Probe (the default).
    Always,
    /// Never probe here.
    Never,
    /// Probe only where a constraint says so.
    Exclusive,
}

/// The variant of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// A primitive.
    Primitive,
    /// A group.
    Group,
    /// A clone (promotable or not).
    Clone {
        /// Promotable.
        promotable: bool,
    },
    /// A bundle (its replicas are in [`WorkingSet::bundles`]).
    Bundle,
}

/// A configured operation of a primitive.
#[derive(Debug, Clone)]
pub struct OpConfig {
    /// Operation id.
    pub id: String,
    /// Operation name.
    pub name: String,
    /// Interval in ms.
    pub interval_ms: u64,
    /// Role the op applies to.
    pub role: Option<Role>,
    /// Enabled.
    pub enabled: bool,
    /// on-fail.
    pub on_fail: Option<OnFail>,
    /// timeout in ms, when set.
    pub timeout_ms: Option<u64>,
    /// Another op of the resource has the same name and interval.
    pub duplicate: bool,
    /// The `<op>` element itself says `on-fail="block"` (what Pacemaker's
    /// `block_failure` looks for, ignoring meta-attributes and defaults).
    pub on_fail_block_attr: bool,
    /// The op's own instance attributes (extra agent parameters).
    pub params: BTreeMap<String, String>,
    /// The op's `meta_attributes` sets, evaluated (usually there are none).
    /// With the attributes below, what [`OpConfig::meta_pairs`] passes on.
    pub meta_sets: BTreeMap<String, String>,
    /// The `interval` attribute as written.
    pub interval_attr: Option<String>,
    /// The `role` attribute as written.
    pub role_attr: Option<String>,
    /// The `<op>` element's other XML attributes (timeout, on-fail, ...).
    pub attrs: crate::cib::Attrs,
}

impl OpConfig {
    /// The `timeout` attribute of the `<op>` element itself.
    pub fn timeout_attr(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == "timeout")
            .map(|(_, v)| v.as_str())
    }

    /// The op's own settings as the graph passes them on: its meta-attribute
    /// sets overridden by its XML attributes (name, interval, role, then the
    /// rest), without `id`; of pairs with the same name the last counts.
    ///
    /// Listed on demand, for the few actions that reach the graph, rather
    /// than kept as a map built for every op of every resource on every run
    /// of the scheduler (its inserts and copies were most of unpacking a
    /// primitive).
    pub fn meta_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let sets = self.meta_sets.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let own = [
            Some(("name", self.name.as_str())),
            self.interval_attr.as_deref().map(|v| ("interval", v)),
            self.role_attr.as_deref().map(|v| ("role", v)),
        ];
        let attrs = self.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        sets.chain(own.into_iter().flatten())
            .chain(attrs)
            .filter(|&(k, _)| k != "id")
    }
}

/// One operation recorded in the status for a resource, on any node, as
/// needed to tell whether a failure is one configured to block.
#[derive(Debug, Clone)]
pub struct HistEntry {
    /// The entry's id, e.g. `rsc_last_failure_0`.
    pub id: String,
    /// The operation, e.g. `monitor`.
    pub operation: String,
    /// Its interval in ms.
    pub interval_ms: u64,
    /// The recorded `rc-code`.
    pub rc: Option<i32>,
    /// The expected result from the transition key (-1 if none).
    pub target: i32,
}

/// A scheduled (or considered) action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Id, in creation order.
    pub id: usize,
    /// Resource the action is for.
    pub rsc: Option<RscIdx>,
    /// Task: start, stop, monitor, running, stonith, ...
    pub task: String,
    /// Key, e.g. `rsc_monitor_10000`.
    pub key: String,
    /// Interval of a recurring op.
    pub interval_ms: u64,
    /// Node it runs on (none for pseudo actions of collective resources).
    pub node: Option<NodeIdx>,
    /// Not required (may be dropped).
    pub optional: bool,
    /// Can run.
    pub runnable: bool,
    /// A pseudo action (no agent call).
    pub pseudo: bool,
    /// Shown in the graph even if optional.
    pub print_always: bool,
    /// Migration is possible.
    pub migrate_runnable: bool,
    /// Why the action is there (shown as "due to ...").
    pub reason: Option<String>,
    /// Extra attributes, e.g. `stonith_action`.
    pub meta: BTreeMap<String, String>,
    /// Orderings where this action comes second: (first, flags).
    pub before: Vec<(ActionIdx, u32)>,
    /// Orderings where this action comes first: (then, flags).
    pub after: Vec<(ActionIdx, u32)>,
    /// Expected result code for probes/monitors.
    pub expected_rc: Option<i32>,
    /// Requires any one of its inputs (clone-min style).
    pub requires_any: bool,
    /// Number of runnable inputs (with `requires_any`).
    pub runnable_before: usize,
    /// Needed runnable inputs (with `requires_any`).
    pub required_runnable_before: usize,
    /// Part of a dangling migration.
    pub dangle: bool,
    /// A recurring op to be sent again with new parameters.
    pub reschedule: bool,
}

/// Ordering flags (Pacemaker's `pe_ordering`).
pub mod order {
    /// No effect.
    pub const NONE: u32 = 0;
    /// Plain ordering.
    pub const OPTIONAL: u32 = 0x1;
    /// Required first makes then required.
    pub const IMPLIES_THEN: u32 = 0x10;
    /// Required then makes first required.
    pub const IMPLIES_FIRST: u32 = 0x20;
    /// Like implies-first, when the then-resource is promoted.
    pub const PROMOTED_IMPLIES_FIRST: u32 = 0x40;
    /// Only for the same node.
    pub const SAME_NODE: u32 = 0x80;
    /// Unrunnable first makes then unrunnable.
    pub const RUNNABLE_LEFT: u32 = 0x100;
    /// Restart handling.
    pub const RESTART: u32 = 0x200;
    /// At least one input must be runnable.
    pub const ONE_OR_MORE: u32 = 0x400;
    /// Implies first, considering migration.
    pub const IMPLIES_FIRST_MIGRATABLE: u32 = 0x800;
    /// Probe ordering.
    pub const PROBE: u32 = 0x1000;
    /// Then becomes pseudo if first is unrunnable.
    pub const PSEUDO_LEFT: u32 = 0x2000;
    /// Only serialise.
    pub const SERIALIZE_ONLY: u32 = 0x4000;
    /// Asymmetric ordering.
    pub const ASYMMETRICAL: u32 = 0x8000;
    /// Then shown in graph when first required.
    pub const IMPLIES_THEN_PRINTED: u32 = 0x10000;
    /// First shown in graph when then required.
    pub const IMPLIES_FIRST_PRINTED: u32 = 0x20000;
    /// Apply only if first is not migratable.
    pub const APPLY_FIRST_NON_MIGRATABLE: u32 = 0x40000;
    /// A required then cancels first.
    pub const THEN_CANCELS_FIRST: u32 = 0x80000;
    /// Implies then only on the node of first.
    pub const IMPLIES_THEN_ON_NODE: u32 = 0x100000;
    /// Anti-colocation: only between actions on the same node.
    pub const ANTI_COLOCATION: u32 = 0x200000;
    /// Generated by the cluster (fencing orderings); no flag effect.
    pub const PRESERVE: u32 = 0x400000;
    /// Utilization: a stop frees capacity that a start or migration on the
    /// same node waits for (`pe_order_load`); dropped between other nodes.
    pub const LOAD: u32 = 0x800000;
}

/// An ordering constraint before it is bound to actions
/// (Pacemaker's `pe__ordering_t`).
#[derive(Debug, Clone)]
pub struct Ordering {
    /// First resource (or none with `first_action`).
    pub first_rsc: Option<RscIdx>,
    /// First action key, e.g. `A_start_0`.
    pub first_task: Option<String>,
    /// A specific first action.
    pub first_action: Option<ActionIdx>,
    /// Then resource.
    pub then_rsc: Option<RscIdx>,
    /// Then action key.
    pub then_task: Option<String>,
    /// A specific then action.
    pub then_action: Option<ActionIdx>,
    /// Flags from [`order`].
    pub flags: u32,
}

/// A colocation constraint (Pacemaker's `pcmk__colocation_t`).
#[derive(Debug, Clone)]
pub struct Colocation {
    /// Constraint id.
    pub id: String,
    /// The resource placed relative to the other.
    pub dependent: RscIdx,
    /// The resource placed first.
    pub primary: RscIdx,
    /// Role filter on the dependent.
    pub dependent_role: Role,
    /// Role filter on the primary.
    pub primary_role: Role,
    /// Score.
    pub score: Score,
    /// Node attribute compared (default `#uname`).
    pub node_attribute: Option<String>,
    /// The dependent influences the primary's placement.
    pub influence: bool,
}

/// A location constraint, resolved to node scores.
#[derive(Debug, Clone)]
pub struct LocationCons {
    /// Constraint id.
    pub id: String,
    /// The resource.
    pub rsc: RscIdx,
    /// Role filter.
    pub role: Role,
    /// Node scores.
    pub nodes: Vec<(NodeIdx, Score)>,
    /// Discovery mode.
    pub discover: Discover,
}

/// Everything the scheduler knows and has decided.
#[derive(Debug, Clone)]
pub struct WorkingSet {
    /// Cluster options.
    pub config: Config,
    /// Nodes in configuration order.
    pub nodes: Vec<Node>,
    /// All resources (top-level and children); see `top` for the order.
    pub rscs: Vec<Rsc>,
    /// Top-level resources in configuration order.
    pub top: Vec<RscIdx>,
    /// All actions, by id.
    pub actions: Vec<Action>,
    /// Orderings, in creation order.
    pub orderings: Vec<Ordering>,
    /// Colocations.
    pub colocations: Vec<Colocation>,
    /// Location constraints.
    pub locations: Vec<LocationCons>,
    /// Fail counts: (resource id, node) → (count, last failure time).
    pub failcounts: BTreeMap<(String, NodeIdx), (Score, i64)>,
    /// Warnings and config errors met while unpacking, for stderr.
    pub warnings: Vec<String>,
    /// Counted for the "N of M resource instances DISABLED" header.
    pub disabled_count: usize,
    /// Same, blocked.
    pub blocked_count: usize,
    /// Every recorded operation by resource id, across all nodes.
    pub history: BTreeMap<String, Vec<HistEntry>>,
    /// Probes that found an agent not installed or misconfigured, in
    /// unpacking order: (resource id from the op key, the op's `on_node`,
    /// result code), as Pacemaker keeps them for display.
    pub failed_probes: Vec<(String, Option<String>, i32)>,
    /// Recurring ops whose failure expired and which must be rescheduled:
    /// (resource, node, history entry id).
    pub forced_restarts: std::collections::BTreeSet<(RscIdx, NodeIdx, String)>,
    /// Score lines as `crm_simulate -s` prints them during assignment, when
    /// asked for (`pe_flag_show_scores`); `None` otherwise.
    pub score_log: Option<Vec<String>>,
    /// The first resource of each id among `rscs[..rsc_ids.1]`: looking
    /// resources up by id while unpacking every history entry was quadratic
    /// in the resources. Filled by [`WorkingSet::add_rsc`]; resources pushed
    /// any other way are still found, by a scan past the indexed prefix.
    pub rsc_ids: (BTreeMap<String, RscIdx>, usize),
    /// Each bundle's settings and replicas.
    pub bundles: BTreeMap<RscIdx, super::bundle::BundleData>,
    /// Containers of bundle replicas whose connection failed with
    /// `restart-container`, newest first: their stop is scheduled once all
    /// history is read and their own location is known (`stop_needed`).
    pub stop_needed: Vec<RscIdx>,
    /// History checks of bundle connections put off until resources are
    /// placed (`param_check`).
    pub param_checks: Vec<super::param_check::ParamCheck>,
    /// The earliest future time at which the answer may change by itself
    /// (the graph's `recheck-by`), e.g. when a shutdown lock expires.
    pub recheck_by: Option<i64>,
}

impl WorkingSet {
    /// Adds a resource, keeping the id index current.
    pub fn add_rsc(&mut self, rsc: Rsc) -> RscIdx {
        let idx = RscIdx(self.rscs.len());
        let (index, indexed) = &mut self.rsc_ids;
        if *indexed == idx.0 {
            index.entry(rsc.id.clone()).or_insert(idx);
            *indexed += 1;
        }
        self.rscs.push(rsc);
        idx
    }

    /// Asks for the cluster to be rechecked at `at` if that is in the
    /// future and earlier than any time asked before
    /// (`pe__update_recheck_time`).
    pub fn update_recheck_time(&mut self, at: i64) {
        if at > self.config.now && self.recheck_by.is_none_or(|r| r > at) {
            self.recheck_by = Some(at);
        }
    }

    /// The resource at `i`.
    pub fn rsc(&self, i: RscIdx) -> &Rsc {
        &self.rscs[i.0]
    }

    /// Mutable access to the resource at `i`.
    pub fn rsc_mut(&mut self, i: RscIdx) -> &mut Rsc {
        &mut self.rscs[i.0]
    }

    /// The node at `i`.
    pub fn node(&self, i: NodeIdx) -> &Node {
        &self.nodes[i.0]
    }

    /// The action at `i`.
    pub fn action(&self, i: ActionIdx) -> &Action {
        &self.actions[i.0]
    }

    /// Mutable access to the action at `i`.
    pub fn action_mut(&mut self, i: ActionIdx) -> &mut Action {
        &mut self.actions[i.0]
    }

    /// Finds a node by name.
    pub fn find_node(&self, uname: &str) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .position(|n| n.uname.eq_ignore_ascii_case(uname))
            .map(NodeIdx)
    }

    /// Finds a node by id.
    pub fn find_node_by_id(&self, id: &str) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.id == id).map(NodeIdx)
    }

    /// Finds a resource by id.
    pub fn find_rsc(&self, id: &str) -> Option<RscIdx> {
        let (index, indexed) = &self.rsc_ids;
        index.get(id).copied().or_else(|| {
            self.rscs[*indexed..]
                .iter()
                .position(|r| r.id == id)
                .map(|i| RscIdx(indexed + i))
        })
    }

    /// The top-most ancestor of a resource below any bundle
    /// (`uber_parent`: a bundle's replicas act as top-level resources).
    pub fn top_parent(&self, mut r: RscIdx) -> RscIdx {
        while let Some(p) = self.rsc(r).parent {
            if self.rsc(p).variant == Variant::Bundle {
                break;
            }
            r = p;
        }
        r
    }

    /// Whether `r` belongs to an anonymous clone: its top parent is a clone
    /// whose `globally-unique` meta-attribute is not true.
    pub fn in_anonymous_clone(&self, r: RscIdx) -> bool {
        let top = self.rsc(self.top_parent(r));
        matches!(top.variant, Variant::Clone { .. })
            && !top
                .meta
                .get("globally-unique")
                .is_some_and(|v| super::rules::is_true(v))
    }

    /// Every primitive below (or equal to) `r`, in order.
    pub fn primitives_of(&self, r: RscIdx) -> Vec<RscIdx> {
        let mut out = Vec::new();
        self.collect_primitives(r, &mut out);
        out
    }

    fn collect_primitives(&self, r: RscIdx, out: &mut Vec<RscIdx>) {
        if self.rsc(r).children.is_empty() && self.rsc(r).variant == Variant::Primitive {
            out.push(r);
        }
        for &c in &self.rsc(r).children {
            self.collect_primitives(c, out);
        }
    }

    /// All resources in Pacemaker's list order: each top-level resource
    /// followed by its descendants.
    pub fn all_in_order(&self) -> Vec<RscIdx> {
        let mut out = Vec::new();
        for &t in &self.top {
            self.collect_all(t, &mut out);
        }
        out
    }

    fn collect_all(&self, r: RscIdx, out: &mut Vec<RscIdx>) {
        out.push(r);
        for &c in &self.rsc(r).children {
            self.collect_all(c, out);
        }
    }

    /// The node the resource is active on, preferring a clean one
    /// (Pacemaker's `pe__find_active_on`).
    pub fn current_node(&self, r: RscIdx) -> Option<NodeIdx> {
        let rsc = self.rsc(r);
        if !rsc.children.is_empty() {
            for &c in &rsc.children {
                if let Some(n) = self.current_node(c) {
                    return Some(n);
                }
            }
            return None;
        }
        let mut active: Option<NodeIdx> = None;
        for &n in &rsc.running_on {
            let node = self.node(n);
            let happy = node.online && !node.unclean;
            let mut keep_looking = false;
            if let Some(src) = rsc.partial_migration_source {
                if n == src {
                    active = Some(n);
                } else {
                    keep_looking = true;
                }
            } else if !rsc.needs_fencing {
                let active_clean = active.is_some_and(|a| {
                    let a = self.node(a);
                    a.online && !a.unclean
                });
                if happy && !active_clean {
                    active = Some(n);
                } else {
                    keep_looking = true;
                }
            }
            if active.is_none() {
                active = Some(n);
            }
            if !keep_looking {
                break;
            }
        }
        active
    }

    /// Counts of nodes the resource is active on: (all, clean).
    pub fn active_counts(&self, r: RscIdx) -> (usize, usize) {
        let rsc = self.rsc(r);
        let all = rsc.running_on.len();
        let clean = rsc
            .running_on
            .iter()
            .filter(|&&n| self.node(n).online && !self.node(n).unclean)
            .count();
        (all, clean)
    }

    /// Whether a node may run resources given a score (`pcmk__node_available`).
    pub fn node_available(&self, n: NodeIdx, weight: Option<Score>) -> bool {
        self.node(n).available() && weight.map(|w| w.value() >= 0).unwrap_or(true)
    }
}
