//! The write-ahead journal, kept by the shell in sessionStorage under [`STORAGE_KEY`].
//!
//! Format (JSON, `version` 1):
//! ```json
//! {
//!   "version": 1,
//!   "runId": "…guid…",
//!   "plan": { …plan::Plan… },
//!   "ops": [ {"id": 0, "kind": {"kind": "upsertApp"}, "deps": [], "why": "…"}, … ],
//!   "status": [ {"state": "done", "outcome": "created"}, {"state": "intent"}, {"state": "pending"}, … ],
//!   "context": { "app": "…", "appId": "…", "sp": "…", "keyId": "…", "secretHandedOff": false, … },
//!   "undoFrom": null
//! }
//! ```
//! `status[i]` belongs to `ops[i]`. `intent`: a write was sent and its outcome is not recorded;
//! on resume it is reconciled against Graph before anything is sent again. Undo operations are
//! appended to `ops` from index `undoFrom`. The journal holds ids only: never the client secret
//! (only its `keyId`) and never a token.

use serde::{Deserialize, Serialize};

use super::{Context, Outcome, Run};
use crate::ids::Guid;
use crate::plan::{Op, Plan};

/// The sessionStorage key.
pub const STORAGE_KEY: &str = "mailgrant.run";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum OpStatus {
    Pending,
    Intent,
    Done { outcome: Outcome },
    Failed,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JournalError {
    #[error("the saved run could not be read ({0})")]
    Unreadable(String),
    #[error("the saved run has version {0}; this page reads version {VERSION}")]
    Version(u32),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Journal {
    pub version: u32,
    #[serde(with = "guid_serde")]
    pub run_id: Guid,
    pub plan: Plan,
    pub ops: Vec<Op>,
    pub status: Vec<OpStatus>,
    pub context: Context,
    pub undo_from: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JournalRef<'a> {
    version: u32,
    run_id: String,
    plan: &'a Plan,
    ops: &'a [Op],
    status: Vec<OpStatus>,
    context: &'a Context,
    undo_from: Option<usize>,
}

mod guid_serde {
    use crate::ids::Guid;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Guid, D::Error> {
        let s = String::deserialize(d)?;
        Guid::parse(&s).map_err(serde::de::Error::custom)
    }

    #[allow(dead_code)]
    pub fn serialize<S: serde::Serializer>(g: &Guid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(g)
    }
}

impl Journal {
    pub fn text(run: &Run, plan: &Plan) -> String {
        let (ops, status, context, undo_from) = run.journal_parts();
        serde_json::to_string(&JournalRef {
            version: VERSION,
            run_id: run.run_id().to_string(),
            plan,
            ops,
            status,
            context,
            undo_from,
        })
        .unwrap_or_default()
    }

    pub fn parse(text: &str) -> Result<Journal, JournalError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| JournalError::Unreadable(e.to_string()))?;
        match v["version"].as_u64() {
            Some(n) if n == u64::from(VERSION) => {}
            Some(n) => return Err(JournalError::Version(n as u32)),
            None => return Err(JournalError::Unreadable("no version".into())),
        }
        let j: Journal =
            serde_json::from_value(v).map_err(|e| JournalError::Unreadable(e.to_string()))?;
        if j.ops.len() != j.status.len() {
            return Err(JournalError::Unreadable(
                "ops and status differ in length".into(),
            ));
        }
        Ok(j)
    }
}

impl crate::explain::Explain for JournalError {
    fn explain(&self) -> crate::explain::Explanation {
        crate::explain::Explanation {
            title: "The interrupted setup could not be continued.".into(),
            detail: self.to_string(),
            fix: "Start the setup again: mailgrant finds the app it made earlier by its unique name and reuses it, so nothing is created twice. Check App registrations in the Entra admin center for a secret you never received, and delete it.".into(),
            audience: crate::explain::Audience::Admin,
            example: None,
        }
    }
}
