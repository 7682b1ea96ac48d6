//! The typed CIB: configuration and status as Pacemaker 2.1.5 reads them.
//!
//! Every struct keeps the attributes it does not know in `extra` and the child
//! elements it does not know in `unknown`, so that a CIB written back carries
//! everything it was read with. Values are kept as written where Pacemaker
//! itself interprets them late (intervals, booleans, roles); scores are parsed
//! at once because a score that is not a number is an error in the file.

use std::sync::Arc;

use super::xml::{Element, Pos};
use super::Score;

/// Attributes in document order.
pub type Attrs = Vec<(String, String)>;

/// A whole CIB document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cib {
    /// Attributes of `<cib>` (epoch, num_updates, admin_epoch, have-quorum,
    /// dc-uuid, validate-with, execution-date, ...), in document order.
    pub attrs: Attrs,
    /// The `<configuration>` section.
    pub configuration: Arc<Configuration>,
    /// The `<status>` section.
    pub status: Status,
    /// Unknown children of `<cib>`.
    pub unknown: Vec<Element>,
}

impl Cib {
    /// The configuration, to edit. Copies of a CIB share one configuration
    /// until one of them edits it: the DC's CIB changes with every
    /// operation result, its configuration rarely, and the members and the
    /// disks keep copies of it.
    pub fn config_mut(&mut self) -> &mut Configuration {
        Arc::make_mut(&mut self.configuration)
    }
}

/// The `<configuration>` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Configuration {
    /// `<crm_config>`: cluster property sets.
    pub crm_config: Vec<NvSet>,
    /// `<nodes>`.
    pub nodes: Vec<NodeConfig>,
    /// `<resources>`: top-level resources and templates, in document order.
    pub resources: Vec<Resource>,
    /// `<constraints>`.
    pub constraints: Vec<Constraint>,
    /// `<rsc_defaults>` meta-attribute sets.
    pub rsc_defaults: Vec<NvSet>,
    /// `<op_defaults>` meta-attribute sets.
    pub op_defaults: Vec<NvSet>,
    /// `<fencing-topology>` levels; `None` when the section is absent.
    pub fencing_topology: Option<Vec<FencingLevel>>,
    /// `<tags>`; `None` when absent.
    pub tags: Option<Vec<Tag>>,
    /// `<alerts>`; `None` when absent.
    pub alerts: Option<Vec<Alert>>,
    /// Unknown children of `<configuration>` (e.g. `<acls>`), kept as written.
    pub unknown: Vec<Element>,
}

/// A set of name/value pairs: `cluster_property_set`, `meta_attributes`,
/// `instance_attributes` or `utilization`, possibly conditional on rules.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NvSet {
    /// The element name, e.g. `meta_attributes`.
    pub tag: String,
    /// `id`.
    pub id: Option<String>,
    /// `id-ref`: this set is the set with that id.
    pub id_ref: Option<String>,
    /// `score`: sets are applied highest score first.
    pub score: Option<Score>,
    /// Rules that must hold for the set to apply (all of them).
    pub rules: Vec<Rule>,
    /// The pairs.
    pub pairs: Vec<NvPair>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// One `<nvpair>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NvPair {
    /// `id`.
    pub id: Option<String>,
    /// `id-ref`.
    pub id_ref: Option<String>,
    /// `name`.
    pub name: String,
    /// `value`; absent means "unset".
    pub value: Option<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// How a rule combines its expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoolOp {
    /// All must hold (the default).
    #[default]
    And,
    /// Any may hold.
    Or,
}

/// A `<rule>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    /// `id`.
    pub id: Option<String>,
    /// `id-ref`.
    pub id_ref: Option<String>,
    /// `score`, for location rules.
    pub score: Option<Score>,
    /// `score-attribute`: take the score from this node attribute.
    pub score_attribute: Option<String>,
    /// `boolean-op`.
    pub boolean_op: BoolOp,
    /// `role`, for location rules.
    pub role: Option<String>,
    /// The expressions, in order.
    pub items: Vec<RuleItem>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// One condition inside a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleItem {
    /// `<expression>`: a node attribute test.
    Expr(Expression),
    /// `<date_expression>`.
    Date(DateExpression),
    /// A nested `<rule>`.
    Rule(Rule),
    /// `<op_expression>` (for op defaults).
    Op(Attrs),
    /// `<rsc_expression>` (for resource defaults).
    Rsc(Attrs),
    /// Anything else, kept as written.
    Unknown(Element),
}

/// An `<expression>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expression {
    /// `id`.
    pub id: Option<String>,
    /// `attribute`.
    pub attribute: String,
    /// `operation`: lt, gt, lte, gte, eq, ne, defined, not_defined.
    pub operation: String,
    /// `value`.
    pub value: Option<String>,
    /// `type`: string, integer, number, version.
    pub value_type: Option<String>,
    /// `value-source`: literal, param, meta.
    pub value_source: Option<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<date_expression>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DateExpression {
    /// `id`.
    pub id: Option<String>,
    /// `operation`: in_range (default), gt, lt, date_spec.
    pub operation: Option<String>,
    /// `start`.
    pub start: Option<String>,
    /// `end`.
    pub end: Option<String>,
    /// `<date_spec>` attributes.
    pub date_spec: Option<Attrs>,
    /// `<duration>` attributes.
    pub duration: Option<Attrs>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<node>` of the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeConfig {
    /// `id`.
    pub id: String,
    /// `uname`.
    pub uname: String,
    /// `type`: member (default), remote, ping.
    pub kind: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `instance_attributes` (permanent node attributes).
    pub attributes: Vec<NvSet>,
    /// `utilization`.
    pub utilization: Vec<NvSet>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A resource definition.
// The variants mirror the XML elements one for one; boxing the larger ones
// would only add indirection to every match over the model.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// `<primitive>`.
    Primitive(Primitive),
    /// `<group>`.
    Group(Group),
    /// `<clone>` or the old `<master>`.
    Clone(Clone),
    /// `<bundle>`.
    Bundle(Bundle),
    /// `<template>`: a primitive others can take values from.
    Template(Primitive),
}

impl Resource {
    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Resource::Primitive(p) | Resource::Template(p) => &p.id,
            Resource::Group(g) => &g.id,
            Resource::Clone(c) => &c.id,
            Resource::Bundle(b) => &b.id,
        }
    }
}

/// A `<primitive>` (or `<template>`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Primitive {
    /// `id`.
    pub id: String,
    /// `class`: ocf, lsb, systemd, stonith, service, ...
    pub class: Option<String>,
    /// `provider`.
    pub provider: Option<String>,
    /// `type`.
    pub agent: Option<String>,
    /// `template`: a template to take class, type and settings from.
    pub template: Option<String>,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets.
    pub instance: Vec<NvSet>,
    /// `utilization` sets.
    pub utilization: Vec<NvSet>,
    /// `<operations>`; `None` when absent.
    pub operations: Option<Operations>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// An `<operations>` element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Operations {
    /// `id`.
    pub id: Option<String>,
    /// `id-ref`.
    pub id_ref: Option<String>,
    /// The `<op>`s.
    pub ops: Vec<Op>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// An `<op>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Op {
    /// `id`.
    pub id: String,
    /// `name`: monitor, start, stop, promote, ...
    pub name: String,
    /// `interval` as written ("0", "10s", "PT1M", ...).
    pub interval: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// All other attributes (timeout, on-fail, enabled, start-delay, ...).
    pub attrs: Attrs,
    /// `meta_attributes` sets (equivalent to attributes).
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets.
    pub instance: Vec<NvSet>,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A `<group>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    /// `id`.
    pub id: String,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets (inherited by members).
    pub instance: Vec<NvSet>,
    /// Members, in order.
    pub members: Vec<Primitive>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A `<clone>` (or `<master>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Clone {
    /// `id`.
    pub id: String,
    /// Written as the pre-2.0 `<master>` element (implies promotable).
    pub legacy_master: bool,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets.
    pub instance: Vec<NvSet>,
    /// The cloned resource: a primitive or a group.
    pub child: Box<Resource>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A `<bundle>`: its container runtime, network and storage are kept as
/// written; the optional primitive inside is typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bundle {
    /// `id`.
    pub id: String,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `<docker>`, `<podman>` or `<rkt>`.
    pub runtime: Option<Element>,
    /// `<network>`.
    pub network: Option<Element>,
    /// `<storage>`.
    pub storage: Option<Element>,
    /// The primitive run inside each container.
    pub primitive: Option<Primitive>,
    /// Unknown attributes.
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// `<rsc_location>`.
    Location(Location),
    /// `<rsc_colocation>`.
    Colocation(Colocation),
    /// `<rsc_order>`.
    Order(Order),
    /// `<rsc_ticket>`.
    Ticket(TicketConstraint),
    /// Anything else, kept as written.
    Unknown(Element),
}

/// A `<resource_set>` inside a constraint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceSet {
    /// `id`.
    pub id: Option<String>,
    /// `id-ref`.
    pub id_ref: Option<String>,
    /// `sequential`.
    pub sequential: Option<String>,
    /// `require-all`.
    pub require_all: Option<String>,
    /// `ordering`.
    pub ordering: Option<String>,
    /// `action`.
    pub action: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `kind`.
    pub kind: Option<String>,
    /// `<resource_ref id=...>` members, in order.
    pub resources: Vec<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<rsc_location>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Location {
    /// `id`.
    pub id: String,
    /// `rsc`.
    pub rsc: Option<String>,
    /// `rsc-pattern`: a regular expression over resource ids.
    pub rsc_pattern: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `node`.
    pub node: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `resource-discovery`: always, never, exclusive.
    pub resource_discovery: Option<String>,
    /// Rules (instead of `node` and `score`).
    pub rules: Vec<Rule>,
    /// Resource sets (instead of `rsc`).
    pub sets: Vec<ResourceSet>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<rsc_colocation>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Colocation {
    /// `id`.
    pub id: String,
    /// `rsc`: the dependent resource.
    pub rsc: Option<String>,
    /// `with-rsc`: the primary resource.
    pub with_rsc: Option<String>,
    /// `rsc-role`.
    pub rsc_role: Option<String>,
    /// `with-rsc-role`.
    pub with_rsc_role: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `node-attribute`.
    pub node_attribute: Option<String>,
    /// `influence`.
    pub influence: Option<String>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<rsc_order>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Order {
    /// `id`.
    pub id: String,
    /// `first`.
    pub first: Option<String>,
    /// `then`.
    pub then: Option<String>,
    /// `first-action`.
    pub first_action: Option<String>,
    /// `then-action`.
    pub then_action: Option<String>,
    /// `kind`: Mandatory, Optional, Serialize.
    pub kind: Option<String>,
    /// `score` (deprecated form of kind).
    pub score: Option<Score>,
    /// `symmetrical`.
    pub symmetrical: Option<String>,
    /// `require-all`.
    pub require_all: Option<String>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<rsc_ticket>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketConstraint {
    /// `id`.
    pub id: String,
    /// `rsc`.
    pub rsc: Option<String>,
    /// `rsc-role`.
    pub rsc_role: Option<String>,
    /// `ticket`.
    pub ticket: String,
    /// `loss-policy`.
    pub loss_policy: Option<String>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<fencing-level>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FencingLevel {
    /// `id`.
    pub id: String,
    /// `index`: levels are tried lowest first.
    pub index: u32,
    /// `target`: a node name.
    pub target: Option<String>,
    /// `target-pattern`: a regular expression over node names.
    pub target_pattern: Option<String>,
    /// `target-attribute`.
    pub target_attribute: Option<String>,
    /// `target-value`.
    pub target_value: Option<String>,
    /// `devices`, comma-separated device ids.
    pub devices: Vec<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// A `<tag>`: a name for a list of ids.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tag {
    /// `id`.
    pub id: String,
    /// The `<obj_ref id=...>` ids.
    pub refs: Vec<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// An `<alert>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alert {
    /// `id`.
    pub id: String,
    /// `path`: the agent to run.
    pub path: String,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets.
    pub instance: Vec<NvSet>,
    /// `<recipient>`s.
    pub recipients: Vec<Recipient>,
    /// `<select>`, kept as written.
    pub select: Option<Element>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// An alert `<recipient>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recipient {
    /// `id`.
    pub id: String,
    /// `value`.
    pub value: String,
    /// `meta_attributes` sets.
    pub meta: Vec<NvSet>,
    /// `instance_attributes` sets.
    pub instance: Vec<NvSet>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// The `<status>` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    /// `<node_state>`s in document order, each shared between copies of
    /// the CIB until one of them edits it: the DC records every operation
    /// result in one node's entry while the members and the disks keep the
    /// copy it sent last, and a copy-on-write of the whole status per
    /// result was a third of the controller's own cost. Edit through
    /// [`crate::cib::status_edit::node_state`] (or `Arc::make_mut`).
    pub node_states: Vec<Arc<NodeState>>,
    /// `<tickets>` ticket states; `None` when absent.
    pub tickets: Option<Vec<TicketState>>,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// A `<node_state>`: what the cluster knows of one node right now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeState {
    /// `id`.
    pub id: String,
    /// `uname`.
    pub uname: Option<String>,
    /// `in_ccm`: "true"/"false" or (newer) a timestamp.
    pub in_ccm: Option<String>,
    /// `crmd`: "online"/"offline" or a timestamp.
    pub crmd: Option<String>,
    /// `join`: member, down, pending, banned.
    pub join: Option<String>,
    /// `expected`: member or down.
    pub expected: Option<String>,
    /// Transient node attributes (`<transient_attributes>` sets).
    pub transient: Vec<NvSet>,
    /// The `<lrm>` resource history; `None` when absent. Each resource's
    /// entry is shared between copies like the node state itself, so
    /// recording a result copies that one resource's entry at most.
    pub lrm: Option<Vec<Arc<LrmResource>>>,
    /// Unknown attributes (crm-debug-origin, remote_node, ...).
    pub extra: Attrs,
    /// Unknown children.
    pub unknown: Vec<Element>,
}

/// An `<lrm_resource>`: one resource's operation history on one node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LrmResource {
    /// `id`.
    pub id: String,
    /// `class`.
    pub class: Option<String>,
    /// `provider`.
    pub provider: Option<String>,
    /// `type`.
    pub agent: Option<String>,
    /// `container`.
    pub container: Option<String>,
    /// The recorded operations.
    pub ops: Vec<LrmOp>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// An `<lrm_rsc_op>`: one recorded operation result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LrmOp {
    /// `id`, e.g. `rsc_last_0`, `rsc_monitor_10000`, `rsc_last_failure_0`.
    pub id: String,
    /// `operation_key`.
    pub operation_key: Option<String>,
    /// `operation`.
    pub operation: String,
    /// `call-id`; -1 for pending.
    pub call_id: Option<i64>,
    /// `rc-code`.
    pub rc_code: Option<i32>,
    /// `op-status`.
    pub op_status: Option<i32>,
    /// `interval` in milliseconds.
    pub interval_ms: u64,
    /// `last-rc-change` (seconds since the epoch).
    pub last_rc_change: Option<i64>,
    /// `last-run`.
    pub last_run: Option<i64>,
    /// `exec-time`.
    pub exec_time: Option<i64>,
    /// `queue-time`.
    pub queue_time: Option<i64>,
    /// `op-digest`.
    pub op_digest: Option<String>,
    /// `op-restart-digest`.
    pub op_restart_digest: Option<String>,
    /// `op-secure-digest`.
    pub op_secure_digest: Option<String>,
    /// `migrate_source`.
    pub migrate_source: Option<String>,
    /// `migrate_target`.
    pub migrate_target: Option<String>,
    /// `transition-key`.
    pub transition_key: Option<String>,
    /// `transition-magic`.
    pub transition_magic: Option<String>,
    /// `on_node`.
    pub on_node: Option<String>,
    /// Unknown attributes (crm-debug-origin, op-force-restart, ...).
    pub extra: Attrs,
}

/// A `<ticket_state>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketState {
    /// `id`: the ticket name.
    pub id: String,
    /// `granted`.
    pub granted: Option<String>,
    /// `standby`.
    pub standby: Option<String>,
    /// `last-granted`.
    pub last_granted: Option<String>,
    /// Unknown attributes.
    pub extra: Attrs,
}

/// Where a model object came from, for error messages; not part of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin(pub Pos);

impl Cib {
    /// A cluster option as written in `crm_config` (the first such pair,
    /// rules not evaluated): what the controller and the checkers read.
    pub fn crm_option(&self, name: &str) -> Option<&str> {
        self.configuration
            .crm_config
            .iter()
            .flat_map(|s| s.pairs.iter())
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_deref())
    }

    /// The value of a `<cib>` attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Op {
    /// An attribute of the op, or the same name in its meta attributes.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| {
                self.meta
                    .iter()
                    .flat_map(|s| s.pairs.iter())
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.as_deref())
            })
    }
}

impl LrmOp {
    /// The value of an unknown attribute kept in `extra`.
    pub fn extra_attr(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(op-status, rc-code)`. Old CIBs may lack the two attributes; then they
    /// come from `transition-magic`, written `op-status:rc-code;transition-key`
    /// (as Pacemaker's `decode_transition_magic` reads it).
    pub fn status_and_rc(&self) -> Option<(i32, i32)> {
        if let (Some(status), Some(rc)) = (self.op_status, self.rc_code) {
            return Some((status, rc));
        }
        let magic = self.transition_magic.as_deref()?;
        let (codes, _key) = magic.split_once(';')?;
        let (status, rc) = codes.split_once(':')?;
        Some((status.trim().parse().ok()?, rc.trim().parse().ok()?))
    }
}
