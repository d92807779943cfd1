//! Who is signed in: `/me` and `/organization`.

use serde_json::Value;

use super::{parse, parse_collection};
use super::{GraphError, Request};
use crate::json_object::{FromJson, Obj};

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
    let roles: Vec<Value> = parse_collection(status, body)?;
    Ok(roles
        .iter()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .filter_map(|o| o["roleTemplateId"].as_str().map(str::to_owned))
        .collect())
}

pub fn organization() -> Request {
    Request::get("/v1.0/organization?$select=id,displayName,verifiedDomains")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
}

impl FromJson for Me {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the user")?;
        Ok(Me {
            id: o.text("id")?,
            display_name: o.opt_text("displayName")?,
            user_principal_name: o.opt_text("userPrincipalName")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub display_name: Option<String>,
    pub verified_domains: Vec<VerifiedDomain>,
}

impl FromJson for Organization {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the organization")?;
        Ok(Organization {
            id: o.text("id")?,
            display_name: o.opt_text("displayName")?,
            verified_domains: o.items("verifiedDomains")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDomain {
    pub name: String,
    pub is_default: bool,
    pub is_initial: bool,
}

impl FromJson for VerifiedDomain {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the domain")?;
        Ok(VerifiedDomain {
            name: o.text("name")?,
            is_default: o.flag("isDefault")?,
            is_initial: o.flag("isInitial")?,
        })
    }
}

pub fn parse_me(status: u16, body: &str) -> Result<Me, GraphError> {
    parse(status, body)
}

pub fn parse_organization(status: u16, body: &str) -> Result<Organization, GraphError> {
    let organizations: Vec<Organization> = parse_collection(status, body)?;
    organizations.into_iter().next().ok_or_else(|| GraphError {
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
