//! The wasm modules xtask builds beside trunk's (the page's own module, binary `mailgrant`):
//! the first load (binary `welcome`, which draws Welcome and hands over to the page's module)
//! and the hand-off module (crate `mailgrant-handoff`). Built after trunk's page, with the same
//! pinned wasm-bindgen and wasm-opt, into `dist/` under content-hashed names. The bootstrap
//! (`csp.rs`) loads them with their integrity hashes.

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

/// How one module is built.
pub struct Spec {
    /// What it is, for the build's output.
    what: &'static str,
    /// Which cargo target: `-p …` and, for a binary, `--bin …`.
    target: &'static [&'static str],
    /// The wasm file cargo writes, in `target/wasm32-unknown-unknown/release/`.
    artifact: &'static str,
    /// The files' stem (`<name>-<hash>.js`, `<name>-<hash>_bg.wasm`).
    name: &'static str,
    /// wasm-opt's passes.
    passes: &'static [&'static str],
}

/// The first load: Welcome, then the hand-over. The page's passes (index.html's
/// `data-wasm-opt="z"` and `data-wasm-opt-params`).
pub const WELCOME: Spec = Spec {
    what: "the first load (Welcome)",
    target: &["-p", "mailgrant", "--bin", "welcome"],
    artifact: "welcome.wasm",
    name: "welcome",
    passes: &["-Oz", "--flatten", "--rereloop", "-Oz", "-Oz"],
};

/// The hand-off module, fetched once Apply starts.
pub const HANDOFF: Spec = Spec {
    what: "the hand-off module",
    target: &["-p", "mailgrant-handoff"],
    artifact: "mailgrant_handoff.wasm",
    name: "handoff",
    passes: &["-Oz"],
};

/// Builds the module and copies it into `dist`.
pub fn build(tools: &Tools, dist: &Path, spec: &Spec) -> Result<Module, String> {
    let mut c = cmd(tools, "cargo");
    c.args([
        "build",
        "--release",
        "--locked",
        "--target",
        "wasm32-unknown-unknown",
    ])
    .args(spec.target);
    run(c)?;
    let name = spec.name;
    let out = root().join("target/modules").join(name);
    let _ = std::fs::remove_dir_all(&out);
    let mut c = cmd(tools, "wasm-bindgen");
    c.args([
        "--target",
        "web",
        "--no-typescript",
        "--out-name",
        name,
        "--out-dir",
    ])
    .arg(&out)
    .arg(
        root()
            .join("target/wasm32-unknown-unknown/release")
            .join(spec.artifact),
    );
    run(c)?;
    // The features Rust's wasm32 target enables by default (as trunk's wasm-opt reads them).
    let mut c = cmd(tools, "wasm-opt");
    c.args(spec.passes)
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(out.join(format!("{name}_bg.wasm")))
        .arg("-o")
        .arg(out.join(format!("{name}_bg.opt.wasm")));
    run(c)?;
    crate::util::minify_js(tools, &out.join(format!("{name}.js")))?;
    let read = |name: &str| {
        let p = out.join(name);
        std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (js, wasm) = (
        read(&format!("{name}.js"))?,
        read(&format!("{name}_bg.opt.wasm"))?,
    );
    let module = Module {
        js: format!("{name}-{}.js", hash16(&js)),
        wasm: format!("{name}-{}_bg.wasm", hash16(&wasm)),
    };
    for (name, bytes) in [(&module.js, &js), (&module.wasm, &wasm)] {
        let p = dist.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    println!("dist/{} and dist/{}: {}", module.js, module.wasm, spec.what);
    Ok(module)
}
