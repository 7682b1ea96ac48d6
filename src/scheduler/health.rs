//! Node health: `#health-*` node attributes turned into location scores
//! by the configured `node-health-strategy` (Pacemaker's `pe_health.c` and
//! `pcmk_sched_nodes.c` `pcmk__apply_node_health`).

use super::ws::*;
use crate::cib::Score;

/// The configured strategy, or `None` for "none".
fn strategy(ws: &WorkingSet) -> Option<String> {
    let s = ws
        .config
        .props
        .get("node-health-strategy")
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_else(|| "none".into());
    match s.as_str() {
        "migrate-on-red" | "only-green" | "progressive" | "custom" => Some(s),
        _ => None,
    }
}

/// The scores that "red", "yellow" and "green" stand for
/// (`pe__unpack_node_health_scores`).
fn color_scores(ws: &WorkingSet, strategy: &str) -> (Score, Score, Score) {
    match strategy {
        "migrate-on-red" => (Score::NEG_INF, Score::ZERO, Score::ZERO),
        "only-green" => (Score::NEG_INF, Score::NEG_INF, Score::ZERO),
        _ => {
            let opt = |name: &str, default: Score| {
                ws.config
                    .props
                    .get(name)
                    .map(|v| Score::parse_lenient(v))
                    .unwrap_or(default)
            };
            (
                opt("node-health-red", Score::NEG_INF),
                opt("node-health-yellow", Score::ZERO),
                opt("node-health-green", Score::ZERO),
            )
        }
    }
}

/// A health attribute's value as a score (`char2score` with the colors).
fn value_score(v: &str, colors: (Score, Score, Score)) -> Score {
    match v.to_ascii_lowercase().as_str() {
        "red" => colors.0,
        "yellow" => colors.1,
        "green" => colors.2,
        _ => Score::parse_lenient(v),
    }
}

/// Adds each node's overall health as a location score for every
/// resource, sparing negative scores to resources that allow unhealthy
/// nodes (`pcmk__apply_node_health`). Runs before the configured
/// constraints, as in Pacemaker.
pub fn apply_node_health(ws: &mut WorkingSet) {
    let Some(strategy) = strategy(ws) else { return };
    let colors = color_scores(ws, &strategy);
    let base = if strategy == "progressive" {
        ws.config
            .props
            .get("node-health-base")
            .map(|v| value_score(v, colors))
            .unwrap_or(Score::ZERO)
    } else {
        Score::ZERO
    };
    for i in 0..ws.nodes.len() {
        let n = NodeIdx(i);
        let mut health = base;
        for (k, v) in &ws.node(n).attrs {
            if k.starts_with("#health") {
                health += value_score(v, colors);
            }
        }
        if health.value() == 0 {
            continue;
        }
        for r in ws.top.clone() {
            let immune = health.value() < 0
                && ws
                    .rsc(r)
                    .meta
                    .get("allow-unhealthy-nodes")
                    .is_some_and(|v| super::rules::is_true(v));
            if !immune {
                ws.locations.push(LocationCons {
                    id: strategy.clone(),
                    rsc: r,
                    role: Role::Unknown,
                    nodes: vec![(n, health)],
                    discover: Discover::Always,
                });
            }
        }
    }
}

/// A node's health for display: -1 red, 0 yellow, 1 green
/// (`pe__node_health`).
pub fn node_health(ws: &WorkingSet, n: NodeIdx) -> i32 {
    if strategy(ws).is_none() {
        return 1;
    }
    // Colors are judged by name, numbers against the configured scores.
    let (red, yellow, green) = color_scores(ws, "custom");
    let mut rc = 1;
    for (k, v) in &ws.node(n).attrs {
        if !k.starts_with("#health") {
            continue;
        }
        match v.to_ascii_lowercase().as_str() {
            "red" => return -1,
            "yellow" => rc = 0,
            "green" => {}
            _ => {
                let score = Score::parse_lenient(v);
                if score <= red {
                    return -1;
                }
                if score <= yellow && yellow != green {
                    rc = 0;
                }
            }
        }
    }
    rc
}
