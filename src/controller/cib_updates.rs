//! The changes the DC makes to its CIB: node states as the join protocol
//! and membership decide them, operation results and fail counts, fencing
//! confirmations, node attributes, and the version counters.
//!
//! Pacemaker spreads these over the controller (`controld_join_dc.c`,
//! `controld_te_callbacks.c`, `controld_fencing.c`) and the attribute
//! manager; here the DC applies them to its own copy and syncs the result.
//! The history entries are written as `crm_simulate` writes them
//! ([`crate::cib::status_edit::record_op`]), with the op digest the real
//! controller adds, so that a changed definition restarts the resource.

use crate::cib::status_edit::{self, OpResult};
use crate::cib::{Cib, Score};

use super::OpRecord;

/// A CIB's version, `admin_epoch.epoch.num_updates`, compared in that
/// order: the CIB with the greatest wins at a join (`cib_compare_generation`).
///
/// The controller keeps it typed beside every CIB it holds or sends, read
/// from the `<cib>` attributes once when a CIB comes from outside (disk,
/// scenario) and advanced with the attributes by [`bump_epoch`] and
/// [`bump_updates`], so nothing re-parses the strings on every input.
/// Fields in comparison order: the derived `Ord` is the version order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Generation {
    /// Raised only by an administrator: beats any `epoch`.
    pub admin_epoch: u64,
    /// Raised by every configuration change.
    pub epoch: u64,
    /// Raised by every status change; back to 0 with a new `epoch`.
    pub num_updates: u64,
}

impl Generation {
    /// Reads a CIB's generation from its attributes (absent or unreadable
    /// counters count as 0).
    pub fn of(cib: &Cib) -> Generation {
        let num = |name: &str| cib.attr(name).and_then(|v| v.parse().ok()).unwrap_or(0);
        Generation {
            admin_epoch: num("admin_epoch"),
            epoch: num("epoch"),
            num_updates: num("num_updates"),
        }
    }

    /// Whether both have the same configuration (`num_updates` aside).
    pub fn same_configuration(&self, other: &Generation) -> bool {
        (self.admin_epoch, self.epoch) == (other.admin_epoch, other.epoch)
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.admin_epoch, self.epoch, self.num_updates
        )
    }
}

/// Sets an attribute of `<cib>`.
pub fn set_cib_attr(cib: &mut Cib, name: &str, value: &str) {
    status_edit::set_attr(&mut cib.attrs, name, value);
}

/// A configuration change to a CIB of generation `g`: `epoch` grows,
/// `num_updates` restarts; the new generation.
pub fn bump_epoch(cib: &mut Cib, g: Generation) -> Generation {
    let g = Generation {
        epoch: g.epoch + 1,
        num_updates: 0,
        ..g
    };
    set_cib_attr(cib, "epoch", &g.epoch.to_string());
    set_cib_attr(cib, "num_updates", "0");
    g
}

/// A status change to a CIB of generation `g`: `num_updates` grows; the
/// new generation.
pub fn bump_updates(cib: &mut Cib, g: Generation) -> Generation {
    let g = Generation {
        num_updates: g.num_updates + 1,
        ..g
    };
    set_cib_attr(cib, "num_updates", &g.num_updates.to_string());
    g
}

/// How the DC sees a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeView {
    /// In the membership, controller joined (`member`/`member`).
    Joined,
    /// Gone without asking: it must be fenced (`expected` stays as it was).
    Lost,
    /// Gone after a clean shutdown, or fenced: safely down.
    Down,
}

/// Writes a node's `node_state` flags.
pub fn set_node_view(cib: &mut Cib, uname: &str, view: NodeView) {
    match view {
        NodeView::Joined => {
            status_edit::node_state_change(cib, uname, true);
        }
        NodeView::Down => {
            status_edit::node_state_change(cib, uname, false);
        }
        NodeView::Lost => {
            // Down, but `expected` left as it was: what makes the
            // scheduler fence it.
            if let Some(st) = status_edit::node_state(cib, uname) {
                st.in_ccm = Some("false".into());
                st.crmd = Some("offline".into());
                st.join = Some("down".into());
            }
        }
    }
}

/// Writes the DC's own view of every node (`in_ccm`, `crmd`, `join`,
/// `expected`) over a CIB taken from another node at a join. The synced
/// CIB may come from a node that was alone and knows nothing of the
/// others (a fenced node that rebooted into a partition of its own); the
/// DC's peer cache is what says which node is up and which is expected to
/// be. Pacemaker's `populate_cib_nodes(node_update_quick|node_update_all)`
/// on the way from S_FINALIZE_JOIN to S_POLICY_ENGINE: without it a node
/// that was running resources and is lost before it confirms the join
/// would look cleanly down, and its resources would be started elsewhere
/// without fencing it.
pub fn keep_peer_view(cib: &mut Cib, view: &Cib) {
    for own in &view.status.node_states {
        let Some(uname) = own.uname.as_deref() else {
            continue;
        };
        if let Some(st) = status_edit::node_state(cib, uname) {
            st.in_ccm.clone_from(&own.in_ccm);
            st.crmd.clone_from(&own.crmd);
            st.join.clone_from(&own.join);
            st.expected.clone_from(&own.expected);
        }
    }
}

/// A node was fenced (or left cleanly): its services are gone, and so are
/// its history and transient attributes.
pub fn node_down_clean(cib: &mut Cib, uname: &str) {
    set_node_view(cib, uname, NodeView::Down);
    status_edit::clear_node_history(cib, uname);
}

/// Forgets a node's resource history (a joining node reports its own).
pub fn clear_lrm(cib: &mut Cib, uname: &str) {
    if let Some(st) = status_edit::node_state(cib, uname) {
        st.lrm = Some(Vec::new());
    }
}

/// A transient node attribute (`attrd_updater`), `None` to delete it.
pub fn set_transient(cib: &mut Cib, uname: &str, name: &str, value: Option<&str>) {
    let Some(st) = status_edit::node_state(cib, uname) else {
        return;
    };
    let set = status_edit::transient_set(st);
    match value {
        None => set.pairs.retain(|p| p.name != name),
        Some(v) => status_edit::set_pair(set, name, v.to_string()),
    }
}

/// Forgets every transient attribute of a node.
pub fn clear_transient(cib: &mut Cib, uname: &str) {
    if let Some(st) = status_edit::node_state(cib, uname) {
        st.transient.clear();
    }
}

/// A transient attribute's value.
pub fn transient(cib: &Cib, uname: &str, name: &str) -> Option<String> {
    let st = cib
        .status
        .node_states
        .iter()
        .find(|s| s.uname.as_deref() == Some(uname))?;
    st.transient
        .iter()
        .flat_map(|s| s.pairs.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

/// Whether a result counts as a failure for the fail count: not for a
/// probe that found the resource stopped or running (that is information,
/// not failure), nor for a cancelled op.
pub fn counts_as_failure(r: &OpRecord) -> bool {
    use crate::executor::OpStatus;
    if matches!(r.status, OpStatus::Cancelled | OpStatus::Pending) {
        return false;
    }
    let probe = r.task == "monitor" && r.interval_ms == 0;
    if probe {
        return !matches!(r.rc, 0 | 7 | 8);
    }
    r.rc != r.expected_rc
}

/// Records a result in the node's history, and the fail count it implies
/// (a failed start is fatal by default: `start-failure-is-fatal`).
pub fn record_result(cib: &mut Cib, r: &OpRecord, now_secs: i64, count_failures: bool) {
    if r.status == crate::executor::OpStatus::Cancelled {
        return;
    }
    // A pending operation is written where its result will go (`_last_0`),
    // not as a failure: its code is set after.
    let rc = match r.status {
        crate::executor::OpStatus::TimedOut => 1,
        crate::executor::OpStatus::Pending => r.expected_rc,
        _ => r.rc,
    };
    let result = OpResult {
        node: &r.node,
        rsc: &r.rsc,
        task: &r.task,
        interval_ms: r.interval_ms,
        rc,
        target_rc: r.expected_rc,
        now: now_secs,
    };
    // What `status_edit::record_op` does, keeping the entry found for the
    // controller's bookkeeping that crm_simulate leaves out, on the entries
    // just written (they carry the resource's newest call id).
    if let Some(res) = status_edit::history_entry(cib, &r.node, &r.rsc) {
        status_edit::record_result(res, &result, None);
        let newest = res.ops.iter().filter_map(|o| o.call_id).max();
        for op in res.ops.iter_mut().filter(|o| o.call_id == newest) {
            match r.status {
                crate::executor::OpStatus::TimedOut => op.op_status = Some(2),
                crate::executor::OpStatus::Pending => {
                    op.op_status = Some(-1);
                    op.rc_code = Some(r.rc);
                }
                _ => {}
            }
            if let Some(d) = &r.digest {
                match &mut op.op_digest {
                    Some(old) => old.clone_from(d),
                    None => op.op_digest = Some(d.clone()),
                }
            }
        }
    }
    if count_failures && counts_as_failure(r) {
        let fatal = r.task == "start" && r.start_failure_is_fatal;
        if fatal {
            let name = format!("fail-count-{}#{}_{}", r.rsc, r.task, r.interval_ms);
            set_transient(cib, &r.node, &name, Some(&Score::INF.to_string()));
            let lf = format!("last-failure-{}#{}_{}", r.rsc, r.task, r.interval_ms);
            set_transient(cib, &r.node, &lf, Some(&now_secs.to_string()));
        } else {
            status_edit::bump_failcount(cib, &r.node, &r.rsc, &r.task, r.interval_ms, now_secs);
        }
    }
}

/// Removes every fail count of a resource on a node (`clear_failcount`).
pub fn clear_failcount(cib: &mut Cib, uname: &str, rsc: &str) {
    let Some(st) = status_edit::node_state(cib, uname) else {
        return;
    };
    let fc = format!("fail-count-{rsc}#");
    let lf = format!("last-failure-{rsc}#");
    for set in &mut st.transient {
        set.pairs
            .retain(|p| !p.name.starts_with(&fc) && !p.name.starts_with(&lf));
    }
}

/// Removes a resource's history on a node (`lrm_delete`).
pub fn delete_history(cib: &mut Cib, uname: &str, rsc: &str) {
    if let Some(st) = status_edit::node_state(cib, uname) {
        if let Some(l) = st.lrm.as_mut() {
            l.retain(|r| r.id != rsc);
        }
    }
}
