//! The files of the Hand-off step, rendered by the core from the applied run.

use mailgrant_core::bundle::{self, HandOffFormat};
use mailgrant_core::config::Config;
use mailgrant_core::powershell;
use mailgrant_core::wizard::State;

use crate::ui::FileKind;

/// A file to download: name, media type, bytes.
pub struct File {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

const PS1: &str = "text/plain; charset=utf-8";

/// Renders `kind` from the wizard's state.
pub fn render(state: &State, config: &Config, kind: &FileKind) -> Result<File, String> {
    let script = state.script_input(config).map_err(|e| e.to_string())?;
    let scripts = |rollback: bool| -> Result<File, String> {
        let text = if rollback {
            powershell::rollback_script(&script)
        } else {
            powershell::setup_script(&script)
        }
        .map_err(|e| e.to_string())?;
        Ok(File {
            name: powershell::file_name(&script, rollback),
            mime: PS1,
            bytes: powershell::download_bytes(&text),
        })
    };
    match kind {
        FileKind::SetupScript => scripts(false),
        FileKind::RollbackScript => scripts(true),
        other => bundle_file(state, config, other),
    }
}

/// The files built from the bundle, while the secret is in memory.
fn bundle_file(state: &State, config: &Config, kind: &FileKind) -> Result<File, String> {
    let token_endpoint = state.token_endpoint().unwrap_or_default();
    let b = state
        .bundle(config, token_endpoint)
        .map_err(|e| e.to_string())?;
    let text = |name: &str, mime: &'static str, s: String| File {
        name: name.to_owned(),
        mime,
        bytes: s.into_bytes(),
    };
    let created = b.fields().created_at;
    Ok(match kind {
        FileKind::BundleForVendor => {
            let recipient = config
                .vendor
                .age_recipient
                .as_deref()
                .ok_or("the vendor has no age recipient")?;
            File {
                name: HandOffFormat::AgeRecipient.file_name().to_owned(),
                mime: HandOffFormat::AgeRecipient.media_type(),
                bytes: bundle::encrypt_to_recipient(&b, recipient).map_err(|e| e.to_string())?,
            }
        }
        FileKind::BundleWithPassphrase(p) => File {
            // Not the vendor file's name: both may be downloaded.
            name: "mailgrant-bundle.passphrase.json.age".to_owned(),
            mime: HandOffFormat::AgePassphrase.media_type(),
            bytes: bundle::encrypt_with_passphrase(&b, &bundle::Passphrase::new(p.clone()))
                .map_err(|e| e.to_string())?,
        },
        FileKind::BundleJson => text(
            HandOffFormat::PlainJson.file_name(),
            HandOffFormat::PlainJson.media_type(),
            bundle::render_json(&b),
        ),
        FileKind::BundleEnv => text(
            HandOffFormat::PlainEnv.file_name(),
            HandOffFormat::PlainEnv.media_type(),
            bundle::render_env(&b),
        ),
        FileKind::Readme => text(
            "README.txt",
            "text/plain; charset=utf-8",
            bundle::render_readme(&b),
        ),
        FileKind::Reminder => text(
            "rotate-client-secret.ics",
            "text/calendar; charset=utf-8",
            bundle::render_ics(&b, created),
        ),
        FileKind::TestPowerShell => text(
            "test-mailgrant.ps1",
            PS1,
            bundle::render_test_powershell(&b),
        ),
        // Browsers hold back `.sh` downloads as dangerous; `sh test-mailgrant.sh.txt` runs it.
        FileKind::TestShell => text(
            "test-mailgrant.sh.txt",
            "text/plain; charset=utf-8",
            bundle::render_test_sh(&b),
        ),
        FileKind::SetupScript | FileKind::RollbackScript => {
            return Err("the scripts are not built from the bundle".into())
        }
    })
}
