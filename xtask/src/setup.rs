//! Installs what the build and the tests need, idempotently, from package registries only
//! (crates.io, npm, Debian). Nothing is downloaded from a website. Prints what it found and what it
//! installed, so a second run visibly installs nothing.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::clock::took;
use crate::util::{self, root};

/// trunk 0.22 needs a newer rustc than this project's; 0.21.14 is the newest that builds.
const TRUNK_VERSION: &str = "0.21.14";
/// wasm-opt from npm's binaryen (package.json); Debian's 108 and crates.io's 116 cannot read
/// current wasm-bindgen output.
const WASM_OPT_VERSION: &str = "version_132";
/// axe-core, as pinned in package.json.
const AXE_VERSION: &str = "4.14.1";
/// terser (npm), as pinned in package.json: minifies wasm-bindgen's JS glue.
const TERSER_VERSION: &str = "5.51.4";

/// Where the installed tools are: the PATH to give child processes.
pub struct Tools {
    pub path: OsString,
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
    pub nginx: PathBuf,
}

fn output(program: &str, args: &[&str], path: &OsString) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn which(program: &str, path: &OsString) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The `wasm-bindgen` version in Cargo.lock, which the CLI must equal.
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen".into())
}

struct Report {
    found: Vec<String>,
    installed: Vec<String>,
}

impl Report {
    fn found(&mut self, what: String) {
        println!("  found     {what}");
        self.found.push(what);
    }
    fn installed(&mut self, what: String) {
        println!("  installed {what}");
        self.installed.push(what);
    }
}

pub fn run() -> Result<Tools, String> {
    println!("xtask setup: checking the toolchain");
    let started = std::time::Instant::now();
    let mut report = Report {
        found: vec![],
        installed: vec![],
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let mut dirs = vec![root().join("node_modules/.bin"), home.join("bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(dirs).map_err(|e| e.to_string())?;

    // 1. The wasm target.
    let targets = output("rustup", &["target", "list", "--installed"], &path).unwrap_or_default();
    if targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        report.found("rust target wasm32-unknown-unknown".into());
    } else {
        let mut c = Command::new("rustup");
        c.args(["target", "add", "wasm32-unknown-unknown"]);
        util::run(c)?;
        report.installed("rust target wasm32-unknown-unknown".into());
    }

    // 2. trunk, pinned.
    let want = format!("trunk {TRUNK_VERSION}");
    if output("trunk", &["--version"], &path).as_deref() == Some(want.as_str()) {
        report.found(want);
    } else {
        let mut c = Command::new("cargo");
        c.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
            .env("PATH", &path);
        util::run(c)?;
        report.installed(want);
    }

    // 3. wasm-bindgen-cli equal to Cargo.lock. Not --locked: its lockfile names crates the
    //    registry mirror may not serve yet.
    let wb = locked_wasm_bindgen()?;
    let want = format!("wasm-bindgen {wb}");
    let have_runner = which("wasm-bindgen-test-runner", &path).is_some();
    if have_runner
        && output("wasm-bindgen", &["--version"], &path).as_deref() == Some(want.as_str())
    {
        report.found(format!("wasm-bindgen-cli {wb}"));
    } else {
        let mut c = Command::new("cargo");
        c.args(["install", "wasm-bindgen-cli", "--version", &wb])
            .env("PATH", &path);
        util::run(c)?;
        report.installed(format!("wasm-bindgen-cli {wb}"));
    }

    // 4. wasm-opt from npm's binaryen, axe-core for the accessibility checks and terser for the
    // JS glue (package.json).
    let wasm_opt = root().join("node_modules/.bin/wasm-opt");
    let version = output(&wasm_opt.to_string_lossy(), &["--version"], &path).unwrap_or_default();
    // An npm package of package.json is there in its pinned version.
    let pinned = |package: &str, v: &str| {
        std::fs::read_to_string(root().join(format!("node_modules/{package}/package.json")))
            .is_ok_and(|json| json.contains(&format!("\"version\": \"{v}\"")))
    };
    if version.contains(WASM_OPT_VERSION)
        && pinned("axe-core", AXE_VERSION)
        && pinned("terser", TERSER_VERSION)
    {
        report.found(format!(
            "wasm-opt {WASM_OPT_VERSION} (npm binaryen), axe-core {AXE_VERSION}, terser {TERSER_VERSION} (npm)"
        ));
    } else {
        let mut c = Command::new("npm");
        c.args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root())
            .env("PATH", &path);
        util::run(c)?;
        report.installed(format!(
            "wasm-opt {WASM_OPT_VERSION} (npm binaryen), axe-core {AXE_VERSION}, terser {TERSER_VERSION} (npm)"
        ));
    }

    // 5. From Debian: the browser and its driver for the tests, `age` to check encrypted bundles,
    // `nginx` to serve the page as a vendor would (with the generated configuration).
    let wanted = [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("age", "age"),
        ("nginx", "nginx"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(bin, _)| which(bin, &path).is_none())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        report.found("chromium, chromium-driver, age, nginx (Debian)".into());
    } else {
        if which("apt-get", &path).is_none() {
            return Err(format!(
                "missing {} and there is no apt-get: install them and put them on PATH",
                missing.join(", ")
            ));
        }
        let sudo: &[&str] = if output("id", &["-u"], &path).as_deref() == Some("0") {
            &[]
        } else {
            &["sudo"]
        };
        let update = ["apt-get", "update", "-q"];
        let install: Vec<&str> = ["apt-get", "install", "-y", "-q"]
            .into_iter()
            .chain(missing.iter().copied())
            .collect();
        for args in [&update[..], &install[..]] {
            let all: Vec<&str> = sudo.iter().chain(args).copied().collect();
            let mut c = Command::new(all[0]);
            c.args(&all[1..])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .env("PATH", &path);
            util::run(c)?;
        }
        report.installed(format!("{} (Debian)", missing.join(", ")));
    }
    let chromium = which("chromium", &path).ok_or("chromium is missing after apt-get")?;
    let chromedriver =
        which("chromedriver", &path).ok_or("chromedriver is missing after apt-get")?;
    let nginx = which("nginx", &path).ok_or("nginx is missing after apt-get")?;

    // 6. Crates, so trunk (offline) and the tests can build.
    let mut c = Command::new("cargo");
    c.args(["fetch", "--locked", "--quiet"])
        .current_dir(root())
        .env("PATH", &path);
    util::run(c)?;

    if report.installed.is_empty() {
        println!(
            "xtask setup: nothing to install ({} tools found), in {}",
            report.found.len(),
            took(started.elapsed())
        );
    } else {
        println!(
            "xtask setup: installed {} ({} already present), in {}",
            report.installed.join(", "),
            report.found.len(),
            took(started.elapsed())
        );
    }
    Ok(Tools {
        path,
        chromedriver,
        chromium,
        nginx,
    })
}
