//! The Exchange scope and its group, the credentials without a secret, and what the mailbox
//! and group look-ups keep.

use super::*;

#[test]
fn the_exchange_scope() {
    const ROLE: &str = "e5000000-0000-4000-8000-000000000001";
    const ASSIGNMENT: &str = "c5dd3ab8-374f-42e9-b163-eb7c54b53755";
    let role_page = |items: serde_json::Value| ok(200, json!({ "value": items }));
    let mail_send = json!([{"id": ROLE, "displayName": "Application Mail.Send"}]);
    let assignment = json!({"id": ASSIGNMENT, "principalId": format!("/ServicePrincipals/{SP}"),
        "roleDefinitionId": ROLE, "directoryScopeId": "/Users/11111111-2222-4333-8444-555555555555"});
    let with_role = |f: &mut Facts| f.exchange_role = Guid::parse(ROLE).ok();
    let wider = json!({"id": "d5dd3ab8-374f-42e9-b163-eb7c54b53755", "principalId": format!("/ServicePrincipals/{SP}"),
        "roleDefinitionId": ROLE, "directoryScopeId": "/Groups/9a000000-0000-4000-8000-000000000001"});
    let other_role = json!({"id": "e5dd3ab8-374f-42e9-b163-eb7c54b53755", "principalId": format!("/ServicePrincipals/{SP}"),
        "roleDefinitionId": "e5000000-0000-4000-8000-000000000009", "directoryScopeId": "/"});
    let cases = [
        case("the role by its name", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(mail_send.clone())])
            .sends(&["GET /beta/roleManagement/exchange/roleDefinitions?$filter=displayName%20eq%20%27Application%20Mail.Send%27"])
            .then(Then::Done(Outcome::Done)),
        case("the filter finds nothing: every role is read", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(json!([])), role_page(mail_send)])
            .sends(&["GET /beta/roleManagement/exchange/roleDefinitions?$filter=", "GET /beta/roleManagement/exchange/roleDefinitions"])
            .then(Then::Done(Outcome::Done)),
        case("no such role: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(json!([])), role_page(json!([]))])
            .sends(&["GET /beta/", "GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("forbidden: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("not available: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(400, "BadRequest", "Resource not found for the segment 'exchange'.")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("a new SP: assign at once", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![ok(201, assignment.clone())])
            .sends(&["POST /beta/roleManagement/exchange/roleAssignments"])
            .then(Then::Done(Outcome::Created)),
        case("the SP has not reached Exchange: lag", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![err(404, "ManagementObjectNotFoundException", "Couldn't find object \"x\".")])
            .sends(&["POST /beta/"])
            .then(Then::Lag("service principal in Exchange")),
        case("refused: nothing made, fall back", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![err(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")])
            .sends(&["POST /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("already there (409): found", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![(409, String::new()), ok(200, json!({"value": [assignment.clone()]}))])
            .sends(&["POST /beta/", "GET /beta/roleManagement/exchange/roleAssignments?$filter=principalId%20eq%20%27%2FServicePrincipals%2F"])
            .then(Then::Done(Outcome::Existing)),
        Case {
            existing: Existing { sp: ObjectId::parse(SP).ok(), ..Existing::default() },
            ..case("an SP that existed: look first, then assign", Kind::ASSIGN_EXCHANGE_ROLE)
                .facts(with_role)
                .answers(vec![ok(200, json!({"value": []})), ok(201, assignment.clone())])
                .sends(&["GET /beta/roleManagement/exchange/roleAssignments?", "POST /beta/"])
                .then(Then::Done(Outcome::Created))
        },
        Case {
            existing: Existing { sp: ObjectId::parse(SP).ok(), ..Existing::default() },
            ..case("an SP that already holds the role over a group: refused, nothing assigned", Kind::ASSIGN_EXCHANGE_ROLE)
                .facts(with_role)
                .answers(vec![ok(200, json!({"value": [wider.clone(), assignment.clone()]}))])
                .sends(&["GET /beta/roleManagement/exchange/roleAssignments?"])
                .then(Then::Fail("wider Exchange scope"))
        },
        Case {
            existing: Existing { sp: ObjectId::parse(SP).ok(), ..Existing::default() },
            ..case("an SP with this assignment and another role's: found", Kind::ASSIGN_EXCHANGE_ROLE)
                .facts(with_role)
                .answers(vec![ok(200, json!({"value": [other_role, assignment.clone()]}))])
                .sends(&["GET /beta/roleManagement/exchange/roleAssignments?"])
                .then(Then::Done(Outcome::Existing))
        },
        case("read back: another scope than asked is refused", Kind::Read(Read::ExchangeAssignment))
            .facts(|f| {
                with_role(f);
                f.exchange_assignment = Guid::parse(ASSIGNMENT).ok();
            })
            .answers(vec![ok(200, wider.clone())])
            .sends(&["GET /beta/roleManagement/exchange/roleAssignments/c5dd3ab8"])
            .then(Then::Fail("wider Exchange scope")),
        case("no role found: nothing to assign", Kind::ASSIGN_EXCHANGE_ROLE)
            .then(Then::Done(Outcome::Skipped)),
        case("read back: the role and the scope asked for", Kind::Read(Read::ExchangeAssignment))
            .facts(|f| {
                with_role(f);
                f.exchange_assignment = Guid::parse(ASSIGNMENT).ok();
            })
            .answers(vec![not_found(), ])
            .sends(&["GET /beta/roleManagement/exchange/roleAssignments/c5dd3ab8"])
            .then(Then::Lag("Exchange role assignment")),
        case("the legacy script's code is awaited", Kind::Wait(Wait::PolicyScript))
            .then(Then::Hold),
    ];
    for c in cases {
        check(c);
    }
    // Each fallback says why.
    let (facts, _) = check(
        case("forbidden: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(403, "Authorization_RequestDenied", "x")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
    );
    assert_eq!(facts.exchange_fallback, Some(Fallback::Forbidden));
    assert!(Fallback::Forbidden.why().contains("Exchange Administrator"));
}

#[test]
fn the_scope_group() {
    const GROUP: &str = "9a000000-0000-4000-8000-000000000001";
    let group = |mail: bool, security: bool, types: serde_json::Value| {
        ok(
            200,
            json!({"value": [{"id": GROUP, "mail": "senders@contoso.example",
            "mailEnabled": mail, "securityEnabled": security, "groupTypes": types}]}),
        )
    };
    let scope = crate::job::Scope {
        target: crate::powershell::ScopeTarget::ExistingGroup {
            address: SmtpAddress::parse("senders@contoso.example").unwrap(),
        },
        ..Default::default()
    };
    for (answer, then) in [
        (group(true, true, json!([])), Then::Done(Outcome::Done)),
        (
            group(true, false, json!([])),
            Then::Fail("not a mail-enabled security group"),
        ),
        (
            group(true, true, json!(["Unified"])),
            Then::Fail("not a mail-enabled security group"),
        ),
        (ok(200, json!({"value": []})), Then::Fail("group not found")),
    ] {
        let c = case("the group by its address", Kind::Read(Read::ScopeGroup))
            .answers(vec![answer])
            .sends(&["GET /v1.0/groups?$filter=mail%20eq%20%27senders%40contoso.example%27"])
            .then(then);
        let job = Job {
            scope: scope.clone(),
            ..job(Existing::default(), CredentialPlan::ClientSecret)
        };
        let mut facts = c.facts.clone();
        let mut secret = None;
        let mut cx = Cx {
            job: &job,
            facts: &mut facts,
            secret: &mut secret,
            unknown: false,
            now_ms: 0,
        };
        let mut live = c.kind.live();
        assert!(matches!(live.start(&mut cx), Move::Send));
        let r = live.request(&cx).unwrap();
        assert!(
            r.path
                .contains("mail%20eq%20%27senders%40contoso.example%27"),
            "{}",
            r.path
        );
        let (status, body) = &c.answers[0];
        let answer = Answer::new(*status, body, None);
        assert_eq!(Then::of(&live.answer(&answer, &mut cx)), c.then);
    }
}

fn certificate() -> CredentialPlan {
    CredentialPlan::Certificate {
        key: "MIIC0TCC".into(),
        thumbprint: "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036".into(),
        thumbprint_sha256: "x".into(),
        not_before: "2026-01-01T00:00:00Z".into(),
        not_after: "2036-01-01T00:00:00Z".into(),
    }
}

fn federated() -> CredentialPlan {
    CredentialPlan::Federated {
        issuer: "https://idp.example".into(),
        subject: "repo:contoso/mailer".into(),
        audience: "api://AzureADTokenExchange".into(),
    }
}

#[test]
fn the_credentials_without_a_secret() {
    let app = json!({"id": APP, "appId": APP_ID});
    let vendor_app = ClientId::parse("6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f").unwrap();
    let holds_it = Existing {
        app: ObjectId::parse(APP).ok(),
        // base64 of the thumbprint's bytes, as Graph sets customKeyIdentifier.
        keys: vec![crate::op::upsert_app::thumbprint_id(
            "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036",
        )],
        ..Existing::default()
    };
    let run = RUN.to_string();
    for c in [
        case("the certificate goes in the app's upsert", Kind::UPSERT_APP)
            .credential(certificate())
            .body(&[
                ("/keyCredentials/0/key", true),
                ("/keyCredentials/0/type", true),
                ("/keyCredentials/0/usage", true),
                ("/keyCredentials/0/customKeyIdentifier", false),
            ])
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created)),
        Case {
            existing: holds_it,
            ..case("an app that holds it already is not sent it again", Kind::UPSERT_APP)
                .credential(certificate())
                .body(&[("/keyCredentials", false)])
                .answers(vec![(204, String::new()), ok(200, app.clone())])
                .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
                .then(Then::Done(Outcome::Existing))
        },
        case("a secret's app has no keyCredentials", Kind::UPSERT_APP)
            .body(&[("/keyCredentials", false)])
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications("])
            .then(Then::Done(Outcome::Created)),
        case("federated: made", Kind::ADD_FEDERATED)
            .credential(federated())
            .body(&[("/issuer", true), ("/audiences/0", true), ("/description", true)])
            .answers(vec![ok(201, json!({"name": "mailgrant-v"}))])
            .sends(&["PATCH /v1.0/applications/a1000000-0000-4000-8000-000000000001/federatedIdentityCredentials(name='mailgrant-v')"])
            .then(Then::Done(Outcome::Created)),
        Case {
            existing: Existing { app: ObjectId::parse(APP).ok(), ..Existing::default() },
            ..case("federated on an app that existed: an earlier run's is kept, nothing written", Kind::ADD_FEDERATED)
                .credential(federated())
                .answers(vec![ok(200, json!({"name": "mailgrant-v", "issuer": "https://idp.example", "subject": "repo:contoso/mailer", "audiences": ["api://AzureADTokenExchange"], "description": "Made by mailgrant run 0000 for V"}))])
                .sends(&["GET /v1.0/applications/a1000000-0000-4000-8000-000000000001/federatedIdentityCredentials/mailgrant-v"])
                .then(Then::Done(Outcome::Existing))
        },
        Case {
            existing: Existing { app: ObjectId::parse(APP).ok(), ..Existing::default() },
            ..case("federated on an app that existed: another subject is updated, not named this run's", Kind::ADD_FEDERATED)
                .credential(federated())
                .answers(vec![
                    ok(200, json!({"name": "mailgrant-v", "issuer": "https://idp.example", "subject": "old", "description": "Made by mailgrant run 0000 for V"})),
                    (204, String::new()),
                ])
                .sends(&["GET /v1.0/applications/", "PATCH /v1.0/applications/"])
                .then(Then::Done(Outcome::Existing))
        },
        Case {
            existing: Existing { app: ObjectId::parse(APP).ok(), ..Existing::default() },
            ..case("federated on an app that existed, without one: made", Kind::ADD_FEDERATED)
                .credential(federated())
                .answers(vec![not_found(), ok(201, json!({"name": "mailgrant-v"}))])
                .sends(&["GET /v1.0/applications/", "PATCH /v1.0/applications/"])
                .then(Then::Done(Outcome::Created))
        },
        case("federated: there already", Kind::ADD_FEDERATED)
            .credential(federated())
            .answers(vec![(204, String::new())])
            .sends(&["PATCH /v1.0/applications/"])
            .then(Then::Done(Outcome::Existing)),
        case("federated: the app is not readable yet", Kind::ADD_FEDERATED)
            .credential(federated())
            .answers(vec![not_found()])
            .sends(&["PATCH /v1.0/applications/"])
            .then(Then::Lag("app registration")),
        Case {
            reconcile: true,
            ..case("federated: a lost answer, and it is this run's", Kind::ADD_FEDERATED)
                .credential(federated())
                .answers(vec![ok(
                    200,
                    json!({"name": "mailgrant-v", "description": format!("Made by mailgrant run {run} for V")}),
                )])
                .sends(&["GET /v1.0/applications/a1000000-0000-4000-8000-000000000001/federatedIdentityCredentials/mailgrant-v"])
                .then(Then::Done(Outcome::Created))
        },
        case("the vendor's app: its service principal only, its name kept", Kind::UPSERT_SP)
            .credential(CredentialPlan::MultiTenantApp { app_id: vendor_app })
            .facts(|f| {
                f.app = None;
                f.app_id = None;
            })
            .body(&[("/tags", true), ("/displayName", false)])
            .answers(vec![ok(201, json!({"id": SP, "appId": vendor_app.to_string()}))])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f')"])
            .then(Then::Done(Outcome::Created)),
        case("the vendor's app is unknown here", Kind::UPSERT_SP)
            .credential(CredentialPlan::MultiTenantApp { app_id: vendor_app })
            .answers(vec![err(
                400,
                "Request_BadRequest",
                "The appId of the service principal does not reference a valid application object.",
            )])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='6e3c1f0a"])
            .then(Then::Fail("vendor app")),
    ] {
        check(c);
    }
    let (facts, _) = check(Case {
        existing: Existing {
            sp: ObjectId::parse(SP).ok(),
            ..Existing::default()
        },
        ..case(
            "the vendor's app already here: its service principal is not patched",
            Kind::UPSERT_SP,
        )
        .credential(CredentialPlan::MultiTenantApp { app_id: vendor_app })
        .facts(|f| {
            f.app = None;
            f.app_id = None;
            f.sp = None;
        })
        .sends(&[])
        .then(Then::Done(Outcome::Existing))
    });
    assert_eq!(
        facts.sp,
        ObjectId::parse(SP).ok(),
        "the vendor's service principal is used"
    );
}

#[test]
fn the_mailbox_check_keeps_what_it_learned() {
    let found = ok(
        200,
        json!({"value": [{"id": "11111111-2222-4333-8444-555555555555", "userType": "Member",
            "displayName": "Invoices", "proxyAddresses": ["smtp:billing@contoso.example", "SMTP:invoices@contoso.example"]}]}),
    );
    let (facts, _) = check(
        case("kind shared", Kind::Read(Read::Mailbox))
            .answers(vec![found.clone(), ok(200, json!({"value": "shared"}))])
            .sends(&["GET /v1.0/users?", "GET /v1.0/users/"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(facts.found.mailbox_kind, MailboxKind::Shared);
    let user = facts.found.mailbox.unwrap();
    assert_eq!(user.primary_address(), Some("invoices@contoso.example"));
    // Refused: the kind stays unknown, the user is kept.
    let (facts, _) = check(
        case("kind refused", Kind::Read(Read::Mailbox))
            .answers(vec![
                found,
                err(403, "ErrorAccessDenied", "Access is denied."),
            ])
            .sends(&["GET /v1.0/users?", "GET /v1.0/users/"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(facts.found.mailbox_kind, MailboxKind::Unknown);
    assert!(facts.found.mailbox.is_some());
}

#[test]
fn the_group_list_names_mail_enabled_security_groups_only() {
    let list = ok(
        200,
        json!({"value": [
            {"id": "d1000000-0000-4000-8000-000000000001", "displayName": "Senders", "mail": "senders@contoso.example",
             "mailEnabled": true, "securityEnabled": true, "groupTypes": []},
            {"id": "d1000000-0000-4000-8000-000000000002", "displayName": "Team", "mail": "team@contoso.example",
             "mailEnabled": true, "securityEnabled": true, "groupTypes": ["Unified"]}]}),
    );
    let (facts, _) = check(
        case("groups", Kind::Read(Read::MailGroups))
            .answers(vec![list])
            .sends(&["GET /v1.0/groups?$filter=mailEnabled%20eq%20true%20and%20securityEnabled%20eq%20true"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(
        facts.found.mail_groups,
        [("Senders".to_owned(), "senders@contoso.example".to_owned())]
    );
    // An unreadable list is no reason to stop.
    check(
        case("groups unreadable", Kind::Read(Read::MailGroups))
            .answers(vec![(200, "{".into())])
            .sends(&["GET /v1.0/groups?"])
            .then(Then::Done(Outcome::Done)),
    );
}
