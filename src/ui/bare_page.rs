use mailgrant_core::explain::Explanation;
use yew::prelude::*;

use super::{config_error_view, header};

/// The page while `config.json` loads (in the bootstrap and in the page's module alike). A plain
/// function: no state.
pub fn loading_page() -> Html {
    html! {
        <>
            { header(None) }
            <main><p id="loading" class="muted">{ "Loading…" }</p></main>
        </>
    }
}

/// The page when `config.json` is missing or wrong. A plain function: no state.
pub fn config_error_page(e: &Explanation) -> Html {
    html! {
        <>
            { header(None) }
            <main>{ config_error_view(e) }</main>
        </>
    }
}
