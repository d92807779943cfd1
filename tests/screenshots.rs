//! Every step and state of the page at 1280 and 375 px wide, light and dark: written to
//! `target/screenshots/` (`cargo xtask screenshots` runs just this), and checked each time:
//! axe-core reports no serious or critical violation, the step's h1 is the first heading, and at
//! 375 px nothing scrolls sideways.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use support::Ctx;

const SIZES: [(&str, u32, u32); 2] = [("1280", 1280, 900), ("375", 375, 812)];
const SCHEMES: [&str; 2] = ["light", "dark"];

fn out_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

/// axe-core from npm (package.json), as the harness injects it.
fn axe_source() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask setup`)", path.display()))
}

/// The serious and critical violations axe-core finds on the page as it is now.
async fn axe(driver: &WebDriver, source: &str) -> Vec<Value> {
    driver.execute(source, vec![]).await.unwrap();
    let r = driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))))
                 .catch(e => done([{ id: 'axe-failed', help: String(e) }]));"#,
            vec![],
        )
        .await
        .unwrap();
    r.json().as_array().cloned().unwrap_or_default()
}

/// Screenshots of this state at both widths in both schemes; axe and the width check on each.
async fn capture(ctx: &Ctx, state: &str, axe_js: &str, failures: &mut Vec<String>) {
    let d = &ctx.driver;
    let dev = d.cdp();
    for (label, width, height) in SIZES {
        dev.send_raw(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        )
        .await
        .unwrap();
        for scheme in SCHEMES {
            dev.send_raw(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            )
            .await
            .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            let shot = dev
                .send_raw(
                    "Page.captureScreenshot",
                    json!({"format": "png", "captureBeyondViewport": true}),
                )
                .await
                .unwrap();
            let png = base64_decode(shot["data"].as_str().unwrap_or_default());
            std::fs::write(out_dir().join(format!("{state}-{label}-{scheme}.png")), png).unwrap();
            let widths = d
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .unwrap()
                .json()
                .clone();
            if widths[0].as_u64() > widths[1].as_u64() {
                failures.push(format!(
                    "{state} at {label} px ({scheme}): the page is {} px wide",
                    widths[0]
                ));
            }
            // The step's h1 is the first heading a screen reader lists (a problem's banner, put
            // above the step and focused, may come before it).
            let first = d
                .execute(
                    "const h = [...document.querySelectorAll('h1,h2,h3')].find(h => !h.closest('#error'));
                     return h ? h.tagName : 'none';",
                    vec![],
                )
                .await
                .unwrap()
                .json()
                .clone();
            if first != "H1" {
                failures.push(format!(
                    "{state} at {label} px ({scheme}): the first heading is {first}, not the step's h1"
                ));
            }
            for v in axe(d, axe_js).await {
                failures.push(format!("{state} at {label} px ({scheme}): axe {v}"));
            }
        }
    }
    dev.send_raw("Emulation.clearDeviceMetricsOverride", json!({}))
        .await
        .unwrap();
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        let Some(v) = A.iter().position(|&a| a == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// Axe injects a script: the page's CSP (Trusted Types, script hashes) is set aside for this
/// test only; e2e_hosting and e2e check the page under it.
async fn bypass_csp(ctx: &Ctx) {
    ctx.driver
        .cdp()
        .send_raw("Page.setBypassCSP", json!({"enabled": true}))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_step_in_both_widths_and_schemes_passes_axe_and_fits() {
    std::fs::create_dir_all(out_dir()).unwrap();
    support::run("screenshots", SiteConfig::Demo, |ctx| async move {
        let axe_js = axe_source();
        let mut failures = vec![];
        let d = &ctx.driver;
        bypass_csp(&ctx).await;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "welcome").await;
        capture(&ctx, "1-welcome", &axe_js, &mut failures).await;
        // The check can fail: a button without a name is a critical violation.
        d.execute(
            "const b = document.createElement('button'); b.id = 'nameless'; document.querySelector('main').append(b);",
            vec![],
        )
        .await
        .unwrap();
        let found = axe(d, &axe_js).await;
        assert!(
            found.iter().any(|v| v["id"] == "button-name"),
            "axe-core runs and reports: {found:?}"
        );
        d.execute("document.getElementById('nameless').remove();", vec![])
            .await
            .unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::wait_id(d, "mailbox").await;
        capture(&ctx, "2-mailbox", &axe_js, &mut failures).await;
        support::wait_id(d, "mailbox")
            .await
            .send_keys("nobody@contosodemo.onmicrosoft.com")
            .await
            .unwrap();
        support::wait_id(d, "find-mailbox")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "error").await;
        capture(&ctx, "2-mailbox-error", &axe_js, &mut failures).await;
        support::wait_id(d, "mailbox").await.clear().await.unwrap();
        support::find_mailbox(d).await;
        support::wait_id(d, "scope-one").await;
        capture(&ctx, "3-scope", &axe_js, &mut failures).await;
        // A group that cannot scope the app: the permission asked for, then the refusal with
        // the tenant's mail-enabled security groups named.
        support::click(d, "scope-group").await;
        support::wait_id(d, "group-address")
            .await
            .send_keys("allstaff@contosodemo.onmicrosoft.com")
            .await
            .unwrap();
        support::click(d, "to-review").await;
        support::wait_id(d, "grant-more").await;
        capture(&ctx, "3-scope-needs-permission", &axe_js, &mut failures).await;
        support::sign_in_from(&ctx, "grant-more", "adele", "accept").await;
        support::wait_id(d, "scope-problem").await;
        capture(&ctx, "3-scope-group-refused", &axe_js, &mut failures).await;
        support::click(d, "scope-one").await;
        support::click(d, "to-review").await;
        support::wait_id(d, "review-step").await;
        capture(&ctx, "4-review", &axe_js, &mut failures).await;
        // Apply in progress: slow answers hold the checklist on screen for the captures.
        support::set_faults(&ctx, serde_json::json!({"latencyMs": 4000})).await;
        support::wait_id(d, "apply").await.click().await.unwrap();
        support::wait_id(d, "checklist").await;
        capture(&ctx, "5-apply-running", &axe_js, &mut failures).await;
        support::set_faults(&ctx, serde_json::json!({})).await;
        d.query(By::Id("hand-off-step"))
            .wait(
                std::time::Duration::from_secs(60),
                std::time::Duration::from_millis(100),
            )
            .first()
            .await
            .expect("the run finishes");
        capture(&ctx, "5-hand-off", &axe_js, &mut failures).await;
        // Undo's question, with the Copy feedback of an id beside it.
        support::click(d, "copy-row-0").await;
        support::click(d, "undo").await;
        support::wait_id(d, "undo-ask").await;
        capture(&ctx, "5-hand-off-undo-asked", &axe_js, &mut failures).await;
        support::click(d, "undo-cancel").await;
        support::undo_and_wait(d).await;
        capture(&ctx, "6-after-undo", &axe_js, &mut failures).await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_legacy_wait_for_the_script_passes_axe_and_fits() {
    std::fs::create_dir_all(out_dir()).unwrap();
    support::run("screenshots_aap", SiteConfig::Demo, |ctx| async move {
        let axe_js = axe_source();
        let mut failures = vec![];
        bypass_csp(&ctx).await;
        let megan = "megan@contosodemo.onmicrosoft.com";
        support::to_review(&ctx, true, megan, "one", || async {}).await;
        support::wait_id(&ctx.driver, "apply")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(&ctx.driver, "policy-script").await;
        capture(
            &ctx,
            "5-apply-waiting-for-the-script",
            &axe_js,
            &mut failures,
        )
        .await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}

/// Welcome when the page's own module did not load at Sign in: the explanation and Try again.
#[tokio::test(flavor = "multi_thread")]
async fn welcome_without_the_page_module_passes_axe_and_fits() {
    std::fs::create_dir_all(out_dir()).unwrap();
    let module = support::BrokenModule::new("screenshots-no-page-module", "mailgrant-", "_bg.wasm");
    support::run_serving(
        "screenshots_no_page_module",
        support::Served::Emulator(module.dir.clone(), SiteConfig::Demo),
        |ctx| async move {
            let axe_js = axe_source();
            let mut failures = vec![];
            bypass_csp(&ctx).await;
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::click(d, "sign-in").await;
            support::wait_id(d, "try-again").await;
            capture(&ctx, "1-welcome-page-module-failed", &axe_js, &mut failures).await;
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        },
    )
    .await;
}

/// Welcome while Sign in waits for a slow page module: the note that it is still loading.
#[tokio::test(flavor = "multi_thread")]
async fn welcome_waiting_for_a_slow_page_module_passes_axe_and_fits() {
    std::fs::create_dir_all(out_dir()).unwrap();
    support::run("screenshots_slow_page_module", SiteConfig::Demo, |ctx| async move {
        let axe_js = axe_source();
        let mut failures = vec![];
        bypass_csp(&ctx).await;
        let slow = serde_json::json!({"slowFile": {"prefix": "mailgrant-", "suffix": "_bg.wasm", "delayMs": 60000}});
        support::set_faults(&ctx, slow).await;
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::click(d, "sign-in").await;
        support::wait_id(d, "still-loading").await;
        capture(&ctx, "1-welcome-still-loading", &axe_js, &mut failures).await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}
