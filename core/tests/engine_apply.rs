//! The executor on the happy paths: fresh tenants in both modes, rounds vs one-at-a-time,
//! convergence on a second apply, preflight findings, Review, and secret hygiene.

mod common;

use common::*;
use mailgrant_core::config::ScopeMode;
use mailgrant_core::explain::Explain;
use mailgrant_core::op::OpError;
use mailgrant_core::plan::{self, Kind, Options, PlanError, Removal, Scope, Write};
use mailgrant_core::run::{Effect, Event, Outcome, Run, RunError, Schedule, Status};

#[test]
fn fresh_tenant_aap_takes_three_rounds_concurrently_and_five_one_at_a_time() {
    for (schedule, rounds) in [(Schedule::Concurrent, 3), (Schedule::OneAtATime, 5)] {
        let mut tenant = Tenant::new();
        let mut now = T0;
        let plan = plan_for(
            &mut tenant,
            ScopeMode::ApplicationAccessPolicy,
            Options::default(),
            &mut now,
        );
        assert_eq!(plan.depth(), 3);
        let (run, m) = apply(&mut tenant, &plan, schedule, &mut now, 1);
        assert_eq!(m.status, Status::Done, "{schedule:?}");
        assert_eq!((m.requests, m.rounds), (5, rounds), "{schedule:?}");
        assert_converged(&tenant, &run, ScopeMode::ApplicationAccessPolicy);
        assert!(run.secret().is_some());
        assert_no_secret(&tenant, &run, &m);
        // The upsert declared Mail.Send; the app is single tenant with no redirect URIs.
        assert_eq!(
            tenant.apps[0].rra[0]["resourceAccess"][0]["id"],
            mailgrant_core::graph::apps::MAIL_SEND_ROLE_ID
        );
        assert!(tenant.apps[0].tags.iter().any(|t| t == "mailgrant"));
    }
}

#[test]
fn fresh_tenant_rbac_takes_four_rounds_concurrently_and_six_one_at_a_time() {
    // App ∥ Exchange role; SP ∥ secret; the Exchange role assignment; its read-back.
    for (schedule, rounds) in [(Schedule::Concurrent, 4), (Schedule::OneAtATime, 6)] {
        let mut tenant = Tenant::new();
        let mut now = T0;
        let plan = plan_for(
            &mut tenant,
            ScopeMode::RbacForApplications,
            Options::default(),
            &mut now,
        );
        assert_eq!(plan.depth(), 4);
        let (run, m) = apply(&mut tenant, &plan, schedule, &mut now, 1);
        assert_eq!(m.status, Status::Done);
        assert_eq!((m.requests, m.rounds), (6, rounds), "{schedule:?}");
        assert_eq!(run.facts().exchange_fallback, None);
        assert_converged(&tenant, &run, ScopeMode::RbacForApplications);
        assert_eq!(tenant.apps[0].rra, serde_json::json!([]));
    }
}

#[test]
fn the_first_round_sends_the_app_upsert_and_the_look_up_together_after_the_journal() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let plan = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    let (_run, fx) = Run::apply(plan, seed(1), seed(2), Schedule::Concurrent, now);
    assert!(
        matches!(fx[0], Effect::SaveJournal(_)),
        "journal first: {fx:?}"
    );
    let methods: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Http {
                request,
                client_request_id,
                ..
            } => {
                assert_eq!(
                    request.header("client-request-id"),
                    Some(client_request_id.to_string().as_str())
                );
                assert!(request.header("authorization").is_none());
                Some((request.method, request.path.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(methods.len(), 2);
    assert_eq!(methods[0].0, "PATCH");
    assert!(methods[1]
        .1
        .contains("servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"));
    let Effect::SaveJournal(j) = &fx[0] else {
        unreachable!()
    };
    assert!(
        j.contains("\"state\":\"intent\""),
        "the upsert is journalled as an intent before it is sent: {j}"
    );
}

#[test]
fn applying_the_same_plan_twice_creates_nothing_twice() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let plan = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    let (first, _) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    // Another run with the same (now stale) plan: the app it expected to create is another
    // run's, so it stops before adding anything and will not undo it.
    let (mut second, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 2);
    match &m.status {
        Status::Failed(RunError::Failed {
            error: OpError::Foreign { changed: true, .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(second.can_undo() && !second.can_resume());
    assert!(second.secret().is_none());
    assert_eq!(tenant.apps.len(), 1);
    assert_eq!(tenant.sps.len(), 1);
    assert_eq!(tenant.grants.len(), 1);
    assert_eq!(tenant.apps[0].passwords.len(), 1);
    let fx = second.update(now, Event::Undo);
    let m = continue_run(&mut tenant, &mut second, fx, &mut now);
    assert_eq!(m.status, Status::Done);
    assert_eq!(
        tenant.count("DELETE", ""),
        0,
        "nothing of the first run is undone"
    );
    assert_eq!(tenant.apps.len(), 1);
    assert_eq!(first.outcome_of(&Kind::UPSERT_APP), Some(Outcome::Created));

    // A re-plan sees the earlier app and secret; a new secret only when asked.
    let again = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    assert!(again.ops.iter().all(|o| o.kind != Kind::ADD_PASSWORD));
    assert!(again.notices.iter().any(|n| n.contains("no new secret")));
    let asked = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options {
            new_secret: true,
            ..Options::default()
        },
        &mut now,
    );
    let (third, m) = apply(&mut tenant, &asked, Schedule::Concurrent, &mut now, 3);
    assert_eq!(m.status, Status::Done);
    assert_eq!(
        third.outcome_of(&Kind::ADD_PASSWORD),
        Some(Outcome::Created)
    );
    assert_eq!(tenant.apps[0].passwords.len(), 2);
    assert_eq!(tenant.apps.len(), 1);
}

#[test]
fn an_app_with_the_same_display_name_not_made_by_mailgrant_stops_the_plan() {
    let mut tenant = Tenant::new();
    tenant.apps.push(App {
        id: "aaaaaaaa-0000-4000-8000-000000000001".into(),
        app_id: "aaaaaaaa-0000-4000-8000-000000000002".into(),
        display_name: "Contoso Mailer mail sender".into(),
        unique_name: None,
        tags: vec![],
        rra: serde_json::json!([]),
        passwords: vec![],
        visible_at: 0,
    });
    let mut now = T0;
    let i = inputs(ScopeMode::RbacForApplications);
    let f = preflight(&mut tenant, &i, &mut now).unwrap();
    let err = plan::build(&i, &f, Options::default(), Scope::default(), "0.1.0").unwrap_err();
    assert!(
        matches!(
            err,
            PlanError::SameNameExists {
                made_by_mailgrant: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.explain().fix.contains("never modifies or adopts"));
    // Nothing was written.
    assert!(tenant.log.iter().all(|(m, _, _)| m == "GET"));
}

#[test]
fn a_guest_or_missing_mailbox_is_refused() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let mut i = inputs(ScopeMode::RbacForApplications);
    i.mailbox = mailgrant_core::ids::SmtpAddress::parse("nobody@contoso.com").unwrap();
    let status = preflight(&mut tenant, &i, &mut now).unwrap_err();
    let Status::Failed(e) = status else {
        panic!("{status:?}")
    };
    assert!(
        e.explain()
            .title
            .contains("No mailbox in your tenant has this address"),
        "{e:?}"
    );
    assert_eq!(
        e.explain().detail,
        "The step “check the mailbox” stopped: no user in this tenant has the sign-in name, \
         primary address or alias nobody@contoso.com."
    );
    // A guest is refused by the look-up itself, before any plan is made.
    i.mailbox = mailgrant_core::ids::SmtpAddress::parse("guest@contoso.com").unwrap();
    let Status::Failed(e) = preflight(&mut tenant, &i, &mut now).unwrap_err() else {
        panic!("a failure")
    };
    assert!(e.explain().title.contains("guest account"), "{e:?}");
    // An address on a domain the tenant does not own is named as such.
    i.mailbox = mailgrant_core::ids::SmtpAddress::parse("someone@fabrikam.example").unwrap();
    let Status::Failed(e) = preflight(&mut tenant, &i, &mut now).unwrap_err() else {
        panic!("a failure")
    };
    let why = e.explain();
    assert!(
        why.title
            .contains("fabrikam.example is not one of your tenant's domains")
            && why.detail.contains("contoso.com"),
        "{why:?}"
    );
    // Nothing was written.
    assert!(tenant.log.iter().all(|(m, _, _)| m == "GET"));
}

#[test]
fn rbac_mode_refuses_to_keep_an_unscoped_grant_and_removes_it_when_asked() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    // An earlier Application Access Policy setup for the same mailbox.
    let aap = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    apply(&mut tenant, &aap, Schedule::Concurrent, &mut now, 1);
    assert_eq!(tenant.grants.len(), 1);

    // Kept, the grant would let the app send as every mailbox: no plan, nothing written.
    let i = common::inputs(ScopeMode::RbacForApplications);
    let f = common::preflight(&mut tenant, &i, &mut now).expect("preflight");
    assert!(f.grants.iter().any(|g| g.is_mail_send()));
    let left = plan::build(&i, &f, Options::default(), plan::Scope::default(), "0.1.0");
    assert!(
        matches!(left, Err(plan::PlanError::UnscopedGrantKept { .. })),
        "{left:?}"
    );

    let fix = plan_for(
        &mut tenant,
        ScopeMode::RbacForApplications,
        Options {
            remove_unscoped_grant: true,
            ..Options::default()
        },
        &mut now,
    );
    assert!(fix.ops.iter().any(|o| matches!(
        o.kind,
        Kind::Write(Write::Remove(Removal::Grant { unscoped: true, .. }))
    )));
    let (_run, m) = apply(&mut tenant, &fix, Schedule::Concurrent, &mut now, 2);
    assert_eq!(m.status, Status::Done);
    assert!(tenant.grants.is_empty());
    assert_eq!(
        tenant.apps[0].rra,
        serde_json::json!([]),
        "Mail.Send is no longer declared"
    );
    assert_eq!(tenant.apps.len(), 1);
}

#[test]
fn review_shows_method_path_body_and_why_with_placeholders() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let plan = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    let review = plan.review();
    let text: Vec<String> = review
        .iter()
        .map(|l| {
            format!(
                "{} {}\n{}\n# {}",
                l.method,
                l.path,
                l.body.clone().unwrap_or_default(),
                l.why
            )
        })
        .collect();
    let all = text.join("\n\n");
    assert_eq!(review.len(), 5);
    assert!(
        all.contains(&format!(
            "PATCH /v1.0/applications(uniqueName='mailgrant-contoso-mailer-{MAILBOX_ID}')"
        )),
        "{all}"
    );
    assert!(
        all.contains("POST /v1.0/applications/{app object id}/addPassword"),
        "{all}"
    );
    assert!(all.contains("{now + 180 days}"), "{all}");
    assert!(
        all.contains(
            "POST /v1.0/servicePrincipals/{Microsoft Graph service principal id}/appRoleAssignedTo"
        ),
        "{all}"
    );
    assert!(
        all.contains("\"principalId\": \"{service principal id}\""),
        "{all}"
    );
    assert!(review.iter().all(|l| !l.why.is_empty()));
}

#[test]
fn the_secret_never_reaches_the_journal_the_log_or_debug_output() {
    let mut tenant = Tenant::new();
    let mut now = T0;
    let plan = plan_for(
        &mut tenant,
        ScopeMode::ApplicationAccessPolicy,
        Options::default(),
        &mut now,
    );
    let (mut run, m) = apply(&mut tenant, &plan, Schedule::Concurrent, &mut now, 1);
    let secret = tenant.secrets_issued[0].clone();
    assert_eq!(run.secret().unwrap().expose_secret(), secret);
    assert_no_secret(&tenant, &run, &m);
    let ev = Event::answered(1, 200, format!("{{\"secretText\":\"{secret}\"}}"));
    assert!(!format!("{ev:?}").contains(&secret));
    let fx = run.update(now, Event::SecretHandedOff);
    let Some(Effect::SaveJournal(j)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert!(j.contains("\"secretHandedOff\":true") && !j.contains(&secret));
    // The log has what an admin needs to trace each call.
    let log = run.log();
    assert_eq!(log.len(), 5);
    assert!(log
        .iter()
        .all(|l| l.status.is_some() && l.request_id.is_some() && l.client_request_id.len() == 36));
}

#[test]
fn a_shared_mailbox_in_the_legacy_mode_is_scoped_through_a_new_group() {
    use mailgrant_core::powershell::{setup_script, Cloud, ScopeTarget, ScriptInput};
    let i = inputs(ScopeMode::ApplicationAccessPolicy);
    let findings = plan::Findings {
        // A disabled account with a mail address: how Graph v1.0 shows a shared mailbox.
        mailbox: <mailgrant_core::graph::apps::MailboxUser as mailgrant_core::FromJson>::from_json(
            &serde_json::json!({
                "id": MAILBOX_ID, "userType": "Member", "mail": MAILBOX, "accountEnabled": false
            }),
        )
        .unwrap(),
        mailbox_kind: Default::default(),
        app: None,
        same_name: vec![],
        sp: None,
        grants: vec![],
    };
    let plan = plan::build(&i, &findings, Options::default(), Scope::default(), "0.1.0").unwrap();
    let ScopeTarget::NewGroup { name, address } = &plan.scope.target else {
        panic!("{:?}", plan.scope.target)
    };
    assert_eq!(address.as_str(), "mailgrant-11111111@contoso.com");
    assert_eq!(
        name.as_str(),
        "mailgrant Contoso Mailer mail sender senders"
    );
    assert!(
        plan.notices.iter().any(|n| n.contains("shared mailbox")),
        "{:?}",
        plan.notices
    );
    let ids = |s: &str| mailgrant_core::ids::ObjectId::parse(s).unwrap();
    let script = setup_script(&ScriptInput {
        tenant_id: i.tenant,
        cloud: Cloud::Global,
        admin_upn: mailgrant_core::ids::SmtpAddress::parse("admin@contoso.com").unwrap(),
        client_id: mailgrant_core::ids::ClientId::parse("6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f")
            .unwrap(),
        service_principal_id: ids("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        app_display_name: mailgrant_core::powershell::DisplayText::parse(
            "Contoso Mailer mail sender",
        )
        .unwrap(),
        mailbox_object_id: plan.mailbox_id,
        mailbox: i.mailbox.clone(),
        denied_mailbox: None,
        mode: i.mode,
        target: plan.scope.target.clone(),
        description: None,
        exchange_applied: false,
    })
    .unwrap();
    insta::assert_snapshot!("aap_shared_mailbox_setup", script);
    // The policy is scoped to the group, never to the shared mailbox itself.
    assert!(script.contains("= 'mailgrant-11111111@contoso.com'  # -PolicyScopeGroupId"));
    assert!(
        !script.contains(&format!("PolicyScope = '{MAILBOX}'")),
        "{script}"
    );
    assert!(script.contains("New-DistributionGroup -Name $GroupName -Type Security"));
    // In RBAC mode the shared mailbox is scoped directly (by its user object).
    let rbac = inputs(ScopeMode::RbacForApplications);
    let plan = plan::build(
        &rbac,
        &findings,
        Options::default(),
        Scope::default(),
        "0.1.0",
    )
    .unwrap();
    assert_eq!(plan.scope.target, ScopeTarget::OneMailbox);
}
