//! Graph **beta**: the Exchange Online RBAC provider, `/beta/roleManagement/exchange/…`
//! (role definitions; role assignments: list by filter, create, get, delete). Everything else
//! under `/beta` answers as an unknown or not-emulated segment.
//!
//! Sources (microsoft-graph-docs-contrib, beta): `rbacapplication-list-roledefinitions.md`
//! (Example 4: the Exchange item shape), `rbacapplication-post-roleassignments.md` (Example 5:
//! `201 Created`, the four fields echoed), `rbacapplication-list-roleassignments.md` (Example 4:
//! `$filter=principalId eq '/ServicePrincipals/…'`), `unifiedroleassignment-get.md`,
//! `unifiedroleassignment-delete.md` (`204 No Content`), `resources/unifiedrbacapplication.md`
//! ("You can only query specific instances by filtering on roleDefinitionId, principalId or
//! appScopeId"). The docs give **no error answers** for this provider: every error below (codes,
//! wording, and which status) is our choice unless its comment says otherwise.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::authz::may_use_exchange_rbac;
use super::error::{
    bad_request, bad_segment, denied, invalid_value, method_not_allowed, GErr, GResult,
};
use super::odata::{context_in, entity, list, parse_filter, with_context, Cond, ListSpec, Lit};
use super::validate::{check, is_guid, Mode, UNIFIED_ROLE_ASSIGNMENT};
use super::{split_key, Ctx, NOT_EMULATED};
use crate::exchange::{RoleAssignment, Scope};
use crate::faults::ExchangeRbac;
use crate::http_util::new_guid;
use crate::model::visible;

const DEFINITIONS: &str = "roleManagement/exchange/roleDefinitions";
const ASSIGNMENTS: &str = "roleManagement/exchange/roleAssignments";

/// Entity sets Graph has in v1.0 and beta that the emulator serves only under `/v1.0`.
const V1_ONLY: &[&str] = &[
    "me",
    "users",
    "groups",
    "organization",
    "applications",
    "servicePrincipals",
];

/// `roleManagement` providers that exist in beta but are not emulated.
const OTHER_PROVIDERS: &[&str] = &[
    "directory",
    "entitlementManagement",
    "deviceManagement",
    "cloudPC",
    "enterpriseApps",
    "defender",
];

/// Exchange provider collections that exist but are not emulated (custom app scopes, …).
const OTHER_EXCHANGE_SETS: &[&str] = &[
    "customAppScopes",
    "resourceNamespaces",
    "roleAssignmentSchedules",
    "roleAssignmentScheduleInstances",
    "transitiveRoleAssignments",
];

fn not_emulated(ctx: &Ctx) -> GErr {
    GErr::new(
        StatusCode::NOT_IMPLEMENTED,
        "notImplemented",
        format!("The emulator does not implement '{}' yet.", ctx.path),
    )
}

fn is_in(list: &[&str], s: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(s))
}

/// Routes a `/beta/...` request (segments after `/beta/`).
pub fn dispatch_beta(ctx: &Ctx, segs: &[&str]) -> GResult<Response> {
    let Some(first) = segs.first() else {
        return Ok(Json(service_document(&ctx.app.graph_origin)).into_response());
    };
    let (set, _) = split_key(first).ok_or_else(|| bad_segment(first))?;
    match (set, &segs[1..]) {
        ("roleManagement", ["exchange", rest @ ..]) => exchange(ctx, rest),
        ("roleManagement", []) => Err(not_emulated(ctx)),
        ("roleManagement", [p, ..]) if is_in(OTHER_PROVIDERS, p) => Err(not_emulated(ctx)),
        ("roleManagement", [p, ..]) => Err(bad_segment(p)),
        (s, _) if is_in(V1_ONLY, s) || is_in(NOT_EMULATED, s) => Err(not_emulated(ctx)),
        _ => Err(bad_segment(first)),
    }
}

fn exchange(ctx: &Ctx, rest: &[&str]) -> GResult<Response> {
    match ctx.app.lock().faults.exchange_rbac {
        ExchangeRbac::Available => {}
        // What Graph answers for an OData segment it does not know.
        ExchangeRbac::Off => return Err(bad_segment("exchange")),
        ExchangeRbac::Forbidden => return Err(denied()),
    }
    let get_only = || {
        if ctx.method == Method::GET {
            Ok(())
        } else {
            Err(method_not_allowed())
        }
    };
    match rest {
        ["roleDefinitions"] => {
            get_only()?;
            list_definitions(ctx)
        }
        ["roleDefinitions", id] => {
            get_only()?;
            get_definition(ctx, id)
        }
        ["roleAssignments"] => match ctx.method {
            Method::GET => list_assignments(ctx),
            Method::POST => create_assignment(ctx),
            _ => Err(method_not_allowed()),
        },
        ["roleAssignments", id] => match ctx.method {
            Method::GET => get_assignment(ctx, id),
            Method::DELETE => delete_assignment(ctx, id),
            _ => Err(method_not_allowed()),
        },
        [] => Err(not_emulated(ctx)),
        [s, ..] if is_in(OTHER_EXCHANGE_SETS, s) => Err(not_emulated(ctx)),
        ["roleDefinitions" | "roleAssignments", _, next, ..] => Err(bad_segment(next)),
        [next, ..] => Err(bad_segment(next)),
    }
}

/// Exchange's "object not found" (`ManagementObjectNotFoundException`), not documented for this
/// provider. Peers (microsoft/CopilotWatchTower, example only) report 400/404 with
/// `Couldn't find object "<guid>"` or `ManagementObjectNotFoundException` while a new service
/// principal propagates, and retry; the emulator answers 404 with both strings.
pub fn exo_not_found(what: &str) -> GErr {
    GErr::new(
        StatusCode::NOT_FOUND,
        "ManagementObjectNotFoundException",
        format!("Couldn't find object \"{what}\". Please make sure that it was spelled correctly or specify a different object."),
    )
}

fn unsupported_filter(prop: &str, resource: &str) -> GErr {
    bad_request(
        "Request_UnsupportedQuery",
        format!("Unsupported or invalid query filter clause specified for property '{prop}' of resource '{resource}'."),
    )
}

// ------------------------------------------------------------------------------------------------
// Role definitions

/// `unifiedRoleDefinition`: displayName "Supports `$filter` (`eq` and `startsWith` operators
/// only)"; id and isBuiltIn `eq` (the beta resource page, shared by every provider; no Exchange
/// example filters). String comparison ignores case, as the emulator's other filters do.
fn list_definitions(ctx: &Ctx) -> GResult<Response> {
    may_use_exchange_rbac(ctx, false)?;
    if let Some(f) = &ctx.od.filter {
        for c in parse_filter(f)? {
            let ok = match &c {
                Cond::Eq(p, _) => is_in(&["displayName", "id", "isBuiltIn"], p),
                Cond::StartsWith(p, _) => p.eq_ignore_ascii_case("displayName"),
                _ => false,
            };
            if !ok {
                let prop = match &c {
                    Cond::Eq(p, _)
                    | Cond::Ne(p, _)
                    | Cond::In(p, _)
                    | Cond::StartsWith(p, _)
                    | Cond::EndsWith(p, _)
                    | Cond::Any(p, _) => p.clone(),
                };
                return Err(unsupported_filter(&prop, "UnifiedRoleDefinition"));
            }
        }
    }
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .exchange
        .role_definitions
        .iter()
        .map(|r| r.graph_json())
        .collect();
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: DEFINITIONS,
            type_name: "unifiedRoleDefinition",
            resource: "UnifiedRoleDefinition",
            filterable: &["displayName", "id", "isBuiltIn"],
            defaults: None,
            odata_type: false,
        },
    )
}

fn get_definition(ctx: &Ctx, id: &str) -> GResult<Response> {
    may_use_exchange_rbac(ctx, false)?;
    let r = ctx.app.lock().exchange.role(id).map(|r| r.graph_json());
    let r = r.ok_or_else(|| exo_not_found(id))?;
    entity(
        &ctx.app,
        &ctx.od,
        DEFINITIONS,
        "unifiedRoleDefinition",
        None,
        Value::Object(r),
    )
}

// ------------------------------------------------------------------------------------------------
// Role assignments

/// "You can only query specific instances by filtering on roleDefinitionId, principalId or
/// appScopeId" (documented); `eq` only (the resource page). An unfiltered list and `and`
/// combinations are not documented for Exchange: refused (our choice).
fn list_assignments(ctx: &Ctx) -> GResult<Response> {
    may_use_exchange_rbac(ctx, false)?;
    const BY: &[&str] = &["principalId", "roleDefinitionId", "appScopeId"];
    let only = || {
        bad_request(
            "BadRequest",
            "Exchange role assignments can only be queried by filtering on one of roleDefinitionId, principalId or appScopeId with 'eq'.",
        )
    };
    let Some(f) = &ctx.od.filter else {
        return Err(only());
    };
    match parse_filter(f)?.as_slice() {
        [Cond::Eq(p, Lit::Str(_))] if is_in(BY, p) => {}
        [Cond::Eq(p, _)] if is_in(BY, p) => return Err(invalid_value(p, "UnifiedRoleAssignment")),
        _ => return Err(only()),
    }
    let items: Vec<Map<String, Value>> = ctx
        .app
        .lock()
        .exchange
        .role_assignments
        .iter()
        .map(RoleAssignment::graph_json)
        .collect();
    list(
        &ctx.app,
        &ctx.od,
        &ctx.path,
        items,
        &ListSpec {
            set: ASSIGNMENTS,
            type_name: "unifiedRoleAssignment",
            resource: "UnifiedRoleAssignment",
            filterable: BY,
            defaults: None,
            odata_type: false,
        },
    )
}

fn find_assignment(ctx: &Ctx, id: &str) -> GResult<RoleAssignment> {
    ctx.app
        .lock()
        .exchange
        .role_assignments
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(id))
        .cloned()
        .ok_or_else(|| exo_not_found(id))
}

fn get_assignment(ctx: &Ctx, id: &str) -> GResult<Response> {
    may_use_exchange_rbac(ctx, false)?;
    let a = find_assignment(ctx, id)?;
    entity(
        &ctx.app,
        &ctx.od,
        ASSIGNMENTS,
        "unifiedRoleAssignment",
        None,
        Value::Object(a.graph_json()),
    )
}

/// `204 No Content` (documented); an unknown id → 404 (not documented).
fn delete_assignment(ctx: &Ctx, id: &str) -> GResult<Response> {
    may_use_exchange_rbac(ctx, true)?;
    let a = find_assignment(ctx, id)?;
    ctx.app
        .lock()
        .exchange
        .role_assignments
        .retain(|x| x.id != a.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `prefix` + a GUID, the prefix compared ignoring case (the docs write `/Users/`; the CLI for
/// Microsoft 365 sends `/users/` in production). Answers the GUID in lower case.
fn guid_after(s: &str, prefix: &str) -> Option<String> {
    let head = s.get(..prefix.len())?;
    let rest = s.get(prefix.len()..)?;
    (head.eq_ignore_ascii_case(prefix) && is_guid(rest)).then(|| rest.to_ascii_lowercase())
}

/// A `directoryScopeId` in one of the documented forms for the Exchange provider.
enum DirScope {
    Known(Scope),
    /// `/AdministrativeUnits/{id}`: documented, but the demo tenant has no administrative units.
    AdministrativeUnit(String),
}

fn parse_directory_scope(s: &str) -> Option<DirScope> {
    if s == "/" {
        return Some(DirScope::Known(Scope::Organization));
    }
    if let Some(id) = guid_after(s, "/Users/") {
        return Some(DirScope::Known(Scope::User(id)));
    }
    if let Some(id) = guid_after(s, "/Groups/") {
        return Some(DirScope::Known(Scope::Group(id)));
    }
    guid_after(s, "/AdministrativeUnits/").map(DirScope::AdministrativeUnit)
}

fn create_assignment(ctx: &Ctx) -> GResult<Response> {
    may_use_exchange_rbac(ctx, true)?;
    let body = check(&ctx.json()?, &UNIFIED_ROLE_ASSIGNMENT, Mode::Create)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let bad = |k: &str| invalid_value(k, "UnifiedRoleAssignment");

    // principalId: `/ServicePrincipals/{object id}` in every Exchange example (no format in the
    // property text); anything else → 400, our choice.
    let principal_id = text("principalId").ok_or_else(|| bad("principalId"))?;
    let sp_id =
        guid_after(&principal_id, "/ServicePrincipals/").ok_or_else(|| bad("principalId"))?;

    let role_id = text("roleDefinitionId").ok_or_else(|| bad("roleDefinitionId"))?;
    let role = ctx.app.lock().exchange.role(&role_id).cloned();
    let role = role.ok_or_else(|| {
        bad_request(
            "BadRequest",
            format!("The role definition '{role_id}' does not exist in the Exchange provider."),
        )
    })?;
    if !role.for_service_principals() {
        return Err(bad_request(
            "BadRequest",
            format!(
                "The role '{}' cannot be assigned to a service principal (allowedPrincipalTypes: '{}').",
                role.display_name, role.allowed_principal_types
            ),
        ));
    }

    // "Either appScopeId or directoryScopeId must be specified." (documented); both → 400 too.
    let directory_scope_id = text("directoryScopeId");
    let app_scope_id = text("appScopeId");
    let scope = match (&directory_scope_id, &app_scope_id) {
        (Some(d), None) => parse_directory_scope(d).ok_or_else(|| bad("directoryScopeId"))?,
        (None, Some(a)) => {
            // Custom app scopes (`customAppScopes`) are not emulated: the demo tenant has none.
            require_sp(ctx, &sp_id)?;
            return Err(exo_not_found(a));
        }
        _ => {
            return Err(bad_request(
                "BadRequest",
                "Either appScopeId or directoryScopeId must be specified, not both.",
            ))
        }
    };
    require_sp(ctx, &sp_id)?;
    let scope = match scope {
        DirScope::AdministrativeUnit(id) => return Err(exo_not_found(&id)),
        DirScope::Known(s) => s,
    };
    let missing = {
        let st = ctx.app.lock();
        match &scope {
            Scope::Organization => None,
            Scope::User(id) => (!st
                .directory
                .users
                .iter()
                .any(|u| u.id.eq_ignore_ascii_case(id)))
            .then(|| id.clone()),
            Scope::Group(id) => st.directory.group(id).is_none().then(|| id.clone()),
        }
    };
    if let Some(id) = missing {
        return Err(exo_not_found(&id));
    }
    let a = RoleAssignment {
        id: new_guid(),
        principal_id,
        service_principal_id: sp_id,
        role_definition_id: role.id.clone(),
        directory_scope_id: directory_scope_id.unwrap_or_default(),
        scope,
    };
    let mut st = ctx.app.lock();
    if st.exchange.role_assignments.iter().any(|x| {
        x.service_principal_id == a.service_principal_id
            && x.role_definition_id == a.role_definition_id
            && x.scope == a.scope
    }) {
        // Peers treat 409 as "already exists" (example only); code and wording not documented.
        return Err(GErr::new(
            StatusCode::CONFLICT,
            "Conflict",
            "A role assignment with the same principal, role definition and scope already exists.",
        ));
    }
    st.exchange.role_assignments.push(a.clone());
    drop(st);
    let ctx_url = context_in(&ctx.app, "beta", ASSIGNMENTS, None, true);
    Ok((
        StatusCode::CREATED,
        Json(with_context(ctx_url, a.graph_json())),
    )
        .into_response())
}

/// The service principal must exist and be past its replication window (the `consistencyDelayMs`
/// fault): else Exchange "couldn't find" it (see [`exo_not_found`]).
fn require_sp(ctx: &Ctx, sp_id: &str) -> GResult<()> {
    let found = ctx
        .app
        .lock()
        .directory
        .service_principals
        .iter()
        .any(|s| s.id.eq_ignore_ascii_case(sp_id) && visible(s.visible_at));
    if found {
        Ok(())
    } else {
        Err(exo_not_found(sp_id))
    }
}

/// The body of `/beta`'s service document.
pub fn service_document(graph_origin: &str) -> Value {
    json!({
        "@odata.context": format!("{graph_origin}/beta/$metadata"),
        "value": [
            {"name": "roleManagement", "kind": "Singleton", "url": "roleManagement"}
        ]
    })
}
