//! The setup script as the page shows it. The hand-off module writes it from the scripts' input
//! ([`ScriptInput::to_text`]): the templates are not in the page's first load. The legacy mode
//! needs it on Apply, while the run waits for it, and Hand-off shows it too; by then the module
//! is loading (it is fetched once Apply starts). One request per input: the answer is kept
//! while the input stays the same, and a module that did not load is asked again on Retry.

use super::view::{Script, ScriptText};
use super::{Effect, ModuleError, State, Step};
use crate::config::Config;
use crate::explain::Explain;
use crate::powershell;
use crate::run::Status;

/// The module's answer for one input.
#[derive(Debug, Default)]
pub(super) struct ShownScript {
    /// The input (its text) last asked for.
    input: Option<String>,
    /// Its answer; `None` while the module writes it.
    text: Option<Result<String, ModuleError>>,
}

impl State {
    /// The screen shows the setup script: Apply while the legacy run waits for it, and Hand-off.
    pub(super) fn shows_script(&self) -> bool {
        match self.step {
            Step::Apply => self
                .setup
                .apply
                .as_ref()
                .is_some_and(|r| r.status() == Status::Waiting),
            Step::HandOff => true,
            _ => false,
        }
    }

    /// After every event: ask the module for the script the screen shows, once per input.
    pub(super) fn want_script(&mut self, config: &Config) -> Option<Effect> {
        if !self.shows_script() {
            return None;
        }
        let input = self.script_input(config).ok()?.to_text();
        if self.shown_script.input.as_ref() == Some(&input) {
            return None;
        }
        self.shown_script = ShownScript {
            input: Some(input.clone()),
            text: None,
        };
        Some(Effect::WriteScript { input })
    }

    /// The module's answer; one for an input no longer shown is dropped.
    pub(super) fn script_written(&mut self, input: String, result: Result<String, ModuleError>) {
        if self.shown_script.input.as_ref() == Some(&input) {
            self.shown_script.text = Some(result);
        }
    }

    /// Retry: the next [`State::want_script`] asks the module again.
    pub(super) fn retry_script(&mut self) {
        self.shown_script = ShownScript::default();
    }

    /// The script's text, once the module wrote it for the input shown now.
    pub(super) fn script_text(&self, config: &Config) -> Option<&str> {
        let input = self.script_input(config).ok()?.to_text();
        match &self.shown_script.text {
            Some(Ok(text)) if self.shown_script.input.as_ref() == Some(&input) => Some(text),
            _ => None,
        }
    }

    /// The setup script as the page shows it.
    pub(super) fn script_view(&self, config: &Config) -> Script {
        let input = match self.script_input(config) {
            Ok(i) => i,
            Err(e) => {
                return Script {
                    text: ScriptText::Failed {
                        why: e.explain(),
                        retry: false,
                    },
                    setup_file: String::new(),
                    rollback_file: String::new(),
                }
            }
        };
        let current = self.shown_script.input.as_ref() == Some(&input.to_text());
        let text = match &self.shown_script.text {
            Some(Ok(text)) if current => ScriptText::Ready(text.clone()),
            Some(Err(e)) if current => ScriptText::Failed {
                why: e.explain(),
                retry: matches!(e, ModuleError::Unavailable(_)),
            },
            _ => ScriptText::Writing,
        };
        Script {
            text,
            setup_file: powershell::file_name(&input, false),
            rollback_file: powershell::file_name(&input, true),
        }
    }
}
