//! Credentials without a secret, end to end: the vendor's certificate (both modes), a federated
//! credential, the vendor's own multi-tenant app; and the tenant's app management policy (a
//! tenant that forbids secrets gets the vendor's next choice, a capped lifetime is said with
//! both numbers). Each test compares the tenant's objects with what the page said.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::process::Command;

use mailgrant_emulator::{SiteConfig, DEMO_TENANT_ID, DEMO_VENDOR_APP_ID};
use serde_json::{json, Map, Value};

use support::{Ctx, MAILBOX};

/// The demo vendor's certificate: thumbprint (SHA-1, upper-case hex) and PEM.
const THUMBPRINT: &str = "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/mailer:environment:production";

fn certificate_pem() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo-vendor-certificate.pem"),
    )
    .unwrap()
}

fn with_credentials(list: Value) -> SiteConfig {
    let mut keys = Map::new();
    keys.insert("credentials".into(), list);
    SiteConfig::DemoVendor(keys)
}

/// The bundle as the vendor gets it: the `.age` file, decrypted with Debian's `age`.
async fn vendor_bundle(ctx: &Ctx) -> Value {
    support::wait_id(&ctx.driver, "download-bundle")
        .await
        .click()
        .await
        .unwrap();
    support::downloaded(ctx, "mailgrant-bundle.json.age").await;
    let out = Command::new("age")
        .args(["--decrypt", "-i"])
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/demo-vendor-age-identity.txt"),
        )
        .arg(ctx.downloads.join("mailgrant-bundle.json.age"))
        .output()
        .expect("Debian's age is installed (cargo xtask setup)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the bundle is JSON")
}

/// Objects by kind: what Review lists, or what the tenant gained.
#[derive(Debug, Default, PartialEq, Eq)]
struct Objects {
    apps: usize,
    service_principals: usize,
    secrets: usize,
    certificates: usize,
    federated: usize,
    graph_grants: usize,
    exchange_assignments: usize,
}

/// What the Review step lists: each write's method and path (and the certificate in the app's
/// body).
fn listed(review: &str) -> Objects {
    let n = |s: &str| review.matches(s).count();
    Objects {
        apps: n("PATCH /v1.0/applications(uniqueName="),
        service_principals: n("PATCH /v1.0/servicePrincipals(appId="),
        secrets: n("/addPassword"),
        certificates: n("AsymmetricX509Cert"),
        federated: n("PATCH /v1.0/applications/{app object id}/federatedIdentityCredentials(name="),
        graph_grants: n("/appRoleAssignedTo"),
        // One operation: its first request on Review looks up the role, then it assigns it.
        exchange_assignments: n(" /beta/roleManagement/exchange/"),
    }
}

/// What the tenant holds: counted over the emulator's whole state.
fn held(state: &Value) -> Objects {
    let list = |v: &Value| v.as_array().map_or(0, Vec::len);
    let apps = state["applications"].as_array().unwrap();
    let per_app = |key: &str| apps.iter().map(|a| list(&a[key])).sum();
    Objects {
        apps: apps.len(),
        service_principals: list(&state["servicePrincipals"]),
        secrets: per_app("passwordCredentials"),
        certificates: per_app("keyCredentials"),
        federated: per_app("federatedIdentityCredentials"),
        graph_grants: list(&state["appRoleAssignments"]),
        exchange_assignments: list(&state["exchange"]["roleAssignments"]),
    }
}

/// The tenant gained exactly what Review listed (`before`: its state on Review).
fn assert_made_what_review_listed(review: &str, before: &Value, after: &Value) {
    let (b, a) = (held(before), held(after));
    let gained = Objects {
        apps: a.apps - b.apps,
        service_principals: a.service_principals - b.service_principals,
        secrets: a.secrets - b.secrets,
        certificates: a.certificates - b.certificates,
        federated: a.federated - b.federated,
        graph_grants: a.graph_grants - b.graph_grants,
        exchange_assignments: a.exchange_assignments - b.exchange_assignments,
    };
    assert_eq!(gained, listed(review), "{review}");
}

fn find<'a>(state: &'a Value, collection: &str, key: &str, value: &Value) -> Option<&'a Value> {
    state[collection]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| &x[key] == value)
}

/// Hand-off offers nothing of a secret, and its files go without the clear-text warning.
async fn assert_no_secret_offered(ctx: &Ctx) -> String {
    let d = &ctx.driver;
    let text = support::wait_id(d, "hand-off-step")
        .await
        .text()
        .await
        .unwrap();
    for absent in [
        "reveal",
        "copy-secret",
        "passphrase",
        "plain-ok",
        "secret-gone",
    ] {
        assert!(
            d.find(thirtyfour::By::Id(absent)).await.is_err(),
            "#{absent} on a hand-off without a secret"
        );
    }
    support::wait_id(d, "download-json")
        .await
        .click()
        .await
        .unwrap();
    support::downloaded(ctx, "mailgrant-bundle.json").await;
    support::assert_storage_holds_no_secret(d).await;
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_in_rbac_mode_makes_no_secret_and_the_bundle_names_its_thumbprint() {
    let config =
        with_credentials(json!([{"kind": "certificate", "certificate": certificate_pem()}]));
    support::run("credential_certificate", config, |ctx| async move {
        let review = support::to_review(&ctx, false, MAILBOX, "one", || async {}).await;
        assert!(review.contains(THUMBPRINT), "{review}");
        assert!(review.contains("No client secret is made"), "{review}");
        assert!(!review.contains("addPassword"), "{review}");
        let before = support::emulator_state(&ctx.graph).await;
        support::wait_id(&ctx.driver, "apply")
            .await
            .click()
            .await
            .unwrap();
        let text = assert_no_secret_offered(&ctx).await;
        assert_made_what_review_listed(
            &review,
            &before,
            &support::emulator_state(&ctx.graph).await,
        );
        assert!(text.contains(THUMBPRINT), "{text}");
        assert!(text.contains("private key"), "{text}");
        assert!(
            text.contains("The certificate expires on") && text.contains("in your time zone"),
            "{text}"
        );

        let bundle = vendor_bundle(&ctx).await;
        let state = support::emulator_state(&ctx.graph).await;
        let app = find(&state, "applications", "appId", &bundle["clientId"])
            .expect("the bundle's app exists");
        assert_eq!(app["passwordCredentials"], json!([]), "no secret exists");
        let keys = app["keyCredentials"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert_eq!(keys[0]["type"], "AsymmetricX509Cert");
        assert_eq!(keys[0]["usage"], "Verify");
        assert_eq!(bundle["credential"]["kind"], "certificate");
        assert_eq!(bundle["credential"]["thumbprint"], THUMBPRINT);
        assert!(bundle["credential"]["expiresAt"]
            .as_str()
            .unwrap()
            .starts_with("2036-01-01"));
        assert!(bundle.get("clientSecretValue").is_none(), "{bundle}");
        assert_eq!(bundle["tenantId"], DEMO_TENANT_ID);
        assert_eq!(bundle["appObjectId"], app["id"]);
        assert_eq!(
            support::can_send_as(&ctx.graph, bundle["clientId"].as_str().unwrap()).await,
            vec![MAILBOX.to_owned()]
        );
        // The reminder is the certificate's.
        support::wait_id(&ctx.driver, "download-ics")
            .await
            .click()
            .await
            .unwrap();
        let ics = support::downloaded(&ctx, "renew-certificate.ics").await;
        assert!(
            String::from_utf8_lossy(&ics).contains("2035"),
            "a month before 2036-01-01"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_in_the_legacy_mode_waits_for_the_policy_and_still_makes_no_secret() {
    let config =
        with_credentials(json!([{"kind": "certificate", "certificate": certificate_pem()}]));
    support::run("credential_certificate_aap", config, |ctx| async move {
        // A user mailbox: the policy scopes it directly (a shared one goes through a new group).
        let megan = "megan@contosodemo.onmicrosoft.com";
        let review = support::to_review(&ctx, true, megan, "one", || async {}).await;
        let before = support::emulator_state(&ctx.graph).await;
        support::wait_id(&ctx.driver, "apply")
            .await
            .click()
            .await
            .unwrap();
        support::pass_policy_script(&ctx, true).await;
        assert_no_secret_offered(&ctx).await;
        assert_made_what_review_listed(
            &review,
            &before,
            &support::emulator_state(&ctx.graph).await,
        );
        let bundle = vendor_bundle(&ctx).await;
        let state = support::emulator_state(&ctx.graph).await;
        let app = find(&state, "applications", "appId", &bundle["clientId"]).unwrap();
        assert_eq!(app["passwordCredentials"], json!([]));
        assert_eq!(app["keyCredentials"].as_array().unwrap().len(), 1);
        assert_eq!(bundle["mailboxScope"]["mode"], "applicationAccessPolicy");
        assert_eq!(
            support::can_send_as(&ctx.graph, bundle["clientId"].as_str().unwrap()).await,
            vec![megan.to_owned()]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_federated_credential_is_made_once_by_name_and_nothing_secret_exists() {
    let config =
        with_credentials(json!([{"kind": "federated", "issuer": ISSUER, "subject": SUBJECT}]));
    support::run("credential_federated", config, |ctx| async move {
        let review = support::to_review(&ctx, false, MAILBOX, "one", || async {}).await;
        assert!(review.contains("federatedIdentityCredentials"), "{review}");
        assert!(review.contains(SUBJECT), "{review}");
        let before = support::emulator_state(&ctx.graph).await;
        support::wait_id(&ctx.driver, "apply")
            .await
            .click()
            .await
            .unwrap();
        let text = assert_no_secret_offered(&ctx).await;
        assert_made_what_review_listed(
            &review,
            &before,
            &support::emulator_state(&ctx.graph).await,
        );
        assert!(text.contains(ISSUER), "{text}");
        assert!(
            !text.contains("expires on"),
            "a federated credential does not expire: {text}"
        );
        assert!(
            ctx.driver
                .find(thirtyfour::By::Id("download-ics"))
                .await
                .is_err(),
            "a federated credential has nothing to renew"
        );
        let bundle = vendor_bundle(&ctx).await;
        let state = support::emulator_state(&ctx.graph).await;
        let app = find(&state, "applications", "appId", &bundle["clientId"]).unwrap();
        assert_eq!(app["passwordCredentials"], json!([]));
        let fics = app["federatedIdentityCredentials"].as_array().unwrap();
        assert_eq!(fics.len(), 1, "{app}");
        assert_eq!(fics[0]["issuer"], ISSUER);
        assert_eq!(fics[0]["subject"], SUBJECT);
        assert_eq!(fics[0]["audiences"], json!(["api://AzureADTokenExchange"]));
        assert_eq!(bundle["credential"]["kind"], "federated");
        assert_eq!(bundle["credential"]["name"], fics[0]["name"]);
        assert_eq!(bundle["credential"]["subject"], SUBJECT);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vendors_own_app_gets_only_a_service_principal_scoped_in_exchange() {
    let config = with_credentials(json!([{"kind": "multiTenantApp", "appId": DEMO_VENDOR_APP_ID}]));
    support::run("credential_vendor_app", config, |ctx| async move {
        let d = &ctx.driver;
        // The legacy mode is not offered, and Welcome says why.
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await;
        d.find(thirtyfour::By::Css("input[value=applicationAccessPolicy]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let why = support::wait_id(d, "no-credential")
            .await
            .text()
            .await
            .unwrap();
        assert!(why.contains("tenant-wide Mail.Send"), "{why}");
        assert!(!support::wait_id(d, "sign-in")
            .await
            .is_enabled()
            .await
            .unwrap());

        let review = support::to_review(&ctx, false, MAILBOX, "one", || async {}).await;
        assert!(review.contains("No app registration"), "{review}");
        assert!(!review.contains("/applications"), "{review}");
        let before = support::emulator_state(&ctx.graph).await;
        support::wait_id(d, "apply").await.click().await.unwrap();
        let text = assert_no_secret_offered(&ctx).await;
        assert_made_what_review_listed(
            &review,
            &before,
            &support::emulator_state(&ctx.graph).await,
        );
        assert!(!text.contains("App registration object ID"), "{text}");
        let bundle = vendor_bundle(&ctx).await;
        assert_eq!(bundle["clientId"], DEMO_VENDOR_APP_ID);
        assert_eq!(bundle["credential"]["kind"], "multiTenantApp");
        assert_eq!(bundle["appObjectId"], Value::Null);
        assert!(
            support::our_app_ids(&ctx.graph).await.is_empty(),
            "no app registration"
        );
        let state = support::emulator_state(&ctx.graph).await;
        let sp = find(
            &state,
            "servicePrincipals",
            "appId",
            &json!(DEMO_VENDOR_APP_ID),
        )
        .expect("the vendor app's service principal");
        assert_eq!(bundle["servicePrincipalObjectId"], sp["id"]);
        let assignments = support::exchange_assignments(&ctx.graph).await;
        assert_eq!(assignments.len(), 1, "{assignments:?}");
        assert_eq!(
            support::can_send_as(&ctx.graph, DEMO_VENDOR_APP_ID).await,
            vec![MAILBOX.to_owned()]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_that_forbids_secrets_is_offered_the_vendors_certificate_and_nothing_is_left() {
    let config = with_credentials(json!([
        {"kind": "clientSecret"},
        {"kind": "certificate", "certificate": certificate_pem()}
    ]));
    support::run("credential_fallback", config, |ctx| async move {
        let d = &ctx.driver;
        support::set_faults(&ctx, json!({"secretPolicy": {"forbidSecrets": true}})).await;
        let welcome_then_review =
            support::to_review(&ctx, false, MAILBOX, "one", || async {}).await;
        assert!(
            welcome_then_review.contains("client secret"),
            "{welcome_then_review}"
        );
        support::wait_id(d, "apply").await.click().await.unwrap();
        let error = support::wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("forbids client secrets"), "{error}");
        assert!(error.contains("certificate"), "{error}");
        let first_app = support::our_app_ids(&ctx.graph).await;
        assert_eq!(first_app.len(), 1, "the refused run made its app");

        support::wait_id(d, "use-other-credential")
            .await
            .click()
            .await
            .unwrap();
        let review = support::review_text(d).await;
        assert!(review.contains("forbids"), "{review}");
        assert!(review.contains(THUMBPRINT), "{review}");
        assert!(
            support::our_app_ids(&ctx.graph).await.is_empty(),
            "Undo removed the refused plan's app before the new plan"
        );
        let before = support::emulator_state(&ctx.graph).await;
        support::wait_id(d, "apply").await.click().await.unwrap();
        assert_no_secret_offered(&ctx).await;
        assert_made_what_review_listed(
            &review,
            &before,
            &support::emulator_state(&ctx.graph).await,
        );
        let ids = support::our_app_ids(&ctx.graph).await;
        assert_eq!(ids.len(), 1, "{ids:?}");
        let state = support::emulator_state(&ctx.graph).await;
        let app = find(&state, "applications", "appId", &json!(ids[0])).unwrap();
        assert_eq!(app["passwordCredentials"], json!([]));
        assert_eq!(app["keyCredentials"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_capped_secret_lifetime_is_said_with_both_numbers_and_the_files_use_it() {
    support::run("credential_capped", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_faults(&ctx, json!({"secretPolicy": {"maxLifetimeDays": 90}})).await;
        support::set_up(&ctx, false, "one", || async {}).await;
        support::wait_id(d, "credential-note").await;
        let text = support::wait_id(d, "hand-off-step")
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains("180-day"), "{text}");
        assert!(text.contains("90 days"), "{text}");
        let bundle = vendor_bundle(&ctx).await;
        let created = bundle["createdAt"].as_str().unwrap().to_owned();
        let expires = bundle["credential"]["expiresAt"]
            .as_str()
            .unwrap()
            .to_owned();
        let days = |s: &str| -> i64 {
            let d: Vec<i64> = s[..10].split('-').map(|x| x.parse().unwrap()).collect();
            // Days from civil (Howard Hinnant), enough to compare two dates.
            let (y, m) = if d[1] <= 2 {
                (d[0] - 1, d[1] + 9)
            } else {
                (d[0], d[1] - 3)
            };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let doy = (153 * m + 2) / 5 + d[2] - 1;
            era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
        };
        let lifetime = days(&expires) - days(&created);
        assert!((89..=90).contains(&lifetime), "{created} → {expires}");
        assert_eq!(
            bundle["clientSecretExpiresAt"],
            bundle["credential"]["expiresAt"]
        );
        // The tenant's secret ends when the bundle says, and the reminder comes before that.
        let state = support::emulator_state(&ctx.graph).await;
        let app = find(&state, "applications", "appId", &bundle["clientId"]).unwrap();
        let end = app["passwordCredentials"][0]["endDateTime"]
            .as_str()
            .unwrap();
        assert_eq!(
            &end[..10],
            &expires[..10],
            "the tenant's expiry is the bundle's"
        );
        support::wait_id(d, "download-ics")
            .await
            .click()
            .await
            .unwrap();
        let ics =
            String::from_utf8(support::downloaded(&ctx, "rotate-client-secret.ics").await).unwrap();
        let start = ics
            .lines()
            .find_map(|l| l.strip_prefix("DTSTART:"))
            .expect("the reminder has a start");
        let start = format!("{}-{}-{}", &start[..4], &start[4..6], &start[6..8]);
        let before_expiry = days(&expires) - days(&start);
        assert!(
            (1..=30).contains(&before_expiry),
            "the reminder ({start}) is before the 90-day expiry ({expires})"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_that_forbids_secrets_with_no_other_credential_stops_clearly_and_undo_leaves_nothing(
) {
    support::run("credential_forbidden", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_faults(&ctx, json!({"secretPolicy": {"forbidSecrets": true}})).await;
        let before = support::emulator_state(&ctx.graph).await;
        support::set_up(&ctx, false, "one", || async {}).await;
        let error = support::wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("forbids client secrets"), "{error}");
        assert!(error.contains("exemption"), "{error}");
        assert!(
            d.find(thirtyfour::By::Id("use-other-credential"))
                .await
                .is_err(),
            "the vendor lists no other credential"
        );
        assert!(d.find(thirtyfour::By::Id("hand-off-step")).await.is_err());
        support::undo_and_wait(d).await;
        assert_eq!(
            held(&support::emulator_state(&ctx.graph).await),
            held(&before),
            "nothing is left"
        );
    })
    .await;
}
