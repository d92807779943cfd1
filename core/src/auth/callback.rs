//! The redirect back from the authority: `state` first, then errors, then `iss`, then `code`.

use super::{AuthError, Discovery};

/// The sign-in parameters of a return URL's query. `Debug` hides `code` and `state`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub iss: Option<String>,
}

impl CallbackParams {
    /// `None` when the query holds no sign-in response at all (an ordinary page load).
    pub fn from_query(query: &str) -> Option<Self> {
        let mut p = CallbackParams::default();
        let mut any = false;
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            let slot = match k {
                "state" => &mut p.state,
                "code" => &mut p.code,
                "error" => &mut p.error,
                "error_description" => &mut p.error_description,
                "iss" => &mut p.iss,
                _ => continue,
            };
            any |= k != "iss";
            *slot = v;
        }
        any.then_some(p)
    }
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams")
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .field("iss", &self.iss)
            .finish()
    }
}

/// Decodes `application/x-www-form-urlencoded` text; `None` if it is not valid UTF-8 after decoding.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b'%' => return None,
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The authority's answer, checked against what this tab sent. `Debug` hides the code.
#[derive(PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Redeem this code.
    Code(String),
}

impl std::fmt::Debug for CallbackOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallbackOutcome::Code(_) => f.write_str("Code([redacted])"),
        }
    }
}

/// Checks a return in the only safe order: `state` (against the pending entry, which the caller
/// deletes whatever the outcome), then an error answer, then the code. The answer's RFC 9207
/// `iss` is checked by [`check_issuer`] once discovery has named the issuer.
pub fn check(
    params: &CallbackParams,
    expected_state: Option<&str>,
) -> Result<CallbackOutcome, AuthError> {
    let Some(expected) = expected_state else {
        return Err(AuthError::NoPendingSignIn);
    };
    match params.state.as_deref() {
        Some(s) if constant_time_eq(s.as_bytes(), expected.as_bytes()) => {}
        _ => return Err(AuthError::StateMismatch),
    }
    if let Some(error) = &params.error {
        return Err(AuthError::from_provider(
            error,
            params.error_description.as_deref().unwrap_or(""),
        ));
    }
    match &params.code {
        Some(code) if !code.is_empty() => Ok(CallbackOutcome::Code(code.clone())),
        _ => Err(AuthError::Provider {
            error: "invalid_request".into(),
            codes: vec![],
            description: "the sign-in response carried neither a code nor an error".into(),
        }),
    }
}

/// RFC 9207: an answer's `iss` must name the provider this tab asked, and a provider that
/// promises `iss` (`authorization_response_iss_parameter_supported`) must send it. Without this,
/// an answer from another provider (a mix-up attack) could be redeemed here.
pub fn check_issuer(iss: Option<&str>, discovery: &Discovery) -> Result<(), AuthError> {
    match iss {
        Some(iss) if !discovery.issuer_matches(iss) => Err(AuthError::IssuerMismatch {
            expected: discovery.issuer.clone(),
            found: iss.to_owned(),
        }),
        None if discovery.authorization_response_iss_parameter_supported => {
            Err(AuthError::IssuerMissing {
                expected: discovery.issuer.clone(),
            })
        }
        _ => Ok(()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    #[test]
    fn ordinary_page_loads_are_not_callbacks() {
        assert_eq!(CallbackParams::from_query(""), None);
        assert_eq!(CallbackParams::from_query("?utm_source=mail"), None);
    }

    #[test]
    fn state_is_checked_before_code_or_error() {
        let p = CallbackParams::from_query("?code=abc&state=evil").unwrap();
        assert_eq!(check(&p, Some("good")), Err(AuthError::StateMismatch));
        let p = CallbackParams::from_query("?error=access_denied&state=evil").unwrap();
        assert_eq!(check(&p, Some("good")), Err(AuthError::StateMismatch));
        let p = CallbackParams::from_query("?code=abc").unwrap();
        assert_eq!(check(&p, Some("good")), Err(AuthError::StateMismatch));
        let p = CallbackParams::from_query("?code=abc&state=good").unwrap();
        assert_eq!(check(&p, None), Err(AuthError::NoPendingSignIn));
        assert_eq!(
            check(&p, Some("good")),
            Ok(CallbackOutcome::Code("abc".into()))
        );
    }

    #[test]
    fn provider_errors_keep_their_aadsts_code() {
        let p = CallbackParams::from_query(
            "?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent.&state=s",
        )
        .unwrap();
        match check(&p, Some("s")) {
            Err(AuthError::Provider { error, codes, .. }) => {
                assert_eq!(error, "access_denied");
                assert_eq!(codes, vec![65004]);
            }
            other => panic!("{other:?}"),
        }
    }

    fn discovery(issuer: &str, promises_iss: bool) -> Discovery {
        Discovery::parse(
            "u",
            &serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": "https://idp.example/auth",
                "token_endpoint": "https://idp.example/token",
                "authorization_response_iss_parameter_supported": promises_iss,
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn a_foreign_or_missing_issuer_is_refused() {
        let idp = discovery("https://idp.example", true);
        let p =
            CallbackParams::from_query("?code=c&state=s&iss=https%3A%2F%2Fevil.example").unwrap();
        assert_eq!(check(&p, Some("s")), Ok(CallbackOutcome::Code("c".into())));
        assert!(matches!(
            check_issuer(p.iss.as_deref(), &idp),
            Err(AuthError::IssuerMismatch { .. })
        ));
        assert_eq!(check_issuer(Some("https://idp.example"), &idp), Ok(()));
        assert!(matches!(
            check_issuer(None, &idp),
            Err(AuthError::IssuerMissing { .. })
        ));
        // A provider that does not promise `iss` (Entra ID) may leave it out.
        let entra = discovery(ISSUER, false);
        assert_eq!(check_issuer(None, &entra), Ok(()));
        assert_eq!(
            check_issuer(
                Some("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
                &entra
            ),
            Ok(())
        );
    }

    #[test]
    fn undecodable_values_are_treated_as_absent() {
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("a+b%21").as_deref(), Some("a b!"));
        let p = CallbackParams::from_query("?code=c&state=%zz").unwrap();
        assert_eq!(check(&p, Some("s")), Err(AuthError::StateMismatch));
    }
}
