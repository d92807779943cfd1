//! The app's service principal, upserted by `appId` (graph-facts A.3). Right after the app was
//! created it can be refused with `NoBackingApplicationObject` (replication): the app is polled
//! until readable, then the upsert is sent again.

use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::apps::{self, ServicePrincipal};
use crate::graph::Request;
use crate::ids::{ClientId, Guid, ObjectId};

pub struct UpsertSp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Upsert,
    /// GET after a 204 (existed): its id.
    ReadBack,
    /// Replication: GET the app until it is readable, then upsert again.
    WaitForApp,
    /// After a lost answer: did the upsert happen?
    Reconcile,
}

const NIL: Guid = Guid::from_bytes([0; 16]);

fn read(answer: &Answer, cx: &mut Cx, outcome: Outcome) -> Next<Step> {
    answer.read(|sp: ServicePrincipal| {
        cx.facts.sp = Some(sp.id);
        Next::Done(outcome)
    })
}

impl Operation for UpsertSp {
    type Step = Step;
    const FIRST: Step = Step::Upsert;
    const RECONCILE: Step = Step::Reconcile;

    /// The vendor's own app already in this tenant (found at the preflight): its service
    /// principal is not the page's, so it is used as it is and never patched. An upsert would
    /// replace its whole `tags` collection (serviceprincipal-upsert: "updates the
    /// servicePrincipal object and returns a 204"), dropping the tenant's own tags.
    fn start(&self, cx: &mut Cx) -> Next<Step> {
        match (cx.job.inputs.credential.vendor_app(), cx.job.existing.sp) {
            (Some(_), Some(sp)) => {
                cx.facts.sp = Some(sp);
                Next::Done(Outcome::Existing)
            }
            _ => Next::Send(Step::Upsert),
        }
    }

    fn request(&self, step: Step, cx: &Cx) -> Request {
        // The vendor's own multi-tenant app: its id is the vendor's, and its name stays.
        let vendor_app = cx.job.inputs.credential.vendor_app();
        let app_id = vendor_app
            .or(cx.facts.app_id)
            .unwrap_or(ClientId::from_guid(NIL));
        match step {
            Step::Upsert => apps::upsert_sp(
                app_id,
                vendor_app
                    .is_none()
                    .then(|| cx.job.inputs.app_display_name.trim()),
                &cx.job.tags(),
            ),
            Step::WaitForApp => apps::get_app(cx.facts.app.unwrap_or(ObjectId::from_guid(NIL))),
            Step::ReadBack | Step::Reconcile => apps::get_sp_by_app_id(app_id),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        let app_is_new = cx.job.existing.app.is_none();
        match step {
            Step::Upsert => match answer.status() {
                201 => read(answer, cx, Outcome::Created),
                204 => Next::Send(Step::ReadBack),
                // The vendor's app is not in this tenant's reach (unknown, or single-tenant).
                400 | 404 if cx.job.inputs.credential.vendor_app().is_some() => {
                    Next::Fail(OpError::VendorApp {
                        app_id: cx
                            .job
                            .inputs
                            .credential
                            .vendor_app()
                            .unwrap_or(ClientId::from_guid(NIL)),
                        graph: answer.error(),
                    })
                }
                _ if answer.lag() && app_is_new => Next::Lag {
                    what: "app registration",
                    poll: Step::WaitForApp,
                },
                _ => Next::Fail(OpError::Unexpected(answer.error())),
            },
            // Upserted but not readable yet.
            Step::ReadBack if answer.lag() => Next::Lag {
                what: "service principal",
                poll: Step::ReadBack,
            },
            Step::ReadBack => read(answer, cx, Outcome::Existing),
            Step::WaitForApp if answer.ok() => Next::Send(Step::Upsert),
            Step::WaitForApp if answer.lag() => Next::Lag {
                what: "app registration",
                poll: Step::WaitForApp,
            },
            Step::WaitForApp => Next::Fail(OpError::Unexpected(answer.error())),
            Step::Reconcile if answer.lag() => Next::Send(Step::Upsert),
            Step::Reconcile => {
                let outcome = if cx.job.existing.sp.is_some() {
                    Outcome::Existing
                } else {
                    Outcome::Created
                };
                read(answer, cx, outcome)
            }
        }
    }
}
