//! The engine's scheduling: which operations are ready, starting them, and following each
//! one's move (send, wait, poll for replication, pause, fail, done).

use super::*;

impl Run {
    fn ready(&self, op: OpId) -> bool {
        self.states[op].phase == Phase::Waiting
            && self.ops[op]
                .deps
                .iter()
                .all(|&d| self.states.get(d).is_some_and(OpState::finished))
            && self.undo_from.is_none_or(|from| op >= from)
    }

    fn in_flight(&self) -> usize {
        self.states.iter().filter(|s| s.active()).count()
    }

    /// Starts ready operations, then emits the journal (if changed), requests and timers.
    pub(super) fn pump(&mut self, now_ms: u64) -> Vec<Effect> {
        let blocked = self
            .states
            .iter()
            .any(|s| matches!(s.phase, Phase::Failed(_)));
        if !blocked {
            let limit = match self.schedule {
                Schedule::Concurrent => usize::MAX,
                Schedule::OneAtATime => 1,
            };
            for op in 0..self.ops.len() {
                if self.in_flight() >= limit {
                    break;
                }
                if self.ready(op) {
                    self.start(op, now_ms);
                }
            }
        }
        let mut effects = vec![];
        if let Some(text) = self.journal() {
            if self.last_journal.as_ref() != Some(&text) {
                self.last_journal = Some(text.clone());
                effects.push(Effect::SaveJournal(text));
            }
        }
        for op in std::mem::take(&mut self.outbox) {
            let Some(request) = self.with_live(op, now_ms, |live, cx| live.request(cx)) else {
                continue;
            };
            let attempt = self.next_id;
            self.next_id += 1;
            let crid = self.rng.guid();
            let request = request.with_header("client-request-id", crid.to_string());
            self.sent.insert(
                attempt,
                Sent {
                    op,
                    at_ms: now_ms,
                    method: request.method,
                    path: request.path.clone(),
                    client_request_id: crid,
                },
            );
            let deadline = self.next_id;
            self.next_id += 1;
            self.deadlines.insert(deadline, attempt);
            effects.push(Effect::Http {
                attempt,
                request,
                client_request_id: crid,
                deadline,
                deadline_ms: self.policy.request_deadline_ms,
            });
        }
        for (timer, millis) in std::mem::take(&mut self.waits) {
            effects.push(Effect::Wait { timer, millis });
        }
        if std::mem::take(&mut self.wait_online) {
            effects.push(Effect::WaitOnline);
        }
        effects
    }

    /// Runs `f` with the operation (started on first use) and its context.
    pub(super) fn with_live<R>(
        &mut self,
        op: OpId,
        now_ms: u64,
        f: impl FnOnce(&mut Live, &mut Cx) -> R,
    ) -> R {
        let state = &mut self.states[op];
        let kind = &self.ops[op].kind;
        let live = state.live.get_or_insert_with(|| kind.live());
        let mut cx = Cx {
            job: &self.job,
            facts: &mut self.facts,
            secret: &mut self.secret,
            unknown: state.unknown,
            now_ms,
        };
        f(live, &mut cx)
    }

    /// An operation's first move; one whose write's outcome is unknown finds out first.
    fn start(&mut self, op: OpId, now_ms: u64) {
        if self.states[op].intent {
            self.with_live(op, now_ms, |live, _| live.reconcile());
            self.send(op);
            return;
        }
        let mv = self.with_live(op, now_ms, |live, cx| live.start(cx));
        self.follow(op, mv, now_ms);
    }

    pub(super) fn follow(&mut self, op: OpId, mv: Move, now_ms: u64) {
        match mv {
            Move::Done(outcome) => {
                let s = &mut self.states[op];
                s.phase = Phase::Done(outcome);
                s.intent = false;
                s.unknown = false;
            }
            Move::Send => self.send(op),
            Move::Lag { what } => self.lag(op, now_ms, what),
            Move::Later => {
                let wait = self.policy.lag_first_poll_ms;
                self.sleep(op, wait, now_ms);
            }
            Move::Unknown => {
                // The write may have happened: keep it marked until the operation finds out.
                let s = &mut self.states[op];
                s.intent = true;
                s.unknown = true;
                s.net_failures += 1;
                if s.net_failures > self.policy.network_retries {
                    s.phase = Phase::Paused(Pause::Network);
                } else {
                    self.send(op);
                }
            }
            Move::Fail(error) => {
                if error.settles_outcome() {
                    self.states[op].intent = false;
                }
                self.states[op].phase = Phase::Failed(RunError::Failed {
                    op: self.ops[op].kind.clone(),
                    error,
                });
            }
            Move::Hold => self.states[op].phase = Phase::Held,
        }
    }

    /// The operation's current step changes the tenant.
    pub(super) fn writing(&self, op: OpId) -> bool {
        self.states[op].live.as_ref().is_some_and(Live::writing)
    }

    /// A refusal does not stop the operation (it falls back).
    pub(super) fn optional(&self, op: OpId) -> bool {
        self.states[op].live.as_ref().is_some_and(Live::optional)
    }

    pub(super) fn send(&mut self, op: OpId) {
        let writing = self.writing(op);
        let s = &mut self.states[op];
        if writing {
            s.intent = true;
        }
        s.phase = Phase::InFlight;
        self.outbox.push(op);
    }

    pub(super) fn sleep(&mut self, op: OpId, millis: u64, now_ms: u64) {
        let timer = self.next_id;
        self.next_id += 1;
        self.timers.insert(timer, op);
        self.states[op].phase = Phase::Sleeping {
            timer,
            wake_at_ms: now_ms.saturating_add(millis),
        };
        self.waits.push((timer, millis));
    }

    pub(super) fn pause(&mut self, op: OpId, pause: Pause) {
        self.states[op].phase = Phase::Paused(pause);
    }

    /// Replication lag on `op`: poll later, or pause past the deadline.
    fn lag(&mut self, op: OpId, now_ms: u64, what: &str) {
        let s = &mut self.states[op];
        let since = *s.lag_since.get_or_insert(now_ms);
        if now_ms.saturating_sub(since) >= self.policy.replication_deadline_ms {
            self.pause(
                op,
                Pause::Replicating {
                    what: what.to_owned(),
                },
            );
            return;
        }
        s.lag_polls += 1;
        let wait = self.policy.lag_poll(&mut self.rng, s.lag_polls);
        self.sleep(op, wait, now_ms);
    }

    /// The write's outcome is unknown: the operation will look before sending it again.
    pub(super) fn outcome_unknown(&mut self, op: OpId, now_ms: u64) {
        self.with_live(op, now_ms, |live, _| live.reconcile());
        self.states[op].unknown = true;
    }
}
