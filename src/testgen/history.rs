//! What happened to each primitive on each node (probes, starts, monitors,
//! failures), from the placement and a few drawn events.

use super::*;

impl Gen {
    /// The executor history per (node, primitive).
    #[allow(clippy::needless_range_loop)]
    pub(super) fn histories(&mut self, placed: &[Option<usize>]) -> Vec<Vec<Hist>> {
        let n = self.nodes.len();
        let np = self.prims.len();
        let mut h = vec![vec![Hist::None; np]; n];
        // Probes everywhere the node was up (or cleanly left after being up).
        for (i, row) in h.iter_mut().enumerate() {
            let fate = self.nodes[i].fate;
            let has_lrm = match fate {
                NodeFate::Online | NodeFate::Lost | NodeFate::CrmdDown => true,
                NodeFate::Offline => self.rng.gen_bool(0.5),
                NodeFate::Unseen => false,
            };
            if !has_lrm {
                continue;
            }
            for cell in row.iter_mut() {
                if !self.rng.gen_bool(self.k.p_unprobed) {
                    *cell = Hist::Probed;
                }
            }
        }
        for u in 0..self.units.len() {
            let members = self.units[u].members.clone();
            let Some(node) = placed[u] else {
                // A stopped unit may have failed to start somewhere before.
                if self.rng.gen_bool(self.k.p_old_start_fail) {
                    let ups: Vec<usize> = (0..n)
                        .filter(|&i| self.nodes[i].fate == NodeFate::Online)
                        .collect();
                    if let Some(&x) = ups.choose(&mut self.rng) {
                        let m = members[0];
                        h[x][m] = Hist::StartFailedStopped;
                    }
                }
                continue;
            };
            // Which member's start failed just now (the rest after it never started).
            let start_fail_at = if self.rng.gen_bool(self.k.p_start_fail)
                && self.nodes[node].fate == NodeFate::Online
            {
                Some(self.rng.gen_range(0..members.len()))
            } else {
                None
            };
            let stop_fail_at = if start_fail_at.is_none() && self.rng.gen_bool(self.k.p_stop_fail) {
                Some(self.rng.gen_range(0..members.len()))
            } else {
                None
            };
            for (j, &m) in members.iter().enumerate() {
                let cell = match (start_fail_at, stop_fail_at) {
                    (Some(f), _) if j == f => Hist::StartFailed,
                    (Some(f), _) if j > f => {
                        if matches!(h[node][m], Hist::None) {
                            Hist::None
                        } else {
                            Hist::Probed
                        }
                    }
                    // A group stops in reverse: members after the failed
                    // one are already stopped, the ones before still run.
                    (_, Some(f)) if j == f => Hist::StopFailed,
                    (_, Some(f)) if j > f => Hist::Stopped,
                    _ => {
                        let mon = if self.rng.gen_bool(self.k.p_monitor_fail) {
                            match self.rng.gen_range(0..6) {
                                0..=2 => MonResult::NotRunning,
                                3 | 4 => MonResult::Error,
                                _ => MonResult::Timeout,
                            }
                        } else {
                            MonResult::Ok
                        };
                        Hist::Running {
                            mon,
                            old_fail: mon == MonResult::Ok
                                && self.rng.gen_bool(self.k.p_old_monitor_fail),
                        }
                    }
                };
                h[node][m] = cell;
            }
            // Earlier history elsewhere: a move, or a cleaned-up start failure.
            let others: Vec<usize> = (0..n)
                .filter(|&i| {
                    i != node
                        && matches!(
                            self.nodes[i].fate,
                            NodeFate::Online | NodeFate::Lost | NodeFate::CrmdDown
                        )
                })
                .collect();
            if !others.is_empty() && self.rng.gen_bool(self.k.p_moved_history) {
                let &x = others.choose(&mut self.rng).expect("non-empty");
                for &m in &members {
                    h[x][m] = Hist::Stopped;
                }
            }
            if !others.is_empty() && self.rng.gen_bool(self.k.p_old_start_fail) {
                let &x = others.choose(&mut self.rng).expect("non-empty");
                let m = members[self.rng.gen_range(0..members.len())];
                h[x][m] = Hist::StartFailedStopped;
            }
            if !others.is_empty() && self.rng.gen_bool(self.k.p_probe_active) {
                let online: Vec<usize> = others
                    .iter()
                    .copied()
                    .filter(|&i| self.nodes[i].fate == NodeFate::Online)
                    .collect();
                if let Some(&x) = online.choose(&mut self.rng) {
                    let m = members[self.rng.gen_range(0..members.len())];
                    h[x][m] = Hist::ProbeActive;
                }
            }
        }
        h
    }

    // ---------------------------------------------------------------- render
}
