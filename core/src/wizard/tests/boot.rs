//! The bootstrap ([`super::super::boot`]) and the page agree: on a fresh load its Welcome is
//! the page's, its choice of module is the page's reading of the same load, and what it hands
//! over signs in as the admin chose.

use super::*;
use crate::wizard::boot::{self, BootWelcome, First};
use crate::wizard::view::Screen;

const GENERIC_DISCOVERY: &str = r#"{"issuer":"https://idp.example/realms/acme",
    "authorization_endpoint":"https://idp.example/realms/acme/auth",
    "token_endpoint":"https://idp.example/realms/acme/token",
    "scopes_supported":["openid","email"]}"#;

/// The hand-over as the shell makes it: the page's load with the bootstrap's discovery answer,
/// the admin's mode, then Sign in.
fn handed_over(
    config: &Config,
    mode: ScopeMode,
    answer: Option<(u16, &str)>,
) -> (State, Vec<Effect>) {
    let mut page = State::new(config);
    let mut fx = page.update(
        config,
        Event::Loaded {
            redirect_uri: "https://vendor.example/setup/".into(),
            query: String::new(),
            pending: None,
            journal: None,
            seed: [0; 16],
            discovery: answer.map(|(s, b)| (s, b.into())),
        },
    );
    fx.extend(page.update(config, Event::ModeChosen(mode)));
    (page, fx)
}

/// For every mode, before discovery and after each answer (Entra ID, another provider, a
/// failure), the bootstrap's Welcome is the page's after the hand-over, and Sign in then asks
/// for exactly the scopes that Welcome listed.
#[test]
fn the_bootstrap_draws_the_welcome_the_page_signs_in_with() {
    let entra = config();
    let generic = generic_config("mailgrant-spa", false, "applicationAccessPolicy");
    let answers = [
        None,
        Some((200, DISCOVERY)),
        Some((200, GENERIC_DISCOVERY)),
        Some((503, "")),
    ];
    let mut signed_in = 0;
    for config in [&entra, &generic] {
        for mode in ScopeMode::ALL {
            for answer in answers {
                let mut boot = BootWelcome::new(config);
                boot.choose(mode);
                if let Some((status, body)) = answer {
                    boot.discovered(config, status, body.into());
                }
                let (mut page, fx) = handed_over(config, mode, answer);
                let view = page.view(config);
                assert_eq!(boot.title(config), view.title);
                let Screen::Welcome(welcome) = view.screen else {
                    panic!("the page shows Welcome on a fresh load");
                };
                assert_eq!(boot.view(config), welcome, "{mode:?} {answer:?}");
                assert_eq!(boot.mode(), mode);
                // No second discovery request when the bootstrap's answer was handed over.
                let asked = fx.iter().any(|e| shape(e).starts_with("Http"));
                assert_eq!(asked, answer.is_none(), "{mode:?} {answer:?}: {fx:?}");
                let fx = page.update(config, click(1, 2, 3));
                let Some(Effect::Navigate(url)) = fx.last() else {
                    // No usable answer (none, a failure, another issuer): Sign in asks first.
                    assert_eq!(fx.iter().map(shape).collect::<Vec<_>>(), ["Http Discovery"]);
                    continue;
                };
                let listed: Vec<_> = boot.view(config).scopes.iter().map(|(s, _)| *s).collect();
                assert_eq!(
                    query_param(url, "scope"),
                    listed.join("+"),
                    "{mode:?} {answer:?}"
                );
                signed_in += 1;
            }
        }
    }
    // Every mode signs in with Entra ID's answer for the Entra config, and with the other
    // provider's own answer for its config (Entra ID's document does not speak for another
    // authority's origin: `check_issuer_is`).
    assert_eq!(signed_in, 2 * ScopeMode::ALL.len());
}

/// The bootstrap's choice of module is the page's reading of the same load: what it keeps for
/// itself, the page would show as a plain Welcome; what it hands over, the page would not.
#[test]
fn the_bootstrap_keeps_only_what_the_page_would_show_as_a_plain_welcome() {
    let config = config();
    let pending = PendingSignIn::from_storage("{}").map(|_| "{}".to_owned());
    let journal = || Some(r#"{"format":"mailgrant-journal/2"}"#.to_owned());
    let loads = [
        ("", None, None),
        ("?utm_source=mail", None, None),
        ("", Some("{}".to_owned()), None),
        ("", pending.clone(), None),
        ("", None, journal()),
        ("?code=abc&state=xyz", Some("{}".to_owned()), None),
        ("?error=access_denied&state=xyz", None, None),
        ("?code=abc&state=xyz", None, journal()),
    ];
    for (query, pending, journal) in loads {
        let first = boot::first(query, pending.is_some(), journal.is_some());
        let mut page = State::new(&config);
        let fx = page.update(&config, load(query, pending.clone(), journal.clone()));
        let plain = page.step == Step::Welcome
            && page.error.is_none()
            && !page.has_interrupted_setup()
            && fx
                .iter()
                .all(|e| matches!(shape(e).as_str(), "RemovePending" | "Http Prefetch"));
        assert_eq!(
            matches!(first, First::Welcome { .. }),
            plain,
            "{query:?} {pending:?} {journal:?}: {first:?} / page {:?} {fx:?}",
            page.step
        );
        if let First::Welcome { remove_pending } = first {
            assert_eq!(
                remove_pending,
                fx.iter().any(|e| shape(e) == "RemovePending")
            );
        }
    }
}

/// While Sign in waits for the page's module, the mode is the one being handed over.
#[test]
fn the_mode_stays_while_sign_in_waits_and_a_failure_says_so() {
    let config = config();
    let mut boot = BootWelcome::new(&config);
    boot.choose(ScopeMode::RbacForApplications);
    boot.sign_in();
    assert!(boot.view(&config).busy);
    boot.choose(ScopeMode::ApplicationAccessPolicy);
    assert_eq!(boot.mode(), ScopeMode::RbacForApplications);
    boot.hand_over_failed(boot::BootError::PageUnavailable {
        reason: "TypeError: Failed to fetch".into(),
        road: boot::Road::SignIn,
    });
    assert!(!boot.view(&config).busy);
    let problem = boot.problem().expect("the failure is said");
    assert!(
        problem
            .fix
            .contains("Nothing in your tenant has been changed"),
        "{problem:?}"
    );
    assert!(boot.title(&config).starts_with("Problem: "));
    boot.choose(ScopeMode::ApplicationAccessPolicy);
    assert_eq!(boot.mode(), ScopeMode::ApplicationAccessPolicy);
    boot.sign_in();
    assert!(boot.problem().is_none(), "a new try clears the problem");
}

/// A Sign in that has waited long for the page's module says that it is still loading, until
/// it ends; a wait that belongs to an earlier Sign in changes nothing.
#[test]
fn a_long_wait_for_the_page_module_is_said_while_it_lasts() {
    let config = config();
    let failed = || boot::BootError::PageUnavailable {
        reason: "TypeError: Failed to fetch".into(),
        road: boot::Road::SignIn,
    };
    let mut boot = BootWelcome::new(&config);
    assert!(!boot.waited(0), "no Sign in yet");
    let first = boot.sign_in();
    assert_eq!(boot.still_loading(), None, "not before the wait");
    assert!(boot.waited(first));
    assert!(!boot.waited(first), "said once");
    let note = boot.still_loading().expect("said while it waits");
    assert!(
        note.contains("You have not been sent to sign in yet"),
        "{note}"
    );
    boot.hand_over_failed(failed());
    assert_eq!(boot.still_loading(), None, "the failure is said instead");
    let second = boot.sign_in();
    assert_eq!(
        boot.still_loading(),
        None,
        "a new Sign in starts its own wait"
    );
    assert!(!boot.waited(first), "the first Sign in's wait has ended");
    assert_eq!(boot.still_loading(), None);
    assert!(boot.waited(second));
    assert!(boot.still_loading().is_some());
}

/// The bootstrap read discovery while Welcome was shown: no request, and Sign in goes straight
/// to the authority; a failed answer is asked for again at Sign in, as a failed prefetch is.
#[test]
fn a_discovery_answer_handed_over_is_not_asked_for_again() {
    let config = config();
    let with = |answer: (u16, &str)| Event::Loaded {
        redirect_uri: "https://vendor.example/setup/".into(),
        query: String::new(),
        pending: None,
        journal: None,
        seed: [0; 16],
        discovery: Some((answer.0, answer.1.into())),
    };
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (with((200, DISCOVERY)), Expect::fx(&[]).no_error()),
            (click(1, 2, 3), Expect::fx(&["SavePending", "Navigate"])),
        ],
    );
    let mut state = State::new(&config);
    check(
        &mut state,
        &config,
        vec![
            (with((503, "")), Expect::fx(&[]).no_error()),
            (click(1, 2, 3), Expect::fx(&["Http Discovery"])),
        ],
    );
}
