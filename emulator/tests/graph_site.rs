//! Graph side (auth, /me, /organization, errors, CORS, test hooks) and the static site.

mod common;

use std::path::PathBuf;

use common::*;
use mailgrant_emulator::{OriginKind, Site, SiteConfig, DEMO_SPA_CLIENT_ID, DEMO_TENANT_ID};
use serde_json::Value;

fn bearer(tok: &Value) -> String {
    format!("Bearer {}", tok["access_token"].as_str().unwrap())
}

#[tokio::test]
async fn me_and_organization_with_token() {
    let emu = emu().await;
    let c = client();
    let tok = tokens_for(&emu, &c, "adele").await;
    let g = &emu.graph_origin;

    let resp = c
        .get(format!("{g}/v1.0/me"))
        .header("authorization", bearer(&tok))
        .header("client-request-id", "abc-123")
        .header("origin", APP_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["client-request-id"], "abc-123");
    assert!(resp.headers().contains_key("request-id"));
    assert_eq!(resp.headers()["access-control-allow-origin"], APP_ORIGIN);
    assert!(resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("request-id"));
    let me: Value = resp.json().await.unwrap();
    assert_eq!(
        me["@odata.context"],
        format!("{g}/v1.0/$metadata#users/$entity")
    );
    assert_eq!(me["displayName"], "Adele Vance");
    assert_eq!(me["userPrincipalName"], "adele@contosodemo.onmicrosoft.com");
    assert_eq!(me["mail"], "adele@contosodemo.onmicrosoft.com");
    assert!(me["id"].is_string());
    // Not in the default property set.
    assert!(me.get("proxyAddresses").is_none());

    let me: Value = c
        .get(format!("{g}/v1.0/me?$select=id,displayName,proxyAddresses"))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["@odata.context"],
        format!("{g}/v1.0/$metadata#users(id,displayName,proxyAddresses)/$entity")
    );
    assert!(me.get("mail").is_none());
    assert_eq!(
        me["proxyAddresses"][0],
        "SMTP:adele@contosodemo.onmicrosoft.com"
    );

    let org: Value = c
        .get(format!(
            "{g}/v1.0/organization?$select=id,displayName,verifiedDomains"
        ))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let o = &org["value"][0];
    assert_eq!(o["id"], DEMO_TENANT_ID);
    assert_eq!(o["displayName"], "Contoso Demo");
    let d = &o["verifiedDomains"][0];
    assert_eq!(d["name"], "contosodemo.onmicrosoft.com");
    assert_eq!(d["isDefault"], true);
    assert_eq!(d["isInitial"], true);
    assert_eq!(d["type"], "Managed");
    assert!(org["@odata.context"]
        .as_str()
        .unwrap()
        .contains("$metadata#organization"));

    // Users by UPN and a missing one.
    let inv: Value = c
        .get(format!(
            "{g}/v1.0/users/invoices@contosodemo.onmicrosoft.com?$select=id,accountEnabled,userType,mail"
        ))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inv["accountEnabled"], false);
    assert_eq!(inv["userType"], "Member");
    let missing = c
        .get(format!("{g}/v1.0/users/nobody@contosodemo.onmicrosoft.com"))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let e: Value = missing.json().await.unwrap();
    assert_eq!(e["error"]["code"], "Request_ResourceNotFound");

    let seg = c
        .get(format!("{g}/v1.0/nonsense"))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap();
    assert_eq!(seg.status().as_u16(), 400);
    let e: Value = seg.json().await.unwrap();
    assert_eq!(e["error"]["code"], "BadRequest");
    assert_eq!(
        e["error"]["message"],
        "Resource not found for the segment 'nonsense'."
    );

    let bad_select = c
        .get(format!("{g}/v1.0/me?$select=nope"))
        .header("authorization", bearer(&tok))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_select.status().as_u16(), 400);
    emu.stop().await;
}

#[tokio::test]
async fn graph_401_shapes() {
    let emu = emu().await;
    let c = client();
    let g = &emu.graph_origin;
    for auth in [None, Some("Bearer nope")] {
        let mut req = c
            .get(format!("{g}/v1.0/me"))
            .header("client-request-id", "cr-1");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        assert_eq!(resp.headers()["client-request-id"], "cr-1");
        let request_id = resp.headers()["request-id"].to_str().unwrap().to_string();
        let e: Value = resp.json().await.unwrap();
        assert_eq!(e["error"]["code"], "InvalidAuthenticationToken");
        assert!(e["error"]["message"].is_string());
        let inner = &e["error"]["innerError"];
        assert_eq!(inner["request-id"], request_id.as_str());
        assert_eq!(inner["client-request-id"], "cr-1");
        assert!(inner["date"].is_string());
    }
    // Without a client-request-id the emulator makes one up and echoes it consistently.
    let resp = c
        .get(format!("{g}/v1.0/organization"))
        .send()
        .await
        .unwrap();
    let header = resp.headers()["client-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let e: Value = resp.json().await.unwrap();
    assert_eq!(
        e["error"]["innerError"]["client-request-id"],
        header.as_str()
    );
    emu.stop().await;
}

#[tokio::test]
async fn graph_cors_preflight() {
    let emu = emu().await;
    let c = client();
    let url = format!("{}/v1.0/me", emu.graph_origin);
    let ok = c
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", APP_ORIGIN)
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization,client-request-id",
        )
        .send()
        .await
        .unwrap();
    assert!(ok.status().is_success());
    assert_eq!(ok.headers()["access-control-allow-origin"], APP_ORIGIN);
    let allow = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "client-request-id",
        "prefer",
        "consistencylevel",
    ] {
        assert!(allow.contains(h), "{h}");
    }
    let evil = c
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    emu.stop().await;
}

#[tokio::test]
async fn reset_state_and_request_log() {
    let emu = emu().await;
    let c = client();
    let g = &emu.graph_origin;
    let state: Value = c
        .get(format!("{g}/_emulator/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let users = state["users"].as_array().unwrap();
    assert!(users.iter().any(|u| u["userType"] == "Guest"));
    assert!(users
        .iter()
        .any(|u| u["mailNickname"] == "invoices" && u["mailbox"] == "shared"));
    let groups = state["groups"].as_array().unwrap();
    assert!(groups
        .iter()
        .any(|g| g["displayName"] == "Mailgrant Senders"
            && g["mailEnabled"] == true
            && g["securityEnabled"] == true));
    assert!(groups.iter().any(|g| g["groupTypes"][0] == "Unified"));
    assert_eq!(state["applications"][0]["appId"], DEMO_SPA_CLIENT_ID);
    assert!(state["applications"][0]["spa"]["redirectUris"]
        .as_array()
        .unwrap()
        .contains(&APP_REDIRECT.into()));
    assert!(state["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["appId"] == "00000003-0000-0000-c000-000000000000"));

    let reset = c.post(format!("{g}/_emulator/reset")).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 204);

    let log = emu.request_log();
    let last = log.last().unwrap();
    assert_eq!(last.origin, OriginKind::Graph);
    assert_eq!(last.method, "POST");
    assert_eq!(last.path, "/_emulator/reset");
    assert_eq!(last.status, 204);
    assert_eq!(log[0].path, "/_emulator/state");
    emu.stop().await;
}

async fn raw_get(origin: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = origin.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    sock.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn temp_dist(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mailgrant-emu-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><title>mailgrant</title>",
    )
    .unwrap();
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("app.js"), "export default 1;").unwrap();
    std::fs::write(dir.join("assets/style.css"), "body{}").unwrap();
    dir
}

#[tokio::test]
async fn site_serves_page_wasm_and_demo_config() {
    let dist = temp_dist("demo");
    let emu = emu_with(Some(Site {
        dist: dist.clone(),
        port: 0,
        config: SiteConfig::Demo,
    }))
    .await;
    let c = client();
    let s = emu.site_origin.clone().unwrap();

    let idx = c.get(format!("{s}/?code=x&state=y")).send().await.unwrap();
    assert_eq!(idx.status().as_u16(), 200);
    assert_eq!(idx.headers()["content-type"], "text/html; charset=utf-8");
    assert!(idx
        .text()
        .await
        .unwrap()
        .contains("<title>mailgrant</title>"));
    let deep = c.get(format!("{s}/some/route")).send().await.unwrap();
    assert!(deep.text().await.unwrap().contains("mailgrant"));

    let wasm = c.get(format!("{s}/app_bg.wasm")).send().await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let js = c.get(format!("{s}/app.js")).send().await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript");
    let css = c.get(format!("{s}/assets/style.css")).send().await.unwrap();
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));

    let missing = c.get(format!("{s}/nope.js")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    // Clients normalise `..` away, so send raw request lines.
    for raw in [
        "/../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
    ] {
        let status = raw_get(&s, raw).await;
        assert!(status.starts_with("HTTP/1.1 4"), "{raw}: {status}");
    }

    let cfg = c.get(format!("{s}/config.json")).send().await.unwrap();
    assert_eq!(cfg.headers()["cache-control"], "no-store");
    let cfg: Value = cfg.json().await.unwrap();
    assert_eq!(cfg["clientId"], DEMO_SPA_CLIENT_ID);
    assert_eq!(cfg["authority"], emu.authority());
    assert_eq!(cfg["graphBaseUrl"], emu.graph_origin);
    assert_eq!(cfg["vendor"]["name"], "Contoso Mailer");
    assert_eq!(cfg["vendor"]["defaultScopeMode"], "rbacForApplications");
    assert_eq!(cfg["vendor"]["secretLifetimeDays"], 180);
    assert_eq!(
        cfg["vendor"].get("ageRecipient").and_then(Value::as_str),
        mailgrant_emulator::DEMO_AGE_RECIPIENT
    );
    let text: Value = serde_json::from_str(&emu.demo_config()).unwrap();
    assert_eq!(text, cfg);

    // The site origin is a registered SPA redirect URI.
    let p = pkce("site");
    let mut params = std_params(&p, "s", "n");
    let redirect = format!("{s}/");
    params[2] = ("redirect_uri", &redirect);
    let resp = c.get(authorize_url(&emu, &params)).send().await.unwrap();
    assert!(resp.text().await.unwrap().contains("account-adele"));

    assert!(emu
        .request_log()
        .iter()
        .any(|r| r.origin == OriginKind::Site && r.query.as_deref() == Some("code=x&state=y")));
    emu.stop().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn site_config_raw_and_missing() {
    let dist = temp_dist("raw");
    let emu = emu_with(Some(Site {
        dist: dist.clone(),
        port: 0,
        config: SiteConfig::Raw("{\"clientId\": \"raw\"}".into()),
    }))
    .await;
    let c = client();
    let s = emu.site_origin.clone().unwrap();
    let body = c
        .get(format!("{s}/config.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "{\"clientId\": \"raw\"}");
    emu.stop().await;

    let emu = emu_with(Some(Site {
        dist: dist.clone(),
        port: 0,
        config: SiteConfig::Missing,
    }))
    .await;
    let s = emu.site_origin.clone().unwrap();
    let resp = c.get(format!("{s}/config.json")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    emu.stop().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn member_of_shows_directory_roles_only_to_a_role_reading_token() {
    let emu = emu().await;
    // With the page's scopes (no directory-read permission): the role is there, unnamed.
    let g = Gc::with_scope(&emu, "adele", "openid profile User.Read").await;
    let r = g
        .get("/v1.0/me/memberOf?$select=id,displayName,roleTemplateId&$top=999")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let roles: Vec<&Value> = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .collect();
    assert!(!roles.is_empty());
    assert!(
        roles.iter().all(|o| o.get("roleTemplateId").is_none()),
        "{roles:?}"
    );
    // With Directory.Read.All: named, with the template id.
    let g = Gc::with_scope(&emu, "adele", "openid User.Read Directory.Read.All").await;
    let r = g.get("/v1.0/me/memberOf?$select=id,roleTemplateId").await;
    assert!(r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["roleTemplateId"] == "62e90394-69f5-4237-9190-012177145e10"));
    emu.stop().await;
}

#[tokio::test]
async fn wids_follows_the_registrations_group_membership_claims() {
    let emu = emu().await;
    let c = client();
    let tok = tokens_for(&emu, &c, "adele").await;
    let claims = jwt_part(tok["id_token"].as_str().unwrap(), 1);
    assert!(
        claims["wids"].is_array(),
        "the demo registration asks for wids"
    );
    // Without the groups claim configured, Entra sends no `wids`.
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .patch(
            &format!(
                "/v1.0/applications/{}",
                mailgrant_emulator::DEMO_SPA_APP_OBJECT_ID
            ),
            &serde_json::json!({"groupMembershipClaims": null}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let tok = tokens_for(&emu, &c, "adele").await;
    let claims = jwt_part(tok["id_token"].as_str().unwrap(), 1);
    assert!(claims.get("wids").is_none(), "{claims}");
    emu.stop().await;
}
