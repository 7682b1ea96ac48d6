//! The nodes section of the configuration: one node per entry, with its
//! attributes and utilization, before any status is known. Mirrors
//! `unpack_nodes` and `pe_create_node` of Pacemaker's `lib/pengine/unpack.c`
//! (with `utilization_value` and `pcmk__numeric_strcasecmp`, which node names
//! and utilization are parsed and sorted with).

use std::collections::BTreeMap;

use super::rules::{unpack_nvsets, RuleCtx};
use super::unpack::find_nvset;
use super::ws::*;
use crate::cib::{Cib, Score};

/// Creates the nodes of the configuration (`unpack_nodes`).
pub fn unpack_nodes(cib: &Cib, config: &Config) -> Vec<Node> {
    let mut nodes = Vec::new();
    let resolve = |id: &str| find_nvset(cib, id);
    for n in &cib.configuration.nodes {
        let kind = match n.kind.as_deref() {
            Some("ping") => NodeKind::Ping,
            Some("remote") => NodeKind::Remote,
            _ => NodeKind::Member,
        };
        let mut node = new_node(config, &n.id, &n.uname, kind);
        let ctx = RuleCtx {
            now: config.now,
            ..Default::default()
        };
        let mut util = BTreeMap::new();
        unpack_nvsets(&n.utilization, &ctx, None, &resolve, &mut util);
        let utilization = util
            .iter()
            .map(|(k, v)| (k.clone(), utilization_value(v)))
            .collect();
        let mut own = BTreeMap::new();
        unpack_nvsets(&n.attributes, &ctx, None, &resolve, &mut own);
        for (k, v) in own {
            node.attrs.entry(k).or_insert(v);
        }
        node.weight = n.score.unwrap_or(Score::ZERO);
        node.unclean = config.stonith_enabled && config.startup_fencing && kind == NodeKind::Member;
        node.utilization = utilization;
        nodes.push(node);
    }
    // Remote and guest nodes named by their connection resources
    // (`unpack_remote_nodes`); guests' implicit connections are already
    // among the resources (see `remote::with_guest_connections`).
    let mut configured = super::remote::node_names_from_resources(cib);
    configured.extend(super::bundle::node_names(cib));
    let orphaned = super::remote::orphaned_connections(cib);
    let late = configured.len();
    for (i, name) in configured.into_iter().chain(orphaned).enumerate() {
        if nodes
            .iter()
            .any(|n: &Node| n.uname.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        let mut node = new_node(config, &name, &name, NodeKind::Remote);
        node.from_orphan = i >= late;
        nodes.push(node);
    }
    // Pacemaker keeps its node list sorted by name, digits compared as numbers.
    nodes.sort_by(|a, b| numeric_strcasecmp(&a.uname, &b.uname));
    nodes
}

/// A node as its configuration or its connection resource names it, before
/// the status says anything: offline, unseen, with the built-in attributes
/// rules can test (`#uname`, `#id`, `#kind`, `#is_dc`, `#cluster-name`).
fn new_node(config: &Config, id: &str, uname: &str, kind: NodeKind) -> Node {
    let is_dc = config.dc_uuid.as_deref() == Some(id);
    let mut attrs = BTreeMap::new();
    attrs.insert("#uname".to_string(), uname.to_string());
    attrs.insert("#id".to_string(), id.to_string());
    let kind_name = match kind {
        NodeKind::Remote => "remote",
        _ => "cluster",
    };
    attrs.insert("#kind".to_string(), kind_name.to_string());
    attrs.insert("#is_dc".to_string(), is_dc.to_string());
    if let Some(name) = config.props.get("cluster-name") {
        attrs.insert("#cluster-name".to_string(), name.clone());
    }
    Node {
        id: id.to_string(),
        uname: uname.to_string(),
        kind,
        weight: Score::ZERO,
        online: false,
        unclean: false,
        unseen: true,
        shutdown: false,
        standby: false,
        pending: false,
        maintenance: false,
        expected_up: false,
        rsc_discovery: true,
        is_dc,
        attrs,
        num_resources: 0,
        fence_reason: None,
        utilization: BTreeMap::new(),
        remote_rsc: None,
        remote_requires_reset: false,
        remote_was_fenced: false,
        remote_maintenance: false,
        unpacked: false,
        from_orphan: false,
    }
}

/// A utilization amount (`utilization_value`): an integer, 0 when invalid.
pub fn utilization_value(s: &str) -> i64 {
    let t = s.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    t[..end].parse().unwrap_or(0)
}

/// Compares names case-insensitively, runs of digits by value
/// (`pcmk__numeric_strcasecmp`).
pub fn numeric_strcasecmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let na = std::str::from_utf8(&a[si..i])
                .unwrap_or("0")
                .trim_start_matches('0');
            let nb = std::str::from_utf8(&b[sj..j])
                .unwrap_or("0")
                .trim_start_matches('0');
            let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if ord != Ordering::Equal {
                return ord;
            }
            continue;
        }
        let (x, y) = (a[i].to_ascii_lowercase(), b[j].to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
        i += 1;
        j += 1;
    }
    (a.len() - i).cmp(&(b.len() - j))
}
