//! `vendor.credentials`: how the app made for the vendor proves who it is, in the vendor's order
//! of preference. Without the key, a client secret (today's behaviour).
//!
//! ```json
//! "credentials": [
//!   {"kind": "certificate", "certificate": "-----BEGIN CERTIFICATE-----\n…"},
//!   {"kind": "federated", "issuer": "https://token.actions.githubusercontent.com",
//!    "subject": "repo:contoso/mailer:environment:production"},
//!   {"kind": "multiTenantApp", "appId": "00000000-0000-0000-0000-000000000000"},
//!   {"kind": "clientSecret"}
//! ]
//! ```

use serde_json::{Map, Value};

use super::certificate::{self, VendorCertificate};
use super::json::{describe, only_known, quote, string};
use super::ConfigError;
use crate::ids::ClientId;

/// The audience Entra expects in a federated token (Graph's federatedIdentityCredential docs).
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// A kind of credential the vendor accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A client secret made in the customer's tenant and handed over (encrypted).
    ClientSecret,
    /// The vendor's public certificate in the app's `keyCredentials`; no secret exists.
    Certificate(VendorCertificate),
    /// A federated identity credential: tokens of the vendor's own OpenID issuer for `subject`
    /// stand in for a secret.
    Federated {
        issuer: String,
        subject: String,
        audience: String,
    },
    /// The vendor's own multi-tenant app: only its service principal is made in the customer's
    /// tenant, and no credential at all (RBAC for Applications only).
    MultiTenantApp { app_id: ClientId },
}

impl Credential {
    /// The config name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::ClientSecret => "clientSecret",
            Credential::Certificate(_) => "certificate",
            Credential::Federated { .. } => "federated",
            Credential::MultiTenantApp { .. } => "multiTenantApp",
        }
    }

    /// In plain words, for Welcome and Review.
    pub fn title(&self) -> &'static str {
        match self {
            Credential::ClientSecret => "a client secret (a password the vendor receives)",
            Credential::Certificate(_) => {
                "the vendor's certificate (the vendor keeps its private key; nothing secret leaves your tenant)"
            }
            Credential::Federated { .. } => {
                "a federated credential (the vendor's own sign-in service vouches for it; nothing secret exists)"
            }
            Credential::MultiTenantApp { .. } => {
                "the vendor's own app (no app or credential is made in your tenant, only its enterprise application)"
            }
        }
    }

    /// A secret leaves the customer's tenant.
    pub fn has_secret(&self) -> bool {
        matches!(self, Credential::ClientSecret)
    }
}

const KIND_FORM: &str = "\"clientSecret\", \"certificate\", \"federated\" or \"multiTenantApp\"";
const LIST_FORM: &str =
    "a non-empty array of credentials in order of preference, each an object with a \"kind\"";
const PEM_FORM: &str = "the vendor's public X.509 certificate in PEM (-----BEGIN CERTIFICATE----- …), RSA of at least 2048 bits, valid today";
const ISSUER_FORM: &str =
    "the https:// URL of the vendor's OpenID Connect issuer (at most 600 characters)";
const SUBJECT_FORM: &str =
    "the exact `sub` of the vendor's tokens: 1 to 600 printable characters, no wildcards";
const APP_ID_FORM: &str =
    "the Application (client) ID of the vendor's multi-tenant app, a GUID like 00000000-0000-0000-0000-000000000000";

fn invalid(key: String, expected: &str, found: String) -> ConfigError {
    ConfigError::Invalid {
        key,
        expected: expected.into(),
        found,
    }
}

/// `vendor.credentials`, or `[clientSecret]` when absent.
pub(super) fn parse(vendor: &Map<String, Value>) -> Result<Vec<Credential>, ConfigError> {
    let list = match vendor.get("credentials") {
        None | Some(Value::Null) => return Ok(vec![Credential::ClientSecret]),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(other) => {
            return Err(ConfigError::WrongType {
                key: "vendor.credentials".into(),
                expected: LIST_FORM.into(),
                found: describe(other),
            })
        }
    };
    let mut out: Vec<Credential> = vec![];
    for (i, item) in list.iter().enumerate() {
        let prefix = format!("vendor.credentials[{i}].");
        let obj = item.as_object().ok_or_else(|| ConfigError::WrongType {
            key: format!("vendor.credentials[{i}]"),
            expected: "an object with a \"kind\"".into(),
            found: describe(item),
        })?;
        let kind = string(obj, &prefix, "kind", KIND_FORM)?
            .ok_or_else(|| super::json::missing(&format!("{prefix}kind"), KIND_FORM))?;
        let required = |key: &str, form: &str| -> Result<&str, ConfigError> {
            string(obj, &prefix, key, form)?
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| super::json::missing(&format!("{prefix}{key}"), form))
        };
        let credential = match kind {
            "clientSecret" => {
                only_known(obj, &prefix, &["kind"])?;
                Credential::ClientSecret
            }
            "certificate" => {
                only_known(obj, &prefix, &["kind", "certificate"])?;
                let pem = required("certificate", PEM_FORM)?;
                let cert = certificate::parse(pem).map_err(|e| {
                    invalid(format!("{prefix}certificate"), PEM_FORM, e.to_string())
                })?;
                Credential::Certificate(cert)
            }
            "federated" => {
                only_known(obj, &prefix, &["kind", "issuer", "subject", "audience"])?;
                let issuer = required("issuer", ISSUER_FORM)?;
                if !issuer.starts_with("https://")
                    || issuer.len() > 600
                    || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(invalid(
                        format!("{prefix}issuer"),
                        ISSUER_FORM,
                        quote(issuer),
                    ));
                }
                let subject = required("subject", SUBJECT_FORM)?;
                if subject.chars().count() > 600
                    || subject.contains('*')
                    || subject.chars().any(char::is_control)
                {
                    return Err(invalid(
                        format!("{prefix}subject"),
                        SUBJECT_FORM,
                        quote(subject),
                    ));
                }
                let audience = string(obj, &prefix, "audience", "a string")?
                    .unwrap_or(FEDERATED_AUDIENCE)
                    .to_owned();
                Credential::Federated {
                    issuer: issuer.to_owned(),
                    subject: subject.to_owned(),
                    audience,
                }
            }
            "multiTenantApp" => {
                only_known(obj, &prefix, &["kind", "appId"])?;
                let id = required("appId", APP_ID_FORM)?;
                let app_id = ClientId::parse(id)
                    .map_err(|_| invalid(format!("{prefix}appId"), APP_ID_FORM, quote(id)))?;
                Credential::MultiTenantApp { app_id }
            }
            other => {
                return Err(invalid(format!("{prefix}kind"), KIND_FORM, quote(other)));
            }
        };
        if out.iter().any(|c| c.kind() == credential.kind()) {
            return Err(invalid(
                format!("{prefix}kind"),
                "each kind at most once",
                quote(kind),
            ));
        }
        out.push(credential);
    }
    Ok(out)
}
