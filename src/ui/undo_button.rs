use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UndoButtonProps {
    pub label: AttrValue,
    pub on_undo: Callback<()>,
}

/// Undo, asked twice: the first click says what goes and what stays, the second deletes.
#[function_component(UndoButton)]
pub fn undo_button(props: &UndoButtonProps) -> Html {
    let asking = use_state(|| false);
    let ask = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(true))
    };
    let cancel = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(false))
    };
    if !*asking {
        return html! { <button id="undo" onclick={ask}>{ props.label.clone() }</button> };
    }
    html! {
        <div id="undo-ask" class="notice" role="group" aria-labelledby="undo-ask-text">
            <p id="undo-ask-text">{ "Undo deletes what this run created in Entra ID (the app or service principal, its credential, its permission and Exchange role assignment). Credentials you already gave the vendor stop working. Objects the run found and did not create stay. If you ran the Exchange script, run its rollback script as well." }</p>
            <div class="buttons">
                <button id="undo-confirm" class="primary" onclick={props.on_undo.reform(|_| ())}>{ "Delete what this run created" }</button>
                <button id="undo-cancel" onclick={cancel}>{ "Keep it" }</button>
            </div>
        </div>
    }
}
