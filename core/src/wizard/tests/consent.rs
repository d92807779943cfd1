//! GroupMember.Read.All is asked for only when the admin scopes the app to an existing group
//! (incremental consent), and the group is checked after the sign-in that grants it.

use super::*;
use crate::wizard::scope::{ScopeAnswer, ScopeKind};

pub(super) fn at_scope_step(config: &Config) -> State {
    let mut state = signed_in(config);
    let inputs = crate::plan::Inputs {
        tenant: crate::ids::TenantId::parse(TID).unwrap(),
        mailbox: crate::ids::SmtpAddress::parse("invoices@contoso.example").unwrap(),
        mode: state.mode,
        vendor: "V".into(),
        app_display_name: "V x".into(),
        secret_lifetime_days: 180,
        credential: Default::default(),
    };
    state.setup.findings = Some(crate::plan::Findings {
        mailbox: <crate::graph::apps::MailboxUser as crate::FromJson>::from_json(
            &serde_json::json!({
                "id": "bbbbbbbb-0000-0000-0000-000000000002", "userType": "Member",
                "mail": "invoices@contoso.example"
            }),
        )
        .unwrap(),
        mailbox_kind: Default::default(),
        app: None,
        same_name: vec![],
        sp: None,
        grants: vec![],
    });
    state.setup.inputs = Some(inputs);
    state.step = Step::Scope;
    state
}

fn group_answer() -> ScopeAnswer {
    ScopeAnswer {
        kind: ScopeKind::ExistingGroup,
        group_address: "senders@contoso.example".into(),
        ..ScopeAnswer::one_mailbox()
    }
}

#[test]
fn the_first_sign_in_does_not_ask_for_group_reads() {
    let config = config();
    let mut state = State::new(&config);
    let (_, url) = start(&mut state, &config);
    let scope = query_param(&url, "scope");
    assert!(scope.contains("Application.ReadWrite.All"), "{scope}");
    assert!(!scope.contains("GroupMember"), "{scope}");
}

#[test]
fn choosing_a_group_asks_for_the_permission_then_checks_the_group_after_the_sign_in() {
    let config = config();
    let mut state = at_scope_step(&config);
    let rows = vec![
        (
            Event::ScopeChosen {
                answer: group_answer(),
                seed: [4; 16],
                now_ms: NOW * 1000,
            },
            Expect::fx(&[]).error("one more permission"),
        ),
        (click(7, 8, 9), Expect::any()),
    ];
    let fx = check(&mut state, &config, rows);
    assert_eq!(state.step, Step::Scope);
    assert_eq!(
        state.missing_scopes(),
        vec![crate::auth::GROUP_MEMBERS_SCOPE]
    );
    let all: Vec<&Effect> = fx.iter().flatten().collect();
    let pending = all
        .iter()
        .find_map(|e| match e {
            Effect::SavePending(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a sign-in that asks for the permission");
    let url = all
        .iter()
        .find_map(|e| match e {
            Effect::Navigate(u) => Some(u.clone()),
            _ => None,
        })
        .unwrap();
    assert!(query_param(&url, "scope").contains("GroupMember.Read.All"));
    let stored = PendingSignIn::from_storage(&pending).unwrap();
    assert!(stored.extra.group_members);
    assert_eq!(
        stored.scope_answer.unwrap()["groupAddress"],
        "senders@contoso.example"
    );
    assert_eq!(stored.mailbox.as_deref(), Some("invoices@contoso.example"));
}

#[test]
fn a_single_mailbox_needs_no_group_permission() {
    let config = config();
    let mut state = at_scope_step(&config);
    check(
        &mut state,
        &config,
        vec![(
            Event::ScopeChosen {
                answer: ScopeAnswer::one_mailbox(),
                seed: [4; 16],
                now_ms: NOW * 1000,
            },
            Expect::fx(&[]).error("").step(Step::Review),
        )],
    );
    assert!(state.missing_scopes().is_empty());
}

/// RBAC mode with an unscoped Mail.Send grant on the app: kept, there is no plan; removed, it
/// needs AppRoleAssignment.ReadWrite.All, which that mode's first sign-in does not ask for: it
/// is asked for then (incremental consent), with the Scope step's answer kept for the return.
/// Either way Review is not reached and nothing is sent to Graph.
#[test]
fn an_unscoped_grant_is_never_kept_and_its_removal_asks_for_the_permission() {
    let config = crate::config::parse(&format!(
        r#"{{"clientId":"{CLIENT}","vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}}}"#
    ))
    .unwrap();
    let mut state = at_scope_step(&config);
    assert_eq!(state.mode, ScopeMode::RbacForApplications);
    let grant =
        <crate::graph::apps::Assignment as crate::FromJson>::from_json(&serde_json::json!({
            "id": "AAAAAAAAAAAAAAAAAAAAAA", "appRoleId": crate::graph::apps::MAIL_SEND_ROLE_ID,
            "resourceId": "99999999-0000-4000-8000-000000000001",
            "principalId": "bbbbbbbb-0000-0000-0000-000000000003"
        }))
        .unwrap();
    if let Some(f) = &mut state.setup.findings {
        f.grants = vec![grant];
    }
    let answer = |remove: bool| Event::ScopeChosen {
        answer: ScopeAnswer {
            remove_unscoped_grant: remove,
            ..ScopeAnswer::one_mailbox()
        },
        seed: [4; 16],
        now_ms: NOW * 1000,
    };
    assert!(state.missing_scopes().is_empty());
    let rows = vec![
        (
            answer(false),
            Expect::fx(&[]).error("can already send as every mailbox"),
        ),
        (
            answer(true),
            Expect::fx(&[]).error("needs one more permission"),
        ),
        (click(7, 8, 9), Expect::any()),
    ];
    let fx = check(&mut state, &config, rows);
    assert_eq!(state.step, Step::Scope);
    assert!(state.setup.plan.is_none());
    assert_eq!(state.missing_scopes(), vec![crate::auth::REMOVAL_SCOPE]);
    let all: Vec<&Effect> = fx.iter().flatten().collect();
    assert!(
        !all.iter().any(|e| matches!(e, Effect::Http { .. })),
        "nothing sent"
    );
    let url = all
        .iter()
        .find_map(|e| match e {
            Effect::Navigate(u) => Some(u.clone()),
            _ => None,
        })
        .expect("a sign-in that asks for the permission");
    assert!(query_param(&url, "scope").contains("AppRoleAssignment.ReadWrite.All"));
    let pending = all
        .iter()
        .find_map(|e| match e {
            Effect::SavePending(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let stored = PendingSignIn::from_storage(&pending).unwrap();
    assert!(stored.extra.grant_removal);
    assert_eq!(stored.scope_answer.unwrap()["removeUnscopedGrant"], true);
}
