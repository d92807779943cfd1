//! The demo tenant as every emulator starts it: its users, groups, Microsoft Graph's service
//! principal and the vendors' apps, seeded deterministically.

use super::*;

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
