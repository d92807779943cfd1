//! The root component: loads `config.json`, then runs the wizard: one reducer in the core
//! (`mailgrant_core::wizard::State::update`), whose effects this file executes.

use std::cell::RefCell;
use std::rc::Rc;

use mailgrant_core::auth::SignInRandomness;
use mailgrant_core::bundle;
use mailgrant_core::config::{Config, ConfigError};
use mailgrant_core::explain::Explain;
use mailgrant_core::powershell;
use mailgrant_core::run;
use mailgrant_core::wizard::setup::JOURNAL_KEY;
use mailgrant_core::wizard::{Effect, Event, MailboxRequest, State, Step};
use yew::prelude::*;

use crate::browser;
use crate::files;
use crate::ui::{
    ApplyStep, ConfigErrorView, ErrorBanner, FileKind, HandOffStep, Header, MailboxStep,
    ReviewStep, ScopeAnswer, ScopeStep, SignedIn, StepList, Welcome,
};

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
                        Err(reason) => Event::HttpFailed {
                            purpose,
                            reason,
                            now_ms: browser::now_ms(),
                        },
                    };
                    driver.dispatch(event);
                });
            }
            Effect::Graph {
                kind,
                attempt,
                method,
                url,
                headers,
                body,
                bearer,
            } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let token = bearer.as_ref().map(|t| t.expose_secret());
                    let event = match browser::send_graph(method, &url, &headers, body, token).await
                    {
                        Ok(a) => run::Event::Answered {
                            attempt,
                            status: a.status,
                            headers: run::Headers {
                                request_id: a.request_id,
                                retry_after: a.retry_after,
                                location: a.location,
                            },
                            body: a.body,
                        },
                        Err(_) => run::Event::NetworkFailed {
                            attempt,
                            online: browser::online(),
                        },
                    };
                    driver.dispatch(Event::Run {
                        kind,
                        event,
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::Timer {
                kind,
                timer,
                millis,
            } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    yew::platform::time::sleep(std::time::Duration::from_millis(millis)).await;
                    driver.dispatch(Event::Run {
                        kind,
                        event: run::Event::TimerFired { timer },
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::WaitOnline { kind } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    while !browser::online() {
                        yew::platform::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    driver.dispatch(Event::Run {
                        kind,
                        event: run::Event::Online,
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::SaveJournal(text) => browser::store_session(JOURNAL_KEY, Some(&text))?,
            Effect::RemoveJournal => browser::store_session(JOURNAL_KEY, None)?,
            Effect::GuardUnload(on) => browser::guard_unload(on),
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
                    journal: browser::load_session(JOURNAL_KEY),
                    seed: browser::random_bytes().unwrap_or_default(),
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

    let revealed = use_state(|| false);
    let passphrase = use_state(|| {
        browser::random_bytes()
            .map(|b| bundle::generate_passphrase(b).expose_secret().to_owned())
            .unwrap_or_default()
    });
    let on_mailbox = {
        let driver = driver.clone();
        Callback::from(move |address: String| match browser::random_bytes() {
            Ok(seed) => driver.dispatch(Event::MailboxSubmitted(MailboxRequest {
                address,
                seed,
                now_ms: browser::now_ms(),
            })),
            Err(e) => driver.dispatch(Event::BrowserFailed(e)),
        })
    };
    let on_scope = {
        let driver = driver.clone();
        Callback::from(move |a: ScopeAnswer| {
            driver.dispatch(Event::ScopeChosen {
                target: a.target,
                denied: a.denied,
                options: a.options,
            })
        })
    };
    let back = |step: Step| {
        let driver = driver.clone();
        Callback::from(move |_| driver.dispatch(Event::Back(step)))
    };
    let on_apply = {
        let driver = driver.clone();
        Callback::from(
            move |_| match (browser::random_bytes(), browser::random_bytes()) {
                (Ok(run_id), Ok(seed)) => driver.dispatch(Event::ApplyClicked {
                    run_id,
                    seed,
                    now_ms: browser::now_ms(),
                }),
                (Err(e), _) | (_, Err(e)) => driver.dispatch(Event::BrowserFailed(e)),
            },
        )
    };
    let command = |make: fn() -> run::Event| {
        let driver = driver.clone();
        Callback::from(move |_| {
            driver.dispatch(Event::ApplyCommand {
                event: make(),
                now_ms: browser::now_ms(),
            })
        })
    };
    let on_download = {
        let driver = driver.clone();
        Callback::from(move |kind: FileKind| {
            let file = files::render(&driver.state.borrow(), &driver.config, &kind);
            match file.and_then(|f| browser::download(&f.name, f.mime, &f.bytes)) {
                // A bundle with the secret left the page: it counts as saved (no unload
                // warning; a reload no longer replaces the secret).
                Ok(())
                    if matches!(
                        kind,
                        FileKind::BundleForVendor
                            | FileKind::BundleWithPassphrase(_)
                            | FileKind::BundleJson
                            | FileKind::BundleEnv
                    ) && !driver.state.borrow().setup.handed_off =>
                {
                    driver.dispatch(Event::ApplyCommand {
                        event: run::Event::SecretHandedOff,
                        now_ms: browser::now_ms(),
                    })
                }
                Ok(()) => {}
                Err(e) => driver.dispatch(Event::BrowserFailed(e)),
            }
        })
    };
    let on_download_log = {
        let driver = driver.clone();
        Callback::from(move |_| {
            let log = driver
                .state
                .borrow()
                .setup
                .apply
                .as_ref()
                .map(|r| r.log_json())
                .unwrap_or_default();
            if let Err(e) =
                browser::download("mailgrant-log.json", "application/json", log.as_bytes())
            {
                driver.dispatch(Event::BrowserFailed(e));
            }
        })
    };
    let on_copy_secret = {
        let driver = driver.clone();
        Callback::from(move |_| {
            if let Some(secret) = &driver.state.borrow().setup.secret {
                browser::copy_text(secret.expose_secret());
            }
        })
    };
    let on_copy_script = {
        let driver = driver.clone();
        Callback::from(move |_| {
            let state = driver.state.borrow();
            if let Ok(text) = state
                .script_input(&driver.config)
                .map_err(|e| e.to_string())
                .and_then(|i| powershell::setup_script(&i).map_err(|e| e.to_string()))
            {
                browser::copy_text(&text);
            }
        })
    };
    let on_reveal = {
        let revealed = revealed.clone();
        Callback::from(move |on| revealed.set(on))
    };
    let on_forget = {
        let driver = driver.clone();
        Callback::from(move |_| driver.dispatch(Event::ForgetSecret))
    };

    let s = state.borrow();
    let config = &props.config;
    let step_view = match s.step {
        Step::Mailbox => html! { <MailboxStep on_submit={on_mailbox} busy={s.busy}
        sign_in_again={s.needs_sign_in_again()} on_sign_in={on_sign_in.clone()} /> },
        Step::Scope => {
            let (name, address) = match (s.mailbox_found(), &s.setup.inputs) {
                (Some((_, name)), Some(i)) => (name, i.mailbox.to_string()),
                _ => (String::new(), String::new()),
            };
            let app_exists = s.setup.findings.as_ref().is_some_and(|f| f.app.is_some());
            html! { <ScopeStep mailbox_name={name} mailbox_address={address} {app_exists}
            on_choose={on_scope} on_back={back(Step::Mailbox)} /> }
        }
        Step::Review => match &s.setup.plan {
            Some(plan) => html! { <ReviewStep lines={plan.review()} notices={plan.notices.clone()}
            on_apply={on_apply} on_back={back(Step::Scope)} /> },
            None => html! {},
        },
        Step::Apply => match &s.setup.apply {
            Some(r) => {
                let status = r.status();
                let text = match (&status, r.undoing()) {
                    (run::Status::Running, false) => "Working…".to_owned(),
                    (run::Status::Running, true) => "Undoing…".to_owned(),
                    (run::Status::Offline, _) => {
                        "Offline: waiting for the network, then the page checks what was done."
                            .to_owned()
                    }
                    (run::Status::Paused(p), _) => format!("Paused: {}", p.explain().title),
                    (run::Status::Failed(e), _) => format!("Stopped: {e}"),
                    (run::Status::Done, true) => {
                        "Undone: everything this run created was deleted.".to_owned()
                    }
                    (run::Status::Done, false) => "Done.".to_owned(),
                };
                let can_resume = matches!(status, run::Status::Paused(_));
                let can_undo = matches!(status, run::Status::Failed(_) | run::Status::Paused(_))
                    && !r.undoing();
                let sign_in_again = s.needs_sign_in_again();
                html! { <ApplyStep status={text} log={r.log().to_vec()} {can_resume} {can_undo}
                    {sign_in_again} on_sign_in={on_sign_in.clone()}
                on_resume={command(|| run::Event::Resume)} on_undo={command(|| run::Event::Undo)}
                on_download_log={on_download_log} /> }
            }
            None => html! {},
        },
        Step::HandOff => {
            let script = s.script_input(config);
            let (setup_script, setup_file, rollback_file) = match &script {
                Ok(i) => (
                    powershell::setup_script(i).unwrap_or_else(|e| e.to_string()),
                    powershell::file_name(i, false),
                    powershell::file_name(i, true),
                ),
                Err(e) => (e.to_string(), String::new(), String::new()),
            };
            let ctx = s
                .setup
                .apply
                .as_ref()
                .map(|r| r.context().clone())
                .unwrap_or_default();
            let show = |v: Option<String>| AttrValue::from(v.unwrap_or_else(|| "—".into()));
            let summary: Vec<(AttrValue, AttrValue)> = vec![
                (
                    "Tenant id".into(),
                    show(s.session.as_ref().and_then(|x| x.tenant_id())),
                ),
                (
                    "Application (client) id".into(),
                    show(ctx.app_id.map(|x| x.to_string())),
                ),
                ("App object id".into(), show(ctx.app.map(|x| x.to_string()))),
                (
                    "Service principal object id".into(),
                    show(ctx.sp.map(|x| x.to_string())),
                ),
                (
                    "Client secret id (not the secret)".into(),
                    show(ctx.key_id.map(|x| x.to_string())),
                ),
                ("Client secret expires".into(), show(ctx.secret_end.clone())),
                (
                    "Mailbox".into(),
                    show(s.setup.inputs.as_ref().map(|i| i.mailbox.to_string())),
                ),
                (
                    "Mailbox object id".into(),
                    show(s.mailbox_found().map(|(id, _)| id.to_string())),
                ),
            ];
            let revealed_text = (*revealed)
                .then(|| {
                    s.setup
                        .secret
                        .as_ref()
                        .map(|x| AttrValue::from(x.expose_secret().to_owned()))
                })
                .flatten();
            html! { <HandOffStep {summary} setup_script={setup_script} setup_file={setup_file}
            rollback_file={rollback_file} has_recipient={config.vendor.age_recipient.is_some()}
            has_secret={s.setup.secret.is_some()} revealed={revealed_text}
            handed_off={s.setup.handed_off} on_reveal={on_reveal} on_copy_secret={on_copy_secret}
            on_forget={on_forget} on_saved={command(|| run::Event::SecretHandedOff)}
            on_download={on_download} on_copy_script={on_copy_script}
            on_undo={command(|| run::Event::Undo)}
            suggested_passphrase={(*passphrase).clone()} /> }
        }
        _ => html! {},
    };
    let body = match &s.session {
        Some(session) if !(s.step == Step::SignIn && s.busy) => html! {
            <>
                <SignedIn admin={session.admin_label()}
                    tenant_name={session.organization.as_ref().and_then(|o| o.display_name.clone())}
                    tenant_id={session.tenant_id()}
                    mode={s.mode} roles={session.roles.clone()}
                    unknowns={session.unknowns.clone()} on_sign_out={on_sign_out}
                    can_change_mode={s.can_change_mode()} on_mode={on_mode.clone()}
                    missing={s.missing_scopes()} on_grant={on_sign_in.clone()} />
                { step_view }
            </>
        },
        _ if s.step == Step::Welcome || s.error.is_some() => html! {
            <Welcome config={config.clone()} mode={s.mode} on_mode={on_mode}
                on_sign_in={on_sign_in} busy={s.busy} interrupted={s.has_interrupted_setup()}
                scopes={s.requested_scopes()} entra={s.provider_is_entra()} />
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
