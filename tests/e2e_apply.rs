//! The setup end to end: sign in, mailbox, scope, review, apply, hand-off, against the
//! emulator's Graph, in both modes.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use serde_json::Value;
use support::MAILBOX;
use thirtyfour::prelude::*;

async fn count(graph: &str) -> (usize, usize, usize, usize) {
    let s = support::emulator_state(graph).await;
    let ours = |v: &Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter(|x| {
                        x["tags"]
                            .as_array()
                            .is_some_and(|t| t.iter().any(|t| t == "mailgrant"))
                    })
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let apps = ours(&s["applications"]);
    let secrets = apps
        .iter()
        .map(|a| a["passwordCredentials"].as_array().map_or(0, Vec::len))
        .sum();
    let app_ids: Vec<&Value> = apps.iter().map(|a| &a["appId"]).collect();
    let sps = s["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|sp| app_ids.contains(&&sp["appId"]))
        .count();
    let sp_ids: Vec<Value> = s["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|sp| app_ids.contains(&&sp["appId"]))
        .map(|sp| sp["id"].clone())
        .collect();
    let grants = s["appRoleAssignments"].as_array().map_or(0, |a| {
        a.iter()
            .filter(|g| sp_ids.contains(&g["principalId"]))
            .count()
    });
    (apps.len(), sps, secrets, grants)
}

/// From a fresh page through Apply; in the legacy mode, also through the Exchange script (the
/// grant comes after its code).
async fn set_up(ctx: &support::Ctx, aap: bool) {
    support::set_up(ctx, aap, "one", || async {}).await;
    if aap {
        support::pass_policy_script(ctx, false).await;
    }
}

async fn wait_hand_off(d: &WebDriver) {
    let status = d
        .query(By::Css("#hand-off-step, #error"))
        .first()
        .await
        .unwrap();
    let text = status.text().await.unwrap();
    assert!(text.contains("Done"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_mode_creates_one_app_one_sp_one_secret_and_no_grant_then_undo() {
    support::run("apply_rbac", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        set_up(&ctx, false).await;
        wait_hand_off(d).await;
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 0));
        let script = support::script_text(d).await;
        // The page made the Exchange role assignment itself: the script checks it.
        assert!(
            script.contains("Test-ServicePrincipalAuthorization"),
            "{script}"
        );
        assert!(script.contains(MAILBOX));
        support::assert_storage_holds_no_secret(d).await;
        // Undo asks first; "Keep it" keeps everything.
        let before = count(&ctx.graph).await;
        support::wait_id(d, "undo").await.click().await.unwrap();
        let ask = support::wait_id(d, "undo-ask").await.text().await.unwrap();
        assert!(ask.contains("stop working"), "{ask}");
        support::wait_id(d, "undo-cancel")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "hand-off-step").await;
        assert_eq!(
            count(&ctx.graph).await,
            before,
            "nothing removed on Keep it"
        );
        support::undo_and_wait(d).await;
        assert_eq!(count(&ctx.graph).await, (0, 0, 0, 0));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aap_mode_adds_the_mail_send_grant_and_applying_again_adds_nothing() {
    support::run("apply_aap", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        set_up(&ctx, true).await;
        wait_hand_off(d).await;
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 1));
        let script = support::script_text(d).await;
        assert!(script.contains("New-ApplicationAccessPolicy"), "{script}");
        // Again, from a fresh sign-in: everything is found and reused.
        support::wait_id(d, "saved").await.click().await.unwrap();
        support::wait_id(d, "sign-out").await.click().await.unwrap();
        set_up(&ctx, true).await;
        wait_hand_off(d).await;
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 1));
        // No new secret this time, and the page says so (not "no longer in memory").
        let gone = support::wait_id(d, "secret-gone")
            .await
            .text()
            .await
            .unwrap();
        assert!(gone.contains("made no new client secret"), "{gone}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_converges_through_replication_lag_throttling_and_a_lost_response() {
    support::run("apply_faults", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        let faults = serde_json::json!({
            "consistencyDelayMs": 3000,
            "throttle": [{"method": "POST", "pathContains": "/addPassword", "times": 1, "retryAfterSecs": 1}],
            "loseResponse": [{"method": "PATCH", "pathContains": "applications(uniqueName=", "times": 1}],
        });
        support::set_faults(&ctx, faults).await;
        set_up(&ctx, true).await;
        let step = d
            .query(By::Css("#hand-off-step"))
            .wait(std::time::Duration::from_secs(60), std::time::Duration::from_millis(200))
            .first()
            .await
            .expect("Apply converges to the hand-off");
        assert!(step.text().await.unwrap().contains("Done"));
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 1), "exactly one of each");
        // Every fault was met.
        let state = support::emulator_state(&ctx.graph).await;
        let log = state["requestLog"].as_array().unwrap();
        assert!(log.iter().any(|r| r["status"] == 429), "a 429 was answered");
        assert!(log.iter().any(|r| r["responseLost"] == true), "a response was lost");
    })
    .await;
}

async fn slow_graph(ctx: &support::Ctx, latency_ms: u64) {
    support::set_faults(ctx, serde_json::json!({ "latencyMs": latency_ms })).await;
}

/// Waits until the run log shows at least `n` answered calls.
async fn wait_log_rows(d: &WebDriver, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let rows = d
            .find_all(By::Css("#run-log tbody tr"))
            .await
            .unwrap()
            .len();
        if rows >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {rows} calls logged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn app_ids(graph: &str) -> Vec<Value> {
    support::emulator_state(graph).await["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "mailgrant"))
        })
        .map(|a| a["appId"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_in_the_middle_of_apply_resumes_after_sign_in_with_the_same_ids() {
    support::run("apply_reload", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        slow_graph(&ctx, 700).await;
        support::set_up(&ctx, true, "one", || async {}).await;
        wait_log_rows(d, 2).await; // the app exists; the service principal is under way
                                   // The checklist: "k of n done", each operation with where it is.
        let progress = support::wait_id(d, "run-progress")
            .await
            .text()
            .await
            .unwrap();
        let (k, n) = progress
            .strip_suffix(" done")
            .and_then(|p| p.split_once(" of "))
            .map(|(k, n)| (k.parse::<usize>().unwrap(), n.parse::<usize>().unwrap()))
            .unwrap_or_else(|| panic!("{progress}"));
        assert!(k < n && n >= 4, "{progress}");
        let checklist = support::wait_id(d, "checklist").await.text().await.unwrap();
        assert!(
            checklist.contains("create or reuse the app registration — done: created"),
            "{checklist}"
        );
        assert!(
            checklist.contains("— running") || checklist.contains("— waiting"),
            "{checklist}"
        );
        let before = app_ids(&ctx.graph).await;
        assert_eq!(before.len(), 1);
        d.refresh().await.unwrap();
        support::wait_id(d, "interrupted").await;
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::pass_policy_script(&ctx, false).await;
        let step = d
            .query(By::Css("#hand-off-step"))
            .wait(
                std::time::Duration::from_secs(60),
                std::time::Duration::from_millis(200),
            )
            .first()
            .await
            .expect("the resumed run finishes");
        assert!(
            step.text()
                .await
                .unwrap()
                .contains(before[0].as_str().unwrap()),
            "the same app id"
        );
        assert_eq!(app_ids(&ctx.graph).await, before);
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 1));
    })
    .await;
}

/// Waits up to 60 s for `#done_id`, signing in again (as Adele) whenever the page asks to, and
/// passing the legacy mode's Exchange script once it is shown. Returns how many times it asked.
async fn through_sign_ins(ctx: &support::Ctx, done_id: &str) -> usize {
    let d = &ctx.driver;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut asked = 0;
    let mut script_passed = false;
    loop {
        if d.find(By::Id(done_id)).await.is_ok() {
            return asked;
        }
        if d.find(By::Id("sign-in-again")).await.is_ok() {
            support::sign_in_again(ctx).await;
            asked += 1;
        } else if !script_passed && d.find(By::Id("script-code")).await.is_ok() {
            support::pass_policy_script(ctx, false).await;
            script_passed = true;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no #{done_id} within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_five_second_tokens_a_run_that_outlasts_its_token_signs_in_again_and_finishes() {
    support::run("apply_token_expiry", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        // Every token lives 5 s; addPassword is throttled for 6 s, so the run outlasts its token
        // and the retry meets a 401 (wherever else a slow machine lets the token expire, the
        // page asks to sign in again too, and the test follows).
        support::set_faults(
            &ctx,
            serde_json::json!({
                "accessTokenLifetimeSecs": 5,
                "throttle": [{"method": "POST", "pathContains": "/addPassword", "times": 1, "retryAfterSecs": 6}],
            }),
        )
        .await;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await;
        d.find(By::Css("input[value=applicationAccessPolicy]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::find_mailbox(d).await;
        through_sign_ins(&ctx, "scope-one").await;
        support::wait_id(d, "scope-one").await.click().await.unwrap();
        support::wait_id(d, "to-review").await.click().await.unwrap();
        support::wait_id(d, "apply").await.click().await.unwrap();
        let asked = through_sign_ins(&ctx, "hand-off-step").await;
        assert!(asked >= 1, "the run outlasted its token");
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 1));
        let state = support::emulator_state(&ctx.graph).await;
        let log = state["requestLog"].as_array().unwrap();
        let after_429 = log.iter().skip_while(|r| r["status"] != 429);
        assert!(
            after_429.clone().any(|r| r["status"] == 401),
            "the throttled call's retry met the expired token"
        );
        let text = support::wait_id(d, "hand-off-step").await.text().await.unwrap();
        assert!(text.contains(support::MAILBOX), "the input survived: {text}");
        support::assert_storage_holds_no_secret(d).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_expired_on_the_mailbox_step_is_re_acquired_and_the_address_is_kept() {
    support::run("mailbox_token_expiry", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        support::set_faults(&ctx, serde_json::json!({"accessTokenLifetimeSecs": 5})).await;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        let input = support::wait_id(d, "mailbox").await;
        // The admin steps away; the token's five seconds pass.
        reqwest::Client::new()
            .post(format!("{}/_emulator/clock?advance=6", ctx.graph))
            .send()
            .await
            .unwrap();
        input.send_keys(support::MAILBOX).await.unwrap();
        support::wait_id(d, "find-mailbox")
            .await
            .click()
            .await
            .unwrap();
        support::sign_in_again(&ctx).await;
        // Back from the sign-in, the same address is looked up without being typed again.
        support::wait_id(d, "scope-one").await;
        let text = support::wait_id(d, "scope-step")
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains(support::MAILBOX), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_of_an_older_page_left_in_the_tab_is_refused_clearly_and_kept() {
    support::run("old_journal", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await;
        // What version 1 of the page left in sessionStorage: the run wrapped with the Scope answer.
        let old =
            r#"{"run":"{\"version\":1,\"runId\":\"x\"}","scope":{"kind":"one"},"denied":null}"#;
        d.execute(
            "sessionStorage.setItem('mailgrant.run', arguments[0]);",
            vec![serde_json::json!(old)],
        )
        .await
        .unwrap();
        d.refresh().await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        let error = support::wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("another version of this page"), "{error}");
        support::wait_id(d, "download-saved-run").await;
        let kept = d
            .execute("return sessionStorage.getItem('mailgrant.run');", vec![])
            .await
            .unwrap();
        assert_eq!(kept.json().as_str(), Some(old), "kept, not deleted");
        // Discarding it leaves a page that can start a new setup.
        support::wait_id(d, "discard-saved-run")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "mailbox").await;
        let gone = d
            .execute("return sessionStorage.getItem('mailgrant.run');", vec![])
            .await
            .unwrap();
        assert!(gone.json().is_null(), "{:?}", gone.json());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_run_reloaded_ends_on_its_hand_off_with_undo() {
    support::run(
        "apply_reload_finished",
        SiteConfig::Demo,
        |ctx| async move {
            let d = &ctx.driver;
            set_up(&ctx, false).await;
            wait_hand_off(d).await;
            let before = app_ids(&ctx.graph).await;
            let counts = count(&ctx.graph).await;
            // The run's log is still reachable from Hand-off.
            support::wait_id(d, "download-log")
                .await
                .click()
                .await
                .unwrap();
            let log = support::downloaded(&ctx, "mailgrant-log.json").await;
            assert!(String::from_utf8_lossy(&log).contains("request"), "a log");
            // The admin saved the credentials, then reloads the tab.
            support::wait_id(d, "saved").await.click().await.unwrap();
            d.refresh().await.unwrap();
            support::wait_id(d, "interrupted").await;
            support::sign_in_as(&ctx, "adele", "accept").await;
            let step = support::wait_id(d, "hand-off-step")
                .await
                .text()
                .await
                .unwrap();
            // Its results: the same ids (the mailbox's object id too), the script, Undo; nothing
            // was made again.
            assert!(step.contains(before[0].as_str().unwrap()), "{step}");
            assert!(
                step.contains("670604ea-5ccf-4fa0-94d3-14e71cc55ce7"),
                "{step}"
            );
            assert!(!step.contains("Mailbox object ID\n—"), "{step}");
            support::wait_id(d, "setup-script").await;
            assert_eq!(count(&ctx.graph).await, counts);
            assert_eq!(app_ids(&ctx.graph).await, before);
            support::undo_and_wait(d).await;
            support::wait_id(d, "start-over").await;
            assert_eq!(count(&ctx.graph).await, (0, 0, 0, 0));
        },
    )
    .await;
}

/// The seconds the checklist says the secret's retry is in, if it says so.
async fn retry_in(d: &WebDriver) -> Option<u64> {
    let text = d.find(By::Id("checklist")).await.ok()?.text().await.ok()?;
    let line = text.lines().find(|l| l.contains("add client secret"))?;
    let n = line.split("retrying (in ").nth(1)?.split(' ').next()?;
    n.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_call_counts_down_to_its_retry() {
    support::run("apply_countdown", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        let faults = serde_json::json!({
            "throttle": [{"method": "POST", "pathContains": "/addPassword", "times": 1, "retryAfterSecs": 6}],
        });
        support::set_faults(&ctx, faults).await;
        set_up(&ctx, false).await;
        // Seen once, then lower: the countdown moves on its own.
        let first = support::eventually("a countdown", 20, || retry_in(d)).await;
        assert!((1..=6).contains(&first), "{first}");
        // Lower, or gone: already retried, it finished counting.
        support::eventually("the countdown moving on", 10, || async move {
            retry_in(d).await.is_none_or(|n| n < first).then_some(())
        })
        .await;
        wait_hand_off(d).await;
        assert_eq!(count(&ctx.graph).await, (1, 1, 1, 0));
    })
    .await;
}
