use mailgrant_core::wizard::view::CopyNote;
use mailgrant_core::wizard::Copyable;
use yew::prelude::*;

/// Copy, and beside it what the browser did ("Copied.", or what to do when it refused). A plain
/// function, not a component: it holds no state, and each component costs the page bytes.
pub fn copy_button(
    id: &str,
    what: Copyable,
    label: &str,
    copied: Option<&CopyNote>,
    on_copy: &Callback<Copyable>,
) -> Html {
    let target = what.target();
    let note = copied.filter(|c| c.what == target);
    html! {
        <>
            <button id={id.to_owned()} class="copy" aria-label={label.to_owned()}
                onclick={on_copy.reform(move |_| what.clone())}>{ "Copy" }</button>
            if let Some(n) = note {
                <span class={classes!("copy-note", (!n.ok).then_some("error-text"))}>{ format!(" {}", n.message) }</span>
            }
        </>
    }
}
