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

use serde_json::{Map, Value};

use crate::config::ScopeMode;
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::{AssignmentId, Guid};
use crate::job::Scope;
use crate::op::{Facts, Fallback, Outcome};
use crate::plan::{self, Plan};
use crate::powershell::{DisplayText, ScopeTarget};
use crate::time::UtcDateTime;
use fields::{address, client_id, key_id, object, object_id, or_null, strings, Obj, GUID};

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
    let (kind, name, address) = match &plan.scope.target {
        ScopeTarget::OneMailbox => ("one", None, None),
        ScopeTarget::ExistingGroup { address } => ("group", None, Some(address)),
        ScopeTarget::NewGroup { name, address } => ("new", Some(name.as_str()), Some(address)),
    };
    let mut scope = Map::new();
    scope.insert("kind".into(), kind.into());
    for (key, value) in [
        ("name", name.map(str::to_owned)),
        ("address", address.map(ToString::to_string)),
        ("groupId", plan.scope.group_id.map(|g| g.to_string())),
    ] {
        if let Some(v) = value {
            scope.insert(key.into(), v.into());
        }
    }
    let status = status
        .iter()
        .map(|s| match s {
            OpStatus::Pending => object([("state", "pending".into())]),
            OpStatus::Intent => object([("state", "intent".into())]),
            OpStatus::Done(o) => object([("state", "done".into()), ("outcome", o.as_str().into())]),
        })
        .collect();
    let f = facts;
    let facts = object([
        ("app", or_null(f.app)),
        ("appId", or_null(f.app_id)),
        (
            "appSecrets",
            Value::Array(
                f.app_secrets
                    .iter()
                    .map(|(k, name)| Value::Array(vec![k.to_string().into(), name.clone().into()]))
                    .collect(),
            ),
        ),
        ("graphSp", or_null(f.graph_sp)),
        ("mailSendRole", or_null(f.mail_send_role)),
        ("sp", or_null(f.sp)),
        ("keyId", or_null(f.key_id)),
        (
            "secretEnd",
            or_null(f.secret_end.map(UtcDateTime::to_rfc3339)),
        ),
        (
            "secretLifetimeDays",
            f.secret_lifetime_days.map_or(Value::Null, Value::from),
        ),
        ("secretHandedOff", f.secret_handed_off.into()),
        ("grantId", or_null(f.grant_id.as_ref())),
        ("lostKeys", strings(&f.lost_keys)),
        ("removedKeys", strings(&f.removed_keys)),
        ("notes", strings(&f.notes)),
        ("exchangeRole", or_null(f.exchange_role)),
        ("exchangeAssignment", or_null(f.exchange_assignment)),
        (
            "exchangeFallback",
            or_null(f.exchange_fallback.map(Fallback::as_str)),
        ),
        ("federated", or_null(f.federated.as_ref())),
    ]);
    object([
        ("version", VERSION.into()),
        ("runId", run_id.to_string().into()),
        ("toolVersion", plan.tool_version.clone().into()),
        ("inputs", fields::inputs_json(&plan.inputs)),
        ("mailboxId", plan.mailbox_id.to_string().into()),
        ("scope", Value::Object(scope)),
        ("denied", or_null(plan.scope.denied.as_ref())),
        ("options", fields::options_json(&plan.options)),
        ("existing", fields::existing_json(&plan.existing)),
        ("status", Value::Array(status)),
        ("facts", facts),
        ("undoFrom", undo_from.map_or(Value::Null, Value::from)),
    ])
    .to_string()
}

/// The scoping mode of a saved run, without reading the rest (the sign-in must ask for that
/// mode's scopes).
/// Validates a saved journal without running it: its run id, or why it cannot be continued.
pub fn check(text: &str) -> Result<Guid, JournalError> {
    Journal::parse(text).map(|j| j.run_id)
}

pub fn mode(text: &str) -> Option<ScopeMode> {
    let v: Value = serde_json::from_str(text).ok()?;
    let j = Obj::of(&v, "").ok()?;
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
        let j = Obj::of(&v, "").map_err(bad)?;
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
        let s = j
            .obj("scope", "scope.")?
            .only(&["kind", "name", "address", "groupId"])?;
        let group = s.opt("address", "an e-mail address", address)?;
        let target = match (s.text("kind")?.as_str(), s.opt_text("name")?, group) {
            ("one", None, None) => ScopeTarget::OneMailbox,
            ("group", None, Some(address)) => ScopeTarget::ExistingGroup { address },
            ("new", Some(name), Some(address)) => ScopeTarget::NewGroup {
                name: DisplayText::parse(&name).map_err(|e| format!("scope.name: {e}"))?,
                address,
            },
            (kind, ..) => return Err(format!("scope “{kind}”")),
        };
        let scope = Scope {
            target,
            denied: j.opt("denied", "an e-mail address", address)?,
            group_id: s.opt("groupId", GUID, object_id)?,
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
        let status = j.list("status", |v| {
            let s = Obj::of(v, "status.")
                .ok()?
                .only(&["state", "outcome"])
                .ok()?;
            match (s.text("state").ok()?.as_str(), s.opt_text("outcome").ok()?) {
                ("pending", None) => Some(OpStatus::Pending),
                ("intent", None) => Some(OpStatus::Intent),
                ("done", Some(o)) => Outcome::parse(&o).map(OpStatus::Done),
                _ => None,
            }
        })?;
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
        let f = j.obj("facts", "facts.")?.only(&[
            "app",
            "appId",
            "appSecrets",
            "graphSp",
            "mailSendRole",
            "sp",
            "keyId",
            "secretEnd",
            "secretLifetimeDays",
            "secretHandedOff",
            "grantId",
            "lostKeys",
            "removedKeys",
            "notes",
            "exchangeRole",
            "exchangeAssignment",
            "exchangeFallback",
            "federated",
        ])?;
        let guid = |s: &str| Guid::parse(s).ok();
        let facts = Facts {
            app: f.opt("app", GUID, object_id)?,
            app_id: f.opt("appId", GUID, client_id)?,
            app_secrets: f.list("appSecrets", |v| match v.as_array()?.as_slice() {
                [Value::String(k), Value::String(name)] => Some((key_id(k)?, name.clone())),
                _ => None,
            })?,
            graph_sp: f.opt("graphSp", GUID, object_id)?,
            mail_send_role: f.opt("mailSendRole", GUID, guid)?,
            sp: f.opt("sp", GUID, object_id)?,
            key_id: f.opt("keyId", GUID, key_id)?,
            secret_end: f.opt("secretEnd", "a date", |s| {
                UtcDateTime::parse_rfc3339(s).ok()
            })?,
            secret_lifetime_days: f
                .opt_number("secretLifetimeDays")?
                .map(|n| u32::try_from(n).map_err(|_| "facts.secretLifetimeDays: too large"))
                .transpose()?,
            secret_handed_off: f.flag("secretHandedOff")?,
            grant_id: f.opt("grantId", "an assignment id", AssignmentId::parse)?,
            lost_keys: f.texts("lostKeys", key_id)?,
            removed_keys: f.texts("removedKeys", key_id)?,
            notes: f.texts("notes", |s| Some(s.to_owned()))?,
            exchange_role: f.opt("exchangeRole", GUID, guid)?,
            exchange_assignment: f.opt("exchangeAssignment", GUID, guid)?,
            exchange_fallback: f.opt("exchangeFallback", "a fallback", Fallback::parse)?,
            federated: f.opt_text("federated")?,
            found: Default::default(),
        };
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
