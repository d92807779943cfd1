//! The Apply step's countdown: while an operation waits to be sent again (throttling, a lost
//! answer, directory replication), the page says in how many seconds, and asks the shell for a
//! tick each second until nothing waits.

use super::{Effect, State};
use crate::run::ItemState;

impl State {
    /// The clock moved on; while the apply run waits to retry something, tick again.
    pub(super) fn tick(&mut self, now_ms: u64) -> Vec<Effect> {
        self.clock_ms = self.clock_ms.max(now_ms);
        let waiting = self
            .setup
            .apply
            .as_ref()
            .is_some_and(|r| r.checklist().0.iter().any(|(_, s)| at(*s).is_some()));
        if self.ticking || !waiting {
            return vec![];
        }
        self.ticking = true;
        vec![Effect::Tick]
    }

    /// An operation's state in words, with the seconds until its retry.
    pub(super) fn item_words(&self, state: ItemState) -> String {
        match at(state) {
            Some(at_ms) => {
                let secs = at_ms.saturating_sub(self.clock_ms).div_ceil(1000);
                format!("{} (in {secs} s)", state.words())
            }
            None => state.words().to_owned(),
        }
    }
}

fn at(state: ItemState) -> Option<u64> {
    match state {
        ItemState::Retrying { at_ms } | ItemState::Replicating { at_ms } => Some(at_ms),
        _ => None,
    }
}
