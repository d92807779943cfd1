//! Hosted as a vendor would host it: Debian's nginx with the generated configuration, and
//! assets that cannot be swapped.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use support::Served;
use thirtyfour::prelude::*;

/// The names of the page's `.js` and `.wasm` (from its bootstrap).
fn asset_names(html: &str) -> (String, String) {
    let after = |marker: &str| {
        let i = html.find(marker).unwrap() + marker.len();
        html[i..html[i..].find('\'').unwrap() + i]
            .trim_start_matches("./")
            .to_owned()
    };
    (
        after("await import('"),
        after("await init({ module_or_path: fetch('"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_flow_runs_behind_nginx_with_the_generated_headers() {
    support::run_serving("hosting_nginx", Served::Nginx, |ctx| async move {
        let d = &ctx.driver;
        // The headers are the generated ones, on the page and on its assets.
        let page = reqwest::get(format!("{}/", ctx.site)).await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(ctx.served_headers.len() >= 8, "{:?}", ctx.served_headers);
        for (name, value) in &ctx.served_headers {
            assert_eq!(
                page.headers().get(name.as_str()).and_then(|v| v.to_str().ok()),
                Some(value.as_str()),
                "{name}"
            );
        }
        let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("trusted-types 'none'"), "{csp}");
        let html = page.text().await.unwrap();
        let (js, wasm) = asset_names(&html);
        for (asset, mime) in [(&js, "application/javascript"), (&wasm, "application/wasm")] {
            let r = reqwest::get(format!("{}/{asset}", ctx.site)).await.unwrap();
            assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "{asset}");
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with(mime), "{asset}");
        }
        let config = reqwest::get(format!("{}/config.json", ctx.site)).await.unwrap();
        assert_eq!(config.headers()["cache-control"], "no-cache");

        // The whole flow, under those headers.
        support::set_up(&ctx, false, "one", || async {}).await;
        let step = d
            .query(By::Css("#hand-off-step"))
            .wait(std::time::Duration::from_secs(60), std::time::Duration::from_millis(200))
            .first()
            .await
            .expect("the flow finishes behind nginx");
        assert!(step.text().await.unwrap().contains("Done"));

        // A script injected into the page does not run.
        let result = d
            .execute(
                r#"const out = {};
                   const s = document.createElement('script');
                   try { s.textContent = 'window.__injected = 1'; document.body.append(s); out.text = 'allowed'; }
                   catch (e) { out.text = e.name; }
                   const t = document.createElement('script');
                   try { t.src = 'data:text/javascript,window.__injected=2'; document.body.append(t); out.src = 'allowed'; }
                   catch (e) { out.src = e.name; }
                   return out;"#,
                Vec::<serde_json::Value>::new(),
            )
            .await
            .unwrap()
            .json()
            .clone();
        assert_eq!(result, serde_json::json!({"text": "TypeError", "src": "TypeError"}));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let injected = d
            .execute("return window.__injected === undefined;", Vec::<serde_json::Value>::new())
            .await
            .unwrap();
        assert_eq!(injected.json(), &serde_json::json!(true), "the injected script ran");
        // Nothing of the page itself was refused: the only security messages are the two
        // blocked injections (Chromium logs each twice).
        let log: serde_json::Value =
            serde_json::from_str(&support::console_log(d).await).unwrap_or_default();
        let entries = log["value"].as_array().cloned().unwrap_or_default();
        let security: Vec<&str> = entries
            .iter()
            .filter(|e| e["source"] == "security")
            .filter_map(|e| e["message"].as_str())
            .collect();
        assert!(!security.is_empty(), "the injection was reported");
        for m in &security {
            assert!(
                m.contains("requires 'TrustedScript' assignment")
                    || m.contains("requires 'TrustedScriptURL' assignment"),
                "{m}"
            );
        }
        assert!(
            !entries
                .iter()
                .filter_map(|e| e["message"].as_str())
                .any(|m| m.contains("Refused to") || m.contains("Content Security Policy")),
            "{entries:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_byte_in_the_wasm_or_the_js_stops_the_page_and_it_says_so() {
    for tampered in ["wasm", "js"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/e2e/sites")
            .join(format!("tampered-{tampered}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let dist = support::dist();
        for entry in std::fs::read_dir(&dist).unwrap().flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
            }
        }
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        let (js, wasm) = asset_names(&html);
        let file = dir.join(if tampered == "wasm" { &wasm } else { &js });
        let mut bytes = std::fs::read(&file).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(&file, bytes).unwrap();
        support::run_serving(
            &format!("hosting_tampered_{tampered}"),
            Served::Emulator(dir, SiteConfig::Demo),
            |ctx| async move {
                let d = &ctx.driver;
                d.goto(&format!("{}/", ctx.site)).await.unwrap();
                let said = support::wait_id(d, "could-not-start")
                    .await
                    .text()
                    .await
                    .unwrap();
                assert!(said.contains("could not start"), "{said}");
                assert!(
                    d.find(By::Id("welcome")).await.is_err(),
                    "the tampered code ran"
                );
            },
        )
        .await;
    }
}
