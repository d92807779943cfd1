//! The journal's JSON read and written by hand, over `serde_json::Value` (which the page reads
//! `config.json` with anyway), each part's writer beside its reader: serde's derived readers and
//! writers for the journal's dozen structures cost the first load 5.8 kB gzip'd. Every error
//! names its field (`facts.keyId: not a GUID`), as `config.json`'s do.

use serde_json::{Map, Value};

pub(super) use crate::json_object::{object, or_null, Obj};

use super::OpStatus;
use crate::config::ScopeMode;
use crate::graph::apps::Assignment;
use crate::ids::{AssignmentId, ClientId, Guid, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::job::{CredentialPlan, Existing, Inputs, Options, Scope};
use crate::op::{Facts, Fallback, Outcome};
use crate::powershell::{DisplayText, ScopeTarget};
use crate::time::UtcDateTime;

/// The document, in the reader's errors.
pub(super) const DOC: &str = "the journal";

// ---- the ids' forms ----

pub(super) const GUID: &str = "a GUID";

pub(super) fn object_id(s: &str) -> Option<ObjectId> {
    ObjectId::parse(s).ok()
}

fn client_id(s: &str) -> Option<ClientId> {
    ClientId::parse(s).ok()
}

fn key_id(s: &str) -> Option<KeyId> {
    KeyId::parse(s).ok()
}

pub(super) fn address(s: &str) -> Option<SmtpAddress> {
    SmtpAddress::parse(s).ok()
}

fn strings<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|x| Value::String(x.to_string())).collect())
}

// ---- the job's parts ----

pub(super) fn inputs_json(i: &Inputs) -> Value {
    object([
        ("tenant", Value::String(i.tenant.to_string())),
        ("mailbox", Value::String(i.mailbox.to_string())),
        ("mode", Value::String(i.mode.as_config_str().to_owned())),
        ("vendor", Value::String(i.vendor.clone())),
        ("appDisplayName", Value::String(i.app_display_name.clone())),
        ("secretLifetimeDays", Value::from(i.secret_lifetime_days)),
        ("credential", Value::from(i.credential.clone())),
    ])
}

pub(super) fn inputs(o: Obj) -> Result<Inputs, String> {
    Ok(Inputs {
        tenant: o.req("tenant", "a tenant id", |s| TenantId::parse(s).ok())?,
        mailbox: o.req("mailbox", "an e-mail address", address)?,
        mode: o.req("mode", "a scoping mode", ScopeMode::from_config_str)?,
        vendor: o.text("vendor")?,
        app_display_name: o.text("appDisplayName")?,
        secret_lifetime_days: u32::try_from(o.number("secretLifetimeDays")?)
            .map_err(|_| "inputs.secretLifetimeDays: too large".to_owned())?,
        credential: match o.get("credential") {
            None => CredentialPlan::ClientSecret,
            Some(v) => CredentialPlan::try_from(v.clone())?,
        },
    })
}

pub(super) fn options_json(o: &Options) -> Value {
    object([
        ("newSecret", Value::Bool(o.new_secret)),
        ("removeUnscopedGrant", Value::Bool(o.remove_unscoped_grant)),
    ])
}

pub(super) fn options(o: Obj) -> Result<Options, String> {
    Ok(Options {
        new_secret: o.flag("newSecret")?,
        remove_unscoped_grant: o.flag("removeUnscopedGrant")?,
    })
}

pub(super) fn existing_json(e: &Existing) -> Value {
    object([
        ("app", or_null(e.app)),
        ("appId", or_null(e.app_id)),
        ("sp", or_null(e.sp)),
        ("secrets", strings(&e.secrets)),
        (
            "mailSendGrant",
            e.mail_send_grant.as_ref().map_or(Value::Null, |g| {
                object([
                    ("id", Value::String(g.id.to_string())),
                    ("appRoleId", Value::String(g.app_role_id.clone())),
                    ("resourceId", Value::String(g.resource_id.to_string())),
                    ("principalId", or_null(g.principal_id)),
                ])
            }),
        ),
        ("keys", strings(&e.keys)),
    ])
}

pub(super) fn existing(o: Obj) -> Result<Existing, String> {
    let grant = match o.opt_obj("mailSendGrant", "existing.mailSendGrant.")? {
        None => None,
        Some(g) => Some(Assignment {
            id: g.req("id", "an assignment id", AssignmentId::parse)?,
            app_role_id: g.text("appRoleId")?,
            resource_id: g.req("resourceId", GUID, object_id)?,
            principal_id: g.opt("principalId", GUID, object_id)?,
        }),
    };
    Ok(Existing {
        app: o.opt("app", GUID, object_id)?,
        app_id: o.opt("appId", GUID, client_id)?,
        sp: o.opt("sp", GUID, object_id)?,
        secrets: o.texts("secrets", key_id)?,
        mail_send_grant: grant,
        keys: o.texts("keys", |s| Some(s.to_owned()))?,
    })
}

// ---- the run's parts ----

pub(super) fn scope_json(s: &Scope) -> Value {
    let (kind, name, address) = match &s.target {
        ScopeTarget::OneMailbox => ("one", None, None),
        ScopeTarget::ExistingGroup { address } => ("group", None, Some(address)),
        ScopeTarget::NewGroup { name, address } => ("new", Some(name.as_str()), Some(address)),
    };
    let mut scope = Map::new();
    scope.insert("kind".into(), kind.into());
    for (key, value) in [
        ("name", name.map(str::to_owned)),
        ("address", address.map(ToString::to_string)),
        ("groupId", s.group_id.map(|g| g.to_string())),
    ] {
        if let Some(v) = value {
            scope.insert(key.into(), v.into());
        }
    }
    Value::Object(scope)
}

/// The scope's target and group id (the mailbox that must stay out of reach is the journal's
/// `denied`).
pub(super) fn scope(s: Obj) -> Result<(ScopeTarget, Option<ObjectId>), String> {
    let s = s.only(&["kind", "name", "address", "groupId"])?;
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
    Ok((target, s.opt("groupId", GUID, object_id)?))
}

pub(super) fn status_json(status: &[OpStatus]) -> Value {
    status
        .iter()
        .map(|s| match s {
            OpStatus::Pending => object([("state", "pending".into())]),
            OpStatus::Intent => object([("state", "intent".into())]),
            OpStatus::Done(o) => object([("state", "done".into()), ("outcome", o.as_str().into())]),
        })
        .collect()
}

/// One item of `status` (`None`: not of its form).
pub(super) fn status(v: &Value) -> Option<OpStatus> {
    let s = Obj::of(v, "status.", DOC)
        .ok()?
        .only(&["state", "outcome"])
        .ok()?;
    match (s.text("state").ok()?.as_str(), s.opt_text("outcome").ok()?) {
        ("pending", None) => Some(OpStatus::Pending),
        ("intent", None) => Some(OpStatus::Intent),
        ("done", Some(o)) => Outcome::parse(&o).map(OpStatus::Done),
        _ => None,
    }
}

pub(super) fn facts_json(f: &Facts) -> Value {
    object([
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
    ])
}

pub(super) fn facts(f: Obj) -> Result<Facts, String> {
    let f = f.only(&[
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
    Ok(Facts {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each field error names where it is.
    #[test]
    fn errors_name_the_field() {
        let check = |json: &str, expected: &str| {
            let v: Value = serde_json::from_str(json).unwrap();
            let o = Obj::of(&v, "inputs.", DOC).unwrap();
            assert_eq!(inputs(o).unwrap_err(), expected, "{json}");
        };
        let ok = r#""tenant":"72f988bf-86f1-41af-91ab-2d7cd011db47","mailbox":"a@b.example","vendor":"V","appDisplayName":"V x","secretLifetimeDays":180"#;
        for (json, expected) in [
            (format!(r#"{{{ok}}}"#), "inputs.mode: missing"),
            (
                format!(r#"{{{ok},"mode":"other"}}"#),
                "inputs.mode: not a scoping mode",
            ),
            (format!(r#"{{{ok},"mode":1}}"#), "inputs.mode: not a string"),
            (
                format!(r#"{{{ok},"mode":"rbacForApplications","secretLifetimeDays":-1}}"#),
                "inputs.secretLifetimeDays: not a whole number",
            ),
            (
                r#"{"tenant":"x","mode":"rbacForApplications"}"#.to_owned(),
                "inputs.tenant: not a tenant id",
            ),
        ] {
            check(&json, expected);
        }
        let v: Value = serde_json::from_str(r#"{"app":null,"x":1}"#).unwrap();
        let o = Obj::of(&v, "facts.", DOC).unwrap();
        assert_eq!(
            o.only(&["app"]).err().as_deref(),
            Some("facts.x: not a field of the journal")
        );
        assert_eq!(o.flag("app"), Ok(false), "null is missing");
        assert_eq!(
            o.list("x", |_| Some(())).unwrap_err(),
            "facts.x: not a list"
        );
        assert_eq!(
            Obj::of(&Value::Null, "scope.", DOC).err().as_deref(),
            Some("scope is not an object")
        );
    }
}
