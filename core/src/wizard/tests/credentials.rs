//! Which of the vendor's credentials a setup uses, per mode and after refusals, and what
//! Welcome says about it.

use super::*;
use crate::config::Credential;
use crate::wizard::view::Screen;

const VENDOR_APP: &str = "6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f";

fn config_with(credentials: &str) -> Config {
    crate::config::parse(&format!(
        r#"{{"clientId":"{CLIENT}","authority":"https://login.microsoftonline.com/organizations/v2.0","graphBaseUrl":"https://graph.microsoft.com",
            "vendor":{{"name":"V","appDisplayName":"{{vendor}} x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example",
            "credentials":{credentials}}}}}"#
    ))
    .unwrap()
}

/// (credentials, mode, refused) → (the kind in force, the next kind).
type Row<'a> = (&'a str, ScopeMode, usize, Option<&'a str>, Option<&'a str>);

fn check(rows: &[Row]) {
    for (credentials, mode, refused, now, next) in rows {
        let config = config_with(credentials);
        let mut state = State::new(&config);
        state.mode = *mode;
        state.setup.refused_credentials = *refused;
        let got = (
            state.credential(&config).map(Credential::kind),
            state.next_credential(&config).map(Credential::kind),
        );
        assert_eq!(
            got,
            (*now, *next),
            "{credentials} in {mode:?} after {refused} refused"
        );
    }
}

#[test]
fn the_vendors_order_is_followed_and_the_legacy_mode_skips_the_vendors_own_app() {
    let app_then_secret = format!(
        r#"[{{"kind":"multiTenantApp","appId":"{VENDOR_APP}"}},{{"kind":"clientSecret"}}]"#
    );
    let only_app = format!(r#"[{{"kind":"multiTenantApp","appId":"{VENDOR_APP}"}}]"#);
    let rbac = ScopeMode::RbacForApplications;
    let aap = ScopeMode::ApplicationAccessPolicy;
    check(&[
        (
            r#"[{"kind":"clientSecret"}]"#,
            rbac,
            0,
            Some("clientSecret"),
            None,
        ),
        (r#"[{"kind":"clientSecret"}]"#, rbac, 1, None, None),
        (
            &app_then_secret,
            rbac,
            0,
            Some("multiTenantApp"),
            Some("clientSecret"),
        ),
        (&app_then_secret, aap, 0, Some("clientSecret"), None),
        (&only_app, aap, 0, None, None),
        (&only_app, rbac, 0, Some("multiTenantApp"), None),
    ]);
}

#[test]
fn welcome_says_what_is_made_and_why_a_mode_is_not_offered() {
    let config = config_with(&format!(
        r#"[{{"kind":"multiTenantApp","appId":"{VENDOR_APP}"}}]"#
    ));
    let mut state = State::new(&config);
    let Screen::Welcome(w) = state.view(&config).screen else {
        panic!("Welcome first")
    };
    let words = w.credential.expect("RBAC mode has the vendor's app");
    assert!(words.app.contains(VENDOR_APP), "{}", words.app);
    assert!(words.credential.is_none(), "no credential is made");
    assert!(w.no_credential.is_none());
    state.mode = ScopeMode::ApplicationAccessPolicy;
    let Screen::Welcome(w) = state.view(&config).screen else {
        panic!("Welcome first")
    };
    assert!(w.credential.is_none());
    let why = w
        .no_credential
        .expect("the legacy mode says why it is not offered");
    assert!(why.contains("tenant-wide Mail.Send"), "{why}");

    let config = config_with(
        r#"[{"kind":"clientSecret"},{"kind":"federated","issuer":"https://idp.example","subject":"s"}]"#,
    );
    let state = State::new(&config);
    let Screen::Welcome(w) = state.view(&config).screen else {
        panic!("Welcome first")
    };
    let fallback = w.fallback.expect("the next choice is named");
    assert!(fallback.contains("federated"), "{fallback}");
    assert!(w
        .credential
        .unwrap()
        .credential
        .unwrap()
        .contains("180 days"));
}
