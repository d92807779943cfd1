//! An application's credentials without a secret, as Graph v1.0 documents them:
//! `keyCredentials` in an application's create/update body (the whole collection is replaced;
//! `key` is never returned without `$select`; `customKeyIdentifier` defaults to the
//! certificate's thumbprint), and `/applications/{id}/federatedIdentityCredentials` (create,
//! list, get by id or name, upsert by name with `Prefer: create-if-missing`, update, delete;
//! at most 20; name 3–120 letters, digits, `-`, `_`, starting with a letter or digit; exactly one
//! audience; issuer and subject at most 600 characters; issuer + subject unique per app).
//! Error codes the docs do not give are those Graph was seen answering (noted per error).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use super::apps::{created, Target};
use super::authz::{may_manage, READ_APPS};
use super::error::{bad_request, method_not_allowed, not_found, GErr, GResult};
use super::odata::{entity, list, ListSpec};
use super::Ctx;
use crate::http_util::new_guid;
use crate::model::{visible, FederatedCredential, KeyCredential};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn invalid_key(why: &str) -> GErr {
    // Graph's wording for a key it refuses is not documented; the directory's general form.
    bad_request(
        "KeyCredentialsInvalid",
        format!("Invalid value specified for property 'keyCredentials' of resource 'Application': {why}."),
    )
}

/// The `keyCredentials` of a create or update body, checked; `None` when the body has none.
pub fn parse_keys(body: &Map<String, Value>) -> GResult<Option<Vec<KeyCredential>>> {
    let Some(v) = body.get("keyCredentials") else {
        return Ok(None);
    };
    let Some(items) = v.as_array() else {
        return Err(invalid_key("not a collection"));
    };
    let mut out = vec![];
    for item in items {
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
        let kind = text("type").ok_or_else(|| invalid_key("type is required"))?;
        let usage = text("usage").ok_or_else(|| invalid_key("usage is required"))?;
        match (kind.as_str(), usage.as_str()) {
            ("AsymmetricX509Cert", "Verify") | ("X509CertAndPassword", "Sign") => {}
            _ => return Err(invalid_key("type/usage must be AsymmetricX509Cert/Verify")),
        }
        let key = text("key").ok_or_else(|| invalid_key("key is required"))?;
        let der = B64
            .decode(key.as_bytes())
            .map_err(|_| invalid_key("key is not base64"))?;
        // A DER certificate is a SEQUENCE.
        if der.first() != Some(&0x30) || der.len() < 64 {
            return Err(invalid_key("key is not an X.509 certificate"));
        }
        let (start, end) = (text("startDateTime"), text("endDateTime"));
        if let (Some(s), Some(e)) = (&start, &end) {
            if e <= s {
                return Err(invalid_key("endDateTime is before startDateTime"));
            }
        }
        out.push(KeyCredential {
            key_id: text("keyId").unwrap_or_else(new_guid),
            custom_key_identifier: text("customKeyIdentifier")
                .unwrap_or_else(|| B64.encode(Sha1::digest(&der))),
            display_name: text("displayName").map(|n| n.chars().take(90).collect()),
            kind,
            usage,
            key,
            start_date_time: start.unwrap_or_default(),
            end_date_time: end.unwrap_or_default(),
        });
    }
    Ok(Some(out))
}

/// The maximum number of federated identity credentials per application (create page).
pub const MAX_FEDERATED: usize = 20;

fn valid_name(n: &str) -> bool {
    (3..=120).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn invalid_federated(what: &str) -> GErr {
    // The workload-identity docs' error table gives these texts (for managed identities).
    bad_request("Request_BadRequest", what.to_owned())
}

/// A federated identity credential from a create or upsert body, checked.
fn parse_federated(body: &Value, name: Option<&str>) -> GResult<FederatedCredential> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let name = match (name, text("name")) {
        (Some(url), Some(b)) if b != url => {
            return Err(invalid_federated(
                "The name in the body differs from the name in the URL.",
            ))
        }
        (Some(url), _) => url.to_owned(),
        (None, Some(b)) => b,
        (None, None) => return Err(invalid_federated("name is required.")),
    };
    if !valid_name(&name) {
        return Err(invalid_federated(&format!(
            "Federated Identity Credential name '{name}' is invalid."
        )));
    }
    let issuer = text("issuer").unwrap_or_default();
    let subject = text("subject").unwrap_or_default();
    if issuer.is_empty() || issuer.len() > 600 || subject.is_empty() || subject.len() > 600 {
        return Err(invalid_federated(
            "issuer and subject are required, at most 600 characters each.",
        ));
    }
    if issuer.contains('*') || subject.contains('*') {
        return Err(invalid_federated("Wildcards are not supported."));
    }
    let audiences: Vec<String> = body
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if audiences.len() != 1 {
        return Err(invalid_federated(
            "Federated identity credentials must have exactly one audience.",
        ));
    }
    Ok(FederatedCredential {
        id: new_guid(),
        name,
        issuer,
        subject,
        audiences,
        description: text("description"),
    })
}

/// `/applications/{…}/federatedIdentityCredentials…`: `seg` is that segment (maybe with a
/// `(name='…')` key), `rest` what follows.
pub fn route_federated(
    ctx: &Ctx,
    app: &Target,
    key: Option<(String, String)>,
    rest: &[&str],
) -> GResult<Response> {
    let by_name = match (key, rest) {
        (Some((k, v)), []) if k == "name" => Some(v),
        (Some(_), _) => return Err(not_found("federatedIdentityCredentials")),
        (None, [id_or_name]) => Some((*id_or_name).to_owned()),
        (None, []) => None,
        (None, _) => return Err(not_found("federatedIdentityCredentials")),
    };
    let owners = {
        let st = ctx.app.lock();
        st.directory
            .applications
            .iter()
            .find(|a| app.matches_app(a) && visible(a.visible_at))
            .map(|a| a.owners.clone())
    };
    let Some(owners) = owners else {
        return Err(not_found(app.text()));
    };
    match (by_name, &ctx.method) {
        (None, &Method::GET) => {
            ctx.require_scope(READ_APPS)?;
            let items = with_app(ctx, app, |a| {
                a.federated_credentials
                    .iter()
                    .filter_map(|f| match f.graph_json() {
                        Value::Object(m) => Some(m),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })?;
            list(
                &ctx.app,
                &ctx.od,
                &ctx.path,
                items,
                &ListSpec {
                    set: "applications/federatedIdentityCredentials",
                    type_name: "federatedIdentityCredential",
                    resource: "FederatedIdentityCredential",
                    filterable: &["name", "subject"],
                    defaults: None,
                    odata_type: false,
                },
            )
        }
        (None, &Method::POST) => {
            may_manage(ctx, Some(&owners))?;
            let f = parse_federated(&ctx.json()?, None)?;
            insert(ctx, app, f)
        }
        (Some(name), &Method::GET) => {
            ctx.require_scope(READ_APPS)?;
            let f =
                with_app(ctx, app, |a| find(a, &name).cloned())?.ok_or_else(|| not_found(&name))?;
            entity(
                &ctx.app,
                &ctx.od,
                "applications/federatedIdentityCredentials",
                "federatedIdentityCredential",
                None,
                f.graph_json(),
            )
        }
        (Some(name), &Method::PATCH) => {
            may_manage(ctx, Some(&owners))?;
            let body = ctx.json()?;
            let exists = with_app(ctx, app, |a| find(a, &name).is_some())?;
            if !exists {
                if !ctx.create_if_missing() {
                    return Err(not_found(&name));
                }
                let f = parse_federated(&body, Some(&name))?;
                return insert(ctx, app, f);
            }
            let updated = parse_federated(&body, Some(&name))?;
            with_app_mut(ctx, app, |a| {
                if let Some(f) = a.federated_credentials.iter_mut().find(|f| f.name == name) {
                    f.issuer = updated.issuer;
                    f.subject = updated.subject;
                    f.audiences = updated.audiences;
                    f.description = updated.description;
                }
            })?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        (Some(name), &Method::DELETE) => {
            may_manage(ctx, Some(&owners))?;
            let removed = with_app_mut(ctx, app, |a| {
                let before = a.federated_credentials.len();
                a.federated_credentials
                    .retain(|f| f.name != name && f.id != name);
                before != a.federated_credentials.len()
            })?;
            if removed {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(not_found(&name))
            }
        }
        _ => Err(method_not_allowed()),
    }
}

fn find<'a>(a: &'a crate::model::Application, id_or_name: &str) -> Option<&'a FederatedCredential> {
    a.federated_credentials
        .iter()
        .find(|f| f.name == id_or_name || f.id.eq_ignore_ascii_case(id_or_name))
}

fn insert(ctx: &Ctx, app: &Target, f: FederatedCredential) -> GResult<Response> {
    let made = f.clone();
    with_app_mut(ctx, app, |a| -> GResult<()> {
        if a.federated_credentials.iter().any(|x| x.name == f.name) {
            // As Graph answered (Azure/azure-dev#1482); not in the docs.
            return Err(GErr::new(
                StatusCode::CONFLICT,
                "Request_MultipleObjectsWithSameKeyValue",
                format!(
                    "FederatedIdentityCredential with name {} already exists.",
                    f.name
                ),
            ));
        }
        if a.federated_credentials
            .iter()
            .any(|x| x.issuer == f.issuer && x.subject == f.subject)
        {
            // As Graph answered (Azure/azure-workload-identity#434); not in the docs.
            return Err(bad_request(
                "InvalidFederatedIdentityCredentialValue",
                "The combination of issuer and subject must be unique for the application.",
            ));
        }
        if a.federated_credentials.len() >= MAX_FEDERATED {
            // The limit is documented; its error is not (chosen wording).
            return Err(bad_request(
                "Request_BadRequest",
                format!("An application can have at most {MAX_FEDERATED} federated identity credentials."),
            ));
        }
        a.federated_credentials.push(f);
        Ok(())
    })??;
    Ok(created(
        ctx,
        "applications/federatedIdentityCredentials",
        "FederatedIdentityCredential",
        &made.id,
        made.graph_json(),
    ))
}

fn with_app<T>(
    ctx: &Ctx,
    app: &Target,
    f: impl FnOnce(&crate::model::Application) -> T,
) -> GResult<T> {
    let st = ctx.app.lock();
    st.directory
        .applications
        .iter()
        .find(|a| app.matches_app(a))
        .map(f)
        .ok_or_else(|| not_found(app.text()))
}

fn with_app_mut<T>(
    ctx: &Ctx,
    app: &Target,
    f: impl FnOnce(&mut crate::model::Application) -> T,
) -> GResult<T> {
    let mut st = ctx.app.lock();
    st.directory
        .applications
        .iter_mut()
        .find(|a| app.matches_app(a))
        .map(f)
        .ok_or_else(|| not_found(app.text()))
}
