//! Sign out never drops an unsaved secret; Start over only follows an Undo.

use super::*;

#[test]
fn sign_out_waits_while_a_secret_is_unsaved_and_start_over_needs_an_undone_run() {
    let config = config();
    let mut state = signed_in(&config);
    state.setup.secret = Some(crate::secret::ClientSecret::new("s3cret".into()));
    assert!(state.sign_out_blocked().is_some());
    let fx = state.update(&config, Event::SignOut);
    assert!(fx.is_empty(), "nothing is removed");
    assert!(state.session.is_some(), "still signed in");
    assert!(state.setup.secret.is_some(), "the secret is kept");

    state.setup.handed_off = true;
    assert_eq!(state.sign_out_blocked(), None);
    assert!(!state.can_start_over(), "no run was undone");
    assert!(state.update(&config, Event::StartOver).is_empty());
    state.update(&config, Event::SignOut);
    assert!(
        state.session.is_none(),
        "signed out once the secret was saved"
    );
}
