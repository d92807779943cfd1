//! "Remove this setup page's access": look up the page's own service principal, delete it, then
//! send nothing more.

use super::*;
use crate::wizard::page_access::PageAccess;

#[test]
fn the_page_deletes_its_own_service_principal_then_sends_nothing() {
    let config = config();
    let mut state = signed_in(&config);
    state.step = Step::HandOff;
    let offered = |state: &State| match state.view(&config).screen {
        view::Screen::SignedIn(s) => s.page_access,
        _ => None,
    };
    assert_eq!(
        offered(&state),
        Some(PageAccess::Granted),
        "offered at Hand-off"
    );
    let rows = vec![
        (
            Event::RemovePageAccess,
            Expect::fx(&["Http PageServicePrincipal"]),
        ),
        (
            http(
                Purpose::PageServicePrincipal,
                200,
                r#"{"id":"76692153-050e-406a-8c0f-44087b83dad6","appId":"x"}"#,
            ),
            Expect::fx(&["Http DeletePageServicePrincipal"]),
        ),
        (
            http(Purpose::DeletePageServicePrincipal, 204, ""),
            Expect::fx(&[]).error(""),
        ),
    ];
    let fx = check(&mut state, &config, rows);
    let Effect::Http { method, url, .. } = &fx[1][0] else {
        panic!()
    };
    assert_eq!(*method, "DELETE");
    assert!(url.ends_with("/v1.0/servicePrincipals/76692153-050e-406a-8c0f-44087b83dad6"));
    assert_eq!(offered(&state), Some(PageAccess::Removed));
    assert!(state.token().is_none(), "no more requests with the token");
    // Asking again does nothing.
    check(
        &mut state,
        &config,
        vec![(Event::RemovePageAccess, Expect::fx(&[]))],
    );
}

#[test]
fn a_refused_removal_says_how_to_do_it_by_hand_and_can_be_tried_again() {
    let config = config();
    let mut state = signed_in(&config);
    state.step = Step::HandOff;
    let rows = vec![
        (Event::RemovePageAccess, Expect::any()),
        (
            http(
                Purpose::PageServicePrincipal,
                403,
                r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
            ),
            Expect::fx(&[]).error("Enterprise applications"),
        ),
        (
            Event::RemovePageAccess,
            Expect::fx(&["Http PageServicePrincipal"]),
        ),
    ];
    check(&mut state, &config, rows);
}
