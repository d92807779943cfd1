use mailgrant_core::plan::ReviewLine;
use mailgrant_core::wizard::credential::CredentialWords;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReviewStepProps {
    pub credential: CredentialWords,
    pub lines: Vec<ReviewLine>,
    pub notices: Vec<String>,
    pub on_apply: Callback<()>,
    pub on_back: Callback<()>,
}

/// Every Graph call the page will make, with why; nothing is changed until Apply.
#[function_component(ReviewStep)]
pub fn review_step(props: &ReviewStepProps) -> Html {
    html! {
        <section id="review-step">
            <h2>{ "Review: what the page will do in your tenant" }</h2>
            { for props.notices.iter().map(|n| html! { <p class="notice">{ n.clone() }</p> }) }
            <h3>{ "The vendor's credential" }</h3>
            <ul id="credential">
                <li>{ props.credential.app.clone() }</li>
                if let Some(c) = &props.credential.credential { <li>{ c.clone() }</li> }
                <li>{ props.credential.holds.clone() }</li>
                <li>{ format!("What leaves this browser: {}", props.credential.leaves) }</li>
            </ul>
            <h3>{ "The calls to Microsoft Graph" }</h3>
            <ol id="plan">
                { for props.lines.iter().map(|l| html! {
                    <li>
                        <code>{ format!("{} {}", l.method, l.path) }</code>
                        <div class="muted">{ l.why.clone() }</div>
                        if let Some(body) = &l.body { <pre>{ body.clone() }</pre> }
                    </li>
                }) }
            </ol>
            <div class="buttons">
                <button id="back" onclick={props.on_back.reform(|_| ())}>{ "Back" }</button>
                <button id="apply" class="primary" onclick={props.on_apply.reform(|_| ())}>{ "Apply" }</button>
            </div>
        </section>
    }
}
