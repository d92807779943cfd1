//! `/v1.0/servicePrincipals`: list/filter, create, upsert by `appId`, get/update/delete, and app
//! role assignments through `appRoleAssignedTo` (resource side) and `appRoleAssignments`
//! (principal side) (graph-facts §A.3, §A.5, §A.6).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::apps::created;
use super::authz::{may_grant, may_manage, READ_APPS};
use super::error::{
    bad_request, bad_segment, denied, invalid_value, method_not_allowed, not_found, GErr, GResult,
};
use super::odata::{entity, list, with_context, ListSpec};
use super::validate::{check, Mode, APP_ROLE_ASSIGNMENT, SERVICE_PRINCIPAL};
use super::Ctx;
use crate::http_util::{iso_utc, new_guid, now_unix, random_token};
use crate::model::{visible, AppRoleAssignment, ServicePrincipal};
use crate::tenant::GRAPH_APP_ID;
use crate::DEMO_TENANT_ID;

#[derive(Clone, Debug)]
enum Target {
    Id(String),
    AppId(String),
}

impl Target {
    fn label(&self) -> &str {
        match self {
            Target::Id(s) | Target::AppId(s) => s,
        }
    }
    fn matches(&self, s: &ServicePrincipal) -> bool {
        match self {
            Target::Id(x) => s.id.eq_ignore_ascii_case(x),
            Target::AppId(x) => s.app_id.eq_ignore_ascii_case(x),
        }
    }
}

/// Which navigation property an assignment request came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nav {
    /// `/servicePrincipals/{resource}/appRoleAssignedTo`.
    AssignedTo,
    /// `/servicePrincipals/{principal}/appRoleAssignments`.
    Assignments,
}

impl Nav {
    fn name(self) -> &'static str {
        match self {
            Nav::AssignedTo => "appRoleAssignedTo",
            Nav::Assignments => "appRoleAssignments",
        }
    }
}

pub fn route(ctx: &Ctx, key: Option<(String, String)>, rest: &[&str]) -> GResult<Response> {
    let (target, tail) = match key {
        Some((k, v)) if k == "appId" => (Target::AppId(v), rest),
        Some((k, v)) if k.is_empty() || k == "id" => (Target::Id(v), rest),
        Some(_) => return Err(bad_segment("servicePrincipals")),
        None => match rest.split_first() {
            None => {
                return match ctx.method {
                    Method::GET => list_sps(ctx),
                    Method::POST => create(ctx),
                    _ => Err(method_not_allowed()),
                }
            }
            Some((id, tail)) => (Target::Id(id.to_string()), tail),
        },
    };
    let nav = |n: &str| match n {
        "appRoleAssignedTo" => Some(Nav::AssignedTo),
        "appRoleAssignments" => Some(Nav::Assignments),
        _ => None,
    };
    match tail {
        [] => match ctx.method {
            Method::GET => {
                ctx.require_scope(READ_APPS)?;
                let sp = find(ctx, &target)?;
                entity(
                    &ctx.app,
                    &ctx.od,
                    "servicePrincipals",
                    "servicePrincipal",
                    None,
                    sp.graph_json(),
                )
            }
            Method::PATCH => patch(ctx, &target),
            Method::DELETE => delete(ctx, &target),
            _ => Err(method_not_allowed()),
        },
        [n] if nav(n).is_some() => {
            let nav = nav(n).unwrap_or(Nav::AssignedTo);
            match ctx.method {
                Method::GET => list_assignments(ctx, &target, nav),
                Method::POST => assign(ctx, &target, nav),
                _ => Err(method_not_allowed()),
            }
        }
        [n, aid] if nav(n).is_some() => {
            let nav = nav(n).unwrap_or(Nav::AssignedTo);
            match ctx.method {
                Method::GET => get_assignment(ctx, &target, nav, aid),
                Method::DELETE => unassign(ctx, &target, nav, aid),
                _ => Err(method_not_allowed()),
            }
        }
        [next, ..] => Err(bad_segment(next)),
    }
}

const FILTERABLE: &[&str] = &[
    "id",
    "appId",
    "displayName",
    "servicePrincipalNames",
    "tags",
    "accountEnabled",
    "appOwnerOrganizationId",
];

fn list_sps(ctx: &Ctx) -> GResult<Response> {
    ctx.require_scope(READ_APPS)?;
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .directory
        .service_principals
        .iter()
        .filter(|s| visible(s.visible_at))
        .filter_map(|s| match s.graph_json() {
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
            set: "servicePrincipals",
            type_name: "servicePrincipal",
            resource: "ServicePrincipal",
            filterable: FILTERABLE,
            defaults: None,
            odata_type: false,
        },
    )
}

fn find(ctx: &Ctx, target: &Target) -> GResult<ServicePrincipal> {
    find_visible(ctx, |s| target.matches(s)).ok_or_else(|| not_found(target.label()))
}

fn find_visible(ctx: &Ctx, f: impl Fn(&ServicePrincipal) -> bool) -> Option<ServicePrincipal> {
    ctx.app
        .lock()
        .directory
        .service_principals
        .iter()
        .find(|s| f(s) && visible(s.visible_at))
        .cloned()
}

fn apply(sp: &mut ServicePrincipal, m: &Map<String, Value>) {
    for (k, v) in m {
        match k.as_str() {
            "@odata.type" | "appId" => {}
            "displayName" => sp.display_name = v.as_str().unwrap_or_default().to_string(),
            "description" => sp.description = v.as_str().map(str::to_string),
            "notes" => sp.notes = v.as_str().map(str::to_string),
            "tags" => {
                sp.tags = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            "accountEnabled" => sp.account_enabled = v.as_bool().unwrap_or(true),
            "appRoleAssignmentRequired" => {
                sp.app_role_assignment_required = v.as_bool().unwrap_or(false)
            }
            _ => {
                sp.extra.insert(k.clone(), v.clone());
            }
        }
    }
}

/// graph-facts §A.3: an SP whose application is not (yet) visible in this tenant.
fn no_backing_application(app_id: &str) -> GErr {
    let msg = format!("The appId '{app_id}' of the service principal does not reference a valid application object.");
    bad_request("Request_BadRequest", msg.clone()).detail(
        "NoBackingApplicationObject",
        &msg,
        "appId",
    )
}

/// Creates the service principal of this tenant's application `app_id`.
fn insert_new(ctx: &Ctx, body: &Map<String, Value>, app_id: &str) -> GResult<Response> {
    let app = ctx
        .app
        .lock()
        .directory
        .applications
        .iter()
        .find(|a| a.app_id.eq_ignore_ascii_case(app_id) && visible(a.visible_at))
        .cloned();
    let mut sp = match app {
        Some(app) => {
            may_manage(ctx, Some(&app.owners))?;
            let mut sp = ServicePrincipal::new(
                &new_guid(),
                &app.app_id,
                &app.display_name,
                Some(DEMO_TENANT_ID),
            );
            sp.sign_in_audience = app.sign_in_audience.clone();
            sp.service_principal_names
                .extend(app.identifier_uris.iter().cloned());
            sp
        }
        // Another tenant's app: only a multi-tenant one can have a service principal here.
        None => {
            let foreign = ctx
                .app
                .lock()
                .directory
                .foreign_apps
                .iter()
                .find(|a| {
                    a.app_id.eq_ignore_ascii_case(app_id) && a.sign_in_audience != "AzureADMyOrg"
                })
                .cloned()
                .ok_or_else(|| no_backing_application(app_id))?;
            may_manage(ctx, None)?;
            let mut sp = ServicePrincipal::new(
                &new_guid(),
                &foreign.app_id,
                &foreign.display_name,
                Some(&foreign.owner_tenant_id),
            );
            sp.sign_in_audience = foreign.sign_in_audience.clone();
            sp
        }
    };
    sp.owners = vec![ctx.user_id().to_string()];
    apply(&mut sp, body);
    sp.visible_at = ctx.consistency_delay();
    let mut st = ctx.app.lock();
    if st
        .directory
        .service_principals
        .iter()
        .any(|s| s.app_id.eq_ignore_ascii_case(app_id))
    {
        // 409 + code/message as observed from Graph (3P: terraform-provider-azuread logs, CIPP#1142).
        return Err(GErr::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            format!("The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."),
        ));
    }
    st.directory.service_principals.push(sp.clone());
    drop(st);
    Ok(created(
        ctx,
        "servicePrincipals",
        "ServicePrincipal",
        &sp.id,
        sp.graph_json(),
    ))
}

fn create(ctx: &Ctx) -> GResult<Response> {
    let body = check(&ctx.json()?, &SERVICE_PRINCIPAL, Mode::Create)?;
    let Some(app_id) = body
        .get("appId")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(invalid_value("appId", "ServicePrincipal"));
    };
    insert_new(ctx, &body, &app_id)
}

fn patch(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let raw = ctx.json()?;
    // Upsert by appId sees the primary copy (SPs inside their replication window too).
    let existing = {
        let st = ctx.app.lock();
        st.directory
            .service_principals
            .iter()
            .find(|s| {
                target.matches(s) && (matches!(target, Target::AppId(_)) || visible(s.visible_at))
            })
            .cloned()
    };
    let Some(existing) = existing else {
        return match target {
            Target::AppId(app_id) if ctx.create_if_missing() => {
                let body = check(&raw, &SERVICE_PRINCIPAL, Mode::Create)?;
                if body
                    .get("appId")
                    .is_some_and(|b| !b.as_str().is_some_and(|b| b.eq_ignore_ascii_case(app_id)))
                {
                    return Err(invalid_value("appId", "ServicePrincipal"));
                }
                insert_new(ctx, &body, app_id)
            }
            _ => Err(not_found(target.label())),
        };
    };
    let body = check(&raw, &SERVICE_PRINCIPAL, Mode::Update)?;
    may_manage(ctx, Some(&existing.owners))?;
    let mut st = ctx.app.lock();
    if let Some(s) = st
        .directory
        .service_principals
        .iter_mut()
        .find(|s| s.id == existing.id)
    {
        apply(s, &body);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn delete(ctx: &Ctx, target: &Target) -> GResult<Response> {
    let sp = find(ctx, target)?;
    if sp.app_id.eq_ignore_ascii_case(GRAPH_APP_ID) {
        // Chosen: the emulator keeps Microsoft Graph's own service principal.
        return Err(denied());
    }
    may_manage(ctx, Some(&sp.owners))?;
    let mut st = ctx.app.lock();
    st.directory.service_principals.retain(|s| s.id != sp.id);
    st.directory
        .app_role_assignments
        .retain(|r| r.principal_id != sp.id && r.resource_id != sp.id);
    // Its delegated permission grants (consent) go with it (style-and-security's reference,
    // exchange-and-credentials §5; the Graph page for deleting a service principal is silent).
    st.directory
        .oauth2_permission_grants
        .retain(|g| g.client_id != sp.id && g.resource_id != sp.id);
    // Its Exchange role assignments go too (docs silent; our assumption, see `crate::exchange`).
    st.exchange.remove_service_principal(&sp.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ------------------------------------------------------------------------------------------------
// App role assignments

/// The entity-set part of `@odata.context` for an assignment collection.
fn nav_set(sp_id: &str, nav: Nav) -> String {
    format!("servicePrincipals('{sp_id}')/{}", nav.name())
}

fn list_assignments(ctx: &Ctx, target: &Target, nav: Nav) -> GResult<Response> {
    ctx.require_scope(READ_APPS)?;
    let sp = find(ctx, target)?;
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .directory
        .app_role_assignments
        .iter()
        .filter(|a| visible(a.visible_at))
        .filter(|a| match nav {
            Nav::AssignedTo => a.resource_id == sp.id,
            Nav::Assignments => a.principal_id == sp.id,
        })
        .filter_map(|a| match a.graph_json() {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect();
    let set = nav_set(&sp.id, nav);
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: &set,
            type_name: "appRoleAssignment",
            resource: "AppRoleAssignment",
            filterable: &["principalId", "resourceId", "appRoleId"],
            defaults: None,
            odata_type: false,
        },
    )
}

fn find_assignment(
    ctx: &Ctx,
    sp: &ServicePrincipal,
    nav: Nav,
    aid: &str,
) -> GResult<AppRoleAssignment> {
    ctx.app
        .lock()
        .directory
        .app_role_assignments
        .iter()
        .find(|a| {
            a.id == aid
                && visible(a.visible_at)
                && match nav {
                    Nav::AssignedTo => a.resource_id == sp.id,
                    Nav::Assignments => a.principal_id == sp.id,
                }
        })
        .cloned()
        .ok_or_else(|| not_found(aid))
}

fn get_assignment(ctx: &Ctx, target: &Target, nav: Nav, aid: &str) -> GResult<Response> {
    ctx.require_scope(READ_APPS)?;
    let sp = find(ctx, target)?;
    let a = find_assignment(ctx, &sp, nav, aid)?;
    let set = nav_set(&sp.id, nav);
    entity(
        &ctx.app,
        &ctx.od,
        &set,
        "appRoleAssignment",
        None,
        a.graph_json(),
    )
}

fn assign(ctx: &Ctx, target: &Target, nav: Nav) -> GResult<Response> {
    let body = check(&ctx.json()?, &APP_ROLE_ASSIGNMENT, Mode::Create)?;
    let field = |k: &str| -> GResult<String> {
        body.get(k)
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| invalid_value(k, "AppRoleAssignment"))
    };
    let (principal_id, resource_id, role_id) = (
        field("principalId")?,
        field("resourceId")?,
        field("appRoleId")?,
    );
    let url_sp = find(ctx, target)?;
    let url_side = match nav {
        Nav::AssignedTo => &resource_id,
        Nav::Assignments => &principal_id,
    };
    if !url_sp.id.eq_ignore_ascii_case(url_side) {
        // Chosen wording.
        let prop = if nav == Nav::AssignedTo {
            "resourceId"
        } else {
            "principalId"
        };
        return Err(bad_request(
            "Request_BadRequest",
            format!("The {prop} in the request body does not match the service principal in the request URL."),
        ));
    }
    let resource = find_visible(ctx, |s| s.id.eq_ignore_ascii_case(&resource_id))
        .ok_or_else(|| not_found(&resource_id))?;
    may_grant(ctx, resource.app_id.eq_ignore_ascii_case(GRAPH_APP_ID))?;
    let principal = find_visible(ctx, |s| s.id.eq_ignore_ascii_case(&principal_id))
        .ok_or_else(|| not_found(&principal_id))?;
    let role_ok = resource.app_roles.iter().any(|r| {
        r["id"]
            .as_str()
            .is_some_and(|i| i.eq_ignore_ascii_case(&role_id))
            && r["allowedMemberTypes"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x == "Application"))
    });
    if !role_ok {
        // Chosen (from memory of Entra's wording).
        return Err(bad_request(
            "Request_BadRequest",
            format!(
                "Permission being assigned was not found on application '{}'.",
                resource.app_id
            ),
        ));
    }
    let a = AppRoleAssignment {
        id: random_token(32),
        app_role_id: role_id.clone(),
        created_date_time: iso_utc(now_unix()),
        principal_display_name: principal.display_name.clone(),
        principal_id: principal.id.clone(),
        resource_display_name: resource.display_name.clone(),
        resource_id: resource.id.clone(),
        visible_at: ctx.consistency_delay(),
    };
    let mut st = ctx.app.lock();
    if st.directory.app_role_assignments.iter().any(|x| {
        x.principal_id == a.principal_id
            && x.resource_id == a.resource_id
            && x.app_role_id.eq_ignore_ascii_case(&role_id)
    }) {
        // graph-facts §A.6 / §B.2 (3P, verbatim).
        return Err(bad_request(
            "Request_BadRequest",
            "Permission being assigned already exists on the object.",
        ));
    }
    st.directory.app_role_assignments.push(a.clone());
    drop(st);
    let Value::Object(m) = a.graph_json() else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let ctx_url = format!(
        "{}/v1.0/$metadata#servicePrincipals('{}')/{}/$entity",
        ctx.app.graph_origin,
        url_sp.id,
        nav.name()
    );
    Ok((StatusCode::CREATED, Json(with_context(ctx_url, m))).into_response())
}

fn unassign(ctx: &Ctx, target: &Target, nav: Nav, aid: &str) -> GResult<Response> {
    let sp = find(ctx, target)?;
    let a = find_assignment(ctx, &sp, nav, aid)?;
    let resource_is_graph = ctx
        .app
        .lock()
        .directory
        .service_principals
        .iter()
        .any(|s| s.id == a.resource_id && s.app_id.eq_ignore_ascii_case(GRAPH_APP_ID));
    may_grant(ctx, resource_is_graph)?;
    ctx.app
        .lock()
        .directory
        .app_role_assignments
        .retain(|x| x.id != a.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
