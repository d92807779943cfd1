use mailgrant_core::config::ScopeMode;
use mailgrant_core::roles::RoleCheck;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SignedInProps {
    pub admin: AttrValue,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub mode: ScopeMode,
    pub roles: RoleCheck,
    /// What could not be determined, in words.
    pub unknowns: Vec<String>,
    pub on_sign_out: Callback<()>,
}

/// Who is signed in, to which tenant, and whether their roles suffice for the chosen mode.
#[function_component(SignedIn)]
pub fn signed_in(props: &SignedInProps) -> Html {
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
    html! {
        <section id="signed-in">
            <h1 class="small">{ "Signed in" }</h1>
            <dl>
                <dt>{ "Administrator" }</dt><dd id="admin">{ props.admin.clone() }</dd>
                <dt>{ "Organization" }</dt>
                <dd id="tenant">
                    { props.tenant_name.clone().unwrap_or_else(|| "(name unknown)".into()) }
                    if let Some(id) = &props.tenant_id { { format!(" — tenant id {id}") } }
                </dd>
                <dt>{ "Mode" }</dt><dd id="mode-chosen">{ props.mode.title() }</dd>
            </dl>
            { roles }
            if !props.unknowns.is_empty() {
                <div id="unknowns" class="muted">
                    <p>{ "Could not determine:" }</p>
                    <ul>{ for props.unknowns.iter().map(|u| html! { <li>{ u.clone() }</li> }) }</ul>
                </div>
            }
            <button id="sign-out" onclick={props.on_sign_out.reform(|_| ())}>{ "Sign out" }</button>
        </section>
    }
}
