//! Everything that touches the browser: HTTP, storage, navigation, randomness. Nothing here
//! decides anything; results go back to the components as values.

pub mod config;
pub mod handoff;
pub mod lock;
pub mod page;
pub mod signin;

use gloo_net::http::{Method, RequestBuilder};
use mailgrant_core::run::{Headers, Reply};
use web_sys::RequestCache;

/// GETs a URL and returns `(status, body)`; a network failure is an `Err` with the reason.
pub async fn get_text(url: &str) -> Result<(u16, String), String> {
    send("GET", url, None, None).await
}

/// Sends a request, returns `(status, body)`. `bearer` goes in the `Authorization` header, `form`
/// as an `application/x-www-form-urlencoded` body.
pub async fn send(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    form: Option<String>,
) -> Result<(u16, String), String> {
    let body = form.map(|f| ("application/x-www-form-urlencoded", f));
    let a = fetch(method, url, &[], body, bearer).await?;
    Ok((a.status, a.body))
}

/// An answer: status, the headers a run reads, and the body.
struct Answer {
    status: u16,
    headers: Headers,
    body: String,
}

/// One request's `AbortController`, and which of its answer and its deadline came first.
#[derive(Clone)]
pub struct Abort {
    controller: Option<web_sys::AbortController>,
    settled: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Default for Abort {
    fn default() -> Self {
        Abort::new()
    }
}

impl Abort {
    pub fn new() -> Abort {
        Abort {
            controller: web_sys::AbortController::new().ok(),
            settled: Default::default(),
        }
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.controller.as_ref().map(|c| c.signal())
    }

    /// The deadline passed: aborts the request; `true` if the answer had not come first.
    pub fn fire(&self) -> bool {
        if self.settled.replace(true) {
            return false;
        }
        if let Some(c) = &self.controller {
            c.abort();
        }
        true
    }

    /// The answer (or a failure) came: `true` if the deadline had not fired first.
    pub fn finish(&self) -> bool {
        !self.settled.replace(true)
    }
}

/// Sends a Graph request of a run (a JSON body); no answer (network, CORS) is a reply too.
pub async fn send_graph(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<String>,
    bearer: Option<&str>,
    abort: &Abort,
) -> Reply {
    let body = body.map(|b| ("application/json", b));
    match fetch_with(method, url, headers, body, bearer, abort.signal().as_ref()).await {
        Ok(a) => Reply::Answer {
            status: a.status,
            headers: a.headers,
            body: a.body,
        },
        Err(_) => Reply::NetworkFailed { online: online() },
    }
}

async fn fetch(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<(&str, String)>,
    bearer: Option<&str>,
) -> Result<Answer, String> {
    fetch_with(method, url, headers, body, bearer, None).await
}

/// The one place requests are made: no cache, no cookies.
async fn fetch_with(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<(&str, String)>,
    bearer: Option<&str>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Answer, String> {
    let method = match method {
        "POST" => Method::POST,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let mut request = RequestBuilder::new(url)
        .method(method)
        .cache(RequestCache::NoStore)
        .credentials(web_sys::RequestCredentials::Omit)
        .abort_signal(signal);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = match body {
        Some((content_type, text)) => {
            request
                .header("Content-Type", content_type)
                .body(text)
                .map_err(|e| e.to_string())?
                .send()
                .await
        }
        None => request.send().await,
    }
    .map_err(|e| e.to_string())?;
    let h = response.headers();
    Ok(Answer {
        status: response.status(),
        headers: Headers {
            request_id: h.get("request-id"),
            retry_after: h.get("retry-after"),
            location: h.get("location"),
        },
        body: response.text().await.map_err(|e| e.to_string())?,
    })
}

/// `navigator.onLine`.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
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
    Ok(mailgrant_core::auth::redirect_uri(&origin, &path))
}

/// Loads this page again (a fresh copy of its modules).
pub fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Leaves the page for `url`.
pub fn navigate(url: &str) -> Result<(), String> {
    web_sys::window()
        .ok_or("no window")?
        .location()
        .assign(url)
        .map_err(|_| {
            // Never the query: it holds the sign-in's state and nonce.
            let base = url.split(['?', '#']).next().unwrap_or_default();
            format!("the browser refused to open {base}")
        })
}

pub(crate) fn session_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("no window")?
        .session_storage()
        .ok()
        .flatten()
        .ok_or_else(|| "this browser blocks sessionStorage for this page".to_owned())
}

/// Keeps (or deletes, with `None`) a sessionStorage entry.
pub fn store_session(key: &str, value: Option<&str>) -> Result<(), String> {
    let storage = session_storage()?;
    match value {
        Some(v) => storage
            .set_item(key, v)
            .map_err(|_| "sessionStorage is full or blocked".to_owned()),
        None => storage
            .remove_item(key)
            .map_err(|_| "sessionStorage is blocked".to_owned()),
    }
}

/// Reads a sessionStorage entry.
pub fn load_session(key: &str) -> Option<String> {
    session_storage().ok()?.get_item(key).ok()?
}

/// Asks the browser to warn before the tab is closed or reloaded (`true`), or stops (`false`).
pub fn guard_unload(on: bool) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    if on {
        let handler =
            Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(|e: web_sys::BeforeUnloadEvent| {
                e.prevent_default();
                e.set_return_value("The client secret has not been saved yet.");
            });
        window.set_onbeforeunload(Some(handler.as_ref().unchecked_ref()));
        handler.forget();
    } else {
        window.set_onbeforeunload(None);
    }
}

/// Offers `bytes` as a download named `name`, built as a Blob in memory; the object URL is
/// revoked at once.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not build the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not offer the file")?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no anchor")?
        .dyn_into()
        .map_err(|_| "no anchor")?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoked a moment later, not at once: some browsers read the blob after `click` returns,
    // and a revoked URL cancels the download. Its bytes stay in this tab's memory meanwhile.
    wasm_bindgen_futures::spawn_local(async move {
        yew::platform::time::sleep(std::time::Duration::from_secs(3)).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

/// Copies text to the clipboard (on a click only); `done` learns whether the browser did it (it
/// refuses without a secure context, focus or permission).
pub fn copy_text(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(w) = web_sys::window() else {
        done(false);
        return;
    };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::spawn_local(async move {
        done(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}

/// Names the page (`document.title`) and moves the focus to the first element `selector`
/// matches (a step's heading, or the error's), so a screen reader starts there.
pub fn show_step(title: &str, selector: &str) {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    doc.set_title(title);
    if let Some(el) = doc
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// A moment (unix ms) in the browser's own time zone and date format.
pub fn local_date_time(ms: i64) -> String {
    js_sys::Date::new(&(ms as f64).into())
        .to_locale_string("default", &js_sys::Object::new().into())
        .into()
}

const HISTORY_KEY: &str = "mailgrantStep";

/// Makes the current history entry the one of `step` (a step id): the first signed-in step
/// takes over the page's own entry, each later one is a new entry, so the browser's Back and
/// Forward move between steps. The entry holds the step's id only; the URL does not change.
pub fn history_show(step: &str) {
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let current = history.state().ok().and_then(|s| {
        js_sys::Reflect::get(&s, &HISTORY_KEY.into())
            .ok()
            .and_then(|v| v.as_string())
    });
    if current.as_deref() == Some(step) {
        return;
    }
    let state = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&state, &HISTORY_KEY.into(), &step.into());
    let _ = match current {
        None => history.replace_state(&state, ""),
        Some(_) => history.push_state(&state, ""),
    };
}

/// Calls `f` with the step id of the history entry the browser's Back or Forward reached.
pub fn on_history(f: impl Fn(String) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener =
        Closure::<dyn Fn(web_sys::PopStateEvent)>::new(move |e: web_sys::PopStateEvent| {
            if let Some(step) = js_sys::Reflect::get(&e.state(), &HISTORY_KEY.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                f(step);
            }
        });
    if window
        .add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        listener.forget();
    }
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

/// Starts loading a module of this page ([`lazy_module`]) that will be needed soon; a failure
/// is said at first use.
pub fn prefetch_module(loader: &'static str) {
    wasm_bindgen_futures::spawn_local(async move {
        let _ = lazy_module(loader).await;
    });
}

/// A lazily loaded module of this page: the page's bootstrap (xtask `csp.rs`) defines the
/// loader `window[loader]()`, which imports the module's JS glue (integrity from the import map)
/// and fetches its `.wasm` with its integrity, once; a failed load is forgotten, so the next try
/// fetches again. The module's exports, or why it did not load.
pub async fn lazy_module(loader: &str) -> Result<wasm_bindgen::JsValue, String> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or("no window")?;
    let load: js_sys::Function = js_sys::Reflect::get(&window, &loader.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this build does not have it")?;
    let promise: js_sys::Promise = load
        .call0(&wasm_bindgen::JsValue::NULL)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("the loader did not start")?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| "it was refused".into()))
}
