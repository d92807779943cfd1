//! The page's own module (binary `mailgrant`): everything after Welcome. The bootstrap
//! (binary `welcome`, [`crate::boot`]) draws Welcome and loads it with `mailgrantPage()` (xtask
//! `csp.rs`), then hands the page over to it with [`hand_over`].

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Starts loading the module (Sign in will need it); a failure is said at Sign in.
pub fn prefetch() {
    super::prefetch_module("mailgrantPage");
}

/// Why a hand-over failed (what the browser said).
pub enum Failed {
    /// The module did not load, or has no start: `before` has not run.
    Unavailable(String),
    /// It loaded, and its start threw or trapped: `before` has run.
    Start(String),
}

/// Loads the module, runs `before` (the bootstrap takes its own drawing away), then starts the
/// page with what `intent` gives once the module is there (`start_page` in `src/main.rs`).
pub async fn hand_over(
    intent: impl FnOnce() -> crate::Intent,
    before: impl FnOnce(),
) -> Result<(), Failed> {
    let module = super::lazy_module("mailgrantPage")
        .await
        .map_err(Failed::Unavailable)?;
    let intent = intent();
    let start: Function = Reflect::get(&module, &"start_page".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| Failed::Unavailable("it has no start_page".into()))?;
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
    start.apply(&JsValue::NULL, &args).map(|_| ()).map_err(|e| {
        // A trap or a thrown Error: its name and message ("RuntimeError: unreachable").
        let said = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.to_string()))
            .or_else(|| e.as_string());
        Failed::Start(said.unwrap_or_else(|| "it did not start".into()))
    })
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
