//! What survives a membership change: totem delivers the messages in flight
//! at a change to the survivors. Each node joins with what it kept of the
//! ring it was last operational in; the representative unites what the new
//! ring's members kept of each old ring and sends every member the union
//! of its own old ring, to deliver what it lacks before the new ring's
//! first token (totemsrp's recovery of the old ring's messages).

use std::collections::BTreeMap;

use sim::NodeId;

use super::{Entry, Retained, RingId};

/// For each old ring among the new ring's members, the union of what they
/// retained of it, in sequence order: every message of that ring some
/// member of the new ring delivered and another may lack.
pub(super) fn recovery<P: Clone>(
    old_of: &BTreeMap<NodeId, Option<Retained<P>>>,
) -> BTreeMap<RingId, Retained<P>> {
    let mut by_ring: BTreeMap<RingId, BTreeMap<u64, Entry<P>>> = BTreeMap::new();
    for r in old_of.values().flatten() {
        let log = by_ring.entry(r.ring).or_default();
        for e in &r.log {
            log.entry(e.0).or_insert_with(|| e.clone());
        }
    }
    by_ring
        .into_iter()
        .map(|(ring, log)| {
            let log = log.into_values().collect();
            (ring, Retained { ring, log })
        })
        .collect()
}
