//! One tab per run: the Web Locks API (`navigator.locks`), so a duplicated tab (which copies
//! sessionStorage, and with it the run's journal) never runs the same journal as the original.
//!
//! `web-sys` gates `LockManager` behind `web_sys_unstable_apis`, so the two calls are bound here
//! through `js_sys::Reflect`.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Takes the lock `name` for the rest of this tab's life if no other tab holds it: `Ok(true)`
/// held, `Ok(false)` another tab has it. A browser without Web Locks gets `Ok(true)` (every
/// browser the page supports has them; they need a secure context, which the page is served in).
pub async fn hold(name: &str) -> Result<bool, String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).map_err(|_| "navigator.locks")?;
    if locks.is_undefined() || locks.is_null() {
        return Ok(true);
    }
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("navigator.locks.request is not a function")?;
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE)
        .map_err(|_| "the lock options")?;

    // Resolved from the lock callback with whether the lock was granted.
    let mut tell: Option<Function> = None;
    let granted = Promise::new(&mut |resolve, _| tell = Some(resolve));
    let tell = tell.ok_or("a promise")?;
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        let held = !lock.is_null();
        let _ = tell.call1(&JsValue::NULL, &JsValue::from_bool(held));
        if held {
            // Never settles: the lock is released only when the tab goes away.
            Promise::new(&mut |_, _| {})
        } else {
            Promise::resolve(&JsValue::UNDEFINED)
        }
    });
    request
        .call3(&locks, &name.into(), &options, &callback)
        .map_err(|_| "navigator.locks.request failed")?;
    let answer = JsFuture::from(granted)
        .await
        .map_err(|_| "the lock request failed")?;
    Ok(answer.as_bool().unwrap_or(false))
}
