//! Applications, service principals, client secrets and app role grants (graph-facts §A.1–A.6).

mod common;

use common::*;
use serde_json::{json, Value};

fn rra() -> Value {
    json!([{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": MAIL_SEND_ROLE, "type": "Role"}]}])
}

/// Creates app + SP as `g`; answers (app id, appId, SP id).
async fn app_and_sp(g: &Gc, unique: &str) -> (String, String, String) {
    let r = g
        .upsert(
            &format!("/v1.0/applications(uniqueName='{unique}')"),
            &json!({"displayName": "Contoso Mailer mail sender", "signInAudience": "AzureADMyOrg", "requiredResourceAccess": rra()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_string();
    let app_id = r.json["appId"].as_str().unwrap().to_string();
    let r = g
        .upsert(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (id, app_id, r.json["id"].as_str().unwrap().to_string())
}

async fn graph_sp_id(g: &Gc) -> String {
    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appId,displayName,appRoles"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn upsert_application_by_unique_name() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let path = "/v1.0/applications(uniqueName='vendor-mailsend-670604ea')";

    // Missing without Prefer → 404.
    let r = g.patch(path, &json!({"displayName": "x"})).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", "does not exist");

    let r = g
        .upsert(
            path,
            &json!({"displayName": "Contoso Mailer mail sender", "signInAudience": "AzureADMyOrg",
                    "requiredResourceAccess": rra(), "notes": "made by mailgrant", "tags": ["mailgrant"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = &r.json;
    assert_eq!(
        a["@odata.context"],
        format!("{}/v1.0/$metadata#applications/$entity", emu.graph_origin)
    );
    assert_eq!(a["uniqueName"], "vendor-mailsend-670604ea");
    assert_eq!(a["displayName"], "Contoso Mailer mail sender");
    assert_eq!(a["signInAudience"], "AzureADMyOrg");
    assert_eq!(a["requiredResourceAccess"], rra());
    assert_eq!(a["passwordCredentials"], json!([]));
    assert_eq!(a["notes"], "made by mailgrant");
    assert_eq!(a["tags"], json!(["mailgrant"]));
    assert!(a["createdDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(r.headers.contains_key("location"));
    let id = a["id"].as_str().unwrap().to_string();
    let app_id = a["appId"].as_str().unwrap().to_string();
    assert_ne!(id, app_id);

    // Existing → 204, no body; the update is visible.
    let r = g.upsert(path, &json!({"displayName": "Renamed"})).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    let r = g.get(&format!("{path}?$select=id,appId,displayName")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["id"], id.as_str());
    assert_eq!(r.json["displayName"], "Renamed");
    assert!(r.json.get("notes").is_none());

    for p in [
        format!("/v1.0/applications/{id}"),
        format!("/v1.0/applications(appId='{app_id}')"),
    ] {
        let r = g.get(&p).await;
        assert_eq!(r.status, 200, "{p}");
        assert_eq!(r.json["uniqueName"], "vendor-mailsend-670604ea");
    }
    let r = g
        .get("/v1.0/applications?$filter=displayName eq 'Renamed'&$select=id,appId")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["value"][0]["appId"], app_id.as_str());
    let r = g
        .get("/v1.0/applications?$filter=uniqueName eq 'vendor-mailsend-670604ea'")
        .await;
    assert_eq!(r.json["value"][0]["id"], id.as_str());
    let r = g
        .get("/v1.0/applications?$filter=uniqueName eq 'nope'")
        .await;
    assert_eq!(r.json["value"], json!([]));

    // uniqueName cannot change once set.
    let r = g
        .patch(
            &format!("/v1.0/applications/{id}"),
            &json!({"uniqueName": "other"}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    let r = g
        .patch(&format!("/v1.0/applications/{id}"), &json!({"notes": null}))
        .await;
    assert_eq!(r.status, 204);

    // DELETE → 204, then gone.
    let r = g.delete(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(r.status, 204);
    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &id);
}

#[tokio::test]
async fn create_application_and_strict_bodies() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post(
            "/v1.0/applications",
            &json!({"displayName": "Plain", "uniqueName": "plain-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_string();

    let r = g
        .post(
            "/v1.0/applications",
            &json!({"displayName": "Dup", "uniqueName": "PLAIN-1"}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "uniqueName already exists");
    assert_eq!(r.json["error"]["details"][0]["code"], "ObjectConflict");

    let r = g
        .post("/v1.0/applications", &json!({"displayName": "x", "foo": 1}))
        .await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "The property 'foo' does not exist on type 'microsoft.graph.application'",
    );
    let r = g
        .post("/v1.0/applications", &json!({"displayName": 42}))
        .await;
    assert_graph_error(
        &r,
        400,
        "Request_BadRequest",
        "Invalid value specified for property 'displayName' of resource 'Application'",
    );
    let r = g
        .post(
            "/v1.0/applications",
            &json!({"displayName": "x", "signInAudience": "Everyone"}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "'signInAudience'");
    let r = g
        .post("/v1.0/applications", &json!({"notes": "no name"}))
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "'displayName'");
    for ro in ["id", "appId", "createdDateTime", "passwordCredentials"] {
        let r = g
            .post("/v1.0/applications", &json!({"displayName": "x", ro: []}))
            .await;
        assert_graph_error(&r, 400, "Request_BadRequest", &format!("'{ro}'"));
        let r = g
            .patch(&format!("/v1.0/applications/{id}"), &json!({ro: []}))
            .await;
        assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    }
    let r = g
        .post("/v1.0/applications", &json!({"displayName": "x", "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": MAIL_SEND_ROLE, "type": "Role", "extra": true}]}]}))
        .await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "'extra' does not exist on type 'microsoft.graph.resourceAccess'",
    );
    let r = g
        .send("POST", "/v1.0/applications", Some("{not json"), &[])
        .await;
    assert_graph_error(&r, 400, "BadRequest", "Unable to read JSON request payload");
    let r = g.send("PUT", "/v1.0/applications", Some("{}"), &[]).await;
    assert_eq!(r.status, 405);
    let r = g
        .get("/v1.0/applications/00000000-0000-0000-0000-000000000001/bogus")
        .await;
    assert_graph_error(&r, 400, "BadRequest", "segment 'bogus'");

    let r = g
        .patch(
            &format!("/v1.0/applications/{id}"),
            &json!({"displayName": "Plain 2", "web": {"redirectUris": []}}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(r.json["displayName"], "Plain 2");
    // Every response echoes the client-request-id.
    let r = g
        .send(
            "GET",
            &format!("/v1.0/applications/{id}"),
            None,
            &[("client-request-id", "cr-1")],
        )
        .await;
    assert_eq!(r.headers["client-request-id"], "cr-1");
}

#[tokio::test]
async fn service_principals() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post("/v1.0/applications", &json!({"displayName": "Sender"}))
        .await;
    let app_id = r.json["appId"].as_str().unwrap().to_string();
    let app_obj = r.json["id"].as_str().unwrap().to_string();

    let r = g
        .post("/v1.0/servicePrincipals", &json!({"appId": app_id}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["appId"], app_id.as_str());
    assert_eq!(r.json["displayName"], "Sender");
    assert_eq!(r.json["servicePrincipalType"], "Application");
    assert_eq!(
        r.json["appOwnerOrganizationId"],
        mailgrant_emulator::DEMO_TENANT_ID
    );
    let sp_id = r.json["id"].as_str().unwrap().to_string();

    let r = g
        .post("/v1.0/servicePrincipals", &json!({"appId": app_id}))
        .await;
    assert_graph_error(
        &r,
        409,
        "Request_MultipleObjectsWithSameKeyValue",
        "already in use",
    );
    let r = g
        .upsert(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
            &json!({"tags": ["WindowsAzureActiveDirectoryIntegratedApp"]}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = g
        .get(&format!("/v1.0/servicePrincipals(appId='{app_id}')"))
        .await;
    assert_eq!(r.json["id"], sp_id.as_str());
    assert_eq!(
        r.json["tags"][0],
        "WindowsAzureActiveDirectoryIntegratedApp"
    );
    let r = g.get(&format!("/v1.0/servicePrincipals/{sp_id}")).await;
    assert_eq!(r.status, 200);
    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{app_id}'"
        ))
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);

    // No app with this appId → NoBackingApplicationObject; without Prefer → 404.
    let ghost = "11111111-2222-4333-8444-555555555555";
    let r = g
        .post("/v1.0/servicePrincipals", &json!({"appId": ghost}))
        .await;
    assert_graph_error(
        &r,
        400,
        "Request_BadRequest",
        "does not reference a valid application object",
    );
    assert_eq!(
        r.json["error"]["details"][0]["code"],
        "NoBackingApplicationObject"
    );
    assert_eq!(r.json["error"]["details"][0]["target"], "appId");
    let r = g
        .patch(
            &format!("/v1.0/servicePrincipals(appId='{ghost}')"),
            &json!({}),
        )
        .await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", ghost);
    let r = g
        .post(
            "/v1.0/servicePrincipals",
            &json!({"appId": app_id, "servicePrincipalType": "x"}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    let r = g
        .post("/v1.0/servicePrincipals", &json!({"appId": "not-a-guid"}))
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "'appId'");

    // Microsoft Graph's own SP and its Mail.Send app role.
    let r = g
        .get(&format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"))
        .await;
    assert_eq!(r.status, 200);
    let roles = r.json["appRoles"].as_array().unwrap();
    let ms = roles.iter().find(|x| x["value"] == "Mail.Send").unwrap();
    assert_eq!(ms["id"], MAIL_SEND_ROLE);
    assert_eq!(ms["allowedMemberTypes"], json!(["Application"]));

    // Deleting the application also removes its service principal.
    assert_eq!(
        g.delete(&format!("/v1.0/applications/{app_obj}"))
            .await
            .status,
        204
    );
    let r = g.get(&format!("/v1.0/servicePrincipals/{sp_id}")).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &sp_id);

    // A separate SP delete.
    let (_, _, sp2) = app_and_sp(&g, "u2").await;
    assert_eq!(
        g.delete(&format!("/v1.0/servicePrincipals/{sp2}"))
            .await
            .status,
        204
    );
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{sp2}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn client_secrets() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let (id, app_id, _) = app_and_sp(&g, "secrets").await;
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({"passwordCredential": {"displayName": "vendor", "endDateTime": "2099-01-01T00:00:00Z"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = &r.json;
    let secret = p["secretText"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 40);
    assert_eq!(p["hint"], &secret[..3]);
    assert_eq!(p["displayName"], "vendor");
    assert_eq!(p["endDateTime"], "2099-01-01T00:00:00Z");
    assert!(p["customKeyIdentifier"].is_null());
    assert!(p["startDateTime"].as_str().unwrap().ends_with('Z'));
    let key = p["keyId"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 36);

    // Default lifetime: two years; via the appId form.
    let r = g
        .post(
            &format!("/v1.0/applications(appId='{app_id}')/addPassword"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let start: i32 = r.json["startDateTime"].as_str().unwrap()[..4]
        .parse()
        .unwrap();
    let end: i32 = r.json["endDateTime"].as_str().unwrap()[..4]
        .parse()
        .unwrap();
    assert_eq!(end - start, 2);
    let key2 = r.json["keyId"].as_str().unwrap().to_string();

    // Listed without the secret; the state hook never shows it either.
    let r = g
        .get(&format!(
            "/v1.0/applications/{id}?$select=passwordCredentials"
        ))
        .await;
    let creds = r.json["passwordCredentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    assert!(creds.iter().all(|c| c["secretText"].is_null()));
    assert!(!r.text.contains(&secret));
    let st = emu_state(&emu).await;
    assert!(!st.to_string().contains(&secret));

    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &json!({"passwordCredential": {"keyId": key}}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &json!({"credential": {}}),
        )
        .await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "not a valid parameter for the operation 'addPassword'",
    );
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &json!({"passwordCredential": {"endDateTime": "soon"}}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "'endDateTime'");

    let r = g
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            &json!({"keyId": key}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            &json!({"keyId": key}),
        )
        .await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &key);
    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(r.json["passwordCredentials"][0]["keyId"], key2.as_str());
    let r = g
        .get("/v1.0/applications/00000000-0000-4000-8000-000000000000/addPassword")
        .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn mail_send_grant() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let (app_obj, _, sp) = app_and_sp(&g, "grant").await;
    let graph = graph_sp_id(&g).await;
    let body = json!({"principalId": sp, "resourceId": graph, "appRoleId": MAIL_SEND_ROLE});
    let r = g
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json.clone();
    assert_eq!(a["principalId"], sp.as_str());
    assert_eq!(a["resourceId"], graph.as_str());
    assert_eq!(a["appRoleId"], MAIL_SEND_ROLE);
    assert_eq!(a["principalType"], "ServicePrincipal");
    assert_eq!(a["principalDisplayName"], "Contoso Mailer mail sender");
    assert_eq!(a["resourceDisplayName"], "Microsoft Graph");
    assert!(a["createdDateTime"].is_string());
    let aid = a["id"].as_str().unwrap().to_string();

    let r = g
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_graph_error(
        &r,
        400,
        "Request_BadRequest",
        "Permission being assigned already exists on the object.",
    );
    let r = g
        .post(&format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"), &json!({"principalId": sp, "resourceId": graph, "appRoleId": MAIL_SEND_ROLE, "principalType": "ServicePrincipal"}))
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    let r = g
        .post(&format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"), &json!({"principalId": sp, "resourceId": graph, "appRoleId": "e383f46e-2787-4529-855e-0e479a3ffac0"}))
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "not found on application");
    let r = g
        .post(&format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"), &json!({"principalId": "11111111-2222-4333-8444-555555555555", "resourceId": graph, "appRoleId": MAIL_SEND_ROLE}))
        .await;
    assert_graph_error(
        &r,
        404,
        "Request_ResourceNotFound",
        "11111111-2222-4333-8444-555555555555",
    );

    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["value"][0]["id"], aid.as_str());
    let r = g
        .get(&format!("/v1.0/servicePrincipals/{sp}/appRoleAssignments"))
        .await;
    assert_eq!(r.json["value"][0]["id"], aid.as_str());

    // Exactly one app, one SP, one secret, one grant (besides the seed).
    assert_eq!(
        g.post(
            &format!("/v1.0/applications/{app_obj}/addPassword"),
            &json!({})
        )
        .await
        .status,
        200
    );
    let st = emu_state(&emu).await;
    let ours: Vec<&Value> = st["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["uniqueName"] == "grant")
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["passwordCredentials"].as_array().unwrap().len(), 1);
    assert!(ours[0]["passwordCredentials"][0]["endDateTime"].is_string());
    assert_eq!(st["servicePrincipals"].as_array().unwrap().len(), 3);
    assert_eq!(st["appRoleAssignments"].as_array().unwrap().len(), 1);

    let r = g
        .delete(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo/{aid}"
        ))
        .await;
    assert_eq!(r.status, 204);
    let r = g
        .delete(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo/{aid}"
        ))
        .await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &aid);
    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"
        ))
        .await;
    assert_eq!(r.json["value"], json!([]));
}

#[tokio::test]
async fn delegated_authorization() {
    let emu = emu().await;
    let adele = Gc::for_user(&emu, "adele").await;
    let graph = graph_sp_id(&adele).await;

    // Application Administrator: creates app + SP, cannot grant a Microsoft Graph app role.
    let alex = Gc::for_user(&emu, "alex").await;
    let (_, _, sp) = app_and_sp(&alex, "alex-app").await;
    let body = json!({"principalId": sp, "resourceId": graph, "appRoleId": MAIL_SEND_ROLE});
    let r = alex
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
    // Cloud Application Administrator: the same.
    let lee = Gc::for_user(&emu, "lee").await;
    let r = lee
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 403);

    // Privileged Role Administrator: cannot create apps, can grant.
    let patti = Gc::for_user(&emu, "patti").await;
    let r = patti
        .post("/v1.0/applications", &json!({"displayName": "x"}))
        .await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges",
    );
    let r = patti
        .upsert(
            "/v1.0/applications(uniqueName='patti')",
            &json!({"displayName": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = patti
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // The owner (alex) may still manage their app after losing the role; others may not.
    set_faults(
        &emu,
        json!({"stripRoles": ["alex@contosodemo.onmicrosoft.com", "adele"]}),
    )
    .await;
    let r = alex
        .upsert(
            "/v1.0/applications(uniqueName='alex-app')",
            &json!({"displayName": "renamed"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = alex
        .post("/v1.0/applications", &json!({"displayName": "new"}))
        .await;
    assert_eq!(r.status, 403);
    let r = lee
        .upsert(
            "/v1.0/applications(uniqueName='alex-app')",
            &json!({"displayName": "lee"}),
        )
        .await;
    assert_eq!(r.status, 204, "lee is a Cloud Application Administrator");
    let adele_id = emu_state(&emu).await["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    set_faults(&emu, json!({"stripRoles": [adele_id]})).await;
    let r = adele
        .post("/v1.0/applications", &json!({"displayName": "x"}))
        .await;
    assert_eq!(r.status, 403);
    set_faults(&emu, json!({})).await;

    // A token without Application.ReadWrite.All cannot write; without User.Read.All cannot look up others.
    let narrow = Gc::with_scope(
        &emu,
        "adele",
        "openid profile User.Read Application.Read.All",
    )
    .await;
    let r = narrow
        .post("/v1.0/applications", &json!({"displayName": "x"}))
        .await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges",
    );
    assert_eq!(narrow.get("/v1.0/applications").await.status, 200);
    assert_eq!(
        narrow
            .get("/v1.0/users/invoices@contosodemo.onmicrosoft.com")
            .await
            .status,
        403
    );
    assert_eq!(narrow.get("/v1.0/me").await.status, 200);
    assert_eq!(narrow.get("/v1.0/groups").await.status, 403);
    let r = narrow
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 403);
}
