use mailgrant_core::wizard::view::{CopyNote, ScriptText};
use mailgrant_core::wizard::{Copyable, FileKind};
use yew::prelude::*;

use super::copy_button;

pub struct ScriptViewProps {
    /// The setup script's text, while the hand-off module writes it, or why there is none.
    pub text: ScriptText,
    pub setup_file: AttrValue,
    pub rollback_file: AttrValue,
    pub on_copy: Callback<Copyable>,
    /// The last copy's answer on this step.
    pub copied: Option<CopyNote>,
    pub on_download: Callback<FileKind>,
    /// Ask the hand-off module again (it did not load).
    pub on_retry: Callback<()>,
}

/// The Exchange Online script: Copy, Download (and the rollback), and its text with line numbers,
/// folded (it is long; Copy and Download need no unfolding). A plain function: no state.
pub fn script_view(props: &ScriptViewProps) -> Html {
    let dl = |k: FileKind| props.on_download.reform(move |_| k.clone());
    let text = match &props.text {
        ScriptText::Ready(text) => text,
        ScriptText::Writing => {
            return html! {
                <p id="script-writing" class="muted" role="status">{ "Writing the script…" }</p>
            }
        }
        ScriptText::Failed { why, retry } => {
            return html! {
                <div id="script-failed" class="error" role="alert">
                    <p><strong>{ why.title.clone() }</strong></p>
                    <p class="detail">{ why.detail.clone() }</p>
                    <p class="fix"><strong>{ "What to do: " }</strong>{ why.fix.clone() }</p>
                    if *retry {
                        <button id="retry-script" onclick={props.on_retry.reform(|_| ())}>{ "Retry" }</button>
                    }
                </div>
            }
        }
    };
    html! {
        <>
            <div class="buttons">
                { copy_button("copy-script", Copyable::SetupScript, "Copy the Exchange script", props.copied.as_ref(), &props.on_copy) }
                <button id="download-script" class="primary" onclick={dl(FileKind::SetupScript)}>{ format!("Download {}", props.setup_file) }</button>
                <button id="download-rollback" onclick={dl(FileKind::RollbackScript)}>{ format!("Download {}", props.rollback_file) }</button>
            </div>
            <details id="script-details">
                <summary>{ format!("Show the script ({} lines)", text.lines().count()) }</summary>
                <pre id="setup-script" class="numbered">
                    { for text.lines().enumerate().map(|(i, l)| html! {
                        <span class="line"><span class="ln">{ format!("{:>4} ", i + 1) }</span>{ l.to_owned() }{ "\n" }</span>
                    }) }
                </pre>
            </details>
        </>
    }
}
