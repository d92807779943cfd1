//! Sign-in end to end: the release page, headless Chromium, the emulator's Entra ID.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::{SiteConfig, DEMO_TENANT_ID};
use thirtyfour::prelude::*;

async fn text(d: &WebDriver, id: &str) -> String {
    support::wait_id(d, id).await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_ends_on_the_mailbox_step_and_leaves_nothing_behind() {
    support::run("signin_full", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        // Least privilege, said before the redirect: RBAC mode asks for no grant permission.
        let scopes = text(d, "scopes").await;
        assert!(scopes.contains("Application.ReadWrite.All"), "{scopes}");
        assert!(!scopes.contains("AppRoleAssignment"), "{scopes}");
        assert!(d.find(By::Id("not-entra")).await.is_err());
        support::sign_in_as(&ctx, "adele", "accept").await;
        let admin = text(d, "admin").await;
        assert!(admin.contains("Adele Vance"), "{admin}");
        assert!(
            admin.contains("adele@contosodemo.onmicrosoft.com"),
            "{admin}"
        );
        let tenant = text(d, "tenant").await;
        assert!(
            tenant.contains("Contoso Demo") && tenant.contains(DEMO_TENANT_ID),
            "{tenant}"
        );
        let roles = text(d, "role-check").await;
        assert!(roles.contains("Global Administrator"), "{roles}");
        let current = d.find(By::Css("#steps [aria-current=step]")).await.unwrap();
        assert_eq!(current.text().await.unwrap(), "Mailbox");
        let url = d.current_url().await.unwrap().to_string();
        assert!(
            !url.contains("code=") && !url.contains("state="),
            "answer left in the URL: {url}"
        );
        support::assert_storage_empty(d).await;
        assert_eq!(
            support::requests(&ctx.graph, "POST", "/oauth2/v2.0/token")
                .await
                .len(),
            1
        );

        // Sign out returns to Welcome, with nothing stored.
        support::wait_id(d, "sign-out").await.click().await.unwrap();
        support::wait_id(d, "welcome").await;
        support::assert_storage_empty(d).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_on_consent_is_explained_and_try_again_succeeds() {
    support::run("signin_cancel", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "cancel").await;
        let error = text(d, "error").await;
        assert!(error.contains("You declined the permissions"), "{error}");
        assert!(
            error.contains("AADSTS65004"),
            "the provider's words are kept: {error}"
        );
        support::wait_id(d, "try-again")
            .await
            .click()
            .await
            .unwrap();
        assert!(
            d.find(By::Id("error")).await.is_err(),
            "the error is dismissed"
        );
        support::sign_in_as(&ctx, "adele", "accept").await;
        assert!(text(d, "admin").await.contains("Adele Vance"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_state_is_refused_without_calling_the_token_endpoint() {
    support::run("signin_tampered", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "sign-in").await.click().await.unwrap();
        support::wait_id(d, "account-adele").await; // a sign-in is pending in this tab
        d.goto(&format!(
            "{}/?code=forged-code&state=forged-state",
            ctx.site
        ))
        .await
        .unwrap();
        let error = text(d, "error").await;
        assert!(error.contains("not used"), "{error}");
        assert!(support::requests(&ctx.graph, "POST", "/oauth2/v2.0/token")
            .await
            .is_empty());
        support::assert_storage_empty(d).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_the_callback_again_neither_signs_in_twice_nor_crashes() {
    support::run("signin_replay", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::wait_id(d, "signed-in").await;
        // The address the emulator redirected to, as the browser's history still has it.
        let callback = support::emulator_state(&ctx.graph).await["requestLog"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|r| {
                let q = r["query"].as_str()?;
                (r["origin"] == "site" && q.contains("code=")).then(|| format!("{}/?{q}", ctx.site))
            })
            .expect("the page was loaded with the code");
        d.goto(&callback).await.unwrap();
        let error = text(d, "error").await;
        assert!(error.contains("not used"), "{error}");
        support::wait_id(d, "sign-in").await; // the page is alive and can start again
        assert_eq!(
            support::requests(&ctx.graph, "POST", "/oauth2/v2.0/token")
                .await
                .len(),
            1
        );
        // Back to the earlier page (which the browser may restore from its cache): still one sign-in.
        d.back().await.unwrap();
        d.query(By::Css("#welcome, #signed-in"))
            .first()
            .await
            .expect("a live page");
        assert_eq!(
            support::requests(&ctx.graph, "POST", "/oauth2/v2.0/token")
                .await
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn back_from_the_sign_in_page_leaves_a_usable_page_and_no_pending_entry() {
    support::run("signin_back", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "sign-in").await.click().await.unwrap();
        support::wait_id(d, "account-adele").await;
        d.back().await.unwrap();
        let button = support::wait_id(d, "sign-in").await;
        // Restored from the back-forward cache (then an explanation is shown) or reloaded:
        // either way the button works and nothing is left in storage.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !button.is_enabled().await.unwrap() {
            assert!(
                std::time::Instant::now() < deadline,
                "the Sign in button stays disabled"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        support::assert_storage_empty(d).await;
        button.click().await.unwrap();
        support::wait_id(d, "account-adele")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "accept").await.click().await.unwrap();
        support::wait_id(d, "signed-in").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_approval_required_is_explained_and_try_again_succeeds_once_approved() {
    support::run(
        "signin_admin_approval",
        SiteConfig::Demo,
        |ctx| async move {
            let d = &ctx.driver;
            support::set_faults(
                &ctx,
                serde_json::json!({"consent": "adminApprovalRequired"}),
            )
            .await;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::wait_id(d, "sign-in").await.click().await.unwrap();
            support::wait_id(d, "account-adele")
                .await
                .click()
                .await
                .unwrap();
            // Microsoft's page, not ours, says it; its only way out returns without consent.
            let page = text(d, "error-message").await;
            assert!(page.contains("AADSTS90094"), "{page}");
            support::wait_id(d, "cancel").await.click().await.unwrap();
            let error = text(d, "error").await;
            assert!(
                error.contains("Need admin approval"),
                "the fix names the case: {error}"
            );
            assert!(error.contains("Global Administrator"), "{error}");
            // An administrator approved meanwhile.
            support::set_faults(&ctx, serde_json::json!({})).await;
            support::wait_id(d, "try-again")
                .await
                .click()
                .await
                .unwrap();
            support::sign_in_as(&ctx, "adele", "accept").await;
            assert!(text(d, "admin").await.contains("Adele Vance"));
            support::assert_storage_empty(d).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_openid_provider_signs_in_and_the_page_says_what_it_could_not_determine() {
    support::run(
        "signin_generic_oidc",
        SiteConfig::GenericOidc,
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            // Before the redirect the page knows the provider and lists only what it will ask.
            let notice = text(d, "not-entra").await;
            assert!(notice.contains("not Microsoft Entra ID"), "{notice}");
            let scopes = text(d, "scopes").await;
            assert!(
                scopes.contains("openid") && scopes.contains("email"),
                "{scopes}"
            );
            assert!(!scopes.contains("Application.ReadWrite.All"), "{scopes}");
            support::wait_id(d, "sign-in").await.click().await.unwrap();
            support::wait_id(d, "oidc-continue")
                .await
                .click()
                .await
                .unwrap();
            let admin = text(d, "admin").await;
            assert_eq!(admin, "Ada Lovelace (ada@idp.example)");
            let unknowns = text(d, "unknowns").await;
            for what in ["not Microsoft Entra ID", "tenant id", "admin roles"] {
                assert!(unknowns.contains(what), "{what}: {unknowns}");
            }
            // The provider was asked only for its own scopes, and its token never went to Graph.
            let state = support::emulator_state(&ctx.graph).await;
            let log = state["requestLog"].as_array().unwrap();
            let authorize = log
                .iter()
                .find(|r| r["path"] == "/oidc/authorize")
                .expect("an authorize request");
            let query = authorize["query"].as_str().unwrap();
            assert!(query.contains("scope=openid+profile+email"), "{query}");
            let graph_calls = |log: &[serde_json::Value]| {
                log.iter()
                    .filter(|r| {
                        r["origin"] == "graph" && r["path"].as_str().unwrap().starts_with("/v1.0")
                    })
                    .count()
            };
            assert_eq!(graph_calls(log), 0, "no Graph request");
            // The setup cannot start, and the page says why instead of trying.
            support::find_mailbox(d).await;
            let error = text(d, "error").await;
            assert!(error.contains("Microsoft Entra ID"), "{error}");
            let log = support::emulator_state(&ctx.graph).await["requestLog"].clone();
            assert_eq!(graph_calls(log.as_array().unwrap()), 0);
            support::assert_storage_empty(d).await;
            support::wait_id(d, "sign-out").await.click().await.unwrap();
            support::wait_id(d, "welcome").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mode_that_needs_more_permission_signs_in_again_for_it_and_keeps_the_mailbox() {
    support::run("signin_incremental", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        // The demo's default mode is RBAC for Applications: no grant permission is asked.
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::find_mailbox(d).await;
        support::wait_id(d, "scope-one").await;
        assert!(d.find(By::Id("more-consent")).await.is_err());
        d.find(By::Css(
            "#mode-switch option[value=applicationAccessPolicy]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        let more = text(d, "more-consent").await;
        assert!(more.contains("AppRoleAssignment.ReadWrite.All"), "{more}");
        support::sign_in_from(&ctx, "grant-more", "adele", "accept").await;
        // Back with the permission: the same mailbox is looked up again, in the new mode.
        let step = text(d, "scope-step").await;
        assert!(step.contains(support::MAILBOX), "{step}");
        assert!(d.find(By::Id("more-consent")).await.is_err());
        let authorizes = support::requests(&ctx.graph, "GET", "/oauth2/v2.0/authorize").await;
        assert_eq!(authorizes.len(), 2);
        let scopes =
            |r: &serde_json::Value| r["query"].as_str().unwrap().contains("AppRoleAssignment");
        assert!(!scopes(&authorizes[0]) && scopes(&authorizes[1]));
        support::wait_id(d, "scope-one")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "to-review")
            .await
            .click()
            .await
            .unwrap();
        let review = support::review_text(d).await;
        assert!(
            review.contains("Grant Mail.Send"),
            "the plan is the AAP one: {review}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_wids_claim_the_roles_are_asked_of_graph_and_what_stays_unknown_is_said() {
    support::run("signin_no_wids", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        // The page's registration without the groups claim: Entra then sends no `wids`.
        let http = reqwest::Client::new();
        let minted: serde_json::Value = http
            .post(format!("{}/_emulator/token", ctx.graph))
            .json(&serde_json::json!({"user": "adele@contosodemo.onmicrosoft.com", "scopes": ["Application.ReadWrite.All"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = http
            .patch(format!(
                "{}/v1.0/applications/{}",
                ctx.graph,
                mailgrant_emulator::DEMO_SPA_APP_OBJECT_ID
            ))
            .bearer_auth(minted["access_token"].as_str().unwrap())
            .json(&serde_json::json!({"groupMembershipClaims": null}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        let roles = text(d, "role-check").await;
        assert!(roles.contains("could not be determined"), "{roles}");
        let unknowns = text(d, "unknowns").await;
        assert!(unknowns.contains("wids") && unknowns.contains("Directory roles"), "{unknowns}");
        assert_eq!(
            support::requests(&ctx.graph, "GET", "/v1.0/me/memberOf").await.len(),
            1,
            "Graph was asked"
        );
        // Still signed in and able to go on.
        support::wait_id(d, "mailbox").await;
    })
    .await;
}
