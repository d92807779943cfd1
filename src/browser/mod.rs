//! Everything that touches the browser: HTTP, storage, navigation, randomness. Nothing here
//! decides anything; results go back to the components as values.

pub mod config;
pub mod signin;

use gloo_net::http::Request;
use web_sys::RequestCache;

/// GETs a URL and returns `(status, body)`; a network failure is an `Err` with the reason.
pub async fn get_text(url: &str) -> Result<(u16, String), String> {
    send("GET", url, None, None).await
}

/// Sends a request, returns `(status, body)`. `bearer` goes in the `Authorization` header, `form`
/// as an `application/x-www-form-urlencoded` body. No credentials (cookies) are sent.
pub async fn send(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    form: Option<String>,
) -> Result<(u16, String), String> {
    let mut request = match method {
        "POST" => Request::post(url),
        _ => Request::get(url),
    }
    .cache(RequestCache::NoStore)
    .credentials(web_sys::RequestCredentials::Omit);
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = match form {
        Some(body) => {
            request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .map_err(|e| e.to_string())?
                .send()
                .await
        }
        None => request.send().await,
    }
    .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Seconds since the Unix epoch, from the browser's clock.
pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
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

pub(crate) fn session_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("no window")?
        .session_storage()
        .ok()
        .flatten()
        .ok_or_else(|| "this browser blocks sessionStorage for this page".to_owned())
}

/// Calls `f` whenever the browser shows this page again from its back-forward cache (for
/// example after Back from the sign-in page). The listener lives as long as the page.
pub fn on_page_restored(f: impl Fn() + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
        move |e: web_sys::PageTransitionEvent| {
            if e.persisted() {
                f();
            }
        },
    );
    if window
        .add_event_listener_with_callback("pageshow", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        listener.forget();
    }
}
