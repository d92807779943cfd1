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

/// The first load's files in the `<link>` preloads trunk wrote for its module, which is now
/// loaded on demand (the page's own module): the browser fetches the first load's glue and
/// `.wasm` while it parses the page, and nothing of the page's module before Welcome.
fn preload_first_load(
    html: &str,
    page: (&str, &str),
    first: &crate::modules::Module,
) -> Result<String, String> {
    let (js, wasm) = (
        page.0.trim_start_matches("./"),
        page.1.trim_start_matches("./"),
    );
    for (name, rel) in [(js, "modulepreload"), (wasm, "preload")] {
        let link = format!("<link rel=\"{rel}\" href=\"./{name}\"");
        if html.matches(&link).count() != 1 {
            return Err(format!(
                "dist/index.html has no single {rel} link for {name}"
            ));
        }
    }
    Ok(html
        .replace(
            &format!("href=\"./{js}\""),
            &format!("href=\"./{}\"", first.js),
        )
        .replace(
            &format!("href=\"./{wasm}\""),
            &format!("href=\"./{}\"", first.wasm),
        ))
}

/// Trunk's module (the page's own, binary `mailgrant`) in its inline bootstrap: glue and wasm.
fn trunk_module(html: &str) -> Result<(String, String), String> {
    let start = html
        .find(MODULE_OPEN)
        .ok_or("dist/index.html has no inline module script")?;
    let rest = &html[start..];
    let trunk = &rest[..rest.find("</script>").ok_or("unterminated inline script")?];
    Ok((
        quoted_after(trunk, "from '")?.to_owned(),
        quoted_after(trunk, "module_or_path: '")?.to_owned(),
    ))
}

/// A loader `window[name]()` for a module fetched on demand: it imports the glue (integrity
/// from the import map) and fetches the `.wasm` with its integrity, once; a failed load is
/// forgotten, so the next call fetches again.
fn loader(name: &str, js: &str, wasm: &str, wasm_sri: &str) -> String {
    format!(
        "let {name};\n\
         window.{name} = () => {name} ??= import('{js}')\n\
         \x20 .then(async (m) => {{ await m.default({{ module_or_path: fetch('{wasm}', {{ integrity: '{wasm_sri}' }}) }}); return m; }})\n\
         \x20 .catch((e) => {{ {name} = undefined; throw String(e); }});\n"
    )
}

/// Replaces trunk's inline bootstrap with one that starts the first load (`first`, which
/// draws Welcome) and defines the loaders of the page's own module (trunk's, `mailgrantPage`)
/// and of the hand-off module (`mailgrantHandOff`). Each glue is imported with its integrity
/// (the import map's) and each `.wasm` fetched with its own (`fetch(…, {integrity})`); a first
/// load that does not load or does not match shows a plain message.
pub fn bootstrap(
    html: &str,
    dist: &std::path::Path,
    first: &crate::modules::Module,
    handoff: &crate::modules::Module,
) -> Result<String, String> {
    let start = html
        .find(MODULE_OPEN)
        .ok_or("dist/index.html has no inline module script")?;
    let end = start
        + html[start..]
            .find("</script>")
            .ok_or("unterminated inline script")?
        + "</script>".len();
    let (js, wasm) = trunk_module(html)?;
    let (f_js, f_wasm) = (format!("./{}", first.js), format!("./{}", first.wasm));
    let (h_js, h_wasm) = (format!("./{}", handoff.js), format!("./{}", handoff.wasm));
    let integrity = [&f_js, &js, &h_js]
        .iter()
        .map(|f| Ok(format!("\"{f}\":\"{}\"", sri(dist, f)?)))
        .collect::<Result<Vec<_>, String>>()?
        .join(",");
    let ours = format!(
        "{IMPORTMAP_OPEN}{{\"integrity\":{{{integrity}}}}}</script>\n\
         {MODULE_OPEN}\n\
         {}{}\
         const couldNotStart = () => {{\n\
         \x20 const p = document.createElement('p');\n\
         \x20 p.id = '{COULD_NOT_START_ID}';\n\
         \x20 p.textContent = 'This page could not start: its code did not load, or did not match the code its publisher released. Reload the page; if this happens again, tell the vendor who sent you the link.';\n\
         \x20 document.body.replaceChildren(p);\n\
         }};\n\
         try {{\n\
         \x20 const {{ default: init }} = await import('{f_js}');\n\
         \x20 await init({{ module_or_path: fetch('{f_wasm}', {{ integrity: '{}' }}) }});\n\
         }} catch (e) {{\n\
         \x20 couldNotStart();\n\
         }}\n\
         </script>",
        loader("mailgrantPage", &js, &wasm, &sri(dist, &wasm)?),
        loader("mailgrantHandOff", &h_js, &h_wasm, &sri(dist, &h_wasm)?),
        sri(dist, &f_wasm)?,
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
    first: &crate::modules::Module,
    handoff: &crate::modules::Module,
) -> Result<String, String> {
    if html.contains("Content-Security-Policy") {
        return Err("dist/index.html already has a Content-Security-Policy".into());
    }
    let (js, wasm) = trunk_module(html)?;
    let html = preload_first_load(html, (&js, &wasm), first)?;
    let html = asset_integrity(&html, dist)?;
    let html = bootstrap(&html, dist, first, handoff)?;
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

    const PAGE: &str = "<!DOCTYPE html><html><head>\n<script type=\"module\">\nimport init, * as bindings from './a.js';\nconst wasm = await init({ module_or_path: './a_bg.wasm' });\n</script>\n<link rel=\"modulepreload\" href=\"./a.js\" integrity=\"sha384-x\"><link rel=\"preload\" href=\"./a_bg.wasm\" integrity=\"sha384-y\" as=\"fetch\"></head><body></body></html>";

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
        std::fs::write(dir.join("w.js"), b"export default function w() {}").unwrap();
        std::fs::write(dir.join("w_bg.wasm"), b"\0asm\x02").unwrap();
        dir
    }

    fn module() -> crate::modules::Module {
        crate::modules::Module {
            js: "h.js".into(),
            wasm: "h_bg.wasm".into(),
        }
    }

    fn first() -> crate::modules::Module {
        crate::modules::Module {
            js: "w.js".into(),
            wasm: "w_bg.wasm".into(),
        }
    }

    fn sha384(bytes: &[u8]) -> String {
        format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
    }

    #[test]
    fn the_bootstrap_checks_every_file_and_the_policy_pins_it() {
        let out = finalize(
            PAGE,
            &dist(),
            &["http://127.0.0.1:8401".into()],
            &first(),
            &module(),
        )
        .unwrap();
        let (js, wasm) = (
            sha384(b"export default function init() {}"),
            sha384(b"\0asm"),
        );
        let (h_js, h_wasm) = (
            sha384(b"export default function h() {}"),
            sha384(b"\0asm\x01"),
        );
        let (w_js, w_wasm) = (
            sha384(b"export default function w() {}"),
            sha384(b"\0asm\x02"),
        );
        assert!(
            out.contains(&format!(
                "{{\"integrity\":{{\"./w.js\":\"{w_js}\",\"./a.js\":\"{js}\",\"./h.js\":\"{h_js}\"}}}}"
            )),
            "{out}"
        );
        // The first load starts at once; trunk's module (the page's) and the hand-off module
        // are fetched on demand, each with its hash.
        assert!(out.contains("await import('./w.js')"), "{out}");
        for (loader, js, wasm, hash) in [
            ("mailgrantPage", "./a.js", "./a_bg.wasm", &wasm),
            ("mailgrantHandOff", "./h.js", "./h_bg.wasm", &h_wasm),
        ] {
            assert!(
                out.contains(&format!(
                    "window.{loader} = () => {loader} ??= import('{js}')"
                )),
                "{out}"
            );
            assert!(
                out.contains(&format!("fetch('{wasm}', {{ integrity: '{hash}' }})")),
                "{out}"
            );
        }
        assert!(
            out.contains(&format!(
                "fetch('./w_bg.wasm', {{ integrity: '{w_wasm}' }})"
            )),
            "{out}"
        );
        // The preloads are the first load's, so nothing of the page's module comes before
        // Welcome.
        assert!(
            out.contains(&format!(
                "<link rel=\"modulepreload\" href=\"./w.js\" integrity=\"{w_js}\">"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "<link rel=\"preload\" href=\"./w_bg.wasm\" integrity=\"{w_wasm}\""
            )),
            "{out}"
        );
        assert!(!out.contains("href=\"./a"), "{out}");
        assert!(out.contains(COULD_NOT_START_ID));
        assert!(!out.contains("bindings"), "trunk's bootstrap is gone");
        let scripts = inline_scripts(&out).unwrap();
        assert_eq!(scripts.len(), 2);
        // The policy as written into the page, pinning the scripts as written.
        let p = out
            .split_once("<meta http-equiv=\"Content-Security-Policy\" content=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(p, _)| p)
            .expect("the page carries its policy");
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
        let out = finalize(PAGE, &dist(), &[], &first(), &module()).unwrap();
        assert!(out.starts_with(
            "<!DOCTYPE html><html><head>\n  <meta http-equiv=\"Content-Security-Policy\""
        ));
        assert!(
            finalize(&out, &dist(), &[], &first(), &module()).is_err(),
            "twice is refused"
        );
        let no_sri = PAGE.replace(" integrity=\"sha384-x\"", "");
        assert!(finalize(&no_sri, &dist(), &[], &first(), &module())
            .unwrap_err()
            .contains("integrity"));
        // trunk's hash (`sha384-x` here) is set from the file the link now names.
        let d = dist();
        let fresh = sri(&d, "./w.js").unwrap();
        let out = finalize(PAGE, &d, &[], &first(), &module()).unwrap();
        assert!(!out.contains("sha384-x\""), "{out}");
        assert!(
            out.contains(&format!("href=\"./w.js\" integrity=\"{fresh}\">")),
            "{out}"
        );
        // A page without trunk's preload of its `.wasm` is refused (the first load would be
        // fetched late, or the page's module early).
        let no_preload = PAGE.replace("<link rel=\"preload\"", "<link rel=\"prefetch\"");
        assert!(finalize(&no_preload, &dist(), &[], &first(), &module())
            .unwrap_err()
            .contains("preload"));
    }
}
