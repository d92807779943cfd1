//! `mailgrant-bundle/1` JSON.

use serde::Serialize;

use super::{Bundle, BundleCredential, UtcDateTime, BUNDLE_FORMAT};
use crate::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::powershell::ScopeTarget;

/// The JSON Schema (draft 2020-12) of `mailgrant-bundle/1`, from
/// `schemas/mailgrant-bundle-1.schema.json`.
pub const SCHEMA: &str = include_str!("../../../schemas/mailgrant-bundle-1.schema.json");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    format: &'a str,
    tenant_id: TenantId,
    client_id: ClientId,
    /// How the vendor signs in (`kind` and its facts).
    credential: WireCredential<'a>,
    /// The secret kind's fields, at the top level as in every bundle before `credential`.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_id: Option<KeyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<UtcDateTime>,
    mailbox_object_id: ObjectId,
    mailbox_address: &'a SmtpAddress,
    app_object_id: Option<ObjectId>,
    app_display_name: &'a str,
    service_principal_object_id: ObjectId,
    mailbox_scope: WireScope<'a>,
    token_endpoint: &'a str,
    token_scope: String,
    graph_base_url: &'a str,
    created_at: UtcDateTime,
    mailgrant_version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireCredential<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<UtcDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbprint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbprint_sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audience: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireScope<'a> {
    mode: &'static str,
    target: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_address: Option<&'a SmtpAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
}

/// The bundle as pretty-printed `mailgrant-bundle/1` JSON (two-space indent, one field a line,
/// trailing newline). **Contains the client secret value in plain text** when the credential is
/// a secret; the other kinds carry nothing secret.
pub fn render_json(bundle: &Bundle) -> String {
    let b = bundle.fields();
    let (target, group_address, group_name) = match &b.mailbox_scope.target {
        ScopeTarget::OneMailbox => ("oneMailbox", None, None),
        ScopeTarget::ExistingGroup { address } => ("existingGroup", Some(address), None),
        ScopeTarget::NewGroup { name, address } => ("newGroup", Some(address), Some(name.as_str())),
    };
    let mut credential = WireCredential {
        kind: b.credential.kind(),
        expires_at: b.credential_expires_at(),
        thumbprint: None,
        thumbprint_sha256: None,
        name: None,
        issuer: None,
        subject: None,
        audience: None,
    };
    let (mut secret, mut secret_id) = (None, None);
    match &b.credential {
        BundleCredential::ClientSecret { value, id, .. } => {
            secret = Some(value.expose_secret());
            secret_id = Some(*id);
        }
        BundleCredential::Certificate {
            thumbprint,
            thumbprint_sha256,
            ..
        } => {
            credential.thumbprint = Some(thumbprint);
            credential.thumbprint_sha256 = Some(thumbprint_sha256);
        }
        BundleCredential::Federated {
            name,
            issuer,
            subject,
            audience,
        } => {
            credential.name = Some(name);
            credential.issuer = Some(issuer);
            credential.subject = Some(subject);
            credential.audience = Some(audience);
        }
        BundleCredential::VendorApp => {}
    }
    let wire = Wire {
        format: BUNDLE_FORMAT,
        tenant_id: b.tenant_id,
        client_id: b.client_id,
        client_secret_expires_at: secret.and(b.credential_expires_at()),
        client_secret_value: secret,
        client_secret_id: secret_id,
        credential,
        mailbox_object_id: b.mailbox_object_id,
        mailbox_address: &b.mailbox_address,
        app_object_id: b.app_object_id,
        app_display_name: b.app_display_name.as_str(),
        service_principal_object_id: b.service_principal_object_id,
        mailbox_scope: WireScope {
            mode: b.mailbox_scope.mode.as_config_str(),
            target,
            group_address,
            group_name,
        },
        token_endpoint: b.endpoints.token_endpoint(),
        token_scope: b.endpoints.token_scope(),
        graph_base_url: b.endpoints.graph_base_url(),
        created_at: b.created_at,
        mailgrant_version: crate::VERSION,
    };
    // Strings, numbers and a map with string keys: serde_json cannot fail on these.
    let mut out = serde_json::to_string_pretty(&wire).unwrap_or_default();
    out.push('\n');
    out
}
