//! Property tests: hostile names, group names and descriptions stay inside one literal.
//!
//! For every generated input, either the validated type refuses it (control characters such as
//! line breaks, invisible formatting characters, surrounding spaces, empty, too long) or both
//! scripts, tokenized, hold exactly the original text in the literal of its `$Variable`, and
//! have the same token structure as the scripts for a harmless name: no input can end a
//! literal, start a command or hide in a comment.

use mailgrant_core::config::ScopeMode;
use mailgrant_core::ids::{ClientId, ObjectId, SmtpAddress, TenantId};
use mailgrant_core::powershell::{
    quote, rollback_script, setup_script, Cloud, DisplayText, ScopeTarget, ScriptError,
    ScriptInput, TextError,
};
use proptest::prelude::*;
use pscheck::token::{Token, TokenKind};
use pscheck::{check, tokenize, Catalog, CATALOG_JSON as CATALOG};

/// Characters and fragments that have meant trouble in PowerShell or in OPATH.
const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "‘",
    "’",
    "‚",
    "‛",
    "\"",
    "“",
    "”",
    "„",
    "$",
    "$(",
    "$(Remove-Item C:\\ -Recurse)",
    "${x}",
    "$env:PATH",
    "`",
    "`n",
    "`'",
    ";",
    "; Remove-Mailbox -Identity ceo",
    "#",
    "<#",
    "#>",
    "|",
    "&",
    "@(",
    "@'",
    "'@",
    "{",
    "}",
    "(",
    ")",
    "-Confirm:$false",
    "–Force",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\0",
    "\u{85}",
    "\u{2028}",
    "\u{202E}",
    "\u{FEFF}",
    " ",
    "\u{A0}",
    "é",
    "日本",
    "✉",
    "😀",
    "O'Brien",
    "MemberOfGroup -eq 'x'",
    "' -or Name -like '*",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        2 => "[a-zA-Z0-9 ]{1,6}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..12).prop_map(|v| v.concat())
}

fn smtp(s: &str) -> SmtpAddress {
    SmtpAddress::parse(s).expect("valid address")
}

fn input(mode: ScopeMode, name: &DisplayText, description: &DisplayText) -> ScriptInput {
    ScriptInput {
        tenant_id: TenantId::parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301").expect("guid"),
        cloud: Cloud::UsGovDod,
        admin_upn: smtp("admin@contoso.onmicrosoft.com"),
        client_id: ClientId::parse("6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f").expect("guid"),
        service_principal_id: ObjectId::parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
            .expect("guid"),
        app_display_name: name.clone(),
        mailbox_object_id: ObjectId::parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9").expect("guid"),
        mailbox: smtp("invoices@contoso.com"),
        denied_mailbox: Some(smtp("ceo@contoso.com")),
        mode,
        target: ScopeTarget::NewGroup {
            name: name.clone(),
            address: smtp("senders@contoso.com"),
        },
        description: Some(description.clone()),
        exchange_applied: false,
    }
}

/// The token stream with the content of single-quoted literals blanked: the script's shape.
fn shape(tokens: &[Token]) -> Vec<TokenKind> {
    tokens
        .iter()
        .map(|t| match &t.kind {
            TokenKind::SingleQuoted(_) => TokenKind::SingleQuoted(String::new()),
            other => other.clone(),
        })
        .collect()
}

/// The literal assigned to `$name` (exactly one assignment expected).
fn assigned(tokens: &[Token], name: &str) -> Vec<String> {
    tokens
        .windows(3)
        .filter_map(|w| match (&w[0].kind, &w[1].kind, &w[2].kind) {
            (TokenKind::Variable(v), TokenKind::Operator(op), TokenKind::SingleQuoted(s))
                if v == name && op == "=" =>
            {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

fn could_refuse(s: &str, e: &TextError) -> bool {
    match e {
        TextError::Empty => s.is_empty(),
        TextError::TooLong { .. } => s.chars().count() > 256,
        TextError::SurroundingSpace => {
            s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace)
        }
        TextError::ControlCharacter { .. } => s.chars().any(char::is_control),
        TextError::InvisibleCharacter { .. } => s
            .chars()
            .any(|c| matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// Any string at all survives `quote` unchanged, at one and at two (OPATH) levels.
    #[test]
    fn quote_round_trips_any_string(s in prop_oneof![any::<String>(), hostile_text()]) {
        let once = tokenize(&quote(&s)).expect("tokenizes");
        prop_assert_eq!(once.len(), 1);
        prop_assert_eq!(&once[0].kind, &TokenKind::SingleQuoted(s.clone()));

        let filter = format!("Name -eq {}", quote(&s));
        let outer = tokenize(&quote(&filter)).expect("tokenizes");
        prop_assert_eq!(&outer[0].kind, &TokenKind::SingleQuoted(filter.clone()));
        let inner = tokenize(&filter).expect("tokenizes");
        prop_assert_eq!(inner.len(), 3);
        prop_assert_eq!(&inner[2].kind, &TokenKind::SingleQuoted(s));
    }

    #[test]
    fn hostile_names_stay_inside_their_literal(name in hostile_text(), description in hostile_text()) {
        let (name_text, description_text) = match (DisplayText::parse(&name), DisplayText::parse(&description)) {
            (Ok(n), Ok(d)) => (n, d),
            (n, d) => {
                // Refused, and only for a stated reason; line breaks are always refused.
                for (s, r) in [(&name, n), (&description, d)] {
                    match r {
                        Ok(_) => prop_assert!(!s.contains('\n') && !s.contains('\r')),
                        Err(e) => prop_assert!(could_refuse(s, &e), "{:?} refused as {:?}", s, e),
                    }
                }
                return Ok(());
            }
        };
        prop_assert!(!name.contains('\n') && !name.contains('\r'));
        let harmless = DisplayText::parse("x").expect("valid");
        let catalog = Catalog::from_json(CATALOG).expect("catalog");
        for mode in ScopeMode::ALL {
            let hostile = input(mode, &name_text, &description_text);
            let baseline = input(mode, &harmless, &harmless);
            if name_text.char_count() > 64 {
                prop_assert!(
                    matches!(setup_script(&hostile), Err(ScriptError::GroupNameTooLong { .. })),
                    "long group name accepted"
                );
                continue;
            }
            let pairs = [
                (setup_script(&hostile), setup_script(&baseline)),
                (rollback_script(&hostile), rollback_script(&baseline)),
            ];
            for (script, expected) in pairs {
                let script = script.expect("script");
                let tokens = tokenize(&script).expect("hostile script tokenizes");
                let expected = tokenize(&expected.expect("script")).expect("baseline tokenizes");
                prop_assert_eq!(shape(&tokens), shape(&expected));
                prop_assert_eq!(assigned(&tokens, "AppDisplayName"), vec![name.clone()]);
                prop_assert_eq!(assigned(&tokens, "GroupName"), vec![name.clone()]);
                if mode == ScopeMode::ApplicationAccessPolicy {
                    prop_assert_eq!(assigned(&tokens, "PolicyDescription"), vec![description.clone()]);
                }
                prop_assert!(check(&catalog, &script).is_empty());
            }
        }
    }
}
