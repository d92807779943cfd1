//! The run as a checklist for the Apply step: each operation with where it is, and "k of n".

use super::{Phase, Run};
use crate::op::Outcome;

/// Where one operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Waiting,
    Running,
    /// Not yet visible: waiting for directory replication before it looks again at `at_ms`.
    Replicating {
        at_ms: u64,
    },
    /// Throttled or its answer lost: tried again at `at_ms` (unix ms).
    Retrying {
        at_ms: u64,
    },
    /// Waits for the admin (the Exchange script's code) or for the network or a new sign-in.
    Held,
    Done(Outcome),
    Failed,
}

impl ItemState {
    /// In words, for the checklist.
    pub fn words(self) -> &'static str {
        match self {
            ItemState::Waiting => "waiting",
            ItemState::Running => "running",
            ItemState::Replicating { .. } => "waiting for directory replication",
            ItemState::Retrying { .. } => "retrying",
            ItemState::Held => "waiting for you",
            ItemState::Done(Outcome::Created) => "done: created",
            ItemState::Done(Outcome::Existing) => "done: already there",
            ItemState::Done(Outcome::Skipped) => "not needed",
            ItemState::Done(Outcome::Done) => "done",
            ItemState::Failed => "stopped",
        }
    }
}

impl Run {
    /// The operations of the current part of the run (the undo's, once undoing), each with
    /// its state; and how many are finished.
    pub fn checklist(&self) -> (Vec<(&'static str, ItemState)>, usize) {
        let from = self.undo_from.unwrap_or(0);
        let items: Vec<_> = self.ops[from..]
            .iter()
            .zip(&self.states[from..])
            .map(|(op, s)| {
                let state = match &s.phase {
                    Phase::Waiting => ItemState::Waiting,
                    Phase::InFlight => ItemState::Running,
                    Phase::Sleeping { wake_at_ms, .. } if s.lag_since.is_some() => {
                        ItemState::Replicating { at_ms: *wake_at_ms }
                    }
                    Phase::Sleeping { wake_at_ms, .. } => {
                        ItemState::Retrying { at_ms: *wake_at_ms }
                    }
                    Phase::AwaitOnline | Phase::Paused(_) | Phase::Held => ItemState::Held,
                    Phase::Done(o) => ItemState::Done(*o),
                    Phase::Failed(_) => ItemState::Failed,
                };
                (op.kind.label(), state)
            })
            .collect();
        let done = items
            .iter()
            .filter(|(_, s)| matches!(s, ItemState::Done(_)))
            .count();
        (items, done)
    }
}
