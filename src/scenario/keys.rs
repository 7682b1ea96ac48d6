//! Every key the scenario parser accepts, and the JSON Schema of the
//! format (`pacesim schema`), from one source.
//!
//! The keys are not listed by hand: [`keys`] walks the parser's own serde
//! structs (`raw.rs`, `deny_unknown_fields`) with a deserializer that
//! records each struct's fields and each value's type instead of reading
//! a file. A key added there is in the schema at once, and the tests fail
//! until it has a description in [`DESCRIPTIONS`] and a mention in
//! `docs/scenario-format.md`. The descriptions and the value constraints
//! the types cannot say (durations, enumerations) are written here.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Map, Value};

use super::explore::ExploreFault;
use super::raw;
use super::Invariant;

/// The type of a value, as the parser's structs declare it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Shape {
    /// Not seen (a tracing bug).
    #[default]
    Unknown,
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A number.
    Float,
    /// A boolean.
    Bool,
    /// Any TOML value (the parser checks it).
    Any,
    /// An array of one kind.
    Seq(Box<Slot>),
    /// A table with free keys.
    Map(Box<Slot>),
    /// A table with fixed keys.
    Struct(Vec<(String, Slot)>),
}

/// A value's place: its type, and whether it may be left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slot {
    /// Its type.
    pub shape: Shape,
    /// `Option<...>`.
    pub optional: bool,
    /// Kept with its position (`Spanned`): a field that is not also an
    /// `Option` and not spanned is a list with a default (`#[serde(default)]`).
    pub spanned: bool,
}

impl Slot {
    /// Whether a file must write this key.
    pub fn required(&self) -> bool {
        !self.optional && self.spanned
    }
}

/// One key the parser accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Its dotted path: `cluster.quorum.two_node`, `fault.power_off`,
    /// `agents.*.start` (`*`: a free name).
    pub path: String,
    /// The key as written.
    pub name: String,
    /// Its value.
    pub slot: Slot,
}

const SPANNED: &str = "$__serde_spanned_private_Spanned";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";

/// The shape of the whole file, as `raw::File` declares it.
pub fn file_shape() -> Slot {
    let mut slot = Slot::default();
    let _: raw::File = serde::Deserialize::deserialize(Tracer { slot: &mut slot })
        .expect("the parser's structs can be traced");
    slot
}

/// Every key the parser accepts, tables first then their keys, in the
/// structs' order.
pub fn keys() -> Vec<Key> {
    fn walk(prefix: &str, slot: &Slot, out: &mut Vec<Key>) {
        match &slot.shape {
            Shape::Struct(fields) => {
                for (name, f) in fields {
                    let path = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    out.push(Key {
                        path: path.clone(),
                        name: name.clone(),
                        slot: f.clone(),
                    });
                    walk(&path, f, out);
                }
            }
            // `[[fault]]`: the keys of each table.
            Shape::Seq(inner) => walk(prefix, inner, out),
            // `[agents.NAME]`: the keys of each table, when they are fixed.
            Shape::Map(inner) if matches!(inner.shape, Shape::Struct(_)) => {
                walk(&format!("{prefix}.*"), inner, out)
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", &file_shape(), &mut out);
    out
}

/// The description of each key (Taplo shows it on hover), by path.
pub const DESCRIPTIONS: &[(&str, &str)] = &[
    ("name", "A title for reports (default: the file name)."),
    ("seed", "The seed of every random draw (default 1); `--seed` overrides it."),
    ("duration", "How much virtual time to simulate, e.g. \"10m\"."),
    ("cluster", "The cluster: its nodes, its CIB and/or pcs setup, votequorum and totem options."),
    ("cluster.nodes", "The node names, in order (node ids 1, 2, ...)."),
    ("cluster.cib", "A cib.xml to start from, relative to the scenario file."),
    ("cluster.setup", "pcs commands run in order to build the configuration (after `cib`, if any)."),
    ("cluster.quorum", "votequorum options (corosync.conf's quorum section)."),
    ("cluster.quorum.expected_votes", "Expected votes (default: the number of nodes)."),
    ("cluster.quorum.two_node", "Two-node mode (default false); true also turns on wait_for_all unless it is set false."),
    ("cluster.quorum.wait_for_all", "Quorum only once every node has been seen at once (default: two_node)."),
    ("cluster.quorum.last_man_standing", "Recompute expected votes as nodes leave (default false)."),
    ("cluster.quorum.last_man_standing_window", "How long the membership must be stable before expected votes are lowered: a duration or milliseconds (default 10s)."),
    ("cluster.quorum.auto_tie_breaker", "On an even split, the half with the tie-breaker node keeps quorum (default false)."),
    ("cluster.quorum.auto_tie_breaker_node", "\"lowest\", \"highest\" or a list of node names (default \"lowest\")."),
    ("cluster.totem", "Totem (membership) timing, corosync.conf's totem section."),
    ("cluster.totem.token", "Token timeout (default 3s)."),
    ("cluster.totem.token_coefficient", "Added to the token timeout per node beyond two (default 650ms)."),
    ("cluster.totem.join", "Join timeout (default 50ms)."),
    ("cluster.totem.consensus", "Consensus timeout (default 1.2 x the effective token)."),
    ("cluster.totem.token_retransmits_before_loss_const", "Token retransmits before the token is lost (1..100, default 4)."),
    ("network", "The network between the nodes."),
    ("network.latency", "One-way latency drawn uniformly from [min, max], e.g. [\"1ms\", \"5ms\"]."),
    ("network.loss", "Probability (0..1) that a message is lost."),
    ("agents", "How long resource agent operations take, per agent type or resource id."),
    ("agents.*.start", "Duration of a start."),
    ("agents.*.stop", "Duration of a stop."),
    ("agents.*.monitor", "Duration of a monitor."),
    ("agents.*.promote", "Duration of a promote."),
    ("agents.*.demote", "Duration of a demote."),
    ("agents.*.off", "Duration of a fence device's off."),
    ("agents.*.on", "Duration of a fence device's on."),
    ("node_boot", "Per node, how long it takes from power-on to a running cluster stack."),
    ("fault", "One table per fault: `at` and one fault kind."),
    ("fault.at", "When the fault strikes (virtual time from the start)."),
    ("fault.invariants", "The top-level invariant list, when written after the last [[fault]] table."),
    ("fault.power_off", "Cut the node's power: everything on it stops at once."),
    ("fault.power_on", "Power the node on: it boots, its stack starts after node_boot."),
    ("fault.crash", "Kernel panic: every process stops; power stays on until the node is fenced."),
    ("fault.kill_stack", "Kill Corosync and Pacemaker only; the node's resources keep running."),
    ("fault.pause", "Freeze the node (SIGSTOP, paused VM) for `for`."),
    ("fault.for", "How long a `pause` lasts."),
    ("fault.restart", "Crash the node, then boot it."),
    ("fault.stop_cluster", "A clean `pcs cluster stop` on the node."),
    ("fault.start_cluster", "`pcs cluster start` on the node."),
    ("fault.partition", "Lists of nodes: only nodes in the same list can talk."),
    ("fault.heal", "true: remove every partition and link fault."),
    ("fault.link", "Two nodes whose link is degraded or cut (with loss, delay, cut)."),
    ("fault.loss", "With `link`: probability (0..1) of losing a message."),
    ("fault.delay", "With `link`: latency added."),
    ("fault.cut", "With `link`: true cuts the link both ways."),
    ("fault.fence_device", "A fence device id whose behaviour changes (with `fail`)."),
    ("fault.fail", "With `fence_device`: \"unreachable\", \"timeout\", \"refuse\" or \"ok\"."),
    ("fault.resource_fail", "A resource id whose next `op` on `node` returns `rc`."),
    ("fault.node", "With `resource_fail`: the node."),
    ("fault.op", "With `resource_fail`: the operation (default \"monitor\")."),
    ("fault.rc", "With `resource_fail`: the OCF result (default 7, not running)."),
    ("fault.times", "With `resource_fail`: how many times in a row (default 1)."),
    ("fault.standby", "`pcs node standby` the node."),
    ("fault.unstandby", "`pcs node unstandby` the node."),
    ("fault.pcs", "A pcs command, sent through the DC."),
    ("fault.recover", "(pacesim) Undo whatever is wrong with the node: power on, reset, resume, start its stack."),
    ("expect", "One table per expectation: a point check (`at`) or an event (`within`, `never`)."),
    ("expect.at", "The instant a point expectation is checked."),
    ("expect.running", "Per resource id: the node it runs on, a list of nodes, \"stopped\", or { promoted = ..., unpromoted = ... }."),
    ("expect.dc", "The DC's node name, or \"none\"."),
    ("expect.quorate", "The nodes whose partition has quorum at `at`."),
    ("expect.members", "The agreed memberships at `at`, as lists of nodes."),
    ("expect.fenced", "Event: the node is fenced (with `within`, `by` or `never`)."),
    ("expect.recovered", "Event: the resource runs again after the last fault (with `within`)."),
    ("expect.elected", "Event: a DC is elected (\"any\" or a node)."),
    ("expect.within", "At most this long after the last fault at or before the moment it happened (from time zero if there was none)."),
    ("expect.by", "At the latest at this absolute time."),
    ("expect.never", "true: the event must not happen during the run."),
    ("expect.converged", "(pacesim) true: at the end every node is up, in one membership with one DC, and every resource runs."),
    ("expect.invariants", "The top-level invariant list, when written after the last [[expect]] table."),
    ("invariants", "Invariants checked after every event: no-double-active, fence-before-recovery, one-dc-per-partition, quorum-safety."),
    ("explore", "(v1.1) A random fault schedule per seed, then a liveness phase."),
    ("explore.faults", "The fault kinds to draw from."),
    ("explore.every", "The gap between two faults, drawn from [min, max] (default [\"20s\", \"2m\"])."),
    ("explore.from", "No random fault before this (default 1m)."),
    ("explore.until", "The end of the safety phase (default duration - liveness)."),
    ("explore.liveness", "How long the cluster has to settle at the end (default 5m)."),
    ("explore.max_down", "The most nodes down at once (default (nodes - 1) / 2)."),
    ("explore.invariants", "The top-level invariant list, when written after the [explore] header."),
];

/// What the types cannot say: durations, enumerations, ranges.
fn constraint(path: &str) -> Option<Value> {
    let duration = json!({
        "type": "string",
        "pattern": DURATION_PATTERN,
    });
    let durations = |n: Option<usize>| {
        let mut v = json!({ "type": "array", "items": duration.clone() });
        if let Some(n) = n {
            v["minItems"] = json!(n);
            v["maxItems"] = json!(n);
        }
        v
    };
    let invariants = json!({
        "type": "array",
        "items": { "enum": Invariant::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>() },
    });
    let probability = json!({ "type": "number", "minimum": 0, "maximum": 1 });
    Some(match path {
        "duration"
        | "fault.at"
        | "fault.for"
        | "fault.delay"
        | "expect.at"
        | "expect.within"
        | "explore.from"
        | "explore.until"
        | "explore.liveness"
        | "cluster.totem.token"
        | "cluster.totem.token_coefficient"
        | "cluster.totem.join"
        | "cluster.totem.consensus" => duration,
        p if p.starts_with("agents.*.") => duration,
        "node_boot" => json!({ "type": "object", "additionalProperties": duration }),
        "network.latency" | "explore.every" => durations(Some(2)),
        "network.loss" | "fault.loss" => probability,
        "seed" | "cluster.quorum.expected_votes" | "fault.times" | "explore.max_down" => {
            json!({ "type": "integer", "minimum": 0 })
        }
        "cluster.totem.token_retransmits_before_loss_const" => {
            json!({ "type": "integer", "minimum": 1, "maximum": 100 })
        }
        "cluster.quorum.last_man_standing_window" => json!({
            "anyOf": [duration, { "type": "integer", "minimum": 0 }]
        }),
        "cluster.quorum.auto_tie_breaker_node" => json!({
            "anyOf": [
                { "enum": ["lowest", "highest"] },
                { "type": "array", "items": { "type": "string" } }
            ]
        }),
        "invariants" | "fault.invariants" | "expect.invariants" | "explore.invariants" => {
            invariants
        }
        "explore.faults" => json!({
            "type": "array",
            "items": { "enum": ExploreFault::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>() },
        }),
        "fault.fail" => json!({ "enum": ["unreachable", "timeout", "refuse", "ok"] }),
        "fault.heal" => json!({ "const": true }),
        "fault.link" => json!({
            "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2
        }),
        "expect.running" => json!({
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    { "type": "string" },
                    { "type": "array", "items": { "type": "string" } },
                    {
                        "type": "object",
                        "properties": {
                            "promoted": { "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] },
                            "unpromoted": { "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] }
                        },
                        "additionalProperties": false
                    }
                ]
            }
        }),
        _ => return None,
    })
}

/// A duration as `duration::parse` reads it: number-unit pairs ("250ms",
/// "1m30s"; units ms, s, m, h).
pub const DURATION_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]+)?(ms|s|m|h))+\s*$";

/// The description of a key path.
pub fn description(path: &str) -> Option<&'static str> {
    DESCRIPTIONS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, d)| *d)
}

/// The JSON Schema (draft-07, which Taplo reads) of the scenario format.
pub fn schema() -> Value {
    fn of(path: &str, slot: &Slot) -> Value {
        let mut v = match constraint(path) {
            Some(c) => c,
            None => match &slot.shape {
                Shape::Str => json!({ "type": "string" }),
                Shape::Int => json!({ "type": "integer" }),
                Shape::Float => json!({ "type": "number" }),
                Shape::Bool => json!({ "type": "boolean" }),
                Shape::Any | Shape::Unknown => json!({}),
                Shape::Seq(inner) => {
                    json!({ "type": "array", "items": undescribed(of(path, inner)) })
                }
                Shape::Map(inner) => json!({
                    "type": "object",
                    "additionalProperties": of(&format!("{path}.*"), inner)
                }),
                Shape::Struct(fields) => {
                    let mut props = Map::new();
                    let mut required = Vec::new();
                    for (name, f) in fields {
                        let p = if path.is_empty() {
                            name.clone()
                        } else {
                            format!("{path}.{name}")
                        };
                        props.insert(name.clone(), of(&p, f));
                        if f.required() {
                            required.push(name.clone());
                        }
                    }
                    let mut v = json!({
                        "type": "object",
                        "properties": props,
                        "additionalProperties": false,
                    });
                    if !required.is_empty() {
                        v["required"] = json!(required);
                    }
                    v
                }
            },
        };
        if let Some(d) = description(path) {
            v["description"] = json!(d);
        }
        v
    }
    // An array's items are described by the array.
    fn undescribed(mut v: Value) -> Value {
        if let Some(m) = v.as_object_mut() {
            m.remove("description");
        }
        v
    }
    let mut root = of("", &file_shape());
    root["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    root["$id"] = json!("https://pacesim.invalid/scenario.schema.json");
    root["title"] = json!("pacesim scenario (format v1.1)");
    root["description"] = json!(
        "A pacesim scenario: the cluster, its faults, expectations and invariants. Reference: docs/scenario-format.md."
    );
    root
}

// ------------------------------------------------------------ the tracer

/// A deserializer that, instead of reading a value, records what the
/// structs ask for in a [`Slot`] and hands them a made-up value.
struct Tracer<'a> {
    slot: &'a mut Slot,
}

#[derive(Debug)]
struct TraceError(String);

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        TraceError(msg.to_string())
    }
}

impl<'de> Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Any;
        v.visit_str("")
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Bool;
        v.visit_bool(false)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Int;
        v.visit_i64(0)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Int;
        v.visit_u64(0)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Float;
        v.visit_f64(0.0)
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.shape = Shape::Str;
        v.visit_str("")
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(v)
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.slot.optional = true;
        v.visit_some(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        let mut inner = Slot::default();
        let out = v.visit_seq(OneItem {
            slot: &mut inner,
            done: false,
        })?;
        self.slot.shape = Shape::Seq(Box::new(inner));
        Ok(out)
    }
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        let mut inner = Slot::default();
        let out = v.visit_map(Fields {
            names: &["*"],
            at: 0,
            slots: std::slice::from_mut(&mut inner),
            spanned: false,
        })?;
        self.slot.shape = Shape::Map(Box::new(inner));
        Ok(out)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        if name == SPANNED {
            self.slot.spanned = true;
            let mut slots = vec![Slot::default(), Slot::default(), std::mem::take(self.slot)];
            let out = v.visit_map(Fields {
                names: fields,
                at: 0,
                slots: &mut slots,
                spanned: true,
            })?;
            let value = slots.pop().expect("three fields");
            *self.slot = Slot {
                optional: self.slot.optional || value.optional,
                spanned: true,
                shape: value.shape,
            };
            return Ok(out);
        }
        let mut slots = vec![Slot::default(); fields.len()];
        let out = v.visit_map(Fields {
            names: fields,
            at: 0,
            slots: &mut slots,
            spanned: false,
        })?;
        self.slot.shape = Shape::Struct(fields.iter().map(|f| f.to_string()).zip(slots).collect());
        Ok(out)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(v)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u128 f32 char bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct enum ignored_any
    }
}

/// An array of one traced item.
struct OneItem<'a> {
    slot: &'a mut Slot,
    done: bool,
}

impl<'de> SeqAccess<'de> for OneItem<'_> {
    type Error = TraceError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize(Tracer {
            slot: &mut *self.slot,
        })
        .map(Some)
    }
}

/// A table holding each of `names` once, each value traced into its slot.
struct Fields<'a> {
    names: &'static [&'static str],
    at: usize,
    slots: &'a mut [Slot],
    /// A `Spanned` wrapper: its start and end are numbers, its value traced.
    spanned: bool,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = TraceError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        let Some(name) = self.names.get(self.at) else {
            return Ok(None);
        };
        seed.deserialize(KeyName(name)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let i = self.at;
        self.at += 1;
        if self.spanned && self.names[i] != SPANNED_VALUE {
            return seed.deserialize(de::value::U64Deserializer::new(0));
        }
        seed.deserialize(Tracer {
            slot: &mut self.slots[i],
        })
    }
}

/// A key: a field name, or a free key (`Spanned` too, as node_boot's are).
struct KeyName(&'static str);

impl<'de> Deserializer<'de> for KeyName {
    type Error = TraceError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_borrowed_str(self.0)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        if name != SPANNED {
            return Err(TraceError(format!("a table as a key: {name}")));
        }
        v.visit_map(SpannedKey {
            fields,
            at: 0,
            key: self.0,
        })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A `Spanned` key: start, end, then the name.
struct SpannedKey {
    fields: &'static [&'static str],
    at: usize,
    key: &'static str,
}

impl<'de> MapAccess<'de> for SpannedKey {
    type Error = TraceError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        let Some(name) = self.fields.get(self.at) else {
            return Ok(None);
        };
        seed.deserialize(KeyName(name)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let name = self.fields[self.at];
        self.at += 1;
        if name == SPANNED_VALUE {
            seed.deserialize(KeyName(self.key))
        } else {
            seed.deserialize(de::value::U64Deserializer::new(0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tracer_sees_every_struct_of_the_parser() {
        let keys = keys();
        let paths: Vec<&str> = keys.iter().map(|k| k.path.as_str()).collect();
        for p in [
            "duration",
            "cluster.nodes",
            "cluster.quorum.two_node",
            "cluster.totem.token",
            "agents.*.start",
            "node_boot",
            "fault.for",
            "fault.power_off",
            "expect.running",
            "explore.max_down",
        ] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        let required: Vec<&str> = keys
            .iter()
            .filter(|k| k.slot.required())
            .map(|k| k.path.as_str())
            .collect();
        assert_eq!(required, ["duration", "cluster", "cluster.nodes"]);
        assert!(keys.iter().all(|k| k.slot.shape != Shape::Unknown));
    }

    #[test]
    fn every_key_has_a_description_and_every_description_a_key() {
        let keys = keys();
        let missing: Vec<&str> = keys
            .iter()
            .filter(|k| description(&k.path).is_none())
            .map(|k| k.path.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "keys without a description: {missing:?}"
        );
        let stale: Vec<&str> = DESCRIPTIONS
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| !keys.iter().any(|k| k.path == *p))
            .collect();
        assert!(stale.is_empty(), "descriptions of no key: {stale:?}");
    }
}
