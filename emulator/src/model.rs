//! Application-management directory objects: applications (with their password credentials),
//! service principals and app role assignments, plus their Graph JSON (graph-facts §A.1–A.6).
//!
//! Objects created through Graph carry `visible_at`: until then they are invisible to reads and
//! references (the eventual-consistency fault, graph-facts §B.4). Seeded objects are always visible.

use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::tenant::INITIAL_DOMAIN;

/// Has the replication window of an object passed?
pub fn visible(visible_at: Option<Instant>) -> bool {
    visible_at.is_none_or(|t| Instant::now() >= t)
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    pub hint: String,
    pub start_date_time: String,
    pub end_date_time: String,
    #[serde(skip)]
    pub visible_at: Option<Instant>,
}

impl PasswordCredential {
    /// As Graph lists it on the application: the secret text is never returned again.
    pub fn graph_json(&self) -> Value {
        json!({
            "customKeyIdentifier": null,
            "displayName": self.display_name,
            "endDateTime": self.end_date_time,
            "hint": self.hint,
            "keyId": self.key_id,
            "secretText": null,
            "startDateTime": self.start_date_time,
        })
    }
}

/// A certificate (or symmetric key) on an application (`keyCredential`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    pub key_id: String,
    /// Base64; the SHA-1 thumbprint's bytes unless the request gave one.
    pub custom_key_identifier: String,
    pub display_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub usage: String,
    /// Base64 of the certificate's DER; returned on reads only to a `$select` (not modelled:
    /// always `null`, the documented answer without `$select`).
    pub key: String,
    pub start_date_time: String,
    pub end_date_time: String,
}

impl KeyCredential {
    pub fn graph_json(&self) -> Value {
        json!({
            "customKeyIdentifier": self.custom_key_identifier,
            "displayName": self.display_name,
            "endDateTime": self.end_date_time,
            "key": null,
            "keyId": self.key_id,
            "startDateTime": self.start_date_time,
            "type": self.kind,
            "usage": self.usage,
        })
    }
}

/// A federated identity credential on an application.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub description: Option<String>,
}

impl FederatedCredential {
    pub fn graph_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "issuer": self.issuer,
            "subject": self.subject,
            "audiences": self.audiences,
            "description": self.description,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub unique_name: Option<String>,
    pub sign_in_audience: String,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub identifier_uris: Vec<String>,
    pub required_resource_access: Value,
    pub spa_redirect_uris: Vec<String>,
    pub web_redirect_uris: Vec<String>,
    pub public_client_redirect_uris: Vec<String>,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
    pub federated_credentials: Vec<FederatedCredential>,
    /// Other writable Graph properties the emulator stores verbatim (see `validate.rs`).
    pub extra: Map<String, Value>,
    /// Emulator-internal: the delegated Graph permissions `https://graph.microsoft.com/.default`
    /// stands for at /authorize (the app's statically configured permissions).
    pub default_graph_scopes: Vec<String>,
    pub created_date_time: String,
    /// Emulator-internal: user object ids of the owners (the creator, for apps made via Graph).
    pub owners: Vec<String>,
    #[serde(skip)]
    pub visible_at: Option<Instant>,
}

impl Application {
    /// A new, empty registration (the caller fills in properties from the request body).
    pub fn new(id: String, app_id: String, created: String, owner: &str) -> Self {
        Application {
            id,
            app_id,
            display_name: String::new(),
            unique_name: None,
            sign_in_audience: "AzureADMyOrg".into(),
            description: None,
            notes: None,
            tags: vec![],
            identifier_uris: vec![],
            required_resource_access: json!([]),
            spa_redirect_uris: vec![],
            web_redirect_uris: vec![],
            public_client_redirect_uris: vec![],
            password_credentials: vec![],
            key_credentials: vec![],
            federated_credentials: vec![],
            extra: Map::new(),
            default_graph_scopes: vec![],
            created_date_time: created,
            owners: vec![owner.to_string()],
            visible_at: None,
        }
    }

    /// The Graph `application` resource (only credentials past their replication window).
    pub fn graph_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "deletedDateTime": null,
            "appId": self.app_id,
            "createdDateTime": self.created_date_time,
            "description": self.description,
            "displayName": self.display_name,
            "identifierUris": self.identifier_uris,
            "notes": self.notes,
            "publisherDomain": INITIAL_DOMAIN,
            "signInAudience": self.sign_in_audience,
            "tags": self.tags,
            "uniqueName": self.unique_name,
            "api": {"acceptMappedClaims": null, "knownClientApplications": [], "requestedAccessTokenVersion": null, "oauth2PermissionScopes": [], "preAuthorizedApplications": []},
            "appRoles": [],
            "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
            "keyCredentials": self.key_credentials.iter().map(KeyCredential::graph_json).collect::<Vec<_>>(),
            "passwordCredentials": self.password_credentials.iter().filter(|p| visible(p.visible_at)).map(|p| p.graph_json()).collect::<Vec<_>>(),
            "publicClient": {"redirectUris": self.public_client_redirect_uris},
            "requiredResourceAccess": self.required_resource_access,
            "spa": {"redirectUris": self.spa_redirect_uris},
            "web": {"homePageUrl": null, "logoutUrl": null, "redirectUris": self.web_redirect_uris, "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}},
        });
        if let Value::Object(m) = &mut v {
            for (k, x) in &self.extra {
                m.insert(k.clone(), x.clone());
            }
        }
        v
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub app_display_name: String,
    pub app_owner_organization_id: Option<String>,
    pub sign_in_audience: String,
    pub account_enabled: bool,
    pub app_role_assignment_required: bool,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub service_principal_names: Vec<String>,
    pub app_roles: Vec<Value>,
    pub oauth2_permission_scopes: Vec<Value>,
    pub extra: Map<String, Value>,
    pub owners: Vec<String>,
    #[serde(skip)]
    pub visible_at: Option<Instant>,
}

impl ServicePrincipal {
    /// A service principal for `app_display_name`/`app_id`, with defaults.
    pub fn new(id: &str, app_id: &str, display_name: &str, owner_org: Option<&str>) -> Self {
        ServicePrincipal {
            id: id.into(),
            app_id: app_id.into(),
            display_name: display_name.into(),
            app_display_name: display_name.into(),
            app_owner_organization_id: owner_org.map(str::to_string),
            sign_in_audience: "AzureADMultipleOrgs".into(),
            account_enabled: true,
            app_role_assignment_required: false,
            description: None,
            notes: None,
            tags: vec![],
            service_principal_names: vec![app_id.to_string()],
            app_roles: vec![],
            oauth2_permission_scopes: vec![],
            extra: Map::new(),
            owners: vec![],
            visible_at: None,
        }
    }

    pub fn graph_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "deletedDateTime": null,
            "accountEnabled": self.account_enabled,
            "alternativeNames": [],
            "appDisplayName": self.app_display_name,
            "appDescription": null,
            "appId": self.app_id,
            "appOwnerOrganizationId": self.app_owner_organization_id,
            "appRoleAssignmentRequired": self.app_role_assignment_required,
            "description": self.description,
            "displayName": self.display_name,
            "homepage": null,
            "loginUrl": null,
            "logoutUrl": null,
            "notes": self.notes,
            "notificationEmailAddresses": [],
            "preferredSingleSignOnMode": null,
            "replyUrls": [],
            "servicePrincipalNames": self.service_principal_names,
            "servicePrincipalType": "Application",
            "signInAudience": self.sign_in_audience,
            "tags": self.tags,
            "appRoles": self.app_roles,
            "keyCredentials": [],
            "oauth2PermissionScopes": self.oauth2_permission_scopes,
            "passwordCredentials": [],
        });
        if let Value::Object(m) = &mut v {
            for (k, x) in &self.extra {
                m.insert(k.clone(), x.clone());
            }
        }
        v
    }
}

/// A delegated permission grant (`oAuth2PermissionGrant`): consent for `clientId` (a service
/// principal's object id) to call `resourceId` (Microsoft Graph's) with `scope`, for one user
/// (`consentType` `Principal`) or everyone (`AllPrincipals`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2PermissionGrant {
    pub id: String,
    pub client_id: String,
    pub consent_type: String,
    pub principal_id: Option<String>,
    pub resource_id: String,
    pub scope: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub app_role_id: String,
    pub created_date_time: String,
    pub principal_display_name: String,
    pub principal_id: String,
    pub resource_display_name: String,
    pub resource_id: String,
    #[serde(skip)]
    pub visible_at: Option<Instant>,
}

impl AppRoleAssignment {
    pub fn graph_json(&self) -> Value {
        json!({
            "id": self.id,
            "deletedDateTime": null,
            "appRoleId": self.app_role_id,
            "createdDateTime": self.created_date_time,
            "principalDisplayName": self.principal_display_name,
            "principalId": self.principal_id,
            "principalType": "ServicePrincipal",
            "resourceDisplayName": self.resource_display_name,
            "resourceId": self.resource_id,
        })
    }
}
