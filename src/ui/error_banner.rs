use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub title: AttrValue,
    pub detail: AttrValue,
    pub fix: AttrValue,
}

/// An error as *what happened* → *what to do*.
#[function_component(ErrorBanner)]
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    html! {
        <section class="error" role="alert">
            <h2>{ props.title.clone() }</h2>
            <p class="detail">{ props.detail.clone() }</p>
            <p class="fix"><strong>{ "What to do: " }</strong>{ props.fix.clone() }</p>
        </section>
    }
}
