//! The page's own module (binary `mailgrant`): everything after Welcome. The bootstrap
//! (binary `welcome`, [`crate::boot`]) draws Welcome and loads it with `mailgrantPage()` (xtask
//! `csp.rs`), then hands the page over to it with [`hand_over`].

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Starts loading the module (Sign in will need it); a failure is said at Sign in.
pub fn prefetch() {
    super::prefetch_module("mailgrantPage");
}

/// Loads the module, runs `before` (the bootstrap takes its own drawing away), then starts the
/// page with what `intent` gives once the module is there (`start_page` in `src/main.rs`).
/// `Err`: the module did not load or has no start (`before` has not run), or it failed to
/// start (`before` has run).
pub async fn hand_over(
    intent: impl FnOnce() -> crate::Intent,
    before: impl FnOnce(),
) -> Result<(), String> {
    let module = super::lazy_module("mailgrantPage").await?;
    let intent = intent();
    let start: Function = Reflect::get(&module, &"start_page".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("it has no start_page")?;
    let text = |t: Option<&str>| t.map_or(JsValue::UNDEFINED, JsValue::from);
    let args = js_sys::Array::new();
    args.push(&text(intent.mode.map(|m| m.as_config_str())));
    args.push(&JsValue::from_bool(intent.sign_in));
    args.push(&text(intent.config.as_deref()));
    let discovery = intent.discovery.as_ref();
    args.push(&discovery.map_or(JsValue::UNDEFINED, |d| JsValue::from(d.0)));
    args.push(&text(discovery.map(|d| d.1.as_str())));
    args.push(&text(intent.answer.as_deref()));
    before();
    start
        .apply(&JsValue::NULL, &args)
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| "it did not start".into()))
}

/// Empties `<body>` (what a page module that failed to start may have left there).
pub fn clear_body() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        body.replace_children_with_node_0();
    }
}
