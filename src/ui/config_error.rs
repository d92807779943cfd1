use mailgrant_core::explain::Explanation;
use yew::prelude::*;

/// Shown instead of the wizard when `config.json` is missing or wrong. Addressed to the vendor.
/// A plain function: no state.
pub fn config_error_view(e: &Explanation) -> Html {
    html! {
        <section id="config-error" class="error" role="alert">
            <h1>{ e.title.clone() }</h1>
            <p class="detail">{ e.detail.clone() }</p>
            <p class="fix"><strong>{ "What to do: " }</strong>{ e.fix.clone() }</p>
            <p>{ "If you are an administrator who was sent here, nothing has been changed in your tenant: tell the vendor that this page is misconfigured." }</p>
            if let Some(example) = e.example {
                <details open=true>
                    <summary>{ "A valid config.json looks like this" }</summary>
                    <pre>{ example }</pre>
                </details>
            }
        </section>
    }
}
