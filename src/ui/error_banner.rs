use yew::prelude::*;

pub struct ErrorBannerProps {
    pub title: AttrValue,
    pub detail: AttrValue,
    pub fix: AttrValue,
    /// Shows a "Try again" button when set.
    pub on_try_again: Option<Callback<()>>,
    /// A saved run that could not be continued: download it, or discard it.
    pub saved_run: Option<(Callback<()>, Callback<()>)>,
}

/// An error as *what happened* → *what to do*.
/// A plain function: no state (each component costs the page bytes).
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    html! {
        <section id="error" class="error" role="alert">
            <h2 tabindex="-1">{ props.title.clone() }</h2>
            <p class="detail">{ props.detail.clone() }</p>
            <p class="fix"><strong>{ "What to do: " }</strong>{ props.fix.clone() }</p>
            if let Some((download, discard)) = &props.saved_run {
                <div class="buttons">
                    <button id="download-saved-run" onclick={download.reform(|_| ())}>
                        { "Download the saved run (for support)" }</button>
                    <button id="discard-saved-run" onclick={discard.reform(|_| ())}>
                        { "Discard it" }</button>
                </div>
            } else if let Some(cb) = &props.on_try_again {
                <button id="try-again" onclick={cb.reform(|_| ())}>{ "Try again" }</button>
            }
        </section>
    }
}
