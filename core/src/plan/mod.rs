//! The setup plan: validated inputs → Graph operations with explicit dependencies.
//!
//! Three stages:
//! 1. [`preflight`]: the look-ups that shape the plan (the mailbox user, an existing app with this
//!    `uniqueName` or display name, its service principal and grants). Run by the executor in
//!    [`crate::run`] before Review; the answers become [`Findings`].
//! 2. [`build`]: inputs + findings + the admin's choices → [`Plan`], or a [`PlanError`] when
//!    writing would be unsafe (someone else's app with the same name).
//! 3. [`Plan::review`]: what Review shows — method, path, body (secrets masked), and why.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{ScopeMode, MAX_SECRET_LIFETIME_DAYS};
use crate::explain::{Audience, Explain, Explanation};
use crate::graph::apps::{Application, Assignment, MailboxUser, ServicePrincipal};
use crate::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};

/// The tag every app and service principal made by mailgrant carries; the mark of ownership.
pub const TAG: &str = "mailgrant";
/// `passwordCredential.displayName` prefix of secrets added by mailgrant.
pub const SECRET_PREFIX: &str = "mailgrant";

/// The validated inputs of the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inputs {
    pub tenant: TenantId,
    pub mailbox: SmtpAddress,
    #[serde(with = "mode_serde")]
    pub mode: ScopeMode,
    /// The vendor's name (config `vendor.name`).
    pub vendor: String,
    pub app_display_name: String,
    pub secret_lifetime_days: u32,
}

mod mode_serde {
    use super::ScopeMode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &ScopeMode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_config_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ScopeMode, D::Error> {
        let s = String::deserialize(d)?;
        ScopeMode::ALL
            .into_iter()
            .find(|m| m.as_config_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown scope mode {s}")))
    }
}

/// The deterministic `uniqueName` for a vendor and a mailbox: `mailgrant-<vendor slug>-<mailbox
/// object id>`, lower-case ASCII letters, digits and `-` only (graph-facts A.2: the allowed
/// character set and length are UNVERIFIED, so stay conservative: at most 100 characters).
pub fn unique_name(vendor: &str, mailbox_id: ObjectId) -> String {
    let mut slug = String::new();
    for c in vendor.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("{TAG}-{mailbox_id}")
    } else {
        format!("{TAG}-{slug}-{mailbox_id}")
    }
}

/// Identifies an operation within a plan (its index).
pub type OpId = usize;

/// One Graph operation (which may take several requests: a follow-up read, replication polls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OpKind {
    // Preflight (reads only).
    ReadMailbox,
    FindAppByUniqueName,
    FindAppsByDisplayName,
    ReadAppServicePrincipal,
    ReadGrants,
    // Apply.
    UpsertApp,
    LookupGraphServicePrincipal,
    UpsertServicePrincipal,
    AddPassword,
    GrantMailSend,
    #[serde(rename_all = "camelCase")]
    RevokeUnscopedGrant {
        resource_id: ObjectId,
        assignment_id: String,
    },
    // Undo.
    #[serde(rename_all = "camelCase")]
    DeleteGrant {
        resource_id: ObjectId,
        assignment_id: String,
    },
    #[serde(rename_all = "camelCase")]
    RemovePassword {
        app: ObjectId,
        key_id: KeyId,
    },
    DeleteServicePrincipal {
        id: ObjectId,
    },
    DeleteApp {
        id: ObjectId,
    },
}

impl OpKind {
    /// A short label for logs and progress.
    pub fn label(&self) -> &'static str {
        match self {
            OpKind::ReadMailbox => "read mailbox user",
            OpKind::FindAppByUniqueName => "find app by uniqueName",
            OpKind::FindAppsByDisplayName => "find apps by display name",
            OpKind::ReadAppServicePrincipal => "read app's service principal",
            OpKind::ReadGrants => "read existing grants",
            OpKind::UpsertApp => "create or update app",
            OpKind::LookupGraphServicePrincipal => "look up Microsoft Graph and Mail.Send",
            OpKind::UpsertServicePrincipal => "create or update service principal",
            OpKind::AddPassword => "add client secret",
            OpKind::GrantMailSend => "grant Mail.Send",
            OpKind::RevokeUnscopedGrant { .. } => "remove unscoped Mail.Send grant",
            OpKind::DeleteGrant { .. } => "undo: remove Mail.Send grant",
            OpKind::RemovePassword { .. } => "undo: remove client secret",
            OpKind::DeleteServicePrincipal { .. } => "undo: delete service principal",
            OpKind::DeleteApp { .. } => "undo: delete app",
        }
    }

    /// Whether the operation changes the tenant (and so is journalled as an intent first).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            OpKind::ReadMailbox
                | OpKind::FindAppByUniqueName
                | OpKind::FindAppsByDisplayName
                | OpKind::ReadAppServicePrincipal
                | OpKind::ReadGrants
                | OpKind::LookupGraphServicePrincipal
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    pub id: OpId,
    pub kind: OpKind,
    /// Operations that must have finished (done or skipped) first.
    pub deps: Vec<OpId>,
    /// One line for people: why this call is made.
    pub why: String,
}

/// The preflight: look-ups only. `inputs` gives the mailbox and display name.
pub fn preflight() -> Vec<Op> {
    let op = |id, kind, deps: &[OpId], why: &str| Op {
        id,
        kind,
        deps: deps.to_vec(),
        why: why.to_owned(),
    };
    vec![
        op(
            0,
            OpKind::ReadMailbox,
            &[],
            "Find the mailbox user and its object id.",
        ),
        op(
            1,
            OpKind::FindAppsByDisplayName,
            &[],
            "Make sure no other app already uses this display name.",
        ),
        op(
            2,
            OpKind::FindAppByUniqueName,
            &[0],
            "Find an app mailgrant made earlier for this vendor and mailbox.",
        ),
        op(
            3,
            OpKind::ReadAppServicePrincipal,
            &[2],
            "Find that app's service principal.",
        ),
        op(
            4,
            OpKind::ReadGrants,
            &[3],
            "Find the grants it already holds.",
        ),
    ]
}

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub mailbox: MailboxUser,
    /// The app with our `uniqueName`, if any.
    pub app: Option<Application>,
    /// Apps with the same display name.
    pub same_name: Vec<Application>,
    pub sp: Option<ServicePrincipal>,
    pub grants: Vec<Assignment>,
}

/// What the admin chose on Review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// Add a secret even though the app already has one made by mailgrant.
    pub new_secret: bool,
    /// RBAC mode: remove the unscoped `Mail.Send` grant found on the app.
    pub remove_unscoped_grant: bool,
}

/// What already existed when the plan was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Existing {
    pub app: Option<ObjectId>,
    pub app_id: Option<ClientId>,
    pub sp: Option<ObjectId>,
    /// Secrets made by mailgrant on the existing app.
    pub secrets: Vec<KeyId>,
    /// An unscoped `Mail.Send` grant on the existing app.
    pub mail_send_grant: Option<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub inputs: Inputs,
    pub mailbox_id: ObjectId,
    pub unique_name: String,
    pub tool_version: String,
    pub options: Options,
    pub existing: Existing,
    pub ops: Vec<Op>,
    /// Things Review must say besides the operations (e.g. an unscoped grant left in place).
    pub notices: Vec<String>,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("an app named “{display_name}” already exists (app id {app_id}) and was not made by mailgrant for this mailbox")]
    SameNameExists {
        display_name: String,
        app_id: ClientId,
        made_by_mailgrant: bool,
    },
    #[error("an app with uniqueName “{unique_name}” exists (app id {app_id}) but does not carry mailgrant's tag")]
    UniqueNameNotOurs {
        unique_name: String,
        app_id: ClientId,
    },
    #[error("{address} is a guest account (userType {user_type}), not a mailbox of this tenant")]
    MailboxIsGuest { address: String, user_type: String },
    #[error("a secret lifetime of {days} days is outside 1–{MAX_SECRET_LIFETIME_DAYS} days")]
    Lifetime { days: u32 },
    #[error("the app display name is empty or longer than 120 characters")]
    DisplayName,
}

impl Explain for PlanError {
    fn explain(&self) -> Explanation {
        let (title, fix) = match self {
            PlanError::SameNameExists { made_by_mailgrant: true, .. } => (
                "An app with this name already exists for another mailbox.",
                "Nothing was changed. mailgrant keeps one app per vendor and mailbox. Choose a different app name, or remove the other app in the Entra admin center (App registrations) if it is no longer used.",
            ),
            PlanError::SameNameExists { .. } => (
                "An app with this name already exists and mailgrant did not create it.",
                "Nothing was changed: mailgrant never modifies or adopts an app it did not create. Rename or delete the other app in the Entra admin center (App registrations), or ask the vendor for a different app name.",
            ),
            PlanError::UniqueNameNotOurs { .. } => (
                "An app already uses the name mailgrant reserves for this mailbox.",
                "Nothing was changed. Check that app in the Entra admin center; if it is not needed, delete it and try again.",
            ),
            PlanError::MailboxIsGuest { .. } => (
                "This address belongs to a guest account.",
                "Enter the address of a mailbox in your own tenant (a user or shared mailbox).",
            ),
            PlanError::Lifetime { .. } => (
                "The secret lifetime is not allowed.",
                "Choose a lifetime between 1 day and 2 years.",
            ),
            PlanError::DisplayName => (
                "The app name is not usable.",
                "Use a name of 1 to 120 characters.",
            ),
        };
        Explanation {
            title: title.into(),
            detail: self.to_string(),
            fix: fix.into(),
            audience: Audience::Admin,
            example: None,
        }
    }
}

fn is_ours(tags: &[String]) -> bool {
    tags.iter().any(|t| t == TAG)
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

/// The app's `notes`.
pub fn notes(inputs: &Inputs, tool_version: &str) -> String {
    format!(
        "Made by mailgrant {tool_version} for {} to send mail as {} ({}). Remove it with mailgrant's Undo, or delete this app registration.",
        inputs.vendor,
        inputs.mailbox,
        inputs.mode.title()
    )
}

/// Builds the plan.
pub fn build(
    inputs: &Inputs,
    findings: &Findings,
    options: Options,
    tool_version: &str,
) -> Result<Plan, PlanError> {
    if !(1..=MAX_SECRET_LIFETIME_DAYS).contains(&inputs.secret_lifetime_days) {
        return Err(PlanError::Lifetime {
            days: inputs.secret_lifetime_days,
        });
    }
    let name = inputs.app_display_name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(PlanError::DisplayName);
    }
    if let Some(t) = &findings.mailbox.user_type {
        if !t.eq_ignore_ascii_case("Member") {
            return Err(PlanError::MailboxIsGuest {
                address: inputs.mailbox.to_string(),
                user_type: t.clone(),
            });
        }
    }
    let unique_name = unique_name(&inputs.vendor, findings.mailbox.id);
    if let Some(app) = &findings.app {
        if !is_ours(&app.tags) {
            return Err(PlanError::UniqueNameNotOurs {
                unique_name,
                app_id: app.app_id,
            });
        }
    }
    if let Some(other) = findings
        .same_name
        .iter()
        .find(|a| a.unique_name.as_deref() != Some(unique_name.as_str()))
    {
        return Err(PlanError::SameNameExists {
            display_name: name.to_owned(),
            app_id: other.app_id,
            made_by_mailgrant: is_ours(&other.tags),
        });
    }

    let existing_secrets: Vec<KeyId> = findings
        .app
        .iter()
        .flat_map(|a| &a.password_credentials)
        .filter(|p| {
            p.display_name
                .as_deref()
                .is_some_and(|n| n.starts_with(SECRET_PREFIX))
        })
        .map(|p| p.key_id)
        .collect();
    let grant = findings.grants.iter().find(|g| g.is_mail_send()).cloned();
    let existing = Existing {
        app: findings.app.as_ref().map(|a| a.id),
        app_id: findings.app.as_ref().map(|a| a.app_id),
        sp: findings.sp.as_ref().map(|s| s.id),
        secrets: existing_secrets,
        mail_send_grant: grant.clone(),
    };

    let mut ops = vec![];
    let mut notices = vec![];
    let mut push = |kind, deps: &[OpId], why: String| {
        let id = ops.len();
        ops.push(Op {
            id,
            kind,
            deps: deps.to_vec(),
            why,
        });
        id
    };
    let aap = inputs.mode == ScopeMode::ApplicationAccessPolicy;
    let app = push(
        OpKind::UpsertApp,
        &[],
        if existing.app.is_some() {
            "Update the app mailgrant made earlier for this mailbox (found by its uniqueName); nothing new is created.".into()
        } else {
            format!(
                "Register the app “{name}” for the vendor: single tenant, no sign-in addresses{}.",
                if aap { ", declaring Mail.Send" } else { "" }
            )
        },
    );
    let graph_sp = aap.then(|| {
        push(
            OpKind::LookupGraphServicePrincipal,
            &[],
            "Find Microsoft Graph in your tenant and its Mail.Send permission (checked against the documented id).".into(),
        )
    });
    let sp = push(
        OpKind::UpsertServicePrincipal,
        &[app],
        "Create the app's identity in your tenant (service principal); Exchange Online and the grant refer to it.".into(),
    );
    if existing.secrets.is_empty() || options.new_secret {
        push(
            OpKind::AddPassword,
            &[app],
            format!(
                "Create a client secret valid {} days for the vendor; it is shown to you once and never stored.",
                inputs.secret_lifetime_days
            ),
        );
    } else {
        notices.push(format!(
            "The app already has {} secret(s) made by mailgrant; no new secret is added unless you ask for one.",
            existing.secrets.len()
        ));
    }
    match (aap, &grant) {
        (true, _) => {
            push(
                OpKind::GrantMailSend,
                &[sp, graph_sp.unwrap_or(sp)],
                "Grant Mail.Send (admin consent); the Application Access Policy then narrows it to the mailbox.".into(),
            );
        }
        (false, Some(g)) if options.remove_unscoped_grant => {
            push(
                OpKind::RevokeUnscopedGrant {
                    resource_id: g.resource_id,
                    assignment_id: g.id.clone(),
                },
                &[],
                "Remove the app's unscoped Mail.Send grant: grants add up, so left in place it would let the app send as every mailbox.".into(),
            );
        }
        (false, Some(_)) => notices.push(
            "The app holds an unscoped Mail.Send grant. Grants add up: while it exists the app can send as EVERY mailbox, whatever Exchange's RBAC scope says. Choose “remove it” to fix this.".into(),
        ),
        (false, None) => {}
    }
    Ok(Plan {
        inputs: inputs.clone(),
        mailbox_id: findings.mailbox.id,
        unique_name,
        tool_version: tool_version.to_owned(),
        options,
        existing,
        ops,
        notices,
    })
}

/// One line of Review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub method: &'static str,
    /// With `{placeholders}` for ids that are known only while applying.
    pub path: String,
    /// Pretty JSON, secrets masked.
    pub body: Option<String>,
    pub why: String,
}

/// Replaces the values of secret-bearing keys.
pub fn mask(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let secretish = ["secretText", "secret", "password", "value"]
                        .iter()
                        .any(|s| k.eq_ignore_ascii_case(s));
                    let v = if secretish && v.is_string() {
                        Value::from("••••••")
                    } else {
                        mask(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
        other => other.clone(),
    }
}

/// Stand-in ids for Review: replaced by placeholders in the rendered path and body.
pub(crate) mod placeholder {
    use crate::ids::{ClientId, Guid, KeyId, ObjectId};

    const fn g(last: u8) -> Guid {
        Guid::from_bytes([
            0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last,
        ])
    }
    pub const APP: ObjectId = ObjectId::from_guid(g(1));
    pub const APP_ID: ClientId = ClientId::from_guid(g(2));
    pub const SP: ObjectId = ObjectId::from_guid(g(3));
    pub const GRAPH_SP: ObjectId = ObjectId::from_guid(g(4));
    pub const KEY: KeyId = KeyId::from_guid(g(5));

    pub fn render(s: &str) -> String {
        [
            (APP.to_string(), "{app object id}"),
            (APP_ID.to_string(), "{app id}"),
            (SP.to_string(), "{service principal id}"),
            (
                GRAPH_SP.to_string(),
                "{Microsoft Graph service principal id}",
            ),
            (KEY.to_string(), "{key id}"),
        ]
        .iter()
        .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
    }
}

impl Plan {
    /// What Review shows: every operation's first request.
    pub fn review(&self) -> Vec<ReviewLine> {
        let ctx = crate::run::Context::for_review(self);
        self.ops
            .iter()
            .map(|op| {
                let r = crate::run::first_request(
                    self,
                    &op.kind,
                    &ctx,
                    self.inputs.secret_lifetime_days,
                    0,
                );
                let body = r.body.as_ref().map(|b| {
                    let mut b = mask(b);
                    if let Some(end) = b.pointer_mut("/passwordCredential/endDateTime") {
                        *end = Value::from(format!(
                            "{{now + {} days}}",
                            self.inputs.secret_lifetime_days
                        ));
                    }
                    placeholder::render(&serde_json::to_string_pretty(&b).unwrap_or_default())
                });
                ReviewLine {
                    method: r.method,
                    path: placeholder::render(&r.path),
                    body,
                    why: op.why.clone(),
                }
            })
            .collect()
    }

    pub fn mode(&self) -> ScopeMode {
        self.inputs.mode
    }

    /// The Graph look-ups and writes happen in this many sequential rounds at best.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.ops.len()];
        for op in &self.ops {
            depth[op.id] = 1 + op.deps.iter().map(|d| depth[*d]).max().unwrap_or(0);
        }
        depth.into_iter().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_name_is_a_stable_slug() {
        let id = ObjectId::parse("11111111-2222-4333-8444-555555555555").unwrap();
        assert_eq!(
            unique_name("  Contoso Mailer, Inc. ", id),
            "mailgrant-contoso-mailer-inc-11111111-2222-4333-8444-555555555555"
        );
        assert_eq!(
            unique_name("Ünïcode ✉ ''", id),
            "mailgrant-n-code-11111111-2222-4333-8444-555555555555"
        );
        assert_eq!(unique_name("", id), format!("mailgrant-{id}"));
        let long = unique_name(&"x".repeat(500), id);
        assert!(long.len() <= 100, "{}", long.len());
    }

    #[test]
    fn mask_hides_secret_values_at_any_depth() {
        let v = serde_json::json!({"a": {"secretText": "s3cret", "keyId": "k"}, "b": [{"password": "p"}]});
        let m = mask(&v).to_string();
        assert!(!m.contains("s3cret") && !m.contains("\"p\""), "{m}");
        assert!(m.contains("\"keyId\":\"k\""));
    }
}
