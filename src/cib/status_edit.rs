//! Changes to a CIB's status section: node state changes, operation results
//! recorded in the resource history, fail counts and transient attributes.
//! The controller makes them as the cluster runs and `crm_simulate` as it
//! injects (Pacemaker's `pcmk_injections.c` and the controller's
//! `pcmk__create_history_xml`), so they live with the CIB, below both.
//!
//! Finding a node's status entry knows the names of guest and remote
//! nodes, which the scheduler derives from the resources
//! ([`crate::scheduler::remote`]): the one place this module looks upwards.

use std::borrow::Cow;
use std::sync::Arc;

use crate::cib::values::{op_key, push_i64};
use crate::cib::{Cib, LrmOp, LrmResource, NodeState, NvPair, NvSet};

/// Finds (or creates) a node's `node_state` by name.
pub fn node_state<'a>(cib: &'a mut Cib, uname: &str) -> Option<&'a mut NodeState> {
    // The id is borrowed from the configuration (this runs for every
    // result the DC records) and copied only for a new entry. A remote or
    // guest node has no `<node>` entry necessarily: its id is its name
    // (crm_simulate passes the name as the uuid of actions routed through
    // another node).
    let id: Cow<str> = match cib.configuration.nodes.iter().find(|n| n.uname == uname) {
        Some(n) => Cow::Borrowed(&n.id),
        None => {
            let expanded = crate::scheduler::remote::with_guest_connections(cib);
            let found = crate::scheduler::remote::node_names_from_resources(&expanded)
                .into_iter()
                .chain(crate::scheduler::bundle::node_names(cib))
                .find(|n| n == uname)?;
            Cow::Owned(found)
        }
    };
    let status = &mut cib.status;
    let pos = status
        .node_states
        .iter()
        .position(|s| s.uname.as_deref() == Some(uname) || s.id == *id);
    let pos = match pos {
        Some(p) => p,
        None => {
            status.node_states.push(Arc::new(NodeState {
                id: id.into_owned(),
                uname: Some(uname.to_string()),
                ..Default::default()
            }));
            status.node_states.len() - 1
        }
    };
    // The entry is copied here only if another copy of the CIB shares it.
    Some(Arc::make_mut(&mut cib.status.node_states[pos]))
}

/// Marks a node up (member of the cluster and joined) or cleanly down
/// (`pcmk__inject_node_state_change`).
pub fn node_state_change(cib: &mut Cib, uname: &str, up: bool) -> bool {
    let Some(st) = node_state(cib, uname) else {
        return false;
    };
    let (ccm, crmd, join, expected) = if up {
        ("true", "online", "member", "member")
    } else {
        ("false", "offline", "down", "down")
    };
    st.in_ccm = Some(ccm.into());
    st.crmd = Some(crmd.into());
    st.join = Some(join.into());
    st.expected = Some(expected.into());
    true
}

/// Forgets a node's resource history and transient attributes (as after fencing).
pub fn clear_node_history(cib: &mut Cib, uname: &str) {
    if let Some(st) = node_state(cib, uname) {
        st.lrm = None;
        st.transient.clear();
    }
}

/// The agent of a configured resource (class, provider, type), looking
/// through groups and clones.
pub fn agent_of(cib: &Cib, rsc_id: &str) -> Option<(String, Option<String>, String)> {
    use crate::cib::Resource;
    fn find(r: &Resource, id: &str) -> Option<(String, Option<String>, String)> {
        let prim = |p: &crate::cib::Primitive| {
            (
                p.class.clone().unwrap_or_default(),
                p.provider.clone(),
                p.agent.clone().unwrap_or_default(),
            )
        };
        match r {
            Resource::Primitive(p) if p.id == id => Some(prim(p)),
            Resource::Group(g) => g.members.iter().find(|m| m.id == id).map(prim),
            Resource::Clone(c) => find(&c.child, id.split(':').next().unwrap_or(id)),
            Resource::Bundle(b) => match &b.primitive {
                Some(p) if p.id == id.split(':').next().unwrap_or(id) => Some(prim(p)),
                _ => crate::scheduler::bundle::implicit_agent(b, id),
            },
            _ => None,
        }
    }
    // The configured resources first: expanding the guests' implicit
    // connections costs a pass over every primitive, and an implicit
    // connection never shadows a configured resource of the same id.
    if let Some(found) = cib
        .configuration
        .resources
        .iter()
        .find_map(|r| find(r, rsc_id))
    {
        return Some(found);
    }
    let expanded = crate::scheduler::remote::with_guest_connections(cib);
    expanded
        .configuration
        .resources
        .iter()
        .find_map(|r| find(r, rsc_id))
}

/// One operation's result on one node, as the status section records it.
#[derive(Debug, Clone, Copy)]
pub struct OpResult<'a> {
    /// The node the operation ran on (its name).
    pub node: &'a str,
    /// The resource's history entry.
    pub rsc: &'a str,
    pub task: &'a str,
    pub interval_ms: u64,
    /// What the agent returned.
    pub rc: i32,
    /// What the transition expected; any other rc is a failure.
    pub target_rc: i32,
    /// Seconds since the epoch: the entry's `last-rc-change`.
    pub now: i64,
}

/// Records an operation result in a node's history (`pcmk__inject_action_result`):
/// `rsc_last_0` (or `rsc_last_failure_0`, or the recurring op's key), with a
/// call id above every earlier one for that resource there.
pub fn record_op(cib: &mut Cib, op: &OpResult) {
    record_op_as(cib, op, None);
}

/// [`record_op`] under a given entry id instead of the one the result
/// implies (a clone notification's own entry).
pub fn record_op_as(cib: &mut Cib, op: &OpResult, forced_id: Option<String>) {
    if let Some(res) = history_entry(cib, op.node, op.rsc) {
        record_result(res, op, forced_id);
    }
}

/// A resource's history on a node, created (with the resource's agent) if
/// it has none yet (`inject_resource`).
pub fn history_entry<'a>(
    cib: &'a mut Cib,
    uname: &str,
    rsc_id: &str,
) -> Option<&'a mut LrmResource> {
    // The agent is looked up only for a new history entry: the lookup scans
    // the configuration, and doing it for every result was quadratic.
    let known = cib
        .status
        .node_states
        .iter()
        .filter(|st| st.uname.as_deref() == Some(uname))
        .flat_map(|st| st.lrm.iter().flatten())
        .any(|r| r.id == rsc_id);
    let agent = if known { None } else { agent_of(cib, rsc_id) };
    let st = node_state(cib, uname)?;
    let lrm = st.lrm.get_or_insert_with(Vec::new);
    let pos = match lrm.iter().position(|r| r.id == rsc_id) {
        Some(p) => p,
        None => {
            lrm.push(Arc::new(new_history(rsc_id, agent)));
            lrm.len() - 1
        }
    };
    Some(Arc::make_mut(&mut lrm[pos]))
}

/// An empty history entry for a resource of this agent ([`agent_of`]).
pub fn new_history(rsc_id: &str, agent: Option<(String, Option<String>, String)>) -> LrmResource {
    let (class, provider, agent) = agent.unwrap_or_default();
    LrmResource {
        id: rsc_id.to_string(),
        class: Some(class),
        provider,
        agent: Some(agent),
        ..Default::default()
    }
}

/// Records an operation result in the resource's history entry `res`
/// ([`record_op_as`] once the entry is found).
pub fn record_result(res: &mut LrmResource, op: &OpResult, forced_id: Option<String>) {
    let OpResult {
        rsc: rsc_id,
        task,
        interval_ms,
        rc,
        target_rc,
        now,
        ..
    } = *op;
    // A completed agent reload is recorded as a start, to make the next
    // reading of the status simpler (`pcmk__create_history_xml`).
    let task = if task == "reload" || task == "reload-agent" {
        "start"
    } else {
        task
    };
    let call_id = res
        .ops
        .iter()
        .filter_map(|o| o.call_id)
        .max()
        .unwrap_or(0)
        .max(0)
        + 1;
    let key = op_key(rsc_id, task, interval_ms);
    let failed = rc != target_rc;
    // The entries written: one, or a failure's two.
    let (id, also) = if let Some(id) = forced_id {
        (id, None)
    } else if failed {
        let last = (interval_ms == 0).then(|| [rsc_id, "_last_0"].concat());
        ([rsc_id, "_last_failure_0"].concat(), last)
    } else if interval_ms > 0 {
        (key.clone(), None)
    } else {
        ([rsc_id, "_last_0"].concat(), None)
    };
    let mut transition_key = String::with_capacity(64);
    push_i64(&mut transition_key, call_id);
    transition_key.push_str(":-1:");
    push_i64(&mut transition_key, target_rc.into());
    transition_key.push_str(":xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    for id in std::iter::once(id).chain(also) {
        // An entry with the same id is updated in place, as
        // pcmk__create_history_xml does: attributes it does not set (the
        // recorded digests, last-run) keep their values.
        let pos = match res.ops.iter().position(|o| o.id == id) {
            Some(p) => p,
            None => {
                res.ops.push(LrmOp {
                    id,
                    ..Default::default()
                });
                res.ops.len() - 1
            }
        };
        let op = &mut res.ops[pos];
        put_str(&mut op.operation_key, &key);
        op.operation.clear();
        op.operation.push_str(task);
        op.call_id = Some(call_id);
        op.rc_code = Some(rc);
        op.op_status = Some(0);
        op.interval_ms = interval_ms;
        op.last_rc_change = Some(now);
        op.exec_time = Some(0);
        op.queue_time = Some(0);
        let magic = op.transition_magic.get_or_insert_with(String::new);
        magic.clear();
        magic.reserve(transition_key.len() + 16);
        magic.push_str("0:");
        push_i64(magic, rc.into());
        magic.push(';');
        magic.push_str(&transition_key);
        put_str(&mut op.transition_key, &transition_key);
        let reason = if failed {
            "Simulated action result"
        } else {
            ""
        };
        set_attr(&mut op.extra, "crm-debug-origin", "crm_simulate");
        set_attr(&mut op.extra, "exit-reason", reason);
    }
}

/// Writes an optional attribute of a history entry in place: an entry
/// updated again (every result of a resource rewrites its `_last_0`) keeps
/// its strings' buffers instead of allocating new ones.
fn put_str(slot: &mut Option<String>, value: &str) {
    let s = slot.get_or_insert_with(String::new);
    s.clear();
    s.push_str(value);
}

/// Sets an attribute kept as a name/value list, adding it if new.
pub fn set_attr(attrs: &mut crate::cib::Attrs, name: &str, value: &str) {
    match attrs.iter_mut().find(|(k, _)| k == name) {
        Some((_, v)) => {
            v.clear();
            v.push_str(value);
        }
        None => attrs.push((name.to_string(), value.to_string())),
    }
}

/// Adds one to a failure count and sets the last-failure time
/// (`pcmk__inject_failcount`).
pub fn bump_failcount(
    cib: &mut Cib,
    uname: &str,
    rsc_id: &str,
    task: &str,
    interval_ms: u64,
    now: i64,
) {
    let Some(st) = node_state(cib, uname) else {
        return;
    };
    let set = transient_set(st);
    let fc = format!("fail-count-{rsc_id}#{task}_{interval_ms}");
    let lf = format!("last-failure-{rsc_id}#{task}_{interval_ms}");
    let old = set
        .pairs
        .iter()
        .find(|p| p.name == fc)
        .and_then(|p| p.value.as_deref())
        .map(|v| crate::cib::Score::parse_lenient(v).value() as i64)
        .unwrap_or(0);
    set_pair(set, &fc, crate::cib::Score::new(old + 1).to_string());
    set_pair(set, &lf, now.to_string());
}

/// A node's transient attributes: its first set, created
/// (`status-<node id>`) if it has none.
pub fn transient_set(st: &mut NodeState) -> &mut NvSet {
    if st.transient.is_empty() {
        let id = st.id.clone();
        st.transient.push(NvSet {
            tag: "instance_attributes".into(),
            id: Some(format!("status-{id}")),
            ..Default::default()
        });
    }
    &mut st.transient[0]
}

/// Sets a pair of a set, adding it (with an id after the set's) if new.
pub fn set_pair(set: &mut NvSet, name: &str, value: String) {
    match set.pairs.iter_mut().find(|p| p.name == name) {
        Some(p) => p.value = Some(value),
        None => set.pairs.push(NvPair {
            id: Some(format!("{}-{}", set.id.clone().unwrap_or_default(), name)),
            name: name.to_string(),
            value: Some(value),
            ..Default::default()
        }),
    }
}
