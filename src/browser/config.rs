//! Loads `config.json` from beside `index.html`.

use mailgrant_core::config::{self, Config, ConfigError};

pub async fn load() -> Result<Config, ConfigError> {
    match super::get_text("config.json").await {
        Err(reason) => Err(ConfigError::Unreachable(reason)),
        Ok((200, body)) => config::parse(&body),
        Ok((status, _)) => Err(ConfigError::Unreachable(format!(
            "the server answered HTTP {status} for config.json"
        ))),
    }
}
