//! Test hooks for Exchange Online (graph origin, no auth). There is no Exchange Online PowerShell
//! here, so these stand in for what an admin runs there, and for `Test-ServicePrincipalAuthorization`:
//!
//! - `GET /_emulator/exchange/access?appId=…[&mailbox=…]`: the mailboxes the app can send as, and
//!   why (`crate::exchange::access`);
//! - `POST /_emulator/exchange/applicationAccessPolicies` (`New-ApplicationAccessPolicy`),
//!   `DELETE …/applicationAccessPolicies/{identity}` (`Remove-ApplicationAccessPolicy`);
//! - `POST /_emulator/exchange/managementRoleAssignments` (`New-ManagementScope` +
//!   `New-ManagementRoleAssignment -App`), `DELETE …/managementRoleAssignments/{identity}`.
//!
//! Errors use Graph's error body; their codes and wording are the emulator's (an identity Exchange
//! cannot resolve: 404 `ManagementObjectNotFoundException` "Couldn't find object …", as in
//! `exchange.rs`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::error::{bad_request, GErr, GResult};
use super::exchange::exo_not_found;
use super::validate::is_guid;
use super::ReqIds;
use crate::exchange::access::{self, recipient, recipient_type, valid_policy_scope, Recipient};
use crate::exchange::{AccessPolicy, AccessRight, ManagementRoleAssignment, Scope};
use crate::http_util::new_guid;
use crate::App;

/// "approximately 300 policies" (New-ApplicationAccessPolicy; the limit is on their total size).
const MAX_POLICIES: usize = 300;

type HookResult = GResult<Response>;

fn bad(msg: impl Into<String>) -> GErr {
    bad_request("BadRequest", msg)
}

fn render(ids: &ReqIds, r: HookResult) -> Response {
    r.unwrap_or_else(|e| e.render(ids))
}

/// A JSON object body whose keys are all in `allowed` (PowerShell's answer to an unknown
/// parameter).
fn params(body: &Bytes, allowed: &[&str]) -> GResult<Map<String, Value>> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad("The body must be a JSON object."));
    };
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(format!(
            "A parameter cannot be found that matches parameter name '{k}'."
        )));
    }
    Ok(m)
}

fn required<'a>(m: &'a Map<String, Value>, k: &str) -> GResult<&'a str> {
    m.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad(format!("'{k}' is required and must be a string.")))
}

// ------------------------------------------------------------------------------------------------
// Effective access

pub async fn access(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(&ids, access_inner(&app, &q))
}

fn access_inner(app: &App, q: &HashMap<String, String>) -> HookResult {
    let app_id = q
        .get("appId")
        .filter(|a| is_guid(a))
        .ok_or_else(|| bad("appId must be the application's client id (a GUID)."))?;
    let st = app.lock();
    let d = &st.directory;
    // The primary copy: objects inside their replication window count (Exchange's view once
    // everything has propagated).
    let sp_id = d
        .service_principals
        .iter()
        .find(|s| s.app_id.eq_ignore_ascii_case(app_id))
        .map(|s| s.id.clone());
    if sp_id.is_none() && d.application_by_app_id(app_id).is_none() {
        return Err(exo_not_found(app_id));
    }
    let all = access::mailboxes(d, &st.exchange, app_id, sp_id.as_deref());
    if let Some(m) = q.get("mailbox") {
        let user = access::mailbox(d, m).ok_or_else(|| exo_not_found(m))?;
        let Some(a) = all.iter().find(|a| a.id == user.id) else {
            return Err(exo_not_found(m));
        };
        return Ok(Json(json!({
            "appId": app_id,
            "servicePrincipalId": sp_id,
            "mailbox": {"id": a.id, "mail": a.mail},
            "canSend": a.can_send(),
            "via": a.via,
            "entraGrantBlockedBy": a.entra_grant_blocked_by,
        }))
        .into_response());
    }
    let mailboxes: Vec<Value> = all
        .iter()
        .filter(|a| a.can_send())
        .map(|a| a.json())
        .collect();
    Ok(Json(json!({
        "appId": app_id,
        "servicePrincipalId": sp_id,
        "mailboxes": mailboxes,
    }))
    .into_response())
}

// ------------------------------------------------------------------------------------------------
// Application access policies

pub async fn new_policy(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    body: Bytes,
) -> Response {
    render(&ids, new_policy_inner(&app, &body))
}

fn new_policy_inner(app: &App, body: &Bytes) -> HookResult {
    let m = params(
        body,
        &["appId", "policyScopeGroupId", "accessRight", "description"],
    )?;
    let app_id = required(&m, "appId")?;
    let scope_arg = required(&m, "policyScopeGroupId")?;
    let right = required(&m, "accessRight")?;
    let access_right = AccessRight::parse(right).ok_or_else(|| {
        bad(format!(
            "Cannot process argument transformation on parameter 'AccessRight'. '{right}' is not one of RestrictAccess, DenyAccess."
        ))
    })?;
    let description = match m.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("'description' must be a string.")),
    };
    let mut st = app.lock();
    // Whether Exchange checks the AppId against Entra is not documented; the emulator wants a
    // service principal for it in this tenant, so an object id given by mistake is caught.
    if !is_guid(app_id)
        || !st
            .directory
            .service_principals
            .iter()
            .any(|s| s.app_id.eq_ignore_ascii_case(app_id))
    {
        return Err(exo_not_found(app_id));
    }
    let r = recipient(&st.directory, scope_arg).ok_or_else(|| exo_not_found(scope_arg))?;
    let kind = recipient_type(r);
    if !valid_policy_scope(kind) {
        // New-ApplicationAccessPolicy: "You can specify only security principals with this
        // parameter" (UserMailbox, MailUser, MailUniversalSecurityGroup); "If you need to scope
        // the policy to shared mailboxes, you can add the shared mailboxes as members of a
        // mail-enabled security group." The wording below is ours.
        let hint = if kind == "SharedMailbox" {
            " To scope the policy to a shared mailbox, add the shared mailbox to a mail-enabled security group and use that group."
        } else {
            ""
        };
        return Err(bad(format!(
            "The recipient \"{scope_arg}\" is a {kind}: PolicyScopeGroupId accepts only security principals (UserMailbox, MailUser, MailUniversalSecurityGroup), and a {kind} is not accepted.{hint}"
        )));
    }
    if st.exchange.access_policies.len() >= MAX_POLICIES {
        // Verbatim from New-ApplicationAccessPolicy.
        return Err(bad(
            "The total size of App Access Policies exceeded the limit.",
        ));
    }
    let (scope_identity, scope_name) = match r {
        Recipient::User(u) => (u.id.clone(), u.display_name.clone()),
        Recipient::Group(g) => (g.id.clone(), g.display_name.clone()),
    };
    let p = AccessPolicy {
        identity: new_guid(),
        app_id: app_id.to_ascii_lowercase(),
        policy_scope_group_id: scope_arg.to_string(),
        scope_identity,
        scope_name,
        scope_type: kind,
        access_right,
        description,
    };
    st.exchange.access_policies.push(p.clone());
    Ok((StatusCode::CREATED, Json(p.json())).into_response())
}

pub async fn remove_policy(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Path(identity): Path<String>,
) -> Response {
    let mut st = app.lock();
    let before = st.exchange.access_policies.len();
    st.exchange
        .access_policies
        .retain(|p| !p.identity.eq_ignore_ascii_case(&identity));
    if st.exchange.access_policies.len() == before {
        drop(st);
        return render(&ids, Err(exo_not_found(&identity)));
    }
    StatusCode::NO_CONTENT.into_response()
}

// ------------------------------------------------------------------------------------------------
// Management role assignments (RBAC for Applications through PowerShell)

pub async fn new_management_role_assignment(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    body: Bytes,
) -> Response {
    render(&ids, new_mra_inner(&app, &body))
}

fn new_mra_inner(app: &App, body: &Bytes) -> HookResult {
    let m = params(body, &["servicePrincipalId", "role", "scope"])?;
    let sp_id = required(&m, "servicePrincipalId")?;
    let role_name = required(&m, "role")?;
    let Some(Value::Object(scope_arg)) = m.get("scope") else {
        return Err(bad(
            "'scope' must be {\"mailbox\": …}, {\"group\": …} or {\"organization\": true}.",
        ));
    };
    let mut st = app.lock();
    // `-App`: the service principal (as `New-ServicePrincipal -ObjectId` registered it).
    let sp = st
        .directory
        .service_principals
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(sp_id))
        .map(|s| s.id.clone())
        .ok_or_else(|| exo_not_found(sp_id))?;
    let role = st
        .exchange
        .role_by_name(role_name)
        .cloned()
        .ok_or_else(|| exo_not_found(role_name))?;
    if !role.for_service_principals() {
        return Err(bad(format!(
            "The role \"{}\" is not an application role and can't be assigned to an app.",
            role.display_name
        )));
    }
    let entries: Vec<(&String, &Value)> = scope_arg.iter().collect();
    let scope = match entries.as_slice() {
        [(k, Value::String(s))] if k.as_str() == "mailbox" => {
            let u = access::mailbox(&st.directory, s).ok_or_else(|| exo_not_found(s))?;
            Scope::User(u.id.clone())
        }
        [(k, Value::String(s))] if k.as_str() == "group" => {
            // `-RecipientGroupScope` names a group Exchange knows: a mail-enabled one.
            match recipient(&st.directory, s) {
                Some(Recipient::Group(g)) if g.mail_enabled => Scope::Group(g.id.clone()),
                _ => return Err(exo_not_found(s)),
            }
        }
        [(k, Value::Bool(true))] if k.as_str() == "organization" => Scope::Organization,
        _ => {
            return Err(bad(
                "'scope' must be exactly one of {\"mailbox\": …}, {\"group\": …} or {\"organization\": true}.",
            ))
        }
    };
    if st.exchange.management_role_assignments.iter().any(|a| {
        a.service_principal_id == sp && a.role_definition_id == role.id && a.scope == scope
    }) {
        // Not documented; mirrors the Graph provider's duplicate answer.
        return Err(GErr::new(
            StatusCode::CONFLICT,
            "Conflict",
            "A management role assignment with the same app, role and scope already exists.",
        ));
    }
    let a = ManagementRoleAssignment {
        identity: new_guid(),
        service_principal_id: sp,
        role: role.display_name,
        role_definition_id: role.id.clone(),
        scope,
    };
    st.exchange.management_role_assignments.push(a.clone());
    Ok((StatusCode::CREATED, Json(a.json())).into_response())
}

pub async fn remove_management_role_assignment(
    State(app): State<App>,
    Extension(ids): Extension<ReqIds>,
    Path(identity): Path<String>,
) -> Response {
    let mut st = app.lock();
    let before = st.exchange.management_role_assignments.len();
    st.exchange
        .management_role_assignments
        .retain(|a| !a.identity.eq_ignore_ascii_case(&identity));
    if st.exchange.management_role_assignments.len() == before {
        drop(st);
        return render(&ids, Err(exo_not_found(&identity)));
    }
    StatusCode::NO_CONTENT.into_response()
}
