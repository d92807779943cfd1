//! The hand-off: the bundle leaves the page encrypted to the vendor and decrypts with the real
//! `age` command; no secret or token stays anywhere in the browser.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::process::Command;
use thirtyfour::By;

use mailgrant_emulator::{SiteConfig, DEMO_TENANT_ID};
use serde_json::Value;

use support::MAILBOX;

fn identity() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-vendor-age-identity.txt")
}

fn age_with_passphrase(file: &std::path::Path, passphrase: &str) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("script")
        .args(["-qec"])
        .arg(format!("age --decrypt {}", file.display()))
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs age on a terminal");
    {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        writeln!(stdin, "{passphrase}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "age: {text}");
    let start = text.find('{').expect("JSON in age's output");
    let end = text.rfind('}').expect("JSON in age's output");
    text[start..=end].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_off_module_that_does_not_load_is_explained_and_retried_with_the_secret_kept() {
    let module = support::BrokenModule::new("no-hand-off", "handoff-", "_bg.wasm");
    support::run_serving(
        "hand_off_module_fails",
        support::Served::Emulator(module.dir.clone(), SiteConfig::Demo),
        |ctx| async move {
            let d = &ctx.driver;
            d.goto(&format!("{}/", ctx.site)).await.unwrap();
            support::sign_in_as(&ctx, "adele", "accept").await;
            support::find_mailbox(d).await;
            support::click(d, "to-review").await;
            support::click(d, "apply").await;
            support::click(d, "reveal").await;
            let shown = support::wait_id(d, "secret-value")
                .await
                .text()
                .await
                .unwrap();
            support::click(d, "download-bundle").await;
            let error = support::wait_id(d, "error").await.text().await.unwrap();
            assert!(error.contains("did not load"), "{error}");
            assert!(error.contains("secret stays"), "{error}");
            let kept = support::wait_id(d, "secret-value")
                .await
                .text()
                .await
                .unwrap();
            assert_eq!(kept, shown, "the secret is still in the page");
            // The README is written by the module too: the same explanation, nothing saved.
            support::click(d, "download-readme").await;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let error = support::wait_id(d, "error").await.text().await.unwrap();
            assert!(error.contains("did not load"), "{error}");
            assert!(!ctx.downloads.join("README.txt").exists());
            // The Exchange script is written by the module too: explained, with Retry.
            let failed = support::wait_id(d, "script-failed")
                .await
                .text()
                .await
                .unwrap();
            assert!(failed.contains("did not load"), "{failed}");
            assert!(d.find(By::Id("setup-script")).await.is_err());
            // The module arrives intact now: Retry and the same buttons work.
            module.mend();
            support::click(d, "retry-script").await;
            let script = support::script_text(d).await;
            assert!(script.contains("Connect-ExchangeOnline"), "{script}");
            let rollback = support::wait_id(d, "download-rollback")
                .await
                .text()
                .await
                .unwrap();
            let name = rollback.trim_start_matches("Download ").to_owned();
            support::click(d, "download-rollback").await;
            let file = support::downloaded(&ctx, &name).await;
            assert!(file.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
            let file = String::from_utf8_lossy(&file);
            assert!(file.contains("Remove-") && file.contains("\r\n"), "{file}");
            support::click(d, "download-bundle").await;
            let encrypted = support::downloaded(&ctx, "mailgrant-bundle.json.age").await;
            assert!(encrypted.starts_with(b"age-encryption.org/v1\n"));
            support::click(d, "download-readme").await;
            let readme = support::downloaded(&ctx, "README.txt").await;
            let readme = String::from_utf8_lossy(&readme);
            assert!(readme.starts_with("mailgrant hand-off bundle"), "{readme}");
            assert!(
                !readme.contains(&shown),
                "the README never holds the secret"
            );
        },
    )
    .await;
}

/// Waits (at most 5 s) until the note beside the secret's Copy button says `words`.
async fn copy_note_says(d: &thirtyfour::WebDriver, words: &str) {
    support::eventually(&format!("“{words}” beside Copy"), 5, || async move {
        let note = d
            .find(thirtyfour::By::Css("#copy-secret + .copy-note"))
            .await
            .ok()?;
        note.text().await.ok().filter(|t| t.contains(words))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vendor_bundle_decrypts_with_age_and_matches_the_tenant() {
    support::run("hand_off_age", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::find_mailbox(d).await;
        support::wait_id(d, "to-review")
            .await
            .click()
            .await
            .unwrap();
        support::wait_id(d, "apply").await.click().await.unwrap();
        support::wait_id(d, "reveal").await.click().await.unwrap();
        let shown = support::wait_id(d, "secret-value")
            .await
            .text()
            .await
            .unwrap();
        assert!(shown.len() >= 30 && !shown.contains('•'), "{shown}");
        // The expiry in the admin's own time zone too, beside the UTC date.
        let local = support::wait_id(d, "expires-local").await.text().await.unwrap();
        assert!(
            local.starts_with("The client secret expires on")
                && local.contains("in your time zone")
                && local.contains("2027"),
            "{local}"
        );

        // Copy says what happened: refused first (no clipboard permission in a headless
        // browser), then, with the permission granted, "Copied." and the clipboard holds it.
        d.cdp()
            .send_raw(
                "Browser.setPermission",
                serde_json::json!({"permission": {"name": "clipboard-write"}, "setting": "denied", "origin": ctx.site}),
            )
            .await
            .unwrap();
        support::wait_id(d, "copy-secret").await.click().await.unwrap();
        copy_note_says(d, "did not let the page copy").await;
        for name in ["clipboard-write", "clipboard-read"] {
            d.cdp()
                .send_raw(
                    "Browser.setPermission",
                    serde_json::json!({"permission": {"name": name}, "setting": "granted", "origin": ctx.site}),
                )
                .await
                .unwrap();
        }
        support::wait_id(d, "copy-secret").await.click().await.unwrap();
        copy_note_says(d, "Copied.").await;
        // The secret on the clipboard counts as handed off, as a download of it does.
        support::eventually("no more “I have saved”", 5, || async move {
            d.find(thirtyfour::By::Id("saved")).await.is_err().then_some(())
        })
        .await;
        let announced = support::wait_id(d, "announce")
            .await
            .prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(announced, "Copied.");
        let clipboard = d
            .execute_async(
                "navigator.clipboard.readText().then(arguments[0], () => arguments[0]('unreadable'))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(clipboard.json().as_str(), Some(shown.as_str()), "{announced}");

        support::wait_id(d, "download-bundle")
            .await
            .click()
            .await
            .unwrap();
        let encrypted = support::downloaded(&ctx, "mailgrant-bundle.json.age").await;
        assert!(
            encrypted.starts_with(b"age-encryption.org/v1\n"),
            "a standard age file"
        );
        let file = ctx.downloads.join("mailgrant-bundle.json.age");
        let out = Command::new("age")
            .args(["--decrypt", "-i"])
            .arg(identity())
            .arg(&file)
            .output()
            .expect("Debian's age is installed (cargo xtask setup)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bundle: Value = serde_json::from_slice(&out.stdout).expect("the bundle is JSON");

        let state = support::emulator_state(&ctx.graph).await;
        let app = state["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["appId"] == bundle["clientId"])
            .expect("the bundle's app exists in the tenant")
            .clone();
        let sp = state["servicePrincipals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["appId"] == bundle["clientId"])
            .unwrap()
            .clone();
        let credential = &app["passwordCredentials"][0];
        let mailbox = state["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["mail"] == MAILBOX)
            .unwrap()
            .clone();
        assert_eq!(bundle["format"], "mailgrant-bundle/1");
        assert_eq!(bundle["tenantId"], DEMO_TENANT_ID);
        assert_eq!(bundle["appObjectId"], app["id"]);
        assert_eq!(bundle["servicePrincipalObjectId"], sp["id"]);
        assert_eq!(bundle["clientSecretId"], credential["keyId"]);
        assert_eq!(bundle["mailboxObjectId"], mailbox["id"]);
        assert_eq!(bundle["mailboxAddress"], MAILBOX);
        let secret = bundle["clientSecretValue"].as_str().unwrap();
        assert_eq!(secret, shown, "the value the page showed");
        assert!(
            secret.starts_with(credential["hint"].as_str().unwrap()),
            "the tenant's hint"
        );
        assert_eq!(
            bundle["clientSecretExpiresAt"].as_str().unwrap()[..16],
            credential["endDateTime"].as_str().unwrap()[..16]
        );
        assert_eq!(bundle["graphBaseUrl"], ctx.graph.as_str());

        // The passphrase format: age asks for the passphrase on a terminal; `script` gives it one.
        let passphrase = support::wait_id(d, "passphrase")
            .await
            .value()
            .await
            .unwrap()
            .unwrap();
        support::wait_id(d, "download-passphrase")
            .await
            .click()
            .await
            .unwrap();
        support::downloaded(&ctx, "mailgrant-bundle.passphrase.json.age").await;
        let file = ctx.downloads.join("mailgrant-bundle.passphrase.json.age");
        let decrypted = age_with_passphrase(&file, &passphrase);
        let again: Value = serde_json::from_str(&decrypted).expect("the bundle is JSON");
        assert_eq!(again, bundle, "both formats carry the same bundle");

        // The vendor's test scripts arrive as real downloads (a `.sh` would be held back).
        support::wait_id(d, "download-test-sh")
            .await
            .click()
            .await
            .unwrap();
        let sh = support::downloaded(&ctx, "test-mailgrant.sh.txt").await;
        assert!(
            sh.starts_with(b"#!/bin/sh"),
            "{}",
            String::from_utf8_lossy(&sh[..40])
        );
        assert!(
            !String::from_utf8_lossy(&sh).contains(secret),
            "the script reads the secret, never holds it"
        );

        // Nothing secret stays in the browser: storage and console are searched for the values.
        // The copied secret (as a downloaded bundle would) counts as saved: no more "I have
        // saved" button or unload warning.
        assert!(d.find(thirtyfour::By::Id("saved")).await.is_err());
        let storage = support::browser_storage(d).await.to_string();
        let console = support::console_log(d).await;
        let state = support::emulator_state(&ctx.graph).await;
        let tokens: Vec<String> = state["accessTokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["value"].as_str().unwrap().to_owned())
            .collect();
        assert!(!tokens.is_empty(), "the page's access token is known");
        for (what, text) in [("storage", &storage), ("console", &console)] {
            assert!(!text.contains(secret), "the secret is in the {what}");
            for token in &tokens {
                assert!(
                    !text.contains(token.as_str()),
                    "an access token is in the {what}"
                );
            }
        }
        support::assert_storage_holds_no_secret(d).await;
    })
    .await;
}
