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

use serde::{Deserialize, Serialize};

use crate::config::ScopeMode;
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::{AssignmentId, ClientId, Guid, KeyId, ObjectId, SmtpAddress};
use crate::job::{Existing, Inputs, Options, Scope};
use crate::op::{Facts, Fallback, Outcome};
use crate::plan::{self, Plan};
use crate::powershell::{DisplayText, ScopeTarget};
use crate::time::UtcDateTime;

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

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Status {
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScopeJ {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<SmtpAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group_id: Option<ObjectId>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FactsJ {
    app: Option<ObjectId>,
    app_id: Option<ClientId>,
    #[serde(default)]
    app_secrets: Vec<(KeyId, String)>,
    graph_sp: Option<ObjectId>,
    mail_send_role: Option<String>,
    sp: Option<ObjectId>,
    key_id: Option<KeyId>,
    secret_end: Option<String>,
    secret_lifetime_days: Option<u32>,
    #[serde(default)]
    secret_handed_off: bool,
    grant_id: Option<AssignmentId>,
    #[serde(default)]
    lost_keys: Vec<KeyId>,
    #[serde(default)]
    removed_keys: Vec<KeyId>,
    #[serde(default)]
    notes: Vec<String>,
    exchange_role: Option<Guid>,
    exchange_assignment: Option<Guid>,
    exchange_fallback: Option<String>,
    #[serde(default)]
    federated: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JournalJ {
    version: u32,
    run_id: String,
    tool_version: String,
    inputs: Inputs,
    mailbox_id: ObjectId,
    scope: ScopeJ,
    denied: Option<SmtpAddress>,
    options: Options,
    existing: Existing,
    status: Vec<Status>,
    facts: FactsJ,
    undo_from: Option<usize>,
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
    let group_id = plan.scope.group_id;
    let scope = match &plan.scope.target {
        ScopeTarget::OneMailbox => ScopeJ {
            kind: "one".into(),
            name: None,
            address: None,
            group_id,
        },
        ScopeTarget::ExistingGroup { address } => ScopeJ {
            kind: "group".into(),
            name: None,
            address: Some(address.clone()),
            group_id,
        },
        ScopeTarget::NewGroup { name, address } => ScopeJ {
            kind: "new".into(),
            name: Some(name.as_str().to_owned()),
            address: Some(address.clone()),
            group_id,
        },
    };
    let j = JournalJ {
        version: VERSION,
        run_id: run_id.to_string(),
        tool_version: plan.tool_version.clone(),
        inputs: plan.inputs.clone(),
        mailbox_id: plan.mailbox_id,
        scope,
        denied: plan.scope.denied.clone(),
        options: plan.options,
        existing: plan.existing.clone(),
        status: status
            .iter()
            .map(|s| match s {
                OpStatus::Pending => Status {
                    state: "pending".into(),
                    outcome: None,
                },
                OpStatus::Intent => Status {
                    state: "intent".into(),
                    outcome: None,
                },
                OpStatus::Done(o) => Status {
                    state: "done".into(),
                    outcome: Some(o.as_str().into()),
                },
            })
            .collect(),
        facts: FactsJ {
            app: facts.app,
            app_id: facts.app_id,
            app_secrets: facts.app_secrets.clone(),
            graph_sp: facts.graph_sp,
            mail_send_role: facts.mail_send_role.map(|g| g.to_string()),
            sp: facts.sp,
            key_id: facts.key_id,
            secret_end: facts.secret_end.map(UtcDateTime::to_rfc3339),
            secret_lifetime_days: facts.secret_lifetime_days,
            secret_handed_off: facts.secret_handed_off,
            grant_id: facts.grant_id.clone(),
            lost_keys: facts.lost_keys.clone(),
            removed_keys: facts.removed_keys.clone(),
            notes: facts.notes.clone(),
            exchange_role: facts.exchange_role,
            exchange_assignment: facts.exchange_assignment,
            exchange_fallback: facts.exchange_fallback.map(Fallback::as_str),
            federated: facts.federated.clone(),
        },
        undo_from,
    };
    serde_json::to_string(&j).unwrap_or_default()
}

/// The scoping mode of a saved run, without reading the rest (the sign-in must ask for that
/// mode's scopes).
/// Validates a saved journal without running it: its run id, or why it cannot be continued.
pub fn check(text: &str) -> Result<Guid, JournalError> {
    Journal::parse(text).map(|j| j.run_id)
}

pub fn mode(text: &str) -> Option<ScopeMode> {
    #[derive(Deserialize)]
    struct Peek {
        version: u32,
        inputs: Inputs,
    }
    serde_json::from_str::<Peek>(text)
        .ok()
        .filter(|p| p.version == VERSION)
        .map(|p| p.inputs.mode)
}

fn bad(what: impl Into<String>) -> JournalError {
    JournalError::Unreadable(what.into())
}

impl Journal {
    pub fn parse(text: &str) -> Result<Journal, JournalError> {
        #[derive(Deserialize)]
        struct Version {
            version: Option<u32>,
            /// The wrapper version 1 kept the run's journal in (`{"run": "…", "scope": …}`).
            run: Option<serde::de::IgnoredAny>,
        }
        let v: Version = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        match (v.version, v.run) {
            (Some(VERSION), _) => {}
            (Some(n), _) => return Err(JournalError::Version(n)),
            (None, Some(_)) => return Err(JournalError::Version(1)),
            (None, None) => return Err(bad("no version")),
        }
        let j: JournalJ = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let run_id = Guid::parse(&j.run_id).map_err(|e| bad(e.to_string()))?;
        let target = match (j.scope.kind.as_str(), j.scope.name, j.scope.address.clone()) {
            ("one", None, None) => ScopeTarget::OneMailbox,
            ("group", None, Some(address)) => ScopeTarget::ExistingGroup { address },
            ("new", Some(name), Some(address)) => ScopeTarget::NewGroup {
                name: DisplayText::parse(&name).map_err(|e| bad(e.to_string()))?,
                address,
            },
            (kind, ..) => return Err(bad(format!("scope “{kind}”"))),
        };
        let scope = Scope {
            target,
            denied: j.denied,
            group_id: j.scope.group_id,
        };
        let plan = plan::rebuild(
            j.inputs,
            j.mailbox_id,
            j.existing,
            j.options,
            scope,
            &j.tool_version,
        )
        .map_err(|e| bad(e.to_string()))?;
        let status = j
            .status
            .into_iter()
            .map(|s| match (s.state.as_str(), s.outcome.as_deref()) {
                ("pending", None) => Ok(OpStatus::Pending),
                ("intent", None) => Ok(OpStatus::Intent),
                ("done", Some(o)) => Outcome::parse(o)
                    .map(OpStatus::Done)
                    .ok_or_else(|| bad(format!("outcome “{o}”"))),
                (state, _) => Err(bad(format!("state “{state}”"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(from) = j.undo_from {
            if from != plan.ops.len() || from > status.len() {
                return Err(bad("undoFrom does not follow the plan"));
            }
        } else if status.len() != plan.ops.len() {
            return Err(bad("the plan and the statuses differ in number"));
        }
        let f = j.facts;
        let secret_end = match f.secret_end {
            Some(s) => Some(UtcDateTime::parse_rfc3339(&s).map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        let mail_send_role = match f.mail_send_role {
            Some(s) => Some(Guid::parse(&s).map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        let facts = Facts {
            app: f.app,
            app_id: f.app_id,
            app_secrets: f.app_secrets,
            graph_sp: f.graph_sp,
            mail_send_role,
            sp: f.sp,
            key_id: f.key_id,
            secret_end,
            secret_lifetime_days: f.secret_lifetime_days,
            secret_handed_off: f.secret_handed_off,
            grant_id: f.grant_id,
            lost_keys: f.lost_keys,
            removed_keys: f.removed_keys,
            notes: f.notes,
            exchange_role: f.exchange_role,
            exchange_assignment: f.exchange_assignment,
            exchange_fallback: match f.exchange_fallback {
                Some(s) => Some(Fallback::parse(&s).ok_or_else(|| bad(format!("fallback “{s}”")))?),
                None => None,
            },
            federated: f.federated,
            found: Default::default(),
        };
        Ok(Journal {
            run_id,
            plan,
            status,
            facts,
            undo_from: j.undo_from,
        })
    }
}
