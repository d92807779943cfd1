//! `mailgrant-bundle/1` JSON.

use serde::Serialize;

use super::{Bundle, UtcDateTime, BUNDLE_FORMAT};
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
    client_secret_value: &'a str,
    client_secret_id: KeyId,
    client_secret_expires_at: UtcDateTime,
    mailbox_object_id: ObjectId,
    mailbox_address: &'a SmtpAddress,
    app_object_id: ObjectId,
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
struct WireScope<'a> {
    mode: &'static str,
    target: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_address: Option<&'a SmtpAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
}

/// The bundle as pretty-printed `mailgrant-bundle/1` JSON (two-space indent, one field a line,
/// trailing newline). **Contains the client secret value in plain text.**
pub fn render_json(bundle: &Bundle) -> String {
    let b = bundle.fields();
    let (target, group_address, group_name) = match &b.mailbox_scope.target {
        ScopeTarget::OneMailbox => ("oneMailbox", None, None),
        ScopeTarget::ExistingGroup { address } => ("existingGroup", Some(address), None),
        ScopeTarget::NewGroup { name, address } => ("newGroup", Some(address), Some(name.as_str())),
    };
    let wire = Wire {
        format: BUNDLE_FORMAT,
        tenant_id: b.tenant_id,
        client_id: b.client_id,
        client_secret_value: b.client_secret_value.expose_secret(),
        client_secret_id: b.client_secret_id,
        client_secret_expires_at: b.client_secret_expires_at,
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
