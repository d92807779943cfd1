//! The first page load. A small bootstrap module (the page's `welcome` binary) draws Welcome
//! from this model while the page's own module, which holds everything after Welcome, loads in
//! the background; Sign in, or any load that is not a fresh visit, hands over to that module.
//! This file decides which, and what Welcome says: the same [`State::welcome`] the page draws,
//! from a fresh [`State`], so the two cannot differ.

use super::{Explanation, State};
use crate::auth::callback::CallbackParams;
use crate::config::{Config, ScopeMode};
use crate::explain::{Audience, Explain};

/// What the first load shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum First {
    /// A fresh visit: the bootstrap draws Welcome. `remove_pending`: a sign-in that never
    /// returned (the admin came back with Back) left its entry, which is used up now, as the
    /// page does on a plain load.
    Welcome { remove_pending: bool },
    /// The return from the sign-in page, or a setup to continue in this tab: the page's module
    /// at once, since only it can read either.
    Page,
}

/// Decides from the address's query, the pending sign-in entry and the journal (sessionStorage)
/// whether the bootstrap draws Welcome.
pub fn first(query: &str, pending: bool, journal: bool) -> First {
    if journal || CallbackParams::from_query(query).is_some() {
        First::Page
    } else {
        First::Welcome {
            remove_pending: pending,
        }
    }
}

/// Welcome before the page's module has loaded: a fresh [`State`] with the admin's mode and,
/// once the authority answered, its discovery document.
pub struct BootWelcome {
    state: State,
}

impl BootWelcome {
    pub fn new(config: &Config) -> Self {
        BootWelcome {
            state: State::new(config),
        }
    }

    /// The mode the admin chose (before sign-in any mode may be chosen).
    pub fn choose(&mut self, mode: ScopeMode) {
        self.state.mode = mode;
    }

    pub fn mode(&self) -> ScopeMode {
        self.state.mode
    }

    /// The discovery document's address, read while the admin reads Welcome.
    pub fn discovery_url(config: &Config) -> String {
        crate::auth::discovery_url(&config.authority)
    }

    /// The authority's answer: Welcome then lists exactly the scopes this provider is asked
    /// for. A failed answer changes nothing (the page's Sign in asks again and explains).
    pub fn discovered(&mut self, config: &Config, status: u16, body: &str) {
        self.state.discovery = super::sign_in::discovery_answer(config, status, body).ok();
    }

    pub fn view(&self, config: &Config) -> super::view::Welcome {
        self.state.welcome(config)
    }

    /// The page's title, as the page's own Welcome has it.
    pub fn title(config: &Config) -> String {
        super::view::title(super::Step::Welcome, config)
    }
}

/// Why the hand-over to the page's module failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootError {
    /// Its code did not load, or did not match its hash (the reason, from the browser).
    #[error("its code did not arrive, or did not match the code its publisher released (the browser said: {0})")]
    PageUnavailable(String),
}

impl Explain for BootError {
    fn explain(&self) -> Explanation {
        match self {
            BootError::PageUnavailable(_) => Explanation {
                title: "The rest of this page did not load.".into(),
                detail: self.to_string(),
                fix: "Check your connection, then select Try again. Nothing in your tenant has been changed."
                    .into(),
                audience: Audience::Admin,
                example: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_page_first() {
        let check = |query: &str, pending: bool, journal: bool, want: First| {
            assert_eq!(
                first(query, pending, journal),
                want,
                "{query:?} {pending} {journal}"
            );
        };
        let welcome = |remove_pending| First::Welcome { remove_pending };
        check("", false, false, welcome(false));
        check("?utm_source=mail", false, false, welcome(false));
        check("", true, false, welcome(true));
        check("", false, true, First::Page);
        check("?code=abc&state=xyz", true, false, First::Page);
        check("?error=access_denied&state=xyz", true, false, First::Page);
        check("?code=abc&state=xyz", false, true, First::Page);
    }
}
