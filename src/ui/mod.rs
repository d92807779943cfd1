//! One component per file.

mod config_error;
mod error_banner;
mod header;
mod signed_in;
mod step_list;
mod welcome;

pub use config_error::ConfigErrorView;
pub use error_banner::ErrorBanner;
pub use header::Header;
pub use signed_in::SignedIn;
pub use step_list::StepList;
pub use welcome::{Welcome, WelcomeProps};
