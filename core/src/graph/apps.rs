//! The setup's Graph calls: the mailbox user, the app registration (upsert by `uniqueName`), its
//! service principal, client secrets, Microsoft Graph's `Mail.Send` app role and its grant, and
//! the deletes of an undo. Request builders and answer parsers only; the executor in
//! [`crate::run`] decides when to send what.
//!
//! Sources: graph-facts.md §A.2–A.8, A.11, B.1–B.4. Facts marked UNVERIFIED there are marked here.

use serde_json::{json, Value};

use super::Request;
use crate::ids::{AssignmentId, ClientId, Guid, KeyId, ObjectId, SmtpAddress};
use crate::json_object::{FromJson, Obj};
use crate::secret::ClientSecret;

/// Microsoft Graph's application id, the same in every tenant.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The `Mail.Send` application permission (app role) of Microsoft Graph.
pub const MAIL_SEND_ROLE_ID: &str = "b633e1c5-b582-4048-a93e-9f11b44c7e96";

/// [`GRAPH_APP_ID`] as bytes (checked against the text by a test).
const GRAPH_APP: ClientId = ClientId::from_guid(Guid::from_bytes([
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]));
/// [`MAIL_SEND_ROLE_ID`] as bytes (checked against the text by a test).
const MAIL_SEND_ROLE: Guid = Guid::from_bytes([
    0xb6, 0x33, 0xe1, 0xc5, 0xb5, 0x82, 0x40, 0x48, 0xa9, 0x3e, 0x9f, 0x11, 0xb4, 0x4c, 0x7e, 0x96,
]);

pub fn graph_app_id() -> ClientId {
    GRAPH_APP
}

pub fn mail_send_role_id() -> Guid {
    MAIL_SEND_ROLE
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An OData string literal's content: `'` doubled, then percent-encoded.
pub fn odata_literal(s: &str) -> String {
    encode(&s.replace('\'', "''"))
}

const APP_SELECT: &str =
    "$select=id,appId,displayName,uniqueName,tags,notes,passwordCredentials,keyCredentials";

// ---- the mailbox user (A.8) ----

const USER_SELECT: &str =
    "$select=id,displayName,userPrincipalName,mail,proxyAddresses,userType,accountEnabled";

/// The user whose sign-in name, primary address or any SMTP address (an alias) is `address`
/// (graph-facts A.8). The filter is the one Microsoft's B2B invitation docs give for "does this
/// address exist" (`userPrincipalName eq … or mail eq … or proxyAddresses/any(…)`), a default
/// query (no `ConsistencyLevel`). The directory compares strings without regard to case, so
/// `smtp:` also finds the primary `SMTP:` entry (UNVERIFIED in Microsoft's docs; seen in peers).
pub fn find_user(address: &SmtpAddress) -> Request {
    let a = address.as_str().replace('\'', "''");
    Request::get(format!(
        "/v1.0/users?$filter={}&{USER_SELECT}",
        encode(&format!(
            "userPrincipalName eq '{a}' or mail eq '{a}' or proxyAddresses/any(x:x eq 'smtp:{a}')"
        ))
    ))
}

/// Users whose display name, primary address or sign-in name starts with `text`, for the
/// Mailbox step's suggestions (all three support `startsWith` in a default query: user.md).
pub fn suggest_users(text: &str) -> Request {
    let t = text.replace('\'', "''");
    Request::get(format!(
        "/v1.0/users?$filter={}&$select=displayName,mail,userPrincipalName,userType&$top=8",
        encode(&format!(
            "startswith(displayName,'{t}') or startswith(mail,'{t}') or startswith(userPrincipalName,'{t}')"
        ))
    ))
}

/// The tenant's verified domains (`User.Read` is enough: graph-facts A.10).
pub fn get_verified_domains() -> Request {
    Request::get("/v1.0/organization?$select=verifiedDomains".to_string())
}

/// What kind of mailbox Exchange has for the user (`user`, `shared`, `room`, …;
/// user-get-mailboxsettings.md, delegated `MailboxSettings.Read`).
pub fn get_mailbox_purpose(user: ObjectId) -> Request {
    Request::get(format!("/v1.0/users/{user}/mailboxSettings/userPurpose"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxUser {
    pub id: ObjectId,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    /// `SMTP:` (primary) and `smtp:` (aliases) entries, among others (`X500:`, `SIP:`).
    pub proxy_addresses: Vec<String>,
    pub user_type: Option<String>,
    pub account_enabled: Option<bool>,
}

impl FromJson for MailboxUser {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the user")?;
        Ok(MailboxUser {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
            display_name: o.opt_text("displayName")?,
            user_principal_name: o.opt_text("userPrincipalName")?,
            mail: o.opt_text("mail")?,
            proxy_addresses: o.items("proxyAddresses")?,
            user_type: o.opt_text("userType")?,
            account_enabled: o.opt_flag("accountEnabled")?,
        })
    }
}

impl MailboxUser {
    /// The primary SMTP address (`SMTP:` in capitals), else `mail`.
    pub fn primary_address(&self) -> Option<&str> {
        self.proxy_addresses
            .iter()
            .find_map(|p| p.strip_prefix("SMTP:"))
            .or(self.mail.as_deref())
    }

    /// Whether Exchange knows any SMTP address for this user.
    pub fn has_smtp_address(&self) -> bool {
        self.mail.is_some()
            || self
                .proxy_addresses
                .iter()
                .any(|p| p.get(..5).is_some_and(|t| t.eq_ignore_ascii_case("smtp:")))
    }
}

/// `GET /organization?$select=verifiedDomains`: `value[].verifiedDomains[].name` (read through
/// `serde_json::Value`, which the page has anyway: a derived reader per answer costs bytes).
pub fn verified_domains(answer: &Value) -> Vec<String> {
    answer["value"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["verifiedDomains"].as_array().into_iter().flatten())
        .filter_map(|d| d["name"].as_str().map(str::to_owned))
        .collect()
}

/// `GET /users/{id}/mailboxSettings/userPurpose`: `{"value": "user" | "shared" | …}`.
pub fn user_purpose(answer: &Value) -> Option<&str> {
    answer["value"].as_str()
}

// ---- the app registration (A.2) ----

pub fn get_app_by_unique_name(unique_name: &str) -> Request {
    Request::get(format!(
        "/v1.0/applications(uniqueName='{}')?{APP_SELECT}",
        odata_literal(unique_name)
    ))
}

pub fn get_app(id: ObjectId) -> Request {
    Request::get(format!("/v1.0/applications/{id}?{APP_SELECT}"))
}

/// Apps with exactly this display name (someone else's app must never be adopted silently).
pub fn find_apps_by_display_name(display_name: &str) -> Request {
    Request::get(format!(
        "/v1.0/applications?$filter={}&$select=id,appId,displayName,uniqueName,tags",
        encode(&format!(
            "displayName eq '{}'",
            display_name.replace('\'', "''")
        ))
    ))
}

/// `PATCH /applications(uniqueName='…')` + `Prefer: create-if-missing`: 201 + body when created,
/// 204 without body when it existed. `body` comes from [`app_body`].
pub fn upsert_app(unique_name: &str, body: Value) -> Request {
    Request::patch(
        format!(
            "/v1.0/applications(uniqueName='{}')",
            odata_literal(unique_name)
        ),
        body,
    )
    .with_header("Prefer", "create-if-missing")
}

/// The app's writable properties: single tenant, no redirect URIs, `Mail.Send` declared only when
/// `declare_mail_send` (Application Access Policy mode). In RBAC mode the list is sent empty so an
/// earlier declaration is dropped (A.7, D.4). The A.7 shape is UNVERIFIED against the docs page.
pub fn app_body(
    display_name: &str,
    declare_mail_send: bool,
    notes: &str,
    tags: &[String],
) -> Value {
    let rra = if declare_mail_send {
        json!([{
            "resourceAppId": GRAPH_APP_ID,
            "resourceAccess": [{"id": MAIL_SEND_ROLE_ID, "type": "Role"}],
        }])
    } else {
        json!([])
    };
    json!({
        "displayName": display_name,
        "signInAudience": "AzureADMyOrg",
        "requiredResourceAccess": rra,
        "notes": notes,
        "tags": tags,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordInfo {
    pub key_id: KeyId,
    pub display_name: Option<String>,
    pub end_date_time: Option<String>,
}

impl FromJson for PasswordInfo {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the password credential")?;
        Ok(PasswordInfo {
            key_id: o.req("keyId", "a GUID", |s| KeyId::parse(s).ok())?,
            display_name: o.opt_text("displayName")?,
            end_date_time: o.opt_text("endDateTime")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: ObjectId,
    pub app_id: ClientId,
    pub display_name: Option<String>,
    pub unique_name: Option<String>,
    pub tags: Vec<String>,
    pub password_credentials: Vec<PasswordInfo>,
    pub key_credentials: Vec<super::credentials::KeyInfo>,
}

impl FromJson for Application {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the application")?;
        Ok(Application {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
            app_id: o.req("appId", "a GUID", |s| ClientId::parse(s).ok())?,
            display_name: o.opt_text("displayName")?,
            unique_name: o.opt_text("uniqueName")?,
            tags: o.items("tags")?,
            password_credentials: o.items("passwordCredentials")?,
            key_credentials: o.items("keyCredentials")?,
        })
    }
}

// ---- service principals (A.3, A.5) ----

pub fn get_sp_by_app_id(app_id: ClientId) -> Request {
    Request::get(format!(
        "/v1.0/servicePrincipals(appId='{app_id}')?$select=id,appId"
    ))
}

pub fn get_sp(id: ObjectId) -> Request {
    Request::get(format!(
        "/v1.0/servicePrincipals/{id}?$select=id,appId,tags"
    ))
}

/// `PATCH /servicePrincipals(appId='…')` + `Prefer: create-if-missing` (A.3).
/// `display_name` for the app mailgrant made; `None` for the vendor's own multi-tenant app,
/// whose service principal keeps its app's name.
pub fn upsert_sp(app_id: ClientId, display_name: Option<&str>, tags: &[String]) -> Request {
    let body = match display_name {
        Some(name) => json!({"displayName": name, "tags": tags}),
        None => json!({"tags": tags}),
    };
    Request::patch(format!("/v1.0/servicePrincipals(appId='{app_id}')"), body)
        .with_header("Prefer", "create-if-missing")
}

pub fn get_graph_sp() -> Request {
    Request::get(format!(
        "/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appId,appRoles"
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePrincipal {
    pub id: ObjectId,
    pub app_id: Option<ClientId>,
    /// Read only where asked for (`$select`): empty otherwise.
    pub tags: Vec<String>,
}

impl FromJson for ServicePrincipal {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the service principal")?;
        Ok(ServicePrincipal {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
            app_id: o.opt("appId", "a GUID", |s| ClientId::parse(s).ok())?,
            tags: o.items("tags")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRole {
    pub id: String,
    pub value: Option<String>,
    pub allowed_member_types: Vec<String>,
    /// Missing: enabled.
    pub is_enabled: bool,
}

impl FromJson for AppRole {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the app role")?;
        Ok(AppRole {
            id: o.text("id")?,
            value: o.opt_text("value")?,
            allowed_member_types: o.items("allowedMemberTypes")?,
            is_enabled: o.opt_flag("isEnabled")?.unwrap_or(true),
        })
    }
}

/// Microsoft Graph's service principal in this tenant and its `Mail.Send` app role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSp {
    pub id: ObjectId,
    pub mail_send_role: Guid,
}

/// Why Microsoft Graph's `Mail.Send` role could not be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleLookupError {
    #[error(
        "Microsoft Graph's service principal has no enabled application role with value Mail.Send"
    )]
    Missing,
    #[error("Microsoft Graph's Mail.Send application role has id {found}, not the documented {MAIL_SEND_ROLE_ID}")]
    Mismatch { found: String },
}

/// Finds `Mail.Send` by value (application, enabled) and cross-checks it against the known id.
pub fn mail_send_role(roles: &[AppRole]) -> Result<Guid, RoleLookupError> {
    let role = roles
        .iter()
        .find(|r| {
            r.value.as_deref() == Some("Mail.Send")
                && r.is_enabled
                && r.allowed_member_types.iter().any(|t| t == "Application")
        })
        .ok_or(RoleLookupError::Missing)?;
    match Guid::parse(&role.id) {
        Ok(g) if g == mail_send_role_id() => Ok(g),
        _ => Err(RoleLookupError::Mismatch {
            found: role.id.clone(),
        }),
    }
}

/// Microsoft Graph's service principal as `GET …(appId='00000003-…')?$select=id,appId,appRoles`
/// answers it.
#[derive(Debug, Clone)]
pub struct GraphSpAnswer {
    pub id: ObjectId,
    pub app_roles: Vec<AppRole>,
}

impl FromJson for GraphSpAnswer {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the service principal")?;
        Ok(GraphSpAnswer {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
            app_roles: o.items("appRoles")?,
        })
    }
}

impl GraphSpAnswer {
    pub fn checked(self) -> Result<GraphSp, RoleLookupError> {
        mail_send_role(&self.app_roles).map(|mail_send_role| GraphSp {
            id: self.id,
            mail_send_role,
        })
    }
}

// ---- secrets (A.4) ----

/// `addPassword`. `end_date_time` is ISO 8601 UTC, see [`crate::run::time::iso8601`].
pub fn add_password(app: ObjectId, display_name: &str, end_date_time: &str) -> Request {
    Request::post(
        format!("/v1.0/applications/{app}/addPassword"),
        json!({"passwordCredential": {"displayName": display_name, "endDateTime": end_date_time}}),
    )
}

/// `removePassword` → 204 (UNVERIFIED in graph-facts A.4: page not read; standard shape).
pub fn remove_password(app: ObjectId, key_id: KeyId) -> Request {
    Request::post(
        format!("/v1.0/applications/{app}/removePassword"),
        json!({"keyId": key_id}),
    )
}

/// The answer to `addPassword` as read; [`NewPasswordAnswer::into_new`] moves the secret
/// straight into a [`ClientSecret`].
pub struct NewPasswordAnswer {
    key_id: KeyId,
    secret_text: String,
    end_date_time: Option<String>,
}

impl FromJson for NewPasswordAnswer {
    /// An error never quotes the secret: it names fields, not their values.
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the password credential")?;
        Ok(NewPasswordAnswer {
            key_id: o.req("keyId", "a GUID", |s| KeyId::parse(s).ok())?,
            secret_text: o.text("secretText")?,
            end_date_time: o.opt_text("endDateTime")?,
        })
    }
}

impl NewPasswordAnswer {
    pub fn into_new(self) -> NewPassword {
        NewPassword {
            key_id: self.key_id,
            secret: ClientSecret::new(self.secret_text),
            end_date_time: self.end_date_time,
        }
    }
}

/// A new secret: its id, its text (redacted in `Debug`) and when it ends.
#[derive(Debug)]
pub struct NewPassword {
    pub key_id: KeyId,
    pub secret: ClientSecret,
    pub end_date_time: Option<String>,
}

// ---- the Mail.Send grant (A.6) ----

pub fn grant(resource_sp: ObjectId, principal_sp: ObjectId, role: Guid) -> Request {
    Request::post(
        format!("/v1.0/servicePrincipals/{resource_sp}/appRoleAssignedTo"),
        json!({"principalId": principal_sp, "resourceId": resource_sp, "appRoleId": role.to_string()}),
    )
}

/// The grants held by a (client) service principal.
pub fn list_assignments(principal_sp: ObjectId) -> Request {
    Request::get(format!(
        "/v1.0/servicePrincipals/{principal_sp}/appRoleAssignments?$select=id,appRoleId,resourceId,principalId"
    ))
}

/// `DELETE …/appRoleAssignedTo/{id}` → 204 (UNVERIFIED in graph-facts A.6; standard shape).
pub fn revoke(resource_sp: ObjectId, assignment_id: &AssignmentId) -> Request {
    Request::delete(format!(
        "/v1.0/servicePrincipals/{resource_sp}/appRoleAssignedTo/{}",
        encode(assignment_id.as_str())
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub app_role_id: String,
    pub resource_id: ObjectId,
    pub principal_id: Option<ObjectId>,
}

impl FromJson for Assignment {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the app role assignment")?;
        Ok(Assignment {
            id: o.req("id", "an assignment id", AssignmentId::parse)?,
            app_role_id: o.text("appRoleId")?,
            resource_id: o.req("resourceId", "a GUID", |s| ObjectId::parse(s).ok())?,
            principal_id: o.opt("principalId", "a GUID", |s| ObjectId::parse(s).ok())?,
        })
    }
}

impl Assignment {
    pub fn is_mail_send(&self) -> bool {
        Guid::parse(&self.app_role_id).ok() == Some(mail_send_role_id())
    }
}

// ---- deletes (A.11) ----

pub fn delete_sp(id: ObjectId) -> Request {
    Request::delete(format!("/v1.0/servicePrincipals/{id}"))
}

pub fn delete_app(id: ObjectId) -> Request {
    Request::delete(format!("/v1.0/applications/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constant_ids_are_their_text() {
        assert_eq!(graph_app_id().to_string(), GRAPH_APP_ID);
        assert_eq!(mail_send_role_id().to_string(), MAIL_SEND_ROLE_ID);
    }

    #[test]
    fn display_name_filter_is_escaped_and_encoded() {
        let r = find_apps_by_display_name("O'Brien & Co #1 100%");
        assert_eq!(
            r.path,
            "/v1.0/applications?$filter=displayName%20eq%20%27O%27%27Brien%20%26%20Co%20%231%20100%25%27&$select=id,appId,displayName,uniqueName,tags"
        );
        let u = find_user(&SmtpAddress::parse("a+b#c@contoso.com").unwrap());
        assert_eq!(
            u.path,
            "/v1.0/users?$filter=userPrincipalName%20eq%20%27a%2Bb%23c%40contoso.com%27%20or%20mail%20eq%20%27a%2Bb%23c%40contoso.com%27%20or%20proxyAddresses%2Fany%28x%3Ax%20eq%20%27smtp%3Aa%2Bb%23c%40contoso.com%27%29&$select=id,displayName,userPrincipalName,mail,proxyAddresses,userType,accountEnabled"
        );
    }

    #[test]
    fn upsert_has_prefer_and_mode_dependent_permissions() {
        let aap = app_body("X", true, "n", &["t".into()]);
        assert_eq!(
            aap["requiredResourceAccess"][0]["resourceAccess"][0]["id"],
            MAIL_SEND_ROLE_ID
        );
        assert_eq!(aap["signInAudience"], "AzureADMyOrg");
        assert!(aap.get("web").is_none() && aap.get("spa").is_none());
        let rbac = app_body("X", false, "n", &[]);
        assert_eq!(rbac["requiredResourceAccess"], json!([]));
        let r = upsert_app("mailgrant-x", rbac);
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.path, "/v1.0/applications(uniqueName='mailgrant-x')");
        assert_eq!(r.header("prefer"), Some("create-if-missing"));
    }

    #[test]
    fn mail_send_is_found_by_value_and_cross_checked() {
        let role = |id: &str, value: &str, types: &[&str]| AppRole {
            id: id.into(),
            value: Some(value.into()),
            allowed_member_types: types.iter().map(|t| t.to_string()).collect(),
            is_enabled: true,
        };
        let delegated = role(
            "e383f46e-2787-4529-855e-0e479a3ffac0",
            "Mail.Send",
            &["User"],
        );
        let app = role(MAIL_SEND_ROLE_ID, "Mail.Send", &["Application"]);
        assert_eq!(
            mail_send_role(&[delegated.clone(), app]),
            Ok(mail_send_role_id())
        );
        assert_eq!(mail_send_role(&[delegated]), Err(RoleLookupError::Missing));
        let odd = role(
            "00000000-0000-0000-0000-000000000001",
            "Mail.Send",
            &["Application"],
        );
        assert!(matches!(
            mail_send_role(&[odd]),
            Err(RoleLookupError::Mismatch { .. })
        ));
    }

    #[test]
    fn new_password_secret_is_wrapped() {
        let raw: NewPasswordAnswer = crate::json_object::read_json(
            r#"{"keyId":"aaaaaaaa-0000-0000-0000-000000000001","secretText":"s3cr~et","endDateTime":"2027-01-01T00:00:00Z","hint":"s3c"}"#,
        )
        .unwrap();
        let p = raw.into_new();
        assert_eq!(p.secret.expose_secret(), "s3cr~et");
        assert!(!format!("{p:?}").contains("s3cr~et"));
    }
}
