//! `pcs node standby|unstandby|attribute`.

use super::commands::Res;
use super::flags::prepare_options;
use super::ids::Ids;
use crate::cib::{Cib, Configuration, NodeConfig, NvPair, NvSet};

pub(super) fn node_mut<'a>(conf: &'a mut Configuration, name: &str) -> Res<&'a mut NodeConfig> {
    conf.nodes
        .iter_mut()
        .find(|n| n.uname == name)
        .ok_or_else(|| format!("Node '{name}' does not appear to exist in configuration"))
}

/// Sets or deletes a permanent node attribute as `crm_attribute --node N
/// --lifetime forever` does: the set is `nodes-<id>`, the pair
/// `nodes-<id>-<name>`.
pub(super) fn set_node_attr(cib: &mut Cib, node: &str, name: &str, value: Option<&str>) -> Res<()> {
    let mut ids = Ids::of(cib);
    let n = node_mut(cib.config_mut(), node)?;
    let owner = format!("nodes-{}", n.id);
    match value {
        Some(v) => {
            if n.attributes.is_empty() {
                let id = ids.allocate(&owner);
                n.attributes.push(NvSet {
                    tag: "instance_attributes".into(),
                    id: Some(id),
                    ..NvSet::default()
                });
            }
            let set = &mut n.attributes[0];
            match set.pairs.iter_mut().find(|p| p.name == name) {
                Some(p) => p.value = Some(v.to_string()),
                None => set.pairs.push(NvPair {
                    id: Some(ids.allocate(&format!("{owner}-{name}"))),
                    name: name.to_string(),
                    value: Some(v.to_string()),
                    ..NvPair::default()
                }),
            }
            Ok(())
        }
        None => {
            let mut found = false;
            for set in &mut n.attributes {
                let before = set.pairs.len();
                set.pairs.retain(|p| p.name != name);
                found |= set.pairs.len() != before;
            }
            if found {
                Ok(())
            } else {
                Err(format!(
                    "attribute: '{name}' doesn't exist for node: '{node}'"
                ))
            }
        }
    }
}

/// `pcs node standby|unstandby NODE...`.
pub(super) fn standby(cib: &mut Cib, args: &[String], on: bool) -> Res<()> {
    if args.is_empty() {
        return Err("no node specified ('--all' is not supported by pacesim)".into());
    }
    for n in args {
        node_mut(cib.config_mut(), n)?;
        if on {
            set_node_attr(cib, n, "standby", Some("on"))?;
        } else {
            // Unstandby of a node not in standby is no error.
            let _ = set_node_attr(cib, n, "standby", None);
        }
    }
    Ok(())
}

/// `pcs node attribute NODE NAME=VALUE...` (an empty value removes).
pub(super) fn node_attribute(cib: &mut Cib, args: &[String]) -> Res<()> {
    let [node, pairs @ ..] = args else {
        return Err("no node specified".into());
    };
    if pairs.is_empty() {
        return Err("no attributes specified".into());
    }
    let pairs = prepare_options(pairs)?;
    node_mut(cib.config_mut(), node)?;
    for (k, v) in pairs {
        set_node_attr(cib, node, &k, (!v.is_empty()).then_some(v.as_str()))?;
    }
    Ok(())
}
