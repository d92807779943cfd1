//! One JSON object read field by field over `serde_json::Value`, each error naming its field
//! (`facts.keyId: not a GUID`), and the small writers beside it: the journal's format and the
//! Exchange scripts' input are read and written through it. serde's derived readers cost the
//! page several kB gzip'd for documents this small, and say less about what is wrong.

use serde_json::{Map, Value};

/// One JSON object of a document, and where it sits (`facts.`), for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: &'static str,
    /// The document in words (`the journal`), for "not a field of the journal".
    doc: &'static str,
}

fn problem(at: &str, key: &str, what: &str) -> String {
    format!("{at}{key}: {what}")
}

impl<'a> Obj<'a> {
    /// `v` as an object of `doc` at `at` (`""` for the document itself, else `"name."`).
    pub fn of(v: &'a Value, at: &'static str, doc: &'static str) -> Result<Self, String> {
        match v {
            Value::Object(map) => Ok(Obj { map, at, doc }),
            _ => Err(match at.trim_end_matches('.') {
                "" => format!("{doc} is not an object"),
                name => format!("{name} is not an object"),
            }),
        }
    }

    /// The same object, refused if it has a field not in `known` (for documents this page
    /// wrote: an unknown field means another writer).
    pub fn only(self, known: &[&str]) -> Result<Self, String> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(problem(self.at, k, &format!("not a field of {}", self.doc))),
            None => Ok(self),
        }
    }

    /// The field's value; missing and `null` are the same.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn obj(&self, key: &str, at: &'static str) -> Result<Obj<'a>, String> {
        let v = self
            .get(key)
            .ok_or_else(|| problem(self.at, key, "missing"))?;
        Obj::of(v, at, self.doc)
    }

    pub fn opt_obj(&self, key: &str, at: &'static str) -> Result<Option<Obj<'a>>, String> {
        self.get(key).map(|v| Obj::of(v, at, self.doc)).transpose()
    }

    /// A text field, read with `parse` (`None`: not of its form, said as `form`).
    pub fn opt<T>(
        &self,
        key: &str,
        form: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s)
                .map(Some)
                .ok_or_else(|| problem(self.at, key, &format!("not {form}"))),
            Some(_) => Err(problem(self.at, key, "not a string")),
        }
    }

    pub fn req<T>(&self, key: &str, form: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
        self.opt(key, form, parse)?
            .ok_or_else(|| problem(self.at, key, "missing"))
    }

    pub fn text(&self, key: &str) -> Result<String, String> {
        self.req(key, "text", |s| Some(s.to_owned()))
    }

    pub fn opt_text(&self, key: &str) -> Result<Option<String>, String> {
        self.opt(key, "text", |s| Some(s.to_owned()))
    }

    /// A list (missing: empty) of `read`'s items.
    pub fn list<T>(&self, key: &str, read: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>, String> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| read(v).ok_or_else(|| problem(self.at, key, "an item of the wrong form")))
                .collect(),
            Some(_) => Err(problem(self.at, key, "not a list")),
        }
    }

    /// A list of texts, each read with `parse`.
    pub fn texts<T>(&self, key: &str, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
        self.list(key, |v| v.as_str().and_then(parse))
    }

    /// `true` or `false` (missing: false).
    pub fn flag(&self, key: &str) -> Result<bool, String> {
        Ok(self.opt_flag(key)?.unwrap_or(false))
    }

    pub fn opt_flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(problem(self.at, key, "not true or false")),
        }
    }

    /// A list of [`FromJson`] items that must be there (`[]` is there).
    pub fn req_items<T: FromJson>(&self, key: &str) -> Result<Vec<T>, String> {
        self.opt_items(key)?
            .ok_or_else(|| problem(self.at, key, "missing"))
    }

    /// A list of [`FromJson`] items, `None` when missing.
    pub fn opt_items<T: FromJson>(&self, key: &str) -> Result<Option<Vec<T>>, String> {
        self.get(key).map(|_| self.items(key)).transpose()
    }

    /// A list (missing: empty) of [`FromJson`] items; an error names the item (`value[2]: id: missing`).
    pub fn items<T: FromJson>(&self, key: &str) -> Result<Vec<T>, String> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| T::from_json(v).map_err(|e| format!("{}{key}[{i}]: {e}", self.at)))
                .collect(),
            Some(_) => Err(problem(self.at, key, "not a list")),
        }
    }

    pub fn opt_number(&self, key: &str) -> Result<Option<u64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| problem(self.at, key, "not a whole number")),
        }
    }

    pub fn number(&self, key: &str) -> Result<u64, String> {
        self.opt_number(key)?
            .ok_or_else(|| problem(self.at, key, "missing"))
    }
}

/// A type read from a parsed JSON value by hand, through [`Obj`]: each Graph answer and
/// sign-in document the page reads. Unknown fields are ignored, as Graph adds them freely;
/// `null` is the same as missing.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, String>;
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Result<Self, String> {
        Ok(v.clone())
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| "not a string".to_owned())
    }
}

/// `text` read as a `T` (one instantiation of serde_json's parser, into a `Value`, for all).
pub fn read_json<T: FromJson>(text: &str) -> Result<T, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    T::from_json(&v)
}

/// A collection's `value` (`{"value": [...]}`).
pub fn read_collection<T: FromJson>(text: &str) -> Result<Vec<T>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Obj::of(&v, "", "the collection")?.req_items("value")
}

/// `Some(text)` as a JSON string, `None` as `null`.
pub(crate) fn or_null(v: Option<impl ToString>) -> Value {
    v.map_or(Value::Null, |x| Value::String(x.to_string()))
}

/// A JSON object of `pairs` (a later pair wins over an earlier one of the same name).
///
/// Inserted one by one, not `collect`ed: a `Map` (a `BTreeMap`) collected from an iterator
/// sorts it first, and the standard library's stable sort was linked once per iterator type,
/// about 3.5 kB of wasm apiece (eight copies in the page).
pub(crate) fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.to_owned(), v);
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    /// Every `.rs` file under `dir`, with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// The invariant in ARCHITECTURE.md: documents are read through `FromJson`, because a
    /// derived reader cost the first load about 0.7 kB gzip'd each (18 kB for all of them).
    #[test]
    fn no_document_is_read_through_a_serde_derive() {
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 50, "the sources were not found");
        let derives: Vec<&str> = files
            .iter()
            .filter(|(_, text)| {
                text.lines()
                    .any(|l| l.trim_start().starts_with("#[derive(") && l.contains("Deserialize"))
            })
            .map(|(path, _)| path.as_str())
            .collect();
        assert!(
            derives.is_empty(),
            "serde derives reading a document: {derives:?}"
        );
    }
}
