//! Sign-in: the return from Entra ID (or another provider), what is refused without a
//! request, discovery and its prefetch, and what Debug never shows.

use super::*;

#[test]
fn a_full_sign_in_ends_on_the_mailbox_step() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    assert!(url.contains("code_challenge_method=S256"));
    assert!(
        url.contains("AppRoleAssignment.ReadWrite.All"),
        "the configured mode's scopes"
    );
    let state = return_and_sign_in(&config, &pending, &returned(&url), &[GLOBAL_ADMIN]);
    assert_eq!(state.step, Step::Mailbox);
    assert!(!state.busy);
    let session = state.session.as_ref().unwrap();
    assert_eq!(session.admin_label(), "Adele Vance (adele@contoso.example)");
    assert_eq!(
        session.tenant_id().map(|t| t.to_string()).as_deref(),
        Some(TID)
    );
    assert_eq!(session.roles, RoleCheck::Sufficient("Global Administrator"));
    assert!(session.unknowns.is_empty(), "{:?}", session.unknowns);
    assert!(!format!("{state:?}").contains("AT-secret"));
}

#[test]
fn a_callback_that_does_not_match_is_refused_without_a_request() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    // Each: what comes back, and what the error says. No token request in any.
    let cases: Vec<(String, Option<String>, &str)> = vec![
        // A tampered state.
        ("?code=the-code&state=forged".into(), Some(pending.clone()), "not used"),
        // A replayed callback: no pending entry any more.
        ("?code=the-code&state=whatever".into(), None, "*"),
        // Cancel on consent.
        (
            format!("?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent.&state={st}"),
            Some(pending.clone()),
            "declined",
        ),
    ];
    for (query, pending, says) in cases {
        let mut fresh = State::new(&config);
        check(
            &mut fresh,
            &config,
            vec![
                (
                    load(&query, pending, None),
                    Expect::fx(&["RemovePending", "StripCallbackFromUrl"])
                        .error(says)
                        .signed_in(false),
                ),
                (
                    Event::TryAgain,
                    Expect::fx(&[]).step(Step::Welcome).no_error(),
                ),
            ],
        );
        assert_eq!(fresh.mode, ScopeMode::ApplicationAccessPolicy);
        // Try again starts over.
        let (_, url) = start(&mut fresh, &config);
        assert!(url.starts_with("https://login.microsoftonline.com/"));
    }
}

#[test]
fn a_bad_nonce_is_refused() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let mut back = State::new(&config);
    let answer =
        serde_json::json!({"access_token": "AT", "id_token": id_token("other-nonce", &[])});
    let token = http(Purpose::Token, 200, &answer.to_string());
    let then = Expect::fx(&[]).error("nonce").signed_in(false);
    check(&mut back, &config, redeemed(&url, pending, token, then));
}

#[test]
fn a_plain_load_drops_a_leftover_pending_entry_and_prefetches_discovery() {
    let config = config();
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (
                load("", Some("{}".into()), None),
                Expect::fx(&["RemovePending", "Http Prefetch"]),
            ),
            (load("", None, None), Expect::fx(&["Http Prefetch"])),
            // A failed prefetch says nothing yet; Sign in tries again and says it then.
            (http(Purpose::Prefetch, 503, ""), Expect::fx(&[]).no_error()),
            (failed(Purpose::Prefetch), Expect::fx(&[]).no_error()),
            (click(1, 2, 3), Expect::fx(&["Http Discovery"])),
            (
                http(Purpose::Discovery, 503, ""),
                Expect::fx(&[]).some_error().busy(false),
            ),
        ],
    );
    assert!(state.error.is_some());
}

#[test]
fn a_prefetched_discovery_makes_sign_in_immediate_and_lists_the_providers_scopes() {
    let config = generic_config("mailgrant-spa", true, "applicationAccessPolicy");
    let mut state = State::new(&config);
    let generic = r#"{"issuer":"https://idp.example/realms/acme","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#;
    check(
        &mut state,
        &config,
        vec![(load("", None, None), Expect::any())],
    );
    assert!(state.provider_is_entra(), "assumed before discovery");
    check(
        &mut state,
        &config,
        vec![(
            http(Purpose::Prefetch, 200, generic),
            Expect::fx(&[]).no_error(),
        )],
    );
    assert!(!state.provider_is_entra());
    let names: Vec<_> = state
        .requested_scopes()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(names, ["openid", "profile", "email"]);
    check(
        &mut state,
        &config,
        vec![(click(1, 2, 3), Expect::fx(&["SavePending", "Navigate"]))],
    );
}

#[test]
fn debug_output_reveals_no_code_state_nonce_verifier_or_token() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let stored = PendingSignIn::from_storage(&pending).unwrap();
    let mut back = State::new(&config);
    let fx = check(
        &mut back,
        &config,
        vec![
            (
                load(
                    &format!("?code=CODE-canary&state={st}"),
                    Some(pending.clone()),
                    None,
                ),
                Expect::any(),
            ),
            (http(Purpose::Discovery, 200, DISCOVERY), Expect::any()),
        ],
    );
    let shown = format!("{back:?} {fx:?} {stored:?}");
    for canary in [
        "CODE-canary",
        st.as_str(),
        stored.nonce.as_str(),
        stored.verifier.expose_secret(),
    ] {
        assert!(!shown.contains(canary), "{canary} in {shown}");
    }
    let mut fresh = State::new(&config);
    let fx = check(
        &mut fresh,
        &config,
        vec![
            (click(1, 2, 3), Expect::any()),
            (http(Purpose::Discovery, 200, DISCOVERY), Expect::any()),
        ],
    );
    let shown = format!("{fx:?}");
    assert!(
        shown.contains(
            "Navigate(https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?[redacted])"
        ),
        "{shown}"
    );
}

#[test]
fn back_from_the_sign_in_page_unsticks_the_page() {
    let config = config();
    let mut state = State::new(&config);
    start(&mut state, &config);
    assert!(state.busy);
    check(
        &mut state,
        &config,
        vec![(
            Event::Restored,
            Expect::fx(&["RemovePending"])
                .busy(false)
                .step(Step::Welcome)
                .error("AADSTS50011"),
        )],
    );
    // A restored idle page is left alone.
    let mut idle = State::new(&config);
    check(
        &mut idle,
        &config,
        vec![(Event::Restored, Expect::fx(&[]).no_error())],
    );
}

#[test]
fn a_network_failure_on_the_identity_look_ups_still_reaches_the_mailbox_step() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let nonce = PendingSignIn::from_storage(&pending).unwrap().nonce;
    let answer =
        serde_json::json!({"access_token": "AT", "id_token": id_token(&nonce, &[GLOBAL_ADMIN])});
    let mut back = State::new(&config);
    let token = http(Purpose::Token, 200, &answer.to_string());
    let mut rows = redeemed(&url, pending, token, Expect::any());
    rows.extend([
        (failed(Purpose::Me), Expect::any().step(Step::SignIn)),
        (
            failed(Purpose::Organization),
            Expect::any().step(Step::Mailbox).no_error(),
        ),
    ]);
    check(&mut back, &config, rows);
    let s = back.session.as_ref().unwrap();
    assert_eq!(s.unknowns.len(), 2, "{:?}", s.unknowns);
    assert_eq!(
        s.admin_label(),
        "Adele Vance (adele@contoso.example)",
        "falls back to the ID token"
    );
}

#[test]
fn a_generic_oidc_provider_signs_in_and_what_is_unknown_is_said() {
    // No `{tenantid}` template, no `tid`, no `wids`, and no Microsoft Graph behind it.
    let config = generic_config(CLIENT, true, "rbacForApplications");
    let mut state = State::new(&config);
    let fx = check(
        &mut state,
        &config,
        vec![
            (click(4, 5, 6), Expect::any()),
            (
                http(Purpose::Discovery, 200, GENERIC_DISCOVERY),
                Expect::fx(&["SavePending", "Navigate"]),
            ),
        ],
    );
    let (pending, url) = redirect(&fx[1]);
    let nonce = PendingSignIn::from_storage(&pending).unwrap().nonce;
    let token = format!(
        "h.{}.s",
        URL_SAFE_NO_PAD.encode(
            serde_json::json!({"iss": "https://idp.example/realms/acme", "aud": CLIENT, "exp": NOW + 60,
                "nonce": nonce, "sub": "u-1", "preferred_username": "ada@acme.example", "name": "Ada"})
            .to_string()
        )
    );
    let mut back = State::new(&config);
    check(
        &mut back,
        &config,
        vec![
            (load(&returned(&url), Some(pending), None), Expect::any()),
            (
                http(Purpose::Discovery, 200, GENERIC_DISCOVERY),
                Expect::any(),
            ),
            // Its access token is not Graph's: it goes nowhere.
            (
                http(
                    Purpose::Token,
                    200,
                    &serde_json::json!({"access_token": "AT", "id_token": token}).to_string(),
                ),
                Expect::fx(&[])
                    .step(Step::Mailbox)
                    .busy(false)
                    .signed_in(true),
            ),
        ],
    );
    let s = back.session.as_ref().unwrap();
    assert_eq!(s.admin_label(), "Ada (ada@acme.example)");
    assert_eq!(s.tenant_id(), None);
    assert_eq!(s.roles, RoleCheck::Unknown);
    let said = s.unknowns.join(" | ");
    for what in ["tenant id", "wids", "not Microsoft Entra ID"] {
        assert!(said.contains(what), "{what} not said: {said}");
    }
    let before = s.unknowns.clone();
    check(
        &mut back,
        &config,
        vec![
            // The setup cannot start, and says why, without a request.
            (
                mailbox("invoices@acme.example"),
                Expect::fx(&[]).error("Microsoft Entra ID"),
            ),
            // Answers nobody asked for change nothing.
            (http(Purpose::Me, 404, "{}"), Expect::fx(&[])),
        ],
    );
    assert_eq!(back.session.as_ref().unwrap().unknowns, before);
}

#[test]
fn another_provider_is_asked_only_for_openid_scopes_and_must_name_itself() {
    let config = generic_config("mailgrant-spa", false, "applicationAccessPolicy");
    let discovery = r#"{"issuer":"https://idp.example/realms/acme",
        "authorization_endpoint":"https://idp.example/realms/acme/auth",
        "token_endpoint":"https://idp.example/realms/acme/token",
        "scopes_supported":["openid","email"],
        "authorization_response_iss_parameter_supported":true}"#;
    let mut state = State::new(&config);
    let fx = check(
        &mut state,
        &config,
        vec![
            (click(4, 5, 6), Expect::any()),
            (http(Purpose::Discovery, 200, discovery), Expect::any()),
        ],
    );
    let (pending, url) = redirect(&fx[1]);
    assert_eq!(query_param(&url, "scope"), "openid+email");
    assert_eq!(query_param(&url, "client_id"), "mailgrant-spa");
    let st = query_param(&url, "state");
    // The provider promised `iss`: an answer without it, or naming another issuer, is refused;
    // the right one is redeemed.
    for (iss, then) in [
        ("", vec![]),
        ("&iss=https%3A%2F%2Fevil.example", vec![]),
        (
            "&iss=https%3A%2F%2Fidp.example%2Frealms%2Facme",
            vec!["Http Token"],
        ),
    ] {
        let mut back = State::new(&config);
        let expect = Expect::fx(&then);
        let expect = if then.is_empty() {
            expect.some_error()
        } else {
            expect.no_error()
        };
        check(
            &mut back,
            &config,
            vec![
                (
                    load(
                        &format!("?code=c&state={st}{iss}"),
                        Some(pending.clone()),
                        None,
                    ),
                    Expect::any(),
                ),
                (http(Purpose::Discovery, 200, discovery), expect),
            ],
        );
        assert_eq!(back.error.is_some(), then.is_empty(), "{iss}");
    }
}

#[test]
fn another_providers_discovery_must_name_the_configured_authority_as_issuer() {
    let config = generic_config("mailgrant-spa", false, "rbacForApplications");
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (click(1, 2, 3), Expect::any()),
            (
                http(
                    Purpose::Discovery,
                    200,
                    r#"{"issuer":"https://elsewhere.example","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#,
                ),
                Expect::fx(&[]).error("elsewhere.example"),
            ),
        ],
    );
}

#[test]
fn discovery_is_fetched_once_per_page() {
    let config = config();
    let mut state = State::new(&config);
    let (_, first) = start(&mut state, &config);
    // Back from the sign-in page, then Sign in again: no second discovery request.
    let fx = check(
        &mut state,
        &config,
        vec![
            (Event::Restored, Expect::any()),
            (click(1, 2, 3), Expect::fx(&["SavePending", "Navigate"])),
        ],
    );
    let (_, url) = redirect(&fx[1]);
    assert_ne!(query_param(&url, "state"), query_param(&first, "state"));
}

#[test]
fn a_late_prefetch_answer_never_signs_in_without_a_click() {
    let config = config();
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (load("", None, None), Expect::any()),
            // The click's own discovery fails before the slower prefetch answers.
            (click(1, 2, 3), Expect::any()),
            (
                http(Purpose::Discovery, 503, ""),
                Expect::any().some_error(),
            ),
            // No navigation without a new click.
            (http(Purpose::Prefetch, 200, DISCOVERY), Expect::fx(&[])),
        ],
    );
    // A bfcache restore of a page that never left changes nothing.
    state.busy = true;
    check(
        &mut state,
        &config,
        vec![(Event::Restored, Expect::fx(&[]).busy(true))],
    );
}
