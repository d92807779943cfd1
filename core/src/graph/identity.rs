//! Who is signed in: `/me` and `/organization`.

use serde::Deserialize;

use super::parse;
use super::{GraphError, Request};

pub fn me() -> Request {
    Request::get("/v1.0/me?$select=id,displayName,userPrincipalName")
}

/// The signed-in user's directory roles, when the ID token has no `wids` claim. (Role objects in
/// `memberOf` carry `roleTemplateId`; UNVERIFIED: whether every tenant lists them under
/// `User.Read`. A failure only leaves the roles unknown.)
pub fn my_roles() -> Request {
    Request::get("/v1.0/me/memberOf?$select=id,displayName,roleTemplateId&$top=999")
}

/// The role template ids among `memberOf` answer's directory roles.
pub fn parse_my_roles(status: u16, body: &str) -> Result<Vec<String>, GraphError> {
    #[derive(Deserialize)]
    struct Collection {
        value: Vec<serde_json::Value>,
    }
    let c: Collection = parse(status, body)?;
    Ok(c.value
        .iter()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .filter_map(|o| o["roleTemplateId"].as_str().map(str::to_owned))
        .collect())
}

pub fn organization() -> Request {
    Request::get("/v1.0/organization?$select=id,displayName,verifiedDomains")
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub is_initial: bool,
}

pub fn parse_me(status: u16, body: &str) -> Result<Me, GraphError> {
    parse(status, body)
}

pub fn parse_organization(status: u16, body: &str) -> Result<Organization, GraphError> {
    #[derive(Deserialize)]
    struct Collection {
        value: Vec<Organization>,
    }
    let c: Collection = parse(status, body)?;
    c.value.into_iter().next().ok_or_else(|| GraphError {
        status,
        code: "NoOrganization".into(),
        message: "the organization collection is empty".into(),
        request_id: None,
        details: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_is_the_first_item() {
        let o = parse_organization(
            200,
            r#"{"@odata.context":"x","value":[{"id":"72f988bf-86f1-41af-91ab-2d7cd011db47","displayName":"Contoso","verifiedDomains":[{"name":"contoso.onmicrosoft.com","isDefault":true,"isInitial":true,"type":"Managed"}]}]}"#,
        )
        .unwrap();
        assert_eq!(o.display_name.as_deref(), Some("Contoso"));
        assert!(o.verified_domains[0].is_initial);
        assert!(parse_organization(200, r#"{"value":[]}"#).is_err());
        assert_eq!(parse_me(403, "{}").unwrap_err().status, 403);
    }
}
