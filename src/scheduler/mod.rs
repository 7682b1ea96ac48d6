//! The policy engine: a pure function from a CIB to a transition graph,
//! following Pacemaker 2.1.5's scheduler phase by phase
//! (`pcmk__schedule_actions` in `pcmk_sched_allocate.c`):
//!
//! 1. [`unpack`] the configuration and [`status`] the history;
//! 2. [`constraints`]: locations, colocations and orderings;
//! 3. [`assign`]: stickiness, failure bans, colocation scores, node choice;
//! 4. [`actions`]: start/stop/monitor/migrate actions, probes, implicit orderings;
//! 5. [`fencing`]: fencing of unclean nodes, shutdowns;
//! 6. [`orderings`]: orderings bound to actions, flags updated until stable;
//! 7. [`graph`]: the transition graph and its execution order.
//!
//! "Now" is an argument: nothing here reads a clock.

pub mod actions;
pub mod assign;
pub mod bundle;
pub mod bundle_sched;
pub mod clone;
pub mod clone_unpack;
pub mod cluster_options;
pub mod colocation;
pub mod constraints;
pub mod digest;
pub mod failcounts;
pub mod fencing;
pub mod graph;
pub mod graph_dot;
pub mod graph_meta;
pub mod graph_xml;
pub mod group_actions;
pub mod health;
pub mod history;
pub mod interleave;
pub mod migration;
pub mod migration_actions;
pub mod node_config;
pub mod node_state;
pub mod notify;
pub mod op_order;
pub mod order_constraints;
pub mod orderings;
pub mod param_check;
pub mod primitive_actions;
pub mod probe_orderings;
pub mod probes;
pub mod promotable;
pub mod recurring;
pub mod remote;
pub mod rsc_lookup;
pub mod rsc_state;
pub mod rules;
pub mod status;
pub mod unfencing;
pub mod unpack;
pub mod update_ordered;
pub mod utilization;
pub mod ws;

use crate::cib::Cib;
pub use graph::Graph;
pub use ws::{ActionIdx, NodeIdx, Role, RscIdx, WorkingSet};

/// What the scheduler decided: the working set (for summaries and scores)
/// and the graph.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Everything known and decided.
    pub ws: WorkingSet,
    /// The transition graph.
    pub graph: Graph,
}

/// "Now" for a CIB: its `execution-date` if set, else the given fallback
/// (seconds since the epoch). Pacemaker falls back to the wall clock; the
/// caller decides here.
pub fn effective_now(cib: &Cib, fallback: i64) -> i64 {
    cib.attr("execution-date")
        .and_then(|v| v.parse().ok())
        .unwrap_or(fallback)
}

/// Unpacks configuration and status only (what `crm_mon` would show).
pub fn unpack_cib(cib: &Cib, now: i64) -> WorkingSet {
    let cib = &*remote::with_guest_connections(cib);
    let config = unpack::unpack_config(cib, now);
    let nodes = unpack::unpack_nodes(cib, &config);
    let mut ws = WorkingSet {
        config,
        nodes,
        rscs: Vec::new(),
        top: Vec::new(),
        actions: Vec::new(),
        orderings: Vec::new(),
        colocations: Vec::new(),
        locations: Vec::new(),
        failcounts: Default::default(),
        warnings: Vec::new(),
        disabled_count: 0,
        blocked_count: 0,
        history: Default::default(),
        failed_probes: Vec::new(),
        rsc_ids: Default::default(),
        forced_restarts: Default::default(),
        recheck_by: None,
        score_log: None,
        bundles: Default::default(),
        stop_needed: Vec::new(),
        param_checks: Vec::new(),
    };
    unpack::unpack_resources(cib, &mut ws);
    // Pacemaker sorts resources by priority (stable) right after unpacking them.
    let mut top = ws.top.clone();
    top.sort_by_key(|&r| std::cmp::Reverse(ws.rsc(r).priority));
    ws.top = top;
    status::unpack_status(cib, &mut ws);
    ws
}

/// Computes the transition for a CIB at time `now` (seconds since the epoch).
pub fn schedule(cib: &Cib, now: i64) -> Transition {
    schedule_with(cib, now, false)
}

/// [`schedule`], recording the scores `crm_simulate -s` shows in
/// `ws.score_log` when `show_scores` (`pe_flag_show_scores`).
pub fn schedule_with(cib: &Cib, now: i64, show_scores: bool) -> Transition {
    // Guests' implicit connection resources are part of the configuration
    // every phase reads.
    let cib = &*remote::with_guest_connections(cib);
    let mut ws = unpack_cib(cib, now);
    if show_scores {
        ws.score_log = Some(Vec::new());
    }
    health::apply_node_health(&mut ws);
    constraints::unpack_constraints(cib, &mut ws);
    assign::apply_node_criteria(&mut ws);
    // Internal constraints (groups add their member colocations here).
    for r in ws.top.clone() {
        match ws.rsc(r).variant {
            ws::Variant::Group => actions::group_internal_constraints(&mut ws, r),
            ws::Variant::Primitive => actions::primitive_internal_constraints(&mut ws, r),
            ws::Variant::Clone { .. } => clone::clone_internal_constraints(&mut ws, r),
            ws::Variant::Bundle => bundle_sched::internal_constraints(&mut ws, r),
        }
    }
    history::handle_rsc_config_changes(cib, &mut ws);
    assign::index_colocations(&mut ws);
    assign::assign_all(&mut ws);
    param_check::check_params(&mut ws);
    if ws.config.startup_probes {
        actions::schedule_probes(&mut ws);
    }
    if ws.config.stop_orphan_resources {
        history::clear_failcounts_if_orphaned(&mut ws);
    }
    for r in ws.top.clone() {
        match ws.rsc(r).variant {
            ws::Variant::Group => actions::group_create_actions(&mut ws, r),
            ws::Variant::Primitive => actions::primitive_create_actions(&mut ws, r),
            ws::Variant::Clone { .. } => clone::clone_create_actions(&mut ws, r),
            ws::Variant::Bundle => bundle_sched::create_actions(&mut ws, r),
        }
    }
    // Before fencing: this is one more place nodes are found to need it.
    remote::order_connection_actions(&mut ws);
    fencing::schedule_fencing_and_shutdowns(&mut ws);
    orderings::apply_orderings(&mut ws);
    clone::expand_clones(&mut ws);
    let graph = graph::build(&ws);
    Transition { ws, graph }
}
