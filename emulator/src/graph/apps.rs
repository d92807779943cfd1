//! `/v1.0/applications`: list/filter, create, upsert by `uniqueName`, get/update/delete by id,
//! `appId` or `uniqueName`, and `addPassword`/`removePassword` (graph-facts §A.1, §A.2, §A.4, §A.11).

use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::authz::{may_manage, READ_APPS};
use super::error::{
    bad_request, bad_segment, invalid_value, method_not_allowed, not_found, read_only, GErr,
    GResult,
};
use super::odata::{context, entity, list, with_context, ListSpec};
use super::validate::{check, check_params, check_password_credential, is_guid, Mode, APPLICATION};
use super::Ctx;
use crate::faults::DEFAULT_POLICY_ID;
use crate::http_util::{hv, iso_utc, new_guid, now_unix, parse_iso};
use crate::model::{visible, Application, PasswordCredential};
use crate::DEMO_TENANT_ID;

/// How the URL names an application.
#[derive(Clone, Debug)]
pub enum Target {
    Id(String),
    AppId(String),
    UniqueName(String),
}

impl Target {
    fn label(&self) -> &str {
        self.text()
    }

    /// The id, appId or uniqueName as given.
    pub fn text(&self) -> &str {
        match self {
            Target::Id(s) | Target::AppId(s) | Target::UniqueName(s) => s,
        }
    }

    pub fn matches_app(&self, a: &Application) -> bool {
        self.matches(a)
    }

    fn matches(&self, a: &Application) -> bool {
        match self {
            Target::Id(s) => a.id.eq_ignore_ascii_case(s),
            Target::AppId(s) => a.app_id.eq_ignore_ascii_case(s),
            Target::UniqueName(s) => a
                .unique_name
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(s)),
        }
    }
}

pub fn route(ctx: &Ctx, key: Option<(String, String)>, rest: &[&str]) -> GResult<Response> {
    let (target, tail) = match key {
        Some((k, v)) if k == "appId" => (Target::AppId(v), rest),
        Some((k, v)) if k == "uniqueName" => (Target::UniqueName(v), rest),
        Some((k, v)) if k.is_empty() || k == "id" => (Target::Id(v), rest),
        Some(_) => return Err(bad_segment("applications")),
        None => match rest.split_first() {
            None => {
                return match ctx.method {
                    Method::GET => list_apps(ctx),
                    Method::POST => create(ctx),
                    _ => Err(method_not_allowed()),
                }
            }
            Some((id, tail)) => (Target::Id(id.to_string()), tail),
        },
    };
    match (tail, &ctx.method) {
        ([], &Method::GET) => get(ctx, &target),
        ([], &Method::PATCH) => patch(ctx, &target),
        ([], &Method::DELETE) => delete(ctx, &target),
        ([], _) => Err(method_not_allowed()),
        (["addPassword"], &Method::POST) => add_password(ctx, &target),
        (["removePassword"], &Method::POST) => remove_password(ctx, &target),
        (["addPassword" | "removePassword"], _) => Err(method_not_allowed()),
        ([seg, rest @ ..], _) if seg.starts_with("federatedIdentityCredentials") => {
            match super::split_key(seg) {
                Some(("federatedIdentityCredentials", key)) => {
                    super::app_credentials::route_federated(ctx, &target, key, rest)
                }
                _ => Err(bad_segment(seg)),
            }
        }
        ([next, ..], _) => Err(bad_segment(next)),
    }
}

const FILTERABLE: &[&str] = &[
    "id",
    "appId",
    "displayName",
    "uniqueName",
    "identifierUris",
    "tags",
    "publisherDomain",
    "signInAudience",
];

fn list_apps(ctx: &Ctx) -> GResult<Response> {
    ctx.require_scope(READ_APPS)?;
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .directory
        .applications
        .iter()
        .filter(|a| visible(a.visible_at))
        .filter_map(|a| match a.graph_json() {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect();
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: "applications",
            type_name: "application",
            resource: "Application",
            filterable: FILTERABLE,
            defaults: None,
            odata_type: false,
        },
    )
}

/// The application `target` names, if visible (past its replication window).
fn find(ctx: &Ctx, target: &Target) -> GResult<Application> {
    ctx.app
        .lock()
        .directory
        .applications
        .iter()
        .find(|a| target.matches(a) && visible(a.visible_at))
        .cloned()
        .ok_or_else(|| not_found(target.label()))
}

fn get(ctx: &Ctx, target: &Target) -> GResult<Response> {
    ctx.require_scope(READ_APPS)?;
    let a = find(ctx, target)?;
    entity(
        &ctx.app,
        &ctx.od,
        "applications",
        "application",
        None,
        a.graph_json(),
    )
}

/// Applies validated body properties to an application.
fn apply(a: &mut Application, m: &Map<String, Value>) {
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|x| {
                x.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (k, v) in m {
        match k.as_str() {
            "@odata.type" => {}
            "displayName" => a.display_name = v.as_str().unwrap_or_default().to_string(),
            "description" => a.description = v.as_str().map(str::to_string),
            "notes" => a.notes = v.as_str().map(str::to_string),
            "tags" => a.tags = strs(v),
            "identifierUris" => a.identifier_uris = strs(v),
            "signInAudience" => {
                a.sign_in_audience = v.as_str().unwrap_or("AzureADMyOrg").to_string()
            }
            "uniqueName" => a.unique_name = v.as_str().map(str::to_string),
            "requiredResourceAccess" => a.required_resource_access = v.clone(),
            // Checked and set by the caller (`app_credentials::parse_keys`).
            "keyCredentials" => {}
            "spa" => a.spa_redirect_uris = strs(&v["redirectUris"]),
            "publicClient" => a.public_client_redirect_uris = strs(&v["redirectUris"]),
            "web" => {
                if let Some(r) = v.get("redirectUris") {
                    a.web_redirect_uris = strs(r);
                }
            }
            _ => {
                a.extra.insert(k.clone(), v.clone());
            }
        }
    }
}

/// 201 with the created entity (`@odata.context`, `Location`).
pub fn created(ctx: &Ctx, set: &str, ds_type: &str, id: &str, v: Value) -> Response {
    let Value::Object(m) = v else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut r = (
        StatusCode::CREATED,
        Json(with_context(context(&ctx.app, set, None, true), m)),
    )
        .into_response();
    r.headers_mut().insert(
        header::LOCATION,
        hv(&format!(
            "{}/v2/{DEMO_TENANT_ID}/directoryObjects/{id}/Microsoft.DirectoryServices.{ds_type}",
            ctx.app.graph_origin
        )),
    );
    r
}

fn unique_name_conflict() -> GErr {
    // The directory's wording for a duplicate key value (seen for userPrincipalName) + ObjectConflict.
    bad_request(
        "Request_BadRequest",
        "Another object with the same value for property uniqueName already exists.",
    )
    .detail(
        "ObjectConflict",
        "Another object with the same value for property uniqueName already exists.",
        "uniqueName",
    )
}

/// Creates an application from a validated body (`displayName` required).
fn insert_new(
    ctx: &Ctx,
    body: &Map<String, Value>,
    unique_name: Option<&str>,
) -> GResult<Response> {
    if !body.get("displayName").is_some_and(Value::is_string) {
        // Chosen: Graph requires displayName (§A.1); the exact error text is not documented.
        return Err(invalid_value("displayName", "Application"));
    }
    let keys = super::app_credentials::parse_keys(body)?;
    let mut a = Application::new(new_guid(), new_guid(), iso_utc(now_unix()), ctx.user_id());
    apply(&mut a, body);
    if let Some(keys) = keys {
        a.key_credentials = keys;
    }
    if let Some(u) = unique_name {
        a.unique_name = Some(u.to_string());
    }
    a.visible_at = ctx.consistency_delay();
    let mut st = ctx.app.lock();
    if let Some(u) = &a.unique_name {
        if st.directory.applications.iter().any(|x| {
            x.unique_name
                .as_deref()
                .is_some_and(|y| y.eq_ignore_ascii_case(u))
        }) {
            return Err(unique_name_conflict());
        }
    }
    st.directory.applications.push(a.clone());
    drop(st);
    Ok(created(
        ctx,
        "applications",
        "Application",
        &a.id,
        a.graph_json(),
    ))
}

fn create(ctx: &Ctx) -> GResult<Response> {
    let body = check(&ctx.json()?, &APPLICATION, Mode::Create)?;
    may_manage(ctx, None)?;
    insert_new(ctx, &body, None)
}

fn patch(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let raw = ctx.json()?;
    // Upsert by uniqueName sees the primary copy (objects inside their replication window too),
    // so a retried upsert never creates a duplicate.
    let existing = {
        let st = ctx.app.lock();
        st.directory
            .applications
            .iter()
            .find(|a| {
                target.matches(a)
                    && (matches!(target, Target::UniqueName(_)) || visible(a.visible_at))
            })
            .cloned()
    };
    let Some(existing) = existing else {
        return match target {
            Target::UniqueName(u) if ctx.create_if_missing() => {
                let body = check(&raw, &APPLICATION, Mode::Create)?;
                if body
                    .get("uniqueName")
                    .is_some_and(|b| b.as_str() != Some(u.as_str()))
                {
                    return Err(invalid_value("uniqueName", "Application"));
                }
                may_manage(ctx, None)?;
                insert_new(ctx, &body, Some(u))
            }
            _ => Err(not_found(target.label())),
        };
    };
    let body = check(&raw, &APPLICATION, Mode::Update)?;
    if let Some(u) = body.get("uniqueName") {
        // uniqueName is immutable once set (graph-facts §A.2, UNVERIFIED: treated as documented).
        if existing
            .unique_name
            .as_deref()
            .is_some_and(|e| Some(e) != u.as_str())
        {
            return Err(read_only("uniqueName", "application"));
        }
    }
    may_manage(ctx, Some(&existing.owners))?;
    let keys = super::app_credentials::parse_keys(&body)?;
    let mut st = ctx.app.lock();
    if let Some(u) = body.get("uniqueName").and_then(Value::as_str) {
        if st.directory.applications.iter().any(|x| {
            x.id != existing.id
                && x.unique_name
                    .as_deref()
                    .is_some_and(|y| y.eq_ignore_ascii_case(u))
        }) {
            return Err(unique_name_conflict());
        }
    }
    if let Some(a) = st
        .directory
        .applications
        .iter_mut()
        .find(|a| a.id == existing.id)
    {
        apply(a, &body);
        // A PATCH replaces the whole collection (keyCredential docs).
        if let Some(keys) = keys {
            a.key_credentials = keys;
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes the application and — assumed, graph-facts §A.11 UNVERIFIED — its service principal in
/// this tenant together with that SP's app role assignments and Exchange role assignments. No deleted-items bin is modelled.
fn delete(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let a = find(ctx, target)?;
    may_manage(ctx, Some(&a.owners))?;
    let mut st = ctx.app.lock();
    let d = &mut st.directory;
    d.applications.retain(|x| x.id != a.id);
    let sp_ids: Vec<String> = d
        .service_principals
        .iter()
        .filter(|s| s.app_id.eq_ignore_ascii_case(&a.app_id))
        .map(|s| s.id.clone())
        .collect();
    d.service_principals.retain(|s| !sp_ids.contains(&s.id));
    d.app_role_assignments
        .retain(|r| !sp_ids.contains(&r.principal_id) && !sp_ids.contains(&r.resource_id));
    // Their Exchange role assignments go too (docs silent; our assumption, see `crate::exchange`).
    for id in &sp_ids {
        st.exchange.remove_service_principal(id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A client secret in Entra's shape: 40 characters, `Q~` after the first four.
fn new_secret() -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const ALL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
    let mut rng = rand::thread_rng();
    let mut s = String::with_capacity(40);
    for _ in 0..3 {
        s.push(ALNUM[rng.gen_range(0..ALNUM.len())] as char);
    }
    s.push(char::from(b'0' + rng.gen_range(0..10u8)));
    s.push_str("Q~");
    for _ in 0..34 {
        s.push(ALL[rng.gen_range(0..ALL.len())] as char);
    }
    s
}

/// `start` + 2 calendar years (the documented default lifetime, §A.4).
fn plus_two_years(start: u64) -> u64 {
    let iso = iso_utc(start);
    let year: u32 = iso[0..4].parse().unwrap_or(1970);
    parse_iso(&format!("{}{}", year + 2, &iso[4..])).unwrap_or(start + 2 * 365 * 86_400)
}

fn add_password(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let params = check_params(&ctx.json()?, "addPassword", &["passwordCredential"])?;
    let pc = check_password_credential(params.get("passwordCredential").unwrap_or(&Value::Null))?;
    let a = find(ctx, target)?;
    may_manage(ctx, Some(&a.owners))?;
    let now = now_unix();
    let date = |k: &str| pc.get(k).and_then(Value::as_str).and_then(parse_iso);
    let start = date("startDateTime").unwrap_or(now);
    let end = date("endDateTime").unwrap_or_else(|| plus_two_years(start));
    if end <= start {
        // Chosen wording: the directory's invalid-value message.
        return Err(invalid_value("endDateTime", "PasswordCredential"));
    }
    if let Some(p) = ctx.app.lock().faults.secret_policy.clone() {
        let id = p
            .policy_id
            .clone()
            .unwrap_or_else(|| DEFAULT_POLICY_ID.to_string());
        if p.forbid_secrets {
            // Message: graph-facts §A.4 (3P); code chosen by analogy with the lifetime one.
            let msg = format!("Credential type not allowed as per assigned policy '{id}'.");
            return Err(
                bad_request("CredentialTypeNotAllowedAsPerAppPolicy", msg.clone()).detail(
                    "InvalidKeyType",
                    &msg,
                    "PasswordCredentials",
                ),
            );
        }
        if let Some(days) = p.max_lifetime_days {
            if end - start > u64::from(days) * 86_400 {
                // Code, message and details as observed from Graph (3P, OfficeDev/microsoft-365-agents-toolkit#10998).
                let msg = format!("Credential lifetime exceeds the max value allowed as per assigned policy '{id}'.");
                return Err(
                    bad_request("CredentialInvalidLifetimeAsPerAppPolicy", msg.clone()).detail(
                        "InvalidKeyEndDate",
                        &msg,
                        "EndDate",
                    ),
                );
            }
        }
    }
    let secret = new_secret();
    let cred = PasswordCredential {
        key_id: new_guid(),
        display_name: pc
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_string),
        hint: secret[..3].to_string(),
        start_date_time: iso_utc(start),
        end_date_time: iso_utc(end),
        visible_at: ctx.consistency_delay(),
    };
    {
        let mut st = ctx.app.lock();
        let Some(app) = st.directory.applications.iter_mut().find(|x| x.id == a.id) else {
            return Err(not_found(target.label()));
        };
        app.password_credentials.push(cred.clone());
    }
    let mut v = cred.graph_json();
    v["secretText"] = json!(secret);
    let Value::Object(m) = v else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    Ok(Json(with_context(
        format!(
            "{}/v1.0/$metadata#microsoft.graph.passwordCredential",
            ctx.app.graph_origin
        ),
        m,
    ))
    .into_response())
}

fn remove_password(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let params = check_params(&ctx.json()?, "removePassword", &["keyId"])?;
    let key = match params.get("keyId").and_then(Value::as_str) {
        Some(k) if is_guid(k) => k.to_string(),
        _ => return Err(invalid_value("keyId", "PasswordCredential")),
    };
    let a = find(ctx, target)?;
    may_manage(ctx, Some(&a.owners))?;
    let mut st = ctx.app.lock();
    let Some(app) = st.directory.applications.iter_mut().find(|x| x.id == a.id) else {
        return Err(not_found(target.label()));
    };
    let before = app.password_credentials.len();
    app.password_credentials
        .retain(|p| !(p.key_id.eq_ignore_ascii_case(&key) && visible(p.visible_at)));
    if app.password_credentials.len() == before {
        // Chosen: an unknown (or not yet replicated) keyId answers like a missing resource.
        return Err(not_found(&key));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_shape() {
        let s = new_secret();
        assert_eq!(s.len(), 40);
        assert_eq!(&s[4..6], "Q~");
        assert_eq!(
            plus_two_years(parse_iso("2024-02-29T00:00:00Z").unwrap()),
            parse_iso("2026-03-01T00:00:00Z").unwrap()
        );
    }
}
