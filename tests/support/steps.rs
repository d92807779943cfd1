//! What the tests do on the page and ask the emulator: waits, clicks, sign-in, the setup's
//! steps, storage checks, and the tenant's state as the emulator keeps it.

use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use super::*;

/// Waits up to 15 s for an element with this id.
pub async fn wait_id(driver: &WebDriver, id: &str) -> WebElement {
    driver
        .query(By::Id(id))
        .wait(Duration::from_secs(15), Duration::from_millis(50))
        .first()
        .await
        .unwrap_or_else(|e| panic!("no element #{id} within 15 s: {e}"))
}

/// Polls `f` every 100 ms until it gives a value (at most `secs` seconds; then fails with `what`
/// and the last `f` said nothing).
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the element with this id and clicks it.
pub async fn click(driver: &WebDriver, id: &str) {
    wait_id(driver, id).await.click().await.unwrap();
}

/// Everything the page could have left in the browser: local and session storage, cookies and
/// the names of IndexedDB databases.
pub async fn browser_storage(driver: &WebDriver) -> serde_json::Value {
    let script = r#"
        const done = arguments[arguments.length - 1];
        (async () => {
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            done({
                localStorage: Object.assign({}, localStorage),
                sessionStorage: Object.assign({}, sessionStorage),
                cookies: document.cookie,
                indexedDB: dbs.map(d => d.name),
            });
        })();
    "#;
    driver
        .execute_async(script, Vec::<serde_json::Value>::new())
        .await
        .expect("the storage probe runs")
        .json()
        .clone()
}

/// Asserts the page left nothing in any browser storage.
pub async fn assert_storage_empty(driver: &WebDriver) {
    let s = browser_storage(driver).await;
    assert_eq!(
        s,
        serde_json::json!({"localStorage": {}, "sessionStorage": {}, "cookies": "", "indexedDB": []}),
        "browser storage after sign-in"
    );
}

/// The emulator's state (`GET /_emulator/state` on the Graph origin).
pub async fn emulator_state(graph: &str) -> serde_json::Value {
    reqwest::get(format!("{graph}/_emulator/state"))
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("state is JSON")
}

/// The requests the emulator received whose path ends with `suffix` and whose method is `method`.
pub async fn requests(graph: &str, method: &str, suffix: &str) -> Vec<serde_json::Value> {
    emulator_state(graph).await["requestLog"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r["method"] == method && r["path"].as_str().is_some_and(|p| p.ends_with(suffix))
        })
        .collect()
}

/// Waits until the current URL satisfies `pred`.
pub async fn wait_url(driver: &WebDriver, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = driver.current_url().await.unwrap().to_string();
        if pred(&url) {
            return url;
        }
        assert!(
            Instant::now() < deadline,
            "waiting for {what}; still on {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// From the Welcome page: Sign in, pick `account` on the emulator's page, then click `button`
/// (`accept` or `cancel`).
pub async fn sign_in_as(ctx: &Ctx, account: &str, button: &str) {
    sign_in_from(ctx, "sign-in", account, button).await;
}

/// Clicks the page's `start` button (`sign-in`, `sign-in-again`, `grant-more`), then picks
/// `account` on the emulator's page and clicks `button` (`accept` or `cancel`).
pub async fn sign_in_from(ctx: &Ctx, start: &str, account: &str, button: &str) {
    let d = &ctx.driver;
    wait_id(d, start).await.click().await.unwrap();
    wait_id(d, &format!("account-{account}"))
        .await
        .click()
        .await
        .unwrap();
    wait_id(d, button).await.click().await.unwrap();
}

/// Mailbox step: types [`MAILBOX`] and clicks Continue.
pub async fn find_mailbox(driver: &WebDriver) {
    wait_id(driver, "mailbox")
        .await
        .send_keys(MAILBOX)
        .await
        .unwrap();
    wait_id(driver, "find-mailbox").await.click().await.unwrap();
}

/// Asserts that no browser storage holds anything but the apply journal, and the journal no
/// secret (it is checked for the `secretText` key and for every value the emulator issued).
pub async fn assert_storage_holds_no_secret(driver: &WebDriver) {
    let s = browser_storage(driver).await;
    assert_eq!(s["localStorage"], serde_json::json!({}));
    assert_eq!(s["cookies"], "");
    assert_eq!(s["indexedDB"], serde_json::json!([]));
    let session = s["sessionStorage"].as_object().cloned().unwrap_or_default();
    for (key, value) in &session {
        assert_eq!(
            key, "mailgrant.run",
            "unexpected sessionStorage entry {key}"
        );
        let text = value.as_str().unwrap_or_default();
        assert!(
            !text.contains("secretText") && !text.contains("Q~"),
            "{text}"
        );
    }
}

/// Waits up to 20 s for a complete download named `name`.
pub async fn downloaded(ctx: &Ctx, name: &str) -> Vec<u8> {
    let path = ctx.downloads.join(name);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let partial = ctx.downloads.join(format!("{name}.crdownload"));
        if path.is_file() && !partial.exists() {
            return std::fs::read(&path).expect("the download is readable");
        }
        assert!(
            Instant::now() < deadline,
            "{name} was not downloaded into {}",
            ctx.downloads.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Replaces the emulator's faults (`POST /_emulator/faults`).
pub async fn set_faults(ctx: &Ctx, faults: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_emulator/faults", ctx.graph))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "faults refused: {faults}");
}

/// Clicks "Sign in again and continue", then Adele and Accept on the emulator's pages.
pub async fn sign_in_again(ctx: &Ctx) {
    sign_in_from(ctx, "sign-in-again", "adele", "accept").await;
}

/// The demo mailbox the E2E tests set up.
pub const MAILBOX: &str = "invoices@contosodemo.onmicrosoft.com";

/// From a fresh page: choose the mode, sign in as Adele (Global Administrator), type the mailbox,
/// choose the scope (`one`, `group` or `new`, with `fill` typing the group fields and any other
/// answers), Review, Apply.
pub async fn set_up<F, Fut>(ctx: &Ctx, aap: bool, scope: &str, fill: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    to_review(ctx, aap, MAILBOX, scope, fill).await;
    wait_id(&ctx.driver, "apply").await.click().await.unwrap();
}

/// [`set_up`] with this mailbox, up to the Review step (returns its text).
pub async fn to_review<F, Fut>(ctx: &Ctx, aap: bool, mailbox: &str, scope: &str, fill: F) -> String
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let d = &ctx.driver;
    d.goto(&format!("{}/", ctx.site)).await.unwrap();
    wait_id(d, "welcome").await;
    let mode = if aap {
        "applicationAccessPolicy"
    } else {
        "rbacForApplications"
    };
    d.find(By::Css(format!("input[value={mode}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sign_in_as(ctx, "adele", "accept").await;
    wait_id(d, "mailbox")
        .await
        .send_keys(mailbox)
        .await
        .unwrap();
    wait_id(d, "find-mailbox").await.click().await.unwrap();
    wait_id(d, &format!("scope-{scope}"))
        .await
        .click()
        .await
        .unwrap();
    fill().await;
    wait_id(d, "to-review").await.click().await.unwrap();
    if scope == "group" {
        // GroupMember.Read.All is asked for only now (incremental consent); back from the
        // sign-in, the page checks the group by itself.
        let error = wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("one more permission"), "{error}");
        sign_in_from(ctx, "grant-more", "adele", "accept").await;
    }
    review_text(d).await
}

/// The Review step's whole text, the folded calls included (its text content).
pub async fn review_text(d: &WebDriver) -> String {
    wait_id(d, "review-step")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The code the legacy Exchange script prints after PASS: SHA-256 over `mailgrant:<app
/// id>:<policy scope, lower case>`, first four bytes in hex as `XXXX-XXXX` (written here from the
/// script's own PowerShell lines, not from the page's code).
pub fn script_code(app_id: &str, policy_scope: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!(
        "mailgrant:{app_id}:{}",
        policy_scope.to_lowercase()
    ));
    let hex: String = digest[..4].iter().map(|b| format!("{b:02X}")).collect();
    format!("{}-{}", &hex[..4], &hex[4..])
}

/// Clicks Undo, confirms it, and waits (at most 20 s) until the run says it is undone.
pub async fn undo_and_wait(d: &WebDriver) {
    wait_id(d, "undo").await.click().await.unwrap();
    // The first click only asks: nothing is removed yet.
    wait_id(d, "undo-ask").await;
    wait_id(d, "undo-confirm").await.click().await.unwrap();
    let status = wait_id(d, "run-status").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !status.text().await.unwrap().starts_with("Undone") {
        assert!(
            Instant::now() < deadline,
            "{}",
            status.text().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The script the page shows (`#setup-script`, folded or not: its text content).
pub async fn script_text(driver: &WebDriver) -> String {
    wait_id(driver, "setup-script")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The value of `$Name = '…'` in the script the page shows (`#setup-script`).
pub async fn script_value(driver: &WebDriver, name: &str) -> String {
    let text = script_text(driver).await;
    let line = text
        .lines()
        .find(|l| l.contains(&format!("${name} ")) && l.contains(" = '"))
        .unwrap_or_else(|| panic!("no ${name} in the script:\n{text}"));
    let start = line.find(" = '").unwrap() + 4;
    let end = start + line[start..].find('\'').unwrap();
    line[start..end].to_owned()
}

/// Stands in for the admin in the legacy mode: waits for the Exchange script, "runs" it (with
/// `policy`, also makes the Application Access Policy in the emulator's Exchange), and types the
/// code it would print after PASS.
pub async fn pass_policy_script(ctx: &Ctx, policy: bool) {
    let d = &ctx.driver;
    wait_id(d, "policy-script").await;
    let app_id = script_value(d, "AppId").await;
    let scope = script_value(d, "PolicyScope").await;
    if policy {
        let r = reqwest::Client::new()
            .post(format!("{}/_emulator/exchange/applicationAccessPolicies", ctx.graph))
            .json(&serde_json::json!({"appId": app_id, "policyScopeGroupId": scope, "accessRight": "RestrictAccess"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{:?}", r.text().await);
    }
    wait_id(d, "script-code")
        .await
        .send_keys(script_code(&app_id, &scope))
        .await
        .unwrap();
    wait_id(d, "confirm-code").await.click().await.unwrap();
}

/// The mailboxes the emulator's Exchange lets this app send as.
pub async fn can_send_as(graph: &str, app_id: &str) -> Vec<String> {
    let r: serde_json::Value =
        reqwest::get(format!("{graph}/_emulator/exchange/access?appId={app_id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    r["mailboxes"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["mail"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The app ids of the apps mailgrant made (tagged `mailgrant`).
pub async fn our_app_ids(graph: &str) -> Vec<String> {
    emulator_state(graph).await["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "mailgrant"))
        })
        .filter_map(|a| a["appId"].as_str().map(str::to_owned))
        .collect()
}

/// The Exchange role assignments (Graph beta) in the emulator.
pub async fn exchange_assignments(graph: &str) -> Vec<serde_json::Value> {
    emulator_state(graph).await["exchange"]["roleAssignments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}
