use mailgrant_core::wizard::view::CopyNote;
use mailgrant_core::wizard::{Copyable, FileKind};
use yew::prelude::*;

use super::copy_button;

pub struct ScriptViewProps {
    /// The setup script's text.
    pub text: AttrValue,
    pub setup_file: AttrValue,
    pub rollback_file: AttrValue,
    pub on_copy: Callback<Copyable>,
    /// The last copy's answer on this step.
    pub copied: Option<CopyNote>,
    pub on_download: Callback<FileKind>,
}

/// The Exchange Online script: Copy, Download (and the rollback), and its text with line numbers,
/// folded (it is long; Copy and Download need no unfolding). A plain function: no state.
pub fn script_view(props: &ScriptViewProps) -> Html {
    let dl = |k: FileKind| props.on_download.reform(move |_| k.clone());
    html! {
        <>
            <div class="buttons">
                { copy_button("copy-script", Copyable::SetupScript, "Copy the Exchange script", props.copied.as_ref(), &props.on_copy) }
                <button id="download-script" class="primary" onclick={dl(FileKind::SetupScript)}>{ format!("Download {}", props.setup_file) }</button>
                <button id="download-rollback" onclick={dl(FileKind::RollbackScript)}>{ format!("Rollback: {}", props.rollback_file) }</button>
            </div>
            <details id="script-details">
                <summary>{ format!("Show the script ({} lines)", props.text.lines().count()) }</summary>
                <pre id="setup-script" class="numbered">
                    { for props.text.lines().enumerate().map(|(i, l)| html! {
                        <span class="line"><span class="ln">{ format!("{:>4} ", i + 1) }</span>{ l.to_owned() }{ "\n" }</span>
                    }) }
                </pre>
            </details>
        </>
    }
}
