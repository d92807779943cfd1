//! A small PowerShell tokenizer, good enough for the scripts this module writes and for the
//! snippets the tests feed it: commands with `-Param value` pairs, `-Switch:$false`, single- and
//! double-quoted strings (with the typographic quote characters PowerShell accepts), variables,
//! `$( )`, `@( )`, script blocks, type literals, pipelines, comments and line continuations.
//! Here-strings are refused rather than guessed at.

use mailgrant_core::powershell::{is_double_quote, is_single_quote, quote};

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// End of a line (`\n`, `\r\n` or `\r`) outside a string.
    Newline,
    Semicolon,
    Pipe,
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    /// `$(`
    SubExpression,
    /// `@(`
    ArrayExpression,
    /// `@{`
    HashStart,
    /// `.` glued to the previous token (member access).
    Dot,
    /// `[…]`, e.g. `[string]` or `[Parameter(Mandatory = $true)]`, with the brackets.
    TypeLiteral(String),
    /// `-Name` or `-Name:` (then `colon` is true). Also covers operators such as `-eq`, which
    /// only the context tells apart. The name has no dash.
    Parameter {
        name: String,
        colon: bool,
    },
    /// `$name`, `${name}`, `$_`; the name has no `$`.
    Variable(String),
    /// The value of a `'…'` literal, quotes undoubled.
    SingleQuoted(String),
    /// The text of a `"…"` literal with backtick escapes applied. `expandable` is true when it
    /// contains `$name` or `$(…)`, i.e. its value is only known at run time.
    DoubleQuoted {
        value: String,
        expandable: bool,
    },
    /// A bare word: a command name, keyword, number or unquoted argument.
    Word(String),
    /// `=`, `+`, `!`, `&`, `::` and the like.
    Operator(String),
}

/// One token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// 1-based line of the token's first character.
    pub line: usize,
    /// Whether whitespace (or a comment) separates it from the previous token.
    pub space_before: bool,
}

/// Why a text could not be tokenized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenizeError {
    #[error("line {line}: a string is not closed")]
    UnterminatedString { line: usize },
    #[error("line {line}: a `<#` comment is not closed")]
    UnterminatedComment { line: usize },
    #[error("line {line}: a `[` is not closed")]
    UnterminatedBracket { line: usize },
    #[error("line {line}: here-strings (@' or @\") are not supported")]
    HereString { line: usize },
    #[error("line {line}: `$` is not followed by a variable name")]
    BareDollar { line: usize },
}

/// `true` for the dash characters PowerShell accepts before a parameter name.
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

fn is_space(c: char) -> bool {
    !is_newline(c) && (c.is_whitespace() || c == '\u{FEFF}')
}

fn is_variable_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ':'
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    is_space(c)
        || is_newline(c)
        || "(){};,|&".contains(c)
        || is_single_quote(c)
        || is_double_quote(c)
}

struct Scanner<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    tokens: Vec<Token>,
    space: bool,
    _src: &'a str,
}

/// Splits `src` into tokens. Comments and whitespace are dropped (they only set
/// [`Token::space_before`]).
pub fn tokenize(src: &str) -> Result<Vec<Token>, TokenizeError> {
    let mut s = Scanner {
        chars: src.chars().collect(),
        pos: 0,
        line: 1,
        tokens: Vec::new(),
        space: true,
        _src: src,
    };
    s.run()?;
    Ok(s.tokens)
}

impl Scanner<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: TokenKind, line: usize) {
        self.tokens.push(Token {
            kind,
            line,
            space_before: self.space,
        });
        self.space = false;
    }

    /// Consumes one line break (`\r\n` counts as one).
    fn newline(&mut self) {
        if self.peek(0) == Some('\r') && self.peek(1) == Some('\n') {
            self.pos += 1;
        }
        self.pos += 1;
        self.line += 1;
    }

    fn run(&mut self) -> Result<(), TokenizeError> {
        while let Some(c) = self.peek(0) {
            let line = self.line;
            let next = self.peek(1);
            match c {
                _ if is_space(c) => {
                    self.pos += 1;
                    self.space = true;
                }
                _ if is_newline(c) => {
                    self.newline();
                    self.push(TokenKind::Newline, line);
                    self.space = true;
                }
                '`' if next.is_some_and(is_newline) => {
                    self.pos += 1;
                    self.newline();
                    self.space = true;
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| !is_newline(c)) {
                        self.pos += 1;
                    }
                    self.space = true;
                }
                '<' if next == Some('#') => self.block_comment()?,
                ';' => self.single(TokenKind::Semicolon),
                '|' => self.single(TokenKind::Pipe),
                ',' => self.single(TokenKind::Comma),
                '(' => self.single(TokenKind::LParen),
                ')' => self.single(TokenKind::RParen),
                '{' => self.single(TokenKind::LBrace),
                '}' => self.single(TokenKind::RBrace),
                '$' => self.dollar()?,
                '@' if next == Some('(') => self.double(TokenKind::ArrayExpression),
                '@' if next == Some('{') => self.double(TokenKind::HashStart),
                '@' if next.is_some_and(|n| is_single_quote(n) || is_double_quote(n)) => {
                    return Err(TokenizeError::HereString { line });
                }
                '[' => self.type_literal()?,
                _ if is_single_quote(c) => {
                    let value = self.single_quoted()?;
                    self.push(TokenKind::SingleQuoted(value), line);
                }
                _ if is_double_quote(c) => {
                    let (value, expandable) = self.double_quoted()?;
                    self.push(TokenKind::DoubleQuoted { value, expandable }, line);
                }
                _ if is_dash(c) && next.is_some_and(|n| n.is_alphabetic() || n == '_') => {
                    self.parameter();
                }
                '.' if !self.space
                    && next.is_some_and(|n| n.is_alphabetic() || n == '_')
                    && !self.tokens.is_empty() =>
                {
                    self.single(TokenKind::Dot);
                }
                ':' if next == Some(':') => {
                    self.pos += 2;
                    self.push(TokenKind::Operator("::".into()), line);
                }
                '=' | '+' | '!' | '&' | '>' | '<' | '*' | '/' | '%' => self.operator(),
                _ if is_dash(c) => self.operator(),
                _ => self.word(),
            }
        }
        Ok(())
    }

    fn single(&mut self, kind: TokenKind) {
        let line = self.line;
        self.pos += 1;
        self.push(kind, line);
    }

    fn double(&mut self, kind: TokenKind) {
        let line = self.line;
        self.pos += 2;
        self.push(kind, line);
    }

    fn block_comment(&mut self) -> Result<(), TokenizeError> {
        let line = self.line;
        self.pos += 2;
        loop {
            match self.peek(0) {
                None => return Err(TokenizeError::UnterminatedComment { line }),
                Some('#') if self.peek(1) == Some('>') => {
                    self.pos += 2;
                    break;
                }
                Some(c) if is_newline(c) => self.newline(),
                Some(_) => self.pos += 1,
            }
        }
        self.space = true;
        Ok(())
    }

    fn operator(&mut self) {
        let line = self.line;
        let mut op = String::new();
        while let Some(c) = self.peek(0) {
            let c = if is_dash(c) { '-' } else { c };
            if "=+!&><*/%-".contains(c) && op.len() < 2 {
                op.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        self.push(TokenKind::Operator(op), line);
    }

    fn dollar(&mut self) -> Result<(), TokenizeError> {
        let line = self.line;
        match self.peek(1) {
            Some('(') => {
                self.double(TokenKind::SubExpression);
                return Ok(());
            }
            Some('{') => {
                self.pos += 2;
                let mut name = String::new();
                loop {
                    match self.peek(0) {
                        None => return Err(TokenizeError::UnterminatedString { line }),
                        Some('}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) => {
                            name.push(c);
                            self.pos += 1;
                        }
                    }
                }
                self.push(TokenKind::Variable(name), line);
                return Ok(());
            }
            Some(c @ ('_' | '?' | '$' | '^')) if !self.peek(2).is_some_and(is_variable_char) => {
                self.pos += 2;
                self.push(TokenKind::Variable(c.to_string()), line);
                return Ok(());
            }
            _ => {}
        }
        self.pos += 1;
        let mut name = String::new();
        while let Some(c) = self.peek(0) {
            // `$a::b` is not a scope; stop before `::`.
            if is_variable_char(c) && !(c == ':' && self.peek(1) == Some(':')) {
                name.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        if name.is_empty() {
            return Err(TokenizeError::BareDollar { line });
        }
        self.push(TokenKind::Variable(name), line);
        Ok(())
    }

    fn type_literal(&mut self) -> Result<(), TokenizeError> {
        let line = self.line;
        let mut depth = 0usize;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Err(TokenizeError::UnterminatedBracket { line });
            };
            if is_single_quote(c) {
                let v = self.single_quoted()?;
                text.push_str(&quote(&v));
                continue;
            }
            if is_newline(c) {
                self.newline();
                text.push('\n');
                continue;
            }
            self.pos += 1;
            text.push(c);
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.push(TokenKind::TypeLiteral(text), line);
        Ok(())
    }

    /// Scans `'…'` starting at the opening quote; returns the value.
    fn single_quoted(&mut self) -> Result<String, TokenizeError> {
        let line = self.line;
        self.pos += 1;
        let mut value = String::new();
        loop {
            match self.peek(0) {
                None => return Err(TokenizeError::UnterminatedString { line }),
                Some(c) if is_single_quote(c) => {
                    match self.peek(1) {
                        // Two quote characters stand for the second one.
                        Some(d) if is_single_quote(d) => {
                            value.push(d);
                            self.pos += 2;
                        }
                        _ => {
                            self.pos += 1;
                            return Ok(value);
                        }
                    }
                }
                Some(c) => {
                    if c == '\n' || (c == '\r' && self.peek(1) != Some('\n')) {
                        self.line += 1;
                    }
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Scans `"…"` starting at the opening quote; returns the text and whether it expands.
    fn double_quoted(&mut self) -> Result<(String, bool), TokenizeError> {
        let line = self.line;
        self.pos += 1;
        let mut value = String::new();
        let mut expandable = false;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(TokenizeError::UnterminatedString { line });
            };
            match c {
                '`' => {
                    let Some(e) = self.peek(1) else {
                        return Err(TokenizeError::UnterminatedString { line });
                    };
                    value.push(match e {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '0' => '\0',
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        'e' => '\u{1b}',
                        'f' => '\u{c}',
                        'v' => '\u{b}',
                        other => other,
                    });
                    self.pos += 2;
                }
                _ if is_double_quote(c) => {
                    if self.peek(1).is_some_and(is_double_quote) {
                        value.push(c);
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        return Ok((value, expandable));
                    }
                }
                '$' if self.peek(1) == Some('(') => {
                    expandable = true;
                    self.skip_subexpression(&mut value)?;
                }
                '$' if self
                    .peek(1)
                    .is_some_and(|n| is_variable_char(n) || "{_?$^".contains(n)) =>
                {
                    expandable = true;
                    value.push(c);
                    self.pos += 1;
                }
                _ => {
                    if c == '\n' || (c == '\r' && self.peek(1) != Some('\n')) {
                        self.line += 1;
                    }
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Copies a `$( … )` inside a double-quoted string, balancing parentheses and skipping
    /// nested strings.
    fn skip_subexpression(&mut self, out: &mut String) -> Result<(), TokenizeError> {
        let line = self.line;
        out.push_str("$(");
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            let Some(c) = self.peek(0) else {
                return Err(TokenizeError::UnterminatedString { line });
            };
            if is_single_quote(c) {
                let v = self.single_quoted()?;
                out.push_str(&quote(&v));
                continue;
            }
            if is_double_quote(c) {
                let (v, _) = self.double_quoted()?;
                out.push('"');
                out.push_str(&v);
                out.push('"');
                continue;
            }
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            out.push(c);
            self.pos += 1;
        }
        Ok(())
    }

    fn parameter(&mut self) {
        let line = self.line;
        self.pos += 1;
        let mut name = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' || c == '?' {
                name.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        let colon = self.peek(0) == Some(':') && self.peek(1) != Some(':');
        if colon {
            self.pos += 1;
        }
        self.push(TokenKind::Parameter { name, colon }, line);
    }

    fn word(&mut self) {
        let line = self.line;
        let mut word = String::new();
        while let Some(c) = self.peek(0) {
            if c == '`' {
                match self.peek(1) {
                    Some(n) if !is_newline(n) => {
                        word.push(n);
                        self.pos += 2;
                        continue;
                    }
                    _ => break,
                }
            }
            if ends_word(c) || (c == '$' && !word.is_empty()) {
                break;
            }
            word.push(c);
            self.pos += 1;
        }
        if word.is_empty() {
            // A lone character no rule above claims, e.g. `$` inside a word: keep it as a word
            // so scanning always advances.
            if let Some(c) = self.peek(0) {
                word.push(c);
                self.pos += 1;
            }
        }
        self.push(TokenKind::Word(word), line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src)
            .map(|t| t.into_iter().map(|t| t.kind).collect())
            .unwrap_or_default()
    }

    fn word(s: &str) -> TokenKind {
        TokenKind::Word(s.into())
    }

    fn param(s: &str, colon: bool) -> TokenKind {
        TokenKind::Parameter {
            name: s.into(),
            colon,
        }
    }

    #[test]
    fn command_with_parameters() {
        assert_eq!(
            kinds("New-X -A 'it''s' -B:$false –C b@c.d # c\r\n"),
            vec![
                word("New-X"),
                param("A", false),
                TokenKind::SingleQuoted("it's".into()),
                param("B", true),
                TokenKind::Variable("false".into()),
                param("C", false),
                word("b@c.d"),
                TokenKind::Newline,
            ]
        );
    }

    #[test]
    fn typographic_quotes_open_and_close_strings() {
        assert_eq!(kinds("‘a’’b‛"), vec![TokenKind::SingleQuoted("a’b".into())]);
        assert_eq!(
            kinds("“a $x”"),
            vec![TokenKind::DoubleQuoted {
                value: "a $x".into(),
                expandable: true
            }]
        );
        assert_eq!(
            kinds("\"a `$x ''\""),
            vec![TokenKind::DoubleQuoted {
                value: "a $x ''".into(),
                expandable: false
            }]
        );
    }

    #[test]
    fn blocks_members_and_comments() {
        assert_eq!(
            kinds("<# x\n #> $a = (Get-X).Name | ? { $_.Y -eq [string]$z }"),
            vec![
                TokenKind::Variable("a".into()),
                TokenKind::Operator("=".into()),
                TokenKind::LParen,
                word("Get-X"),
                TokenKind::RParen,
                TokenKind::Dot,
                word("Name"),
                TokenKind::Pipe,
                word("?"),
                TokenKind::LBrace,
                TokenKind::Variable("_".into()),
                TokenKind::Dot,
                word("Y"),
                param("eq", false),
                TokenKind::TypeLiteral("[string]".into()),
                TokenKind::Variable("z".into()),
                TokenKind::RBrace,
            ]
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(
            tokenize("'open"),
            Err(TokenizeError::UnterminatedString { line: 1 })
        );
        assert_eq!(
            tokenize("\n@'\nx\n'@"),
            Err(TokenizeError::HereString { line: 2 })
        );
        assert_eq!(
            tokenize("<# x"),
            Err(TokenizeError::UnterminatedComment { line: 1 })
        );
    }
}
