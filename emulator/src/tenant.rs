//! The in-memory demo tenant "Contoso Demo": directory objects (seeded deterministically) plus the
//! sign-in bookkeeping of the login side (pending sign-ins, codes, tokens).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{DEMO_SPA_CLIENT_ID, DEMO_TENANT_ID};

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

#[allow(clippy::too_many_arguments)]
fn user(
    id: &str,
    display_name: &str,
    given_surname: Option<(&str, &str)>,
    nickname: &str,
    job_title: Option<&str>,
    roles: Vec<Role>,
    mailbox: Option<MailboxKind>,
    account_enabled: bool,
) -> User {
    let upn = format!("{nickname}@{INITIAL_DOMAIN}");
    let (mail, proxy) = if mailbox.is_some() {
        (Some(upn.clone()), vec![format!("SMTP:{upn}")])
    } else {
        (None, vec![])
    };
    User {
        id: id.into(),
        display_name: display_name.into(),
        given_name: given_surname.map(|g| g.0.to_string()),
        surname: given_surname.map(|g| g.1.to_string()),
        user_principal_name: upn,
        mail,
        mail_nickname: nickname.into(),
        proxy_addresses: proxy,
        user_type: "Member".into(),
        account_enabled,
        job_title: job_title.map(str::to_string),
        roles,
        mailbox,
    }
}

fn group(
    id: &str,
    display_name: &str,
    nickname: &str,
    mail_enabled: bool,
    security_enabled: bool,
    unified: bool,
    members: &[&str],
) -> Group {
    let mail = mail_enabled.then(|| format!("{nickname}@{INITIAL_DOMAIN}"));
    Group {
        id: id.into(),
        display_name: display_name.into(),
        description: None,
        proxy_addresses: mail.iter().map(|m| format!("SMTP:{m}")).collect(),
        mail,
        mail_nickname: nickname.into(),
        mail_enabled,
        security_enabled,
        group_types: if unified {
            vec!["Unified".into()]
        } else {
            vec![]
        },
        members: members.iter().map(|m| m.to_string()).collect(),
    }
}

pub mod ids {
    pub const ADELE: &str = "84d227f2-34c8-4a62-a5cc-621cd2fe304c";
    pub const PATTI: &str = "8b80bad2-a638-4b64-8661-dc8e4caca840";
    pub const ALEX: &str = "36811a80-eac9-46f7-ba40-b7223a18e118";
    pub const LEE: &str = "a542865d-77c1-4513-8397-70da3f8d9cd7";
    pub const MEGAN: &str = "2b409773-bfb0-4637-9f26-c40b36b8478d";
    pub const NESTOR: &str = "6683add5-7b7f-425f-aef0-a1d578ced23c";
    pub const DIEGO: &str = "5747d820-f149-4f5f-bf58-a04acee76c78";
    pub const INVOICES: &str = "670604ea-5ccf-4fa0-94d3-14e71cc55ce7";
    pub const GRADY: &str = "c89b7563-fe51-4f2f-b778-c33025694db7";
    pub const ISAIAH: &str = "0d107972-b712-4948-821d-38b2930bca42";
    /// A mail user: an address Exchange knows, on the tenant's domain, with no mailbox.
    pub const ALERTS: &str = "3f0a9f5e-2c61-4d7b-9a43-8e1f5b6c2d70";
    /// A disabled account without a mailbox (not a shared mailbox).
    pub const JONI: &str = "b1e7c3d2-5a4f-4e8b-9c6d-7f2a1e0d9b84";

    pub const MAILGRANT_SENDERS: &str = "71b53146-ceb2-4940-b73e-51e8ef4be99b";
    pub const FINANCE_NOTIFICATIONS: &str = "a7e58b83-461d-4a33-a42b-dafcb70f68fc";
    pub const FINANCE_MAILBOXES: &str = "50ca7e77-0b2d-48e2-a6e4-a0037b339136";
    pub const IT_ADMINS: &str = "f41359ab-31bf-4e1c-9778-13b94e58ef70";
    pub const SALES: &str = "d158853c-b691-4003-a7a4-ae564aab375b";
    pub const ALL_STAFF: &str = "9a38bb87-9918-486e-ab08-31f58ed985a5";
}

fn graph_sp() -> ServicePrincipal {
    let role = |id: &str, value: &str, name: &str, desc: &str| {
        json!({"id": id, "value": value, "displayName": name, "description": desc,
               "allowedMemberTypes": ["Application"], "isEnabled": true, "origin": "Application"})
    };
    let scope = |id: &str, value: &str, admin: bool, name: &str| {
        json!({"id": id, "value": value, "type": if admin { "Admin" } else { "User" },
               "adminConsentDisplayName": name, "adminConsentDescription": name,
               "userConsentDisplayName": name, "userConsentDescription": name, "isEnabled": true})
    };
    let mut sp = ServicePrincipal::new(
        GRAPH_SP_ID,
        GRAPH_APP_ID,
        "Microsoft Graph",
        Some("f8cdef31-a31e-4b4a-93e4-5f571e91255a"),
    );
    sp.service_principal_names = vec![
        GRAPH_APP_ID.into(),
        "https://graph.microsoft.com".into(),
        "https://graph.microsoft.com/".into(),
    ];
    ServicePrincipal {
        app_roles: vec![
            role("b633e1c5-b582-4048-a93e-9f11b44c7e96", "Mail.Send", "Send mail as any user",
                 "Allows the app to send mail as any user without a signed-in user."),
            role("e2a3a72e-5f79-4c64-b1b1-878b674786c9", "Mail.ReadWrite", "Read and write mail in all mailboxes",
                 "Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user. Does not include permission to send mail."),
            role("810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes",
                 "Allows the app to read mail in all mailboxes without a signed-in user."),
        ],
        oauth2_permission_scopes: vec![
            scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", false, "Sign in and read user profile"),
            scope("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", false, "Send mail as you"),
            scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", false, "Maintain access to data you have given it access to"),
            // Delegated id as graphpermissions.merill.net lists it (a mirror of Graph's metadata).
            scope("c1499fe0-52b1-4b22-bed2-7a244e0e879f", "RoleManagement.ReadWrite.Exchange", true, "Read and write Exchange Online RBAC configuration"),
        ],
        ..sp
    }
}

/// The deterministic seed of the demo tenant.
pub fn seed(spa_redirect_uris: Vec<String>) -> Directory {
    use ids::*;
    use MailboxKind::{Shared, User as UserMbx};
    let mut users = vec![
        user(
            ADELE,
            "Adele Vance",
            Some(("Adele", "Vance")),
            "adele",
            Some("IT Director"),
            vec![Role::GlobalAdministrator],
            Some(UserMbx),
            true,
        ),
        user(
            PATTI,
            "Patti Fernandez",
            Some(("Patti", "Fernandez")),
            "patti",
            Some("Security Lead"),
            vec![Role::PrivilegedRoleAdministrator],
            Some(UserMbx),
            true,
        ),
        user(
            ALEX,
            "Alex Wilber",
            Some(("Alex", "Wilber")),
            "alex",
            Some("Application Manager"),
            vec![Role::ApplicationAdministrator],
            Some(UserMbx),
            true,
        ),
        user(
            LEE,
            "Lee Gu",
            Some(("Lee", "Gu")),
            "lee",
            Some("Cloud Engineer"),
            vec![Role::CloudApplicationAdministrator],
            Some(UserMbx),
            true,
        ),
        user(
            MEGAN,
            "Megan Bowen",
            Some(("Megan", "Bowen")),
            "megan",
            Some("Marketing Manager"),
            vec![],
            Some(UserMbx),
            true,
        ),
        user(
            ISAIAH,
            "Isaiah Langer",
            Some(("Isaiah", "Langer")),
            "isaiah",
            Some("Messaging Administrator"),
            vec![Role::ExchangeAdministrator],
            Some(UserMbx),
            true,
        ),
        user(
            NESTOR,
            "Nestor Wilke",
            Some(("Nestor", "Wilke")),
            "nestor",
            Some("Contractor"),
            vec![],
            None,
            true,
        ),
        user(
            DIEGO,
            "Diego Siciliani",
            Some(("Diego", "Siciliani")),
            "diego",
            Some("Former HR Manager"),
            vec![],
            Some(UserMbx),
            false,
        ),
        user(
            INVOICES,
            "Invoices",
            None,
            "invoices",
            None,
            vec![],
            Some(Shared),
            false,
        ),
    ];
    users.push(user(
        JONI,
        "Joni Sherman",
        Some(("Joni", "Sherman")),
        "joni",
        Some("Former Paralegal"),
        vec![],
        None,
        false,
    ));
    // A mail user (Exchange's MailUser): mail and a primary SMTP address on the tenant's domain,
    // mail forwarded elsewhere, no mailbox.
    let mut alerts = user(
        ALERTS,
        "Alerts (external)",
        None,
        "alerts",
        None,
        vec![],
        None,
        true,
    );
    alerts.mail = Some(format!("alerts@{INITIAL_DOMAIN}"));
    alerts.proxy_addresses = vec![format!("SMTP:alerts@{INITIAL_DOMAIN}")];
    users.push(alerts);
    // The invoices shared mailbox also answers to a secondary address.
    if let Some(inv) = users.iter_mut().find(|u| u.id == INVOICES) {
        inv.proxy_addresses
            .push(format!("smtp:billing@{INITIAL_DOMAIN}"));
    }
    users.push(User {
        id: GRADY.into(),
        display_name: "Grady Archie (Fabrikam)".into(),
        given_name: Some("Grady".into()),
        surname: Some("Archie".into()),
        user_principal_name: format!("grady_fabrikam.example#EXT#@{INITIAL_DOMAIN}"),
        mail: Some("grady@fabrikam.example".into()),
        mail_nickname: "grady_fabrikam.example#EXT#".into(),
        proxy_addresses: vec!["SMTP:grady@fabrikam.example".into()],
        user_type: "Guest".into(),
        account_enabled: true,
        job_title: None,
        roles: vec![],
        mailbox: None,
    });

    let groups = vec![
        // Mail-enabled security group with the shared mailbox as a direct member.
        group(
            MAILGRANT_SENDERS,
            "Mailgrant Senders",
            "mailgrant-senders",
            true,
            true,
            false,
            &[INVOICES],
        ),
        // MESG with one direct member (Megan's user mailbox) that holds the shared mailbox only
        // through the nested group below: a group scope's direct and nested members differ.
        group(
            FINANCE_NOTIFICATIONS,
            "Finance Notifications",
            "finance-notifications",
            true,
            true,
            false,
            &[MEGAN, FINANCE_MAILBOXES],
        ),
        group(
            FINANCE_MAILBOXES,
            "Finance Mailboxes",
            "finance-mailboxes",
            true,
            true,
            false,
            &[INVOICES],
        ),
        // Plain security group (not mail-enabled).
        group(
            IT_ADMINS,
            "IT Admins",
            "itadmins",
            false,
            true,
            false,
            &[ADELE, PATTI, ALEX, LEE],
        ),
        // Microsoft 365 group.
        group(SALES, "Sales", "sales", true, false, true, &[MEGAN, ADELE]),
        // Distribution list (mail-enabled, not security).
        group(
            ALL_STAFF,
            "All Staff",
            "allstaff",
            true,
            false,
            false,
            &[ADELE, PATTI, ALEX, LEE, MEGAN, NESTOR],
        ),
    ];

    let mut spa = Application::new(
        DEMO_SPA_APP_OBJECT_ID.into(),
        DEMO_SPA_CLIENT_ID.into(),
        crate::http_util::iso_utc(SEED_CREATED),
        ADELE,
    );
    spa.display_name = "Contoso Mailer setup page".into();
    spa.sign_in_audience = "AzureADMultipleOrgs".into();
    spa.spa_redirect_uris = spa_redirect_uris;
    // Token configuration → groups claim → Directory roles: ID tokens carry `wids`.
    spa.extra.insert(
        "groupMembershipClaims".into(),
        serde_json::json!("DirectoryRole"),
    );
    // The least-privilege set from graph-facts §C.7, plus RoleManagement.ReadWrite.Exchange for
    // the RBAC for Applications mode (the page asks for it by name only in that mode; a
    // registration lists every permission it may ask for).
    spa.default_graph_scopes = [
        "User.Read",
        "Application.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
        "User.Read.All",
        "MailboxSettings.Read",
        "GroupMember.Read.All",
        "RoleManagement.ReadWrite.Exchange",
    ]
    .map(String::from)
    .to_vec();
    let applications = vec![spa];

    let mut spa_sp = ServicePrincipal::new(
        DEMO_SPA_SP_ID,
        DEMO_SPA_CLIENT_ID,
        "Contoso Mailer setup page",
        Some(DEMO_TENANT_ID),
    );
    spa_sp.owners = vec![ADELE.into()];
    let service_principals = vec![spa_sp, graph_sp()];

    Directory {
        users,
        groups,
        applications,
        service_principals,
        app_role_assignments: vec![],
        oauth2_permission_grants: vec![],
        foreign_apps: vec![
            ForeignApp {
                app_id: DEMO_VENDOR_APP_ID.into(),
                display_name: "Contoso Mailer".into(),
                owner_tenant_id: DEMO_VENDOR_TENANT_ID.into(),
                sign_in_audience: "AzureADMultipleOrgs".into(),
            },
            ForeignApp {
                app_id: DEMO_VENDOR_SINGLE_TENANT_APP_ID.into(),
                display_name: "Contoso Mailer (internal)".into(),
                owner_tenant_id: DEMO_VENDOR_TENANT_ID.into(),
                sign_in_audience: "AzureADMyOrg".into(),
            },
        ],
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
