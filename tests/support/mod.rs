//! The E2E harness: the release page (`dist/`) served by the emulator on 127.0.0.1, headless
//! Chromium driven through chromedriver. A failing test leaves a screenshot and the page's
//! console log in `target/e2e/`.

#![allow(dead_code)]

mod broken_module;
mod hosting;
mod steps;

#[allow(unused_imports)]
pub use broken_module::BrokenModule;
#[allow(unused_imports)]
pub use hosting::*;
#[allow(unused_imports)]
pub use steps::*;

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
