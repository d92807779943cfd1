//! Running commands, finding the workspace, building and serving the page.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::Tools;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// A command to run at the workspace root with the project's tools first on PATH.
pub fn cmd(tools: &Tools, program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", &tools.path);
    c
}

/// Prints the command line about to run, and returns it for error messages.
fn announce(c: &Command) -> String {
    let shown = format!(
        "{} {}",
        c.get_program().to_string_lossy(),
        c.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("\n$ {shown}");
    shown
}

/// Runs a command, echoing it; an error names the command and its exit status.
pub fn run(mut c: Command) -> Result<(), String> {
    let shown = announce(&c);
    let status = c
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs a test command like [`run`], echoing its output, and adds up its `test result:` lines
/// into `tally` (passed, failed).
pub fn run_tests(mut c: Command, tally: &mut (u64, u64)) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let shown = announce(&c);
    let mut child = c
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.trim_start().strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .strip_suffix(word)?
                                .trim()
                                .rsplit(' ')
                                .next()?
                                .parse::<u64>()
                                .ok()
                        })
                        .unwrap_or(0)
                };
                tally.0 += count(" passed");
                tally.1 += count(" failed");
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Minifies the ES module at `path` in place with terser (npm, package.json): compressed and
/// mangled, its exports and the wasm's import names unchanged. wasm-bindgen's glue is written
/// for reading; minified, the page's is 2.2 kB gzip'd smaller and the hand-off module's 0.9 kB
/// (trunk's own JS minifier cannot parse it).
pub fn minify_js(tools: &Tools, path: &Path) -> Result<(), String> {
    let mut c = cmd(tools, "terser");
    c.arg(path)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(path);
    run(c)
}

/// `trunk build --release` into `dist/`, then the Content-Security-Policy (see `csp.rs`).
pub fn trunk_build(tools: &Tools) -> Result<(), String> {
    build_with(tools, &[])
}

/// As [`trunk_build`], allowing connections to `extra_connect` origins too.
pub fn build_with(tools: &Tools, extra_connect: &[String]) -> Result<(), String> {
    let mut c = cmd(tools, "trunk");
    c.args(["build", "--release"]);
    run(c)?;
    let dist = root().join("dist");
    // trunk's glue for the page: `mailgrant-<build hash>.js`, hashed (SRI) after this.
    let entries = std::fs::read_dir(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("mailgrant-") && name.ends_with(".js") {
            minify_js(tools, &e.path())?;
        }
    }
    let first = crate::modules::build(tools, &dist, &crate::modules::WELCOME)?;
    let handoff = crate::modules::build(tools, &dist, &crate::modules::HANDOFF)?;
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let html = crate::csp::finalize(&html, &dist, extra_connect, &first, &handoff)?;
    std::fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))?;
    println!("dist/index.html: integrity-checked bootstrap, Content-Security-Policy added, Subresource Integrity checked");
    crate::hosting::write(&dist)
}

/// Serves `dist/` with this `config.json`: the demo ones run against the emulator.
pub fn serve(port: u16, config: mailgrant_emulator::SiteConfig) -> Result<(), String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let demo = !matches!(config, mailgrant_emulator::SiteConfig::Raw(_));
        let site = mailgrant_emulator::Site {
            dist: root().join("dist"),
            port,
            config,
        };
        let options = mailgrant_emulator::Options {
            login_port: if demo { 8401 } else { 0 },
            graph_port: if demo { 8402 } else { 0 },
            site: Some(site),
            ..Default::default()
        };
        let running = mailgrant_emulator::start(options)
            .await
            .map_err(|e| format!("could not start the server (is port {port} free?): {e}"))?;
        let url = running.site_origin.clone().unwrap_or_default();
        println!();
        if demo {
            println!("Demo mode: the page talks to the local Entra ID + Graph emulator.");
            println!("  emulator sign-in (login origin): {}", running.login_origin);
            println!("  emulator Microsoft Graph:        {}", running.graph_origin);
            println!("  demo tenant accounts are listed on the emulator's sign-in page.");
        } else {
            println!("Serving with your config.json. Register this redirect URI (type: Single-page application)");
            println!("on the page's app registration: {url}/");
        }
        println!("\nOpen {url}/ in your browser. Ctrl-C stops.");
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
        running.stop().await;
        Ok(())
    })
}
