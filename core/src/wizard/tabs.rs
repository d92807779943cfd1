//! One tab per run, and a saved run that cannot be continued.
//!
//! A duplicated tab copies sessionStorage, and with it the run's journal: before a tab resumes
//! (or starts) a run it asks the shell to hold the run's Web Lock ([`Effect::HoldRun`]); a tab
//! that cannot says so and sends nothing. A journal that does not parse is reported and kept
//! (the admin may download it for support) until the admin discards it or a new run replaces it.

use super::{Effect, State};
use crate::config::Config;
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::Guid;
use crate::run::journal;

/// The Web Lock name of a run.
pub fn lock_name(run_id: Guid) -> String {
    format!("mailgrant-run-{run_id}")
}

impl State {
    /// Resumes a saved run once this tab holds it; a damaged one is reported and kept.
    pub(super) fn claim_then_resume(
        &mut self,
        config: &Config,
        text: String,
        seed: [u8; 16],
        now_ms: u64,
    ) -> Vec<Effect> {
        let run_id = match journal::check(&text) {
            Ok(id) => id,
            Err(e) => {
                self.damaged_journal = Some(text);
                let mut why = e.explain();
                why.fix = format!("{} The saved run stays in this tab: download it for the vendor's support, or discard it.", why.fix);
                self.error = Some(why);
                return vec![];
            }
        };
        if self.held_run == Some(run_id) {
            return self.resume_journal(config, &text, seed, now_ms);
        }
        self.awaiting_hold = Some((text, seed));
        self.busy = true;
        vec![Effect::HoldRun {
            run_id,
            name: lock_name(run_id),
        }]
    }

    /// The shell's answer to [`Effect::HoldRun`].
    pub(super) fn run_held(
        &mut self,
        config: &Config,
        run_id: Guid,
        held: bool,
        now_ms: u64,
    ) -> Vec<Effect> {
        let awaiting = self
            .awaiting_hold
            .take_if(|(text, _)| journal::check(text).ok() == Some(run_id));
        if held {
            self.held_run = Some(run_id);
            return match awaiting {
                Some((text, seed)) => self.resume_journal(config, &text, seed, now_ms),
                None => vec![],
            };
        }
        self.busy = false;
        if let Some(waiting) = awaiting {
            // Kept: a reload of this tab, once the other is closed, continues it.
            self.interrupted = Some(waiting);
        }
        if self
            .setup
            .apply
            .as_ref()
            .is_some_and(|r| r.run_id() == run_id)
        {
            // A run this tab started is held elsewhere: stop it before anything more is sent.
            self.setup.apply = None;
        }
        self.error = Some(Explanation {
            title: "This setup is running in another tab.".into(),
            detail: format!("Another tab of this browser holds the setup (run {run_id}): it was opened from this one, or this one from it. Two tabs would send the same changes twice."),
            fix: "Continue in the other tab and close this one. If you closed the other tab, reload this one to continue here.".into(),
            audience: Audience::Admin,
            example: None,
        });
        vec![]
    }

    /// The admin discarded a saved run that could not be continued.
    pub(super) fn discard_saved_run(&mut self) -> Vec<Effect> {
        if self.damaged_journal.take().is_none() {
            return vec![];
        }
        self.error = None;
        vec![Effect::RemoveJournal]
    }

    /// The text of the saved run that could not be continued (no secret is ever in a journal).
    pub fn damaged_journal(&self) -> Option<&str> {
        self.damaged_journal.as_deref()
    }
}
