//! Where a settled cluster ran each unit before the latest events: bans,
//! mandatory colocations and preferences honoured, load spread.

use super::*;

impl Gen {
    pub(super) fn unit_is_stopped(&self, u: usize) -> bool {
        self.units[u]
            .meta
            .iter()
            .any(|(k, v)| k == "target-role" && v == "Stopped")
            || (!self.units[u].group
                && self.prims[self.units[u].members[0]]
                    .meta
                    .iter()
                    .any(|(k, v)| k == "target-role" && v == "Stopped"))
    }

    /// Where each unit ran before the latest events (`None` = stopped).
    #[allow(clippy::needless_range_loop)]
    pub(super) fn place(&mut self) -> Vec<Option<usize>> {
        let n = self.nodes.len();
        let mut placed: Vec<Option<usize>> = vec![None; self.units.len()];
        let mut load = vec![0usize; n];
        for u in 0..self.units.len() {
            if self.unit_is_stopped(u) {
                // Sometimes it was only just disabled, so it still runs.
                if self.rng.gen_bool(0.7) {
                    continue;
                }
            }
            let mut score: Vec<i64> = (0..n)
                .map(|i| {
                    let nd = &self.nodes[i];
                    if !nd.fate.was_up() || (nd.standby && nd.standby_settled) {
                        -INF
                    } else if self.opt_in {
                        -1
                    } else {
                        0
                    }
                })
                .collect();
            let mut must_stop = false;
            for c in &self.cons {
                match *c {
                    Cons::Location {
                        unit,
                        node,
                        score: s,
                    } if unit == u && score[node] > -INF => {
                        score[node] = if self.opt_in && score[node] == -1 {
                            s
                        } else {
                            (score[node] + s).clamp(-INF, INF)
                        };
                    }
                    Cons::Colocation {
                        dep,
                        with,
                        score: s,
                    } if dep == u => match placed[with] {
                        Some(w) => {
                            if s >= INF {
                                for (i, sc) in score.iter_mut().enumerate() {
                                    if i != w {
                                        *sc = -INF;
                                    }
                                }
                            } else if s <= -INF {
                                score[w] = -INF;
                            } else if score[w] > -INF {
                                score[w] = (score[w] + s).clamp(-INF + 1, INF);
                            }
                        }
                        None => {
                            if s >= INF {
                                must_stop = true;
                            }
                        }
                    },
                    Cons::Order {
                        first, then, kind, ..
                    } if then == u && kind == "Mandatory" && placed[first].is_none() => {
                        must_stop = true;
                    }
                    _ => {}
                }
            }
            if must_stop {
                continue;
            }
            let allowed: Vec<usize> = (0..n).filter(|&i| score[i] >= 0).collect();
            if allowed.is_empty() {
                continue;
            }
            let choice = if self.rng.gen_bool(self.k.p_misplaced) {
                *allowed.choose(&mut self.rng).expect("non-empty")
            } else {
                let best = allowed.iter().map(|&i| score[i]).max().expect("non-empty");
                let tops: Vec<usize> = allowed
                    .iter()
                    .copied()
                    .filter(|&i| score[i] == best)
                    .collect();
                let least = tops.iter().map(|&i| load[i]).min().expect("non-empty");
                let cands: Vec<usize> = tops.into_iter().filter(|&i| load[i] == least).collect();
                *cands.choose(&mut self.rng).expect("non-empty")
            };
            placed[u] = Some(choice);
            load[choice] += self.units[u].members.len();
        }
        placed
    }
}
