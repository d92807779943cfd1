//! The hand-off module (crate `mailgrant-handoff`): built after trunk's page, with the same
//! pinned wasm-bindgen and wasm-opt, into `dist/` under content-hashed names. The bootstrap
//! (`csp.rs`) loads it on demand with its integrity hashes.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::setup::Tools;
use crate::util::{cmd, root, run};

/// The module's two files in `dist/`.
pub struct Module {
    pub js: String,
    pub wasm: String,
}

fn hash16(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Builds the module and copies it into `dist`.
pub fn build(tools: &Tools, dist: &Path) -> Result<Module, String> {
    let mut c = cmd(tools, "cargo");
    c.args([
        "build",
        "--release",
        "--locked",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "mailgrant-handoff",
    ]);
    run(c)?;
    let out = root().join("target/handoff");
    let _ = std::fs::remove_dir_all(&out);
    let mut c = cmd(tools, "wasm-bindgen");
    c.args([
        "--target",
        "web",
        "--no-typescript",
        "--out-name",
        "handoff",
        "--out-dir",
    ])
    .arg(&out)
    .arg(root().join("target/wasm32-unknown-unknown/release/mailgrant_handoff.wasm"));
    run(c)?;
    // The features Rust's wasm32 target enables by default (as trunk's wasm-opt reads them).
    let mut c = cmd(tools, "wasm-opt");
    c.args([
        "-Oz",
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ])
    .arg(out.join("handoff_bg.wasm"))
    .arg("-o")
    .arg(out.join("handoff_bg.opt.wasm"));
    run(c)?;
    crate::util::minify_js(tools, &out.join("handoff.js"))?;
    let read = |name: &str| {
        let p = out.join(name);
        std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (js, wasm) = (read("handoff.js")?, read("handoff_bg.opt.wasm")?);
    let module = Module {
        js: format!("handoff-{}.js", hash16(&js)),
        wasm: format!("handoff-{}_bg.wasm", hash16(&wasm)),
    };
    for (name, bytes) in [(&module.js, &js), (&module.wasm, &wasm)] {
        let p = dist.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    println!(
        "dist/{} and dist/{}: the hand-off module",
        module.js, module.wasm
    );
    Ok(module)
}
