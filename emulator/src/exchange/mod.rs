//! Exchange Online, as far as "which mailboxes may this app send as" goes: the Exchange RBAC role
//! definitions and role assignments Graph beta serves (`/beta/roleManagement/exchange/…`), the
//! application access policies and management role assignments an admin makes in Exchange Online
//! PowerShell (stood in for by `/_emulator/exchange/*` hooks), and the effective access they add
//! up to ([`access`]).
//!
//! Sources: Graph beta `rbacapplication-list-roledefinitions.md`, `rbacapplication-post-roleassignments.md`,
//! `rbacapplication-list-roleassignments.md`, `unifiedroleassignment-get.md`/`-delete.md`;
//! Exchange `New-ApplicationAccessPolicy`, `New-ManagementRoleAssignment`; the research notes
//! `/work/notes/exchange-rbac-graph.md`.

use serde_json::{json, Map, Value};

use crate::http_util::new_guid;

pub mod access;

/// The ids the CLI for Microsoft 365's docs list for two application roles. Exchange's role ids
/// are not documented as the same in every tenant (`templateId` is null), so the emulator's ids
/// are random per instance and never these: an app must look roles up by name.
const CLI_DOC_ROLE_IDS: &[&str] = &[
    "8679f4ff-c91d-40d0-809c-c86d114821a5",
    "82fd214e-61ca-4dc7-98f6-090700bdb205",
];

/// The `version` string of the docs' Exchange example (an Exchange build).
const ROLE_VERSION: &str = "0.12 (14.0.451.0)";

/// The application role that lets an app send as the mailboxes in its scope.
pub const APP_MAIL_SEND: &str = "Application Mail.Send";

/// An Exchange role definition (`unifiedRoleDefinition` of the Exchange provider).
#[derive(Clone, Debug)]
pub struct RoleDefinition {
    pub id: String,
    pub display_name: &'static str,
    pub description: &'static str,
    /// A comma-separated string in the docs' example (`"user,group"`), not an array.
    pub allowed_principal_types: &'static str,
    pub allowed_resource_actions: Vec<&'static str>,
}

impl RoleDefinition {
    /// Shaped like the docs' Exchange example (Example 4 of the list page).
    pub fn graph_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "description": self.description,
            "displayName": self.display_name,
            "isEnabled": true,
            "version": ROLE_VERSION,
            "isBuiltIn": true,
            "templateId": null,
            "allowedPrincipalTypes": self.allowed_principal_types,
            "rolePermissions": [{
                "allowedResourceActions": self.allowed_resource_actions,
                "excludedResourceActions": [],
                "condition": null,
            }],
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// May a service principal hold this role? (Application roles: `"servicePrincipal"`.)
    pub fn for_service_principals(&self) -> bool {
        self.allowed_principal_types
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("servicePrincipal"))
    }

    /// Does the role let its holder send mail as the mailboxes in its scope?
    pub fn sends_mail(&self) -> bool {
        self.for_service_principals() && self.allowed_resource_actions.contains(&"Mail.Send")
    }
}

/// What an assignment (Graph RBAC or a management role assignment) reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `/` (tenant-wide), `New-ManagementRoleAssignment` without a scope.
    Organization,
    /// `/Users/{id}`: that user's mailbox.
    User(String),
    /// `/Groups/{id}`, `-RecipientGroupScope`: the group's DIRECT members only (Graph: "direct
    /// members of a specific group"; PowerShell: "Individual members … (not nested groups)").
    Group(String),
}

impl Scope {
    fn json(&self) -> Value {
        match self {
            Scope::Organization => json!({"type": "organization", "id": null}),
            Scope::User(id) => json!({"type": "user", "id": id}),
            Scope::Group(id) => json!({"type": "group", "id": id}),
        }
    }
}

/// An Exchange role assignment made through Graph beta (`unifiedRoleAssignment`).
#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub id: String,
    /// As sent: `/ServicePrincipals/{id}`.
    pub principal_id: String,
    /// The service principal's object id (lower case).
    pub service_principal_id: String,
    pub role_definition_id: String,
    /// As sent (`/`, `/Users/{id}`, `/Groups/{id}`).
    pub directory_scope_id: String,
    pub scope: Scope,
}

impl RoleAssignment {
    /// The five fields of the docs' Exchange examples (POST, list, get).
    pub fn graph_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "principalId": self.principal_id,
            "roleDefinitionId": self.role_definition_id,
            "directoryScopeId": self.directory_scope_id,
            "appScopeId": null,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// `-AccessRight` of `New-ApplicationAccessPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRight {
    RestrictAccess,
    DenyAccess,
}

impl AccessRight {
    pub fn parse(s: &str) -> Option<AccessRight> {
        // PowerShell parameter values are case-insensitive.
        if s.eq_ignore_ascii_case("RestrictAccess") {
            Some(AccessRight::RestrictAccess)
        } else if s.eq_ignore_ascii_case("DenyAccess") {
            Some(AccessRight::DenyAccess)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AccessRight::RestrictAccess => "RestrictAccess",
            AccessRight::DenyAccess => "DenyAccess",
        }
    }
}

/// An application access policy (`New-ApplicationAccessPolicy`). It limits only what the app's
/// Entra application permission (e.g. Graph `Mail.Send`) reaches, never an RBAC grant.
#[derive(Clone, Debug)]
pub struct AccessPolicy {
    pub identity: String,
    pub app_id: String,
    /// As given (address or object id).
    pub policy_scope_group_id: String,
    /// The recipient it resolved to: a user or group object id.
    pub scope_identity: String,
    pub scope_name: String,
    /// `UserMailbox`, `MailUser` or `MailUniversalSecurityGroup`.
    pub scope_type: &'static str,
    pub access_right: AccessRight,
    pub description: String,
}

impl AccessPolicy {
    pub fn json(&self) -> Value {
        json!({
            "identity": self.identity,
            "appId": self.app_id,
            "policyScopeGroupId": self.policy_scope_group_id,
            "scopeIdentity": self.scope_identity,
            "scopeName": self.scope_name,
            "scopeType": self.scope_type,
            "accessRight": self.access_right.name(),
            "description": self.description,
        })
    }
}

/// A management role assignment to an app (`New-ManagementRoleAssignment -App`, with the
/// management scope `New-ManagementScope` would make).
#[derive(Clone, Debug)]
pub struct ManagementRoleAssignment {
    pub identity: String,
    /// The Entra service principal's object id (what `New-ServicePrincipal -ObjectId` points at).
    pub service_principal_id: String,
    pub role: &'static str,
    pub role_definition_id: String,
    pub scope: Scope,
}

impl ManagementRoleAssignment {
    pub fn json(&self) -> Value {
        json!({
            "identity": self.identity,
            "servicePrincipalId": self.service_principal_id,
            "role": self.role,
            "roleDefinitionId": self.role_definition_id,
            "scope": self.scope.json(),
        })
    }
}

/// Exchange Online's configuration in the demo tenant.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Fixed for the life of the emulator (kept by reset), random per instance.
    pub role_definitions: Vec<RoleDefinition>,
    pub role_assignments: Vec<RoleAssignment>,
    pub access_policies: Vec<AccessPolicy>,
    pub management_role_assignments: Vec<ManagementRoleAssignment>,
}

fn fresh_role_id() -> String {
    loop {
        let id = new_guid();
        if !CLI_DOC_ROLE_IDS.contains(&id.as_str()) {
            return id;
        }
    }
}

fn role_definitions() -> Vec<RoleDefinition> {
    let app = |name, description, action| RoleDefinition {
        id: fresh_role_id(),
        display_name: name,
        description,
        allowed_principal_types: "servicePrincipal",
        allowed_resource_actions: vec![action],
    };
    let user = |name, description, actions: Vec<&'static str>| RoleDefinition {
        id: fresh_role_id(),
        display_name: name,
        description,
        allowed_principal_types: "user,group",
        allowed_resource_actions: actions,
    };
    vec![
        user(
            "Address Lists",
            "This role enables administrators to manage address lists, global address lists, and offline address lists in an organization.",
            vec![
                "(Microsoft.Exchange.Management.PowerShell.E2010) Get-AddressBookPolicy",
                "(Microsoft.Exchange.Management.PowerShell.E2010) New-AddressList",
            ],
        ),
        app(
            "Application Mail.Read",
            "Allows the app to read email in the mailboxes in the assignment's scope, without a signed-in user.",
            "Mail.Read",
        ),
        app(
            "Application Mail.ReadWrite",
            "Allows the app to create, read, update, and delete email in the mailboxes in the assignment's scope, without a signed-in user. Does not include permission to send mail.",
            "Mail.ReadWrite",
        ),
        app(
            APP_MAIL_SEND,
            "Allows the app to send mail as any user in the assignment's scope, without a signed-in user.",
            "Mail.Send",
        ),
        user(
            "Mail Recipients",
            "This role enables administrators to manage existing mailboxes, mail users, and mail contacts in an organization.",
            vec!["(Microsoft.Exchange.Management.PowerShell.E2010) Set-Mailbox"],
        ),
    ]
}

impl Exchange {
    pub fn new() -> Exchange {
        Exchange {
            role_definitions: role_definitions(),
            role_assignments: vec![],
            access_policies: vec![],
            management_role_assignments: vec![],
        }
    }

    /// Forgets every assignment and policy; the role definitions (and their ids) stay.
    pub fn reset(&mut self) {
        self.role_assignments.clear();
        self.access_policies.clear();
        self.management_role_assignments.clear();
    }

    pub fn role(&self, id: &str) -> Option<&RoleDefinition> {
        self.role_definitions
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }

    pub fn role_by_name(&self, name: &str) -> Option<&RoleDefinition> {
        self.role_definitions
            .iter()
            .find(|r| r.display_name.eq_ignore_ascii_case(name))
    }

    /// A deleted service principal takes its Exchange role assignments with it. The docs are
    /// silent on this; it is our assumption (the assignment's principal no longer exists, and a
    /// new service principal for the same app gets a new object id, so nothing could use them).
    /// Application access policies name the app by appId, not the service principal, and stay.
    pub fn remove_service_principal(&mut self, sp_id: &str) {
        self.role_assignments
            .retain(|a| !a.service_principal_id.eq_ignore_ascii_case(sp_id));
        self.management_role_assignments
            .retain(|a| !a.service_principal_id.eq_ignore_ascii_case(sp_id));
    }

    /// For `GET /_emulator/state`.
    pub fn state_json(&self) -> Value {
        json!({
            "roleDefinitions": self.role_definitions.iter().map(RoleDefinition::graph_json).collect::<Vec<_>>(),
            "roleAssignments": self.role_assignments.iter().map(RoleAssignment::graph_json).collect::<Vec<_>>(),
            "applicationAccessPolicies": self.access_policies.iter().map(AccessPolicy::json).collect::<Vec<_>>(),
            "managementRoleAssignments": self.management_role_assignments.iter().map(ManagementRoleAssignment::json).collect::<Vec<_>>(),
        })
    }
}

impl Default for Exchange {
    fn default() -> Self {
        Exchange::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_are_random_and_not_the_cli_docs() {
        let a = Exchange::new();
        let b = Exchange::new();
        let send = a.role_by_name("application mail.send").unwrap();
        assert!(send.sends_mail());
        assert_ne!(send.id, b.role_by_name(APP_MAIL_SEND).unwrap().id);
        for r in &a.role_definitions {
            assert!(!CLI_DOC_ROLE_IDS.contains(&r.id.as_str()));
        }
        assert!(!a
            .role_by_name("Address Lists")
            .unwrap()
            .for_service_principals());
        assert!(!a
            .role_by_name("Application Mail.ReadWrite")
            .unwrap()
            .sends_mail());
        let j = send.graph_json();
        assert_eq!(j["allowedPrincipalTypes"], "servicePrincipal");
        assert_eq!(
            j["rolePermissions"][0]["allowedResourceActions"],
            json!(["Mail.Send"])
        );
    }
}
