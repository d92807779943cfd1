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
        r#"{{"clientId":"{CLIENT}","authority":"https://login.microsoftonline.com/organizations/v2.0","graphBaseUrl":"https://graph.microsoft.com",
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

const DISCOVERY: &str = r#"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0",
    "authorization_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
    "token_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
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
        "iss": format!("https://login.microsoftonline.com/{TID}/v2.0"), "aud": CLIENT, "exp": NOW + 3600,
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
    assert_eq!(
        url,
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    );
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
    serde_json::json!({"iss": format!("https://login.microsoftonline.com/{TID}/v2.0"), "aud": CLIENT,
        "exp": NOW + 60, "tid": TID, "name": "Alex"})
}

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

mod boot;
mod consent;
mod credentials;
mod history;
mod page_access;
mod resume;
mod roles_and_mode;
mod script;
mod sign_out;
mod signing_in;
mod tabs;
