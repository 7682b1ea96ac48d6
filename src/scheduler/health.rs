//! Node health as the status display judges it (Pacemaker's `pe_health.c`
//! `pe__node_health`); the health location scores are applied with the
//! constraints.

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
