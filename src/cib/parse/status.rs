//! The `<status>` section: node states, their transient attributes and
//! resource history, and ticket states.

use super::*;

pub(super) fn status(el: &Element) -> Result<Status, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    let node_states = strict(p.children("node_state", must(node_state)))?
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    let tickets = strict(p.first("tickets", tickets))?;
    Ok(Status {
        node_states,
        tickets,
        unknown: p.unknown(),
    })
}

pub(super) fn node_state(el: &Element) -> Res<NodeState> {
    let mut p = Parts::new(el)?;
    Ok(NodeState {
        id: p.required("id"),
        uname: p.attr("uname"),
        in_ccm: p.attr("in_ccm"),
        crmd: p.attr("crmd"),
        join: p.attr("join"),
        expected: p.attr("expected"),
        transient: p
            .first("transient_attributes", transient)?
            .unwrap_or_default(),
        lrm: p.first("lrm", lrm)?,
        extra: p.extra(),
        unknown: p.unknown(),
    })
}

/// `<transient_attributes>`: its own attributes are not kept (see the module doc).
pub(super) fn transient(el: &Element) -> Res<Vec<NvSet>> {
    let mut p = Parts::new(el)?;
    let sets = p.children("instance_attributes", nvset)?;
    p.no_unknown()?;
    Ok(sets)
}

/// `<lrm><lrm_resources>...</lrm_resources></lrm>`: the wrappers' own
/// attributes are not kept (see the module doc).
pub(super) fn lrm(el: &Element) -> Res<Vec<std::sync::Arc<LrmResource>>> {
    let mut p = Parts::new(el)?;
    let inner = p.first("lrm_resources", |e| {
        let mut q = Parts::new(e)?;
        let list = q.children("lrm_resource", lrm_resource)?;
        q.no_unknown()?;
        Ok(list)
    })?;
    p.no_unknown()?;
    Ok(inner
        .unwrap_or_default()
        .into_iter()
        .map(std::sync::Arc::new)
        .collect())
}

pub(super) fn lrm_resource(el: &Element) -> Res<LrmResource> {
    let mut p = Parts::new(el)?;
    let r = LrmResource {
        id: p.required("id"),
        class: p.attr("class"),
        provider: p.attr("provider"),
        agent: p.attr("type"),
        container: p.attr("container"),
        ops: p.children("lrm_rsc_op", lrm_op)?,
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(r)
}

/// An `<lrm_rsc_op>`. Numbers that do not parse (old CIBs are not always
/// tidy) stay in `extra` rather than failing the whole CIB.
pub(super) fn lrm_op(el: &Element) -> Res<LrmOp> {
    let mut p = Parts::new(el)?;
    let op = LrmOp {
        id: p.required("id"),
        operation_key: p.attr("operation_key"),
        operation: p.required("operation"),
        call_id: p.parsed("call-id"),
        rc_code: p.parsed("rc-code"),
        op_status: p.parsed("op-status"),
        interval_ms: p.parsed("interval").unwrap_or(0),
        last_rc_change: p.parsed("last-rc-change"),
        last_run: p.parsed("last-run"),
        exec_time: p.parsed("exec-time"),
        queue_time: p.parsed("queue-time"),
        op_digest: p.attr("op-digest"),
        op_restart_digest: p.attr("op-restart-digest"),
        op_secure_digest: p.attr("op-secure-digest"),
        migrate_source: p.attr("migrate_source"),
        migrate_target: p.attr("migrate_target"),
        transition_key: p.attr("transition-key"),
        transition_magic: p.attr("transition-magic"),
        on_node: p.attr("on_node"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(op)
}

pub(super) fn tickets(el: &Element) -> Res<Vec<TicketState>> {
    let mut p = Parts::new(el)?;
    let list = p.children("ticket_state", ticket_state)?;
    p.nothing_left()?;
    Ok(list)
}

pub(super) fn ticket_state(el: &Element) -> Res<TicketState> {
    let mut p = Parts::new(el)?;
    let t = TicketState {
        id: p.required("id"),
        granted: p.attr("granted"),
        standby: p.attr("standby"),
        last_granted: p.attr("last-granted"),
        extra: p.extra(),
    };
    p.no_unknown()?;
    Ok(t)
}
