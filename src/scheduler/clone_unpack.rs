//! Unpacking a clone: its settings from its meta-attributes and its
//! `clone-max` numbered instances, each unpacked like a standalone child.
//! Mirrors `clone_unpack` and `pe__create_clone_child` of Pacemaker's
//! `lib/pengine/clone.c`.

use std::collections::BTreeMap;

use super::rules::{is_true, unpack_nvsets};
use super::unpack::{
    apply_rsc_defaults, find_nvset, new_rsc, resolved_sets, rsc_ctx, templates_of, unpack_group,
    unpack_primitive_as, Inherited, RscDef,
};
use super::ws::*;
use crate::cib::{self, Cib, Resource, Score};

/// Reads a clone's settings from its meta-attributes (`clone_unpack`).
fn clone_data(meta: &BTreeMap<String, String>, n_nodes: usize) -> CloneData {
    let get = |k: &str| meta.get(k).map(String::as_str);
    let int = |v: Option<&str>, default: usize| -> usize {
        match v {
            Some(v) => {
                let s = Score::parse_lenient(v).value();
                if s < 0 {
                    0
                } else {
                    s as usize
                }
            }
            None => default,
        }
    };
    let flag = |k: &str| get(k).map(is_true).unwrap_or(false);
    CloneData {
        clone_max: int(get("clone-max"), n_nodes.max(1)),
        clone_node_max: int(get("clone-node-max"), 1),
        promoted_max: int(get("promoted-max").or(get("master-max")), 1),
        promoted_node_max: int(get("promoted-node-max").or(get("master-node-max")), 1),
        unique: flag("globally-unique"),
        interleave: flag("interleave"),
        ordered: flag("ordered"),
        notify: flag("notify"),
        total: 0,
        counts: BTreeMap::new(),
        notifs: BTreeMap::new(),
    }
}

/// Unpacks a clone and creates its `clone-max` instances, `child:0`,
/// `child:1`, ... (`clone_unpack`, `pe__create_clone_child`). Instances
/// inherit the clone's meta-attributes, and a clone is sticky by default.
pub(super) fn unpack_clone(
    cib: &Cib,
    ws: &mut WorkingSet,
    c: &cib::Clone,
    templates: &BTreeMap<&str, &cib::Primitive>,
) -> RscIdx {
    unpack_clone_with_parent(cib, ws, c, templates, None)
}

/// A clone inside a bundle.
pub(crate) fn unpack_clone_in(
    cib: &Cib,
    ws: &mut WorkingSet,
    c: &cib::Clone,
    parent: Option<RscIdx>,
) -> RscIdx {
    let templates = templates_of(cib);
    unpack_clone_with_parent(cib, ws, c, &templates, parent)
}

fn unpack_clone_with_parent(
    cib: &Cib,
    ws: &mut WorkingSet,
    c: &cib::Clone,
    templates: &BTreeMap<&str, &cib::Primitive>,
    parent: Option<RscIdx>,
) -> RscIdx {
    let resolve = |id: &str| find_nvset(cib, id);
    let ctx = rsc_ctx(ws.config.now);
    let mut meta = BTreeMap::new();
    unpack_nvsets(&c.meta, &ctx, None, &resolve, &mut meta);
    apply_rsc_defaults(cib, &ctx, &mut meta);
    meta.entry("resource-stickiness".to_string())
        .or_insert_with(|| "1".to_string());
    let mut params = BTreeMap::new();
    unpack_nvsets(&c.instance, &ctx, None, &resolve, &mut params);
    let promotable = c.legacy_master || meta.get("promotable").map(|v| is_true(v)).unwrap_or(false);
    // Nodes of orphaned remote connections are only created while the
    // status is read (`create_fake_resource`), after every clone's default
    // clone-max is fixed.
    let orphaned = ws.nodes.iter().filter(|n| n.from_orphan).count();
    let known = super::bundle::nodes_known_so_far(cib, ws).saturating_sub(orphaned);
    let mut data = clone_data(&meta, known);
    if data.unique {
        // Agents of classes without instance support can only be cloned
        // anonymously (`pe__force_anon`).
        let prims: Vec<&cib::Primitive> = match &*c.child {
            Resource::Primitive(p) => vec![p],
            Resource::Group(g) => g.members.iter().collect(),
            _ => Vec::new(),
        };
        let templates = templates_of(cib);
        let class_of = |p: &cib::Primitive| {
            p.class
                .clone()
                .or_else(|| {
                    p.template
                        .as_deref()
                        .and_then(|t| templates.get(t))
                        .and_then(|t| t.class.clone())
                })
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        if let Some(p) = prims
            .iter()
            .find(|p| !matches!(class_of(p).as_str(), "ocf" | "stonith" | "nagios"))
        {
            ws.warnings.push(format!(
                "Ignoring globally-unique for {} because {} resources such as {} can be used only as anonymous clones",
                c.id,
                class_of(p),
                p.id
            ));
            data.unique = false;
            data.clone_node_max = 1;
            data.clone_max = data.clone_max.min(ws.nodes.len());
            meta.insert("globally-unique".into(), "false".into());
        }
    }
    let idx = new_rsc(
        ws,
        RscDef {
            id: &c.id,
            variant: Variant::Clone { promotable },
            parent,
            meta,
            params,
            agent: String::new(),
            ops: Vec::new(),
        },
    );
    ws.rsc_mut(idx).clone = Some(data.clone());
    ws.rsc_mut(idx).param_sets = resolved_sets(cib, &c.instance);
    // Even without instances, one (orphan) instance is there for history
    // entries to match.
    let first = create_clone_instance(cib, ws, idx, &c.child, templates);
    for _ in 1..data.clone_max.max(1) {
        match (first, &*c.child) {
            (Some(first), Resource::Primitive(p)) => {
                copy_primitive_instance(ws, idx, first, &p.id);
            }
            _ => {
                create_clone_instance(cib, ws, idx, &c.child, templates);
            }
        }
    }
    idx
}

/// The next instance of a clone of a primitive, copied from its freshly
/// unpacked first instance: unpacking depends on nothing but the instance
/// number in the id, and copying costs a fraction of unpacking again
/// (meta-attributes, parameters and operations with their rules). Only for
/// instances within `clone-max` made right after the first, while no
/// status has been read into it.
fn copy_primitive_instance(ws: &mut WorkingSet, clone: RscIdx, first: RscIdx, child_id: &str) {
    let Some(n) = ws.rsc(clone).clone.as_ref().map(|d| d.total) else {
        return;
    };
    let mut rsc = ws.rsc(first).clone();
    rsc.id = instance_id(child_id, n);
    let inst = ws.add_rsc(rsc);
    if let Some(d) = ws.rsc_mut(clone).clone.as_mut() {
        d.total += 1;
    }
    ws.rsc_mut(clone).children.push(inst);
}

/// An instance's id, `<id>:<n>` (written by hand, as
/// [`super::actions::op_key`] is: `format!` costs more than the rest).
fn instance_id(id: &str, n: usize) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    out.push_str(id);
    out.push(':');
    crate::cib::values::push_u64(&mut out, n as u64);
    out
}

/// Creates the next instance of a clone (`pe__create_clone_child`); one
/// beyond `clone-max` is an orphan.
pub fn create_clone_instance(
    cib: &Cib,
    ws: &mut WorkingSet,
    clone: RscIdx,
    child: &Resource,
    templates: &BTreeMap<&str, &cib::Primitive>,
) -> Option<RscIdx> {
    let (n, clone_max) = ws
        .rsc(clone)
        .clone
        .as_ref()
        .map(|d| (d.total, d.clone_max))?;
    let meta = ws.rsc(clone).meta.clone();
    let params = ws.rsc(clone).params.clone();
    let inherited = Inherited {
        meta: &meta,
        params: &params,
    };
    let inst = match child {
        Resource::Primitive(p) => {
            let id = instance_id(&p.id, n);
            unpack_primitive_as(cib, ws, p, &id, templates, Some(clone), &inherited)
        }
        Resource::Group(g) => {
            let mut g = g.clone();
            g.id = instance_id(&g.id, n);
            for m in &mut g.members {
                m.id = instance_id(&m.id, n);
            }
            unpack_group(cib, ws, &g, templates, Some(clone), &inherited)
        }
        _ => return None,
    };
    if let Some(d) = ws.rsc_mut(clone).clone.as_mut() {
        d.total += 1;
    }
    ws.rsc_mut(clone).children.push(inst);
    if n >= clone_max {
        for r in std::iter::once(inst).chain(ws.rsc(inst).children.clone()) {
            ws.rsc_mut(r).orphan = true;
        }
    }
    Some(inst)
}
