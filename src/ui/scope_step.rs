use mailgrant_core::ids::SmtpAddress;
use mailgrant_core::plan::Options;
use mailgrant_core::powershell::{DisplayText, ScopeTarget};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The Scope step's answer.
#[derive(Clone, PartialEq)]
pub struct ScopeAnswer {
    pub target: ScopeTarget,
    pub denied: Option<SmtpAddress>,
    pub options: Options,
}

#[derive(Properties, PartialEq)]
pub struct ScopeStepProps {
    pub mailbox_name: AttrValue,
    pub mailbox_address: AttrValue,
    /// An app made earlier by mailgrant for this mailbox exists.
    pub app_exists: bool,
    pub on_choose: Callback<ScopeAnswer>,
    pub on_back: Callback<()>,
}

fn value(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// How the app is limited: this one mailbox, an existing group, or a new group.
#[function_component(ScopeStep)]
pub fn scope_step(props: &ScopeStepProps) -> Html {
    let kind = use_state(|| "one");
    let problem = use_state(|| None::<String>);
    let (group, group_name, denied, new_secret) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let choose = |k: &'static str| {
        let kind = kind.clone();
        Callback::from(move |_| kind.set(k))
    };
    let onsubmit = {
        let (kind, problem, on_choose) = (kind.clone(), problem.clone(), props.on_choose.clone());
        let (group, group_name, denied, new_secret) = (
            group.clone(),
            group_name.clone(),
            denied.clone(),
            new_secret.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = |node: &NodeRef, what: &str| {
                SmtpAddress::parse(&value(node)).map_err(|e| format!("{what}: {e}"))
            };
            let target = match *kind {
                "group" => address(&group, "Group address")
                    .map(|a| ScopeTarget::ExistingGroup { address: a }),
                "new" => DisplayText::parse(&value(&group_name))
                    .map_err(|e| format!("Group name: {e}"))
                    .and_then(|name| {
                        address(&group, "Group address")
                            .map(|a| ScopeTarget::NewGroup { name, address: a })
                    }),
                _ => Ok(ScopeTarget::OneMailbox),
            };
            let denied = match value(&denied).trim() {
                "" => Ok(None),
                _ => address(&denied, "Mailbox to test as denied").map(Some),
            };
            let new_secret = new_secret
                .cast::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            match (target, denied) {
                (Ok(target), Ok(denied)) => {
                    problem.set(None);
                    on_choose.emit(ScopeAnswer {
                        target,
                        denied,
                        options: Options {
                            new_secret,
                            remove_unscoped_grant: true,
                        },
                    });
                }
                (Err(e), _) | (_, Err(e)) => problem.set(Some(e)),
            }
        })
    };
    html! {
        <section id="scope-step">
            <h2>{ "Limit the app to this mailbox" }</h2>
            <p id="mailbox-found">{ format!("Mailbox: {} ({})", props.mailbox_name, props.mailbox_address) }</p>
            <form {onsubmit}>
                <label class="mode"><input type="radio" name="scope" id="scope-one" checked={*kind == "one"} onchange={choose("one")} />
                    { " Only this mailbox (recommended)" }</label>
                <label class="mode"><input type="radio" name="scope" id="scope-group" checked={*kind == "group"} onchange={choose("group")} />
                    { " The members of an existing mail-enabled security group" }</label>
                <label class="mode"><input type="radio" name="scope" id="scope-new" checked={*kind == "new"} onchange={choose("new")} />
                    { " A new mail-enabled security group with this mailbox as its member" }</label>
                if *kind == "new" {
                    <label for="group-name">{ "Group name" }</label>
                    <input id="group-name" ref={group_name} />
                }
                if *kind != "one" {
                    <label for="group-address">{ "Group address" }</label>
                    <input id="group-address" type="email" ref={group} />
                }
                <label for="denied">{ "Optional: a mailbox the app must NOT reach (the Exchange script tests it)" }</label>
                <input id="denied" type="email" ref={denied} />
                if props.app_exists {
                    <label class="mode"><input type="checkbox" id="new-secret" ref={new_secret} />
                        { " The app exists already: add a new client secret" }</label>
                }
                if let Some(p) = &*problem { <p id="scope-problem" class="error">{ p.clone() }</p> }
                <div class="buttons">
                    <button type="button" id="back" onclick={props.on_back.reform(|_| ())}>{ "Back" }</button>
                    <button id="to-review" class="primary" type="submit">{ "Review" }</button>
                </div>
            </form>
        </section>
    }
}
