//! The reducer's edges: the [`Effect`]s the shell performs and the [`Event`]s it feeds back
//! (with [`Purpose`], what an HTTP answer is for). Secrets in them are redacted in `Debug`.

use std::fmt;
use std::rc::Rc;

use super::{CopyTarget, CopyText, Copyable, File, FileKind, ModuleError, ModuleTask};
use super::{MailboxRequest, RunKind, ScopeAnswer, Step};
use crate::auth::SignInRandomness;
use crate::config::ScopeMode;
use crate::secret::AccessToken;

/// What an HTTP answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Discovery,
    /// Discovery read at page load, before any click: kept if it answers, silent if it fails.
    Prefetch,
    Token,
    Me,
    Organization,
    /// The admin's directory roles from Graph, when the ID token has no `wids`.
    Roles,
    /// The page's own service principal in the tenant ([`page_access`]).
    PageServicePrincipal,
    /// Its deletion.
    DeletePageServicePrincipal,
    /// Mailbox suggestions while the admin types ([`suggest`]).
    MailboxSuggestions,
}

/// Something for the shell to do.
pub enum Effect {
    /// Send a request; answer with [`Event::Http`] (or [`Event::HttpFailed`]) with this purpose.
    Http {
        purpose: Purpose,
        method: &'static str,
        url: String,
        /// Sent as `Authorization: Bearer …`.
        bearer: Option<Rc<AccessToken>>,
        /// A form body (`application/x-www-form-urlencoded`).
        form: Option<String>,
    },
    /// Keep this text under the pending-sign-in key of sessionStorage.
    SavePending(String),
    /// Delete the pending-sign-in entry.
    RemovePending,
    /// Remove `code`, `state` and the rest of the sign-in answer from the address bar.
    StripCallbackFromUrl,
    /// Leave the page for this URL.
    Navigate(String),
    /// A Graph request of a run; answer with [`Event::Run`] carrying `kind` and `attempt`
    /// (`Answered` or `NetworkFailed`). With no answer within `deadline_ms`, abort it and answer
    /// `TimerFired { timer: deadline }` instead.
    Graph {
        kind: RunKind,
        attempt: crate::run::AttemptId,
        deadline: crate::run::TimerId,
        deadline_ms: u64,
        method: &'static str,
        url: String,
        headers: Vec<(String, String)>,
        /// JSON text; sent with `Content-Type: application/json`.
        body: Option<String>,
        bearer: Option<Rc<AccessToken>>,
    },
    /// Answer with [`Event::Run`] `TimerFired { timer }` after `millis`.
    Timer {
        kind: RunKind,
        timer: crate::run::TimerId,
        millis: u64,
    },
    /// Answer with [`Event::Run`] `Online` when the browser is online again.
    WaitOnline { kind: RunKind },
    /// Answer with [`Event::Tick`] after a second: the Apply step counts down a retry.
    Tick,
    /// Keep the apply run's journal (no secret, no token) under [`setup::JOURNAL_KEY`].
    SaveJournal(String),
    /// Delete the journal.
    RemoveJournal,
    /// Warn before the tab is closed (a client secret exists that was not saved yet), or stop.
    GuardUnload(bool),
    /// Hold the Web Lock `name` for the rest of this tab's life if no other tab holds it;
    /// answer with [`Event::RunHeld`].
    HoldRun {
        run_id: crate::ids::Guid,
        name: String,
    },
    /// Have the hand-off module do `task` with `file`'s bytes (the bundle JSON: encrypt it, or
    /// write another file from it); answer with [`Event::FromModule`] (the module is fetched
    /// first if it is not loaded yet).
    HandOffModule {
        kind: FileKind,
        file: File,
        task: ModuleTask,
    },
    /// Start fetching the hand-off module (no answer; a failure shows at its first task).
    PrefetchHandOff,
    /// Have the hand-off module write the setup script from the scripts' `input` (text) for the
    /// screen; answer with [`Event::ScriptWritten`].
    WriteScript { input: String },
    /// Save this file; answer with [`Event::Downloaded`] (or [`Event::DownloadFailed`]).
    Download { kind: FileKind, file: File },
    /// Put this text on the clipboard; answer with [`Event::Copied`].
    Copy { what: CopyTarget, text: CopyText },
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Http {
                purpose,
                method,
                url,
                bearer,
                form,
            } => f
                .debug_struct("Http")
                .field("purpose", purpose)
                .field("method", method)
                .field("url", url)
                .field("bearer", &bearer.as_ref().map(|_| "[redacted]"))
                .field("form", &form.as_ref().map(|_| "[redacted]"))
                .finish(),
            Effect::SavePending(_) => f.write_str("SavePending([redacted])"),
            Effect::RemovePending => f.write_str("RemovePending"),
            Effect::StripCallbackFromUrl => f.write_str("StripCallbackFromUrl"),
            Effect::Graph {
                kind,
                attempt,
                method,
                url,
                body,
                ..
            } => f
                .debug_struct("Graph")
                .field("kind", kind)
                .field("attempt", attempt)
                .field("method", method)
                .field("url", url)
                .field(
                    "body",
                    &body.as_ref().map(|b| format!("[{} bytes]", b.len())),
                )
                .field("bearer", &"[redacted]")
                .finish(),
            Effect::Timer {
                kind,
                timer,
                millis,
            } => write!(f, "Timer({kind:?}, {timer}, {millis} ms)"),
            Effect::WaitOnline { kind } => write!(f, "WaitOnline({kind:?})"),
            Effect::SaveJournal(text) => write!(f, "SaveJournal([{} bytes])", text.len()),
            Effect::RemoveJournal => f.write_str("RemoveJournal"),
            Effect::HoldRun { name, .. } => write!(f, "HoldRun({name})"),
            Effect::HandOffModule { kind, file, task } => {
                write!(f, "HandOffModule({kind:?}, {file:?}, {task:?})")
            }
            Effect::PrefetchHandOff => f.write_str("PrefetchHandOff"),
            Effect::WriteScript { .. } => f.write_str("WriteScript"),
            Effect::GuardUnload(on) => write!(f, "GuardUnload({on})"),
            Effect::Download { kind, file } => write!(f, "Download({kind:?}, {file:?})"),
            Effect::Copy { what, text } => write!(f, "Copy({what:?}, {text:?})"),
            Effect::Tick => f.write_str("Tick"),
            Effect::Navigate(url) => {
                // The authorize URL carries state and nonce: show where, not what.
                let base = url.split('?').next().unwrap_or_default();
                write!(f, "Navigate({base}?[redacted])")
            }
        }
    }
}

/// What happened.
pub enum Event {
    /// The page loaded at `redirect_uri` (its address without query) with this query string and
    /// this pending-sign-in entry (if any).
    Loaded {
        redirect_uri: String,
        query: String,
        pending: Option<String>,
        /// The apply journal of an interrupted setup in this tab, if any.
        journal: Option<String>,
        /// CSPRNG bytes for resuming that setup.
        seed: [u8; 16],
        /// The authority's discovery answer (status, body) the bootstrap read while Welcome was
        /// shown: read as the page's own prefetch would be, and not asked for again.
        discovery: Option<(u16, String)>,
    },
    ModeChosen(ScopeMode),
    /// The admin clicked "Sign in"; the shell supplies the CSPRNG bytes and this page's URL.
    SignInClicked {
        redirect_uri: String,
        random: SignInRandomness,
    },
    Http {
        purpose: Purpose,
        status: u16,
        body: String,
        now_secs: u64,
    },
    HttpFailed {
        purpose: Purpose,
        reason: String,
        now_ms: u64,
    },
    /// A browser facility failed (storage blocked, no CSPRNG, navigation refused).
    BrowserFailed(String),
    /// The browser showed this page again from its back-forward cache (`pageshow` with
    /// `persisted`), typically after Back from Microsoft's sign-in page.
    Restored,
    /// Dismiss the error and go back to where the admin can start again.
    TryAgain,
    SignOut,
    /// Mailbox step: look this mailbox up.
    MailboxSubmitted(MailboxRequest),
    /// Mailbox step: the field's text changed (for suggestions).
    MailboxTyping(String),
    /// Scope step: how the app is limited, and a mailbox that must stay out of reach, as typed;
    /// CSPRNG bytes for the look-up of a group.
    ScopeChosen {
        answer: ScopeAnswer,
        seed: [u8; 16],
        now_ms: u64,
    },
    /// Back to an earlier step (from Scope or Review) to change an answer.
    Back(Step),
    /// The browser's Back or Forward reached the history entry of this step (its
    /// [`Step::id`]); CSPRNG bytes for a look-up Forward may redo.
    History {
        step: String,
        seed: [u8; 16],
        now_ms: u64,
    },
    /// Review step: apply the plan. CSPRNG bytes for the run id and the run's jitter.
    ApplyClicked {
        run_id: [u8; 16],
        seed: [u8; 16],
        now_ms: u64,
    },
    /// An answer, timer or online event for a run.
    Run {
        kind: RunKind,
        event: crate::run::Event,
        now_ms: u64,
    },
    /// The confirmation code the legacy Exchange script printed after PASS, as typed.
    ScriptCode {
        code: String,
        now_ms: u64,
    },
    /// Resume, Undo or "secret saved" for the apply run.
    ApplyCommand {
        event: crate::run::Event,
        now_ms: u64,
    },
    /// The tenant refused the credential (a policy forbids client secrets): undo what the run
    /// made and plan again with the vendor's next choice.
    NextCredential {
        now_ms: u64,
    },
    /// After Undo: forget this setup (the session stays) and begin again on the Mailbox step.
    StartOver,
    /// Drop the client secret from memory.
    ForgetSecret,
    /// The admin asked for this file (or the log).
    Download(FileKind),
    /// The browser saved the file of an [`Effect::Download`].
    Downloaded {
        kind: FileKind,
        now_ms: u64,
    },
    /// The browser did not save it.
    DownloadFailed(String),
    /// The admin clicked Copy.
    Copy(Copyable),
    /// The answer to [`Effect::Tick`]: the clock, for a retry's countdown.
    Tick {
        now_ms: u64,
    },
    /// The answer to [`Effect::Copy`]: whether the browser put the text on the clipboard.
    Copied {
        what: CopyTarget,
        ok: bool,
        now_ms: u64,
    },
    /// The answer to [`Effect::HoldRun`]: `held` is false when another tab holds the run.
    RunHeld {
        run_id: crate::ids::Guid,
        held: bool,
        now_ms: u64,
    },
    /// The admin discarded a saved run that could not be continued.
    DiscardSavedRun,
    /// The admin asked to remove this setup page's access to the tenant.
    RemovePageAccess,
    /// The answer to [`Effect::HandOffModule`]: the file it made.
    FromModule {
        kind: FileKind,
        result: Result<File, ModuleError>,
    },
    /// The answer to [`Effect::WriteScript`] for `input`: the script's text.
    ScriptWritten {
        input: String,
        result: Result<String, ModuleError>,
    },
    /// Retry after the module did not load to write the script.
    RetryScript,
}
