//! Removals: an unscoped `Mail.Send` grant (RBAC mode's fix-up) and, for Undo, what this run
//! created (graph-facts A.4, A.6, A.11). Each is sent, then read until it is gone: a delete is
//! not done until every reader agrees. "Not found" on the delete means it is gone already.

use super::{Answer, Cx, Next, OpError, Operation, Outcome, Removal};
use crate::graph::apps::{self, Application, Assignment};
use crate::graph::credentials;
use crate::graph::exchange;
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};

pub struct Remove(pub Removal);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
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

impl Operation for Remove {
    type Step = Step;
    const FIRST: Step = Step::Remove;
    /// Deletes are idempotent: after a lost answer, delete again (not found = gone).
    const RECONCILE: Step = Step::Remove;

    fn request(&self, step: Step, cx: &Cx) -> Request {
        let sp = cx
            .facts
            .sp
            .or(cx.job.existing.sp)
            .unwrap_or(ObjectId::from_guid(Guid::from_bytes([0; 16])));
        match (&self.0, step) {
            (
                Removal::Grant {
                    resource_id,
                    assignment_id,
                    ..
                },
                Step::Remove,
            ) => apps::revoke(*resource_id, assignment_id),
            (Removal::Grant { .. }, Step::Confirm) => apps::list_assignments(sp),
            (Removal::Password { app, key_id }, Step::Remove) => {
                apps::remove_password(*app, *key_id)
            }
            (Removal::Password { app, .. }, Step::Confirm) => apps::get_app(*app),
            (Removal::ServicePrincipal { id }, Step::Remove) => apps::delete_sp(*id),
            (Removal::ServicePrincipal { id }, Step::Confirm) => apps::get_sp(*id),
            (Removal::App { id }, Step::Remove) => apps::delete_app(*id),
            (Removal::App { id }, Step::Confirm) => apps::get_app(*id),
            (Removal::ExchangeAssignment { id }, Step::Remove) => exchange::delete_assignment(*id),
            (Removal::ExchangeAssignment { id }, Step::Confirm) => exchange::get_assignment(*id),
            (Removal::FederatedCredential { app, name }, Step::Remove) => {
                credentials::delete_federated(*app, name)
            }
            (Removal::FederatedCredential { app, name }, Step::Confirm) => {
                credentials::get_federated(*app, name)
            }
        }
    }

    fn answer(&self, step: Step, answer: &Answer, _: &mut Cx) -> Next<Step> {
        match step {
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
