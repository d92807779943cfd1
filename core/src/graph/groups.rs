//! The scope group: found by its address, checked to be a mail-enabled security group, and the
//! mailbox's membership in it, direct or through nested groups (graph-facts A.9).
//!
//! Sources: microsoft-graph-docs-contrib v1.0 `resources/groups-overview.md` (a mail-enabled
//! security group has `groupTypes` without `Unified`, `mailEnabled` and `securityEnabled` true),
//! `resources/group.md` (`mail` supports `$filter` `eq`), `api/group-list-members.md` (direct
//! members), `api/directoryobject-checkmembergroups.md` (transitive: "Check for membership in a
//! specified list of group IDs … This function is transitive"). Delegated permission for both:
//! `GroupMember.Read.All`.

use serde_json::{json, Value};

use super::apps::{encode, odata_literal};
use super::Request;
use crate::ids::{ObjectId, SmtpAddress};
use crate::json_object::{FromJson, Obj};

/// The group with this primary address.
pub fn find_by_address(address: &SmtpAddress) -> Request {
    Request::get(format!(
        "/v1.0/groups?$filter=mail%20eq%20%27{}%27&$select=id,displayName,mail,mailEnabled,securityEnabled,groupTypes",
        odata_literal(address.as_str())
    ))
}

/// The tenant's mail-enabled security groups (graph-facts A.9: both filters are default
/// queries; Microsoft 365 groups can be security-enabled too and are dropped by the reader).
/// One page of up to 999: the list is a convenience for typing the address, not a check.
pub fn mail_enabled_security_groups() -> Request {
    Request::get(
        "/v1.0/groups?$filter=mailEnabled%20eq%20true%20and%20securityEnabled%20eq%20true&$select=id,displayName,mail,mailEnabled,securityEnabled,groupTypes&$top=999"
            .to_string(),
    )
}

/// The group's direct members (their ids): up to 999 in one page, the most `$top` allows for
/// this list (group-list-members: "The default and maximum page sizes are 100 and 999").
pub fn direct_members(group: ObjectId) -> Request {
    Request::get(format!("/v1.0/groups/{group}/members?$select=id&$top=999"))
}

/// Whether a user is a member of the group, directly or through nested groups.
pub fn check_member_groups(user: ObjectId, group: ObjectId) -> Request {
    Request::post(
        format!(
            "/v1.0/users/{}/checkMemberGroups",
            encode(&user.to_string())
        ),
        json!({ "groupIds": [group.to_string()] }),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: ObjectId,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
}

impl FromJson for Group {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the group")?;
        Ok(Group {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
            display_name: o.opt_text("displayName")?,
            mail: o.opt_text("mail")?,
            mail_enabled: o.flag("mailEnabled")?,
            security_enabled: o.flag("securityEnabled")?,
            group_types: o.items("groupTypes")?,
        })
    }
}

impl Group {
    /// What kind of group it is, in Exchange's words.
    pub fn kind(&self) -> GroupKind {
        if self
            .group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
        {
            GroupKind::Microsoft365
        } else {
            match (self.mail_enabled, self.security_enabled) {
                (true, true) => GroupKind::MailEnabledSecurity,
                (true, false) => GroupKind::Distribution,
                (false, _) => GroupKind::Security,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    MailEnabledSecurity,
    Distribution,
    Security,
    Microsoft365,
}

impl GroupKind {
    pub fn title(self) -> &'static str {
        match self {
            GroupKind::MailEnabledSecurity => "mail-enabled security group",
            GroupKind::Distribution => "distribution list",
            GroupKind::Security => "security group that is not mail-enabled",
            GroupKind::Microsoft365 => "Microsoft 365 group",
        }
    }
}

/// A directory object's id (a member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: ObjectId,
}

impl FromJson for Member {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the member")?;
        Ok(Member {
            id: o.req("id", "a GUID", |s| ObjectId::parse(s).ok())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_told_apart() {
        let g = |types: &[&str], mail: bool, security: bool| Group {
            id: ObjectId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
            display_name: None,
            mail: None,
            mail_enabled: mail,
            security_enabled: security,
            group_types: types.iter().map(|t| t.to_string()).collect(),
        };
        for (group, kind) in [
            (g(&[], true, true), GroupKind::MailEnabledSecurity),
            (g(&[], true, false), GroupKind::Distribution),
            (g(&[], false, true), GroupKind::Security),
            (g(&["Unified"], true, true), GroupKind::Microsoft365),
        ] {
            assert_eq!(group.kind(), kind);
        }
        let r = find_by_address(&SmtpAddress::parse("o.neil+x@contoso.example").unwrap());
        assert!(
            r.path
                .contains("mail%20eq%20%27o.neil%2Bx%40contoso.example%27"),
            "{}",
            r.path
        );
    }
}
