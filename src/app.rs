//! The root component: loads `config.json`, then runs the wizard: one reducer in the core
//! (`mailgrant_core::wizard::State::update`), whose effects this file executes.

use std::cell::RefCell;
use std::rc::Rc;

use mailgrant_core::auth::SignInRandomness;
use mailgrant_core::config::{Config, ConfigError};
use mailgrant_core::explain::Explain;
use mailgrant_core::wizard::{Effect, Event, State, Step};
use yew::prelude::*;

use crate::browser;
use crate::ui::{ConfigErrorView, ErrorBanner, Header, SignedIn, StepList, Welcome};

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

/// Feeds events to the core's reducer and executes the effects it returns.
#[derive(Clone)]
struct Driver {
    state: Rc<RefCell<State>>,
    config: Rc<Config>,
    rerender: Rc<dyn Fn()>,
}

impl Driver {
    fn dispatch(&self, event: Event) {
        let effects = self.state.borrow_mut().update(&self.config, event);
        (self.rerender)();
        for effect in effects {
            // Effects are ordered: after a failure the rest must not run (no redirect without
            // the pending entry, no redemption with the code still in the address bar).
            if let Err(reason) = self.execute(effect) {
                self.dispatch(Event::BrowserFailed(reason));
                break;
            }
        }
    }

    fn execute(&self, effect: Effect) -> Result<(), String> {
        match effect {
            Effect::Http {
                purpose,
                method,
                url,
                bearer,
                form,
            } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let token = bearer.as_ref().map(|t| t.expose_secret());
                    let event = match browser::send(method, &url, token, form).await {
                        Ok((status, body)) => Event::Http {
                            purpose,
                            status,
                            body,
                            now_secs: browser::now_secs(),
                        },
                        Err(reason) => Event::HttpFailed { purpose, reason },
                    };
                    driver.dispatch(event);
                });
            }
            Effect::SavePending(text) => browser::signin::save_pending(&text)?,
            Effect::RemovePending => browser::signin::remove_pending(),
            Effect::StripCallbackFromUrl => browser::signin::strip_callback_from_url()?,
            Effect::Navigate(url) => browser::navigate(&url)?,
        }
        Ok(())
    }
}

#[derive(Properties, PartialEq)]
pub struct WizardProps {
    pub config: Rc<Config>,
}

/// The wizard once the configuration is known.
#[function_component(Wizard)]
pub fn wizard(props: &WizardProps) -> Html {
    let state = use_mut_ref(|| State::new(&props.config));
    let force = use_force_update();
    let driver = Driver {
        state: state.clone(),
        config: props.config.clone(),
        rerender: Rc::new(move || force.force_update()),
    };
    {
        let driver = driver.clone();
        use_effect_with((), move |_| {
            let restored = driver.clone();
            browser::on_page_restored(move || restored.dispatch(Event::Restored));
            match browser::redirect_uri() {
                Ok(redirect_uri) => driver.dispatch(Event::Loaded {
                    redirect_uri,
                    query: browser::signin::current_query(),
                    pending: browser::signin::load_pending(),
                }),
                Err(e) => driver.dispatch(Event::BrowserFailed(e)),
            };
        });
    }
    let on_mode = {
        let driver = driver.clone();
        Callback::from(move |mode| driver.dispatch(Event::ModeChosen(mode)))
    };
    let on_sign_in = {
        let driver = driver.clone();
        Callback::from(move |_| {
            let random = (|| -> Result<SignInRandomness, String> {
                Ok(SignInRandomness {
                    state: browser::random_bytes()?,
                    nonce: browser::random_bytes()?,
                    verifier: browser::random_bytes()?,
                })
            })();
            match (random, browser::redirect_uri()) {
                (Ok(random), Ok(redirect_uri)) => driver.dispatch(Event::SignInClicked {
                    redirect_uri,
                    random,
                }),
                (Err(e), _) | (_, Err(e)) => driver.dispatch(Event::BrowserFailed(e)),
            }
        })
    };
    let on_try_again = {
        let driver = driver.clone();
        Callback::from(move |_| driver.dispatch(Event::TryAgain))
    };
    let on_sign_out = {
        let driver = driver.clone();
        Callback::from(move |_| driver.dispatch(Event::SignOut))
    };

    let s = state.borrow();
    let config = &props.config;
    let body = match &s.session {
        Some(session) if !s.busy => html! {
            <SignedIn admin={session.admin_label()}
                tenant_name={session.organization.as_ref().and_then(|o| o.display_name.clone())}
                tenant_id={session.tenant_id()}
                mode={s.mode} roles={session.roles.clone()}
                unknowns={session.unknowns.clone()} on_sign_out={on_sign_out} />
        },
        _ if s.step == Step::Welcome || s.error.is_some() => html! {
            <Welcome config={config.clone()} mode={s.mode} on_mode={on_mode}
                on_sign_in={on_sign_in} busy={s.busy} />
        },
        _ => html! { <p id="signing-in" class="muted">{ "Signing in…" }</p> },
    };
    html! {
        <>
            <Header vendor_name={Some(AttrValue::from(config.vendor.name.clone()))} />
            <div class="layout">
                <StepList current={s.step} />
                <main>
                    if let Some(e) = &s.error {
                        <ErrorBanner title={e.title.clone()} detail={e.detail.clone()}
                            fix={e.fix.clone()} on_try_again={Some(on_try_again)} />
                    }
                    { body }
                </main>
            </div>
        </>
    }
}
