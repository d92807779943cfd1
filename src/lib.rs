//! The page: a thin yew shell around `mailgrant-core`. Components render state and turn clicks
//! into actions; `browser/` performs the I/O (HTTP, storage, redirects, randomness). Decisions
//! live in the core. Two binaries: `welcome`, the first load ([`boot`]), and `mailgrant`, the
//! page's own module ([`app`]), which the first hands the page over to.

pub mod app;
pub mod boot;
pub mod browser;
pub mod ui;

/// What the bootstrap hands the page's module: what the admin did on Welcome (the mode, Sign
/// in) and what it had read (`config.json`'s text, checked again by the page; the authority's
/// discovery answer), so the page asks for neither again; and the sign-in page's answer, which
/// the bootstrap took out of the address bar (its `code`: never printed, so no `Debug`).
#[derive(Clone, Default, PartialEq)]
pub struct Intent {
    pub mode: Option<mailgrant_core::config::ScopeMode>,
    pub sign_in: bool,
    pub config: Option<String>,
    pub discovery: Option<(u16, String)>,
    /// The query of the return from the sign-in page (`?code=…&state=…`).
    pub answer: Option<String>,
}

/// Mounts the page's app on `<body>`. The sign-in answer leaves the intent first: it is kept
/// until the page reads it once ([`browser::signin::take_answer`]), not in the app's props.
pub fn start(mut intent: Intent) {
    if let Some(answer) = intent.answer.take() {
        browser::signin::keep_answer(answer);
    }
    yew::Renderer::<app::App>::with_props(app::AppProps { intent }).render();
}
