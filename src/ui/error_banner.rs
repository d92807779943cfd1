use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub title: AttrValue,
    pub detail: AttrValue,
    pub fix: AttrValue,
    /// Shows a "Try again" button when set.
    #[prop_or_default]
    pub on_try_again: Option<Callback<()>>,
}

/// An error as *what happened* → *what to do*.
#[function_component(ErrorBanner)]
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    html! {
        <section id="error" class="error" role="alert">
            <h2>{ props.title.clone() }</h2>
            <p class="detail">{ props.detail.clone() }</p>
            <p class="fix"><strong>{ "What to do: " }</strong>{ props.fix.clone() }</p>
            if let Some(cb) = &props.on_try_again {
                <button id="try-again" onclick={cb.reform(|_| ())}>{ "Try again" }</button>
            }
        </section>
    }
}
