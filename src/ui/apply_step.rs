use mailgrant_core::run::LogEntry;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ApplyStepProps {
    pub status: AttrValue,
    pub log: Vec<LogEntry>,
    /// Resume is offered (after a pause).
    pub can_resume: bool,
    /// Undo is offered.
    pub can_undo: bool,
    pub on_resume: Callback<()>,
    /// The token expired: offer to sign in again instead of Resume.
    pub sign_in_again: bool,
    pub on_sign_in: Callback<()>,
    pub on_undo: Callback<()>,
    pub on_download_log: Callback<()>,
}

/// Progress of the Graph calls, each attempt logged.
#[function_component(ApplyStep)]
pub fn apply_step(props: &ApplyStepProps) -> Html {
    html! {
        <section id="apply-step">
            <h2>{ "Applying" }</h2>
            <p id="run-status">{ props.status.clone() }</p>
            <div class="buttons">
                if props.sign_in_again {
                    <button id="sign-in-again" class="primary" onclick={props.on_sign_in.reform(|_| ())}>{ "Sign in again and continue" }</button>
                } else if props.can_resume {
                    <button id="resume" class="primary" onclick={props.on_resume.reform(|_| ())}>{ "Resume" }</button>
                }
                if props.can_undo { <button id="undo" onclick={props.on_undo.reform(|_| ())}>{ "Undo what this run created" }</button> }
                <button id="download-log" onclick={props.on_download_log.reform(|_| ())}>{ "Download the log (JSON)" }</button>
            </div>
            <table id="run-log">
                <thead><tr><th>{ "call" }</th><th>{ "status" }</th><th>{ "ms" }</th><th>{ "request-id" }</th></tr></thead>
                <tbody>
                { for props.log.iter().map(|e| html! {
                    <tr>
                        <td><code>{ format!("{} {}", e.method, e.path) }</code><div class="muted">{ format!("{}: {}", e.op, e.outcome) }</div></td>
                        <td>{ e.status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()) }</td>
                        <td>{ e.duration_ms }</td>
                        <td><code class="small">{ e.request_id.clone().unwrap_or_default() }</code></td>
                    </tr>
                }) }
                </tbody>
            </table>
        </section>
    }
}
