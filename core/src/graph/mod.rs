//! Microsoft Graph: request builders and response classification. Only this module knows Graph's
//! paths and JSON.

pub mod apps;
pub mod credentials;
pub mod exchange;
pub mod failure;
pub mod groups;
pub mod identity;

use crate::json_object::{read_collection, read_json, FromJson};

/// An HTTP request for the shell to send (the token is added by the shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    /// Path and query under the Graph base URL, e.g. `/v1.0/me?$select=id`.
    pub path: String,
    pub body: Option<serde_json::Value>,
    /// Extra headers (e.g. `Prefer`, `client-request-id`). Never `Authorization`: the shell adds it.
    pub headers: Vec<(&'static str, String)>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            method: "GET",
            path: path.into(),
            body: None,
            headers: vec![],
        }
    }

    /// A `PATCH` with a JSON body (`Content-Type: application/json` is the shell's job).
    pub fn patch(path: impl Into<String>, body: serde_json::Value) -> Self {
        Request {
            method: "PATCH",
            body: Some(body),
            ..Request::get(path)
        }
    }

    /// A `POST` with a JSON body.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Request {
            method: "POST",
            body: Some(body),
            ..Request::get(path)
        }
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Request {
            method: "DELETE",
            ..Request::get(path)
        }
    }

    /// Adds (or replaces) a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value.into()));
        self
    }

    /// The value of a header set on this request.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The full URL for a Graph base such as `https://graph.microsoft.com`.
    pub fn url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.path)
    }
}

/// A Graph error answer: `{"error": {"code", "message", "innerError": {...}}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Microsoft Graph answered HTTP {status} {code}: {message}")]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// `error.details[].code` (directory errors, e.g. `NoBackingApplicationObject`).
    pub details: Vec<String>,
}

/// A 2xx JSON body as `T`; otherwise Graph's error.
pub fn parse<T: FromJson>(status: u16, body: &str) -> Result<T, GraphError> {
    read_success(status, body, read_json)
}

/// A 2xx collection's `value` as `T`s; otherwise Graph's error.
pub fn parse_collection<T: FromJson>(status: u16, body: &str) -> Result<Vec<T>, GraphError> {
    read_success(status, body, read_collection)
}

fn read_success<T>(
    status: u16,
    body: &str,
    read: fn(&str) -> Result<T, String>,
) -> Result<T, GraphError> {
    if !(200..300).contains(&status) {
        return Err(GraphError::from_response(status, body));
    }
    read(body).map_err(|message| GraphError::unreadable(status, message))
}

impl GraphError {
    /// A success whose body is not what the page asked for (`message`: what is wrong in it).
    pub fn unreadable(status: u16, message: String) -> Self {
        GraphError {
            status,
            code: "UnreadableResponse".into(),
            message,
            request_id: None,
            details: vec![],
        }
    }

    /// Reads Graph's error JSON; anything else becomes a generic error with the status.
    pub fn from_response(status: u16, body: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let e = &v["error"];
        let text = |x: &serde_json::Value| x.as_str().map(str::to_owned);
        GraphError {
            status,
            code: text(&e["code"]).unwrap_or_else(|| "unknown".into()),
            message: text(&e["message"]).unwrap_or_else(|| "(no message)".into()),
            request_id: text(&e["innerError"]["request-id"])
                .or_else(|| text(&e["innererror"]["request-id"])),
            details: e["details"]
                .as_array()
                .map(|d| d.iter().filter_map(|x| text(&x["code"])).collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_json_is_read() {
        let e = GraphError::from_response(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired.","innerError":{"date":"2026-11-26T10:00:00","request-id":"r-1","client-request-id":"c-1"}}}"#,
        );
        assert_eq!(e.code, "InvalidAuthenticationToken");
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        let e = GraphError::from_response(502, "<html>bad gateway</html>");
        assert_eq!((e.status, e.code.as_str()), (502, "unknown"));
        assert_eq!(
            Request::get("/v1.0/me").url("https://graph.microsoft.com/"),
            "https://graph.microsoft.com/v1.0/me"
        );
    }

    /// One answer read as `T`: `Ok` with a field of what was read, or the message of the
    /// `UnreadableResponse` it becomes.
    fn check<T: FromJson>(body: &str, field: impl Fn(T) -> String, expect: Result<&str, &str>) {
        let got = parse::<T>(200, body).map(field).map_err(|e| {
            assert_eq!(e.code, "UnreadableResponse", "{body}");
            e.message
        });
        assert_eq!(got.as_deref().map_err(String::as_str), expect, "{body}");
    }

    #[test]
    fn answers_are_read_field_by_field() {
        use apps::{Application, ServicePrincipal};
        let app = |a: Application| format!("{} {:?} {}", a.app_id, a.display_name, a.tags.len());
        let id = "11111111-2222-4333-8444-555555555555";
        let app_id = "99999999-2222-4333-8444-555555555555";
        let cases: &[(String, Result<&str, &str>)] = &[
            // Unknown fields are ignored; `null` is the same as missing.
            (
                format!(r#"{{"id":"{id}","appId":"{app_id}","displayName":null,"web":{{}}}}"#),
                Ok("99999999-2222-4333-8444-555555555555 None 0"),
            ),
            (format!(r#"{{"id":"{id}"}}"#), Err("appId: missing")),
            (
                format!(r#"{{"id":"{id}","appId":"x"}}"#),
                Err("appId: not a GUID"),
            ),
            (
                format!(r#"{{"id":"{id}","appId":"{app_id}","tags":["a",2]}}"#),
                Err("tags[1]: not a string"),
            ),
            (
                format!(
                    r#"{{"id":"{id}","appId":"{app_id}","passwordCredentials":[{{"keyId":"k"}}]}}"#
                ),
                Err("passwordCredentials[0]: keyId: not a GUID"),
            ),
            ("[]".into(), Err("the application is not an object")),
        ];
        for (body, expect) in cases {
            check(body, app, *expect);
        }
        let sp = |s: ServicePrincipal| format!("{:?}", s.app_id.map(|a| a.to_string()));
        check(&format!(r#"{{"id":"{id}"}}"#), sp, Ok("None"));
        let names = |v: Vec<String>| v.join(",");
        let collection = |body: &str| parse_collection::<String>(200, body).map(names);
        assert_eq!(collection(r#"{"value":["a","b"]}"#).as_deref(), Ok("a,b"));
        let refused = collection(r#"{"values":[]}"#).unwrap_err();
        assert_eq!(refused.message, "value: missing");
        let refused = collection(r#"{"value":{}}"#).unwrap_err();
        assert_eq!(refused.message, "value: not a list");
        assert_eq!(
            collection(r#"{"error":{}}"#).unwrap_err().code,
            "UnreadableResponse"
        );
        assert_eq!(
            parse_collection::<String>(404, "{}").unwrap_err().status,
            404
        );
    }
}
