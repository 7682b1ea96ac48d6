//! `crm_simulate`'s own injections into a CIB's status section: the fail
//! counts it prints as it injects them and migrations (Pacemaker's
//! `pcmk_injections.c`; which history entry a result goes to, and clone
//! notifications, are recorded by `simulate::execute`). The editing underneath is the CIB's
//! ([`crate::cib::status_edit`]), shared with the controller.

use std::sync::Arc;

use crate::cib::status_edit::{bump_failcount, node_state, OpResult};
use crate::cib::Cib;

/// The lines `crm_simulate` prints for a fail count it injects, and the
/// injection itself (`pcmk__inject_failcount`): nothing for success, nor for
/// a probe that found the resource not running.
pub fn inject_failcount(cib: &mut Cib, op: &OpResult, out: &mut String) {
    let OpResult {
        node: uname,
        rsc: rsc_id,
        task,
        interval_ms,
        rc,
        now,
        ..
    } = *op;
    if rc == 0 || (rc == 7 && interval_ms == 0) {
        return;
    }
    let Some(st) = node_state(cib, uname) else {
        return;
    };
    let id = st.id.clone();
    out.push_str(&format!(
        "  * Injecting attribute fail-count-{rsc_id}#{task}_{interval_ms}=value++ into /node_state '{id}'\n"
    ));
    out.push_str(&format!(
        "  * Injecting attribute last-failure-{rsc_id}#{task}_{interval_ms}={now} into /node_state '{id}'\n"
    ));
    bump_failcount(cib, uname, rsc_id, task, interval_ms, now);
}

/// Records a migration's source and target on its history entry.
pub fn record_migration(cib: &mut Cib, uname: &str, rsc_id: &str, source: &str, target: &str) {
    let Some(st) = node_state(cib, uname) else {
        return;
    };
    let Some(lrm) = st.lrm.as_mut() else { return };
    let Some(res) = lrm.iter_mut().find(|r| r.id == rsc_id).map(Arc::make_mut) else {
        return;
    };
    if let Some(op) = res
        .ops
        .iter_mut()
        .find(|o| o.id == format!("{rsc_id}_last_0"))
    {
        op.migrate_source = Some(source.to_string());
        op.migrate_target = Some(target.to_string());
    }
}
