//! After `trunk build`: the page's own bootstrap, which fetches the `.wasm` and imports the JS
//! glue with their Subresource Integrity hashes (a `preload` with `integrity` is not enforced in
//! every case, crbug 981419), and says so when they do not match; and the
//! Content-Security-Policy, pinned to the hashes of the page's two inline scripts.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

/// Microsoft Graph of the public and national clouds. With the sign-in hosts the page knows
/// ([`mailgrant_core::config::MICROSOFT_LOGIN_HOSTS`]) and its own origin (config.json), this is
/// where the page may connect.
pub const MICROSOFT_GRAPH_ORIGINS: [&str; 4] = mailgrant_core::config::MICROSOFT_GRAPH_ORIGINS;

/// The marker the demo server rewrites to add the emulator's origins.
pub const CONNECT_SRC_MARKER: &str = "connect-src 'self'";

/// The id of the message shown when the page's code did not load or did not match its hash.
pub const COULD_NOT_START_ID: &str = "could-not-start";

const MODULE_OPEN: &str = "<script type=\"module\">";
const IMPORTMAP_OPEN: &str = "<script type=\"importmap\">";

/// The inline scripts of a page: their texts, in order.
fn inline_scripts(html: &str) -> Result<Vec<&str>, String> {
    let mut out = vec![];
    for open in [IMPORTMAP_OPEN, MODULE_OPEN] {
        let mut rest = html;
        while let Some(i) = rest.find(open) {
            let start = i + open.len();
            let len = rest[start..]
                .find("</script>")
                .ok_or("unterminated inline script")?;
            out.push(&rest[start..start + len]);
            rest = &rest[start + len..];
        }
    }
    if html.matches("<script").count() != out.len() {
        return Err(
            "dist/index.html has a script that is neither the import map nor the bootstrap".into(),
        );
    }
    Ok(out)
}

/// The file a quoted `./name` path names, from trunk's bootstrap.
fn quoted_after<'a>(text: &'a str, before: &str) -> Result<&'a str, String> {
    let i = text
        .find(before)
        .ok_or_else(|| format!("trunk's bootstrap has no {before}"))?
        + before.len();
    let end = text[i..].find('\'').ok_or("unterminated path")?;
    Ok(&text[i..i + end])
}

/// `sha384-<base64>` of a file in `dist`.
fn sri(dist: &std::path::Path, name: &str) -> Result<String, String> {
    let path = dist.join(name.trim_start_matches("./"));
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes))))
}

/// Replaces trunk's inline bootstrap with one that imports the glue and fetches the `.wasm`
/// with their integrity hashes (an import map's `integrity`, `fetch(…, {integrity})`), and
/// shows a plain message when either does not load or does not match.
pub fn bootstrap(
    html: &str,
    dist: &std::path::Path,
    handoff: &crate::handoff::Module,
) -> Result<String, String> {
    let start = html
        .find(MODULE_OPEN)
        .ok_or("dist/index.html has no inline module script")?;
    let end = start
        + html[start..]
            .find("</script>")
            .ok_or("unterminated inline script")?
        + "</script>".len();
    let trunk = &html[start..end];
    let js = quoted_after(trunk, "from '")?;
    let wasm = quoted_after(trunk, "module_or_path: '")?;
    let (js_sri, wasm_sri) = (sri(dist, js)?, sri(dist, wasm)?);
    let (h_js, h_wasm) = (format!("./{}", handoff.js), format!("./{}", handoff.wasm));
    let (h_js_sri, h_wasm_sri) = (sri(dist, &h_js)?, sri(dist, &h_wasm)?);
    let ours = format!(
        "{IMPORTMAP_OPEN}{{\"integrity\":{{\"{js}\":\"{js_sri}\",\"{h_js}\":\"{h_js_sri}\"}}}}</script>\n\
         {MODULE_OPEN}\n\
         let handOff;\n\
         window.mailgrantHandOff = () => handOff ??= import('{h_js}')\n\
         \x20 .then(async (m) => {{ await m.default({{ module_or_path: fetch('{h_wasm}', {{ integrity: '{h_wasm_sri}' }}) }}); return m; }})\n\
         \x20 .catch((e) => {{ handOff = undefined; throw String(e); }});\n\
         const couldNotStart = () => {{\n\
         \x20 const p = document.createElement('p');\n\
         \x20 p.id = '{COULD_NOT_START_ID}';\n\
         \x20 p.textContent = 'This page could not start: its code did not load, or did not match the code its publisher released. Reload the page; if this happens again, tell the vendor who sent you the link.';\n\
         \x20 document.body.replaceChildren(p);\n\
         }};\n\
         try {{\n\
         \x20 const {{ default: init }} = await import('{js}');\n\
         \x20 await init({{ module_or_path: fetch('{wasm}', {{ integrity: '{wasm_sri}' }}) }});\n\
         }} catch (e) {{\n\
         \x20 couldNotStart();\n\
         }}\n\
         </script>"
    );
    Ok(format!("{}{ours}{}", &html[..start], &html[end..]))
}

/// The policy for this page.
pub fn policy(html: &str, extra_connect: &[String]) -> Result<String, String> {
    let hashes: Vec<String> = inline_scripts(html)?
        .iter()
        .map(|s| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(s.as_bytes()))))
        .collect();
    let connect: Vec<String> = mailgrant_core::config::MICROSOFT_LOGIN_HOSTS
        .iter()
        .map(|h| format!("https://{h}"))
        .chain(MICROSOFT_GRAPH_ORIGINS.iter().map(|o| o.to_string()))
        .chain(extra_connect.iter().cloned())
        .collect();
    Ok(format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {}; \
         style-src 'self'; img-src 'self' data:; {CONNECT_SRC_MARKER} {}; \
         base-uri 'none'; form-action 'none'; object-src 'none'; \
         require-trusted-types-for 'script'; trusted-types 'none'",
        hashes.join(" "),
        connect.join(" ")
    ))
}

/// Every `<link>` to an asset must carry an integrity hash (trunk writes them); each is set again
/// from the file in `dist/` as it is now, since xtask changes files after trunk (the JS glue is
/// minified), and a stale hash would make the browser refuse the file.
fn asset_integrity(html: &str, dist: &std::path::Path) -> Result<String, String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<link ") {
        let end = i + rest[i..]
            .find('>')
            .ok_or("an unterminated <link> in dist/index.html")?;
        let tag = &rest[i..end];
        out.push_str(&rest[..i]);
        let asset = [
            "rel=\"modulepreload\"",
            "rel=\"preload\"",
            "rel=\"stylesheet\"",
        ]
        .iter()
        .any(|r| tag.contains(r));
        match (asset, tag.find(" integrity=\"sha384-")) {
            (false, _) => out.push_str(tag),
            (true, None) => {
                return Err(format!(
                    "an asset in dist/index.html lacks an integrity hash: {tag}"
                ))
            }
            (true, Some(at)) => {
                let href = tag
                    .split_once(" href=\"")
                    .and_then(|(_, h)| h.split_once('"'))
                    .map(|(h, _)| h)
                    .ok_or_else(|| format!("an asset in dist/index.html without href: {tag}"))?;
                let value_start = at + " integrity=\"".len();
                let value_end = value_start
                    + tag[value_start..]
                        .find('"')
                        .ok_or("an unterminated integrity attribute")?;
                out.push_str(&tag[..value_start]);
                out.push_str(&sri(dist, href)?);
                out.push_str(&tag[value_end..]);
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The page's own bootstrap, then the policy as the first element of `<head>`, with every
/// asset's integrity hash set from its file.
pub fn finalize(
    html: &str,
    dist: &std::path::Path,
    extra_connect: &[String],
    handoff: &crate::handoff::Module,
) -> Result<String, String> {
    if html.contains("Content-Security-Policy") {
        return Err("dist/index.html already has a Content-Security-Policy".into());
    }
    let html = asset_integrity(html, dist)?;
    let html = bootstrap(&html, dist, handoff)?;
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />",
        policy(&html, extra_connect)?
    );
    let head = html.find("<head>").ok_or("dist/index.html has no <head>")? + "<head>".len();
    Ok(format!("{}\n  {meta}{}", &html[..head], &html[head..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!DOCTYPE html><html><head>\n<script type=\"module\">\nimport init, * as bindings from './a.js';\nconst wasm = await init({ module_or_path: './a_bg.wasm' });\n</script>\n<link rel=\"modulepreload\" href=\"./a.js\" integrity=\"sha384-x\"></head><body></body></html>";

    fn dist() -> std::path::PathBuf {
        // One folder per call: tests run in parallel threads, and rewriting a shared folder let
        // one test hash another's half-written file.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mailgrant-csp-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.js"), b"export default function init() {}").unwrap();
        std::fs::write(dir.join("a_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(dir.join("h.js"), b"export default function h() {}").unwrap();
        std::fs::write(dir.join("h_bg.wasm"), b"\0asm\x01").unwrap();
        dir
    }

    fn module() -> crate::handoff::Module {
        crate::handoff::Module {
            js: "h.js".into(),
            wasm: "h_bg.wasm".into(),
        }
    }

    #[test]
    fn the_bootstrap_checks_both_files_and_the_policy_pins_it() {
        let out = finalize(PAGE, &dist(), &["http://127.0.0.1:8401".into()], &module()).unwrap();
        let js = format!(
            "sha384-{}",
            STANDARD.encode(Sha384::digest(b"export default function init() {}"))
        );
        let wasm = format!("sha384-{}", STANDARD.encode(Sha384::digest(b"\0asm")));
        let h_js = format!(
            "sha384-{}",
            STANDARD.encode(Sha384::digest(b"export default function h() {}"))
        );
        let h_wasm = format!("sha384-{}", STANDARD.encode(Sha384::digest(b"\0asm\x01")));
        assert!(
            out.contains(&format!(
                "{{\"integrity\":{{\"./a.js\":\"{js}\",\"./h.js\":\"{h_js}\"}}}}"
            )),
            "{out}"
        );
        // The hand-off module is fetched on demand, with its hash too.
        assert!(out.contains("import('./h.js')"), "{out}");
        assert!(
            out.contains(&format!(
                "fetch('./h_bg.wasm', {{ integrity: '{h_wasm}' }})"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("fetch('./a_bg.wasm', {{ integrity: '{wasm}' }})")),
            "{out}"
        );
        assert!(out.contains(COULD_NOT_START_ID));
        assert!(!out.contains("bindings"), "trunk's bootstrap is gone");
        let scripts = inline_scripts(&out).unwrap();
        assert_eq!(scripts.len(), 2);
        let p = policy(&out, &["http://127.0.0.1:8401".into()]).unwrap();
        for s in scripts {
            let h = STANDARD.encode(Sha256::digest(s.as_bytes()));
            assert!(p.contains(&format!("'sha256-{h}'")), "{p}");
        }
        assert!(p.contains("connect-src 'self' https://login.microsoftonline.com"));
        assert!(p.ends_with("require-trusted-types-for 'script'; trusted-types 'none'"));
        assert!(p.contains("http://127.0.0.1:8401;"));
        assert!(!p.contains("unsafe-inline") && !p.contains("'unsafe-eval'"));
    }

    #[test]
    fn finalize_inserts_once_and_demands_sri() {
        let out = finalize(PAGE, &dist(), &[], &module()).unwrap();
        assert!(out.starts_with(
            "<!DOCTYPE html><html><head>\n  <meta http-equiv=\"Content-Security-Policy\""
        ));
        assert!(
            finalize(&out, &dist(), &[], &module()).is_err(),
            "twice is refused"
        );
        let no_sri = PAGE.replace(" integrity=\"sha384-x\"", "");
        assert!(finalize(&no_sri, &dist(), &[], &module())
            .unwrap_err()
            .contains("integrity"));
        // trunk's hash of a file xtask changed afterwards (`sha384-x` here) is set from the file.
        let d = dist();
        let fresh = sri(&d, "./a.js").unwrap();
        let out = finalize(PAGE, &d, &[], &module()).unwrap();
        assert!(!out.contains("sha384-x\""), "{out}");
        assert!(
            out.contains(&format!("href=\"./a.js\" integrity=\"{fresh}\">")),
            "{out}"
        );
    }
}
