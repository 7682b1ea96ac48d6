//! Promotable clones: promotion scores, choosing which instances are
//! promoted, the promote/demote pseudo actions and role-aware colocations
//! (Pacemaker 2.1.5's `pcmk_sched_promotable.c`).

use super::ws::*;

/// Adds the nodes' promotion scores to the instances (`pcmk__add_promotion_scores`).
pub fn add_promotion_scores(_ws: &mut WorkingSet, _clone: RscIdx) {}

/// Chooses the instances' roles (`pcmk__set_instance_roles`).
pub fn set_instance_roles(_ws: &mut WorkingSet, _clone: RscIdx) {}

/// A dependent placed relative to a role of a promotable clone
/// (`pcmk__update_dependent_with_promotable`).
pub fn update_dependent_with_promotable(
    _ws: &mut WorkingSet,
    _primary: RscIdx,
    _dependent: RscIdx,
    _c: &Colocation,
) {
}

/// A dependent's promotion priority from a role colocation
/// (`pcmk__update_promotable_dependent_priority`).
pub fn update_promotable_dependent_priority(
    _ws: &mut WorkingSet,
    _primary: RscIdx,
    _dependent: RscIdx,
    _c: &Colocation,
) {
}

/// Creates the promote/demote actions (`pcmk__create_promotable_actions`).
pub fn create_promotable_actions(_ws: &mut WorkingSet, _clone: RscIdx) {}

/// Orders the instances' promotes and demotes (`pcmk__order_promotable_instances`).
pub fn order_promotable_instances(_ws: &mut WorkingSet, _clone: RscIdx) {}
