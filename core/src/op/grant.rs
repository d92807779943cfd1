//! Microsoft Graph's `Mail.Send` application permission for the app's service principal (admin
//! consent): `POST /servicePrincipals/{Graph}/appRoleAssignedTo` (graph-facts A.6). A duplicate
//! answers 400 "Permission being assigned already exists on the object": then it is looked up.

use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::apps::{self, Assignment};
use crate::graph::failure::Failure;
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};

pub struct Grant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Grant,
    /// Replication: GET the service principal until it is readable, then grant again.
    WaitForSp,
    /// After "already exists": find it.
    Find,
    /// After a lost (or unreadable) answer: did the grant happen?
    Reconcile,
}

const NIL: ObjectId = ObjectId::from_guid(Guid::from_bytes([0; 16]));

fn sp(cx: &Cx) -> ObjectId {
    cx.facts.sp.or(cx.job.existing.sp).unwrap_or(NIL)
}

impl Operation for Grant {
    type Step = Step;
    const FIRST: Step = Step::Grant;
    const RECONCILE: Step = Step::Reconcile;

    fn request(&self, step: Step, cx: &Cx) -> Request {
        match step {
            Step::Grant => apps::grant(
                cx.facts.graph_sp.unwrap_or(NIL),
                sp(cx),
                cx.facts
                    .mail_send_role
                    .unwrap_or_else(apps::mail_send_role_id),
            ),
            Step::WaitForSp => apps::get_sp(sp(cx)),
            Step::Find | Step::Reconcile => apps::list_assignments(sp(cx)),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        let sp_is_new = cx.job.existing.sp.is_none();
        match step {
            Step::Grant if answer.ok() => match answer.parse::<Assignment>() {
                Ok(a) => {
                    cx.facts.grant_id = Some(a.id);
                    Next::Done(Outcome::Created)
                }
                // Granted, but unreadable: look it up.
                Err(_) => Next::Unknown(Step::Reconcile),
            },
            Step::Grant => match answer.failure() {
                Some(Failure::AlreadyExists) => Next::Send(Step::Find),
                _ if answer.lag() && sp_is_new => Next::Lag {
                    what: "service principal",
                    poll: Step::WaitForSp,
                },
                _ => Next::Fail(OpError::Unexpected(answer.error())),
            },
            Step::WaitForSp if answer.ok() => Next::Send(Step::Grant),
            Step::WaitForSp if answer.lag() => Next::Lag {
                what: "service principal",
                poll: Step::WaitForSp,
            },
            Step::WaitForSp => Next::Fail(OpError::Unexpected(answer.error())),
            Step::Find | Step::Reconcile => match answer.parse_list::<Assignment>() {
                Ok(list) => {
                    let graph_sp = cx.facts.graph_sp;
                    let found = list
                        .into_iter()
                        .find(|a| a.is_mail_send() && Some(a.resource_id) == graph_sp);
                    match found {
                        Some(a) => {
                            cx.facts.grant_id = Some(a.id);
                            let outcome = if cx.unknown && cx.job.existing.mail_send_grant.is_none()
                            {
                                Outcome::Created
                            } else {
                                Outcome::Existing
                            };
                            Next::Done(outcome)
                        }
                        None if step == Step::Reconcile => Next::Send(Step::Grant),
                        None => Next::Lag {
                            what: "Mail.Send grant",
                            poll: Step::Find,
                        },
                    }
                }
                Err(_) if answer.lag() => Next::Lag {
                    what: "service principal",
                    poll: Step::WaitForSp,
                },
                Err(e) => Next::Fail(OpError::Unexpected(e)),
            },
        }
    }
}
