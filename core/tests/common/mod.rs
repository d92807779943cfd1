//! A tiny simulated tenant: an in-memory model of the Graph behaviour the executor relies on
//! (upserts, replication lag, duplicate grants, policies), with scripted faults and a virtual clock.
#![allow(dead_code)]

use std::collections::VecDeque;

use mailgrant_core::config::ScopeMode;
use mailgrant_core::graph::apps::{GRAPH_APP_ID, MAIL_SEND_ROLE_ID};
use mailgrant_core::graph::Request;
use mailgrant_core::ids::{SmtpAddress, TenantId};
use mailgrant_core::plan::{self, Findings, Inputs, Options, Plan};
use mailgrant_core::powershell::{confirmation_code, policy_scope};
use mailgrant_core::run::{
    measure, Effect, Event, Headers, Measurement, Reply, Run, Schedule, Status,
};
use serde_json::{json, Value};

pub const T0: u64 = 1_795_000_000_000; // 2026-11-18, Unix ms
pub const MAILBOX: &str = "shared.sender@contoso.com";
pub const MAILBOX_ID: &str = "11111111-2222-4333-8444-555555555555";
pub const GRAPH_SP_ID: &str = "99999999-0000-4000-8000-000000000001";

mod tenant;
pub use tenant::*;

pub fn inputs(mode: ScopeMode) -> Inputs {
    Inputs {
        tenant: TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
        mailbox: SmtpAddress::parse(MAILBOX).unwrap(),
        mode,
        vendor: "Contoso Mailer".into(),
        app_display_name: "Contoso Mailer mail sender".into(),
        secret_lifetime_days: 180,
        credential: Default::default(),
    }
}

pub fn seed(n: u8) -> [u8; 16] {
    [n; 16]
}

/// Runs the preflight against the tenant.
#[allow(clippy::result_large_err)]
pub fn preflight(tenant: &mut Tenant, inputs: &Inputs, now: &mut u64) -> Result<Findings, Status> {
    let (mut run, fx) = Run::preflight(inputs.clone(), seed(1), *now);
    let m = measure(&mut run, fx, now, 100, |t, r| tenant.respond(t, r));
    run.findings().ok_or(m.status)
}

pub fn plan_for(tenant: &mut Tenant, mode: ScopeMode, options: Options, now: &mut u64) -> Plan {
    let i = inputs(mode);
    let f = preflight(tenant, &i, now).expect("preflight");
    plan::build(&i, &f, options, plan::Scope::default(), "0.1.0").expect("plan")
}

pub fn apply(
    tenant: &mut Tenant,
    plan: &Plan,
    schedule: Schedule,
    now: &mut u64,
    run_seed: u8,
) -> (Run, Measurement) {
    let (mut run, fx) = Run::apply(
        plan.clone(),
        seed(run_seed),
        seed(run_seed + 100),
        schedule,
        *now,
    );
    let m = continue_run(tenant, &mut run, fx, now);
    (run, m)
}

/// Runs to idleness; a run that waits for the legacy script gets its code (as the admin types
/// it after the script's PASS) and goes on. The rounds and requests of both parts add up.
pub fn continue_run(
    tenant: &mut Tenant,
    run: &mut Run,
    fx: Vec<Effect>,
    now: &mut u64,
) -> Measurement {
    let mut m = measure(run, fx, now, 200, |t, r| tenant.respond(t, r));
    if m.status == Status::Waiting {
        let fx = run.update(
            *now,
            Event::Confirm {
                code: script_code(run),
            },
        );
        let more = measure(run, fx, now, 200, |t, r| tenant.respond(t, r));
        m = Measurement {
            requests: m.requests + more.requests,
            rounds: m.rounds + more.rounds,
            waited_ms: m.waited_ms + more.waited_ms,
            journal: more.journal.or(m.journal),
            sent: [m.sent, more.sent].concat(),
            status: more.status,
        };
    }
    m
}

/// The code the legacy script prints after PASS for this run's app and scope.
pub fn script_code(run: &Run) -> String {
    let plan = run.plan().expect("an apply run");
    confirmation_code(
        run.facts().app_id.expect("the app id"),
        policy_scope(&plan.inputs.mailbox, &plan.scope.target),
    )
}

/// No secret text the tenant issued appears in the journal, the log, or any Debug output.
pub fn assert_no_secret(tenant: &Tenant, run: &Run, m: &Measurement) {
    let texts = [
        run.journal().unwrap_or_default(),
        m.journal.clone().unwrap_or_default(),
        run.log_json(),
        format!("{run:?}"),
        format!("{:?}", m),
    ];
    for s in &tenant.secrets_issued {
        for t in &texts {
            assert!(!t.contains(s.as_str()), "secret {s} leaked into {t}");
        }
        assert!(!t_contains_any(&texts, "CANARY"));
    }
}

fn t_contains_any(texts: &[String], needle: &str) -> bool {
    texts.iter().any(|t| t.contains(needle))
}

/// The tenant holds exactly what the run records, and nothing mailgrant made is unaccounted for.
pub fn assert_converged(tenant: &Tenant, run: &Run, mode: ScopeMode) {
    let ctx = run.facts();
    assert_eq!(tenant.apps.len(), 1, "apps: {:?}", tenant.apps);
    let app = &tenant.apps[0];
    assert_eq!(Some(app.id.clone()), ctx.app.map(|a| a.to_string()));
    assert_eq!(tenant.sps.len(), 1);
    assert_eq!(
        Some(tenant.sps[0].id.clone()),
        ctx.sp.map(|a| a.to_string())
    );
    assert_eq!(app.passwords.len(), 1, "passwords: {:?}", app.passwords);
    assert_eq!(
        Some(app.passwords[0].0.clone()),
        ctx.key_id.map(|k| k.to_string())
    );
    match mode {
        ScopeMode::ApplicationAccessPolicy => {
            assert_eq!(tenant.grants.len(), 1);
            assert_eq!(
                Some(tenant.grants[0].id.as_str()),
                ctx.grant_id.as_ref().map(|g| g.as_str())
            );
            assert_eq!(tenant.grants[0].role, MAIL_SEND_ROLE_ID);
            assert_eq!(tenant.grants[0].resource, GRAPH_SP_ID);
        }
        ScopeMode::RbacForApplications => {
            assert!(tenant.grants.is_empty());
            assert_eq!(tenant.exchange_assignments.len(), 1);
            let a = &tenant.exchange_assignments[0];
            assert_eq!(
                Some(a.id.clone()),
                ctx.exchange_assignment.map(|g| g.to_string())
            );
            assert_eq!(a.scope, format!("/Users/{MAILBOX_ID}"));
            assert_eq!(
                a.principal,
                format!("/ServicePrincipals/{}", tenant.sps[0].id)
            );
        }
    }
}
