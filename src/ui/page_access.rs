use mailgrant_core::wizard::page_access::PageAccess;
use yew::prelude::*;

/// The standing consent the sign-in gave this page (`client_id`: its Application (client) ID,
/// as the admin center shows it), and how to remove it. A plain function: no state.
pub fn page_access_view(state: PageAccess, client_id: &str, on_remove: &Callback<()>) -> Html {
    html! {
        <section id="page-access">
            <h3>{ "This setup page's access to your tenant" }</h3>
            if state == PageAccess::Removed {
                <p id="page-access-removed">
                    { "Removed. This page can no longer act in your tenant, and it sends nothing more. A later setup asks for your consent again. Removing it did not change anything made for the vendor." }
                </p>
            } else {
                <p>
                    { "When you signed in, you consented to this setup page (Application (client) ID " }
                    <code>{ client_id.to_owned() }</code>
                    { ") creating and changing app registrations as you. That consent stays in your tenant after the setup. If you have nothing more to set up, remove it: the page's entry under Enterprise applications is deleted with its consent. Nothing made for the vendor changes." }
                </p>
                <button id="remove-page-access" onclick={on_remove.reform(|_| ())}
                    disabled={state == PageAccess::Removing}>
                    { if state == PageAccess::Removing { "Removing…" } else { "Remove this setup page's access" } }
                </button>
            }
        </section>
    }
}
