//! The bootstrap's Welcome ([`super::super::boot`]) is the page's Welcome on a fresh load.

use super::*;
use crate::wizard::boot::BootWelcome;
use crate::wizard::view::Screen;

/// For every mode, before discovery and after each answer (Entra ID, another provider, a
/// failure), the two models are equal.
#[test]
fn the_bootstrap_draws_the_pages_welcome() {
    let entra = config();
    let generic = generic_config("mailgrant-spa", false, "applicationAccessPolicy");
    let generic_discovery = r#"{"issuer":"https://idp.example/realms/acme",
        "authorization_endpoint":"https://idp.example/realms/acme/auth",
        "token_endpoint":"https://idp.example/realms/acme/token",
        "scopes_supported":["openid","email"]}"#;
    let answers = [
        None,
        Some((200, DISCOVERY)),
        Some((200, generic_discovery)),
        Some((503, "")),
    ];
    for config in [&entra, &generic] {
        for mode in ScopeMode::ALL {
            for answer in answers {
                let mut boot = BootWelcome::new(config);
                let mut page = State::new(config);
                check(
                    &mut page,
                    config,
                    vec![(load("", None, None), Expect::any())],
                );
                boot.choose(mode);
                page.update(config, Event::ModeChosen(mode));
                if let Some((status, body)) = answer {
                    boot.discovered(config, status, body);
                    page.update(config, http(Purpose::Prefetch, status, body));
                }
                let view = page.view(config);
                assert_eq!(BootWelcome::title(config), view.title);
                let Screen::Welcome(welcome) = view.screen else {
                    panic!("the page shows Welcome on a fresh load");
                };
                assert_eq!(boot.view(config), welcome, "{mode:?} {answer:?}");
                assert_eq!(boot.mode(), mode);
            }
        }
    }
    // The comparison can fail: another provider's answer changes the page's Welcome.
    let mut boot = BootWelcome::new(&entra);
    let before = boot.view(&entra);
    boot.discovered(&entra, 200, r#"{"issuer":"https://login.example/organizations/v2.0","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token"}"#);
    assert_ne!(boot.view(&entra), before);
}
