//! After `trunk build`: a Content-Security-Policy for the page, pinned to the hash of trunk's
//! inline bootstrap script, and a check that every asset carries Subresource Integrity.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Microsoft Graph of the public and national clouds. With the sign-in hosts the page knows
/// ([`mailgrant_core::config::MICROSOFT_LOGIN_HOSTS`]) and its own origin (config.json), this is
/// where the page may connect.
pub const MICROSOFT_GRAPH_ORIGINS: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// The marker the demo server rewrites to add the emulator's origins.
pub const CONNECT_SRC_MARKER: &str = "connect-src 'self'";

fn bootstrap_script(html: &str) -> Result<&str, String> {
    let open = "<script type=\"module\">";
    let start = html
        .find(open)
        .ok_or("dist/index.html has no inline module script")?
        + open.len();
    let len = html[start..]
        .find("</script>")
        .ok_or("unterminated inline script")?;
    if html[start + len..].contains(open) {
        return Err("dist/index.html has more than one inline script".into());
    }
    Ok(&html[start..start + len])
}

/// The policy for this page.
pub fn policy(html: &str, extra_connect: &[String]) -> Result<String, String> {
    let hash = STANDARD.encode(Sha256::digest(bootstrap_script(html)?.as_bytes()));
    let connect: Vec<String> = mailgrant_core::config::MICROSOFT_LOGIN_HOSTS
        .iter()
        .map(|h| format!("https://{h}"))
        .chain(MICROSOFT_GRAPH_ORIGINS.iter().map(|o| o.to_string()))
        .chain(extra_connect.iter().cloned())
        .collect();
    Ok(format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'; \
         style-src 'self'; img-src 'self' data:; {CONNECT_SRC_MARKER} {}; \
         base-uri 'none'; form-action 'none'; object-src 'none'; \
         require-trusted-types-for 'script'",
        connect.join(" ")
    ))
}

/// Adds the policy as the first element of `<head>` and checks SRI on every asset.
pub fn finalize(html: &str, extra_connect: &[String]) -> Result<String, String> {
    if html.contains("Content-Security-Policy") {
        return Err("dist/index.html already has a Content-Security-Policy".into());
    }
    for tag in [
        "<link rel=\"modulepreload\"",
        "<link rel=\"preload\"",
        "<link rel=\"stylesheet\"",
    ] {
        let missing = html.match_indices(tag).any(|(i, _)| {
            !html[i..]
                .split('>')
                .next()
                .unwrap_or("")
                .contains("integrity=\"sha384-")
        });
        if missing {
            return Err(format!(
                "an asset ({tag}) in dist/index.html lacks an integrity hash"
            ));
        }
    }
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />",
        policy(html, extra_connect)?
    );
    let head = html.find("<head>").ok_or("dist/index.html has no <head>")? + "<head>".len();
    Ok(format!("{}\n  {meta}{}", &html[..head], &html[head..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!DOCTYPE html><html><head>\n<script type=\"module\">\nimport init from './a.js';\n</script>\n<link rel=\"modulepreload\" href=\"./a.js\" integrity=\"sha384-x\"></head><body></body></html>";

    #[test]
    fn the_policy_pins_the_bootstrap_script() {
        let p = policy(PAGE, &["http://127.0.0.1:8401".into()]).unwrap();
        let expected = STANDARD.encode(Sha256::digest(b"\nimport init from './a.js';\n"));
        assert!(p.contains(&format!("'sha256-{expected}'")), "{p}");
        assert!(p.contains("connect-src 'self' https://login.microsoftonline.com"));
        assert!(p.ends_with("require-trusted-types-for 'script'"));
        assert!(p.contains("http://127.0.0.1:8401;"));
        assert!(!p.contains("unsafe-inline") && !p.contains("'unsafe-eval'"));
    }

    #[test]
    fn finalize_inserts_once_and_demands_sri() {
        let out = finalize(PAGE, &[]).unwrap();
        assert!(out.starts_with(
            "<!DOCTYPE html><html><head>\n  <meta http-equiv=\"Content-Security-Policy\""
        ));
        assert!(finalize(&out, &[]).is_err(), "twice is refused");
        let no_sri = PAGE.replace(" integrity=\"sha384-x\"", "");
        assert!(finalize(&no_sri, &[]).unwrap_err().contains("integrity"));
    }
}
