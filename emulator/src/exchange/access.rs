//! Exchange's effective access: which mailboxes an app can send as, and why.
//!
//! Rules (Microsoft's docs; `/work/shared/reference/exchange-and-credentials.md` §2 and the notes
//! §8):
//! - an Entra app role assignment of Microsoft Graph's `Mail.Send` application permission to the
//!   app's service principal reaches every mailbox, except as application access policies say:
//!   "If there are any Restrict policies for the Application, and the Target Mailbox is not a
//!   member of those policies, then application is denied access"; a DenyAccess policy whose scope
//!   holds the mailbox always removes it. A policy scope is a user, or a mail-enabled security
//!   group "including nested groups";
//! - Exchange RBAC role assignments of "Application Mail.Send" (Graph beta or
//!   `New-ManagementRoleAssignment -App`) add access independently of the policies: `/` = every
//!   mailbox, `/Users/{id}` = that mailbox, `/Groups/{id}` = the group's DIRECT members;
//! - grants are additive: the result is the union.
//!
//! Only users with a mailbox (user or shared) count. This is Exchange's view once everything has
//! propagated: replication windows and the documented 30 min – 2 h delay are not modelled here.

use serde_json::{json, Value};

use super::{AccessRight, Exchange, Scope};
use crate::tenant::{Directory, Group, MailboxKind, User, GRAPH_APP_ID};

/// Microsoft Graph's `Mail.Send` application permission (app role id, the same in every tenant).
pub const GRAPH_MAIL_SEND_ROLE_ID: &str = "b633e1c5-b582-4048-a93e-9f11b44c7e96";

/// An Exchange recipient: a user or a group, found by object id or address.
#[derive(Clone, Copy, Debug)]
pub enum Recipient<'a> {
    User(&'a User),
    Group(&'a Group),
}

fn has_address(mail: Option<&str>, proxies: &[String], upn: Option<&str>, s: &str) -> bool {
    mail.is_some_and(|m| m.eq_ignore_ascii_case(s))
        || upn.is_some_and(|u| u.eq_ignore_ascii_case(s))
        || proxies.iter().any(|p| {
            p.split_once(':').is_some_and(|(kind, a)| {
                kind.eq_ignore_ascii_case("smtp") && a.eq_ignore_ascii_case(s)
            })
        })
}

/// The user or group with object id `s`, or with `s` as its primary or a secondary SMTP address.
pub fn recipient<'a>(dir: &'a Directory, s: &str) -> Option<Recipient<'a>> {
    let s = s.trim();
    if let Some(u) = dir.users.iter().find(|u| {
        u.id.eq_ignore_ascii_case(s)
            || has_address(
                u.mail.as_deref(),
                &u.proxy_addresses,
                Some(&u.user_principal_name),
                s,
            )
    }) {
        return Some(Recipient::User(u));
    }
    dir.groups
        .iter()
        .find(|g| {
            g.id.eq_ignore_ascii_case(s)
                || has_address(g.mail.as_deref(), &g.proxy_addresses, None, s)
        })
        .map(Recipient::Group)
}

/// The user with a mailbox (user or shared) named by `s` (object id or address).
pub fn mailbox<'a>(dir: &'a Directory, s: &str) -> Option<&'a User> {
    match recipient(dir, s)? {
        Recipient::User(u) if u.mailbox.is_some() => Some(u),
        _ => None,
    }
}

/// Exchange's `RecipientTypeDetails` for a directory object.
pub fn recipient_type(r: Recipient) -> &'static str {
    match r {
        Recipient::User(u) => match u.mailbox {
            Some(MailboxKind::User) => "UserMailbox",
            Some(MailboxKind::Shared) => "SharedMailbox",
            // A mail-enabled user without a mailbox here (e.g. a guest with an outside address).
            None if u.mail.is_some() => "MailUser",
            None => "User",
        },
        Recipient::Group(g) => {
            if g.group_types.iter().any(|t| t == "Unified") {
                "GroupMailbox"
            } else if g.mail_enabled && g.security_enabled {
                "MailUniversalSecurityGroup"
            } else if g.mail_enabled {
                "MailUniversalDistributionGroup"
            } else {
                // Not mail-enabled: not an Exchange recipient at all.
                "Group"
            }
        }
    }
}

/// `New-ApplicationAccessPolicy`: "You can specify only security principals with this parameter":
/// UserMailbox, MailUser, MailUniversalSecurityGroup.
pub fn valid_policy_scope(recipient_type: &str) -> bool {
    matches!(
        recipient_type,
        "UserMailbox" | "MailUser" | "MailUniversalSecurityGroup"
    )
}

/// One mailbox and what reaches it.
#[derive(Clone, Debug)]
pub struct MailboxAccess {
    pub id: String,
    pub mail: Option<String>,
    /// `entraGrant`, `rbac:<assignment id>`, `managementRoleAssignment:<identity>`.
    pub via: Vec<String>,
    /// The application access policies that keep the Entra grant from this mailbox.
    pub entra_grant_blocked_by: Vec<String>,
}

impl MailboxAccess {
    pub fn can_send(&self) -> bool {
        !self.via.is_empty()
    }

    pub fn json(&self) -> Value {
        json!({"id": self.id, "mail": self.mail, "via": self.via})
    }
}

fn in_scope(dir: &Directory, scope: &Scope, user_id: &str) -> bool {
    match scope {
        Scope::Organization => true,
        Scope::User(id) => id.eq_ignore_ascii_case(user_id),
        Scope::Group(gid) => dir
            .group(gid)
            .is_some_and(|g| g.members.iter().any(|m| m.eq_ignore_ascii_case(user_id))),
    }
}

/// Is `user_id` the policy's scope user, or a member (nested members included) of its group?
fn in_policy_scope(dir: &Directory, scope_identity: &str, user_id: &str) -> bool {
    scope_identity.eq_ignore_ascii_case(user_id)
        || dir
            .transitive_groups_of(user_id)
            .iter()
            .any(|g| g.eq_ignore_ascii_case(scope_identity))
}

/// Does the service principal hold Microsoft Graph's `Mail.Send` application permission?
pub fn has_entra_mail_send(dir: &Directory, sp_id: &str) -> bool {
    let Some(graph) = dir
        .service_principals
        .iter()
        .find(|s| s.app_id.eq_ignore_ascii_case(GRAPH_APP_ID))
    else {
        return false;
    };
    dir.app_role_assignments.iter().any(|a| {
        a.principal_id.eq_ignore_ascii_case(sp_id)
            && a.resource_id.eq_ignore_ascii_case(&graph.id)
            && a.app_role_id.eq_ignore_ascii_case(GRAPH_MAIL_SEND_ROLE_ID)
    })
}

/// Every mailbox with what reaches it, for the app `app_id` whose service principal (if any) is
/// `sp_id`.
pub fn mailboxes(
    dir: &Directory,
    ex: &Exchange,
    app_id: &str,
    sp_id: Option<&str>,
) -> Vec<MailboxAccess> {
    let entra = sp_id.is_some_and(|sp| has_entra_mail_send(dir, sp));
    let policies: Vec<_> = ex
        .access_policies
        .iter()
        .filter(|p| p.app_id.eq_ignore_ascii_case(app_id))
        .collect();
    let any_restrict = policies
        .iter()
        .any(|p| p.access_right == AccessRight::RestrictAccess);
    let sends = |role_id: &str| ex.role(role_id).is_some_and(|r| r.sends_mail());
    let of_sp = |id: &str| sp_id.is_some_and(|sp| sp.eq_ignore_ascii_case(id));
    let mut out = Vec::new();
    for u in dir.users.iter().filter(|u| u.mailbox.is_some()) {
        let mut via = Vec::new();
        let mut blocked = Vec::new();
        if entra {
            let denied: Vec<String> = policies
                .iter()
                .filter(|p| p.access_right == AccessRight::DenyAccess)
                .filter(|p| in_policy_scope(dir, &p.scope_identity, &u.id))
                .map(|p| p.identity.clone())
                .collect();
            let restricted_in = policies
                .iter()
                .filter(|p| p.access_right == AccessRight::RestrictAccess)
                .any(|p| in_policy_scope(dir, &p.scope_identity, &u.id));
            if !denied.is_empty() {
                blocked = denied;
            } else if any_restrict && !restricted_in {
                blocked = policies
                    .iter()
                    .filter(|p| p.access_right == AccessRight::RestrictAccess)
                    .map(|p| p.identity.clone())
                    .collect();
            } else {
                via.push("entraGrant".to_string());
            }
        }
        for a in &ex.role_assignments {
            if of_sp(&a.service_principal_id)
                && sends(&a.role_definition_id)
                && in_scope(dir, &a.scope, &u.id)
            {
                via.push(format!("rbac:{}", a.id));
            }
        }
        for a in &ex.management_role_assignments {
            if of_sp(&a.service_principal_id)
                && sends(&a.role_definition_id)
                && in_scope(dir, &a.scope, &u.id)
            {
                via.push(format!("managementRoleAssignment:{}", a.identity));
            }
        }
        out.push(MailboxAccess {
            id: u.id.clone(),
            mail: u.mail.clone(),
            via,
            entra_grant_blocked_by: blocked,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{AccessPolicy, RoleAssignment, APP_MAIL_SEND};
    use crate::model::AppRoleAssignment;
    use crate::tenant::seed::ids;
    use crate::tenant::{seed, GRAPH_SP_ID};

    const SP: &str = "11111111-2222-4333-8444-555555555555";
    const APP: &str = "99999999-2222-4333-8444-555555555555";

    fn grant(dir: &mut Directory) {
        dir.app_role_assignments.push(AppRoleAssignment {
            id: "x".into(),
            app_role_id: GRAPH_MAIL_SEND_ROLE_ID.into(),
            created_date_time: String::new(),
            principal_display_name: String::new(),
            principal_id: SP.into(),
            resource_display_name: String::new(),
            resource_id: GRAPH_SP_ID.into(),
            visible_at: None,
        });
    }

    fn policy(right: AccessRight, scope: &str) -> AccessPolicy {
        AccessPolicy {
            identity: format!("p-{scope}"),
            app_id: APP.into(),
            policy_scope_group_id: scope.into(),
            scope_identity: scope.into(),
            scope_name: String::new(),
            scope_type: "MailUniversalSecurityGroup",
            access_right: right,
            description: String::new(),
        }
    }

    fn reach(dir: &Directory, ex: &Exchange) -> Vec<String> {
        let mut v: Vec<String> = mailboxes(dir, ex, APP, Some(SP))
            .into_iter()
            .filter(MailboxAccess::can_send)
            .map(|m| m.id)
            .collect();
        v.sort();
        v
    }

    fn sorted(ids: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn rules() {
        let mut dir = seed(vec![]);
        let mut ex = Exchange::new();
        let all_mailboxes: Vec<&str> = dir
            .users
            .iter()
            .filter(|u| u.mailbox.is_some())
            .map(|u| u.id.as_str())
            .collect();
        let all = sorted(&all_mailboxes);
        assert!(reach(&dir, &ex).is_empty());
        grant(&mut dir);
        assert_eq!(reach(&dir, &ex), all);
        // Restrict to Finance Notifications: Megan (direct) and invoices (nested) remain.
        ex.access_policies.push(policy(
            AccessRight::RestrictAccess,
            ids::FINANCE_NOTIFICATIONS,
        ));
        assert_eq!(reach(&dir, &ex), sorted(&[ids::MEGAN, ids::INVOICES]));
        // Deny wins over restrict.
        ex.access_policies
            .push(policy(AccessRight::DenyAccess, ids::MEGAN));
        assert_eq!(reach(&dir, &ex), sorted(&[ids::INVOICES]));
        // An RBAC group scope adds direct members only, whatever the policies say.
        let send = ex.role_by_name(APP_MAIL_SEND).unwrap().id.clone();
        ex.role_assignments.push(RoleAssignment {
            id: "r1".into(),
            principal_id: format!("/ServicePrincipals/{SP}"),
            service_principal_id: SP.into(),
            role_definition_id: send,
            directory_scope_id: format!("/Groups/{}", ids::FINANCE_NOTIFICATIONS),
            scope: Scope::Group(ids::FINANCE_NOTIFICATIONS.into()),
        });
        let m = mailboxes(&dir, &ex, APP, Some(SP));
        let megan = m.iter().find(|x| x.id == ids::MEGAN).unwrap();
        assert_eq!(megan.via, vec!["rbac:r1".to_string()]);
        assert_eq!(
            megan.entra_grant_blocked_by,
            vec![format!("p-{}", ids::MEGAN)]
        );
        let inv = m.iter().find(|x| x.id == ids::INVOICES).unwrap();
        assert_eq!(inv.via, vec!["entraGrant".to_string()]);
        // Without the Entra grant only the RBAC assignment's direct member remains.
        dir.app_role_assignments.clear();
        assert_eq!(reach(&dir, &ex), sorted(&[ids::MEGAN]));
    }

    #[test]
    fn recipients() {
        let dir = seed(vec![]);
        let t = |s: &str| recipient(&dir, s).map(recipient_type);
        assert_eq!(
            t("invoices@contosodemo.onmicrosoft.com"),
            Some("SharedMailbox")
        );
        assert_eq!(
            t("BILLING@contosodemo.onmicrosoft.com"),
            Some("SharedMailbox")
        );
        assert_eq!(t(ids::MEGAN), Some("UserMailbox"));
        assert_eq!(t("grady@fabrikam.example"), Some("MailUser"));
        assert_eq!(t(ids::NESTOR), Some("User"));
        assert_eq!(
            t(ids::MAILGRANT_SENDERS),
            Some("MailUniversalSecurityGroup")
        );
        assert_eq!(
            t("allstaff@contosodemo.onmicrosoft.com"),
            Some("MailUniversalDistributionGroup")
        );
        assert_eq!(t(ids::SALES), Some("GroupMailbox"));
        assert_eq!(t(ids::IT_ADMINS), Some("Group"));
        assert_eq!(t("nobody@contosodemo.onmicrosoft.com"), None);
        assert!(mailbox(&dir, ids::NESTOR).is_none());
        assert!(mailbox(&dir, "billing@contosodemo.onmicrosoft.com").is_some());
    }
}
