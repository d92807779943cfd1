//! The Hand-off step's files, rendered from the applied run: the Exchange scripts, and, while
//! the secret is in memory, the bundle and what goes with it. Which download counts as the
//! secret leaving the page is decided here too ([`FileKind::carries_secret`]).

use std::fmt;

use super::setup::SetupError;
use super::State;
use crate::bundle::{self, HandOffFormat};
use crate::config::Config;
use crate::powershell;
use crate::run;

use super::Effect;

/// A file the admin can take away.
#[derive(Clone, PartialEq, Eq)]
pub enum FileKind {
    SetupScript,
    RollbackScript,
    /// Encrypted to the vendor's age recipient.
    BundleForVendor,
    /// Encrypted with the passphrase the admin submitted; the page's suggestion beside it, so
    /// an unchanged suggestion keeps its known strength ([`bundle::Passphrase::submitted`]).
    BundleWithPassphrase {
        typed: String,
        suggestion: String,
    },
    BundleJson,
    BundleEnv,
    BundleShell,
    Readme,
    Reminder,
    TestPowerShell,
    TestShell,
    /// The apply run's request log (JSON).
    Log,
    /// A saved run that could not be continued, as it was kept (no secret is ever in one).
    SavedRun,
}

impl fmt::Debug for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileKind::BundleWithPassphrase { .. } => {
                f.write_str("BundleWithPassphrase([redacted])")
            }
            FileKind::SetupScript => f.write_str("SetupScript"),
            FileKind::RollbackScript => f.write_str("RollbackScript"),
            FileKind::BundleForVendor => f.write_str("BundleForVendor"),
            FileKind::BundleJson => f.write_str("BundleJson"),
            FileKind::BundleEnv => f.write_str("BundleEnv"),
            FileKind::BundleShell => f.write_str("BundleShell"),
            FileKind::Readme => f.write_str("Readme"),
            FileKind::Reminder => f.write_str("Reminder"),
            FileKind::TestPowerShell => f.write_str("TestPowerShell"),
            FileKind::TestShell => f.write_str("TestShell"),
            FileKind::Log => f.write_str("Log"),
            FileKind::SavedRun => f.write_str("SavedRun"),
        }
    }
}

impl FileKind {
    /// A download of this file takes the client secret out of the page: once it is saved, the
    /// secret counts as handed off (no unload warning; a reload no longer replaces it).
    pub fn carries_secret(&self) -> bool {
        matches!(
            self,
            FileKind::BundleForVendor
                | FileKind::BundleWithPassphrase { .. }
                | FileKind::BundleJson
                | FileKind::BundleEnv
                | FileKind::BundleShell
        )
    }
}

/// What a download needs: ready now, or made by the hand-off module first.
pub enum Prepared {
    Ready(File),
    /// `file` holds the bundle JSON, in plain text; the module does `task` with it, and the
    /// file's bytes become its answer (`file`'s name and type are already the answer's).
    Module {
        file: File,
        task: ModuleTask,
    },
}

/// What the hand-off module does with the bundle JSON (or the scripts' input).
#[derive(Clone, PartialEq, Eq)]
pub enum ModuleTask {
    /// Encrypt it to the vendor's age X25519 recipient.
    Recipient(String),
    /// Encrypt it with the admin's passphrase; `suggested`: the page's own suggestion, unchanged.
    Passphrase { text: String, suggested: bool },
    /// Write another of the bundle's files from it: the page does not carry those renderers
    /// (they arrive with the module; `bundle::read_json` reads the JSON back first).
    Render(bundle::BundleFile),
    /// Write the Exchange setup or rollback script as a `.ps1` file; `file` holds the scripts'
    /// input ([`crate::powershell::ScriptInput::to_text`]), not the bundle.
    Script { rollback: bool },
}

impl fmt::Debug for ModuleTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleTask::Recipient(r) => write!(f, "Recipient({r})"),
            ModuleTask::Passphrase { suggested, .. } => {
                write!(f, "Passphrase([redacted], suggested: {suggested})")
            }
            ModuleTask::Render(what) => write!(f, "Render({what:?})"),
            ModuleTask::Script { rollback } => write!(f, "Script(rollback: {rollback})"),
        }
    }
}

/// Why the hand-off module did not make the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// The module did not load, or did not match its hash.
    #[error("the hand-off module did not load: {0}")]
    Unavailable(String),
    /// It loaded and refused (a recipient or passphrase it cannot use, a bundle it cannot read).
    #[error("the file could not be made: {0}")]
    Refused(String),
}

impl crate::explain::Explain for ModuleError {
    fn explain(&self) -> crate::explain::Explanation {
        let (title, fix) = match self {
            ModuleError::Unavailable(_) => (
                "The part of this page that writes the Exchange script and the vendor's files, and encrypts the bundle, did not load.",
                "Check your connection, then try again (Retry, or the download button). Nothing was lost: the secret stays in this page until you save it or leave.",
            ),
            ModuleError::Refused(_) => (
                "The file could not be made.",
                "Check the passphrase (or tell the vendor their age key was refused), then try again. Nothing was lost.",
            ),
        };
        crate::explain::Explanation {
            title: title.into(),
            detail: self.to_string(),
            fix: fix.into(),
            audience: crate::explain::Audience::Admin,
            example: None,
        }
    }
}

/// A file to download: name, media type, bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A plain bundle holds the secret: never its bytes.
        write!(
            f,
            "File({}, {}, [{} bytes])",
            self.name,
            self.mime,
            self.bytes.len()
        )
    }
}

fn text(name: &str, mime: &'static str, s: String) -> File {
    File {
        name: name.to_owned(),
        mime,
        bytes: s.into_bytes(),
    }
}

impl State {
    /// A download reached the admin: one that carries the secret hands it off.
    pub(super) fn downloaded(
        &mut self,
        config: &Config,
        kind: &FileKind,
        now_ms: u64,
    ) -> Vec<Effect> {
        // Without a secret in memory (a certificate, a federated credential, the vendor's own
        // app; or a secret already forgotten) no file carries one.
        if !kind.carries_secret() || self.setup.handed_off || self.setup.secret.is_none() {
            return vec![];
        }
        self.apply_command(config, run::Event::SecretHandedOff, now_ms)
    }

    /// Renders `kind` from the applied run, or hands the bundle JSON to the hand-off module
    /// ([`Prepared::Module`]), which encrypts it or writes the bundle's other files from it.
    pub fn file(&self, config: &Config, kind: &FileKind) -> Result<Prepared, SetupError> {
        // The module writes the scripts too, from their input (no template is in the first load).
        let scripts = |rollback: bool| -> Result<Prepared, SetupError> {
            let input = self.script_input(config)?;
            Ok(Prepared::Module {
                file: File {
                    name: powershell::file_name(&input, rollback),
                    mime: bundle::TEXT,
                    bytes: input.to_text().into_bytes(),
                },
                task: ModuleTask::Script { rollback },
            })
        };
        // The rest is made from the bundle, which needs the secret in memory.
        let the_bundle = || self.bundle(config, self.token_endpoint().unwrap_or_default());
        // The bundle's other files are written by the hand-off module from its JSON.
        let module = |b: bundle::Bundle, what: bundle::BundleFile| Prepared::Module {
            file: File {
                name: what.file_name(&b).to_owned(),
                mime: what.media_type(),
                bytes: bundle::render_json(&b).into_bytes(),
            },
            task: ModuleTask::Render(what),
        };
        let render = |what| -> Result<Prepared, SetupError> { Ok(module(the_bundle()?, what)) };
        Ok(Prepared::Ready(match kind {
            FileKind::SetupScript => return scripts(false),
            FileKind::RollbackScript => return scripts(true),
            FileKind::SavedRun => text(
                "mailgrant-saved-run.json",
                "application/json",
                self.damaged_journal()
                    .ok_or(SetupError::Missing("a saved run"))?
                    .to_owned(),
            ),
            FileKind::Log => {
                let run = self
                    .setup
                    .apply
                    .as_ref()
                    .ok_or(SetupError::Missing("the apply run"))?;
                text("mailgrant-log.json", "application/json", run.log_json())
            }
            // Sealed by the hand-off module: the page makes the JSON, the module encrypts it.
            FileKind::BundleForVendor => {
                let recipient = config
                    .vendor
                    .age_recipient
                    .clone()
                    .ok_or(SetupError::Missing("the vendor's age recipient"))?;
                return Ok(Prepared::Module {
                    file: File {
                        name: HandOffFormat::AgeRecipient.file_name().to_owned(),
                        mime: HandOffFormat::AgeRecipient.media_type(),
                        bytes: bundle::render_json(&the_bundle()?).into_bytes(),
                    },
                    task: ModuleTask::Recipient(recipient),
                });
            }
            FileKind::BundleWithPassphrase { typed, suggestion } => {
                let passphrase = bundle::Passphrase::submitted(typed.clone(), suggestion);
                let strength = passphrase.strength();
                if strength.strength == bundle::Strength::TooWeak {
                    return Err(bundle::BundleError::WeakPassphrase {
                        bits: strength.bits,
                        min: bundle::MIN_PASSPHRASE_BITS,
                    }
                    .into());
                }
                return Ok(Prepared::Module {
                    file: File {
                        // Not the vendor file's name: both may be downloaded.
                        name: "mailgrant-bundle.passphrase.json.age".to_owned(),
                        mime: HandOffFormat::AgePassphrase.media_type(),
                        bytes: bundle::render_json(&the_bundle()?).into_bytes(),
                    },
                    task: ModuleTask::Passphrase {
                        text: typed.clone(),
                        suggested: !suggestion.is_empty() && typed == suggestion,
                    },
                });
            }
            FileKind::BundleJson => text(
                HandOffFormat::PlainJson.file_name(),
                HandOffFormat::PlainJson.media_type(),
                bundle::render_json(&the_bundle()?),
            ),
            FileKind::BundleEnv => return render(bundle::BundleFile::Env),
            FileKind::BundleShell => return render(bundle::BundleFile::Shell),
            FileKind::Readme => return render(bundle::BundleFile::Readme),
            FileKind::Reminder => {
                let b = the_bundle()?;
                if b.fields().credential_expires_at().is_none() {
                    return Err(SetupError::Missing(
                        "an expiry (this credential does not expire)",
                    ));
                }
                return Ok(module(b, bundle::BundleFile::Reminder));
            }
            FileKind::TestPowerShell => return render(bundle::BundleFile::TestPowerShell),
            FileKind::TestShell => return render(bundle::BundleFile::TestShell),
        }))
    }
}
