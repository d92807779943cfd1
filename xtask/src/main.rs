//! `cargo xtask <command>`: mailgrant's dev commands. See `cargo xtask help`.

mod bench;
mod clock;
mod csp;
mod hosting;
mod modules;
mod setup;
mod size;
mod test;
mod tidy;
mod util;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

  setup                 install what the build and tests need (idempotent; says what it found)
  build [--connect-src ORIGIN]...
                        the release page in dist/, with its Content-Security-Policy; add an origin
                        for an authority or Graph endpoint other than Microsoft's clouds
  serve [--config FILE | --generic-oidc] [--port PORT]
                        build the release page and serve it on 127.0.0.1 (default port 8400).
                        Without --config: demo mode, against the local Entra ID + Graph emulator.
                        With --config: serve with that config.json (e.g. against a real tenant).
                        With --generic-oidc: demo mode signing in at the emulator's plain
                        OpenID Connect provider (not Entra ID) instead.
  test                  everything CI runs: fmt, clippy (host + wasm32), unit tests, browser tests, E2E
  size                  release build; raw and gzip sizes of the .wasm, the JS glue and the page
  bench                 the apply phase against the emulator with 100 ms per request: requests,
                        sequential rounds and wall time, concurrent and one at a time
  artifacts             run the demo flow headless in both modes and for each scope; write every
                        file the page offers (scripts, bundles, reminder, tests) to target/artifacts/
  screenshots           every step and state at 1280 and 375 px, light and dark, into
                        target/screenshots/, each checked by axe-core and for sideways scrolling
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("serve") => serve(&args[1..]),
        Some("build") => build(&args[1..]),
        Some("test") => test::run_all(),
        Some("size") => size::run(),
        Some("artifacts") => test::artifacts(),
        Some("screenshots") => test::screenshots(),
        Some("bench") => bench::run(),
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn build(args: &[String]) -> Result<(), String> {
    let mut extra = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--connect-src" => {
                let origin = it.next().ok_or("--connect-src needs an origin")?;
                if !origin.starts_with("https://") || origin.contains([' ', ';', '\'', '"']) {
                    return Err(format!(
                        "--connect-src {origin}: expected an https:// origin"
                    ));
                }
                extra.push(origin.clone());
            }
            other => return Err(format!("build: unknown argument `{other}`\n\n{HELP}")),
        }
    }
    let tools = setup::run()?;
    util::build_with(&tools, &extra)
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut config = None;
    let mut generic = false;
    let mut port = 8400u16;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" => config = Some(it.next().ok_or("--config needs a file")?.clone()),
            "--generic-oidc" => generic = true,
            "--port" => {
                port = it
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port needs a number")?
            }
            other => return Err(format!("serve: unknown argument `{other}`\n\n{HELP}")),
        }
    }
    let site = match (config, generic) {
        (Some(_), true) => {
            return Err("serve: --config and --generic-oidc exclude each other".into())
        }
        (None, false) => mailgrant_emulator::SiteConfig::Demo,
        (None, true) => mailgrant_emulator::SiteConfig::GenericOidc,
        (Some(path), false) => mailgrant_emulator::SiteConfig::Raw(
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?,
        ),
    };
    let tools = setup::run()?;
    util::trunk_build(&tools)?;
    util::serve(port, site)
}
