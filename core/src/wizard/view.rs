//! The screen model: everything the shell renders, computed from the wizard's state. The shell
//! draws it and turns clicks into events; it decides nothing.

use std::rc::Rc;

use crate::config::{Config, ScopeMode};
use crate::explain::{Explain, Explanation};
use crate::job::CredentialPlan;
use crate::plan::ReviewLine;
use crate::powershell::ScopeTarget;
use crate::roles::RoleCheck;
use crate::run::{self, LogEntry, Status};

use super::credential::{self, CredentialWords};
use super::scope::{ScopeAnswer, ScopeProblem};
use super::{State, Step};

/// A copy's answer: which button, whether it worked, what to say.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyNote {
    pub what: super::CopyTarget,
    pub ok: bool,
    pub message: &'static str,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The current step (the step list marks it).
    pub step: Step,
    /// The document's title: the step (or the problem), then the setup it belongs to.
    pub title: String,
    /// What the last Copy on this step did, in words (shown beside its button, announced).
    pub copied: Option<CopyNote>,
    /// The browser history entry to show ([`State::history_entry`]).
    pub history_entry: Option<&'static str>,
    pub error: Option<Rc<Explanation>>,
    /// A saved run that could not be continued is kept: offer to download or discard it.
    pub saved_run_damaged: bool,
    pub screen: Screen,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Welcome(Welcome),
    /// Between the return from the sign-in page and the signed-in steps.
    SigningIn,
    SignedIn(Box<SignedIn>),
}

/// A signed-in step: who is signed in, and the step's own part.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub account: Account,
    pub step: StepView,
    /// "Remove this setup page's access": offered at the end (Hand-off, or after Undo).
    pub page_access: Option<crate::wizard::page_access::PageAccess>,
}

/// The first page: what will happen, the mode, the scopes, Sign in.
#[derive(Debug, Clone, PartialEq)]
pub struct Welcome {
    pub mode: ScopeMode,
    pub busy: bool,
    /// A setup in this tab was interrupted; it continues after sign-in (its mode is fixed).
    pub interrupted: bool,
    pub scopes: Vec<(&'static str, &'static str)>,
    /// The provider is Microsoft Entra ID (assumed until discovery says otherwise).
    pub entra: bool,
    /// What is made for the vendor, and who holds what; `None` when this mode has no
    /// credential the vendor accepts (then `no_credential` says why and Sign in waits).
    pub credential: Option<CredentialWords>,
    pub no_credential: Option<String>,
    /// What happens if the tenant refuses the first choice.
    pub fallback: Option<String>,
    /// Sign in has waited long for the page's module (the bootstrap's Welcome only).
    pub still_loading: Option<&'static str>,
}

/// Who is signed in, to which tenant, and what their roles allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub admin: String,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub mode: ScopeMode,
    pub roles: RoleCheck,
    pub unknowns: Vec<String>,
    pub can_change_mode: bool,
    /// Permissions the chosen mode needs that the sign-in did not grant.
    pub missing: Vec<(&'static str, &'static str)>,
    /// RBAC mode: whether the page can scope the app in Exchange itself, in words.
    pub exchange_note: Option<String>,
    /// Why Sign out is not offered now (`None`: it is).
    pub sign_out_blocked: Option<&'static str>,
}

/// The signed-in step's own part.
#[derive(Debug, Clone, PartialEq)]
pub enum StepView {
    None,
    Mailbox {
        /// What was typed before (Back from a later step keeps it).
        address: String,
        busy: bool,
        /// The look-up stopped because the sign-in expired.
        sign_in_again: bool,
        /// Users matching what is being typed: (display name, address).
        suggestions: Vec<(String, String)>,
    },
    Scope {
        mailbox_name: String,
        /// The primary address.
        mailbox_address: String,
        mailbox_id: String,
        /// What else the look-up learned: the kind of mailbox, the alias that was typed.
        mailbox_note: Option<String>,
        /// An app made earlier by mailgrant for this mailbox exists.
        app_exists: bool,
        /// That app holds an unscoped `Mail.Send` grant (RBAC mode offers to remove it).
        unscoped_grant: bool,
        problem: Option<ScopeProblem>,
        /// The group is being looked up.
        busy: bool,
        /// The answer given before (Back from Review keeps it).
        answer: Option<ScopeAnswer>,
        /// The tenant's mail-enabled security groups (name, address), once a group was checked.
        group_choices: Vec<(String, String)>,
    },
    Review {
        /// In plain words, first: what will exist, for which mailbox, what is left alone, what
        /// the vendor receives, what comes next.
        summary: Vec<String>,
        lines: Vec<ReviewLine>,
        notices: Vec<String>,
    },
    Apply(Apply),
    HandOff(HandOff),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    /// The step's heading: what the page is doing, or waits for.
    pub title: &'static str,
    pub status: String,
    /// "3 of 7 done", and each operation with where it is, in words.
    pub progress: String,
    pub checklist: Vec<(&'static str, String)>,
    pub log: Vec<LogEntry>,
    pub can_resume: bool,
    pub can_undo: bool,
    /// The token expired: sign in again instead of Resume.
    pub sign_in_again: bool,
    /// The legacy mode waits here for the Exchange script and the code it prints.
    pub script: Option<Script>,
    /// The tenant forbids client secrets and the vendor accepts this instead: offer
    /// "Undo and use it instead".
    pub other_credential: Option<&'static str>,
    /// Undo is done: offer "Start a new setup".
    pub can_start_over: bool,
}

/// The Exchange Online script, and its files.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The setup script's text, or why it is not there.
    pub text: ScriptText,
    pub setup_file: String,
    pub rollback_file: String,
}

/// The setup script's text: the hand-off module writes it ([`super::script`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptText {
    /// The module is writing it (or loading first).
    Writing,
    Ready(String),
    /// Why there is none; `retry`: the module did not load, and Retry asks it again.
    Failed {
        why: Explanation,
        retry: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandOff {
    /// "Done" only when the app is scoped (or can send as nobody until the script runs).
    pub heading: String,
    /// Where the Exchange scope stands, in one or two sentences.
    pub scope_note: String,
    /// The Exchange script comes before the credentials: the page could not scope the app.
    pub script_first: bool,
    /// Label, value, and whether it gets a Copy button (known ids and addresses; not dates).
    pub summary: Vec<(&'static str, String, bool)>,
    pub script: Script,
    pub has_recipient: bool,
    /// The credential is a client secret: Reveal, Copy, the passphrase bundle and the
    /// clear-text warning apply. Without one, the files hold ids only.
    pub secret_kind: bool,
    /// Why there is no secret to show (`None`: the secret is still in memory).
    pub no_secret: Option<&'static str>,
    /// Who holds what, and what leaves the browser.
    pub credential: CredentialWords,
    /// The credential expires: the reminder's button label (`None`: nothing to renew).
    pub reminder: Option<&'static str>,
    /// What the run had to change (a secret's lifetime capped by the tenant's policy, with
    /// both numbers).
    pub notes: Vec<String>,
    /// When the credential expires, for the admin's own time zone and date format beside the
    /// UTC date.
    pub expires: Option<Expiry>,
    pub handed_off: bool,
    pub can_undo: bool,
}

/// What expires, and when (unix ms): the shell says it in the admin's own time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiry {
    /// `The client secret`, `The certificate`.
    pub what: &'static str,
    pub unix_ms: i64,
}

/// The page's title while it shows a problem.
pub(super) fn problem_title(e: &Explanation, config: &Config) -> String {
    format!("Problem: {} — {} mail setup", e.title, config.vendor.name)
}

/// The page's title on a step without a problem.
pub(super) fn title(step: Step, config: &Config) -> String {
    format!("{} — {} mail setup", step.label(), config.vendor.name)
}

impl State {
    /// The Welcome page's model (also drawn by the bootstrap module before the page loads).
    pub fn welcome(&self, config: &Config) -> Welcome {
        Welcome {
            mode: self.mode,
            busy: self.busy,
            interrupted: self.has_interrupted_setup(),
            scopes: self.requested_scopes(),
            entra: self.provider_is_entra(),
            credential: self
                .credential(config)
                .map(|c| credential::for_config(c, config)),
            no_credential: self
                .credential(config)
                .is_none()
                .then(|| credential::none_for_mode(self.mode, config)),
            fallback: credential::fallback(self.next_credential(config)),
            still_loading: None,
        }
    }

    /// What the page shows now.
    pub fn view(&self, config: &Config) -> View {
        let error = self.error.clone().map(Rc::new);
        let screen = match &self.session {
            Some(session) if !(self.step == Step::SignIn && self.busy) => {
                Screen::SignedIn(Box::new(SignedIn {
                    account: Account {
                        admin: session.admin_label(),
                        tenant_name: session
                            .organization
                            .as_ref()
                            .and_then(|o| o.display_name.clone()),
                        tenant_id: session.tenant_id().map(|t| t.to_string()),
                        mode: self.mode,
                        roles: session.roles.clone(),
                        unknowns: session.unknowns.clone(),
                        can_change_mode: self.can_change_mode(),
                        missing: self.missing_scopes(),
                        exchange_note: self.exchange_note(),
                        sign_out_blocked: self.sign_out_blocked(),
                    },
                    step: self.step_view(config),
                    page_access: self.page_access_offered(),
                }))
            }
            _ if self.step == Step::Welcome || self.error.is_some() => {
                Screen::Welcome(self.welcome(config))
            }
            _ => Screen::SigningIn,
        };
        let title = match &error {
            Some(e) => problem_title(e, config),
            None => title(self.step, config),
        };
        let copied = self.copy_result().map(|c| CopyNote {
            what: c.what.clone(),
            ok: c.ok,
            message: super::copy::said(c.ok),
        });
        View {
            step: self.step,
            title,
            copied,
            history_entry: self.history_entry(),
            error,
            saved_run_damaged: self.damaged_journal().is_some(),
            screen,
        }
    }

    /// RBAC mode: can the admin's roles make the Exchange role assignment? Said only when not.
    fn exchange_note(&self) -> Option<String> {
        let session = self.session.as_ref()?;
        if self.mode != ScopeMode::RbacForApplications {
            return None;
        }
        let wids = session
            .claims
            .wids
            .as_deref()
            .or(session.member_of_roles.as_deref());
        match crate::roles::check_exchange(wids) {
            RoleCheck::Sufficient(_) => None,
            RoleCheck::Insufficient { .. } => Some(format!(
                "To scope the app in Exchange itself, the page needs the {} role; without it, the page sets up the app and you (or an Exchange administrator) run the Exchange script it gives you.",
                crate::roles::EXCHANGE_ROLES.join(" or ")
            )),
            RoleCheck::Unknown => Some(format!(
                "Scoping the app in Exchange needs the {} role. If you lack it, the page says so and gives you the Exchange script instead.",
                crate::roles::EXCHANGE_ROLES.join(" or ")
            )),
        }
    }

    fn step_view(&self, config: &Config) -> StepView {
        let s = &self.setup;
        match self.step {
            Step::Mailbox => StepView::Mailbox {
                address: self
                    .suggest
                    .raw
                    .clone()
                    .unwrap_or_else(|| self.mailbox_typed()),
                busy: self.busy,
                sign_in_again: self.needs_sign_in_again(),
                suggestions: self.suggest.list.clone(),
            },
            Step::Scope => {
                let (mailbox_name, mailbox_address, mailbox_id) =
                    match (self.mailbox_found(), &s.inputs) {
                        (Some((id, name)), Some(i)) => {
                            (name, i.mailbox.to_string(), id.to_string())
                        }
                        _ => (String::new(), String::new(), String::new()),
                    };
                let kind = s.findings.as_ref().and_then(|f| match f.mailbox_kind {
                    crate::op::MailboxKind::Shared => Some("A shared mailbox."),
                    crate::op::MailboxKind::User => Some("A user mailbox."),
                    crate::op::MailboxKind::Other => Some("A room, equipment or linked mailbox."),
                    // Exchange does not let the admin read another mailbox's kind; a disabled
                    // account with a mailbox is how a shared mailbox looks (its sign-in is off).
                    crate::op::MailboxKind::Unknown
                        if f.mailbox.account_enabled == Some(false) =>
                    {
                        Some("Looks like a shared mailbox: its account's sign-in is disabled, as every shared mailbox's is.")
                    }
                    crate::op::MailboxKind::Unknown => None,
                });
                let alias = s
                    .typed_mailbox
                    .as_ref()
                    .map(|t| format!("Found by {t}, which is one of its addresses; the setup uses the primary address."));
                let mailbox_note = match (kind, alias) {
                    (Some(k), Some(a)) => Some(format!("{k} {a}")),
                    (k, a) => k.map(str::to_owned).or(a),
                };
                let app = s.findings.as_ref().and_then(|f| f.app.as_ref());
                StepView::Scope {
                    mailbox_name,
                    mailbox_address,
                    mailbox_id,
                    mailbox_note,
                    app_exists: app.is_some(),
                    // Only RBAC mode can remove it (the legacy mode needs the grant).
                    unscoped_grant: self.mode == ScopeMode::RbacForApplications
                        && s.findings
                            .as_ref()
                            .is_some_and(|f| f.grants.iter().any(|g| g.is_mail_send())),
                    problem: s.scope_problem.clone(),
                    busy: self.busy,
                    answer: s.answer.clone(),
                    group_choices: s.group_choices.clone(),
                }
            }
            Step::Review => match &s.plan {
                Some(plan) => StepView::Review {
                    summary: credential::review_summary(plan, config),
                    lines: plan.review(),
                    notices: plan.notices.clone(),
                },
                None => StepView::None,
            },
            Step::Apply => match &s.apply {
                Some(run) => StepView::Apply(self.apply_view(config, run)),
                None => StepView::None,
            },
            Step::HandOff => StepView::HandOff(self.hand_off_view(config)),
            Step::Welcome | Step::SignIn => StepView::None,
        }
    }

    fn apply_view(&self, config: &Config, run: &run::Run) -> Apply {
        let status = run.status();
        let text = match (&status, run.undoing()) {
            (Status::Waiting, _) => "When it has printed PASS, type the code it prints below: Microsoft Graph's Mail.Send is granted only then.".to_owned(),
            (Status::Running, false) => "Working…".to_owned(),
            (Status::Running, true) => "Undoing…".to_owned(),
            (Status::Offline, _) => {
                "Offline: waiting for the network, then the page checks what was done.".to_owned()
            }
            (Status::Paused(p), _) => format!("Paused: {}", p.explain().title),
            (Status::Failed(e), _) => format!("Stopped: {e}"),
            (Status::Done, true) => "Undone: what this run created in Entra ID (and the Exchange role assignment the page made) was deleted. If you ran the Exchange script, its rollback script removes what the script made.".to_owned(),
            (Status::Done, false) => "Done.".to_owned(),
        };
        let title = match (&status, run.undoing()) {
            (Status::Waiting, _) => "Waiting for you: run the Exchange Online script",
            (Status::Running | Status::Offline, false) => "Applying",
            (Status::Running | Status::Offline, true) => "Undoing",
            (Status::Paused(_), _) => "Paused",
            (Status::Failed(_), false) => "Stopped before the end",
            (Status::Failed(_), true) => "Undo stopped before the end",
            (Status::Done, true) => "Undone",
            (Status::Done, false) => "Applied",
        };
        let (items, done) = run.checklist();
        Apply {
            title,
            status: text,
            progress: format!("{done} of {} done", items.len()),
            checklist: items
                .iter()
                .map(|(l, s)| (*l, self.item_words(*s)))
                .collect(),
            log: run.log().to_vec(),
            can_resume: run.can_resume(),
            can_undo: matches!(
                status,
                Status::Failed(_) | Status::Paused(_) | Status::Waiting
            ) && !run.undoing(),
            sign_in_again: self.needs_sign_in_again(),
            // One rule for when the script is on screen: the module is asked for it by the same.
            script: self.shows_script().then(|| self.script_view(config)),
            other_credential: self.offered_credential(config).map(|c| c.title()),
            can_start_over: self.can_start_over(),
        }
    }

    fn hand_off_view(&self, config: &Config) -> HandOff {
        let run = self.setup.apply.as_ref();
        let facts = run.map(|r| r.facts());
        let plan = run.and_then(|r| r.plan());
        let credential_plan = plan
            .map(|p| p.inputs.credential.clone())
            .unwrap_or_default();
        let summary = self.hand_off_summary(&credential_plan);
        let mailbox = plan
            .map(|p| p.inputs.mailbox.to_string())
            .unwrap_or_default();
        // Who the app can send as, in words.
        let who = match plan.map(|p| (&p.scope.target, p.inputs.mode)) {
            Some((
                ScopeTarget::ExistingGroup { address } | ScopeTarget::NewGroup { address, .. },
                ScopeMode::RbacForApplications,
            )) => format!("the direct members of {address}"),
            Some((
                ScopeTarget::ExistingGroup { address } | ScopeTarget::NewGroup { address, .. },
                ScopeMode::ApplicationAccessPolicy,
            )) => format!("the members of {address}"),
            _ => mailbox.clone(),
        };
        let enforce = "Exchange may take 30 minutes to 2 hours to enforce it; the script's Test-ServicePrincipalAuthorization reads the configuration at once.";
        let (heading, scope_note, script_first) = match (
            plan.map(|p| p.inputs.mode),
            facts.and_then(|f| f.exchange_fallback),
        ) {
            (Some(ScopeMode::ApplicationAccessPolicy), _) => (
                format!("Done: the app can send as {who} only"),
                format!("Your Exchange script made the Application Access Policy (you typed its code), and only then did the page grant Microsoft Graph's Mail.Send. {}", enforce.replace("Test-ServicePrincipalAuthorization", "Test-ApplicationAccessPolicy")),
                false,
            ),
            (_, Some(why)) => (
                "The app is set up: now scope it in Exchange Online".to_owned(),
                format!("{} Run the Exchange Online script below: it scopes the app to {who} and checks it. Until then the app can send as no mailbox (this mode grants no Microsoft Graph Mail.Send permission), so the credentials can go to the vendor first.", why.why()),
                true,
            ),
            _ => (
                format!("Done: the app can send as {who} only"),
                format!("The page assigned Exchange's Application Mail.Send role to the app, scoped to {who}, through Microsoft Graph. {enforce} The script below checks it."),
                false,
            ),
        };
        HandOff {
            heading,
            scope_note,
            script_first,
            summary,
            script: self.script_view(config),
            has_recipient: config.vendor.age_recipient.is_some(),
            secret_kind: credential_plan == CredentialPlan::ClientSecret,
            no_secret: self.setup.secret.is_none().then(|| {
                let made = plan.is_some_and(|p| {
                    p.ops
                        .iter()
                        .any(|o| o.kind == crate::plan::Kind::ADD_PASSWORD)
                });
                if made {
                    "The client secret this run made is no longer in this page's memory (it was saved, forgotten, or the page was reloaded). The vendor needs it: if it was not saved, run the setup again and tick “add a new client secret”; the old one stays valid until it expires or you delete it in the Entra admin center."
                } else {
                    "This run made no new client secret: the app's existing one stays, and the vendor keeps using the secret it already has. To give the vendor a new one, run the setup again and tick “add a new client secret”."
                }
            }),
            credential: credential::words(&credential_plan, config),
            reminder: match credential_plan {
                CredentialPlan::ClientSecret => Some("Rotation reminder (.ics)"),
                CredentialPlan::Certificate { .. } => Some("Certificate renewal reminder (.ics)"),
                CredentialPlan::Federated { .. } | CredentialPlan::MultiTenantApp { .. } => None,
            },
            notes: facts.map(|f| f.notes.clone()).unwrap_or_default(),
            expires: self.expiry().map(|(what, t)| Expiry {
                what,
                unix_ms: t.unix_seconds() * 1000,
            }),
            handed_off: self.setup.handed_off,
            can_undo: run.is_some_and(run::Run::can_undo),
        }
    }
}

impl State {
    /// What of the applied run's credential expires, and when.
    fn expiry(&self) -> Option<(&'static str, crate::time::UtcDateTime)> {
        let run = self.setup.apply.as_ref()?;
        super::hand_off::credential_expiry(run.plan()?, run.facts())
    }

    /// Hand-off's table of ids: what the vendor's code needs for the credential in force.
    fn hand_off_summary(&self, credential: &CredentialPlan) -> Vec<(&'static str, String, bool)> {
        let run = self.setup.apply.as_ref();
        let facts = run.map(|r| r.facts());
        let plan = run.and_then(|r| r.plan());
        let show = |v: Option<String>| v.unwrap_or_else(|| "—".into());
        let mut rows = vec![
            (
                "Directory (tenant) ID",
                show(plan.map(|p| p.inputs.tenant.to_string())),
                true,
            ),
            (
                "Application (client) ID",
                show(
                    facts
                        .and_then(|f| f.app_id)
                        .or_else(|| credential.vendor_app())
                        .map(|x| x.to_string()),
                ),
                true,
            ),
        ];
        if credential.vendor_app().is_none() {
            rows.push((
                "App registration object ID",
                show(facts.and_then(|f| f.app).map(|x| x.to_string())),
                true,
            ));
        }
        rows.push((
            "Service principal object ID",
            show(facts.and_then(|f| f.sp).map(|x| x.to_string())),
            true,
        ));
        match credential {
            CredentialPlan::ClientSecret => {
                rows.push((
                    "Client secret ID (not the secret)",
                    show(facts.and_then(|f| f.key_id).map(|x| x.to_string())),
                    true,
                ));
                rows.push((
                    "Client secret expires",
                    show(self.expiry().map(|(_, x)| x.to_human())),
                    false,
                ));
            }
            CredentialPlan::Certificate { thumbprint, .. } => {
                rows.push(("Certificate thumbprint (SHA-1)", thumbprint.clone(), true));
                rows.push((
                    "Certificate expires",
                    show(self.expiry().map(|(_, x)| x.to_human())),
                    false,
                ));
            }
            CredentialPlan::Federated {
                issuer, subject, ..
            } => {
                rows.push(("Federated credential issuer", issuer.clone(), true));
                rows.push(("Federated credential subject", subject.clone(), true));
            }
            CredentialPlan::MultiTenantApp { .. } => {}
        }
        rows.push((
            "Mailbox",
            show(plan.map(|p| p.inputs.mailbox.to_string())),
            true,
        ));
        rows.push((
            "Mailbox object ID",
            show(plan.map(|p| p.mailbox_id.to_string())),
            true,
        ));
        // Nothing to copy where the value is not known.
        rows.into_iter()
            .map(|(k, v, copy)| {
                let copy = copy && v != "—";
                (k, v, copy)
            })
            .collect()
    }

    /// The page's own access is offered for removal once the setup is over: at Hand-off, or
    /// when Undo has finished.
    fn page_access_offered(&self) -> Option<crate::wizard::page_access::PageAccess> {
        (self.graph_session().is_some() && (self.step == Step::HandOff || self.can_start_over()))
            .then_some(self.page_access)
    }
}
