//! `/v1.0/groups`: get by id, list with `$filter` (e.g. mail-enabled security groups,
//! graph-facts §A.9) and `@odata.nextLink` paging; a group's direct members
//! (`group-list-members.md`: "Get a list of the group's direct members"; users and groups, each
//! with its `@odata.type`).

use axum::http::Method;
use axum::response::Response;
use serde_json::{Map, Value};

use super::authz::READ_GROUPS;
use super::error::{bad_segment, method_not_allowed, not_found, GResult};
use super::odata::{entity, list, ListSpec};
use super::users::{directory_objects, with_type};
use super::Ctx;

pub const FILTERABLE: &[&str] = &[
    "id",
    "displayName",
    "mail",
    "mailEnabled",
    "securityEnabled",
    "mailNickname",
    "groupTypes",
    "proxyAddresses",
];

pub fn route(ctx: &Ctx, rest: &[&str]) -> GResult<Response> {
    if ctx.method != Method::GET {
        return Err(method_not_allowed());
    }
    ctx.require_scope(READ_GROUPS)?;
    match rest {
        [] => {
            let items: Vec<Map<String, Value>> = ctx
                .app
                .lock()
                .directory
                .groups
                .iter()
                .map(|g| g.graph_json())
                .collect();
            list(
                &ctx.app,
                &ctx.od,
                &ctx.path,
                items,
                &ListSpec {
                    set: "groups",
                    type_name: "group",
                    resource: "Group",
                    filterable: FILTERABLE,
                    defaults: None,
                    odata_type: false,
                },
            )
        }
        [id] => {
            let g = ctx.app.lock().directory.group(id).map(|g| g.graph_json());
            let g = g.ok_or_else(|| not_found(id))?;
            entity(&ctx.app, &ctx.od, "groups", "group", None, Value::Object(g))
        }
        [id, "members"] => members(ctx, id),
        [_, next, ..] => Err(bad_segment(next)),
    }
}

/// The group's direct members, `$select` applied (always with `@odata.type` and `id`).
fn members(ctx: &Ctx, id: &str) -> GResult<Response> {
    let items: Vec<Map<String, Value>> = {
        let st = ctx.app.lock();
        let dir = &st.directory;
        let g = dir.group(id).ok_or_else(|| not_found(id))?;
        g.members
            .iter()
            .filter_map(|m| match (dir.user(m), dir.group(m)) {
                (Some(u), _) => Some(with_type("user", u.graph_json())),
                (None, Some(g)) => Some(with_type("group", g.graph_json())),
                (None, None) => None,
            })
            .collect()
    };
    directory_objects(ctx, items)
}
