//! Scoped before anything can send: what the emulator's Exchange lets the app send as, read
//! from its effective-access model (Entra grants narrowed by application access policies, plus
//! RBAC for Applications role assignments), through each mode of the page.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mailgrant_emulator::SiteConfig;
use support::MAILBOX;
use thirtyfour::prelude::*;

const DOMAIN: &str = "contosodemo.onmicrosoft.com";

fn at(local: &str) -> String {
    format!("{local}@{DOMAIN}")
}

/// Waits up to 60 s for the Hand-off step and returns its text.
async fn hand_off(d: &WebDriver) -> String {
    d.query(By::Css("#hand-off-step"))
        .wait(Duration::from_secs(60), Duration::from_millis(200))
        .first()
        .await
        .expect("the run reaches the hand-off")
        .text()
        .await
        .unwrap()
}

/// The Entra app role assignments held by the service principal of `app_id`.
async fn entra_grants(graph: &str, app_id: &str) -> usize {
    let s = support::emulator_state(graph).await;
    let sp = s["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sp| sp["appId"] == app_id)
        .map(|sp| sp["id"].clone());
    s["appRoleAssignments"].as_array().map_or(0, |a| {
        a.iter()
            .filter(|g| Some(&g["principalId"]) == sp.as_ref())
            .count()
    })
}

fn mailbox_of(mailboxes: &[String]) -> Vec<String> {
    let mut m = mailboxes.to_vec();
    m.sort();
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_the_page_scopes_the_app_to_the_mailbox_and_applying_again_adds_nothing() {
    support::run("exchange_rbac", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_up(&ctx, false, "one", || async {}).await;
        let text = hand_off(d).await;
        assert!(
            text.contains(&format!("Done: the app can send as {MAILBOX} only")),
            "{text}"
        );
        assert!(text.contains("30 minutes to 2 hours"), "{text}");
        let apps = support::our_app_ids(&ctx.graph).await;
        assert_eq!(apps.len(), 1);
        let app = &apps[0];
        assert_eq!(support::can_send_as(&ctx.graph, app).await, [MAILBOX]);
        assert_eq!(entra_grants(&ctx.graph, app).await, 0, "no Entra Mail.Send");
        let assignments = support::exchange_assignments(&ctx.graph).await;
        assert_eq!(assignments.len(), 1, "{assignments:?}");
        assert!(assignments[0]["directoryScopeId"]
            .as_str()
            .unwrap()
            .starts_with("/Users/"));
        // The script only checks what the page made.
        let script = support::script_text(d).await;
        assert!(script.contains("Test-ServicePrincipalAuthorization"));
        assert!(!script.contains("New-ManagementRoleAssignment"), "{script}");

        // Again, from a fresh sign-in: the assignment is found, not made twice.
        support::wait_id(d, "saved").await.click().await.unwrap();
        support::wait_id(d, "sign-out").await.click().await.unwrap();
        support::set_up(&ctx, false, "one", || async {}).await;
        hand_off(d).await;
        assert_eq!(support::exchange_assignments(&ctx.graph).await.len(), 1);
        assert_eq!(support::our_app_ids(&ctx.graph).await, apps);
        assert_eq!(support::can_send_as(&ctx.graph, app).await, [MAILBOX]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_undo_removes_the_exchange_assignment_too() {
    support::run("exchange_rbac_undo", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_up(&ctx, false, "one", || async {}).await;
        hand_off(d).await;
        assert_eq!(support::exchange_assignments(&ctx.graph).await.len(), 1);
        support::undo_and_wait(d).await;
        assert!(support::exchange_assignments(&ctx.graph).await.is_empty());
        assert!(support::our_app_ids(&ctx.graph).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_a_group_scope_reaches_direct_members_only_and_the_nested_one_is_warned_about() {
    support::run("exchange_rbac_group", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        // The invoices mailbox is in Finance Notifications only through Finance Mailboxes;
        // Megan is a direct member.
        let review = support::to_review(&ctx, false, MAILBOX, "group", || async {
            support::wait_id(d, "group-address")
                .await
                .send_keys(at("finance-notifications"))
                .await
                .unwrap();
        })
        .await;
        assert!(review.contains("only through a nested group"), "{review}");
        assert!(review.contains("could NOT send as it"), "{review}");
        support::wait_id(d, "apply").await.click().await.unwrap();
        let text = hand_off(d).await;
        assert!(
            text.contains(&format!(
                "direct members of {}",
                at("finance-notifications")
            )),
            "{text}"
        );
        let app = support::our_app_ids(&ctx.graph).await.remove(0);
        assert_eq!(
            mailbox_of(&support::can_send_as(&ctx.graph, &app).await),
            [at("megan")],
            "the direct member, not the nested one"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_without_the_beta_endpoint_the_script_scopes_and_nothing_is_half_made() {
    for (fault, says) in [("off", "not available"), ("forbidden", "HTTP 403")] {
        support::run(
            &format!("exchange_rbac_{fault}"),
            SiteConfig::Demo,
            move |ctx| async move {
                let d = &ctx.driver;
                support::set_faults(&ctx, serde_json::json!({ "exchangeRbac": fault })).await;
                support::set_up(&ctx, false, "one", || async {}).await;
                let text = hand_off(d).await;
                assert!(
                    text.contains("The app is set up: now scope it in Exchange Online"),
                    "{text}"
                );
                let note = support::wait_id(d, "scope-note")
                    .await
                    .text()
                    .await
                    .unwrap();
                assert!(note.contains(says), "{note}");
                assert!(note.contains("can send as no mailbox"), "{note}");
                // The script comes first, and makes the scope itself.
                let script = support::script_text(d).await;
                assert!(script.contains("New-ManagementRoleAssignment"), "{script}");
                assert!(support::exchange_assignments(&ctx.graph).await.is_empty());
                let app = support::our_app_ids(&ctx.graph).await.remove(0);
                assert!(support::can_send_as(&ctx.graph, &app).await.is_empty());
                assert_eq!(entra_grants(&ctx.graph, &app).await, 0);
                // The run finished: nothing is left waiting or half-made.
                support::wait_id(d, "secret-value").await;
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_the_app_never_reaches_a_second_mailbox_and_the_grant_waits_for_the_code() {
    support::run("exchange_aap", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_faults(&ctx, serde_json::json!({ "latencyMs": 100 })).await;
        // A watcher polls Exchange's effective access for a second mailbox all through the run.
        let reached = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (graph, reached, done) = (ctx.graph.clone(), reached.clone(), done.clone());
            tokio::spawn(async move {
                let mut polls = 0;
                while !done.load(Ordering::SeqCst) {
                    for app in support::our_app_ids(&graph).await {
                        if support::can_send_as(&graph, &app)
                            .await
                            .contains(&at("adele"))
                        {
                            reached.store(true, Ordering::SeqCst);
                        }
                    }
                    polls += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                polls
            })
        };
        support::to_review(&ctx, true, &at("megan"), "one", || async {}).await;
        support::wait_id(d, "apply").await.click().await.unwrap();

        // The page stops at the Exchange script: the app exists, nothing is granted, and the
        // credential is not offered.
        support::wait_id(d, "policy-script").await;
        let app = support::our_app_ids(&ctx.graph).await.remove(0);
        assert_eq!(
            entra_grants(&ctx.graph, &app).await,
            0,
            "no grant before the policy"
        );
        assert!(d.find(By::Id("hand-off-step")).await.is_err());
        assert!(d.find(By::Id("secret-value")).await.is_err());
        assert!(support::can_send_as(&ctx.graph, &app).await.is_empty());
        assert!(
            d.find(By::Id("undo")).await.is_ok(),
            "Undo works at this point too"
        );

        // A wrong code grants nothing.
        support::wait_id(d, "script-code")
            .await
            .send_keys("0000-0000")
            .await
            .unwrap();
        support::wait_id(d, "confirm-code")
            .await
            .click()
            .await
            .unwrap();
        let error = support::wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("not the code"), "{error}");
        assert_eq!(entra_grants(&ctx.graph, &app).await, 0);
        support::wait_id(d, "script-code")
            .await
            .clear()
            .await
            .unwrap();

        // The admin runs the script (policy first), then types its code.
        support::pass_policy_script(&ctx, true).await;
        let text = hand_off(d).await;
        assert!(
            text.contains(&format!("Done: the app can send as {} only", at("megan"))),
            "{text}"
        );
        assert_eq!(
            entra_grants(&ctx.graph, &app).await,
            1,
            "granted after the code"
        );
        support::wait_id(d, "secret-value").await;
        assert_eq!(support::can_send_as(&ctx.graph, &app).await, [at("megan")]);
        done.store(true, Ordering::SeqCst);
        let polls = watcher.await.unwrap();
        assert!(polls > 5, "the watcher looked {polls} times");
        assert!(
            !reached.load(Ordering::SeqCst),
            "the app could send as a second mailbox"
        );
    })
    .await;
}
