//! `/v1.0/me`, `/v1.0/users`: get by id or UPN, list with `$filter`, `checkMemberGroups`,
//! `transitiveMemberOf` (graph-facts §A.8, §A.9).

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::authz::{READ_GROUPS, READ_MAILBOX_SETTINGS, READ_ROLES, READ_USERS};
use axum::http::StatusCode;

use super::error::{
    bad_request, bad_segment, invalid_value, method_not_allowed, not_found, GErr, GResult,
};
use super::odata::{entity, list, ListSpec};
use super::validate::check_params;
use super::Ctx;
use crate::tenant::{MailboxKind, User, USER_DEFAULT_PROPERTIES};

const FILTERABLE: &[&str] = &[
    "id",
    "mail",
    "userPrincipalName",
    "displayName",
    "mailNickname",
    "userType",
    "accountEnabled",
    "givenName",
    "surname",
    "proxyAddresses",
];

pub fn route(ctx: &Ctx, me: bool, rest: &[&str]) -> GResult<Response> {
    let (id, tail): (String, &[&str]) = if me {
        (ctx.user_id().to_string(), rest)
    } else {
        match rest.split_first() {
            None => {
                return match ctx.method {
                    Method::GET => list_users(ctx),
                    _ => Err(method_not_allowed()),
                }
            }
            Some((id, tail)) => (id.to_string(), tail),
        }
    };
    match (tail, &ctx.method) {
        ([], &Method::GET) => get(ctx, &id),
        (["checkMemberGroups"], &Method::POST) => check_member_groups(ctx, &id),
        (["mailboxSettings"], &Method::GET) => mailbox_settings(ctx, &id, None),
        (["mailboxSettings", "userPurpose"], &Method::GET) => {
            mailbox_settings(ctx, &id, Some("userPurpose"))
        }
        (["memberOf"], &Method::GET) => member_of(ctx, &id),
        (["transitiveMemberOf"], &Method::GET) => transitive_member_of(ctx, &id, false),
        (["transitiveMemberOf", "microsoft.graph.group"], &Method::GET) => {
            transitive_member_of(ctx, &id, true)
        }
        (
            []
            | ["checkMemberGroups"]
            | ["memberOf"]
            | ["transitiveMemberOf", ..]
            | ["mailboxSettings", ..],
            _,
        ) => Err(method_not_allowed()),
        ([next, ..], _) => Err(bad_segment(next)),
    }
}

/// The user, with the read check: yourself always, others with a `User.*.All`-style scope.
fn find(ctx: &Ctx, id: &str) -> GResult<User> {
    let u = ctx.app.lock().directory.user(id).cloned();
    if let Some(u) = &u {
        if u.id == ctx.user_id() {
            return Ok(u.clone());
        }
    }
    ctx.require_scope(READ_USERS)?;
    u.ok_or_else(|| not_found(id))
}

fn get(ctx: &Ctx, id: &str) -> GResult<Response> {
    let u = find(ctx, id)?;
    entity(
        &ctx.app,
        &ctx.od,
        "users",
        "user",
        Some(USER_DEFAULT_PROPERTIES),
        Value::Object(u.graph_json()),
    )
}

fn list_users(ctx: &Ctx) -> GResult<Response> {
    ctx.require_scope(READ_USERS)?;
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .directory
        .users
        .iter()
        .map(User::graph_json)
        .collect();
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: "users",
            type_name: "user",
            resource: "User",
            filterable: FILTERABLE,
            defaults: Some(USER_DEFAULT_PROPERTIES),
            odata_type: false,
        },
    )
}

/// `GET /users/{id}/mailboxSettings[/userPurpose]` (user-get-mailboxsettings.md: delegated
/// `MailboxSettings.Read`). The page only says what the signed-in user's own settings look like
/// and that `userPurpose` is `user`, `shared`, `room`, … The errors are modelled on what Exchange
/// is reported to answer (Microsoft's docs are silent; graph-facts §A.8 UNVERIFIED): without the
/// scope, or for someone else's mailbox (a delegated token reaches only mailboxes its user may
/// open), 403 `ErrorAccessDenied`; for a user with no Exchange Online mailbox, 404
/// `MailboxNotEnabledForRESTAPI` (message as seen on Microsoft Q&A).
fn mailbox_settings(ctx: &Ctx, id: &str, part: Option<&str>) -> GResult<Response> {
    let access_denied = || {
        GErr::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    };
    if !ctx.has_scope(READ_MAILBOX_SETTINGS) {
        return Err(access_denied());
    }
    let u = ctx.app.lock().directory.user(id).cloned();
    let Some(u) = u else {
        return Err(not_found(id));
    };
    let Some(kind) = u.mailbox else {
        return Err(GErr::new(
            StatusCode::NOT_FOUND,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ));
    };
    if u.id != ctx.user_id() {
        return Err(access_denied());
    }
    let purpose = json!({"value": match kind {
        MailboxKind::User => "user",
        MailboxKind::Shared => "shared",
    }});
    let origin = &ctx.app.graph_origin;
    Ok(Json(match part {
        Some(_) => json!({
            "@odata.context": format!("{origin}/v1.0/$metadata#users('{}')/mailboxSettings/userPurpose", u.id),
            "value": purpose["value"],
        }),
        None => json!({
            "@odata.context": format!("{origin}/v1.0/$metadata#users('{}')/mailboxSettings", u.id),
            "timeZone": "UTC",
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "dateFormat": "M/d/yyyy",
            "timeFormat": "h:mm tt",
            "userPurpose": purpose,
        }),
    })
    .into_response())
}

/// `POST /users/{id}/checkMemberGroups` `{"groupIds": [...]}` → the ids the user is a member of,
/// transitively; at most 20 ids (graph-facts §A.9).
fn check_member_groups(ctx: &Ctx, id: &str) -> GResult<Response> {
    let params = check_params(&ctx.json()?, "checkMemberGroups", &["groupIds"])?;
    let ids: Vec<String> = match params.get("groupIds") {
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => return Err(invalid_value("groupIds", "DirectoryObject")),
    };
    if ids.len() > 20 {
        // The limit is documented; the wording is chosen.
        return Err(bad_request(
            "Request_BadRequest",
            "The number of groupIds exceeds the maximum of 20 allowed in a single request.",
        ));
    }
    ctx.require_scope(READ_GROUPS)?;
    let u = find(ctx, id)?;
    let member_of = ctx.app.lock().directory.transitive_groups_of(&u.id);
    let value: Vec<String> = ids
        .into_iter()
        .filter(|g| member_of.iter().any(|m| m.eq_ignore_ascii_case(g)))
        .collect();
    Ok(Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(Edm.String)", ctx.app.graph_origin),
        "value": value,
    }))
    .into_response())
}

/// `GET /me/memberOf`, `/users/{id}/memberOf`: the user's direct memberships, groups and
/// directory roles. Allowed with `User.Read` for yourself (others need a user-read scope); an
/// object type the token may not read comes back with "limited information" (only
/// `@odata.type` and `id`): directory roles need a role- or directory-read scope, groups a
/// group-read one. `$select` picks properties; no paging (the demo has few memberships).
fn member_of(ctx: &Ctx, id: &str) -> GResult<Response> {
    let u = find(ctx, id)?;
    let full_groups = ctx.has_scope(READ_GROUPS);
    let full_roles = ctx.has_scope(READ_ROLES);
    let mut items: Vec<Map<String, Value>> = vec![];
    {
        let st = ctx.app.lock();
        for g in st
            .directory
            .groups
            .iter()
            .filter(|g| g.members.contains(&u.id))
        {
            let mut m = if full_groups {
                g.graph_json()
            } else {
                Map::new()
            };
            m.insert("id".into(), json!(g.id));
            items.push(with_type("group", m));
        }
    }
    for r in &u.roles {
        let mut m = Map::new();
        m.insert("id".into(), json!(r.object_id()));
        if full_roles {
            m.insert("displayName".into(), json!(r.display_name()));
            m.insert("roleTemplateId".into(), json!(r.template_id()));
            m.insert("deletedDateTime".into(), Value::Null);
            m.insert("description".into(), Value::Null);
        }
        items.push(with_type("directoryRole", m));
    }
    directory_objects(ctx, items)
}

/// A `directoryObjects` collection, `$select` applied (`@odata.type` and `id` always kept).
pub(super) fn directory_objects(
    ctx: &Ctx,
    mut items: Vec<Map<String, Value>>,
) -> GResult<Response> {
    if let Some(select) = &ctx.od.select {
        for m in &mut items {
            m.retain(|k, _| {
                k == "@odata.type" || k == "id" || select.iter().any(|s| s.eq_ignore_ascii_case(k))
            });
        }
    }
    Ok(Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", ctx.app.graph_origin),
        "value": items,
    }))
    .into_response())
}

pub(super) fn with_type(type_name: &str, m: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "@odata.type".into(),
        json!(format!("#microsoft.graph.{type_name}")),
    );
    out.extend(m);
    out
}

/// `GET /users/{id}/transitiveMemberOf[/microsoft.graph.group]`. The OData cast is an advanced
/// query: it needs `ConsistencyLevel: eventual` and `$count=true` (graph-facts §A.9).
fn transitive_member_of(ctx: &Ctx, id: &str, cast: bool) -> GResult<Response> {
    ctx.require_scope(READ_GROUPS)?;
    let u = find(ctx, id)?;
    if cast && !ctx.od.advanced() {
        // Wording chosen after the advanced-query errors.
        return Err(bad_request(
            "Request_UnsupportedQuery",
            "The OData cast 'microsoft.graph.group' is not supported because the required parameters might be missing. Try adding $count with a value of true and set the ConsistencyLevel header to eventual.",
        ));
    }
    let items: Vec<Map<String, Value>> = {
        let st = ctx.app.lock();
        let ids = st.directory.transitive_groups_of(&u.id);
        st.directory
            .groups
            .iter()
            .filter(|g| ids.contains(&g.id))
            .map(|g| g.graph_json())
            .collect()
    };
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: if cast { "groups" } else { "directoryObjects" },
            type_name: "group",
            resource: "Group",
            filterable: super::groups::FILTERABLE,
            defaults: None,
            odata_type: !cast,
        },
    )
}
