//! One tab per run, and a saved run that cannot be continued.

use super::*;

#[test]
fn a_second_tab_with_the_same_journal_sends_nothing_and_keeps_it() {
    let config = config();
    let journal = journal_in(TID);
    let run_id = crate::run::journal::check(&journal).unwrap();
    let mut state = signed_in_before_hold(&config, journal);
    assert!(state.busy, "waits for the lock");
    assert!(state.setup.apply.is_none(), "nothing runs before the lock");
    let rows = vec![(
        Event::RunHeld {
            run_id,
            held: false,
            now_ms: NOW * 1000,
        },
        Expect::fx(&[]).error("another tab"),
    )];
    check(&mut state, &config, rows);
    assert!(state.setup.apply.is_none());
    assert!(!state.busy);
    assert!(
        state.has_interrupted_setup(),
        "a reload here continues it later"
    );
}

#[test]
fn the_tab_holding_the_run_resumes_it() {
    let config = config();
    let journal = journal_in(TID);
    let run_id = crate::run::journal::check(&journal).unwrap();
    let mut state = signed_in_before_hold(&config, journal);
    let fx = state.update(
        &config,
        Event::RunHeld {
            run_id,
            held: true,
            now_ms: NOW * 1000,
        },
    );
    assert_eq!(state.step, Step::Apply);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Graph { .. })),
        "{fx:?}"
    );
}

#[test]
fn a_damaged_journal_is_reported_kept_downloadable_and_discarded_on_request() {
    let config = config();
    let good = journal_in(TID);
    // Cut, and with an out-of-range undo position: neither may panic or be deleted unasked.
    let damaged = [
        good[..good.len() / 2].to_owned(),
        good.replacen("\"version\":2", "\"version\":2,\"undoFrom\":999", 1),
        good.replace("\"state\":\"pending\"", "\"state\":\"maybe\""),
    ];
    for text in damaged {
        let mut state = signed_in_after_load_with(&config, text.clone());
        assert!(state.setup.apply.is_none());
        assert_eq!(state.damaged_journal(), Some(text.as_str()), "kept");
        let e = state.error.as_ref().expect("reported");
        assert!(e.fix.contains("download it"), "{e:?}");
        check(
            &mut state,
            &config,
            vec![(
                Event::DiscardSavedRun,
                Expect::fx(&["RemoveJournal"]).error(""),
            )],
        );
        assert_eq!(state.damaged_journal(), None);
    }
}

#[test]
fn no_change_of_a_journal_makes_resume_panic() {
    let good = journal_in(TID);
    let bytes = good.as_bytes();
    let mut tried = 0;
    for i in (0..bytes.len()).step_by(3) {
        for replacement in [b'0', b'9', b'"', b'}', b'-'] {
            let mut b = bytes.to_vec();
            b[i] = replacement;
            if let Ok(text) = String::from_utf8(b) {
                let _ =
                    crate::run::Run::resume(&text, [3; 16], crate::run::Schedule::Concurrent, 0);
                tried += 1;
            }
        }
        let _ = crate::run::Run::resume(&good[..i], [3; 16], crate::run::Schedule::Concurrent, 0);
        // A character of two bytes put in (it panicked once, inside a date).
        if good.is_char_boundary(i) {
            let text = format!("{}é{}", &good[..i], &good[i..]);
            let _ = crate::run::Run::resume(&text, [3; 16], crate::run::Schedule::Concurrent, 0);
        }
    }
    assert!(tried > 1500, "{tried}");
}
