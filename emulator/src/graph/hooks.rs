//! Test hooks on the graph origin (no auth): `POST /_emulator/reset`, `GET /_emulator/state`,
//! `POST /_emulator/clock?advance=SECONDS`, `GET|POST /_emulator/faults`. The Exchange hooks are
//! in `exchange_hooks.rs`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::ReqIds;
use crate::faults::Faults;
use crate::http_util::{iso_utc, random_token};
use crate::model::visible;
use crate::tenant::{INITIAL_DOMAIN, TENANT_DISPLAY_NAME};
use crate::{App, DEMO_TENANT_ID};

/// Restores the seed, the real clock and the start-up faults.
pub async fn reset(State(app): State<App>) -> Response {
    app.lock().reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/clock?advance=SECONDS`: moves the emulator clock forward (codes, access and
/// refresh tokens expire as if that time had passed). Answers the emulator's current time.
pub async fn clock(
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

pub async fn get_faults(State(app): State<App>) -> Response {
    Json(app.lock().faults.clone()).into_response()
}

/// Replaces the faults with the JSON body (see `crate::faults::Faults`); answers them.
pub async fn set_faults(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body);
    match Faults::from_json(&text) {
        Ok(f) => {
            app.lock().faults = f.clone();
            Json(f).into_response()
        }
        Err(e) => ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Invalid faults: {e}"),
        ),
    }
}

pub async fn state(State(app): State<App>) -> Response {
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
    // Everything, including objects still inside their replication window ("visible": false).
    let applications: Vec<Value> = d
        .applications
        .iter()
        .map(|a| {
            let mut v = a.graph_json();
            v["federatedIdentityCredentials"] = json!(a
                .federated_credentials
                .iter()
                .map(|f| f.graph_json())
                .collect::<Vec<_>>());
            v["passwordCredentials"] = json!(a
                .password_credentials
                .iter()
                .map(|p| {
                    let mut j = p.graph_json();
                    j["visible"] = json!(visible(p.visible_at));
                    j
                })
                .collect::<Vec<_>>());
            v["emulatorDefaultScopes"] = json!(a.default_graph_scopes);
            v["owners"] = json!(a.owners);
            v["visible"] = json!(visible(a.visible_at));
            v
        })
        .collect();
    let service_principals: Vec<Value> = d
        .service_principals
        .iter()
        .map(|s| {
            let mut v = s.graph_json();
            v["owners"] = json!(s.owners);
            v["visible"] = json!(visible(s.visible_at));
            v
        })
        .collect();
    let assignments: Vec<Value> = d
        .app_role_assignments
        .iter()
        .map(|a| {
            let mut v = a.graph_json();
            v["visible"] = json!(visible(a.visible_at));
            v
        })
        .collect();
    Json(json!({
        "tenant": {"id": DEMO_TENANT_ID, "displayName": TENANT_DISPLAY_NAME, "initialDomain": INITIAL_DOMAIN},
        "users": users,
        "groups": groups,
        "applications": applications,
        "servicePrincipals": service_principals,
        "appRoleAssignments": assignments,
        "oauth2PermissionGrants": d.oauth2_permission_grants,
        // Exchange Online: role definitions and role assignments (Graph beta), application
        // access policies and management role assignments (the PowerShell stand-in hooks).
        "exchange": st.exchange.state_json(),
        "faults": st.faults,
        // Issued access tokens, with their values, so tests can search the browser for them.
        "accessTokens": st.access_tokens.iter().map(|(value, t)| json!({
            "value": value, "userId": t.user_id, "clientId": t.client_id, "scopes": t.scopes,
            "expiresDateTime": iso_utc(t.expires),
        })).collect::<Vec<_>>(),
        "requestLog": st.log,
    }))
    .into_response()
}

/// `POST /_emulator/token {"user": "<upn>", "scopes": ["Application.ReadWrite.All", …]}`: an
/// access token for that user with those delegated scopes, without the sign-in pages — for
/// native tools such as `cargo xtask bench` that exercise Graph, not sign-in. Test hook only.
pub async fn mint_token(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    body: Bytes,
) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(user), Some(scopes)) = (req["user"].as_str(), req["scopes"].as_array()) else {
        return ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "expected {\"user\": UPN, \"scopes\": [names]}",
        );
    };
    let mut st = app.lock();
    let Some(user_id) = st.directory.user(user).map(|u| u.id.clone()) else {
        return ids.error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "no such user",
        );
    };
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJlbXVsYXRvciI6dHJ1ZX0.{}",
        random_token(48)
    );
    let expires = st.now() + st.token_lifetime();
    st.access_tokens.insert(
        token.clone(),
        crate::tenant::AccessToken {
            user_id,
            client_id: crate::DEMO_SPA_CLIENT_ID.to_owned(),
            scopes: scopes
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            expires,
        },
    );
    Json(json!({"access_token": token})).into_response()
}
