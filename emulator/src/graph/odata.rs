//! The OData query options the emulator honours: `$select`, `$filter` (a subset), `$top`,
//! `$skiptoken` paging with `@odata.nextLink`, `$count` — and the advanced-query rules
//! (`ConsistencyLevel: eventual` + `$count=true`, graph-facts §A.9, aad-advanced-queries).

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::error::{bad_request, GErr, GResult};
use crate::http_util::{b64url, header_str};
use crate::App;

/// A projected object and the canonical `$select`ed names.
pub type Projected = (Map<String, Value>, Option<Vec<String>>);

/// Query options of one request.
pub struct OData {
    pub select: Option<Vec<String>>,
    pub filter: Option<String>,
    pub top: Option<String>,
    pub skiptoken: Option<String>,
    pub count: bool,
    /// `ConsistencyLevel: eventual` was sent.
    pub eventual: bool,
    /// The raw query pairs (to build `@odata.nextLink`).
    pub pairs: Vec<(String, String)>,
    /// The API version of the request (`v1.0` or `beta`), for `@odata.context`.
    pub version: &'static str,
}

fn opt<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a String> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case(&name[1..]))
        .map(|(_, v)| v)
}

pub fn odata(q: &HashMap<String, String>, raw_query: Option<&str>, headers: &HeaderMap) -> OData {
    let select = opt(q, "$select").map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    OData {
        select,
        filter: opt(q, "$filter").cloned(),
        top: opt(q, "$top").cloned(),
        skiptoken: opt(q, "$skiptoken").cloned(),
        count: opt(q, "$count").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        eventual: header_str(headers, "consistencylevel")
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual")),
        pairs: raw_query
            .and_then(|r| serde_urlencoded::from_str(r).ok())
            .unwrap_or_default(),
        version: "v1.0",
    }
}

impl OData {
    /// Advanced queries need both `ConsistencyLevel: eventual` and `$count=true`.
    pub fn advanced(&self) -> bool {
        self.eventual && self.count
    }
}

/// Applies `$select` (case-insensitive) or the default property set; returns the projected object
/// and the canonical selected names (for `@odata.context`).
pub fn project(
    all: &Map<String, Value>,
    select: Option<&[String]>,
    defaults: Option<&[&str]>,
    type_name: &str,
) -> GResult<Projected> {
    match select {
        Some(sel) => {
            let mut out = Map::new();
            let mut names = Vec::new();
            for s in sel {
                let Some((k, v)) = all.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)) else {
                    return Err(bad_request(
                        "Request_BadRequest",
                        format!("Could not find a property named '{s}' on type 'microsoft.graph.{type_name}'."),
                    ));
                };
                out.insert(k.clone(), v.clone());
                names.push(k.clone());
            }
            Ok((out, Some(names)))
        }
        None => {
            let out = match defaults {
                Some(d) => all
                    .iter()
                    .filter(|(k, _)| d.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                None => all.clone(),
            };
            Ok((out, None))
        }
    }
}

pub fn context(app: &App, set: &str, names: Option<&[String]>, entity: bool) -> String {
    context_in(app, "v1.0", set, names, entity)
}

/// [`context`] for API version `version` (`v1.0` or `beta`).
pub fn context_in(
    app: &App,
    version: &str,
    set: &str,
    names: Option<&[String]>,
    entity: bool,
) -> String {
    let sel = names
        .map(|n| format!("({})", n.join(",")))
        .unwrap_or_default();
    let suffix = if entity { "/$entity" } else { "" };
    format!(
        "{}/{version}/$metadata#{set}{sel}{suffix}",
        app.graph_origin
    )
}

pub fn with_context(ctx: String, obj: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("@odata.context".into(), json!(ctx));
    m.extend(obj);
    Value::Object(m)
}

/// One entity, `$select`ed, with its `@odata.context`.
pub fn entity(
    app: &App,
    od: &OData,
    set: &str,
    type_name: &str,
    defaults: Option<&[&str]>,
    all: Value,
) -> GResult<Response> {
    let Value::Object(all) = all else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let (obj, names) = project(&all, od.select.as_deref(), defaults, type_name)?;
    Ok(Json(with_context(
        context_in(app, od.version, set, names.as_deref(), true),
        obj,
    ))
    .into_response())
}

// ------------------------------------------------------------------------------------------------
// $filter

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Eq(String, Lit),
    Ne(String, Lit),
    In(String, Vec<Lit>),
    StartsWith(String, String),
    EndsWith(String, String),
    /// `prop/any(x:x eq 'v')`.
    Any(String, String),
}

impl Cond {
    fn prop(&self) -> &str {
        match self {
            Cond::Eq(p, _)
            | Cond::Ne(p, _)
            | Cond::In(p, _)
            | Cond::StartsWith(p, _)
            | Cond::EndsWith(p, _)
            | Cond::Any(p, _) => p,
        }
    }

    /// The operator name for the advanced-query error, when this needs an advanced query.
    fn advanced_operator(&self) -> Option<&'static str> {
        match self {
            Cond::Ne(..) => Some("ne"),
            Cond::EndsWith(..) => Some("endsWith"),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn invalid_filter(text: &str) -> GErr {
    bad_request("BadRequest", format!("Invalid filter clause: {text}"))
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        match ch {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    let c = *chars.get(i)?;
                    if c == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            v.push('\'');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    v.push(c);
                    i += 1;
                }
                out.push(Tok::Str(v));
            }
            c if c.is_alphanumeric() || c == '_' || c == '/' || c == '.' || c == '-' => {
                let st = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '/' | '.' | '-'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[st..i].iter().collect()));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn lit(t: Option<&Tok>) -> Option<Lit> {
    match t? {
        Tok::Str(s) => Some(Lit::Str(s.clone())),
        Tok::Ident(i) if i == "true" => Some(Lit::Bool(true)),
        Tok::Ident(i) if i == "false" => Some(Lit::Bool(false)),
        Tok::Ident(i) if i == "null" => Some(Lit::Null),
        _ => None,
    }
}

/// Parses `clause (and clause)*`: no `or` (callers that take one use [`parse_disjunction`]).
pub fn parse_filter(text: &str) -> GResult<Vec<Cond>> {
    let mut groups = parse_disjunction(text)?;
    match groups.len() {
        1 => Ok(groups.remove(0)),
        _ => Err(invalid_filter(text)),
    }
}

/// Parses `group (or group)*`, each group `clause (and clause)*` (`and` binds tighter, as in
/// OData). Graph takes `or` in a default query, e.g. Microsoft's look-up of an address as a
/// UPN, primary address or proxy address (B2B invitation docs:
/// `userPrincipalName eq '{0}' or mail eq '{0}' or proxyAddresses/any(x:x eq 'SMTP:{0}')`).
pub fn parse_disjunction(text: &str) -> GResult<Vec<Vec<Cond>>> {
    let bad = || invalid_filter(text);
    let toks = tokenize(text).ok_or_else(bad)?;
    let mut groups = vec![Vec::new()];
    let mut i = 0;
    loop {
        let (cond, next) = clause(&toks, i).ok_or_else(bad)?;
        i = next;
        groups.last_mut().ok_or_else(bad)?.push(cond);
        match toks.get(i) {
            None => break,
            Some(Tok::Ident(a)) if a.eq_ignore_ascii_case("and") => i += 1,
            Some(Tok::Ident(a)) if a.eq_ignore_ascii_case("or") => {
                groups.push(Vec::new());
                i += 1
            }
            _ => return Err(bad()),
        }
    }
    Ok(groups)
}

/// One clause at `i`: the condition and the index after it.
fn clause(toks: &[Tok], mut i: usize) -> Option<(Cond, usize)> {
    let Some(Tok::Ident(first)) = toks.get(i) else {
        return None;
    };
    let fl = first.to_ascii_lowercase();
    let cond = if fl == "startswith" || fl == "endswith" {
        // f(prop,'v')
        match toks.get(i + 1..i + 6)? {
            [Tok::LParen, Tok::Ident(p), Tok::Comma, Tok::Str(v), Tok::RParen] => {
                i += 6;
                if fl == "startswith" {
                    Cond::StartsWith(p.clone(), v.clone())
                } else {
                    Cond::EndsWith(p.clone(), v.clone())
                }
            }
            _ => return None,
        }
    } else if let Some(prop) = first
        .strip_suffix("/any")
        .or_else(|| first.strip_suffix("/ANY"))
    {
        // prop/any(x:x eq 'v')
        match toks.get(i + 1..i + 8)? {
            [Tok::LParen, Tok::Ident(a), Tok::Colon, Tok::Ident(b), Tok::Ident(op), Tok::Str(v), Tok::RParen]
                if a == b && op.eq_ignore_ascii_case("eq") =>
            {
                i += 8;
                Cond::Any(prop.to_string(), v.clone())
            }
            _ => return None,
        }
    } else {
        let Some(Tok::Ident(op)) = toks.get(i + 1) else {
            return None;
        };
        match op.to_ascii_lowercase().as_str() {
            "eq" | "ne" => {
                let v = lit(toks.get(i + 2))?;
                i += 3;
                if op.eq_ignore_ascii_case("eq") {
                    Cond::Eq(first.clone(), v)
                } else {
                    Cond::Ne(first.clone(), v)
                }
            }
            "in" => {
                if toks.get(i + 2) != Some(&Tok::LParen) {
                    return None;
                }
                let mut vals = Vec::new();
                i += 3;
                loop {
                    vals.push(lit(toks.get(i))?);
                    match toks.get(i + 1) {
                        Some(Tok::Comma) => i += 2,
                        Some(Tok::RParen) => {
                            i += 2;
                            break;
                        }
                        _ => return None,
                    }
                }
                Cond::In(first.clone(), vals)
            }
            _ => return None,
        }
    };
    Some((cond, i))
}

fn get_ci<'a>(m: &'a Map<String, Value>, prop: &str) -> &'a Value {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(prop))
        .map(|(_, v)| v)
        .unwrap_or(&Value::Null)
}

fn lit_eq(v: &Value, l: &Lit) -> bool {
    match (v, l) {
        (Value::String(a), Lit::Str(b)) => a.eq_ignore_ascii_case(b),
        (Value::Bool(a), Lit::Bool(b)) => a == b,
        (Value::Null, Lit::Null) => true,
        _ => false,
    }
}

fn matches(m: &Map<String, Value>, c: &Cond) -> bool {
    let v = get_ci(m, c.prop());
    let s = v.as_str().map(str::to_ascii_lowercase);
    match c {
        Cond::Eq(_, l) => lit_eq(v, l),
        Cond::Ne(_, l) => !lit_eq(v, l),
        Cond::In(_, ls) => ls.iter().any(|l| lit_eq(v, l)),
        Cond::StartsWith(_, p) => s.is_some_and(|s| s.starts_with(&p.to_ascii_lowercase())),
        Cond::EndsWith(_, p) => s.is_some_and(|s| s.ends_with(&p.to_ascii_lowercase())),
        Cond::Any(_, x) => v.as_array().is_some_and(|a| {
            a.iter()
                .any(|e| e.as_str().is_some_and(|e| e.eq_ignore_ascii_case(x)))
        }),
    }
}

/// What a collection supports.
pub struct ListSpec<'a> {
    /// The entity set for `@odata.context`, e.g. `users`.
    pub set: &'a str,
    pub type_name: &'a str,
    /// For "… of resource 'User'".
    pub resource: &'a str,
    /// Properties with `$filter` support (collection-valued ones only with `/any`).
    pub filterable: &'a [&'a str],
    pub defaults: Option<&'a [&'a str]>,
    /// Add `@odata.type` to each item (collections of a base type).
    pub odata_type: bool,
}

const DEFAULT_PAGE: usize = 100;

/// Filters, counts, pages and projects `items` into a Graph collection response.
pub fn list(
    app: &App,
    od: &OData,
    path: &str,
    items: Vec<Map<String, Value>>,
    spec: &ListSpec,
) -> GResult<Response> {
    if od.count && !od.eventual {
        // Chosen (from memory of Entra's answer): $count needs ConsistencyLevel: eventual.
        return Err(bad_request(
            "Request_BadRequest",
            "$count is not currently supported.",
        ));
    }
    let groups = match &od.filter {
        Some(f) => parse_disjunction(f)?,
        None => vec![vec![]],
    };
    for c in groups.iter().flatten() {
        if !spec
            .filterable
            .iter()
            .any(|p| p.eq_ignore_ascii_case(c.prop()))
        {
            return Err(bad_request(
                "Request_UnsupportedQuery",
                format!(
                    "Unsupported or invalid query filter clause specified for property '{}' of resource '{}'.",
                    c.prop(),
                    spec.resource
                ),
            ));
        }
        if let Some(op) = c.advanced_operator() {
            if !od.advanced() {
                return Err(bad_request(
                    "Request_UnsupportedQuery",
                    format!("Operator '{op}' is not supported because the required parameters might be missing. Try adding $count with a value of true and set the ConsistencyLevel header to eventual."),
                ));
            }
        }
    }
    let filtered: Vec<Map<String, Value>> = items
        .into_iter()
        .filter(|m| groups.iter().any(|g| g.iter().all(|c| matches(m, c))))
        .collect();
    let top = match &od.top {
        None => DEFAULT_PAGE,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ => {
                return Err(bad_request(
                    "Request_BadRequest",
                    format!(
                        "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                    ),
                ))
            }
        },
    };
    let offset = match &od.skiptoken {
        None => 0,
        Some(t) => decode_skiptoken(t)
            .ok_or_else(|| bad_request("Request_BadRequest", "Invalid skip token."))?,
    };
    let total = filtered.len();
    let mut names: Option<Vec<String>> = None;
    let mut value = Vec::new();
    for m in filtered.iter().skip(offset).take(top) {
        let (mut obj, n) = project(m, od.select.as_deref(), spec.defaults, spec.type_name)?;
        if spec.odata_type {
            let mut with = Map::new();
            with.insert(
                "@odata.type".into(),
                json!(format!("#microsoft.graph.{}", spec.type_name)),
            );
            with.extend(obj);
            obj = with;
        }
        names = n;
        value.push(Value::Object(obj));
    }
    if names.is_none() {
        if let Some(sel) = &od.select {
            names = Some(sel.clone());
        }
    }
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(context_in(
            app,
            od.version,
            spec.set,
            names.as_deref(),
            false
        )),
    );
    if od.count {
        out.insert("@odata.count".into(), json!(total));
    }
    if offset + top < total {
        let mut pairs: Vec<(String, String)> = od
            .pairs
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        pairs.push(("$skiptoken".into(), encode_skiptoken(offset + top)));
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        out.insert(
            "@odata.nextLink".into(),
            json!(format!("{}{path}?{q}", app.graph_origin)),
        );
    }
    out.insert("value".into(), Value::Array(value));
    Ok(Json(Value::Object(out)).into_response())
}

fn encode_skiptoken(offset: usize) -> String {
    format!(
        "RFNwdAIA{}",
        b64url(format!("emulator:{offset}").as_bytes())
    )
}

fn decode_skiptoken(t: &str) -> Option<usize> {
    use base64::Engine;
    let rest = t.strip_prefix("RFNwdAIA")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(rest)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("emulator:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert_eq!(
            parse_filter("mailEnabled eq true and securityEnabled eq true").unwrap(),
            vec![
                Cond::Eq("mailEnabled".into(), Lit::Bool(true)),
                Cond::Eq("securityEnabled".into(), Lit::Bool(true))
            ]
        );
        assert_eq!(
            parse_filter("proxyAddresses/any(x:x eq 'smtp:billing@x.com')").unwrap(),
            vec![Cond::Any(
                "proxyAddresses".into(),
                "smtp:billing@x.com".into()
            )]
        );
        assert_eq!(
            parse_filter("displayName eq 'O''Brien'").unwrap(),
            vec![Cond::Eq("displayName".into(), Lit::Str("O'Brien".into()))]
        );
        assert!(parse_filter("startswith(displayName,'a')").is_ok());
        assert!(parse_filter("id in ('a','b')").is_ok());
        assert!(parse_filter("displayName eq").is_err());
        assert!(parse_filter("displayName eq 'a' or x eq 'b'").is_err());
        assert_eq!(
            parse_disjunction(
                "mail eq 'a' and userType eq 'Member' or proxyAddresses/any(x:x eq 'smtp:a')"
            )
            .unwrap(),
            vec![
                vec![
                    Cond::Eq("mail".into(), Lit::Str("a".into())),
                    Cond::Eq("userType".into(), Lit::Str("Member".into()))
                ],
                vec![Cond::Any("proxyAddresses".into(), "smtp:a".into())]
            ]
        );
        assert!(parse_disjunction("mail eq 'a' or").is_err());
        assert_eq!(decode_skiptoken(&encode_skiptoken(42)), Some(42));
    }
}
