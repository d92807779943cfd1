//! The admin's roles, signing in again on the Mailbox step, and the mode (which asks for more
//! permission by signing in again, and holds while a request is under way).

use super::*;

#[test]
fn without_wids_the_roles_come_from_graph_and_only_confirm() {
    let ra = |template: &str| {
        format!(
            r##"{{"value":[{{"@odata.type":"#microsoft.graph.directoryRole","id":"r1","roleTemplateId":{template}}}]}}"##
        )
    };
    // Each: the memberOf answer, and the role check it leads to (this config's mode is AAP).
    let cases = [
        // A Privileged Role Administrator (and a group) in memberOf.
        (
            r##"{"value":[
                {"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Sales"},
                {"@odata.type":"#microsoft.graph.directoryRole","id":"r1","displayName":"Privileged Role Administrator","roleTemplateId":"e8611ab8-c189-46e8-94e1-60213ab1f814"}]}"##.to_owned(),
            RoleCheck::Sufficient("Privileged Role Administrator"),
        ),
        // Application Administrator is not enough for AAP, but memberOf proves no absence
        // (direct memberships only; role objects may come back without roleTemplateId).
        (ra(&format!("\"{APP_ADMIN}\"")), RoleCheck::Unknown),
        (ra("null"), RoleCheck::Unknown),
        (r#"{"value":[]}"#.to_owned(), RoleCheck::Unknown),
    ];
    for (answer, roles) in cases {
        let config = config();
        let (mut back, fx) = signed_in_with(&config, claims_without_wids());
        assert_eq!(back.session.as_ref().unwrap().roles, RoleCheck::Unknown);
        assert!(
            fx.iter().any(
                |e| matches!(e, Effect::Http { purpose: Purpose::Roles, url, .. }
                if url.contains("/v1.0/me/memberOf"))
            ),
            "{fx:?}"
        );
        check(
            &mut back,
            &config,
            vec![
                (
                    http(
                        Purpose::Me,
                        200,
                        r#"{"id":"x","displayName":"Alex Wilber"}"#,
                    ),
                    Expect::any(),
                ),
                (organization(), Expect::any().step(Step::SignIn)),
                (
                    http(Purpose::Roles, 200, &answer),
                    Expect::any().step(Step::Mailbox),
                ),
            ],
        );
        let s = back.session.as_ref().unwrap();
        assert_eq!(s.roles, roles, "{answer}");
        assert_eq!(
            s.unknowns.iter().any(|u| u.contains("wids")),
            roles == RoleCheck::Unknown,
            "{:?}",
            s.unknowns
        );
    }
}

// ---- the Mailbox step and sign-in again ----

#[test]
fn an_expired_token_on_the_mailbox_step_signs_in_again_and_looks_the_mailbox_up_again() {
    let config = config();
    let mut state = signed_in(&config);
    let fx = check(
        &mut state,
        &config,
        vec![(mailbox("invoices@contoso.example"), Expect::any())],
    );
    assert!(!fx[0].is_empty());
    for e in fx.into_iter().flatten() {
        if let Effect::Graph { kind, attempt, .. } = e {
            state.update(
                &config,
                Event::Run {
                    kind,
                    event: crate::run::Event::answered(
                        attempt,
                        401,
                        r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#,
                    ),
                    now_ms: NOW * 1000,
                },
            );
        }
    }
    assert!(state.needs_sign_in_again(), "{:?}", state.error);
    // Back from Microsoft's page without signing in: the Mailbox step, usable again.
    let fx = check(
        &mut state,
        &config,
        vec![
            (click(9, 9, 9), Expect::any().step(Step::Mailbox)),
            (
                Event::Restored,
                Expect::fx(&["RemovePending"])
                    .busy(false)
                    .step(Step::Mailbox),
            ),
            (click(1, 2, 3), Expect::fx(&["SavePending", "Navigate"])),
        ],
    );
    assert!(state.needs_sign_in_again());
    let (pending, url) = redirect(&fx[2]);
    assert!(url.contains("login_hint=adele%40contoso.example"), "{url}");
    assert_eq!(
        PendingSignIn::from_storage(&pending)
            .unwrap()
            .mailbox
            .as_deref(),
        Some("invoices@contoso.example")
    );
    let state = return_and_sign_in(&config, &pending, &returned(&url), &[GLOBAL_ADMIN]);
    // Signed in again, the look-up runs again without the admin typing the address.
    assert!(state.busy);
    assert_eq!(
        state.setup.inputs.as_ref().unwrap().mailbox.to_string(),
        "invoices@contoso.example"
    );
    assert!(state.setup.preflight.is_some());
}

// ---- the mode ----

#[test]
fn a_mode_that_needs_more_permission_asks_for_it_by_signing_in_again() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    let (pending, url) = start(&mut state, &config);
    assert!(!url.contains("AppRoleAssignment"));
    let mut state = return_and_sign_in(&config, &pending, &returned(&url), &[APP_ADMIN]);
    assert!(state.can_change_mode());
    assert!(state.missing_scopes().is_empty());
    assert_eq!(
        state.session.as_ref().unwrap().roles,
        RoleCheck::Sufficient("Application Administrator")
    );
    let missing =
        |s: &State| -> Vec<&str> { s.missing_scopes().into_iter().map(|(s, _)| s).collect() };
    let sufficient =
        |s: &State| matches!(s.session.as_ref().unwrap().roles, RoleCheck::Sufficient(_));

    // Application Access Policy: the role no longer suffices, and a permission is missing.
    check(
        &mut state,
        &config,
        vec![(
            Event::ModeChosen(ScopeMode::ApplicationAccessPolicy),
            Expect::fx(&[]),
        )],
    );
    assert_eq!(state.mode, ScopeMode::ApplicationAccessPolicy);
    assert!(!sufficient(&state));
    assert_eq!(missing(&state), ["AppRoleAssignment.ReadWrite.All"]);
    // Nothing runs without the permission.
    check(
        &mut state,
        &config,
        vec![(
            mailbox("invoices@contoso.example"),
            Expect::fx(&[]).error("AppRoleAssignment"),
        )],
    );

    // Back to RBAC: nothing is missing, the role suffices again.
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    assert!(missing(&state).is_empty());
    assert!(sufficient(&state));

    // Signing in again for AAP asks for the grant permission, with a hint.
    let fx = check(
        &mut state,
        &config,
        vec![
            (
                Event::ModeChosen(ScopeMode::ApplicationAccessPolicy),
                Expect::any(),
            ),
            (click(1, 2, 3), Expect::fx(&["SavePending", "Navigate"])),
        ],
    );
    let (pending, url) = redirect(&fx[1]);
    assert!(url.contains("AppRoleAssignment.ReadWrite.All"), "{url}");
    assert!(url.contains("login_hint="), "{url}");
    assert_eq!(
        PendingSignIn::from_storage(&pending).unwrap().mode,
        ScopeMode::ApplicationAccessPolicy
    );
}

#[test]
fn the_mode_does_not_change_while_a_request_is_under_way() {
    let config = config();
    let mut state = signed_in(&config);
    assert!(state.can_change_mode());
    state.busy = true;
    assert!(!state.can_change_mode(), "not while a request is under way");
    let before = state.mode;
    let other = ScopeMode::ALL.into_iter().find(|m| *m != before).unwrap();
    check(
        &mut state,
        &config,
        vec![(Event::ModeChosen(other), Expect::fx(&[]))],
    );
    assert_eq!(state.mode, before);
}

#[test]
fn a_token_answer_that_does_not_echo_the_openid_scopes_lacks_nothing() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    let (pending, url) = start(&mut state, &config);
    let mut state = return_and_sign_in(&config, &pending, &returned(&url), &[GLOBAL_ADMIN]);
    state.session.as_mut().unwrap().granted = super::sign_in::granted_scopes(
        "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Application.ReadWrite.All User.Read.All GroupMember.Read.All RoleManagement.ReadWrite.Exchange",
        &config.graph_base_url,
    );
    assert!(
        state.missing_scopes().is_empty(),
        "{:?}",
        state.missing_scopes()
    );
    state.update(
        &config,
        Event::ModeChosen(ScopeMode::ApplicationAccessPolicy),
    );
    let missing: Vec<_> = state.missing_scopes().into_iter().map(|(s, _)| s).collect();
    assert_eq!(missing, ["AppRoleAssignment.ReadWrite.All"]);
}
