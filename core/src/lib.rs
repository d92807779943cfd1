//! mailgrant's pure logic. Nothing in this crate touches the browser, the network or a clock
//! it was not handed: the yew shell (`src/`) performs every effect and feeds results back in.
//!
//! Modules:
//! - [`ids`]: validated identifiers (`TenantId`, `ClientId`, `ObjectId`, `SmtpAddress`, …).
//! - [`secret`]: types that hold secrets and redact themselves.
//! - [`config`]: `config.json` → [`config::Config`], errors that name the key.
//! - [`auth`]: OpenID Connect discovery, PKCE authorize URLs, callback and ID-token checks.
//! - [`job`]: what one setup is for (inputs, choices, the names of what it creates).
//! - [`op`]: one module per Graph operation: its request, its answer, what comes next.
//! - [`plan`]: inputs and findings → the operations with their dependencies; Review.
//! - [`run`]: the engine: schedules, retries, journals, logs and undoes operations.
//! - [`powershell`]: the Exchange Online scripts, with all quoting in one place.
//! - [`wizard`]: the wizard's steps.
//! - [`time`]: UTC instants and calendar arithmetic (no clock).
//! - [`explain`]: every error rendered for people as *what happened* → *what to do*.

pub mod auth;
mod base64_decode;
pub mod bundle;
pub mod config;
pub mod explain;
pub mod graph;
pub mod ids;
pub mod job;
mod json_object;
pub mod op;
pub mod plan;
pub mod powershell;
pub mod roles;
pub mod run;
pub mod secret;
pub mod time;
pub mod uri;
pub mod wizard;

/// How each Graph answer and sign-in document is read (by hand, not through serde derives).
pub use json_object::FromJson;

/// The version stamped into created objects, scripts and bundles.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
