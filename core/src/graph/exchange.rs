//! Exchange Online RBAC for Applications through Microsoft Graph **beta**
//! (`/beta/roleManagement/exchange/…`): the `Application Mail.Send` role definition, and role
//! assignments of it to the app's service principal, scoped to one mailbox (`/Users/{id}`) or to
//! a group's direct members (`/Groups/{id}`).
//!
//! Sources (microsoft-graph-docs-contrib, beta): `rbacapplication-list-roledefinitions.md`,
//! `rbacapplication-post-roleassignments.md` (Example 5: the Exchange provider, `201 Created`),
//! `rbacapplication-list-roleassignments.md` (Example 4: `$filter=principalId eq
//! '/ServicePrincipals/…'`), `unifiedroleassignment-get.md`, `unifiedroleassignment-delete.md`
//! (`204 No Content`), `resources/unifiedrbacapplication.md` ("You can only query specific
//! instances by filtering on roleDefinitionId, principalId or appScopeId"). Delegated permission:
//! `RoleManagement.ReadWrite.Exchange`. The docs give no error answers for this provider, and
//! Microsoft says of `/beta`: "use in production applications is not supported" — so every
//! refusal makes the page fall back to the PowerShell script, never fail the run.

use serde_json::{json, Value};

use super::Request;
use crate::ids::{Guid, ObjectId};
use crate::json_object::{FromJson, Obj};

/// The Exchange application role that lets an app send mail as the mailboxes in its scope.
pub const MAIL_SEND_ROLE_NAME: &str = "Application Mail.Send";

const BASE: &str = "/beta/roleManagement/exchange";

/// The role definition by its display name (its id differs per tenant: the docs give none, and
/// `templateId` is null in their Exchange example).
pub fn find_role(display_name: &str) -> Request {
    Request::get(format!(
        "{BASE}/roleDefinitions?$filter={}",
        super::apps::encode(&format!(
            "displayName eq '{}'",
            display_name.replace('\'', "''")
        ))
    ))
}

/// Every role definition (when the filter finds nothing: the filter on this provider is
/// documented only generically).
pub fn all_roles() -> Request {
    Request::get(format!("{BASE}/roleDefinitions"))
}

/// The next page of a collection, from its `@odata.nextLink` (an absolute URL on the Graph host).
pub fn next_page(next_link: &str) -> Option<Request> {
    let at = next_link.find("/beta/")?;
    Some(Request::get(&next_link[at..]))
}

/// `principalId` as the docs' Exchange examples write it.
pub fn principal(sp: ObjectId) -> String {
    format!("/ServicePrincipals/{sp}")
}

/// The assignments held by a service principal (the only documented way to list them is by
/// filtering on the principal, the role or the app scope).
pub fn assignments_of(sp: ObjectId) -> Request {
    Request::get(format!(
        "{BASE}/roleAssignments?$filter={}",
        super::apps::encode(&format!("principalId eq '{}'", principal(sp)))
    ))
}

pub fn assign(sp: ObjectId, role: Guid, directory_scope_id: &str) -> Request {
    Request::post(
        format!("{BASE}/roleAssignments"),
        json!({
            "principalId": principal(sp),
            "roleDefinitionId": role.to_string(),
            "directoryScopeId": directory_scope_id,
            "appScopeId": null,
        }),
    )
}

pub fn get_assignment(id: Guid) -> Request {
    Request::get(format!("{BASE}/roleAssignments/{id}"))
}

pub fn delete_assignment(id: Guid) -> Request {
    Request::delete(format!("{BASE}/roleAssignments/{id}"))
}

/// `directoryScopeId` for one mailbox's user object.
pub fn user_scope(user: ObjectId) -> String {
    format!("/Users/{user}")
}

/// `directoryScopeId` for a group: its direct members only.
pub fn group_scope(group: ObjectId) -> String {
    format!("/Groups/{group}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    pub id: Guid,
    pub display_name: Option<String>,
}

impl FromJson for RoleDefinition {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the role definition")?;
        Ok(RoleDefinition {
            id: o.req("id", "a GUID", |s| Guid::parse(s).ok())?,
            display_name: o.opt_text("displayName")?,
        })
    }
}

/// A page of role definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePage {
    pub value: Vec<RoleDefinition>,
    pub next_link: Option<String>,
}

impl FromJson for RolePage {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the page of role definitions")?;
        Ok(RolePage {
            value: o.req_items("value")?,
            next_link: o.opt_text("@odata.nextLink")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: Guid,
    pub principal_id: Option<String>,
    pub role_definition_id: Option<String>,
    pub directory_scope_id: Option<String>,
}

impl FromJson for RoleAssignment {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the role assignment")?;
        Ok(RoleAssignment {
            id: o.req("id", "a GUID", |s| Guid::parse(s).ok())?,
            principal_id: o.opt_text("principalId")?,
            role_definition_id: o.opt_text("roleDefinitionId")?,
            directory_scope_id: o.opt_text("directoryScopeId")?,
        })
    }
}

impl RoleAssignment {
    /// This assignment gives `role` over exactly `scope`.
    pub fn is(&self, role: Guid, scope: &str) -> bool {
        // The docs write `/Users/`, a peer sends `/users/`: compare without case.
        let scope_ok = self
            .directory_scope_id
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(scope));
        self.gives(role) && scope_ok
    }

    /// This assignment gives `role`, over whatever scope.
    pub fn gives(&self, role: Guid) -> bool {
        self.role_definition_id
            .as_deref()
            .and_then(|r| Guid::parse(r).ok())
            == Some(role)
    }

    /// Its scope, as Graph wrote it, for an explanation.
    pub fn scope_text(&self) -> String {
        self.directory_scope_id
            .clone()
            .unwrap_or_else(|| "(no directory scope)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_the_documented_shapes() {
        let sp = ObjectId::parse("0451dbb9-6336-42ea-b58f-5953dc053ece").unwrap();
        let user = ObjectId::parse("62ef60ab-0000-4000-8000-000000000001").unwrap();
        let role = Guid::parse("f66ab1ee-3cac-4d03-8a64-dadc56e563f8").unwrap();
        assert_eq!(
            find_role(MAIL_SEND_ROLE_NAME).path,
            "/beta/roleManagement/exchange/roleDefinitions?$filter=displayName%20eq%20%27Application%20Mail.Send%27"
        );
        assert_eq!(
            assignments_of(sp).path,
            "/beta/roleManagement/exchange/roleAssignments?$filter=principalId%20eq%20%27%2FServicePrincipals%2F0451dbb9-6336-42ea-b58f-5953dc053ece%27"
        );
        let r = assign(sp, role, &user_scope(user));
        assert_eq!(
            (r.method, r.path.as_str()),
            ("POST", "/beta/roleManagement/exchange/roleAssignments")
        );
        assert_eq!(
            r.body.unwrap(),
            json!({"principalId": "/ServicePrincipals/0451dbb9-6336-42ea-b58f-5953dc053ece",
                   "roleDefinitionId": "f66ab1ee-3cac-4d03-8a64-dadc56e563f8",
                   "directoryScopeId": "/Users/62ef60ab-0000-4000-8000-000000000001",
                   "appScopeId": null})
        );
        assert_eq!(
            next_page("https://graph.microsoft.com/beta/roleManagement/exchange/roleDefinitions?$skiptoken=x")
                .unwrap()
                .path,
            "/beta/roleManagement/exchange/roleDefinitions?$skiptoken=x"
        );
        assert_eq!(next_page("https://evil.example/x"), None);
    }

    #[test]
    fn an_assignment_matches_its_role_and_scope_whatever_the_case() {
        let role = Guid::parse("f66ab1ee-3cac-4d03-8a64-dadc56e563f8").unwrap();
        let a = RoleAssignment::from_json(&json!({
            "id": "c5dd3ab8-374f-42e9-b163-eb7c54b53755",
            "principalId": "/ServicePrincipals/x",
            "roleDefinitionId": "F66AB1EE-3cac-4d03-8a64-dadc56e563f8",
            "directoryScopeId": "/users/62ef60ab-0000-4000-8000-000000000001"
        }))
        .unwrap();
        assert!(a.is(role, "/Users/62ef60ab-0000-4000-8000-000000000001"));
        assert!(!a.is(role, "/Users/62ef60ab-0000-4000-8000-000000000002"));
        assert!(!a.is(
            Guid::from_bytes([1; 16]),
            "/users/62ef60ab-0000-4000-8000-000000000001"
        ));
    }
}
