//! `config.json`, served beside `index.html`, so a vendor hosts one build for every deployment.
//!
//! Parsing walks the JSON by hand rather than through `serde` derive so that every error names
//! the exact key (`vendor.defaultScopeMode`), what was expected and what was found.

use serde_json::Value;

use crate::ids::ClientId;
use crate::powershell::DisplayText;

pub mod certificate;
pub mod credential;
mod json;
mod origins;
mod recipient;
#[cfg(test)]
mod tests;

pub use credential::Credential;
use json::{describe, missing, object, only_known, quote, required_text, string};
pub use origins::{is_microsoft_authority, MICROSOFT_GRAPH_ORIGINS, MICROSOFT_LOGIN_HOSTS};
use origins::{origin_of, url};
pub(crate) use recipient::age_recipient_key;

pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com/organizations/v2.0";
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.microsoft.com";
/// Placeholder in `vendor.appDisplayName` replaced by `vendor.name`.
pub const VENDOR_PLACEHOLDER: &str = "{vendor}";
/// Client secrets longer than two years are refused here: Microsoft's portal offers at most 24
/// months and recommends less.
pub const MAX_SECRET_LIFETIME_DAYS: u32 = 730;
pub const DEFAULT_SECRET_LIFETIME_DAYS: u32 = 180;

/// How the app is restricted to one mailbox in Exchange Online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMode {
    /// Exchange Online RBAC for Applications: no tenant-wide `Mail.Send` grant in Entra at all;
    /// Exchange grants `Application Mail.Send` over a management scope. Microsoft's recommendation.
    RbacForApplications,
    /// The legacy path: an Entra `Mail.Send` application permission with admin consent, narrowed
    /// by `New-ApplicationAccessPolicy` to a mail-enabled security group.
    ApplicationAccessPolicy,
}

impl ScopeMode {
    pub const ALL: [ScopeMode; 2] = [
        ScopeMode::RbacForApplications,
        ScopeMode::ApplicationAccessPolicy,
    ];

    /// The mode `config.json` (and the journal, the bundle, the page's form) names this way.
    pub fn from_config_str(s: &str) -> Option<ScopeMode> {
        ScopeMode::ALL.into_iter().find(|m| m.as_config_str() == s)
    }

    pub fn as_config_str(self) -> &'static str {
        match self {
            ScopeMode::RbacForApplications => "rbacForApplications",
            ScopeMode::ApplicationAccessPolicy => "applicationAccessPolicy",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ScopeMode::RbacForApplications => "RBAC for Applications (recommended)",
            ScopeMode::ApplicationAccessPolicy => "Application Access Policy (legacy)",
        }
    }

    /// Entra roles, any one of which lets the signed-in admin do this mode's Graph part.
    pub fn sufficient_entra_roles(self) -> &'static [&'static str] {
        match self {
            ScopeMode::RbacForApplications => &[
                "Global Administrator",
                "Privileged Role Administrator",
                "Application Administrator",
                "Cloud Application Administrator",
            ],
            // Granting an application permission of Microsoft Graph needs one of these two.
            ScopeMode::ApplicationAccessPolicy => {
                &["Global Administrator", "Privileged Role Administrator"]
            }
        }
    }
}
/// The page's own `client_id` at its authority: a GUID (the Application (client) ID) at
/// Microsoft Entra ID, any RFC 6749 `client_id` (printable ASCII, no spaces) at another OpenID
/// Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageClientId(String);

impl PageClientId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PageClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The validated `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The page's own single-page-application registration.
    pub client_id: PageClientId,
    /// OpenID Connect authority, without a trailing slash; discovery is at
    /// `{authority}/.well-known/openid-configuration`.
    pub authority: String,
    /// Microsoft Graph's origin, without a trailing slash.
    pub graph_base_url: String,
    pub vendor: Vendor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub name: String,
    /// Template for the created app's display name; `{vendor}` stands for [`Vendor::name`].
    pub app_display_name: String,
    pub default_scope_mode: ScopeMode,
    pub support_contact: String,
    /// An age X25519 recipient (`age1…`) the hand-off bundle is encrypted to.
    pub age_recipient: Option<String>,
    pub secret_lifetime_days: u32,
    /// The credentials the vendor accepts, in order of preference (at least one).
    pub credentials: Vec<Credential>,
}

impl Vendor {
    /// The display name of the app registration to create.
    pub fn app_display_name(&self) -> String {
        self.app_display_name
            .replace(VENDOR_PLACEHOLDER, &self.name)
    }
}

/// What is wrong with `config.json`, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json could not be loaded: {0}")]
    Unreachable(String),
    #[error("config.json is not valid JSON: {0}")]
    NotJson(String),
    #[error("`{key}` is missing; expected {expected}")]
    Missing { key: String, expected: String },
    #[error("`{key}` has the wrong type: expected {expected}, found {found}")]
    WrongType {
        key: String,
        expected: String,
        found: String,
    },
    #[error("`{key}` is not valid: expected {expected}, found {found}")]
    Invalid {
        key: String,
        expected: String,
        found: String,
    },
    #[error("`{key}` is not a known key{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        key: String,
        suggestion: Option<String>,
    },
}

impl ConfigError {
    /// The dotted path of the offending key, if the error is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Missing { key, .. }
            | ConfigError::WrongType { key, .. }
            | ConfigError::Invalid { key, .. }
            | ConfigError::Unknown { key, .. } => Some(key),
            ConfigError::Unreachable(_) | ConfigError::NotJson(_) => None,
        }
    }
}

/// An example of a complete, valid configuration: shown to vendors next to any config error.
pub const EXAMPLE: &str = r#"{
  "clientId": "00000000-0000-0000-0000-000000000000",
  "authority": "https://login.microsoftonline.com/organizations/v2.0",
  "graphBaseUrl": "https://graph.microsoft.com",
  "vendor": {
    "name": "Contoso Mailer",
    "appDisplayName": "{vendor} mail sender",
    "defaultScopeMode": "rbacForApplications",
    "supportContact": "support@contoso.example",
    "ageRecipient": "age1…",
    "secretLifetimeDays": 180
  }
}"#;

/// [`parse`], then [`Config::check_page_origin`] and [`Config::check_valid_at`]: what the page
/// runs at load, with its origin and its clock.
pub fn parse_for_page(text: &str, page_origin: &str, now_ms: u64) -> Result<Config, ConfigError> {
    let config = parse(text)?;
    config.check_page_origin(page_origin)?;
    config.check_valid_at(now_ms)?;
    Ok(config)
}

impl Config {
    /// Refuses a vendor certificate that is expired or not valid yet at `now_ms`.
    pub fn check_valid_at(&self, now_ms: u64) -> Result<(), ConfigError> {
        for (i, c) in self.vendor.credentials.iter().enumerate() {
            if let Credential::Certificate(cert) = c {
                cert.check_valid_at(now_ms)
                    .map_err(|e| ConfigError::Invalid {
                        key: format!("vendor.credentials[{i}].certificate"),
                        expected: "a certificate valid today (ask the vendor for a renewed one)"
                            .into(),
                        found: e.to_string(),
                    })?;
            }
        }
        Ok(())
    }

    /// Refuses a `graphBaseUrl` or `authority` on the page's own origin (possible only with
    /// `developmentOrigins`): the page would send the administrator's token or sign-in to the
    /// server that serves it.
    pub fn check_page_origin(&self, page_origin: &str) -> Result<(), ConfigError> {
        let page = page_origin.trim_end_matches('/').to_ascii_lowercase();
        for (key, value) in [
            ("graphBaseUrl", &self.graph_base_url),
            ("authority", &self.authority),
        ] {
            if origin_of(value) == page {
                return Err(ConfigError::Invalid {
                    key: key.into(),
                    expected: format!(
                        "another origin than this page's own ({page}): the page would send the administrator's token to the server that hosts it"
                    ),
                    found: quote(value),
                });
            }
        }
        Ok(())
    }
}

/// Parses and validates `config.json`.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    let root = object(&root, "(the whole file)", "a JSON object")?;
    only_known(
        root,
        "",
        &[
            "clientId",
            "authority",
            "graphBaseUrl",
            "developmentOrigins",
            "vendor",
        ],
    )?;

    let development = match root.get("developmentOrigins") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ConfigError::WrongType {
                key: "developmentOrigins".into(),
                expected: "true or false".into(),
                found: describe(other),
            })
        }
    };
    let authority = match string(root, "", "authority", URL_FORM)? {
        None => DEFAULT_AUTHORITY.to_owned(),
        Some(s) => {
            let u = url("authority", s)?;
            if u.loopback && !development {
                return Err(ConfigError::Invalid {
                    key: "authority".into(),
                    expected: LOOPBACK_FORM.into(),
                    found: quote(s),
                });
            }
            u.text
        }
    };
    let client_id_text =
        string(root, "", "clientId", GUID_FORM)?.ok_or_else(|| missing("clientId", GUID_FORM))?;
    let client_id = if is_microsoft_authority(&authority) {
        ClientId::parse(client_id_text)
            .map(|id| PageClientId(id.to_string()))
            .map_err(|_| ConfigError::Invalid {
                key: "clientId".into(),
                expected: GUID_FORM.into(),
                found: quote(client_id_text),
            })?
    } else {
        // RFC 6749 appendix A.1: client_id = *VSCHAR; spaces are refused as a likely paste error.
        let ok = !client_id_text.is_empty()
            && client_id_text.len() <= 255
            && client_id_text.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !ok {
            return Err(ConfigError::Invalid {
                key: "clientId".into(),
                expected: OTHER_CLIENT_ID_FORM.into(),
                found: quote(client_id_text),
            });
        }
        PageClientId(client_id_text.to_owned())
    };
    let graph_base_url = match string(root, "", "graphBaseUrl", GRAPH_FORM)? {
        None => DEFAULT_GRAPH_BASE_URL.to_owned(),
        Some(s) => {
            let u = url("graphBaseUrl", s)?;
            let microsoft = MICROSOFT_GRAPH_ORIGINS
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&u.text));
            if !(microsoft || u.loopback && development) {
                return Err(ConfigError::Invalid {
                    key: "graphBaseUrl".into(),
                    expected: GRAPH_FORM.into(),
                    found: quote(s),
                });
            }
            u.text.to_ascii_lowercase()
        }
    };

    const VENDOR_FORM: &str =
        "an object with name, appDisplayName, defaultScopeMode and supportContact";
    let vendor = root
        .get("vendor")
        .ok_or_else(|| missing("vendor", VENDOR_FORM))?;
    let vendor = object(vendor, "vendor", VENDOR_FORM)?;
    only_known(
        vendor,
        "vendor.",
        &[
            "name",
            "appDisplayName",
            "defaultScopeMode",
            "supportContact",
            "ageRecipient",
            "secretLifetimeDays",
            "credentials",
        ],
    )?;
    const NAME_FORM: &str =
        "a non-empty string of at most 100 characters, without line breaks, control characters or invisible direction marks";
    let name = required_text(vendor, "name", NAME_FORM, 100)?;
    display_text("vendor.name", &name, NAME_FORM)?;
    const DISPLAY_FORM: &str =
        "a non-empty string of at most 120 characters, e.g. \"{vendor} mail sender\"";
    let app_display_name = required_text(vendor, "appDisplayName", DISPLAY_FORM, 120)?;
    display_text(
        "vendor.appDisplayName",
        &app_display_name.replace(VENDOR_PLACEHOLDER, &name),
        DISPLAY_FORM,
    )?;
    const MODE_FORM: &str = "\"rbacForApplications\" or \"applicationAccessPolicy\"";
    let mode_text = string(vendor, "vendor.", "defaultScopeMode", MODE_FORM)?
        .ok_or_else(|| missing("vendor.defaultScopeMode", MODE_FORM))?;
    let default_scope_mode =
        ScopeMode::from_config_str(mode_text).ok_or_else(|| ConfigError::Invalid {
            key: "vendor.defaultScopeMode".into(),
            expected: MODE_FORM.into(),
            found: quote(mode_text),
        })?;
    const CONTACT_FORM: &str = "a non-empty string: an e-mail address, a URL or a phone number";
    let support_contact = required_text(vendor, "supportContact", CONTACT_FORM, 200)?;

    const AGE_FORM: &str =
        "an age X25519 recipient: \"age1\" followed by 58 lower-case bech32 characters, as `age-keygen` prints it (its last 6 are a checksum)";
    let age_recipient = match string(vendor, "vendor.", "ageRecipient", AGE_FORM)? {
        None => None,
        Some(r) if is_age_recipient(r) => Some(r.to_owned()),
        Some(r) => {
            return Err(ConfigError::Invalid {
                key: "vendor.ageRecipient".into(),
                expected: AGE_FORM.into(),
                found: quote(r),
            })
        }
    };

    let lifetime_form = format!("a whole number of days from 1 to {MAX_SECRET_LIFETIME_DAYS}");
    let secret_lifetime_days = match vendor.get("secretLifetimeDays") {
        None | Some(Value::Null) => DEFAULT_SECRET_LIFETIME_DAYS,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d) if (1..=u64::from(MAX_SECRET_LIFETIME_DAYS)).contains(&d) => d as u32,
            _ => {
                return Err(ConfigError::Invalid {
                    key: "vendor.secretLifetimeDays".into(),
                    expected: lifetime_form,
                    found: n.to_string(),
                })
            }
        },
        Some(other) => {
            return Err(ConfigError::WrongType {
                key: "vendor.secretLifetimeDays".into(),
                expected: lifetime_form,
                found: describe(other),
            })
        }
    };

    let credentials = credential::parse(vendor)?;

    Ok(Config {
        client_id,
        authority,
        graph_base_url,
        vendor: Vendor {
            name,
            app_display_name,
            default_scope_mode,
            support_contact,
            age_recipient,
            secret_lifetime_days,
            credentials,
        },
    })
}

const OTHER_CLIENT_ID_FORM: &str =
    "the page's client id at this OpenID Connect provider: 1 to 255 printable ASCII characters, no spaces";
const GUID_FORM: &str = "the Application (client) ID of the page's own app registration, a GUID like 00000000-0000-0000-0000-000000000000";
const GRAPH_FORM: &str = "Microsoft Graph's origin for your cloud: https://graph.microsoft.com (worldwide), https://graph.microsoft.us (US Government L4), https://dod-graph.microsoft.us (US Government L5) or https://microsoftgraph.chinacloudapi.cn (China); a loopback origin only with \"developmentOrigins\": true";
const LOOPBACK_FORM: &str = "an https:// URL; a loopback (localhost, 127.0.0.1) origin only with \"developmentOrigins\": true";
const URL_FORM: &str =
    "an https:// URL (http:// only for localhost or 127.0.0.1), without query or fragment, in ASCII (an international domain name in its xn-- form)";

/// The recipient the Hand-off encrypts to, checked the way it will be used (bech32 checksum
/// included), so a typo is caught before the tenant changes.
fn is_age_recipient(r: &str) -> bool {
    age_recipient_key(r).is_some()
}

/// The same rule the scripts and the bundle apply to a display name ([`DisplayText`]), at load.
fn display_text(key: &str, text: &str, expected: &str) -> Result<(), ConfigError> {
    DisplayText::parse(text)
        .map(|_| ())
        .map_err(|e| ConfigError::Invalid {
            key: key.into(),
            expected: expected.into(),
            found: format!("{}: {e}", quote(text)),
        })
}
