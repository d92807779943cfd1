//! The root component: loads `config.json`, then runs the wizard: one reducer in the core
//! (`mailgrant_core::wizard::State::update`), whose effects this file executes, and one screen
//! model (`State::view`), which the components draw.

use std::cell::RefCell;
use std::rc::Rc;

use mailgrant_core::auth::SignInRandomness;
use mailgrant_core::bundle;
use mailgrant_core::config::{Config, ConfigError};
use mailgrant_core::explain::Explain;
use mailgrant_core::run;
use mailgrant_core::wizard::setup::JOURNAL_KEY;
use mailgrant_core::wizard::view::{Screen, SignedIn as SignedInView, StepView};
use mailgrant_core::wizard::{Effect, Event, FileKind, MailboxRequest, State, Step};
use yew::prelude::*;

use crate::browser;
use crate::ui::{
    apply_step, config_error_page, error_banner, header, loading_page, mailbox_step,
    page_access_view, review_step, signed_in, step_list, welcome, ApplyStepProps, ErrorBannerProps,
    HandOffStep, MailboxStepProps, ReviewStepProps, ScopeStep, SignedInProps, WelcomeProps,
};

/// What the page knows about its configuration.
#[derive(Clone, PartialEq)]
pub enum Loaded {
    Loading,
    Failed(ConfigError),
    Ready(Rc<Config>),
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub intent: crate::Intent,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let loaded = use_state(|| Loaded::Loading);
    {
        let (loaded, text) = (loaded.clone(), props.intent.config.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let text = match text {
                    Some(text) => Ok(text),
                    None => browser::config::fetch().await,
                };
                loaded.set(match text.and_then(|t| browser::config::read(&t)) {
                    Ok(config) => Loaded::Ready(Rc::new(config)),
                    Err(e) => {
                        browser::signin::forget_callback();
                        Loaded::Failed(e)
                    }
                });
            });
        });
    }
    match &*loaded {
        Loaded::Loading => loading_page(),
        Loaded::Failed(error) => config_error_page(&error.explain()),
        Loaded::Ready(config) => {
            html! { <Wizard config={config.clone()} intent={props.intent.clone()} /> }
        }
    }
}

/// Feeds events to the core's reducer and executes the effects it returns.
#[derive(Clone)]
struct Driver {
    state: Rc<RefCell<std::mem::ManuallyDrop<State>>>,
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
            if let Err(failed) = self.execute(effect) {
                self.dispatch(match failed {
                    Failed::Browser(reason) => Event::BrowserFailed(reason),
                    Failed::Download(reason) => Event::DownloadFailed(reason),
                });
                break;
            }
        }
    }

    /// A callback that dispatches `event`. A function pointer, not a closure type: one copy of
    /// this per argument type in the wasm, not one per call site.
    fn on<T: 'static>(&self, event: fn(T) -> Event) -> Callback<T> {
        let driver = self.clone();
        Callback::from(move |x| driver.dispatch(event(x)))
    }

    /// Runs an effect; a browser facility that fails says so.
    fn execute(&self, effect: Effect) -> Result<(), Failed> {
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
                deadline,
                deadline_ms,
                method,
                url,
                headers,
                body,
                bearer,
            } => {
                let abort = browser::Abort::new();
                {
                    // The deadline: abort the request and say so (a late answer is ignored).
                    let (driver, abort) = (self.clone(), abort.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        yew::platform::time::sleep(std::time::Duration::from_millis(deadline_ms))
                            .await;
                        if abort.fire() {
                            driver.dispatch(Event::Run {
                                kind,
                                event: run::Event::TimerFired { timer: deadline },
                                now_ms: browser::now_ms(),
                            });
                        }
                    });
                }
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let token = bearer.as_ref().map(|t| t.expose_secret());
                    let reply =
                        browser::send_graph(method, &url, &headers, body, token, &abort).await;
                    if abort.finish() {
                        driver.dispatch(Event::Run {
                            kind,
                            event: run::Event::Replied { attempt, reply },
                            now_ms: browser::now_ms(),
                        });
                    }
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
            Effect::Tick => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    yew::platform::time::sleep(std::time::Duration::from_secs(1)).await;
                    driver.dispatch(Event::Tick {
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::PrefetchHandOff => browser::handoff::prefetch(),
            Effect::WriteScript { input } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = browser::handoff::script_text(&input).await;
                    driver.dispatch(Event::ScriptWritten { input, result });
                });
            }
            Effect::HandOffModule {
                kind,
                mut file,
                task,
            } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = browser::handoff::run(&file.bytes, &task)
                        .await
                        .map(|bytes| {
                            file.bytes = bytes;
                            file
                        });
                    driver.dispatch(Event::FromModule { kind, result });
                });
            }
            Effect::HoldRun { run_id, name } => {
                let driver = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // A browser facility that fails (no lock manager) must not block the run:
                    // Web Locks exist in every browser the page supports.
                    let held = browser::lock::hold(&name).await.unwrap_or(true);
                    driver.dispatch(Event::RunHeld {
                        run_id,
                        held,
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::SaveJournal(text) => {
                browser::store_session(JOURNAL_KEY, Some(&text)).map_err(Failed::Browser)?
            }
            Effect::RemoveJournal => {
                browser::store_session(JOURNAL_KEY, None).map_err(Failed::Browser)?
            }
            Effect::GuardUnload(on) => browser::guard_unload(on),
            Effect::SavePending(text) => {
                browser::signin::save_pending(&text).map_err(Failed::Browser)?
            }
            Effect::RemovePending => browser::signin::remove_pending(),
            Effect::StripCallbackFromUrl => {
                browser::signin::strip_callback_from_url().map_err(Failed::Browser)?
            }
            Effect::Navigate(url) => browser::navigate(&url).map_err(Failed::Browser)?,
            Effect::Download { kind, file } => {
                browser::download(&file.name, file.mime, &file.bytes).map_err(Failed::Download)?;
                let driver = self.clone();
                // After this dispatch returns: the core hears the file was saved.
                wasm_bindgen_futures::spawn_local(async move {
                    driver.dispatch(Event::Downloaded {
                        kind,
                        now_ms: browser::now_ms(),
                    });
                });
            }
            Effect::Copy { what, text } => {
                let driver = self.clone();
                browser::copy_text(&text.0, move |ok| {
                    driver.dispatch(Event::Copied {
                        what,
                        ok,
                        now_ms: browser::now_ms(),
                    })
                });
            }
        }
        Ok(())
    }
}

/// A browser facility that failed, for the reducer to explain.
enum Failed {
    Browser(String),
    Download(String),
}

#[derive(Properties, PartialEq)]
pub struct WizardProps {
    pub config: Rc<Config>,
    pub intent: crate::Intent,
}

/// The wizard once the configuration is known.
#[function_component(Wizard)]
pub fn wizard(props: &WizardProps) -> Html {
    // Never dropped: App draws the wizard once and never takes it away, so the state lives as
    // long as the page; its drop glue would cost the page's module 1.1 kB gzip'd (measured).
    // What it holds that is secret is forgotten by the reducer (Sign out, Forget), not by a drop.
    let state = use_mut_ref(|| std::mem::ManuallyDrop::new(State::new(&props.config)));
    let force = use_force_update();
    let driver = Driver {
        state: state.clone(),
        config: props.config.clone(),
        rerender: Rc::new(move || force.force_update()),
    };
    {
        let (driver, discovery) = (driver.clone(), props.intent.discovery.clone());
        use_effect_with((), move |_| {
            let restored = driver.clone();
            browser::on_page_restored(move || restored.dispatch(Event::Restored));
            let moved = driver.clone();
            browser::on_history(move |step| {
                match browser::random_bytes() {
                    Ok(seed) => moved.dispatch(Event::History {
                        step,
                        seed,
                        now_ms: browser::now_ms(),
                    }),
                    Err(e) => moved.dispatch(Event::BrowserFailed(e)),
                }
                // A move the setup refused (into a run, say): the entry shows the step again.
                let entry = moved.state.borrow().history_entry();
                if let Some(id) = entry {
                    browser::history_show(id);
                }
            });
            match browser::redirect_uri() {
                Ok(redirect_uri) => driver.dispatch(Event::Loaded {
                    redirect_uri,
                    // With the answer the bootstrap took out of the address bar, used once.
                    query: browser::signin::query_once(),
                    pending: browser::signin::load_pending(),
                    journal: browser::load_session(JOURNAL_KEY),
                    seed: browser::random_bytes().unwrap_or_default(),
                    discovery: discovery.clone(),
                }),
                Err(e) => driver.dispatch(Event::BrowserFailed(e)),
            };
        });
    }
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
    {
        // What the admin did on the bootstrap's Welcome, after the page's load (effects run in
        // order): the mode, then Sign in.
        let (driver, on_sign_in, intent) =
            (driver.clone(), on_sign_in.clone(), props.intent.clone());
        use_effect_with((), move |_| {
            if let Some(mode) = intent.mode {
                driver.dispatch(Event::ModeChosen(mode));
            }
            if intent.sign_in {
                on_sign_in.emit(());
            }
        });
    }
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
        Callback::from(move |answer| match browser::random_bytes() {
            Ok(seed) => driver.dispatch(Event::ScopeChosen {
                answer,
                seed,
                now_ms: browser::now_ms(),
            }),
            Err(e) => driver.dispatch(Event::BrowserFailed(e)),
        })
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
        Callback::from(move |()| {
            driver.dispatch(Event::ApplyCommand {
                event: make(),
                now_ms: browser::now_ms(),
            })
        })
    };
    let revealed = use_state(|| false);
    let passphrase = use_state(|| {
        browser::random_bytes()
            .map(|b| bundle::generate_passphrase(b).expose_secret().to_owned())
            .unwrap_or_default()
    });
    let on_reveal = {
        let revealed = revealed.clone();
        Callback::from(move |on| revealed.set(on))
    };

    let s = state.borrow();
    let config = &props.config;
    let view = s.view(config);
    let step_view = |step: StepView| match step {
        StepView::None => html! {},
        StepView::Mailbox {
            address,
            busy,
            sign_in_again,
            suggestions,
        } => mailbox_step(&MailboxStepProps {
            address: AttrValue::from(address),
            on_submit: on_mailbox.clone(),
            busy,
            sign_in_again,
            on_sign_in: on_sign_in.clone(),
            suggestions,
            on_typing: driver.on(Event::MailboxTyping),
        }),
        StepView::Scope {
            mailbox_name,
            mailbox_address,
            mailbox_id,
            mailbox_note,
            app_exists,
            unscoped_grant,
            problem,
            busy,
            answer,
            group_choices,
        } => {
            html! { <ScopeStep {mailbox_name} {mailbox_address} mailbox_id={AttrValue::from(mailbox_id)}
            mailbox_note={mailbox_note.map(AttrValue::from)} {app_exists} {group_choices} {unscoped_grant} {answer}
            problem={problem.map(|p| AttrValue::from(p.message))} {busy}
            on_choose={on_scope.clone()}
            on_back={driver.on(|()| Event::Back(Step::Mailbox))} /> }
        }
        StepView::Review {
            summary,
            lines,
            notices,
        } => review_step(&ReviewStepProps {
            summary,
            lines,
            notices,
            on_apply: on_apply.clone(),
            on_back: driver.on(|()| Event::Back(Step::Scope)),
        }),
        StepView::Apply(a) => apply_step(&ApplyStepProps {
            title: a.title,
            progress: a.progress.into(),
            checklist: a.checklist,
            status: a.status.into(),
            log: a.log,
            can_resume: a.can_resume,
            can_undo: a.can_undo,
            on_resume: command(|| run::Event::Resume),
            sign_in_again: a.sign_in_again,
            on_sign_in: on_sign_in.clone(),
            on_undo: command(|| run::Event::Undo),
            on_download_log: driver.on(|()| Event::Download(FileKind::Log)),
            script: a.script,
            on_code: driver.on(|code| Event::ScriptCode {
                code,
                now_ms: browser::now_ms(),
            }),
            on_copy: driver.on(Event::Copy),
            copied: view.copied.clone(),
            on_download: driver.on(Event::Download),
            on_retry_script: driver.on(|()| Event::RetryScript),
            other_credential: a.other_credential.map(AttrValue::from),
            on_other_credential: driver.on(|()| Event::NextCredential {
                now_ms: browser::now_ms(),
            }),
            can_start_over: a.can_start_over,
            on_start_over: driver.on(|()| Event::StartOver),
        }),
        StepView::HandOff(h) => {
            let revealed_text = (*revealed)
                .then(|| {
                    s.setup
                        .secret
                        .as_ref()
                        .map(|x| AttrValue::from(x.expose_secret().to_owned()))
                })
                .flatten();
            html! { <HandOffStep heading={h.heading} scope_note={h.scope_note}
            script_first={h.script_first} summary={h.summary} script={h.script}
            has_recipient={h.has_recipient} no_secret={h.no_secret}
            secret_kind={h.secret_kind} credential={h.credential} reminder={h.reminder}
            notes={h.notes} expires={h.expires}
            revealed={revealed_text} handed_off={h.handed_off} can_undo={h.can_undo}
            on_reveal={on_reveal.clone()} on_copy={driver.on(Event::Copy)} copied={view.copied.clone()}
            on_forget={driver.on(|()| Event::ForgetSecret)}
            on_saved={command(|| run::Event::SecretHandedOff)}
            on_download={driver.on(Event::Download)}
            on_retry_script={driver.on(|()| Event::RetryScript)}
            on_undo={command(|| run::Event::Undo)}
            suggested_passphrase={(*passphrase).clone()} /> }
        }
    };
    {
        // Each new step (or error) names the page and takes the focus, for keyboard and screen
        // reader users; the core chose the words.
        let has_error = view.error.is_some();
        use_effect_with(
            (view.history_entry, has_error, view.title.clone()),
            move |(entry, has_error, title)| {
                browser::show_step(title, if *has_error { "#error h2" } else { "main h1" });
                // The signed-in steps are history entries (Back and Forward move between them).
                if let Some(id) = entry {
                    browser::history_show(id);
                }
            },
        );
    }
    let announcement = view.copied.as_ref().map(|c| c.message).unwrap_or_default();
    // The problem, if any: after who is signed in, just above the step it concerns.
    let banner = match &view.error {
        Some(e) => error_banner(&ErrorBannerProps {
            title: e.title.clone().into(),
            detail: e.detail.clone().into(),
            fix: e.fix.clone().into(),
            on_try_again: Some(driver.on(|()| Event::TryAgain)),
            saved_run: view.saved_run_damaged.then(|| {
                (
                    driver.on(|()| Event::Download(FileKind::SavedRun)),
                    driver.on(|()| Event::DiscardSavedRun),
                )
            }),
        }),
        None => html! {},
    };
    let body = match view.screen {
        Screen::SignedIn(screen) => {
            let SignedInView {
                account,
                step,
                page_access,
            } = *screen;
            html! {
            <>
                { signed_in(&SignedInProps {
                    admin: account.admin.into(),
                    tenant_name: account.tenant_name,
                    tenant_id: account.tenant_id,
                    mode: account.mode,
                    roles: account.roles,
                    unknowns: account.unknowns,
                    on_sign_out: driver.on(|()| Event::SignOut),
                    sign_out_blocked: account.sign_out_blocked,
                    can_change_mode: account.can_change_mode,
                    on_mode: driver.on(Event::ModeChosen),
                    missing: account.missing,
                    on_grant: on_sign_in.clone(),
                    exchange_note: account.exchange_note,
                }) }
                { banner }
                { step_view(step) }
                if let Some(state) = page_access {
                    { page_access_view(state, &config.client_id.to_string(), &driver.on(|()| Event::RemovePageAccess)) }
                }
            </>
            }
        }
        Screen::Welcome(w) => html! {
            <>
            { banner }
            { welcome(&WelcomeProps {
                config: config.clone(),
                view: w,
                on_mode: driver.on(Event::ModeChosen),
                on_sign_in: on_sign_in.clone(),
            }) }
            </>
        },
        Screen::SigningIn => html! { <p id="signing-in" class="muted">{ "Signing in…" }</p> },
    };
    html! {
        <>
            { header(Some(AttrValue::from(config.vendor.name.clone()))) }
            <div class="layout">
                { step_list(view.step) }
                <main>
                    { body }
                    <p id="announce" class="visually-hidden" aria-live="polite">{ announcement }</p>
                </main>
            </div>
        </>
    }
}
