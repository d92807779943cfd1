//! What a Graph error answer means to the engine: wait and retry, replication lag, a
//! duplicate, a refusal, a credential policy. Classified once, from the parsed error, by type
//! of failure; the operations match on [`Failure`], never on text.

use super::GraphError;

/// What a non-2xx answer means to the executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429, 503, 504: wait (`Retry-After`) and send again.
    Throttled,
    /// `Request_ResourceNotFound` / `NoBackingApplicationObject`: maybe replication lag.
    NotFoundOrLag,
    /// "Permission being assigned already exists on the object" (duplicate grant, A.6).
    AlreadyExists,
    /// 403 `Authorization_RequestDenied` (or any 403).
    Denied,
    /// 401: the access token expired or was refused.
    Unauthenticated,
    /// "Credential lifetime exceeds the max value allowed as per assigned policy" (A.4; the
    /// status and `error.code` are UNVERIFIED, so only the message is matched). `max_days` if the
    /// message names an ISO 8601 duration such as `P90D` (UNVERIFIED that it ever does).
    LifetimeOverPolicy {
        max_days: Option<u32>,
    },
    /// "Credential type not allowed as per assigned policy" (A.4; UNVERIFIED code).
    SecretsForbidden,
    Other,
}

/// Classifies an answer that is not a success, from its parsed error.
pub fn classify(e: &GraphError) -> Failure {
    let lower = e.message.to_ascii_lowercase();
    match e.status {
        429 | 503 | 504 => Failure::Throttled,
        401 => Failure::Unauthenticated,
        403 => Failure::Denied,
        _ if lower.contains("credential lifetime exceeds the max value") => {
            Failure::LifetimeOverPolicy {
                max_days: iso_days(&e.message),
            }
        }
        _ if lower.contains("credential type not allowed") => Failure::SecretsForbidden,
        _ if lower.contains("already exists on the object") => Failure::AlreadyExists,
        _ if e.code == "Request_ResourceNotFound"
            || e.details.iter().any(|d| d == "NoBackingApplicationObject")
            || lower.contains("does not reference a valid application object")
            // Exchange, while a new service principal reaches it (peers report it; the docs of
            // roleManagement/exchange give no errors).
            || lower.contains("couldn't find object") =>
        {
            Failure::NotFoundOrLag
        }
        404 => Failure::NotFoundOrLag,
        _ => Failure::Other,
    }
}

/// The first `P<n>D` (or `P<n>Y`, `P<n>M` approximated) duration in a text, in days.
fn iso_days(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('P') {
        let digits: String = text[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            continue;
        }
        let n: u32 = digits.parse().ok()?;
        match bytes.get(i + 1 + digits.len()) {
            Some(b'D') => return Some(n),
            Some(b'M') => return Some(n * 30),
            Some(b'Y') => return Some(n * 365),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_are_classified() {
        let err =
            |code: &str, msg: &str| json!({"error": {"code": code, "message": msg}}).to_string();
        let nb = json!({"error": {"code": "Request_BadRequest", "message": "The appId 'x' of the service principal does not reference a valid application object.", "details": [{"code": "NoBackingApplicationObject", "target": "appId"}]}}).to_string();
        let cases: &[(u16, String, Failure)] = &[
            (429, String::new(), Failure::Throttled),
            (504, "<html>".into(), Failure::Throttled),
            (
                403,
                err("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
                Failure::Denied,
            ),
            (
                404,
                err("Request_ResourceNotFound", "Resource 'x' does not exist"),
                Failure::NotFoundOrLag,
            ),
            (400, nb, Failure::NotFoundOrLag),
            (
                400,
                err("Request_BadRequest", "Permission being assigned already exists on the object"),
                Failure::AlreadyExists,
            ),
            (
                400,
                err("Request_BadRequest", "Credential lifetime exceeds the max value allowed as per assigned policy 1234. Max: P90D"),
                Failure::LifetimeOverPolicy { max_days: Some(90) },
            ),
            (
                400,
                err("x", "Credential lifetime exceeds the max value allowed as per assigned policy"),
                Failure::LifetimeOverPolicy { max_days: None },
            ),
            (
                400,
                err("x", "Credential type not allowed as per assigned policy"),
                Failure::SecretsForbidden,
            ),
            (400, err("Request_BadRequest", "Invalid value"), Failure::Other),
            (500, String::new(), Failure::Other),
        ];
        for (status, body, expected) in cases {
            let e = GraphError::from_response(*status, body);
            assert_eq!(classify(&e), *expected, "{status} {body}");
        }
    }
}
