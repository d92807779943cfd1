//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure.

use crate::clock::Phases;
use crate::util::{cmd, root, run, run_tests, trunk_build};

pub fn run_all() -> Result<(), String> {
    let mut phases = Phases::start();
    let tools = crate::setup::run()?;
    phases.end("setup");
    let cargo = |args: &str| {
        let mut c = cmd(&tools, "cargo");
        c.args(args.split_whitespace());
        c
    };

    // Formatting and lints, host and wasm32. On wasm32: the page with its browser tests, and the
    // core library it links (the core's own tests run natively; their dev-dependencies, such as
    // proptest, do not build for wasm32).
    run(cargo("fmt --all --check"))?;
    run(cargo(
        "clippy --locked --workspace --all-targets -- -D warnings",
    ))?;
    run(cargo(
        "clippy --locked --target wasm32-unknown-unknown -p mailgrant --all-targets -- -D warnings",
    ))?;
    run(cargo(
        "clippy --locked --target wasm32-unknown-unknown -p mailgrant-core -p mailgrant-handoff --lib -- -D warnings",
    ))?;
    phases.end("format and lints");

    // Native unit and integration tests of the core, the emulator and xtask.
    let mut tally = (0, 0);
    run_tests(
        cargo("test --locked --workspace --exclude mailgrant"),
        &mut tally,
    )?;
    phases.end("native tests");

    // wasm-bindgen tests in headless Chromium.
    let mut wasm = cargo("test --locked --target wasm32-unknown-unknown -p mailgrant");
    wasm.env("CHROMEDRIVER", &tools.chromedriver).env(
        "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
        root().join("webdriver.json"),
    );
    run_tests(wasm, &mut tally)?;
    phases.end("wasm tests in Chromium");

    // The release page, driven end to end through chromedriver against the emulator.
    trunk_build(&tools)?;
    phases.end("release build");
    let mut e2e = cargo("test --locked -p mailgrant --tests");
    e2e.env("CHROMEDRIVER", &tools.chromedriver)
        .env("CHROMIUM", &tools.chromium)
        .env("NGINX", &tools.nginx)
        .env("MAILGRANT_DIST", root().join("dist"));
    run_tests(e2e, &mut tally)?;
    phases.end("browser tests");

    crate::size::report()?;
    phases.end("sizes");
    println!("\nxtask test: all checks passed in {}", phases.summary());
    // The closing line CI reads: every test of every runner above.
    println!("{} passed, {} failed", tally.0, tally.1);
    Ok(())
}

/// Builds the release page and runs one browser test file against it (`args` after `--`);
/// prints where its output went.
fn browser_test(test: &str, args: &[&str], output: &str) -> Result<(), String> {
    let tools = crate::setup::run()?;
    trunk_build(&tools)?;
    let mut c = cmd(&tools, "cargo");
    c.args(["test", "--locked", "-p", "mailgrant", "--test", test, "--"])
        .args(args)
        .env("CHROMEDRIVER", &tools.chromedriver)
        .env("CHROMIUM", &tools.chromium)
        .env("MAILGRANT_DIST", root().join("dist"));
    run(c)?;
    println!("\n{test}: {}", root().join(output).display());
    Ok(())
}

/// `cargo xtask screenshots` (the same test runs in `cargo xtask test`).
pub fn screenshots() -> Result<(), String> {
    browser_test("screenshots", &[], "target/screenshots")
}

/// `cargo xtask artifacts`.
pub fn artifacts() -> Result<(), String> {
    browser_test(
        "artifacts",
        &["--ignored", "--nocapture"],
        "target/artifacts",
    )
}
