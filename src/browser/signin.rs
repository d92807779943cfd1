//! The short-lived sessionStorage entry that carries `state`, `nonce`, the PKCE verifier and the
//! chosen mode across the redirect to the authority — and nothing else.

/// The one sessionStorage key of a pending sign-in.
pub const PENDING_KEY: &str = "mailgrant.pendingSignIn";

pub fn load_pending() -> Option<String> {
    super::session_storage().ok()?.get_item(PENDING_KEY).ok()?
}

pub fn save_pending(text: &str) -> Result<(), String> {
    super::session_storage()?
        .set_item(PENDING_KEY, text)
        .map_err(|_| "sessionStorage is full or blocked".to_owned())
}

pub fn remove_pending() {
    if let Ok(storage) = super::session_storage() {
        let _ = storage.remove_item(PENDING_KEY);
    }
}

/// Removes the sign-in answer (`code`, `state`, …) from the address bar, keeping the path.
pub fn strip_callback_from_url() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let path = window.location().pathname().map_err(|_| "no path")?;
    window
        .history()
        .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path)))
        .map_err(|_| "history.replaceState failed".to_owned())
}

/// After a failed load: a sign-in answer (`handed`: the one the bootstrap took out of the
/// address bar, or the address bar's own) is forgotten with the pending entry it would have
/// matched; its `code` must not stay in the history.
pub fn forget_callback(handed: Option<&str>) {
    let query = handed.map_or_else(current_query, str::to_owned);
    if mailgrant_core::auth::callback::CallbackParams::from_query(&query).is_some() {
        let _ = strip_callback_from_url();
        remove_pending();
    }
}

/// The query string of the current address (`?…` or empty).
pub fn current_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}
