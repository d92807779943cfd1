//! A synchronous driver with a virtual clock (feature `drive`, for tests): answers every
//! outstanding request of a round at once, so a run's sequential rounds can be counted.

use super::{Effect, Event, Reply, Run, Status};
use crate::graph::Request;

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

#[derive(Default)]
struct Pending {
    http: Vec<(u64, Request)>,
    /// (due, timer)
    timers: Vec<(u64, u64)>,
    online: bool,
}

impl Pending {
    fn absorb(&mut self, fx: Vec<Effect>, m: &mut Measurement, now: u64) {
        for e in fx {
            match e {
                Effect::Http {
                    attempt, request, ..
                } => self.http.push((attempt, request)),
                Effect::Wait { timer, millis } => self.timers.push((now + millis, timer)),
                Effect::WaitOnline => self.online = true,
                Effect::SaveJournal(t) => m.journal = Some(t),
            }
        }
    }
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
    let mut p = Pending::default();
    p.absorb(effects, &mut m, *now_ms);
    while m.rounds < max_rounds {
        if !p.http.is_empty() {
            m.rounds += 1;
            for (attempt, request) in std::mem::take(&mut p.http) {
                m.requests += 1;
                let reply = respond(*now_ms, &request);
                m.sent.push(request);
                let fx = run.update(*now_ms, Event::Replied { attempt, reply });
                p.absorb(fx, &mut m, *now_ms);
            }
        } else if let Some(i) = (0..p.timers.len()).min_by_key(|&i| p.timers[i].0) {
            let (due, timer) = p.timers.remove(i);
            if due > *now_ms {
                m.waited_ms += due - *now_ms;
                *now_ms = due;
            }
            let fx = run.update(*now_ms, Event::TimerFired { timer });
            p.absorb(fx, &mut m, *now_ms);
        } else if std::mem::take(&mut p.online) {
            let fx = run.update(*now_ms, Event::Online);
            p.absorb(fx, &mut m, *now_ms);
        } else {
            break;
        }
    }
    m.status = run.status();
    m
}
