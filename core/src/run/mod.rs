//! The executor: runs a plan's operations (concurrently where the dependencies allow), with
//! retries, a write-ahead journal and undo. Sans-I/O: [`Run::update`] takes an [`Event`] and the
//! current time and returns [`Effect`]s; [`drive`] (async, any [`Transport`]) and [`measure`]
//! (synchronous, for tests and benchmarks) perform them.
//!
//! Retry rules (graph-facts B.3/B.4, style-and-security R15–R17):
//! - 429/503/504: wait `Retry-After` (seconds or HTTP-date), else exponential backoff with jitter
//!   (3 s base, 180 s cap); at most [`Policy::throttle_retries`] times per operation, then pause.
//! - Replication lag (`Request_ResourceNotFound`, `NoBackingApplicationObject`) on an object this
//!   run created: poll the object with GET until it is readable, then send the write again; past
//!   [`Policy::replication_deadline_ms`] pause with "directory still replicating — Resume".
//! - A network failure on a write: the outcome is unknown, so the operation is reconciled (looked
//!   up) before anything is sent again; offline → wait for [`Event::Online`].
//! - Nothing else is retried; errors are translated ([`RunError`], [`Pause`]).

mod bench;
mod driver;
pub mod journal;
pub mod time;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use bench::{measure, Measurement, Reply};
pub use driver::{drive, NetworkError, Transport};

use crate::explain::{Audience, Explain, Explanation};
use crate::graph::apps::{self, Application, Assignment, Failure, MailboxUser, ServicePrincipal};
use crate::graph::{GraphError, Request};
use crate::ids::{ClientId, Guid, KeyId, ObjectId};
use crate::plan::{self, Findings, Inputs, Op, OpId, OpKind, Plan};
use crate::secret::ClientSecret;

pub type AttemptId = u64;
pub type TimerId = u64;

/// Response headers the executor reads. (Whether Graph exposes them to browser JS through CORS
/// is UNVERIFIED, graph-facts B.1/F.8: every one may be missing; `request-id` is then read from
/// the error body.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub location: Option<String>,
}

/// What happened.
pub enum Event {
    /// An answer to [`Effect::Http`].
    Answered {
        attempt: AttemptId,
        status: u16,
        headers: Headers,
        body: String,
    },
    /// The request of `attempt` failed without an answer (fetch rejected, timeout). `online`:
    /// `navigator.onLine`.
    NetworkFailed {
        attempt: AttemptId,
        online: bool,
    },
    TimerFired {
        timer: TimerId,
    },
    /// The browser is online again (answer to [`Effect::WaitOnline`]).
    Online,
    /// The admin clicked Resume (after a pause, or after signing in again).
    Resume,
    /// The admin has saved the client secret; it must not be replaced on resume.
    SecretHandedOff,
    /// The admin asked to undo what this run created.
    Undo,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The body may hold `secretText`: never print it.
            Event::Answered {
                attempt,
                status,
                headers,
                body,
            } => f
                .debug_struct("Answered")
                .field("attempt", attempt)
                .field("status", status)
                .field("headers", headers)
                .field("body", &format_args!("[{} bytes]", body.len()))
                .finish(),
            Event::NetworkFailed { attempt, online } => f
                .debug_struct("NetworkFailed")
                .field("attempt", attempt)
                .field("online", online)
                .finish(),
            Event::TimerFired { timer } => write!(f, "TimerFired({timer})"),
            Event::Online => f.write_str("Online"),
            Event::Resume => f.write_str("Resume"),
            Event::SecretHandedOff => f.write_str("SecretHandedOff"),
            Event::Undo => f.write_str("Undo"),
        }
    }
}

/// Something for the shell to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send `request` to Graph with `Authorization` added by the shell and the header
    /// `client-request-id: {client_request_id}` (already in `request.headers`); answer with
    /// [`Event::Answered`] or [`Event::NetworkFailed`] carrying `attempt`.
    Http {
        attempt: AttemptId,
        request: Request,
        client_request_id: Guid,
    },
    /// Answer with [`Event::TimerFired`] after `millis`.
    Wait { timer: TimerId, millis: u64 },
    /// Answer with [`Event::Online`] when the browser is online again.
    WaitOnline,
    /// Store this text under the run's sessionStorage key (see [`journal`]).
    SaveJournal(String),
}

/// Which operations may run at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Schedule {
    /// Every operation whose dependencies are done.
    Concurrent,
    /// Strictly one request at a time, in plan order (for comparison).
    OneAtATime,
}

/// Retry limits. Times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub throttle_retries: u32,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    pub jitter_ms: u64,
    /// The longest `Retry-After` honoured.
    pub retry_after_cap_ms: u64,
    pub lag_first_poll_ms: u64,
    pub lag_poll_cap_ms: u64,
    pub replication_deadline_ms: u64,
    /// Network failures (while online) tolerated per operation before pausing.
    pub network_retries: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            throttle_retries: 5,
            backoff_base_ms: 3_000,
            backoff_cap_ms: 180_000,
            jitter_ms: 1_000,
            retry_after_cap_ms: 600_000,
            lag_first_poll_ms: 2_000,
            lag_poll_cap_ms: 32_000,
            replication_deadline_ms: 120_000,
            network_retries: 3,
        }
    }
}

/// Why a run waits for the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum Pause {
    /// The directory has not shown a just-created object within the deadline.
    Replicating { what: String },
    /// Still throttled after the retry limit.
    Throttled,
    /// The network kept failing.
    Network,
    /// Graph answered 401: the access token expired.
    SignInAgain,
}

impl Explain for Pause {
    fn explain(&self) -> Explanation {
        let (title, detail, fix) = match self {
            Pause::Replicating { what } => (
                "Directory still replicating — Resume.",
                format!("Microsoft Entra has not yet shown the {what} created a moment ago on every server. This is normal and usually takes seconds, sometimes minutes."),
                "Wait a minute, then click Resume. Nothing is lost: what was created is recorded and will be reused.",
            ),
            Pause::Throttled => (
                "Microsoft Graph asked to slow down.",
                "Microsoft Graph kept answering “too many requests” (HTTP 429/503).".to_owned(),
                "Wait a few minutes, then click Resume. Nothing is lost.",
            ),
            Pause::Network => (
                "The network connection failed.",
                "Requests to Microsoft Graph failed repeatedly without an answer.".to_owned(),
                "Check your connection, then click Resume. Before sending anything again, mailgrant checks what was already done.",
            ),
            Pause::SignInAgain => (
                "Your sign-in expired.",
                "Microsoft Graph no longer accepts this page's access token (HTTP 401).".to_owned(),
                "Sign in again; the run continues where it stopped after checking what was already done.",
            ),
        };
        Explanation {
            title: title.into(),
            detail,
            fix: fix.into(),
            audience: Audience::Admin,
            example: None,
        }
    }
}

/// A translated failure that stops the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("{op}: permission denied ({graph})")]
    Denied { op: &'static str, graph: GraphError },
    #[error("no user {address} in this tenant ({graph})")]
    MailboxNotFound { address: String, graph: GraphError },
    #[error("the tenant's app management policy allows no client secret of {days} days or more ({graph})")]
    LifetimeOverPolicy { days: u32, graph: GraphError },
    #[error("the tenant's app management policy forbids client secrets ({graph})")]
    SecretsForbidden { graph: GraphError },
    #[error("{0}")]
    MailSendRole(#[from] apps::RoleLookupError),
    #[error("{op}: {graph}")]
    Unexpected { op: &'static str, graph: GraphError },
    #[error(
        "undo is not possible yet: the outcome of “{op}” is still unknown; click Resume first"
    )]
    UndoBlocked { op: &'static str },
}

impl RunError {
    fn graph(&self) -> Option<&GraphError> {
        match self {
            RunError::Denied { graph, .. }
            | RunError::MailboxNotFound { graph, .. }
            | RunError::LifetimeOverPolicy { graph, .. }
            | RunError::SecretsForbidden { graph }
            | RunError::Unexpected { graph, .. } => Some(graph),
            _ => None,
        }
    }
}

/// Which role or permission a denied operation needs (graph-facts A.12, C.7).
fn needed_for(op: &str) -> &'static str {
    match op {
        "grant Mail.Send" | "undo: remove Mail.Send grant" | "remove unscoped Mail.Send grant" => {
            "Granting or removing Microsoft Graph's Mail.Send needs the Privileged Role Administrator or Global Administrator role (Application Administrator and Cloud Application Administrator cannot grant Microsoft Graph application permissions), and this page's consent to AppRoleAssignment.ReadWrite.All."
        }
        "read mailbox user" => {
            "Reading the mailbox user needs this page's consent to User.Read.All."
        }
        _ => {
            "Creating apps, service principals and secrets needs the Application Administrator or Cloud Application Administrator role (or Global Administrator), and this page's consent to Application.ReadWrite.All."
        }
    }
}

impl Explain for RunError {
    fn explain(&self) -> Explanation {
        let detail = match self.graph().and_then(|g| g.request_id.as_ref()) {
            Some(id) => format!("{self} (request-id {id})"),
            None => self.to_string(),
        };
        let (title, fix): (String, String) = match self {
            RunError::Denied { op, .. } => (
                format!("You are not allowed to {op}."),
                format!("{} Sign in with such an account (or ask an administrator who has it), then Resume.", needed_for(op)),
            ),
            RunError::MailboxNotFound { .. } => (
                "The mailbox was not found.".into(),
                "Check the address for typos; it must be the user principal name or primary address of a user or shared mailbox in this tenant.".into(),
            ),
            RunError::LifetimeOverPolicy { days, .. } => (
                "Your tenant's policy does not allow a client secret this long.".into(),
                format!("mailgrant already lowered the lifetime once (to {days} days). Ask the administrator of app management policies (Entra ID → Enterprise applications → App management policies) for the maximum, or an exemption for this app, then run again with a shorter lifetime. The app itself is kept; Undo removes it."),
            ),
            RunError::SecretsForbidden { .. } => (
                "Your tenant's policy forbids client secrets.".into(),
                "Options: ask the administrator of app management policies for an exemption for this app, or have the vendor use a certificate or federated credential instead of a secret. The app and its service principal are kept (Undo removes them).".into(),
            ),
            RunError::MailSendRole(_) => (
                "Microsoft Graph's Mail.Send permission looks different than expected.".into(),
                "Nothing was granted. Tell the vendor: the tenant's Microsoft Graph service principal does not list the documented Mail.Send application role.".into(),
            ),
            RunError::Unexpected { op, .. } => (
                format!("Microsoft Graph refused to {op}."),
                "Nothing more was sent. Send the details (with the request-id) to the vendor's support contact; Undo removes what this run created.".into(),
            ),
            RunError::UndoBlocked { .. } => (
                "Undo has to wait.".into(),
                "Click Resume so mailgrant can check what was created, then Undo.".into(),
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

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Running,
    /// Waiting for [`Event::Online`].
    Offline,
    Paused(Pause),
    Failed(RunError),
    Done,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Created by this run.
    Created,
    /// Found and reused ("already exists" is success).
    Existing,
    /// Read, removed or skipped; nothing created.
    Done,
    Skipped,
}

/// Ids learned while running. Journalled; never a secret or a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub app: Option<ObjectId>,
    pub app_id: Option<ClientId>,
    /// `keyId`s (and names) of the app's secrets when it was read.
    pub app_secrets: Vec<(KeyId, String)>,
    pub graph_sp: Option<ObjectId>,
    pub mail_send_role: Option<String>,
    pub sp: Option<ObjectId>,
    pub key_id: Option<KeyId>,
    pub secret_end: Option<String>,
    pub secret_lifetime_days: Option<u32>,
    pub secret_handed_off: bool,
    pub grant_id: Option<String>,
    /// Secrets made by this run whose text the admin never saw: removed before a new one is made.
    pub lost_keys: Vec<KeyId>,
    pub removed_keys: Vec<KeyId>,
    /// Notes for the summary (e.g. "lifetime lowered").
    pub notes: Vec<String>,
}

impl Context {
    pub(crate) fn for_review(plan: &Plan) -> Context {
        use crate::plan::placeholder as p;
        Context {
            app: Some(plan.existing.app.unwrap_or(p::APP)),
            app_id: Some(plan.existing.app_id.unwrap_or(p::APP_ID)),
            sp: Some(plan.existing.sp.unwrap_or(p::SP)),
            graph_sp: Some(p::GRAPH_SP),
            mail_send_role: Some(apps::MAIL_SEND_ROLE_ID.into()),
            key_id: Some(p::KEY),
            ..Context::default()
        }
    }
}

/// What the preflight has read so far (not journalled).
#[derive(Debug, Default)]
struct Pre {
    mailbox: Option<MailboxUser>,
    app: Option<Application>,
    same_name: Vec<Application>,
    sp: Option<ServicePrincipal>,
    grants: Vec<Assignment>,
}

/// The request a step of an operation sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Step {
    /// The operation's own request (the write, for writes).
    Main,
    /// A read after a successful answer (GET after a 204 upsert, after "already exists").
    Follow,
    /// A replication poll: GET the object the write needs, then `Main` again.
    Poll,
    /// Outcome unknown: look it up before sending anything again.
    Reconcile,
    /// Remove a lost secret before adding a new one.
    RemoveLost,
    /// After a delete: GET until it is gone.
    Confirm,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Waiting,
    /// Queued in this update; becomes `InFlight` when the effect is emitted.
    InFlight {
        attempt: AttemptId,
        step: Step,
    },
    Sleeping {
        timer: TimerId,
        then: Step,
    },
    AwaitOnline {
        then: Step,
    },
    Paused {
        pause: Pause,
        then: Step,
    },
    Done(Outcome),
    Failed(RunError),
}

#[derive(Debug, Clone)]
struct OpState {
    phase: Phase,
    /// A write was sent and its outcome is not known.
    intent: bool,
    throttled: u32,
    lag_since: Option<u64>,
    lag_polls: u32,
    net_failures: u32,
    lifetime_lowered: bool,
    /// A write's outcome was unknown (lost answer, reload) at some point.
    unknown: bool,
    confirm_polls: u32,
}

impl OpState {
    fn new() -> Self {
        OpState {
            phase: Phase::Waiting,
            intent: false,
            throttled: 0,
            lag_since: None,
            lag_polls: 0,
            net_failures: 0,
            lifetime_lowered: false,
            unknown: false,
            confirm_polls: 0,
        }
    }

    fn active(&self) -> bool {
        matches!(
            self.phase,
            Phase::InFlight { .. } | Phase::Sleeping { .. } | Phase::AwaitOnline { .. }
        )
    }

    fn finished(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }
}

/// One line of the request log. Never a token, a secret or a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub at_ms: u64,
    pub attempt: AttemptId,
    pub op: String,
    pub method: String,
    pub path: String,
    /// `None`: no answer (network failure).
    pub status: Option<u16>,
    pub outcome: String,
    pub duration_ms: u64,
    pub request_id: Option<String>,
    pub client_request_id: String,
}

#[derive(Debug, Clone)]
struct Sent {
    op: OpId,
    step: Step,
    at_ms: u64,
    method: &'static str,
    path: String,
    client_request_id: Guid,
}

/// A small PRNG for `client-request-id`s and jitter, seeded by the caller's CSPRNG. (Neither
/// needs to be unpredictable; the seed keeps the core free of a randomness source.)
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: [u8; 16]) -> Self {
        let a = u64::from_le_bytes(seed[..8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(seed[8..].try_into().expect("8 bytes"));
        Rng((a ^ b.rotate_left(32)) | 1)
    }

    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn guid(&mut self) -> Guid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        Guid::new_v4(b)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// What a run is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Preflight(Box<Inputs>),
    Apply(Box<Plan>),
}

/// A run of operations: the preflight look-ups, or a plan's writes (and their undo).
#[derive(Debug)]
pub struct Run {
    kind: Kind,
    run_id: Guid,
    ops: Vec<Op>,
    states: Vec<OpState>,
    ctx: Context,
    pre: Pre,
    schedule: Schedule,
    policy: Policy,
    rng: Rng,
    next_id: u64,
    sent: BTreeMap<AttemptId, Sent>,
    timers: BTreeMap<TimerId, OpId>,
    /// Queued sends of this update.
    outbox: Vec<(OpId, Step)>,
    waits: Vec<(TimerId, u64)>,
    wait_online: bool,
    log: Vec<LogEntry>,
    last_journal: Option<String>,
    /// Index of the first undo operation, once undo started.
    undo_from: Option<usize>,
    secret: Option<ClientSecret>,
    error: Option<RunError>,
}

impl Run {
    fn new(kind: Kind, ops: Vec<Op>, run_id: Guid, seed: [u8; 16], schedule: Schedule) -> Run {
        let states = ops.iter().map(|_| OpState::new()).collect();
        Run {
            kind,
            run_id,
            ops,
            states,
            ctx: Context::default(),
            pre: Pre::default(),
            schedule,
            policy: Policy::default(),
            rng: Rng::new(seed),
            next_id: 1,
            sent: BTreeMap::new(),
            timers: BTreeMap::new(),
            outbox: vec![],
            waits: vec![],
            wait_online: false,
            log: vec![],
            last_journal: None,
            undo_from: None,
            secret: None,
            error: None,
        }
    }

    /// The preflight look-ups for these inputs. `seed`: 16 CSPRNG bytes.
    pub fn preflight(inputs: Inputs, seed: [u8; 16], now_ms: u64) -> (Run, Vec<Effect>) {
        let mut run = Run::new(
            Kind::Preflight(Box::new(inputs)),
            plan::preflight(),
            Guid::new_v4(seed),
            seed,
            Schedule::Concurrent,
        );
        let fx = run.pump(now_ms);
        (run, fx)
    }

    /// Applies a plan. `run_id` and `seed`: CSPRNG bytes from the caller.
    pub fn apply(
        plan: Plan,
        run_id: [u8; 16],
        seed: [u8; 16],
        schedule: Schedule,
        now_ms: u64,
    ) -> (Run, Vec<Effect>) {
        let ops = plan.ops.clone();
        let mut run = Run::new(
            Kind::Apply(Box::new(plan)),
            ops,
            Guid::new_v4(run_id),
            seed,
            schedule,
        );
        let fx = run.pump(now_ms);
        (run, fx)
    }

    /// Continues a run from its journal (after a reload or a new sign-in): operations whose
    /// write was sent but whose outcome was never recorded are reconciled first; a secret the
    /// admin never saw is removed and replaced.
    pub fn resume(
        journal: &str,
        seed: [u8; 16],
        schedule: Schedule,
        now_ms: u64,
    ) -> Result<(Run, Vec<Effect>), journal::JournalError> {
        let j = journal::Journal::parse(journal)?;
        let mut run = Run::new(
            Kind::Apply(Box::new(j.plan)),
            j.ops,
            j.run_id,
            seed,
            schedule,
        );
        run.ctx = j.context;
        run.undo_from = j.undo_from;
        for (state, status) in run.states.iter_mut().zip(&j.status) {
            state.phase = match status {
                journal::OpStatus::Pending => Phase::Waiting,
                journal::OpStatus::Intent => {
                    state.intent = true;
                    state.unknown = true;
                    Phase::Waiting
                }
                journal::OpStatus::Done { outcome } => Phase::Done(*outcome),
                journal::OpStatus::Failed => Phase::Failed(RunError::Unexpected {
                    op: "resume",
                    graph: GraphError {
                        status: 0,
                        code: "FailedBeforeReload".into(),
                        message: "this operation had failed before the page was reloaded".into(),
                        request_id: None,
                    },
                }),
            };
        }
        // A secret made by this run that the admin never saw: remove it, make a new one.
        if !run.ctx.secret_handed_off {
            if let Some(key) = run.ctx.key_id.take() {
                if let Some(i) = run.ops.iter().position(|o| o.kind == OpKind::AddPassword) {
                    if run.undo_from.is_none() {
                        run.ctx.lost_keys.push(key);
                        run.ctx.secret_end = None;
                        run.states[i].phase = Phase::Waiting;
                        run.ctx.notes.push(format!(
                            "The page was reloaded before the secret (keyId {key}) was saved; it is removed and a new one is made."
                        ));
                    }
                }
            }
        }
        let fx = run.pump(now_ms);
        Ok((run, fx))
    }

    /// Uses another retry policy (tests use short deadlines).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    pub fn run_id(&self) -> Guid {
        self.run_id
    }

    pub fn plan(&self) -> Option<&Plan> {
        match &self.kind {
            Kind::Apply(p) => Some(p),
            Kind::Preflight(_) => None,
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The secret made by this run, until the shell takes it for the hand-off.
    pub fn secret(&self) -> Option<&ClientSecret> {
        self.secret.as_ref()
    }

    pub fn take_secret(&mut self) -> Option<ClientSecret> {
        self.secret.take()
    }

    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// The request log as JSON, for download.
    pub fn log_json(&self) -> String {
        serde_json::to_string_pretty(&self.log).unwrap_or_default()
    }

    /// The current journal text (what the last [`Effect::SaveJournal`] carried).
    pub fn journal(&self) -> Option<String> {
        match &self.kind {
            Kind::Apply(p) => Some(journal::Journal::text(self, p)),
            Kind::Preflight(_) => None,
        }
    }

    /// Each operation with its outcome so far: `(label, outcome)`.
    pub fn outcomes(&self) -> Vec<(&'static str, Option<Outcome>)> {
        self.ops
            .iter()
            .zip(&self.states)
            .map(|(op, s)| {
                (
                    op.kind.label(),
                    match s.phase {
                        Phase::Done(o) => Some(o),
                        _ => None,
                    },
                )
            })
            .collect()
    }

    /// The outcome of the first operation of this kind.
    pub fn outcome_of(&self, kind: &OpKind) -> Option<Outcome> {
        let i = self.ops.iter().position(|o| &o.kind == kind)?;
        match self.states[i].phase {
            Phase::Done(o) => Some(o),
            _ => None,
        }
    }

    pub fn status(&self) -> Status {
        let range = self.undo_from.unwrap_or(0)..self.ops.len();
        let states = &self.states[range];
        if let Some(e) = &self.error {
            return Status::Failed(e.clone());
        }
        if states
            .iter()
            .any(|s| matches!(s.phase, Phase::InFlight { .. } | Phase::Sleeping { .. }))
        {
            return Status::Running;
        }
        if states
            .iter()
            .any(|s| matches!(s.phase, Phase::AwaitOnline { .. }))
        {
            return Status::Offline;
        }
        if let Some(e) = states.iter().find_map(|s| match &s.phase {
            Phase::Failed(e) => Some(e.clone()),
            _ => None,
        }) {
            return Status::Failed(e);
        }
        if let Some(p) = states.iter().find_map(|s| match &s.phase {
            Phase::Paused { pause, .. } => Some(pause.clone()),
            _ => None,
        }) {
            return Status::Paused(p);
        }
        if states.iter().all(OpState::finished) {
            Status::Done
        } else {
            Status::Running
        }
    }

    pub fn undoing(&self) -> bool {
        self.undo_from.is_some()
    }

    /// What the preflight found, once it is done.
    pub fn findings(&self) -> Option<Findings> {
        if !matches!(self.kind, Kind::Preflight(_)) || self.status() != Status::Done {
            return None;
        }
        Some(Findings {
            mailbox: self.pre.mailbox.clone()?,
            app: self.pre.app.clone(),
            same_name: self.pre.same_name.clone(),
            sp: self.pre.sp.clone(),
            grants: self.pre.grants.clone(),
        })
    }

    /// Applies one event at `now_ms` (Unix milliseconds, from the caller's clock).
    pub fn update(&mut self, now_ms: u64, event: Event) -> Vec<Effect> {
        self.error = None;
        match event {
            Event::Answered {
                attempt,
                status,
                headers,
                body,
            } => {
                // A late answer to an abandoned attempt is ignored.
                if let Some(sent) = self.sent.remove(&attempt) {
                    self.answered(now_ms, attempt, sent, status, &headers, &body);
                }
            }
            Event::NetworkFailed { attempt, online } => {
                if let Some(sent) = self.sent.remove(&attempt) {
                    self.network_failed(now_ms, attempt, sent, online);
                }
            }
            Event::TimerFired { timer } => {
                if let Some(op) = self.timers.remove(&timer) {
                    if let Phase::Sleeping { timer: t, then } = self.states[op].phase {
                        if t == timer {
                            self.send(op, then);
                        }
                    }
                }
            }
            Event::Online => {
                self.wait_online = false;
                for op in 0..self.ops.len() {
                    if let Phase::AwaitOnline { then } = self.states[op].phase {
                        self.states[op].net_failures = 0;
                        self.send(op, then);
                    }
                }
            }
            Event::Resume => {
                for op in 0..self.ops.len() {
                    if let Phase::Paused { then, .. } = self.states[op].phase {
                        let s = &mut self.states[op];
                        s.throttled = 0;
                        s.lag_since = None;
                        s.lag_polls = 0;
                        s.net_failures = 0;
                        s.confirm_polls = 0;
                        self.send(op, then);
                    }
                }
            }
            Event::SecretHandedOff => {
                if self.ctx.key_id.is_some() {
                    self.ctx.secret_handed_off = true;
                }
            }
            Event::Undo => self.start_undo(),
        }
        self.pump(now_ms)
    }

    fn start_undo(&mut self) {
        if self.undo_from.is_some() || !matches!(self.kind, Kind::Apply(_)) {
            return;
        }
        if self.states.iter().any(OpState::active) {
            return;
        }
        if let Some(i) = (0..self.ops.len()).find(|&i| self.states[i].intent) {
            self.error = Some(RunError::UndoBlocked {
                op: self.ops[i].kind.label(),
            });
            return;
        }
        let created = |kind: &OpKind| {
            self.ops
                .iter()
                .zip(&self.states)
                .any(|(o, s)| &o.kind == kind && s.phase == Phase::Done(Outcome::Created))
        };
        let mut undo = vec![];
        if let (true, Some(res), Some(id)) = (
            created(&OpKind::GrantMailSend),
            self.ctx.graph_sp,
            self.ctx.grant_id.clone(),
        ) {
            undo.push(OpKind::DeleteGrant {
                resource_id: res,
                assignment_id: id,
            });
        }
        if let (true, Some(app), Some(key)) =
            (created(&OpKind::AddPassword), self.ctx.app, self.ctx.key_id)
        {
            undo.push(OpKind::RemovePassword { app, key_id: key });
        }
        if let (true, Some(id)) = (created(&OpKind::UpsertServicePrincipal), self.ctx.sp) {
            undo.push(OpKind::DeleteServicePrincipal { id });
        }
        if let (true, Some(id)) = (created(&OpKind::UpsertApp), self.ctx.app) {
            undo.push(OpKind::DeleteApp { id });
        }
        let from = self.ops.len();
        self.undo_from = Some(from);
        // Abandon what has not run.
        for s in &mut self.states {
            if !s.finished() {
                s.phase = Phase::Done(Outcome::Skipped);
            }
        }
        for (i, kind) in undo.into_iter().enumerate() {
            let id = from + i;
            let why = format!("Undo: {}", kind.label().trim_start_matches("undo: "));
            self.ops.push(Op {
                id,
                deps: if i == 0 { vec![] } else { vec![id - 1] },
                kind,
                why,
            });
            self.states.push(OpState::new());
        }
    }

    // ---- scheduling ----

    fn ready(&self, op: OpId) -> bool {
        self.states[op].phase == Phase::Waiting
            && self.ops[op]
                .deps
                .iter()
                .all(|&d| matches!(self.states[d].phase, Phase::Done(_)))
            && self.undo_from.is_none_or(|from| op >= from)
    }

    fn in_flight(&self) -> usize {
        self.states.iter().filter(|s| s.active()).count()
    }

    /// Starts ready operations, then emits the journal (if changed), requests and timers.
    fn pump(&mut self, now_ms: u64) -> Vec<Effect> {
        let blocked = self
            .states
            .iter()
            .any(|s| matches!(s.phase, Phase::Failed(_)));
        if !blocked {
            for op in 0..self.ops.len() {
                let limit = match self.schedule {
                    Schedule::Concurrent => usize::MAX,
                    Schedule::OneAtATime => 1,
                };
                if self.in_flight() >= limit {
                    break;
                }
                if self.ready(op) {
                    self.start(op);
                }
            }
        }
        let mut effects = vec![];
        if let Some(text) = self.journal() {
            if self.last_journal.as_ref() != Some(&text) {
                self.last_journal = Some(text.clone());
                effects.push(Effect::SaveJournal(text));
            }
        }
        for (op, step) in std::mem::take(&mut self.outbox) {
            let request = self.request(op, step, now_ms);
            let attempt = self.next_id;
            self.next_id += 1;
            let crid = self.rng.guid();
            let request = request.with_header("client-request-id", crid.to_string());
            self.states[op].phase = Phase::InFlight { attempt, step };
            self.sent.insert(
                attempt,
                Sent {
                    op,
                    step,
                    at_ms: now_ms,
                    method: request.method,
                    path: request.path.clone(),
                    client_request_id: crid,
                },
            );
            effects.push(Effect::Http {
                attempt,
                request,
                client_request_id: crid,
            });
        }
        for (timer, millis) in std::mem::take(&mut self.waits) {
            effects.push(Effect::Wait { timer, millis });
        }
        if std::mem::take(&mut self.wait_online) {
            effects.push(Effect::WaitOnline);
        }
        effects
    }

    /// Decides an operation's first step (or that it has nothing to do).
    fn start(&mut self, op: OpId) {
        let kind = self.ops[op].kind.clone();
        if self.states[op].intent {
            self.send(op, Step::Reconcile);
            return;
        }
        match kind {
            OpKind::ReadAppServicePrincipal if self.pre.app.is_none() => {
                self.done(op, Outcome::Skipped)
            }
            OpKind::ReadGrants if self.pre.sp.is_none() => self.done(op, Outcome::Skipped),
            OpKind::AddPassword => {
                if !self.ctx.lost_keys.is_empty() {
                    self.send(op, Step::RemoveLost);
                } else if self.keeps_existing_secret() {
                    self.ctx.notes.push(
                        "The app already had a secret made by mailgrant; no second secret was added (ask for a new secret to add one).".into(),
                    );
                    self.done(op, Outcome::Skipped)
                } else {
                    self.send(op, Step::Main)
                }
            }
            _ => self.send(op, Step::Main),
        }
    }

    /// The app (read while upserting it) already has a mailgrant secret from another run.
    fn keeps_existing_secret(&self) -> bool {
        let Kind::Apply(plan) = &self.kind else {
            return false;
        };
        let ours = self.secret_name();
        !plan.options.new_secret
            && self
                .ctx
                .app_secrets
                .iter()
                .any(|(_, n)| n.starts_with(plan::SECRET_PREFIX) && *n != ours)
    }

    fn secret_name(&self) -> String {
        format!(
            "{} run {}",
            plan::SECRET_PREFIX,
            &self.run_id.to_string()[..8]
        )
    }

    fn send(&mut self, op: OpId, step: Step) {
        if self.ops[op].kind.writes() && matches!(step, Step::Main | Step::RemoveLost) {
            self.states[op].intent = true;
        }
        // The attempt id is assigned in `pump`; mark as in flight now for scheduling.
        self.states[op].phase = Phase::InFlight { attempt: 0, step };
        self.outbox.push((op, step));
    }

    fn sleep(&mut self, op: OpId, millis: u64, then: Step) {
        let timer = self.next_id;
        self.next_id += 1;
        self.timers.insert(timer, op);
        self.states[op].phase = Phase::Sleeping { timer, then };
        self.waits.push((timer, millis));
    }

    fn done(&mut self, op: OpId, outcome: Outcome) {
        let s = &mut self.states[op];
        s.phase = Phase::Done(outcome);
        s.intent = false;
        s.unknown = false;
    }

    fn fail(&mut self, op: OpId, e: RunError) {
        self.states[op].phase = Phase::Failed(e);
    }

    fn pause(&mut self, op: OpId, pause: Pause, then: Step) {
        self.states[op].phase = Phase::Paused { pause, then };
    }

    // ---- requests ----

    fn request(&self, op: OpId, step: Step, now_ms: u64) -> Request {
        match &self.kind {
            Kind::Preflight(inputs) => self.preflight_request(inputs, &self.ops[op].kind),
            Kind::Apply(plan) => {
                let days = self
                    .ctx
                    .secret_lifetime_days
                    .unwrap_or(plan.inputs.secret_lifetime_days);
                request_for(
                    plan,
                    &self.ops[op].kind,
                    step,
                    &self.ctx,
                    days,
                    now_ms,
                    &self.secret_name(),
                )
            }
        }
    }

    fn preflight_request(&self, inputs: &Inputs, kind: &OpKind) -> Request {
        let mailbox = self.pre.mailbox.as_ref().map(|m| m.id);
        match kind {
            OpKind::ReadMailbox => apps::get_user(&inputs.mailbox),
            OpKind::FindAppsByDisplayName => {
                apps::find_apps_by_display_name(inputs.app_display_name.trim())
            }
            OpKind::FindAppByUniqueName => apps::get_app_by_unique_name(&plan::unique_name(
                &inputs.vendor,
                mailbox.unwrap_or(ObjectId::from_guid(Guid::from_bytes([0; 16]))),
            )),
            OpKind::ReadAppServicePrincipal => apps::get_sp_by_app_id(
                self.pre
                    .app
                    .as_ref()
                    .map(|a| a.app_id)
                    .unwrap_or(ClientId::from_guid(Guid::from_bytes([0; 16]))),
            ),
            _ => apps::list_assignments(
                self.pre
                    .sp
                    .as_ref()
                    .map(|s| s.id)
                    .unwrap_or(ObjectId::from_guid(Guid::from_bytes([0; 16]))),
            ),
        }
    }

    // ---- answers ----

    fn answered(
        &mut self,
        now_ms: u64,
        attempt: AttemptId,
        sent: Sent,
        status: u16,
        headers: &Headers,
        body: &str,
    ) {
        let op = sent.op;
        let ok = (200..300).contains(&status);
        let failure = (!ok).then(|| apps::classify(status, body));
        let request_id = headers.request_id.clone().or_else(|| {
            (!ok)
                .then(|| GraphError::from_response(status, body).request_id)
                .flatten()
        });
        // Generic handling first.
        match failure {
            Some(Failure::Throttled) => {
                let s = &mut self.states[op];
                s.throttled += 1;
                if s.throttled > self.policy.throttle_retries {
                    self.pause(op, Pause::Throttled, sent.step);
                } else {
                    let n = s.throttled;
                    let wait = self.retry_after(headers.retry_after.as_deref(), now_ms, n);
                    self.sleep(op, wait, sent.step);
                }
            }
            Some(Failure::Unauthenticated) => {
                let then = if self.states[op].intent {
                    Step::Reconcile
                } else {
                    sent.step
                };
                self.pause(op, Pause::SignInAgain, then);
            }
            Some(Failure::Denied) => {
                let e = RunError::Denied {
                    op: self.ops[op].kind.label(),
                    graph: GraphError::from_response(status, body),
                };
                // A 403 means the write did not happen.
                self.states[op].intent = false;
                self.fail(op, e);
            }
            _ => self.step_answered(op, sent.step, status, failure, body, now_ms),
        }
        let outcome = match &self.states[op].phase {
            Phase::Sleeping { .. } if failure == Some(Failure::Throttled) => {
                "throttled, will retry"
            }
            Phase::Paused { .. } => "paused",
            Phase::Failed(_) => "failed",
            Phase::Sleeping { .. } => "not yet visible, will poll",
            _ if ok => "ok",
            _ => "handled",
        };
        self.log.push(LogEntry {
            at_ms: now_ms,
            attempt,
            op: self.ops[op].kind.label().into(),
            method: sent.method.into(),
            path: sent.path,
            status: Some(status),
            outcome: outcome.into(),
            duration_ms: now_ms.saturating_sub(sent.at_ms),
            request_id,
            client_request_id: sent.client_request_id.to_string(),
        });
    }

    fn network_failed(&mut self, now_ms: u64, attempt: AttemptId, sent: Sent, online: bool) {
        let op = sent.op;
        let writes = self.ops[op].kind.writes();
        // A write whose answer was lost may have happened: look before sending again.
        let then = if writes && matches!(sent.step, Step::Main | Step::RemoveLost) {
            Step::Reconcile
        } else {
            sent.step
        };
        let s = &mut self.states[op];
        if then == Step::Reconcile {
            s.unknown = true;
        }
        if !online {
            s.phase = Phase::AwaitOnline { then };
            self.wait_online = true;
        } else {
            s.net_failures += 1;
            if s.net_failures > self.policy.network_retries {
                self.pause(op, Pause::Network, then);
            } else {
                let n = s.net_failures;
                let wait = self.backoff(n);
                self.sleep(op, wait, then);
            }
        }
        self.log.push(LogEntry {
            at_ms: now_ms,
            attempt,
            op: self.ops[op].kind.label().into(),
            method: sent.method.into(),
            path: sent.path,
            status: None,
            outcome: if online {
                "network error, outcome unknown".into()
            } else {
                "offline, outcome unknown".into()
            },
            duration_ms: now_ms.saturating_sub(sent.at_ms),
            request_id: None,
            client_request_id: sent.client_request_id.to_string(),
        });
    }

    fn backoff(&mut self, n: u32) -> u64 {
        let exp = self
            .policy
            .backoff_base_ms
            .saturating_mul(1u64 << n.saturating_sub(1).min(20));
        exp.min(self.policy.backoff_cap_ms) + self.rng.below(self.policy.jitter_ms)
    }

    fn retry_after(&mut self, value: Option<&str>, now_ms: u64, n: u32) -> u64 {
        let parsed = value.map(str::trim).and_then(|v| {
            v.parse::<u64>()
                .ok()
                .map(|s| s.saturating_mul(1000))
                .or_else(|| time::parse_http_date(v).map(|t| t.saturating_sub(now_ms)))
        });
        match parsed {
            Some(ms) => ms.min(self.policy.retry_after_cap_ms),
            None => self.backoff(n),
        }
    }

    /// Replication lag on `op`: poll (`then` = the GET), or pause past the deadline.
    fn lag(&mut self, op: OpId, now_ms: u64, what: &str, poll: Step) {
        let since = *self.states[op].lag_since.get_or_insert(now_ms);
        if now_ms.saturating_sub(since) >= self.policy.replication_deadline_ms {
            self.pause(
                op,
                Pause::Replicating {
                    what: what.to_owned(),
                },
                poll,
            );
            return;
        }
        let s = &mut self.states[op];
        s.lag_polls += 1;
        let n = s.lag_polls;
        let wait = self
            .policy
            .lag_first_poll_ms
            .saturating_mul(1u64 << (n - 1).min(20))
            .min(self.policy.lag_poll_cap_ms)
            + self.rng.below(self.policy.jitter_ms / 2);
        self.sleep(op, wait, poll);
    }

    fn created_this_run(&self, kind: &OpKind) -> bool {
        self.ops
            .iter()
            .zip(&self.states)
            .any(|(o, s)| &o.kind == kind && s.phase == Phase::Done(Outcome::Created))
    }

    fn existing(&self) -> plan::Existing {
        match &self.kind {
            Kind::Apply(p) => p.existing.clone(),
            Kind::Preflight(_) => plan::Existing::default(),
        }
    }

    fn unexpected(&mut self, op: OpId, status: u16, body: &str) {
        let e = RunError::Unexpected {
            op: self.ops[op].kind.label(),
            graph: GraphError::from_response(status, body),
        };
        self.fail(op, e);
    }

    fn unreadable(&mut self, op: OpId, e: GraphError) {
        let e = RunError::Unexpected {
            op: self.ops[op].kind.label(),
            graph: e,
        };
        self.fail(op, e);
    }

    /// The operation-specific part of handling an answer.
    fn step_answered(
        &mut self,
        op: OpId,
        step: Step,
        status: u16,
        failure: Option<Failure>,
        body: &str,
        now_ms: u64,
    ) {
        let kind = self.ops[op].kind.clone();
        let ok = failure.is_none();
        let lag = failure == Some(Failure::NotFoundOrLag);
        match (&kind, step) {
            // ---- preflight ----
            (OpKind::ReadMailbox, _) => match apps::parse::<MailboxUser>(status, body) {
                Ok(u) => {
                    self.pre.mailbox = Some(u);
                    self.done(op, Outcome::Done)
                }
                Err(graph) if lag => {
                    let address = match &self.kind {
                        Kind::Preflight(i) => i.mailbox.to_string(),
                        Kind::Apply(p) => p.inputs.mailbox.to_string(),
                    };
                    self.fail(op, RunError::MailboxNotFound { address, graph })
                }
                Err(e) if ok => self.unreadable(op, e),
                Err(_) => self.unexpected(op, status, body),
            },
            (OpKind::FindAppByUniqueName, _) => {
                if lag {
                    return self.done(op, Outcome::Done);
                }
                match apps::parse::<Application>(status, body) {
                    Ok(a) => {
                        self.pre.app = Some(a);
                        self.done(op, Outcome::Done)
                    }
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }
            (OpKind::FindAppsByDisplayName, _) => {
                match apps::parse_list::<Application>(status, body) {
                    Ok(list) => {
                        self.pre.same_name = list;
                        self.done(op, Outcome::Done)
                    }
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }
            (OpKind::ReadAppServicePrincipal, _) => {
                if lag {
                    return self.done(op, Outcome::Done);
                }
                match apps::parse::<ServicePrincipal>(status, body) {
                    Ok(sp) => {
                        self.pre.sp = Some(sp);
                        self.done(op, Outcome::Done)
                    }
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }
            (OpKind::ReadGrants, _) => match apps::parse_list::<Assignment>(status, body) {
                Ok(list) => {
                    self.pre.grants = list;
                    self.done(op, Outcome::Done)
                }
                Err(e) if ok => self.unreadable(op, e),
                Err(_) => self.unexpected(op, status, body),
            },

            // ---- the app ----
            (OpKind::UpsertApp, Step::Main) => match status {
                201 => self.app_read(op, body, Outcome::Created, status),
                204 => self.send(op, Step::Follow),
                _ => self.unexpected(op, status, body),
            },
            // Upserted (204) but not readable yet: the app was created moments ago (e.g. by an
            // upsert whose answer was lost) and has not replicated to this reader.
            (OpKind::UpsertApp, Step::Follow) if lag => {
                self.lag(op, now_ms, "app registration", Step::Follow)
            }
            (OpKind::UpsertApp, Step::Follow) => {
                // 204: it existed before this request — made by this run's earlier upsert whose
                // answer was lost (then Undo must delete it), or there before the plan.
                let outcome = if self.existing().app.is_none() && self.states[op].unknown {
                    Outcome::Created
                } else {
                    Outcome::Existing
                };
                self.app_read(op, body, outcome, status)
            }
            (OpKind::UpsertApp, _) => {
                // Reconcile: did the lost upsert happen?
                if lag {
                    self.states[op].intent = false;
                    return self.send(op, Step::Main);
                }
                let outcome = if self.existing().app.is_some() {
                    Outcome::Existing
                } else {
                    Outcome::Created
                };
                self.app_read(op, body, outcome, status)
            }
            (OpKind::LookupGraphServicePrincipal, _) => match apps::parse_graph_sp(status, body) {
                Ok(Ok(g)) => {
                    self.ctx.graph_sp = Some(g.id);
                    self.ctx.mail_send_role = Some(g.mail_send_role.to_string());
                    self.done(op, Outcome::Done)
                }
                Ok(Err(e)) => self.fail(op, e.into()),
                Err(e) if ok => self.unreadable(op, e),
                Err(_) => self.unexpected(op, status, body),
            },

            // ---- the service principal ----
            (OpKind::UpsertServicePrincipal, Step::Main) => match status {
                201 => self.sp_read(op, body, Outcome::Created, status),
                204 => self.send(op, Step::Follow),
                _ if lag && self.created_this_run(&OpKind::UpsertApp) => {
                    self.states[op].intent = false;
                    self.lag(op, now_ms, "app registration", Step::Poll)
                }
                _ => self.unexpected(op, status, body),
            },
            (OpKind::UpsertServicePrincipal, Step::Follow) => {
                if lag {
                    // Upserted but not readable yet.
                    return self.lag(op, now_ms, "service principal", Step::Follow);
                }
                self.sp_read(op, body, Outcome::Existing, status)
            }
            (OpKind::UpsertServicePrincipal, Step::Poll) => {
                if ok {
                    self.send(op, Step::Main)
                } else if lag {
                    self.lag(op, now_ms, "app registration", Step::Poll)
                } else {
                    self.unexpected(op, status, body)
                }
            }
            (OpKind::UpsertServicePrincipal, _) => {
                if lag {
                    self.states[op].intent = false;
                    return self.send(op, Step::Main);
                }
                let outcome = if self.existing().sp.is_some() {
                    Outcome::Existing
                } else {
                    Outcome::Created
                };
                self.sp_read(op, body, outcome, status)
            }

            // ---- the secret ----
            (OpKind::AddPassword, Step::Main) => {
                if ok {
                    return match apps::parse_new_password(status, body) {
                        Ok(p) => {
                            self.ctx.key_id = Some(p.key_id);
                            self.ctx.secret_end = p.end_date_time;
                            self.ctx.secret_handed_off = false;
                            self.secret = Some(p.secret);
                            if self.states[op].unknown {
                                // An earlier attempt's secret may be hidden by replication
                                // from the reconcile: look once more, a little later.
                                self.states[op].intent = false;
                                let wait = self.policy.lag_first_poll_ms;
                                self.sleep(op, wait, Step::Confirm);
                            } else {
                                self.done(op, Outcome::Created)
                            }
                        }
                        Err(e) => {
                            // A secret may exist that we cannot read: reconcile removes it.
                            self.unreadable(op, e);
                        }
                    };
                }
                let days = self.current_days();
                match failure {
                    Some(Failure::LifetimeOverPolicy { max_days })
                        if !self.states[op].lifetime_lowered =>
                    {
                        let lower = max_days
                            .filter(|&m| m >= 1 && m < days)
                            .unwrap_or_else(|| step_down(days));
                        self.states[op].lifetime_lowered = true;
                        self.states[op].intent = false;
                        self.ctx.secret_lifetime_days = Some(lower);
                        self.ctx.notes.push(format!(
                            "Your tenant's app management policy does not allow a {days}-day secret; the lifetime was lowered to {lower} days."
                        ));
                        self.send(op, Step::Main)
                    }
                    Some(Failure::LifetimeOverPolicy { .. }) => {
                        self.states[op].intent = false;
                        self.fail(
                            op,
                            RunError::LifetimeOverPolicy {
                                days,
                                graph: GraphError::from_response(status, body),
                            },
                        )
                    }
                    Some(Failure::SecretsForbidden) => {
                        self.states[op].intent = false;
                        self.fail(
                            op,
                            RunError::SecretsForbidden {
                                graph: GraphError::from_response(status, body),
                            },
                        )
                    }
                    _ if lag && self.created_this_run(&OpKind::UpsertApp) => {
                        self.states[op].intent = false;
                        self.lag(op, now_ms, "app registration", Step::Poll)
                    }
                    _ => {
                        self.states[op].intent = false;
                        self.unexpected(op, status, body)
                    }
                }
            }
            (OpKind::AddPassword, Step::Poll) => {
                if ok {
                    self.send(op, Step::Main)
                } else if lag {
                    self.lag(op, now_ms, "app registration", Step::Poll)
                } else {
                    self.unexpected(op, status, body)
                }
            }
            (OpKind::AddPassword, Step::RemoveLost) => {
                // 204 removed; 404/400 not found (already gone).
                if ok || lag || status == 400 {
                    if !self.ctx.lost_keys.is_empty() {
                        let key = self.ctx.lost_keys.remove(0);
                        self.ctx.removed_keys.push(key);
                    }
                    self.states[op].intent = false;
                    if !self.ctx.lost_keys.is_empty() {
                        self.send(op, Step::RemoveLost)
                    } else if self.ctx.key_id.is_some() && self.secret.is_some() {
                        // The sweep after a new secret removed a stale one.
                        self.done(op, Outcome::Created)
                    } else {
                        self.send(op, Step::Main)
                    }
                } else {
                    self.unexpected(op, status, body)
                }
            }
            (OpKind::AddPassword, Step::Confirm) => {
                // The sweep: secrets named for this run other than the new one were never seen.
                match apps::parse::<Application>(status, body) {
                    Ok(app) => {
                        let ours = self.secret_name();
                        let lost: Vec<KeyId> = app
                            .password_credentials
                            .iter()
                            .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
                            .map(|p| p.key_id)
                            .filter(|k| Some(*k) != self.ctx.key_id)
                            .filter(|k| !self.ctx.removed_keys.contains(k))
                            .collect();
                        if lost.is_empty() {
                            self.done(op, Outcome::Created)
                        } else {
                            self.ctx.lost_keys.extend(lost);
                            self.send(op, Step::RemoveLost)
                        }
                    }
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }
            (OpKind::AddPassword, _) => {
                // Reconcile: any secret named for this run was made without the admin seeing it.
                match apps::parse::<Application>(status, body) {
                    Ok(app) => {
                        let ours = self.secret_name();
                        // The secret this run holds (or handed off) is not lost.
                        let handed = self
                            .ctx
                            .key_id
                            .filter(|_| self.ctx.secret_handed_off || self.secret.is_some());
                        let lost: Vec<KeyId> = app
                            .password_credentials
                            .iter()
                            .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
                            .map(|p| p.key_id)
                            .filter(|k| Some(*k) != handed && !self.ctx.removed_keys.contains(k))
                            .collect();
                        self.states[op].intent = false;
                        self.ctx.lost_keys.extend(lost);
                        if !self.ctx.lost_keys.is_empty() {
                            self.send(op, Step::RemoveLost)
                        } else if handed.is_some() {
                            self.done(op, Outcome::Created)
                        } else {
                            self.send(op, Step::Main)
                        }
                    }
                    Err(_) if lag => self.lag(op, now_ms, "app registration", Step::Reconcile),
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }

            // ---- the grant ----
            (OpKind::GrantMailSend, Step::Main) => {
                if ok {
                    return match apps::parse::<Assignment>(status, body) {
                        Ok(a) => {
                            self.ctx.grant_id = Some(a.id);
                            self.done(op, Outcome::Created)
                        }
                        Err(_) => {
                            // Granted, but unreadable: look it up.
                            self.send(op, Step::Reconcile)
                        }
                    };
                }
                match failure {
                    Some(Failure::AlreadyExists) => {
                        self.states[op].intent = false;
                        self.send(op, Step::Follow)
                    }
                    _ if lag && self.created_this_run(&OpKind::UpsertServicePrincipal) => {
                        self.states[op].intent = false;
                        self.lag(op, now_ms, "service principal", Step::Poll)
                    }
                    _ => {
                        self.states[op].intent = false;
                        self.unexpected(op, status, body)
                    }
                }
            }
            (OpKind::GrantMailSend, Step::Poll) => {
                if ok {
                    self.send(op, Step::Main)
                } else if lag {
                    self.lag(op, now_ms, "service principal", Step::Poll)
                } else {
                    self.unexpected(op, status, body)
                }
            }
            (OpKind::GrantMailSend, _) => {
                // Follow (after "already exists") or Reconcile (after a lost answer).
                match apps::parse_list::<Assignment>(status, body) {
                    Ok(list) => {
                        let graph_sp = self.ctx.graph_sp;
                        let found = list
                            .into_iter()
                            .find(|a| a.is_mail_send() && Some(a.resource_id) == graph_sp);
                        match (found, step) {
                            (Some(a), _) => {
                                self.ctx.grant_id = Some(a.id);
                                let outcome = if self.states[op].unknown
                                    && self.existing().mail_send_grant.is_none()
                                {
                                    Outcome::Created
                                } else {
                                    Outcome::Existing
                                };
                                self.done(op, outcome)
                            }
                            (None, Step::Reconcile) => {
                                self.states[op].intent = false;
                                self.send(op, Step::Main)
                            }
                            (None, _) => self.lag(op, now_ms, "Mail.Send grant", Step::Follow),
                        }
                    }
                    Err(_) if lag => self.lag(op, now_ms, "service principal", Step::Poll),
                    Err(e) if ok => self.unreadable(op, e),
                    Err(_) => self.unexpected(op, status, body),
                }
            }

            // ---- removals (RBAC fix-up and undo) ----
            (
                OpKind::RevokeUnscopedGrant { .. }
                | OpKind::DeleteGrant { .. }
                | OpKind::RemovePassword { .. }
                | OpKind::DeleteServicePrincipal { .. }
                | OpKind::DeleteApp { .. },
                Step::Main | Step::Reconcile,
            ) => {
                if ok || lag {
                    self.states[op].intent = false;
                    self.states[op].lag_since = None;
                    self.send(op, Step::Confirm)
                } else {
                    self.states[op].intent = false;
                    self.unexpected(op, status, body)
                }
            }
            (_, _) => {
                // Confirm: the object must be gone.
                let gone = match &kind {
                    OpKind::RemovePassword { key_id, .. } => {
                        lag || apps::parse::<Application>(status, body)
                            .map(|a| a.password_credentials.iter().all(|p| p.key_id != *key_id))
                            .unwrap_or(false)
                    }
                    OpKind::RevokeUnscopedGrant { assignment_id, .. }
                    | OpKind::DeleteGrant { assignment_id, .. } => {
                        lag || apps::parse_list::<Assignment>(status, body)
                            .map(|l| l.iter().all(|a| &a.id != assignment_id))
                            .unwrap_or(false)
                    }
                    _ => lag,
                };
                if gone {
                    self.done(op, Outcome::Done)
                } else if ok {
                    self.states[op].confirm_polls += 1;
                    self.lag(op, now_ms, "deletion", Step::Confirm)
                } else {
                    self.unexpected(op, status, body)
                }
            }
        }
    }

    fn current_days(&self) -> u32 {
        self.ctx.secret_lifetime_days.unwrap_or(match &self.kind {
            Kind::Apply(p) => p.inputs.secret_lifetime_days,
            Kind::Preflight(i) => i.secret_lifetime_days,
        })
    }

    fn app_read(&mut self, op: OpId, body: &str, outcome: Outcome, status: u16) {
        match apps::parse::<Application>(status, body) {
            Ok(app) => {
                self.ctx.app = Some(app.id);
                self.ctx.app_id = Some(app.app_id);
                self.ctx.app_secrets = app
                    .password_credentials
                    .iter()
                    .map(|p| (p.key_id, p.display_name.clone().unwrap_or_default()))
                    .collect();
                self.done(op, outcome)
            }
            Err(e) => self.unreadable(op, e),
        }
    }

    fn sp_read(&mut self, op: OpId, body: &str, outcome: Outcome, status: u16) {
        match apps::parse::<ServicePrincipal>(status, body) {
            Ok(sp) => {
                self.ctx.sp = Some(sp.id);
                self.done(op, outcome)
            }
            Err(e) => self.unreadable(op, e),
        }
    }

    pub(crate) fn journal_parts(&self) -> (&[Op], Vec<journal::OpStatus>, &Context, Option<usize>) {
        let status = self
            .states
            .iter()
            .map(|s| match &s.phase {
                Phase::Done(o) => journal::OpStatus::Done { outcome: *o },
                Phase::Failed(_) if !s.intent => journal::OpStatus::Failed,
                _ if s.intent => journal::OpStatus::Intent,
                _ => journal::OpStatus::Pending,
            })
            .collect();
        (&self.ops, status, &self.ctx, self.undo_from)
    }
}

/// The next shorter standard lifetime.
fn step_down(days: u32) -> u32 {
    [365, 180, 90, 30, 7, 1]
        .into_iter()
        .find(|&d| d < days)
        .unwrap_or(1)
}

/// The request a step of an apply/undo operation sends. Also used by Review (with placeholder ids).
fn request_for(
    plan: &Plan,
    kind: &OpKind,
    step: Step,
    ctx: &Context,
    lifetime_days: u32,
    now_ms: u64,
    secret_name: &str,
) -> Request {
    let nil = ObjectId::from_guid(Guid::from_bytes([0; 16]));
    let app = ctx.app.unwrap_or(nil);
    let app_id = ctx
        .app_id
        .unwrap_or(ClientId::from_guid(Guid::from_bytes([0; 16])));
    let sp = ctx.sp.or(plan.existing.sp).unwrap_or(nil);
    let tags = plan::tags(&plan.inputs, &plan.tool_version);
    match (kind, step) {
        (OpKind::UpsertApp, Step::Main) => apps::upsert_app(
            &plan.unique_name,
            apps::app_body(
                plan.inputs.app_display_name.trim(),
                plan.inputs.mode == crate::config::ScopeMode::ApplicationAccessPolicy,
                &plan::notes(&plan.inputs, &plan.tool_version),
                &tags,
            ),
        ),
        (OpKind::UpsertApp, _) => apps::get_app_by_unique_name(&plan.unique_name),
        (OpKind::LookupGraphServicePrincipal, _) => apps::get_graph_sp(),
        (OpKind::UpsertServicePrincipal, Step::Main) => {
            apps::upsert_sp(app_id, plan.inputs.app_display_name.trim(), &tags)
        }
        (OpKind::UpsertServicePrincipal, Step::Poll) => apps::get_app(app),
        (OpKind::UpsertServicePrincipal, _) => apps::get_sp_by_app_id(app_id),
        (OpKind::AddPassword, Step::Main) => {
            let end = now_ms.saturating_add(u64::from(lifetime_days) * 86_400_000);
            apps::add_password(app, secret_name, &time::iso8601(end))
        }
        (OpKind::AddPassword, Step::RemoveLost) => apps::remove_password(
            app,
            ctx.lost_keys
                .first()
                .copied()
                .unwrap_or(KeyId::from_guid(Guid::from_bytes([0; 16]))),
        ),
        (OpKind::AddPassword, _) => apps::get_app(app),
        (OpKind::GrantMailSend, Step::Main) => apps::grant(
            ctx.graph_sp.unwrap_or(nil),
            sp,
            ctx.mail_send_role
                .as_deref()
                .and_then(|r| Guid::parse(r).ok())
                .unwrap_or_else(apps::mail_send_role_id),
        ),
        (OpKind::GrantMailSend, Step::Poll) => apps::get_sp(sp),
        (OpKind::GrantMailSend, _) => apps::list_assignments(sp),
        (
            OpKind::RevokeUnscopedGrant {
                resource_id,
                assignment_id,
            }
            | OpKind::DeleteGrant {
                resource_id,
                assignment_id,
            },
            Step::Main | Step::Reconcile,
        ) => apps::revoke(*resource_id, assignment_id),
        (OpKind::RevokeUnscopedGrant { .. } | OpKind::DeleteGrant { .. }, _) => {
            apps::list_assignments(sp)
        }
        (OpKind::RemovePassword { app, key_id }, Step::Main | Step::Reconcile) => {
            apps::remove_password(*app, *key_id)
        }
        (OpKind::RemovePassword { app, .. }, _) => apps::get_app(*app),
        (OpKind::DeleteServicePrincipal { id }, Step::Main | Step::Reconcile) => {
            apps::delete_sp(*id)
        }
        (OpKind::DeleteServicePrincipal { id }, _) => apps::get_sp(*id),
        (OpKind::DeleteApp { id }, Step::Main | Step::Reconcile) => apps::delete_app(*id),
        (OpKind::DeleteApp { id }, _) => apps::get_app(*id),
        // Preflight kinds are never part of an apply plan.
        (_, _) => Request::get("/v1.0/$metadata"),
    }
}

/// The first request of an operation, for Review.
pub(crate) fn first_request(
    plan: &Plan,
    kind: &OpKind,
    ctx: &Context,
    days: u32,
    now_ms: u64,
) -> Request {
    request_for(
        plan,
        kind,
        Step::Main,
        ctx,
        days,
        now_ms,
        "mailgrant run {run}",
    )
}
