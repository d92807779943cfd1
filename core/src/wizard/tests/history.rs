//! The browser's Back and Forward between steps, Copy's answer, mailbox suggestions and
//! the retry countdown.

use super::*;
use crate::wizard::view::StepView;
use crate::wizard::{CopyTarget, Copyable};

fn moved(state: &mut State, config: &Config, step: &str) -> Vec<Effect> {
    state.update(
        config,
        Event::History {
            step: step.into(),
            seed: [7; 16],
            now_ms: 1_800_000_000_000,
        },
    )
}

#[test]
fn back_and_forward_keep_the_answers_and_refuse_what_cannot_be_done_now() {
    let config = config();
    let mut state = super::consent::at_scope_step(&config);
    // (browser moves to, the step it lands on, effects sent)
    let table: &[(&str, Step, usize)] = &[
        ("scope", Step::Scope, 0),     // already there
        ("review", Step::Scope, 0),    // no answer given yet: stays
        ("apply", Step::Scope, 0),     // a run is never entered by history
        ("hand-off", Step::Scope, 0),  // nor its results
        ("nowhere", Step::Scope, 0),   // not a step
        ("mailbox", Step::Mailbox, 0), // Back
        ("scope", Step::Scope, 0),     // Forward: found before, no new look-up
        ("welcome", Step::Scope, 0),   // never back to before the sign-in
    ];
    for (to, lands, effects) in table {
        let fx = moved(&mut state, &config, to);
        assert_eq!(state.step, *lands, "to {to}");
        assert_eq!(fx.len(), *effects, "to {to}: {fx:?}");
    }
    assert_eq!(state.mailbox_typed(), "invoices@contoso.example");
    // Signed out: history does nothing.
    state.session = None;
    moved(&mut state, &config, "mailbox");
    assert_eq!(state.step, Step::Scope);
}

#[test]
fn a_copy_says_what_the_browser_did_and_a_missing_secret_is_not_copied() {
    let config = config();
    let mut state = super::consent::at_scope_step(&config);
    // No secret in memory: nothing goes to the clipboard, and the page says so.
    assert!(state
        .update(&config, Event::Copy(Copyable::Secret))
        .is_empty());
    let note = state.view(&config).copied.expect("a note");
    assert_eq!((note.what, note.ok), (CopyTarget::Secret, false));
    // An id: copied; the browser's answer is what the page says.
    let fx = state.update(&config, Event::Copy(Copyable::Shown("abc".into())));
    assert!(matches!(fx.as_slice(), [Effect::Copy { text, .. }] if text.0 == "abc"));
    state.update(
        &config,
        Event::Copied {
            what: CopyTarget::Shown("abc".into()),
            ok: true,
            now_ms: 1_800_000_000_000,
        },
    );
    assert_eq!(state.view(&config).copied.unwrap().message, "Copied.");
    // On another step the note is gone.
    state.step = Step::Mailbox;
    assert!(state.view(&config).copied.is_none());
}

#[test]
fn a_retry_is_counted_down_in_whole_seconds_from_the_last_clock() {
    use crate::run::ItemState;
    let config = config();
    let mut state = State::new(&config);
    // No run waits: no tick is asked for.
    assert!(state
        .update(&config, Event::Tick { now_ms: 10_000 })
        .is_empty());
    for (at_ms, says) in [
        (13_000, "retrying (in 3 s)"),
        (12_001, "retrying (in 3 s)"),
        (10_000, "retrying (in 0 s)"),
        (9_000, "retrying (in 0 s)"),
    ] {
        assert_eq!(state.item_words(ItemState::Retrying { at_ms }), says);
    }
    assert_eq!(
        state.item_words(ItemState::Replicating { at_ms: 11_500 }),
        "waiting for directory replication (in 2 s)"
    );
    assert_eq!(state.item_words(ItemState::Running), "running");
}

#[test]
fn suggestions_ask_one_request_at_a_time_and_leave_guests_out() {
    let config = config();
    let mut state = signed_in(&config);
    assert_eq!(state.step, Step::Mailbox);
    let typing = |state: &mut State, t: &str| {
        state
            .update(&config, Event::MailboxTyping(t.into()))
            .into_iter()
            .filter_map(|e| match e {
                Effect::Http {
                    purpose: Purpose::MailboxSuggestions,
                    url,
                    ..
                } => Some(url),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(
        typing(&mut state, "i").is_empty(),
        "one letter asks nothing"
    );
    let asked = typing(&mut state, "in");
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("startswith%28displayName%2C%27in%27%29"),
        "{asked:?}"
    );
    assert!(
        typing(&mut state, "inv").is_empty(),
        "one request at a time"
    );
    // The answer for "in" arrives: its list is kept, and "inv" is asked next.
    let body = r#"{"value":[{"displayName":"Invoices","mail":"invoices@contoso.example","userType":"Member"},
        {"displayName":"Ingrid (guest)","mail":"ingrid@fabrikam.example","userType":"Guest"}]}"#;
    let fx = state.update(&config, http(Purpose::MailboxSuggestions, 200, body));
    assert!(
        matches!(fx.as_slice(), [Effect::Http { purpose: Purpose::MailboxSuggestions, url, .. }] if url.contains("%27inv%27")),
        "{fx:?}"
    );
    let StepView::Mailbox {
        suggestions,
        address,
        ..
    } = signed_in_step(&state, &config)
    else {
        panic!("the Mailbox step")
    };
    assert_eq!(
        suggestions,
        [("Invoices".to_owned(), "invoices@contoso.example".to_owned())]
    );
    assert_eq!(address, "inv", "the field shows what was typed");
    // A failed request ends quietly; nothing is asked off the Mailbox step.
    assert!(state
        .update(&config, failed(Purpose::MailboxSuggestions))
        .is_empty());
    state.step = Step::Scope;
    assert!(typing(&mut state, "invo").is_empty());
}

fn signed_in_step(state: &State, config: &Config) -> StepView {
    match state.view(config).screen {
        crate::wizard::view::Screen::SignedIn(s) => s.step,
        other => panic!("{other:?}"),
    }
}
