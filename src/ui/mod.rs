//! One component per file.

mod apply_step;
mod bare_page;
mod config_error;
mod copy_button;
mod error_banner;
mod hand_off_step;
mod header;
mod mailbox_step;
mod page_access;
mod review_step;
mod scope_step;
mod script_view;
mod signed_in;
mod step_list;
mod undo_button;
mod welcome;

pub use apply_step::{apply_step, ApplyStepProps};
pub use bare_page::{config_error_page, loading_page};
pub use config_error::config_error_view;
pub use copy_button::copy_button;
pub use error_banner::{error_banner, ErrorBannerProps};
pub use hand_off_step::HandOffStep;
pub use header::header;
pub use mailbox_step::{mailbox_step, MailboxStepProps};
pub use page_access::page_access_view;
pub use review_step::{review_step, ReviewStepProps};
pub use scope_step::ScopeStep;
pub use script_view::{script_view, ScriptViewProps};
pub use signed_in::{signed_in, SignedInProps};
pub use step_list::step_list;
pub use undo_button::UndoButton;
pub use welcome::{welcome, WelcomeProps};

/// The value of a view's own input element `id`, read when its form is sent (the views that
/// hold no state read their fields this way).
pub fn input_value(id: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()
        .map(|i| i.value())
}
