//! How the engine takes an answer: what is the same for every operation (throttling, 401, 403,
//! a lost answer on a write) is handled here; the rest goes to the operation. Every attempt is
//! logged.

use serde::Serialize;

use super::{AttemptId, Headers, Pause, Phase, Run, RunError};
use crate::graph::failure::Failure;
use crate::graph::GraphError;
use crate::ids::Guid;
use crate::op::Answer;
use crate::plan::OpId;

/// One line of the request log. Never a token, a secret or a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub at_ms: u64,
    pub attempt: AttemptId,
    pub op: String,
    pub method: String,
    pub path: String,
    /// `None`: no answer (network failure).
    pub status: Option<u16>,
    pub outcome: String,
    pub duration_ms: u64,
    pub request_id: Option<String>,
    pub client_request_id: String,
}

#[derive(Debug, Clone)]
pub(super) struct Sent {
    pub(super) op: OpId,
    pub(super) at_ms: u64,
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) client_request_id: Guid,
}

impl Run {
    pub(super) fn answered(
        &mut self,
        now_ms: u64,
        attempt: AttemptId,
        sent: Sent,
        status: u16,
        headers: &Headers,
        body: &str,
    ) {
        let op = sent.op;
        let ok = (200..300).contains(&status);
        // The error body is parsed once, here; a success body once, by the operation.
        let error = (!ok).then(|| GraphError::from_response(status, body));
        let answer = Answer::new(status, body, error.as_ref());
        let request_id = headers
            .request_id
            .clone()
            .or_else(|| error.as_ref().and_then(|e| e.request_id.clone()));
        let writing = self.writing(op);
        let failure = answer.failure();
        match (failure, &error) {
            (Some(Failure::Throttled), _) => {
                if writing && status == 504 {
                    // A gateway timeout: the write may have happened.
                    self.outcome_unknown(op, now_ms);
                }
                let s = &mut self.states[op];
                s.throttled += 1;
                if s.throttled > self.policy.throttle_retries {
                    self.pause(op, Pause::Throttled);
                } else {
                    let n = s.throttled;
                    let wait = self.policy.retry_after(
                        &mut self.rng,
                        headers.retry_after.as_deref(),
                        now_ms,
                        n,
                    );
                    self.sleep(op, wait, now_ms);
                }
            }
            (Some(Failure::Unauthenticated), _) => {
                if self.states[op].intent {
                    self.with_live(op, now_ms, |live, _| live.reconcile());
                }
                self.pause(op, Pause::SignInAgain);
            }
            (Some(Failure::Denied), Some(graph)) if !self.optional(op) => {
                // A 403 means the write did not happen.
                self.states[op].intent = false;
                self.states[op].phase = Phase::Failed(RunError::Denied {
                    op: self.ops[op].kind.clone(),
                    graph: graph.clone(),
                });
            }
            _ => {
                if writing {
                    // An answer: the write's outcome is known (the operation reads it).
                    self.states[op].intent = false;
                }
                let mv = self.with_live(op, now_ms, |live, cx| live.answer(&answer, cx));
                self.follow(op, mv, now_ms);
            }
        }
        let outcome = match &self.states[op].phase {
            Phase::Sleeping { .. } if failure == Some(Failure::Throttled) => {
                "throttled, will retry"
            }
            Phase::Paused(_) => "paused",
            Phase::Failed(_) => "failed",
            Phase::Sleeping { .. } => "not yet visible, will poll",
            _ if ok => "ok",
            // Not an error here: the operation asked to learn just this (gone, not there yet).
            _ if status == 404 => "not found, as expected",
            _ => "an expected answer",
        };
        self.log_entry(now_ms, attempt, sent, Some(status), outcome, request_id);
    }

    /// No answer within the deadline: lost, like a network failure while online.
    pub(super) fn timed_out(&mut self, now_ms: u64, attempt: AttemptId, sent: Sent) {
        self.network_failed(now_ms, attempt, sent, true);
        if let Some(entry) = self.log.last_mut() {
            entry.outcome = format!(
                "no answer within {} s, outcome unknown",
                self.policy.request_deadline_ms / 1000
            );
        }
    }

    pub(super) fn network_failed(
        &mut self,
        now_ms: u64,
        attempt: AttemptId,
        sent: Sent,
        online: bool,
    ) {
        let op = sent.op;
        let writing = self.writing(op);
        // A write whose answer was lost may have happened: look before sending again.
        if writing {
            self.outcome_unknown(op, now_ms);
        }
        if !online {
            self.states[op].phase = Phase::AwaitOnline;
            self.wait_online = true;
        } else {
            let s = &mut self.states[op];
            s.net_failures += 1;
            if s.net_failures > self.policy.network_retries {
                self.pause(op, Pause::Network);
            } else {
                let n = s.net_failures;
                let wait = self.policy.backoff(&mut self.rng, n);
                self.sleep(op, wait, now_ms);
            }
        }
        let outcome = if online {
            "network error, outcome unknown"
        } else {
            "offline, outcome unknown"
        };
        self.log_entry(now_ms, attempt, sent, None, outcome, None);
    }

    fn log_entry(
        &mut self,
        now_ms: u64,
        attempt: AttemptId,
        sent: Sent,
        status: Option<u16>,
        outcome: &str,
        request_id: Option<String>,
    ) {
        self.log.push(LogEntry {
            at_ms: now_ms,
            attempt,
            op: self.ops[sent.op].kind.label().into(),
            method: sent.method.into(),
            path: sent.path,
            status,
            outcome: outcome.into(),
            duration_ms: now_ms.saturating_sub(sent.at_ms),
            request_id,
            client_request_id: sent.client_request_id.to_string(),
        });
    }
}
