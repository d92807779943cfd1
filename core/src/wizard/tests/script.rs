//! The setup script on the screen: written by the hand-off module, once per input; a module
//! that did not load is asked again on Retry; Copy and Download wait for the module.

use super::*;
use crate::powershell::ScriptInput;
use crate::wizard::view::{Screen, ScriptText, StepView};
use crate::wizard::{FileKind, ModuleError, ModuleTask, Prepared};

/// Signed in, on Hand-off, with a run that made the app and its service principal.
fn on_hand_off(config: &Config) -> State {
    let mut journal: serde_json::Value = serde_json::from_str(&journal_in(TID)).unwrap();
    journal["facts"]["appId"] = "11111111-2222-4333-8444-555555555555".into();
    journal["facts"]["sp"] = "21111111-2222-4333-8444-555555555555".into();
    let mut state = signed_in_after_load_with(config, journal.to_string());
    assert!(state.setup.apply.is_some(), "the run resumed");
    state.step = Step::HandOff;
    state
}

fn shown(state: &State, config: &Config) -> ScriptText {
    match state.view(config).screen {
        Screen::SignedIn(s) => match s.step {
            StepView::HandOff(h) => h.script.text,
            _ => panic!("not on Hand-off"),
        },
        _ => panic!("not signed in"),
    }
}

/// The input of the one `WriteScript` among `fx`.
fn asked(fx: &[Effect]) -> String {
    let inputs: Vec<&String> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::WriteScript { input } => Some(input),
            _ => None,
        })
        .collect();
    assert_eq!(inputs.len(), 1, "one request: {fx:?}");
    inputs[0].clone()
}

#[test]
fn the_module_writes_the_script_once_per_input_and_copy_waits_for_it() {
    let config = config();
    let mut state = on_hand_off(&config);
    let input = asked(&state.update(&config, Event::ForgetSecret));
    let read = ScriptInput::from_text(&input).expect("the module can read it");
    assert_eq!(
        read.client_id.to_string(),
        "11111111-2222-4333-8444-555555555555"
    );
    assert_eq!(shown(&state, &config), ScriptText::Writing);
    // Asked once: the next events ask nothing.
    let fx = state.update(&config, Event::ForgetSecret);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::WriteScript { .. })),
        "{fx:?}"
    );
    // Copy has nothing to copy yet, and says so.
    let fx = state.update(&config, Event::Copy(Copyable::SetupScript));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Copy { .. })),
        "{fx:?}"
    );
    // An answer for another input is dropped; the right one is shown and copied.
    let other = ScriptInput {
        exchange_applied: !read.exchange_applied,
        ..read.clone()
    };
    state.update(
        &config,
        Event::ScriptWritten {
            input: other.to_text(),
            result: Ok("stale".into()),
        },
    );
    assert_eq!(shown(&state, &config), ScriptText::Writing);
    state.update(
        &config,
        Event::ScriptWritten {
            input: input.clone(),
            result: Ok("Connect-ExchangeOnline\n".into()),
        },
    );
    assert_eq!(
        shown(&state, &config),
        ScriptText::Ready("Connect-ExchangeOnline\n".into())
    );
    let fx = state.update(&config, Event::Copy(Copyable::SetupScript));
    match &fx[..] {
        [Effect::Copy { text, .. }] => assert_eq!(text.0, "Connect-ExchangeOnline\n"),
        _ => panic!("{fx:?}"),
    }
}

#[test]
fn a_module_that_did_not_load_is_explained_and_asked_again_on_retry() {
    let config = config();
    let mut state = on_hand_off(&config);
    let input = asked(&state.update(&config, Event::ForgetSecret));
    for (error, retry) in [
        (ModuleError::Unavailable("offline".into()), true),
        (
            ModuleError::Refused("the scripts' input: bad".into()),
            false,
        ),
    ] {
        state.update(
            &config,
            Event::ScriptWritten {
                input: input.clone(),
                result: Err(error.clone()),
            },
        );
        match shown(&state, &config) {
            ScriptText::Failed { why, retry: r } => {
                assert_eq!(r, retry, "{error:?}");
                assert!(why.detail.contains(&error.to_string()), "{why:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(asked(&state.update(&config, Event::RetryScript)), input);
        assert_eq!(shown(&state, &config), ScriptText::Writing);
    }
}

#[test]
fn a_script_download_is_written_by_the_module_from_the_input() {
    let config = config();
    let mut state = on_hand_off(&config);
    let input = asked(&state.update(&config, Event::ForgetSecret));
    for (kind, rollback) in [
        (FileKind::SetupScript, false),
        (FileKind::RollbackScript, true),
    ] {
        match state.file(&config, &kind) {
            Ok(Prepared::Module { file, task }) => {
                assert_eq!(task, ModuleTask::Script { rollback });
                assert_eq!(String::from_utf8(file.bytes).unwrap(), input);
                assert!(file.name.ends_with(".ps1"), "{}", file.name);
            }
            _ => panic!("{kind:?}: not the module's"),
        }
    }
}
