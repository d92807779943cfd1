//! Exchange's effective access (which mailboxes an app can send as) and the hooks that stand in for
//! Exchange Online PowerShell: application access policies and management role assignments.

mod common;

use common::seed_ids::*;
use common::*;
use serde_json::{json, Value};

const ASSIGN: &str = "/beta/roleManagement/exchange/roleAssignments";
const POLICIES: &str = "/_emulator/exchange/applicationAccessPolicies";
const MRAS: &str = "/_emulator/exchange/managementRoleAssignments";
const DOMAIN: &str = "contosodemo.onmicrosoft.com";

/// Every seeded user with a mailbox (user or shared): not Nestor (none), not the guest.
const ALL_MAILBOXES: usize = 8;

struct Setup {
    emu: mailgrant_emulator::Running,
    g: Gc,
    h: Gc,
    app_id: String,
    sp: String,
}

async fn setup(unique: &str) -> Setup {
    let emu = emu().await;
    let g = Gc::with_scope(
        &emu,
        "adele",
        &format!("{RBAC_SCOPE} AppRoleAssignment.ReadWrite.All Application.Read.All"),
    )
    .await;
    let (app_id, sp) = new_app_with_sp(&g, unique).await;
    let h = hooks(&emu);
    Setup {
        emu,
        g,
        h,
        app_id,
        sp,
    }
}

impl Setup {
    async fn entra_grant(&self) {
        let r = self
            .g
            .get(&format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"))
            .await;
        let graph = r.json["id"].as_str().unwrap().to_string();
        let r = self
            .g
            .post(
                &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
                &json!({"principalId": self.sp, "resourceId": graph, "appRoleId": MAIL_SEND_ROLE}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }

    /// The mailboxes the app can send as: id → via.
    async fn reach(&self) -> Vec<(String, Vec<String>)> {
        let r = self
            .h
            .get(&format!("/_emulator/exchange/access?appId={}", self.app_id))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["appId"], self.app_id.as_str());
        assert_eq!(r.json["servicePrincipalId"], self.sp.as_str());
        let mut v: Vec<(String, Vec<String>)> = r.json["mailboxes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                assert!(m["mail"].is_string());
                let via = m["via"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect();
                (m["id"].as_str().unwrap().to_string(), via)
            })
            .collect();
        v.sort();
        v
    }

    async fn ids(&self) -> Vec<String> {
        self.reach().await.into_iter().map(|(id, _)| id).collect()
    }

    async fn can_send(&self, mailbox: &str) -> Value {
        let r = self
            .h
            .get(&format!(
                "/_emulator/exchange/access?appId={}&mailbox={mailbox}",
                self.app_id
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    async fn policy(&self, scope: &str, right: &str) -> Resp {
        self.h
            .post(
                POLICIES,
                &json!({"appId": self.app_id, "policyScopeGroupId": scope, "accessRight": right}),
            )
            .await
    }

    async fn rbac(&self, role: &str, scope: &str) -> String {
        let role = exchange_role_id(&self.g, role).await;
        let r = self
            .g
            .post(ASSIGN, &json!({"principalId": format!("/ServicePrincipals/{}", self.sp),
                                  "roleDefinitionId": role, "directoryScopeId": scope, "appScopeId": null}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["id"].as_str().unwrap().to_string()
    }
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn seed_has_a_group_with_direct_and_nested_members_and_an_exchange_admin() {
    let emu = emu().await;
    let st = emu_state(&emu).await;
    let fin = st["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == FINANCE_NOTIFICATIONS)
        .unwrap();
    assert_eq!(fin["members"], json!([MEGAN, FINANCE_MAILBOXES]));
    let isaiah = st["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == ISAIAH)
        .unwrap();
    assert_eq!(isaiah["userPrincipalName"], format!("isaiah@{DOMAIN}"));
    assert_eq!(isaiah["mailbox"], "user");
    assert_eq!(
        isaiah["roles"],
        json!([{"displayName": "Exchange Administrator", "roleTemplateId": "29232cdf-9323-42fd-ade2-1d097af3e4de"}])
    );
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post(
            &format!("/v1.0/users/{MEGAN}/checkMemberGroups"),
            &json!({"groupIds": [FINANCE_NOTIFICATIONS, FINANCE_MAILBOXES]}),
        )
        .await;
    assert_eq!(r.json["value"], json!([FINANCE_NOTIFICATIONS]));
    let defs = st["exchange"]["roleDefinitions"].as_array().unwrap();
    assert!(defs
        .iter()
        .any(|d| d["displayName"] == "Application Mail.Send"));
    emu.stop().await;
}

#[tokio::test]
async fn entra_grant_reaches_all_mailboxes_until_policies_restrict_it() {
    let s = setup("aap").await;
    assert!(s.reach().await.is_empty(), "no grant, no access");
    s.entra_grant().await;
    let reach = s.reach().await;
    assert_eq!(reach.len(), ALL_MAILBOXES);
    assert!(reach
        .iter()
        .all(|(_, via)| via == &vec!["entraGrant".to_string()]));
    assert!(!reach.iter().any(|(id, _)| id == NESTOR));

    // PolicyScopeGroupId takes only security principals.
    for (scope, kind) in [
        (format!("invoices@{DOMAIN}"), "SharedMailbox"),
        (format!("billing@{DOMAIN}"), "SharedMailbox"),
        (
            format!("allstaff@{DOMAIN}"),
            "MailUniversalDistributionGroup",
        ),
        (SALES.to_string(), "GroupMailbox"),
        (IT_ADMINS.to_string(), "Group"),
        (NESTOR.to_string(), "User"),
    ] {
        let r = s.policy(&scope, "RestrictAccess").await;
        assert_graph_error(&r, 400, "BadRequest", &format!("is a {kind}"));
        assert!(r.text.contains("not accepted"), "{}", r.text);
    }
    let r = s
        .policy(&format!("invoices@{DOMAIN}"), "RestrictAccess")
        .await;
    assert!(r.text.contains("mail-enabled security group"), "{}", r.text);
    let r = s
        .policy(&format!("nobody@{DOMAIN}"), "RestrictAccess")
        .await;
    assert_graph_error(&r, 404, "ManagementObjectNotFoundException", "nobody@");
    let r = s.policy(&format!("megan@{DOMAIN}"), "Allow").await;
    assert_graph_error(&r, 400, "BadRequest", "RestrictAccess, DenyAccess");
    let r = s.h.post(POLICIES, &json!({"appId": s.app_id, "policyScopeGroupId": MEGAN, "accessRight": "DenyAccess", "scope": "x"})).await;
    assert_graph_error(&r, 400, "BadRequest", "parameter name 'scope'");
    // The service principal's object id is not the AppId.
    let r =
        s.h.post(
            POLICIES,
            &json!({"appId": s.sp, "policyScopeGroupId": MEGAN, "accessRight": "DenyAccess"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(
        s.reach().await.len(),
        ALL_MAILBOXES,
        "refused policies change nothing"
    );

    // Restrict to a MESG: its direct (Megan) and nested (invoices) members stay.
    let r = s
        .policy(&format!("finance-notifications@{DOMAIN}"), "restrictaccess")
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let restrict = r.json["identity"].as_str().unwrap().to_string();
    assert_eq!(restrict.len(), 36);
    assert_eq!(r.json["appId"], s.app_id.as_str());
    assert_eq!(r.json["scopeIdentity"], FINANCE_NOTIFICATIONS);
    assert_eq!(r.json["scopeType"], "MailUniversalSecurityGroup");
    assert_eq!(r.json["accessRight"], "RestrictAccess");
    assert_eq!(s.ids().await, sorted(&[MEGAN, INVOICES]));
    let adele = s.can_send(&format!("adele@{DOMAIN}")).await;
    assert_eq!(adele["canSend"], false);
    assert_eq!(adele["via"], json!([]));
    assert_eq!(adele["entraGrantBlockedBy"], json!([restrict]));
    let inv = s.can_send(&format!("billing@{DOMAIN}")).await;
    assert_eq!(inv["canSend"], true);
    assert_eq!(inv["mailbox"]["id"], INVOICES);
    assert_eq!(inv["via"], json!(["entraGrant"]));

    // DenyAccess always wins.
    let r = s.policy(&format!("megan@{DOMAIN}"), "DenyAccess").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let deny = r.json["identity"].as_str().unwrap().to_string();
    assert_eq!(r.json["scopeType"], "UserMailbox");
    assert_eq!(s.ids().await, sorted(&[INVOICES]));
    assert_eq!(
        s.can_send(MEGAN).await["entraGrantBlockedBy"],
        json!([deny])
    );

    // A second Restrict policy widens the set; a mail user is a valid scope too.
    assert_eq!(s.policy(ADELE, "RestrictAccess").await.status, 201);
    let r = s.policy("grady@fabrikam.example", "RestrictAccess").await;
    assert_eq!(r.json["scopeType"], "MailUser");
    assert_eq!(s.ids().await, sorted(&[ADELE, INVOICES]));

    // Removing the deny policy brings Megan back.
    assert_eq!(s.h.delete(&format!("{POLICIES}/{deny}")).await.status, 204);
    assert_eq!(s.h.delete(&format!("{POLICIES}/{deny}")).await.status, 404);
    assert_eq!(s.ids().await, sorted(&[ADELE, MEGAN, INVOICES]));
    let st = emu_state(&s.emu).await;
    assert_eq!(
        st["exchange"]["applicationAccessPolicies"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    s.emu.stop().await;
}

#[tokio::test]
async fn rbac_assignments_add_access_whatever_the_policies_say() {
    let s = setup("rbac-access").await;
    // A group scope counts direct members only: Megan, not invoices (nested).
    let group = s
        .rbac(
            "Application Mail.Send",
            &format!("/Groups/{FINANCE_NOTIFICATIONS}"),
        )
        .await;
    assert_eq!(
        s.reach().await,
        vec![(MEGAN.to_string(), vec![format!("rbac:{group}")])]
    );
    let inv = s.can_send(INVOICES).await;
    assert_eq!(inv["canSend"], false);
    assert_eq!(inv["via"], json!([]));
    // A user scope; a role that does not send adds nothing.
    let user = s
        .rbac("Application Mail.Send", &format!("/Users/{INVOICES}"))
        .await;
    s.rbac("Application Mail.ReadWrite", "/").await;
    assert_eq!(s.ids().await, sorted(&[MEGAN, INVOICES]));
    assert_eq!(
        s.can_send(&format!("invoices@{DOMAIN}")).await["via"],
        json!([format!("rbac:{user}")])
    );

    // Grants add up: the Entra grant, restricted by policy, joins the RBAC scope.
    s.entra_grant().await;
    assert_eq!(
        s.policy(MAILGRANT_SENDERS, "RestrictAccess").await.status,
        201
    );
    assert_eq!(s.policy(MEGAN, "DenyAccess").await.status, 201);
    let mut want = vec![
        (MEGAN.to_string(), vec![format!("rbac:{group}")]),
        (
            INVOICES.to_string(),
            vec!["entraGrant".to_string(), format!("rbac:{user}")],
        ),
    ];
    want.sort();
    assert_eq!(s.reach().await, want);
    // Tenant-wide RBAC: every mailbox.
    let all = s.rbac("Application Mail.Send", "/").await;
    let reach = s.reach().await;
    assert_eq!(reach.len(), ALL_MAILBOXES);
    assert!(reach
        .iter()
        .all(|(_, via)| via.contains(&format!("rbac:{all}"))));
    // Deleting an assignment takes its access away.
    assert_eq!(s.g.delete(&format!("{ASSIGN}/{all}")).await.status, 204);
    assert_eq!(s.ids().await, sorted(&[MEGAN, INVOICES]));
    s.emu.stop().await;
}

#[tokio::test]
async fn management_role_assignments() {
    let s = setup("mra").await;
    let post = |b: Value| {
        let h = &s.h;
        async move { h.post(MRAS, &b).await }
    };
    let r = post(json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"mailbox": format!("invoices@{DOMAIN}")}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mbx = r.json["identity"].as_str().unwrap().to_string();
    assert_eq!(r.json["servicePrincipalId"], s.sp.as_str());
    assert_eq!(r.json["role"], "Application Mail.Send");
    assert_eq!(r.json["scope"], json!({"type": "user", "id": INVOICES}));
    assert_eq!(
        s.reach().await,
        vec![(
            INVOICES.to_string(),
            vec![format!("managementRoleAssignment:{mbx}")]
        )]
    );

    // -RecipientGroupScope: direct members only.
    let r = post(json!({"servicePrincipalId": s.sp, "role": "application mail.send", "scope": {"group": format!("finance-notifications@{DOMAIN}")}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let grp = r.json["identity"].as_str().unwrap().to_string();
    assert_eq!(s.ids().await, sorted(&[MEGAN, INVOICES]));
    // invoices is only a nested member: the group assignment does not reach it.
    let mut want = vec![
        (
            MEGAN.to_string(),
            vec![format!("managementRoleAssignment:{grp}")],
        ),
        (
            INVOICES.to_string(),
            vec![format!("managementRoleAssignment:{mbx}")],
        ),
    ];
    want.sort();
    assert_eq!(s.reach().await, want);
    let r = post(json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"group": FINANCE_NOTIFICATIONS}})).await;
    assert_graph_error(&r, 409, "Conflict", "already exists");

    for (body, status, text) in [
        (
            json!({"servicePrincipalId": s.sp, "role": "Address Lists", "scope": {"organization": true}}),
            400,
            "not an application role",
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Sendx", "scope": {"organization": true}}),
            404,
            "Application Mail.Sendx",
        ),
        (
            json!({"servicePrincipalId": "11111111-2222-4333-8444-555555555555", "role": "Application Mail.Send", "scope": {"organization": true}}),
            404,
            "11111111-2222-4333-8444-555555555555",
        ),
        (
            json!({"servicePrincipalId": s.app_id, "role": "Application Mail.Send", "scope": {"organization": true}}),
            404,
            "Couldn't find object",
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"organization": false}}),
            400,
            "exactly one of",
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"mailbox": MEGAN, "group": SALES}}),
            400,
            "exactly one of",
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"mailbox": NESTOR}}),
            404,
            NESTOR,
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"group": IT_ADMINS}}),
            404,
            IT_ADMINS,
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": "org"}),
            400,
            "'scope' must be",
        ),
        (
            json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"organization": true}, "name": "x"}),
            400,
            "parameter name 'name'",
        ),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(r.text.contains(text), "{body}: {}", r.text);
    }

    let r = post(json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"organization": true}})).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json["scope"], json!({"type": "organization", "id": null}));
    assert_eq!(s.ids().await.len(), ALL_MAILBOXES);
    let org = r.json["identity"].as_str().unwrap().to_string();
    assert_eq!(s.h.delete(&format!("{MRAS}/{org}")).await.status, 204);
    assert_eq!(s.h.delete(&format!("{MRAS}/{org}")).await.status, 404);
    assert_eq!(s.h.delete(&format!("{MRAS}/{grp}")).await.status, 204);
    assert_eq!(s.ids().await, sorted(&[INVOICES]));
    let st = emu_state(&s.emu).await;
    assert_eq!(
        st["exchange"]["managementRoleAssignments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.emu.stop().await;
}

#[tokio::test]
async fn access_hook_errors_state_reset_and_sp_deletion() {
    let s = setup("lifecycle").await;
    let access = |q: String| {
        let h = &s.h;
        async move { h.get(&format!("/_emulator/exchange/access?{q}")).await }
    };
    assert_graph_error(&access(String::new()).await, 400, "BadRequest", "appId");
    assert_graph_error(&access("appId=x".into()).await, 400, "BadRequest", "appId");
    let r = access("appId=11111111-2222-4333-8444-555555555555".into()).await;
    assert_graph_error(&r, 404, "ManagementObjectNotFoundException", "11111111");
    let r = access(format!("appId={}&mailbox={NESTOR}", s.app_id)).await;
    assert_eq!(r.status, 404, "Nestor has no mailbox");
    let r = access(format!("appId={}&mailbox=nobody@{DOMAIN}", s.app_id)).await;
    assert_eq!(r.status, 404);

    s.entra_grant().await;
    let rbac = s
        .rbac("Application Mail.Send", &format!("/Users/{MEGAN}"))
        .await;
    let r = s.h.post(MRAS, &json!({"servicePrincipalId": s.sp, "role": "Application Mail.Send", "scope": {"mailbox": INVOICES}})).await;
    assert_eq!(r.status, 201);
    assert_eq!(
        s.policy(MAILGRANT_SENDERS, "RestrictAccess").await.status,
        201
    );
    let st = emu_state(&s.emu).await;
    let ex = &st["exchange"];
    assert_eq!(ex["roleAssignments"][0]["id"], rbac.as_str());
    assert_eq!(
        ex["roleAssignments"][0]["principalId"],
        format!("/ServicePrincipals/{}", s.sp)
    );
    assert_eq!(ex["managementRoleAssignments"].as_array().unwrap().len(), 1);
    assert_eq!(ex["applicationAccessPolicies"].as_array().unwrap().len(), 1);
    let role_ids: Vec<Value> = ex["roleDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();

    // Deleting the service principal takes its Exchange role assignments (our assumption); the
    // policy names the AppId and stays; the app can send as nobody.
    assert_eq!(
        s.g.delete(&format!("/v1.0/servicePrincipals/{}", s.sp))
            .await
            .status,
        204
    );
    let st = emu_state(&s.emu).await;
    assert_eq!(st["exchange"]["roleAssignments"], json!([]));
    assert_eq!(st["exchange"]["managementRoleAssignments"], json!([]));
    assert_eq!(
        st["exchange"]["applicationAccessPolicies"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = access(format!("appId={}", s.app_id)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["servicePrincipalId"], Value::Null);
    assert_eq!(r.json["mailboxes"], json!([]));

    // Reset clears Exchange's assignments and policies; role definition ids stay.
    assert_eq!(
        s.h.send("POST", "/_emulator/reset", None, &[]).await.status,
        204
    );
    let st = emu_state(&s.emu).await;
    assert_eq!(st["exchange"]["applicationAccessPolicies"], json!([]));
    let after: Vec<Value> = st["exchange"]["roleDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(after, role_ids);
    let r = access(format!("appId={}", s.app_id)).await;
    assert_eq!(r.status, 404, "the app is gone with the reset");
    s.emu.stop().await;
}
