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
// /authorize

async fn authorize(
    State(app): State<App>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !Directory::accepts_tenant_segment(&tenant) {
        return entra_page_error(90002, &tenant_not_found(&tenant).description);
    }
    let Some(client_id) = q.get("client_id").filter(|c| !c.is_empty()) else {
        return entra_page_error(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let mut st = app.lock();
    let Some(application) = st.directory.application_by_app_id(client_id).cloned() else {
        return entra_page_error(700016, &format!(
            "Application with identifier '{client_id}' was not found in the directory '{TENANT_DISPLAY_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ));
    };
    let Some(redirect_uri) = q.get("redirect_uri").filter(|r| !r.is_empty()) else {
        return entra_page_error(
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    let registered = application
        .spa_redirect_uris
        .iter()
        .chain(application.web_redirect_uris.iter())
        .any(|u| u == redirect_uri);
    if !registered {
        return entra_page_error(50011, &format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
        ));
    }
    // From here on errors go back to the (registered) redirect URI.
    let state = q.get("state").map(String::as_str);
    let mode = match q.get("response_mode").map(String::as_str) {
        None | Some("") | Some("query") => "query",
        Some("fragment") => "fragment",
        Some("form_post") => "form_post",
        Some(other) => {
            return redirect_error(
                redirect_uri,
                "query",
                state,
                "invalid_request",
                900144,
                &format!("The provided value for the input parameter 'response_mode' is not valid: '{other}'."),
            )
        }
    };
    let err = |error: &str, code: u32, text: &str| {
        redirect_error(redirect_uri, mode, state, error, code, text)
    };
    match q.get("response_type").map(String::as_str) {
        Some("code") => {}
        None | Some("") => {
            return err(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'response_type'.",
            )
        }
        Some(other) => {
            return err(
                "unsupported_response_type",
                70005,
                &format!("response_type '{other}' is not supported. The emulator supports only 'code' (authorization code flow with PKCE)."),
            )
        }
    }
    let scope_param = q.get("scope").map(String::as_str).unwrap_or("");
    // `.default` stands for the app's statically configured Graph permissions.
    let mut scopes: Vec<String> = Vec::new();
    for s in split_scopes(scope_param) {
        if parse_scope(&s) == Scope::Graph(".default".into()) {
            scopes.extend(application.default_graph_scopes.iter().cloned());
        } else {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return err(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let parsed: Vec<Scope> = scopes.iter().map(|s| parse_scope(s)).collect();
    if let Some(Scope::Other(o)) = parsed.iter().find(|s| matches!(s, Scope::Other(_))) {
        let resource = o.rsplit_once('/').map(|(r, _)| r).unwrap_or(o);
        return err("invalid_resource", 500011, &format!(
            "The resource principal named {resource} was not found in the tenant named {TENANT_DISPLAY_NAME}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
        ));
    }
    if !parsed.contains(&Scope::Oidc("openid".into())) {
        return err(
            "invalid_scope",
            70011,
            &format!("The provided request must include a 'openid' scope input parameter. The provided value for the input parameter 'scope' is not valid: '{scope_param}'."),
        );
    }
    let challenge = q.get("code_challenge").map(String::as_str).unwrap_or("");
    let method = q.get("code_challenge_method").map(String::as_str);
    if challenge.is_empty() {
        return err(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        );
    }
    if method != Some("S256") {
        return err("invalid_request", 9002325, &format!(
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption; code_challenge_method must be 'S256', got '{}'.",
            method.unwrap_or("")
        ));
    }
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return err(
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter.",
        );
    }
    if q.get("prompt").map(String::as_str) == Some("none") {
        return err("login_required", 50058, "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.");
    }

    let now = st.now();
    st.pending.retain(|_, p| p.created + PENDING_LIFETIME > now);
    let flow = random_token(24);
    st.pending.insert(
        flow.clone(),
        PendingSignIn {
            tenant_segment: tenant.clone(),
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            response_mode: mode.to_string(),
            state: state.map(str::to_string),
            nonce: q.get("nonce").cloned(),
            scopes,
            code_challenge: challenge.to_string(),
            user_id: None,
            created: now,
        },
    );
    let hint = q.get("login_hint").map(|h| h.to_ascii_lowercase());
    let accounts: String = st
        .directory
        .users
        .iter()
        .filter(|u| u.can_sign_in())
        .map(|u| {
            let hinted = hint.as_deref() == Some(&u.user_principal_name.to_ascii_lowercase());
            format!(
                "<button type=\"submit\" name=\"account\" value=\"{}\" id=\"account-{}\"{}>{}<span class=\"upn\">{}</span></button>",
                esc(&u.id),
                esc(&u.mail_nickname),
                if hinted { " autofocus" } else { "" },
                esc(&u.display_name),
                esc(&u.user_principal_name)
            )
        })
        .collect();
    drop(st);
    let body = format!(
        "<h1>Sign in to {tenant_name}</h1><h2>Pick an account</h2>\
<p>to continue to {app_name}</p>\
<form method=\"POST\" action=\"/{tenant_seg}/login\" id=\"account-picker\">\
<input type=\"hidden\" name=\"flow\" value=\"{flow}\">{accounts}</form>",
        tenant_name = esc(TENANT_DISPLAY_NAME),
        app_name = esc(&application.display_name),
        tenant_seg = esc(&tenant),
        flow = esc(&flow),
    );
    Html(page(&format!("Sign in to {TENANT_DISPLAY_NAME}"), &body)).into_response()
}

fn form_fields(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn flow_expired() -> Response {
    entra_page_error(
        9002313,
        "Invalid request. Request is malformed or invalid. (The sign-in session expired or is unknown; start again from the application.)",
    )
}

/// Step 2: an account was picked → consent page (or an AADSTS error page).
async fn pick_account(State(app): State<App>, Path(tenant): Path<String>, body: Bytes) -> Response {
    let f = form_fields(&body);
    let (Some(flow), Some(account)) = (f.get("flow"), f.get("account")) else {
        return flow_expired();
    };
    let mut st = app.lock();
    let Some(user) = st.directory.user(account).cloned() else {
        return entra_page_error(
            50034,
            &format!("The user account {account} does not exist in the '{INITIAL_DOMAIN}' directory. To sign into this application, the account must be added to the directory."),
        );
    };
    if !user.is_member() {
        return entra_page_error(50020, &format!(
            "User account '{}' from identity provider 'live.com' does not exist in tenant '{TENANT_DISPLAY_NAME}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first.",
            user.user_principal_name
        ));
    }
    if !user.account_enabled {
        return entra_page_error(
            50057,
            "The user account is disabled. The account has been disabled by an administrator.",
        );
    }
    let Some(pending) = st.pending.get_mut(flow) else {
        return flow_expired();
    };
    if !pending.tenant_segment.eq_ignore_ascii_case(&tenant) {
        return flow_expired();
    }
    pending.user_id = Some(user.id.clone());
    let pending = pending.clone();
    let app_name = st
        .directory
        .application_by_app_id(&pending.client_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    let forced = st.faults.consent;
    if forced == Some(ConsentFault::Declined) {
        st.pending.remove(flow);
        drop(st);
        return declined(&pending);
    }
    drop(st);
    let approval_required = forced == Some(ConsentFault::AdminApprovalRequired);
    consent_page(&tenant, flow, &pending, &user, &app_name, approval_required)
}

/// The answer to the app when consent is declined (Cancel, or the `declined` fault).
fn declined(pending: &PendingSignIn) -> Response {
    redirect_error(
        &pending.redirect_uri,
        &pending.response_mode,
        pending.state.as_deref(),
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    )
}

const ADMIN_APPROVAL_TEXT: &str = "The app needs permission to access resources in your organization that only an admin can grant. Request an admin to grant permission to this app before you can use it.";

fn consent_page(
    tenant: &str,
    flow: &str,
    pending: &PendingSignIn,
    user: &User,
    app_name: &str,
    approval_required: bool,
) -> Response {
    let parsed: Vec<Scope> = pending.scopes.iter().map(|s| parse_scope(s)).collect();
    let needs_admin = parsed
        .iter()
        .any(|s| matches!(s, Scope::Graph(g) if is_admin_only(g)));
    let who = format!(
        "<p id=\"signed-in-as\">{}<span class=\"upn\">{}</span></p>",
        esc(&user.display_name),
        esc(&user.user_principal_name)
    );
    let form_start = format!(
        "<form method=\"POST\" action=\"/{}/Consent/Set\" id=\"consent\"><input type=\"hidden\" name=\"flow\" value=\"{}\">",
        esc(tenant),
        esc(flow)
    );
    if approval_required || (needs_admin && !user.can_admin_consent()) {
        let body = format!(
            "{who}<h1>Need admin approval</h1><p id=\"error-message\">AADSTS90094: {} needs permission to access resources in your organization that only an admin can grant. Request an admin to grant permission to this app before you can use it.</p>\
{form_start}<button type=\"submit\" name=\"decision\" value=\"cancel\" id=\"cancel\" class=\"secondary\">Return to the application without granting consent</button></form>",
            esc(app_name)
        );
        return Html(page("Need admin approval", &body)).into_response();
    }
    let items: String = parsed
        .iter()
        .map(|s| format!("<li>{}</li>", esc(&scope_description(s))))
        .collect();
    let body = format!(
        "{who}<h1>Permissions requested</h1><p><b>{}</b><br>unverified</p>\
<p>This app would like to:</p><ul id=\"permissions\">{items}</ul>\
<p>Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>\
{form_start}<button type=\"submit\" name=\"decision\" value=\"accept\" id=\"accept\" class=\"primary\">Accept</button>\
<button type=\"submit\" name=\"decision\" value=\"cancel\" id=\"cancel\" class=\"secondary\">Cancel</button></form>",
        esc(app_name)
    );
    Html(page("Permissions requested", &body)).into_response()
}

/// Step 3: Accept → code; Cancel → access_denied (AADSTS65004).
async fn consent(State(app): State<App>, Path(tenant): Path<String>, body: Bytes) -> Response {
    let f = form_fields(&body);
    let Some(flow) = f.get("flow") else {
        return flow_expired();
    };
    let mut st = app.lock();
    let Some(pending) = st.pending.remove(flow) else {
        return flow_expired();
    };
    if !pending.tenant_segment.eq_ignore_ascii_case(&tenant) {
        return flow_expired();
    }
    let state = pending.state.as_deref();
    let decision = f.get("decision").map(String::as_str).unwrap_or("");
    if decision != "accept" || st.faults.consent == Some(ConsentFault::Declined) {
        return declined(&pending);
    }
    if st.faults.consent == Some(ConsentFault::AdminApprovalRequired) {
        return entra_page_error(90094, ADMIN_APPROVAL_TEXT);
    }
    let Some(user) = pending
        .user_id
        .as_deref()
        .and_then(|id| st.directory.user(id))
        .cloned()
    else {
        return flow_expired();
    };
    let needs_admin = pending
        .scopes
        .iter()
        .any(|s| matches!(parse_scope(s), Scope::Graph(g) if is_admin_only(&g)));
    if needs_admin && !user.can_admin_consent() {
        return entra_page_error(90094, ADMIN_APPROVAL_TEXT);
    }
    // Consent is recorded as a delegated permission grant (and the client's service principal
    // made if the tenant had none): what "Remove this setup page's access" deletes.
    let graph_scopes: Vec<String> = pending
        .scopes
        .iter()
        .filter(|s| matches!(parse_scope(s), Scope::Graph(_)))
        .cloned()
        .collect();
    st.directory
        .consent(&pending.client_id, &user.id, &graph_scopes);
    let code = format!("1.AXEA{}", random_token(96));
    let code_expires = st.now() + CODE_LIFETIME;
    st.codes.insert(
        code.clone(),
        AuthCode {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            code_challenge: pending.code_challenge.clone(),
            user_id: user.id.clone(),
            nonce: pending.nonce.clone(),
            scopes: pending.scopes.clone(),
            expires: code_expires,
            redeemed: false,
        },
    );
    drop(st);
    let mut params = vec![("code", code)];
    if let Some(s) = state {
        params.push(("state", s.to_string()));
    }
    params.push(("session_state", new_guid()));
    respond_to_app(&pending.redirect_uri, &pending.response_mode, &params)
}

// ---------------------------------------------------------------------------------------------
// /token

async fn token_preflight(State(app): State<App>, headers: HeaderMap) -> Response {
    let origin = header_str(&headers, "origin");
    let allowed = origin.is_some_and(|o| app.is_spa_origin(o));
    preflight(origin, allowed)
}

async fn token(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = header_str(&headers, "origin").map(str::to_string);
    let allowed = origin.as_deref().is_some_and(|o| app.is_spa_origin(o));
    let mut resp = match redeem(&app, &tenant, origin.as_deref(), allowed, &body) {
        Ok(v) => {
            let mut r = Json(v).into_response();
            r.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache"),
            );
            r
        }
        Err(e) => e.into_response(),
    };
    add_cors(resp.headers_mut(), origin.as_deref(), allowed);
    resp
}

fn missing(param: &str) -> EntraError {
    EntraError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

fn not_cross_origin() -> EntraError {
    EntraError::new(
        "invalid_request",
        9002327,
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
    )
}

fn malformed_grant() -> EntraError {
    EntraError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

fn pkce_s256(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

fn redeem(
    app: &App,
    tenant: &str,
    origin: Option<&str>,
    origin_allowed: bool,
    body: &Bytes,
) -> Result<Value, EntraError> {
    if !Directory::accepts_tenant_segment(tenant) {
        return Err(tenant_not_found(tenant));
    }
    if let (Some(o), false) = (origin, origin_allowed) {
        return Err(EntraError::new(
            "invalid_request",
            9002326,
            format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{o}'."),
        ));
    }
    let f = form_fields(body);
    let get = |k: &str| f.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").ok_or_else(|| missing("grant_type"))?;
    let client_id = get("client_id").ok_or_else(|| missing("client_id"))?;
    let mut st = app.lock();
    let Some(application) = st.directory.application_by_app_id(client_id).cloned() else {
        return Err(EntraError::new("unauthorized_client", 700016, format!(
            "Application with identifier '{client_id}' was not found in the directory '{TENANT_DISPLAY_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        )));
    };
    let now = st.now();
    let requested: Option<Vec<String>> = get("scope").map(split_scopes);

    let (user_id, consented, nonce, refresh_expiry, include_id_token) = match grant_type {
        "authorization_code" => {
            let code = get("code").ok_or_else(|| missing("code"))?;
            let redirect_uri = get("redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
            let verifier = get("code_verifier");
            if origin.is_none() {
                return Err(not_cross_origin());
            }
            let Some(entry) = st.codes.get_mut(code) else {
                return Err(malformed_grant());
            };
            if entry.redeemed {
                return Err(EntraError::new("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
            }
            if entry.expires <= now {
                return Err(EntraError::new("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
            }
            if !entry.client_id.eq_ignore_ascii_case(client_id) {
                return Err(EntraError::new(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
                ));
            }
            if entry.redirect_uri != redirect_uri {
                let registered = application
                    .spa_redirect_uris
                    .iter()
                    .any(|u| u == redirect_uri);
                return Err(if registered {
                    EntraError::new("invalid_grant", 500112, format!(
                        "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                        entry.redirect_uri
                    ))
                } else {
                    EntraError::new("invalid_grant", 50011, format!(
                        "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
                    ))
                });
            }
            let Some(verifier) = verifier else {
                entry.redeemed = true;
                return Err(missing("code_verifier"));
            };
            if pkce_s256(verifier) != entry.code_challenge {
                // A failed PKCE attempt burns the code.
                entry.redeemed = true;
                return Err(EntraError::new("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
            }
            entry.redeemed = true;
            let entry = entry.clone();
            (
                entry.user_id,
                entry.scopes,
                entry.nonce,
                now + SPA_REFRESH_LIFETIME,
                true,
            )
        }
        "refresh_token" => {
            let rt = get("refresh_token").ok_or_else(|| missing("refresh_token"))?;
            if origin.is_none() {
                return Err(not_cross_origin());
            }
            let Some(entry) = st.refresh_tokens.get(rt).cloned() else {
                return Err(malformed_grant());
            };
            if !entry.client_id.eq_ignore_ascii_case(client_id) {
                return Err(EntraError::new(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'refresh_token' parameter is not valid. The refresh token was issued to a different client.",
                ));
            }
            if entry.expires <= now {
                st.refresh_tokens.remove(rt);
                return Err(EntraError::new("invalid_grant", 700084, "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page."));
            }
            st.refresh_tokens.remove(rt);
            (
                entry.user_id,
                entry.scopes,
                entry.nonce,
                entry.expires,
                requested
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|s| s.eq_ignore_ascii_case("openid"))),
            )
        }
        other => {
            return Err(EntraError::new(
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            ))
        }
    };

    let Some(user) = st.directory.user(&user_id).cloned() else {
        return Err(malformed_grant());
    };
    if !user.account_enabled {
        return Err(EntraError::new(
            "invalid_grant",
            50057,
            "The user account is disabled.",
        ));
    }

    // Which Graph scopes go into this access token.
    let consented_graph: Vec<String> = consented
        .iter()
        .filter_map(|s| match parse_scope(s) {
            Scope::Graph(g) if g != ".default" => Some(g),
            _ => None,
        })
        .collect();
    let consented_oidc: Vec<String> = consented
        .iter()
        .filter_map(|s| match parse_scope(s) {
            Scope::Oidc(o) => Some(o),
            _ => None,
        })
        .collect();
    let mut token_graph: Vec<String> = Vec::new();
    match &requested {
        None => token_graph = consented_graph.clone(),
        Some(req) => {
            for s in req {
                match parse_scope(s) {
                    Scope::Oidc(_) => {}
                    Scope::Graph(g) if g == ".default" => {
                        token_graph.extend(consented_graph.iter().cloned())
                    }
                    Scope::Graph(g) => {
                        if !consented_graph.iter().any(|c| c.eq_ignore_ascii_case(&g)) {
                            return Err(EntraError::new("invalid_grant", 65001, format!(
                                "The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.",
                                application.display_name
                            )));
                        }
                        token_graph.push(g);
                    }
                    Scope::Other(o) => {
                        return Err(EntraError::new(
                            "invalid_scope",
                            70011,
                            format!("The provided value for the input parameter 'scope' is not valid. The scope {o} is not valid."),
                        ))
                    }
                }
            }
        }
    }
    token_graph.dedup();

    let lifetime = st.token_lifetime();
    let access_token = format!(
        "eyJ0eXAiOiJKV1QiLCJlbXVsYXRvciI6dHJ1ZX0.{}",
        random_token(48)
    );
    st.access_tokens.insert(
        access_token.clone(),
        AccessToken {
            user_id: user.id.clone(),
            client_id: client_id.to_string(),
            scopes: token_graph.clone(),
            expires: now + lifetime,
        },
    );
    let mut scope_out: Vec<String> = consented_oidc
        .iter()
        .filter(|o| o.as_str() != "offline_access")
        .cloned()
        .collect();
    scope_out.extend(token_graph.iter().map(|g| format!("{GRAPH_RESOURCE}{g}")));
    let mut out = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if consented_oidc.iter().any(|o| o == "offline_access") {
        let rt = format!("1.AXEA{}", random_token(128));
        st.refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                user_id: user.id.clone(),
                client_id: client_id.to_string(),
                scopes: consented.clone(),
                expires: refresh_expiry,
                nonce: nonce.clone(),
            },
        );
        out["refresh_token"] = json!(rt);
        out["refresh_token_expires_in"] = json!(refresh_expiry.saturating_sub(now));
    }
    // `wids` is sent only when the app registration asks for it (groupMembershipClaims
    // `DirectoryRole` or `All`), as Entra does.
    let wids = st
        .directory
        .application_by_app_id(client_id)
        .and_then(|a| a.extra.get("groupMembershipClaims"))
        .and_then(Value::as_str)
        // Manifests may combine values ("SecurityGroup, DirectoryRole"); the `wids` claim
        // reference names only `DirectoryRole` and `All` as the values that send it.
        .is_some_and(|c| {
            c.split(',')
                .map(str::trim)
                .any(|v| v.eq_ignore_ascii_case("DirectoryRole") || v.eq_ignore_ascii_case("All"))
        });
    drop(st);
    if include_id_token && consented_oidc.iter().any(|o| o == "openid") {
        let mut claims = id_token_claims(
            app,
            client_id,
            &user,
            nonce.as_deref(),
            &consented_oidc,
            // Visible timestamps use the real clock; the emulator clock only drives expiry.
            now_unix(),
        );
        if wids {
            claims["wids"] = json!(user.wids());
        }
        out["id_token"] = json!(app.keys.sign(&claims));
    }
    Ok(out)
}

fn id_token_claims(
    app: &App,
    client_id: &str,
    user: &User,
    nonce: Option<&str>,
    oidc: &[String],
    now: u64,
) -> Value {
    let sub = b64url(&Sha256::digest(
        format!("{}|{client_id}", user.id).as_bytes(),
    ))[..43]
        .to_string();
    let mut c = json!({
        "aud": client_id,
        "iss": format!("{}/{DEMO_TENANT_ID}/v2.0", app.login_origin),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.id,
        "preferred_username": user.user_principal_name,
        "rh": "0.AXEA-emulator.",
        "sub": sub,
        "tid": DEMO_TENANT_ID,
        "uti": random_token(16),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    if oidc.iter().any(|o| o == "email") {
        if let Some(m) = &user.mail {
            c["email"] = json!(m);
        }
    }
    c
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
