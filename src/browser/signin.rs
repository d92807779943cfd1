//! The short-lived sessionStorage entry that carries `state`, `nonce`, the PKCE verifier and the
//! chosen mode across the redirect to the authority — and nothing else.

use std::cell::RefCell;

thread_local! {
    /// The sign-in page's answer (its query), out of the address bar: in this module's memory
    /// until it is used, never in storage.
    static ANSWER: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the sign-in page's answer (the bootstrap's, taken out of the address bar; the page's
/// module's, handed in by the bootstrap).
pub fn keep_answer(query: String) {
    ANSWER.with(|a| *a.borrow_mut() = Some(query));
}

/// The kept answer, still kept (the bootstrap hands it over, and again after a failure).
pub fn kept_answer() -> Option<String> {
    ANSWER.with(|a| a.borrow().clone())
}

/// The kept answer, no longer kept (it is used once).
pub fn take_answer() -> Option<String> {
    ANSWER.with(|a| a.borrow_mut().take())
}

/// The query this load came with: the kept answer, still kept, or the address bar's.
pub fn query_kept() -> String {
    kept_answer().unwrap_or_else(current_query)
}

/// The query this load came with, read once: the kept answer, no longer kept, or the address
/// bar's.
pub fn query_once() -> String {
    take_answer().unwrap_or_else(current_query)
}

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

/// After a failed load: a sign-in answer (the kept one, or the address bar's) is forgotten
/// with the pending entry it would have matched; its `code` must not stay in the history.
pub fn forget_callback() {
    let query = query_once();
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
