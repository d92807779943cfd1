use mailgrant_core::config::ScopeMode;
use mailgrant_core::roles::RoleCheck;
use yew::prelude::*;

pub struct SignedInProps {
    pub admin: AttrValue,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub mode: ScopeMode,
    pub roles: RoleCheck,
    /// What could not be determined, in words.
    pub unknowns: Vec<String>,
    pub on_sign_out: Callback<()>,
    /// Why Sign out is not offered now.
    pub sign_out_blocked: Option<&'static str>,
    /// The mode may still change (nothing applied yet).
    pub can_change_mode: bool,
    pub on_mode: Callback<ScopeMode>,
    /// Permissions the chosen mode needs that the sign-in did not grant.
    pub missing: Vec<(&'static str, &'static str)>,
    /// Sign in again to grant them.
    pub on_grant: Callback<()>,
    /// Whether the page can scope the app in Exchange itself (RBAC mode), when it cannot.
    pub exchange_note: Option<String>,
}

/// Who is signed in, to which tenant, and whether their roles suffice for the chosen mode.
/// A plain function: no state.
pub fn signed_in(props: &SignedInProps) -> Html {
    let on_mode = {
        let on_mode = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(m) = ScopeMode::from_config_str(&select.value()) {
                on_mode.emit(m);
            }
        })
    };
    let roles = match &props.roles {
        RoleCheck::Sufficient(role) => html! {
            <p id="role-check" class="ok">{ format!("Your role {role} can set up {}.", props.mode.title()) }</p>
        },
        RoleCheck::Insufficient { held } => html! {
            <p id="role-check" class="error">
                { format!("Your roles ({}) cannot set up {}. Sign in as: {}; or choose another mode.",
                    if held.is_empty() { "none of the admin roles".to_owned() } else { held.join(", ") },
                    props.mode.title(),
                    props.mode.sufficient_entra_roles().join(", ")) }
            </p>
        },
        RoleCheck::Unknown => html! {
            <p id="role-check" class="muted">{ "Your admin roles could not be determined from the sign-in." }</p>
        },
    };
    // A labelled region, not a heading: the step's h1 is the first heading a screen reader
    // lists, though this box comes before it on the page.
    html! {
        <section id="signed-in" aria-labelledby="signed-in-title">
            <p id="signed-in-title" class="small">{ "Signed in" }</p>
            <dl class="facts">
                <dt>{ "Administrator" }</dt><dd id="admin">{ props.admin.clone() }</dd>
                <dt>{ "Organization" }</dt>
                <dd id="tenant">
                    { props.tenant_name.clone().unwrap_or_else(|| "(name unknown)".into()) }
                    if let Some(id) = &props.tenant_id { { format!(" — tenant ID {id}") } }
                </dd>
                <dt>{ "Scoping mode" }</dt>
                <dd id="mode-chosen">
                    if props.can_change_mode {
                        <select id="mode-switch" aria-label="Scoping mode" onchange={on_mode}>
                            { for ScopeMode::ALL.iter().map(|&m| html! {
                                <option value={m.as_config_str()} selected={m == props.mode}>{ m.title() }</option>
                            }) }
                        </select>
                    } else {
                        { props.mode.title() }
                    }
                </dd>
            </dl>
            { roles }
            if let Some(note) = &props.exchange_note {
                <p id="exchange-role" class="muted">{ note.clone() }</p>
            }
            if !props.missing.is_empty() {
                <div id="more-consent" class="notice">
                    <p>{ format!("{} needs a permission your sign-in did not grant:", props.mode.title()) }</p>
                    <ul>{ for props.missing.iter().map(|(s, why)| html! { <li><code>{ *s }</code>{ format!(": to {why}.") }</li> }) }</ul>
                    <button id="grant-more" class="primary" onclick={props.on_grant.reform(|_| ())}>
                        { "Sign in again to grant it" }
                    </button>
                </div>
            }
            if !props.unknowns.is_empty() {
                <div id="unknowns" class="muted">
                    <p>{ "Could not determine:" }</p>
                    <ul>{ for props.unknowns.iter().map(|u| html! { <li>{ u.clone() }</li> }) }</ul>
                </div>
            }
            <button id="sign-out" onclick={props.on_sign_out.reform(|_| ())}
                disabled={props.sign_out_blocked.is_some()}
                aria-describedby={props.sign_out_blocked.map(|_| "sign-out-why")}>{ "Sign out" }</button>
            if let Some(why) = props.sign_out_blocked {
                <span id="sign-out-why" class="muted">{ why }</span>
            }
        </section>
    }
}
