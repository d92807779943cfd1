use mailgrant_core::bundle::{Passphrase, Strength};
use mailgrant_core::wizard::credential::CredentialWords;
use mailgrant_core::wizard::view::{CopyNote, Expiry, Script};
use mailgrant_core::wizard::{CopyText, Copyable, FileKind};
use yew::prelude::*;

use super::{copy_button, script_view, ScriptViewProps, UndoButton};

#[derive(Properties, PartialEq)]
pub struct HandOffStepProps {
    pub heading: AttrValue,
    pub scope_note: AttrValue,
    /// The Exchange script comes first (the page could not scope the app).
    pub script_first: bool,
    pub summary: Vec<(&'static str, String, bool)>,
    pub script: Script,
    /// The vendor configured an age recipient.
    pub has_recipient: bool,
    /// The credential is a client secret (Reveal, Copy, the passphrase, the clear-text warning).
    pub secret_kind: bool,
    /// Why there is no secret to show (the core's words; `None`: it is still in memory).
    #[prop_or_default]
    pub no_secret: Option<&'static str>,
    /// Who holds what, what leaves the browser.
    pub credential: CredentialWords,
    /// The reminder's label, when the credential expires.
    pub reminder: Option<&'static str>,
    /// What the run had to change (a capped lifetime, with both numbers).
    pub notes: Vec<String>,
    /// What expires and when: shown in the admin's own time zone too.
    #[prop_or_default]
    pub expires: Option<Expiry>,
    /// The secret's text, only while revealed.
    pub revealed: Option<AttrValue>,
    pub handed_off: bool,
    /// Undo is possible now.
    pub can_undo: bool,
    pub on_reveal: Callback<bool>,
    /// Copy the secret, the script, an id or the passphrase.
    pub on_copy: Callback<Copyable>,
    /// The last copy's answer on this step.
    pub copied: Option<CopyNote>,
    pub on_forget: Callback<()>,
    pub on_saved: Callback<()>,
    pub on_download: Callback<FileKind>,
    /// Ask the hand-off module again for the script (it did not load).
    pub on_retry_script: Callback<()>,
    pub on_undo: Callback<()>,
    pub suggested_passphrase: AttrValue,
}

/// The results: the credentials for the vendor, and the Exchange script for the admin.
#[function_component(HandOffStep)]
pub fn hand_off_step(props: &HandOffStepProps) -> Html {
    let plain_ok = use_state(|| false);
    let passphrase = use_node_ref();
    let typed = use_state(|| props.suggested_passphrase.to_string());
    let strength = Passphrase::submitted((*typed).clone(), &props.suggested_passphrase).strength();
    let on_typed = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            typed.set(input.value());
        })
    };
    let dl = |k: FileKind| props.on_download.reform(move |_| k.clone());
    let with_passphrase = {
        let passphrase = passphrase.clone();
        let on_download = props.on_download.clone();
        let suggestion = props.suggested_passphrase.to_string();
        Callback::from(move |_| {
            if let Some(i) = passphrase.cast::<web_sys::HtmlInputElement>() {
                on_download.emit(FileKind::BundleWithPassphrase {
                    typed: i.value(),
                    suggestion: suggestion.clone(),
                });
            }
        })
    };
    let toggle_plain = {
        let plain_ok = plain_ok.clone();
        Callback::from(move |_| plain_ok.set(!*plain_ok))
    };
    let (credentials_n, script_n) = if props.script_first { (2, 1) } else { (1, 2) };
    let script_section = html! {
        <div id="exchange-script">
            <h3>{ if props.script_first {
                format!("{script_n}. Scope the app in Exchange Online")
            } else {
                format!("{script_n}. Check the scope in Exchange Online")
            } }</h3>
            <p>{ "Run this script in PowerShell as an Exchange administrator. It is safe to run twice and ends with PASS or FAIL." }</p>
            { script_view(&ScriptViewProps {
                text: props.script.text.clone(),
                setup_file: props.script.setup_file.clone().into(),
                rollback_file: props.script.rollback_file.clone().into(),
                on_copy: props.on_copy.clone(),
                copied: props.copied.clone(),
                on_download: props.on_download.clone(),
                on_retry: props.on_retry_script.clone(),
            }) }
        </div>
    };
    html! {
        <section id="hand-off-step">
            <h1 tabindex="-1">{ props.heading.clone() }</h1>
            <p id="scope-note">{ props.scope_note.clone() }</p>
            <dl id="summary" aria-describedby={props.expires.as_ref().map(|_| "expires-local")}>
                { for props.summary.iter().enumerate().map(|(i, (k, v, copy))| html! { <><dt>{ *k }</dt><dd>{ v.clone() }
                    if *copy {
                        { " " }{ copy_button(&format!("copy-row-{i}"), Copyable::Shown(v.clone()), &format!("Copy: {k}"), props.copied.as_ref(), &props.on_copy) }
                    }
                </dd></> }) }
            </dl>

            if let Some(e) = &props.expires {
                // The admin's own time zone and date format (the browser's), beside the UTC date.
                <p id="expires-local" class="muted">{ format!("{} expires on {} in your time zone.",
                    e.what, crate::browser::local_date_time(e.unix_ms)) }</p>
            }
            if props.script_first { { script_section.clone() } }
            <h3>{ format!("{credentials_n}. Send the credentials to the vendor") }</h3>
            <p id="credential-note">{ format!("{} What leaves this browser: {}", props.credential.holds, props.credential.leaves) }</p>
            { for props.notes.iter().map(|n| html! { <p class="notice credential-notice">{ n.clone() }</p> }) }
            if !props.secret_kind {
                <p class="muted">{ "These files hold ids only: they can go to the vendor by e-mail." }</p>
                <div class="buttons">
                    if props.has_recipient {
                        <button id="download-bundle" class="primary" onclick={dl(FileKind::BundleForVendor)}>
                            { "Download the bundle, encrypted for the vendor (.age)" }</button>
                    }
                    <button id="download-json" onclick={dl(FileKind::BundleJson)}>{ "mailgrant-bundle.json" }</button>
                    <button id="download-env" onclick={dl(FileKind::BundleEnv)}>{ "mailgrant.env (docker --env-file)" }</button>
                    <button id="download-sh" onclick={dl(FileKind::BundleShell)}>{ "mailgrant.sh (sh)" }</button>
                </div>
            } else if props.no_secret.is_none() {
                <p>
                    <strong>{ "Client secret value: " }</strong>
                    <code id="secret-value">{ props.revealed.clone().unwrap_or_else(|| AttrValue::from("••••••••••••••••")) }</code>
                    <button id="reveal" onclick={props.on_reveal.reform({ let shown = props.revealed.is_some(); move |_| !shown })}>
                        { if props.revealed.is_some() { "Hide" } else { "Reveal" } }</button>
                    { copy_button("copy-secret", Copyable::Secret, "Copy the client secret", props.copied.as_ref(), &props.on_copy) }
                </p>
                <p class="muted">{ "Shown once: Microsoft never shows it again. A clipboard may keep what you copy." }</p>
                <div class="buttons">
                    if props.has_recipient {
                        <button id="download-bundle" class="primary" onclick={dl(FileKind::BundleForVendor)}>
                            { "Download the bundle, encrypted for the vendor (.age)" }</button>
                    }
                </div>
                <p>
                    <label for="passphrase">{ "Or encrypt with a passphrase (send it by another channel): " }</label>
                    <input id="passphrase" ref={passphrase} value={(*typed).clone()} oninput={on_typed} />
                    { copy_button("copy-passphrase", Copyable::Passphrase(CopyText((*typed).clone())), "Copy the passphrase", props.copied.as_ref(), &props.on_copy) }
                    <button id="download-passphrase" onclick={with_passphrase}
                        disabled={strength.strength == Strength::TooWeak}>{ "Download (.age)" }</button>
                    <span id="passphrase-strength" class="muted">
                        { format!(" about {} bits: {}", strength.bits, match strength.strength {
                            Strength::TooWeak => "too weak, use the suggested one or a longer phrase",
                            Strength::Acceptable => "acceptable",
                            Strength::Strong => "strong",
                        }) }
                    </span>
                </p>
                <label><input type="checkbox" id="plain-ok" checked={*plain_ok} onchange={toggle_plain} />
                    { "Also offer unencrypted files (.json, .env, .sh); I understand they hold the secret in clear text" }</label>
                if *plain_ok {
                    <div class="buttons">
                        <button id="download-json" onclick={dl(FileKind::BundleJson)}>{ "mailgrant-bundle.json" }</button>
                        <button id="download-env" onclick={dl(FileKind::BundleEnv)}>{ "mailgrant.env (docker --env-file)" }</button>
                        <button id="download-sh" onclick={dl(FileKind::BundleShell)}>{ "mailgrant.sh (sh)" }</button>
                    </div>
                }
                <p class="muted">{ "When the vendor's file is saved: “I have saved the credentials” lets you sign out or leave the page; “Forget the secret” also erases it from this page now. Neither changes the secret in your tenant." }</p>
                <div class="buttons">
                    if !props.handed_off {
                        <button id="saved" onclick={props.on_saved.reform(|_| ())}>{ "I have saved the credentials" }</button>
                    }
                    <button id="forget" onclick={props.on_forget.reform(|_| ())}>{ "Forget the secret" }</button>
                </div>
            } else {
                <p id="secret-gone" class="muted">{ props.no_secret.unwrap_or_default() }</p>
            }
            <p class="muted" id="more-files">{ "More files, if you want them: instructions and tests for the vendor, and this run's log for your records." }</p>
            <div class="buttons">
                <button id="download-readme" onclick={dl(FileKind::Readme)}>{ "README.txt" }</button>
                if let Some(label) = props.reminder {
                    <button id="download-ics" onclick={dl(FileKind::Reminder)}>{ label }</button>
                }
                <button id="download-test-ps1" onclick={dl(FileKind::TestPowerShell)}>{ "Vendor test (PowerShell)" }</button>
                <button id="download-test-sh" onclick={dl(FileKind::TestShell)}>{ "Vendor test (curl)" }</button>
                <button id="download-log" onclick={dl(FileKind::Log)}>{ "The run's log (JSON)" }</button>
            </div>

            if !props.script_first { { script_section } }
            if props.can_undo {
                <p><UndoButton label="Undo: delete what this run created in Entra ID" on_undo={props.on_undo.clone()} /></p>
            }
        </section>
    }
}
