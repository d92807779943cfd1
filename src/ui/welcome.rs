use std::rc::Rc;

use mailgrant_core::config::{Config, ScopeMode};
use mailgrant_core::wizard::view::Welcome;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(PartialEq)]
pub struct WelcomeProps {
    pub config: Rc<Config>,
    /// What Welcome says: the core's model (the page's `State::welcome`, or the bootstrap's).
    pub view: Welcome,
    pub on_mode: Callback<ScopeMode>,
    pub on_sign_in: Callback<()>,
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// What will happen, who may do it, what leaves the browser; then the choice of mode and Sign in.
/// A plain function: no state.
pub fn welcome(props: &WelcomeProps) -> Html {
    let config = &props.config;
    let vendor = &config.vendor;
    let w = &props.view;
    let mode = &w.mode;
    let on_mode = {
        let on_mode = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(m) = ScopeMode::from_config_str(&input.value()) {
                on_mode.emit(m);
            }
        })
    };
    let on_click = props.on_sign_in.reform(|_| ());
    html! {
        <section id="welcome">
            if w.interrupted {
                <p id="interrupted" class="notice">{ "A setup was started in this tab earlier. Sign in again to continue it where it stopped, or to see its results if it finished; nothing is made twice." }</p>
            }
            <h1 tabindex="-1">{ format!("Let {} send e-mail as one of your mailboxes", vendor.name) }</h1>
            <p>
                { format!("{} needs to send e-mail from a mailbox in your Microsoft 365 tenant. \
                   This page sets that up for you in a few minutes, restricted to the one mailbox you choose, \
                   and hands the credentials to {} safely.", vendor.name, vendor.name) }
            </p>

            <h2>{ "What will be created in your tenant" }</h2>
            <ul id="will-create">
                if let Some(c) = &w.credential {
                    <li>{ c.app.clone() }</li>
                    if let Some(made) = &c.credential { <li>{ made.clone() }</li> }
                }
                if *mode == ScopeMode::ApplicationAccessPolicy {
                    <li>{ "An Exchange Online PowerShell script you run first: it makes the Application Access Policy that limits the app to your mailbox, checks it, and prints a code." }</li>
                    <li>{ "Only after you typed that code: Microsoft Graph's " }<code>{ "Mail.Send" }</code>{ " application permission, with admin consent. So the app never holds it unrestricted." }</li>
                } else {
                    <li>{ "An Exchange role assignment that lets the app send as your chosen mailbox and no other (Exchange's " }<code>{ "Application Mail.Send" }</code>{ " role, scoped to that mailbox), made through Microsoft Graph. If your tenant or role does not allow that, the page gives you a PowerShell script that does it." }</li>
                }
            </ul>
            if let Some(c) = &w.credential {
                <h2>{ "Who holds what" }</h2>
                <ul id="credential">
                    <li>{ c.holds.clone() }</li>
                    <li>{ format!("What leaves this browser: {}", c.leaves) }</li>
                    if let Some(f) = &w.fallback { <li>{ f.clone() }</li> }
                </ul>
            }
            if let Some(why) = &w.no_credential {
                <p id="no-credential" class="notice">{ why.clone() }</p>
            }
            <p>{ "Nothing else in your tenant is changed, and the page never modifies or deletes an object it did not create. If a step fails, the page can finish or undo what it made." }</p>

            <h2>{ "How the app is limited to one mailbox" }</h2>
            <fieldset id="mode">
                <legend>{ "Scoping mode" }</legend>
                { for ScopeMode::ALL.iter().map(|&m| html! {
                    <label class="mode">
                        <input type="radio" name="mode" value={m.as_config_str()}
                            checked={*mode == m} onchange={on_mode.clone()}
                            disabled={w.interrupted || w.busy} />
                        <strong>{ m.title() }</strong>
                        <span class="roles">
                            { format!(" — sign in with one of these roles: {}.", m.sufficient_entra_roles().join(", ")) }
                        </span>
                    </label>
                }) }
            </fieldset>
            <p class="muted">
                { "RBAC for Applications grants no tenant-wide permission in Entra ID at all; Exchange grants Mail.Send over your mailbox only. \
                   Application Access Policy adds a tenant-wide Mail.Send permission and then narrows it with a policy; Microsoft recommends the former for new setups. \
                   Either way, running the Exchange script needs the Exchange Administrator role." }
            </p>

            <h2>{ "Permissions this page will ask for" }</h2>
            <ul id="scopes">
                { for w.scopes.iter().map(|(scope, why)| html! {
                    <li><code>{ *scope }</code>{ format!(": to {why}.") }</li>
                }) }
            </ul>
            if !w.entra {
                <p id="not-entra" class="notice">
                    { format!("{} is not Microsoft Entra ID: you can sign in, but the setup steps need Microsoft Graph and will not run.", host(&config.authority)) }
                </p>
            }

            <h2>{ "Your data" }</h2>
            <p id="privacy">
                { format!("This page runs entirely in your browser. Nothing leaves it except calls to Microsoft ({} and {}). \
                   Your sign-in token (and a client secret, if one is made) are kept in this tab's memory only and are gone when you close it.",
                   host(&config.authority), host(&config.graph_base_url)) }
            </p>

            <button id="sign-in" class="primary" onclick={on_click} disabled={w.busy || w.no_credential.is_some()}>
                { match (w.busy, w.entra) {
                    (true, true) => "Opening Microsoft sign-in…",
                    (true, false) => "Opening sign-in…",
                    (false, true) => "Sign in with Microsoft",
                    (false, false) => "Sign in",
                } }
            </button>
            if let Some(note) = w.still_loading {
                <p id="still-loading" class="notice" role="status">{ note }</p>
            }
            <p class="muted">{ format!("Questions? Contact {}.", vendor.support_contact) }</p>
        </section>
    }
}
