//! Code redemption: the form body, the answer, and the ID token's claims.

use serde_json::Value;

use super::AuthError;
use crate::base64_decode::{self, Form};
use crate::json_object::{read_json, FromJson, Obj};
use crate::secret::{AccessToken, PkceVerifier, RefreshToken};
use crate::uri::form;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 300;

/// `application/x-www-form-urlencoded` body of the authorization-code redemption.
pub fn redeem_form(
    client_id: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &PkceVerifier,
    scope: &str,
) -> String {
    form(&[
        ("client_id", client_id),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose_secret()),
        ("scope", scope),
    ])
}

/// `application/x-www-form-urlencoded` body of a refresh.
pub fn refresh_form(client_id: &str, refresh_token: &RefreshToken, scope: &str) -> String {
    form(&[
        ("client_id", client_id),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose_secret()),
        ("scope", scope),
    ])
}

/// A successful token answer. Tokens are held in redacting types.
pub struct Tokens {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub id_token: Option<String>,
    pub expires_in: u64,
    pub scope: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Classifies the token endpoint's answer, read field by field ([`Obj`]): a success's tokens,
/// else the OAuth error (`error`, `error_description`, `error_codes`).
pub fn parse_token_response(status: u16, body: &str) -> Result<Tokens, AuthError> {
    let doc = serde_json::from_str::<Value>(body);
    if (200..300).contains(&status) {
        let read = || -> Result<Tokens, String> {
            let v = doc.map_err(|e| e.to_string())?;
            let o = Obj::of(&v, "", "the answer")?;
            Ok(Tokens {
                access_token: AccessToken::new(o.text("access_token")?),
                refresh_token: o.opt_text("refresh_token")?.map(RefreshToken::new),
                id_token: o.opt_text("id_token")?,
                expires_in: o.opt_number("expires_in")?.unwrap_or(3600),
                scope: o.opt_text("scope")?.unwrap_or_default(),
            })
        };
        return read().map_err(|e| AuthError::TokenResponse(format!("unreadable answer: {e}")));
    }
    let oauth_error = |v: &Value| -> Option<AuthError> {
        let o = Obj::of(v, "", "the answer").ok()?;
        let error = o.text("error").ok()?;
        let description = o.opt_text("error_description").ok()?.unwrap_or_default();
        let listed = o.list("error_codes", Value::as_u64).ok()?;
        let mut err = AuthError::from_provider(&error, &description);
        if let AuthError::Provider { codes, .. } = &mut err {
            if codes.is_empty() {
                *codes = listed;
            }
        }
        Some(err)
    };
    Err(doc.ok().as_ref().and_then(oauth_error).unwrap_or_else(|| {
        AuthError::TokenResponse(format!("HTTP {status} without an OAuth error"))
    }))
}

/// The ID token claims mailgrant uses. Entra-only claims are optional, so any OpenID Connect
/// provider works. `Debug` hides the nonce.
#[derive(Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub iss: String,
    pub aud: Vec<String>,
    pub exp: u64,
    pub nbf: Option<u64>,
    pub nonce: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub sub: Option<String>,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    /// OpenID Connect's `email` (other providers send it where Entra sends `preferred_username`).
    pub email: Option<String>,
    /// Entra role template ids, when the provider sends them.
    pub wids: Option<Vec<String>>,
}

impl std::fmt::Debug for IdClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdClaims")
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("nbf", &self.nbf)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("tid", &self.tid)
            .field("oid", &self.oid)
            .field("sub", &self.sub)
            .field("preferred_username", &self.preferred_username)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("wids", &self.wids)
            .finish()
    }
}

impl FromJson for IdClaims {
    /// The claims of an ID token's payload. `aud` is one string or a list of them (RFC 7519
    /// §4.1.3); `exp` and `nbf` are whole seconds.
    fn from_json(v: &Value) -> Result<IdClaims, String> {
        let o = Obj::of(v, "", "the claims")?;
        let aud = match o.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(_)) => o.items("aud")?,
            _ => return Err("aud is neither a string nor a list of strings".to_owned()),
        };
        Ok(IdClaims {
            iss: o.text("iss")?,
            aud,
            exp: o.number("exp")?,
            nbf: o.opt_number("nbf")?,
            nonce: o.opt_text("nonce")?,
            tid: o.opt_text("tid")?,
            oid: o.opt_text("oid")?,
            sub: o.opt_text("sub")?,
            preferred_username: o.opt_text("preferred_username")?,
            name: o.opt_text("name")?,
            email: o.opt_text("email")?,
            wids: o.opt_items("wids")?,
        })
    }
}

/// Checks an ID token received directly from the token endpoint over TLS (so, per OpenID
/// Connect Core §3.1.3.7, the signature check may be skipped): `iss` (with Entra's `{tenantid}`
/// template filled from `tid`), `aud`, `exp`, `nbf` and `nonce`.
pub fn check_id_token(
    id_token: &str,
    discovery_issuer: &str,
    client_id: &str,
    nonce: &str,
    now_secs: u64,
) -> Result<IdClaims, AuthError> {
    let bad = |why: &str| AuthError::IdToken(why.to_owned());
    let mut parts = id_token.split('.');
    let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(p), Some(_), None) => p,
        _ => return Err(bad("it is not a JWT")),
    };
    let bytes = base64_decode::decode(payload.trim_end_matches('='), Form::UrlNoPad)
        .ok_or_else(|| bad("its payload is not base64url"))?;
    // From a `str`, as every other reader here: a second (slice) instantiation of serde_json's
    // parser costs the page's wasm several kB.
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("its claims are not UTF-8"))?;
    let claims: IdClaims = read_json(text)
        .map_err(|e| AuthError::IdToken(format!("its claims are unreadable: {e}")))?;
    let expected_iss = if discovery_issuer.contains("{tenantid}") {
        let tid = claims
            .tid
            .as_deref()
            .ok_or_else(|| bad("the issuer is a tenant template but the token has no tid"))?;
        discovery_issuer.replace("{tenantid}", tid)
    } else {
        discovery_issuer.to_owned()
    };
    if claims.iss != expected_iss {
        return Err(AuthError::IdToken(format!(
            "it was issued by {}, not {expected_iss}",
            claims.iss
        )));
    }
    if !claims.aud.iter().any(|a| a == client_id) {
        return Err(bad("it was issued for another application (aud)"));
    }
    if claims.exp.saturating_add(CLOCK_SKEW_SECS) < now_secs {
        return Err(bad("it has expired (exp); check this computer's clock"));
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now_secs + CLOCK_SKEW_SECS)
    {
        return Err(bad(
            "it is not valid yet (nbf); check this computer's clock",
        ));
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(bad("its nonce does not match this sign-in"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    fn jwt(claims: serde_json::Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{h}.{p}.c2ln")
    }

    fn good() -> serde_json::Value {
        serde_json::json!({
            "iss": format!("https://login.microsoftonline.com/{TID}/v2.0"),
            "aud": CLIENT, "exp": 2_000, "nbf": 1_000, "iat": 1_000, "nonce": "n0nce",
            "tid": TID, "oid": "aaaaaaaa-0000-0000-0000-000000000001",
            "preferred_username": "adele@contoso.example", "name": "Adele Vance"
        })
    }

    #[test]
    fn a_good_token_passes_with_the_tenant_template_filled_in() {
        let c = check_id_token(&jwt(good()), TEMPLATE, CLIENT, "n0nce", 1_500).unwrap();
        assert_eq!(c.name.as_deref(), Some("Adele Vance"));
        assert_eq!(c.tid.as_deref(), Some(TID));
    }

    #[test]
    fn each_bad_claim_is_rejected() {
        let cases: [(&str, serde_json::Value, u64); 8] = [
            ("nonce", serde_json::json!({"nonce": "other"}), 1_500),
            ("aud", serde_json::json!({"aud": 5}), 1_500),
            ("aud", serde_json::json!({"aud": [CLIENT, 5]}), 1_500),
            (
                "aud",
                serde_json::json!({"aud": "99999999-2222-3333-4444-555555555555"}),
                1_500,
            ),
            (
                "iss",
                serde_json::json!({"iss": "https://evil.example/v2.0"}),
                1_500,
            ),
            (
                "iss",
                serde_json::json!({"tid": "00000000-0000-0000-0000-000000000000"}),
                1_500,
            ),
            ("exp", serde_json::json!({}), 2_000 + CLOCK_SKEW_SECS + 1),
            ("nbf", serde_json::json!({"nbf": 9_000}), 1_500),
        ];
        for (what, patch, now) in cases {
            let mut claims = good();
            for (k, v) in patch.as_object().unwrap() {
                claims[k] = v.clone();
            }
            let err = check_id_token(&jwt(claims), TEMPLATE, CLIENT, "n0nce", now);
            assert!(err.is_err(), "{what} accepted");
        }
        assert!(check_id_token("a.b", TEMPLATE, CLIENT, "n0nce", 1_500).is_err());
    }

    #[test]
    fn a_generic_oidc_provider_needs_no_entra_claims() {
        let claims = serde_json::json!({
            "iss": "https://idp.example", "aud": [CLIENT, "other"], "exp": 2_000, "nonce": "n", "sub": "u1"
        });
        let c = check_id_token(&jwt(claims), "https://idp.example", CLIENT, "n", 1_500).unwrap();
        assert_eq!(c.tid, None);
        assert_eq!(c.wids, None);
    }

    #[test]
    fn forms_are_encoded() {
        let body = redeem_form(
            CLIENT,
            "c/o+de",
            "http://127.0.0.1:8400/",
            &PkceVerifier::new("v~v".into()),
            "openid User.Read",
        );
        assert_eq!(
            body,
            format!("client_id={CLIENT}&grant_type=authorization_code&code=c%2Fo%2Bde&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2F&code_verifier=v~v&scope=openid+User.Read")
        );
    }

    #[test]
    fn token_errors_keep_their_codes() {
        let err = parse_token_response(
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS54005: OAuth2 Authorization code was already redeemed.","error_codes":[54005]}"#,
        )
        .unwrap_err();
        assert!(matches!(err, AuthError::Provider { ref codes, .. } if codes == &vec![54005]));
        let ok = parse_token_response(
            200,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3599,"scope":"User.Read","id_token":"x.y.z"}"#,
        )
        .unwrap();
        assert_eq!(ok.access_token.expose_secret(), "at");
        assert!(ok.refresh_token.is_none());
        assert!(!format!("{ok:?}").contains("\"at\""));
    }
}
