//! Small helpers shared by the login, Graph and site servers: ids, clocks, error bodies, CORS, HTML.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde_json::json;

/// A random (version 4) GUID in the lower-case 8-4-4-4-12 form Microsoft uses.
pub fn new_guid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `n` random bytes, base64url without padding (opaque tokens, codes).
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn b64url(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) for a unix time, without a zone suffix.
fn datetime_parts(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// ISO 8601 UTC with a `Z`, e.g. `2024-05-01T12:00:00Z` (Graph's DateTimeOffset form).
pub fn iso_utc(secs: u64) -> String {
    format!("{}Z", datetime_parts(secs))
}

/// Parses an ISO 8601 date-time (`2026-05-01T12:00:00Z`, optional fraction, `Z`/`±HH:MM`/no zone
/// = UTC) into unix seconds (fractions dropped). `None` for anything else or before 1970.
pub fn parse_iso(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset: i64 = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = &rest[1..];
            if t.len() != 5 || t.as_bytes()[2] != b':' {
                return None;
            }
            let oh: i64 = t[0..2].parse().ok()?;
            let om: i64 = t[3..5].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Howard Hinnant's days_from_civil.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset;
    u64::try_from(secs).ok()
}

/// The `date` inside a Graph `innerError`: no zone suffix, as Graph sends it.
pub fn graph_inner_date(secs: u64) -> String {
    datetime_parts(secs)
}

/// Entra's token-error `timestamp`: `2024-05-01 12:00:00Z`.
pub fn entra_timestamp(secs: u64) -> String {
    format!("{}Z", datetime_parts(secs).replace('T', " "))
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `client-request-id` to echo: the caller's (if a sane value) or a new GUID.
pub fn client_request_id(headers: &HeaderMap) -> String {
    match header_str(headers, "client-request-id") {
        Some(v) if !v.is_empty() && v.len() <= 100 => v.to_string(),
        _ => new_guid(),
    }
}

/// A Microsoft Graph error response (see graph-facts §B.1).
pub fn graph_error(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    client_request_id: &str,
) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": graph_inner_date(now_unix()),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }
    });
    (status, axum::Json(body)).into_response()
}

/// An Entra ID (AADSTS) token-endpoint style error: HTTP 400 unless told otherwise.
pub struct EntraError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

impl EntraError {
    pub fn new(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        EntraError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            description: description.into(),
        }
    }

    /// `AADSTS{code}: {description}` — the first line of `error_description`.
    pub fn headline(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.description)
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let now = now_unix();
        let trace_id = new_guid();
        let correlation_id = new_guid();
        let timestamp = entra_timestamp(now);
        let description = format!(
            "{}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            self.headline()
        );
        let body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": "https://login.microsoftonline.com/error?code=".to_string() + &self.code.to_string(),
        });
        let mut resp = (self.status, axum::Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        h.insert(HeaderName::from_static("x-ms-request-id"), hv(&trace_id));
        resp
    }
}

pub fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Headers a browser may send cross-origin to the token endpoint and to Graph.
pub const CORS_ALLOW_HEADERS: &str = "Authorization, Content-Type, client-request-id, return-client-request-id, Prefer, ConsistencyLevel, Accept, If-Match, Retry-Attempt, SdkVersion";
pub const CORS_ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
pub const CORS_EXPOSE_HEADERS: &str =
    "request-id, client-request-id, Retry-After, Location, ETag, x-ms-ags-diagnostic";

/// Adds `Access-Control-Allow-Origin: <origin>` (+ expose headers) when `origin` is allowed.
pub fn add_cors(headers: &mut HeaderMap, origin: Option<&str>, allowed: bool) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let (Some(o), true) = (origin, allowed) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, hv(o));
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(CORS_EXPOSE_HEADERS),
        );
    }
}

/// The answer to a CORS preflight (`OPTIONS`): allowed origins get the full set of
/// `Access-Control-Allow-*` headers; others get a bare 200 the browser will reject.
pub fn preflight(origin: Option<&str>, allowed: bool) -> Response {
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    add_cors(h, origin, allowed);
    if allowed && origin.is_some() {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(CORS_ALLOW_METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(CORS_ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("3600"),
        );
    }
    resp
}

/// The origin (`scheme://host[:port]`) of an absolute URL, lower-cased scheme/host.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// Minimal HTML escaping for text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-decodes a URL path (no `+` handling: that is only for forms).
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(entra_timestamp(951_782_400), "2000-02-29 00:00:00Z");
        assert_eq!(parse_iso("2024-02-29T23:59:59Z"), Some(1_709_251_199));
        assert_eq!(
            parse_iso("2024-02-29T23:59:59.1234567Z"),
            Some(1_709_251_199)
        );
        assert_eq!(parse_iso("2024-03-01T01:59:59+02:00"), Some(1_709_251_199));
        assert_eq!(parse_iso("2024-02-29T23:59:59"), Some(1_709_251_199));
        assert_eq!(parse_iso("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn guid_shape() {
        let g = new_guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:8400/x?y#z").as_deref(),
            Some("http://127.0.0.1:8400")
        );
        assert_eq!(origin_of("nope"), None);
    }
}
