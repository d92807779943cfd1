//! The hand-off bundle: what the admin gives the vendor once the app exists.
//!
//! A [`Bundle`] holds everything the vendor needs (format `mailgrant-bundle/1`, documented by the
//! JSON Schema [`SCHEMA`] at `schemas/mailgrant-bundle-1.schema.json`). Render functions turn it
//! into files:
//!
//! | file | function | holds the secret value |
//! |---|---|---|
//! | `mailgrant-bundle.json.age` (to the vendor's age key) | [`encrypt_to_recipient`] | encrypted |
//! | `mailgrant-bundle.json.age` (passphrase) | [`encrypt_with_passphrase`] | encrypted |
//! | `mailgrant-bundle.json` | [`render_json`] | **plain text** |
//! | `mailgrant.env` (`docker run --env-file`) | [`render_env`] | **plain text** |
//! | `mailgrant.sh` (`. ./mailgrant.sh`) | [`render_sh`] | **plain text** |
//! | `README.txt` | [`render_readme`] | no (names the field that has it) |
//! | `rotate-client-secret.ics` | [`render_ics`] | no |
//! | `test-mailgrant.ps1`, `test-mailgrant.sh` | [`render_test_powershell`], [`render_test_sh`] | no: they read it from the bundle file or an environment variable |
//!
//! The secret value leaves [`ClientSecret`] only inside [`render_json`], [`render_env`] and
//! [`render_sh`] (and
//! the encryption functions, which encrypt [`render_json`]'s output). `Debug` of every type here
//! redacts it.

#[cfg(feature = "encrypt")]
mod encrypt;
mod ics;
mod json;
mod passphrase;
mod read;
mod scripts;
mod text;

use std::fmt;

pub use crate::time::{TimeError, UtcDateTime};
#[cfg(feature = "encrypt")]
pub use encrypt::{
    encrypt_to_recipient, encrypt_with_passphrase, encrypt_with_passphrase_work_factor,
    seal_to_recipient, seal_with_passphrase, Randomness,
};
/// How many random bytes one encryption takes (the page draws them; see `Randomness`).
pub const RANDOM_BYTES: usize = 64;
pub use ics::{reminder_lead_days, render_ics, REMINDER_DAYS_BEFORE_EXPIRY};
pub use json::{render_json, SCHEMA};
pub use passphrase::SCRYPT_LOG_N;
pub use passphrase::{
    estimate_passphrase_strength, generate_passphrase, Passphrase, PassphraseStrength, Strength,
    GENERATED_PASSPHRASE_BITS, MIN_PASSPHRASE_BITS,
};
pub use read::read_json;
pub use scripts::{render_test_powershell, render_test_sh, SECRET_ENV_VAR};
pub use text::{render_env, render_readme, render_sh};

use crate::config::ScopeMode;
use crate::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::powershell::{Cloud, DisplayText, ScopeTarget};
use crate::secret::ClientSecret;

/// The `format` field of every bundle this version writes.
pub const BUNDLE_FORMAT: &str = "mailgrant-bundle/1";

/// The age X25519 recipient of mailgrant's **demo** vendor. Its identity (private key) is public,
/// in `fixtures/demo-vendor-age-identity.txt`: use it for the demo and tests only, never for a
/// real secret.
pub const DEMO_AGE_RECIPIENT: &str =
    "age1cs7wtnl50krd06xk5tyyqza64cdt0x9flzh0w0t627ysn0jrhu5q640exv";

/// File names the page offers for downloads.
pub const JSON_FILE_NAME: &str = "mailgrant-bundle.json";
pub const AGE_FILE_NAME: &str = "mailgrant-bundle.json.age";
pub const ENV_FILE_NAME: &str = "mailgrant.env";
pub const SH_FILE_NAME: &str = "mailgrant.sh";
pub const README_FILE_NAME: &str = "README.txt";
pub const ICS_FILE_NAME: &str = "rotate-client-secret.ics";
pub const POWERSHELL_TEST_FILE_NAME: &str = "test-mailgrant.ps1";
pub const SH_TEST_FILE_NAME: &str = "test-mailgrant.sh";

/// How the bundle is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffFormat {
    /// age, encrypted to the vendor's X25519 recipient (`vendor.ageRecipient`).
    AgeRecipient,
    /// age, encrypted with a passphrase (scrypt) the admin gives the vendor another way.
    AgePassphrase,
    /// Plain JSON. The page shows it only behind an explicit confirmation.
    PlainJson,
    /// Plain `.env` (`docker run --env-file`). Only behind an explicit confirmation.
    PlainEnv,
    /// Plain `sh` exports (`. ./mailgrant.sh`). Only behind an explicit confirmation.
    PlainShell,
}

impl HandOffFormat {
    /// The default: to the vendor's age key when configured, else a passphrase.
    pub fn default_for(vendor_age_recipient: Option<&str>) -> Self {
        match vendor_age_recipient {
            Some(_) => HandOffFormat::AgeRecipient,
            None => HandOffFormat::AgePassphrase,
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            HandOffFormat::AgeRecipient | HandOffFormat::AgePassphrase => AGE_FILE_NAME,
            HandOffFormat::PlainJson => JSON_FILE_NAME,
            HandOffFormat::PlainEnv => ENV_FILE_NAME,
            HandOffFormat::PlainShell => SH_FILE_NAME,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            HandOffFormat::AgeRecipient | HandOffFormat::AgePassphrase => {
                "application/octet-stream"
            }
            HandOffFormat::PlainJson => "application/json",
            HandOffFormat::PlainEnv | HandOffFormat::PlainShell => "text/plain; charset=utf-8",
        }
    }

    /// `true` when the file shows the client secret value to anyone who opens it.
    pub fn is_plaintext(self) -> bool {
        matches!(
            self,
            HandOffFormat::PlainJson | HandOffFormat::PlainEnv | HandOffFormat::PlainShell
        )
    }
}

/// Where the vendor gets tokens and sends mail. Both URLs have no trailing slash and consist of
/// printable ASCII without quotes, backslashes, backticks or spaces, so every rendering can
/// embed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    token_endpoint: String,
    graph_base_url: String,
}

impl Endpoints {
    /// The tenant's token endpoint and Microsoft Graph for its cloud.
    pub fn for_cloud(cloud: Cloud, tenant_id: TenantId) -> Self {
        let (login, graph) = match cloud {
            Cloud::Global | Cloud::UsGovGcc => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ),
            Cloud::UsGovGccHigh => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            ),
            Cloud::UsGovDod => (
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
            ),
            Cloud::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
        };
        Endpoints {
            token_endpoint: format!("{login}/{tenant_id}/oauth2/v2.0/token"),
            graph_base_url: graph.to_owned(),
        }
    }

    /// Other endpoints (the emulator, a test tenant). Each must be an `https://` or `http://`
    /// URL of printable ASCII with no quotes, backslashes, backticks, spaces, `?` or `#`.
    pub fn custom(token_endpoint: &str, graph_base_url: &str) -> Result<Self, BundleError> {
        Ok(Endpoints {
            token_endpoint: check_url("token endpoint", token_endpoint)?,
            graph_base_url: check_url("Graph base URL", graph_base_url)?,
        })
    }

    pub fn token_endpoint(&self) -> &str {
        &self.token_endpoint
    }

    pub fn graph_base_url(&self) -> &str {
        &self.graph_base_url
    }

    /// The client-credentials `scope`: `{graph}/.default`.
    pub fn token_scope(&self) -> String {
        format!("{}/.default", self.graph_base_url)
    }
}

fn check_url(which: &'static str, url: &str) -> Result<String, BundleError> {
    let err = |reason: &'static str| BundleError::Endpoint {
        which,
        value: url.to_owned(),
        reason,
    };
    // Not `crate::uri::check`: these endpoints were checked when the page read them (discovery,
    // config.json), and the hand-off module, which reads the bundle back, would carry its 2 kB.
    // What is checked here is what the shell files need: a scheme, a host, nothing to escape.
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| err("it must start with https:// (or http:// for a local emulator)"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(err("it has no host"));
    }
    if !url
        .chars()
        .all(|c| c.is_ascii_graphic() && !"'\"`\\?#".contains(c))
    {
        return Err(err(
            "it contains a space, quote, backslash, backtick, `?`, `#` or non-ASCII character",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// How the app is limited to the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxScope {
    pub mode: ScopeMode,
    pub target: ScopeTarget,
}

/// The credential the vendor signs in with.
pub enum BundleCredential {
    /// A client secret made in the tenant: its **value** (`secretText`, the password), its
    /// **id** (`keyId`, names it, is not the secret) and its expiry.
    ClientSecret {
        value: ClientSecret,
        id: KeyId,
        expires_at: UtcDateTime,
    },
    /// The vendor's certificate in the app's `keyCredentials` (the vendor has the private key).
    Certificate {
        /// SHA-1, upper-case hex (the admin center's thumbprint).
        thumbprint: String,
        /// SHA-256, base64url (`x5t#S256` of a client assertion).
        thumbprint_sha256: String,
        expires_at: UtcDateTime,
    },
    /// A federated identity credential: the vendor's issuer's tokens for `subject`.
    Federated {
        name: String,
        issuer: String,
        subject: String,
        audience: String,
    },
    /// The vendor's own multi-tenant app: its credential never left the vendor's tenant.
    VendorApp,
}

impl BundleCredential {
    /// The config name of the kind (`credential.kind` in the JSON).
    pub fn kind(&self) -> &'static str {
        match self {
            BundleCredential::ClientSecret { .. } => "clientSecret",
            BundleCredential::Certificate { .. } => "certificate",
            BundleCredential::Federated { .. } => "federated",
            BundleCredential::VendorApp => "multiTenantApp",
        }
    }
}

impl fmt::Debug for BundleCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleCredential::ClientSecret { id, expires_at, .. } => f
                .debug_struct("ClientSecret")
                .field("value", &"[redacted]")
                .field("id", id)
                .field("expires_at", expires_at)
                .finish(),
            BundleCredential::Certificate {
                thumbprint,
                expires_at,
                ..
            } => f
                .debug_struct("Certificate")
                .field("thumbprint", thumbprint)
                .field("expires_at", expires_at)
                .finish(),
            BundleCredential::Federated { name, issuer, .. } => f
                .debug_struct("Federated")
                .field("name", name)
                .field("issuer", issuer)
                .finish(),
            BundleCredential::VendorApp => f.write_str("VendorApp"),
        }
    }
}

/// Everything that goes into a bundle, from the applied plan. All validated except the secret
/// value, which [`Bundle::new`] checks.
pub struct BundleInput {
    pub tenant_id: TenantId,
    /// The application (client) id, `appId` (the vendor's own app's, for `multiTenantApp`).
    pub client_id: ClientId,
    /// The app registration's object id (`id` of the application object); `None` for the
    /// vendor's own app, registered in the vendor's tenant.
    pub app_object_id: Option<ObjectId>,
    /// The service principal's (Enterprise application's) object id.
    pub service_principal_object_id: ObjectId,
    pub app_display_name: DisplayText,
    pub credential: BundleCredential,
    /// The Entra object id of the mailbox's user.
    pub mailbox_object_id: ObjectId,
    /// The mailbox's primary SMTP address.
    pub mailbox_address: SmtpAddress,
    pub mailbox_scope: MailboxScope,
    pub endpoints: Endpoints,
    /// When the bundle was made (from the caller's clock).
    pub created_at: UtcDateTime,
}

impl fmt::Debug for BundleInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleInput")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("app_object_id", &self.app_object_id)
            .field(
                "service_principal_object_id",
                &self.service_principal_object_id,
            )
            .field("app_display_name", &self.app_display_name)
            .field("credential", &self.credential)
            .field("mailbox_object_id", &self.mailbox_object_id)
            .field("mailbox_address", &self.mailbox_address)
            .field("mailbox_scope", &self.mailbox_scope)
            .field("endpoints", &self.endpoints)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl BundleInput {
    /// When the credential stops working (a secret or a certificate); `None` for the others.
    pub fn credential_expires_at(&self) -> Option<UtcDateTime> {
        match &self.credential {
            BundleCredential::ClientSecret { expires_at, .. }
            | BundleCredential::Certificate { expires_at, .. } => Some(*expires_at),
            BundleCredential::Federated { .. } | BundleCredential::VendorApp => None,
        }
    }
}

/// The bundle's files other than the JSON and its encryptions: written by the hand-off module
/// from the JSON ([`read_json`], then [`BundleFile::render`]), so the page's first load carries
/// none of their renderers or texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleFile {
    Env,
    Shell,
    Readme,
    Reminder,
    TestPowerShell,
    TestShell,
}

/// Plain text, UTF-8: the media type of the README, the scripts and the test scripts.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

impl BundleFile {
    pub const ALL: [BundleFile; 6] = [
        BundleFile::Env,
        BundleFile::Shell,
        BundleFile::Readme,
        BundleFile::Reminder,
        BundleFile::TestPowerShell,
        BundleFile::TestShell,
    ];

    /// Its name across the module boundary.
    pub fn as_str(self) -> &'static str {
        match self {
            BundleFile::Env => "env",
            BundleFile::Shell => "sh",
            BundleFile::Readme => "readme",
            BundleFile::Reminder => "ics",
            BundleFile::TestPowerShell => "test-ps1",
            BundleFile::TestShell => "test-sh",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The download's file name.
    pub fn file_name(self, bundle: &Bundle) -> &'static str {
        match self {
            BundleFile::Env => HandOffFormat::PlainEnv.file_name(),
            BundleFile::Shell => HandOffFormat::PlainShell.file_name(),
            BundleFile::Readme => "README.txt",
            BundleFile::Reminder => match bundle.fields().credential {
                BundleCredential::Certificate { .. } => "renew-certificate.ics",
                _ => "rotate-client-secret.ics",
            },
            BundleFile::TestPowerShell => "test-mailgrant.ps1",
            // Browsers hold back `.sh` downloads as dangerous; `sh test-mailgrant.sh.txt` runs it.
            BundleFile::TestShell => "test-mailgrant.sh.txt",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            BundleFile::Env => HandOffFormat::PlainEnv.media_type(),
            BundleFile::Shell => HandOffFormat::PlainShell.media_type(),
            BundleFile::Reminder => "text/calendar; charset=utf-8",
            BundleFile::Readme | BundleFile::TestPowerShell | BundleFile::TestShell => TEXT,
        }
    }

    /// The file's text; `None` for a reminder of a credential that does not expire.
    pub fn render(self, bundle: &Bundle) -> Option<String> {
        Some(match self {
            BundleFile::Env => render_env(bundle),
            BundleFile::Shell => render_sh(bundle),
            BundleFile::Readme => render_readme(bundle),
            BundleFile::Reminder => return render_ics(bundle, bundle.fields().created_at),
            BundleFile::TestPowerShell => render_test_powershell(bundle),
            BundleFile::TestShell => render_test_sh(bundle),
        })
    }
}

/// A checked bundle. `Debug` redacts the secret value; there is no `Clone`, `Serialize` or
/// `Display`: the secret is written out only by the render and encrypt functions.
pub struct Bundle(BundleInput);

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Bundle").field(&self.0).finish()
    }
}

/// Why no bundle can be made or encrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error(
        "the client secret value is empty; Graph's addPassword answer should contain secretText"
    )]
    EmptySecret,
    #[error("the client secret value contains a space, quote, backslash or control character, which Entra never generates; check that the secretText of Graph's addPassword answer was used")]
    UnexpectedSecretCharacters,
    #[error("the credential expires ({expires}) before the bundle was made ({created}); check the computer's clock and the credential's end date")]
    ExpiresBeforeCreation {
        expires: UtcDateTime,
        created: UtcDateTime,
    },
    #[error("the {which} “{value}” cannot be used: {reason}")]
    Endpoint {
        which: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("“{0}” is not an age recipient (expected age1 followed by 58 characters)")]
    Recipient(String),
    #[error("the passphrase is too weak (about {bits} bits; at least {min} are needed); use the generated passphrase or a longer one")]
    WeakPassphrase { bits: u32, min: u32 },
    #[error("the scrypt work factor 2^{0} is outside 2^10 to 2^22, which the age tools accept")]
    WorkFactor(u8),
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// A bundle file read back (by the hand-off module) is not one this page wrote.
    #[error("the bundle could not be read back ({0})")]
    Unreadable(String),
}

impl Bundle {
    /// Checks the secret value and the dates.
    pub fn new(input: BundleInput) -> Result<Self, BundleError> {
        if let BundleCredential::ClientSecret { value, .. } = &input.credential {
            let secret = value.expose_secret();
            if secret.is_empty() {
                return Err(BundleError::EmptySecret);
            }
            if secret
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "'\"`\\".contains(c))
            {
                return Err(BundleError::UnexpectedSecretCharacters);
            }
        }
        if let Some(expires) = input.credential_expires_at() {
            if expires <= input.created_at {
                return Err(BundleError::ExpiresBeforeCreation {
                    expires,
                    created: input.created_at,
                });
            }
        }
        Ok(Bundle(input))
    }

    /// The client secret, for the secret kind only.
    pub fn secret(&self) -> Option<&ClientSecret> {
        match &self.0.credential {
            BundleCredential::ClientSecret { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The checked fields (read only).
    pub fn fields(&self) -> &BundleInput {
        &self.0
    }
}

#[cfg(test)]
pub(crate) mod tests;
