//! The ids pcs generates and checks (`vip-monitor-interval-10s`), and
//! the attribute sets it creates and updates under them.

use super::commands::Res;
use crate::cib::{write, Cib, NvPair, NvSet};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// `sanitize_id`: an invalid first character is dropped, invalid further
/// characters are removed.
pub(super) fn sanitize_id(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = String::new();
    if let Some(c) = chars.next() {
        if c.is_ascii_alphabetic() || c == '_' {
            out.push(c);
        }
    }
    out.extend(chars.filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')));
    out
}

/// `validate_id`: an XML NCName as pcs checks it.
pub(super) fn validate_id(id: &str, what: &str) -> Res<()> {
    let mut chars = id.chars();
    let Some(first) = chars.next() else {
        return Err(format!("{what} cannot be empty"));
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(format!(
            "invalid {what} '{id}', '{first}' is not a valid first character for a {what}"
        ));
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
        return Err(format!(
            "invalid {what} '{id}', '{c}' is not a valid character for a {what}"
        ));
    }
    Ok(())
}

/// The ids used in the configuration (`does_id_exist`) plus the ones booked
/// by the command so far (`IdProvider`).
pub(super) struct Ids(pub(super) BTreeSet<String>);

impl Ids {
    pub(super) fn of(cib: &Cib) -> Ids {
        fn walk(e: &crate::cib::xml::Element, out: &mut BTreeSet<String>) {
            if let Some(id) = e.attr("id") {
                out.insert(id.to_string());
            }
            for c in &e.children {
                walk(c, out);
            }
        }
        let mut set = BTreeSet::new();
        let root = write::cib(cib);
        if let Some(conf) = root.child("configuration") {
            walk(conf, &mut set);
        }
        Ids(set)
    }

    pub(super) fn exists(&self, id: &str) -> bool {
        self.0.contains(id)
    }

    /// `find_unique_id`: `base`, else `base-1`, `base-2`, ...
    pub(super) fn allocate(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = 1;
        while self.0.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.0.insert(id.clone());
        id
    }

    /// `create_subelement_id`.
    pub(super) fn sub(&mut self, parent: &str, suffix: &str) -> String {
        self.allocate(&sanitize_id(&format!("{parent}-{suffix}")))
    }

    pub(super) fn book(&mut self, id: &str) -> Res<()> {
        if !self.0.insert(id.to_string()) {
            return Err(format!("'{id}' already exists"));
        }
        Ok(())
    }
}

/// A new set of pairs (`append_new_nvset`): the pairs sorted by name, ids
/// `<set id>-<name>`.
pub(super) fn new_nvset(
    tag: &str,
    set_id: String,
    pairs: &IndexMap<String, String>,
    ids: &mut Ids,
) -> NvSet {
    let mut names: Vec<&String> = pairs.keys().collect();
    names.sort();
    let pairs = names
        .into_iter()
        .map(|n| NvPair {
            id: Some(ids.sub(&set_id, n)),
            name: n.clone(),
            value: Some(pairs[n].clone()),
            ..NvPair::default()
        })
        .collect();
    NvSet {
        tag: tag.into(),
        id: Some(set_id),
        pairs,
        ..NvSet::default()
    }
}

/// Sets or removes (empty value) pairs in the first set of `sets`, creating
/// `<owner>-<tag>` when there is none (`arrange_first_nvset` /
/// `dom_update_nv_pair`): an existing pair keeps its id.
pub(super) fn update_first_set(
    sets: &mut Vec<NvSet>,
    tag: &str,
    owner: &str,
    pairs: &[(String, String)],
    ids: &mut Ids,
) {
    update_set(sets, tag, owner, pairs, ids, false)
}

/// As [`update_first_set`]; with `short_ids` a new pair's id takes only the
/// first 20 characters of its name, as pcs's newer `nvset_update` does
/// ("limit id length"): `cib-bootstrap-options-cluster-recheck-inte`.
pub(super) fn update_set(
    sets: &mut Vec<NvSet>,
    tag: &str,
    owner: &str,
    pairs: &[(String, String)],
    ids: &mut Ids,
    short_ids: bool,
) {
    // Only removals: no set is created for them.
    if sets.is_empty() && pairs.iter().all(|(_, v)| v.is_empty()) {
        return;
    }
    if sets.is_empty() {
        let id = ids.sub(owner, tag);
        sets.push(NvSet {
            tag: tag.into(),
            id: Some(id),
            ..NvSet::default()
        });
    }
    let set = &mut sets[0];
    let set_id = set.id.clone().unwrap_or_else(|| owner.to_string());
    for (name, value) in pairs {
        let pos = set.pairs.iter().position(|p| &p.name == name);
        match (pos, value.is_empty()) {
            (Some(i), true) => {
                set.pairs.remove(i);
            }
            (Some(i), false) => set.pairs[i].value = Some(value.clone()),
            (None, true) => {}
            (None, false) => set.pairs.push(NvPair {
                id: Some(if short_ids {
                    ids.sub(&set_id, &name.chars().take(20).collect::<String>())
                } else {
                    ids.sub(&set_id, name)
                }),
                name: name.clone(),
                value: Some(value.clone()),
                ..NvPair::default()
            }),
        }
    }
}
