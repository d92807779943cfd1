//! Removals: an unscoped `Mail.Send` grant (RBAC mode's fix-up) and, for Undo, what this run
//! created (graph-facts A.4, A.6, A.11). Each is read first and deleted only if it is what the
//! run says (below), then read until it is gone: a delete is not done until every reader
//! agrees. "Not found" on the delete means it is gone already.
//!
//! The ids come from the run's facts, which a reload reads back from the tab's sessionStorage.
//! Anything on the page's origin can write there, so before a delete the object itself must
//! show it is this run's: the app and the service principal carry `mailgrant:run=<run id>`, a
//! secret this run's name on an app mailgrant made, a federated credential this run's name in
//! its description, a grant or an Exchange role assignment the run's service principal.

use super::{Answer, Cx, Next, OpError, Operation, Outcome, Removal};
use crate::graph::apps::{self, Application, Assignment, ServicePrincipal};
use crate::graph::credentials::{self, Federated};
use crate::graph::exchange::{self, RoleAssignment};
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};
use crate::job::is_ours;

pub struct Remove(pub Removal);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A grant's or an Exchange role assignment's: GET the service principal they are read
    /// from; it must be this run's (its run tag) or the vendor's own app's, before it vouches
    /// for them. The other removals read their object at once (as `Own`).
    OwnSp,
    /// GET: is it there, and is it this run's?
    Own,
    Remove,
    /// GET until it is gone.
    Confirm,
}

impl Remove {
    /// The read that shows it is gone: `Some(true)` gone, `Some(false)` still there.
    fn gone(&self, answer: &Answer) -> Option<bool> {
        if answer.lag() {
            return Some(true);
        }
        match &self.0 {
            Removal::Password { key_id, .. } => answer
                .parse::<Application>()
                .ok()
                .map(|a| a.password_credentials.iter().all(|p| p.key_id != *key_id)),
            Removal::Grant { assignment_id, .. } => answer
                .parse_list::<Assignment>()
                .ok()
                .map(|l| l.iter().all(|a| &a.id != assignment_id)),
            Removal::ServicePrincipal { .. }
            | Removal::App { .. }
            | Removal::ExchangeAssignment { .. }
            | Removal::FederatedCredential { .. } => answer.ok().then_some(false),
        }
    }
}

impl Removal {
    /// What it removes, for an explanation.
    pub fn what(&self) -> &'static str {
        match self {
            Removal::Grant { .. } => "Mail.Send grant",
            Removal::Password { .. } => "client secret",
            Removal::ServicePrincipal { .. } => "service principal",
            Removal::App { .. } => "app registration",
            Removal::ExchangeAssignment { .. } => "Exchange role assignment",
            Removal::FederatedCredential { .. } => "federated credential",
        }
    }
}

impl Remove {
    /// Whether this removal's owner is the run's service principal (checked first, `OwnSp`).
    fn through_sp(&self) -> bool {
        matches!(
            self.0,
            Removal::Grant { .. } | Removal::ExchangeAssignment { .. }
        )
    }

    /// The service principal read shows it is this run's (its run tag, which this run's upsert
    /// wrote), or the vendor's own app's (used as it is).
    fn sp_owned(answer: &Answer, cx: &Cx) -> bool {
        answer.parse::<ServicePrincipal>().is_ok_and(|s| {
            s.tags.contains(&cx.job.run_tag())
                || (s.app_id.is_some() && s.app_id == cx.job.inputs.credential.vendor_app())
        })
    }

    /// Whether the object read shows it is the one this run's facts name (`Own`'s answer).
    fn owned(&self, answer: &Answer, cx: &Cx) -> bool {
        let sp = cx.facts.sp.or(cx.job.existing.sp);
        let run_tag = cx.job.run_tag();
        match &self.0 {
            Removal::App { .. } => answer
                .parse::<Application>()
                .is_ok_and(|a| a.tags.contains(&run_tag)),
            Removal::ServicePrincipal { .. } => answer
                .parse::<ServicePrincipal>()
                .is_ok_and(|s| s.tags.contains(&run_tag)),
            Removal::Password { key_id, .. } => answer.parse::<Application>().is_ok_and(|a| {
                let name = cx.job.secret_name();
                is_ours(&a.tags)
                    && a.password_credentials
                        .iter()
                        .any(|p| p.key_id == *key_id && p.display_name.as_deref() == Some(&name))
            }),
            Removal::FederatedCredential { .. } => {
                let run = cx.job.run_id.to_string();
                answer
                    .parse::<Federated>()
                    .is_ok_and(|f| f.description.is_some_and(|d| d.contains(&run)))
            }
            Removal::ExchangeAssignment { .. } => answer.parse::<RoleAssignment>().is_ok_and(|a| {
                sp.is_some_and(|sp| {
                    a.principal_id
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case(&exchange::principal(sp)))
                })
            }),
            // Read from the app's service principal: its own grant, of Mail.Send.
            Removal::Grant { assignment_id, .. } => {
                answer.parse_list::<Assignment>().is_ok_and(|l| {
                    l.iter()
                        .any(|a| &a.id == assignment_id && a.is_mail_send() && a.principal_id == sp)
                })
            }
        }
    }

    /// Gone already: nothing to check, and a delete finds nothing.
    fn absent(&self, answer: &Answer) -> bool {
        match &self.0 {
            // A list: the grant is absent when it is not in it.
            Removal::Grant { assignment_id, .. } => answer
                .parse_list::<Assignment>()
                .is_ok_and(|l| l.iter().all(|a| &a.id != assignment_id)),
            // A secret is absent when the app is, or it is not on it.
            Removal::Password { key_id, .. } => {
                answer.status() == 404
                    || answer
                        .parse::<Application>()
                        .is_ok_and(|a| a.password_credentials.iter().all(|p| p.key_id != *key_id))
            }
            _ => answer.status() == 404,
        }
    }
}

impl Operation for Remove {
    type Step = Step;
    const FIRST: Step = Step::OwnSp;
    /// Deletes are idempotent: after a lost answer, read and delete again (not found = gone).
    const RECONCILE: Step = Step::OwnSp;

    fn writes(&self, step: Step) -> bool {
        step == Step::Remove
    }

    fn request(&self, step: Step, cx: &Cx) -> Request {
        let sp = cx
            .facts
            .sp
            .or(cx.job.existing.sp)
            .unwrap_or(ObjectId::from_guid(Guid::from_bytes([0; 16])));
        if step == Step::OwnSp && self.through_sp() {
            return apps::get_sp(sp);
        }
        match (&self.0, step) {
            (
                Removal::Grant {
                    resource_id,
                    assignment_id,
                    ..
                },
                Step::Remove,
            ) => apps::revoke(*resource_id, assignment_id),
            (Removal::Grant { .. }, _) => apps::list_assignments(sp),
            (Removal::Password { app, key_id }, Step::Remove) => {
                apps::remove_password(*app, *key_id)
            }
            (Removal::Password { app, .. }, _) => apps::get_app(*app),
            (Removal::ServicePrincipal { id }, Step::Remove) => apps::delete_sp(*id),
            (Removal::ServicePrincipal { id }, _) => apps::get_sp(*id),
            (Removal::App { id }, Step::Remove) => apps::delete_app(*id),
            (Removal::App { id }, _) => apps::get_app(*id),
            (Removal::ExchangeAssignment { id }, Step::Remove) => exchange::delete_assignment(*id),
            (Removal::ExchangeAssignment { id }, _) => exchange::get_assignment(*id),
            (Removal::FederatedCredential { app, name }, Step::Remove) => {
                credentials::delete_federated(*app, name)
            }
            (Removal::FederatedCredential { app, name }, _) => {
                credentials::get_federated(*app, name)
            }
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        match step {
            // The service principal is gone: so is what hangs on it.
            Step::OwnSp if self.through_sp() && answer.status() == 404 => Next::Done(Outcome::Done),
            Step::OwnSp if self.through_sp() && Self::sp_owned(answer, cx) => Next::Send(Step::Own),
            Step::OwnSp if self.through_sp() && answer.ok() => Next::Fail(OpError::NotThisRuns {
                what: "service principal",
            }),
            Step::OwnSp if self.through_sp() => Next::Fail(OpError::Unexpected(answer.error())),
            // Not there: gone already (a lost delete's, or never made); nothing is sent to an
            // id the read did not vouch for.
            Step::Own | Step::OwnSp if answer.status() == 404 || self.absent(answer) => {
                Next::Done(Outcome::Done)
            }
            Step::Own | Step::OwnSp if self.owned(answer, cx) => Next::Send(Step::Remove),
            Step::Own | Step::OwnSp if answer.ok() => Next::Fail(OpError::NotThisRuns {
                what: self.0.what(),
            }),
            Step::Own | Step::OwnSp => Next::Fail(OpError::Unexpected(answer.error())),
            Step::Remove if answer.ok() || answer.lag() => Next::Send(Step::Confirm),
            Step::Remove => Next::Fail(OpError::Unexpected(answer.error())),
            Step::Confirm => match self.gone(answer) {
                Some(true) => Next::Done(Outcome::Done),
                Some(false) => Next::Lag {
                    what: "deletion",
                    poll: Step::Confirm,
                },
                None => Next::Fail(OpError::Unexpected(answer.error())),
            },
        }
    }
}
