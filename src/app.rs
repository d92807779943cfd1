//! The root component: loads `config.json`, then shows the wizard.

use std::rc::Rc;

use mailgrant_core::config::{Config, ConfigError, ScopeMode};
use mailgrant_core::explain::Explain;
use mailgrant_core::wizard::Step;
use yew::prelude::*;

use crate::browser;
use crate::ui::{ConfigErrorView, ErrorBanner, Header, StepList, Welcome};

/// What the page knows about its configuration.
#[derive(Clone, PartialEq)]
pub enum Loaded {
    Loading,
    Failed(ConfigError),
    Ready(Rc<Config>),
}

#[function_component(App)]
pub fn app() -> Html {
    let loaded = use_state(|| Loaded::Loading);
    {
        let loaded = loaded.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                loaded.set(match browser::config::load().await {
                    Ok(config) => Loaded::Ready(Rc::new(config)),
                    Err(e) => Loaded::Failed(e),
                });
            });
        });
    }
    match &*loaded {
        Loaded::Loading => html! {
            <>
                <Header vendor_name={None::<AttrValue>} />
                <main><p id="loading" class="muted">{ "Loading…" }</p></main>
            </>
        },
        Loaded::Failed(error) => html! {
            <>
                <Header vendor_name={None::<AttrValue>} />
                <main><ConfigErrorView explanation={Rc::new(error.explain())} /></main>
            </>
        },
        Loaded::Ready(config) => html! { <Wizard config={config.clone()} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct WizardProps {
    pub config: Rc<Config>,
}

/// The wizard once the configuration is known.
#[function_component(Wizard)]
pub fn wizard(props: &WizardProps) -> Html {
    let config = props.config.clone();
    let step = use_state(|| Step::Welcome);
    let error = use_state(|| None::<String>);
    let on_sign_in = {
        let config = config.clone();
        let step = step.clone();
        let error = error.clone();
        Callback::from(move |mode: ScopeMode| {
            let config = config.clone();
            let error = error.clone();
            step.set(Step::SignIn);
            error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = browser::signin::start(&config, mode).await {
                    error.set(Some(e));
                }
            });
        })
    };
    html! {
        <>
            <Header vendor_name={Some(AttrValue::from(config.vendor.name.clone()))} />
            <div class="layout">
                <StepList current={*step} />
                <main>
                    if let Some(e) = &*error {
                        <ErrorBanner title="Sign-in could not start." detail={e.clone()}
                            fix="Check your network connection and try again. If it keeps failing, the page's configuration (authority) may be wrong: contact the vendor." />
                    }
                    <Welcome config={config.clone()} on_sign_in={on_sign_in} busy={*step == Step::SignIn && error.is_none()} />
                </main>
            </div>
        </>
    }
}
