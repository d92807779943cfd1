use web_sys::HtmlInputElement;
use yew::prelude::*;

pub struct MailboxStepProps {
    /// What was typed before (kept across Back).
    pub address: AttrValue,
    pub on_submit: Callback<String>,
    pub busy: bool,
    /// The look-up stopped because the sign-in expired.
    pub sign_in_again: bool,
    pub on_sign_in: Callback<()>,
    /// Users matching what is being typed: (display name, address).
    pub suggestions: Vec<(String, String)>,
    /// The field's text changed.
    pub on_typing: Callback<String>,
}

/// The mailbox the app may send as. A plain function: the typed address is read from its input
/// when the form is sent.
pub fn mailbox_step(props: &MailboxStepProps) -> Html {
    let onsubmit = {
        let on_submit = props.on_submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(v) = super::input_value("mailbox") {
                on_submit.emit(v);
            }
        })
    };
    html! {
        <section id="mailbox-step">
            <h1 tabindex="-1">{ "Which mailbox may the app send as?" }</h1>
            <form {onsubmit}>
                <label for="mailbox">{ "Mailbox address" }</label>
                <input id="mailbox" type="email" required=true value={props.address.clone()}
                    placeholder="invoices@contoso.com" autocomplete="off" list="mailbox-suggestions"
                    oninput={props.on_typing.reform(|e: InputEvent| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        input.value()
                    })} />
                <datalist id="mailbox-suggestions">
                    { for props.suggestions.iter().map(|(name, address)| html! {
                        <option value={address.clone()}>{ name.clone() }</option>
                    }) }
                </datalist>
                <button id="find-mailbox" class="primary" type="submit" disabled={props.busy}>
                    { if props.busy { "Looking it up…" } else { "Continue" } }
                </button>
            </form>
            if props.sign_in_again {
                <p>
                    <button id="sign-in-again" class="primary" onclick={props.on_sign_in.reform(|_| ())}>
                        { "Sign in again and continue" }
                    </button>
                    <span class="muted">{ " The address is kept and looked up again after you sign in." }</span>
                </p>
            }
            <p class="muted">{ "A user or shared mailbox of your organization. Guests cannot be used." }</p>
        </section>
    }
}
