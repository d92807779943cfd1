//! A thin async driver (feature `drive`, for `cargo xtask bench` and tests; the page has its own
//! effect loop): performs a run's effects over any [`Transport`], concurrently.

use std::future::Future;
use std::pin::Pin;

use futures_util::future::Either;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{Effect, Event, Reply, Run, Status};
use crate::graph::Request;

/// What the shell provides: HTTP to Graph (adding the bearer token), timers, the clock, the
/// `online` event and sessionStorage.
pub trait Transport {
    fn send(&self, request: Request) -> impl Future<Output = Reply>;
    fn sleep(&self, millis: u64) -> impl Future<Output = ()>;
    fn wait_online(&self) -> impl Future<Output = ()>;
    /// Unix milliseconds.
    fn now_ms(&self) -> u64;
    fn save_journal(&self, text: &str);
}

type Pending<'a> = Pin<Box<dyn Future<Output = Event> + 'a>>;

/// Runs effects until the run is idle (done, failed, paused), feeding results back. Journal
/// saves happen synchronously, before the requests emitted with them are sent.
pub async fn drive<T: Transport>(run: &mut Run, transport: &T, effects: Vec<Effect>) -> Status {
    let mut pending: FuturesUnordered<Pending<'_>> = FuturesUnordered::new();
    let mut queue = effects;
    loop {
        for effect in queue.drain(..) {
            match effect {
                Effect::SaveJournal(text) => transport.save_journal(&text),
                Effect::Http {
                    attempt,
                    request,
                    deadline,
                    deadline_ms,
                    ..
                } => pending.push(Box::pin(async move {
                    // The request, or its deadline, whichever comes first (dropping the
                    // request's future is the abort).
                    let send = std::pin::pin!(transport.send(request));
                    let timeout = std::pin::pin!(transport.sleep(deadline_ms));
                    match futures_util::future::select(send, timeout).await {
                        Either::Left((reply, _)) => Event::Replied { attempt, reply },
                        Either::Right(((), _)) => Event::TimerFired { timer: deadline },
                    }
                })),
                Effect::Wait { timer, millis } => pending.push(Box::pin(async move {
                    transport.sleep(millis).await;
                    Event::TimerFired { timer }
                })),
                Effect::WaitOnline => pending.push(Box::pin(async move {
                    transport.wait_online().await;
                    Event::Online
                })),
            }
        }
        let Some(event) = pending.next().await else {
            return run.status();
        };
        queue = run.update(transport.now_ms(), event);
    }
}
