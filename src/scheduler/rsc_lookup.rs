//! Which resource a history entry belongs to: an anonymous clone's history
//! names the clone's child without an instance number, so an instance must
//! be found or made for it (`find_anonymous_clone` and `unpack_find_resource`
//! of Pacemaker's `lib/pengine/unpack.c`, `clone_strip`).

use super::ws::*;
use crate::cib::Cib;

/// An instance id without its `:N` suffix (`clone_strip`).
pub fn clone_strip(id: &str) -> &str {
    match id.rsplit_once(':') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => id,
    }
}

/// Whether a resource is an anonymous (not globally-unique) clone.
pub fn is_anon_clone(ws: &WorkingSet, r: RscIdx) -> bool {
    ws.rsc(r).clone.as_ref().is_some_and(|d| !d.unique)
}

/// Every resource of an instance (itself, or a cloned group's members)
/// whose id without the instance number is `base` (`find_rsc` with
/// `pe_find_clone`).
fn find_in_instance(ws: &WorkingSet, inst: RscIdx, base: &str) -> Option<RscIdx> {
    if ws.rsc(inst).children.is_empty() {
        return (clone_strip(&ws.rsc(inst).id) == base).then_some(inst);
    }
    ws.rsc(inst)
        .children
        .iter()
        .copied()
        .find(|&m| clone_strip(&ws.rsc(m).id) == base)
}

/// The first of the nodes where an instance is (or is about to be) active
/// while the status is being unpacked (`native_location` with
/// `current == 2`: only whether there is one, and which comes first, is
/// asked, so the list is not gathered).
fn first_location(ws: &WorkingSet, inst: RscIdx) -> Option<NodeIdx> {
    std::iter::once(inst)
        .chain(ws.rsc(inst).children.iter().copied())
        .map(|p| ws.rsc(p))
        .filter(|rsc| rsc.children.is_empty())
        .find_map(|rsc| rsc.running_on.first().or(rsc.pending_node.as_ref()))
        .copied()
}

/// Maps a history entry of an anonymous clone to one of its instances: the
/// instance already active on this node, else the first inactive one, else
/// a new orphan instance (`find_anonymous_clone`).
fn find_anonymous_clone(
    cib: &Cib,
    ws: &mut WorkingSet,
    n: NodeIdx,
    clone: RscIdx,
    base: &str,
) -> Option<RscIdx> {
    let mut found: Option<RscIdx> = None;
    let mut inactive: Option<RscIdx> = None;
    let mut skip_inactive = false;
    // Instances read in place: nothing below changes the list.
    for i in 0..ws.rsc(clone).children.len() {
        let inst = ws.rsc(clone).children[i];
        if found.is_some() {
            break;
        }
        if let Some(first) = first_location(ws, inst) {
            if first == n {
                if let Some(r) = find_in_instance(ws, inst, base) {
                    if !ws.rsc(r).running_on.is_empty() {
                        // A second history of the same anonymous clone on
                        // one node: an orphan.
                        skip_inactive = true;
                    } else {
                        found = Some(r);
                    }
                }
            }
        } else if !skip_inactive && inactive.is_none() && !ws.rsc(inst).blocked {
            inactive = find_in_instance(ws, inst, base);
            if let Some(i) = inactive {
                if ws.rsc(i).pending_node.is_some_and(|p| p != n) {
                    inactive = None;
                }
            }
        }
    }
    if found.is_none() && !skip_inactive {
        found = inactive;
    }
    // Instances that need no fencing are not held by unclean nodes, unless
    // the clone runs everywhere.
    if let Some(r) = found {
        let node = ws.node(n);
        let universal = ws
            .rsc(clone)
            .clone
            .as_ref()
            .is_some_and(|d| d.clone_max == ws.nodes.len());
        if !ws.rsc(r).needs_fencing && (!node.online || node.unclean) && !universal {
            found = None;
        }
    }
    if found.is_none() {
        // `create_anonymous_orphan`
        let child = cib.configuration.resources.iter().find_map(|r| match r {
            crate::cib::Resource::Clone(c) if c.id == ws.rsc(clone).id => Some(&*c.child),
            _ => None,
        })?;
        let templates = super::unpack::templates_of(cib);
        let inst = super::unpack::create_clone_instance(cib, ws, clone, child, &templates)?;
        found = find_in_instance(ws, inst, base);
    }
    found
}

/// Finds the resource a history entry is for (`unpack_find_resource`):
/// by id, or as an instance of a clone; anonymous clones' entries are
/// mapped to instances by [`find_anonymous_clone`].
pub(super) fn unpack_find_resource(
    cib: &Cib,
    ws: &mut WorkingSet,
    n: NodeIdx,
    id: &str,
) -> Option<RscIdx> {
    // The first resource with this id or this history name.
    let by_name = ws
        .rscs
        .iter()
        .position(|r| r.clone_name.as_deref() == Some(id))
        .map(RscIdx);
    let direct = match (ws.find_rsc(id), by_name) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (rsc, parent) = match direct {
        Some(r) if !ws.rsc(r).children.is_empty() => return None,
        Some(r) if ws.rsc(r).parent.is_none() => (Some(r), None),
        Some(r) => (Some(r), Some(ws.top_parent(r))),
        None => {
            let base = clone_strip(id);
            let mut zero = String::with_capacity(base.len() + 2);
            zero.push_str(base);
            zero.push_str(":0");
            match ws.find_rsc(&zero) {
                Some(z) if !is_anon_clone(ws, ws.top_parent(z)) => (None, None),
                Some(z) => (Some(z), Some(ws.top_parent(z))),
                None => (None, None),
            }
        }
    };
    let mut rsc = rsc;
    if let Some(p) = parent {
        if is_anon_clone(ws, p) {
            rsc = match ws.rsc(p).parent {
                // A bundle's instances are tied to their guest nodes
                // (`pe__find_bundle_replica`).
                Some(b) if ws.rsc(b).variant == Variant::Bundle => ws
                    .bundles
                    .get(&b)
                    .and_then(|d| d.replicas.iter().find(|r| r.node == Some(n)))
                    .and_then(|r| r.child),
                _ => find_anonymous_clone(cib, ws, n, p, clone_strip(id)),
            };
        }
    }
    if let Some(r) = rsc {
        if ws.rsc(r).id != id && ws.rsc(r).clone_name.as_deref() != Some(id) {
            ws.rsc_mut(r).clone_name = Some(id.to_string());
        }
    }
    rsc
}
