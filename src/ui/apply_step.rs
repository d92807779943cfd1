use mailgrant_core::run::LogEntry;
use mailgrant_core::wizard::view::{CopyNote, Script};
use mailgrant_core::wizard::{Copyable, FileKind};
use yew::prelude::*;

use super::{script_view, ScriptViewProps, UndoButton};

pub struct ApplyStepProps {
    /// The heading the core chose: applying, waiting for the admin, undone, …
    pub title: &'static str,
    /// "k of n done".
    pub progress: AttrValue,
    /// Each operation and where it is, in words.
    pub checklist: Vec<(&'static str, String)>,
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
    /// The legacy mode waits for the Exchange script and its code.
    pub script: Option<Script>,
    pub on_code: Callback<String>,
    pub on_copy: Callback<Copyable>,
    /// The last copy's answer on this step.
    pub copied: Option<CopyNote>,
    pub on_download: Callback<FileKind>,
    /// Ask the hand-off module again for the script (it did not load).
    pub on_retry_script: Callback<()>,
    /// The tenant forbids client secrets; the vendor accepts this instead.
    pub other_credential: Option<AttrValue>,
    pub on_other_credential: Callback<()>,
    /// Undo is done: a new setup can begin.
    pub can_start_over: bool,
    pub on_start_over: Callback<()>,
}

/// Progress of the Graph calls, each attempt logged. A plain function: the confirmation code
/// is read from its input when the form is sent.
pub fn apply_step(props: &ApplyStepProps) -> Html {
    let on_code = {
        let on_code = props.on_code.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = super::input_value("script-code") {
                on_code.emit(i);
            }
        })
    };
    html! {
        <section id="apply-step">
            <h1 tabindex="-1">{ props.title }</h1>
            <p id="run-status">{ props.status.clone() }</p>
            <p id="run-progress" aria-live="polite">{ props.progress.clone() }</p>
            <ol id="checklist">
                { for props.checklist.iter().map(|(label, state)| html! {
                    <li><span>{ *label }</span><span class="muted">{ format!(" — {state}") }</span></li>
                }) }
            </ol>
            if let Some(script) = &props.script {
                <div id="policy-script">
                    <h3>{ "Run the Exchange Online script now" }</h3>
                    <p>{ "The app, its service principal and its credential exist, but nothing lets it send yet. This script makes the Application Access Policy that limits the app to the mailbox; only after it printed PASS and you typed the code it prints does the page grant Microsoft Graph's Mail.Send. Run it in PowerShell as an Exchange administrator." }</p>
                    { script_view(&ScriptViewProps {
                        text: script.text.clone(),
                        setup_file: script.setup_file.clone().into(),
                        rollback_file: script.rollback_file.clone().into(),
                        on_copy: props.on_copy.clone(),
                        copied: props.copied.clone(),
                        on_download: props.on_download.clone(),
                        on_retry: props.on_retry_script.clone(),
                    }) }
                    <form onsubmit={on_code}>
                        <label for="script-code">{ "Confirmation code the script printed after PASS" }</label>
                        <input id="script-code" autocomplete="off" placeholder="XXXX-XXXX" />
                        <button id="confirm-code" class="primary" type="submit">{ "Grant Mail.Send" }</button>
                    </form>
                </div>
            }
            if let Some(other) = &props.other_credential {
                <div id="other-credential" class="notice">
                    <p>{ format!("Your tenant forbids client secrets. The vendor also accepts {other}.") }</p>
                    <button id="use-other-credential" class="primary" onclick={props.on_other_credential.reform(|_| ())}>
                        { "Undo and use it instead" }</button>
                </div>
            }
            <div class="buttons">
                if props.can_start_over {
                    <button id="start-over" class="primary" onclick={props.on_start_over.reform(|_| ())}>{ "Start a new setup" }</button>
                }
                if props.sign_in_again {
                    <button id="sign-in-again" class="primary" onclick={props.on_sign_in.reform(|_| ())}>{ "Sign in again and continue" }</button>
                } else if props.can_resume {
                    <button id="resume" class="primary" onclick={props.on_resume.reform(|_| ())}>{ "Resume" }</button>
                }
                if props.can_undo { <UndoButton label="Undo what this run created" on_undo={props.on_undo.clone()} /> }
                <button id="download-log" onclick={props.on_download_log.reform(|_| ())}>{ "Download the log (JSON)" }</button>
            </div>
            if !props.log.is_empty() {
            <table id="run-log">
                <thead><tr><th>{ "call" }</th><th>{ "status" }</th><th>{ "time" }</th><th>{ "request-id" }</th></tr></thead>
                <tbody>
                { for props.log.iter().map(|e| html! {
                    <tr>
                        <td><code>{ format!("{} {}", e.method, e.path) }</code><div class="muted">{ format!("{}: {}", e.op, e.outcome) }</div></td>
                        <td>{ e.status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()) }</td>
                        <td>{ format!("{} ms", e.duration_ms) }</td>
                        <td><code class="small">{ e.request_id.clone().unwrap_or_default() }</code></td>
                    </tr>
                }) }
                </tbody>
            </table>
            }
        </section>
    }
}
