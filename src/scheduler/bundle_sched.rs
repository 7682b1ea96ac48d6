//! Scheduling bundles (Pacemaker 2.1.5's `pcmk_sched_bundle.c`): placing
//! the replicas, their actions, the orderings and colocations between a
//! bundle, its containers, addresses, connections and the bundled
//! primitive's instances, and probes.
//!
//! A bundle is scheduled much like a clone whose instances are its
//! containers: the containers are spread over the nodes first, and each
//! replica's address, connection and primitive instance then follow its
//! container.

use super::actions::{order_rsc_actions, probe_rsc_on_node, rsc_pseudo_action};
use super::assign;
use super::ws::order::*;
use super::ws::*;
use crate::cib::Score;

fn data(ws: &WorkingSet, b: RscIdx) -> super::bundle::BundleData {
    ws.bundles.get(&b).cloned().expect("a bundle's data")
}

/// Places a bundle (`pcmk__bundle_allocate`): its containers as clone
/// instances, then per replica the address, the connection and the
/// primitive's instance (which may only go to its own guest node), then
/// the clone of the primitive as a whole.
///
/// Unlike other variants it runs again when asked again (by each resource
/// colocated with the bundle): what is placed stays placed, but the scores
/// are shown each time, as Pacemaker shows them.
pub fn bundle_assign(ws: &mut WorkingSet, b: RscIdx, prefer: Option<NodeIdx>) -> Option<NodeIdx> {
    let d = data(ws, b);
    ws.rsc_mut(b).allocating = true;
    assign::show_node_weights(ws, b, "pcmk__bundle_allocate");
    let containers: Vec<RscIdx> = d.replicas.iter().map(|r| r.container).collect();
    super::clone::distribute_instances(ws, b, containers);
    for rep in &d.replicas {
        if let Some(ip) = rep.ip {
            assign::assign(ws, ip, prefer);
        }
        let host = ws.rsc(rep.container).assigned;
        if let (Some(remote), Some(h)) = (rep.remote, host) {
            if let Some(host_conn) = ws.node(h).remote_rsc {
                // pacemaker-remoted takes one connection only: a replica on
                // a remote node is reached through that node's host.
                super::constraints::new_colocation(
                    ws,
                    Colocation {
                        id: "child-remote-with-docker-remote".to_string(),
                        dependent: remote,
                        primary: host_conn,
                        dependent_role: Role::Unknown,
                        primary_role: Role::Unknown,
                        score: Score::INF,
                        node_attribute: None,
                        influence: true,
                    },
                );
                super::assign::index_colocations(ws);
            }
        }
        if let Some(remote) = rep.remote {
            assign::assign(ws, remote, prefer);
        }
        if let (Some(child), Some(node)) = (rep.child, rep.node) {
            let threshold_ok: Vec<NodeIdx> = ws.rsc(child).allowed.keys().copied().collect();
            for n in threshold_ok {
                let reached = n == node && threshold_reached(ws, child, n);
                if let Some(e) = ws.rsc_mut(child).allowed.get_mut(&n) {
                    if n != node {
                        e.weight = Score::NEG_INF;
                    } else if !reached {
                        e.weight = Score::INF;
                    }
                }
            }
            let clone = ws.rsc(child).parent;
            if let Some(c) = clone {
                ws.rsc_mut(c).allocating = true;
            }
            assign::assign(ws, child, Some(node));
            if let Some(c) = clone {
                ws.rsc_mut(c).allocating = false;
            }
        }
    }
    if let Some(child) = d.child {
        let guests: Vec<NodeIdx> = d.replicas.iter().filter_map(|r| r.node).collect();
        for (n, e) in ws.rsc_mut(child).allowed.iter_mut() {
            e.weight = if guests.contains(n) {
                Score::ZERO
            } else {
                Score::NEG_INF
            };
        }
        assign::assign(ws, child, prefer);
    }
    let rsc = ws.rsc_mut(b);
    rsc.allocating = false;
    rsc.provisional = false;
    None
}

/// Whether a resource has failed too often on a node to run there
/// (`pcmk__threshold_reached`).
fn threshold_reached(ws: &WorkingSet, r: RscIdx, n: NodeIdx) -> bool {
    let threshold = ws.rsc(r).migration_threshold;
    if threshold <= 0 {
        return false;
    }
    let id = super::status::clone_strip(&ws.rsc(r).id).to_string();
    ws.failcounts
        .iter()
        .filter(|((rid, node), _)| *node == n && super::status::clone_strip(rid) == id)
        .map(|(_, (c, _))| c.value())
        .sum::<i32>()
        >= threshold
}

/// Whether a container (or anything below it) is starting or stopping.
fn replica_status(
    ws: &WorkingSet,
    r: RscIdx,
    starting: &mut bool,
    stopping: &mut bool,
    active: &mut bool,
) {
    let rsc = ws.rsc(r);
    if !rsc.running_on.is_empty() {
        *active = true;
    }
    for &a in &rsc.actions {
        let act = ws.action(a);
        if act.optional || !(act.pseudo || act.runnable) {
            continue;
        }
        if act.task == "stop" {
            *stopping = true;
        } else if act.task == "start" && act.runnable {
            *starting = true;
        }
    }
}

/// Creates a bundle's actions (`pcmk__bundle_create_actions`): each
/// replica's, the bundle's own start/running/stop/stopped pseudo actions
/// summarising its containers, then the primitive clone's (and, when it is
/// promotable, the bundle's promote and demote pseudo actions).
pub fn create_actions(ws: &mut WorkingSet, b: RscIdx) {
    let d = data(ws, b);
    for rep in &d.replicas {
        for r in [rep.ip, Some(rep.container), rep.remote]
            .into_iter()
            .flatten()
        {
            super::actions::primitive_create_actions(ws, r);
        }
    }
    let (mut starting, mut stopping, mut active) = (false, false, false);
    for rep in &d.replicas {
        replica_status(ws, rep.container, &mut starting, &mut stopping, &mut active);
    }
    rsc_pseudo_action(ws, b, "start", !starting, true);
    let running = rsc_pseudo_action(ws, b, "running", !starting, false);
    if active || starting {
        ws.action_mut(running).runnable = true;
    }
    let stop = rsc_pseudo_action(ws, b, "stop", !stopping, true);
    rsc_pseudo_action(ws, b, "stopped", !stopping, true);
    ws.action_mut(stop).migrate_runnable = true;
    if let Some(child) = d.child {
        super::clone::clone_create_actions(ws, child);
        if super::clone::is_promotable(ws, child) {
            for task in ["promote", "promoted", "demote", "demoted"] {
                rsc_pseudo_action(ws, b, task, true, true);
            }
        }
    }
}

/// A bundle's implicit orderings and colocations
/// (`pcmk__bundle_internal_constraints`).
pub fn internal_constraints(ws: &mut WorkingSet, b: RscIdx) {
    let d = data(ws, b);
    if let Some(child) = d.child {
        order_rsc_actions(ws, b, "start", child, "start", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(ws, b, "stop", child, "stop", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(ws, child, "running", b, "running", IMPLIES_THEN_PRINTED);
        order_rsc_actions(ws, child, "stopped", b, "stopped", IMPLIES_THEN_PRINTED);
    }
    for rep in &d.replicas {
        let c = rep.container;
        super::actions::primitive_internal_constraints(ws, c);
        order_rsc_actions(
            ws,
            b,
            "start",
            c,
            "start",
            RUNNABLE_LEFT | IMPLIES_FIRST_PRINTED,
        );
        if let Some(child) = rep.child {
            order_rsc_actions(ws, b, "stop", child, "stop", IMPLIES_FIRST_PRINTED);
        }
        order_rsc_actions(ws, b, "stop", c, "stop", IMPLIES_FIRST_PRINTED);
        order_rsc_actions(ws, c, "start", b, "running", IMPLIES_THEN_PRINTED);
        order_rsc_actions(ws, c, "stop", b, "stopped", IMPLIES_THEN_PRINTED);
        if let Some(ip) = rep.ip {
            super::actions::primitive_internal_constraints(ws, ip);
            order_rsc_actions(ws, ip, "start", c, "start", RUNNABLE_LEFT);
            order_rsc_actions(ws, c, "stop", ip, "stop", IMPLIES_FIRST);
            super::constraints::new_colocation(
                ws,
                Colocation {
                    id: "ip-with-docker".to_string(),
                    dependent: ip,
                    primary: c,
                    dependent_role: Role::Unknown,
                    primary_role: Role::Unknown,
                    score: Score::INF,
                    node_attribute: None,
                    influence: true,
                },
            );
        }
        if let Some(remote) = rep.remote {
            super::actions::primitive_internal_constraints(ws, remote);
        }
    }
    if let Some(child) = d.child {
        super::clone::clone_internal_constraints(ws, child);
        if super::clone::is_promotable(ws, child) {
            // `pcmk__promotable_restart_ordering`: start and promote after
            // every instance is stopped and demoted, promote after every
            // one is started, demote before demoted.
            for (first, then) in [
                ("stopped", "start"),
                ("stopped", "promote"),
                ("demoted", "stop"),
                ("demoted", "start"),
                ("demoted", "promote"),
                ("running", "promote"),
                ("demote", "demoted"),
            ] {
                order_rsc_actions(ws, b, first, b, then, OPTIONAL);
            }
            order_rsc_actions(ws, child, "demoted", b, "demoted", IMPLIES_THEN_PRINTED);
            order_rsc_actions(ws, b, "demote", child, "demote", IMPLIES_FIRST_PRINTED);
            order_rsc_actions(ws, child, "promoted", b, "promoted", IMPLIES_THEN_PRINTED);
            order_rsc_actions(ws, b, "promote", child, "promote", IMPLIES_FIRST_PRINTED);
        }
    }
}

/// Applies a colocation with a bundle as the primary once the bundle is
/// placed (`pcmk__bundle_apply_coloc_score`): a finite score counts each
/// container's node; a mandatory one allows only the nodes of containers
/// that will run (holding a promoted instance, for a colocation with the
/// promoted role).
pub fn apply_coloc_score(ws: &mut WorkingSet, dependent: RscIdx, primary: RscIdx, c: &Colocation) {
    if ws.rsc(primary).provisional {
        return;
    }
    if !matches!(
        ws.rsc(dependent).variant,
        Variant::Primitive | Variant::Group
    ) {
        // Collective dependents pair instance by instance; pacesim does
        // not place them against bundles yet.
        return;
    }
    let d = data(ws, primary);
    let mut allowed: Vec<NodeIdx> = Vec::new();
    for rep in &d.replicas {
        if !c.score.is_inf() {
            assign::apply_coloc_score(ws, dependent, rep.container, c);
            continue;
        }
        let Some(chosen) = super::clone::location(ws, rep.container, false) else {
            continue;
        };
        if ws.rsc(rep.container).blocked {
            continue;
        }
        if c.primary_role >= Role::Promoted
            && rep
                .child
                .is_none_or(|ch| ws.rsc(ch).next_role < Role::Promoted)
        {
            continue;
        }
        allowed.push(chosen);
    }
    if c.score.is_inf() {
        for (n, e) in ws.rsc_mut(dependent).allowed.iter_mut() {
            if !allowed.contains(n) {
                e.weight = Score::NEG_INF;
            }
        }
    }
}

/// Probes a bundle's replicas on a node (`pcmk__bundle_create_probe`).
/// With one replica per host, no container starts before every other
/// container's probe there: copies must not run twice on a host.
pub fn create_probe(ws: &mut WorkingSet, b: RscIdx, n: NodeIdx) -> bool {
    let d = data(ws, b);
    let mut any = false;
    for rep in &d.replicas {
        if let Some(ip) = rep.ip {
            any |= probe_rsc_on_node(ws, ip, n);
        }
        if let (Some(child), Some(node)) = (rep.child, rep.node) {
            if node == n {
                any |= probe_rsc_on_node(ws, child, n);
            }
        }
        if probe_rsc_on_node(ws, rep.container, n) {
            any = true;
            if d.nreplicas_per_host == 1 {
                for other in &d.replicas {
                    if other.container == rep.container {
                        continue;
                    }
                    let fk = super::actions::op_key(&ws.rsc(rep.container).id, "monitor", 0);
                    let tk = super::actions::op_key(&ws.rsc(other.container).id, "start", 0);
                    super::actions::new_ordering(
                        ws,
                        Ordering {
                            first_rsc: Some(rep.container),
                            first_task: Some(fk),
                            first_action: None,
                            then_rsc: Some(other.container),
                            then_task: Some(tk),
                            then_action: None,
                            flags: OPTIONAL | SAME_NODE,
                        },
                    );
                }
            }
        }
        if let Some(remote) = rep.remote {
            if probe_rsc_on_node(ws, remote, n) {
                let key = super::actions::op_key(&ws.rsc(remote).id, "monitor", 0);
                let probe = ws
                    .rsc(remote)
                    .actions
                    .iter()
                    .copied()
                    .find(|&a| ws.action(a).key == key && ws.action(a).node == Some(n));
                if let Some(p) = probe {
                    any = true;
                    let fk = super::actions::op_key(&ws.rsc(rep.container).id, "start", 0);
                    super::actions::new_ordering(
                        ws,
                        Ordering {
                            first_rsc: Some(rep.container),
                            first_task: Some(fk),
                            first_action: None,
                            then_rsc: Some(remote),
                            then_task: None,
                            then_action: Some(p),
                            flags: PROBE,
                        },
                    );
                }
            }
        }
    }
    any
}

/// A node attribute as a resource sees it (`pe_node_attribute_calculated`):
/// a bundled resource whose `container-attribute-target` is `host` reads
/// the attributes of the node its guest's container runs on, because such
/// a resource keeps its state (a database's promotion score, say) on the
/// host's storage rather than in the container.
pub fn node_attribute_calculated<'a>(
    ws: &'a WorkingSet,
    n: NodeIdx,
    name: &str,
    rsc: RscIdx,
) -> Option<&'a String> {
    let to_host = ws
        .rsc(rsc)
        .meta
        .get("container-attribute-target")
        .is_some_and(|v| v.eq_ignore_ascii_case("host"));
    if !to_host {
        return ws.node(n).attrs.get(name);
    }
    let container = ws.node(n).remote_rsc.and_then(|c| ws.rsc(c).container)?;
    let host = *ws.rsc(container).running_on.first()?;
    ws.node(host).attrs.get(name)
}
