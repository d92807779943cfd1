//! Writes whose outcome is unknown (issue 14): a 504 after the directory wrote, a request that
//! never answers, a reconcile that fails, and another run's object under the same unique name.
//! Each ends with exactly one of each object and nothing of anyone else touched, or a clear
//! stop with Resume or Undo offered.

mod common;

use std::cell::{Cell, RefCell};

use common::*;
use mailgrant_core::config::ScopeMode;
use mailgrant_core::graph::Request;
use mailgrant_core::op::OpError;
use mailgrant_core::plan::{Kind, Options, Plan};
use mailgrant_core::run::{
    drive, Event, Outcome, Reply, Run, RunError, Schedule, Status, Transport,
};

const AAP: ScopeMode = ScopeMode::ApplicationAccessPolicy;
const RBAC: ScopeMode = ScopeMode::RbacForApplications;

fn setup(mode: ScopeMode) -> (Tenant, Plan, u64) {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let plan = plan_for(&mut tenant, mode, Options::default(), &mut now);
    tenant.log.clear();
    (tenant, plan, now)
}

#[test]
fn a_504_after_add_password_wrote_leaves_exactly_the_secret_the_admin_gets() {
    let (mut tenant, plan, mut now) = setup(RBAC);
    tenant.fault("POST", "addPassword", vec![Fault::WriteThen(504)]);
    let (run, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    assert_eq!(m.status, Status::Done);
    // The secret behind the 504 was found by its run's name and removed; one new one is held.
    assert_eq!(tenant.count("POST", "addPassword"), 2);
    assert_eq!(tenant.count("POST", "removePassword"), 1);
    assert_converged(&tenant, &run, RBAC);
    assert_eq!(
        run.secret().unwrap().expose_secret(),
        tenant.secrets_issued[1]
    );
    assert!(
        run.log().iter().any(|l| l.status == Some(504)),
        "the 504 is in the log"
    );
}

#[test]
fn a_504_after_the_grant_wrote_is_found_not_granted_twice() {
    let (mut tenant, plan, mut now) = setup(AAP);
    tenant.fault("POST", "appRoleAssignedTo", vec![Fault::WriteThen(504)]);
    let (run, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    assert_eq!(m.status, Status::Done);
    assert_eq!(tenant.count("POST", "appRoleAssignedTo"), 1);
    assert_eq!(
        run.outcome_of(&Kind::GRANT_MAIL_SEND),
        Some(Outcome::Created)
    );
    assert_converged(&tenant, &run, AAP);
}

/// The async driver over the simulated tenant, with a virtual clock: a request the tenant
/// hangs on never answers, and only its deadline ends the wait.
struct Hanging {
    tenant: RefCell<Tenant>,
    now: Cell<u64>,
}

impl Transport for Hanging {
    async fn send(&self, request: Request) -> Reply {
        let reply = self
            .tenant
            .borrow_mut()
            .respond_or_hang(self.now.get(), &request);
        match reply {
            Some(r) => r,
            None => std::future::pending().await,
        }
    }
    async fn sleep(&self, millis: u64) {
        self.now.set(self.now.get() + millis);
    }
    async fn wait_online(&self) {}
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn save_journal(&self, _: &str) {}
}

#[test]
fn a_hung_add_password_times_out_and_is_reconciled() {
    let (mut tenant, plan, now) = setup(RBAC);
    tenant.fault("POST", "addPassword", vec![Fault::Hang]);
    let t = Hanging {
        tenant: RefCell::new(tenant),
        now: Cell::new(now),
    };
    let (mut run, fx) = Run::apply(plan, seed(1), seed(2), Schedule::Concurrent, now);
    let status = futures_executor::block_on(drive(&mut run, &t, fx));
    assert_eq!(status, Status::Done);
    let timed_out: Vec<_> = run
        .log()
        .iter()
        .filter(|l| l.outcome.starts_with("no answer within 60 s"))
        .collect();
    assert_eq!(timed_out.len(), 1, "{:?}", run.log());
    assert!(timed_out[0].path.contains("addPassword"));
    let mut tenant = t.tenant.into_inner();
    tenant.settle();
    assert_eq!(tenant.count("POST", "removePassword"), 1);
    assert_converged(&tenant, &run, RBAC);
}

#[test]
fn a_late_answer_after_the_deadline_is_ignored() {
    let (mut tenant, plan, now) = setup(RBAC);
    let (mut run, fx) = Run::apply(plan, seed(1), seed(2), Schedule::Concurrent, now);
    let (attempt, deadline, request) = fx
        .iter()
        .find_map(|e| match e {
            mailgrant_core::run::Effect::Http {
                attempt,
                deadline,
                request,
                ..
            } if request.method == "PATCH" => Some((*attempt, *deadline, request.clone())),
            _ => None,
        })
        .expect("the app upsert");
    let reply = tenant.respond(now, &request);
    run.update(now + 60_000, Event::TimerFired { timer: deadline });
    assert!(!run.can_undo(), "the upsert's outcome is unknown");
    let before = run.log().len();
    run.update(now + 61_000, Event::Replied { attempt, reply });
    assert_eq!(run.log().len(), before, "the late answer is not taken");
}

#[test]
fn a_failed_reconcile_offers_resume_which_looks_again_then_finishes() {
    let (mut tenant, plan, mut now) = setup(RBAC);
    tenant.fault("POST", "addPassword", vec![Fault::LoseResponse]);
    // The reconcile's read of the app fails once with an unexpected error.
    tenant.fault(
        "GET",
        "/v1.0/applications/",
        vec![Fault::Answer(
            500,
            vec![],
            r#"{"error":{"code":"generalException","message":"boom"}}"#.into(),
        )],
    );
    let (mut run, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    assert!(matches!(m.status, Status::Failed(_)), "{:?}", m.status);
    assert!(run.can_resume(), "Resume is offered: the secret may exist");
    assert!(!run.can_undo(), "Undo waits until the outcome is known");
    let fx = run.update(now, Event::Resume);
    let m = continue_run(&mut tenant, &mut run, fx, &mut now);
    assert_eq!(m.status, Status::Done);
    assert_eq!(tenant.count("POST", "removePassword"), 1);
    assert_converged(&tenant, &run, RBAC);
}

#[test]
fn another_runs_app_with_the_same_unique_name_after_a_lost_answer_is_left_alone() {
    let (mut tenant, plan, mut now) = setup(RBAC);
    // This run's upsert never reaches Graph; meanwhile another run makes the same app.
    tenant.fault("PATCH", "applications(uniqueName", vec![Fault::Drop]);
    let unique_name = mailgrant_core::job::unique_name(&plan.inputs.vendor, plan.mailbox_id);
    let other_tags = vec![
        "mailgrant".to_owned(),
        "mailgrant:run=00000000-0000-4000-8000-00000000beef".to_owned(),
    ];
    tenant.apps.push(App {
        id: "aaaaaaaa-0000-4000-8000-000000000001".into(),
        app_id: "aaaaaaaa-0000-4000-8000-000000000002".into(),
        display_name: "Another run's app".into(),
        unique_name: Some(unique_name),
        tags: other_tags.clone(),
        rra: serde_json::Value::Null,
        passwords: vec![],
        visible_at: 0,
    });
    let (mut run, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    match &m.status {
        Status::Failed(RunError::Failed {
            error: OpError::Foreign { changed: false, .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // Not written to, not counted as this run's; Undo is offered and touches nothing of it.
    assert_eq!(
        tenant.count("PATCH", ""),
        0,
        "the dropped upsert never reached it"
    );
    assert_eq!(tenant.apps[0].tags, other_tags);
    assert_eq!(tenant.apps[0].display_name, "Another run's app");
    assert!(run.can_undo() && !run.can_resume());
    let fx = run.update(now, Event::Undo);
    let m = continue_run(&mut tenant, &mut run, fx, &mut now);
    assert_eq!(m.status, Status::Done);
    assert_eq!(tenant.count("DELETE", ""), 0);
    assert_eq!(tenant.apps.len(), 1);
    assert!(tenant.sps.is_empty() && tenant.exchange_assignments.is_empty());
}
