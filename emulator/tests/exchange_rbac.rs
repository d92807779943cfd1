//! Graph beta's Exchange RBAC provider: `/beta/roleManagement/exchange/{roleDefinitions,roleAssignments}`.

mod common;

use std::time::{Duration, Instant};

use common::seed_ids::*;
use common::*;
use serde_json::{json, Value};

const DEFS: &str = "/beta/roleManagement/exchange/roleDefinitions";
const ASSIGN: &str = "/beta/roleManagement/exchange/roleAssignments";
/// The ids the CLI for Microsoft 365's docs list; the emulator must never use them.
const CLI_IDS: &[&str] = &[
    "8679f4ff-c91d-40d0-809c-c86d114821a5",
    "82fd214e-61ca-4dc7-98f6-090700bdb205",
];

fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

fn names(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["displayName"].as_str().unwrap().to_string())
        .collect()
}

async fn admin(emu: &mailgrant_emulator::Running) -> Gc {
    Gc::with_scope(emu, "adele", RBAC_SCOPE).await
}

#[tokio::test]
async fn role_definitions() {
    let emu = emu().await;
    let g = admin(&emu).await;
    let r = g.get(DEFS).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.headers.contains_key("request-id"));
    assert_eq!(
        r.json["@odata.context"],
        format!(
            "{}/beta/$metadata#roleManagement/exchange/roleDefinitions",
            emu.graph_origin
        )
    );
    let all = names(&r.json);
    for n in [
        "Application Mail.Send",
        "Application Mail.ReadWrite",
        "Address Lists",
    ] {
        assert!(all.contains(&n.to_string()), "{n} in {all:?}");
    }
    let send = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["displayName"] == "Application Mail.Send")
        .unwrap()
        .clone();
    let id = send["id"].as_str().unwrap().to_string();
    assert!(is_guid(&id) && !CLI_IDS.contains(&id.as_str()), "{id}");
    assert_eq!(send["allowedPrincipalTypes"], "servicePrincipal");
    assert_eq!(send["templateId"], Value::Null);
    assert_eq!(send["isBuiltIn"], true);
    assert_eq!(send["isEnabled"], true);
    assert!(send["version"].is_string());
    assert!(send["description"].is_string());
    assert_eq!(
        send["rolePermissions"],
        json!([{"allowedResourceActions": ["Mail.Send"], "excludedResourceActions": [], "condition": null}])
    );
    let lists = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["displayName"] == "Address Lists")
        .unwrap();
    assert_eq!(lists["allowedPrincipalTypes"], "user,group");

    // $filter: exact display names, ids, OData '' escaping; no match → empty value.
    let r = g
        .get(&format!(
            "{DEFS}?$filter=displayName eq 'Application Mail.Send'"
        ))
        .await;
    assert_eq!(names(&r.json), vec!["Application Mail.Send"]);
    assert_eq!(r.json["value"][0]["id"], id.as_str());
    let r = g
        .get(&format!("{DEFS}?$filter=displayName eq 'Application Mail'"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["value"], json!([]));
    let r = g
        .get(&format!("{DEFS}?$filter=displayName eq 'Nobody''s role'"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["value"], json!([]));
    let r = g.get(&format!("{DEFS}?$filter=id eq '{id}'")).await;
    assert_eq!(names(&r.json), vec!["Application Mail.Send"]);
    let r = g
        .get(&format!(
            "{DEFS}?$filter=startswith(displayName,'Application Mail.')"
        ))
        .await;
    assert_eq!(names(&r.json).len(), 3, "{}", r.text);
    let r = g.get(&format!("{DEFS}?$filter=description eq 'x'")).await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery", "'description'");
    let r = g.get(&format!("{DEFS}?$filter=displayName eq")).await;
    assert_graph_error(&r, 400, "BadRequest", "Invalid filter clause");

    // Paging with @odata.nextLink.
    let r = g.get(&format!("{DEFS}?$top=2")).await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 2);
    let mut seen = names(&r.json);
    let mut next = r.json["@odata.nextLink"].as_str().map(str::to_string);
    while let Some(url) = next {
        let path = url.strip_prefix(&emu.graph_origin).unwrap().to_string();
        let r = g.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(names(&r.json));
        next = r.json["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), all.len());

    // One by id.
    let r = g.get(&format!("{DEFS}/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["displayName"], "Application Mail.Send");
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata#roleManagement/exchange/roleDefinitions/$entity"));
    let r = g
        .get(&format!("{DEFS}/11111111-2222-4333-8444-555555555555"))
        .await;
    assert_eq!(r.status, 404);
    let r = g.post(DEFS, &json!({})).await;
    assert_eq!(r.status, 405);

    // Fixed for the instance (also across reset), different in another instance.
    hooks(&emu)
        .send("POST", "/_emulator/reset", None, &[])
        .await;
    assert_eq!(exchange_role_id(&g, "Application Mail.Send").await, id);
    let other = common::emu().await;
    let g2 = admin(&other).await;
    assert_ne!(exchange_role_id(&g2, "Application Mail.Send").await, id);
    other.stop().await;
    emu.stop().await;
}

#[tokio::test]
async fn role_assignment_lifecycle() {
    let emu = emu().await;
    let g = admin(&emu).await;
    let (_, sp) = new_app_with_sp(&g, "rbac-life").await;
    let role = exchange_role_id(&g, "Application Mail.Send").await;
    let principal = format!("/ServicePrincipals/{sp}");
    let body = json!({"principalId": principal, "roleDefinitionId": role,
                      "directoryScopeId": format!("/Users/{MEGAN}"), "appScopeId": null});
    let r = g.post(ASSIGN, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["@odata.context"],
        format!(
            "{}/beta/$metadata#roleManagement/exchange/roleAssignments/$entity",
            emu.graph_origin
        )
    );
    let aid = r.json["id"].as_str().unwrap().to_string();
    assert!(is_guid(&aid));
    for k in [
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
    ] {
        assert_eq!(r.json[k], body[k], "{k}");
    }

    // The same principal, role and scope again → 409 (peer-observed).
    let r = g.post(ASSIGN, &body).await;
    assert_graph_error(&r, 409, "Conflict", "already exists");

    // A group scope, the tenant, and the CLI's lower-case form.
    let group = json!({"principalId": principal, "roleDefinitionId": role,
                       "directoryScopeId": format!("/Groups/{FINANCE_NOTIFICATIONS}"), "appScopeId": null});
    assert_eq!(g.post(ASSIGN, &group).await.status, 201);
    let tenant =
        json!({"principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"});
    assert_eq!(g.post(ASSIGN, &tenant).await.status, 201);
    let lower = json!({"principalId": format!("/servicePrincipals/{sp}"), "roleDefinitionId": role,
                       "directoryScopeId": format!("/users/{INVOICES}"), "appScopeId": null});
    let r = g.post(ASSIGN, &lower).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["directoryScopeId"], format!("/users/{INVOICES}"));

    // List by principalId (the docs' example) and by roleDefinitionId.
    let r = g
        .get(&format!("{ASSIGN}?$filter=principalId eq '{principal}'"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["@odata.context"],
        format!(
            "{}/beta/$metadata#roleManagement/exchange/roleAssignments",
            emu.graph_origin
        )
    );
    let items = r.json["value"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let first = items.iter().find(|a| a["id"] == aid.as_str()).unwrap();
    assert_eq!(
        first,
        &json!({"id": aid, "principalId": principal, "roleDefinitionId": role,
                "directoryScopeId": format!("/Users/{MEGAN}"), "appScopeId": null})
    );
    let r = g
        .get(&format!("{ASSIGN}?$filter=roleDefinitionId eq '{role}'"))
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 4);
    let r = g
        .get(&format!("{ASSIGN}?$filter=principalId eq '{sp}'"))
        .await;
    assert_eq!(r.json["value"], json!([]), "a bare GUID matches nothing");
    let r = g.get(&format!("{ASSIGN}?$filter=appScopeId eq 'x'")).await;
    assert_eq!(r.json["value"], json!([]));

    // Only by one filter.
    let r = g.get(ASSIGN).await;
    assert_graph_error(&r, 400, "BadRequest", "only be queried by filtering");
    let r = g
        .get(&format!(
            "{ASSIGN}?$filter=principalId eq '{principal}' and roleDefinitionId eq '{role}'"
        ))
        .await;
    assert_graph_error(&r, 400, "BadRequest", "only be queried by filtering");
    let r = g
        .get(&format!("{ASSIGN}?$filter=directoryScopeId eq '/'"))
        .await;
    assert_eq!(r.status, 400);

    // Get, delete, gone.
    let r = g.get(&format!("{ASSIGN}/{aid}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["directoryScopeId"], format!("/Users/{MEGAN}"));
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#roleManagement/exchange/roleAssignments/$entity"));
    let r = g
        .send("PATCH", &format!("{ASSIGN}/{aid}"), Some("{}"), &[])
        .await;
    assert_eq!(r.status, 405);
    let r = g.delete(&format!("{ASSIGN}/{aid}")).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    assert_eq!(g.get(&format!("{ASSIGN}/{aid}")).await.status, 404);
    let r = g.delete(&format!("{ASSIGN}/{aid}")).await;
    assert_graph_error(&r, 404, "ManagementObjectNotFoundException", &aid);
    let r = g
        .get(&format!("{ASSIGN}?$filter=principalId eq '{principal}'"))
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 3);
    // Deleted, it can be made again.
    assert_eq!(g.post(ASSIGN, &body).await.status, 201);
    emu.stop().await;
}

#[tokio::test]
async fn role_assignment_validation() {
    let emu = emu().await;
    let g = admin(&emu).await;
    let (_, sp) = new_app_with_sp(&g, "rbac-bad").await;
    let role = exchange_role_id(&g, "Application Mail.Send").await;
    let lists = exchange_role_id(&g, "Address Lists").await;
    let p = format!("/ServicePrincipals/{sp}");
    let nobody = "11111111-2222-4333-8444-555555555555";
    let post = |b: Value| {
        let g = &g;
        async move { g.post(ASSIGN, &b).await }
    };

    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": "/", "appScopeId": null, "scope": "/"})).await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "'scope' does not exist on type 'microsoft.graph.unifiedRoleAssignment'",
    );
    let r = post(
        json!({"id": nobody, "principalId": p, "roleDefinitionId": role, "directoryScopeId": "/"}),
    )
    .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "read-only");
    let r = g.send("POST", ASSIGN, Some("{not json"), &[]).await;
    assert_graph_error(&r, 400, "BadRequest", "Unable to read JSON");
    for bad in [
        json!(sp),
        json!(format!("/Users/{sp}")),
        json!(format!("/ServicePrincipals/{sp}x")),
        json!(5),
    ] {
        let r =
            post(json!({"principalId": bad, "roleDefinitionId": role, "directoryScopeId": "/"}))
                .await;
        assert_graph_error(&r, 400, "Request_BadRequest", "'principalId'");
    }
    let r = post(json!({"roleDefinitionId": role, "directoryScopeId": "/"})).await;
    assert_graph_error(&r, 400, "Request_BadRequest", "'principalId'");
    let r =
        post(json!({"principalId": p, "roleDefinitionId": nobody, "directoryScopeId": "/"})).await;
    assert_graph_error(&r, 400, "BadRequest", nobody);
    let r =
        post(json!({"principalId": p, "roleDefinitionId": lists, "directoryScopeId": "/"})).await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "cannot be assigned to a service principal",
    );
    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": null, "appScopeId": null})).await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "Either appScopeId or directoryScopeId",
    );
    let r = post(json!({"principalId": p, "roleDefinitionId": role})).await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "Either appScopeId or directoryScopeId",
    );
    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": "/", "appScopeId": nobody})).await;
    assert_graph_error(
        &r,
        400,
        "BadRequest",
        "Either appScopeId or directoryScopeId",
    );
    for bad in [
        "",
        "/Users/",
        "/Users/megan@contosodemo.onmicrosoft.com",
        "/Mailboxes/2b409773-bfb0-4637-9f26-c40b36b8478d",
        "Users/2b409773-bfb0-4637-9f26-c40b36b8478d",
    ] {
        let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": bad}))
            .await;
        assert_graph_error(&r, 400, "Request_BadRequest", "'directoryScopeId'");
    }

    // Unknown objects → 404 "Couldn't find object".
    let r = post(json!({"principalId": format!("/ServicePrincipals/{nobody}"), "roleDefinitionId": role, "directoryScopeId": "/"})).await;
    assert_graph_error(
        &r,
        404,
        "ManagementObjectNotFoundException",
        &format!("Couldn't find object \"{nobody}\""),
    );
    for scope in [
        format!("/Users/{nobody}"),
        format!("/Groups/{nobody}"),
        format!("/AdministrativeUnits/{nobody}"),
    ] {
        let r =
            post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": scope}))
                .await;
        assert_graph_error(
            &r,
            404,
            "ManagementObjectNotFoundException",
            &format!("Couldn't find object \"{nobody}\""),
        );
    }
    // A group id is no user, and a user id no group.
    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": format!("/Users/{MAILGRANT_SENDERS}")})).await;
    assert_eq!(r.status, 404);
    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": format!("/Groups/{MEGAN}")})).await;
    assert_eq!(r.status, 404);
    let r = post(json!({"principalId": p, "roleDefinitionId": role, "directoryScopeId": null, "appScopeId": nobody})).await;
    assert_graph_error(&r, 404, "ManagementObjectNotFoundException", nobody);

    let st = emu_state(&emu).await;
    assert_eq!(
        st["exchange"]["roleAssignments"],
        json!([]),
        "nothing was created"
    );
    emu.stop().await;
}

#[tokio::test]
async fn a_propagating_service_principal_is_not_found() {
    let emu = emu().await;
    let g = admin(&emu).await;
    let r = g
        .upsert(
            "/v1.0/applications(uniqueName='rbac-lag')",
            &json!({"displayName": "Lag"}),
        )
        .await;
    let app_id = r.json["appId"].as_str().unwrap().to_string();
    let role = exchange_role_id(&g, "Application Mail.Send").await;
    set_faults(&emu, json!({"consistencyDelayMs": 1500})).await;
    let r = g
        .upsert(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 201);
    let sp = r.json["id"].as_str().unwrap().to_string();
    let made = Instant::now();
    let body = json!({"principalId": format!("/ServicePrincipals/{sp}"), "roleDefinitionId": role,
                      "directoryScopeId": format!("/Users/{INVOICES}"), "appScopeId": null});
    let r = g.post(ASSIGN, &body).await;
    assert_graph_error(
        &r,
        404,
        "ManagementObjectNotFoundException",
        &format!("Couldn't find object \"{sp}\""),
    );
    let wait = Duration::from_millis(1600).saturating_sub(made.elapsed());
    tokio::time::sleep(wait).await;
    let r = g.post(ASSIGN, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    emu.stop().await;
}

#[tokio::test]
async fn authorization_needs_scope_and_exchange_or_global_admin() {
    let emu = emu().await;
    let adele = admin(&emu).await;
    let (_, sp) = new_app_with_sp(&adele, "rbac-authz").await;
    let role = exchange_role_id(&adele, "Application Mail.Send").await;
    let body = json!({"principalId": format!("/ServicePrincipals/{sp}"), "roleDefinitionId": role,
                      "directoryScopeId": format!("/Users/{INVOICES}"), "appScopeId": null});
    let denied = |r: &Resp| {
        assert_graph_error(
            r,
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    };

    // Isaiah (Exchange Administrator) consents on the sign-in pages and may read and write.
    let isaiah = Gc::with_scope(&emu, "isaiah", RBAC_SCOPE).await;
    assert_eq!(isaiah.get(DEFS).await.status, 200);
    let r = isaiah.post(ASSIGN, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let aid = r.json["id"].as_str().unwrap().to_string();

    // The scope without the role: Alex (Application Administrator), Megan (none).
    let alex = Gc::with_scope(&emu, "alex", RBAC_SCOPE).await;
    denied(&alex.get(DEFS).await);
    denied(&alex.post(ASSIGN, &body).await);
    let megan = minted(
        &emu,
        "megan@contosodemo.onmicrosoft.com",
        &["RoleManagement.ReadWrite.Exchange"],
    )
    .await;
    denied(&megan.get(DEFS).await);
    denied(&megan.delete(&format!("{ASSIGN}/{aid}")).await);

    // The role without the scope.
    let full = Gc::for_user(&emu, "adele").await;
    denied(&full.get(DEFS).await);

    // Read scopes read, and only ReadWrite.Exchange writes.
    for s in ["RoleManagement.Read.Exchange", "RoleManagement.Read.All"] {
        let reader = minted(&emu, "adele@contosodemo.onmicrosoft.com", &[s]).await;
        assert_eq!(reader.get(DEFS).await.status, 200, "{s}");
        assert_eq!(
            reader.get(&format!("{ASSIGN}/{aid}")).await.status,
            200,
            "{s}"
        );
        denied(&reader.post(ASSIGN, &body).await);
        denied(&reader.delete(&format!("{ASSIGN}/{aid}")).await);
    }

    // stripRoles: Isaiah's role is ignored.
    set_faults(
        &emu,
        json!({"stripRoles": ["isaiah@contosodemo.onmicrosoft.com"]}),
    )
    .await;
    denied(&isaiah.get(DEFS).await);
    set_faults(&emu, json!({})).await;
    assert_eq!(isaiah.delete(&format!("{ASSIGN}/{aid}")).await.status, 204);

    // No token → 401.
    let anon = Gc {
        c: client(),
        base: emu.graph_origin.clone(),
        auth: String::new(),
    };
    assert_graph_error(&anon.get(DEFS).await, 401, "InvalidAuthenticationToken", "");

    // The Exchange scope needs admin consent: Megan gets "Need admin approval".
    let c = client();
    let p = pkce("m");
    let mut params = std_params(&p, "s", "n");
    params[3] = (
        "scope",
        "openid profile User.Read RoleManagement.ReadWrite.Exchange",
    );
    let url = authorize_url(&emu, &params);
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let consent = click(&c, &url, &html, "account-megan")
        .await
        .text()
        .await
        .unwrap();
    assert!(consent.contains("AADSTS90094"), "{consent}");
    let url = authorize_url(&emu, &params);
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let consent = click(&c, &url, &html, "account-isaiah")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        consent
            .contains("Read and write Exchange Online RBAC configuration (Admin consent required)"),
        "{consent}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn fault_switch_and_injected_faults() {
    let emu = emu().await;
    let g = admin(&emu).await;
    let (_, sp) = new_app_with_sp(&g, "rbac-faults").await;
    let role = exchange_role_id(&g, "Application Mail.Send").await;
    let body = json!({"principalId": format!("/ServicePrincipals/{sp}"), "roleDefinitionId": role,
                      "directoryScopeId": format!("/Users/{MEGAN}"), "appScopeId": null});

    set_faults(&emu, json!({"exchangeRbac": "off"})).await;
    for r in [
        g.get(DEFS).await,
        g.post(ASSIGN, &body).await,
        g.get(&format!("{ASSIGN}/x")).await,
    ] {
        assert_graph_error(
            &r,
            400,
            "BadRequest",
            "Resource not found for the segment 'exchange'.",
        );
    }
    set_faults(&emu, json!({"exchangeRbac": "forbidden"})).await;
    let f = hooks(&emu).get("/_emulator/faults").await;
    assert_eq!(f.json["exchangeRbac"], "forbidden");
    for r in [g.get(DEFS).await, g.post(ASSIGN, &body).await] {
        assert_graph_error(
            &r,
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges",
        );
    }
    hooks(&emu)
        .send("POST", "/_emulator/reset", None, &[])
        .await;
    assert_eq!(
        hooks(&emu).get("/_emulator/faults").await.json["exchangeRbac"],
        "available"
    );
    let (_, sp) = new_app_with_sp(&g, "rbac-faults").await;
    let body = json!({"principalId": format!("/ServicePrincipals/{sp}"), "roleDefinitionId": role,
                      "directoryScopeId": format!("/Users/{MEGAN}"), "appScopeId": null});
    assert_eq!(g.get(DEFS).await.status, 200);

    // The other faults reach /beta too.
    set_faults(&emu, json!({"throttle": [{"pathContains": "/beta/roleManagement/exchange", "times": 1, "retryAfterSecs": 3}]})).await;
    let r = g.get(DEFS).await;
    assert_graph_error(&r, 429, "TooManyRequests", "");
    assert_eq!(r.headers["retry-after"], "3");
    assert_eq!(g.get(DEFS).await.status, 200);
    set_faults(&emu, json!({"unavailable": [{"method": "POST", "pathContains": "/roleAssignments", "times": 1}]})).await;
    assert_graph_error(&g.post(ASSIGN, &body).await, 503, "serviceNotAvailable", "");
    assert!(emu_state(&emu).await["exchange"]["roleAssignments"]
        .as_array()
        .unwrap()
        .is_empty());
    set_faults(&emu, json!({"loseResponse": [{"method": "POST", "pathContains": "/roleAssignments", "times": 1}]})).await;
    let lost = g
        .try_send("POST", ASSIGN, Some(&body.to_string()), &[])
        .await;
    assert!(lost.is_err(), "expected a network error");
    // The write happened: the retry sees the duplicate.
    assert_eq!(g.post(ASSIGN, &body).await.status, 409);
    let log: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter(|l| l.response_lost)
        .collect();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].path, ASSIGN);
    assert_eq!(log[0].status, 201);
    set_faults(&emu, json!({"latencyMs": 300})).await;
    let t = Instant::now();
    assert_eq!(g.get(DEFS).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    set_faults(&emu, json!({})).await;

    // CORS and the request log, as for /v1.0.
    let r = g.send("GET", DEFS, None, &[("origin", APP_ORIGIN)]).await;
    assert_eq!(r.headers["access-control-allow-origin"], APP_ORIGIN);
    assert!(emu.request_log().iter().any(|l| l.path == DEFS
        && l.query.is_none()
        && l.origin == mailgrant_emulator::OriginKind::Graph
        && l.status == 200));
    emu.stop().await;
}

#[tokio::test]
async fn unknown_beta_paths() {
    let emu = emu().await;
    let g = admin(&emu).await;
    for (path, seg) in [
        ("/beta/bogus", "bogus"),
        ("/beta/roleManagement/bogus", "bogus"),
        ("/beta/roleManagement/exchange/bogus", "bogus"),
        ("/beta/roleManagement/exchange/roleAssignments/x/y", "y"),
        // v1.0's roleManagement has no Exchange provider.
        ("/v1.0/roleManagement/exchange/roleDefinitions", "exchange"),
    ] {
        let r = g.get(path).await;
        assert_graph_error(
            &r,
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{seg}'."),
        );
    }
    for path in [
        "/beta/users",
        "/beta/roleManagement/directory/roleDefinitions",
        "/beta/roleManagement/exchange/customAppScopes",
    ] {
        let r = g.get(path).await;
        assert_graph_error(&r, 501, "notImplemented", path);
    }
    let r = g.get("/beta").await;
    assert_eq!(r.status, 200);
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata"));
    let r = g.get("/gamma/users").await;
    assert_graph_error(&r, 400, "BadRequest", "Invalid version: gamma");
    emu.stop().await;
}
