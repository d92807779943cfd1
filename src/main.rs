//! The page's own module: loaded by the bootstrap (`src/bin/welcome.rs`), which calls
//! [`start_page`].

// Talc instead of the standard library's dlmalloc: smaller in the page's wasm, and faster
// (talc's WebAssembly benchmarks); the page is single-threaded (no `atomics`).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts the page with what the bootstrap hands over ([`mailgrant::Intent`]): `mode` is the
/// config name of the mode the admin chose on Welcome (none: the vendor's default, or the
/// journal's), `sign_in` whether they clicked Sign in there, `config` the text of
/// `config.json` it read (checked again here), the authority's discovery answer, and the
/// sign-in page's answer (the query it took out of the address bar). Once per page: a second
/// call does nothing.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start_page(
    mode: Option<String>,
    sign_in: bool,
    config: Option<String>,
    discovery_status: Option<u16>,
    discovery_body: Option<String>,
    answer: Option<String>,
) {
    if STARTED.replace(true) {
        return;
    }
    mailgrant::start(mailgrant::Intent {
        mode: mode
            .as_deref()
            .and_then(mailgrant_core::config::ScopeMode::from_config_str),
        sign_in,
        config,
        discovery: discovery_status.zip(discovery_body),
        answer,
    });
}

/// Nothing at instantiation: the bootstrap starts the page when it hands over.
fn main() {}
