//! Fault injection. For the Graph origin (`/v1.0` and `/beta` requests): latency, replication lag,
//! throttling (429), outages (503), lost responses, a tenant app-management policy for secrets,
//! users whose directory roles are ignored, and whether Graph beta's Exchange RBAC provider
//! (`/beta/roleManagement/exchange/…`) answers at all. For the sign-in origin: short-lived access tokens, and a
//! consent page that is declined or needs an admin's approval. For the site: one slow file. Set through
//! [`crate::Options::faults`], the binary's flags, or `POST /_emulator/faults` (same JSON as this
//! type).

use serde::{Deserialize, Serialize};

/// The fault configuration (JSON: camelCase; unknown fields are rejected).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Faults {
    /// Added to every `/v1.0` and `/beta` request before it is handled.
    pub latency_ms: u64,
    /// New applications, service principals, password credentials and app role assignments stay
    /// invisible to reads and references for this long after their creation.
    pub consistency_delay_ms: u64,
    /// Answer `429 TooManyRequests` with `Retry-After` (the request is not executed).
    pub throttle: Vec<RequestRule>,
    /// Answer `503 serviceNotAvailable` without `Retry-After` (the request is not executed).
    pub unavailable: Vec<RequestRule>,
    /// Execute the request, then close the connection without sending the response.
    pub lose_response: Vec<RequestRule>,
    /// A tenant-wide app management policy for password credentials (addPassword).
    pub secret_policy: Option<SecretPolicy>,
    /// Users (object id or UPN) whose directory roles are ignored by Graph authorization.
    pub strip_roles: Vec<String>,
    /// Access tokens issued from now on expire after this many seconds (Entra's default is
    /// 60–90 minutes; the emulator's 3600 s).
    pub access_token_lifetime_secs: Option<u64>,
    /// How the consent step ends, whatever the user clicks.
    pub consent: Option<ConsentFault>,
    /// Whether `/beta/roleManagement/exchange/…` is served (`"available"`, the default), missing
    /// (`"off"`) or refused to everyone (`"forbidden"`).
    pub exchange_rbac: ExchangeRbac,
    /// The site (`dist/`) answers the files whose name starts and ends so this long late: a
    /// slow connection to the vendor's host (not Microsoft's behaviour; the site is the
    /// vendor's).
    pub slow_file: Option<SlowFile>,
}

/// Files of the site answered late: name `prefix*suffix`, after `delay_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SlowFile {
    pub prefix: String,
    pub suffix: String,
    pub delay_ms: u64,
}

impl SlowFile {
    /// How long the file `name` is held back.
    pub fn delay_for(&self, name: &str) -> Option<std::time::Duration> {
        (name.starts_with(&self.prefix) && name.ends_with(&self.suffix))
            .then(|| std::time::Duration::from_millis(self.delay_ms))
    }
}

/// The state of Graph beta's Exchange RBAC provider. `/beta` is "subject to change" and "use in
/// production applications is not supported" (Graph's versioning docs), so a page that uses it
/// must cope with it disappearing or refusing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExchangeRbac {
    /// Served as documented.
    #[default]
    Available,
    /// Every request answers `400 BadRequest` "Resource not found for the segment 'exchange'."
    /// (Graph's answer to an OData segment it does not know).
    Off,
    /// Every request answers `403 Authorization_RequestDenied` "Insufficient privileges to
    /// complete the operation." (e.g. a tenant policy or a missing license; cause not modelled).
    Forbidden,
}

/// A forced outcome of the consent step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConsentFault {
    /// The user declines: the app gets `access_denied` with AADSTS65004, as after Cancel.
    Declined,
    /// The tenant requires an administrator's approval (admin consent workflow, or user consent
    /// disabled): every user gets the AADSTS90094 "Need admin approval" page.
    AdminApprovalRequired,
}

/// Which requests a fault applies to, and how many more times.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RequestRule {
    /// HTTP method (case-insensitive); absent = any.
    pub method: Option<String>,
    /// A substring of the percent-decoded request path (e.g. `/addPassword`); absent = any.
    pub path_contains: Option<String>,
    /// How many matching requests get the fault; absent = all of them.
    pub times: Option<u32>,
    /// `Retry-After` seconds (throttle only; default 1).
    pub retry_after_secs: Option<u64>,
}

/// A tenant default app management policy restricting password credentials
/// (`applicationRestrictions.passwordCredentials`: `passwordLifetime` / `passwordAddition`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SecretPolicy {
    /// Maximum `endDateTime - startDateTime` in days (`passwordLifetime`).
    pub max_lifetime_days: Option<u32>,
    /// Refuse every new password credential (`passwordAddition`).
    pub forbid_secrets: bool,
    /// The policy id quoted in the error message (default [`DEFAULT_POLICY_ID`]).
    pub policy_id: Option<String>,
}

/// The id of `/policies/defaultAppManagementPolicy` (the tenant default policy).
pub const DEFAULT_POLICY_ID: &str = "00000000-0000-0000-0000-000000000000";

impl RequestRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        if self.times == Some(0) {
            return false;
        }
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        match &self.path_contains {
            Some(p) => path.contains(p.as_str()),
            None => true,
        }
    }
}

/// Finds the first rule matching the request and uses up one of its `times`.
pub fn take(rules: &mut Vec<RequestRule>, method: &str, path: &str) -> Option<RequestRule> {
    let i = rules.iter().position(|r| r.matches(method, path))?;
    let rule = rules[i].clone();
    if let Some(n) = rules[i].times.as_mut() {
        *n -= 1;
        if *n == 0 {
            rules.remove(i);
        }
    }
    Some(rule)
}

impl Faults {
    /// Parses the JSON form (the body of `POST /_emulator/faults`, the `--faults` flag).
    pub fn from_json(text: &str) -> Result<Faults, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    pub fn strips_roles_of(&self, user_id: &str, upn: &str) -> bool {
        self.strip_roles
            .iter()
            .any(|u| u.eq_ignore_ascii_case(user_id) || u.eq_ignore_ascii_case(upn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_take() {
        let mut f = Faults::from_json(
            r#"{"throttle":[{"method":"POST","pathContains":"/addPassword","times":1,"retryAfterSecs":2}],"latencyMs":5}"#,
        )
        .unwrap();
        assert_eq!(f.latency_ms, 5);
        assert!(take(&mut f.throttle, "GET", "/v1.0/applications/x/addPassword").is_none());
        let r = take(&mut f.throttle, "post", "/v1.0/applications/x/addPassword").unwrap();
        assert_eq!(r.retry_after_secs, Some(2));
        assert!(f.throttle.is_empty());
        assert!(Faults::from_json(r#"{"bogus":1}"#).is_err());
        let f =
            Faults::from_json(r#"{"accessTokenLifetimeSecs":5,"consent":"adminApprovalRequired"}"#)
                .unwrap();
        assert_eq!(f.access_token_lifetime_secs, Some(5));
        assert_eq!(f.consent, Some(ConsentFault::AdminApprovalRequired));
        assert!(Faults::from_json(r#"{"consent":"maybe"}"#).is_err());
        assert_eq!(Faults::default().exchange_rbac, ExchangeRbac::Available);
        let f = Faults::from_json(r#"{"exchangeRbac":"off"}"#).unwrap();
        assert_eq!(f.exchange_rbac, ExchangeRbac::Off);
        let f = Faults::from_json(r#"{"exchangeRbac":"forbidden"}"#).unwrap();
        assert_eq!(f.exchange_rbac, ExchangeRbac::Forbidden);
        assert!(Faults::from_json(r#"{"exchangeRbac":"Off"}"#).is_err());
        let mut always = vec![RequestRule::default()];
        assert!(take(&mut always, "GET", "/").is_some());
        assert!(take(&mut always, "GET", "/").is_some());
    }
}
