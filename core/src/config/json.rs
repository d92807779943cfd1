//! Walking `config.json` by hand so that every error names its key.

use serde_json::{Map, Value};

use super::ConfigError;

pub(super) fn missing(key: &str, expected: &str) -> ConfigError {
    ConfigError::Missing {
        key: key.into(),
        expected: expected.into(),
    }
}

pub(super) fn quote(s: &str) -> String {
    let shown: String = s.chars().take(80).collect();
    serde_json::Value::String(shown).to_string()
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

pub(super) fn object<'a>(
    v: &'a Value,
    key: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, ConfigError> {
    v.as_object().ok_or_else(|| ConfigError::WrongType {
        key: key.into(),
        expected: expected.into(),
        found: describe(v),
    })
}

pub(super) fn only_known(
    obj: &Map<String, Value>,
    prefix: &str,
    known: &[&str],
) -> Result<(), ConfigError> {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            let suggestion = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(key) || edit_distance(k, key) <= 2)
                .map(|k| format!("{prefix}{k}"));
            return Err(ConfigError::Unknown {
                key: format!("{prefix}{key}"),
                suggestion,
            });
        }
    }
    Ok(())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `Ok(None)` when the key is absent or null; an error when it has another type.
pub(super) fn string<'a>(
    obj: &'a Map<String, Value>,
    prefix: &str,
    key: &str,
    expected: &str,
) -> Result<Option<&'a str>, ConfigError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ConfigError::WrongType {
            key: format!("{prefix}{key}"),
            expected: expected.into(),
            found: describe(other),
        }),
    }
}

pub(super) fn required_text(
    vendor: &Map<String, Value>,
    key: &str,
    expected: &str,
    max_chars: usize,
) -> Result<String, ConfigError> {
    let path = format!("vendor.{key}");
    let s = string(vendor, "vendor.", key, expected)?.ok_or_else(|| missing(&path, expected))?;
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max_chars || t.chars().any(char::is_control) {
        return Err(ConfigError::Invalid {
            key: path,
            expected: expected.into(),
            found: quote(s),
        });
    }
    Ok(t.to_owned())
}
