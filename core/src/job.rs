//! What one setup is for: the admin's validated inputs and choices, what already existed when it
//! was planned, and the names mailgrant gives what it creates. Every operation reads it; nothing
//! here talks to Graph. The layers above: [`crate::op`] (one module per Graph operation), then
//! [`crate::plan`] and [`crate::run`].

use crate::config::ScopeMode;
use crate::graph::apps::Assignment;
use crate::ids::{ClientId, Guid, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::powershell::ScopeTarget;

/// The tag every app and service principal made by mailgrant carries; the mark of ownership.
pub const TAG: &str = "mailgrant";
/// `passwordCredential.displayName` prefix of secrets added by mailgrant.
pub const SECRET_PREFIX: &str = "mailgrant";

/// The validated inputs of the wizard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub tenant: TenantId,
    pub mailbox: SmtpAddress,
    pub mode: ScopeMode,
    /// The vendor's name (config `vendor.name`).
    pub vendor: String,
    pub app_display_name: String,
    pub secret_lifetime_days: u32,
    /// The credential the vendor gets (config `vendor.credentials`, the first this mode allows).
    pub credential: CredentialPlan,
}

/// The credential of a setup, as the plan and the journal keep it. In the journal externally
/// tagged (`"clientSecret"`, `{"certificate": {…}}`), read and written through
/// `serde_json::Value` by hand ([`credential_json`]), like the rest of the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CredentialPlan {
    /// A client secret (`addPassword`), handed to the vendor encrypted.
    #[default]
    ClientSecret,
    /// The vendor's certificate in the app's `keyCredentials`.
    Certificate {
        /// The DER, base64: `keyCredentials[].key`.
        key: String,
        /// SHA-1 thumbprint, upper-case hex (the admin center's); base64 of its bytes is the
        /// `customKeyIdentifier` Graph sets by default.
        thumbprint: String,
        /// SHA-256 thumbprint, base64url: a client assertion's `x5t#S256`.
        thumbprint_sha256: String,
        not_before: String,
        not_after: String,
    },
    /// A federated identity credential on the app.
    Federated {
        issuer: String,
        subject: String,
        audience: String,
    },
    /// The vendor's own multi-tenant app: only its service principal here.
    MultiTenantApp { app_id: ClientId },
}

impl CredentialPlan {
    /// From the config's credential.
    pub fn from_config(c: &crate::config::Credential) -> Self {
        use crate::config::Credential;
        match c {
            Credential::ClientSecret => CredentialPlan::ClientSecret,
            Credential::Certificate(cert) => CredentialPlan::Certificate {
                key: cert.der_base64.clone(),
                thumbprint: cert.thumbprint.clone(),
                thumbprint_sha256: cert.thumbprint_sha256.clone(),
                not_before: cert.not_before.to_rfc3339(),
                not_after: cert.not_after.to_rfc3339(),
            },
            Credential::Federated {
                issuer,
                subject,
                audience,
            } => CredentialPlan::Federated {
                issuer: issuer.clone(),
                subject: subject.clone(),
                audience: audience.clone(),
            },
            Credential::MultiTenantApp { app_id } => {
                CredentialPlan::MultiTenantApp { app_id: *app_id }
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            CredentialPlan::ClientSecret => "clientSecret",
            CredentialPlan::Certificate { .. } => "certificate",
            CredentialPlan::Federated { .. } => "federated",
            CredentialPlan::MultiTenantApp { .. } => "multiTenantApp",
        }
    }

    /// The vendor's own app: nothing of an app registration is made here.
    pub fn vendor_app(&self) -> Option<ClientId> {
        match self {
            CredentialPlan::MultiTenantApp { app_id } => Some(*app_id),
            _ => None,
        }
    }
}

mod credential_json {
    use serde_json::{json, Map, Value};

    use super::CredentialPlan;
    use crate::ids::ClientId;

    impl From<CredentialPlan> for Value {
        fn from(c: CredentialPlan) -> Value {
            match c {
                CredentialPlan::ClientSecret => json!("clientSecret"),
                CredentialPlan::Certificate {
                    key,
                    thumbprint,
                    thumbprint_sha256,
                    not_before,
                    not_after,
                } => json!({"certificate": {
                    "key": key, "thumbprint": thumbprint, "thumbprintSha256": thumbprint_sha256,
                    "notBefore": not_before, "notAfter": not_after,
                }}),
                CredentialPlan::Federated {
                    issuer,
                    subject,
                    audience,
                } => {
                    json!({"federated": {"issuer": issuer, "subject": subject, "audience": audience}})
                }
                CredentialPlan::MultiTenantApp { app_id } => {
                    json!({"multiTenantApp": {"appId": app_id.to_string()}})
                }
            }
        }
    }

    fn text(o: &Map<String, Value>, key: &str) -> Result<String, String> {
        o.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("credential: no text “{key}”"))
    }

    impl TryFrom<Value> for CredentialPlan {
        type Error = String;
        fn try_from(v: Value) -> Result<Self, String> {
            if v.as_str() == Some("clientSecret") {
                return Ok(CredentialPlan::ClientSecret);
            }
            let Some((kind, Value::Object(o))) = v
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
            else {
                return Err(format!("credential: unknown form {v}"));
            };
            Ok(match kind.as_str() {
                "certificate" => CredentialPlan::Certificate {
                    key: text(o, "key")?,
                    thumbprint: text(o, "thumbprint")?,
                    thumbprint_sha256: text(o, "thumbprintSha256")?,
                    not_before: text(o, "notBefore")?,
                    not_after: text(o, "notAfter")?,
                },
                "federated" => CredentialPlan::Federated {
                    issuer: text(o, "issuer")?,
                    subject: text(o, "subject")?,
                    audience: text(o, "audience")?,
                },
                "multiTenantApp" => CredentialPlan::MultiTenantApp {
                    app_id: ClientId::parse(&text(o, "appId")?).map_err(|e| e.to_string())?,
                },
                other => return Err(format!("credential: unknown kind {other}")),
            })
        }
    }
}

/// What the admin chose on the Scope step, besides the scope itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Add a secret even though the app already has one made by mailgrant.
    pub new_secret: bool,
    /// RBAC mode: remove the unscoped `Mail.Send` grant found on the app.
    pub remove_unscoped_grant: bool,
}

/// Which mailboxes the app may send as, and a mailbox that must stay out of reach. Checked when
/// the admin chooses it ([`Scope::check`]), before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub target: ScopeTarget,
    pub denied: Option<SmtpAddress>,
    /// The group's object id, once the scope group was looked up.
    pub group_id: Option<ObjectId>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            target: ScopeTarget::OneMailbox,
            denied: None,
            group_id: None,
        }
    }
}

/// What already existed when the plan was made (from the preflight's findings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    pub app: Option<ObjectId>,
    pub app_id: Option<ClientId>,
    pub sp: Option<ObjectId>,
    /// Secrets made by mailgrant on the existing app.
    pub secrets: Vec<KeyId>,
    /// An unscoped `Mail.Send` grant on the existing app.
    pub mail_send_grant: Option<Assignment>,
    /// The `customKeyIdentifier`s of the existing app's certificates.
    pub keys: Vec<String>,
}

/// Everything an operation of one run may read; fixed for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub inputs: Inputs,
    pub run_id: Guid,
    pub tool_version: String,
    pub options: Options,
    pub existing: Existing,
    /// The mailbox user's object id: the plan's; `None` in the preflight, which reads it.
    pub mailbox_id: Option<ObjectId>,
    /// Which mailboxes the app may send as.
    pub scope: Scope,
}

impl Job {
    /// The job of a preflight (look-ups only).
    pub fn preflight(inputs: Inputs, run_id: Guid) -> Job {
        Job {
            inputs,
            run_id,
            tool_version: crate::VERSION.to_owned(),
            options: Options::default(),
            existing: Existing::default(),
            mailbox_id: None,
            scope: Scope::default(),
        }
    }

    /// The `displayName` of the secrets this run adds: another run's are told apart by it.
    pub fn secret_name(&self) -> String {
        let id = self.run_id.to_string();
        format!("{SECRET_PREFIX} run {}", &id[..8])
    }

    /// The tags of what this run creates: mailgrant's, and [`Job::run_tag`].
    pub fn tags(&self) -> Vec<String> {
        let mut t = tags(&self.inputs, &self.tool_version);
        t.push(self.run_tag());
        t
    }

    /// `mailgrant:run=<run id>`: the mark that this run wrote the object. After a lost answer,
    /// an object counts as this run's only if it carries it (another run's carries its own).
    pub fn run_tag(&self) -> String {
        format!("{TAG}:run={}", self.run_id)
    }

    pub fn notes(&self) -> String {
        notes(&self.inputs, &self.tool_version)
    }

    /// The name of the federated identity credential this setup adds: `mailgrant-<vendor>`,
    /// letters, digits and dashes, 3 to 120 characters (Entra's rule), the same for every run
    /// (upserted by name, so never two).
    pub fn federated_name(&self) -> String {
        let slug = vendor_slug(&self.inputs.vendor);
        if slug.is_empty() {
            TAG.to_owned()
        } else {
            format!("{TAG}-{slug}")
        }
    }

    pub fn aap(&self) -> bool {
        self.inputs.mode == ScopeMode::ApplicationAccessPolicy
    }
}

/// The deterministic `uniqueName` for a vendor and a mailbox: `mailgrant-<vendor slug>-<mailbox
/// object id>`, lower-case ASCII letters, digits and `-` only (graph-facts A.2: the allowed
/// character set and length are UNVERIFIED, so stay conservative: at most 100 characters).
pub fn unique_name(vendor: &str, mailbox_id: ObjectId) -> String {
    let slug = vendor_slug(vendor);
    if slug.is_empty() {
        format!("{TAG}-{mailbox_id}")
    } else {
        format!("{TAG}-{slug}-{mailbox_id}")
    }
}

/// The vendor's name in lower-case ASCII letters, digits and single dashes, at most 40.
fn vendor_slug(vendor: &str) -> String {
    let mut slug = String::new();
    for c in vendor.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    slug.trim_end_matches('-').to_owned()
}

/// The tags stamped on the app and its service principal.
pub fn tags(inputs: &Inputs, tool_version: &str) -> Vec<String> {
    vec![
        TAG.to_owned(),
        format!("{TAG}:vendor={}", inputs.vendor),
        format!("{TAG}:mailbox={}", inputs.mailbox),
        format!("{TAG}:mode={}", inputs.mode.as_config_str()),
        format!("{TAG}:version={tool_version}"),
    ]
}

/// Whether these tags carry mailgrant's mark.
pub fn is_ours(tags: &[String]) -> bool {
    tags.iter().any(|t| t == TAG)
}

/// The app's `notes`.
pub fn notes(inputs: &Inputs, tool_version: &str) -> String {
    format!(
        "Made by mailgrant {tool_version} for {} to send mail as {} ({}). Remove it with mailgrant's Undo, or delete this app registration.",
        inputs.vendor,
        inputs.mailbox,
        inputs.mode.title()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_name_is_a_stable_slug() {
        let id = ObjectId::parse("11111111-2222-4333-8444-555555555555").unwrap();
        for (vendor, expected) in [
            (
                "  Contoso Mailer, Inc. ",
                "mailgrant-contoso-mailer-inc-11111111-2222-4333-8444-555555555555",
            ),
            (
                "Ünïcode ✉ ''",
                "mailgrant-n-code-11111111-2222-4333-8444-555555555555",
            ),
            ("", "mailgrant-11111111-2222-4333-8444-555555555555"),
        ] {
            assert_eq!(unique_name(vendor, id), expected, "{vendor:?}");
        }
        let long = unique_name(&"x".repeat(500), id);
        assert!(long.len() <= 100, "{}", long.len());
    }
}

#[cfg(test)]
mod credential_tests {
    use super::CredentialPlan;
    use crate::ids::ClientId;
    use serde_json::Value;

    /// The journal's form of each kind, and back (the hand-written reader keeps serde's shape).
    #[test]
    fn credential_plans_round_trip_in_their_journal_form() {
        let cases = [
            (CredentialPlan::ClientSecret, r#""clientSecret""#),
            (
                CredentialPlan::Certificate {
                    key: "MII".into(),
                    thumbprint: "AB".into(),
                    thumbprint_sha256: "x_y".into(),
                    not_before: "2026-01-01T00:00:00Z".into(),
                    not_after: "2036-01-01T00:00:00Z".into(),
                },
                r#"{"certificate":{"key":"MII","notAfter":"2036-01-01T00:00:00Z","notBefore":"2026-01-01T00:00:00Z","thumbprint":"AB","thumbprintSha256":"x_y"}}"#,
            ),
            (
                CredentialPlan::Federated {
                    issuer: "https://i".into(),
                    subject: "s".into(),
                    audience: "a".into(),
                },
                r#"{"federated":{"audience":"a","issuer":"https://i","subject":"s"}}"#,
            ),
            (
                CredentialPlan::MultiTenantApp {
                    app_id: ClientId::parse("a2000000-0000-4000-8000-000000000002").unwrap(),
                },
                r#"{"multiTenantApp":{"appId":"a2000000-0000-4000-8000-000000000002"}}"#,
            ),
        ];
        let read =
            |json: &str| CredentialPlan::try_from(serde_json::from_str::<Value>(json).unwrap());
        for (plan, json) in cases {
            assert_eq!(Value::from(plan.clone()).to_string(), json);
            assert_eq!(read(json).unwrap(), plan);
        }
        for bad in [
            r#""password""#,
            r#"{"certificate":{}}"#,
            r#"{"a":{},"b":{}}"#,
            "1",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
