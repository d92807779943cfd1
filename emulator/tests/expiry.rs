//! Expiry of codes and tokens, driven by `POST /_emulator/clock?advance=SECONDS`.

mod common;

use common::*;
use mailgrant_emulator::DEMO_SPA_CLIENT_ID;
use serde_json::Value;

async fn advance(emu: &mailgrant_emulator::Running, c: &reqwest::Client, secs: u64) {
    let resp = c
        .post(format!(
            "{}/_emulator/clock?advance={secs}",
            emu.graph_origin
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn code_expires_after_ten_minutes() {
    let emu = emu().await;
    let c = client();
    let p = pkce("exp");
    let (_, q) = sign_in(&emu, &c, &std_params(&p, "s", "n"), "adele", "accept").await;
    advance(&emu, &c, 601).await;
    let resp = redeem(
        &emu,
        &c,
        &[
            ("client_id", DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", &p.verifier),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 70008);
    emu.stop().await;
}

#[tokio::test]
async fn access_token_and_spa_refresh_token_expire() {
    let emu = emu().await;
    let c = client();
    let tok = tokens_for(&emu, &c, "patti").await;
    let me = format!("{}/v1.0/me", emu.graph_origin);
    let auth = format!("Bearer {}", tok["access_token"].as_str().unwrap());

    advance(&emu, &c, 3601).await;
    let resp = c
        .get(&me)
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "InvalidAuthenticationToken");
    assert!(e["error"]["message"].as_str().unwrap().contains("expired"));

    // The refresh token still works (24 h fixed lifetime) and yields a working access token.
    let refresh = |rt: String| {
        let c = c.clone();
        let url = format!("{}/organizations/oauth2/v2.0/token", emu.login_origin);
        async move {
            c.post(url)
                .header("origin", APP_ORIGIN)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    serde_urlencoded::to_string([
                        ("client_id", DEMO_SPA_CLIENT_ID),
                        ("grant_type", "refresh_token"),
                        ("refresh_token", rt.as_str()),
                        (
                            "scope",
                            "https://graph.microsoft.com/.default offline_access",
                        ),
                    ])
                    .unwrap(),
                )
                .send()
                .await
                .unwrap()
        }
    };
    let resp = refresh(tok["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(resp.status().as_u16(), 200);
    let tok2: Value = resp.json().await.unwrap();
    let remaining = tok2["refresh_token_expires_in"].as_u64().unwrap();
    assert!(remaining <= 24 * 3600 - 3601, "{remaining}");
    let ok = c
        .get(&me)
        .header(
            "authorization",
            format!("Bearer {}", tok2["access_token"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);

    advance(&emu, &c, 24 * 3600).await;
    let resp = refresh(tok2["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(resp.status().as_u16(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"][0], 700084);
    emu.stop().await;
}

#[tokio::test]
async fn token_lifetime_fault_issues_short_tokens() {
    let emu = emu().await;
    let c = client();
    set_faults(&emu, serde_json::json!({"accessTokenLifetimeSecs": 5})).await;
    let tok = tokens_for(&emu, &c, "adele").await;
    assert_eq!(tok["expires_in"], 5);
    let me = format!("{}/v1.0/me", emu.graph_origin);
    let auth = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    let ok = c
        .get(&me)
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    advance(&emu, &c, 6).await;
    let late = c
        .get(&me)
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status().as_u16(), 401);
    // Reset restores the default hour.
    c.post(format!("{}/_emulator/reset", emu.graph_origin))
        .send()
        .await
        .unwrap();
    let tok = tokens_for(&emu, &c, "adele").await;
    assert_eq!(tok["expires_in"], 3600);
    emu.stop().await;
}
