//! Fault injection: latency, replication lag, 429, 503, lost responses, secret policies.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mailgrant_emulator::{start, Faults, Options, SecretPolicy};
use serde_json::{json, Value};

#[tokio::test]
async fn faults_endpoint_latency_and_reset() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    set_faults(&emu, json!({"latencyMs": 300})).await;
    let got: Value = client()
        .get(format!("{}/_emulator/faults", emu.graph_origin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["latencyMs"], 300);
    assert_eq!(got["throttle"], json!([]));
    let t = Instant::now();
    assert_eq!(g.get("/v1.0/me").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(emu.faults().latency_ms, 300);

    let bad = client()
        .post(format!("{}/_emulator/faults", emu.graph_origin))
        .body(r#"{"latency": 5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);

    let r = client()
        .post(format!("{}/_emulator/reset", emu.graph_origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(emu.faults(), Faults::default());
    let t = Instant::now();
    g.get("/v1.0/me").await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn replication_lag() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    set_faults(&emu, json!({"consistencyDelayMs": 1500})).await;
    let r = g
        .upsert(
            "/v1.0/applications(uniqueName='lag')",
            &json!({"displayName": "Lag"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.json["id"].as_str().unwrap().to_string();
    let app_id = r.json["appId"].as_str().unwrap().to_string();

    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
    assert_eq!(
        g.get("/v1.0/applications(uniqueName='lag')").await.status,
        404
    );
    assert_eq!(
        g.get(&format!("/v1.0/applications(appId='{app_id}')"))
            .await
            .status,
        404
    );
    let r = g
        .get("/v1.0/applications?$filter=uniqueName eq 'lag'")
        .await;
    assert_eq!(r.json["value"], json!([]));
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_eq!(r.status, 404);
    let r = g
        .post("/v1.0/servicePrincipals", &json!({"appId": app_id}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"]["details"][0]["code"],
        "NoBackingApplicationObject"
    );
    // A retried upsert sees the primary copy: no duplicate.
    assert_eq!(
        g.upsert(
            "/v1.0/applications(uniqueName='lag')",
            &json!({"displayName": "Lag"})
        )
        .await
        .status,
        204
    );

    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(g.get(&format!("/v1.0/applications/{id}")).await.status, 200);
    let r = g
        .upsert(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sp = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{sp}")).await.status,
        404
    );
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_eq!(r.status, 200);
    let key = r.json["keyId"].as_str().unwrap().to_string();
    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(r.json["passwordCredentials"], json!([]));
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            &json!({"keyId": key}),
        )
        .await;
    assert_eq!(r.status, 404);
    let graph: Value = g
        .get(&format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"))
        .await
        .json;
    let graph = graph["id"].as_str().unwrap().to_string();
    let body = json!({"principalId": sp, "resourceId": graph, "appRoleId": MAIL_SEND_ROLE});
    let r = g
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound", &sp);
    let st = emu_state(&emu).await;
    let sps = st["servicePrincipals"].as_array().unwrap();
    assert!(sps
        .iter()
        .any(|s| s["id"] == sp.as_str() && s["visible"] == false));

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let r = g
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 201);
    let aid = r.json["id"].as_str().unwrap().to_string();
    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"
        ))
        .await;
    assert_eq!(r.json["value"], json!([]));
    assert_eq!(
        g.delete(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo/{aid}"
        ))
        .await
        .status,
        404
    );
    let r = g
        .post(
            &format!("/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"),
            &body,
        )
        .await;
    assert_eq!(r.status, 400, "the duplicate check sees the primary copy");
    let r = g.get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(r.json["passwordCredentials"][0]["keyId"], key.as_str());
}

#[tokio::test]
async fn throttling_and_outage() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post("/v1.0/applications", &json!({"displayName": "T"}))
        .await;
    let id = r.json["id"].as_str().unwrap().to_string();
    set_faults(&emu, json!({
        "throttle": [{"method": "POST", "pathContains": "/addPassword", "times": 1, "retryAfterSecs": 2}],
        "unavailable": [{"method": "GET", "pathContains": "/servicePrincipals", "times": 2}]
    }))
    .await;
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_graph_error(&r, 429, "TooManyRequests", "retry");
    assert_eq!(r.headers["retry-after"], "2");
    let st = emu_state(&emu).await;
    assert_eq!(
        st["applications"][1]["passwordCredentials"],
        json!([]),
        "a throttled call is not executed"
    );
    assert_eq!(emu.faults().throttle.len(), 0);
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_eq!(r.status, 200);

    for _ in 0..2 {
        let r = g
            .get(&format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"))
            .await;
        assert_graph_error(&r, 503, "serviceNotAvailable", "not available");
        assert!(!r.headers.contains_key("retry-after"));
    }
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"))
            .await
            .status,
        200
    );
    let log = emu.request_log();
    let statuses: Vec<u16> = log
        .iter()
        .filter(|l| l.path.contains("/v1.0/"))
        .map(|l| l.status)
        .collect();
    assert!(statuses.contains(&429) && statuses.contains(&503));
}

#[tokio::test]
async fn lost_response() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    set_faults(&emu, json!({"loseResponse": [{"method": "PATCH", "pathContains": "applications(uniqueName=", "times": 1}]})).await;
    let err = g
        .try_send(
            "PATCH",
            "/v1.0/applications(uniqueName='lost')",
            Some(r#"{"displayName":"Lost"}"#),
            &[("prefer", "create-if-missing")],
        )
        .await;
    assert!(err.is_err(), "expected a network error, got a response");
    // The write happened: the retry finds it (204), and there is exactly one.
    let r = g
        .upsert(
            "/v1.0/applications(uniqueName='lost')",
            &json!({"displayName": "Lost"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let st = emu_state(&emu).await;
    let n = st["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["uniqueName"] == "lost")
        .count();
    assert_eq!(n, 1);
    let lost: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter(|l| l.response_lost)
        .collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].method, "PATCH");
    assert_eq!(lost[0].status, 201);
}

#[tokio::test]
async fn secret_policies() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post("/v1.0/applications", &json!({"displayName": "P"}))
        .await;
    let id = r.json["id"].as_str().unwrap().to_string();
    set_faults(&emu, json!({"secretPolicy": {"maxLifetimeDays": 180}})).await;
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &json!({"passwordCredential": {"displayName": "x"}}),
        )
        .await;
    assert_graph_error(
        &r,
        400,
        "CredentialInvalidLifetimeAsPerAppPolicy",
        "Credential lifetime exceeds the max value allowed as per assigned policy",
    );
    assert_eq!(r.json["error"]["details"][0]["code"], "InvalidKeyEndDate");
    let end = mailgrant_emulator_iso(90);
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            &json!({"passwordCredential": {"endDateTime": end}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    set_faults(
        &emu,
        json!({"secretPolicy": {"forbidSecrets": true, "policyId": "p-1"}}),
    )
    .await;
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_graph_error(
        &r,
        400,
        "CredentialTypeNotAllowedAsPerAppPolicy",
        "Credential type not allowed as per assigned policy 'p-1'",
    );
}

/// An ISO date `days` from now.
fn mailgrant_emulator_iso(days: u64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + days * 86_400;
    // Civil date from days since epoch (Howard Hinnant).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

#[tokio::test]
async fn start_up_faults_survive_reset() {
    let emu = start(Options {
        extra_redirect_uris: vec![APP_REDIRECT.to_string()],
        faults: Faults {
            secret_policy: Some(SecretPolicy {
                forbid_secrets: true,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Options::default()
    })
    .await
    .unwrap();
    set_faults(&emu, json!({})).await;
    client()
        .post(format!("{}/_emulator/reset", emu.graph_origin))
        .send()
        .await
        .unwrap();
    assert!(emu.faults().secret_policy.unwrap().forbid_secrets);
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post("/v1.0/applications", &json!({"displayName": "P"}))
        .await;
    let id = r.json["id"].as_str().unwrap().to_string();
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_eq!(r.status, 400);
    emu.set_faults(Faults::default());
    let r = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), &json!({}))
        .await;
    assert_eq!(r.status, 200);
    emu.stop().await;
}
