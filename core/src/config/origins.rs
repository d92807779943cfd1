//! Where the page may send the administrator's sign-in and token: Microsoft Entra ID's sign-in
//! hosts and Microsoft Graph's origins; a loopback origin only when `config.json` says
//! `"developmentOrigins": true` (the emulator).

use super::json::quote;
use super::{ConfigError, URL_FORM};

/// Microsoft Graph of the public and national clouds: the only origins `graphBaseUrl` may name
/// (besides a loopback origin in development), and where the page may send a token.
pub const MICROSOFT_GRAPH_ORIGINS: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// The sign-in hosts of Microsoft Entra ID's clouds (worldwide, US Government, China). The
/// page's Content-Security-Policy allows connections to these (xtask `csp.rs`).
pub const MICROSOFT_LOGIN_HOSTS: [&str; 5] = [
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// Is this authority URL one of Microsoft Entra ID's sign-in hosts?
pub fn is_microsoft_authority(authority: &str) -> bool {
    let host_and_port = authority
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
        .unwrap_or("");
    // `https://login.microsoftonline.com:x@evil.example/` is evil.example's: refused, as user
    // information is everywhere else (`uri::check`).
    if host_and_port.contains('@') {
        return false;
    }
    let host = host_and_port.split(':').next().unwrap_or("");
    MICROSOFT_LOGIN_HOSTS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
}

/// A URL as `config.json` may give it, without its trailing slash.
pub(super) struct Url {
    pub text: String,
    /// `localhost`, `127.0.0.1` or `[::1]`: a development origin.
    pub loopback: bool,
}

/// `https://`, or `http://` to a loopback host; ASCII, no fragment or credentials (the core's
/// one URL check, [`crate::uri::check`]), and no query either.
pub(super) fn url(key: &str, s: &str) -> Result<Url, ConfigError> {
    let t = s.trim().trim_end_matches('/');
    match crate::uri::check(t) {
        Ok(checked) if !t.contains('?') => Ok(Url {
            text: t.to_owned(),
            loopback: checked.loopback,
        }),
        _ => Err(ConfigError::Invalid {
            key: key.into(),
            expected: URL_FORM.into(),
            found: quote(s),
        }),
    }
}

/// The origin (`scheme://host[:port]`, lower case) of an absolute URL.
pub(super) fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{authority}").to_ascii_lowercase()
}
