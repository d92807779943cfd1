//! The write-ahead journal, kept by the shell in sessionStorage under [`STORAGE_KEY`]: the run's
//! inputs, the ids it learned and each operation's status. No plan is stored: on resume the
//! plan is rebuilt from the inputs ([`crate::plan::rebuild`]), so a resumed run can never carry a
//! stale one.
//!
//! Format (JSON, `version` 2):
//! ```json
//! {
//!   "version": 2,
//!   "runId": "…guid…",
//!   "toolVersion": "0.1.0",
//!   "inputs": {"tenant": "…", "mailbox": "…", "mode": "rbacForApplications", …},
//!   "mailboxId": "…", "scope": {"kind": "one"}, "denied": null,
//!   "options": {"newSecret": false, "removeUnscopedGrant": false},
//!   "existing": {"app": null, "sp": null, "secrets": [], …},
//!   "status": [{"state": "done", "outcome": "created"}, {"state": "intent"}, {"state": "pending"}],
//!   "facts": {"app": "…", "appId": "…", "sp": "…", "keyId": "…", "secretHandedOff": false, …},
//!   "undoFrom": null
//! }
//! ```
//! `status[i]` belongs to the plan's operation `i`; from `undoFrom` on, to the undo operations
//! (rebuilt from the statuses and facts). `intent`: a write was sent and its outcome is not
//! recorded; on resume it is reconciled against Graph before anything is sent again. The journal
//! holds ids only: never the client secret (only its `keyId`) and never a token.

use serde_json::Value;

use crate::config::ScopeMode;
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::Guid;
use crate::job::Scope;
use crate::op::{Facts, Outcome};
use crate::plan::{self, Plan};
use fields::{address, object, object_id, or_null, Obj, GUID};

mod fields;

/// The sessionStorage key.
pub const STORAGE_KEY: &str = "mailgrant.run";
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpStatus {
    Pending,
    Intent,
    Done(Outcome),
}

impl OpStatus {
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            OpStatus::Done(o) => Some(*o),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JournalError {
    #[error("the saved run could not be read ({0})")]
    Unreadable(String),
    #[error("the saved run has version {0}; this page reads version {VERSION}")]
    Version(u32),
}

impl Explain for JournalError {
    fn explain(&self) -> Explanation {
        let title = match self {
            JournalError::Version(_) => {
                "The interrupted setup was saved by another version of this page."
            }
            JournalError::Unreadable(_) => "The interrupted setup could not be continued.",
        };
        Explanation {
            title: title.into(),
            detail: self.to_string(),
            fix: "Start the setup again: mailgrant finds the app it made earlier by its unique name and reuses it, so nothing is created twice. Check App registrations in the Entra admin center for a secret you never received, and delete it.".into(),
            audience: Audience::Admin,
            example: None,
        }
    }
}

/// A journal, read and checked.
#[derive(Debug)]
pub(crate) struct Journal {
    pub run_id: Guid,
    pub plan: Plan,
    pub status: Vec<OpStatus>,
    pub facts: Facts,
    pub undo_from: Option<usize>,
}

/// The journal text of a run.
pub(crate) fn text(
    plan: &Plan,
    run_id: Guid,
    status: &[OpStatus],
    facts: &Facts,
    undo_from: Option<usize>,
) -> String {
    object([
        ("version", VERSION.into()),
        ("runId", run_id.to_string().into()),
        ("toolVersion", plan.tool_version.clone().into()),
        ("inputs", fields::inputs_json(&plan.inputs)),
        ("mailboxId", plan.mailbox_id.to_string().into()),
        ("scope", fields::scope_json(&plan.scope)),
        ("denied", or_null(plan.scope.denied.as_ref())),
        ("options", fields::options_json(&plan.options)),
        ("existing", fields::existing_json(&plan.existing)),
        ("status", fields::status_json(status)),
        ("facts", fields::facts_json(facts)),
        ("undoFrom", undo_from.map_or(Value::Null, Value::from)),
    ])
    .to_string()
}

/// Validates a saved journal without running it: its run id, or why it cannot be continued.
pub fn check(text: &str) -> Result<Guid, JournalError> {
    Journal::parse(text).map(|j| j.run_id)
}

/// The scoping mode of a saved run, without reading the rest (the sign-in must ask for that
/// mode's scopes).
pub fn mode(text: &str) -> Option<ScopeMode> {
    let v: Value = serde_json::from_str(text).ok()?;
    let j = Obj::of(&v, "", fields::DOC).ok()?;
    if j.number("version").ok()? != u64::from(VERSION) {
        return None;
    }
    j.obj("inputs", "inputs.")
        .ok()?
        .req("mode", "a scoping mode", ScopeMode::from_config_str)
        .ok()
}

fn bad(what: impl Into<String>) -> JournalError {
    JournalError::Unreadable(what.into())
}

impl Journal {
    pub fn parse(text: &str) -> Result<Journal, JournalError> {
        let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let j = Obj::of(&v, "", fields::DOC).map_err(bad)?;
        match j.opt_number("version").map_err(bad)? {
            Some(n) if n == u64::from(VERSION) => {}
            Some(n) => return Err(JournalError::Version(u32::try_from(n).unwrap_or(u32::MAX))),
            // The wrapper version 1 kept the run's journal in (`{"run": "…", "scope": …}`).
            None if v.get("run").is_some_and(|r| !r.is_null()) => {
                return Err(JournalError::Version(1))
            }
            None => return Err(bad("no version")),
        }
        Self::read(j).map_err(bad)
    }

    fn read(j: Obj) -> Result<Journal, String> {
        let j = j.only(&[
            "version",
            "runId",
            "toolVersion",
            "inputs",
            "mailboxId",
            "scope",
            "denied",
            "options",
            "existing",
            "status",
            "facts",
            "undoFrom",
        ])?;
        let run_id = j.req("runId", GUID, |s| Guid::parse(s).ok())?;
        let (target, group_id) = fields::scope(j.obj("scope", "scope.")?)?;
        let scope = Scope {
            target,
            denied: j.opt("denied", "an e-mail address", address)?,
            group_id,
        };
        let tool_version = j.text("toolVersion")?;
        let plan = plan::rebuild(
            fields::inputs(j.obj("inputs", "inputs.")?)?,
            j.req("mailboxId", GUID, object_id)?,
            fields::existing(j.obj("existing", "existing.")?)?,
            fields::options(j.obj("options", "options.")?)?,
            scope,
            &tool_version,
        )
        .map_err(|e| e.to_string())?;
        let status = j.list("status", fields::status)?;
        let undo_from = j
            .opt_number("undoFrom")?
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        if let Some(from) = undo_from {
            if from != plan.ops.len() || from > status.len() {
                return Err("undoFrom does not follow the plan".into());
            }
        } else if status.len() != plan.ops.len() {
            return Err("the plan and the statuses differ in number".into());
        }
        let facts = fields::facts(j.obj("facts", "facts.")?)?;
        Ok(Journal {
            run_id,
            plan,
            status,
            facts,
            undo_from,
        })
    }
}

#[cfg(test)]
mod tests;
