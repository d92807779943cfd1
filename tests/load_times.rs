//! `cargo xtask bench`'s browser part: navigation → Welcome interactive (the Sign in button
//! drawn and enabled), and navigation → the page's own module ready (loaded while Welcome is
//! read; Sign in waits for it only if clicked earlier), for the release page in headless Chromium, cold (cache cleared and
//! disabled) from Debian's nginx with the generated configuration, the median of 7 loads, with no throttling, with 4× CPU throttling and with a
//! Fast 3G network (1.6 Mbps down, 750 kbps up, 150 ms RTT). Ignored by `cargo test`.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;

const LOADS: usize = 7;

/// Records `performance.now()` when the Sign in button first exists and is enabled; added by
/// DevTools before any page script (the page's CSP does not apply to it).
const WATCH: &str = "new MutationObserver(() => { const b = document.getElementById('sign-in'); \
    if (b && !b.disabled && window.__welcome === undefined) { window.__welcome = performance.now(); } })\
    .observe(document, { subtree: true, childList: true, attributes: true });";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by `cargo xtask bench`"]
async fn load_times() {
    // Served as a vendor would: Debian's nginx with the generated configuration (gzip on).
    support::run_serving("load_times", support::Served::Nginx, |ctx| async move {
        let d = &ctx.driver;
        let cdp = d.cdp();
        cdp.send_raw("Network.enable", json!({})).await.unwrap();
        cdp.send_raw("Network.setCacheDisabled", json!({"cacheDisabled": true}))
            .await
            .unwrap();
        cdp.send_raw(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH }),
        )
        .await
        .unwrap();
        let profiles = [
            ("no throttling", 1.0, None),
            ("4x CPU throttling", 4.0, None),
            ("Fast 3G", 1.0, Some((150.0, 1_600_000.0 / 8.0, 750_000.0 / 8.0))),
        ];
        println!("\nnavigation → Welcome interactive, and → the page's module ready; median of {LOADS} cold loads");
        for (label, cpu, network) in profiles {
            cdp.send_raw("Emulation.setCPUThrottlingRate", json!({ "rate": cpu }))
                .await
                .unwrap();
            let (latency, down, up) = network.unwrap_or((0.0, -1.0, -1.0));
            cdp.send_raw(
                "Network.emulateNetworkConditions",
                json!({"offline": false, "latency": latency, "downloadThroughput": down, "uploadThroughput": up}),
            )
            .await
            .unwrap();
            let (mut times, mut ready) = (vec![], vec![]);
            for _ in 0..LOADS {
                cdp.send_raw("Network.clearBrowserCache", json!({})).await.unwrap();
                d.goto(&format!("{}/", ctx.site)).await.unwrap();
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                let ms = loop {
                    let v = d.execute("return window.__welcome ?? null;", vec![]).await.unwrap();
                    if let Some(ms) = v.json().as_f64() {
                        break ms;
                    }
                    assert!(std::time::Instant::now() < deadline, "{label}: no Welcome in 60 s");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                };
                times.push(ms);
                let v = d
                    .execute_async(
                        "const done = arguments[0]; window.mailgrantPage().then(() => done(performance.now()), (e) => done(String(e)));",
                        vec![],
                    )
                    .await
                    .unwrap();
                let Some(ms) = v.json().as_f64() else {
                    panic!("{label}: the page's module did not load: {}", v.json());
                };
                ready.push(ms);
            }
            for t in [&mut times, &mut ready] {
                t.sort_by(|a, b| a.total_cmp(b));
            }
            println!(
                "{label:<20} {:>7.0} ms   (fastest {:.0}, slowest {:.0});   page module ready {:>6.0} ms",
                times[LOADS / 2],
                times[0],
                times[LOADS - 1],
                ready[LOADS / 2]
            );
        }
        seal_times(d).await;
    })
    .await;
}

/// The hand-off module's work in this browser, unthrottled: the X25519 key agreement (computed
/// without precomputed tables) and the scrypt passphrase derivation (2^16), each sealing a
/// bundle-sized file; the median of 7 after the module is loaded.
async fn seal_times(d: &thirtyfour::WebDriver) {
    d.cdp()
        .send_raw("Emulation.setCPUThrottlingRate", json!({ "rate": 1.0 }))
        .await
        .unwrap();
    let script = r#"
        const [recipient, passphrase, done] = arguments;
        const m = await window.mailgrantHandOff();
        const file = new Uint8Array(4000);
        const time = (f) => { const t = []; for (let i = 0; i < 7; i++) {
            const s = performance.now(); f(crypto.getRandomValues(new Uint8Array(64)));
            t.push(performance.now() - s); } t.sort((a, b) => a - b); return t[3]; };
        done([time((r) => m.seal_to_recipient(file, recipient, r)),
              time((r) => m.seal_with_passphrase(file, passphrase, true, r))]);
    "#;
    let passphrase = mailgrant_core::bundle::generate_passphrase([0x42; 16]);
    let v = d
        .execute_async(
            script,
            vec![
                json!(mailgrant_core::bundle::DEMO_AGE_RECIPIENT),
                json!(passphrase.expose_secret()),
            ],
        )
        .await
        .unwrap();
    let t = v.json();
    println!(
        "hand-off module, 4 kB bundle, median of 7: X25519 recipient {:.1} ms, scrypt 2^16 passphrase {:.0} ms",
        t[0].as_f64().unwrap_or(f64::NAN),
        t[1].as_f64().unwrap_or(f64::NAN)
    );
}
