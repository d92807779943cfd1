//! The optional static site: serves the built page (`dist/`) with an SPA fallback and a
//! `/config.json` chosen by [`crate::SiteConfig`].

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::http_util::percent_decode;
use crate::{App, SiteConfig};

pub fn router(app: App) -> Router {
    Router::new().fallback(serve).with_state(app)
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html") | Some("htm") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") | Some("map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Maps a request path to a relative file path, refusing traversal and odd characters.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut out = PathBuf::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => continue,
            ".." => return None,
            s => out.push(s),
        }
    }
    if out.components().all(|c| matches!(c, Component::Normal(_))) {
        Some(out)
    } else {
        None
    }
}

async fn serve(State(app): State<App>, req: Request) -> Response {
    let Some(site) = app.site.as_ref() else {
        return plain(StatusCode::NOT_FOUND, "no site configured");
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    let path = req.uri().path();
    if path == "/config.json" {
        let body = match &site.config {
            SiteConfig::Demo => app.demo_config(),
            SiteConfig::GenericOidc => app.generic_oidc_config(),
            SiteConfig::DemoVendor(keys) => app.demo_vendor_config(keys),
            SiteConfig::Raw(s) => {
                let host = req
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or_default();
                s.replace("{siteOrigin}", &format!("http://{host}"))
            }
            SiteConfig::Missing => return plain(StatusCode::NOT_FOUND, "not found"),
        };
        return (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response();
    }
    let Some(rel) = safe_relative(path) else {
        return plain(StatusCode::BAD_REQUEST, "bad path");
    };
    let has_extension = rel.extension().is_some();
    let file = if rel.as_os_str().is_empty() || !has_extension {
        site.dist.join("index.html")
    } else {
        site.dist.join(&rel)
    };
    let slow = app.lock().faults.slow_file.clone();
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if let Some(delay) = slow.and_then(|s| s.delay_for(name)) {
        tokio::time::sleep(delay).await;
    }
    match tokio::fs::read(&file).await {
        Ok(mut bytes) => {
            if content_type(&file).starts_with("text/html") {
                bytes = allow_emulator_origins(bytes, &app);
            }
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
            let cache = if content_type(&file).starts_with("text/html") {
                "no-cache"
            } else {
                "no-cache, max-age=0"
            };
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            // What a vendor's host should send too (frame-ancestors only works as a header).
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("frame-ancestors 'none'"),
            );
            resp
        }
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

/// The built page's Content-Security-Policy lets it connect to Microsoft only; the demo host adds
/// the emulator's two origins, as a vendor would add a national cloud's or another provider's.
fn allow_emulator_origins(bytes: Vec<u8>, app: &App) -> Vec<u8> {
    const MARKER: &str = "connect-src 'self'";
    match String::from_utf8(bytes) {
        Ok(html) => html
            .replacen(
                MARKER,
                &format!("{MARKER} {} {}", app.login_origin, app.graph_origin),
                1,
            )
            .into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert!(safe_relative("/../etc/passwd").is_none());
        assert!(safe_relative("/a/%2e%2e/b").is_none());
        assert!(safe_relative("/a\\b").is_none());
        assert_eq!(safe_relative("/a/./b.js"), Some(PathBuf::from("a/b.js")));
    }
}
