//! Everything that touches the browser: HTTP, storage, navigation, randomness. Nothing here
//! decides anything; results go back to the components as values.

pub mod config;
pub mod signin;

use gloo_net::http::Request;
use web_sys::RequestCache;

/// GETs a URL and returns `(status, body)`; a network failure is an `Err` with the reason.
pub async fn get_text(url: &str) -> Result<(u16, String), String> {
    let response = Request::get(url)
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// `N` bytes from the browser's CSPRNG (`crypto.getRandomValues`).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    let crypto = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "this browser offers no Web Crypto (crypto.getRandomValues)")?;
    crypto
        .get_random_values_with_u8_array(&mut buf)
        .map_err(|_| "crypto.getRandomValues failed")?;
    Ok(buf)
}

/// The URL the identity provider sends the admin back to: this page, without query or fragment.
pub fn redirect_uri() -> Result<String, String> {
    let location = web_sys::window().ok_or("no window")?.location();
    let origin = location.origin().map_err(|_| "no origin")?;
    let path = location.pathname().map_err(|_| "no path")?;
    Ok(format!("{origin}{path}"))
}

/// Leaves the page for `url`.
pub fn navigate(url: &str) -> Result<(), String> {
    web_sys::window()
        .ok_or("no window")?
        .location()
        .assign(url)
        .map_err(|_| format!("could not open {url}"))
}

fn session_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("no window")?
        .session_storage()
        .ok()
        .flatten()
        .ok_or_else(|| "this browser blocks sessionStorage for this page".to_owned())
}
