//! An interrupted setup: it resumes only in its own tenant, its mode is held, and an older
//! page's journal is refused with a clear message.

use super::*;

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
