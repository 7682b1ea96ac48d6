//! Bundles: a container image run as `replicas` copies, each replica made
//! of implicit resources the scheduler creates itself (Pacemaker 2.1.5's
//! `lib/pengine/bundle.c` for unpacking and display, and
//! `lib/pacemaker/pcmk_sched_bundle.c` for scheduling).
//!
//! A replica N of bundle `B` is:
//!
//! - the container, `B-docker-N` (or `-podman-`, `-rkt-`): an
//!   `ocf:heartbeat:<runtime>` primitive whose parameters are the image and
//!   the run options built from the network and storage settings;
//! - with `ip-range-start`, an `ocf:heartbeat:IPaddr2` primitive
//!   `B-ip-<address>`, addresses counted up from the start;
//! - with a primitive inside, the connection `B-N` (an `ocf:pacemaker:remote`
//!   primitive contained in the container) and the guest node `B-N` it
//!   brings up, on which the replica's instance of the primitive runs.
//!
//! The primitive is wrapped in a clone, `B-clone` (or `B-master` when
//! `promoted-max` is set), with one instance per replica: instance N may
//! run only on guest node `B-N`.
//!
//! Why the resources are built as configuration and unpacked like any
//! other: their parameters, meta-attributes and operations appear in the
//! transition graph and in digests exactly as for a configured primitive,
//! so one code path keeps the two from drifting apart.

use std::collections::BTreeMap;

use super::ws::*;
use crate::cib::{self, Cib, NvPair, NvSet, Resource, Score};

/// Where `pacemaker-remoted` listens unless `control-port` says otherwise.
const DEFAULT_REMOTE_PORT: &str = "3121";
/// Pacemaker Remote's authentication key, mapped into every container.
const REMOTE_KEY_LOCATION: &str = "/etc/pacemaker/authkey";
/// The host directory under which each replica gets its own log directory.
const BUNDLE_LOG_DIR: &str = "/var/log/pacemaker/bundles";
/// What a container with a primitive inside runs unless `run-command` is set.
const REMOTED_PATH: &str = "/usr/sbin/pacemaker-remoted";

/// One replica of a bundle (`pe__bundle_replica_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    /// Its number, from 0.
    pub offset: usize,
    /// Its IP address, with `ip-range-start`.
    pub ipaddr: Option<String>,
    /// The IPaddr2 resource.
    pub ip: Option<RscIdx>,
    /// The container resource.
    pub container: RscIdx,
    /// The connection to the guest node inside the container.
    pub remote: Option<RscIdx>,
    /// The instance of the bundled primitive.
    pub child: Option<RscIdx>,
    /// The guest node.
    pub node: Option<NodeIdx>,
}

/// What a bundle's configuration says and the replicas built from it
/// (`pe__bundle_variant_data_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleData {
    /// `docker`, `podman` or `rkt`.
    pub runtime: String,
    /// The container image.
    pub image: String,
    /// `replicas`.
    pub nreplicas: usize,
    /// `replicas-per-host`.
    pub nreplicas_per_host: usize,
    /// `promoted-max`.
    pub promoted_max: usize,
    /// The clone wrapping the bundled primitive.
    pub child: Option<RscIdx>,
    /// The replicas, in order.
    pub replicas: Vec<Replica>,
}

/// The settings read from a bundle's elements.
struct Settings {
    runtime: String,
    image: String,
    promoted_max: usize,
    nreplicas: usize,
    per_host: usize,
    run_command: Option<String>,
    launcher_options: Option<String>,
    container_network: Option<String>,
    ip_range_start: Option<String>,
    host_netmask: Option<String>,
    host_interface: Option<String>,
    control_port: Option<String>,
    add_host: bool,
    /// (source, target) of each port mapping.
    ports: Vec<(String, String)>,
    /// (source, target, options, one directory per replica).
    mounts: Vec<(String, String, Option<String>, bool)>,
}

/// A non-negative integer attribute, `min` when absent or invalid
/// (`pcmk__scan_min_int`).
fn int_attr(v: Option<&str>, min: usize) -> usize {
    v.and_then(|v| v.trim().parse::<i64>().ok())
        .map(|n| n.max(min as i64) as usize)
        .unwrap_or(min)
}

fn settings(b: &cib::Bundle) -> Option<Settings> {
    let rt = b.runtime.as_ref()?;
    let promoted_max = int_attr(rt.attr("promoted-max").or(rt.attr("masters")), 0);
    let nreplicas = match rt.attr("replicas") {
        None if promoted_max > 0 => promoted_max,
        v => int_attr(v, 1),
    };
    let mut s = Settings {
        runtime: rt.name.clone(),
        image: rt.attr("image").unwrap_or("").to_string(),
        promoted_max,
        nreplicas,
        per_host: int_attr(rt.attr("replicas-per-host"), 1),
        run_command: rt.attr("run-command").map(str::to_string),
        launcher_options: rt.attr("options").map(str::to_string),
        container_network: rt.attr("network").map(str::to_string),
        ip_range_start: None,
        host_netmask: None,
        host_interface: None,
        control_port: None,
        add_host: true,
        ports: Vec::new(),
        mounts: Vec::new(),
    };
    if let Some(net) = &b.network {
        let get = |k: &str| net.attr(k).map(str::to_string);
        s.ip_range_start = get("ip-range-start");
        s.host_netmask = get("host-netmask");
        s.host_interface = get("host-interface");
        s.control_port = get("control-port");
        s.add_host = net.attr("add-host").and_then(bool_value).unwrap_or(true);
        for pm in &net.children {
            let (source, target) = match pm.attr("port") {
                Some(p) => (p.to_string(), pm.attr("internal-port").map(str::to_string)),
                None => match pm.attr("range") {
                    Some(r) => (r.to_string(), None),
                    None => continue,
                },
            };
            if source.is_empty() {
                continue;
            }
            let target = target.unwrap_or_else(|| source.clone());
            s.ports.push((source, target));
        }
    }
    let mut need_log_mount = true;
    if let Some(st) = &b.storage {
        for m in &st.children {
            let (source, subdir) = match m.attr("source-dir") {
                Some(src) => (Some(src), false),
                None => (m.attr("source-dir-root"), true),
            };
            let (Some(source), Some(target)) = (source, m.attr("target-dir")) else {
                continue;
            };
            if target == "/var/log" {
                need_log_mount = false;
            }
            s.mounts.push((
                source.to_string(),
                target.to_string(),
                m.attr("options").map(str::to_string),
                subdir,
            ));
        }
    }
    if b.primitive.is_some() && valid_network(&mut s) {
        s.mounts.push((
            REMOTE_KEY_LOCATION.into(),
            REMOTE_KEY_LOCATION.into(),
            None,
            false,
        ));
        if need_log_mount {
            s.mounts
                .push((BUNDLE_LOG_DIR.into(), "/var/log".into(), None, true));
        }
        let port = s
            .control_port
            .clone()
            .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string());
        s.ports.push((port.clone(), port));
    }
    Some(s)
}

/// `crm_str_to_boolean`: a boolean only when it reads as one.
fn bool_value(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Whether the cluster can reach a primitive inside the containers: it
/// needs an address per replica or a fixed control port (`valid_network`).
/// A control port limits the bundle to one replica per host.
fn valid_network(s: &mut Settings) -> bool {
    if s.ip_range_start.is_some() {
        return true;
    }
    if s.control_port.is_some() {
        s.per_host = 1;
        return true;
    }
    false
}

/// The address after `last` (`next_ip`): IPv4 only, the last octet
/// counting 1..=254 and carrying into the third.
fn next_ip(last: &str) -> Option<String> {
    let parts: Vec<u32> = last
        .split('.')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .ok()?;
    let [a, b, mut c, mut d] = parts[..] else {
        return None;
    };
    if c > 253 {
        return None;
    }
    if d > 253 {
        c += 1;
        d = 1;
    } else {
        d += 1;
    }
    Some(format!("{a}.{b}.{c}.{d}"))
}

/// The names of the guest nodes a configuration's bundles create, for
/// [`super::unpack::unpack_nodes`]: Pacemaker makes them while unpacking
/// the bundle, but pacesim keeps its node list fixed (and sorted) before
/// resources hold node indexes.
pub fn node_names(cib: &Cib) -> Vec<String> {
    let mut out = Vec::new();
    for r in &cib.configuration.resources {
        let Resource::Bundle(b) = r else { continue };
        let Some(mut s) = settings(b) else { continue };
        if b.primitive.is_none() || !valid_network(&mut s) {
            continue;
        }
        for i in 0..s.nreplicas {
            out.push(remote_id(cib, b, i));
        }
    }
    out
}

/// The id of replica `i`'s connection (and guest node): `B-i`, unless a
/// configured resource already has that id.
fn remote_id(cib: &Cib, b: &cib::Bundle, i: usize) -> String {
    let id = format!("{}-{i}", b.id);
    let taken = cib.configuration.resources.iter().any(|r| r.id() == id);
    match (&b.primitive, taken) {
        (Some(p), true) => format!("pcmk-internal-{}:{i}-remote-{i}", p.id),
        _ => id,
    }
}

fn pair(set_id: &str, name: &str, value: &str) -> NvPair {
    NvPair {
        id: Some(format!("{set_id}-{name}")),
        name: name.to_string(),
        value: Some(value.to_string()),
        ..Default::default()
    }
}

fn set(tag: &str, id: String, pairs: &[(&str, String)]) -> NvSet {
    NvSet {
        tag: tag.to_string(),
        pairs: pairs.iter().map(|(k, v)| pair(&id, k, v)).collect(),
        id: Some(id),
        ..Default::default()
    }
}

fn monitor(owner: &str, interval: &str, timeout: Option<&str>) -> cib::Op {
    cib::Op {
        id: format!("{owner}-monitor-interval-{interval}"),
        name: "monitor".to_string(),
        interval: Some(interval.to_string()),
        attrs: timeout
            .map(|t| vec![("timeout".to_string(), t.to_string())])
            .unwrap_or_default(),
        ..Default::default()
    }
}

fn implicit_primitive(
    id: String,
    provider: &str,
    kind: &str,
    instance: NvSet,
    meta: Vec<NvSet>,
    ops: Vec<cib::Op>,
) -> cib::Primitive {
    cib::Primitive {
        id,
        class: Some("ocf".into()),
        provider: Some(provider.into()),
        agent: Some(kind.into()),
        instance: vec![instance],
        meta,
        operations: Some(cib::Operations {
            ops,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The container resource of a replica (`create_container_resource`).
fn container_primitive(
    b: &cib::Bundle,
    s: &Settings,
    offset: usize,
    ipaddr: Option<&str>,
    host_options: &str,
    with_child: bool,
) -> cib::Primitive {
    let prefix = &b.id;
    let docker_like = s.runtime != "rkt";
    let (hostname_opt, env_opt) = if docker_like {
        ("-h ", "-e ")
    } else {
        ("--hostname=", "--environment=")
    };
    let mut run = String::new();
    if s.runtime == "docker" {
        run.push_str(" --restart=no");
    }
    if s.ip_range_start.is_some() {
        run.push_str(&format!(" {hostname_opt}{prefix}-{offset}"));
    }
    run.push_str(&format!(" {env_opt}PCMK_stderr=1"));
    if let Some(net) = &s.container_network {
        run.push_str(&format!(" --net={net}"));
    }
    let port = s.control_port.as_deref().unwrap_or(DEFAULT_REMOTE_PORT);
    run.push_str(&format!(" {env_opt}PCMK_remote_port={port}"));
    let mut dirs: Vec<String> = Vec::new();
    for (volid, (source, target, options, subdir)) in s.mounts.iter().enumerate() {
        let source = if *subdir {
            let d = format!("{source}/{prefix}-{offset}");
            dirs.push(d.clone());
            d
        } else {
            source.clone()
        };
        if docker_like {
            run.push_str(&format!(" -v {source}:{target}"));
            if let Some(o) = options {
                run.push_str(&format!(":{o}"));
            }
        } else {
            let opts = options
                .as_deref()
                .map(|o| format!(",{o}"))
                .unwrap_or_default();
            run.push_str(&format!(
                " --volume vol{volid},kind=host,source={source}{opts} --mount volume=vol{volid},target={target}"
            ));
        }
    }
    for (source, target) in &s.ports {
        match (docker_like, ipaddr) {
            (true, Some(ip)) => run.push_str(&format!(" -p {ip}:{source}:{target}")),
            (true, None) if s.container_network.as_deref() != Some("host") => {
                run.push_str(&format!(" -p {source}:{target}"))
            }
            (true, None) => {}
            (false, Some(ip)) => run.push_str(&format!(" --port={target}:{ip}:{source}")),
            (false, None) => run.push_str(&format!(" --port={target}:{source}")),
        }
    }
    if let Some(o) = &s.launcher_options {
        run.push_str(&format!(" {o}"));
    }
    run.push_str(&format!(" {host_options}"));
    let mut pairs = vec![
        ("image", s.image.clone()),
        ("allow_pull", "true".to_string()),
        ("force_kill", "false".to_string()),
        ("reuse", "false".to_string()),
        ("run_opts", run),
        ("mount_points", dirs.join(",")),
    ];
    match (&s.run_command, with_child) {
        (Some(c), _) => pairs.push(("run_cmd", c.clone())),
        (None, true) => pairs.push(("run_cmd", REMOTED_PATH.to_string())),
        (None, false) => {}
    }
    pairs.push(("monitor_cmd", "/bin/true".to_string()));
    let id = format!("{prefix}-{}-{offset}", s.runtime);
    let instance = set(
        "instance_attributes",
        format!("{prefix}-attributes-{offset}"),
        &pairs,
    );
    let ops = vec![monitor(&id, "60s", None)];
    implicit_primitive(id, "heartbeat", &s.runtime, instance, Vec::new(), ops)
}

/// The IPaddr2 resource of a replica (`create_ip_resource`).
fn ip_primitive(b: &cib::Bundle, s: &Settings, offset: usize, ipaddr: &str) -> cib::Primitive {
    let id = sanitize_id(&format!("{}-ip-{ipaddr}", b.id));
    let mut pairs = vec![("ip", ipaddr.to_string())];
    if let Some(nic) = &s.host_interface {
        pairs.push(("nic", nic.clone()));
    }
    pairs.push((
        "cidr_netmask",
        s.host_netmask.clone().unwrap_or_else(|| "32".to_string()),
    ));
    let instance = set(
        "instance_attributes",
        format!("{}-attributes-{offset}", b.id),
        &pairs,
    );
    let ops = vec![monitor(&id, "60s", None)];
    implicit_primitive(id, "heartbeat", "IPaddr2", instance, Vec::new(), ops)
}

/// `crm_xml_sanitize_id`: characters an XML id may not hold become `_`.
fn sanitize_id(id: &str) -> String {
    id.chars()
        .map(|c| if matches!(c, ':' | '#') { '.' } else { c })
        .collect()
}

/// The connection to a replica's guest node (`create_remote_resource`,
/// through `pe_create_remote_xml`).
fn remote_primitive(id: &str, container: &str, addr: &str, port: &str) -> cib::Primitive {
    let meta = set(
        "meta_attributes",
        format!("{id}-meta_attributes"),
        &[
            ("internal_rsc", "true".to_string()),
            ("container", container.to_string()),
        ],
    );
    let instance = set(
        "instance_attributes",
        format!("{id}-instance_attributes"),
        &[("addr", addr.to_string()), ("port", port.to_string())],
    );
    let ops = vec![monitor(id, "30s", Some("30s"))];
    implicit_primitive(
        id.to_string(),
        "pacemaker",
        "remote",
        instance,
        vec![meta],
        ops,
    )
}

/// The clone wrapping the bundled primitive (`pe__unpack_bundle`): named
/// `B-master` when promotable (the old element name, kept so that rolling
/// upgrades do not restart bundles), else `B-clone`.
fn child_clone(
    b: &cib::Bundle,
    s: &Settings,
    p: &cib::Primitive,
    own_meta: &[NvSet],
) -> cib::Clone {
    let prefix = &b.id;
    let mut pairs = vec![
        ("ordered", "true".to_string()),
        ("clone-max", s.nreplicas.to_string()),
        ("clone-node-max", s.per_host.to_string()),
        ("globally-unique", (s.per_host > 1).to_string()),
    ];
    if s.promoted_max > 0 {
        pairs.push(("promotable", "true".to_string()));
        pairs.push(("promoted-max", s.promoted_max.to_string()));
    }
    let mut meta = vec![set(
        "meta_attributes",
        format!("{prefix}-clone-meta"),
        &pairs,
    )];
    // The bundle's own meta-attributes come after the clone's: a child
    // takes its parent's values for what it does not set itself.
    meta.extend(own_meta.iter().cloned().map(|mut m| {
        m.score = Some(Score::NEG_INF);
        m
    }));
    let kind = if s.promoted_max > 0 {
        "master"
    } else {
        "clone"
    };
    cib::Clone {
        id: format!("{prefix}-{kind}"),
        legacy_master: false,
        meta,
        instance: Vec::new(),
        child: Box::new(Resource::Primitive(p.clone())),
        extra: Default::default(),
        unknown: Default::default(),
    }
}

/// Unpacks a bundle and its implicit resources (`pe__unpack_bundle`).
/// Returns `None` (after a warning) when the bundle has no container runtime.
pub fn unpack_bundle(cib: &Cib, ws: &mut WorkingSet, b: &cib::Bundle) -> Option<RscIdx> {
    let Some(mut s) = settings(b) else {
        ws.warnings.push(format!(
            "Bundle {}: no docker, podman or rkt element: ignoring it",
            b.id
        ));
        return None;
    };
    let bundle = super::unpack::unpack_bundle_resource(cib, ws, b);
    let own_meta = super::unpack::own_meta(cib, ws, &b.meta);
    let with_child = b.primitive.is_some() && valid_network(&mut s);
    if b.primitive.is_some() && !with_child {
        ws.warnings.push(format!(
            "Cannot control {} inside {} without either ip-range-start or control-port",
            b.primitive.as_ref().map(|p| p.id.as_str()).unwrap_or(""),
            b.id
        ));
        return None;
    }
    let mut data = BundleData {
        runtime: s.runtime.clone(),
        image: s.image.clone(),
        nreplicas: s.nreplicas,
        nreplicas_per_host: s.per_host,
        promoted_max: s.promoted_max,
        child: None,
        replicas: Vec::new(),
    };
    let mut instances: Vec<Option<RscIdx>> = vec![None; s.nreplicas];
    if let (true, Some(p)) = (with_child, &b.primitive) {
        let c = child_clone(b, &s, p, &b.meta);
        let clone = super::unpack::unpack_clone_in(cib, ws, &c, Some(bundle));
        data.child = Some(clone);
        instances = ws.rsc(clone).children.iter().copied().map(Some).collect();
        instances.truncate(s.nreplicas.max(1));
    }
    // Addresses and the `--add-host`/`--hosts-entry` options naming every
    // replica, which each container gets in full.
    let mut addrs: Vec<Option<String>> = Vec::new();
    let mut host_options = String::new();
    let mut last: Option<String> = None;
    for offset in 0..instances.len() {
        let addr = match (&s.ip_range_start, &last) {
            (None, _) => None,
            (Some(start), None) => Some(start.clone()),
            (Some(_), Some(l)) => next_ip(l),
        };
        if let Some(a) = &addr {
            last = Some(a.clone());
            let entry = match (s.runtime.as_str(), s.add_host) {
                ("docker" | "podman", true) => format!(" --add-host={}-{offset}:{a}", b.id),
                _ => format!(" --hosts-entry={a}={}-{offset}", b.id),
            };
            host_options.push_str(&entry);
        } else if s.ip_range_start.is_some() {
            // Pacemaker keeps counting from the previous address.
            last = None;
        }
        addrs.push(addr);
    }
    let inherited = ws.rsc(bundle).meta.clone();
    let _ = &inherited;
    for (offset, child) in instances.iter().enumerate() {
        let ipaddr = addrs[offset].clone();
        let cp = container_primitive(
            b,
            &s,
            offset,
            ipaddr.as_deref(),
            &host_options,
            child.is_some(),
        );
        let container = super::unpack::unpack_implicit(cib, ws, &cp, bundle, &own_meta);
        let ip = ipaddr.as_ref().map(|a| {
            let ipp = ip_primitive(b, &s, offset, a);
            super::unpack::unpack_implicit(cib, ws, &ipp, bundle, &own_meta)
        });
        let mut replica = Replica {
            offset,
            ipaddr: ipaddr.clone(),
            ip,
            container,
            remote: None,
            child: *child,
            node: None,
        };
        if let Some(inst) = child {
            let unpacked = UnpackedBundle(b, &s, bundle, &own_meta);
            add_remote(cib, ws, unpacked, &mut replica, *inst);
            if let Some(a) = &ipaddr {
                ws.rsc_mut(*inst)
                    .meta
                    .insert("external-ip".to_string(), a.clone());
            }
            // Utilization belongs to the container: the guest node has no
            // capacity of its own to consume.
            let util = std::mem::take(&mut ws.rsc_mut(*inst).utilization);
            ws.rsc_mut(container).utilization = util;
        }
        for r in [Some(container), ip, replica.remote].into_iter().flatten() {
            ws.rsc_mut(bundle).children.push(r);
        }
        data.replicas.push(replica);
    }
    if let Some(c) = data.child {
        ws.rsc_mut(bundle).children.push(c);
        if let Some(target) = instances
            .iter()
            .flatten()
            .last()
            .and_then(|&i| ws.rsc(i).meta.get("container-attribute-target").cloned())
        {
            ws.rsc_mut(bundle)
                .meta
                .insert("container-attribute-target".into(), target.clone());
            ws.rsc_mut(c)
                .meta
                .insert("container-attribute-target".into(), target);
        }
        let notify = instances.iter().flatten().any(|&i| {
            ws.rsc(i)
                .meta
                .get("notify")
                .is_some_and(|v| super::rules::is_true(v))
        });
        if notify {
            ws.rsc_mut(c).meta.insert("notify".into(), "true".into());
            if let Some(d) = ws.rsc_mut(c).clone.as_mut() {
                d.notify = true;
            }
        }
    }
    // A bundle is unique like any resource that is not a clone, unless
    // there is one replica per host (they are then interchangeable).
    let unique = s.per_host > 1;
    ws.rsc_mut(bundle)
        .meta
        .insert("globally-unique".into(), unique.to_string());
    // The containers are placed as the instances of a clone would be.
    ws.rsc_mut(bundle).clone = Some(CloneData {
        clone_max: s.nreplicas,
        clone_node_max: s.per_host,
        promoted_max: s.promoted_max,
        promoted_node_max: 1,
        unique,
        interleave: false,
        ordered: false,
        notify: false,
        total: s.nreplicas,
        counts: BTreeMap::new(),
        notifs: BTreeMap::new(),
    });
    ws.bundles.insert(bundle, data);
    Some(bundle)
}

/// A bundle being unpacked, for [`add_remote`]: its configuration, settings,
/// index and the meta-attributes its implicit resources inherit.
struct UnpackedBundle<'a>(
    &'a cib::Bundle,
    &'a Settings,
    RscIdx,
    &'a BTreeMap<String, String>,
);

/// Creates replica's connection and ties it to the guest node
/// (`create_remote_resource`).
fn add_remote(
    cib: &Cib,
    ws: &mut WorkingSet,
    unpacked: UnpackedBundle,
    replica: &mut Replica,
    inst: RscIdx,
) {
    let UnpackedBundle(b, s, bundle, own_meta) = unpacked;
    let id = remote_id(cib, b, replica.offset);
    let addr = replica
        .ipaddr
        .clone()
        .unwrap_or_else(|| "#uname".to_string());
    let port = s
        .control_port
        .clone()
        .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string());
    let container_id = ws.rsc(replica.container).id.clone();
    let Some(node) = ws.find_node(&id) else {
        return;
    };
    ws.nodes[node.0].weight = Score::NEG_INF;
    ws.rsc_mut(inst).allowed = BTreeMap::from([(
        node,
        AllowedNode {
            weight: Score::new(500),
            discover: Discover::Exclusive,
        },
    )]);
    ws.rsc_mut(inst).exclusive_discover = true;
    if let Some(clone) = ws.rsc(inst).parent {
        ws.rsc_mut(clone).allowed.insert(
            node,
            AllowedNode {
                weight: Score::NEG_INF,
                discover: Discover::Never,
            },
        );
    }
    let rp = remote_primitive(&id, &container_id, &addr, &port);
    let remote = super::unpack::unpack_implicit(cib, ws, &rp, bundle, own_meta);
    let guests: Vec<NodeIdx> = ws
        .rsc(remote)
        .allowed
        .keys()
        .copied()
        .filter(|&n| ws.node(n).kind == NodeKind::Remote)
        .collect();
    for n in guests {
        if let Some(e) = ws.rsc_mut(remote).allowed.get_mut(&n) {
            e.weight = Score::NEG_INF;
        }
    }
    ws.rsc_mut(remote).container = Some(replica.container);
    ws.rsc_mut(remote).is_remote_node = true;
    ws.nodes[node.0].remote_rsc = Some(remote);
    ws.nodes[node.0]
        .attrs
        .insert("#kind".to_string(), "container".to_string());
    replica.remote = Some(remote);
    replica.node = Some(node);
}

/// Keeps every resource off the bundles' guest nodes but the replicas'
/// own instances (`disallow_node` and what follows it in
/// `create_remote_resource`). Pacemaker creates a guest node only when it
/// unpacks the replica's connection, and marks it "never probe here",
/// which also keeps the default score of a symmetric cluster off it: so
/// no other resource knows the node, except those unpacked before it when
/// it is configured in the nodes section, for which it is banned.
pub fn keep_off_guest_nodes(cib: &Cib, ws: &mut WorkingSet) {
    let mut guests: Vec<(NodeIdx, RscIdx, RscIdx)> = Vec::new();
    for d in ws.bundles.values() {
        for rep in &d.replicas {
            if let (Some(n), Some(remote), Some(child)) = (rep.node, rep.remote, rep.child) {
                guests.push((n, remote, child));
            }
        }
    }
    // A bundle takes its default scores only after its replicas exist.
    let bundles: Vec<RscIdx> = ws.bundles.keys().copied().collect();
    for (n, remote, child) in guests {
        let uname = ws.node(n).uname.clone();
        let configured = cib
            .configuration
            .nodes
            .iter()
            .any(|c| c.uname.eq_ignore_ascii_case(&uname));
        let clone = ws.rsc(child).parent;
        for i in 0..ws.rscs.len() {
            let r = RscIdx(i);
            if r == child || Some(r) == clone {
                continue;
            }
            if configured && r < remote && !bundles.contains(&r) {
                if let Some(e) = ws.rsc_mut(r).allowed.get_mut(&n) {
                    e.weight = Score::NEG_INF;
                    e.discover = Discover::Never;
                }
            } else {
                ws.rsc_mut(r).allowed.remove(&n);
            }
        }
    }
}

/// How many nodes Pacemaker knows while unpacking the next resource: the
/// guest nodes of bundles not unpacked yet do not exist at that point.
pub fn nodes_known_so_far(cib: &Cib, ws: &WorkingSet) -> usize {
    let created: Vec<NodeIdx> = ws
        .bundles
        .values()
        .flat_map(|d| d.replicas.iter().filter_map(|r| r.node))
        .collect();
    let later = node_names(cib)
        .into_iter()
        .filter(|name| {
            !cib.configuration
                .nodes
                .iter()
                .any(|c| c.uname.eq_ignore_ascii_case(name))
        })
        .filter(|name| ws.find_node(name).is_some_and(|n| !created.contains(&n)))
        .count();
    ws.nodes.len() - later
}

/// The agent (class, provider, type) of one of a bundle's implicit
/// resources, by id, for tools reading a configuration without unpacking
/// it (crm_simulate recording an action's result).
pub fn implicit_agent(b: &cib::Bundle, id: &str) -> Option<(String, Option<String>, String)> {
    let rest = id.strip_prefix(&format!("{}-", b.id))?;
    let runtime = b.runtime.as_ref()?.name.clone();
    let ocf = |prov: &str, kind: &str| Some(("ocf".into(), Some(prov.into()), kind.into()));
    if rest.starts_with("ip-") {
        return ocf("heartbeat", "IPaddr2");
    }
    if let Some(n) = rest.strip_prefix(&format!("{runtime}-")) {
        if n.parse::<usize>().is_ok() {
            return ocf("heartbeat", &runtime);
        }
    }
    if rest.parse::<usize>().is_ok() && b.primitive.is_some() {
        return ocf("pacemaker", "remote");
    }
    None
}

/// Whether a node is a bundle's guest node (one Pacemaker marks "never
/// probe here" for everything but the replica's instance).
pub fn is_guest_node(ws: &WorkingSet, n: NodeIdx) -> bool {
    ws.bundles
        .values()
        .any(|d| d.replicas.iter().any(|r| r.node == Some(n)))
}

/// The address of a bundle replica's connection that has none of its own
/// (`#uname`): the name of the node its container is placed on, or runs
/// on (`pe__add_bundle_remote_name`). This lets a bundle run on a remote
/// node without an address per replica.
pub fn remote_addr(ws: &WorkingSet, r: RscIdx) -> Option<String> {
    let rsc = ws.rsc(r);
    if !rsc.is_remote_node
        || !rsc
            .params
            .get("addr")
            .is_some_and(|a| a.eq_ignore_ascii_case("#uname"))
    {
        return None;
    }
    let (_, rep) = replica_of(ws, r)?;
    let c = rep.container;
    let node = ws.rsc(c).assigned.or_else(|| ws.current_node(c))?;
    Some(ws.node(node).uname.clone())
}

/// The resources whose actions a bundle action summarises
/// (`pcmk__bundle_action_flags`): the primitive's instances for
/// notifications and role changes, else the containers.
pub fn summary_children(ws: &WorkingSet, b: RscIdx, child_task: &str) -> Vec<RscIdx> {
    let Some(d) = ws.bundles.get(&b) else {
        return Vec::new();
    };
    match d.child {
        Some(c) if matches!(child_task, "notify" | "notified" | "promote" | "demote") => {
            ws.rsc(c).children.clone()
        }
        _ => d.replicas.iter().map(|r| r.container).collect(),
    }
}

/// The bundle a resource belongs to, with its replica, if any.
pub fn replica_of(ws: &WorkingSet, r: RscIdx) -> Option<(RscIdx, &Replica)> {
    let mut top = r;
    while let Some(p) = ws.rsc(top).parent {
        top = p;
    }
    let data = ws.bundles.get(&top)?;
    data.replicas
        .iter()
        .find(|rep| {
            rep.container == r || rep.ip == Some(r) || rep.remote == Some(r) || rep.child == Some(r)
        })
        .map(|rep| (top, rep))
}

/// Whether a resource is part of a bundle (`pe_rsc_is_bundled`).
pub fn is_bundled(ws: &WorkingSet, r: RscIdx) -> bool {
    let mut top = r;
    while let Some(p) = ws.rsc(top).parent {
        top = p;
    }
    top != r && ws.rsc(top).variant == Variant::Bundle
}
