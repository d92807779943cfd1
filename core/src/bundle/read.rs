//! `mailgrant-bundle/1` JSON read back into a [`Bundle`]: how the hand-off module gets the
//! bundle the page rendered ([`super::render_json`]) before it writes the README, `.env`,
//! `.sh`, `.ics` and test scripts from it. The page does not link this (nor those renderers):
//! they arrive with the module, after Apply starts.
//!
//! Every value goes through the same validated constructors as the page's own bundle
//! ([`Bundle::new`], the id and text types), so a damaged or foreign file is refused, naming
//! its key, and never rendered.

use serde_json::{Map, Value};

use super::{Bundle, BundleCredential, BundleError, BundleInput, Endpoints, MailboxScope};
use super::{UtcDateTime, BUNDLE_FORMAT};
use crate::config::ScopeMode;
use crate::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::powershell::{DisplayText, ScopeTarget};
use crate::secret::ClientSecret;

type Obj = Map<String, Value>;

fn bad(key: &str, why: impl std::fmt::Display) -> BundleError {
    BundleError::Unreadable(format!("{key}: {why}"))
}

fn opt<'a>(o: &'a Obj, key: &str) -> Result<Option<&'a str>, BundleError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(key, "not a string")),
    }
}

fn req<'a>(o: &'a Obj, key: &str) -> Result<&'a str, BundleError> {
    opt(o, key)?.ok_or_else(|| bad(key, "missing"))
}

/// A required value through its type's parser.
fn typed<T, E: std::fmt::Display>(
    o: &Obj,
    key: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, BundleError> {
    parse(req(o, key)?).map_err(|e| bad(key, e))
}

fn object<'a>(o: &'a Obj, key: &str) -> Result<&'a Obj, BundleError> {
    o.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| bad(key, "missing or not an object"))
}

/// The bundle in `text`, checked as the page checks its own.
pub fn read_json(text: &str) -> Result<Bundle, BundleError> {
    let v: Value = serde_json::from_str(text).map_err(|e| bad("(the file)", e))?;
    let o = v
        .as_object()
        .ok_or_else(|| bad("(the file)", "not a JSON object"))?;
    if req(o, "format")? != BUNDLE_FORMAT {
        return Err(bad("format", format!("not {BUNDLE_FORMAT}")));
    }
    let c = object(o, "credential")?;
    let time = |o: &Obj, key: &str| typed(o, key, UtcDateTime::parse_rfc3339);
    let credential = match req(c, "kind")? {
        "clientSecret" => BundleCredential::ClientSecret {
            value: ClientSecret::new(req(o, "clientSecretValue")?.to_owned()),
            id: typed(o, "clientSecretId", KeyId::parse)?,
            expires_at: time(c, "expiresAt")?,
        },
        "certificate" => BundleCredential::Certificate {
            thumbprint: req(c, "thumbprint")?.to_owned(),
            thumbprint_sha256: req(c, "thumbprintSha256")?.to_owned(),
            expires_at: time(c, "expiresAt")?,
        },
        "federated" => BundleCredential::Federated {
            name: req(c, "name")?.to_owned(),
            issuer: req(c, "issuer")?.to_owned(),
            subject: req(c, "subject")?.to_owned(),
            audience: req(c, "audience")?.to_owned(),
        },
        "multiTenantApp" => BundleCredential::VendorApp,
        other => return Err(bad("credential.kind", format!("unknown kind “{other}”"))),
    };
    let s = object(o, "mailboxScope")?;
    let mode = req(s, "mode")?;
    let mode = ScopeMode::from_config_str(mode)
        .ok_or_else(|| bad("mailboxScope.mode", format!("unknown mode “{mode}”")))?;
    let group_address = || typed(s, "groupAddress", SmtpAddress::parse);
    let target = match req(s, "target")? {
        "oneMailbox" => ScopeTarget::OneMailbox,
        "existingGroup" => ScopeTarget::ExistingGroup {
            address: group_address()?,
        },
        "newGroup" => ScopeTarget::NewGroup {
            name: typed(s, "groupName", DisplayText::parse)?,
            address: group_address()?,
        },
        other => {
            return Err(bad(
                "mailboxScope.target",
                format!("unknown target “{other}”"),
            ))
        }
    };
    Bundle::new(BundleInput {
        tenant_id: typed(o, "tenantId", TenantId::parse)?,
        client_id: typed(o, "clientId", ClientId::parse)?,
        app_object_id: opt(o, "appObjectId")?
            .map(ObjectId::parse)
            .transpose()
            .map_err(|e| bad("appObjectId", e))?,
        service_principal_object_id: typed(o, "servicePrincipalObjectId", ObjectId::parse)?,
        app_display_name: typed(o, "appDisplayName", DisplayText::parse)?,
        credential,
        mailbox_object_id: typed(o, "mailboxObjectId", ObjectId::parse)?,
        mailbox_address: typed(o, "mailboxAddress", SmtpAddress::parse)?,
        mailbox_scope: MailboxScope { mode, target },
        endpoints: Endpoints::custom(req(o, "tokenEndpoint")?, req(o, "graphBaseUrl")?)?,
        created_at: time(o, "createdAt")?,
    })
}
