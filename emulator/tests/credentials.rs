//! Credentials without a secret: keyCredentials on an application, federated identity
//! credentials, and the service principal of another tenant's multi-tenant app.

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};

fn demo_certificate_der_b64() -> String {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/demo-vendor-certificate.pem"
    ))
    .unwrap();
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
}

async fn new_app(g: &Gc, unique: &str, extra: Value) -> Resp {
    let mut body =
        json!({"displayName": "Contoso Mailer mail sender", "signInAudience": "AzureADMyOrg"});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    g.upsert(&format!("/v1.0/applications(uniqueName='{unique}')"), &body)
        .await
}

#[tokio::test]
async fn a_certificate_in_the_upsert_is_kept_without_its_key_and_named_by_its_thumbprint() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let key = demo_certificate_der_b64();
    let r = new_app(
        &g,
        "cert-app",
        json!({"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": key,
            "displayName": "mailgrant Contoso Mailer certificate",
            "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2036-01-01T00:00:00Z"}]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let k = &r.json["keyCredentials"][0];
    assert!(k["key"].is_null(), "the key is not returned: {k}");
    // The thumbprint as `openssl x509 -fingerprint -sha1` prints it, base64 of its bytes.
    let thumb = hex_bytes("5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036");
    assert_eq!(
        k["customKeyIdentifier"],
        base64::engine::general_purpose::STANDARD.encode(thumb)
    );
    assert_eq!(k["endDateTime"], "2036-01-01T00:00:00Z");
    // A PATCH replaces the collection.
    let r = g
        .patch(
            "/v1.0/applications(uniqueName='cert-app')",
            &json!({"keyCredentials": []}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = g.get("/v1.0/applications(uniqueName='cert-app')").await;
    assert_eq!(r.json["keyCredentials"], json!([]));
    // What is not a certificate is refused.
    for bad in [
        json!([{"type": "AsymmetricX509Cert", "usage": "Verify", "key": "bm90IGEgY2VydA=="}]),
        json!([{"type": "AsymmetricX509Cert", "usage": "Encrypt", "key": demo_certificate_der_b64()}]),
    ] {
        let r = new_app(&g, "bad-cert-app", json!({"keyCredentials": bad})).await;
        assert_eq!(r.status, 400, "{}", r.text);
    }
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn federated_credentials_upsert_by_name_and_keep_their_limits() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let app = new_app(&g, "fic-app", json!({})).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = |name: &str| {
        format!("/v1.0/applications/{app}/federatedIdentityCredentials(name='{name}')")
    };
    let body = json!({"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/mailer:environment:production", "audiences": ["api://AzureADTokenExchange"]});
    let r = g.upsert(&path("mailgrant-contoso-mailer"), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["name"], "mailgrant-contoso-mailer");
    let r = g.upsert(&path("mailgrant-contoso-mailer"), &body).await;
    assert_eq!(r.status, 204, "an upsert of an existing one: {}", r.text);
    let r = g
        .get(&format!(
            "/v1.0/applications/{app}/federatedIdentityCredentials/mailgrant-contoso-mailer"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["subject"], body["subject"]);
    // The same issuer and subject under another name; two audiences; a bad name; a wildcard.
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "other",
            body.clone(),
            400,
            "InvalidFederatedIdentityCredentialValue",
        ),
        (
            "two",
            json!({"issuer": "https://i.example", "subject": "s", "audiences": ["a", "b"]}),
            400,
            "Request_BadRequest",
        ),
        (
            "-bad",
            json!({"issuer": "https://i.example", "subject": "s2", "audiences": ["a"]}),
            400,
            "Request_BadRequest",
        ),
        (
            "wild",
            json!({"issuer": "https://i.example", "subject": "repo:*", "audiences": ["a"]}),
            400,
            "Request_BadRequest",
        ),
    ];
    for (name, b, status, code) in cases {
        let r = g.upsert(&path(name), &b).await;
        assert_graph_error(&r, status, code, "");
    }
    // At most 20.
    for i in 1..20 {
        let b = json!({"issuer": "https://i.example", "subject": format!("s{i}"), "audiences": ["api://AzureADTokenExchange"]});
        assert_eq!(g.upsert(&path(&format!("name-{i}")), &b).await.status, 201);
    }
    let b = json!({"issuer": "https://i.example", "subject": "s21", "audiences": ["api://AzureADTokenExchange"]});
    assert_eq!(g.upsert(&path("name-21"), &b).await.status, 400);
    let r = g
        .send(
            "DELETE",
            &format!(
                "/v1.0/applications/{app}/federatedIdentityCredentials/mailgrant-contoso-mailer"
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[tokio::test]
async fn a_multi_tenant_app_of_another_tenant_gets_a_service_principal_a_single_tenant_one_not() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .upsert(
            &format!(
                "/v1.0/servicePrincipals(appId='{}')",
                mailgrant_emulator::DEMO_VENDOR_APP_ID
            ),
            &json!({"tags": ["mailgrant"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["displayName"], "Contoso Mailer");
    assert_eq!(
        r.json["appOwnerOrganizationId"],
        mailgrant_emulator::DEMO_VENDOR_TENANT_ID
    );
    let r = g
        .upsert(
            &format!(
                "/v1.0/servicePrincipals(appId='{}')",
                mailgrant_emulator::DEMO_VENDOR_SINGLE_TENANT_APP_ID
            ),
            &json!({}),
        )
        .await;
    assert_graph_error(
        &r,
        400,
        "Request_BadRequest",
        "does not reference a valid application",
    );
}
