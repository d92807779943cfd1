//! The engine: runs a plan's operations (concurrently where the dependencies allow), with
//! retries, a write-ahead journal, a request log and undo. Sans-I/O: [`Run::update`] takes an
//! [`Event`] and the current time and returns [`Effect`]s for the shell to perform.
//!
//! The engine never matches on an operation kind: each operation ([`crate::op`]) says what its
//! request is and what comes next; the engine does what is the same for all of them.
//!
//! Retry rules (graph-facts B.3/B.4, style-and-security R15–R17):
//! - 429/503: wait `Retry-After` (seconds or HTTP-date), else exponential backoff with jitter
//!   (3 s base, 180 s cap); at most [`Policy::throttle_retries`] times per operation, then pause.
//!   A 504 on a write means its outcome is unknown: after the wait, the operation first finds
//!   out what happened.
//! - Replication lag (an operation's [`Move::Lag`]): poll after a back-off until the object is
//!   readable; past [`Policy::replication_deadline_ms`] pause with "directory still replicating
//!   — Resume".
//! - A network failure on a write: the outcome is unknown, so the operation is reconciled (looked
//!   up) before anything is sent again; offline → wait for [`Event::Online`].
//! - 401 pauses for a new sign-in; 403 stops the operation (the write did not happen). Nothing
//!   else is retried.

mod answer;
mod checklist;
#[cfg(feature = "drive")]
mod drive;
mod io;
pub mod journal;
#[cfg(feature = "drive")]
mod measure;
mod policy;
mod schedule;
mod status;
mod table;
mod undo;

use table::Table;

pub use crate::op::Outcome;
pub use answer::LogEntry;
use answer::Sent;
pub use checklist::ItemState;
#[cfg(feature = "drive")]
pub use drive::{drive, Transport};
pub use io::{AttemptId, Effect, Event, Headers, Reply, TimerId};
#[cfg(feature = "drive")]
pub use measure::{measure, Measurement};
pub use policy::Policy;
pub use status::{Pause, RunError, Status};

use crate::ids::Guid;
use crate::job::{Inputs, Job};
use crate::op::{Cx, Facts, Findings, Found, Kind, Live, Move};
use crate::plan::{self, Op, OpId, Plan};
use crate::secret::ClientSecret;
use policy::Rng;

/// Which operations may run at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every operation whose dependencies are done.
    Concurrent,
    /// Strictly one request at a time, in plan order (for comparison).
    OneAtATime,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Waiting,
    /// Its request is queued or on the wire.
    InFlight,
    Sleeping {
        timer: TimerId,
        /// When it is sent again (unix ms): the Apply step counts down to it.
        wake_at_ms: u64,
    },
    AwaitOnline,
    Paused(Pause),
    /// Waits for the admin (a step outside the page).
    Held,
    Done(Outcome),
    Failed(RunError),
}

#[derive(Debug)]
struct OpState {
    phase: Phase,
    /// The operation with its current step, once started.
    live: Option<Live>,
    /// A write was sent and its outcome is not known.
    intent: bool,
    /// A write's outcome was unknown (lost answer, reload) at some point.
    unknown: bool,
    throttled: u32,
    lag_since: Option<u64>,
    lag_polls: u32,
    net_failures: u32,
}

impl OpState {
    fn new() -> Self {
        OpState {
            phase: Phase::Waiting,
            live: None,
            intent: false,
            unknown: false,
            throttled: 0,
            lag_since: None,
            lag_polls: 0,
            net_failures: 0,
        }
    }

    fn active(&self) -> bool {
        matches!(
            self.phase,
            Phase::InFlight | Phase::Sleeping { .. } | Phase::AwaitOnline
        )
    }

    fn finished(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }

    fn outcome(&self) -> Option<Outcome> {
        match self.phase {
            Phase::Done(o) => Some(o),
            _ => None,
        }
    }
}

/// A run of operations: the preflight look-ups, or a plan's writes (and their undo).
#[derive(Debug)]
pub struct Run {
    job: Job,
    /// The plan of an apply run (which journals itself); `None` for the preflight.
    plan: Option<Plan>,
    ops: Vec<Op>,
    states: Vec<OpState>,
    facts: Facts,
    secret: Option<ClientSecret>,
    schedule: Schedule,
    policy: Policy,
    rng: Rng,
    next_id: u64,
    sent: Table<AttemptId, Sent>,
    timers: Table<TimerId, OpId>,
    /// The deadline timer of each request on the wire.
    deadlines: Table<TimerId, AttemptId>,
    /// Queued sends of this update.
    outbox: Vec<OpId>,
    waits: Vec<(TimerId, u64)>,
    wait_online: bool,
    log: Vec<LogEntry>,
    last_journal: Option<String>,
    /// Index of the first undo operation, once undo started.
    undo_from: Option<usize>,
    /// Why the last command (Undo, a confirmation code) was refused; the run itself goes on.
    refused: Option<RunError>,
}

impl Run {
    fn new(job: Job, plan: Option<Plan>, ops: Vec<Op>, seed: [u8; 16], schedule: Schedule) -> Run {
        let states = ops.iter().map(|_| OpState::new()).collect();
        Run {
            job,
            plan,
            ops,
            states,
            facts: Facts::default(),
            secret: None,
            schedule,
            policy: Policy::default(),
            rng: Rng::new(seed),
            next_id: 1,
            sent: Table::new(),
            timers: Table::new(),
            deadlines: Table::new(),
            outbox: vec![],
            waits: vec![],
            wait_online: false,
            log: vec![],
            last_journal: None,
            undo_from: None,
            refused: None,
        }
    }

    /// The preflight look-ups for these inputs. `seed`: 16 CSPRNG bytes.
    pub fn preflight(inputs: Inputs, seed: [u8; 16], now_ms: u64) -> (Run, Vec<Effect>) {
        let job = Job::preflight(inputs, Guid::new_v4(seed));
        let mut run = Run::new(job, None, plan::preflight(), seed, Schedule::Concurrent);
        let fx = run.pump(now_ms);
        (run, fx)
    }

    /// Look-ups only: these read operations for this job (the Scope step's check of a group).
    pub fn reads(job: Job, ops: Vec<Op>, seed: [u8; 16], now_ms: u64) -> (Run, Vec<Effect>) {
        let mut run = Run::new(job, None, ops, seed, Schedule::Concurrent);
        let fx = run.pump(now_ms);
        (run, fx)
    }

    /// What a run of look-ups read (complete once its status is done).
    pub fn found(&self) -> &Found {
        &self.facts.found
    }

    /// Applies a plan. `run_id` and `seed`: CSPRNG bytes from the caller.
    pub fn apply(
        plan: Plan,
        run_id: [u8; 16],
        seed: [u8; 16],
        schedule: Schedule,
        now_ms: u64,
    ) -> (Run, Vec<Effect>) {
        let job = plan.job(Guid::new_v4(run_id));
        let ops = plan.ops.clone();
        let mut run = Run::new(job, Some(plan), ops, seed, schedule);
        let fx = run.pump(now_ms);
        (run, fx)
    }

    /// Continues a run from its journal (after a reload or a new sign-in): the plan is rebuilt
    /// from the journal's inputs; operations whose write was sent but whose outcome was never
    /// recorded are reconciled first; a secret the admin never saw is removed and replaced.
    pub fn resume(
        journal: &str,
        seed: [u8; 16],
        schedule: Schedule,
        now_ms: u64,
    ) -> Result<(Run, Vec<Effect>), journal::JournalError> {
        let j = journal::Journal::parse(journal)?;
        let job = j.plan.job(j.run_id);
        let mut ops = j.plan.ops.clone();
        if let Some(from) = j.undo_from {
            let outcomes: Vec<_> = j.status[..from].iter().map(|s| s.outcome()).collect();
            ops.extend(undo::ops(&ops, &outcomes, &j.facts));
        }
        if ops.len() != j.status.len() {
            return Err(journal::JournalError::Unreadable(
                "the operations and their statuses differ in number".into(),
            ));
        }
        let mut run = Run::new(job, Some(j.plan), ops, seed, schedule);
        run.facts = j.facts;
        run.undo_from = j.undo_from;
        for (state, status) in run.states.iter_mut().zip(&j.status) {
            match status {
                journal::OpStatus::Pending => {}
                journal::OpStatus::Intent => {
                    state.intent = true;
                    state.unknown = true;
                }
                journal::OpStatus::Done(outcome) => state.phase = Phase::Done(*outcome),
            }
        }
        // What the reload lost (a secret the admin never saw) is made again.
        if run.undo_from.is_none() {
            for (op, state) in run.ops.iter().zip(&mut run.states) {
                if op.kind.after_reload(&mut run.facts) {
                    // Made again after a look at what is there (its reconcile).
                    state.phase = Phase::Waiting;
                    state.intent = true;
                    state.unknown = true;
                }
            }
        }
        // The journal's ids come from the tab's sessionStorage, which anything on the page's
        // origin can write. Before a write uses them, what they name is learned again
        // (Kind::relearn: the app by uniqueName and this run's mark, its service principal by
        // appId, Exchange's role and Microsoft Graph's by their look-ups), as after a lost
        // answer: a changed id cannot point a secret, a grant or a role at another object.
        // (Undo's removals check each object themselves, op::remove.)
        let writes_left = run
            .ops
            .iter()
            .zip(&run.states)
            .any(|(op, s)| op.kind.writes() && !matches!(s.phase, Phase::Done(_)));
        if run.undo_from.is_none() && writes_left {
            for (op, state) in run.ops.iter().zip(&mut run.states) {
                if matches!(state.phase, Phase::Done(_)) && op.kind.relearn(&mut run.facts) {
                    state.phase = Phase::Waiting;
                    state.intent = op.kind.writes();
                    state.unknown = op.kind.writes();
                }
            }
        }
        let fx = run.pump(now_ms);
        Ok((run, fx))
    }

    /// Uses another retry policy (tests use short deadlines).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    pub fn run_id(&self) -> Guid {
        self.job.run_id
    }

    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// The ids learned so far.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The secret made by this run, until the wizard takes it for the hand-off.
    pub fn secret(&self) -> Option<&ClientSecret> {
        self.secret.as_ref()
    }

    pub fn take_secret(&mut self) -> Option<ClientSecret> {
        self.secret.take()
    }

    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// The request log as JSON, for download.
    pub fn log_json(&self) -> String {
        format!("{:#}", serde_json::to_value(&self.log).unwrap_or_default())
    }

    /// The current journal text (what the last [`Effect::SaveJournal`] carried).
    pub fn journal(&self) -> Option<String> {
        let plan = self.plan.as_ref()?;
        let status = self
            .states
            .iter()
            .map(|s| match s.phase {
                Phase::Done(o) => journal::OpStatus::Done(o),
                _ if s.intent => journal::OpStatus::Intent,
                _ => journal::OpStatus::Pending,
            })
            .collect::<Vec<_>>();
        Some(journal::text(
            plan,
            self.job.run_id,
            &status,
            &self.facts,
            self.undo_from,
        ))
    }

    /// Each operation with its outcome so far: `(label, outcome)`.
    pub fn outcomes(&self) -> Vec<(&'static str, Option<Outcome>)> {
        self.ops
            .iter()
            .zip(&self.states)
            .map(|(op, s)| (op.kind.label(), s.outcome()))
            .collect()
    }

    /// The outcome of the first operation of this kind.
    pub fn outcome_of(&self, kind: &Kind) -> Option<Outcome> {
        let i = self.ops.iter().position(|o| &o.kind == kind)?;
        self.states[i].outcome()
    }

    pub fn status(&self) -> Status {
        let range = self.undo_from.unwrap_or(0)..self.ops.len();
        let states = &self.states[range];
        if states
            .iter()
            .any(|s| matches!(s.phase, Phase::InFlight | Phase::Sleeping { .. }))
        {
            return Status::Running;
        }
        if states.iter().any(|s| s.phase == Phase::AwaitOnline) {
            return Status::Offline;
        }
        if let Some(e) = states.iter().find_map(|s| match &s.phase {
            Phase::Failed(e) => Some(e.clone()),
            _ => None,
        }) {
            return Status::Failed(e);
        }
        if let Some(p) = states.iter().find_map(|s| match &s.phase {
            Phase::Paused(p) => Some(p.clone()),
            _ => None,
        }) {
            return Status::Paused(p);
        }
        if states.iter().any(|s| s.phase == Phase::Held) {
            return Status::Waiting;
        }
        if states.iter().all(OpState::finished) {
            Status::Done
        } else {
            Status::Running
        }
    }

    /// Why the last command (Undo, a confirmation code) was refused, if it was.
    pub fn refused(&self) -> Option<&RunError> {
        self.refused.as_ref()
    }

    pub fn undoing(&self) -> bool {
        self.undo_from.is_some()
    }

    /// Resume has something to do: an operation waits for the admin, or one stopped with its
    /// write's outcome unknown (Resume looks before anything else happens).
    pub fn can_resume(&self) -> bool {
        self.states.iter().any(|s| match s.phase {
            Phase::Paused(_) => true,
            Phase::Failed(_) => s.intent,
            _ => false,
        })
    }

    /// Undo can start now: an apply run, not undoing, nothing in flight, no outcome unknown.
    pub fn can_undo(&self) -> bool {
        self.plan.is_some()
            && self.undo_from.is_none()
            && !self.states.iter().any(|s| s.active() || s.intent)
    }

    /// What the preflight found, once it is done.
    pub fn findings(&self) -> Option<Findings> {
        if self.plan.is_some() || self.status() != Status::Done {
            return None;
        }
        self.facts.found.findings()
    }

    /// Applies one event at `now_ms` (Unix milliseconds, from the caller's clock).
    pub fn update(&mut self, now_ms: u64, event: Event) -> Vec<Effect> {
        self.refused = None;
        match event {
            Event::Replied { attempt, reply } => {
                self.deadlines.retain(|_, a| *a != attempt);
                // A late answer to an abandoned attempt is ignored.
                if let Some(sent) = self.sent.remove(&attempt) {
                    match reply {
                        Reply::Answer {
                            status,
                            headers,
                            body,
                        } => self.answered(now_ms, attempt, sent, status, &headers, &body),
                        Reply::NetworkFailed { online } => {
                            self.network_failed(now_ms, attempt, sent, online)
                        }
                    }
                }
            }
            Event::TimerFired { timer } => {
                if let Some(attempt) = self.deadlines.remove(&timer) {
                    // No answer in time: as lost (the shell aborted the request).
                    if let Some(sent) = self.sent.remove(&attempt) {
                        self.timed_out(now_ms, attempt, sent);
                    }
                }
                if let Some(op) = self.timers.remove(&timer) {
                    if matches!(self.states[op].phase, Phase::Sleeping { timer: t, .. } if t == timer)
                    {
                        self.send(op);
                    }
                }
            }
            Event::Online => {
                self.wait_online = false;
                for op in 0..self.ops.len() {
                    if self.states[op].phase == Phase::AwaitOnline {
                        self.states[op].net_failures = 0;
                        self.send(op);
                    }
                }
            }
            Event::Resume => {
                for op in 0..self.ops.len() {
                    let s = &mut self.states[op];
                    let paused = matches!(s.phase, Phase::Paused(_));
                    // A stop whose write may have happened: find out (reconcile) first.
                    let unknown = matches!(s.phase, Phase::Failed(_)) && s.intent;
                    if paused || unknown {
                        s.throttled = 0;
                        s.lag_since = None;
                        s.lag_polls = 0;
                        s.net_failures = 0;
                    }
                    if paused {
                        self.send(op);
                    } else if unknown {
                        self.outcome_unknown(op, now_ms);
                        self.send(op);
                    }
                }
            }
            Event::Confirm { code } => {
                for op in 0..self.ops.len() {
                    if self.states[op].phase != Phase::Held {
                        continue;
                    }
                    match self.with_live(op, now_ms, |live, cx| live.confirm(&code, cx)) {
                        Some(mv) => self.follow(op, mv, now_ms),
                        None => {
                            self.refused = Some(RunError::CodeMismatch {
                                op: self.ops[op].kind.clone(),
                            })
                        }
                    }
                }
            }
            Event::SecretHandedOff => {
                if self.facts.key_id.is_some() {
                    self.facts.secret_handed_off = true;
                }
            }
            Event::Undo => self.start_undo(),
        }
        self.pump(now_ms)
    }

    fn start_undo(&mut self) {
        if self.undo_from.is_some() || self.plan.is_none() {
            return;
        }
        if self.states.iter().any(OpState::active) {
            return;
        }
        if let Some(i) = (0..self.ops.len()).find(|&i| self.states[i].intent) {
            self.refused = Some(RunError::UndoBlocked {
                op: self.ops[i].kind.clone(),
            });
            return;
        }
        let outcomes: Vec<_> = self.states.iter().map(OpState::outcome).collect();
        let undo = undo::ops(&self.ops, &outcomes, &self.facts);
        self.undo_from = Some(self.ops.len());
        // Abandon what has not run.
        for s in &mut self.states {
            if !s.finished() {
                s.phase = Phase::Done(Outcome::Skipped);
            }
        }
        for op in undo {
            self.ops.push(op);
            self.states.push(OpState::new());
        }
    }
}
