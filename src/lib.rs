//! The page: a thin yew shell around `mailgrant-core`. Components render state and turn clicks
//! into actions; `browser/` performs the I/O (HTTP, storage, redirects, randomness). Decisions
//! live in the core.

pub mod app;
pub mod browser;
pub mod ui;

/// Mounts the app on `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
