//! Copy: what the admin can put on the clipboard, and what the page says after the browser
//! answered (a refusal is said, with what to do instead, never ignored).

use std::fmt;

use super::{Effect, State, Step};
use crate::config::Config;

/// What the admin can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copyable {
    Secret,
    SetupScript,
    /// An id or other text shown on the page (not a secret): the tenant id, the client id, …
    Shown(String),
    /// The suggested passphrase for the vendor's bundle (the shell holds it until used).
    Passphrase(CopyText),
}

/// Text for the clipboard (it may be the secret: redacted in `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct CopyText(pub String);

impl fmt::Debug for CopyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CopyText([{} chars])", self.0.chars().count())
    }
}

/// Which copy the last answer was for, on which step, and whether the browser did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub step: Step,
    pub what: CopyTarget,
    pub ok: bool,
}

/// A copy's target without its text (the view names it; a secret is never kept twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyTarget {
    Secret,
    SetupScript,
    Shown(String),
    Passphrase,
}

impl Copyable {
    pub fn target(&self) -> CopyTarget {
        match self {
            Copyable::Secret => CopyTarget::Secret,
            Copyable::SetupScript => CopyTarget::SetupScript,
            Copyable::Shown(t) => CopyTarget::Shown(t.clone()),
            Copyable::Passphrase(_) => CopyTarget::Passphrase,
        }
    }
}

/// What a copy button says after the browser answered.
pub fn said(ok: bool) -> &'static str {
    if ok {
        "Copied."
    } else {
        "Your browser did not let the page copy. Select the text and copy it yourself (Ctrl+C, or ⌘C on a Mac)."
    }
}

impl State {
    pub(super) fn copy(&mut self, config: &Config, what: Copyable) -> Vec<Effect> {
        self.copied = None;
        let target = what.target();
        let text = match what {
            Copyable::Secret => self
                .setup
                .secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            // As shown: the module wrote it (Copy waits for it, as the text does).
            Copyable::SetupScript => self.script_text(config).map(str::to_owned),
            Copyable::Shown(t) => Some(t),
            Copyable::Passphrase(p) => Some(p.0),
        };
        match text {
            Some(t) => vec![Effect::Copy {
                what: target,
                text: CopyText(t),
            }],
            None => {
                self.copied = Some(Copied {
                    step: self.step,
                    what: target,
                    ok: false,
                });
                vec![]
            }
        }
    }

    /// The browser's answer. The secret on the clipboard counts as handed off, as a download
    /// of a file that carries it does: the admin took it out of the page.
    pub(super) fn copied(
        &mut self,
        config: &Config,
        what: CopyTarget,
        ok: bool,
        now_ms: u64,
    ) -> Vec<Effect> {
        let secret = what == CopyTarget::Secret;
        self.copied = Some(Copied {
            step: self.step,
            what,
            ok,
        });
        if ok && secret && !self.setup.handed_off && self.setup.secret.is_some() {
            return self.apply_command(config, crate::run::Event::SecretHandedOff, now_ms);
        }
        vec![]
    }

    /// The last copy's answer, while the admin is still on the step it was made on.
    pub fn copy_result(&self) -> Option<&Copied> {
        self.copied.as_ref().filter(|c| c.step == self.step)
    }
}
