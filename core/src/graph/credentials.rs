//! The credentials without a secret: the vendor's certificate in an app's `keyCredentials`, and
//! federated identity credentials (Graph v1.0 `keyCredential`, `federatedIdentityCredential`).

use serde_json::{json, Value};

use super::apps::odata_literal;
use super::Request;
use crate::ids::ObjectId;
use crate::json_object::{FromJson, Obj};

/// The `keyCredentials` of the app's upsert: only the vendor's certificate (a PATCH replaces the
/// whole collection; Graph returns `key` only to a `$select`, so other keys could not be sent
/// back). `customKeyIdentifier` is left out: Graph sets the thumbprint (keyCredential docs).
pub fn key_credentials(
    key_base64: &str,
    display_name: &str,
    not_before: &str,
    not_after: &str,
) -> Value {
    json!([{
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "key": key_base64,
        "displayName": display_name,
        "startDateTime": not_before,
        "endDateTime": not_after,
    }])
}

/// A key on an app as read (never its `key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub key_id: Option<String>,
    /// Base64 of the certificate's SHA-1 thumbprint, by default.
    pub custom_key_identifier: Option<String>,
    pub display_name: Option<String>,
}

impl FromJson for KeyInfo {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the key credential")?;
        Ok(KeyInfo {
            key_id: o.opt_text("keyId")?,
            custom_key_identifier: o.opt_text("customKeyIdentifier")?,
            display_name: o.opt_text("displayName")?,
        })
    }
}

/// Upsert by name (`Prefer: create-if-missing`): 201 with the object when it was made, 204 when
/// one of that name existed (federatedIdentityCredential-upsert page).
pub fn upsert_federated(
    app: ObjectId,
    name: &str,
    issuer: &str,
    subject: &str,
    audience: &str,
    description: &str,
) -> Request {
    Request::patch(
        format!(
            "/v1.0/applications/{app}/federatedIdentityCredentials(name='{}')",
            odata_literal(name)
        ),
        json!({
            "name": name,
            "issuer": issuer,
            "subject": subject,
            "audiences": [audience],
            "description": description,
        }),
    )
    .with_header("Prefer", "create-if-missing")
}

/// `GET …/federatedIdentityCredentials/{name}` (the name is an alternate key).
pub fn get_federated(app: ObjectId, name: &str) -> Request {
    Request::get(format!(
        "/v1.0/applications/{app}/federatedIdentityCredentials/{}",
        super::apps::encode(name)
    ))
}

pub fn delete_federated(app: ObjectId, name: &str) -> Request {
    Request::delete(format!(
        "/v1.0/applications/{app}/federatedIdentityCredentials/{}",
        super::apps::encode(name)
    ))
}

/// A federated identity credential as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federated {
    pub name: String,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Vec<String>,
    pub description: Option<String>,
}

impl FromJson for Federated {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the federated identity credential")?;
        Ok(Federated {
            name: o.text("name")?,
            issuer: o.opt_text("issuer")?,
            subject: o.opt_text("subject")?,
            audiences: o.items("audiences")?,
            description: o.opt_text("description")?,
        })
    }
}
