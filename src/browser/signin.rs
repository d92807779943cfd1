//! Starts sign-in: discovery, the authorize URL, and the short-lived sessionStorage entry that
//! carries `state`, `nonce` and the PKCE verifier across the redirect (and nothing else).

use mailgrant_core::auth::{self, Discovery, SignInRandomness};
use mailgrant_core::config::{Config, ScopeMode};

/// The one sessionStorage key of a pending sign-in.
pub const PENDING_KEY: &str = "mailgrant.pendingSignIn";

/// Fetches discovery, builds the authorize URL, saves the pending entry and redirects.
pub async fn start(config: &Config, mode: ScopeMode) -> Result<(), String> {
    let url = auth::discovery_url(&config.authority);
    let discovery = match super::get_text(&url).await {
        Ok((200, body)) => Discovery::parse(&url, &body).map_err(|e| e.to_string())?,
        Ok((status, _)) => return Err(format!("{url} answered HTTP {status}")),
        Err(reason) => return Err(format!("{url} could not be reached: {reason}")),
    };
    let random = SignInRandomness {
        state: super::random_bytes()?,
        nonce: super::random_bytes()?,
        verifier: super::random_bytes()?,
    };
    let redirect_uri = super::redirect_uri()?;
    let (authorize_url, pending) =
        auth::authorize_url(config, &discovery, &redirect_uri, mode, &random)
            .map_err(|e| e.to_string())?;
    let entry = serde_json::json!({
        "state": pending.state,
        "nonce": pending.nonce,
        "codeVerifier": pending.verifier.expose_secret(),
        "mode": mode.as_config_str(),
    });
    super::session_storage()?
        .set_item(PENDING_KEY, &entry.to_string())
        .map_err(|_| "sessionStorage is full or blocked".to_owned())?;
    super::navigate(&authorize_url)
}
