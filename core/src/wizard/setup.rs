//! The wizard after sign-in: Mailbox → Scope → Review → Apply → Hand-off. The Graph work is done
//! by [`crate::run::Run`]s (a preflight of look-ups, then the apply); this module wraps their
//! effects with the session's token and routes their events back.

use std::rc::Rc;

use crate::bundle;
use crate::config::Config;
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::{ObjectId, SmtpAddress};
use crate::job::{Job, Options, Scope};
use crate::op::OpError;
use crate::plan::{self, Findings, Inputs, Plan};
use crate::powershell::{self, Cloud, ScopeTarget};
use crate::run::{self, Run, Schedule, Status};
use crate::secret::{AccessToken, ClientSecret};

use super::scope::{self, ScopeAnswer, ScopeProblem};
use super::{Effect, State, Step};

/// Which run an effect or event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Preflight,
    /// The Scope step's check of a group.
    ScopeCheck,
    Apply,
}

/// The sessionStorage key of the apply journal.
pub const JOURNAL_KEY: &str = run::journal::STORAGE_KEY;

/// What the admin chose and what the runs found. Lives in memory; the apply run journals itself.
#[derive(Debug, Default)]
pub struct Setup {
    pub inputs: Option<Inputs>,
    pub preflight: Option<Run>,
    pub findings: Option<Findings>,
    /// The Scope step's answer as typed, and what is wrong with it.
    pub answer: Option<ScopeAnswer>,
    pub scope_problem: Option<ScopeProblem>,
    /// The check of the scope group, and the scope and options it is for.
    pub scope_check: Option<(Run, Scope, Options)>,
    pub plan: Option<Plan>,
    pub apply: Option<Run>,
    /// The client secret, from the apply run, until the admin forgets it or leaves.
    pub secret: Option<ClientSecret>,
    /// The admin confirmed the credentials were saved.
    pub handed_off: bool,
    /// When the apply run delivered the secret, or finished (unix ms): the bundle's
    /// `createdAt`, the same in every file made from it.
    pub secret_at_ms: Option<u64>,
    /// How many of the vendor's credentials the tenant refused (a policy that forbids secrets).
    pub refused_credentials: usize,
    /// The admin chose the vendor's next credential: once Undo is done, plan again with it.
    pub switching_credential: bool,
    /// The address as typed, when it was an alias or sign-in name (`inputs.mailbox` then holds
    /// the primary address the look-up found).
    pub typed_mailbox: Option<String>,
    /// The tenant's mail-enabled security groups (name, address), once a group was checked.
    pub group_choices: Vec<(String, String)>,
}

/// The mailbox could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("“{0}” is not an e-mail address")]
    NotAnAddress(String),
    #[error("the tenant id is unknown (the sign-in did not say which tenant this is)")]
    NoTenant,
    #[error("this page signed you in with a provider that is not Microsoft Entra ID, so it has no token for Microsoft Graph")]
    NotEntra,
    #[error("{0}")]
    Plan(#[from] plan::PlanError),
    #[error("{0}")]
    Script(#[from] powershell::ScriptError),
    #[error("{0}")]
    Bundle(#[from] bundle::BundleError),
    #[error("the run did not record {0}")]
    Missing(&'static str),
    #[error("the vendor offers only its own multi-tenant app, which {} cannot scope", .0.title())]
    NoCredential(crate::config::ScopeMode),
}

impl Explain for SetupError {
    fn explain(&self) -> Explanation {
        match self {
            SetupError::Plan(e) => e.explain(),
            other => Explanation {
                title: match other {
                    SetupError::NotAnAddress(_) => "That is not a mailbox address.".into(),
                    SetupError::NoTenant => "The tenant could not be determined.".into(),
                    SetupError::NotEntra => "The setup needs a Microsoft Entra ID sign-in.".into(),
                    SetupError::NoCredential(_) => {
                        "This vendor can be set up only with RBAC for Applications.".into()
                    }
                    _ => "The results could not be prepared.".into(),
                },
                detail: other.to_string(),
                fix: match other {
                    SetupError::NotAnAddress(_) => {
                        "Type the mailbox's e-mail address, e.g. invoices@contoso.com.".into()
                    }
                    SetupError::NoTenant => {
                        "Sign out and sign in again with a work account of the tenant.".into()
                    }
                    SetupError::NoCredential(_) => "Choose RBAC for Applications above: the vendor uses its own multi-tenant app, and only Exchange's RBAC for Applications can limit it to one mailbox (an Application Access Policy would first need Microsoft Graph's Mail.Send for every mailbox on it). Nothing was changed.".into(),
                    SetupError::NotEntra => "Every setup step runs on Microsoft Graph. Ask the vendor for this page configured with Microsoft Entra ID (its default `authority`); nothing was changed anywhere.".into(),
                    _ => {
                        "Check the inputs on the Scope step and try again; nothing was lost.".into()
                    }
                },
                audience: Audience::Admin,
                example: None,
            },
        }
    }
}

/// What the Mailbox step sends.
pub struct MailboxRequest {
    pub address: String,
    pub seed: [u8; 16],
    pub now_ms: u64,
}

/// The scoping mode of an interrupted setup: the sign-in must ask for that mode's scopes.
pub(super) fn interrupted_mode(journal: &str) -> Option<crate::config::ScopeMode> {
    run::journal::mode(journal)
}

/// Wraps run effects for the shell: Graph requests get the session's token and full URL.
pub(super) fn wrap(
    kind: RunKind,
    effects: Vec<run::Effect>,
    config: &Config,
    token: Option<&Rc<AccessToken>>,
) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|e| match e {
            run::Effect::Http {
                attempt,
                request,
                deadline,
                deadline_ms,
                ..
            } => Effect::Graph {
                kind,
                attempt,
                deadline,
                deadline_ms,
                method: request.method,
                url: request.url(&config.graph_base_url),
                headers: request
                    .headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), v.clone()))
                    .collect(),
                body: request.body.as_ref().map(|b| b.to_string()),
                bearer: token.cloned(),
            },
            run::Effect::Wait { timer, millis } => Effect::Timer {
                kind,
                timer,
                millis,
            },
            run::Effect::WaitOnline => Effect::WaitOnline { kind },
            run::Effect::SaveJournal(text) => Effect::SaveJournal(text),
        })
        .collect()
}

impl State {
    /// The apply run paused because the token expired: the page offers to sign in again (the
    /// journal is saved; after the sign-in the run resumes by itself).
    pub fn needs_sign_in_again(&self) -> bool {
        [&self.setup.preflight, &self.setup.apply]
            .into_iter()
            .flatten()
            .any(|r| r.status() == Status::Paused(run::Pause::SignInAgain))
    }

    /// The mailbox to look up again after a new sign-in (an expired token, or a permission
    /// granted for another mode), unless an apply run, with its own journal, exists.
    pub(super) fn mailbox_to_resume(&self) -> Option<String> {
        if self.setup.apply.is_some() {
            return None;
        }
        self.setup.inputs.as_ref().map(|i| i.mailbox.to_string())
    }

    /// The token for Microsoft Graph: none unless the provider is Entra ID.
    pub(super) fn token(&self) -> Option<Rc<AccessToken>> {
        if self.page_access == super::page_access::PageAccess::Removed {
            // Nothing more is sent once the page removed its own access.
            return None;
        }
        self.graph_session().map(|s| s.access_token.clone())
    }

    /// The mode's permissions the token lacks (what every step needs; an extra one is asked for
    /// at its own step, which says why).
    fn missing_scopes_error(&self) -> Option<Explanation> {
        let missing: Vec<_> = self
            .missing_scopes()
            .into_iter()
            .filter(|s| *s != crate::auth::GROUP_MEMBERS_SCOPE && *s != crate::auth::REMOVAL_SCOPE)
            .collect();
        self.explain_missing(&missing)
    }

    fn explain_missing(&self, missing: &[(&'static str, &'static str)]) -> Option<Explanation> {
        (!missing.is_empty()).then(|| Explanation {
            title: format!("{} needs a permission your sign-in did not grant.", self.mode.title()),
            detail: missing
                .iter()
                .map(|(s, why)| format!("{s}: to {why}"))
                .collect::<Vec<_>>()
                .join("; "),
            fix: "Choose “Sign in again to grant it” above: the page asks for just this permission too and then continues with the same mailbox.".into(),
            audience: Audience::Admin,
            example: None,
        })
    }

    /// Mailbox step: look the mailbox up, with the existing app and grants.
    pub(super) fn mailbox_submitted(
        &mut self,
        config: &Config,
        req: MailboxRequest,
    ) -> Vec<Effect> {
        self.error = None;
        self.extra.grant_removal = false; // a new mailbox, a new app: no grant of its to remove
        if self.token().is_none() {
            return self.fail(SetupError::NotEntra.explain());
        }
        if let Some(missing) = self.missing_scopes_error() {
            return self.fail(missing);
        }
        let Ok(mailbox) = SmtpAddress::parse(&req.address) else {
            return self.fail(SetupError::NotAnAddress(req.address).explain());
        };
        let Some(tenant) = self.session.as_ref().and_then(|s| s.tenant_id()) else {
            return self.fail(SetupError::NoTenant.explain());
        };
        let inputs = Inputs {
            tenant,
            mailbox,
            mode: self.mode,
            vendor: config.vendor.name.clone(),
            app_display_name: config.vendor.app_display_name(),
            secret_lifetime_days: config.vendor.secret_lifetime_days,
            credential: match self.credential(config) {
                Some(c) => crate::job::CredentialPlan::from_config(c),
                None => return self.fail(SetupError::NoCredential(self.mode).explain()),
            },
        };
        let (run, effects) = Run::preflight(inputs.clone(), req.seed, req.now_ms);
        self.setup = Setup {
            inputs: Some(inputs),
            preflight: Some(run),
            ..Setup::default()
        };
        self.busy = true;
        wrap(RunKind::Preflight, effects, config, self.token().as_ref())
    }

    /// Scope step: the answer as typed, parsed and checked here; a problem stays on the step.
    /// An existing group is looked up (and the mailbox's membership in it) before Review.
    pub(super) fn scope_chosen(
        &mut self,
        config: &Config,
        answer: ScopeAnswer,
        seed: [u8; 16],
        now_ms: u64,
    ) -> Vec<Effect> {
        self.error = None;
        let (Some(inputs), Some(findings)) = (&self.setup.inputs, &self.setup.findings) else {
            return vec![];
        };
        let parsed = scope::parse(&answer, &inputs.mailbox);
        self.setup.answer = Some(answer);
        let (scope, options) = match parsed {
            Ok(x) => x,
            Err(problem) => {
                self.setup.scope_problem = Some(problem);
                return vec![];
            }
        };
        self.setup.scope_problem = None;
        let group = matches!(scope.target, ScopeTarget::ExistingGroup { .. });
        self.extra.group_members = group;
        if group && !self.missing_scopes().is_empty() {
            // Incremental consent: only now is GroupMember.Read.All asked for. The answer
            // travels in the pending entry and is checked again after the sign-in.
            let missing = self.missing_scopes();
            let why = self.explain_missing(&missing).map(|mut e| {
                e.title = "Checking the group's members needs one more permission.".into();
                e.fix = "Choose “Sign in again to grant it” above: Microsoft asks for this permission only, and the page comes back here and checks the group.".into();
                e
            });
            if let Some(why) = why {
                return self.fail(why);
            }
        }
        if group {
            let mut job = Job::preflight(inputs.clone(), crate::ids::Guid::new_v4(seed));
            job.mailbox_id = Some(findings.mailbox.id);
            job.scope = scope.clone();
            let (run, effects) = Run::reads(job, plan::scope_check(), seed, now_ms);
            self.setup.scope_check = Some((run, scope, options));
            self.busy = true;
            return wrap(RunKind::ScopeCheck, effects, config, self.token().as_ref());
        }
        self.review(scope, options, vec![])
    }

    /// The plan for this scope, on Review.
    pub(super) fn review(
        &mut self,
        scope: Scope,
        options: Options,
        notices: Vec<String>,
    ) -> Vec<Effect> {
        let (Some(inputs), Some(findings)) = (&self.setup.inputs, &self.setup.findings) else {
            return vec![];
        };
        match plan::build(inputs, findings, options, scope, crate::VERSION) {
            Err(e) => self.fail(SetupError::from(e).explain()),
            Ok(mut plan) => match self.grant_removal_unconsented(&plan) {
                Some(e) => self.fail(e),
                None => {
                    plan.notices.extend(notices);
                    self.setup.plan = Some(plan);
                    self.step = Step::Review;
                    vec![]
                }
            },
        }
    }

    /// The group check is done: on to Review with what it found, or back to the field.
    fn scope_checked(&mut self, status: Status) -> Vec<Effect> {
        self.busy = false;
        let Some((run, mut scope, options)) = self.setup.scope_check.take() else {
            return vec![];
        };
        self.setup.group_choices = run.found().mail_groups.clone();
        match status {
            Status::Done => {
                let found = run.found();
                scope.group_id = found.group.as_ref().map(|g| g.id);
                let notices = scope::membership_notices(
                    self.mode,
                    &scope,
                    found.direct_member,
                    found.member,
                    self.setup.inputs.as_ref().map(|i| i.mailbox.as_str()),
                );
                self.review(scope, options, notices)
            }
            Status::Failed(e) => {
                match e.op_error() {
                    Some(
                        err @ (OpError::GroupNotFound { .. }
                        | OpError::NotMailEnabledSecurity { .. }),
                    ) => {
                        self.setup.scope_problem = Some(ScopeProblem {
                            field: scope::ScopeField::GroupAddress,
                            message: format!("Group address: {err}"),
                        });
                    }
                    _ => {
                        self.error = Some(e.explain());
                    }
                }
                vec![]
            }
            Status::Paused(p) => {
                self.error = Some(p.explain());
                vec![]
            }
            _ => vec![],
        }
    }

    /// Continues an interrupted setup from its journal (after a reload or a new sign-in).
    pub(super) fn resume_journal(
        &mut self,
        config: &Config,
        journal: &str,
        seed: [u8; 16],
        now_ms: u64,
    ) -> Vec<Effect> {
        // Checked by `claim_then_resume` (tabs.rs); a failure here is reported the same way.
        let (run, effects) = match Run::resume(journal, seed, Schedule::Concurrent, now_ms) {
            Ok(resumed) => resumed,
            Err(e) => {
                self.error = Some(e.explain());
                return vec![];
            }
        };
        // A sign-in of another tenant never continues this one's setup: its writes (an app, a
        // secret, a Mail.Send grant) would land in the wrong tenant. The journal stays.
        let signed_in = self.session.as_ref().and_then(|s| s.tenant_id());
        let Some(plan) = run.plan().cloned() else {
            return vec![];
        };
        let expected = plan.inputs.tenant;
        if signed_in != Some(expected) {
            // Back to Welcome, signed out in memory only: the journal stays in this tab and
            // the next sign-in (with the right account) continues the setup.
            self.interrupted = Some((journal.to_owned(), seed));
            self.session = None;
            self.step = Step::Welcome;
            self.busy = false;
            self.error = Some(Explanation {
                title: "This sign-in is for another tenant than the interrupted setup.".into(),
                detail: format!(
                    "The interrupted setup is in tenant {expected}; you signed in to {}. Nothing was changed.",
                    signed_in.map_or_else(|| "an unknown tenant".to_owned(), |t| t.to_string())
                ),
                fix: "Sign in again with an administrator account of the setup's tenant (use another account on Microsoft's page) to continue it.".into(),
                audience: Audience::Admin,
                example: None,
            });
            return vec![];
        }
        self.mode = plan.inputs.mode;
        self.setup.inputs = Some(plan.inputs.clone());
        self.setup.plan = Some(plan);
        let finished = matches!(run.status(), Status::Done);
        let undone = run.undoing();
        self.setup.apply = Some(run);
        self.step = Step::Apply;
        self.busy = true;
        if finished {
            // A finished run reloaded: its results (ids, the script, Undo), or after an Undo
            // the page's "Start a new setup". Its secret, if any, is gone with the old page.
            self.busy = false;
            if !undone {
                self.step = Step::HandOff;
                self.setup.secret_at_ms.get_or_insert(now_ms);
            }
        }
        // The hand-off module is fetched now, so the admin never waits for it.
        let mut out = vec![Effect::PrefetchHandOff];
        out.extend(wrap(RunKind::Apply, effects, config, self.token().as_ref()));
        out
    }

    /// Review step: apply the plan.
    pub(super) fn apply_clicked(
        &mut self,
        config: &Config,
        run_id: [u8; 16],
        seed: [u8; 16],
        now_ms: u64,
    ) -> Vec<Effect> {
        let Some(plan) = self.setup.plan.clone() else {
            return vec![];
        };
        if let Some(missing) = self.missing_scopes_error() {
            return self.fail(missing);
        }
        self.error = None;
        let (run, effects) = Run::apply(plan, run_id, seed, Schedule::Concurrent, now_ms);
        // A fresh run id no other tab can hold yet: held from the start, so a tab duplicated
        // from this one later finds it taken ([`super::tabs`]).
        let id = run.run_id();
        self.held_run = Some(id);
        self.setup.apply = Some(run);
        self.step = Step::Apply;
        self.busy = true;
        let mut out = vec![
            Effect::HoldRun {
                run_id: id,
                name: super::tabs::lock_name(id),
            },
            Effect::PrefetchHandOff,
        ];
        out.extend(wrap(RunKind::Apply, effects, config, self.token().as_ref()));
        out
    }

    /// An event for one of the runs.
    pub(super) fn run_event(
        &mut self,
        config: &Config,
        kind: RunKind,
        event: run::Event,
        now_ms: u64,
    ) -> Vec<Effect> {
        let token = self.token();
        let run = match kind {
            RunKind::Preflight => self.setup.preflight.as_mut(),
            RunKind::ScopeCheck => self.setup.scope_check.as_mut().map(|(r, ..)| r),
            RunKind::Apply => self.setup.apply.as_mut(),
        };
        let Some(run) = run else {
            return vec![];
        };
        let effects = run.update(now_ms, event);
        let status = run.status();
        let refused = run.refused().map(Explain::explain);
        let mut out = wrap(kind, effects, config, token.as_ref());
        if kind == RunKind::ScopeCheck {
            if matches!(status, Status::Running | Status::Offline) {
                return out;
            }
            out.extend(self.scope_checked(status));
            return out;
        }
        let run = match kind {
            RunKind::Preflight => self.setup.preflight.as_mut(),
            RunKind::ScopeCheck => None,
            RunKind::Apply => self.setup.apply.as_mut(),
        };
        let Some(run) = run else {
            return out;
        };
        match (kind, status) {
            (RunKind::Preflight, Status::Done) => {
                self.busy = false;
                self.setup.findings = run.findings();
                // An alias or sign-in name was typed: the app, the scripts and the bundle name
                // the mailbox by its primary address from now on (the field keeps what was typed).
                let primary = self
                    .setup
                    .findings
                    .as_ref()
                    .and_then(|f| SmtpAddress::parse(f.mailbox.primary_address()?).ok());
                if let (Some(inputs), Some(primary)) = (self.setup.inputs.as_mut(), primary) {
                    if !inputs
                        .mailbox
                        .as_str()
                        .eq_ignore_ascii_case(primary.as_str())
                    {
                        self.setup.typed_mailbox = Some(inputs.mailbox.to_string());
                        inputs.mailbox = primary;
                    }
                }
                self.step = Step::Scope;
                // Back from the sign-in that granted the group permission: check the group.
                if let Some((answer, seed)) = self.resume_scope.take() {
                    out.extend(self.scope_chosen(config, answer, seed, now_ms));
                }
            }
            (RunKind::Preflight, Status::Failed(e)) => {
                self.fail(e.explain());
            }
            // Handled above, by `scope_checked`.
            (RunKind::ScopeCheck, _) => {}
            (RunKind::Apply, Status::Done) if run.undoing() && self.setup.switching_credential => {
                self.busy = false;
                out.extend(self.plan_with_next_credential(config));
            }
            (RunKind::Apply, Status::Done) => {
                self.busy = false;
                if !run.undoing() {
                    if let Some(secret) = run.take_secret() {
                        self.setup.secret = Some(secret);
                        self.setup.secret_at_ms = Some(now_ms);
                        out.push(Effect::GuardUnload(true));
                    }
                    // Without a secret, the bundle's `createdAt` is when the run finished.
                    self.setup.secret_at_ms.get_or_insert(now_ms);
                    self.step = Step::HandOff;
                }
            }
            (_, Status::Failed(e)) => {
                self.busy = false;
                let mut why = e.explain();
                if let (Some(OpError::SecretsForbidden { .. }), Some(next)) =
                    (e.op_error(), self.next_credential(config))
                {
                    why.fix = format!(
                        "The vendor also accepts {}. Choose “Undo and use it instead”: the page deletes what this run made and shows the new plan on Review before anything else is made. Or ask the administrator of app management policies for an exemption for this app.",
                        next.title()
                    );
                }
                self.error = Some(why);
            }
            (_, Status::Paused(p)) => {
                self.busy = false;
                self.error = Some(p.explain());
            }
            // The legacy mode's script: the page waits for its code.
            (_, Status::Waiting) => self.busy = false,
            (_, Status::Running | Status::Offline) => {}
        }
        if let Some(e) = refused {
            self.busy = false;
            self.error = Some(e);
        }
        out
    }

    /// The apply run's own commands: Resume, Undo, SecretHandedOff.
    pub(super) fn apply_command(
        &mut self,
        config: &Config,
        event: run::Event,
        now_ms: u64,
    ) -> Vec<Effect> {
        if self.setup.apply.is_none() {
            return vec![];
        }
        let handed_off = matches!(event, run::Event::SecretHandedOff);
        let undo = matches!(event, run::Event::Undo);
        self.error = None;
        self.busy = !handed_off;
        if undo {
            self.setup.secret = None;
            self.step = Step::Apply;
        }
        let mut fx = self.run_event(config, RunKind::Apply, event, now_ms);
        if handed_off {
            self.setup.handed_off = true;
            fx.push(Effect::GuardUnload(false));
        }
        if undo {
            fx.push(Effect::GuardUnload(false));
        }
        fx
    }

    /// Why Sign out is not offered now: a run is sending, waits for the Exchange script, or
    /// stopped with something to finish or undo; or a client secret has not been saved yet.
    pub fn sign_out_blocked(&self) -> Option<&'static str> {
        if self.setup.secret.is_some() && !self.setup.handed_off {
            return Some("Save the credentials (or forget the secret) before you sign out: the secret exists only in this page.");
        }
        let run = self.setup.apply.as_ref()?;
        match run.status() {
            Status::Done => None,
            Status::Running | Status::Offline => {
                Some("The setup is running: signing out now would leave it half made.")
            }
            Status::Waiting | Status::Paused(_) | Status::Failed(_) => Some(
                "The setup is not finished: finish it, or undo it, on the Apply step below first.",
            ),
        }
    }

    /// The run was undone: a new setup can begin.
    pub fn can_start_over(&self) -> bool {
        self.setup
            .apply
            .as_ref()
            .is_some_and(|r| r.undoing() && r.status() == Status::Done)
    }

    pub(super) fn start_over(&mut self) -> Vec<Effect> {
        if !self.can_start_over() {
            return vec![];
        }
        self.setup = Setup::default();
        self.held_run = None;
        self.error = None;
        self.busy = false;
        self.step = Step::Mailbox;
        vec![Effect::RemoveJournal]
    }

    /// The mailbox step's field: what was typed before (Back keeps it).
    pub fn mailbox_typed(&self) -> String {
        match &self.setup.typed_mailbox {
            Some(typed) => typed.clone(),
            None => self
                .setup
                .inputs
                .as_ref()
                .map(|i| i.mailbox.to_string())
                .unwrap_or_default(),
        }
    }

    /// The mailbox the preflight found, for display.
    pub fn mailbox_found(&self) -> Option<(ObjectId, String)> {
        let f = self.setup.findings.as_ref()?;
        let name = f
            .mailbox
            .display_name
            .clone()
            .unwrap_or_else(|| f.mailbox.id.to_string());
        Some((f.mailbox.id, name))
    }
}

/// The cloud of the configured Graph endpoint.
pub fn cloud(config: &Config) -> Cloud {
    match config.graph_base_url.as_str() {
        "https://graph.microsoft.us" => Cloud::UsGovGccHigh,
        "https://dod-graph.microsoft.us" => Cloud::UsGovDod,
        "https://microsoftgraph.chinacloudapi.cn" => Cloud::China,
        _ => Cloud::Global,
    }
}
