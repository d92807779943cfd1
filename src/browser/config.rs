//! Loads `config.json` from beside `index.html`.

use mailgrant_core::config::{self, Config, ConfigError};

pub async fn load() -> Result<Config, ConfigError> {
    match super::get_text("config.json").await {
        Err(reason) => Err(ConfigError::Unreachable(reason)),
        Ok((200, body)) => config::parse_for_page(&body, &page_origin(), super::now_ms()),
        Ok((status, _)) => Err(ConfigError::Unreachable(format!(
            "the server answered HTTP {status} for config.json"
        ))),
    }
}

/// `location.origin`; empty (so never equal to a configured origin) if the browser hides it.
fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}
