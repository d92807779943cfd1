use mailgrant_core::plan::ReviewLine;
use yew::prelude::*;

pub struct ReviewStepProps {
    /// What will exist, for whom, what is left alone, what comes next.
    pub summary: Vec<String>,
    pub lines: Vec<ReviewLine>,
    pub notices: Vec<String>,
    pub on_apply: Callback<()>,
    pub on_back: Callback<()>,
}

/// What the setup will do in plain words, then every Graph call it will make (folded), with why;
/// nothing is changed until Apply. A plain function: no state.
pub fn review_step(props: &ReviewStepProps) -> Html {
    html! {
        <section id="review-step">
            <h1 tabindex="-1">{ "Review: what the page will do in your tenant" }</h1>
            { for props.notices.iter().map(|n| html! { <p class="notice">{ n.clone() }</p> }) }
            <ul id="summary-list">
                { for props.summary.iter().map(|l| html! { <li>{ l.clone() }</li> }) }
            </ul>
            <details id="calls">
                <summary>{ format!("The exact calls to Microsoft Graph ({}), with their bodies", props.lines.len()) }</summary>
                <ol id="plan">
                    { for props.lines.iter().map(|l| html! {
                        <li>
                            <code>{ format!("{} {}", l.method, l.path) }</code>
                            <div class="muted">{ l.why.clone() }</div>
                            if let Some(body) = &l.body { <pre>{ body.clone() }</pre> }
                        </li>
                    }) }
                </ol>
            </details>
            <div class="buttons">
                <button id="back" onclick={props.on_back.reform(|_| ())}>{ "Back" }</button>
                <button id="apply" class="primary" onclick={props.on_apply.reform(|_| ())}>{ "Apply" }</button>
            </div>
        </section>
    }
}
