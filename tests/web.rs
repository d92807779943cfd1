//! Component tests in headless Chromium (wasm-bindgen-test). `cargo xtask test` runs them.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;
use std::time::Duration;

use mailgrant::ui::{welcome, WelcomeProps};
use mailgrant_core::config::{self, ScopeMode};
use mailgrant_core::wizard::view::Welcome;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::platform::time::sleep;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn root() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

fn config(mode: &str) -> Rc<config::Config> {
    Rc::new(
        config::parse(&format!(
            r#"{{"clientId":"11111111-2222-3333-4444-555555555555","vendor":{{"name":"Fabrikam Notify","appDisplayName":"{{vendor}} sender","defaultScopeMode":"{mode}","supportContact":"help@fabrikam.example","secretLifetimeDays":90}}}}"#
        ))
        .unwrap(),
    )
}

#[derive(Properties, PartialEq)]
struct HostProps {
    config: Rc<config::Config>,
}

/// Holds the mode the way the wizard does, so the radio buttons can be exercised.
#[function_component(Host)]
fn host(props: &HostProps) -> Html {
    let mode = use_state(|| props.config.vendor.default_scope_mode);
    let on_mode = {
        let mode = mode.clone();
        Callback::from(move |m| mode.set(m))
    };
    welcome(&WelcomeProps {
        config: props.config.clone(),
        view: Welcome {
            mode: *mode,
            busy: false,
            interrupted: false,
            scopes: mailgrant_core::auth::scopes(*mode),
            entra: true,
            credential: Some(mailgrant_core::wizard::credential::for_config(
                &props.config.vendor.credentials[0],
                &props.config,
            )),
            no_credential: None,
            fallback: None,
            still_loading: None,
        },
        on_mode,
        on_sign_in: Callback::noop(),
    })
}

#[derive(Properties, PartialEq)]
struct PlainProps {
    inner: WelcomeProps,
}

/// Welcome as it is drawn, with the given props.
#[function_component(Plain)]
fn plain(props: &PlainProps) -> Html {
    welcome(&props.inner)
}

#[wasm_bindgen_test]
async fn welcome_lists_what_will_be_created_and_the_scopes_of_the_mode() {
    let div = root();
    yew::Renderer::<Host>::with_root_and_props(
        div.clone(),
        HostProps {
            config: config("rbacForApplications"),
        },
    )
    .render();
    sleep(Duration::from_millis(50)).await;
    let text = div.text_content().unwrap();
    assert!(text.contains("Fabrikam Notify sender"), "{text}");
    assert!(text.contains("valid for 90 days"), "{text}");
    assert!(
        !text.contains("AppRoleAssignment.ReadWrite.All"),
        "RBAC mode asks no grant scope"
    );
    assert!(!text.contains("Mail.Send application permission"));

    // Switching to Application Access Policy adds the grant and its scope.
    let radio: web_sys::HtmlInputElement = div
        .query_selector("input[value=applicationAccessPolicy]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    radio.click();
    sleep(Duration::from_millis(50)).await;
    let text = div.text_content().unwrap();
    assert!(text.contains("AppRoleAssignment.ReadWrite.All"), "{text}");
    assert!(text.contains("Mail.Send application permission"), "{text}");
}

#[wasm_bindgen_test]
async fn the_radio_reports_the_mode_and_the_button_signs_in() {
    let div = root();
    let chosen = Rc::new(std::cell::Cell::new(None));
    let clicked = Rc::new(std::cell::Cell::new(false));
    let (mode_sink, click_sink) = (chosen.clone(), clicked.clone());
    yew::Renderer::<Plain>::with_root_and_props(
        div.clone(),
        PlainProps {
            inner: WelcomeProps {
                config: config("rbacForApplications"),
                view: Welcome {
                    mode: ScopeMode::RbacForApplications,
                    busy: false,
                    interrupted: false,
                    scopes: vec![
                        ("openid", "sign you in"),
                        ("email", "show your e-mail address"),
                    ],
                    entra: false,
                    credential: None,
                    no_credential: None,
                    fallback: None,
                    still_loading: None,
                },
                on_mode: Callback::from(move |m| mode_sink.set(Some(m))),
                on_sign_in: Callback::from(move |()| click_sink.set(true)),
            },
        },
    )
    .render();
    sleep(Duration::from_millis(50)).await;
    let element = |selector: &str| -> web_sys::HtmlElement {
        div.query_selector(selector)
            .unwrap()
            .unwrap()
            .dyn_into()
            .unwrap()
    };
    // Another provider than Entra ID: its scopes only, said plainly, and no "with Microsoft".
    assert_eq!(
        element("#scopes")
            .text_content()
            .unwrap()
            .matches(':')
            .count(),
        2
    );
    assert!(element("#not-entra")
        .text_content()
        .unwrap()
        .contains("not Microsoft Entra ID"));
    assert_eq!(element("#sign-in").text_content().unwrap(), "Sign in");
    element("input[value=applicationAccessPolicy]").click();
    assert_eq!(chosen.get(), Some(ScopeMode::ApplicationAccessPolicy));
    element("#sign-in").click();
    assert!(clicked.get());
}

#[wasm_bindgen_test]
fn the_csprng_gives_fresh_bytes() {
    let a = mailgrant::browser::random_bytes::<32>().unwrap();
    let b = mailgrant::browser::random_bytes::<32>().unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
}
