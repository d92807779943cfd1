//! What a run learns, typed: the ids of what it created or found (journalled: never a secret or
//! a token), and the preflight's findings (kept in memory only).

use crate::graph::apps::{Application, Assignment, MailboxUser, ServicePrincipal};
use crate::graph::groups::Group;
use crate::ids::{AssignmentId, ClientId, Guid, KeyId, ObjectId};
use crate::time::UtcDateTime;

/// Ids learned while running. The journal keeps them; none is a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub app: Option<ObjectId>,
    pub app_id: Option<ClientId>,
    /// `keyId`s (and names) of the app's secrets when it was read.
    pub app_secrets: Vec<(KeyId, String)>,
    pub graph_sp: Option<ObjectId>,
    pub mail_send_role: Option<Guid>,
    pub sp: Option<ObjectId>,
    pub key_id: Option<KeyId>,
    pub secret_end: Option<UtcDateTime>,
    /// Set when the tenant's policy made mailgrant lower the secret's lifetime.
    pub secret_lifetime_days: Option<u32>,
    pub secret_handed_off: bool,
    pub grant_id: Option<AssignmentId>,
    /// Secrets made by this run whose text the admin never saw: removed before a new one is made.
    pub lost_keys: Vec<KeyId>,
    pub removed_keys: Vec<KeyId>,
    /// Notes for the summary (e.g. "lifetime lowered").
    pub notes: Vec<String>,
    /// Exchange's `Application Mail.Send` role definition (RBAC mode).
    pub exchange_role: Option<Guid>,
    /// The Exchange role assignment that scopes the app (RBAC mode, made or found by the page).
    pub exchange_assignment: Option<Guid>,
    /// Why the page could not scope the app in Exchange itself (the script does it then).
    pub exchange_fallback: Option<Fallback>,
    /// The name of the federated identity credential this run made.
    pub federated: Option<String>,
    /// What the preflight read (not journalled).
    pub found: Found,
}

/// Why the page left the Exchange scope to the PowerShell script (Graph's beta endpoint refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// 403: the signed-in admin lacks the Exchange role, or the page lacks consent to
    /// `RoleManagement.ReadWrite.Exchange`.
    Forbidden,
    /// The endpoint is not available (400, 404 or 501 for the provider).
    Unavailable { status: u16 },
    /// An answer of a shape the page does not know.
    Unreadable,
    /// No `Application Mail.Send` role definition was found.
    NoRole,
    /// The scope is a group the script creates, which has no object id yet.
    NoGroup,
}

impl Fallback {
    pub fn as_str(self) -> String {
        match self {
            Fallback::Forbidden => "forbidden".into(),
            Fallback::Unavailable { status } => format!("unavailable:{status}"),
            Fallback::Unreadable => "unreadable".into(),
            Fallback::NoRole => "noRole".into(),
            Fallback::NoGroup => "noGroup".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Fallback> {
        Some(match s {
            "forbidden" => Fallback::Forbidden,
            "unreadable" => Fallback::Unreadable,
            "noRole" => Fallback::NoRole,
            "noGroup" => Fallback::NoGroup,
            _ => Fallback::Unavailable {
                status: s.strip_prefix("unavailable:")?.parse().ok()?,
            },
        })
    }

    /// One sentence for the admin: why the script does it.
    pub fn why(self) -> String {
        match self {
            Fallback::Forbidden => "Microsoft Graph refused the Exchange role assignment (HTTP 403): it needs the Exchange Administrator or Global Administrator role and this page's consent to RoleManagement.ReadWrite.Exchange.".into(),
            Fallback::Unavailable { status } => format!("Microsoft Graph's Exchange role management (a beta feature) is not available in this tenant (HTTP {status})."),
            Fallback::Unreadable => "Microsoft Graph's Exchange role management answered in a form this page does not know.".into(),
            Fallback::NoRole => "Exchange did not list its “Application Mail.Send” role to this page.".into(),
            Fallback::NoGroup => "The scope group does not exist yet (the Exchange script creates it), so the script also scopes the app to it.".into(),
        }
    }
}

/// What Exchange says the mailbox is (`mailboxSettings/userPurpose`), when the page may read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailboxKind {
    /// Not readable (the usual case: a delegated token reads only mailboxes its user may open).
    #[default]
    Unknown,
    User,
    Shared,
    /// A room, equipment or linked mailbox, or a kind Graph adds later.
    Other,
}

impl MailboxKind {
    pub fn from_purpose(purpose: &str) -> MailboxKind {
        match purpose {
            "user" => MailboxKind::User,
            "shared" => MailboxKind::Shared,
            _ => MailboxKind::Other,
        }
    }
}

/// What the preflight has read so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub mailbox: Option<MailboxUser>,
    pub mailbox_kind: MailboxKind,
    pub app: Option<Application>,
    pub same_name: Vec<Application>,
    pub sp: Option<ServicePrincipal>,
    pub grants: Vec<Assignment>,
    /// The next page of a collection being read (`@odata.nextLink`).
    pub next_page: Option<String>,
    /// The scope group (the Scope step's check).
    pub group: Option<Group>,
    /// The tenant's mail-enabled security groups: (display name, address).
    pub mail_groups: Vec<(String, String)>,
    /// The mailbox is a direct member of the scope group.
    pub direct_member: Option<bool>,
    /// The mailbox is a member of the scope group, directly or through nested groups.
    pub member: Option<bool>,
}

/// What the preflight found, once it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub mailbox: MailboxUser,
    pub mailbox_kind: MailboxKind,
    /// The app with our `uniqueName`, if any.
    pub app: Option<Application>,
    /// Apps with the same display name.
    pub same_name: Vec<Application>,
    pub sp: Option<ServicePrincipal>,
    pub grants: Vec<Assignment>,
}

impl Found {
    /// The findings, if the mailbox was found.
    pub fn findings(&self) -> Option<Findings> {
        Some(Findings {
            mailbox: self.mailbox.clone()?,
            mailbox_kind: self.mailbox_kind,
            app: self.app.clone(),
            same_name: self.same_name.clone(),
            sp: self.sp.clone(),
            grants: self.grants.clone(),
        })
    }
}
