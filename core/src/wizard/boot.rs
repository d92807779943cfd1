//! The first page load. A small bootstrap module (the page's `welcome` binary) draws Welcome
//! from this model while the page's own module, which holds everything after Welcome, loads in
//! the background; Sign in, or any load that is not a fresh visit, hands over to that module.
//! This file decides which, and what Welcome says: the same [`State::welcome`] the page draws,
//! from a fresh [`State`], so the two cannot differ; and what a failed hand-over says, by the
//! road that led to it.

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
    /// The page's module at once, since only it can read what this load brought.
    Page(Road),
}

/// The road into the page's module: what the admin has already done, which a failed
/// hand-over must tell them truthfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Road {
    /// Sign in on the bootstrap's Welcome: nothing has happened yet.
    SignIn,
    /// The return from the sign-in page: the admin signed in (and may have consented) there.
    /// The bootstrap takes the answer out of the address bar at once (its `code` must not stay
    /// in the history, nor on screen while the page's module loads) and hands it over; so a
    /// reload starts the sign-in again.
    Return,
    /// A setup in this tab was interrupted: its journal waits in sessionStorage.
    Journal,
}

/// Decides from the address's query, the pending sign-in entry and the journal (sessionStorage)
/// whether the bootstrap draws Welcome.
pub fn first(query: &str, pending: bool, journal: bool) -> First {
    if CallbackParams::from_query(query).is_some() {
        First::Page(Road::Return)
    } else if journal {
        First::Page(Road::Journal)
    } else {
        First::Welcome {
            remove_pending: pending,
        }
    }
}

/// Welcome before the page's module has loaded: a fresh [`State`] with the admin's mode and,
/// once the authority answered, its discovery document; then Sign in, which waits for the
/// page's module, and what went wrong if it did not load.
pub struct BootWelcome {
    state: State,
    /// The authority's answer as it came, for the page's module.
    answer: Option<(u16, String)>,
    failed: Option<BootError>,
    /// Which Sign in this is (a wait that ends belongs to one).
    attempt: u32,
    /// This Sign in has waited [`SLOW_HAND_OVER_MS`] for the page's module.
    slow: bool,
}

/// How long Sign in waits for the page's module before the page says that it is still loading.
/// No deadline of its own: a slow download is left to finish (starting it again would only be
/// slower), and one that fails is explained when the browser gives it up.
pub const SLOW_HAND_OVER_MS: u64 = 8_000;

impl BootWelcome {
    pub fn new(config: &Config) -> Self {
        BootWelcome {
            state: State::new(config),
            answer: None,
            failed: None,
            attempt: 0,
            slow: false,
        }
    }

    /// The mode the admin chose (before sign-in any mode may be chosen; not while Sign in
    /// waits for the page's module, whose mode is the one it was handed).
    pub fn choose(&mut self, mode: ScopeMode) {
        if !self.state.busy {
            self.state.mode = mode;
        }
    }

    pub fn mode(&self) -> ScopeMode {
        self.state.mode
    }

    /// Sign in: Welcome waits, its problem cleared, until the page's module has taken over
    /// (or [`Self::hand_over_failed`]). Which Sign in it is, for [`Self::waited`].
    pub fn sign_in(&mut self) -> u32 {
        self.state.busy = true;
        self.failed = None;
        self.attempt += 1;
        self.slow = false;
        self.attempt
    }

    pub fn hand_over_failed(&mut self, error: BootError) {
        self.state.busy = false;
        self.failed = Some(error);
    }

    /// Sign in `attempt` has waited [`SLOW_HAND_OVER_MS`]: if it still waits, the page says
    /// it is still loading ([`Self::still_loading`]). Whether that changed anything.
    pub fn waited(&mut self, attempt: u32) -> bool {
        let slow = self.state.busy && attempt == self.attempt;
        let changed = slow && !self.slow;
        self.slow |= slow;
        changed
    }

    /// What the page says while Sign in still waits for a slow download of the page's module.
    pub fn still_loading(&self) -> Option<&'static str> {
        (self.state.busy && self.slow).then_some(
            "Still loading the rest of this page: on a slow connection this takes a while, and \
             it goes on by itself. You have not been sent to sign in yet.",
        )
    }

    /// The discovery document's address, read while the admin reads Welcome.
    pub fn discovery_url(config: &Config) -> String {
        crate::auth::discovery_url(&config.authority)
    }

    /// The authority's answer: Welcome then lists exactly the scopes this provider is asked
    /// for. A failed answer changes nothing here (the page's Sign in asks again and explains).
    pub fn discovered(&mut self, config: &Config, status: u16, body: String) {
        self.state.discovery = super::sign_in::discovery_answer(config, status, &body).ok();
        self.answer = Some((status, body));
    }

    /// The answer as it came (status, body), handed to the page's module, which reads it as its
    /// own prefetch (`Event::Loaded`'s `discovery`).
    pub fn discovery_answer(&self) -> Option<&(u16, String)> {
        self.answer.as_ref()
    }

    pub fn view(&self, config: &Config) -> super::view::Welcome {
        super::view::Welcome {
            still_loading: self.still_loading(),
            ..self.state.welcome(config)
        }
    }

    /// What went wrong at the last Sign in, if anything.
    pub fn problem(&self) -> Option<Explanation> {
        self.failed.as_ref().map(Explain::explain)
    }

    /// The page's title, as the page's own Welcome has it (with a problem, or without).
    pub fn title(&self, config: &Config) -> String {
        match self.problem() {
            Some(e) => super::view::problem_title(&e, config),
            None => super::view::title(super::Step::Welcome, config),
        }
    }
}

/// Why the hand-over to the page's module failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootError {
    /// Its code did not load, or did not match its hash (the reason, from the browser).
    #[error("The rest of this page's code did not arrive, or did not match the code its publisher released (the browser said: {reason}).")]
    PageUnavailable { reason: String, road: Road },
    /// Its code loaded but stopped as it started (it threw, or trapped): that copy of it is in
    /// an unknown state and is not started again; only a reload gives a fresh one.
    #[error("The rest of this page's code loaded, but stopped as it started (the browser said: {reason}).")]
    PageDidNotStart { reason: String, road: Road },
}

/// What Try again does after a failed hand-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Load the page's module (again) and hand over.
    HandOver,
    /// Reload the page: the module's copy in this page cannot be started again.
    Reload,
}

impl BootError {
    /// The page's title while it shows this (the configuration may be unknown yet).
    pub fn title(&self) -> String {
        format!("Problem: {}", self.explain().title)
    }

    pub fn road(&self) -> Road {
        match self {
            BootError::PageUnavailable { road, .. } | BootError::PageDidNotStart { road, .. } => {
                *road
            }
        }
    }

    pub fn retry(&self) -> Retry {
        match self {
            BootError::PageUnavailable { .. } => Retry::HandOver,
            BootError::PageDidNotStart { .. } => Retry::Reload,
        }
    }
}

impl Explain for BootError {
    fn explain(&self) -> Explanation {
        let verb = match self.retry() {
            Retry::HandOver => "load",
            Retry::Reload => "start",
        };
        let (title, reload, done) = match self.road() {
            Road::SignIn => (
                format!("The rest of this page did not {verb}."),
                "reload the page",
                "Nothing in your tenant has been changed.",
            ),
            Road::Return => (
                format!("You are signed in, but the rest of this page did not {verb} to finish the sign-in."),
                // The answer has left the address bar: a reload shows Welcome again.
                "reload the page and sign in again",
                "This page has made nothing in your tenant; what you agreed to on Microsoft's sign-in page (this page's own access) stays until you remove it.",
            ),
            Road::Journal => (
                format!("A setup in this tab is saved, but the rest of this page did not {verb} to continue it."),
                "reload the page",
                "The saved setup stays in this tab and continues once the page loads; what it already made stays in your tenant until then. To give it up instead, close this tab: the saved setup goes with it, and what it made stays in your tenant (Entra admin center → App registrations) until you delete it.",
            ),
        };
        let fix = match self.retry() {
            Retry::HandOver => format!("Check your connection, then select Try again. If it fails again, {reload}; if that fails too, tell the vendor who sent you the link. {done}"),
            Retry::Reload => format!("Select Try again to {reload}. If it fails again, tell the vendor who sent you the link, with what the browser said. {done}"),
        };
        Explanation {
            title,
            detail: self.to_string(),
            fix,
            audience: Audience::Admin,
            example: None,
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
        check("", false, true, First::Page(Road::Journal));
        check(
            "?code=abc&state=xyz",
            true,
            false,
            First::Page(Road::Return),
        );
        check(
            "?error=access_denied&state=xyz",
            true,
            false,
            First::Page(Road::Return),
        );
        check(
            "?code=abc&state=xyz",
            false,
            true,
            First::Page(Road::Return),
        );
    }

    /// A module that loaded and then stopped as it started is not started again: Try again
    /// reloads, and the words say so, on every road; one that did not load is asked for again.
    #[test]
    fn a_module_that_did_not_start_is_reloaded_not_started_again() {
        for road in [Road::SignIn, Road::Return, Road::Journal] {
            let reason = "RuntimeError: unreachable".to_owned();
            let unavailable = BootError::PageUnavailable {
                reason: reason.clone(),
                road,
            };
            let stopped = BootError::PageDidNotStart { reason, road };
            assert_eq!(
                (unavailable.retry(), stopped.retry()),
                (Retry::HandOver, Retry::Reload)
            );
            assert_eq!(stopped.road(), road);
            let (u, s) = (unavailable.explain(), stopped.explain());
            assert!(
                u.title.contains("did not load") && s.title.contains("did not start"),
                "{s:?}"
            );
            assert!(
                s.fix.starts_with("Select Try again to reload the page"),
                "{s:?}"
            );
            assert!(
                !s.fix.contains("connection") && u.fix.contains("connection"),
                "{s:?}"
            );
            assert!(s.detail.contains("stopped as it started") && s.detail.contains("unreachable"));
            // What is true of the road is said either way.
            assert!(s.fix.ends_with(u.fix.rsplit(". ").next().unwrap()), "{s:?}");
        }
        let back = BootError::PageDidNotStart {
            reason: String::new(),
            road: Road::Return,
        };
        assert!(back
            .explain()
            .fix
            .contains("reload the page and sign in again"));
    }

    /// Each road says what is true of it: only Sign in from Welcome has changed nothing.
    #[test]
    fn a_failed_hand_over_says_what_the_admin_already_did() {
        let says = |road| {
            BootError::PageUnavailable {
                reason: "TypeError: Failed to fetch".into(),
                road,
            }
            .explain()
        };
        let (sign_in, back, saved) = (says(Road::SignIn), says(Road::Return), says(Road::Journal));
        assert!(sign_in
            .fix
            .contains("Nothing in your tenant has been changed"));
        assert!(!back.fix.contains("Nothing in your tenant") && back.title.contains("signed in"));
        // The answer has left the address bar: a reload cannot finish this sign-in.
        assert!(
            back.fix.contains("reload the page and sign in again"),
            "{back:?}"
        );
        assert!(!sign_in.fix.contains("sign in again") && !saved.fix.contains("sign in again"));
        assert!(!saved.fix.contains("Nothing in your tenant") && saved.title.contains("saved"));
        // A page that never starts is no dead end: the way out is said, with what it leaves.
        assert!(saved.fix.contains("close this tab") && saved.fix.contains("App registrations"));
        for e in [&sign_in, &back, &saved] {
            assert!(e.fix.contains("reload the page"), "{e:?}");
            assert!(e.detail.contains("TypeError: Failed to fetch"), "{e:?}");
        }
    }
}
