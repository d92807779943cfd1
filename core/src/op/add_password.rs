//! The client secret: `addPassword` (graph-facts A.4). Its text arrives once, in this answer, and
//! goes straight into a [`crate::secret::ClientSecret`] in memory.
//!
//! A secret this run made whose text the admin never saw (a lost answer, a reload before the
//! hand-off) is removed before a new one is made: secrets are named for their run
//! ([`crate::job::Job::secret_name`]), so the reconcile and the sweep after a lost answer find
//! them. A tenant policy that caps the lifetime lowers it once and says so.

use super::{Answer, Cx, Facts, Next, OpError, Operation, Outcome};
use crate::graph::apps::{self, Application, NewPasswordAnswer};
use crate::graph::failure::Failure;
use crate::graph::Request;
use crate::ids::{Guid, KeyId, ObjectId};
use crate::job::SECRET_PREFIX;
use crate::time::UtcDateTime;

pub struct AddPassword;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Add,
    /// Replication: GET the app until it is readable, then add again.
    WaitForApp,
    /// Remove the first of the lost secrets.
    RemoveLost,
    /// After a new secret that followed a lost answer: look once more for older lost ones
    /// (replication may have hidden them from the reconcile).
    Sweep,
    /// After a lost answer: which secrets named for this run exist?
    Reconcile,
}

const NIL: Guid = Guid::from_bytes([0; 16]);

/// The next shorter standard lifetime.
fn step_down(days: u32) -> u32 {
    [365, 180, 90, 30, 7, 1]
        .into_iter()
        .find(|&d| d < days)
        .unwrap_or(1)
}

fn days(cx: &Cx) -> u32 {
    cx.facts
        .secret_lifetime_days
        .unwrap_or(cx.job.inputs.secret_lifetime_days)
}

/// The app (read while upserting it) already has a mailgrant secret from another run.
fn keeps_existing_secret(cx: &Cx) -> bool {
    let ours = cx.job.secret_name();
    !cx.job.options.new_secret
        && cx
            .facts
            .app_secrets
            .iter()
            .any(|(_, n)| n.starts_with(SECRET_PREFIX) && *n != ours)
}

/// Secrets named for this run on `app`, other than `keep`, not already removed.
fn lost(app: &Application, cx: &Cx, keep: Option<KeyId>) -> Vec<KeyId> {
    let ours = cx.job.secret_name();
    app.password_credentials
        .iter()
        .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
        .map(|p| p.key_id)
        .filter(|k| Some(*k) != keep && !cx.facts.removed_keys.contains(k))
        .collect()
}

/// Removes the next lost secret, or goes on.
fn after_sweep(cx: &mut Cx, found: Vec<KeyId>, then: Next<Step>) -> Next<Step> {
    cx.facts.lost_keys.extend(found);
    if cx.facts.lost_keys.is_empty() {
        then
    } else {
        Next::Send(Step::RemoveLost)
    }
}

impl Operation for AddPassword {
    type Step = Step;
    const FIRST: Step = Step::Add;
    const RECONCILE: Step = Step::Reconcile;

    fn start(&self, cx: &mut Cx) -> Next<Step> {
        if !cx.facts.lost_keys.is_empty() {
            Next::Send(Step::RemoveLost)
        } else if keeps_existing_secret(cx) {
            cx.facts.notes.push(
                "The app already had a secret made by mailgrant; no second secret was added (ask for a new secret to add one).".into(),
            );
            Next::Done(Outcome::Skipped)
        } else {
            Next::Send(Step::Add)
        }
    }

    fn writes(&self, step: Step) -> bool {
        matches!(step, Step::Add | Step::RemoveLost)
    }

    fn request(&self, step: Step, cx: &Cx) -> Request {
        let app = cx.facts.app.unwrap_or(ObjectId::from_guid(NIL));
        match step {
            Step::Add => {
                let end_ms = cx.now_ms.saturating_add(u64::from(days(cx)) * 86_400_000);
                let end = UtcDateTime::from_unix_millis(end_ms as i64)
                    .map(UtcDateTime::to_rfc3339)
                    .unwrap_or_default();
                apps::add_password(app, &cx.job.secret_name(), &end)
            }
            Step::RemoveLost => apps::remove_password(
                app,
                cx.facts
                    .lost_keys
                    .first()
                    .copied()
                    .unwrap_or(KeyId::from_guid(NIL)),
            ),
            Step::WaitForApp | Step::Sweep | Step::Reconcile => apps::get_app(app),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        match step {
            Step::Add => added(answer, cx),
            Step::WaitForApp if answer.ok() => Next::Send(Step::Add),
            Step::WaitForApp if answer.lag() => Next::Lag {
                what: "app registration",
                poll: Step::WaitForApp,
            },
            Step::WaitForApp => Next::Fail(OpError::Unexpected(answer.error())),
            // 204 removed; 404 or 400: not found (already gone).
            Step::RemoveLost if answer.ok() || answer.lag() || answer.status() == 400 => {
                if !cx.facts.lost_keys.is_empty() {
                    let key = cx.facts.lost_keys.remove(0);
                    cx.facts.removed_keys.push(key);
                }
                if !cx.facts.lost_keys.is_empty() {
                    Next::Send(Step::RemoveLost)
                } else if cx.facts.key_id.is_some() && cx.secret.is_some() {
                    // The sweep after a new secret removed a stale one.
                    Next::Done(Outcome::Created)
                } else {
                    Next::Send(Step::Add)
                }
            }
            Step::RemoveLost => Next::Fail(OpError::Unexpected(answer.error())),
            // The sweep: secrets named for this run other than the new one were never seen.
            Step::Sweep => answer.read(|app: Application| {
                let found = lost(&app, cx, cx.facts.key_id);
                after_sweep(cx, found, Next::Done(Outcome::Created))
            }),
            // Any secret named for this run was made without the admin seeing it, except the
            // one this run holds (or handed off).
            Step::Reconcile => match answer.parse::<Application>() {
                Ok(app) => {
                    let held = cx
                        .facts
                        .key_id
                        .filter(|_| cx.facts.secret_handed_off || cx.secret.is_some());
                    let found = lost(&app, cx, held);
                    let then = match held {
                        Some(_) => Next::Done(Outcome::Created),
                        None => Next::Send(Step::Add),
                    };
                    after_sweep(cx, found, then)
                }
                Err(_) if answer.lag() => Next::Lag {
                    what: "app registration",
                    poll: Step::Reconcile,
                },
                Err(e) => Next::Fail(OpError::Unexpected(e)),
            },
        }
    }
}

/// A secret made by this run that the admin never saw (the reload took it from memory): it is
/// removed, and a new one made. Which secrets to remove is read from the app again (the
/// reconcile: those named for this run), not taken from the journal, which anything on the
/// page's origin can write: a changed key id cannot remove another run's secret.
pub(super) fn after_reload(facts: &mut Facts) -> bool {
    facts.lost_keys.clear();
    if facts.secret_handed_off {
        return false;
    }
    let Some(key) = facts.key_id.take() else {
        return false;
    };
    facts.secret_end = None;
    facts.notes.push(format!(
        "The page was reloaded before the secret (keyId {key}) was saved; it is removed and a new one is made."
    ));
    true
}

/// The answer to `addPassword`.
fn added(answer: &Answer, cx: &mut Cx) -> Next<Step> {
    if answer.ok() {
        return match answer.parse::<NewPasswordAnswer>() {
            Ok(raw) => {
                let p = raw.into_new();
                cx.facts.key_id = Some(p.key_id);
                cx.facts.secret_end = p
                    .end_date_time
                    .as_deref()
                    .and_then(|e| UtcDateTime::parse_rfc3339(e).ok());
                cx.facts.secret_handed_off = false;
                *cx.secret = Some(p.secret);
                if cx.unknown {
                    // An earlier attempt's secret may be hidden from the reconcile by
                    // replication: look once more, a little later.
                    Next::Later(Step::Sweep)
                } else {
                    Next::Done(Outcome::Created)
                }
            }
            // A secret exists whose text we cannot read: the reconcile removes it.
            Err(_) => Next::Unknown(Step::Reconcile),
        };
    }
    let days = days(cx);
    let graph = answer.error();
    match answer.failure() {
        Some(Failure::LifetimeOverPolicy { max_days })
            if cx.facts.secret_lifetime_days.is_none() =>
        {
            let lower = max_days
                .filter(|&m| m >= 1 && m < days)
                .unwrap_or_else(|| step_down(days));
            cx.facts.secret_lifetime_days = Some(lower);
            cx.facts.notes.push(format!(
                "Your tenant's app management policy does not allow a {days}-day secret; the lifetime was lowered to {lower} days."
            ));
            Next::Send(Step::Add)
        }
        Some(Failure::LifetimeOverPolicy { .. }) => {
            Next::Fail(OpError::LifetimeOverPolicy { days, graph })
        }
        Some(Failure::SecretsForbidden) => Next::Fail(OpError::SecretsForbidden { graph }),
        _ if answer.lag() && cx.job.existing.app.is_none() => Next::Lag {
            what: "app registration",
            poll: Step::WaitForApp,
        },
        _ => Next::Fail(OpError::Unexpected(graph)),
    }
}
