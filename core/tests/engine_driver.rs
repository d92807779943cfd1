//! The async driver over a Transport (here: the simulated tenant, answering at once, with a
//! virtual clock), as the browser shell will use it over gloo-net.

mod common;

use std::cell::{Cell, RefCell};

use common::*;
use mailgrant_core::config::ScopeMode;
use mailgrant_core::graph::Request;
use mailgrant_core::plan::Options;
use mailgrant_core::run::{drive, Event, Reply, Run, Schedule, Status, Transport};

struct Fake {
    tenant: RefCell<Tenant>,
    now: Cell<u64>,
    journals: RefCell<Vec<String>>,
    /// (what happened) in order: "journal" or "send METHOD".
    trace: RefCell<Vec<String>>,
}

impl Transport for Fake {
    async fn send(&self, request: Request) -> Reply {
        self.trace
            .borrow_mut()
            .push(format!("send {}", request.method));
        self.tenant.borrow_mut().respond(self.now.get(), &request)
    }
    async fn sleep(&self, millis: u64) {
        self.now.set(self.now.get() + millis);
    }
    async fn wait_online(&self) {}
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn save_journal(&self, text: &str) {
        self.trace.borrow_mut().push("journal".into());
        self.journals.borrow_mut().push(text.to_owned());
    }
}

#[test]
fn drive_runs_a_plan_to_done_saving_the_journal_before_each_write() {
    let mut tenant = Tenant::with_lag(3_000);
    let mut now = T0;
    let plan = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    tenant.fault(
        "PATCH",
        "applications(uniqueName",
        vec![Fault::LoseResponse],
    );
    let fake = Fake {
        tenant: RefCell::new(tenant),
        now: Cell::new(now),
        journals: RefCell::new(vec![]),
        trace: RefCell::new(vec![]),
    };
    let (mut run, fx) = Run::apply(plan, seed(1), seed(2), Schedule::Concurrent, now);
    let status = futures_executor::block_on(drive(&mut run, &fake, fx));
    // The legacy mode waits for the script's code before the grant; then it goes on.
    assert_eq!(status, Status::Waiting);
    let fx = run.update(
        fake.now.get(),
        Event::Confirm {
            code: script_code(&run),
        },
    );
    let status = futures_executor::block_on(drive(&mut run, &fake, fx));
    assert_eq!(status, Status::Done);
    let trace = fake.trace.borrow();
    assert_eq!(trace[0], "journal", "{trace:?}");
    let mut tenant = fake.tenant.into_inner();
    tenant.settle();
    assert_converged(&tenant, &run, ScopeMode::ApplicationAccessPolicy);
    let last = fake.journals.borrow().last().cloned().unwrap();
    assert_eq!(Some(last), run.journal());
    for s in &tenant.secrets_issued {
        assert!(fake
            .journals
            .borrow()
            .iter()
            .all(|j| !j.contains(s.as_str())));
    }
}
