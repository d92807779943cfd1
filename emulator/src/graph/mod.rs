//! The Microsoft Graph origin: `/v1.0/...` and `/beta/roleManagement/exchange/...` behind bearer
//! tokens issued by the login side, with Graph's error body (graph-facts §B.1),
//! `request-id`/`client-request-id` headers and CORS for the registered SPA origins, fault
//! injection (`faults.rs`) on both, and the `/_emulator/*` hooks.
//!
//! Modules: `apps` (applications, passwords), `service_principals` (SPs, app role assignments),
//! `users`, `groups`, `exchange` (beta: Exchange RBAC role definitions and assignments), `authz`
//! (scopes × roles), `validate` (strict bodies), `odata` (query options), `hooks` and
//! `exchange_hooks` (test hooks), `error`.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use crate::conn::ConnInfo;
use crate::faults;
use crate::http_util::{
    add_cors, client_request_id, graph_error, header_str, hv, iso_utc, new_guid, percent_decode,
    preflight,
};
use crate::tenant::{AccessToken, Role, INITIAL_DOMAIN, SEED_CREATED, TENANT_DISPLAY_NAME};
use crate::{App, DEMO_TENANT_ID};

mod app_credentials;
mod apps;
mod authz;
pub(crate) mod error;
mod exchange;
mod exchange_hooks;
mod groups;
mod hooks;
mod odata;
mod service_principals;
mod users;
mod validate;

use error::{bad_segment, method_not_allowed, not_found, unreadable_body, GErr, GResult};
use odata::{context, odata, project, with_context, OData, Projected};

/// Marks a response the `loseResponse` fault dropped (read by the request log).
#[derive(Clone, Copy, Debug)]
pub struct ResponseLost;

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
    let api_routes = Router::new()
        .route("/v1.0", any(service_root))
        .route("/v1.0/", any(service_root))
        .route("/v1.0/{*rest}", any(v1))
        .route("/beta", any(beta_root))
        .route("/beta/", any(beta_root))
        .route("/beta/{*rest}", any(beta))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            inject_faults,
        ));
    Router::new()
        .route("/_emulator/reset", post(hooks::reset))
        .route("/_emulator/state", get(hooks::state))
        .route("/_emulator/clock", post(hooks::clock))
        .route("/_emulator/token", post(hooks::mint_token))
        .route(
            "/_emulator/faults",
            get(hooks::get_faults).post(hooks::set_faults),
        )
        .route("/_emulator/exchange/access", get(exchange_hooks::access))
        .route(
            "/_emulator/exchange/applicationAccessPolicies",
            post(exchange_hooks::new_policy),
        )
        .route(
            "/_emulator/exchange/applicationAccessPolicies/{identity}",
            delete(exchange_hooks::remove_policy),
        )
        .route(
            "/_emulator/exchange/managementRoleAssignments",
            post(exchange_hooks::new_management_role_assignment),
        )
        .route(
            "/_emulator/exchange/managementRoleAssignments/{identity}",
            delete(exchange_hooks::remove_management_role_assignment),
        )
        .merge(api_routes)
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

/// Applies the configured faults to a `/v1.0` or `/beta` request (see `crate::faults`).
async fn inject_faults(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = percent_decode(req.uri().path()).unwrap_or_else(|| req.uri().path().to_string());
    let latency = app.lock().faults.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let throttled = faults::take(&mut app.lock().faults.throttle, &method, &path);
    if let Some(rule) = throttled {
        // Code as listed in graph-facts §B.2; message chosen.
        let mut e = GErr::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests. Please retry again later.",
        );
        e.retry_after = Some(rule.retry_after_secs.unwrap_or(1));
        return e.render(&ids);
    }
    if faults::take(&mut app.lock().faults.unavailable, &method, &path).is_some() {
        // `serviceNotAvailable` is in Graph's documented code list (graph-facts §B.1); no Retry-After.
        return GErr::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is not available. Try the request again after a delay.",
        )
        .render(&ids);
    }
    let lose = faults::take(&mut app.lock().faults.lose_response, &method, &path).is_some();
    let conn = req.extensions().get::<ConnectInfo<ConnInfo>>().cloned();
    let mut resp = next.run(req).await;
    if lose {
        if let Some(ConnectInfo(c)) = conn {
            c.kill();
            resp.extensions_mut().insert(ResponseLost);
        }
    }
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

/// `/beta`: the beta service document lists what the emulator serves there.
async fn beta_root(State(app): State<App>) -> Response {
    Json(exchange::service_document(&app.graph_origin)).into_response()
}

async fn service_root(State(app): State<App>) -> Response {
    Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata", app.graph_origin),
        "value": [
            {"name": "me", "kind": "Singleton", "url": "me"},
            {"name": "organization", "kind": "EntitySet", "url": "organization"},
            {"name": "users", "kind": "EntitySet", "url": "users"},
            {"name": "groups", "kind": "EntitySet", "url": "groups"},
            {"name": "applications", "kind": "EntitySet", "url": "applications"},
            {"name": "servicePrincipals", "kind": "EntitySet", "url": "servicePrincipals"}
        ]
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// /v1.0

/// Everything a `/v1.0` handler needs about its request.
pub struct Ctx {
    pub app: App,
    pub token: AccessToken,
    pub method: Method,
    pub od: OData,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The request path, e.g. `/v1.0/applications`.
    pub path: String,
}

impl Ctx {
    /// The JSON request body (strict: must be valid JSON).
    pub fn json(&self) -> GResult<Value> {
        serde_json::from_slice(&self.body).map_err(|_| unreadable_body())
    }

    /// `Prefer: create-if-missing` (graph-facts §A.2/§A.3).
    pub fn create_if_missing(&self) -> bool {
        self.headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case("create-if-missing"))
    }

    pub fn has_scope(&self, any_of: &[&str]) -> bool {
        self.token
            .scopes
            .iter()
            .any(|s| any_of.iter().any(|a| a.eq_ignore_ascii_case(s)))
    }

    /// 403 unless the token carries one of `any_of`.
    pub fn require_scope(&self, any_of: &[&str]) -> GResult<()> {
        if self.has_scope(any_of) {
            Ok(())
        } else {
            Err(error::denied())
        }
    }

    /// The signed-in user's directory roles (none when a `stripRoles` fault names the user).
    pub fn roles(&self) -> Vec<Role> {
        let st = self.app.lock();
        match st.directory.user(&self.token.user_id) {
            Some(u) if !st.faults.strips_roles_of(&u.id, &u.user_principal_name) => u.roles.clone(),
            _ => vec![],
        }
    }

    pub fn user_id(&self) -> &str {
        &self.token.user_id
    }

    pub fn consistency_delay(&self) -> Option<std::time::Instant> {
        let ms = self.app.lock().faults.consistency_delay_ms;
        (ms > 0).then(|| std::time::Instant::now() + Duration::from_millis(ms))
    }
}

/// `name(key='value')` → (`name`, Some((`key`, `value`))); `name` → (`name`, None).
/// `None` when the parentheses are malformed.
pub fn split_key(seg: &str) -> Option<(&str, Option<(String, String)>)> {
    let Some(open) = seg.find('(') else {
        return Some((seg, None));
    };
    let name = &seg[..open];
    let inner = seg[open + 1..].strip_suffix(')')?;
    let (k, v) = match inner.split_once('=') {
        Some((k, v)) => (k.trim().to_string(), v.trim()),
        None => (String::new(), inner.trim()),
    };
    let v = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\''))?;
    Some((name, Some((k, v.replace("''", "'")))))
}

/// Real Graph entity sets the emulator does not (yet) implement.
const NOT_EMULATED: &[&str] = &[
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
    let (ctx, segs) = match prepare(app, &ids, &q, req, "v1.0").await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match dispatch(&ctx, &segs).await {
        Ok(r) => r,
        Err(e) => e.render(&ids),
    }
}

/// `/beta/...`: only the Exchange RBAC provider is emulated (`exchange.rs`).
async fn beta(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let (ctx, segs) = match prepare(app, &ids, &q, req, "beta").await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match exchange::dispatch_beta(&ctx, &segs) {
        Ok(r) => r,
        Err(e) => e.render(&ids),
    }
}

/// Authenticates a `/{version}/...` request and reads its body: the handler's [`Ctx`] and the
/// percent-decoded path segments after `/{version}/`.
async fn prepare(
    app: App,
    ids: &ReqIds,
    q: &HashMap<String, String>,
    req: Request,
    version: &'static str,
) -> Result<(Ctx, Vec<String>), Box<Response>> {
    let token = authenticate(&app, req.headers(), ids)?;
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 4 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return Err(Box::new(unreadable_body().render(ids))),
    };
    let path = parts.uri.path().to_string();
    let prefix = format!("/{version}/");
    let segs: Vec<String> = path
        .strip_prefix(prefix.as_str())
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s).unwrap_or_else(|| s.to_string()))
        .collect();
    let mut od = odata(q, parts.uri.query(), &parts.headers);
    od.version = version;
    let ctx = Ctx {
        od,
        app,
        token,
        method: parts.method,
        headers: parts.headers,
        body,
        path,
    };
    Ok((ctx, segs))
}

async fn dispatch(ctx: &Ctx, segs: &[&str]) -> GResult<Response> {
    let get_only = || {
        if ctx.method == Method::GET {
            Ok(())
        } else {
            Err(method_not_allowed())
        }
    };
    let Some(first) = segs.first() else {
        return Ok(service_root(State(ctx.app.clone())).await);
    };
    let (set, key) = split_key(first).ok_or_else(|| bad_segment(first))?;
    match (set, segs) {
        ("applications", _) => apps::route(ctx, key, &segs[1..]),
        ("servicePrincipals", _) => service_principals::route(ctx, key, &segs[1..]),
        ("users" | "me", _) => users::route(ctx, set == "me", &segs[1..]),
        ("groups", _) => groups::route(ctx, &segs[1..]),
        ("organization", [_]) => {
            get_only()?;
            let (obj, names) = organization(&ctx.app, &ctx.token, &ctx.od)?;
            Ok(Json(json!({
                "@odata.context": context(&ctx.app, "organization", names.as_deref(), false),
                "value": [obj],
            }))
            .into_response())
        }
        ("organization", [_, id]) => {
            get_only()?;
            if !id.eq_ignore_ascii_case(DEMO_TENANT_ID) {
                return Err(not_found(id));
            }
            let (obj, names) = organization(&ctx.app, &ctx.token, &ctx.od)?;
            Ok(Json(with_context(
                context(&ctx.app, "organization", names.as_deref(), true),
                obj,
            ))
            .into_response())
        }
        ("organization", [_, _, next, ..]) => Err(bad_segment(next)),
        // v1.0's roleManagement has only the directory and entitlementManagement providers
        // (v1.0 `roleManagement` resource); the Exchange provider is beta only.
        ("roleManagement", [_, provider, ..]) if provider.eq_ignore_ascii_case("exchange") => {
            Err(bad_segment(provider))
        }
        (s, _) if NOT_EMULATED.iter().any(|n| n.eq_ignore_ascii_case(s)) => Err(GErr::new(
            StatusCode::NOT_IMPLEMENTED,
            "notImplemented",
            format!("The emulator does not implement '{}' yet.", ctx.path),
        )),
        _ => Err(bad_segment(first)),
    }
}

pub(crate) fn authenticate(
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

/// The organization resource. With only `User.Read`, Graph returns `id`, `displayName` and
/// `verifiedDomains` and nulls the rest (graph-facts §A.10).
fn organization(app: &App, token: &AccessToken, od: &OData) -> GResult<Projected> {
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
    project(&all, od.select.as_deref(), None, "organization")
}
