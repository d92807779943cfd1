//! `cargo xtask artifacts`: the demo flow in headless Chromium against the emulator, in both
//! modes and for each scope, saving every file an admin would download, exactly as the page
//! produces it, under `target/artifacts/<mode>-<scope>/`. Ignored by `cargo test`; xtask runs it.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;

const BUTTONS: [&str; 11] = [
    "download-bundle",
    "download-passphrase",
    "download-json",
    "download-env",
    "download-sh",
    "download-readme",
    "download-ics",
    "download-test-ps1",
    "download-test-sh",
    "download-script",
    "download-rollback",
];

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = A.iter().position(|&a| a == c).expect("base64") as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// The demo config with one credential kind (`None`: the default client secret).
fn config_for(kind: Option<&str>) -> SiteConfig {
    let pem = || {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/demo-vendor-certificate.pem"),
        )
        .unwrap()
    };
    let credential = match kind {
        None => return SiteConfig::Demo,
        Some("certificate") => serde_json::json!({"kind": "certificate", "certificate": pem()}),
        Some("federated") => serde_json::json!({"kind": "federated",
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/mailer:environment:production"}),
        Some(_) => serde_json::json!({"kind": "multiTenantApp",
            "appId": mailgrant_emulator::DEMO_VENDOR_APP_ID}),
    };
    let mut keys = serde_json::Map::new();
    keys.insert("credentials".into(), serde_json::json!([credential]));
    SiteConfig::DemoVendor(keys)
}

async fn one(mode: &'static str, scope: &'static str, kind: Option<&'static str>) {
    let name = match kind {
        None => format!("{mode}-{scope}"),
        Some(k) => format!("{mode}-{scope}-{k}"),
    };
    let secret = kind.is_none();
    support::run(
        &format!("artifacts_{name}"),
        config_for(kind),
        move |ctx| async move {
            let d = &ctx.driver;
            support::set_up(&ctx, mode == "aap", scope, || async {
                match scope {
                    "group" => {
                        support::wait_id(d, "group-address")
                            .await
                            .send_keys("mailgrant-senders@contosodemo.onmicrosoft.com")
                            .await
                            .unwrap();
                    }
                    "new" => {
                        support::wait_id(d, "group-name")
                            .await
                            .send_keys("Contoso Mailer senders")
                            .await
                            .unwrap();
                        support::wait_id(d, "group-address")
                            .await
                            .send_keys("contoso-mailer-senders@contosodemo.onmicrosoft.com")
                            .await
                            .unwrap();
                    }
                    _ => {}
                }
                support::wait_id(d, "denied")
                    .await
                    .send_keys("megan@contosodemo.onmicrosoft.com")
                    .await
                    .unwrap();
            })
            .await;
            if mode == "aap" {
                support::pass_policy_script(&ctx, false).await;
            }
            if secret {
                support::wait_id(d, "plain-ok").await.click().await.unwrap();
            }
            let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/artifacts")
                .join(&name);
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            // Keep each Blob the page offers, under the name it gives it: the bytes exactly as the
            // page produced them, without the browser's download manager (which holds back some
            // file types for a person to confirm).
            d.execute(
                r#"window.__files = [];
               const create = URL.createObjectURL;
               URL.createObjectURL = function (blob) { window.__last = blob; return create(blob); };
               const click = HTMLAnchorElement.prototype.click;
               HTMLAnchorElement.prototype.click = function () {
                   if (this.download) window.__files.push([this.download, window.__last]);
                   return click.call(this);
               };"#,
                Vec::<serde_json::Value>::new(),
            )
            .await
            .unwrap();
            // Without a secret there is no passphrase bundle, and nothing to renew for a
            // federated credential or the vendor's own app.
            let buttons: Vec<&str> = BUTTONS
                .into_iter()
                .filter(|b| secret || *b != "download-passphrase")
                .filter(|b| {
                    !matches!(kind, Some("federated" | "multiTenantApp")) || *b != "download-ics"
                })
                .collect();
            for button in &buttons {
                support::wait_id(d, button).await.click().await.unwrap();
            }
            let files = d
                .execute_async(
                    r#"const done = arguments[arguments.length - 1];
                   Promise.all(window.__files.map(async ([name, blob]) => {
                       const bytes = new Uint8Array(await blob.arrayBuffer());
                       let s = ''; for (const b of bytes) s += String.fromCharCode(b);
                       return [name, btoa(s)];
                   })).then(done);"#,
                    Vec::<serde_json::Value>::new(),
                )
                .await
                .unwrap()
                .json()
                .clone();
            let files = files.as_array().unwrap();
            assert_eq!(files.len(), buttons.len(), "one file per button");
            for f in files {
                let (file, data) = (f[0].as_str().unwrap(), f[1].as_str().unwrap());
                let file = if file == "mailgrant-bundle.json.age" && out.join(file).exists() {
                    "mailgrant-bundle.passphrase.json.age"
                } else {
                    file
                };
                std::fs::write(out.join(file), base64_decode(data)).unwrap();
            }
            if secret {
                let passphrase = support::wait_id(d, "passphrase")
                    .await
                    .value()
                    .await
                    .unwrap()
                    .unwrap_or_default();
                std::fs::write(out.join("PASSPHRASE-DEMO-ONLY.txt"), passphrase).unwrap();
            }
            eprintln!("artifacts: wrote {}", out.display());
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by `cargo xtask artifacts`"]
async fn write_artifacts() {
    for mode in ["rbac", "aap"] {
        for scope in ["one", "group", "new"] {
            one(mode, scope, None).await;
        }
        one(mode, "one", Some("certificate")).await;
        one(mode, "one", Some("federated")).await;
    }
    one("rbac", "one", Some("multiTenantApp")).await;
}
