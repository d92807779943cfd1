//! The operation layer: one module per Graph operation, each with the request it sends, how it
//! reads an answer (the body is parsed once, into the operation's own type), and what comes next
//! ([`Next`]). Reads ([`Read`]) and writes ([`Write`]) are separate kinds, and each operation has
//! its own step type, so an operation can only be asked for a step it has.
//!
//! The engine ([`crate::run`]) schedules, retries, journals, logs and undoes; it never matches on
//! an operation kind. It drives every operation through [`Live`]. An operation never sees the
//! engine: it reads the run's [`Job`] and writes what it learns into [`Facts`] ([`Cx`]).
//!
//! ```text
//! job ◄── op ◄── plan ◄── wizard
//!          ▲      ▲
//!          └───── run ◄── wizard
//! ```

mod add_password;
mod answer;
mod exchange;
mod facts;
mod federated;
mod gate;
mod grant;
mod mailbox;
mod reads;
mod remove;
pub(crate) mod upsert_app;
mod upsert_sp;

use std::fmt;

pub use answer::Answer;
pub use facts::{Facts, Fallback, Findings, Found, MailboxKind};
pub use mailbox::NoMailbox;

use crate::explain::{Audience, Explanation};
use crate::graph::apps::RoleLookupError;
use crate::graph::{GraphError, Request};
use crate::ids::{AssignmentId, ClientId, Guid, KeyId, ObjectId};
use crate::job::Job;
use crate::secret::ClientSecret;

/// An operation that only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The mailbox user and its object id.
    Mailbox,
    /// Apps with the app's display name (someone else's must never be adopted).
    AppsByDisplayName,
    /// The app mailgrant made earlier for this vendor and mailbox (by `uniqueName`).
    AppByUniqueName,
    /// That app's service principal.
    AppServicePrincipal,
    /// The grants that service principal holds.
    Grants,
    /// Microsoft Graph's service principal and its `Mail.Send` application role.
    GraphServicePrincipal,
    /// Exchange's `Application Mail.Send` role definition (Graph beta; optional).
    ExchangeRole,
    /// The Exchange role assignment read back: it exists, with the role and scope asked for.
    ExchangeAssignment,
    /// The scope group by its address (a mail-enabled security group?).
    ScopeGroup,
    /// The tenant's mail-enabled security groups, to name the choices.
    MailGroups,
    /// Whether the mailbox is a direct member of the scope group.
    DirectMembers,
    /// Whether the mailbox is a member of the scope group at all (nested groups count).
    MemberGroups,
}

/// An operation that changes the tenant (journalled as an intent before it is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    UpsertApp,
    UpsertServicePrincipal,
    AddPassword,
    /// The vendor's federated identity credential on the app (no secret).
    AddFederated,
    GrantMailSend,
    /// Exchange's `Application Mail.Send` role, assigned to the app's service principal over the
    /// scope (Graph beta; optional: the script does it when the page cannot).
    AssignExchangeRole,
    Remove(Removal),
}

/// A step the admin takes outside the page, which the run waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The legacy mode's Exchange script (the Application Access Policy), confirmed by the code
    /// it prints after PASS.
    PolicyScript,
}

/// A removal: of an unscoped grant (RBAC fix-up), or of what this run created (Undo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Grant {
        resource_id: ObjectId,
        assignment_id: AssignmentId,
        /// An unscoped grant found on the app (RBAC mode), not one this run made.
        unscoped: bool,
    },
    Password {
        app: ObjectId,
        key_id: KeyId,
    },
    ServicePrincipal {
        id: ObjectId,
    },
    App {
        id: ObjectId,
    },
    ExchangeAssignment {
        id: Guid,
    },
    FederatedCredential {
        app: ObjectId,
        name: String,
    },
}

/// One Graph operation (which may take several requests: a read-back, replication polls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Read(Read),
    Write(Write),
    /// Sends nothing: waits for the admin.
    Wait(Wait),
}

impl Kind {
    pub const UPSERT_APP: Kind = Kind::Write(Write::UpsertApp);
    pub const UPSERT_SP: Kind = Kind::Write(Write::UpsertServicePrincipal);
    pub const ADD_PASSWORD: Kind = Kind::Write(Write::AddPassword);
    pub const ADD_FEDERATED: Kind = Kind::Write(Write::AddFederated);
    pub const GRANT_MAIL_SEND: Kind = Kind::Write(Write::GrantMailSend);
    pub const ASSIGN_EXCHANGE_ROLE: Kind = Kind::Write(Write::AssignExchangeRole);

    /// A short label for logs and progress.
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Read(Read::Mailbox) => "check the mailbox",
            Kind::Read(Read::AppByUniqueName) => "find app by uniqueName",
            Kind::Read(Read::AppsByDisplayName) => "find apps by display name",
            Kind::Read(Read::AppServicePrincipal) => "read app's service principal",
            Kind::Read(Read::Grants) => "read existing grants",
            Kind::Read(Read::GraphServicePrincipal) => "look up Microsoft Graph and Mail.Send",
            Kind::Read(Read::ExchangeRole) => "look up Exchange's Application Mail.Send role",
            Kind::Read(Read::ExchangeAssignment) => "read back the Exchange role assignment",
            Kind::Read(Read::ScopeGroup) => "find the scope group",
            Kind::Read(Read::MailGroups) => "list the mail-enabled security groups",
            Kind::Read(Read::DirectMembers) => "read the group's direct members",
            Kind::Read(Read::MemberGroups) => {
                "check the mailbox's membership, nested groups included"
            }
            Kind::Write(Write::UpsertApp) => "create or reuse the app registration",
            Kind::Write(Write::UpsertServicePrincipal) => "create or reuse its service principal",
            Kind::Write(Write::AddPassword) => "add client secret",
            Kind::Write(Write::AddFederated) => "add the federated credential",
            Kind::Write(Write::GrantMailSend) => "grant Mail.Send",
            Kind::Write(Write::AssignExchangeRole) => "scope the app to the mailbox in Exchange",
            Kind::Wait(Wait::PolicyScript) => "wait for the Exchange script's confirmation code",
            Kind::Write(Write::Remove(r)) => match r {
                Removal::Grant { unscoped: true, .. } => "remove unscoped Mail.Send grant",
                Removal::Grant { .. } => "undo: remove Mail.Send grant",
                Removal::Password { .. } => "undo: remove client secret",
                Removal::ServicePrincipal { .. } => "undo: delete service principal",
                Removal::App { .. } => "undo: delete app",
                Removal::ExchangeAssignment { .. } => "undo: remove the Exchange role assignment",
                Removal::FederatedCredential { .. } => "undo: remove the federated credential",
            },
        }
    }

    /// Whether the operation changes the tenant.
    pub fn writes(&self) -> bool {
        matches!(self, Kind::Write(_))
    }

    /// Whether the operation sends requests (a wait sends none).
    pub fn sends(&self) -> bool {
        !matches!(self, Kind::Wait(_))
    }

    /// Which role or permission the operation needs, for a refusal (graph-facts A.12, C.7).
    pub fn needs(&self) -> &'static str {
        match self {
            Kind::Write(Write::GrantMailSend | Write::Remove(Removal::Grant { .. })) => {
                "Granting or removing Microsoft Graph's Mail.Send needs the Privileged Role Administrator or Global Administrator role (Application Administrator and Cloud Application Administrator cannot grant Microsoft Graph application permissions), and this page's consent to AppRoleAssignment.ReadWrite.All."
            }
            Kind::Read(Read::Mailbox) => {
                "Finding the mailbox's user needs this page's consent to User.Read.All."
            }
            Kind::Read(
                Read::ScopeGroup | Read::MailGroups | Read::DirectMembers | Read::MemberGroups,
            ) => {
                "Reading groups and their members needs this page's consent to GroupMember.Read.All."
            }
            Kind::Read(Read::ExchangeRole | Read::ExchangeAssignment)
            | Kind::Write(
                Write::AssignExchangeRole | Write::Remove(Removal::ExchangeAssignment { .. }),
            ) => {
                "Exchange role assignments need the Exchange Administrator or Global Administrator role, and this page's consent to RoleManagement.ReadWrite.Exchange."
            }
            _ => {
                "Creating apps, service principals and secrets needs the Application Administrator or Cloud Application Administrator role (or Global Administrator), and this page's consent to Application.ReadWrite.All."
            }
        }
    }

    /// The operation that removes what this one created, given what the run learned.
    pub fn undo(&self, facts: &Facts) -> Option<Kind> {
        let removal = match self {
            Kind::Write(Write::GrantMailSend) => Removal::Grant {
                resource_id: facts.graph_sp?,
                assignment_id: facts.grant_id.clone()?,
                unscoped: false,
            },
            Kind::Write(Write::AddPassword) => Removal::Password {
                app: facts.app?,
                key_id: facts.key_id?,
            },
            Kind::Write(Write::UpsertServicePrincipal) => {
                Removal::ServicePrincipal { id: facts.sp? }
            }
            Kind::Write(Write::UpsertApp) => Removal::App { id: facts.app? },
            Kind::Write(Write::AssignExchangeRole) => Removal::ExchangeAssignment {
                id: facts.exchange_assignment?,
            },
            Kind::Write(Write::AddFederated) => Removal::FederatedCredential {
                app: facts.app?,
                name: facts.federated.clone()?,
            },
            _ => return None,
        };
        Some(Kind::Write(Write::Remove(removal)))
    }

    /// After a reload, with what the journal kept: whether this operation must run again
    /// because the reload lost what it made (a secret the admin never saw).
    pub fn after_reload(&self, facts: &mut Facts) -> bool {
        match self {
            Kind::Write(Write::AddPassword) => add_password::after_reload(facts),
            _ => false,
        }
    }

    /// On resume, before a write that remains: what this operation learned came from the
    /// journal, which anything on the page's origin can write, so the ids a later write would
    /// use are forgotten and learned again from Graph. `true`: it must run again (a write finds
    /// out what it made, as after a lost answer; a look-up reads again).
    pub fn relearn(&self, facts: &mut Facts) -> bool {
        match self {
            Kind::Write(Write::UpsertApp) => {
                facts.app = None;
                facts.app_id = None;
            }
            Kind::Write(Write::UpsertServicePrincipal) => facts.sp = None,
            Kind::Read(Read::ExchangeRole) => {
                facts.exchange_role = None;
                facts.exchange_fallback = None;
            }
            Kind::Read(Read::GraphServicePrincipal) => {
                facts.graph_sp = None;
                facts.mail_send_role = None;
            }
            _ => return false,
        }
        true
    }

    /// This operation, ready to run.
    pub fn live(&self) -> Live {
        Live(match self {
            Kind::Read(r) => reads::live(*r),
            Kind::Write(Write::UpsertApp) => Box::new(Handler::new(upsert_app::UpsertApp)),
            Kind::Write(Write::UpsertServicePrincipal) => {
                Box::new(Handler::new(upsert_sp::UpsertSp))
            }
            Kind::Write(Write::AddPassword) => Box::new(Handler::new(add_password::AddPassword)),
            Kind::Write(Write::AddFederated) => Box::new(Handler::new(federated::AddFederated)),
            Kind::Write(Write::GrantMailSend) => Box::new(Handler::new(grant::Grant)),
            Kind::Write(Write::AssignExchangeRole) => Box::new(Handler::new(exchange::Assign)),
            Kind::Write(Write::Remove(r)) => Box::new(Handler::new(remove::Remove(r.clone()))),
            Kind::Wait(Wait::PolicyScript) => Box::new(gate::PolicyScript),
        })
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Created by this run.
    Created,
    /// Found and reused ("already exists" is success).
    Existing,
    /// Read, removed or confirmed; nothing created.
    Done,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Existing => "existing",
            Outcome::Done => "done",
            Outcome::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Created,
            Outcome::Existing,
            Outcome::Done,
            Outcome::Skipped,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// What an operation does after an answer (or at its start).
#[derive(Debug)]
pub enum Next<S> {
    Done(Outcome),
    /// Send this step's request now.
    Send(S),
    /// Maybe replication lag on `what`: send `poll` after a back-off (the engine pauses past its
    /// deadline).
    Lag {
        what: &'static str,
        poll: S,
    },
    /// Wait one replication interval, then send this step (a last look after a lost answer).
    Later(S),
    /// The outcome of the write is unknown (an answer that cannot be read): find out with this
    /// step before anything is sent again.
    Unknown(S),
    Fail(OpError),
}

/// What an operation reads, and where it writes what it learns.
pub struct Cx<'a> {
    pub job: &'a Job,
    pub facts: &'a mut Facts,
    /// The client secret, only between `addPassword`'s answer and the hand-off.
    pub secret: &'a mut Option<ClientSecret>,
    /// A write of this operation had an unknown outcome at some point (lost answer, reload).
    pub unknown: bool,
    /// Unix milliseconds.
    pub now_ms: u64,
}

/// One operation: its steps, requests and answers. Implemented once per module.
pub(crate) trait Operation {
    type Step: Copy + PartialEq + fmt::Debug;
    /// The step it starts with.
    const FIRST: Self::Step;
    /// The step that finds out whether a write whose answer was lost happened.
    const RECONCILE: Self::Step;
    /// A refusal (403) does not stop the run: the operation reads it and falls back.
    const OPTIONAL: bool = false;
    /// Whether a refusal (403) of this step's request goes to the operation.
    fn optional(&self, _step: Self::Step) -> bool {
        Self::OPTIONAL
    }
    /// The first move: [`Self::FIRST`]'s request, or done without one.
    fn start(&self, _cx: &mut Cx) -> Next<Self::Step> {
        Next::Send(Self::FIRST)
    }
    /// Whether this step's request changes the tenant: for most writes, the first step only.
    fn writes(&self, step: Self::Step) -> bool {
        step == Self::FIRST
    }
    fn request(&self, step: Self::Step, cx: &Cx) -> Request;
    fn answer(&self, step: Self::Step, answer: &Answer, cx: &mut Cx) -> Next<Self::Step>;
}

/// What the engine does next for an operation (the step is kept by the operation).
#[derive(Debug)]
pub enum Move {
    Done(Outcome),
    Send,
    Lag {
        what: &'static str,
    },
    Later,
    Unknown,
    Fail(OpError),
    /// Wait for the admin ([`Live::confirm`]).
    Hold,
}

/// An operation with its current step, behind one interface for the engine.
pub struct Live(Box<dyn Erased>);

impl Live {
    pub fn start(&mut self, cx: &mut Cx) -> Move {
        self.0.start(cx)
    }

    /// Turns to finding out what a write whose outcome is unknown did.
    pub fn reconcile(&mut self) {
        self.0.reconcile()
    }

    /// The current step's request changes the tenant.
    pub fn writing(&self) -> bool {
        self.0.writing()
    }

    /// The current step's request; `None` for an operation that sends nothing (it is held).
    pub fn request(&self, cx: &Cx) -> Option<Request> {
        self.0.request(cx)
    }

    pub fn answer(&mut self, answer: &Answer, cx: &mut Cx) -> Move {
        self.0.answer(answer, cx)
    }

    /// A refusal (403) goes to the operation, which falls back, instead of stopping the run.
    pub fn optional(&self) -> bool {
        self.0.optional()
    }

    /// The admin's confirmation of a held operation: the next move, or `None` when it is not
    /// accepted (the operation stays held).
    pub fn confirm(&mut self, code: &str, cx: &mut Cx) -> Option<Move> {
        self.0.confirm(code, cx)
    }
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Live({})", self.0.step_name())
    }
}

trait Erased {
    fn start(&mut self, cx: &mut Cx) -> Move;
    fn reconcile(&mut self);
    fn writing(&self) -> bool;
    fn optional(&self) -> bool;
    fn request(&self, cx: &Cx) -> Option<Request>;
    fn answer(&mut self, answer: &Answer, cx: &mut Cx) -> Move;
    fn confirm(&mut self, code: &str, cx: &mut Cx) -> Option<Move>;
    fn step_name(&self) -> String;
}

struct Handler<O: Operation> {
    op: O,
    step: O::Step,
}

impl<O: Operation> Handler<O> {
    fn new(op: O) -> Self {
        Handler {
            op,
            step: O::RECONCILE,
        }
    }

    fn follow(&mut self, next: Next<O::Step>) -> Move {
        match next {
            Next::Done(o) => Move::Done(o),
            Next::Send(s) => {
                self.step = s;
                Move::Send
            }
            Next::Lag { what, poll } => {
                self.step = poll;
                Move::Lag { what }
            }
            Next::Later(s) => {
                self.step = s;
                Move::Later
            }
            Next::Unknown(s) => {
                self.step = s;
                Move::Unknown
            }
            Next::Fail(e) => Move::Fail(e),
        }
    }
}

impl<O: Operation> Erased for Handler<O> {
    fn start(&mut self, cx: &mut Cx) -> Move {
        let next = self.op.start(cx);
        self.follow(next)
    }

    fn reconcile(&mut self) {
        self.step = O::RECONCILE;
    }

    fn writing(&self) -> bool {
        self.op.writes(self.step)
    }

    fn optional(&self) -> bool {
        self.op.optional(self.step)
    }

    fn request(&self, cx: &Cx) -> Option<Request> {
        Some(self.op.request(self.step, cx))
    }

    fn answer(&mut self, answer: &Answer, cx: &mut Cx) -> Move {
        let next = self.op.answer(self.step, answer, cx);
        self.follow(next)
    }

    /// Only a waiting operation takes a confirmation.
    fn confirm(&mut self, _: &str, _: &mut Cx) -> Option<Move> {
        None
    }

    fn step_name(&self) -> String {
        format!("{:?}", self.step)
    }
}

/// Why an operation stopped (the engine adds which operation it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("no user in this tenant has the sign-in name, primary address or alias {address}")]
    MailboxNotFound { address: String },
    #[error("{domain} is not a verified domain of this tenant (its domains: {})", domains.join(", "))]
    ForeignDomain {
        domain: String,
        domains: Vec<String>,
    },
    #[error("{address} belongs to more than one user: {}", names.join(", "))]
    AmbiguousMailbox { address: String, names: Vec<String> },
    #[error("{address} is a guest account (userType {user_type}), not a mailbox of this tenant")]
    MailboxIsGuest { address: String, user_type: String },
    #[error("{address}{} has no Exchange Online mailbox ({}){}", if name.is_empty() { String::new() } else { format!(" ({name})") }, match why { NoMailbox::NoAddress => "the user has no e-mail address at all", NoMailbox::NotInExchangeOnline => "Exchange knows the address, but no mailbox is behind it" }, if *disabled { "; the account is also disabled" } else { "" })]
    NoMailbox {
        address: String,
        name: String,
        disabled: bool,
        why: NoMailbox,
    },
    #[error("the tenant's app management policy allows no client secret of {days} days or more ({graph})")]
    LifetimeOverPolicy { days: u32, graph: GraphError },
    #[error("the tenant's app management policy forbids client secrets ({graph})")]
    SecretsForbidden { graph: GraphError },
    #[error("{0}")]
    MailSendRole(#[from] RoleLookupError),
    #[error("no group with the address {address} in this tenant")]
    GroupNotFound { address: String },
    #[error("{address} is a {kind}, not a mail-enabled security group")]
    NotMailEnabledSecurity { address: String, kind: &'static str },
    #[error("another {what} with the unique name {unique_name} appeared after this run's check; {}", if *.changed { "this run's upsert updated its name, notes and tags" } else { "it carries no mark of this run (mailgrant:run=…)" })]
    Foreign {
        what: &'static str,
        unique_name: String,
        /// This run's upsert reached it (an update: Graph answered 204).
        changed: bool,
    },
    #[error("the {what} named by this run's record does not show it is this run's (no mailgrant:run mark, name or owner of this run)")]
    NotThisRuns { what: &'static str },
    #[error("the app already holds Exchange's Application Mail.Send role over another scope: {}", scopes.join(", "))]
    WiderExchangeScope { scopes: Vec<String> },
    #[error("the vendor's app {app_id} is not a multi-tenant app Graph knows ({graph})")]
    VendorApp { app_id: ClientId, graph: GraphError },
    #[error("{0}")]
    Unexpected(GraphError),
}

impl OpError {
    /// This error settles a write's unknown outcome: the object is known not to be this run's.
    pub fn settles_outcome(&self) -> bool {
        matches!(self, OpError::Foreign { .. })
    }

    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            OpError::LifetimeOverPolicy { graph, .. }
            | OpError::SecretsForbidden { graph }
            | OpError::VendorApp { graph, .. }
            | OpError::Unexpected(graph) => Some(graph),
            OpError::MailSendRole(_)
            | OpError::MailboxNotFound { .. }
            | OpError::ForeignDomain { .. }
            | OpError::AmbiguousMailbox { .. }
            | OpError::MailboxIsGuest { .. }
            | OpError::NoMailbox { .. }
            | OpError::GroupNotFound { .. }
            | OpError::NotMailEnabledSecurity { .. }
            | OpError::Foreign { .. }
            | OpError::WiderExchangeScope { .. }
            | OpError::NotThisRuns { .. } => None,
        }
    }

    /// The explanation of this error stopping `op`.
    pub fn explain_for(&self, op: &Kind) -> Explanation {
        // A sentence that names the step, not a log line ("check the mailbox: no user …"); a
        // Graph message may end with its own full stop.
        let text = self.to_string();
        let end = if text.ends_with(['.', '!', '?']) {
            ""
        } else {
            "."
        };
        let detail = match self.graph().and_then(|g| g.request_id.as_ref()) {
            Some(id) => format!(
                "The step “{}” stopped: {text} (request-id {id}).",
                op.label()
            ),
            None => format!("The step “{}” stopped: {text}{end}", op.label()),
        };
        let (title, fix): (String, String) = match self {
            OpError::MailboxNotFound { .. } => (
                "No mailbox in your tenant has this address.".into(),
                "Check the address for typos. It can be the mailbox's primary address, one of its aliases, or the user's sign-in name (a user or shared mailbox in this tenant). Nothing was changed.".into(),
            ),
            OpError::ForeignDomain { domain, .. } => (
                format!("{domain} is not one of your tenant's domains."),
                "The app can send only as a mailbox of the tenant you signed in to. Enter an address on one of the domains listed, or sign in to the tenant that owns this domain. Nothing was changed.".into(),
            ),
            OpError::AmbiguousMailbox { .. } => (
                "More than one user answers to this address.".into(),
                "Enter the mailbox's primary address or its user's sign-in name instead, so that exactly one user matches. Nothing was changed.".into(),
            ),
            OpError::MailboxIsGuest { .. } => (
                "This address belongs to a guest account.".into(),
                "A guest's mailbox lives in their own organization. Enter the address of a mailbox in your own tenant (a user or shared mailbox). Nothing was changed.".into(),
            ),
            OpError::NoMailbox { why: NoMailbox::NoAddress, .. } => (
                "This user has no mailbox.".into(),
                "The user exists but has no e-mail address, so the app could send as nobody. Give the user an Exchange Online licence (or convert the account to a shared mailbox) in the Microsoft 365 admin center, wait until the mailbox appears, then try again; or enter another mailbox. Nothing was changed.".into(),
            ),
            OpError::NoMailbox { .. } => (
                "There is no Exchange Online mailbox behind this address.".into(),
                "Exchange knows the address (a mail user or contact forwarding elsewhere, a user without an Exchange licence, or a mailbox still on-premises), but the app can send only as a mailbox in Exchange Online. Enter a user or shared mailbox, or create one in the Exchange admin center first. Nothing was changed.".into(),
            ),
            OpError::LifetimeOverPolicy { days, .. } => (
                "Your tenant's policy does not allow a client secret this long.".into(),
                format!("mailgrant already lowered the lifetime once (to {days} days). Ask the administrator of app management policies (Entra ID → Enterprise applications → App management policies) for the maximum, or an exemption for this app, then run again with a shorter lifetime. The app itself is kept; Undo removes it."),
            ),
            OpError::SecretsForbidden { .. } => (
                "Your tenant's policy forbids client secrets.".into(),
                "Options: ask the administrator of app management policies for an exemption for this app, or have the vendor use a certificate or federated credential instead of a secret. The app and its service principal are kept (Undo removes them).".into(),
            ),
            OpError::MailSendRole(_) => (
                "Microsoft Graph's Mail.Send permission looks different than expected.".into(),
                "Nothing was granted. Tell the vendor: the tenant's Microsoft Graph service principal does not list the documented Mail.Send application role.".into(),
            ),
            OpError::GroupNotFound { .. } => (
                "The group was not found.".into(),
                "Check the group's address (its primary address in Exchange), or choose “Only this mailbox”.".into(),
            ),
            OpError::NotMailEnabledSecurity { .. } => (
                "That group cannot scope the app.".into(),
                "Exchange scopes apps to mail-enabled security groups only (not Microsoft 365 groups, distribution lists or security groups without mail). Choose such a group, or “Only this mailbox”.".into(),
            ),
            OpError::Foreign { what, changed, .. } => (
                format!("Another setup made the same {what} at the same time."),
                format!("{} Perhaps this setup page is open in another tab or another administrator is running it for the same mailbox: finish there, or remove that {what} in the Entra admin center. Undo removes only what this run made.", if *changed { "This run updated its name, notes and tags (Graph's upsert does that) but will not remove it." } else { "This run did not change it and will not remove it." }),
            ),
            OpError::NotThisRuns { what } => (
                format!("This {what} is not the one this setup recorded, so the page does not delete it."),
                format!("Nothing was deleted. The record this tab kept of the setup names a {what} that does not show this run's mark or owner: the record was changed, or the object was replaced. Check App registrations and Enterprise applications in the Entra admin center, and remove yourself what you recognise as this setup's."),
            ),
            OpError::WiderExchangeScope { .. } => (
                "The app can already send as other mailboxes in Exchange.".into(),
                "Exchange role assignments add up: with this one in place, the app could send as every mailbox in that scope too, so nothing was handed off. It was made by an earlier setup or by an administrator, so the page does not remove it. Remove it first, then try again: run the rollback script of the earlier setup, or in Exchange Online PowerShell list the app's assignments (Get-ManagementRoleAssignment -RoleAssignee with the app's service principal) and remove that one (Remove-ManagementRoleAssignment). Undo removes what this run created.".into(),
            ),
            OpError::VendorApp { .. } => (
                "The vendor's app could not be added to your tenant.".into(),
                "Nothing was created. Tell the vendor: its application id in config.json must be a multi-tenant app (\"Accounts in any organizational directory\") registered in its own tenant.".into(),
            ),
            OpError::Unexpected(_) => (
                format!("Microsoft Graph refused to {}.", op.label()),
                "Nothing more was sent. Send the details (with the request-id) to the vendor's support contact; Undo removes what this run created.".into(),
            ),
        };
        Explanation {
            title,
            detail,
            fix,
            audience: Audience::Admin,
            example: None,
        }
    }
}

#[cfg(test)]
mod tests;
