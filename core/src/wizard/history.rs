//! The browser's Back and Forward between the steps: each signed-in step is a history entry
//! (the shell mirrors [`super::View::step`] into it), and a move to an entry comes here. Back
//! and Forward keep every answer, as the page's own Back button does; a move the setup cannot
//! make now (into or out of a run, to a step not reached yet) leaves the page where it is.

use super::{Effect, Event, State, Step};
use crate::config::Config;

impl State {
    /// The history entry the page shows now: the step's id while signed in, from Mailbox on
    /// (Welcome and the sign-in have the page's own entries).
    pub fn history_entry(&self) -> Option<&'static str> {
        (self.session.is_some() && self.step.index() >= Step::Mailbox.index())
            .then(|| self.step.id())
    }

    /// The browser moved to the history entry of `target`.
    pub(super) fn history_moved(
        &mut self,
        config: &Config,
        target: Step,
        seed: [u8; 16],
        now_ms: u64,
    ) -> Vec<Effect> {
        if target == self.step || self.busy || self.session.is_none() {
            return vec![];
        }
        match (self.step, target) {
            // Back, as the page's own Back button.
            (Step::Scope | Step::Review, Step::Mailbox | Step::Scope) => {
                self.update(config, Event::Back(target))
            }
            // Forward to a step already reached with these answers.
            (Step::Mailbox, Step::Scope) if self.setup.findings.is_some() => {
                self.error = None;
                self.step = Step::Scope;
                vec![]
            }
            // Forward to Review: the kept answer is chosen again, from the Scope step.
            (Step::Mailbox | Step::Scope, Step::Review) if self.setup.findings.is_some() => {
                match self.setup.answer.clone() {
                    Some(answer) => {
                        self.step = Step::Scope;
                        self.update(
                            config,
                            Event::ScopeChosen {
                                answer,
                                seed,
                                now_ms,
                            },
                        )
                    }
                    None => vec![],
                }
            }
            _ => vec![],
        }
    }
}
