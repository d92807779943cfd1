//! The Entra ID (login) origin: OIDC discovery, JWKS, the authorize UI (account picker + consent),
//! the token endpoint and logout — with Entra's real URL layout and error shapes.
//!
//! AADSTS codes used (Entra's documented error codes; where Entra's exact behaviour is not
//! documented the emulator picks the closest documented code and says so here):
//! - 900144 missing request parameter (`The request body must contain the following parameter: '…'.`)
//! - 90002  tenant not found
//! - 700016 application (client_id) not found in the directory
//! - 50011  redirect URI not registered for the application (error page; never redirected to)
//! - 500112 redirect_uri at redemption differs from the one used at /authorize
//! - 70005  unsupported response_type (emulator supports only `code`)
//! - 70011  invalid scope (no `openid` — the emulator insists on it)
//! - 500011 resource principal not found (a scope of a resource other than Microsoft Graph)
//! - 9002325 PKCE required: missing code_challenge, or a method other than S256 (emulator-strict:
//!   Entra would also accept `plain`)
//! - 501491 code_challenge of the wrong size
//! - 50058  prompt=none without a session (the emulator keeps no sign-in session)
//! - 50057  disabled account; 50020 guest/foreign account picked on the sign-in page
//! - 65004  user declined consent; 90094 admin-only scopes requested by a non-admin
//! - 65001  token requested for scopes that were never consented
//! - 9002313 malformed/unknown code or refresh token
//! - 70000  code/refresh token issued to a different client (generic invalid_grant)
//! - 70008  expired code; 54005 code already redeemed
//! - 501481 code_verifier does not match the code_challenge
//! - 700084 SPA refresh token past its fixed 24 h lifetime
//! - 70003  unsupported grant_type
//! - 9002326 cross-origin redemption from an origin that is not a registered SPA origin
//! - 9002327 SPA code/refresh token redeemed without an Origin header (not cross-origin)
//! - 900561 GET on the token endpoint

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::faults::ConsentFault;
use crate::http_util::{
    add_cors, b64url, entra_timestamp, esc, header_str, hv, new_guid, now_unix, preflight,
    random_token, EntraError,
};
use crate::tenant::{
    AccessToken, AuthCode, Directory, PendingSignIn, RefreshToken, User, INITIAL_DOMAIN,
    TENANT_DISPLAY_NAME,
};
use crate::{App, DEMO_TENANT_ID};

mod authorize;
mod token;

use authorize::{authorize, consent, pick_account};
use token::{token, token_preflight};

const CODE_LIFETIME: u64 = 600;
const SPA_REFRESH_LIFETIME: u64 = 24 * 3600;
const PENDING_LIFETIME: u64 = 3600;
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";

pub fn router(app: App) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/login", post(pick_account))
        .route("/{tenant}/Consent/Set", post(consent))
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token).options(token_preflight).get(token_get),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(logout))
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "The page you requested does not exist on this (emulated) sign-in service.",
    )
}

async fn token_get() -> Response {
    EntraError::new(
        "invalid_request",
        900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
    )
    .into_response()
}

fn is_multi(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case("organizations") || tenant.eq_ignore_ascii_case("common")
}

fn tenant_not_found(tenant: &str) -> EntraError {
    EntraError::new(
        "invalid_tenant",
        90002,
        format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    )
}

fn form_fields(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn with_any_origin(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys

async fn discovery(State(app): State<App>, Path(tenant): Path<String>) -> Response {
    if !Directory::accepts_tenant_segment(&tenant) {
        return with_any_origin(tenant_not_found(&tenant).into_response());
    }
    let login = &app.login_origin;
    let tid = if is_multi(&tenant) {
        "{tenantid}"
    } else {
        DEMO_TENANT_ID
    };
    let base = format!("{login}/{tenant}");
    let graph_host = app
        .graph_origin
        .split_once("://")
        .map(|(_, h)| h.to_string())
        .unwrap_or_default();
    let doc = json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{login}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", app.graph_origin),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "code_challenge_methods_supported": ["S256"],
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": if is_multi(&tenant) { Value::Null } else { json!("EU") },
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": graph_host,
        "rbac_url": "https://pas.windows.net",
    });
    with_any_origin(Json(doc).into_response())
}

async fn jwks(State(app): State<App>, Path(tenant): Path<String>) -> Response {
    if !Directory::accepts_tenant_segment(&tenant) {
        return with_any_origin(tenant_not_found(&tenant).into_response());
    }
    let tid = if is_multi(&tenant) {
        "{tenantid}"
    } else {
        DEMO_TENANT_ID
    };
    let issuer = format!("{}/{tid}/v2.0", app.login_origin);
    with_any_origin(Json(app.keys.jwks(&issuer)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Scopes

#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    /// openid, profile, email, offline_access (lower-cased).
    Oidc(String),
    /// A Microsoft Graph delegated permission, short name (e.g. `User.Read`, `.default`).
    Graph(String),
    /// Anything else: a scope of some other resource.
    Other(String),
}

fn parse_scope(s: &str) -> Scope {
    let lower = s.to_ascii_lowercase();
    if ["openid", "profile", "email", "offline_access"].contains(&lower.as_str()) {
        return Scope::Oidc(lower);
    }
    for prefix in [GRAPH_RESOURCE, "00000003-0000-0000-c000-000000000000/"] {
        if lower.starts_with(prefix) {
            return Scope::Graph(s[prefix.len()..].to_string());
        }
    }
    if s.contains("://") || s.contains('/') {
        return Scope::Other(s.to_string());
    }
    Scope::Graph(s.to_string())
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Delegated Graph permissions only an administrator can consent to (the `.All` directory scopes,
/// except User.ReadBasic.All which users may consent to; and the Exchange RBAC ones, "Admin
/// consent required: Yes" in Graph's permissions reference).
fn is_admin_only(graph_scope: &str) -> bool {
    let l = graph_scope.to_ascii_lowercase();
    (l.ends_with(".all") && l != "user.readbasic.all")
        || (l.starts_with("rolemanagement.") && l.ends_with(".exchange"))
}

fn scope_description(s: &Scope) -> String {
    match s {
        Scope::Oidc(o) => match o.as_str() {
            "openid" => "Sign you in".into(),
            "profile" => "View your basic profile".into(),
            "email" => "View your email address".into(),
            _ => "Maintain access to data you have given it access to".into(),
        },
        Scope::Graph(g) => {
            let known = [
                ("user.read", "Sign in and read user profile"),
                (
                    "application.readwrite.all",
                    "Read and write all applications",
                ),
                (
                    "approleassignment.readwrite.all",
                    "Manage app permission grants and app role assignments",
                ),
                ("user.read.all", "Read all users' full profiles"),
                ("user.readbasic.all", "Read all users' basic profiles"),
                ("groupmember.read.all", "Read group memberships"),
                ("organization.read.all", "Read organization information"),
                ("mailboxsettings.read", "Read your mailbox settings"),
                (
                    "rolemanagement.readwrite.exchange",
                    "Read and write Exchange Online RBAC configuration",
                ),
                (
                    "rolemanagement.read.exchange",
                    "Read Exchange Online RBAC configuration",
                ),
            ];
            let l = g.to_ascii_lowercase();
            let text = known
                .iter()
                .find(|(k, _)| *k == l)
                .map(|(_, d)| d.to_string())
                .unwrap_or_else(|| format!("Microsoft Graph permission {g}"));
            if is_admin_only(g) {
                format!("{text} (Admin consent required)")
            } else {
                text
            }
        }
        Scope::Other(o) => o.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// HTML

const STYLE: &str = "body{font-family:'Segoe UI',system-ui,sans-serif;background:#f2f2f2;margin:0}\
.card{background:#fff;max-width:440px;margin:48px auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}\
h1{font-size:24px;font-weight:600;margin:0 0 16px}h2{font-size:18px;font-weight:600}\
.brand{font-weight:600;color:#737373;margin-bottom:16px}\
button{display:block;width:100%;text-align:left;margin:6px 0;padding:10px 12px;border:1px solid #ccc;background:#fff;cursor:pointer;font-size:15px}\
button.primary{background:#0067b8;color:#fff;text-align:center}button.secondary{text-align:center}\
.upn{display:block;color:#666;font-size:13px}.error{color:#a80000}ul{padding-left:20px}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head>\
<body><div class=\"card\"><div class=\"brand\">Microsoft (emulated)</div>{body}</div></body></html>\n",
        esc(title)
    )
}

/// Entra's error page: a sign-in card with the AADSTS message. The browser stays here.
fn error_page(status: StatusCode, headline: &str) -> Response {
    let now = now_unix();
    let body = format!(
        "<h1>Sign in</h1><p>Sorry, but we’re having trouble signing you in.</p>\
<p class=\"error\" id=\"error-message\">{}</p>\
<p class=\"details\">Request Id: {}<br>Correlation Id: {}<br>Timestamp: {}</p>",
        esc(headline),
        new_guid(),
        new_guid(),
        esc(&entra_timestamp(now))
    );
    (status, Html(page("Sign in to your account", &body))).into_response()
}

fn entra_page_error(code: u32, text: &str) -> Response {
    error_page(StatusCode::BAD_REQUEST, &format!("AADSTS{code}: {text}"))
}

// ---------------------------------------------------------------------------------------------
// Redirects back to the app

fn append_params(redirect_uri: &str, mode: &str, params: &[(&str, String)]) -> String {
    let encoded = serde_urlencoded::to_string(params).unwrap_or_default();
    if mode == "fragment" {
        format!("{redirect_uri}#{encoded}")
    } else if redirect_uri.contains('?') {
        format!("{redirect_uri}&{encoded}")
    } else {
        format!("{redirect_uri}?{encoded}")
    }
}

fn respond_to_app(redirect_uri: &str, mode: &str, params: &[(&str, String)]) -> Response {
    if mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    esc(k),
                    esc(v)
                )
            })
            .collect();
        let body = format!(
            "<form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"></noscript></form>\
<script>document.forms[0].submit();</script>",
            esc(redirect_uri)
        );
        return Html(page("Working...", &body)).into_response();
    }
    let location = append_params(redirect_uri, mode, params);
    (StatusCode::FOUND, [(header::LOCATION, hv(&location))]).into_response()
}

/// `error_description` as Entra puts it in a redirect: headline plus trace lines.
fn redirect_description(code: u32, text: &str) -> String {
    format!(
        "AADSTS{code}: {text}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
        new_guid(),
        new_guid(),
        entra_timestamp(now_unix())
    )
}

fn redirect_error(
    redirect_uri: &str,
    mode: &str,
    state: Option<&str>,
    error: &str,
    code: u32,
    text: &str,
) -> Response {
    let mut params = vec![
        ("error", error.to_string()),
        ("error_description", redirect_description(code, text)),
        (
            "error_uri",
            format!("https://login.microsoftonline.com/error?code={code}"),
        ),
    ];
    if let Some(s) = state {
        params.push(("state", s.to_string()));
    }
    respond_to_app(redirect_uri, mode, &params)
}

// ---------------------------------------------------------------------------------------------
// /logout

async fn logout(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(uri) = q.get("post_logout_redirect_uri") {
        let registered = app
            .lock()
            .directory
            .applications
            .iter()
            .any(|a| a.spa_redirect_uris.contains(uri) || a.web_redirect_uris.contains(uri));
        if registered {
            let mut params = Vec::new();
            if let Some(s) = q.get("state") {
                params.push(("state", s.clone()));
            }
            let location = if params.is_empty() {
                uri.clone()
            } else {
                append_params(uri, "query", &params)
            };
            return (StatusCode::FOUND, [(header::LOCATION, hv(&location))]).into_response();
        }
    }
    Html(page(
        "Sign out",
        "<h1 id=\"signed-out\">You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
    ))
    .into_response()
}
