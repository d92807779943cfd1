//! What Review shows: each operation's first request (method, path, body with secrets masked),
//! made by the operation itself with stand-in ids, and why it is made.

use serde_json::Value;

use super::Plan;
use crate::graph::apps;
use crate::ids::{ClientId, Guid, KeyId, ObjectId};
use crate::op::{Cx, Facts, Move};

/// One line of Review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub method: &'static str,
    /// With `{placeholders}` for ids that are known only while applying.
    pub path: String,
    /// Pretty JSON, secrets masked.
    pub body: Option<String>,
    pub why: String,
}

/// Replaces the values of secret-bearing keys.
pub fn mask(v: &Value) -> Value {
    match v {
        // Masked in place in a copy: collecting a new map would link another stable sort (see
        // `json_object::object`).
        Value::Object(m) => {
            let mut m = m.clone();
            for (k, v) in m.iter_mut() {
                let secretish = ["secretText", "secret", "password", "value"]
                    .iter()
                    .any(|s| k.eq_ignore_ascii_case(s));
                *v = if secretish && v.is_string() {
                    Value::from("••••••")
                } else {
                    mask(v)
                };
            }
            Value::Object(m)
        }
        Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
        other => other.clone(),
    }
}

const fn g(last: u8) -> Guid {
    Guid::from_bytes([
        0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last,
    ])
}
const APP: ObjectId = ObjectId::from_guid(g(1));
const APP_ID: ClientId = ClientId::from_guid(g(2));
const SP: ObjectId = ObjectId::from_guid(g(3));
const GRAPH_SP: ObjectId = ObjectId::from_guid(g(4));
const KEY: KeyId = KeyId::from_guid(g(5));
/// The run id whose first eight hex digits name the secret (`mailgrant run eeeeeeee`).
const RUN: Guid = g(6);

/// Stand-in ids → their placeholders in the rendered path and body.
fn render(s: &str) -> String {
    [
        (APP.to_string(), "{app object id}"),
        (APP_ID.to_string(), "{app id}"),
        (SP.to_string(), "{service principal id}"),
        (
            GRAPH_SP.to_string(),
            "{Microsoft Graph service principal id}",
        ),
        (KEY.to_string(), "{key id}"),
        ("mailgrant run eeeeeeee".to_owned(), "mailgrant run {run}"),
    ]
    .iter()
    .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
}

impl Plan {
    /// What Review shows: every operation's first request.
    pub fn review(&self) -> Vec<ReviewLine> {
        let job = self.job(RUN);
        let mut facts = Facts {
            app: Some(self.existing.app.unwrap_or(APP)),
            app_id: Some(self.existing.app_id.unwrap_or(APP_ID)),
            sp: Some(self.existing.sp.unwrap_or(SP)),
            graph_sp: Some(GRAPH_SP),
            mail_send_role: Some(apps::mail_send_role_id()),
            key_id: Some(KEY),
            ..Facts::default()
        };
        let days = self.inputs.secret_lifetime_days;
        self.ops
            .iter()
            .filter_map(|op| {
                let mut live = op.kind.live();
                let mut secret = None;
                let mut cx = Cx {
                    job: &job,
                    facts: &mut facts,
                    secret: &mut secret,
                    unknown: false,
                    now_ms: 0,
                };
                if !matches!(live.start(&mut cx), Move::Send) {
                    return None;
                }
                let r = live.request(&cx)?;
                let body = r.body.as_ref().map(|b| {
                    let mut b = mask(b);
                    if let Some(end) = b.pointer_mut("/passwordCredential/endDateTime") {
                        *end = Value::from(format!("{{now + {days} days}}"));
                    }
                    render(&format!("{b:#}"))
                });
                Some(ReviewLine {
                    method: r.method,
                    path: render(&r.path),
                    body,
                    why: op.why.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_hides_secret_values_at_any_depth() {
        let v = serde_json::json!({"a": {"secretText": "s3cret", "keyId": "k"}, "b": [{"password": "p"}]});
        let m = mask(&v).to_string();
        assert!(!m.contains("s3cret") && !m.contains("\"p\""), "{m}");
        assert!(m.contains("\"keyId\":\"k\""));
    }
}
