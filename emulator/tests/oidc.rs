//! The plain OpenID Connect provider at `/oidc`: nothing of Entra's, strict scopes, RFC 9207 `iss`.

mod common;

use common::*;
use mailgrant_emulator::{GENERIC_CLIENT_ID, GENERIC_SUB};
use serde_json::Value;

fn authorize(emu: &mailgrant_emulator::Running, p: &Pkce, scope: &str) -> String {
    format!(
        "{}/oidc/authorize?{}",
        emu.login_origin,
        serde_urlencoded::to_string([
            ("client_id", GENERIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", APP_REDIRECT),
            ("scope", scope),
            ("state", "st"),
            ("nonce", "nn"),
            ("code_challenge", &p.challenge),
            ("code_challenge_method", "S256"),
        ])
        .unwrap()
    )
}

async fn redeem_generic(
    emu: &mailgrant_emulator::Running,
    c: &reqwest::Client,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    c.post(format!("{}/oidc/token", emu.login_origin))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", APP_ORIGIN)
        .body(
            serde_urlencoded::to_string([
                ("client_id", GENERIC_CLIENT_ID),
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", APP_REDIRECT),
                ("code_verifier", verifier),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plain_provider_signs_in_without_anything_of_entra() {
    let emu = emu().await;
    let c = client();
    let d: Value = c
        .get(format!(
            "{}/oidc/.well-known/openid-configuration",
            emu.login_origin
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = format!("{}/oidc", emu.login_origin);
    assert_eq!(d["issuer"], issuer.as_str());
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    for entra_only in ["cloud_instance_name", "msgraph_host", "tenant_region_scope"] {
        assert!(d.get(entra_only).is_none(), "{entra_only}");
    }

    // A Graph scope is refused, with state and iss.
    let p = pkce("generic");
    let resp = c
        .get(authorize(&emu, &p, "openid User.Read"))
        .send()
        .await
        .unwrap();
    let (base, q) = location_params(&resp);
    assert_eq!(base, APP_REDIRECT);
    assert_eq!(q["error"], "invalid_scope");
    assert_eq!(q["state"], "st");
    assert_eq!(q["iss"], issuer);

    // Continue → code, state and iss; the ID token has no Entra claims.
    let url = authorize(&emu, &p, "openid profile email");
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let back = click(&c, &url, &html, "oidc-continue").await;
    let (_, q) = location_params(&back);
    assert_eq!(q["state"], "st");
    assert_eq!(q["iss"], issuer);
    let wrong = redeem_generic(&emu, &c, &q["code"], "not-the-verifier").await;
    assert_eq!(wrong.status().as_u16(), 400);
    let e: Value = wrong.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert!(e.get("error_codes").is_none(), "no AADSTS codes here");
    // The failed attempt used the code up.
    let url = authorize(&emu, &p, "openid profile email");
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let (_, q) = location_params(&click(&c, &url, &html, "oidc-continue").await);
    let ok = redeem_generic(&emu, &c, &q["code"], &p.verifier).await;
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"]
            .to_str()
            .unwrap(),
        APP_ORIGIN
    );
    let tok: Value = ok.json().await.unwrap();
    let claims = jwt_part(tok["id_token"].as_str().unwrap(), 1);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["sub"], GENERIC_SUB);
    assert_eq!(claims["aud"], GENERIC_CLIENT_ID);
    assert_eq!(claims["nonce"], "nn");
    assert_eq!(claims["email"], "ada@idp.example");
    for entra_only in ["tid", "oid", "wids", "preferred_username"] {
        assert!(claims.get(entra_only).is_none(), "{entra_only}");
    }
    let again = redeem_generic(&emu, &c, &q["code"], &p.verifier).await;
    assert_eq!(again.status().as_u16(), 400, "a code is single use");

    // Its access token means nothing to Microsoft Graph.
    let me = c
        .get(format!("{}/v1.0/me", emu.graph_origin))
        .bearer_auth(tok["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);

    // Deny → access_denied.
    let url = authorize(&emu, &p, "openid");
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    let (_, q) = location_params(&click(&c, &url, &html, "oidc-deny").await);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["iss"], issuer);
    emu.stop().await;
}

#[tokio::test]
async fn unknown_clients_and_redirect_uris_are_never_redirected_to() {
    let emu = emu().await;
    let c = client();
    let p = pkce("x");
    let url = authorize(&emu, &p, "openid").replace(GENERIC_CLIENT_ID, "someone-else");
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let url = authorize(&emu, &p, "openid").replace("localhost%3A3000", "evil.example");
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("location").is_none());
    emu.stop().await;
}
