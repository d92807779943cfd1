//! The bootstrap (binary `welcome`): the first load. It draws Welcome, from the core's model
//! ([`BootWelcome`]) and the page's own component, while the page's module (binary `mailgrant`,
//! everything after Welcome) loads in the background; Sign in hands the page over to that
//! module, which signs in. A return from the sign-in page, or a setup to continue in this tab,
//! goes to the page's module at once.

use std::cell::RefCell;
use std::rc::Rc;

use mailgrant_core::config::{Config, ConfigError};
use mailgrant_core::explain::Explain;
use mailgrant_core::wizard::boot::{self, BootError, BootWelcome, First};
use mailgrant_core::wizard::setup::JOURNAL_KEY;
use mailgrant_core::wizard::{view, Step};
use yew::prelude::*;

use crate::browser;
use crate::ui::{
    config_error_page, error_banner, header, loading_page, step_list, welcome, ErrorBannerProps,
    WelcomeProps,
};

thread_local! {
    /// The bootstrap's own drawing, taken away when the page's module takes over.
    static HANDLE: RefCell<Option<yew::AppHandle<Boot>>> = const { RefCell::new(None) };
}

/// Draws the first page on `<body>`.
pub fn start() {
    let handle = yew::Renderer::<Boot>::new().render();
    HANDLE.with(|h| *h.borrow_mut() = Some(handle));
}

fn take_away() {
    if let Some(handle) = HANDLE.with(|h| h.borrow_mut().take()) {
        handle.destroy();
    }
}

#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed(ConfigError),
    /// The configuration, and the text it was read from (handed over).
    Ready(Rc<Config>, Rc<str>),
    /// The page's module did not load for a load that needs it at once.
    PageFailed(BootError),
}

/// Hands over to the page's module, or says why it could not.
async fn hand_over(intent: crate::Intent) -> Result<(), BootError> {
    browser::page::hand_over(&intent, take_away)
        .await
        .map_err(BootError::PageUnavailable)
}

#[function_component(Boot)]
fn boot() -> Html {
    let loaded = use_state(|| Loaded::Loading);
    let attempt = use_state(|| 0u32);
    {
        let loaded = loaded.clone();
        use_effect_with(*attempt, move |_| {
            let query = browser::signin::current_query();
            let pending = browser::signin::load_pending().is_some();
            let journal = browser::load_session(JOURNAL_KEY).is_some();
            wasm_bindgen_futures::spawn_local(async move {
                match boot::first(&query, pending, journal) {
                    First::Page => {
                        if let Err(e) = hand_over(crate::Intent::default()).await {
                            loaded.set(Loaded::PageFailed(e));
                        }
                    }
                    First::Welcome { remove_pending } => {
                        if remove_pending {
                            browser::signin::remove_pending();
                        }
                        let text = browser::config::fetch().await;
                        loaded.set(
                            match text.and_then(|t| Ok((browser::config::read(&t)?, t))) {
                                Ok((config, text)) => Loaded::Ready(Rc::new(config), text.into()),
                                Err(e) => Loaded::Failed(e),
                            },
                        );
                    }
                }
            });
        });
    }
    use_effect_with(matches!(*loaded, Loaded::PageFailed(_)), |failed| {
        if *failed {
            browser::show_step("Problem: the page did not load", "#error h2");
        }
    });
    let retry = {
        let (loaded, attempt) = (loaded.clone(), attempt.clone());
        Callback::from(move |()| {
            loaded.set(Loaded::Loading);
            attempt.set(*attempt + 1);
        })
    };
    match &*loaded {
        Loaded::Loading => loading_page(),
        Loaded::Failed(error) => config_error_page(&error.explain()),
        Loaded::PageFailed(error) => {
            let e = error.explain();
            html! {
                <>
                    { header(None) }
                    <main>{ error_banner(&ErrorBannerProps {
                        title: e.title.into(),
                        detail: e.detail.into(),
                        fix: e.fix.into(),
                        on_try_again: Some(retry),
                        saved_run: None,
                    }) }</main>
                </>
            }
        }
        Loaded::Ready(config, text) => {
            html! { <BootWelcomeStep config={config.clone()} text={text.clone()} /> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct StepProps {
    config: Rc<Config>,
    /// `config.json`'s text, for the page's module.
    text: Rc<str>,
}

/// Welcome, until Sign in hands over.
#[function_component(BootWelcomeStep)]
fn boot_welcome_step(props: &StepProps) -> Html {
    let config = props.config.clone();
    let model = use_mut_ref(|| BootWelcome::new(&config));
    // The authority's discovery answer, for the page's module.
    let answer = use_mut_ref(|| None::<(u16, String)>);
    let busy = use_state(|| false);
    let failed = use_state(|| None::<BootError>);
    let force = use_force_update();
    {
        let (model, answer, config, force) =
            (model.clone(), answer.clone(), config.clone(), force.clone());
        use_effect_with((), move |_| {
            browser::show_step(&BootWelcome::title(&config), "main h1");
            // Sign in will need the page's module: it loads while the admin reads.
            browser::page::prefetch();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok((status, body)) =
                    browser::get_text(&BootWelcome::discovery_url(&config)).await
                {
                    model.borrow_mut().discovered(&config, status, &body);
                    *answer.borrow_mut() = Some((status, body));
                    force.force_update();
                }
            });
        });
    }
    let on_mode = {
        let (model, force) = (model.clone(), force.clone());
        Callback::from(move |mode| {
            model.borrow_mut().choose(mode);
            force.force_update();
        })
    };
    let on_sign_in = {
        let (model, answer, busy, failed) =
            (model.clone(), answer.clone(), busy.clone(), failed.clone());
        let text = props.text.clone();
        Callback::from(move |()| {
            let intent = crate::Intent {
                mode: Some(model.borrow().mode()),
                sign_in: true,
                config: Some(text.to_string()),
                discovery: answer.borrow().clone(),
            };
            let (busy, failed) = (busy.clone(), failed.clone());
            busy.set(true);
            failed.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = hand_over(intent).await {
                    busy.set(false);
                    failed.set(Some(e));
                }
            });
        })
    };
    {
        // A problem takes the focus and names the page, as on the page's own steps.
        let problem = failed
            .as_ref()
            .map(|e| view::problem_title(&e.explain(), &config));
        use_effect_with(problem, |problem| {
            if let Some(title) = problem {
                browser::show_step(title, "#error h2");
            }
        });
    }
    let mut view = model.borrow().view(&config);
    view.busy |= *busy;
    let banner = match &*failed {
        Some(error) => {
            let e = error.explain();
            error_banner(&ErrorBannerProps {
                title: e.title.into(),
                detail: e.detail.into(),
                fix: e.fix.into(),
                on_try_again: Some(on_sign_in.clone()),
                saved_run: None,
            })
        }
        None => html! {},
    };
    html! {
        <>
            { header(Some(AttrValue::from(config.vendor.name.clone()))) }
            <div class="layout">
                { step_list(Step::Welcome) }
                <main>
                    { banner }
                    { welcome(&WelcomeProps {
                        config: config.clone(),
                        view,
                        on_mode,
                        on_sign_in,
                    }) }
                </main>
            </div>
        </>
    }
}
