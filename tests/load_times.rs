//! `cargo xtask bench`'s browser part: navigation → Welcome interactive (the Sign in button
//! drawn and enabled) for the release page in headless Chromium, cold (cache cleared and
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
        println!("\nnavigation → Welcome interactive, median of {LOADS} cold loads");
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
            let mut times = vec![];
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
            }
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{label:<20} {:>7.0} ms   (fastest {:.0}, slowest {:.0})",
                times[LOADS / 2],
                times[0],
                times[LOADS - 1]
            );
        }
    })
    .await;
}
