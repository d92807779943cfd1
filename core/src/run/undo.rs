//! Undo: the removals of what this run created, newest first, each after the one before. The same
//! function appends them when Undo starts and rebuilds them when an undoing run is resumed.

use crate::op::{Facts, Outcome};
use crate::plan::Op;

/// The undo operations for `ops` (of which `outcomes` are known), numbered after them.
pub(super) fn ops(ops: &[Op], outcomes: &[Option<Outcome>], facts: &Facts) -> Vec<Op> {
    let from = ops.len();
    ops.iter()
        .zip(outcomes)
        .rev()
        .filter(|(_, o)| **o == Some(Outcome::Created))
        .filter_map(|(op, _)| op.kind.undo(facts))
        .enumerate()
        .map(|(i, kind)| {
            let id = from + i;
            let why = format!("Undo: {}", kind.label().trim_start_matches("undo: "));
            Op {
                id,
                deps: if i == 0 { vec![] } else { vec![id - 1] },
                kind,
                why,
            }
        })
        .collect()
}
