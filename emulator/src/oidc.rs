//! A plain OpenID Connect provider at `{login origin}/oidc`, with nothing of Microsoft's: a fixed
//! issuer (no `{tenantid}` template), ID tokens without `tid`, `oid`, `wids` or
//! `preferred_username`, opaque access tokens that Microsoft Graph does not accept, RFC 6749 error
//! shapes (no AADSTS codes), strict `scope` checking (`invalid_scope` for anything but `openid`,
//! `profile` and `email`), and RFC 9207 `iss` on every authorization response. It answers the
//! question "does the page sign in against any standards-compliant provider?".
//!
//! One client, [`GENERIC_CLIENT_ID`] (deliberately not a GUID), registered with the same SPA
//! redirect URIs as the Entra side; one user, Ada.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http_util::{add_cors, b64url, esc, header_str, hv, now_unix, preflight, random_token};
use crate::App;

/// The page's client id at this provider.
pub const GENERIC_CLIENT_ID: &str = "mailgrant-demo-spa";
/// The one user's subject identifier.
pub const GENERIC_SUB: &str = "u-4f1c2d";
const SUPPORTED_SCOPES: [&str; 3] = ["openid", "profile", "email"];
const CODE_LIFETIME: u64 = 60;

/// A pending authorization (between `/authorize` and the user's decision) or an issued code.
#[derive(Clone, Debug)]
pub struct Grant {
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    challenge: String,
    scopes: Vec<String>,
    expires: u64,
}

/// This provider's part of the emulator's state.
#[derive(Default)]
pub struct OidcState {
    flows: HashMap<String, Grant>,
    codes: HashMap<String, Grant>,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/oidc/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize))
        .route("/oidc/decide", post(decide))
        .route("/oidc/token", post(token).options(token_preflight))
        .with_state(app)
}

fn issuer(app: &App) -> String {
    format!("{}/oidc", app.login_origin)
}

async fn discovery(State(app): State<App>) -> Response {
    let iss = issuer(&app);
    let mut r = Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "jwks_uri": format!("{iss}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": SUPPORTED_SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "name", "email"],
        "token_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    }))
    .into_response();
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

async fn jwks(State(app): State<App>) -> Response {
    let mut keys = app.keys.jwks(&issuer(&app));
    if let Some(k) = keys["keys"][0].as_object_mut() {
        k.remove("issuer"); // an Entra extension
    }
    let mut r = Json(keys).into_response();
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

fn page(title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
    .into_response()
}

fn error_page(text: &str) -> Response {
    let mut r = page(
        "Sign-in error",
        &format!("<p id=\"error-message\">{}</p>", esc(text)),
    );
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// An error sent back to the client (RFC 6749 §4.1.2.1) with RFC 9207 `iss`.
fn redirect(app: &App, redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let mut all: Vec<(&str, String)> = params.to_vec();
    all.push(("iss", issuer(app)));
    let q = serde_urlencoded::to_string(&all).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    (
        StatusCode::FOUND,
        [(header::LOCATION, hv(&format!("{redirect_uri}{sep}{q}")))],
    )
        .into_response()
}

fn redirect_error(
    app: &App,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    text: &str,
) -> Response {
    let mut p = vec![
        ("error", error.to_owned()),
        ("error_description", text.to_owned()),
    ];
    if let Some(s) = state {
        p.push(("state", s.to_owned()));
    }
    redirect(app, redirect_uri, &p)
}

async fn authorize(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    // Client and redirect URI first: errors about them are never redirected (RFC 6749 §4.1.2.1).
    if q.get("client_id").map(String::as_str) != Some(GENERIC_CLIENT_ID) {
        return error_page("invalid_request: unknown client_id");
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return error_page("invalid_request: redirect_uri is required");
    };
    let mut st = app.lock();
    if !st.seed_redirect_uris.contains(&redirect_uri) {
        return error_page("invalid_request: redirect_uri is not registered for this client");
    }
    let state = q.get("state").cloned();
    let fail = |error: &str, text: &str| {
        redirect_error(&app, &redirect_uri, state.as_deref(), error, text)
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let scopes: Vec<String> = q
        .get("scope")
        .map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        return fail("invalid_scope", "the openid scope is required");
    }
    if let Some(bad) = scopes
        .iter()
        .find(|s| !SUPPORTED_SCOPES.contains(&s.as_str()))
    {
        return fail("invalid_scope", &format!("unknown scope: {bad}"));
    }
    let challenge = match (q.get("code_challenge"), q.get("code_challenge_method")) {
        (Some(c), Some(m)) if m == "S256" && c.len() == 43 => c.clone(),
        _ => {
            return fail(
                "invalid_request",
                "PKCE with code_challenge_method=S256 is required",
            )
        }
    };
    let flow = random_token(24);
    let now = st.now();
    st.oidc.flows.insert(
        flow.clone(),
        Grant {
            redirect_uri,
            state,
            nonce: q.get("nonce").cloned(),
            challenge,
            scopes,
            expires: now + 600,
        },
    );
    page(
        "Sign in to Example IdP",
        &format!(
            "<p>An application asks to sign you in as <b>Ada Lovelace</b> (ada@idp.example).</p>\
<form method=\"POST\" action=\"/oidc/decide\"><input type=\"hidden\" name=\"flow\" value=\"{}\">\
<button id=\"oidc-continue\" name=\"decision\" value=\"allow\">Continue</button>\
<button id=\"oidc-deny\" name=\"decision\" value=\"deny\">Deny</button></form>",
            esc(&flow)
        ),
    )
}

async fn decide(State(app): State<App>, body: Bytes) -> Response {
    let f: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut st = app.lock();
    let now = st.now();
    let Some(grant) = f
        .get("flow")
        .and_then(|id| st.oidc.flows.remove(id))
        .filter(|g| g.expires > now)
    else {
        return error_page(
            "invalid_request: this sign-in expired; start again from the application",
        );
    };
    if f.get("decision").map(String::as_str) != Some("allow") {
        drop(st);
        return redirect_error(
            &app,
            &grant.redirect_uri,
            grant.state.as_deref(),
            "access_denied",
            "the user denied the request",
        );
    }
    let code = random_token(32);
    let mut params = vec![("code", code.clone())];
    if let Some(s) = &grant.state {
        params.push(("state", s.clone()));
    }
    let redirect_uri = grant.redirect_uri.clone();
    st.oidc.codes.insert(
        code,
        Grant {
            expires: now + CODE_LIFETIME,
            ..grant
        },
    );
    drop(st);
    redirect(&app, &redirect_uri, &params)
}

async fn token_preflight(State(app): State<App>, headers: HeaderMap) -> Response {
    let origin = header_str(&headers, "origin");
    preflight(origin, origin.is_some_and(|o| app.is_spa_origin(o)))
}

/// An RFC 6749 §5.2 error.
fn token_error(error: &str, text: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(json!({"error": error, "error_description": text})),
    )
        .into_response()
}

async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let origin = header_str(&headers, "origin").map(str::to_owned);
    let allowed = origin.as_deref().is_some_and(|o| app.is_spa_origin(o));
    let mut resp = redeem(&app, &body);
    add_cors(resp.headers_mut(), origin.as_deref(), allowed);
    resp
}

fn redeem(app: &App, body: &Bytes) -> Response {
    let f: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let get = |k: &str| f.get(k).map(String::as_str);
    if get("grant_type") != Some("authorization_code") {
        return token_error(
            "unsupported_grant_type",
            "only authorization_code is supported",
        );
    }
    if get("client_id") != Some(GENERIC_CLIENT_ID) {
        return token_error("invalid_client", "unknown client_id");
    }
    let mut st = app.lock();
    let now = st.now();
    // Single use: the code is gone whatever happens next.
    let Some(grant) = get("code").and_then(|c| st.oidc.codes.remove(c)) else {
        return token_error("invalid_grant", "unknown or already used code");
    };
    drop(st);
    if grant.expires <= now {
        return token_error("invalid_grant", "the code expired");
    }
    if get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return token_error(
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        );
    }
    let verifier = get("code_verifier").unwrap_or("");
    if b64url(&Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return token_error(
            "invalid_grant",
            "code_verifier does not match the code_challenge",
        );
    }
    let iat = now_unix();
    let mut claims = json!({
        "iss": issuer(app),
        "sub": GENERIC_SUB,
        "aud": GENERIC_CLIENT_ID,
        "iat": iat,
        "exp": iat + 300,
    });
    if let Some(n) = &grant.nonce {
        claims["nonce"] = json!(n);
    }
    if grant.scopes.iter().any(|s| s == "profile") {
        claims["name"] = json!("Ada Lovelace");
    }
    if grant.scopes.iter().any(|s| s == "email") {
        claims["email"] = json!("ada@idp.example");
    }
    let out: Value = json!({
        "access_token": random_token(32),
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": grant.scopes.join(" "),
        "id_token": app.keys.sign(&claims),
    });
    (
        StatusCode::OK,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(out),
    )
        .into_response()
}
