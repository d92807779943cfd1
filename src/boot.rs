//! The bootstrap (binary `welcome`): the first load. It draws Welcome, from the core's model
//! ([`BootWelcome`]) and the page's own component, while the page's module (binary `mailgrant`,
//! everything after Welcome) loads in the background; Sign in hands the page over to that
//! module, which signs in. A return from the sign-in page, or a setup to continue in this tab,
//! goes to the page's module at once. What to show, and what a failure says, is the core's.

use std::cell::RefCell;
use std::rc::Rc;

use mailgrant_core::config::{Config, ConfigError};
use mailgrant_core::explain::{Explain, Explanation};
use mailgrant_core::wizard::boot::{self, BootError, BootWelcome, First, Retry, Road};
use mailgrant_core::wizard::setup::JOURNAL_KEY;
use mailgrant_core::wizard::Step;
use yew::prelude::*;

use crate::browser;
use crate::browser::page::Failed;
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
    let query = browser::signin::current_query();
    if boot::first(&query, false, false) == First::Page(Road::Return) {
        // Out of the address bar and this history entry before anything loads (a failure to
        // remove it leaves it there, as the page's own removal would); kept for the hand-over
        // and Try again, dropped once handed over.
        let _ = browser::signin::strip_callback_from_url();
        browser::signin::keep_answer(query);
    }
    mount(None);
}

fn mount(failed: Option<BootError>) {
    let handle = yew::Renderer::<Boot>::with_props(BootProps { failed }).render();
    HANDLE.with(|h| *h.borrow_mut() = Some(handle));
}

/// The bootstrap's drawing is still there (the page's module has not taken it away).
fn still_drawn() -> bool {
    HANDLE.with(|h| h.borrow().is_some())
}

fn take_away() {
    if let Some(handle) = HANDLE.with(|h| h.borrow_mut().take()) {
        handle.destroy();
    }
}

/// Hands over to the page's module. `Some`: it did not load, and the bootstrap, still drawn,
/// is to show why. A module that loaded and then failed to start has taken the bootstrap's
/// drawing away: the bootstrap draws itself again with the failure (`None`), so the page is
/// never left blank.
async fn hand_over(intent: impl FnOnce() -> crate::Intent, road: Road) -> Option<BootError> {
    let error = match browser::page::hand_over(intent, take_away).await {
        Ok(()) => {
            // The page's module has the answer now: this module keeps no copy.
            browser::signin::take_answer();
            return None;
        }
        Err(Failed::Unavailable(reason)) => BootError::PageUnavailable { reason, road },
        Err(Failed::Start(reason)) => BootError::PageDidNotStart { reason, road },
    };
    if !still_drawn() {
        browser::page::clear_body();
        mount(Some(error));
        return None;
    }
    Some(error)
}

fn banner(e: Explanation, on_try_again: Callback<()>) -> Html {
    error_banner(&ErrorBannerProps {
        title: e.title.into(),
        detail: e.detail.into(),
        fix: e.fix.into(),
        on_try_again: Some(on_try_again),
        saved_run: None,
    })
}

#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed(ConfigError),
    /// The configuration, and the text it was read from (handed over).
    Ready(Rc<Config>, Rc<str>),
    /// The page's module did not load (or start) for a load that needs it.
    PageFailed(BootError),
}

#[derive(Properties, PartialEq)]
struct BootProps {
    /// Drawn again after the page's module failed to start.
    failed: Option<BootError>,
}

#[function_component(Boot)]
fn boot(props: &BootProps) -> Html {
    let loaded = use_state(|| match &props.failed {
        Some(e) => Loaded::PageFailed(e.clone()),
        None => Loaded::Loading,
    });
    let attempt = use_state(|| 0u32);
    {
        let (loaded, shown) = (loaded.clone(), props.failed.is_some());
        use_effect_with(*attempt, move |attempt| {
            if shown && *attempt == 0 {
                // Drawn again to show a failure: nothing to do until Try again.
                return;
            }
            let query = browser::signin::query_kept();
            let pending = browser::signin::load_pending().is_some();
            let journal = browser::load_session(JOURNAL_KEY).is_some();
            wasm_bindgen_futures::spawn_local(async move {
                match boot::first(&query, pending, journal) {
                    First::Page(road) => {
                        let intent = || crate::Intent {
                            answer: browser::signin::kept_answer(),
                            ..Default::default()
                        };
                        if let Some(error) = hand_over(intent, road).await {
                            loaded.set(Loaded::PageFailed(error));
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
    let problem = match &*loaded {
        Loaded::PageFailed(e) => Some(e.title()),
        _ => None,
    };
    use_effect_with(problem, |problem| {
        if let Some(title) = problem {
            browser::show_step(title, "#error h2");
        }
    });
    let retry = {
        let (loaded, attempt) = (loaded.clone(), attempt.clone());
        Callback::from(move |()| {
            if let Loaded::PageFailed(e) = &*loaded {
                if e.retry() == Retry::Reload {
                    browser::reload();
                    return;
                }
            }
            loaded.set(Loaded::Loading);
            attempt.set(*attempt + 1);
        })
    };
    match &*loaded {
        Loaded::Loading => loading_page(),
        Loaded::Failed(error) => config_error_page(&error.explain()),
        Loaded::PageFailed(error) => html! {
            <>
                { header(None) }
                <main>{ banner(error.explain(), retry) }</main>
            </>
        },
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
    // Never dropped: a model outlives its drawing only by the few kilobytes of a fresh State
    // (no token, no secret, no run: nothing is signed in yet) in this module's memory, which
    // lasts as long as the tab; dropping it would link a whole State's drop glue, runs and
    // journals included, into the first load (2.0 kB gzip'd, measured).
    let model = use_mut_ref(|| std::mem::ManuallyDrop::new(BootWelcome::new(&config)));
    let force = use_force_update();
    // This drawing is still on the page (a timer's end may come after it was taken away).
    let drawn = use_mut_ref(|| true);
    {
        let drawn = drawn.clone();
        use_effect_with((), move |_| move || *drawn.borrow_mut() = false);
    }
    {
        let (model, config, force) = (model.clone(), config.clone(), force.clone());
        use_effect_with((), move |_| {
            // Sign in will need the page's module: it loads while the admin reads.
            browser::page::prefetch();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok((status, body)) =
                    browser::get_text(&BootWelcome::discovery_url(&config)).await
                {
                    model.borrow_mut().discovered(&config, status, body);
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
        let (model, force, drawn) = (model.clone(), force.clone(), drawn.clone());
        let text = props.text.clone();
        Callback::from(move |()| {
            let attempt = model.borrow_mut().sign_in();
            force.force_update();
            {
                // A long wait for the page's module is said, while this Welcome is drawn.
                let (model, force, drawn) = (model.clone(), force.clone(), drawn.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let wait = std::time::Duration::from_millis(boot::SLOW_HAND_OVER_MS);
                    yew::platform::time::sleep(wait).await;
                    if model.borrow_mut().waited(attempt) && *drawn.borrow() {
                        force.force_update();
                    }
                });
            }
            let (model, force, text) = (model.clone(), force.clone(), text.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // What is handed over is read once the module is there: a discovery answer
                // that came while it loaded goes too (the mode cannot change meanwhile).
                let intent = || crate::Intent {
                    mode: Some(model.borrow().mode()),
                    sign_in: true,
                    config: Some(text.to_string()),
                    discovery: model.borrow().discovery_answer().cloned(),
                    answer: None,
                };
                if let Some(error) = hand_over(intent, Road::SignIn).await {
                    model.borrow_mut().hand_over_failed(error);
                    force.force_update();
                }
            });
        })
    };
    let title = model.borrow().title(&config);
    let problem = model.borrow().problem();
    use_effect_with((title, problem.is_some()), |(title, problem)| {
        // A problem takes the focus, as on the page's own steps.
        browser::show_step(title, if *problem { "#error h2" } else { "main h1" });
    });
    let view = model.borrow().view(&config);
    html! {
        <>
            { header(Some(AttrValue::from(config.vendor.name.clone()))) }
            <div class="layout">
                { step_list(Step::Welcome) }
                <main>
                    { problem.map_or_else(|| html! {}, |e| banner(e, on_sign_in.clone())) }
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
