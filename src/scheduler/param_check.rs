//! Deferred checks of a bundle connection's history (Pacemaker 2.1.5's
//! `pe__add_param_check` and `check_params`).
//!
//! A bundle replica's connection whose address is `#uname` connects to the
//! node its container runs on. Before placement that address is not known
//! reliably, so comparing its history's digests then would find parameter
//! changes that are not there and clear fail counts for nothing. Pacemaker
//! waits until resources are placed; so does this.

use super::history::{check_action_config, history_digest_cmp};
use super::status::{clear_failcount, failcount};
use super::ws::*;
use crate::cib::model::LrmOp;

/// What to check once resources are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// An active operation: clear the fail count if its definition changed
    /// (`pe_check_active`).
    Active,
    /// A failed start or monitor: clear the fail count if the resource's
    /// parameters changed since (`pe_check_last_failure`).
    LastFailure,
}

/// One deferred check.
#[derive(Debug, Clone)]
pub struct ParamCheck {
    /// The connection resource.
    pub rsc: RscIdx,
    /// The node the history was recorded on.
    pub node: NodeIdx,
    /// The history entry.
    pub op: LrmOp,
    /// What to check.
    pub kind: CheckKind,
}

/// Whether a resource is a bundle connection whose address is filled in
/// from its container's node (`pe__bundle_needs_remote_name`).
pub fn needs_remote_name(ws: &WorkingSet, r: RscIdx) -> bool {
    let rsc = ws.rsc(r);
    rsc.is_remote_node
        && rsc
            .params
            .get("addr")
            .is_some_and(|a| a.eq_ignore_ascii_case("#uname"))
}

/// Records a check for later (`pe__add_param_check`); the newest is
/// checked first, as Pacemaker prepends them.
pub fn defer(ws: &mut WorkingSet, rsc: RscIdx, node: NodeIdx, op: &LrmOp, kind: CheckKind) {
    ws.param_checks.insert(
        0,
        ParamCheck {
            rsc,
            node,
            op: op.clone(),
            kind,
        },
    );
}

/// Runs the deferred checks once resources are placed (`check_params`).
pub fn check_params(ws: &mut WorkingSet) {
    let mut digests = super::digest::Digests::default();
    for c in std::mem::take(&mut ws.param_checks) {
        let clear = match c.kind {
            CheckKind::Active => {
                check_action_config(ws, c.rsc, c.node, &c.op, &mut digests)
                    && failcount(ws, c.rsc, c.node, true, None).value() != 0
            }
            CheckKind::LastFailure => !matches!(
                history_digest_cmp(ws, c.rsc, &c.op, &mut digests),
                super::digest::DigestCmp::Match | super::digest::DigestCmp::Unknown
            ),
        };
        if clear {
            clear_failcount(ws, c.rsc, c.node);
        }
    }
}
