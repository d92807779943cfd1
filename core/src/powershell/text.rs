//! [`DisplayText`]: a validated human-readable name (display name, group name, description).

use std::fmt;

/// The most characters a [`DisplayText`] may hold. Exchange display names allow 256.
pub const MAX_DISPLAY_TEXT_CHARS: usize = 256;

/// Why a string cannot be used as a [`DisplayText`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the name is empty")]
    Empty,
    #[error("the name has {len} characters; at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("the name starts or ends with a space; remove it")]
    SurroundingSpace,
    #[error("the name contains a line break or another control character (U+{code:04X}) at character {position}")]
    ControlCharacter { position: usize, code: u32 },
    #[error("the name contains an invisible formatting character (U+{code:04X}) at character {position}, which can make text display differently from what it is")]
    InvisibleCharacter { position: usize, code: u32 },
}

/// A name or description typed by a person: non-empty, at most [`MAX_DISPLAY_TEXT_CHARS`]
/// characters, no leading or trailing space, no control characters (so no line breaks) and no
/// invisible direction or line-separator characters.
///
/// Quotes of every kind, `$`, backticks, `#`, `;` and any other printable Unicode are allowed:
/// [`super::quote`] makes them inert.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DisplayText(String);

impl DisplayText {
    /// Validates `s`. The text is kept exactly as given (no trimming or normalisation).
    pub fn parse(s: &str) -> Result<Self, TextError> {
        if s.is_empty() {
            return Err(TextError::Empty);
        }
        let len = s.chars().count();
        if len > MAX_DISPLAY_TEXT_CHARS {
            return Err(TextError::TooLong {
                len,
                max: MAX_DISPLAY_TEXT_CHARS,
            });
        }
        for (position, c) in s.chars().enumerate() {
            let code = u32::from(c);
            if c.is_control() {
                return Err(TextError::ControlCharacter { position, code });
            }
            if is_invisible_formatting(c) {
                return Err(TextError::InvisibleCharacter { position, code });
            }
        }
        if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
            return Err(TextError::SurroundingSpace);
        }
        Ok(DisplayText(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number of characters (Unicode scalar values).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

/// Line and paragraph separators, bidirectional overrides and isolates, the byte-order mark.
fn is_invisible_formatting(c: char) -> bool {
    matches!(
        c,
        '\u{2028}'
            | '\u{2029}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

impl fmt::Display for DisplayText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DisplayText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DisplayText({:?})", self.0)
    }
}

impl std::str::FromStr for DisplayText {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self, TextError> {
        DisplayText::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hostile_but_printable_text() {
        for ok in [
            "O'Brien’s “senders”",
            "$(Remove-Item C:\\)",
            "a`b;c#d<#e",
            "日本語 ✉",
        ] {
            assert_eq!(
                DisplayText::parse(ok).map(|t| t.to_string()),
                Ok(ok.to_owned())
            );
        }
    }

    #[test]
    fn refuses_line_breaks_controls_and_invisible_characters() {
        assert_eq!(DisplayText::parse(""), Err(TextError::Empty));
        assert_eq!(DisplayText::parse(" a"), Err(TextError::SurroundingSpace));
        assert_eq!(
            DisplayText::parse("a\u{3000}"),
            Err(TextError::SurroundingSpace)
        );
        assert_eq!(
            DisplayText::parse("a\nb"),
            Err(TextError::ControlCharacter {
                position: 1,
                code: 10
            })
        );
        assert!(matches!(
            DisplayText::parse("a\r"),
            Err(TextError::ControlCharacter { .. })
        ));
        assert!(matches!(
            DisplayText::parse("a\u{85}b"),
            Err(TextError::ControlCharacter { .. })
        ));
        assert!(matches!(
            DisplayText::parse("a\0b"),
            Err(TextError::ControlCharacter { .. })
        ));
        assert!(matches!(
            DisplayText::parse("a\u{2028}b"),
            Err(TextError::InvisibleCharacter { .. })
        ));
        assert!(matches!(
            DisplayText::parse("a\u{202E}b"),
            Err(TextError::InvisibleCharacter { .. })
        ));
        let long = "x".repeat(MAX_DISPLAY_TEXT_CHARS + 1);
        assert!(matches!(
            DisplayText::parse(&long),
            Err(TextError::TooLong { .. })
        ));
    }
}
