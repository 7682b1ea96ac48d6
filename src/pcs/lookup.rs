//! Finding a configured resource by id, through groups and clones, and
//! what kind of resource it is.

use crate::cib::{Clone as CloneRes, Group, Primitive, Resource};

/// A resource found by id, with what contains it.
pub(super) enum Found<'a> {
    Prim(&'a mut Primitive),
    Group(&'a mut Group),
    Clone(&'a mut CloneRes),
    Other,
}

pub(super) fn find<'a>(rs: &'a mut [Resource], id: &str) -> Option<Found<'a>> {
    for r in rs.iter_mut() {
        if let Some(f) = find_in(r, id) {
            return Some(f);
        }
    }
    None
}

pub(super) fn find_in<'a>(r: &'a mut Resource, id: &str) -> Option<Found<'a>> {
    match r {
        Resource::Primitive(p) => (p.id == id).then_some(Found::Prim(p)),
        Resource::Template(p) => (p.id == id).then_some(Found::Other),
        Resource::Group(g) => {
            if g.id == id {
                return Some(Found::Group(g));
            }
            g.members.iter_mut().find(|m| m.id == id).map(Found::Prim)
        }
        Resource::Clone(c) => {
            if c.id == id {
                return Some(Found::Clone(c));
            }
            find_in(&mut c.child, id)
        }
        Resource::Bundle(b) => {
            if b.id == id {
                return Some(Found::Other);
            }
            b.primitive.as_mut().filter(|p| p.id == id).map(Found::Prim)
        }
    }
}

/// What kind of resource `id` is and the clone or bundle around it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Primitive,
    Group,
    Clone,
    Bundle,
}

pub(super) fn kind_of(rs: &[Resource], id: &str) -> Option<(Kind, Option<(Kind, String)>)> {
    pub(super) fn inner(
        r: &Resource,
        id: &str,
        outer: Option<(Kind, String)>,
    ) -> Option<(Kind, Option<(Kind, String)>)> {
        match r {
            Resource::Primitive(p) => (p.id == id).then_some((Kind::Primitive, outer)),
            Resource::Template(_) => None,
            Resource::Group(g) => {
                if g.id == id {
                    return Some((Kind::Group, outer));
                }
                g.members
                    .iter()
                    .any(|m| m.id == id)
                    .then_some((Kind::Primitive, outer))
            }
            Resource::Clone(c) => {
                if c.id == id {
                    return Some((Kind::Clone, None));
                }
                inner(&c.child, id, Some((Kind::Clone, c.id.clone())))
            }
            Resource::Bundle(b) => {
                if b.id == id {
                    return Some((Kind::Bundle, None));
                }
                b.primitive
                    .as_ref()
                    .filter(|p| p.id == id)
                    .map(|_| (Kind::Primitive, Some((Kind::Bundle, b.id.clone()))))
            }
        }
    }
    rs.iter().find_map(|r| inner(r, id, None))
}

/// The group a primitive is a member of.
pub(super) fn group_of(rs: &[Resource], id: &str) -> Option<String> {
    pub(super) fn inner(r: &Resource, id: &str) -> Option<String> {
        match r {
            Resource::Group(g) => g.members.iter().any(|m| m.id == id).then(|| g.id.clone()),
            Resource::Clone(c) => inner(&c.child, id),
            _ => None,
        }
    }
    rs.iter().find_map(|r| inner(r, id))
}
