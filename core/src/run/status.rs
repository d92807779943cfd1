//! Where a run stands, why it waits for the admin, and why it stopped.

use crate::explain::{Audience, Explain, Explanation};
use crate::graph::GraphError;
use crate::op::{Kind, OpError};

/// Why a run waits for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pause {
    /// The directory has not shown a just-created object within the deadline.
    Replicating { what: String },
    /// Still throttled after the retry limit.
    Throttled,
    /// The network kept failing.
    Network,
    /// Graph answered 401: the access token expired.
    SignInAgain,
}

impl Explain for Pause {
    fn explain(&self) -> Explanation {
        let (title, detail, fix) = match self {
            Pause::Replicating { what } => (
                "Directory still replicating — Resume.",
                format!("Microsoft Entra has not yet shown the {what} created a moment ago on every server. This is normal and usually takes seconds, sometimes minutes."),
                "Wait a minute, then click Resume. Nothing is lost: what was created is recorded and will be reused.",
            ),
            Pause::Throttled => (
                "Microsoft Graph asked to slow down.",
                "Microsoft Graph kept answering “too many requests” (HTTP 429/503).".to_owned(),
                "Wait a few minutes, then click Resume. Nothing is lost.",
            ),
            Pause::Network => (
                "The network connection failed.",
                "Requests to Microsoft Graph failed repeatedly without an answer.".to_owned(),
                "Check your connection, then click Resume. Before sending anything again, mailgrant checks what was already done.",
            ),
            Pause::SignInAgain => (
                "Your sign-in expired.",
                "Microsoft Graph no longer accepts this page's access token (HTTP 401).".to_owned(),
                "Sign in again; the run continues where it stopped after checking what was already done.",
            ),
        };
        Explanation {
            title: title.into(),
            detail,
            fix: fix.into(),
            audience: Audience::Admin,
            example: None,
        }
    }
}

/// A translated failure that stops the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("{}: permission denied ({graph})", op.label())]
    Denied { op: Kind, graph: GraphError },
    #[error("{}: {error}", op.label())]
    Failed { op: Kind, error: OpError },
    #[error(
        "undo is not possible yet: the outcome of “{}” is still unknown; click Resume first",
        op.label()
    )]
    UndoBlocked { op: Kind },
    #[error("the code does not match the one the Exchange script prints for this app ({})", op.label())]
    CodeMismatch { op: Kind },
}

impl RunError {
    /// The operation's own error, if it was one.
    pub fn op_error(&self) -> Option<&OpError> {
        match self {
            RunError::Failed { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl Explain for RunError {
    fn explain(&self) -> Explanation {
        match self {
            RunError::Failed { op, error } => error.explain_for(op),
            RunError::Denied { op, graph } => Explanation {
                title: format!("You are not allowed to {}.", op.label()),
                detail: match &graph.request_id {
                    Some(id) => format!("{self} (request-id {id})"),
                    None => self.to_string(),
                },
                fix: format!(
                    "{} Sign in with such an account (or ask an administrator who has it), then Resume.",
                    op.needs()
                ),
                audience: Audience::Admin,
                example: None,
            },
            RunError::CodeMismatch { .. } => Explanation {
                title: "That is not the code the script printed.".into(),
                detail: self.to_string(),
                fix: "Run the script shown here (the one for this app), wait for its PASS line, and type the confirmation code printed under it. Nothing was granted.".into(),
                audience: Audience::Admin,
                example: None,
            },
            RunError::UndoBlocked { .. } => Explanation {
                title: "Undo has to wait.".into(),
                detail: self.to_string(),
                fix: "Click Resume so mailgrant can check what was created, then Undo.".into(),
                audience: Audience::Admin,
                example: None,
            },
        }
    }
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Running,
    /// Waiting for [`super::Event::Online`].
    Offline,
    Paused(Pause),
    Failed(RunError),
    /// Waits for the admin's step outside the page ([`super::Event::Confirm`]).
    Waiting,
    Done,
}
