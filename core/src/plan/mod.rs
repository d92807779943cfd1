//! The setup plan: validated inputs → Graph operations with explicit dependencies.
//!
//! Three stages:
//! 1. [`preflight`]: the look-ups that shape the plan (the mailbox user, an existing app with this
//!    `uniqueName` or display name, its service principal and grants). Run by the executor in
//!    [`crate::run`] before Review; the answers become [`Findings`].
//! 2. [`build`]: inputs + findings + the admin's choices → [`Plan`], or a [`PlanError`] when
//!    writing would be unsafe (someone else's app with the same name).
//! 3. [`Plan::review`]: what Review shows — method, path, body (secrets masked), and why.

mod review;

pub use crate::job::{unique_name, Existing, Inputs, Options, Scope, SECRET_PREFIX, TAG};
pub use crate::op::{Findings, Kind, Read, Removal, Wait, Write};
pub use review::{mask, ReviewLine};

use crate::config::{ScopeMode, MAX_SECRET_LIFETIME_DAYS};
use crate::explain::{Audience, Explain, Explanation};
use crate::ids::{ClientId, Guid, KeyId, ObjectId};
use crate::job::{is_ours, CredentialPlan, Job};
use crate::powershell::{DisplayText, ScopeTarget};

/// Identifies an operation within a plan (its index).
pub type OpId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub id: OpId,
    pub kind: Kind,
    /// Operations that must have finished (done or skipped) first.
    pub deps: Vec<OpId>,
    /// One line for people: why this call is made.
    pub why: String,
}

/// Read operations, numbered in order: `(read, dependencies, why)`.
fn reads(list: &[(Read, &[OpId], &str)]) -> Vec<Op> {
    list.iter()
        .enumerate()
        .map(|(id, (read, deps, why))| Op {
            id,
            kind: Kind::Read(*read),
            deps: deps.to_vec(),
            why: (*why).to_owned(),
        })
        .collect()
}

/// The preflight: look-ups only. `inputs` gives the mailbox and display name.
pub fn preflight() -> Vec<Op> {
    reads(&[
        (
            Read::Mailbox,
            &[],
            "Find the mailbox user and its object id.",
        ),
        (
            Read::AppsByDisplayName,
            &[],
            "Make sure no other app already uses this display name.",
        ),
        (
            Read::AppByUniqueName,
            &[0],
            "Find an app mailgrant made earlier for this vendor and mailbox.",
        ),
        (
            Read::AppServicePrincipal,
            &[2],
            "Find that app's service principal.",
        ),
        (Read::Grants, &[3], "Find the grants it already holds."),
    ])
}

/// The Scope step's check of a group: the group by its address, then the mailbox's membership,
/// direct and with nested groups.
pub fn scope_check() -> Vec<Op> {
    reads(&[
        (
            Read::ScopeGroup,
            &[],
            "Find the group and check it is a mail-enabled security group.",
        ),
        (
            Read::DirectMembers,
            &[0],
            "Check whether the mailbox is a direct member.",
        ),
        (
            Read::MemberGroups,
            &[0],
            "Check whether the mailbox is a member through nested groups.",
        ),
        (
            Read::MailGroups,
            &[],
            "List the mail-enabled security groups, to name the choices.",
        ),
    ])
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub inputs: Inputs,
    pub mailbox_id: ObjectId,
    pub unique_name: String,
    pub tool_version: String,
    pub options: Options,
    /// Which mailboxes the app may send as (the Exchange scripts need it).
    pub scope: Scope,
    pub existing: Existing,
    pub ops: Vec<Op>,
    /// Things Review must say besides the operations (e.g. an unscoped grant left in place).
    pub notices: Vec<String>,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("an app named “{display_name}” already exists (app id {app_id}) and was not made by mailgrant for this mailbox")]
    SameNameExists {
        display_name: String,
        app_id: ClientId,
        made_by_mailgrant: bool,
    },
    #[error("an app with uniqueName “{unique_name}” exists (app id {app_id}) but does not carry mailgrant's tag")]
    UniqueNameNotOurs {
        unique_name: String,
        app_id: ClientId,
    },
    #[error("{address} is a guest account (userType {user_type}), not a mailbox of this tenant")]
    MailboxIsGuest { address: String, user_type: String },
    #[error("a secret lifetime of {days} days is outside 1–{MAX_SECRET_LIFETIME_DAYS} days")]
    Lifetime { days: u32 },
    #[error("the app display name is empty or longer than 120 characters")]
    DisplayName,
    #[error("the vendor's own multi-tenant app can be scoped only with RBAC for Applications")]
    VendorAppNeedsRbac,
    #[error("the app holds Microsoft Graph's Mail.Send application permission (assignment {assignment_id}), and it was to stay")]
    UnscopedGrantKept { assignment_id: String },
}

impl Explain for PlanError {
    fn explain(&self) -> Explanation {
        let (title, fix) = match self {
            PlanError::SameNameExists { made_by_mailgrant: true, .. } => (
                "An app with this name already exists for another mailbox.",
                "Nothing was changed. mailgrant keeps one app per vendor and mailbox. Choose a different app name, or remove the other app in the Entra admin center (App registrations) if it is no longer used.",
            ),
            PlanError::SameNameExists { .. } => (
                "An app with this name already exists and mailgrant did not create it.",
                "Nothing was changed: mailgrant never modifies or adopts an app it did not create. Rename or delete the other app in the Entra admin center (App registrations), or ask the vendor for a different app name.",
            ),
            PlanError::UniqueNameNotOurs { .. } => (
                "An app already uses the name mailgrant reserves for this mailbox.",
                "Nothing was changed. Check that app in the Entra admin center; if it is not needed, delete it and try again.",
            ),
            PlanError::MailboxIsGuest { .. } => (
                "This address belongs to a guest account.",
                "Enter the address of a mailbox in your own tenant (a user or shared mailbox).",
            ),
            PlanError::Lifetime { .. } => (
                "The secret lifetime is not allowed.",
                "Choose a lifetime between 1 day and 2 years.",
            ),
            PlanError::DisplayName => (
                "The app name is not usable.",
                "Use a name of 1 to 120 characters.",
            ),
            PlanError::VendorAppNeedsRbac => (
                "This vendor's app needs RBAC for Applications.",
                "Choose RBAC for Applications: an Application Access Policy would first need Microsoft Graph's Mail.Send for every mailbox on the vendor's app. Nothing was changed.",
            ),
            PlanError::UnscopedGrantKept { .. } => (
                "The app can already send as every mailbox.",
                "Nothing was changed. Grants add up: while the app holds Microsoft Graph's Mail.Send, it can send as every mailbox whatever Exchange's scope says, so the page makes no credential for it. Go back to the Scope step and tick “Remove the app's unscoped Mail.Send grant”, or revoke it yourself (Entra admin center → Enterprise applications → the app → Permissions), then continue.",
            ),
        };
        Explanation {
            title: title.into(),
            detail: self.to_string(),
            fix: fix.into(),
            audience: Audience::Admin,
            example: None,
        }
    }
}

/// Builds the plan from the preflight's findings, or says why writing would be unsafe.
pub fn build(
    inputs: &Inputs,
    findings: &Findings,
    options: Options,
    scope: Scope,
    tool_version: &str,
) -> Result<Plan, PlanError> {
    check_inputs(inputs)?;
    // The mailbox check (op::mailbox) refuses a guest on the Mailbox step already; the plan
    // keeps its own guard, as it is what every write is made from.
    if let Some(t) = &findings.mailbox.user_type {
        if !t.eq_ignore_ascii_case("Member") {
            return Err(PlanError::MailboxIsGuest {
                address: inputs.mailbox.to_string(),
                user_type: t.clone(),
            });
        }
    }
    let unique_name = unique_name(&inputs.vendor, findings.mailbox.id);
    // The vendor's own app: no app registration is made here, so no name can clash.
    let makes_app = inputs.credential.vendor_app().is_none();
    if let Some(app) = findings.app.as_ref().filter(|_| makes_app) {
        if !is_ours(&app.tags) {
            return Err(PlanError::UniqueNameNotOurs {
                unique_name,
                app_id: app.app_id,
            });
        }
    }
    if let Some(other) = findings
        .same_name
        .iter()
        .filter(|_| makes_app)
        .find(|a| a.unique_name.as_deref() != Some(unique_name.as_str()))
    {
        return Err(PlanError::SameNameExists {
            display_name: inputs.app_display_name.trim().to_owned(),
            app_id: other.app_id,
            made_by_mailgrant: is_ours(&other.tags),
        });
    }
    let secrets: Vec<KeyId> = findings
        .app
        .iter()
        .flat_map(|a| &a.password_credentials)
        .filter(|p| {
            p.display_name
                .as_deref()
                .is_some_and(|n| n.starts_with(SECRET_PREFIX))
        })
        .map(|p| p.key_id)
        .collect();
    let existing = Existing {
        app: findings.app.as_ref().map(|a| a.id),
        app_id: findings.app.as_ref().map(|a| a.app_id),
        sp: findings.sp.as_ref().map(|s| s.id),
        secrets,
        mail_send_grant: findings.grants.iter().find(|g| g.is_mail_send()).cloned(),
        keys: findings
            .app
            .iter()
            .flat_map(|a| &a.key_credentials)
            .filter_map(|k| k.custom_key_identifier.clone())
            .collect(),
    };
    let shared = shared_mailbox_group(inputs, findings, &scope);
    let mut plan = rebuild(
        inputs.clone(),
        findings.mailbox.id,
        existing,
        options,
        shared.clone().unwrap_or(scope),
        tool_version,
    )?;
    if let Some(Scope {
        target: ScopeTarget::NewGroup { name, address },
        ..
    }) = &shared
    {
        plan.notices.push(format!(
            "{} looks like a shared mailbox (its account is disabled). Exchange does not accept a shared mailbox as the scope of an Application Access Policy (only user mailboxes, mail users and mail-enabled security groups), so the script creates the mail-enabled security group “{name}” ({address}) with the mailbox as its only member, and scopes the policy to it.",
            inputs.mailbox
        ));
    }
    Ok(plan)
}

/// Legacy mode, only this mailbox, and the mailbox is shared (`mailboxSettings/userPurpose`) or,
/// when that is not readable (an admin usually may not read another's mailbox settings), looks
/// shared (a disabled account with a mail address): the policy is scoped through a new mail-enabled security group with
/// the mailbox as its only member (`New-ApplicationAccessPolicy -PolicyScopeGroupId` takes
/// security principals only). A user mailbox misread as shared is served by the group too.
fn shared_mailbox_group(inputs: &Inputs, findings: &Findings, scope: &Scope) -> Option<Scope> {
    let m = &findings.mailbox;
    let shared = match findings.mailbox_kind {
        crate::op::MailboxKind::Shared => true,
        crate::op::MailboxKind::User | crate::op::MailboxKind::Other => false,
        crate::op::MailboxKind::Unknown => m.account_enabled == Some(false) && m.mail.is_some(),
    };
    if inputs.mode != ScopeMode::ApplicationAccessPolicy
        || scope.target != ScopeTarget::OneMailbox
        || !shared
    {
        return None;
    }
    let domain = inputs.mailbox.as_str().rsplit('@').next()?;
    let id = m.id.to_string();
    let address =
        crate::ids::SmtpAddress::parse(&format!("mailgrant-{}@{domain}", &id[..8])).ok()?;
    let name: String = format!("mailgrant {} senders", inputs.app_display_name.trim())
        .chars()
        .take(crate::powershell::MAX_EXCHANGE_NAME_CHARS)
        .collect();
    Some(Scope {
        target: ScopeTarget::NewGroup {
            name: DisplayText::parse(name.trim()).ok()?,
            address,
        },
        ..scope.clone()
    })
}

fn check_inputs(inputs: &Inputs) -> Result<(), PlanError> {
    if !(1..=MAX_SECRET_LIFETIME_DAYS).contains(&inputs.secret_lifetime_days) {
        return Err(PlanError::Lifetime {
            days: inputs.secret_lifetime_days,
        });
    }
    let name = inputs.app_display_name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(PlanError::DisplayName);
    }
    Ok(())
}

/// The plan for inputs whose findings are already summed up in `existing`: what [`build`]
/// makes, and what a resumed run makes again from its journal.
pub fn rebuild(
    inputs: Inputs,
    mailbox_id: ObjectId,
    existing: Existing,
    options: Options,
    scope: Scope,
    tool_version: &str,
) -> Result<Plan, PlanError> {
    check_inputs(&inputs)?;
    let name = inputs.app_display_name.trim().to_owned();
    let mut ops = vec![];
    let mut notices = vec![];
    let mut push = |kind, deps: &[OpId], why: String| {
        let id = ops.len();
        ops.push(Op {
            id,
            kind,
            deps: deps.to_vec(),
            why,
        });
        id
    };
    let aap = inputs.mode == ScopeMode::ApplicationAccessPolicy;
    let vendor_app = inputs.credential.vendor_app();
    if vendor_app.is_some() && aap {
        return Err(PlanError::VendorAppNeedsRbac);
    }
    let app = vendor_app.is_none().then(|| push(
        Kind::UPSERT_APP,
        &[],
        if existing.app.is_some() {
            "Update the app mailgrant made earlier for this mailbox (found by its uniqueName); nothing new is created.".into()
        } else {
            format!(
                "Register the app “{name}” for the vendor: single tenant, no sign-in addresses{}{}.",
                if aap { ", declaring Mail.Send" } else { "" },
                if matches!(inputs.credential, CredentialPlan::Certificate { .. }) {
                    ", with the vendor's certificate as its only credential"
                } else {
                    ""
                }
            )
        },
    ));
    let graph_sp = aap.then(|| {
        push(
            Kind::Read(Read::GraphServicePrincipal),
            &[],
            "Find Microsoft Graph in your tenant and its Mail.Send permission (checked against the documented id).".into(),
        )
    });
    let app_deps: Vec<OpId> = app.into_iter().collect();
    let sp = push(
        Kind::UPSERT_SP,
        &app_deps,
        match vendor_app {
            Some(id) if existing.sp.is_some() => format!("Use the vendor's own app (application id {id}), already in your tenant as an enterprise application (service principal), as it is: the page does not change it. Exchange Online refers to it. No app registration and no credential are made here."),
            Some(id) => format!("Create the vendor's own app (application id {id}, registered in the vendor's tenant) in your tenant as an enterprise application (service principal); Exchange Online refers to it. No app registration and no credential are made here."),
            None => "Create the app's identity in your tenant (service principal); Exchange Online and the grant refer to it.".into(),
        },
    );
    // RBAC mode: an unscoped Mail.Send grant on the app would let it send as every mailbox,
    // whatever Exchange's scope says. It is removed right after the service principal (the
    // removal reads it to check it is the app's), before any credential is made; kept, there
    // is no plan.
    let removal = match (&existing.mail_send_grant, aap) {
        (Some(g), false) if options.remove_unscoped_grant => Some(push(
            Kind::Write(Write::Remove(Removal::Grant {
                resource_id: g.resource_id,
                assignment_id: g.id.clone(),
                unscoped: true,
            })),
            &[sp],
            "Remove the app's unscoped Mail.Send grant: grants add up, so left in place it would let the app send as every mailbox.".into(),
        )),
        (Some(g), false) => {
            return Err(PlanError::UnscopedGrantKept {
                assignment_id: g.id.to_string(),
            })
        }
        _ => None,
    };
    let credential_deps: Vec<OpId> = app_deps.iter().copied().chain(removal).collect();
    match &inputs.credential {
        CredentialPlan::ClientSecret => {}
        CredentialPlan::Certificate {
            thumbprint,
            not_after,
            ..
        } => notices.push(format!(
            "No secret is made: the app gets the vendor's certificate (thumbprint {thumbprint}, valid until {}) in the write that creates it. The vendor keeps its private key.",
            // Its date part; by characters, since a journal's text may be anything.
            not_after.chars().take(10).collect::<String>()
        )),
        CredentialPlan::Federated {
            issuer, subject, ..
        } => {
            push(
                Kind::ADD_FEDERATED,
                &credential_deps,
                format!("Add a federated credential: tokens the vendor's sign-in service {issuer} issues for “{subject}” can sign in as the app. No secret exists."),
            );
        }
        CredentialPlan::MultiTenantApp { .. } => notices.push(
            "Nothing secret is made or handed over: the vendor keeps its own app's credential in its own tenant. You can revoke its access by deleting its enterprise application.".into(),
        ),
    }
    let secret = inputs.credential == CredentialPlan::ClientSecret;
    if secret && (existing.secrets.is_empty() || options.new_secret) {
        push(
            Kind::ADD_PASSWORD,
            &credential_deps,
            format!(
                "Create a client secret valid {} days for the vendor; it is shown to you once and never stored.",
                inputs.secret_lifetime_days
            ),
        );
    } else if secret {
        notices.push(format!(
            "The app already has {} secret(s) made by mailgrant; no new secret is added unless you ask for one.",
            existing.secrets.len()
        ));
    }
    if aap {
        notices.push("After the app, its service principal and its credential exist, the page stops and shows you the Exchange Online script. It grants Microsoft Graph's Mail.Send only after that script made the Application Access Policy and you typed the code it prints: the app never holds Mail.Send without the policy.".into());
        // The policy first: the grant waits for the script's code.
        let script = push(
            Kind::Wait(Wait::PolicyScript),
            &[sp],
            "Wait for you to run the Exchange Online script (the Application Access Policy) and type the code it prints after PASS: Mail.Send is granted only after that.".into(),
        );
        push(
            Kind::GRANT_MAIL_SEND,
            &[sp, graph_sp.unwrap_or(sp), script],
            "Grant Mail.Send (admin consent), now narrowed by the Application Access Policy your script made.".into(),
        );
    } else {
        let role = push(
            Kind::Read(Read::ExchangeRole),
            &[],
            "Find Exchange's “Application Mail.Send” role (Microsoft Graph beta; if it is not available, the script does the scoping).".into(),
        );
        let assign = push(
            Kind::ASSIGN_EXCHANGE_ROLE,
            &[sp, role],
            format!(
                "Assign that role to the app's service principal, scoped to {}: the app can send as no other mailbox.",
                match &scope.target {
                    ScopeTarget::OneMailbox => format!("the mailbox {}", inputs.mailbox),
                    ScopeTarget::ExistingGroup { address } | ScopeTarget::NewGroup { address, .. } =>
                        format!("the direct members of the group {address} (members of nested groups do not count)"),
                }
            ),
        );
        push(
            Kind::Read(Read::ExchangeAssignment),
            &[assign, role],
            "Read the role assignment back: it exists, with that role and that scope.".into(),
        );
    }
    Ok(Plan {
        unique_name: unique_name(&inputs.vendor, mailbox_id),
        inputs,
        mailbox_id,
        tool_version: tool_version.to_owned(),
        options,
        scope,
        existing,
        ops,
        notices,
    })
}

impl Plan {
    /// The job of a run of this plan.
    pub fn job(&self, run_id: Guid) -> Job {
        Job {
            inputs: self.inputs.clone(),
            run_id,
            tool_version: self.tool_version.clone(),
            options: self.options,
            existing: self.existing.clone(),
            mailbox_id: Some(self.mailbox_id),
            scope: self.scope.clone(),
        }
    }

    pub fn mode(&self) -> ScopeMode {
        self.inputs.mode
    }

    /// The Graph look-ups and writes happen in this many sequential rounds at best (a wait for
    /// the admin sends nothing, so it adds no round).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.ops.len()];
        for op in &self.ops {
            let before = op
                .deps
                .iter()
                .filter_map(|d| depth.get(*d))
                .max()
                .copied()
                .unwrap_or(0);
            depth[op.id] = usize::from(op.kind.sends()) + before;
        }
        depth.into_iter().max().unwrap_or(0)
    }
}
