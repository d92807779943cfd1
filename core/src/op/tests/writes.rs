//! The writes: the app, its service principal, the secret, the grant and the removals, and
//! what each write's undo removes.

use super::*;

#[test]
fn the_app() {
    let app = json!({"id": APP, "appId": APP_ID});
    let marked = json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")]});
    let existed = Existing {
        app: ObjectId::parse(APP).ok(),
        ..Existing::default()
    };
    for c in [
        case("created", Kind::UPSERT_APP)
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created)),
        Case {
            existing: existed.clone(),
            ..case("existed: read back", Kind::UPSERT_APP)
                .answers(vec![(204, String::new()), ok(200, app.clone())])
                .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
                .then(Then::Done(Outcome::Existing))
        },
        case(
            "absent at the preflight, there at the first upsert (a replay): this run's",
            Kind::UPSERT_APP,
        )
        .answers(vec![
            (204, String::new()),
            ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")]}),
            ),
        ])
        .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
        .then(Then::Done(Outcome::Created)),
        case(
            "absent at the preflight, there with another run's secret: another run's",
            Kind::UPSERT_APP,
        )
        .answers(vec![
            (204, String::new()),
            ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")],
                    "passwordCredentials": [{"keyId": "44444444-5555-4666-8777-888888888888", "displayName": "mailgrant run beefbeef"}]}),
            ),
        ])
        .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
        .then(Then::Fail("foreign")),
        case("read back not replicated yet", Kind::UPSERT_APP)
            .answers(vec![(204, String::new()), not_found()])
            .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
            .then(Then::Lag("app registration")),
        Case {
            unknown: true,
            ..case(
                "204 after a lost answer: this run made it",
                Kind::UPSERT_APP,
            )
            .answers(vec![(204, String::new()), ok(200, marked.clone())])
            .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
            .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: the lost upsert did not happen",
                Kind::UPSERT_APP,
            )
            .answers(vec![not_found()])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Send)
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: the lost upsert made it (this run's mark)",
                Kind::UPSERT_APP,
            )
            .answers(vec![ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant", format!("mailgrant:run={RUN}")]}),
            )])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: another run's app with the same unique name is not ours",
                Kind::UPSERT_APP,
            )
            .answers(vec![ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant", "mailgrant:run=00000000-0000-4000-8000-00000000beef"]}),
            )])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Fail("foreign"))
        },
        Case {
            reconcile: true,
            existing: existed,
            ..case("reconcile: it was there before", Kind::UPSERT_APP)
                .answers(vec![ok(200, app.clone())])
                .sends(&["GET /v1.0/applications(uniqueName="])
                .then(Then::Done(Outcome::Existing))
        },
        case("a 500 is not expected", Kind::UPSERT_APP)
            .answers(vec![err(500, "generalException", "boom")])
            .sends(&["PATCH /v1.0/applications("])
            .then(Then::Fail("unexpected")),
    ] {
        check(c);
    }
}

#[test]
fn the_service_principal() {
    let no_backing = (
        400,
        json!({"error": {"code": "Request_BadRequest", "message": "The appId 'x' of the service principal does not reference a valid application object.", "details": [{"code": "NoBackingApplicationObject"}]}}).to_string(),
    );
    for c in [
        case("created", Kind::UPSERT_SP)
            .answers(vec![ok(201, json!({"id": SP}))])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='a2000000-0000-4000-8000-000000000002')"])
            .then(Then::Done(Outcome::Created)),
        case(
            "the new app is not replicated: poll it, then again",
            Kind::UPSERT_SP,
        )
        .answers(vec![
            no_backing.clone(),
            app_with(&[]),
            ok(201, json!({"id": SP})),
        ])
        .sends(&[
            "PATCH /v1.0/servicePrincipals",
            "GET /v1.0/applications/",
            "PATCH /v1.0/servicePrincipals",
        ])
        .then(Then::Done(Outcome::Created)),
        Case {
            existing: Existing {
                app: ObjectId::parse(APP).ok(),
                ..Existing::default()
            },
            ..case("an app that existed: no lag to wait for", Kind::UPSERT_SP)
                .answers(vec![no_backing])
                .sends(&["PATCH /v1.0/servicePrincipals"])
                .then(Then::Fail("unexpected"))
        },
        case("existed: read back", Kind::UPSERT_SP)
            .answers(vec![(204, String::new()), ok(200, json!({"id": SP}))])
            .sends(&[
                "PATCH /v1.0/servicePrincipals",
                "GET /v1.0/servicePrincipals(appId=",
            ])
            .then(Then::Done(Outcome::Existing)),
    ] {
        check(c);
    }
}

#[test]
fn the_secret() {
    let ours = "mailgrant run 12121212";
    let added = ok(
        200,
        json!({"keyId": KEY, "secretText": "s3cr~et", "endDateTime": "2027-05-30T00:00:00Z"}),
    );
    let cases = [
        case("added", Kind::ADD_PASSWORD)
            .answers(vec![added.clone()])
            .sends(&["POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
            .then(Then::Done(Outcome::Created)),
        Case {
            unknown: true,
            ..case("added after a lost answer: look once more later", Kind::ADD_PASSWORD)
                .answers(vec![added.clone()])
                .sends(&["POST /v1.0/applications/"])
                .then(Then::Later)
        },
        case("an unreadable answer: the outcome is unknown", Kind::ADD_PASSWORD)
            .answers(vec![(200, "{\"keyId\":1}".into())])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Unknown),
        case("another run's secret is kept", Kind::ADD_PASSWORD)
            .facts(|f| f.app_secrets = vec![(KeyId::parse(OLD_KEY).unwrap(), "mailgrant run 99999999".into())])
            .then(Then::Done(Outcome::Skipped)),
        case("lifetime over policy: lowered once", Kind::ADD_PASSWORD)
            .answers(vec![err(400, "x", "Credential lifetime exceeds the max value allowed as per assigned policy 1. Max: P90D")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Send),
        case("lifetime over policy again: stop", Kind::ADD_PASSWORD)
            .facts(|f| f.secret_lifetime_days = Some(90))
            .answers(vec![err(400, "x", "Credential lifetime exceeds the max value allowed as per assigned policy")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Fail("lifetime over policy")),
        case("secrets forbidden", Kind::ADD_PASSWORD)
            .answers(vec![err(400, "x", "Credential type not allowed as per assigned policy")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Fail("secrets forbidden")),
        case("a lost secret is removed first, then one added", Kind::ADD_PASSWORD)
            .facts(|f| f.lost_keys = vec![KeyId::parse(OLD_KEY).unwrap()])
            .answers(vec![(204, String::new()), added.clone()])
            .sends(&["POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
            .then(Then::Done(Outcome::Created)),
        Case {
            reconcile: true,
            ..case("reconcile: a secret of this run nobody saw is removed", Kind::ADD_PASSWORD)
                .answers(vec![app_with(&[(OLD_KEY, ours)]), (204, String::new()), added.clone()])
                .sends(&["GET /v1.0/applications/", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
                .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case("reconcile: another run's secret is not ours to remove", Kind::ADD_PASSWORD)
                .answers(vec![app_with(&[(OLD_KEY, "mailgrant run 99999999")])])
                .sends(&["GET /v1.0/applications/"])
                .then(Then::Send)
        },
    ];
    for c in cases {
        check(c);
    }
    // The secret goes into memory, its id and end into the facts.
    let (facts, secret) = check(
        case("added", Kind::ADD_PASSWORD)
            .answers(vec![added])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Done(Outcome::Created)),
    );
    assert_eq!(secret.unwrap().expose_secret(), "s3cr~et");
    assert_eq!(facts.key_id, KeyId::parse(KEY).ok());
    assert_eq!(
        facts.secret_end.map(|t| t.to_rfc3339()).as_deref(),
        Some("2027-05-30T00:00:00Z")
    );
    assert!(!format!("{facts:?}").contains("s3cr~et"));
}

#[test]
fn the_grant_and_removals() {
    let assignment = json!({"id": "grant-1_x", "appRoleId": MAIL_SEND_ROLE_ID, "resourceId": GRAPH_SP, "principalId": SP});
    let list = |items: Vec<serde_json::Value>| ok(200, json!({ "value": items }));
    let this_run = job(Existing::default(), CredentialPlan::ClientSecret);
    let (run_tag, secret_name) = (this_run.run_tag(), this_run.secret_name());
    let ours = ok(
        200,
        json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant", run_tag.clone()]}),
    );
    let ours_with_secret = |name: &str| {
        ok(
            200,
            json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant"],
                "passwordCredentials": [{"keyId": KEY, "displayName": name}]}),
        )
    };
    let remove_password = || {
        Kind::Write(Write::Remove(Removal::Password {
            app: ObjectId::parse(APP).unwrap(),
            key_id: KeyId::parse(KEY).unwrap(),
        }))
    };
    let remove_app = || {
        Kind::Write(Write::Remove(Removal::App {
            id: ObjectId::parse(APP).unwrap(),
        }))
    };
    let our_sp = ok(
        200,
        json!({"id": SP, "appId": APP_ID, "tags": ["mailgrant", run_tag.clone()]}),
    );
    let remove_assignment = || {
        Kind::Write(Write::Remove(Removal::ExchangeAssignment {
            id: Guid::parse("c5dd3ab8-374f-42e9-b163-eb7c54b53755").unwrap(),
        }))
    };
    let remove_grant = |id: &str| {
        Kind::Write(Write::Remove(Removal::Grant {
            resource_id: ObjectId::parse(GRAPH_SP).unwrap(),
            assignment_id: AssignmentId::parse(id).unwrap(),
            unscoped: true,
        }))
    };
    let remove_sp = || {
        Kind::Write(Write::Remove(Removal::ServicePrincipal {
            id: ObjectId::parse(SP).unwrap(),
        }))
    };
    for c in [
        case("granted", Kind::GRANT_MAIL_SEND)
            .answers(vec![ok(201, assignment.clone())])
            .sends(&["POST /v1.0/servicePrincipals/99999999-0000-4000-8000-000000000001/appRoleAssignedTo"])
            .then(Then::Done(Outcome::Created)),
        case("already exists: found", Kind::GRANT_MAIL_SEND)
            .answers(vec![err(400, "Request_BadRequest", "Permission being assigned already exists on the object"), list(vec![assignment.clone()])])
            .sends(&["POST /v1.0/servicePrincipals/", "GET /v1.0/servicePrincipals/b1000000-0000-4000-8000-000000000003/appRoleAssignments"])
            .then(Then::Done(Outcome::Existing)),
        Case {
            reconcile: true,
            ..case("reconcile: not there, grant", Kind::GRANT_MAIL_SEND)
                .answers(vec![list(vec![])])
                .sends(&["GET /v1.0/servicePrincipals/"])
                .then(Then::Send)
        },
        Case {
            reconcile: true,
            unknown: true,
            ..case("reconcile: there, and this run's", Kind::GRANT_MAIL_SEND)
                .answers(vec![list(vec![assignment.clone()])])
                .sends(&["GET /v1.0/servicePrincipals/"])
                .then(Then::Done(Outcome::Created))
        },
        case("the new SP is not replicated", Kind::GRANT_MAIL_SEND)
            .answers(vec![not_found()])
            .sends(&["POST /v1.0/servicePrincipals/"])
            .then(Then::Lag("service principal")),
        case("remove a secret: this run's, gone after one read", remove_password())
            .answers(vec![ours_with_secret(&secret_name), (204, String::new()), app_with(&[])])
            .sends(&["GET /v1.0/applications/a1000000", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "GET /v1.0/applications/"])
            .then(Then::Done(Outcome::Done)),
        case("remove a secret: another name on it is not this run's, nothing sent", remove_password())
            .answers(vec![ours_with_secret("Production")])
            .sends(&["GET /v1.0/applications/"])
            .then(Then::Fail("not this run's")),
        case("delete the app: this run's, still readable, poll", remove_app())
            .answers(vec![ours.clone(), (204, String::new()), app_with(&[])])
            .sends(&["GET /v1.0/applications/", "DELETE /v1.0/applications/", "GET /v1.0/applications/"])
            .then(Then::Lag("deletion")),
        case("delete the app: without this run's mark it is not deleted", remove_app())
            .answers(vec![app_with(&[])])
            .sends(&["GET /v1.0/applications/"])
            .then(Then::Fail("not this run's")),
        case("delete the SP: already gone is gone, nothing sent to its id", remove_sp())
            .answers(vec![not_found()])
            .sends(&["GET /v1.0/servicePrincipals/"])
            .then(Then::Done(Outcome::Done)),
        case("delete the SP: this run's", remove_sp())
            .answers(vec![ok(200, json!({"id": SP, "tags": [run_tag.clone()]})), (204, String::new()), not_found()])
            .sends(&["GET /v1.0/servicePrincipals/b1000000-0000-4000-8000-000000000003?$select=id,appId,tags", "DELETE /v1.0/servicePrincipals/", "GET /v1.0/servicePrincipals/"])
            .then(Then::Done(Outcome::Done)),
        case("delete the SP: another run's is not deleted", remove_sp())
            .answers(vec![ok(200, json!({"id": SP, "tags": ["mailgrant", "mailgrant:run=00000000-0000-0000-0000-000000000000"]}))])
            .sends(&["GET /v1.0/servicePrincipals/"])
            .then(Then::Fail("not this run's")),
        case("remove an Exchange role assignment of another principal: not deleted", remove_assignment())
            .answers(vec![our_sp.clone(), ok(200, json!({"id": "c5dd3ab8-374f-42e9-b163-eb7c54b53755", "principalId": "/ServicePrincipals/00000000-0000-4000-8000-000000000009"}))])
            .sends(&["GET /v1.0/servicePrincipals/b1000000", "GET /beta/roleManagement/exchange/roleAssignments/c5dd3ab8"])
            .then(Then::Fail("not this run's")),
        case("remove an Exchange role assignment: a service principal not this run's does not vouch for it", remove_assignment())
            .answers(vec![ok(200, json!({"id": SP, "appId": APP_ID, "tags": ["mailgrant"]}))])
            .sends(&["GET /v1.0/servicePrincipals/b1000000"])
            .then(Then::Fail("not this run's")),
        case("remove the app's own unscoped grant", remove_grant("grant-1_x"))
            .answers(vec![our_sp.clone(), list(vec![assignment.clone()]), (204, String::new()), list(vec![])])
            .sends(&["GET /v1.0/servicePrincipals/b1000000-0000-4000-8000-000000000003?$select=id,appId,tags", "GET /v1.0/servicePrincipals/b1000000-0000-4000-8000-000000000003/appRoleAssignments", "DELETE /v1.0/servicePrincipals/99999999-0000-4000-8000-000000000001/appRoleAssignedTo/grant-1_x", "GET /v1.0/servicePrincipals/"])
            .then(Then::Done(Outcome::Done)),
        case("a grant id not on the app's service principal: nothing is deleted", remove_grant("other-app-grant"))
            .answers(vec![our_sp.clone(), list(vec![assignment.clone()])])
            .sends(&["GET /v1.0/servicePrincipals/", "GET /v1.0/servicePrincipals/"])
            .then(Then::Done(Outcome::Done)),
    ] {
        check(c);
    }
}

#[test]
fn undo_removes_what_each_write_made() {
    let facts = Facts {
        key_id: KeyId::parse(KEY).ok(),
        grant_id: AssignmentId::parse("grant-1_x"),
        ..known()
    };
    let undo: Vec<_> = [
        Kind::GRANT_MAIL_SEND,
        Kind::ADD_PASSWORD,
        Kind::UPSERT_SP,
        Kind::Read(Read::GraphServicePrincipal),
        Kind::UPSERT_APP,
    ]
    .iter()
    .map(|k| k.undo(&facts).map(|u| u.label()))
    .collect();
    assert_eq!(
        undo,
        [
            Some("undo: remove Mail.Send grant"),
            Some("undo: remove client secret"),
            Some("undo: delete service principal"),
            None,
            Some("undo: delete app"),
        ]
    );
    // Nothing known, nothing to remove.
    assert_eq!(Kind::UPSERT_APP.undo(&Facts::default()), None);
}
