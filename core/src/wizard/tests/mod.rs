//! Replays of the wizard: each scenario is a table of events and what must hold after each,
//! run through one helper, [`check`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::*;

const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const APP_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
const NOW: u64 = 1_800_000_000;

fn config() -> Config {
    crate::config::parse(&format!(
        r#"{{"clientId":"{CLIENT}","authority":"https://login.example/organizations/v2.0","graphBaseUrl":"https://graph.microsoft.com",
            "vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"applicationAccessPolicy","supportContact":"s@v.example"}}}}"#
    ))
    .unwrap()
}

/// A config with another OpenID provider as the authority.
fn generic_config(client_id: &str, graph: bool, mode: &str) -> Config {
    let graph = if graph {
        r#","graphBaseUrl":"https://graph.microsoft.com""#
    } else {
        ""
    };
    crate::config::parse(&format!(
        r#"{{"clientId":"{client_id}","authority":"https://idp.example/realms/acme"{graph},
            "vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"{mode}","supportContact":"s@v.example"}}}}"#
    ))
    .unwrap()
}

const DISCOVERY: &str = r#"{"issuer":"https://login.example/{tenantid}/v2.0",
    "authorization_endpoint":"https://login.example/organizations/oauth2/v2.0/authorize",
    "token_endpoint":"https://login.example/organizations/oauth2/v2.0/token",
    "code_challenge_methods_supported":["S256"]}"#;

const GENERIC_DISCOVERY: &str = r#"{"issuer":"https://idp.example/realms/acme",
    "authorization_endpoint":"https://idp.example/realms/acme/auth",
    "token_endpoint":"https://idp.example/realms/acme/token"}"#;

// ---- the one helper ----

/// What must hold after an event. `None` / empty: not checked.
#[derive(Default)]
struct Expect {
    /// The effects' shapes, exactly and in order ([`shape`]).
    effects: Option<Vec<&'static str>>,
    step: Option<Step>,
    busy: Option<bool>,
    /// `Some("")`: no error; `Some("*")`: an error; otherwise a text the error's title, detail
    /// or fix contains.
    error: Option<&'static str>,
    signed_in: Option<bool>,
}

impl Expect {
    fn fx(effects: &[&'static str]) -> Self {
        Expect {
            effects: Some(effects.to_vec()),
            ..Expect::default()
        }
    }
    fn any() -> Self {
        Expect::default()
    }
    fn step(mut self, step: Step) -> Self {
        self.step = Some(step);
        self
    }
    fn busy(mut self, busy: bool) -> Self {
        self.busy = Some(busy);
        self
    }
    fn error(mut self, text: &'static str) -> Self {
        self.error = Some(text);
        self
    }
    fn no_error(self) -> Self {
        self.error("")
    }
    fn some_error(self) -> Self {
        self.error("*")
    }
    fn signed_in(mut self, yes: bool) -> Self {
        self.signed_in = Some(yes);
        self
    }
}

/// An effect's shape: its variant, with the request purpose, run and method where it has them.
fn shape(e: &Effect) -> String {
    match e {
        Effect::Http { purpose, .. } => format!("Http {purpose:?}"),
        Effect::Graph { kind, method, .. } => format!("Graph {kind:?} {method}"),
        Effect::SavePending(_) => "SavePending".into(),
        Effect::RemovePending => "RemovePending".into(),
        Effect::StripCallbackFromUrl => "StripCallbackFromUrl".into(),
        Effect::Navigate(_) => "Navigate".into(),
        Effect::Timer { .. } => "Timer".into(),
        Effect::WaitOnline { .. } => "WaitOnline".into(),
        Effect::SaveJournal(_) => "SaveJournal".into(),
        Effect::RemoveJournal => "RemoveJournal".into(),
        Effect::GuardUnload(on) => format!("GuardUnload {on}"),
        Effect::Download { kind, .. } => format!("Download {kind:?}"),
        Effect::Copy { .. } => "Copy".into(),
        Effect::Tick => "Tick".into(),
        Effect::HoldRun { .. } => "HoldRun".into(),
        Effect::HandOffModule { kind, .. } => format!("HandOffModule {kind:?}"),
        Effect::PrefetchHandOff => "PrefetchHandOff".into(),
        Effect::WriteScript { .. } => "WriteScript".into(),
    }
}

/// Feeds each event, checks what must hold after it; returns every effect, in order.
fn check(state: &mut State, config: &Config, rows: Vec<(Event, Expect)>) -> Vec<Vec<Effect>> {
    let mut all = vec![];
    for (i, (event, expect)) in rows.into_iter().enumerate() {
        let fx = state.update(config, event);
        let shapes: Vec<String> = fx.iter().map(shape).collect();
        let at = format!(
            "row {i}: effects {shapes:?}, step {:?}, error {:?}",
            state.step, state.error
        );
        if let Some(want) = &expect.effects {
            assert_eq!(&shapes, want, "{at}");
        }
        if let Some(step) = expect.step {
            assert_eq!(state.step, step, "{at}");
        }
        if let Some(busy) = expect.busy {
            assert_eq!(state.busy, busy, "{at}");
        }
        match (expect.error, &state.error) {
            (Some(""), None) | (None, _) | (Some("*"), Some(_)) => {}
            (Some(""), Some(_)) => panic!("no error expected: {at}"),
            (Some(text), Some(e)) => assert!(
                e.title.contains(text) || e.detail.contains(text) || e.fix.contains(text),
                "“{text}” not in the error: {at}"
            ),
            (Some(text), None) => panic!("an error with “{text}” expected: {at}"),
        }
        if let Some(signed_in) = expect.signed_in {
            assert_eq!(state.session.is_some(), signed_in, "{at}");
        }
        all.push(fx);
    }
    all
}

// ---- events ----

fn http(purpose: Purpose, status: u16, body: &str) -> Event {
    Event::Http {
        purpose,
        status,
        body: body.into(),
        now_secs: NOW,
    }
}

fn failed(purpose: Purpose) -> Event {
    Event::HttpFailed {
        purpose,
        reason: "offline".into(),
        now_ms: NOW * 1000,
    }
}

fn id_token(nonce: &str, wids: &[&str]) -> String {
    jwt(serde_json::json!({
        "iss": format!("https://login.example/{TID}/v2.0"), "aud": CLIENT, "exp": NOW + 3600,
        "nbf": NOW - 10, "nonce": nonce, "tid": TID, "oid": "aaaaaaaa-0000-0000-0000-000000000001",
        "preferred_username": "adele@contoso.example", "name": "Adele Vance", "wids": wids,
    }))
}

fn jwt(claims: serde_json::Value) -> String {
    format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// The token endpoint's answer with this ID token, granting `scopes` (Graph's prefixed).
fn token_answer(id_token: &str, scopes: &[&str]) -> Event {
    let scope: Vec<String> = scopes
        .iter()
        .map(|s| format!("https://graph.microsoft.com/{s}"))
        .collect();
    http(
        Purpose::Token,
        200,
        &serde_json::json!({
            "access_token": "AT-secret", "token_type": "Bearer", "expires_in": 3599,
            "scope": scope.join(" "), "id_token": id_token
        })
        .to_string(),
    )
}

fn me() -> Event {
    http(
        Purpose::Me,
        200,
        r#"{"id":"aaaaaaaa-0000-0000-0000-000000000001","displayName":"Adele Vance","userPrincipalName":"adele@contoso.example"}"#,
    )
}

fn organization() -> Event {
    http(
        Purpose::Organization,
        200,
        &format!(r#"{{"value":[{{"id":"{TID}","displayName":"Contoso"}}]}}"#),
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
        discovery: None,
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

fn mailbox(address: &str) -> Event {
    Event::MailboxSubmitted(MailboxRequest {
        address: address.into(),
        seed: [1; 16],
        now_ms: NOW * 1000,
    })
}

fn query_param(url: &str, name: &str) -> String {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

/// The saved pending entry and the authorize URL of the effects of a redirect.
fn redirect(fx: &[Effect]) -> (String, String) {
    match fx {
        [Effect::SavePending(p), Effect::Navigate(url)] => (p.clone(), url.clone()),
        other => panic!("{other:?}"),
    }
}

/// Clicks "Sign in" and returns the saved pending entry and the authorize URL.
fn start(state: &mut State, config: &Config) -> (String, String) {
    let fx = check(
        state,
        config,
        vec![
            (click(7, 8, 9), Expect::fx(&["Http Discovery"]).busy(true)),
            (
                http(Purpose::Discovery, 200, DISCOVERY),
                Expect::fx(&["SavePending", "Navigate"]),
            ),
        ],
    );
    redirect(&fx[1])
}

/// The query of the return from the authorize URL, with the code `the-code`.
fn returned(url: &str) -> String {
    format!("?code=the-code&state={}", query_param(url, "state"))
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
    let stored = PendingSignIn::from_storage(pending).unwrap();
    let scopes: Vec<&str> = crate::auth::scopes(stored.mode)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let mut state = State::new(config);
    let fx = check(
        &mut state,
        config,
        vec![
            (
                load(query, Some(pending.into()), journal),
                Expect::fx(&["RemovePending", "StripCallbackFromUrl", "Http Discovery"]),
            ),
            (
                http(Purpose::Discovery, 200, DISCOVERY),
                Expect::fx(&["Http Token"]),
            ),
            (
                token_answer(&id_token(&stored.nonce, wids), &scopes),
                Expect::fx(&["Http Me", "Http Organization"]),
            ),
            (me(), Expect::fx(&[]).step(Step::SignIn)),
            (organization(), Expect::any()),
        ],
    );
    let Effect::Http {
        method: "POST",
        url,
        form: Some(form),
        bearer: None,
        ..
    } = &fx[1][0]
    else {
        panic!("{:?}", fx[1]);
    };
    assert_eq!(url, "https://login.example/organizations/oauth2/v2.0/token");
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
    for e in &fx[2] {
        let Effect::Http {
            bearer: Some(t),
            url,
            ..
        } = e
        else {
            panic!("{e:?}");
        };
        assert_eq!(t.expose_secret(), "AT-secret");
        assert!(url.starts_with("https://graph.microsoft.com/v1.0/"));
    }
    assert!(
        !format!("{:?}", fx[2]).contains("AT-secret"),
        "effects redact the token"
    );
    state
}

/// Signed in as a Global Administrator, on the Mailbox step.
fn signed_in(config: &Config) -> State {
    let mut state = State::new(config);
    let (pending, url) = start(&mut state, config);
    return_and_sign_in(config, &pending, &returned(&url), &[GLOBAL_ADMIN])
}

/// Signed in as a Global Administrator by a page load that found this journal in the tab.
/// The tab is granted the run's Web Lock when it asks.
fn signed_in_after_load_with(config: &Config, journal: String) -> State {
    let mut state = signed_in_before_hold(config, journal);
    if let Some((text, _)) = &state.awaiting_hold {
        let run_id = crate::run::journal::check(text).unwrap();
        state.update(
            config,
            Event::RunHeld {
                run_id,
                held: true,
                now_ms: NOW * 1000,
            },
        );
    }
    state
}

/// [`signed_in_after_load_with`], before the shell answers [`Effect::HoldRun`].
fn signed_in_before_hold(config: &Config, journal: String) -> State {
    let mut state = State::new(config);
    let (pending, url) = start(&mut state, config);
    return_and_sign_in_with(
        config,
        &pending,
        &returned(&url),
        &[GLOBAL_ADMIN],
        Some(journal),
    )
}

/// From a fresh page load after the redirect, through the token answer with an ID token of
/// these claims (the sign-in's nonce filled in). Returns the state and the token answer's effects.
fn signed_in_with(config: &Config, mut claims: serde_json::Value) -> (State, Vec<Effect>) {
    let mut state = State::new(config);
    let (pending, url) = start(&mut state, config);
    let mut back = State::new(config);
    claims["nonce"] = PendingSignIn::from_storage(&pending).unwrap().nonce.into();
    let answer = serde_json::json!({"access_token": "AT", "id_token": jwt(claims)});
    let token = http(Purpose::Token, 200, &answer.to_string());
    let mut fx = check(
        &mut back,
        config,
        redeemed(&url, pending, token, Expect::any()),
    );
    (back, fx.remove(2))
}

/// The return from the authorize URL, discovery, and this token answer: the rows of a redemption.
fn redeemed(url: &str, pending: String, token: Event, then: Expect) -> Vec<(Event, Expect)> {
    vec![
        (load(&returned(url), Some(pending), None), Expect::any()),
        (http(Purpose::Discovery, 200, DISCOVERY), Expect::any()),
        (token, then),
    ]
}

fn claims_without_wids() -> serde_json::Value {
    serde_json::json!({"iss": format!("https://login.example/{TID}/v2.0"), "aud": CLIENT,
        "exp": NOW + 60, "tid": TID, "name": "Alex"})
}

// ---- sign-in ----

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
        assert!(url.starts_with("https://login.example/"));
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
    let config = config();
    let mut state = State::new(&config);
    let generic = r#"{"issuer":"https://login.example/organizations/v2.0","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#;
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

// ---- roles ----

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

// ---- an interrupted setup ----

/// The journal of an apply run just started in `tenant` (nothing answered yet).
fn journal_in(tenant: &str) -> String {
    let inputs = crate::plan::Inputs {
        tenant: crate::ids::TenantId::parse(tenant).unwrap(),
        mailbox: crate::ids::SmtpAddress::parse("invoices@contoso.example").unwrap(),
        mode: ScopeMode::ApplicationAccessPolicy,
        vendor: "V".into(),
        app_display_name: "V x".into(),
        secret_lifetime_days: 180,
        credential: Default::default(),
    };
    let findings = crate::plan::Findings {
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
    let other = "0c0c0c0c-1111-2222-3333-444444444444";
    for (journal_tenant, resumes) in [(TID, true), (other, false)] {
        let state = signed_in_after_load_with(&config, journal_in(journal_tenant));
        assert_eq!(
            state.setup.apply.is_some(),
            resumes,
            "no write in the wrong tenant"
        );
        if resumes {
            assert_eq!(state.step, Step::Apply);
            continue;
        }
        // Nothing runs, the journal is kept, the admin is told.
        assert_eq!(state.step, Step::Welcome);
        assert!(state.session.is_none());
        assert!(
            state.has_interrupted_setup(),
            "the journal stays for the right sign-in"
        );
        let e = state.error.as_ref().unwrap();
        assert!(e.detail.contains(other) && e.detail.contains(TID), "{e:?}");
    }
}

#[test]
fn the_mode_of_an_interrupted_setup_cannot_be_changed_before_sign_in() {
    let config = config();
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (load("", None, Some(journal_in(TID))), Expect::any()),
            (
                Event::ModeChosen(ScopeMode::RbacForApplications),
                Expect::fx(&[]),
            ),
        ],
    );
    assert_eq!(state.mode, ScopeMode::ApplicationAccessPolicy);
}

#[test]
fn a_journal_of_an_older_page_is_refused_with_a_clear_message() {
    let config = config();
    // Version 1 wrapped the run's journal with the Scope step's answer.
    for old in [
        r#"{"run":"{\"version\":1}","scope":{"kind":"one"},"denied":null}"#,
        r#"{"version":1,"runId":"x"}"#,
    ] {
        let state = signed_in_after_load_with(&config, old.to_owned());
        assert!(state.setup.apply.is_none());
        let e = state.error.as_ref().unwrap();
        assert!(e.title.contains("another version"), "{e:?}");
        assert_eq!(state.step, Step::Mailbox, "signed in, and can start again");
    }
}

mod boot;
mod consent;
mod credentials;
mod history;
mod page_access;
mod script;
mod sign_out;
mod tabs;
