//! `mailgrant-bundle/1` JSON read back into a [`Bundle`]: how the hand-off module gets the
//! bundle the page rendered ([`super::render_json`]) before it writes the README, `.env`,
//! `.sh`, `.ics` and test scripts from it. The page does not link this (nor those renderers):
//! they arrive with the module, after Apply starts.
//!
//! Every value goes through the same validated constructors as the page's own bundle
//! ([`Bundle::new`], the id and text types), so a damaged or foreign file is refused, naming
//! its key, and never rendered.

use serde_json::Value;

use super::{Bundle, BundleCredential, BundleError, BundleInput, Endpoints, MailboxScope};
use super::{UtcDateTime, BUNDLE_FORMAT};
use crate::config::ScopeMode;
use crate::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::json_object::Obj;
use crate::powershell::{DisplayText, ScopeTarget};
use crate::secret::ClientSecret;

const GUID: &str = "a GUID";
const ADDRESS: &str = "an e-mail address";
const NAME: &str = "a display name";
const TIME: &str = "a UTC time";

fn bad(why: String) -> BundleError {
    BundleError::Unreadable(why)
}

/// The bundle in `text`, checked as the page checks its own.
pub fn read_json(text: &str) -> Result<Bundle, BundleError> {
    let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    read(Obj::of(&v, "", "the bundle").map_err(bad)?).map_err(bad)
}

fn read(o: Obj) -> Result<Bundle, String> {
    if o.text("format")? != BUNDLE_FORMAT {
        return Err(format!("format: not {BUNDLE_FORMAT}"));
    }
    let c = o.obj("credential", "credential.")?;
    let time = |o: &Obj, key| o.req(key, TIME, |s| UtcDateTime::parse_rfc3339(s).ok());
    let credential = match c.text("kind")?.as_str() {
        "clientSecret" => BundleCredential::ClientSecret {
            value: ClientSecret::new(o.text("clientSecretValue")?),
            id: o.req("clientSecretId", GUID, |s| KeyId::parse(s).ok())?,
            expires_at: time(&c, "expiresAt")?,
        },
        "certificate" => BundleCredential::Certificate {
            thumbprint: c.text("thumbprint")?,
            thumbprint_sha256: c.text("thumbprintSha256")?,
            expires_at: time(&c, "expiresAt")?,
        },
        "federated" => BundleCredential::Federated {
            name: c.text("name")?,
            issuer: c.text("issuer")?,
            subject: c.text("subject")?,
            audience: c.text("audience")?,
        },
        "multiTenantApp" => BundleCredential::VendorApp,
        other => return Err(format!("credential.kind: unknown kind “{other}”")),
    };
    let s = o.obj("mailboxScope", "mailboxScope.")?;
    let mode = s.req("mode", "a scoping mode", ScopeMode::from_config_str)?;
    let address = |s: &str| SmtpAddress::parse(s).ok();
    let group_address = || s.req("groupAddress", ADDRESS, address);
    let target = match s.text("target")?.as_str() {
        "oneMailbox" => ScopeTarget::OneMailbox,
        "existingGroup" => ScopeTarget::ExistingGroup {
            address: group_address()?,
        },
        "newGroup" => ScopeTarget::NewGroup {
            name: s.req("groupName", NAME, |s| DisplayText::parse(s).ok())?,
            address: group_address()?,
        },
        other => return Err(format!("mailboxScope.target: unknown target “{other}”")),
    };
    let object_id = |s: &str| ObjectId::parse(s).ok();
    Bundle::new(BundleInput {
        tenant_id: o.req("tenantId", "a tenant id", |s| TenantId::parse(s).ok())?,
        client_id: o.req("clientId", GUID, |s| ClientId::parse(s).ok())?,
        app_object_id: o.opt("appObjectId", GUID, object_id)?,
        service_principal_object_id: o.req("servicePrincipalObjectId", GUID, object_id)?,
        app_display_name: o.req("appDisplayName", NAME, |s| DisplayText::parse(s).ok())?,
        credential,
        mailbox_object_id: o.req("mailboxObjectId", GUID, object_id)?,
        mailbox_address: o.req("mailboxAddress", ADDRESS, address)?,
        mailbox_scope: MailboxScope { mode, target },
        endpoints: Endpoints::custom(&o.text("tokenEndpoint")?, &o.text("graphBaseUrl")?)
            .map_err(|e| e.to_string())?,
        created_at: time(&o, "createdAt")?,
    })
    .map_err(|e| e.to_string())
}
