//! The first load: Welcome is drawn by the bootstrap (binary `welcome`) before the page's own
//! module arrives, and a page module that does not load is explained, with Try again, on both
//! roads into it (Sign in, and the return from the sign-in page).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_core::config::ScopeMode;
use mailgrant_emulator::SiteConfig;
use serde_json::json;
use thirtyfour::prelude::*;

async fn error_says(d: &WebDriver, words: &str) {
    let error = support::wait_id(d, "error").await.text().await.unwrap();
    assert!(error.contains(words), "{error}");
}

/// The sign-in page's answer (its `code`) is not in the address bar.
async fn assert_no_answer_in_the_address_bar(d: &WebDriver) {
    let url = d.current_url().await.unwrap().to_string();
    assert!(
        !url.contains("code="),
        "the answer is in the address bar: {url}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn welcome_needs_only_the_first_load_and_a_page_module_that_fails_is_retried() {
    let module = support::BrokenModule::new("no-page-module", "mailgrant-", "_bg.wasm");
    support::run_serving(
        "page_module_fails",
        support::Served::Emulator(module.dir.clone(), SiteConfig::Demo),
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            // Welcome is whole and usable without the page's module: the mode can be chosen.
            support::wait_id(d, "welcome").await;
            let scopes = support::wait_id(d, "scopes").await.text().await.unwrap();
            assert!(scopes.contains("Application.ReadWrite.All"), "{scopes}");
            d.find(By::Css("input[value=applicationAccessPolicy]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let scopes = support::wait_id(d, "scopes").await.text().await.unwrap();
            assert!(
                scopes.contains("AppRoleAssignment"),
                "the mode's scopes: {scopes}"
            );
            // Sign in needs it: explained, and nothing was sent to the authority.
            support::click(d, "sign-in").await;
            error_says(d, "did not load").await;
            assert!(!d.current_url().await.unwrap().as_str().contains(&ctx.login));
            assert!(
                d.find(By::Id("sign-in"))
                    .await
                    .unwrap()
                    .is_enabled()
                    .await
                    .unwrap(),
                "Sign in can be clicked again"
            );
            // Intact now: Try again signs in, in the mode chosen on Welcome.
            module.mend();
            support::click(d, "try-again").await;
            support::wait_id(d, "account-adele")
                .await
                .click()
                .await
                .unwrap();
            // The return from the sign-in page goes to the page's module at once; broken again
            // (and not in the cache), it is explained there too.
            module.break_it();
            d.cdp()
                .send_raw("Network.clearBrowserCache", json!({}))
                .await
                .unwrap();
            support::click(d, "accept").await;
            error_says(d, "did not load").await;
            // The answer left the address bar before the module was asked for: its `code` is
            // neither on screen nor in the history while the failure is shown.
            assert_no_answer_in_the_address_bar(d).await;
            error_says(d, "reload the page and sign in again").await;
            module.mend();
            support::click(d, "try-again").await;
            let roles = support::wait_id(d, "role-check")
                .await
                .text()
                .await
                .unwrap();
            assert!(
                roles.contains(ScopeMode::ApplicationAccessPolicy.title()),
                "{roles}"
            );
            support::wait_id(d, "mailbox").await;
            assert_no_answer_in_the_address_bar(d).await;
            support::assert_storage_holds_no_secret(d).await;
        },
    )
    .await;
}

/// The page's module is requested only once the first load's `.wasm` has arrived (so it is
/// not part of the first load), and before Sign in is clicked (so Sign in does not wait).
#[tokio::test(flavor = "multi_thread")]
async fn the_page_module_is_fetched_after_the_first_load_while_welcome_is_read() {
    support::run("first_load_order", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "sign-in").await;
        let timing = support::eventually("both modules fetched", 15, || async {
            let v = d
                .execute(
                    "const e = performance.getEntriesByType('resource');\
                     const f = (p) => e.find((r) => r.name.includes(p) && r.name.endsWith('_bg.wasm'));\
                     const w = f('/welcome-'), m = f('/mailgrant-');\
                     return w && m && m.responseEnd > 0 ? [w.responseEnd, m.startTime] : null;",
                    vec![],
                )
                .await
                .unwrap();
            v.json().as_array().map(|a| (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
        })
        .await;
        assert!(
            timing.1 >= timing.0,
            "the page module ({} ms) was requested before the first load's wasm arrived ({} ms)",
            timing.1,
            timing.0
        );
    })
    .await;
}

/// A slow download of the page's module: Sign in waits for it and, after a while, says that
/// the page is still loading and nothing has been sent; then it signs in by itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_page_module_is_said_while_sign_in_waits_for_it() {
    support::run("slow_page_module", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        let slow =
            json!({"slowFile": {"prefix": "mailgrant-", "suffix": "_bg.wasm", "delayMs": 18000}});
        support::set_faults(&ctx, slow).await;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::click(d, "sign-in").await;
        let clicked = std::time::Instant::now();
        let note = support::wait_id(d, "still-loading")
            .await
            .text()
            .await
            .unwrap();
        let waited = clicked.elapsed();
        assert!(
            waited >= std::time::Duration::from_secs(7),
            "said after {waited:?}, before the wait was long"
        );
        assert!(
            note.contains("You have not been sent to sign in yet"),
            "{note}"
        );
        assert!(!d.current_url().await.unwrap().as_str().contains(&ctx.login));
        // The download goes on: once the module is there, Sign in goes to Microsoft.
        support::wait_id(d, "account-adele").await;
        support::set_faults(&ctx, json!({})).await;
        support::wait_id(d, "account-adele")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "accept").await.click().await.unwrap();
        support::wait_id(d, "mailbox-step").await;
    })
    .await;
}

/// Makes a start of the page's module fail as a module that traps at start would: before the
/// page's own scripts run (a script CDP adds is outside the page's CSP), the loader the inline
/// bootstrap defines (`window.mailgrantPage`) is wrapped so that the first start for which
/// `fails(args)` holds (`start_page`'s arguments; the sixth is the sign-in answer) leaves a line
/// on the page and throws, and so does every later start in this document (the real module's
/// second start would return at its once-per-page guard and leave the page blank; throwing
/// again makes the test fail as loudly). The tab's sessionStorage remembers it: after a reload
/// the real module starts.
fn fail_a_start(fails: &str) -> String {
    format!(
        r#"(() => {{
  let real, stoppedHere = false;
  const fails = (args) => {fails};
  Object.defineProperty(window, 'mailgrantPage', {{
    configurable: true,
    set(f) {{ real = f; }},
    get() {{
      if (!real || (sessionStorage.getItem('test.startFailed') && !stoppedHere)) return real;
      return () => real().then((m) => ({{
        start_page(...args) {{
          if (!stoppedHere && !fails(args)) return m.start_page(...args);
          stoppedHere = true;
          sessionStorage.setItem('test.startFailed', '1');
          document.body.append('left by a module that stopped');
          throw new WebAssembly.RuntimeError('unreachable');
        }},
      }}));
    }},
  }});
}})();"#
    )
}

async fn fail_a_start_in(d: &WebDriver, fails: &str) {
    d.cdp()
        .send_raw(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": fail_a_start(fails) }),
        )
        .await
        .unwrap();
}

/// A page module that loads and then stops as it starts leaves no blank page and nothing of
/// its own: the bootstrap draws itself again with what happened, and Try again reloads the
/// page (that copy of the module is not started again); the fresh copy signs in.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_module_that_stops_as_it_starts_is_explained_and_reloaded() {
    support::run("page_module_stops", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        fail_a_start_in(d, "true").await;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await;
        support::click(d, "sign-in").await;
        error_says(d, "did not start").await;
        error_says(d, "RuntimeError: unreachable").await;
        error_says(d, "Select Try again to reload the page").await;
        error_says(d, "Nothing in your tenant has been changed").await;
        let body = d.find(By::Tag("body")).await.unwrap().text().await.unwrap();
        assert!(
            !body.contains("left by a module"),
            "the module's line stayed: {body}"
        );
        assert!(!d.current_url().await.unwrap().as_str().contains(&ctx.login));
        support::click(d, "try-again").await;
        support::wait_id(d, "welcome").await;
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::wait_id(d, "mailbox-step").await;
    })
    .await;
}

/// On the return from the sign-in page, a module that stops as it starts is said truthfully
/// (signed in; the answer has left the address bar), and Try again's reload shows Welcome with
/// the pending sign-in gone, from which a new sign-in goes through.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_module_that_stops_on_the_return_is_reloaded_to_welcome() {
    support::run(
        "page_module_stops_on_return",
        SiteConfig::Demo,
        |ctx| async move {
            let d = &ctx.driver;
            fail_a_start_in(d, "args[5] !== undefined").await;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::sign_in_as(&ctx, "adele", "accept").await;
            error_says(
                d,
                "You are signed in, but the rest of this page did not start",
            )
            .await;
            error_says(d, "reload the page and sign in again").await;
            assert_no_answer_in_the_address_bar(d).await;
            support::click(d, "try-again").await;
            support::wait_id(d, "welcome").await;
            let pending = d
                .execute(
                    "return sessionStorage.getItem('mailgrant.pendingSignIn');",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                pending.json(),
                &serde_json::Value::Null,
                "the pending sign-in stayed"
            );
            support::sign_in_as(&ctx, "adele", "accept").await;
            support::wait_id(d, "mailbox-step").await;
        },
    )
    .await;
}

/// What the bootstrap read (`config.json`, the discovery document) is handed over: from a fresh
/// load to the authority's sign-in page, each is requested once.
#[tokio::test(flavor = "multi_thread")]
async fn the_page_module_asks_for_nothing_the_bootstrap_read() {
    support::run(
        "first_load_handed_over",
        SiteConfig::Demo,
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::wait_id(d, "sign-in").await;
            support::eventually("the bootstrap read discovery", 15, || async {
                let v = d
                    .execute(
                        "return performance.getEntriesByType('resource').some((r) => \
                     r.name.includes('openid-configuration') && r.responseEnd > 0);",
                        vec![],
                    )
                    .await
                    .unwrap();
                v.json().as_bool().filter(|b| *b)
            })
            .await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            support::click(d, "sign-in").await;
            support::wait_id(d, "account-adele").await;
            let state = support::emulator_state(&ctx.graph).await;
            let log = state["requestLog"].as_array().unwrap();
            let count = |end: &str| {
                log.iter()
                    .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(end)))
                    .count()
            };
            assert_eq!(count("/config.json"), 1, "{log:#?}");
            assert_eq!(count("/openid-configuration"), 1, "{log:#?}");
        },
    )
    .await;
}

/// A changed byte in the page module's JS glue is refused as its `.wasm` is; and a setup saved
/// in the tab is said to be kept, not "nothing changed".
#[tokio::test(flavor = "multi_thread")]
async fn a_changed_page_glue_is_refused_and_a_saved_setup_is_said_to_wait() {
    let module = support::BrokenModule::new("page-glue-changed", "mailgrant-", ".js");
    support::run_serving(
        "page_glue_changed",
        support::Served::Emulator(module.dir.clone(), SiteConfig::Demo),
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::click(d, "sign-in").await;
            error_says(d, "Nothing in your tenant has been changed").await;
            // A journal in the tab: the page's module is needed at once, and the failure says
            // the setup waits (its text is the page's to read; any text sends the load there).
            d.execute(
                &format!(
                    "sessionStorage.setItem('{}', '{{}}');",
                    mailgrant_core::wizard::setup::JOURNAL_KEY
                ),
                vec![],
            )
            .await
            .unwrap();
            d.refresh().await.unwrap();
            error_says(d, "A setup in this tab is saved").await;
            let error = support::wait_id(d, "error").await.text().await.unwrap();
            assert!(!error.contains("Nothing in your tenant"), "{error}");
            assert!(
                d.find(By::Id("welcome")).await.is_err(),
                "no Welcome of its own"
            );
        },
    )
    .await;
}
