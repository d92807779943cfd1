//! RBAC for Applications, done by the page through Microsoft Graph **beta**
//! (`graph::exchange`): find Exchange's `Application Mail.Send` role, then assign it to the app's
//! service principal, scoped to the mailbox (`/Users/{id}`) or a group's direct members
//! (`/Groups/{id}`), finding an existing identical assignment first (never two).
//!
//! Both are optional: a refusal of the beta endpoint (403, 400/404/501, an unknown shape)
//! records a [`Fallback`] and the run goes on; the PowerShell script then makes the scope. The
//! docs give no error answers for this provider: "Couldn't find object" while a new service
//! principal reaches Exchange is what peers report (CLI for Microsoft 365, CopilotWatchTower),
//! and is treated as replication lag.

use super::facts::Fallback;
use super::reads::Get;
use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::exchange::{self, RoleAssignment, RolePage, MAIL_SEND_ROLE_NAME};
use crate::graph::failure::Failure;
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};
use crate::powershell::ScopeTarget;

const NIL: Guid = Guid::from_bytes([0; 16]);

/// The fallback an answer that is not a success stands for.
fn fallback(answer: &Answer) -> Fallback {
    match answer.failure() {
        Some(Failure::Denied) => Fallback::Forbidden,
        None => Fallback::Unreadable,
        Some(_) => Fallback::Unavailable {
            status: answer.status(),
        },
    }
}

/// Records why, and ends the operation without failing the run.
fn fall_back<S>(cx: &mut Cx, why: Fallback) -> Next<S> {
    cx.facts.exchange_fallback.get_or_insert(why);
    Next::Done(Outcome::Skipped)
}

/// The directory scope of the role assignment, for the plan's scope.
pub(super) fn directory_scope(cx: &Cx) -> Option<String> {
    match &cx.job.scope.target {
        ScopeTarget::OneMailbox => cx.job.mailbox_id.map(exchange::user_scope),
        ScopeTarget::ExistingGroup { .. } | ScopeTarget::NewGroup { .. } => {
            cx.job.scope.group_id.map(exchange::group_scope)
        }
    }
}

/// Exchange's `Application Mail.Send` role definition.
pub struct FindRole;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindStep {
    /// `$filter=displayName eq 'Application Mail.Send'`.
    Filtered,
    /// Every definition, page by page (the filter is documented only generically).
    All,
    /// The page at `found.next_page`.
    Next,
}

impl Operation for FindRole {
    type Step = FindStep;
    const FIRST: FindStep = FindStep::Filtered;
    const RECONCILE: FindStep = FindStep::Filtered;
    const OPTIONAL: bool = true;

    fn writes(&self, _: FindStep) -> bool {
        false
    }

    fn request(&self, step: FindStep, cx: &Cx) -> Request {
        match step {
            FindStep::Filtered => exchange::find_role(MAIL_SEND_ROLE_NAME),
            FindStep::All => exchange::all_roles(),
            FindStep::Next => cx
                .facts
                .found
                .next_page
                .as_deref()
                .and_then(exchange::next_page)
                .unwrap_or_else(exchange::all_roles),
        }
    }

    fn answer(&self, step: FindStep, answer: &Answer, cx: &mut Cx) -> Next<FindStep> {
        let Ok(page) = answer.parse::<RolePage>() else {
            return fall_back(cx, fallback(answer));
        };
        if let Some(role) = page
            .value
            .iter()
            .find(|r| r.display_name.as_deref() == Some(MAIL_SEND_ROLE_NAME))
        {
            cx.facts.exchange_role = Some(role.id);
            return Next::Done(Outcome::Done);
        }
        match (step, page.next_link) {
            (FindStep::Filtered, _) => Next::Send(FindStep::All),
            (_, Some(link)) if exchange::next_page(&link).is_some() => {
                cx.facts.found.next_page = Some(link);
                Next::Send(FindStep::Next)
            }
            _ => fall_back(cx, Fallback::NoRole),
        }
    }
}

/// The role assignment that scopes the app.
pub struct Assign;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignStep {
    /// The service principal's assignments: an identical one is reused (never two). Skipped
    /// for a service principal this run made (it can hold none yet).
    Find,
    Create,
}

impl Operation for Assign {
    type Step = AssignStep;
    const FIRST: AssignStep = AssignStep::Find;
    /// After a lost answer: look for it before creating it again.
    const RECONCILE: AssignStep = AssignStep::Find;
    const OPTIONAL: bool = true;

    fn start(&self, cx: &mut Cx) -> Next<AssignStep> {
        if cx.facts.exchange_role.is_none() {
            // The role read fell back (and said why).
            return Next::Done(Outcome::Skipped);
        }
        if directory_scope(cx).is_none() {
            return fall_back(cx, Fallback::NoGroup);
        }
        if cx.job.existing.sp.is_some() {
            Next::Send(AssignStep::Find)
        } else {
            Next::Send(AssignStep::Create)
        }
    }

    fn writes(&self, step: AssignStep) -> bool {
        step == AssignStep::Create
    }

    fn request(&self, step: AssignStep, cx: &Cx) -> Request {
        let sp = cx.facts.sp.unwrap_or(ObjectId::from_guid(NIL));
        match step {
            AssignStep::Find => exchange::assignments_of(sp),
            AssignStep::Create => exchange::assign(
                sp,
                cx.facts.exchange_role.unwrap_or(NIL),
                &directory_scope(cx).unwrap_or_default(),
            ),
        }
    }

    fn answer(&self, step: AssignStep, answer: &Answer, cx: &mut Cx) -> Next<AssignStep> {
        let lag = Next::Lag {
            what: "service principal in Exchange",
            poll: step,
        };
        match step {
            AssignStep::Find if answer.ok() => {
                let Ok(list) = answer.parse_list::<RoleAssignment>() else {
                    return fall_back(cx, Fallback::Unreadable);
                };
                let role = cx.facts.exchange_role.unwrap_or(NIL);
                let scope = directory_scope(cx).unwrap_or_default();
                // Role assignments add up: one over another scope (an earlier setup for another
                // group, or an administrator's) would let the app send as those mailboxes too,
                // whatever this run assigns. The page did not make it, so it does not remove it.
                let wider: Vec<String> = list
                    .iter()
                    .filter(|a| a.gives(role) && !a.is(role, &scope))
                    .map(RoleAssignment::scope_text)
                    .collect();
                if !wider.is_empty() {
                    return Next::Fail(OpError::WiderExchangeScope { scopes: wider });
                }
                match list.iter().find(|a| a.is(role, &scope)) {
                    Some(a) => {
                        cx.facts.exchange_assignment = Some(a.id);
                        Next::Done(if cx.unknown {
                            Outcome::Created
                        } else {
                            Outcome::Existing
                        })
                    }
                    None => Next::Send(AssignStep::Create),
                }
            }
            AssignStep::Find if answer.lag() => lag,
            AssignStep::Find => fall_back(cx, fallback(answer)),
            AssignStep::Create if answer.ok() => match answer.parse::<RoleAssignment>() {
                Ok(a) => {
                    cx.facts.exchange_assignment = Some(a.id);
                    Next::Done(Outcome::Created)
                }
                // Made, but unreadable: find it.
                Err(_) => Next::Unknown(AssignStep::Find),
            },
            // An identical assignment exists (peers see 409): find it.
            AssignStep::Create if answer.status() == 409 => Next::Send(AssignStep::Find),
            AssignStep::Create if answer.lag() => lag,
            AssignStep::Create if answer.status() >= 500 => Next::Unknown(AssignStep::Find),
            // Refused: nothing was made.
            AssignStep::Create => fall_back(cx, fallback(answer)),
        }
    }
}

/// Reads the assignment back: it exists, with the role and the scope asked for.
pub struct Verify;

impl Operation for Verify {
    type Step = Get;
    const FIRST: Get = Get;
    const RECONCILE: Get = Get;
    const OPTIONAL: bool = true;

    fn start(&self, cx: &mut Cx) -> Next<Get> {
        match cx.facts.exchange_assignment {
            Some(_) => Next::Send(Get),
            None => Next::Done(Outcome::Skipped),
        }
    }

    fn writes(&self, _: Get) -> bool {
        false
    }

    fn request(&self, _: Get, cx: &Cx) -> Request {
        exchange::get_assignment(cx.facts.exchange_assignment.unwrap_or(NIL))
    }

    fn answer(&self, _: Get, answer: &Answer, cx: &mut Cx) -> Next<Get> {
        if answer.lag() {
            return Next::Lag {
                what: "Exchange role assignment",
                poll: Get,
            };
        }
        let role = cx.facts.exchange_role.unwrap_or(NIL);
        let scope = directory_scope(cx).unwrap_or_default();
        match answer.parse::<RoleAssignment>() {
            Ok(a) if a.is(role, &scope) => Next::Done(Outcome::Done),
            // Another scope than asked: this run's own assignment, so it stays in the facts and
            // Undo removes it; nothing is handed off over it.
            Ok(a) if a.gives(role) => Next::Fail(OpError::WiderExchangeScope {
                scopes: vec![a.scope_text()],
            }),
            // Another role than asked: the page does not trust it; the script checks.
            Ok(_) => {
                cx.facts.exchange_assignment = None;
                fall_back(cx, Fallback::Unreadable)
            }
            Err(_) => fall_back(cx, fallback(answer)),
        }
    }
}
