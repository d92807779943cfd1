//! The browser's Back and Forward move between the steps, keep every answer, and never leave a
//! running setup.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use thirtyfour::prelude::*;

use support::MAILBOX;

const DENIED: &str = "adele@contosodemo.onmicrosoft.com";

async fn value(d: &WebDriver, id: &str) -> String {
    support::wait_id(d, id)
        .await
        .value()
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn current_step(d: &WebDriver) -> String {
    d.find(By::Css("#steps [aria-current=step]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn assert_on_the_page(d: &WebDriver, site: &str) {
    let url = d.current_url().await.unwrap();
    assert!(url.as_str().starts_with(site), "left the page for {url}");
}

/// Waits (at most 10 s) until the step list marks `label`.
async fn on_step(d: &WebDriver, label: &str) {
    support::eventually(&format!("on the {label} step"), 10, || async move {
        current_step(d).await.ends_with(label).then_some(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn back_and_forward_move_between_steps_keep_the_answers_and_stay_in_a_run() {
    support::run("history", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::find_mailbox(d).await;
        support::wait_id(d, "denied")
            .await
            .send_keys(DENIED)
            .await
            .unwrap();
        support::click(d, "to-review").await;
        support::wait_id(d, "review-step").await;
        assert!(d.title().await.unwrap().starts_with("Review"));

        // Back: Scope, with the answer kept; Back again: Mailbox, with the address kept.
        d.back().await.unwrap();
        on_step(d, "Scope").await;
        assert_eq!(value(d, "denied").await, DENIED);
        d.back().await.unwrap();
        on_step(d, "Mailbox").await;
        assert_eq!(value(d, "mailbox").await, MAILBOX);
        assert!(d.title().await.unwrap().starts_with("Mailbox"));
        // Still signed in, still on the page.
        assert_on_the_page(d, &ctx.site).await;
        support::wait_id(d, "admin").await;

        // Forward: Scope again (no new look-up), then Review, rebuilt from the kept answer.
        let lookups = support::requests(&ctx.graph, "GET", "userPurpose")
            .await
            .len();
        d.forward().await.unwrap();
        on_step(d, "Scope").await;
        assert_eq!(value(d, "denied").await, DENIED);
        assert_eq!(
            support::requests(&ctx.graph, "GET", "userPurpose")
                .await
                .len(),
            lookups
        );
        d.forward().await.unwrap();
        on_step(d, "Review").await;
        let review = support::review_text(d).await;
        assert!(review.contains(DENIED), "{review}");

        // Apply, then Back: the run stays on screen and goes on.
        support::click(d, "apply").await;
        support::wait_id(d, "hand-off-step").await;
        d.back().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        on_step(d, "Hand-off").await;
        support::wait_id(d, "hand-off-step").await;
        assert_on_the_page(d, &ctx.site).await;
    })
    .await;
}
