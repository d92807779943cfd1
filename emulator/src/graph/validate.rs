//! Strict request bodies: every property must exist on the Graph type, be writable, and have the
//! right JSON type, or the request fails with 400 as Graph answers (see `error.rs` for wording).
//! Property names are matched case-sensitively (the emulator's choice: JSON is case-sensitive and
//! the app should send Graph's exact names).

use serde_json::{Map, Value};

use super::error::{
    bad_request, invalid_value, no_such_property, read_only, unreadable_body, GResult,
};
use crate::http_util::parse_iso;

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Str,
    NullableStr,
    Bool,
    StrArray,
    Guid,
    DateTime,
    Enum(&'static [&'static str]),
    /// A complex type: (its type name, its properties).
    Obj(&'static str, &'static [Field]),
    /// A collection of a complex type.
    ObjArray(&'static str, &'static [Field]),
    /// A real Graph property the emulator stores and echoes without checking.
    Verbatim,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Write,
    /// Settable only when the object is created.
    CreateOnly,
    ReadOnly,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub access: Access,
}

const fn w(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::Write,
    }
}
const fn c(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::CreateOnly,
    }
}
const fn r(name: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Verbatim,
        access: Access::ReadOnly,
    }
}

pub struct Schema {
    /// `microsoft.graph.<type_name>`.
    pub type_name: &'static str,
    /// The directory's resource name in "Invalid value … of resource '<resource>'".
    pub resource: &'static str,
    pub fields: &'static [Field],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

const SIGN_IN_AUDIENCES: &[&str] = &[
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
];

const RESOURCE_ACCESS: &[Field] = &[
    w("id", Kind::Guid),
    w("type", Kind::Enum(&["Role", "Scope"])),
];
const REQUIRED_RESOURCE_ACCESS: &[Field] = &[
    w("resourceAppId", Kind::Str),
    w(
        "resourceAccess",
        Kind::ObjArray("resourceAccess", RESOURCE_ACCESS),
    ),
];
const REDIRECTS: &[Field] = &[w("redirectUris", Kind::StrArray)];
const IMPLICIT: &[Field] = &[
    w("enableAccessTokenIssuance", Kind::Bool),
    w("enableIdTokenIssuance", Kind::Bool),
];
const WEB: &[Field] = &[
    w("redirectUris", Kind::StrArray),
    w("homePageUrl", Kind::NullableStr),
    w("logoutUrl", Kind::NullableStr),
    w(
        "implicitGrantSettings",
        Kind::Obj("implicitGrantSettings", IMPLICIT),
    ),
    w("redirectUriSettings", Kind::Verbatim),
];

pub const APPLICATION: Schema = Schema {
    type_name: "application",
    resource: "Application",
    fields: &[
        w("displayName", Kind::Str),
        w("description", Kind::NullableStr),
        w("notes", Kind::NullableStr),
        w("tags", Kind::StrArray),
        w("signInAudience", Kind::Enum(SIGN_IN_AUDIENCES)),
        w("identifierUris", Kind::StrArray),
        w("uniqueName", Kind::Str),
        w(
            "requiredResourceAccess",
            Kind::ObjArray("requiredResourceAccess", REQUIRED_RESOURCE_ACCESS),
        ),
        w("spa", Kind::Obj("spaApplication", REDIRECTS)),
        w(
            "publicClient",
            Kind::Obj("publicClientApplication", REDIRECTS),
        ),
        w("web", Kind::Obj("webApplication", WEB)),
        w("serviceManagementReference", Kind::NullableStr),
        w("groupMembershipClaims", Kind::NullableStr),
        w("isFallbackPublicClient", Kind::Verbatim),
        w("api", Kind::Verbatim),
        w("appRoles", Kind::Verbatim),
        w("info", Kind::Verbatim),
        w("optionalClaims", Kind::Verbatim),
        w("keyCredentials", Kind::Verbatim),
        w("parentalControlSettings", Kind::Verbatim),
        w("tokenEncryptionKeyId", Kind::Verbatim),
        w("isDeviceOnlyAuthSupported", Kind::Verbatim),
        w("oauth2RequirePostResponse", Kind::Verbatim),
        w("defaultRedirectUri", Kind::Verbatim),
        w("samlMetadataUrl", Kind::Verbatim),
        w("servicePrincipalLockConfiguration", Kind::Verbatim),
        r("id"),
        r("appId"),
        r("createdDateTime"),
        r("deletedDateTime"),
        r("publisherDomain"),
        // graph-facts §A.1/§A.2: only addPassword/removePassword change these.
        r("passwordCredentials"),
        r("disabledByMicrosoftStatus"),
        r("certification"),
        r("applicationTemplateId"),
    ],
};

pub const SERVICE_PRINCIPAL: Schema = Schema {
    type_name: "servicePrincipal",
    resource: "ServicePrincipal",
    fields: &[
        c("appId", Kind::Guid),
        w("accountEnabled", Kind::Bool),
        w("appRoleAssignmentRequired", Kind::Bool),
        w("description", Kind::NullableStr),
        w("displayName", Kind::Str),
        w("notes", Kind::NullableStr),
        w("tags", Kind::StrArray),
        w("homepage", Kind::Verbatim),
        w("loginUrl", Kind::Verbatim),
        w("logoutUrl", Kind::Verbatim),
        w("notificationEmailAddresses", Kind::Verbatim),
        w("preferredSingleSignOnMode", Kind::Verbatim),
        w("replyUrls", Kind::Verbatim),
        w("servicePrincipalNames", Kind::Verbatim),
        w("alternativeNames", Kind::Verbatim),
        w("appRoles", Kind::Verbatim),
        w("oauth2PermissionScopes", Kind::Verbatim),
        w("keyCredentials", Kind::Verbatim),
        w("info", Kind::Verbatim),
        r("id"),
        r("deletedDateTime"),
        r("appDisplayName"),
        r("appDescription"),
        r("appOwnerOrganizationId"),
        r("servicePrincipalType"),
        r("signInAudience"),
        r("passwordCredentials"),
    ],
};

pub const APP_ROLE_ASSIGNMENT: Schema = Schema {
    type_name: "appRoleAssignment",
    resource: "AppRoleAssignment",
    fields: &[
        c("principalId", Kind::Guid),
        c("resourceId", Kind::Guid),
        c("appRoleId", Kind::Guid),
        r("id"),
        r("deletedDateTime"),
        r("createdDateTime"),
        r("principalDisplayName"),
        r("principalType"),
        r("resourceDisplayName"),
    ],
};

/// An Exchange provider role assignment (Graph beta `rbacapplication-post-roleassignments.md`).
pub const UNIFIED_ROLE_ASSIGNMENT: Schema = Schema {
    type_name: "unifiedRoleAssignment",
    resource: "UnifiedRoleAssignment",
    fields: &[
        c("principalId", Kind::Str),
        c("roleDefinitionId", Kind::Str),
        c("directoryScopeId", Kind::NullableStr),
        c("appScopeId", Kind::NullableStr),
        r("id"),
        // Real properties of the type that no Exchange example sends (`resourceScope` is
        // "DO NOT USE"); refused as read-only: our choice.
        r("condition"),
        r("resourceScope"),
        r("principalOrganizationId"),
    ],
};

pub const PASSWORD_CREDENTIAL: &[Field] = &[
    w("displayName", Kind::NullableStr),
    w("startDateTime", Kind::DateTime),
    w("endDateTime", Kind::DateTime),
    r("keyId"),
    r("secretText"),
    r("hint"),
    r("customKeyIdentifier"),
];

pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, ch)| match i {
            8 | 13 | 18 | 23 => *ch == b'-',
            _ => ch.is_ascii_hexdigit(),
        })
}

/// Checks a request body against `schema`; answers its properties.
pub fn check(body: &Value, schema: &Schema, mode: Mode) -> GResult<Map<String, Value>> {
    let Value::Object(m) = body else {
        return Err(unreadable_body());
    };
    check_object(m, schema.type_name, schema.resource, schema.fields, mode)?;
    Ok(m.clone())
}

fn check_object(
    m: &Map<String, Value>,
    type_name: &str,
    resource: &str,
    fields: &[Field],
    mode: Mode,
) -> GResult<()> {
    for (k, v) in m {
        if k == "@odata.type" {
            let want = format!("#microsoft.graph.{type_name}");
            if v.as_str().is_some_and(|t| t == want || t == &want[1..]) {
                continue;
            }
            return Err(invalid_value(k, resource));
        }
        let Some(f) = fields.iter().find(|f| f.name == k) else {
            return Err(no_such_property(k, type_name));
        };
        match (f.access, mode) {
            (Access::ReadOnly, _) | (Access::CreateOnly, Mode::Update) => {
                return Err(read_only(k, type_name))
            }
            _ => {}
        }
        check_value(v, f, resource, mode)?;
    }
    Ok(())
}

fn check_value(v: &Value, f: &Field, resource: &str, mode: Mode) -> GResult<()> {
    let bad = || invalid_value(f.name, resource);
    let ok = match f.kind {
        Kind::Str => v.is_string(),
        Kind::NullableStr => v.is_string() || v.is_null(),
        Kind::Bool => v.is_boolean(),
        Kind::StrArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::Guid => v.as_str().is_some_and(is_guid),
        Kind::DateTime => v.as_str().is_some_and(|s| parse_iso(s).is_some()) || v.is_null(),
        Kind::Enum(vals) => v.as_str().is_some_and(|s| vals.contains(&s)),
        Kind::Verbatim => true,
        Kind::Obj(t, fields) => match v {
            Value::Object(m) => {
                check_object(m, t, resource, fields, mode)?;
                true
            }
            Value::Null => true,
            _ => false,
        },
        Kind::ObjArray(t, fields) => match v {
            Value::Array(a) => {
                for item in a {
                    let Value::Object(m) = item else {
                        return Err(bad());
                    };
                    check_object(m, t, resource, fields, mode)?;
                }
                true
            }
            _ => false,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Checks the parameters of an OData action (`addPassword`, `checkMemberGroups`, …).
pub fn check_params(body: &Value, operation: &str, params: &[&str]) -> GResult<Map<String, Value>> {
    let m = match body {
        Value::Object(m) => m,
        _ => return Err(unreadable_body()),
    };
    for k in m.keys() {
        if !params.contains(&k.as_str()) {
            return Err(bad_request(
                "BadRequest",
                format!("The parameter '{k}' in the request payload is not a valid parameter for the operation '{operation}'."),
            ));
        }
    }
    Ok(m.clone())
}

/// A password credential parameter (`addPassword`'s `passwordCredential`).
pub fn check_password_credential(v: &Value) -> GResult<Map<String, Value>> {
    match v {
        Value::Object(m) => {
            check_object(
                m,
                "passwordCredential",
                "PasswordCredential",
                PASSWORD_CREDENTIAL,
                Mode::Create,
            )?;
            Ok(m.clone())
        }
        Value::Null => Ok(Map::new()),
        _ => Err(invalid_value("passwordCredential", "PasswordCredential")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_application() {
        assert!(check(
            &json!({"displayName": "x", "tags": ["a"]}),
            &APPLICATION,
            Mode::Create
        )
        .is_ok());
        let e = check(
            &json!({"displayName": "x", "foo": 1}),
            &APPLICATION,
            Mode::Create,
        )
        .unwrap_err();
        assert_eq!(e.code, "BadRequest");
        assert!(e
            .message
            .contains("'foo' does not exist on type 'microsoft.graph.application'"));
        let e = check(&json!({"displayName": 5}), &APPLICATION, Mode::Create).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value specified for property 'displayName' of resource 'Application'."
        );
        assert!(check(&json!({"appId": "x"}), &APPLICATION, Mode::Update).is_err());
        let e = check(
            &json!({"requiredResourceAccess": [{"resourceAppId": "a", "resourceAccess": [{"id": "b633e1c5-b582-4048-a93e-9f11b44c7e96", "type": "Rolle"}]}]}),
            &APPLICATION,
            Mode::Create,
        )
        .unwrap_err();
        assert!(e.message.contains("'type'"));
        assert!(check(
            &json!({"appId": "00000003-0000-0000-c000-000000000000"}),
            &SERVICE_PRINCIPAL,
            Mode::Create
        )
        .is_ok());
        assert!(check(
            &json!({"appId": "00000003-0000-0000-c000-000000000000"}),
            &SERVICE_PRINCIPAL,
            Mode::Update
        )
        .is_err());
        assert!(check(&json!([]), &APPLICATION, Mode::Create).is_err());
    }
}
