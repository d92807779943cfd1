//! The in-memory demo tenant "Contoso Demo": directory objects (seeded deterministically) plus the
//! sign-in bookkeeping of the login side (pending sign-ins, codes, tokens).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{DEMO_SPA_CLIENT_ID, DEMO_TENANT_ID};

pub(crate) mod seed;
pub use seed::seed;

pub const TENANT_DISPLAY_NAME: &str = "Contoso Demo";
pub const INITIAL_DOMAIN: &str = "contosodemo.onmicrosoft.com";
/// Microsoft Graph's appId, the same in every tenant.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const DEMO_SPA_APP_OBJECT_ID: &str = "03415fe8-410d-436f-bc0f-b6822279331e";
pub const DEMO_SPA_SP_ID: &str = "76692153-050e-406a-8c0f-44087b83dad6";
pub const GRAPH_SP_ID: &str = "2b289400-3060-4dcc-b8e6-d12f1225255a";
/// Fixed creation time of the seeded objects (2024-01-15T09:00:00Z).
pub const SEED_CREATED: u64 = 1_705_309_200;

pub use crate::roles::Role;

/// The "User" default role every member holds; Entra puts it in `wids` for members.
pub const DEFAULT_USER_ROLE_TEMPLATE_ID: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MailboxKind {
    User,
    Shared,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub proxy_addresses: Vec<String>,
    pub user_type: String,
    pub account_enabled: bool,
    pub job_title: Option<String>,
    // --- emulator-internal (not Graph properties) ---
    pub roles: Vec<Role>,
    pub mailbox: Option<MailboxKind>,
}

impl User {
    pub fn is_member(&self) -> bool {
        self.user_type == "Member"
    }

    /// Can this user sign in on the authorize page?
    pub fn can_sign_in(&self) -> bool {
        self.account_enabled && self.is_member()
    }

    /// `wids`: role template ids of the user's directory roles (plus the default User role).
    pub fn wids(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .roles
            .iter()
            .map(|r| r.template_id().to_string())
            .collect();
        if self.is_member() {
            w.push(DEFAULT_USER_ROLE_TEMPLATE_ID.to_string());
        }
        w
    }

    /// Roles that may consent to admin-only delegated Graph scopes tenant-wide.
    pub fn can_admin_consent(&self) -> bool {
        !self.roles.is_empty()
    }

    /// All Graph properties of this user (the `user` resource), nulls included.
    pub fn graph_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "businessPhones": [],
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": self.job_title,
            "mail": self.mail,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": if self.is_member() { json!("en-US") } else { Value::Null },
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
            "accountEnabled": self.account_enabled,
            "mailNickname": self.mail_nickname,
            "proxyAddresses": self.proxy_addresses,
            "userType": self.user_type,
            "createdDateTime": crate::http_util::iso_utc(SEED_CREATED),
            "onPremisesSyncEnabled": null,
            "usageLocation": if self.is_member() { json!("US") } else { Value::Null },
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// The properties Graph returns for a user when no `$select` is given (v1.0 default set).
pub const USER_DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub proxy_addresses: Vec<String>,
    /// Direct members: user or group object ids.
    pub members: Vec<String>,
}

impl Group {
    pub fn graph_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "displayName": self.display_name,
            "description": self.description,
            "mail": self.mail,
            "mailNickname": self.mail_nickname,
            "mailEnabled": self.mail_enabled,
            "securityEnabled": self.security_enabled,
            "groupTypes": self.group_types,
            "proxyAddresses": self.proxy_addresses,
            "createdDateTime": crate::http_util::iso_utc(SEED_CREATED),
            "onPremisesSyncEnabled": null,
            "visibility": if self.group_types.iter().any(|t| t == "Unified") { json!("Private") } else { Value::Null },
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

pub use crate::model::{AppRoleAssignment, Application, OAuth2PermissionGrant, ServicePrincipal};

/// An application registered in another tenant, which a service principal here may stand for
/// (a multi-tenant app: `signInAudience` AzureADMultipleOrgs).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignApp {
    pub app_id: String,
    pub display_name: String,
    pub owner_tenant_id: String,
    pub sign_in_audience: String,
}

/// The demo vendor's own tenant, and its multi-tenant app (config `multiTenantApp`).
pub const DEMO_VENDOR_TENANT_ID: &str = "7e11d1f3-5c9e-4d2a-9f0e-3b6a2c8d4e51";
pub const DEMO_VENDOR_APP_ID: &str = "6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f";
/// A single-tenant app of the vendor's tenant: no service principal of it can be made here.
pub const DEMO_VENDOR_SINGLE_TENANT_APP_ID: &str = "6e3c1f0a-8a3b-4c1e-9d2f-000000000001";

/// The directory: everything `POST /_emulator/reset` restores.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub applications: Vec<Application>,
    pub service_principals: Vec<ServicePrincipal>,
    pub app_role_assignments: Vec<AppRoleAssignment>,
    pub oauth2_permission_grants: Vec<OAuth2PermissionGrant>,
    /// Apps of other tenants (the vendor's), for service principals of multi-tenant apps.
    pub foreign_apps: Vec<ForeignApp>,
}

impl Directory {
    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn)
                || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id.eq_ignore_ascii_case(id))
    }

    /// A user consented for themselves to `client_id` calling Microsoft Graph with `scopes`
    /// (as the authorize request named them). Consent creates the client's service principal
    /// in the tenant when there is none, and adds the scopes to the user's grant.
    pub fn consent(&mut self, client_id: &str, user_id: &str, scopes: &[String]) {
        let sp_id = match self
            .service_principals
            .iter()
            .find(|s| s.app_id.eq_ignore_ascii_case(client_id))
        {
            Some(sp) => sp.id.clone(),
            None => {
                let name = self
                    .application_by_app_id(client_id)
                    .map(|a| a.display_name.clone())
                    .unwrap_or_default();
                let sp = ServicePrincipal::new(
                    &crate::http_util::new_guid(),
                    client_id,
                    &name,
                    Some(DEMO_TENANT_ID),
                );
                let id = sp.id.clone();
                self.service_principals.push(sp);
                id
            }
        };
        let graph = self
            .service_principals
            .iter()
            .find(|s| s.app_id == GRAPH_APP_ID)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let wanted: Vec<String> = scopes
            .iter()
            .map(|s| {
                s.rsplit_once('/')
                    .map_or(s.as_str(), |(_, name)| name)
                    .to_owned()
            })
            .collect();
        let existing = self.oauth2_permission_grants.iter_mut().find(|g| {
            g.client_id == sp_id
                && g.resource_id == graph
                && g.principal_id.as_deref() == Some(user_id)
        });
        match existing {
            Some(g) => {
                let mut have: Vec<String> = g.scope.split(' ').map(str::to_owned).collect();
                for w in wanted {
                    if !have.iter().any(|h| h.eq_ignore_ascii_case(&w)) {
                        have.push(w);
                    }
                }
                g.scope = have.join(" ");
            }
            None => self.oauth2_permission_grants.push(OAuth2PermissionGrant {
                id: crate::http_util::new_guid(),
                client_id: sp_id,
                consent_type: "Principal".into(),
                principal_id: Some(user_id.to_owned()),
                resource_id: graph,
                scope: wanted.join(" "),
            }),
        }
    }

    pub fn application_by_app_id(&self, app_id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    /// Transitive group membership of a user or group: ids of every group it is in.
    pub fn transitive_groups_of(&self, object_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut frontier = vec![object_id.to_ascii_lowercase()];
        while let Some(cur) = frontier.pop() {
            for g in &self.groups {
                if g.members.iter().any(|m| m.eq_ignore_ascii_case(&cur))
                    && !out.iter().any(|o| o.eq_ignore_ascii_case(&g.id))
                {
                    out.push(g.id.clone());
                    frontier.push(g.id.to_ascii_lowercase());
                }
            }
        }
        out
    }

    /// Origins of every registered SPA redirect URI (the CORS allow-list).
    pub fn spa_origins(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .applications
            .iter()
            .flat_map(|a| a.spa_redirect_uris.iter())
            .filter_map(|u| crate::http_util::origin_of(u))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Does `tenant` (a path segment) name this tenant (or a multi-tenant alias)?
    pub fn accepts_tenant_segment(segment: &str) -> bool {
        segment.eq_ignore_ascii_case("organizations")
            || segment.eq_ignore_ascii_case("common")
            || segment.eq_ignore_ascii_case(DEMO_TENANT_ID)
            || segment.eq_ignore_ascii_case(INITIAL_DOMAIN)
    }
}

/// An authorize request the user is working through (account picker → consent).
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub tenant_segment: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub user_id: Option<String>,
    pub created: u64,
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub user_id: String,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub expires: u64,
    pub redeemed: bool,
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires: u64,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub user_id: String,
    pub client_id: String,
    /// Consented scopes (Graph scope names plus OIDC ones).
    pub scopes: Vec<String>,
    /// SPA refresh tokens keep the expiry of the first one (24 h after sign-in).
    pub expires: u64,
    pub nonce: Option<String>,
}

/// Everything mutable, behind one mutex.
pub struct State {
    pub seed_redirect_uris: Vec<String>,
    pub directory: Directory,
    /// Exchange Online's RBAC and policy configuration (its role definitions survive reset).
    pub exchange: crate::exchange::Exchange,
    pub pending: HashMap<String, PendingSignIn>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_token_lifetime: u64,
    /// Seconds added to the real clock for expiry decisions (`POST /_emulator/clock`).
    pub clock_offset: u64,
    pub log: Vec<crate::LoggedRequest>,
    /// Active faults (`POST /_emulator/faults`); `reset` restores `initial_faults`.
    pub faults: crate::faults::Faults,
    pub initial_faults: crate::faults::Faults,
    /// The plain OpenID Connect provider's flows and codes.
    pub oidc: crate::oidc::OidcState,
}

impl State {
    pub fn new(spa_redirect_uris: Vec<String>, faults: crate::faults::Faults) -> Self {
        State {
            directory: seed(spa_redirect_uris.clone()),
            exchange: crate::exchange::Exchange::new(),
            seed_redirect_uris: spa_redirect_uris,
            pending: HashMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            access_token_lifetime: 3600,
            clock_offset: 0,
            log: Vec::new(),
            faults: faults.clone(),
            initial_faults: faults,
            oidc: Default::default(),
        }
    }

    /// How long an access token issued now lives: the fault switch, else the default.
    pub fn token_lifetime(&self) -> u64 {
        self.faults
            .access_token_lifetime_secs
            .unwrap_or(self.access_token_lifetime)
    }

    /// The emulator's clock (unix seconds): the real clock plus the test-controlled offset.
    /// Drives expiry of codes and tokens; visible timestamps use the real clock.
    pub fn now(&self) -> u64 {
        crate::http_util::now_unix() + self.clock_offset
    }

    /// Restores the seeded directory and the real clock, forgets Exchange's role assignments and
    /// policies, pending sign-ins and unredeemed codes. Issued tokens stay valid (seed ids are
    /// deterministic), and so do the Exchange role definition ids.
    pub fn reset(&mut self) {
        self.directory = seed(self.seed_redirect_uris.clone());
        self.exchange.reset();
        self.pending.clear();
        self.codes.clear();
        self.clock_offset = 0;
        self.access_token_lifetime = 3600;
        self.faults = self.initial_faults.clone();
        self.oidc = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_consistent() {
        let d = seed(vec!["http://127.0.0.1:1/".into()]);
        for g in &d.groups {
            for m in &g.members {
                assert!(d.user(m).is_some() || d.group(m).is_some(), "{m}");
            }
        }
        let signers: Vec<_> = d.users.iter().filter(|u| u.can_sign_in()).collect();
        // Seven people and the mail user (an enabled account without a mailbox).
        assert_eq!(signers.len(), 8);
        assert_eq!(d.spa_origins(), vec!["http://127.0.0.1:1".to_string()]);
    }
}
