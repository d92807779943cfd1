//! The Microsoft Graph origin: `/v1.0/...` behind bearer tokens issued by the login side, with
//! Graph's error body (graph-facts §B.1), `request-id`/`client-request-id` headers and CORS for the
//! registered SPA origins. Also the test hooks `POST /_emulator/reset` and `GET /_emulator/state`.

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use crate::http_util::{
    add_cors, client_request_id, graph_error, header_str, hv, iso_utc, new_guid, percent_decode,
    preflight,
};
use crate::tenant::{
    AccessToken, INITIAL_DOMAIN, SEED_CREATED, TENANT_DISPLAY_NAME, USER_DEFAULT_PROPERTIES,
};
use crate::{App, DEMO_TENANT_ID};

/// Per-request ids, also echoed in error bodies.
#[derive(Clone, Debug)]
pub struct ReqIds {
    pub request_id: String,
    pub client_request_id: String,
}

impl ReqIds {
    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        graph_error(
            status,
            code,
            message,
            &self.request_id,
            &self.client_request_id,
        )
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/state", get(state))
        .route("/_emulator/clock", post(clock))
        .route("/v1.0", any(service_root))
        .route("/v1.0/", any(service_root))
        .route("/v1.0/{*rest}", any(v1))
        .fallback(unknown_version)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            graph_headers,
        ))
        .with_state(app)
}

/// Adds `request-id`/`client-request-id` (+ CORS) to every response and answers preflights.
async fn graph_headers(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let origin = header_str(req.headers(), "origin").map(str::to_string);
    let allowed = origin.as_deref().is_some_and(|o| app.is_spa_origin(o));
    let ids = ReqIds {
        request_id: new_guid(),
        client_request_id: client_request_id(req.headers()),
    };
    let mut resp = if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        preflight(origin.as_deref(), allowed)
    } else {
        req.extensions_mut().insert(ids.clone());
        let mut r = next.run(req).await;
        add_cors(r.headers_mut(), origin.as_deref(), allowed);
        r
    };
    let h = resp.headers_mut();
    h.insert("request-id", hv(&ids.request_id));
    h.insert("client-request-id", hv(&ids.client_request_id));
    h.insert(
        "x-ms-ags-diagnostic",
        hv(r#"{"ServerInfo":{"DataCenter":"Local Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"EMU"}}"#),
    );
    resp
}

async fn unknown_version(Extension(ids): Extension<ReqIds>, req: Request) -> Response {
    let first = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    ids.error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Invalid version: {first}"),
    )
}

async fn service_root(State(app): State<App>) -> Response {
    Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata", app.graph_origin),
        "value": [
            {"name": "me", "kind": "Singleton", "url": "me"},
            {"name": "organization", "kind": "EntitySet", "url": "organization"},
            {"name": "users", "kind": "EntitySet", "url": "users"},
            {"name": "groups", "kind": "EntitySet", "url": "groups"}
        ]
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Test hooks

async fn reset(State(app): State<App>) -> Response {
    app.lock().reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/clock?advance=SECONDS`: moves the emulator clock forward (codes, access and
/// refresh tokens expire as if that time had passed). Answers the emulator's current time.
async fn clock(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let advance = match q.get("advance").map(|v| v.parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "advance must be a whole number of seconds.",
            )
        }
    };
    let mut st = app.lock();
    st.clock_offset = st.clock_offset.saturating_add(advance);
    Json(json!({"now": iso_utc(st.now()), "offsetSeconds": st.clock_offset})).into_response()
}

async fn state(State(app): State<App>) -> Response {
    let st = app.lock();
    let d = &st.directory;
    let users: Vec<Value> = d
        .users
        .iter()
        .map(|u| {
            let mut m = u.graph_json();
            m.insert(
                "roles".into(),
                json!(u
                    .roles
                    .iter()
                    .map(|r| json!({"displayName": r.display_name(), "roleTemplateId": r.template_id()}))
                    .collect::<Vec<_>>()),
            );
            m.insert("mailbox".into(), json!(u.mailbox));
            Value::Object(m)
        })
        .collect();
    let groups: Vec<Value> = d
        .groups
        .iter()
        .map(|g| {
            let mut m = g.graph_json();
            m.insert("members".into(), json!(g.members));
            Value::Object(m)
        })
        .collect();
    Json(json!({
        "tenant": {"id": DEMO_TENANT_ID, "displayName": TENANT_DISPLAY_NAME, "initialDomain": INITIAL_DOMAIN},
        "users": users,
        "groups": groups,
        "applications": d.applications.iter().map(|a| a.graph_json()).collect::<Vec<_>>(),
        "servicePrincipals": d.service_principals.iter().map(|s| s.graph_json()).collect::<Vec<_>>(),
        // Issued access tokens, without their values.
        "accessTokens": st.access_tokens.values().map(|t| json!({
            "userId": t.user_id, "clientId": t.client_id, "scopes": t.scopes, "expiresDateTime": iso_utc(t.expires),
        })).collect::<Vec<_>>(),
        "requestLog": st.log,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// /v1.0

fn authenticate(
    app: &App,
    headers: &HeaderMap,
    ids: &ReqIds,
) -> Result<AccessToken, Box<Response>> {
    let unauthorized = |msg: &str| {
        let mut r = ids.error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", msg);
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            hv(&format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                app.login_origin
            )),
        );
        r
    };
    let raw = header_str(headers, "authorization").unwrap_or("").trim();
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(Box::new(unauthorized("Access token is empty.")));
    }
    let st = app.lock();
    let Some(at) = st.access_tokens.get(token) else {
        return Err(Box::new(unauthorized(
            "CompactToken parsing failed with error code: 80049217",
        )));
    };
    if at.expires <= st.now() {
        return Err(Box::new(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )));
    }
    Ok(at.clone())
}

/// A projected object and the canonical `$select`ed names.
type Projected = (Map<String, Value>, Option<Vec<String>>);

/// Parsed OData query options we honour.
struct OData {
    select: Option<Vec<String>>,
}

fn odata(q: &HashMap<String, String>) -> OData {
    let select = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("$select") || k.eq_ignore_ascii_case("select"))
        .map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
    OData { select }
}

/// Applies `$select` (case-insensitive) or the default property set; returns the projected object
/// and the canonical selected names (for `@odata.context`).
fn project(
    all: &Map<String, Value>,
    select: Option<&[String]>,
    defaults: Option<&[&str]>,
    type_name: &str,
    ids: &ReqIds,
) -> Result<Projected, Box<Response>> {
    match select {
        Some(sel) => {
            let mut out = Map::new();
            let mut names = Vec::new();
            for s in sel {
                let Some((k, v)) = all.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)) else {
                    return Err(Box::new(ids.error(
                        StatusCode::BAD_REQUEST,
                        "Request_BadRequest",
                        &format!("Could not find a property named '{s}' on type 'microsoft.graph.{type_name}'."),
                    )));
                };
                out.insert(k.clone(), v.clone());
                names.push(k.clone());
            }
            Ok((out, Some(names)))
        }
        None => {
            let out = match defaults {
                Some(d) => all
                    .iter()
                    .filter(|(k, _)| d.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                None => all.clone(),
            };
            Ok((out, None))
        }
    }
}

fn context(app: &App, set: &str, names: Option<&[String]>, entity: bool) -> String {
    let sel = names
        .map(|n| format!("({})", n.join(",")))
        .unwrap_or_default();
    let suffix = if entity { "/$entity" } else { "" };
    format!("{}/v1.0/$metadata#{set}{sel}{suffix}", app.graph_origin)
}

fn with_context(ctx: String, obj: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("@odata.context".into(), json!(ctx));
    m.extend(obj);
    Value::Object(m)
}

fn not_found(ids: &ReqIds, what: &str) -> Response {
    ids.error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn bad_segment(ids: &ReqIds, seg: &str) -> Response {
    ids.error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

fn method_not_allowed(ids: &ReqIds) -> Response {
    ids.error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

/// Real Graph entity sets the emulator does not (yet) implement.
const NOT_EMULATED: &[&str] = &[
    "applications",
    "servicePrincipals",
    "directoryObjects",
    "policies",
    "directoryRoles",
    "roleManagement",
    "domains",
    "subscribedSkus",
];

async fn v1(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let token = match authenticate(&app, req.headers(), &ids) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let method = req.method().clone();
    let path = req.uri().path().trim_start_matches("/v1.0/").to_string();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s).unwrap_or_else(|| s.to_string()))
        .collect();
    let od = odata(&q);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["me"] => {
            if method != Method::GET {
                return method_not_allowed(&ids);
            }
            get_user(&app, &ids, &token.user_id, &od)
        }
        ["users", id] => {
            if method != Method::GET {
                return method_not_allowed(&ids);
            }
            get_user(&app, &ids, id, &od)
        }
        ["groups", id] => {
            if method != Method::GET {
                return method_not_allowed(&ids);
            }
            get_group(&app, &ids, id, &od)
        }
        ["organization"] => {
            if method != Method::GET {
                return method_not_allowed(&ids);
            }
            match organization(&app, &token, &od, &ids) {
                Ok((obj, names)) => Json(json!({
                    "@odata.context": context(&app, "organization", names.as_deref(), false),
                    "value": [obj],
                }))
                .into_response(),
                Err(r) => *r,
            }
        }
        ["organization", id] => {
            if method != Method::GET {
                return method_not_allowed(&ids);
            }
            if !id.eq_ignore_ascii_case(DEMO_TENANT_ID) {
                return not_found(&ids, id);
            }
            match organization(&app, &token, &od, &ids) {
                Ok((obj, names)) => Json(with_context(
                    context(&app, "organization", names.as_deref(), true),
                    obj,
                ))
                .into_response(),
                Err(r) => *r,
            }
        }
        [first, ..] if NOT_EMULATED.iter().any(|n| n.eq_ignore_ascii_case(first)) => ids.error(
            StatusCode::NOT_IMPLEMENTED,
            "notImplemented",
            &format!("The emulator does not implement '/v1.0/{path}' yet."),
        ),
        ["me" | "users" | "groups" | "organization", _, next, ..] => bad_segment(&ids, next),
        [first, ..] => bad_segment(&ids, first),
        [] => service_root(State(app)).await,
    }
}

fn get_user(app: &App, ids: &ReqIds, id: &str, od: &OData) -> Response {
    let Some(all) = app.lock().directory.user(id).map(|u| u.graph_json()) else {
        return not_found(ids, id);
    };
    match project(
        &all,
        od.select.as_deref(),
        Some(USER_DEFAULT_PROPERTIES),
        "user",
        ids,
    ) {
        Ok((obj, names)) => Json(with_context(
            context(app, "users", names.as_deref(), true),
            obj,
        ))
        .into_response(),
        Err(r) => *r,
    }
}

fn get_group(app: &App, ids: &ReqIds, id: &str, od: &OData) -> Response {
    let Some(all) = app.lock().directory.group(id).map(|g| g.graph_json()) else {
        return not_found(ids, id);
    };
    match project(&all, od.select.as_deref(), None, "group", ids) {
        Ok((obj, names)) => Json(with_context(
            context(app, "groups", names.as_deref(), true),
            obj,
        ))
        .into_response(),
        Err(r) => *r,
    }
}

/// The organization resource. With only `User.Read`, Graph returns `id`, `displayName` and
/// `verifiedDomains` and nulls the rest (graph-facts §A.10).
fn organization(
    app: &App,
    token: &AccessToken,
    od: &OData,
    ids: &ReqIds,
) -> Result<Projected, Box<Response>> {
    let _ = app;
    let full = token.scopes.iter().any(|s| {
        let l = s.to_ascii_lowercase();
        l == "organization.read.all"
            || l == "organization.readwrite.all"
            || l == "directory.read.all"
            || l == "directory.readwrite.all"
    });
    let v = json!({
        "id": DEMO_TENANT_ID,
        "deletedDateTime": null,
        "businessPhones": ["+1 425 555 0100"],
        "city": "Redmond",
        "country": null,
        "countryLetterCode": "US",
        "createdDateTime": iso_utc(SEED_CREATED),
        "defaultUsageLocation": null,
        "displayName": TENANT_DISPLAY_NAME,
        "isMultipleDataLocationsForServicesEnabled": null,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": null,
        "onPremisesSyncEnabled": null,
        "partnerTenantType": null,
        "postalCode": "98052",
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": "WA",
        "street": "1 Demo Way",
        "technicalNotificationMails": [format!("adele@{INITIAL_DOMAIN}")],
        "tenantType": "AAD",
        "directorySizeQuota": {"used": 42, "total": 50000},
        "privacyProfile": null,
        "assignedPlans": [],
        "onPremisesSyncStatus": [],
        "provisionedPlans": [],
        "verifiedDomains": [{
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": true,
            "isInitial": true,
            "name": INITIAL_DOMAIN,
            "type": "Managed"
        }]
    });
    let Value::Object(mut all) = v else {
        return Ok((Map::new(), None));
    };
    if !full {
        for (k, v) in all.iter_mut() {
            if !["id", "displayName", "verifiedDomains"].contains(&k.as_str()) {
                *v = Value::Null;
            }
        }
    }
    project(&all, od.select.as_deref(), None, "organization", ids)
}
