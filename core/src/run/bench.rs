//! A synchronous driver with a virtual clock: answers every outstanding request of a round at
//! once, so a run's sequential rounds can be counted (for tests and `cargo xtask bench`).

use super::{Effect, Event, Headers, Run, Status};
use crate::graph::Request;

/// A scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Answer {
        status: u16,
        headers: Headers,
        body: String,
    },
    /// No answer; `online` as `navigator.onLine` would say.
    NetworkFailed { online: bool },
}

/// What a run cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// HTTP requests sent.
    pub requests: usize,
    /// Rounds of requests that had to wait for the previous round.
    pub rounds: usize,
    /// Virtual milliseconds spent waiting on timers.
    pub waited_ms: u64,
    pub status: Status,
    /// The last journal text saved.
    pub journal: Option<String>,
    /// Every request in the order sent.
    pub sent: Vec<Request>,
}

/// Runs `run` to idleness: every request of a round is answered by `respond(now_ms, &request)`
/// before the next round starts; timers advance the virtual clock `now_ms`. `Effect::WaitOnline`
/// is answered at once. `max_rounds` guards against loops.
pub fn measure(
    run: &mut Run,
    effects: Vec<Effect>,
    now_ms: &mut u64,
    max_rounds: usize,
    mut respond: impl FnMut(u64, &Request) -> Reply,
) -> Measurement {
    let mut m = Measurement {
        requests: 0,
        rounds: 0,
        waited_ms: 0,
        status: Status::Running,
        journal: None,
        sent: vec![],
    };
    let mut http = vec![];
    let mut timers: Vec<(u64, u64)> = vec![];
    let mut online = false;
    let absorb = |fx: Vec<Effect>,
                  http: &mut Vec<(u64, Request)>,
                  timers: &mut Vec<(u64, u64)>,
                  online: &mut bool,
                  m: &mut Measurement,
                  now: u64| {
        for e in fx {
            match e {
                Effect::Http {
                    attempt, request, ..
                } => http.push((attempt, request)),
                Effect::Wait { timer, millis } => timers.push((now + millis, timer)),
                Effect::WaitOnline => *online = true,
                Effect::SaveJournal(t) => m.journal = Some(t),
            }
        }
    };
    absorb(
        effects,
        &mut http,
        &mut timers,
        &mut online,
        &mut m,
        *now_ms,
    );
    while m.rounds < max_rounds {
        if !http.is_empty() {
            m.rounds += 1;
            for (attempt, request) in std::mem::take(&mut http) {
                m.requests += 1;
                let event = match respond(*now_ms, &request) {
                    Reply::Answer {
                        status,
                        headers,
                        body,
                    } => Event::Answered {
                        attempt,
                        status,
                        headers,
                        body,
                    },
                    Reply::NetworkFailed { online } => Event::NetworkFailed { attempt, online },
                };
                m.sent.push(request);
                let fx = run.update(*now_ms, event);
                absorb(fx, &mut http, &mut timers, &mut online, &mut m, *now_ms);
            }
        } else if let Some(i) = (0..timers.len()).min_by_key(|&i| timers[i].0) {
            let (due, timer) = timers.remove(i);
            if due > *now_ms {
                m.waited_ms += due - *now_ms;
                *now_ms = due;
            }
            let fx = run.update(*now_ms, Event::TimerFired { timer });
            absorb(fx, &mut http, &mut timers, &mut online, &mut m, *now_ms);
        } else if std::mem::take(&mut online) {
            let fx = run.update(*now_ms, Event::Online);
            absorb(fx, &mut http, &mut timers, &mut online, &mut m, *now_ms);
        } else {
            break;
        }
    }
    m.status = run.status();
    m
}
