//! Loads `config.json` from beside `index.html`.

use mailgrant_core::config::{self, Config, ConfigError};

/// `config.json`'s text.
pub async fn fetch() -> Result<String, ConfigError> {
    match super::get_text("config.json").await {
        Err(reason) => Err(ConfigError::Unreachable(reason)),
        Ok((200, body)) => Ok(body),
        Ok((status, _)) => Err(ConfigError::Unreachable(format!(
            "the server answered HTTP {status} for config.json"
        ))),
    }
}

/// The configuration in `text`, checked for this page (its origin, the time now).
pub fn read(text: &str) -> Result<Config, ConfigError> {
    config::parse_for_page(text, &page_origin(), super::now_ms())
}

/// `location.origin`; empty (so never equal to a configured origin) if the browser hides it.
fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}
