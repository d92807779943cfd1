//! The page: a thin yew shell around `mailgrant-core`. Components render state and turn clicks
//! into actions; `browser/` performs the I/O (HTTP, storage, redirects, randomness). Decisions
//! live in the core. Two binaries: `welcome`, the first load ([`boot`]), and `mailgrant`, the
//! page's own module ([`app`]), which the first hands the page over to.

pub mod app;
pub mod boot;
pub mod browser;
pub mod ui;

/// What the admin did before the page's module took over: the mode chosen on Welcome, and
/// whether they clicked Sign in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Intent {
    pub mode: Option<mailgrant_core::config::ScopeMode>,
    pub sign_in: bool,
}

/// Mounts the page's app on `<body>`.
pub fn start(intent: Intent) {
    yew::Renderer::<app::App>::with_props(app::AppProps { intent }).render();
}
