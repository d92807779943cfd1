//! The E2E harness: the release page (`dist/`) served by the emulator on 127.0.0.1, headless
//! Chromium driven through chromedriver. A failing test leaves a screenshot and the page's
//! console log in `target/e2e/`.

#![allow(dead_code)]

mod broken_module;

#[allow(unused_imports)]
pub use broken_module::BrokenModule;

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailgrant_emulator::{Options, Site, SiteConfig};
use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, LoggingPrefsLogLevel};

/// What a test body gets.
pub struct Ctx {
    pub driver: WebDriver,
    /// Where the browser saves downloads.
    pub downloads: PathBuf,
    pub site: String,
    pub login: String,
    pub graph: String,
    /// With [`Served::Nginx`]: the headers its generated configuration sends.
    pub served_headers: Vec<(String, String)>,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built release page. `cargo xtask test` builds it before running these tests.
pub fn dist() -> PathBuf {
    let dist = std::env::var_os("MAILGRANT_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: run `cargo xtask test`, which builds the release page first",
        dist.display()
    );
    dist
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start() -> Self {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e} (run `cargo xtask setup`)"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn new_driver(chromedriver: &Chromedriver, downloads: &std::path::Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.add_experimental_option(
        "prefs",
        serde_json::json!({
            "download.default_directory": downloads,
            "download.prompt_for_download": false,
            // Many files from one page: allow them without the "download multiple files?" prompt.
            "profile.default_content_setting_values.automatic_downloads": 1,
        }),
    )
    .unwrap();
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.set_binary(&binary).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,1000",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.set_browser_log_level(LoggingPrefsLogLevel::All)
        .unwrap();
    // On two busy cores a just-started chromedriver can drop its first connection: try again.
    let mut last = None;
    for _ in 0..4 {
        match WebDriver::new(&chromedriver.url, caps.clone()).await {
            Ok(d) => return d,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("a WebDriver session in headless Chromium: {last:?}")
}

/// The page's console messages so far (chromedriver's `se/log` endpoint).
pub async fn console_log(driver: &WebDriver) -> String {
    let url = format!(
        "{}session/{}/se/log",
        driver.server_url(),
        driver.session_id()
    );
    let result = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({"type": "browser"}))
        .send()
        .await;
    match result {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => format!("(console log unavailable: {e})"),
    }
}

async fn save_artifacts(name: &str, driver: &WebDriver) {
    let dir = workspace().join("target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = driver.screenshot_as_png().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
    let url = driver
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let log = console_log(driver).await;
    let _ = std::fs::write(
        dir.join(format!("{name}.log")),
        format!("URL: {url}\n\nconsole:\n{log}\n"),
    );
    eprintln!("e2e: saved {0}.png and {0}.log in {1}", name, dir.display());
}

/// Runs `body` against a fresh emulator serving the release page with `config`.
pub async fn run<F, Fut>(name: &str, config: SiteConfig, body: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_serving(name, Served::Emulator(dist(), config), body).await
}

/// Who serves the page to the browser.
pub enum Served {
    /// The emulator's site listener, from this folder, with this `config.json`.
    Emulator(PathBuf, SiteConfig),
    /// Debian's nginx with the generated `dist/hosting/nginx.conf`, the demo `config.json`.
    Nginx,
}

/// [`run`], with the page served by `served`.
pub async fn run_serving<F, Fut>(name: &str, served: Served, body: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let nginx_port = free_port();
    let nginx_origin = format!("http://127.0.0.1:{nginx_port}");
    let (site, extra_redirect_uris) = match served {
        Served::Emulator(dist, config) => (
            Some(Site {
                dist,
                port: 0,
                config,
            }),
            vec![],
        ),
        Served::Nginx => (None, vec![format!("{nginx_origin}/")]),
    };
    let nginx_wanted = site.is_none();
    let running = mailgrant_emulator::start(Options {
        site,
        extra_redirect_uris,
        ..Default::default()
    })
    .await
    .expect("the emulator starts");
    let nginx = nginx_wanted.then(|| Nginx::start(name, nginx_port, &running));
    let chromedriver = Chromedriver::start();
    let downloads = workspace().join("target/e2e/downloads").join(name);
    let _ = std::fs::remove_dir_all(&downloads);
    std::fs::create_dir_all(&downloads).expect("a downloads folder");
    let driver = new_driver(&chromedriver, &downloads).await;
    let ctx = Ctx {
        driver: driver.clone(),
        downloads,
        site: match &nginx {
            Some(n) => n.origin.clone(),
            None => running.site_origin.clone().expect("a site origin"),
        },
        login: running.login_origin.clone(),
        graph: running.graph_origin.clone(),
        served_headers: nginx
            .as_ref()
            .map(|n| n.headers.clone())
            .unwrap_or_default(),
    };
    let outcome = tokio::spawn(body(ctx)).await;
    if outcome.is_err() {
        save_artifacts(name, &driver).await;
    }
    let _ = driver.quit().await;
    drop(chromedriver);
    drop(nginx);
    running.stop().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

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

/// A copy of `dist/` with the demo `config.json`, and the emulator's origins added to the
/// page's `connect-src` (as the emulator's own site does, and as a vendor does with
/// `cargo xtask build --connect-src`).
pub fn site_copy(name: &str, emulator: &mailgrant_emulator::Running) -> PathBuf {
    let root = workspace().join("target/e2e/sites").join(name);
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&dist(), &root);
    let index = root.join("index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, with_emulator_origins(&html, emulator)).unwrap();
    std::fs::write(root.join("config.json"), emulator.demo_config()).unwrap();
    root
}

/// `text` with the emulator's origins after `connect-src 'self'`.
pub fn with_emulator_origins(text: &str, emulator: &mailgrant_emulator::Running) -> String {
    let marker = "connect-src 'self'";
    text.replace(
        marker,
        &format!(
            "{marker} {} {}",
            emulator.login_origin, emulator.graph_origin
        ),
    )
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Debian's nginx serving a [`site_copy`] with the generated configuration.
pub struct Nginx {
    child: Child,
    pub origin: String,
    /// The headers the generated configuration sends (with the emulator's origins).
    pub headers: Vec<(String, String)>,
}

impl Nginx {
    fn start(name: &str, port: u16, emulator: &mailgrant_emulator::Running) -> Nginx {
        let root = site_copy(name, emulator);
        let dir = workspace().join("target/e2e/nginx").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let generated = std::fs::read_to_string(dist().join("hosting/nginx.conf"))
            .expect("dist/hosting/nginx.conf (cargo xtask build writes it)");
        let ours = with_emulator_origins(&generated, emulator);
        std::fs::write(dir.join("mailgrant.conf"), &ours).unwrap();
        let d = dir.display();
        let conf = format!(
            "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n\
               client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;\n\
               uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {};\n    include {d}/mailgrant.conf;\n  }}\n}}\n",
            root.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let program = std::env::var("NGINX").unwrap_or_else(|_| "nginx".into());
        let child = Command::new(&program)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e} (run `cargo xtask setup`)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The headers of `location / { }`: each `add_header Name "value" always;`.
        let location = &ours[ours.find("location / {").unwrap()..];
        let headers = location
            .lines()
            .filter_map(|l| l.trim().strip_prefix("add_header "))
            .filter_map(|l| {
                let (name, rest) = l.split_once(' ')?;
                let value = rest.strip_suffix(" always;")?.trim_matches('"');
                Some((name.to_owned(), value.to_owned()))
            })
            .collect();
        Nginx {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            headers,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, so the master stops its worker too: SIGKILL left the worker running, still
        // listening on the port, and serving an old copy of the site to a later test.
        let stopped = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
