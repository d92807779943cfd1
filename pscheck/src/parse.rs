//! Finds the command calls in a token stream: which words are commands, and their parameters and
//! arguments. A command starts at a bare word in command position (start of a statement, after
//! `|`, `=`, `(`, `$(`, `@(` or `{`) that is not a keyword; its elements run to the end of the
//! statement. Nested groups are read as one argument, and their own commands are found too.

use crate::token::{Token, TokenKind};

/// An argument as far as it is known before the script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A single-quoted or non-expanding double-quoted string, or a bare word.
    Literal(String),
    /// `$name` with nothing attached.
    Variable(String),
    /// `a, b, c`
    List(Vec<Value>),
    /// Anything computed at run time: `(…)`, `$(…)`, `$x.Prop`, `"…$x…"`, `{…}`, `[type]$x`.
    Expression,
}

/// One element of a command call, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// `-Name` (then `value` is `None`) or `-Name:value`.
    Parameter { name: String, value: Option<Value> },
    /// An argument not glued to a parameter (it binds to the parameter before it or by position).
    Argument(Value),
}

/// A command call found in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// As written (e.g. `New-ServicePrincipal`), or `-Name` when the statement starts with a
    /// parameter and the command name is missing.
    pub name: String,
    pub line: usize,
    pub elements: Vec<Element>,
    /// True when the statement starts with `-Name`: no command name at all.
    pub missing_name: bool,
}

/// PowerShell keywords that can stand where a command name would.
pub const KEYWORDS: &[&str] = &[
    "if", "elseif", "else", "foreach", "for", "while", "do", "until", "switch", "try", "catch",
    "finally", "function", "filter", "param", "return", "exit", "throw", "break", "continue",
    "begin", "process", "end", "trap", "in",
];

/// Operators spelled like parameters (`-eq`, `-not`, …); at the start of an expression they are
/// not a missing command name.
pub const DASH_OPERATORS: &[&str] = &[
    "not",
    "bnot",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
    "replace",
    "and",
    "or",
    "xor",
    "band",
    "bor",
    "is",
    "isnot",
    "as",
    "f",
    "join",
    "split",
    "ceq",
    "ieq",
    "cne",
    "ine",
];

fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

fn is_dash_operator(w: &str) -> bool {
    DASH_OPERATORS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

/// All command calls in `tokens`, in source order (outer before nested).
pub fn commands(tokens: &[Token]) -> Vec<Command> {
    let mut out = Vec::new();
    let mut command_position = true;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].kind {
            TokenKind::Newline
            | TokenKind::Semicolon
            | TokenKind::Pipe
            | TokenKind::LBrace
            | TokenKind::RBrace
            | TokenKind::LParen
            | TokenKind::SubExpression
            | TokenKind::ArrayExpression => command_position = true,
            TokenKind::Operator(op) if op == "=" || op == "&" => command_position = true,
            TokenKind::Word(w) if command_position => {
                command_position = false;
                if w.eq_ignore_ascii_case("function") || w.eq_ignore_ascii_case("filter") {
                    i += 1; // skip the function's name
                } else if !is_keyword(w) {
                    let (elements, _) = elements(tokens, i + 1);
                    out.push(Command {
                        name: w.clone(),
                        line: tokens[i].line,
                        elements,
                        missing_name: false,
                    });
                }
            }
            TokenKind::Parameter { name, .. } if command_position && !is_dash_operator(name) => {
                command_position = false;
                // Read the statement as a call of a nameless command so the rest can be checked.
                let (elements, _) = elements(tokens, i + 1);
                out.push(Command {
                    name: format!("-{name}"),
                    line: tokens[i].line,
                    elements,
                    missing_name: true,
                });
            }
            _ => command_position = false,
        }
        i += 1;
    }
    out
}

/// `$name = '<literal>'` statements: (name, value, line). Used to resolve variables.
pub fn literal_assignments(tokens: &[Token]) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for w in tokens.windows(3) {
        if let [a, b, c] = w {
            if let (
                TokenKind::Variable(name),
                TokenKind::Operator(op),
                TokenKind::SingleQuoted(v),
            ) = (&a.kind, &b.kind, &c.kind)
            {
                if op == "=" {
                    out.push((name.clone(), v.clone(), a.line));
                }
            }
        }
    }
    out
}

/// Names of the functions a script defines (`function Name`).
pub fn defined_functions(tokens: &[Token]) -> Vec<String> {
    tokens
        .windows(2)
        .filter_map(|w| match (&w[0].kind, &w[1].kind) {
            (TokenKind::Word(f), TokenKind::Word(name)) if f.eq_ignore_ascii_case("function") => {
                Some(name.clone())
            }
            _ => None,
        })
        .collect()
}

fn ends_statement(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Newline
            | TokenKind::Semicolon
            | TokenKind::Pipe
            | TokenKind::RParen
            | TokenKind::RBrace
    )
}

/// Reads the elements of a command from `start` to the end of its statement.
fn elements(tokens: &[Token], start: usize) -> (Vec<Element>, usize) {
    let mut out = Vec::new();
    let mut i = start;
    while i < tokens.len() && !ends_statement(&tokens[i].kind) {
        if let TokenKind::Parameter { name, colon } = &tokens[i].kind {
            i += 1;
            let value = if *colon && i < tokens.len() && !ends_statement(&tokens[i].kind) {
                let (v, next) = value(tokens, i);
                i = next;
                Some(v)
            } else {
                None
            };
            out.push(Element::Parameter {
                name: name.clone(),
                value,
            });
        } else {
            let (v, next) = value(tokens, i);
            i = next;
            out.push(Element::Argument(v));
        }
    }
    (out, i)
}

/// Reads one argument (with `,` lists) starting at `i`; returns it and the next index.
fn value(tokens: &[Token], i: usize) -> (Value, usize) {
    let (first, mut i) = unit(tokens, i);
    if !matches!(tokens.get(i).map(|t| &t.kind), Some(TokenKind::Comma)) {
        return (first, i);
    }
    let mut items = vec![first];
    while matches!(tokens.get(i).map(|t| &t.kind), Some(TokenKind::Comma)) {
        let (v, next) = unit(tokens, i + 1);
        items.push(v);
        i = next;
    }
    (Value::List(items), i)
}

/// Index after the group that opens at `i` (which must be an opening token).
fn skip_group(tokens: &[Token], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < tokens.len() {
        match tokens[j].kind {
            TokenKind::LParen
            | TokenKind::SubExpression
            | TokenKind::ArrayExpression
            | TokenKind::LBrace
            | TokenKind::HashStart => depth += 1,
            TokenKind::RParen | TokenKind::RBrace => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    j
}

/// One argument without commas, plus glued member access (`$x.Name`, `(…).Name`).
fn unit(tokens: &[Token], i: usize) -> (Value, usize) {
    let Some(t) = tokens.get(i) else {
        return (Value::Expression, i);
    };
    let (mut v, mut next) = match &t.kind {
        TokenKind::LParen
        | TokenKind::SubExpression
        | TokenKind::ArrayExpression
        | TokenKind::LBrace
        | TokenKind::HashStart => (Value::Expression, skip_group(tokens, i)),
        TokenKind::Variable(name) => (Value::Variable(name.clone()), i + 1),
        TokenKind::SingleQuoted(s) => (Value::Literal(s.clone()), i + 1),
        TokenKind::DoubleQuoted { value, expandable } => {
            if *expandable {
                (Value::Expression, i + 1)
            } else {
                (Value::Literal(value.clone()), i + 1)
            }
        }
        TokenKind::Word(w) => (Value::Literal(w.clone()), i + 1),
        TokenKind::TypeLiteral(_) => {
            let (_, n) = unit(tokens, i + 1);
            (Value::Expression, n)
        }
        _ => (Value::Expression, i + 1),
    };
    // Glued member access or further glued pieces make it a run-time expression.
    while let Some(t) = tokens.get(next) {
        if t.space_before || ends_statement(&t.kind) || matches!(t.kind, TokenKind::Comma) {
            break;
        }
        if matches!(t.kind, TokenKind::Parameter { .. }) {
            break;
        }
        v = Value::Expression;
        next = match t.kind {
            TokenKind::LParen | TokenKind::LBrace | TokenKind::SubExpression => {
                skip_group(tokens, next)
            }
            _ => next + 1,
        };
    }
    (v, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    fn parse(src: &str) -> Vec<Command> {
        tokenize(src).map(|t| commands(&t)).unwrap_or_default()
    }

    #[test]
    fn finds_commands_and_nested_commands() {
        let cmds = parse(
            "$g = Get-A -Filter 'x' | Where-Object { $_.N -eq $n }\nif (-not $g) { New-B -Name $n -Members 'a','b' -Confirm:$false }",
        );
        let names: Vec<_> = cmds.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Get-A", "Where-Object", "New-B"]);
        assert_eq!(
            cmds[2].elements,
            vec![
                Element::Parameter {
                    name: "Name".into(),
                    value: None
                },
                Element::Argument(Value::Variable("n".into())),
                Element::Parameter {
                    name: "Members".into(),
                    value: None
                },
                Element::Argument(Value::List(vec![
                    Value::Literal("a".into()),
                    Value::Literal("b".into())
                ])),
                Element::Parameter {
                    name: "Confirm".into(),
                    value: Some(Value::Variable("false".into()))
                },
            ]
        );
        assert_eq!(cmds[2].line, 2);
    }

    #[test]
    fn a_statement_starting_with_a_parameter_has_no_command_name() {
        let cmds = parse("-ApplicationAccessPolicy -AppId x");
        assert!(cmds[0].missing_name);
        assert_eq!(cmds[0].name, "-ApplicationAccessPolicy");
        assert!(parse("if (-not $x) { }").is_empty());
    }

    #[test]
    fn functions_and_keywords_are_not_commands() {
        let src = "function ConvertTo-X { param([string] $V) return $V }\nConvertTo-X -V 'a'";
        let tokens = tokenize(src).unwrap_or_default();
        assert_eq!(defined_functions(&tokens), ["ConvertTo-X"]);
        let names: Vec<_> = commands(&tokens).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["ConvertTo-X"]);
    }
}
