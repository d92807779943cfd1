//! What a run learns, typed: the ids of what it created or found (journalled: never a secret or
//! a token), and the preflight's findings (kept in memory only).

use crate::graph::apps::{Application, Assignment, MailboxUser, ServicePrincipal};
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
    /// What the preflight read (not journalled).
    pub found: Found,
}

/// What the preflight has read so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub mailbox: Option<MailboxUser>,
    pub app: Option<Application>,
    pub same_name: Vec<Application>,
    pub sp: Option<ServicePrincipal>,
    pub grants: Vec<Assignment>,
}

/// What the preflight found, once it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub mailbox: MailboxUser,
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
            app: self.app.clone(),
            same_name: self.same_name.clone(),
            sp: self.sp.clone(),
            grants: self.grants.clone(),
        })
    }
}
