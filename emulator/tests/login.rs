//! Entra ID side: discovery, JWKS, authorize pages, code flow, token errors, CORS.

mod common;

use base64::Engine;
use common::*;
use mailgrant_emulator::{DEMO_SPA_CLIENT_ID, DEMO_TENANT_ID};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::Value;
use sha2::Sha256;

#[tokio::test]
async fn discovery_documents() {
    let emu = emu().await;
    let c = client();
    let orgs: Value = c
        .get(format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            emu.login_origin
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lo = &emu.login_origin;
    assert_eq!(orgs["issuer"], format!("{lo}/{{tenantid}}/v2.0"));
    assert_eq!(
        orgs["authorization_endpoint"],
        format!("{lo}/organizations/oauth2/v2.0/authorize")
    );
    assert_eq!(
        orgs["token_endpoint"],
        format!("{lo}/organizations/oauth2/v2.0/token")
    );
    assert_eq!(
        orgs["jwks_uri"],
        format!("{lo}/organizations/discovery/v2.0/keys")
    );
    assert_eq!(
        orgs["end_session_endpoint"],
        format!("{lo}/organizations/oauth2/v2.0/logout")
    );
    assert!(orgs["response_types_supported"]
        .as_array()
        .unwrap()
        .contains(&"code".into()));
    assert_eq!(orgs["code_challenge_methods_supported"][0], "S256");

    for tenant in [DEMO_TENANT_ID, "contosodemo.onmicrosoft.com"] {
        let resp = c
            .get(format!(
                "{lo}/{tenant}/v2.0/.well-known/openid-configuration"
            ))
            .header("origin", "http://anything.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        let doc: Value = resp.json().await.unwrap();
        assert_eq!(doc["issuer"], format!("{lo}/{DEMO_TENANT_ID}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{lo}/{tenant}/oauth2/v2.0/token")
        );
    }

    let bad = c
        .get(format!(
            "{lo}/nosuchtenant.example/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 90002);
    emu.stop().await;
}

#[tokio::test]
async fn authorize_page_lists_members_only() {
    let emu = emu().await;
    let c = client();
    let p = pkce("a");
    let resp = c
        .get(authorize_url(&emu, &std_params(&p, "s", "n")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Sign in to Contoso Demo"));
    assert!(html.contains("Pick an account"));
    for nick in ["adele", "patti", "alex", "lee", "megan", "nestor"] {
        assert!(html.contains(&format!("id=\"account-{nick}\"")), "{nick}");
        assert!(html.contains(&format!("{nick}@contosodemo.onmicrosoft.com")));
    }
    assert!(html.contains("Adele Vance"));
    for absent in ["account-diego", "account-invoices", "account-grady"] {
        assert!(!html.contains(absent), "{absent}");
    }
    emu.stop().await;
}

#[tokio::test]
async fn authorize_refuses_unregistered_redirect_and_unknown_client() {
    let emu = emu().await;
    let c = client();
    let p = pkce("b");
    let mut params = std_params(&p, "s", "n");
    params[2] = ("redirect_uri", "https://evil.example/");
    let resp = c.get(authorize_url(&emu, &params)).send().await.unwrap();
    assert!(!resp.status().is_redirection());
    assert!(resp.headers().get("location").is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("AADSTS50011"), "{html}");
    assert!(!html.contains("account-adele"));

    let mut params = std_params(&p, "s", "n");
    params[0] = ("client_id", "11111111-2222-3333-4444-555555555555");
    let resp = c.get(authorize_url(&emu, &params)).send().await.unwrap();
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("AADSTS700016"));
    emu.stop().await;
}

#[tokio::test]
async fn authorize_protocol_errors_redirect_back_with_state() {
    let emu = emu().await;
    let c = client();
    let p = pkce("c");

    // No PKCE.
    let params: Vec<_> = std_params(&p, "st&ate=1", "n")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .collect();
    let resp = c.get(authorize_url(&emu, &params)).send().await.unwrap();
    let (base, q) = location_params(&resp);
    assert_eq!(base, APP_REDIRECT);
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].starts_with("AADSTS"));
    assert_eq!(q["state"], "st&ate=1");

    // plain PKCE is refused by the emulator.
    let mut params = std_params(&p, "s", "n");
    params[8] = ("code_challenge_method", "plain");
    let (_, q) = location_params(&c.get(authorize_url(&emu, &params)).send().await.unwrap());
    assert_eq!(q["error"], "invalid_request");

    // Implicit flow.
    let mut params = std_params(&p, "s", "n");
    params[1] = ("response_type", "token");
    let (_, q) = location_params(&c.get(authorize_url(&emu, &params)).send().await.unwrap());
    assert_eq!(q["error"], "unsupported_response_type");

    // No openid.
    let mut params = std_params(&p, "s", "n");
    params[3] = ("scope", "User.Read");
    let (_, q) = location_params(&c.get(authorize_url(&emu, &params)).send().await.unwrap());
    assert_eq!(q["error"], "invalid_scope");
    emu.stop().await;
}

#[tokio::test]
async fn full_code_flow_id_token_and_signature() {
    let emu = emu().await;
    let c = client();
    let p = pkce("flow");
    let params = std_params(&p, "state-123", "nonce-456");
    let (base, q) = sign_in(&emu, &c, &params, "adele", "accept").await;
    assert_eq!(base, APP_REDIRECT);
    assert_eq!(q["state"], "state-123");
    assert!(q.contains_key("session_state"));
    let code = &q["code"];

    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", &p.verifier),
            ("scope", "openid profile offline_access User.Read"),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], APP_ORIGIN);
    let tok: Value = resp.json().await.unwrap();
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 3600);
    assert!(tok["scope"]
        .as_str()
        .unwrap()
        .contains("https://graph.microsoft.com/User.Read"));
    assert!(tok["refresh_token"].is_string());
    let id_token = tok["id_token"].as_str().unwrap();

    let header = jwt_part(id_token, 0);
    let claims = jwt_part(id_token, 1);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["aud"], DEMO_SPA_CLIENT_ID);
    assert_eq!(
        claims["iss"],
        format!("{}/{DEMO_TENANT_ID}/v2.0", emu.login_origin)
    );
    assert_eq!(claims["tid"], DEMO_TENANT_ID);
    assert_eq!(claims["nonce"], "nonce-456");
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(
        claims["preferred_username"],
        "adele@contosodemo.onmicrosoft.com"
    );
    assert_eq!(claims["name"], "Adele Vance");
    assert!(claims["oid"].is_string() && claims["sub"].is_string());
    assert!(claims["wids"]
        .as_array()
        .unwrap()
        .contains(&"62e90394-69f5-4237-9190-012177145e10".into()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(claims["exp"].as_u64().unwrap() > now);

    // Signature against the JWKS.
    let jwks: Value = c
        .get(format!(
            "{}/organizations/discovery/v2.0/keys",
            emu.login_origin
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid in JWKS");
    assert_eq!(key["kty"], "RSA");
    let dec = |s: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.as_str().unwrap())
            .unwrap()
    };
    let public = RsaPublicKey::new(
        BigUint::from_bytes_be(&dec(&key["n"])),
        BigUint::from_bytes_be(&dec(&key["e"])),
    )
    .unwrap();
    let (signed, sig) = id_token.rsplit_once('.').unwrap();
    let sig = Signature::try_from(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    VerifyingKey::<Sha256>::new(public)
        .verify(signed.as_bytes(), &sig)
        .expect("id_token signature verifies");

    // Refresh (rotated, origin required).
    let rt = tok["refresh_token"].as_str().unwrap();
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", "User.Read offline_access"),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let tok2: Value = resp.json().await.unwrap();
    assert_ne!(tok2["refresh_token"], tok["refresh_token"]);
    let reuse = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(reuse.status().as_u16(), 400);
    emu.stop().await;
}

async fn fresh_code(emu: &mailgrant_emulator::Running, c: &reqwest::Client, p: &Pkce) -> String {
    let (_, q) = sign_in(emu, c, &std_params(p, "s", "n"), "patti", "accept").await;
    q["code"].clone()
}

#[tokio::test]
async fn wrong_verifier_and_code_reuse_are_refused() {
    let emu = emu().await;
    let c = client();
    let p = pkce("v");
    let code = fresh_code(&emu, &c, &p).await;
    let wrong = pkce("other");
    let form = |code: &str, verifier: &str| {
        vec![
            ("client_id", DEMO_SPA_CLIENT_ID.to_string()),
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", APP_REDIRECT.to_string()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    let as_ref = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    let send = |f: Vec<(&'static str, String)>| {
        let c = c.clone();
        let url = format!("{}/organizations/oauth2/v2.0/token", emu.login_origin);
        async move {
            c.post(url)
                .header("origin", APP_ORIGIN)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(&f).unwrap())
                .send()
                .await
                .unwrap()
        }
    };

    let resp = send(as_ref(&form(&code, &wrong.verifier))).await;
    assert_eq!(resp.status().as_u16(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 501481);
    let desc = e["error_description"].as_str().unwrap();
    assert!(desc.starts_with("AADSTS501481: The Code_Verifier does not match"));
    assert!(desc.contains("\r\nTrace ID: ") && desc.contains("\r\nCorrelation ID: "));
    assert!(
        e["trace_id"].is_string() && e["correlation_id"].is_string() && e["timestamp"].is_string()
    );

    let code = fresh_code(&emu, &c, &p).await;
    let ok = send(form(&code, &p.verifier)).await;
    assert_eq!(ok.status().as_u16(), 200);
    let again = send(form(&code, &p.verifier)).await;
    assert_eq!(again.status().as_u16(), 400);
    let e: Value = again.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 54005);

    // Unknown code.
    let bogus = send(form("not-a-code", &p.verifier)).await;
    let e: Value = bogus.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");

    // Redirect URI differs from the one used at /authorize.
    let code = fresh_code(&emu, &c, &p).await;
    let mut f = form(&code, &p.verifier);
    f[3].1 = "http://localhost:3000/other".into();
    let e: Value = send(f).await.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 50011);
    emu.stop().await;
}

#[tokio::test]
async fn cancel_returns_access_denied() {
    let emu = emu().await;
    let c = client();
    let p = pkce("x");
    let (base, q) = sign_in(&emu, &c, &std_params(&p, "keep me", "n"), "adele", "cancel").await;
    assert_eq!(base, APP_REDIRECT);
    assert_eq!(q["error"], "access_denied");
    assert!(q["error_description"]
        .starts_with("AADSTS65004: User declined to consent to access the app."));
    assert_eq!(q["state"], "keep me");
    assert!(!q.contains_key("code"));
    emu.stop().await;
}

#[tokio::test]
async fn non_admin_needs_admin_approval() {
    let emu = emu().await;
    let c = client();
    let p = pkce("m");
    let url = authorize_url(&emu, &std_params(&p, "s", "n"));
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let consent = click(&c, &url, &html, "account-megan")
        .await
        .text()
        .await
        .unwrap();
    assert!(consent.contains("AADSTS90094"));
    assert!(!consent.contains("id=\"accept\""));
    let back = click(&c, &url, &consent, "cancel").await;
    let (_, q) = location_params(&back);
    assert_eq!(q["error"], "access_denied");

    // A user-consentable request works for her.
    let mut params = std_params(&p, "s", "n");
    params[3] = ("scope", "openid profile User.Read");
    let (_, q) = sign_in(&emu, &c, &params, "megan", "accept").await;
    assert!(q.contains_key("code"));
    emu.stop().await;
}

#[tokio::test]
async fn consent_fault_switches() {
    let emu = emu().await;
    let c = client();
    let p = pkce("f");
    // Declined: the account pick answers the app at once, as Cancel would.
    set_faults(&emu, serde_json::json!({"consent": "declined"})).await;
    let url = authorize_url(&emu, &std_params(&p, "s1", "n"));
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let back = click(&c, &url, &html, "account-adele").await;
    let (base, q) = location_params(&back);
    assert_eq!(base, APP_REDIRECT);
    assert_eq!(q["error"], "access_denied");
    assert!(q["error_description"].starts_with("AADSTS65004:"));
    assert_eq!(q["state"], "s1");

    // Admin approval required: even a Global Administrator gets the AADSTS90094 page, and no code.
    set_faults(
        &emu,
        serde_json::json!({"consent": "adminApprovalRequired"}),
    )
    .await;
    let url = authorize_url(&emu, &std_params(&p, "s2", "n"));
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let page = click(&c, &url, &html, "account-adele")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("AADSTS90094"));
    assert!(!page.contains("id=\"accept\""));
    let (_, q) = location_params(&click(&c, &url, &page, "cancel").await);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "s2");

    // Switched off: consent works again.
    set_faults(&emu, serde_json::json!({})).await;
    let (_, q) = sign_in(&emu, &c, &std_params(&p, "s3", "n"), "adele", "accept").await;
    assert!(q.contains_key("code"));
    emu.stop().await;
}

#[tokio::test]
async fn disabled_account_is_refused() {
    let emu = emu().await;
    let c = client();
    let p = pkce("d");
    let url = authorize_url(&emu, &std_params(&p, "s", "n"));
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let flow_pos = html.find("name=\"flow\" value=\"").unwrap() + 19;
    let flow = &html[flow_pos..flow_pos + html[flow_pos..].find('"').unwrap()];
    let resp = c
        .post(format!("{}/organizations/login", emu.login_origin))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("flow", flow),
                ("account", "diego@contosodemo.onmicrosoft.com"),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("AADSTS50057"));
    emu.stop().await;
}

#[tokio::test]
async fn token_endpoint_cors() {
    let emu = emu().await;
    let c = client();
    let token_url = format!("{}/organizations/oauth2/v2.0/token", emu.login_origin);

    let pre = c
        .request(reqwest::Method::OPTIONS, &token_url)
        .header("origin", APP_ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert_eq!(pre.headers()["access-control-allow-origin"], APP_ORIGIN);
    assert!(pre.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    // A registered origin gets ACAO even on an error.
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", "y"),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.headers()["access-control-allow-origin"], APP_ORIGIN);

    // An unregistered origin.
    let evil = "http://evil.example:8080";
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", "y"),
        ],
        Some(evil),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_request");
    assert_eq!(e["error_codes"][0], 9002326);
    assert!(e["error_description"].as_str().unwrap().starts_with(
        "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'http://evil.example:8080'."
    ));

    // No Origin at all (server-side redemption of an SPA code).
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", "y"),
        ],
        None,
    )
    .await;
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error_codes"][0], 9002327);
    emu.stop().await;
}

#[tokio::test]
async fn unknown_client_and_grant_type() {
    let emu = emu().await;
    let c = client();
    let e: Value = redeem(
        &emu,
        &c,
        &[
            ("client_id", "00000000-1111-2222-3333-444444444444"),
            ("grant_type", "authorization_code"),
        ],
        Some(APP_ORIGIN),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(e["error_codes"][0], 700016);
    let e: Value = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "password"),
        ],
        Some(APP_ORIGIN),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(e["error"], "unsupported_grant_type");
    let e: Value = redeem(
        &emu,
        &c,
        &[("client_id", DEMO_SPA_CLIENT_ID)],
        Some(APP_ORIGIN),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(e["error_codes"][0], 900144);
    emu.stop().await;
}

#[tokio::test]
async fn default_scope_expands_to_configured_permissions() {
    let emu = emu().await;
    let c = client();
    let p = pkce("default");
    let mut params = std_params(&p, "s", "n");
    params[3] = (
        "scope",
        "openid profile offline_access https://graph.microsoft.com/.default",
    );
    let (_, q) = sign_in(&emu, &c, &params, "alex", "accept").await;
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", &p.verifier),
            ("scope", "https://graph.microsoft.com/.default openid"),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let tok: Value = resp.json().await.unwrap();
    let scope = tok["scope"].as_str().unwrap();
    for s in [
        "User.Read",
        "Application.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
    ] {
        assert!(
            scope.contains(&format!("https://graph.microsoft.com/{s}")),
            "{scope}"
        );
    }
    let claims = jwt_part(tok["id_token"].as_str().unwrap(), 1);
    assert!(claims["wids"]
        .as_array()
        .unwrap()
        .contains(&"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3".into()));

    // Asking the token endpoint for a scope never consented → AADSTS65001.
    let (_, q) = sign_in(&emu, &c, &std_params(&p, "s", "n"), "alex", "accept").await;
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", &p.verifier),
            ("scope", "Mail.Send openid"),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 65001);
    emu.stop().await;
}
