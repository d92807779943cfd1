use mailgrant_core::wizard::{ScopeAnswer, ScopeKind};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScopeStepProps {
    pub mailbox_name: AttrValue,
    pub mailbox_address: AttrValue,
    pub mailbox_id: AttrValue,
    /// The kind of mailbox, the alias that was typed (the core's words).
    #[prop_or_default]
    pub mailbox_note: Option<AttrValue>,
    /// An app made earlier by mailgrant for this mailbox exists.
    pub app_exists: bool,
    /// That app holds an unscoped Mail.Send grant.
    #[prop_or_default]
    pub unscoped_grant: bool,
    /// What the core found wrong with the answer.
    #[prop_or_default]
    pub problem: Option<AttrValue>,
    pub on_choose: Callback<ScopeAnswer>,
    pub on_back: Callback<()>,
    /// The group is being looked up.
    #[prop_or_default]
    pub busy: bool,
    /// The answer given before (kept across Back from Review).
    #[prop_or_default]
    pub answer: Option<ScopeAnswer>,
    /// The tenant's mail-enabled security groups (name, address), once a group was checked.
    #[prop_or_default]
    pub group_choices: Vec<(String, String)>,
}

fn value(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn checked(node: &NodeRef) -> bool {
    node.cast::<HtmlInputElement>().is_some_and(|i| i.checked())
}

/// How the app is limited: this one mailbox, an existing group, or a new group. What is typed
/// goes to the core as text; its answer comes back as `problem`.
#[function_component(ScopeStep)]
pub fn scope_step(props: &ScopeStepProps) -> Html {
    let before = props.answer.clone();
    let kind = use_state(|| before.as_ref().map_or(ScopeKind::OneMailbox, |a| a.kind));
    // Removing an unscoped grant is what keeps the app to one mailbox (kept, there is no plan):
    // on unless unticked.
    let remove_grant = use_state(|| before.as_ref().is_none_or(|a| a.remove_unscoped_grant));
    let typed = |f: fn(&ScopeAnswer) -> &String| {
        AttrValue::from(before.as_ref().map(f).cloned().unwrap_or_default())
    };
    let (group, group_name, denied, new_secret) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let choose = |k: ScopeKind| {
        let kind = kind.clone();
        Callback::from(move |_| kind.set(k))
    };
    let onsubmit = {
        let (kind, on_choose) = (kind.clone(), props.on_choose.clone());
        let (group, group_name, denied, new_secret, remove_grant) = (
            group.clone(),
            group_name.clone(),
            denied.clone(),
            new_secret.clone(),
            remove_grant.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_choose.emit(ScopeAnswer {
                kind: *kind,
                group_name: value(&group_name),
                group_address: value(&group),
                denied: value(&denied),
                new_secret: checked(&new_secret),
                remove_unscoped_grant: *remove_grant,
            });
        })
    };
    // An existing group: the tenant's mail-enabled security groups, once known, to pick from.
    let existing = *kind == ScopeKind::ExistingGroup;
    html! {
        <section id="scope-step">
            <h1 tabindex="-1">{ "Limit the app to this mailbox" }</h1>
            <div id="mailbox-found">
                <dl class="facts">
                    <dt>{ "Mailbox" }</dt><dd id="mailbox-name">{ props.mailbox_name.clone() }</dd>
                    <dt>{ "Primary address" }</dt><dd id="mailbox-address">{ props.mailbox_address.clone() }</dd>
                    <dt>{ "Object ID" }</dt><dd id="mailbox-id" class="id">{ props.mailbox_id.clone() }</dd>
                </dl>
                if let Some(note) = &props.mailbox_note {
                    <p id="mailbox-note">{ note.clone() }</p>
                }
            </div>
            <form {onsubmit}>
                <label class="mode"><input type="radio" name="scope" id="scope-one" checked={*kind == ScopeKind::OneMailbox} onchange={choose(ScopeKind::OneMailbox)} />
                    { "Only this mailbox (recommended)" }</label>
                <label class="mode"><input type="radio" name="scope" id="scope-group" checked={*kind == ScopeKind::ExistingGroup} onchange={choose(ScopeKind::ExistingGroup)} />
                    { "The members of an existing mail-enabled security group" }</label>
                <label class="mode"><input type="radio" name="scope" id="scope-new" checked={*kind == ScopeKind::NewGroup} onchange={choose(ScopeKind::NewGroup)} />
                    { "A new mail-enabled security group with this mailbox as its member" }</label>
                if *kind == ScopeKind::ExistingGroup {
                    <p class="muted" id="scope-hint">{ "The app can send as the group's members, now and later. The page does not change the group." }</p>
                }
                if *kind == ScopeKind::NewGroup {
                    <p class="muted" id="scope-hint">{ "The Exchange script creates the group, with this mailbox as its only member; the app can send as whoever is added to it later." }</p>
                    <label for="group-name">{ "Group name" }</label>
                    <input id="group-name" ref={group_name} value={typed(|a| &a.group_name)} />
                }
                if *kind != ScopeKind::OneMailbox {
                    <label for="group-address">{ "Group address" }</label>
                    <input id="group-address" type="email" ref={group} value={typed(|a| &a.group_address)}
                        list={existing.then_some("group-choices")}
                        aria-describedby={(existing && !props.group_choices.is_empty()).then_some("group-choices-text")} />
                    if existing {
                        <datalist id="group-choices">
                            { for props.group_choices.iter().map(|(name, mail)| html! { <option value={mail.clone()}>{ name.clone() }</option> }) }
                        </datalist>
                    }
                    if existing && !props.group_choices.is_empty() {
                        <p id="group-choices-text" class="muted">
                            { "Mail-enabled security groups in your tenant: " }
                            { props.group_choices.iter().map(|(name, mail)| format!("{name} ({mail})")).collect::<Vec<_>>().join(", ") }
                        </p>
                    }
                }
                <label for="denied">{ "Optional: a mailbox the app must NOT be able to send as (the Exchange script checks that it is refused)" }</label>
                <input id="denied" type="email" ref={denied} value={typed(|a| &a.denied)} />
                if props.app_exists {
                    <label class="mode"><input type="checkbox" id="new-secret" ref={new_secret} checked={before.as_ref().is_some_and(|a| a.new_secret)} />
                        { "The app exists already: add a new client secret" }</label>
                }
                if props.unscoped_grant {
                    <label class="mode"><input type="checkbox" id="remove-grant" checked={*remove_grant}
                        onchange={{ let r = remove_grant.clone(); Callback::from(move |_| r.set(!*r)) }} />
                        { "Remove the app's unscoped Mail.Send grant (needed: grants add up, so it lets the app send as every mailbox; the page then asks you to grant AppRoleAssignment.ReadWrite.All)" }</label>
                }
                if let Some(p) = &props.problem { <p id="scope-problem" class="error">{ p.clone() }</p> }
                <div class="buttons">
                    <button type="button" id="back" onclick={props.on_back.reform(|_| ())}>{ "Back" }</button>
                    <button id="to-review" class="primary" type="submit" disabled={props.busy}>
                        { if props.busy { "Checking the group…" } else { "Review" } }</button>
                </div>
            </form>
        </section>
    }
}
