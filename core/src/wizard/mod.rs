//! The wizard as one reducer: `update(state, event) → effects`. The shell executes the effects
//! (HTTP, storage, navigation) and feeds their results back as events, so every path through the
//! wizard is a native test that replays events.

pub mod boot;
pub mod copy;
mod countdown;
pub mod credential;
mod credential_choice;
pub mod files;
mod hand_off;
mod history;
mod io;
pub mod page_access;
pub mod scope;
mod script;
pub mod setup;
mod sign_in;
mod step;
mod suggest;
pub mod tabs;
pub mod view;

use std::fmt;
use std::rc::Rc;

pub use copy::{CopyTarget, CopyText, Copyable};
pub use files::{File, FileKind, ModuleError, ModuleTask, Prepared};
pub use io::{Effect, Event, Purpose};
pub use scope::{ScopeAnswer, ScopeField, ScopeKind, ScopeProblem};
pub use setup::{MailboxRequest, RunKind, Setup};
pub use step::Step;
pub use view::View;

use crate::auth::token::IdClaims;
use crate::auth::{self, AuthError, Discovery, PendingSignIn, SignInRandomness};
use crate::config::{Config, ScopeMode};
use crate::explain::{Explain, Explanation};
use crate::graph::identity::{Me, Organization};
use crate::ids::TenantId;
use crate::roles::RoleCheck;
use crate::secret::{AccessToken, RefreshToken};

/// The signed-in admin. Lives in memory only.
#[derive(Debug)]
pub struct Session {
    pub access_token: Rc<AccessToken>,
    pub refresh_token: Option<RefreshToken>,
    pub claims: IdClaims,
    pub me: Option<Me>,
    pub organization: Option<Organization>,
    pub roles: RoleCheck,
    /// What could not be found out (e.g. from a provider that is not Entra ID).
    pub unknowns: Vec<String>,
    /// The provider is Microsoft Entra ID, so the access token is for Microsoft Graph. Another
    /// provider's token is never sent to Graph.
    pub graph: bool,
    /// The scopes the token carries (Graph's without their resource prefix), as the token
    /// endpoint said, or as asked when it did not say (RFC 6749 §5.1).
    pub granted: Vec<String>,
    /// Role template ids from Graph's `memberOf`, when the ID token had no `wids`.
    pub member_of_roles: Option<Vec<String>>,
}

impl Session {
    /// The name to show for the admin.
    pub fn admin_label(&self) -> String {
        let name = self
            .me
            .as_ref()
            .and_then(|m| m.display_name.clone())
            .or_else(|| self.claims.name.clone());
        let upn = self
            .me
            .as_ref()
            .and_then(|m| m.user_principal_name.clone())
            .or_else(|| self.claims.preferred_username.clone())
            .or_else(|| self.claims.email.clone());
        match (name, upn) {
            (Some(n), Some(u)) => format!("{n} ({u})"),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => self.claims.sub.clone().unwrap_or_else(|| "unknown".into()),
        }
    }

    /// The tenant's id: `/organization`, else the `tid` claim.
    pub fn tenant_id(&self) -> Option<TenantId> {
        self.organization
            .as_ref()
            .map(|o| o.id.as_str())
            .or(self.claims.tid.as_deref())
            .and_then(|t| TenantId::parse(t).ok())
    }
}

/// An authorization code, between the return and its redemption. Redacted in `Debug`.
struct AuthCode(String);

impl fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthCode([redacted])")
    }
}

/// The wizard's state.
#[derive(Debug)]
pub struct State {
    pub step: Step,
    pub mode: ScopeMode,
    /// A request is under way; the step's main button is disabled.
    pub busy: bool,
    pub error: Option<Explanation>,
    pub session: Option<Session>,
    /// The steps after sign-in.
    pub setup: Setup,
    discovery: Option<Discovery>,
    /// During redirect preparation and code redemption only.
    pending: Option<PendingSignIn>,
    redirect_uri: Option<String>,
    /// The CSPRNG bytes of a sign-in click, until discovery answers.
    random: Option<SignInRandomness>,
    /// The code and the answer's `iss`, between the return and the redemption.
    code: Option<(AuthCode, Option<String>)>,
    /// Identity look-ups still outstanding after the token arrived.
    outstanding: Vec<Purpose>,
    /// The journal of an interrupted setup (and CSPRNG bytes to resume it), resumed as soon as
    /// the admin is signed in again.
    pub(super) interrupted: Option<(String, [u8; 16])>,
    /// A mailbox look-up an expired token interrupted (from the pending entry), redone as soon
    /// as the admin is signed in again, with CSPRNG bytes from the page load.
    resume_mailbox: Option<(String, [u8; 16], Option<String>)>,
    /// The page navigated to the authority (only a bfcache `Restored` can follow).
    redirecting: bool,
    /// What a step needs beyond the mode's permissions: sign-ins also ask for it (an existing
    /// group: GroupMember.Read.All; in RBAC mode, an unscoped grant to remove:
    /// AppRoleAssignment.ReadWrite.All).
    extra: crate::auth::Extra,
    /// A Scope step answer to check again once the sign-in granted that permission.
    resume_scope: Option<(scope::ScopeAnswer, [u8; 16])>,
    /// Whether the page's own consent in the tenant is still there ([`page_access`]).
    pub(super) page_access: page_access::PageAccess,
    /// The run this tab holds the Web Lock of ([`tabs`]).
    held_run: Option<crate::ids::Guid>,
    /// A saved run waiting for this tab to hold it, with CSPRNG bytes to resume it.
    awaiting_hold: Option<(String, [u8; 16])>,
    /// A saved run that could not be continued, kept until discarded or replaced.
    damaged_journal: Option<String>,
    /// The browser's answer to the last Copy ([`copy`]).
    copied: Option<copy::Copied>,
    /// The latest clock of an event (unix ms): a retry's countdown is counted from it.
    pub(super) clock_ms: u64,
    /// An [`Effect::Tick`] is under way.
    pub(super) ticking: bool,
    /// Mailbox suggestions while the admin types.
    pub(super) suggest: suggest::Suggestions,
    /// The setup script the module wrote for the screen ([`script`]).
    shown_script: script::ShownScript,
}

impl State {
    pub fn new(config: &Config) -> Self {
        State {
            step: Step::Welcome,
            mode: config.vendor.default_scope_mode,
            busy: false,
            error: None,
            session: None,
            setup: Setup::default(),
            discovery: None,
            pending: None,
            redirect_uri: None,
            random: None,
            code: None,
            outstanding: vec![],
            interrupted: None,
            resume_mailbox: None,
            redirecting: false,
            extra: crate::auth::Extra::default(),
            resume_scope: None,
            page_access: page_access::PageAccess::Granted,
            held_run: None,
            awaiting_hold: None,
            damaged_journal: None,
            copied: None,
            clock_ms: 0,
            ticking: false,
            suggest: Default::default(),
            shown_script: Default::default(),
        }
    }

    /// An interrupted setup waits for the admin to sign in.
    pub fn has_interrupted_setup(&self) -> bool {
        self.interrupted.is_some()
    }

    /// The token endpoint of the authority, once discovery answered.
    pub fn token_endpoint(&self) -> Option<&str> {
        self.discovery.as_ref().map(|d| d.token_endpoint.as_str())
    }

    fn fail(&mut self, explanation: Explanation) -> Vec<Effect> {
        self.busy = false;
        // A stopped sign-in leaves no click behind for a later discovery answer to act on.
        self.random = None;
        self.error = Some(explanation);
        vec![]
    }

    fn discover(&self, config: &Config) -> Effect {
        self.discovery_request(config, Purpose::Discovery)
    }

    fn discovery_request(&self, config: &Config, purpose: Purpose) -> Effect {
        Effect::Http {
            purpose,
            method: "GET",
            url: auth::discovery_url(&config.authority),
            bearer: None,
            form: None,
        }
    }

    fn graph(
        &self,
        config: &Config,
        purpose: Purpose,
        request: crate::graph::Request,
    ) -> Option<Effect> {
        let token = self.token()?;
        Some(Effect::Http {
            purpose,
            method: request.method,
            url: request.url(&config.graph_base_url),
            bearer: Some(token),
            form: None,
        })
    }

    /// Applies one event.
    pub fn update(&mut self, config: &Config, event: Event) -> Vec<Effect> {
        let mut out = self.apply_event(config, event);
        out.extend(self.want_script(config));
        out
    }

    fn apply_event(&mut self, config: &Config, event: Event) -> Vec<Effect> {
        match event {
            Event::Loaded {
                redirect_uri,
                query,
                pending,
                journal,
                seed,
                discovery,
            } => {
                self.redirect_uri = Some(redirect_uri);
                if let Some(mode) = journal.as_deref().and_then(setup::interrupted_mode) {
                    self.mode = mode;
                }
                self.interrupted = journal.map(|j| (j, seed));
                self.loaded(config, &query, pending, seed, discovery)
            }
            Event::ModeChosen(mode) => self.mode_chosen(mode),
            Event::SignInClicked {
                redirect_uri,
                random,
            } => {
                self.error = None;
                self.busy = true;
                if self.session.is_none() {
                    self.step = Step::SignIn;
                }
                // Signed in already (sign in again, or grant more): the step stays, so Back from
                // the sign-in page returns to it.
                self.redirect_uri = Some(redirect_uri);
                self.pending = None;
                // Fresh randomness per click; the authorize URL is built when discovery has
                // answered, once per page (the document is cached in memory).
                self.code = None;
                self.random = Some(random);
                if self.discovery.is_some() {
                    return self.after_discovery(config);
                }
                vec![self.discover(config)]
            }
            Event::Http {
                purpose,
                status,
                body,
                now_secs,
            } => self.answered(config, purpose, status, &body, now_secs),
            Event::HttpFailed {
                purpose: purpose @ (Purpose::Me | Purpose::Organization | Purpose::Roles),
                reason,
                now_ms,
            } => {
                if !self.outstanding.contains(&purpose) {
                    return vec![];
                }
                if let Some(session) = &mut self.session {
                    let what = match purpose {
                        Purpose::Me => "your profile",
                        Purpose::Roles => "your admin roles from Microsoft Graph",
                        _ => "your organization's name",
                    };
                    session
                        .unknowns
                        .push(format!("{what} (the network failed: {reason})"));
                }
                self.identity_done(config, purpose, now_ms)
            }
            Event::HttpFailed {
                purpose: Purpose::Prefetch,
                ..
            } => vec![],
            Event::HttpFailed {
                purpose: Purpose::MailboxSuggestions,
                ..
            } => self.suggestions_answered(config, None),
            Event::HttpFailed {
                purpose: Purpose::PageServicePrincipal | Purpose::DeletePageServicePrincipal,
                reason,
                ..
            } => self.page_access_failed(config, format!("the network failed: {reason}")),
            Event::HttpFailed {
                purpose, reason, ..
            } => {
                let e = match purpose {
                    Purpose::Discovery => AuthError::Discovery {
                        url: auth::discovery_url(&config.authority),
                        reason,
                    }
                    .explain(),
                    _ => {
                        AuthError::TokenResponse(format!("the network failed: {reason}")).explain()
                    }
                };
                self.fail(e)
            }
            Event::BrowserFailed(reason) => self.fail(Explanation {
                title: "Your browser refused a step of the sign-in.".into(),
                detail: reason,
                fix: "Allow this site to use storage (private windows and strict settings can block it), or use an up-to-date Edge, Chrome, Firefox or Safari, then try again.".into(),
                audience: crate::explain::Audience::Admin,
                example: None,
            }),
            Event::Restored => {
                // Only a page that left for the sign-in page is affected; a run under way is not.
                if !std::mem::take(&mut self.redirecting) {
                    return vec![];
                }
                // Back from the sign-in page: the started sign-in is abandoned.
                self.busy = false;
                self.random = None;
                if self.session.is_some() {
                    // Still signed in (it was a sign-in again): back where the admin was.
                    return vec![Effect::RemovePending];
                }
                self.step = Step::Welcome;
                self.error = Some(Explanation {
                    title: "Sign-in was not completed.".into(),
                    detail: "You came back from Microsoft's sign-in page before it finished. If that page showed an error, its code tells why: AADSTS50011 or AADSTS700016 mean this page is not registered correctly (tell the vendor); AADSTS50020 means the account is not from the tenant you are setting up; AADSTS90094 means an administrator must approve the permissions; AADSTS53003 means Conditional Access blocked the sign-in.".into(),
                    fix: "Sign in again when ready, with an administrator account of the tenant you are setting up.".into(),
                    audience: crate::explain::Audience::Admin,
                    example: None,
                });
                vec![Effect::RemovePending]
            }
            Event::TryAgain => {
                self.error = None;
                self.busy = false;
                self.random = None;
                if self.session.is_none() {
                    self.step = Step::Welcome;
                }
                vec![]
            }
            // Signing out would drop a run in flight (a half-made app) or an unsaved secret.
            Event::SignOut if self.sign_out_blocked().is_some() => vec![],
            Event::SignOut => {
                *self = State::new(config);
                vec![
                    Effect::RemovePending,
                    Effect::RemoveJournal,
                    Effect::GuardUnload(false),
                ]
            }
            Event::MailboxSubmitted(req) => self.mailbox_submitted(config, req),
            Event::MailboxTyping(text) => self.mailbox_typing(config, text),
            Event::ScopeChosen {
                answer,
                seed,
                now_ms,
            } => self.scope_chosen(config, answer, seed, now_ms),
            Event::Back(step) => {
                if matches!(step, Step::Mailbox | Step::Scope)
                    && matches!(self.step, Step::Scope | Step::Review)
                    && self.setup.apply.is_none()
                {
                    self.error = None;
                    self.step = step;
                    self.setup.plan = None;
                }
                vec![]
            }
            Event::History { step, seed, now_ms } => {
                match Step::ALL.into_iter().find(|s| s.id() == step) {
                    Some(target) => self.history_moved(config, target, seed, now_ms),
                    None => vec![],
                }
            }
            Event::ApplyClicked {
                run_id,
                seed,
                now_ms,
            } => self.apply_clicked(config, run_id, seed, now_ms),
            Event::Run {
                kind,
                event,
                now_ms,
            } => {
                let mut out = self.run_event(config, kind, event, now_ms);
                out.extend(self.tick(now_ms));
                out
            }
            Event::ApplyCommand { event, now_ms } => {
                let mut out = self.apply_command(config, event, now_ms);
                out.extend(self.tick(now_ms));
                out
            }
            Event::NextCredential { now_ms } => self.next_credential_chosen(config, now_ms),
            Event::StartOver => self.start_over(),
            Event::ScriptCode { code, now_ms } => {
                self.apply_command(config, crate::run::Event::Confirm { code }, now_ms)
            }
            Event::ForgetSecret => {
                self.setup.secret = None;
                vec![Effect::GuardUnload(false)]
            }
            Event::Download(kind) => {
                self.error = None;
                match self.file(config, &kind) {
                    Ok(Prepared::Ready(file)) => vec![Effect::Download { kind, file }],
                    Ok(Prepared::Module { file, task }) => vec![Effect::HandOffModule { kind, file, task }],
                    Err(e) => self.fail(e.explain()),
                }
            }
            Event::FromModule { kind, result } => match result {
                Ok(file) => vec![Effect::Download { kind, file }],
                Err(e) => self.fail(e.explain()),
            },
            Event::ScriptWritten { input, result } => {
                self.script_written(input, result);
                vec![]
            }
            Event::RetryScript => {
                self.retry_script();
                vec![]
            }
            Event::Downloaded { kind, now_ms } => self.downloaded(config, &kind, now_ms),
            Event::DownloadFailed(reason) => self.fail(Explanation {
                title: "Your browser did not save the file.".into(),
                detail: reason,
                fix: "Allow downloads for this site and try again; nothing was lost (the secret stays in this page until you save it or leave).".into(),
                audience: crate::explain::Audience::Admin,
                example: None,
            }),
            Event::Tick { now_ms } => {
                self.ticking = false;
                self.tick(now_ms)
            }
            Event::Copy(what) => self.copy(config, what),
            Event::Copied { what, ok, now_ms } => self.copied(config, what, ok, now_ms),
            Event::RunHeld {
                run_id,
                held,
                now_ms,
            } => self.run_held(config, run_id, held, now_ms),
            Event::DiscardSavedRun => self.discard_saved_run(),
            Event::RemovePageAccess => self.remove_page_access(config),
        }
    }
}

#[cfg(test)]
mod tests;
