//! The app registration, upserted by its `uniqueName` (graph-facts A.2): `PATCH
//! /applications(uniqueName='…')` with `Prefer: create-if-missing` answers 201 with the app when
//! it made it, 204 without a body when it existed (then it is read back).

use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::apps::{self, Application};
use crate::graph::credentials;
use crate::graph::Request;
use crate::ids::{Guid, ObjectId};
use crate::job;

pub struct UpsertApp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Upsert,
    /// GET after a 204 (existed): its ids.
    ReadBack,
    /// After a lost answer: did the upsert happen?
    Reconcile,
}

fn unique_name(cx: &Cx) -> String {
    let mailbox = cx
        .job
        .mailbox_id
        .unwrap_or(ObjectId::from_guid(Guid::from_bytes([0; 16])));
    job::unique_name(&cx.job.inputs.vendor, mailbox)
}

/// Records the app's ids (and its secrets' names, to tell another run's secret from ours).
fn read(answer: &Answer, cx: &mut Cx, outcome: Outcome) -> Next<Step> {
    answer.read(|app: Application| {
        cx.facts.app = Some(app.id);
        cx.facts.app_id = Some(app.app_id);
        cx.facts.app_secrets = app
            .password_credentials
            .iter()
            .map(|p| (p.key_id, p.display_name.clone().unwrap_or_default()))
            .collect();
        Next::Done(outcome)
    })
}

/// The vendor's certificate for the app's `keyCredentials`, unless the app (as the preflight
/// found it) already holds it: a PATCH replaces the whole collection, so it is sent only when
/// the certificate is not there yet.
fn certificate_keys(cx: &Cx) -> Option<serde_json::Value> {
    let job::CredentialPlan::Certificate {
        key,
        thumbprint,
        not_before,
        not_after,
        ..
    } = &cx.job.inputs.credential
    else {
        return None;
    };
    if cx
        .job
        .existing
        .keys
        .iter()
        .any(|k| k == &thumbprint_id(thumbprint))
    {
        return None;
    }
    let name: String = format!("mailgrant {} certificate", cx.job.inputs.vendor)
        .chars()
        .take(90)
        .collect();
    Some(credentials::key_credentials(
        key, &name, not_before, not_after,
    ))
}

/// `customKeyIdentifier` as Graph sets it by default: the SHA-1 thumbprint's bytes, base64.
pub fn thumbprint_id(thumbprint_hex: &str) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..thumbprint_hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(thumbprint_hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An app that was not there at the preflight: this run's (Created) only if it carries this
/// run's mark (`mailgrant:run=…`, which the upsert writes) and no secret of another mailgrant run;
/// otherwise another run's, which this run stops at and never undoes.
///
/// `sent` says whether this run's upsert reached the app (then it wrote the mark itself, so only
/// another run's secret tells). Graph has no creation-only field, so one narrow race stays
/// undetectable: another run creates the app and, before that run adds its secret, this run's
/// upsert updates it.
fn claim(answer: &Answer, cx: &mut Cx, sent: bool) -> Next<Step> {
    let app = match answer.parse::<Application>() {
        Ok(app) => app,
        Err(e) => return Next::Fail(OpError::Unexpected(e)),
    };
    let ours = cx.job.secret_name();
    let marked = app.tags.contains(&cx.job.run_tag());
    let others_secret = app.password_credentials.iter().any(|p| {
        p.display_name
            .as_deref()
            .is_some_and(|n| n.starts_with(job::SECRET_PREFIX) && n != ours)
    });
    if marked && !others_secret {
        read(answer, cx, Outcome::Created)
    } else {
        Next::Fail(OpError::Foreign {
            what: "app registration",
            unique_name: unique_name(cx),
            changed: sent || marked,
        })
    }
}

impl Operation for UpsertApp {
    type Step = Step;
    const FIRST: Step = Step::Upsert;
    const RECONCILE: Step = Step::Reconcile;

    fn request(&self, step: Step, cx: &Cx) -> Request {
        match step {
            Step::Upsert => {
                let mut body = apps::app_body(
                    cx.job.inputs.app_display_name.trim(),
                    cx.job.aap(),
                    &cx.job.notes(),
                    &cx.job.tags(),
                );
                if let Some(keys) = certificate_keys(cx) {
                    body["keyCredentials"] = keys;
                }
                apps::upsert_app(&unique_name(cx), body)
            }
            Step::ReadBack | Step::Reconcile => apps::get_app_by_unique_name(&unique_name(cx)),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        let existed = cx.job.existing.app.is_some();
        match step {
            Step::Upsert => match answer.status() {
                201 => read(answer, cx, Outcome::Created),
                204 => Next::Send(Step::ReadBack),
                _ => Next::Fail(OpError::Unexpected(answer.error())),
            },
            // Upserted (204) but not readable yet: the app was created moments ago (e.g. by an
            // upsert whose answer was lost) and has not replicated to this reader.
            Step::ReadBack if answer.lag() => Next::Lag {
                what: "app registration",
                poll: Step::ReadBack,
            },
            // 204: it existed before this request — there at the preflight, or made by this
            // run itself (an earlier upsert whose answer was lost, or the same request replayed
            // by the browser's network stack after a dropped connection), or by another run.
            Step::ReadBack if existed => read(answer, cx, Outcome::Existing),
            Step::ReadBack => claim(answer, cx, true),
            // The lost upsert did not happen: send it.
            Step::Reconcile if answer.lag() => Next::Send(Step::Upsert),
            Step::Reconcile if existed => read(answer, cx, Outcome::Existing),
            Step::Reconcile => claim(answer, cx, false),
        }
    }
}
