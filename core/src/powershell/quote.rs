//! The one quoting function. Every value that reaches a generated script goes through [`quote`].

/// `true` for the characters PowerShell treats as a single quote: `'` and the typographic
/// single quotes U+2018 ‘, U+2019 ’, U+201A ‚ and U+201B ‛.
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}'..='\u{201B}')
}

/// `true` for the characters PowerShell treats as a double quote: `"` and U+201C “, U+201D ”,
/// U+201E „.
pub fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}'..='\u{201E}')
}

/// `value` as a PowerShell single-quoted (verbatim) string literal.
///
/// Inside `'…'` nothing is special except a single quote, and PowerShell counts the typographic
/// single quotes as single quotes too; two adjacent quote characters stand for the second one.
/// So every single-quote character is doubled (written twice) and the result is wrapped in
/// ASCII `'`. `$`, backticks, double quotes, `#`, `;` and line breaks are then plain text: no
/// input can end the literal, and the tokenizer yields exactly `value` back.
///
/// OPATH filters (`-RecipientRestrictionFilter`, `-Filter`) use the same rule, so a filter
/// value is quoted twice: `quote(&format!("Name -eq {}", quote(value)))`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if is_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_every_single_quote_kind() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(quote("‘’‚‛"), "'‘‘’’‚‚‛‛'");
        assert_eq!(quote("\"$(x)`\""), "'\"$(x)`\"'");
    }

    #[test]
    fn nests_for_opath() {
        let inner = quote("O’Neil");
        assert_eq!(inner, "'O’’Neil'");
        assert_eq!(
            quote(&format!("MemberOfGroup -eq {inner}")),
            "'MemberOfGroup -eq ''O’’’’Neil'''"
        );
    }
}
