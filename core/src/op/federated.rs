//! The federated identity credential: upserted by its name (`Prefer: create-if-missing`: 201
//! made, 204 there already), so a re-run never adds a second one. Right after the app was made
//! the app can be unknown to the reader (replication): polled, then sent again. Its
//! `description` names the run only when this run makes it, which tells after a lost answer
//! whether this run made it. On an app that existed before the run, the credential is read
//! first: one already there (an earlier run's) is kept, or updated without this run's name, so
//! Undo never takes it for this run's.

use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::credentials::{self, Federated};
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};
use crate::job::CredentialPlan;

pub struct AddFederated;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The app existed: is a credential of this name there already?
    Check,
    /// Made by this run (its description names the run).
    Upsert,
    /// One was there with another issuer or subject: updated, not named this run's.
    Update,
    /// After a lost answer: is it there, and is it this run's?
    Reconcile,
}

const NIL: Guid = Guid::from_bytes([0; 16]);

fn description(cx: &Cx) -> String {
    format!(
        "Made by mailgrant run {} for {}: the vendor's tokens for this subject stand in for a secret.",
        cx.job.run_id, cx.job.inputs.vendor
    )
}

/// The description of one this run did not make.
fn kept_description(cx: &Cx) -> String {
    format!(
        "Made by mailgrant for {}: the vendor's tokens for this subject stand in for a secret.",
        cx.job.inputs.vendor
    )
}

impl Operation for AddFederated {
    type Step = Step;
    const FIRST: Step = Step::Upsert;
    const RECONCILE: Step = Step::Reconcile;

    fn start(&self, cx: &mut Cx) -> Next<Step> {
        if cx.job.existing.app.is_some() {
            Next::Send(Step::Check)
        } else {
            Next::Send(Step::Upsert)
        }
    }

    fn writes(&self, step: Step) -> bool {
        matches!(step, Step::Upsert | Step::Update)
    }

    fn request(&self, step: Step, cx: &Cx) -> Request {
        let app = cx.facts.app.unwrap_or(ObjectId::from_guid(NIL));
        let name = cx.job.federated_name();
        match (step, &cx.job.inputs.credential) {
            (
                Step::Upsert | Step::Update,
                CredentialPlan::Federated {
                    issuer,
                    subject,
                    audience,
                },
            ) => credentials::upsert_federated(
                app,
                &name,
                issuer,
                subject,
                audience,
                &if step == Step::Upsert {
                    description(cx)
                } else {
                    kept_description(cx)
                },
            ),
            _ => credentials::get_federated(app, &name),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        match step {
            Step::Check if answer.status() == 404 => Next::Send(Step::Upsert),
            Step::Check => answer.read(|f: Federated| {
                let same = match &cx.job.inputs.credential {
                    CredentialPlan::Federated {
                        issuer,
                        subject,
                        audience,
                    } => {
                        f.issuer.as_deref() == Some(issuer.as_str())
                            && f.subject.as_deref() == Some(subject.as_str())
                            && f.audiences == [audience.as_str()]
                    }
                    _ => true,
                };
                if same {
                    Next::Done(Outcome::Existing)
                } else {
                    Next::Send(Step::Update)
                }
            }),
            // A 201 (it went meanwhile, and was made again) carries no run's name either: Undo
            // leaves it, as it leaves the one it replaced.
            Step::Update if answer.ok() => Next::Done(Outcome::Existing),
            Step::Update => Next::Fail(OpError::Unexpected(answer.error())),
            Step::Upsert => match answer.status() {
                201 => {
                    cx.facts.federated = Some(cx.job.federated_name());
                    Next::Done(Outcome::Created)
                }
                // One of this name was there: made by an earlier run for this vendor, or by this
                // run's own upsert whose answer was lost (the description tells).
                204 if cx.unknown => Next::Send(Step::Reconcile),
                204 => Next::Done(Outcome::Existing),
                _ if answer.lag() => Next::Lag {
                    what: "app registration",
                    poll: Step::Upsert,
                },
                _ => Next::Fail(OpError::Unexpected(answer.error())),
            },
            Step::Reconcile if answer.lag() => Next::Send(Step::Upsert),
            Step::Reconcile => answer.read(|f: Federated| {
                let run = cx.job.run_id.to_string();
                if f.description.is_some_and(|d| d.contains(&run)) {
                    cx.facts.federated = Some(f.name);
                    Next::Done(Outcome::Created)
                } else {
                    Next::Done(Outcome::Existing)
                }
            }),
        }
    }
}
