//! Pacemaker Remote nodes and guest nodes.
//!
//! A *remote node* is a host running `pacemaker-remoted` instead of the full
//! cluster stack. The cluster reaches it through a connection resource, an
//! `ocf:pacemaker:remote` primitive whose id is the node's name; the node is
//! online exactly when that connection is active. A *guest node* is the same
//! thing inside a VM or container resource: the primitive's `remote-node`
//! meta-attribute makes Pacemaker add an implicit connection resource of
//! that name, contained in the VM, and "fencing" a guest means recovering
//! its container.
//!
//! This module follows Pacemaker 2.1.5's `remote.c`, the remote parts of
//! `unpack.c` (`unpack_remote_nodes`, `expand_remote_rsc_meta`,
//! `link_rsc2remotenode`, `determine_remote_online_status`,
//! `unpack_handle_remote_attrs`) and `pcmk_sched_remote.c` (ordering
//! resource actions relative to the connection, and routing them through
//! the cluster node that hosts it).

use std::borrow::Cow;

use super::rules::is_true;
use super::ws::*;
use crate::cib::{self, Cib, NvPair, NvSet, Resource};

/// Whether a primitive is a remote connection (`xml_contains_remote_node`):
/// class `ocf`, provider `pacemaker`, type `remote`, as written on the
/// element itself.
pub fn is_connection_primitive(p: &cib::Primitive) -> bool {
    let eq =
        |v: &Option<String>, want: &str| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(want));
    eq(&p.agent, "remote") && eq(&p.class, "ocf") && eq(&p.provider, "pacemaker")
}

/// What a guest's `remote-*` meta-attributes say (`expand_remote_rsc_meta`).
struct GuestSettings {
    name: String,
    server: Option<String>,
    port: Option<String>,
    connect_timeout: String,
    allow_migrate: Option<String>,
    managed: Option<String>,
}

/// The guest node a primitive defines through its `remote-node`
/// meta-attribute, if any. Pacemaker reads the plain name/value pairs of
/// the primitive's own `meta_attributes` (no rules, no references).
fn guest_settings(p: &cib::Primitive) -> Option<GuestSettings> {
    let mut s = GuestSettings {
        name: String::new(),
        server: None,
        port: None,
        connect_timeout: "60s".to_string(),
        allow_migrate: None,
        managed: None,
    };
    let mut name = None;
    for set in p.meta.iter().filter(|s| s.tag == "meta_attributes") {
        for pair in &set.pairs {
            let Some(value) = pair.value.clone() else {
                continue;
            };
            match pair.name.to_ascii_lowercase().as_str() {
                "remote-node" => name = Some(value),
                "remote-addr" => s.server = Some(value),
                "remote-port" => s.port = Some(value),
                "remote-connect-timeout" => s.connect_timeout = value,
                "remote-allow-migrate" => s.allow_migrate = Some(value),
                "is-managed" => s.managed = Some(value),
                _ => {}
            }
        }
    }
    s.name = name?;
    Some(s)
}

fn nvset(tag: &str, id: String, pairs: Vec<(&str, String)>) -> NvSet {
    NvSet {
        tag: tag.to_string(),
        pairs: pairs
            .into_iter()
            .map(|(name, value)| NvPair {
                id: Some(format!("{id}-{name}")),
                name: name.to_string(),
                value: Some(value),
                ..Default::default()
            })
            .collect(),
        id: Some(id),
        ..Default::default()
    }
}

fn op(owner: &str, name: &str, interval: &str, timeout: &str) -> cib::Op {
    cib::Op {
        id: format!("{owner}-{name}-interval-{interval}"),
        name: name.to_string(),
        interval: Some(interval.to_string()),
        attrs: vec![("timeout".to_string(), timeout.to_string())],
        ..Default::default()
    }
}

/// The implicit connection resource of a guest node (`pe_create_remote_xml`).
fn connection_for_guest(container: &str, s: &GuestSettings) -> cib::Primitive {
    let name = &s.name;
    let mut meta = vec![
        ("internal_rsc", "true".to_string()),
        ("container", container.to_string()),
    ];
    if let Some(v) = &s.allow_migrate {
        meta.push(("allow-migrate", v.clone()));
    }
    if let Some(v) = &s.managed {
        meta.push(("is-managed", v.clone()));
    }
    let mut instance = Vec::new();
    if s.server.is_some() || s.port.is_some() {
        let mut pairs = Vec::new();
        if let Some(v) = &s.server {
            pairs.push(("addr", v.clone()));
        }
        if let Some(v) = &s.port {
            pairs.push(("port", v.clone()));
        }
        instance.push(nvset(
            "instance_attributes",
            format!("{name}-instance_attributes"),
            pairs,
        ));
    }
    cib::Primitive {
        id: name.clone(),
        class: Some("ocf".into()),
        provider: Some("pacemaker".into()),
        agent: Some("remote".into()),
        meta: vec![nvset(
            "meta_attributes",
            format!("{name}-meta_attributes"),
            meta,
        )],
        instance,
        operations: Some(cib::Operations {
            ops: vec![
                op(name, "monitor", "30s", "30s"),
                op(name, "start", "0", &s.connect_timeout),
            ],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The configuration with the implicit connection resource of every guest
/// node appended to the resources, as Pacemaker adds them to the resources
/// section before unpacking it (guests are top-level primitives or members
/// of top-level groups; clones cannot be guests). Borrowed unchanged when
/// there are no guests, or when their connections were already added.
pub fn with_guest_connections(cib: &Cib) -> Cow<'_, Cib> {
    let mut extra = Vec::new();
    let mut consider = |p: &cib::Primitive| {
        if is_connection_primitive(p) {
            return;
        }
        if let Some(s) = guest_settings(p) {
            extra.push(connection_for_guest(&p.id, &s));
        }
    };
    for r in &cib.configuration.resources {
        match r {
            Resource::Primitive(p) => consider(p),
            Resource::Group(g) => g.members.iter().for_each(&mut consider),
            _ => {}
        }
    }
    let exists = |id: &str| cib.configuration.resources.iter().any(|r| r.id() == id);
    extra.retain(|p| !exists(&p.id));
    if extra.is_empty() {
        return Cow::Borrowed(cib);
    }
    let mut owned = cib.clone();
    owned
        .config_mut()
        .resources
        .extend(extra.into_iter().map(Resource::Primitive));
    Cow::Owned(owned)
}

/// Names of the remote and guest nodes the resources define
/// (`unpack_remote_nodes`), for those not already configured as nodes.
pub fn node_names_from_resources(cib: &Cib) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &cib.configuration.resources {
        if let Resource::Primitive(p) = r {
            if is_connection_primitive(p) && !out.iter().any(|o| o.eq_ignore_ascii_case(&p.id)) {
                out.push(p.id.clone());
            }
        }
    }
    out
}

/// The remote or guest node whose connection is `r`, if any.
pub fn node_of_connection(ws: &WorkingSet, r: RscIdx) -> Option<NodeIdx> {
    if !ws.rsc(r).is_remote_node {
        return None;
    }
    ws.find_node(&ws.rsc(r).id)
        .filter(|&n| ws.node(n).kind == NodeKind::Remote)
}

/// A remote or guest node (`pe__is_guest_or_remote_node`).
pub fn is_guest_or_remote(ws: &WorkingSet, n: NodeIdx) -> bool {
    ws.node(n).kind == NodeKind::Remote
}

/// A guest node: its connection lives in a container (`pe__is_guest_node`).
pub fn is_guest(ws: &WorkingSet, n: NodeIdx) -> bool {
    is_guest_or_remote(ws, n)
        && ws
            .node(n)
            .remote_rsc
            .is_some_and(|r| ws.rsc(r).container.is_some())
}

/// A remote node proper, not a guest (`pe__is_remote_node`).
pub fn is_remote(ws: &WorkingSet, n: NodeIdx) -> bool {
    is_guest_or_remote(ws, n) && !is_guest(ws, n)
}

/// The container resource of a guest node.
pub fn guest_container(ws: &WorkingSet, n: NodeIdx) -> Option<RscIdx> {
    ws.node(n).remote_rsc.and_then(|r| ws.rsc(r).container)
}

/// A connection to a remote node proper (`pe__resource_is_remote_conn`).
pub fn is_remote_connection(ws: &WorkingSet, r: RscIdx) -> bool {
    node_of_connection(ws, r).is_some_and(|n| is_remote(ws, n))
}

/// Marks connection resources and links each remote or guest node to its
/// connection (`link_rsc2remotenode`), after the resources are unpacked.
/// Also applies what the connection's nature implies for its settings
/// (`pe__unpack_resource`): remote connections may live-migrate unless told
/// otherwise and read `reconnect_interval`; guest connections may run
/// wherever their container may, even in an opt-in cluster.
pub fn link_connections(ws: &mut WorkingSet) {
    for i in 0..ws.rscs.len() {
        let r = RscIdx(i);
        let rsc = ws.rsc(r);
        if rsc.variant != Variant::Primitive
            || !rsc.agent.eq_ignore_ascii_case("ocf:pacemaker:remote")
            || rsc.orphan
        {
            continue;
        }
        let guest = rsc.meta.contains_key("container");
        let allow_migrate = rsc.meta.get("allow-migrate").cloned();
        let reconnect = rsc.params.get("reconnect_interval").cloned();
        let rsc = ws.rsc_mut(r);
        rsc.is_remote_node = true;
        if !guest {
            if allow_migrate.is_none() {
                rsc.allow_migrate = true;
            }
            if let Some(ms) = reconnect.as_deref().and_then(super::rules::parse_ms) {
                rsc.remote_reconnect_ms = ms;
                rsc.failure_timeout = (ms / 1000) as i64;
            }
        } else if !ws.config.symmetric {
            super::status::resource_location(ws, r, None, crate::cib::Score::ZERO);
        }
    }
    for t in ws.top.clone() {
        if !ws.rsc(t).is_remote_node {
            continue;
        }
        let Some(n) = ws.find_node(&ws.rsc(t).id) else {
            continue;
        };
        ws.nodes[n.0].remote_rsc = Some(t);
        if ws.rsc(t).container.is_none() {
            // Remote nodes start unclean like cluster nodes
            // (`handle_startup_fencing`); guests never need real fencing.
            ws.nodes[n.0].unclean = ws.config.stonith_enabled && ws.config.startup_fencing;
        } else {
            ws.nodes[n.0]
                .attrs
                .insert("#kind".to_string(), "container".to_string());
        }
    }
}

/// Whether a remote or guest node's history may be read yet: only once the
/// connection (and a guest's container) is known to be started, since a
/// node's history is meaningless while it cannot be reached
/// (`unpack_node_history`).
pub fn history_readable(ws: &WorkingSet, n: NodeIdx) -> bool {
    let Some(r) = ws.node(n).remote_rsc else {
        return false;
    };
    if let Some(c) = ws.rsc(r).container {
        ws.rsc(r).role == Role::Started && ws.rsc(c).role == Role::Started
    } else {
        ws.config.shutdown_lock || ws.rsc(r).role == Role::Started
    }
}

/// Whether a remote or guest node is online, from its connection's state
/// (`determine_remote_online_status`).
pub fn determine_online_status(ws: &mut WorkingSet, n: NodeIdx) {
    let Some(r) = ws.node(n).remote_rsc else {
        ws.nodes[n.0].online = false;
        return;
    };
    let rsc = ws.rsc(r);
    let container = rsc.container;
    let host = match (container, rsc.running_on.as_slice()) {
        (Some(_), [h]) => Some(*h),
        _ => None,
    };
    let (role, next_role, failed) = (rsc.role, rsc.next_role, rsc.failed);
    let container_failed = container.is_some_and(|c| ws.rsc(c).failed);
    let container_stopped = container.is_some_and(|c| ws.rsc(c).role == Role::Stopped);
    let host_lost = host.is_some_and(|h| !ws.node(h).online && ws.node(h).unclean);
    let node = &mut ws.nodes[n.0];
    if role == Role::Started {
        node.online = true;
        if next_role == Role::Stopped {
            node.shutdown = true;
        }
    }
    if container_failed {
        node.online = false;
        node.remote_requires_reset = true;
    } else if failed {
        node.online = false;
    } else if role == Role::Stopped || container_stopped {
        node.online = false;
        node.remote_requires_reset = false;
    } else if host_lost {
        node.online = false;
        node.remote_requires_reset = true;
    }
}

/// Reads a remote or guest node's own status entry
/// (`unpack_handle_remote_attrs`): maintenance, transient attributes,
/// shutdown, standby, and whether resources may be discovered there.
pub fn unpack_remote_attrs(
    ws: &mut WorkingSet,
    st: &cib::NodeState,
    n: NodeIdx,
    transient: std::collections::BTreeMap<String, String>,
) {
    let maintenance_attr = st
        .extra
        .iter()
        .find(|(k, _)| k == "node_in_maintenance")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0);
    let r = ws.node(n).remote_rsc;
    let managed = r.is_none_or(|r| ws.rsc(r).managed);
    let stonith = ws.config.stonith_enabled;
    let remote = is_remote(ws, n);
    let node = &mut ws.nodes[n.0];
    node.remote_maintenance = maintenance_attr > 0;
    if !node.remote_requires_reset {
        node.unclean = false;
        node.unseen = false;
    }
    for (k, v) in transient {
        node.attrs.insert(k, v);
    }
    let attr_true = |node: &Node, k: &str| node.attrs.get(k).is_some_and(|v| is_true(v));
    if node
        .attrs
        .get("shutdown")
        .is_some_and(|v| !v.is_empty() && v != "0")
    {
        node.shutdown = true;
    }
    if attr_true(node, "standby") {
        node.standby = true;
    }
    if attr_true(node, "maintenance") || !managed {
        node.maintenance = true;
    }
    if let Some(v) = node.attrs.get("resource-discovery-enabled") {
        if !is_true(v) && (!remote || stonith) {
            node.rsc_discovery = false;
        }
    }
}

/// Once a connection is assigned, its node will be up (or down) in this
/// transition (`remote_connection_assigned`).
pub fn connection_assigned(ws: &mut WorkingSet, r: RscIdx) {
    let Some(n) = ws.find_node(&ws.rsc(r).id) else {
        return;
    };
    let up = ws.rsc(r).assigned.is_some() && ws.rsc(r).next_role != Role::Stopped;
    let node = &mut ws.nodes[n.0];
    if up {
        node.online = true;
        if node.unseen {
            // No fencing needed: the connection will be tried.
            node.unclean = false;
        }
    } else {
        node.shutdown = true;
    }
}

/// Forbids a resource every remote and guest node (`rsc_avoids_remote_nodes`):
/// connections and fence devices must run on cluster nodes.
pub fn avoid_remote_nodes(ws: &mut WorkingSet, r: RscIdx) {
    let remote: Vec<NodeIdx> = (0..ws.nodes.len())
        .map(NodeIdx)
        .filter(|&n| ws.node(n).remote_rsc.is_some())
        .collect();
    let rsc = ws.rsc_mut(r);
    for n in remote {
        if let Some(a) = rsc.allowed.get_mut(&n) {
            a.weight = crate::cib::Score::NEG_INF;
        }
    }
}

/// The state of a remote node's connection as far as ordering its
/// resources' actions goes (`get_remote_node_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not known: it will be started but is not active now.
    Unknown,
    /// Active now and staying up.
    Alive,
    /// Active on a dead node or mid-migration: it can be recovered first.
    Resting,
    /// Down for good in this transition, after a failure.
    Failed,
    /// Cleanly stopped (or stopping).
    Stopped,
}

/// The state of node `n`'s connection (`get_remote_node_state`).
pub fn connection_state(ws: &WorkingSet, n: NodeIdx) -> ConnectionState {
    let Some(r) = ws.node(n).remote_rsc else {
        return ConnectionState::Stopped;
    };
    let rsc = ws.rsc(r);
    let cluster_node = ws.current_node(r);
    if rsc.next_role == Role::Stopped || rsc.assigned.is_none() {
        if cluster_node.is_some_and(|c| ws.node(c).unclean) {
            return ConnectionState::Failed;
        }
        if !rsc.failed {
            return ConnectionState::Stopped;
        }
        let node = ws.node(n);
        if rsc.next_role == Role::Stopped
            && rsc.remote_reconnect_ms > 0
            && node.remote_was_fenced
            && !node
                .attrs
                .get("shutdown")
                .is_some_and(|v| !v.is_empty() && v != "0")
        {
            return ConnectionState::Unknown;
        }
        return ConnectionState::Failed;
    }
    let Some(c) = cluster_node else {
        return ConnectionState::Unknown;
    };
    if ws.node(c).unclean || !ws.node(c).online {
        return ConnectionState::Resting;
    }
    if rsc.running_on.len() > 1
        && rsc.partial_migration_source.is_some()
        && rsc.partial_migration_target.is_some()
    {
        return ConnectionState::Resting;
    }
    ConnectionState::Alive
}

/// A remote node whose connection is unrecoverable (`pcmk__is_failed_remote_node`).
pub fn is_failed_remote_node(ws: &WorkingSet, n: NodeIdx) -> bool {
    is_remote(ws, n)
        && ws.node(n).remote_rsc.is_some()
        && connection_state(ws, n) == ConnectionState::Failed
}

/// The cluster node through which an action on a remote or guest node is
/// executed (`pcmk__connection_host_for_action`): where the connection is
/// now when it is stopping or the action takes something down, where it
/// will be otherwise.
pub fn connection_host_for_action(ws: &WorkingSet, a: ActionIdx) -> Option<NodeIdx> {
    let act = ws.action(a);
    let n = act.node?;
    if act.task == "stonith" || !is_guest_or_remote(ws, n) {
        return None;
    }
    let conn = ws.node(n).remote_rsc?;
    let rsc = ws.rsc(conn);
    let began_on = ws.current_node(conn);
    let ended_on = rsc.assigned;
    let partial_migration = rsc.container.is_none() && rsc.partial_migration_target.is_some();
    let Some(began_on) = began_on else {
        return ended_on;
    };
    let Some(ended_on) = ended_on else {
        return Some(began_on);
    };
    if began_on == ended_on {
        return Some(began_on);
    }
    let task = if act.task == "notify" {
        act.meta
            .get("notify_operation")
            .map(String::as_str)
            .unwrap_or("")
    } else {
        act.task.as_str()
    };
    let down = matches!(
        task,
        "cancel" | "stop" | "demote" | "migrate_from" | "migrate_to"
    );
    if down && !partial_migration {
        Some(began_on)
    } else {
        Some(ended_on)
    }
}

/// The cluster node hosting a guest node for an action on it, as the graph
/// passes it to the agent (`CRM_meta_physical_host`, from
/// `pcmk__add_bundle_meta_to_xml`): "down" actions run on the container's
/// current host, "up" actions on its next one.
pub fn guest_physical_host(ws: &WorkingSet, a: ActionIdx) -> Option<NodeIdx> {
    let act = ws.action(a);
    let n = act.node?;
    if !is_guest(ws, n) {
        return None;
    }
    let container = guest_container(ws, n)?;
    let task = if matches!(act.task.as_str(), "notify" | "notified") {
        act.meta
            .get("notify_operation")
            .map(String::as_str)
            .unwrap_or("")
    } else {
        act.task.as_str()
    };
    match task {
        "stop" | "stopped" | "demote" | "demoted" => ws.current_node(container),
        "start" | "running" | "monitor" | "promote" | "promoted" => ws.rsc(container).assigned,
        _ => None,
    }
}

/// The connection of a guest node that resource `c` holds, if any
/// (`pe__resource_contains_guest_node`).
pub fn guest_connection_of(ws: &WorkingSet, c: RscIdx) -> Option<RscIdx> {
    (0..ws.rscs.len())
        .map(RscIdx)
        .find(|&f| ws.rsc(f).container == Some(c) && ws.rsc(f).is_remote_node)
}

/// `order_start_then_action`: `then` waits for the connection to start.
fn order_start_then_action(ws: &mut WorkingSet, conn: RscIdx, then: ActionIdx, extra: u32) {
    let key = super::actions::op_key(&ws.rsc(conn).id, "start", 0);
    let then_rsc = ws.action(then).rsc;
    super::actions::new_ordering(
        ws,
        Ordering {
            first_rsc: Some(conn),
            first_task: Some(key),
            first_action: None,
            then_rsc,
            then_task: None,
            then_action: Some(then),
            flags: order::PRESERVE | order::RUNNABLE_LEFT | extra,
        },
    );
}

/// `order_action_then_stop`: the connection stops only after `first`.
fn order_action_then_stop(ws: &mut WorkingSet, first: ActionIdx, conn: RscIdx, extra: u32) {
    let key = super::actions::op_key(&ws.rsc(conn).id, "stop", 0);
    let first_rsc = ws.action(first).rsc;
    super::actions::new_ordering(
        ws,
        Ordering {
            first_rsc,
            first_task: None,
            first_action: Some(first),
            then_rsc: Some(conn),
            then_task: Some(key),
            then_action: None,
            flags: order::PRESERVE | extra,
        },
    );
}

/// How an action's task counts for remote ordering (`text2task`, with
/// migrations counting as stops).
fn remote_task(task: &str) -> &str {
    match task {
        "migrate_to" | "migrate_from" => "stop",
        other => other,
    }
}

/// Orders an action on a remote node relative to its connection
/// (`apply_remote_ordering`).
fn apply_remote_ordering(ws: &mut WorkingSet, a: ActionIdx, n: NodeIdx, conn: RscIdx) {
    let state = connection_state(ws, n);
    let act = ws.action(a);
    let recurring = act.interval_ms > 0;
    let task = remote_task(&act.task).to_string();
    match task.as_str() {
        "start" | "promote" => {
            let extra = if state == ConnectionState::Failed {
                order::IMPLIES_THEN
            } else {
                order::NONE
            };
            order_start_then_action(ws, conn, a, extra);
        }
        "stop" => match state {
            ConnectionState::Alive => {
                order_action_then_stop(ws, a, conn, order::IMPLIES_FIRST);
            }
            ConnectionState::Failed => {
                super::status::fence_node(
                    ws,
                    n,
                    "resources are active but connection is unrecoverable",
                );
            }
            _ if ws.rsc(conn).next_role == Role::Stopped => {
                order_action_then_stop(ws, a, conn, order::IMPLIES_FIRST);
            }
            _ => order_start_then_action(ws, conn, a, order::NONE),
        },
        "demote" => {
            if matches!(state, ConnectionState::Resting | ConnectionState::Unknown) {
                order_start_then_action(ws, conn, a, order::NONE);
            }
        }
        _ if recurring => order_start_then_action(ws, conn, a, order::IMPLIES_THEN),
        _ => {
            let cluster_node = ws.current_node(conn);
            if task == "monitor" && state == ConnectionState::Failed {
                super::status::fence_node(
                    ws,
                    n,
                    "resources are in unknown state and connection is unrecoverable",
                );
            }
            if cluster_node.is_some() && state == ConnectionState::Stopped {
                order_action_then_stop(ws, a, conn, order::RUNNABLE_LEFT);
            } else {
                order_start_then_action(ws, conn, a, order::NONE);
            }
        }
    }
}

/// Orders an action on a guest node relative to its connection and
/// container (`apply_container_ordering`).
fn apply_container_ordering(ws: &mut WorkingSet, a: ActionIdx, n: NodeIdx, conn: RscIdx) {
    let Some(container) = ws.rsc(conn).container else {
        return;
    };
    if ws.rsc(container).failed {
        super::status::fence_node(ws, n, "container failed");
    }
    let act = ws.action(a);
    let recurring = act.interval_ms > 0;
    let task = remote_task(&act.task).to_string();
    match task.as_str() {
        "start" | "promote" => {
            // Recovering the container recovers what runs inside it.
            order_start_then_action(ws, container, a, order::IMPLIES_THEN);
            order_start_then_action(ws, conn, a, order::NONE);
        }
        "stop" | "demote" => {
            // A failed container is stopped with everything in it, so
            // there is nothing to wait for then.
            if !ws.rsc(container).failed {
                order_action_then_stop(ws, a, conn, order::NONE);
            }
        }
        // Recurring actions restart with the connection, except those
        // Pacemaker knows no task for (cancellations): they need no
        // connection start.
        _ if recurring => {
            if known_task(&task) {
                order_start_then_action(ws, conn, a, order::IMPLIES_THEN);
            }
        }
        _ => order_start_then_action(ws, conn, a, order::NONE),
    }
}

/// Whether Pacemaker maps a task name to an action type (`text2task`
/// returns other than `no_action`).
fn known_task(task: &str) -> bool {
    matches!(
        task,
        "stop"
            | "stopped"
            | "start"
            | "running"
            | "do_shutdown"
            | "stonith"
            | "monitor"
            | "notify"
            | "notified"
            | "promote"
            | "demote"
            | "promoted"
            | "demoted"
    )
}

/// Orders every action on a remote or guest node relative to the node's
/// connection (`pcmk__order_remote_connection_actions`): starts after the
/// connection starts, stops before it stops; where the connection cannot
/// come back, the node is fenced instead.
pub fn order_connection_actions(ws: &mut WorkingSet) {
    if !ws.nodes.iter().any(|n| n.kind == NodeKind::Remote) {
        return;
    }
    // Pacemaker's action list is newest first; actions created meanwhile
    // (fencing) are not visited.
    for a in (0..ws.actions.len()).rev().map(ActionIdx) {
        let act = ws.action(a);
        let Some(r) = act.rsc else { continue };
        if ws.rsc(r).is_remote_node && act.task == "clear_failcount" {
            let key = super::actions::op_key(&ws.rsc(r).id, "start", 0);
            super::actions::new_ordering(
                ws,
                Ordering {
                    first_rsc: Some(r),
                    first_task: None,
                    first_action: Some(a),
                    then_rsc: Some(r),
                    then_task: Some(key),
                    then_action: None,
                    flags: order::OPTIONAL,
                },
            );
            continue;
        }
        let Some(n) = act.node else { continue };
        if !is_guest_or_remote(ws, n) || act.pseudo {
            continue;
        }
        let Some(conn) = ws.node(n).remote_rsc else {
            continue;
        };
        if act.task == "start" {
            // Stops of this resource elsewhere wait for the connection, so
            // that the move is not a stop with nowhere to start.
            let stops: Vec<ActionIdx> = ws
                .rsc(r)
                .actions
                .iter()
                .copied()
                .filter(|&s| ws.action(s).task == "stop" && ws.action(s).node != Some(n))
                .collect();
            for s in stops {
                let key = super::actions::op_key(&ws.rsc(conn).id, "start", 0);
                super::actions::new_ordering(
                    ws,
                    Ordering {
                        first_rsc: Some(conn),
                        first_task: Some(key),
                        first_action: None,
                        then_rsc: Some(r),
                        then_task: None,
                        then_action: Some(s),
                        flags: order::OPTIONAL,
                    },
                );
            }
        }
        if ws.rsc(conn).container.is_some() {
            apply_container_ordering(ws, a, n, conn);
        } else {
            apply_remote_ordering(ws, a, n, conn);
        }
    }
}

/// Whether a guest's container will likely stop in this transition
/// (`guest_resource_will_stop`; known before its actions exist, so
/// approximated from its state and assignment).
pub fn guest_will_stop(ws: &WorkingSet, n: NodeIdx) -> bool {
    let Some(guest) = guest_container(ws, n) else {
        return false;
    };
    let node = ws.node(n);
    let g = ws.rsc(guest);
    node.remote_requires_reset
        || node.unclean
        || g.failed
        || g.next_role == Role::Stopped
        || (g.role > Role::Stopped && g.assigned.is_some_and(|a| !g.running_on.contains(&a)))
}

/// Ids of remote connections found only in the status history (class
/// `ocf`, provider `pacemaker`, type `remote`, not configured): each stands
/// for a remote node being removed (`create_fake_resource`).
pub fn orphaned_connections(cib: &Cib) -> Vec<String> {
    let configured = |id: &str| {
        cib.configuration.resources.iter().any(|r| match r {
            Resource::Group(g) => g.id == id || g.members.iter().any(|m| m.id == id),
            other => other.id() == id,
        })
    };
    let eq =
        |v: &Option<String>, want: &str| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(want));
    let mut out: Vec<String> = Vec::new();
    for st in &cib.status.node_states {
        for lr in st.lrm.iter().flatten() {
            if eq(&lr.agent, "remote")
                && eq(&lr.class, "ocf")
                && eq(&lr.provider, "pacemaker")
                && !configured(&lr.id)
                && !out.contains(&lr.id)
            {
                out.push(lr.id.clone());
            }
        }
    }
    out
}

/// An orphaned remote connection still links its node, which is shutting
/// down (`create_fake_resource`).
pub fn link_orphaned_connection(ws: &mut WorkingSet, r: RscIdx) {
    if !ws.rsc(r).agent.eq_ignore_ascii_case("ocf:pacemaker:remote") {
        return;
    }
    ws.rsc_mut(r).is_remote_node = true;
    let Some(n) = ws.find_node(&ws.rsc(r).id) else {
        return;
    };
    ws.nodes[n.0].remote_rsc = Some(r);
    if ws.rsc(r).container.is_none() {
        ws.nodes[n.0].unclean = ws.config.stonith_enabled && ws.config.startup_fencing;
    }
    ws.nodes[n.0].shutdown = true;
}
