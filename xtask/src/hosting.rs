//! Ready hosting configurations, all from one list of headers: `dist/hosting/nginx.conf` (to
//! include inside a `server { }`), `staticwebapp.config.json` (Azure Static Web Apps) and
//! `_headers` (Netlify, Cloudflare Pages). Each sends the page's Content-Security-Policy with
//! what a `<meta>` cannot carry (`frame-ancestors 'none'`), `Referrer-Policy`,
//! `X-Content-Type-Options`, `Cross-Origin-Opener-Policy`, `Strict-Transport-Security` (this
//! host only), a `Permissions-Policy` that denies what the page does not use, and the caching
//! rules: hashed assets immutable, `index.html` and `config.json` revalidated on every load.

use std::path::Path;

/// Assets whose names carry trunk's content hash: `name-<hex>.js|css`, `name-<hex>_bg.wasm`.
/// Trunk prints the 64-bit hash without leading zeros, so it has up to 16 hex digits (15 seen).
pub const HASHED_ASSET_REGEX: &str = "-[0-9a-f]{8,16}(_bg)?\\.(js|wasm|css)$";
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";

/// The headers every answer of the page carries, given the page's policy (its `<meta>`).
pub fn headers(meta_policy: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "Content-Security-Policy",
            format!("{meta_policy}; frame-ancestors 'none'"),
        ),
        ("Referrer-Policy", "no-referrer".into()),
        ("X-Content-Type-Options", "nosniff".into()),
        ("Cross-Origin-Opener-Policy", "same-origin".into()),
        ("Cross-Origin-Resource-Policy", "same-origin".into()),
        // HTTPS only, for a year, on this host alone: the page is served over https (a browser
        // ignores the header on http), and the vendor's other hosts are not ours to bind.
        ("Strict-Transport-Security", "max-age=31536000".into()),
        (
            "Permissions-Policy",
            // The page writes to the clipboard (Copy) and uses nothing else of these.
            "accelerometer=(), camera=(), display-capture=(), fullscreen=(), geolocation=(), \
             gyroscope=(), hid=(), magnetometer=(), microphone=(), payment=(), serial=(), usb=(), \
             clipboard-read=(), clipboard-write=(self)"
                .into(),
        ),
    ]
}

/// The policy in a built page's `<meta http-equiv="Content-Security-Policy">`.
pub fn meta_policy(html: &str) -> Result<&str, String> {
    let marker = "<meta http-equiv=\"Content-Security-Policy\" content=\"";
    let start = html.find(marker).ok_or("the page has no CSP <meta>")? + marker.len();
    let len = html[start..].find('"').ok_or("unterminated CSP <meta>")?;
    Ok(&html[start..start + len])
}

fn nginx_headers(headers: &[(&str, String)], cache: &str, out: &mut String) {
    for (name, value) in headers {
        out.push_str(&format!("    add_header {name} \"{value}\" always;\n"));
    }
    out.push_str(&format!(
        "    add_header Cache-Control \"{cache}\" always;\n"
    ));
}

/// For nginx: include inside the `server { }` whose `root` holds `index.html`. (nginx drops
/// the outer `add_header`s in a location that has its own, so each location repeats them all.)
pub fn nginx(headers: &[(&str, String)]) -> String {
    let mut out = String::from(
        "# mailgrant: include this file inside your `server { ... }` block, whose `root` is the\n\
         # folder that holds index.html (written by `cargo xtask build`; do not edit by hand).\n\
         index index.html;\n\
         charset utf-8;\n\
         server_tokens off;\n\
         # The .wasm is most of the page: compressed, it arrives in well under half the time.\n\
         gzip on;\n\
         gzip_types application/javascript application/wasm text/css application/json;\n\n",
    );
    out.push_str(&format!("location ~ \"{HASHED_ASSET_REGEX}\" {{\n"));
    out.push_str("    types { application/javascript js; application/wasm wasm; text/css css; }\n");
    nginx_headers(headers, IMMUTABLE, &mut out);
    out.push_str("}\n\n");
    out.push_str("location / {\n");
    out.push_str("    try_files $uri $uri/ =404;\n");
    nginx_headers(headers, REVALIDATE, &mut out);
    out.push_str("}\n");
    out
}

/// For Azure Static Web Apps.
pub fn static_web_app(headers: &[(&str, String)]) -> String {
    let global: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), serde_json::Value::from(v.as_str())))
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "globalHeaders": global,
        "routes": [
            {"route": "/*.{js,wasm,css}", "headers": {"Cache-Control": IMMUTABLE}},
            {"route": "/config.json", "headers": {"Cache-Control": REVALIDATE}},
            {"route": "/index.html", "headers": {"Cache-Control": REVALIDATE}},
            {"route": "/", "headers": {"Cache-Control": REVALIDATE}},
        ],
        "mimeTypes": {".wasm": "application/wasm"},
    }))
    .unwrap_or_default()
}

/// For Netlify and Cloudflare Pages (`_headers`).
pub fn headers_file(headers: &[(&str, String)]) -> String {
    let mut out = String::from("/*\n");
    for (name, value) in headers {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    for path in ["/", "/index.html", "/config.json"] {
        out.push_str(&format!("{path}\n  Cache-Control: {REVALIDATE}\n"));
    }
    for ext in ["js", "wasm", "css"] {
        out.push_str(&format!("/*.{ext}\n  Cache-Control: {IMMUTABLE}\n"));
    }
    out
}

/// Writes the three files into `dist/hosting/`.
pub fn write(dist: &Path) -> Result<(), String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let h = headers(meta_policy(&html)?);
    let dir = dist.join("hosting");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in [
        ("nginx.conf", nginx(&h)),
        ("staticwebapp.config.json", static_web_app(&h)),
        ("_headers", headers_file(&h)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!(
        "dist/hosting/: nginx.conf, staticwebapp.config.json, _headers (the same {} headers)",
        h.len() + 1
    );
    let sums = checksums(dist)?;
    let path = dist.join("SHA256SUMS");
    std::fs::write(&path, &sums).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("dist/SHA256SUMS: {} files", sums.lines().count());
    Ok(())
}

/// `sha256sum` lines (`<hex>  <path>`) for every file under `dist` but `SHA256SUMS` itself and
/// `config.json` (the vendor's own), sorted by path: `sha256sum -c SHA256SUMS` checks a copy.
fn checksums(dist: &Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = vec![];
    walk(dist, &mut files)?;
    let mut lines: Vec<String> = vec![];
    for path in files {
        let rel = path
            .strip_prefix(dist)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "SHA256SUMS" || rel == "config.json" {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        lines.push(format!("{hex}  {rel}"));
    }
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    Ok(lines.iter().map(|l| format!("{l}\n")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_what_sha256sum_checks() {
        let dir = std::env::temp_dir().join(format!("mailgrant-sums-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("hosting")).unwrap();
        std::fs::write(dir.join("index.html"), "abc").unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(dir.join("hosting/_headers"), "").unwrap();
        let sums = checksums(&dir).unwrap();
        assert_eq!(
            sums,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  hosting/_headers\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  index.html\n"
        );
        std::fs::write(dir.join("SHA256SUMS"), &sums).unwrap();
        let check = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", "SHA256SUMS"])
            .current_dir(&dir)
            .status();
        if let Ok(status) = check {
            assert!(status.success(), "sha256sum -c refuses the file");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_file_carries_every_header() {
        let h = headers("default-src 'none'");
        assert_eq!(h[0].1, "default-src 'none'; frame-ancestors 'none'");
        let swa: serde_json::Value = serde_json::from_str(&static_web_app(&h)).unwrap();
        let nginx = nginx(&h);
        let netlify = headers_file(&h);
        for (name, value) in &h {
            assert_eq!(swa["globalHeaders"][*name], value.as_str(), "{name}");
            // Once per location.
            assert_eq!(
                nginx
                    .matches(&format!("add_header {name} \"{value}\" always;"))
                    .count(),
                2,
                "{name}"
            );
            assert!(netlify.contains(&format!("  {name}: {value}\n")), "{name}");
        }
        assert_eq!(nginx.matches(IMMUTABLE).count(), 1);
        assert!(netlify.contains("/config.json\n  Cache-Control: no-cache"));
        assert!(!nginx.contains('\''.to_string().repeat(3).as_str()));
    }

    #[test]
    fn the_policy_is_read_from_the_page() {
        let html = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; x\" /></head>";
        assert_eq!(meta_policy(html).unwrap(), "default-src 'none'; x");
        assert!(meta_policy("<head></head>").is_err());
    }
}
