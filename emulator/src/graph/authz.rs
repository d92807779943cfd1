//! Delegated authorization: the effective permission is the intersection of the token's scopes
//! and the signed-in user's directory roles (graph-facts §A.12, §C.7).
//!
//! Model (kept simple, documented in the README):
//! - reading applications/SPs/assignments needs one of [`READ_APPS`];
//! - writing applications/SPs (create, update, delete, add/removePassword) needs
//!   `Application.ReadWrite.All`, and the user must hold an app-management role
//!   (Global Administrator, Application Administrator, Cloud Application Administrator) or own
//!   the object. Creating an application always needs such a role: the demo tenant has
//!   "Users can register applications" switched off;
//! - creating or deleting an app role assignment needs `AppRoleAssignment.ReadWrite.All` plus one
//!   of [`READ_APPS`]; for a Microsoft Graph app role the user must be Global Administrator or
//!   Privileged Role Administrator, for other resources the app-management roles also do (§A.6);
//! - users: [`READ_USERS`] for anyone but yourself; groups and memberships: [`READ_GROUPS`];
//! - Graph beta's Exchange RBAC provider: reads need one of [`READ_EXCHANGE`], writes
//!   [`WRITE_EXCHANGE`] (the permission tables of the beta roleDefinitions/roleAssignments
//!   pages), and the user must be Exchange Administrator or Global Administrator. Graph names no
//!   admin role for this provider; Exchange's RBAC for Applications page says "you need the
//!   Exchange Administrator role to assign these permissions" (notes §5).

use super::error::{denied, GResult};
use super::Ctx;
use crate::tenant::Role;

pub const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub const WRITE_APPS: &[&str] = &["Application.ReadWrite.All"];
pub const GRANT: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
pub const READ_USERS: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Reading directory roles (their names and template ids).
pub const READ_ROLES: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub const READ_GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// A user's mailbox settings (Exchange behind Graph).
pub const READ_MAILBOX_SETTINGS: &[&str] = &["MailboxSettings.Read", "MailboxSettings.ReadWrite"];

/// Exchange provider reads (list/get role definitions and role assignments).
pub const READ_EXCHANGE: &[&str] = &[
    "RoleManagement.Read.Exchange",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Exchange",
];
/// Exchange provider writes (create/delete role assignments).
pub const WRITE_EXCHANGE: &[&str] = &["RoleManagement.ReadWrite.Exchange"];

/// Access to Graph beta's Exchange RBAC provider: the scope, and Exchange or Global Administrator.
pub fn may_use_exchange_rbac(ctx: &Ctx, write: bool) -> GResult<()> {
    ctx.require_scope(if write { WRITE_EXCHANGE } else { READ_EXCHANGE })?;
    let admin = ctx
        .roles()
        .iter()
        .any(|r| matches!(r, Role::GlobalAdministrator | Role::ExchangeAdministrator));
    if admin {
        Ok(())
    } else {
        Err(denied())
    }
}

fn app_admin(roles: &[Role]) -> bool {
    roles.iter().any(|r| {
        matches!(
            r,
            Role::GlobalAdministrator
                | Role::ApplicationAdministrator
                | Role::CloudApplicationAdministrator
        )
    })
}

/// Write access to an application or service principal owned by `owners` (None = creating).
pub fn may_manage(ctx: &Ctx, owners: Option<&[String]>) -> GResult<()> {
    ctx.require_scope(WRITE_APPS)?;
    let owner = owners.is_some_and(|o| o.iter().any(|u| u.eq_ignore_ascii_case(ctx.user_id())));
    if owner || app_admin(&ctx.roles()) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Granting/revoking an app role of a resource (Microsoft Graph or another API).
pub fn may_grant(ctx: &Ctx, resource_is_graph: bool) -> GResult<()> {
    ctx.require_scope(GRANT)?;
    ctx.require_scope(READ_APPS)?;
    let roles = ctx.roles();
    let privileged = roles.iter().any(|r| {
        matches!(
            r,
            Role::GlobalAdministrator | Role::PrivilegedRoleAdministrator
        )
    });
    if privileged || (!resource_is_graph && app_admin(&roles)) {
        Ok(())
    } else {
        Err(denied())
    }
}
