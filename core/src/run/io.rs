//! What goes into the engine ([`Event`]) and what comes out ([`Effect`]).

use std::fmt;

use crate::graph::Request;
use crate::ids::Guid;

pub type AttemptId = u64;
pub type TimerId = u64;

/// Response headers the executor reads. (Whether Graph exposes them to browser JS through CORS
/// is UNVERIFIED, graph-facts B.1/F.8: every one may be missing; `request-id` is then read from
/// the error body.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub location: Option<String>,
}

/// What the transport got for a request: an answer, or none.
#[derive(Clone, PartialEq, Eq)]
pub enum Reply {
    Answer {
        status: u16,
        headers: Headers,
        body: String,
    },
    /// No answer (fetch rejected, timeout); `online` as `navigator.onLine` says after it.
    NetworkFailed { online: bool },
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The body may hold `secretText`: never print it.
            Reply::Answer {
                status,
                headers,
                body,
            } => f
                .debug_struct("Answer")
                .field("status", status)
                .field("headers", headers)
                .field("body", &format_args!("[{} bytes]", body.len()))
                .finish(),
            Reply::NetworkFailed { online } => f
                .debug_struct("NetworkFailed")
                .field("online", online)
                .finish(),
        }
    }
}

/// What happened.
#[derive(Debug)]
pub enum Event {
    /// The transport's reply to [`Effect::Http`] `attempt`.
    Replied {
        attempt: AttemptId,
        reply: Reply,
    },
    TimerFired {
        timer: TimerId,
    },
    /// The browser is online again (answer to [`Effect::WaitOnline`]).
    Online,
    /// The admin clicked Resume (after a pause, or after signing in again).
    Resume,
    /// The admin typed the code a step outside the page printed (the legacy script's).
    Confirm {
        code: String,
    },
    /// The admin has saved the client secret; it must not be replaced on resume.
    SecretHandedOff,
    /// The admin asked to undo what this run created.
    Undo,
}

impl Event {
    /// An answer to `attempt`.
    pub fn answered(attempt: AttemptId, status: u16, body: impl Into<String>) -> Event {
        Event::Replied {
            attempt,
            reply: Reply::Answer {
                status,
                headers: Headers::default(),
                body: body.into(),
            },
        }
    }
}

/// Something for the shell to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send `request` to Graph with `Authorization` added by the shell and the header
    /// `client-request-id: {client_request_id}` (already in `request.headers`); answer with
    /// [`Event::Replied`] carrying `attempt`.
    ///
    /// With no reply within `deadline_ms`, abort the request and answer
    /// [`Event::TimerFired`] `deadline` instead (a write's outcome is then unknown, and the
    /// operation looks before sending anything again).
    Http {
        attempt: AttemptId,
        request: Request,
        client_request_id: Guid,
        deadline: TimerId,
        deadline_ms: u64,
    },
    /// Answer with [`Event::TimerFired`] after `millis`.
    Wait { timer: TimerId, millis: u64 },
    /// Answer with [`Event::Online`] when the browser is online again.
    WaitOnline,
    /// Store this text under the run's sessionStorage key (see [`super::journal`]).
    SaveJournal(String),
}
