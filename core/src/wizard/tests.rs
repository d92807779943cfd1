//! Replays of the sign-in: events in, effects out.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::*;

const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const NOW: u64 = 1_800_000_000;

fn config() -> Config {
    crate::config::parse(&format!(
        r#"{{"clientId":"{CLIENT}","authority":"https://login.example/organizations/v2.0","graphBaseUrl":"https://graph.example",
            "vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"applicationAccessPolicy","supportContact":"s@v.example"}}}}"#
    ))
    .unwrap()
}

const DISCOVERY: &str = r#"{"issuer":"https://login.example/{tenantid}/v2.0",
    "authorization_endpoint":"https://login.example/organizations/oauth2/v2.0/authorize",
    "token_endpoint":"https://login.example/organizations/oauth2/v2.0/token",
    "code_challenge_methods_supported":["S256"]}"#;

fn http(purpose: Purpose, status: u16, body: &str) -> Event {
    Event::Http {
        purpose,
        status,
        body: body.into(),
        now_secs: NOW,
    }
}

fn id_token(nonce: &str, wids: &[&str]) -> String {
    let claims = serde_json::json!({
        "iss": format!("https://login.example/{TID}/v2.0"), "aud": CLIENT, "exp": NOW + 3600,
        "nbf": NOW - 10, "nonce": nonce, "tid": TID, "oid": "aaaaaaaa-0000-0000-0000-000000000001",
        "preferred_username": "adele@contoso.example", "name": "Adele Vance", "wids": wids,
    });
    format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// The page loaded at `https://vendor.example/setup/` with this query, pending sign-in entry
/// and apply journal (and zero bytes for resuming).
fn load(query: &str, pending: Option<String>, journal: Option<String>) -> Event {
    Event::Loaded {
        redirect_uri: "https://vendor.example/setup/".into(),
        query: query.into(),
        pending,
        journal,
        seed: [0; 16],
    }
}

/// The "Sign in" click on the page at `https://vendor.example/setup/`, with these CSPRNG bytes for
/// `state`, `nonce` and the verifier.
fn click(state: u8, nonce: u8, verifier: u8) -> Event {
    Event::SignInClicked {
        redirect_uri: "https://vendor.example/setup/".into(),
        random: SignInRandomness {
            state: [state; 32],
            nonce: [nonce; 32],
            verifier: [verifier; 32],
        },
    }
}

/// Clicks "Sign in" and returns the saved pending entry and the authorize URL.
fn start(state: &mut State, config: &Config) -> (String, String) {
    let fx = state.update(config, click(7, 8, 9));
    assert!(matches!(
        &fx[..],
        [Effect::Http {
            purpose: Purpose::Discovery,
            ..
        }]
    ));
    assert!(state.busy);
    let fx = state.update(config, http(Purpose::Discovery, 200, DISCOVERY));
    match &fx[..] {
        [Effect::SavePending(p), Effect::Navigate(url)] => (p.clone(), url.clone()),
        other => panic!("{other:?}"),
    }
}

fn query_param(url: &str, name: &str) -> String {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

/// A fresh page load after the redirect, through to the signed-in Mailbox step.
fn return_and_sign_in(config: &Config, pending: &str, query: &str, wids: &[&str]) -> State {
    return_and_sign_in_with(config, pending, query, wids, None)
}

/// [`return_and_sign_in`], with an apply journal of an interrupted setup in the tab.
fn return_and_sign_in_with(
    config: &Config,
    pending: &str,
    query: &str,
    wids: &[&str],
    journal: Option<String>,
) -> State {
    let mut state = State::new(config);
    let fx = state.update(config, load(query, Some(pending.into()), journal));
    assert!(
        matches!(
            &fx[..],
            [
                Effect::RemovePending,
                Effect::StripCallbackFromUrl,
                Effect::Http {
                    purpose: Purpose::Discovery,
                    ..
                }
            ]
        ),
        "{fx:?}"
    );
    let fx = state.update(config, http(Purpose::Discovery, 200, DISCOVERY));
    let form = match &fx[..] {
        [Effect::Http {
            purpose: Purpose::Token,
            method: "POST",
            url,
            form: Some(form),
            bearer: None,
        }] => {
            assert_eq!(url, "https://login.example/organizations/oauth2/v2.0/token");
            form.clone()
        }
        other => panic!("{other:?}"),
    };
    let stored = PendingSignIn::from_storage(pending).unwrap();
    assert!(form.contains("grant_type=authorization_code"));
    assert!(form.contains(&format!(
        "code_verifier={}",
        stored.verifier.expose_secret()
    )));
    assert!(form.contains("code=the-code"));
    assert!(
        form.contains("redirect_uri=https%3A%2F%2Fvendor.example%2Fsetup%2F"),
        "the redirect URI of the authorize request, known after a page load: {form}"
    );
    let granted: Vec<String> = crate::auth::scopes(stored.mode)
        .into_iter()
        .map(|(s, _)| format!("https://graph.microsoft.com/{s}"))
        .collect();
    let answer = serde_json::json!({
        "access_token": "AT-secret", "token_type": "Bearer", "expires_in": 3599,
        "scope": granted.join(" "), "id_token": id_token(&stored.nonce, wids)
    });
    let fx = state.update(config, http(Purpose::Token, 200, &answer.to_string()));
    assert_eq!(fx.len(), 2, "{fx:?}");
    for e in &fx {
        match e {
            Effect::Http {
                bearer: Some(t),
                url,
                ..
            } => {
                assert_eq!(t.expose_secret(), "AT-secret");
                assert!(url.starts_with("https://graph.example/v1.0/"));
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        !format!("{fx:?}").contains("AT-secret"),
        "effects redact the token"
    );
    state.update(
        config,
        http(Purpose::Me, 200, r#"{"id":"aaaaaaaa-0000-0000-0000-000000000001","displayName":"Adele Vance","userPrincipalName":"adele@contoso.example"}"#),
    );
    assert_eq!(state.step, Step::SignIn, "waits for both look-ups");
    state.update(
        config,
        http(
            Purpose::Organization,
            200,
            &format!(r#"{{"value":[{{"id":"{TID}","displayName":"Contoso"}}]}}"#),
        ),
    );
    state
}

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
    let st = query_param(&url, "state");
    let state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[GLOBAL_ADMIN],
    );
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
fn a_tampered_state_never_reaches_the_token_endpoint() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, _) = start(&mut state, &config);
    let mut fresh = State::new(&config);
    let fx = fresh.update(
        &config,
        load("?code=the-code&state=forged", Some(pending), None),
    );
    assert!(
        matches!(
            &fx[..],
            [Effect::RemovePending, Effect::StripCallbackFromUrl]
        ),
        "{fx:?}"
    );
    assert!(fresh.error.as_ref().unwrap().title.contains("not used"));
}

#[test]
fn a_replayed_callback_is_refused_without_a_request() {
    let config = config();
    let mut fresh = State::new(&config);
    let fx = fresh.update(&config, load("?code=the-code&state=whatever", None, None));
    assert!(matches!(
        &fx[..],
        [Effect::RemovePending, Effect::StripCallbackFromUrl]
    ));
    assert!(fresh.session.is_none());
    assert!(fresh.error.is_some());
    fresh.update(&config, Event::TryAgain);
    assert_eq!((fresh.step, fresh.error.is_none()), (Step::Welcome, true));
}

#[test]
fn cancel_on_consent_is_explained_and_try_again_starts_over() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut back = State::new(&config);
    back.update(
        &config,
        load(&format!("?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent.&state={st}"), Some(pending), None),
    );
    assert_eq!(back.mode, ScopeMode::ApplicationAccessPolicy);
    assert!(back.error.as_ref().unwrap().title.contains("declined"));
    back.update(&config, Event::TryAgain);
    assert_eq!(back.step, Step::Welcome);
    let (_, url) = start(&mut back, &config);
    assert!(url.starts_with("https://login.example/"));
}

#[test]
fn a_bad_nonce_is_refused() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut back = State::new(&config);
    back.update(
        &config,
        load(&format!("?code=c&state={st}"), Some(pending), None),
    );
    back.update(&config, http(Purpose::Discovery, 200, DISCOVERY));
    let answer =
        serde_json::json!({"access_token": "AT", "id_token": id_token("other-nonce", &[])});
    let fx = back.update(&config, http(Purpose::Token, 200, &answer.to_string()));
    assert!(fx.is_empty());
    assert!(back.session.is_none());
    assert!(back.error.as_ref().unwrap().detail.contains("nonce"));
}

#[test]
fn a_plain_load_drops_a_leftover_pending_entry() {
    let config = config();
    let mut state = State::new(&config);
    let fx = state.update(&config, load("", Some("{}".into()), None));
    assert!(
        matches!(
            &fx[..],
            [
                Effect::RemovePending,
                Effect::Http {
                    purpose: Purpose::Prefetch,
                    ..
                }
            ]
        ),
        "{fx:?}"
    );
    let fx = state.update(&config, load("", None, None));
    assert!(
        matches!(
            &fx[..],
            [Effect::Http {
                purpose: Purpose::Prefetch,
                ..
            }]
        ),
        "discovery is prefetched: {fx:?}"
    );
    // A failed prefetch says nothing yet; Sign in tries again and says it then.
    let fx = state.update(&config, http(Purpose::Prefetch, 503, ""));
    assert!(fx.is_empty() && state.error.is_none());
    let fx = state.update(
        &config,
        Event::HttpFailed {
            purpose: Purpose::Prefetch,
            reason: "offline".into(),
            now_ms: 0,
        },
    );
    assert!(fx.is_empty() && state.error.is_none());
    let fx = state.update(&config, click(1, 2, 3));
    assert!(matches!(
        &fx[..],
        [Effect::Http {
            purpose: Purpose::Discovery,
            ..
        }]
    ));
    state.update(&config, http(Purpose::Discovery, 503, ""));
    assert!(state.error.is_some());
    assert!(!state.busy);
}

#[test]
fn a_prefetched_discovery_makes_sign_in_immediate_and_lists_the_providers_scopes() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, load("", None, None));
    let generic = r#"{"issuer":"https://login.example/organizations/v2.0","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#;
    assert!(state.provider_is_entra(), "assumed before discovery");
    let fx = state.update(&config, http(Purpose::Prefetch, 200, generic));
    assert!(fx.is_empty() && state.error.is_none());
    assert!(!state.provider_is_entra());
    let names: Vec<_> = state
        .requested_scopes()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(names, ["openid", "profile", "email"]);
    let fx = state.update(&config, click(1, 2, 3));
    assert!(
        matches!(&fx[..], [Effect::SavePending(_), Effect::Navigate(_)]),
        "{fx:?}"
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
    let fx = back.update(
        &config,
        load(
            &format!("?code=CODE-canary&state={st}"),
            Some(pending.clone()),
            None,
        ),
    );
    let fx2 = back.update(&config, http(Purpose::Discovery, 200, DISCOVERY));
    let shown = format!("{back:?} {fx:?} {fx2:?} {stored:?}");
    for canary in [
        "CODE-canary",
        st.as_str(),
        stored.nonce.as_str(),
        stored.verifier.expose_secret(),
    ] {
        assert!(!shown.contains(canary), "{canary} in {shown}");
    }
    let mut fresh = State::new(&config);
    let fx = fresh.update(&config, click(1, 2, 3));
    let fx2 = fresh.update(&config, http(Purpose::Discovery, 200, DISCOVERY));
    let shown = format!("{fx:?} {fx2:?}");
    assert!(
        shown.contains(
            "Navigate(https://login.example/organizations/oauth2/v2.0/authorize?[redacted])"
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
    let fx = state.update(&config, Event::Restored);
    assert!(matches!(&fx[..], [Effect::RemovePending]));
    assert!(!state.busy);
    assert_eq!(state.step, Step::Welcome);
    assert!(state.error.as_ref().unwrap().detail.contains("AADSTS50011"));
    // A restored idle page is left alone.
    let mut idle = State::new(&config);
    assert!(idle.update(&config, Event::Restored).is_empty());
    assert!(idle.error.is_none());
}

#[test]
fn a_network_failure_on_the_identity_look_ups_still_reaches_the_mailbox_step() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut back = State::new(&config);
    back.update(
        &config,
        load(&format!("?code=c&state={st}"), Some(pending.clone()), None),
    );
    back.update(&config, http(Purpose::Discovery, 200, DISCOVERY));
    let nonce = PendingSignIn::from_storage(&pending).unwrap().nonce;
    let answer =
        serde_json::json!({"access_token": "AT", "id_token": id_token(&nonce, &[GLOBAL_ADMIN])});
    back.update(&config, http(Purpose::Token, 200, &answer.to_string()));
    back.update(
        &config,
        Event::HttpFailed {
            purpose: Purpose::Me,
            reason: "offline".into(),
            now_ms: NOW * 1000,
        },
    );
    back.update(
        &config,
        Event::HttpFailed {
            purpose: Purpose::Organization,
            reason: "offline".into(),
            now_ms: NOW * 1000,
        },
    );
    assert_eq!(back.step, Step::Mailbox);
    assert!(back.error.is_none());
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
    let config = crate::config::parse(&format!(
        r#"{{"clientId":"{CLIENT}","authority":"https://idp.example/realms/acme","graphBaseUrl":"https://graph.example",
            "vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}}}"#
    ))
    .unwrap();
    let discovery = r#"{"issuer":"https://idp.example/realms/acme",
        "authorization_endpoint":"https://idp.example/realms/acme/auth",
        "token_endpoint":"https://idp.example/realms/acme/token"}"#;
    let mut state = State::new(&config);
    state.update(&config, click(4, 5, 6));
    let fx = state.update(&config, http(Purpose::Discovery, 200, discovery));
    let (pending, url) = match &fx[..] {
        [Effect::SavePending(p), Effect::Navigate(u)] => (p.clone(), u.clone()),
        other => panic!("{other:?}"),
    };
    let st = query_param(&url, "state");
    let mut back = State::new(&config);
    back.update(
        &config,
        load(&format!("?code=c&state={st}"), Some(pending.clone()), None),
    );
    back.update(&config, http(Purpose::Discovery, 200, discovery));
    let nonce = PendingSignIn::from_storage(&pending).unwrap().nonce;
    let claims = serde_json::json!({"iss": "https://idp.example/realms/acme", "aud": CLIENT, "exp": NOW + 60,
        "nonce": nonce, "sub": "u-1", "preferred_username": "ada@acme.example", "name": "Ada"});
    let token = format!("h.{}.s", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let fx = back.update(
        &config,
        http(
            Purpose::Token,
            200,
            &serde_json::json!({"access_token": "AT", "id_token": token}).to_string(),
        ),
    );
    // Its access token is not Graph's: it goes nowhere.
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(back.step, Step::Mailbox, "signed in");
    assert!(!back.busy);
    let s = back.session.as_ref().unwrap();
    assert_eq!(s.admin_label(), "Ada (ada@acme.example)");
    assert_eq!(s.tenant_id(), None);
    assert_eq!(s.roles, RoleCheck::Unknown);
    let said = s.unknowns.join(" | ");
    for what in ["tenant id", "wids", "not Microsoft Entra ID"] {
        assert!(said.contains(what), "{what} not said: {said}");
    }
    // The setup cannot start, and says why, without a request.
    let fx = back.update(
        &config,
        Event::MailboxSubmitted(MailboxRequest {
            address: "invoices@acme.example".into(),
            seed: [0; 16],
            now_ms: NOW * 1000,
        }),
    );
    assert!(fx.is_empty(), "{fx:?}");
    let e = back.error.as_ref().unwrap();
    assert!(e.title.contains("Microsoft Entra ID"), "{e:?}");
    // Answers nobody asked for change nothing.
    let before = back.session.as_ref().unwrap().unknowns.clone();
    back.update(&config, http(Purpose::Me, 404, "{}"));
    assert_eq!(back.session.as_ref().unwrap().unknowns, before);
}

#[test]
fn another_provider_is_asked_only_for_openid_scopes_and_must_name_itself() {
    let config = crate::config::parse(
        r#"{"clientId":"mailgrant-spa","authority":"https://idp.example/realms/acme",
            "vendor":{"name":"V","appDisplayName":"{vendor} x","defaultScopeMode":"applicationAccessPolicy","supportContact":"s@v.example"}}"#,
    )
    .unwrap();
    let discovery = r#"{"issuer":"https://idp.example/realms/acme",
        "authorization_endpoint":"https://idp.example/realms/acme/auth",
        "token_endpoint":"https://idp.example/realms/acme/token",
        "scopes_supported":["openid","email"],
        "authorization_response_iss_parameter_supported":true}"#;
    let mut state = State::new(&config);
    state.update(&config, click(4, 5, 6));
    let fx = state.update(&config, http(Purpose::Discovery, 200, discovery));
    let (pending, url) = match &fx[..] {
        [Effect::SavePending(p), Effect::Navigate(u)] => (p.clone(), u.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(query_param(&url, "scope"), "openid+email");
    assert_eq!(query_param(&url, "client_id"), "mailgrant-spa");
    let st = query_param(&url, "state");
    // The provider promised `iss`: an answer without it, or naming another issuer, is refused.
    for query in [
        format!("?code=c&state={st}"),
        format!("?code=c&state={st}&iss=https%3A%2F%2Fevil.example"),
    ] {
        let mut back = State::new(&config);
        back.update(&config, load(&query, Some(pending.clone()), None));
        let fx = back.update(&config, http(Purpose::Discovery, 200, discovery));
        assert!(fx.is_empty(), "no token request: {fx:?}");
        assert!(back.error.is_some());
    }
    let mut back = State::new(&config);
    back.update(
        &config,
        load(
            &format!("?code=c&state={st}&iss=https%3A%2F%2Fidp.example%2Frealms%2Facme"),
            Some(pending),
            None,
        ),
    );
    let fx = back.update(&config, http(Purpose::Discovery, 200, discovery));
    assert!(
        matches!(
            &fx[..],
            [Effect::Http {
                purpose: Purpose::Token,
                ..
            }]
        ),
        "{fx:?}"
    );
}

/// From a fresh page load after the redirect, through the token answer with an ID token of
/// these claims (the sign-in's nonce filled in). Returns the state and the token answer's effects.
fn signed_in_with(config: &Config, mut claims: serde_json::Value) -> (State, Vec<Effect>) {
    let mut state = State::new(config);
    let (pending, url) = start(&mut state, config);
    let st = query_param(&url, "state");
    let mut back = State::new(config);
    back.update(
        config,
        load(&format!("?code=c&state={st}"), Some(pending.clone()), None),
    );
    back.update(config, http(Purpose::Discovery, 200, DISCOVERY));
    claims["nonce"] = PendingSignIn::from_storage(&pending).unwrap().nonce.into();
    let token = format!("h.{}.s", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let answer = serde_json::json!({"access_token": "AT", "id_token": token});
    let fx = back.update(config, http(Purpose::Token, 200, &answer.to_string()));
    (back, fx)
}

fn claims_without_wids() -> serde_json::Value {
    serde_json::json!({"iss": format!("https://login.example/{TID}/v2.0"), "aud": CLIENT,
        "exp": NOW + 60, "tid": TID, "name": "Alex"})
}

/// Answers /me and /organization.
fn identity_answers(state: &mut State, config: &Config) {
    state.update(
        config,
        http(
            Purpose::Me,
            200,
            r#"{"id":"x","displayName":"Alex Wilber"}"#,
        ),
    );
    let org = format!(r#"{{"value":[{{"id":"{TID}"}}]}}"#);
    state.update(config, http(Purpose::Organization, 200, &org));
}

#[test]
fn without_wids_the_role_check_is_unknown_and_said() {
    let config = config();
    let (back, _) = signed_in_with(&config, claims_without_wids());
    let s = back.session.as_ref().unwrap();
    assert_eq!(s.roles, RoleCheck::Unknown);
    assert!(s.unknowns.iter().any(|u| u.contains("wids")));
}

#[test]
fn without_wids_the_roles_come_from_graph() {
    let config = config();
    let (mut back, fx) = signed_in_with(&config, claims_without_wids());
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::Http { purpose: Purpose::Roles, url, .. }
            if url.contains("/v1.0/me/memberOf"))
        ),
        "{fx:?}"
    );
    identity_answers(&mut back, &config);
    assert_eq!(back.step, Step::SignIn, "waits for the roles");
    // A Privileged Role Administrator (and a group) in memberOf; this config's mode is AAP.
    back.update(&config, http(Purpose::Roles, 200, r##"{"value":[
        {"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Sales"},
        {"@odata.type":"#microsoft.graph.directoryRole","id":"r1","displayName":"Privileged Role Administrator","roleTemplateId":"e8611ab8-c189-46e8-94e1-60213ab1f814"}]}"##));
    assert_eq!(back.step, Step::Mailbox);
    let s = back.session.as_ref().unwrap();
    assert_eq!(
        s.roles,
        RoleCheck::Sufficient("Privileged Role Administrator")
    );
    assert!(
        !s.unknowns.iter().any(|u| u.contains("wids")),
        "{:?}",
        s.unknowns
    );
}

#[test]
fn roles_from_graph_never_claim_a_role_is_missing() {
    // Application Administrator is not enough for AAP, but memberOf proves no absence (direct
    // memberships only; role objects may come back without roleTemplateId): still unknown.
    for answer in [
        r##"{"value":[{"@odata.type":"#microsoft.graph.directoryRole","id":"r1","roleTemplateId":"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"}]}"##,
        r##"{"value":[{"@odata.type":"#microsoft.graph.directoryRole","id":"r1","roleTemplateId":null}]}"##,
        r##"{"value":[]}"##,
    ] {
        let config = config();
        let (mut back, _) = signed_in_with(&config, claims_without_wids());
        identity_answers(&mut back, &config);
        back.update(&config, http(Purpose::Roles, 200, answer));
        let s = back.session.as_ref().unwrap();
        assert_eq!(s.roles, RoleCheck::Unknown, "{answer}");
        assert!(s.unknowns.iter().any(|u| u.contains("wids")), "{answer}");
    }
}

#[test]
fn discovery_is_fetched_once_per_page() {
    let config = config();
    let mut state = State::new(&config);
    let (_, first) = start(&mut state, &config);
    // Back from the sign-in page, then Sign in again: no second discovery request.
    state.update(&config, Event::Restored);
    let fx = state.update(&config, click(1, 2, 3));
    match &fx[..] {
        [Effect::SavePending(_), Effect::Navigate(url)] => {
            assert_ne!(query_param(url, "state"), query_param(&first, "state"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_expired_token_on_the_mailbox_step_signs_in_again_and_looks_the_mailbox_up_again() {
    let config = config();
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[GLOBAL_ADMIN],
    );
    let fx = state.update(
        &config,
        Event::MailboxSubmitted(MailboxRequest {
            address: "invoices@contoso.example".into(),
            seed: [1; 16],
            now_ms: NOW * 1000,
        }),
    );
    assert!(!fx.is_empty());
    for e in fx {
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
    state.update(&config, click(9, 9, 9));
    assert_eq!(state.step, Step::Mailbox);
    let fx = state.update(&config, Event::Restored);
    assert!(matches!(&fx[..], [Effect::RemovePending]), "{fx:?}");
    assert!(!state.busy);
    assert_eq!(state.step, Step::Mailbox);
    assert!(state.needs_sign_in_again());
    let fx = state.update(&config, click(1, 2, 3));
    let (pending, url) = match &fx[..] {
        [Effect::SavePending(p), Effect::Navigate(u)] => (p.clone(), u.clone()),
        other => panic!("{other:?}"),
    };
    assert!(url.contains("login_hint=adele%40contoso.example"), "{url}");
    assert_eq!(
        PendingSignIn::from_storage(&pending)
            .unwrap()
            .mailbox
            .as_deref(),
        Some("invoices@contoso.example")
    );
    let st = query_param(&url, "state");
    let state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[GLOBAL_ADMIN],
    );
    // Signed in again, the look-up runs again without the admin typing the address.
    assert!(state.busy);
    assert_eq!(
        state.setup.inputs.as_ref().unwrap().mailbox.to_string(),
        "invoices@contoso.example"
    );
    assert!(state.setup.preflight.is_some());
}

const APP_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";

#[test]
fn a_mode_that_needs_more_permission_asks_for_it_by_signing_in_again() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    let (pending, url) = start(&mut state, &config);
    assert!(!url.contains("AppRoleAssignment"));
    let st = query_param(&url, "state");
    let mut state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[APP_ADMIN],
    );
    assert!(state.can_change_mode());
    assert!(state.missing_scopes().is_empty());
    assert_eq!(
        state.session.as_ref().unwrap().roles,
        RoleCheck::Sufficient("Application Administrator")
    );

    // Application Access Policy: the role no longer suffices, and a permission is missing.
    state.update(
        &config,
        Event::ModeChosen(ScopeMode::ApplicationAccessPolicy),
    );
    assert_eq!(state.mode, ScopeMode::ApplicationAccessPolicy);
    assert!(matches!(
        state.session.as_ref().unwrap().roles,
        RoleCheck::Insufficient { .. }
    ));
    let missing: Vec<_> = state.missing_scopes().into_iter().map(|(s, _)| s).collect();
    assert_eq!(missing, ["AppRoleAssignment.ReadWrite.All"]);
    let fx = state.update(
        &config,
        Event::MailboxSubmitted(MailboxRequest {
            address: "invoices@contoso.example".into(),
            seed: [1; 16],
            now_ms: NOW * 1000,
        }),
    );
    assert!(fx.is_empty(), "nothing runs without the permission: {fx:?}");
    assert!(state
        .error
        .as_ref()
        .unwrap()
        .detail
        .contains("AppRoleAssignment"));

    // Back to RBAC: nothing is missing, the role suffices again.
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    assert!(state.missing_scopes().is_empty());
    assert!(matches!(
        state.session.as_ref().unwrap().roles,
        RoleCheck::Sufficient(_)
    ));

    // Signing in again for AAP asks for the grant permission, with a hint.
    state.update(
        &config,
        Event::ModeChosen(ScopeMode::ApplicationAccessPolicy),
    );
    let fx = state.update(&config, click(1, 2, 3));
    let (pending, url) = match &fx[..] {
        [Effect::SavePending(p), Effect::Navigate(u)] => (p.clone(), u.clone()),
        other => panic!("{other:?}"),
    };
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
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[GLOBAL_ADMIN],
    );
    assert!(state.can_change_mode());
    state.busy = true;
    assert!(!state.can_change_mode(), "not while a request is under way");
    let before = state.mode;
    let other = ScopeMode::ALL.into_iter().find(|m| *m != before).unwrap();
    state.update(&config, Event::ModeChosen(other));
    assert_eq!(state.mode, before);
}

#[test]
fn a_token_answer_that_does_not_echo_the_openid_scopes_lacks_nothing() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let mut state = return_and_sign_in(
        &config,
        &pending,
        &format!("?code=the-code&state={st}"),
        &[GLOBAL_ADMIN],
    );
    state.session.as_mut().unwrap().granted = super::sign_in::granted_scopes(
        "https://graph.microsoft.com/User.Read https://graph.example/Application.ReadWrite.All User.Read.All GroupMember.Read.All",
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

/// The journal entry of an apply run just started in `tenant` (nothing answered yet).
fn journal_in(tenant: &str) -> String {
    let inputs = crate::plan::Inputs {
        tenant: crate::ids::TenantId::parse(tenant).unwrap(),
        mailbox: crate::ids::SmtpAddress::parse("invoices@contoso.example").unwrap(),
        mode: ScopeMode::ApplicationAccessPolicy,
        vendor: "V".into(),
        app_display_name: "V x".into(),
        secret_lifetime_days: 180,
    };
    let findings = crate::plan::Findings {
        mailbox: serde_json::from_value(serde_json::json!({
            "id": "bbbbbbbb-0000-0000-0000-000000000002", "userType": "Member",
            "mail": "invoices@contoso.example"
        }))
        .unwrap(),
        app: None,
        same_name: vec![],
        sp: None,
        grants: vec![],
    };
    let plan = crate::plan::build(
        &inputs,
        &findings,
        crate::plan::Options::default(),
        Default::default(),
        "test",
    )
    .unwrap();
    let (_, effects) = crate::run::Run::apply(
        plan,
        [1; 16],
        [2; 16],
        crate::run::Schedule::Concurrent,
        NOW * 1000,
    );
    effects
        .into_iter()
        .find_map(|e| match e {
            crate::run::Effect::SaveJournal(t) => Some(t),
            _ => None,
        })
        .expect("the run saves its journal before writing")
}

#[test]
fn an_interrupted_setup_resumes_only_in_its_own_tenant() {
    let config = config();
    // Signed in to the setup's tenant: the run continues.
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let query = format!("?code=the-code&state={st}");
    let state = return_and_sign_in_with(
        &config,
        &pending,
        &query,
        &[GLOBAL_ADMIN],
        Some(journal_in(TID)),
    );
    assert_eq!(state.step, Step::Apply);
    assert!(state.setup.apply.is_some());

    // Signed in to another tenant: nothing runs, the journal is kept, the admin is told.
    let other = "0c0c0c0c-1111-2222-3333-444444444444";
    let mut state = State::new(&config);
    let (pending, url) = start(&mut state, &config);
    let st = query_param(&url, "state");
    let query = format!("?code=the-code&state={st}");
    let state = return_and_sign_in_with(
        &config,
        &pending,
        &query,
        &[GLOBAL_ADMIN],
        Some(journal_in(other)),
    );
    assert!(state.setup.apply.is_none(), "no write in the wrong tenant");
    assert_eq!(state.step, Step::Welcome);
    assert!(state.session.is_none());
    assert!(
        state.has_interrupted_setup(),
        "the journal stays for the right sign-in"
    );
    let e = state.error.as_ref().unwrap();
    assert!(e.detail.contains(other) && e.detail.contains(TID), "{e:?}");
}

#[test]
fn the_mode_of_an_interrupted_setup_cannot_be_changed_before_sign_in() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, load("", None, Some(journal_in(TID))));
    assert_eq!(state.mode, ScopeMode::ApplicationAccessPolicy);
    state.update(&config, Event::ModeChosen(ScopeMode::RbacForApplications));
    assert_eq!(state.mode, ScopeMode::ApplicationAccessPolicy);
}

#[test]
fn a_late_prefetch_answer_never_signs_in_without_a_click() {
    let config = config();
    let mut state = State::new(&config);
    state.update(&config, load("", None, None));
    // The click's own discovery fails before the slower prefetch answers.
    state.update(&config, click(1, 2, 3));
    state.update(&config, http(Purpose::Discovery, 503, ""));
    assert!(state.error.is_some());
    let fx = state.update(&config, http(Purpose::Prefetch, 200, DISCOVERY));
    assert!(fx.is_empty(), "no navigation without a new click: {fx:?}");
    // A bfcache restore of a page that never left changes nothing.
    state.busy = true;
    state.update(&config, Event::Restored);
    assert!(state.busy);
}

#[test]
fn another_providers_discovery_must_name_the_configured_authority_as_issuer() {
    let config = crate::config::parse(
        r#"{"clientId":"mailgrant-spa","authority":"https://idp.example/realms/acme",
            "vendor":{"name":"V","appDisplayName":"{vendor} x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}"#,
    )
    .unwrap();
    let mut state = State::new(&config);
    state.update(&config, click(1, 2, 3));
    let fx = state.update(
        &config,
        http(
            Purpose::Discovery,
            200,
            r#"{"issuer":"https://elsewhere.example","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#,
        ),
    );
    assert!(fx.is_empty(), "no redirect: {fx:?}");
    assert!(state
        .error
        .as_ref()
        .unwrap()
        .detail
        .contains("elsewhere.example"));
}
