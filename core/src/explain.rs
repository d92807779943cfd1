//! One place that turns every error into words for people: what happened, and what to do.

use crate::auth::AuthError;
use crate::config::{ConfigError, EXAMPLE};

/// An error as shown to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// One line: what happened.
    pub title: String,
    /// The cause, in plain words.
    pub detail: String,
    /// What to do about it.
    pub fix: String,
    /// Who should act: the admin using the page, or the vendor hosting it.
    pub audience: Audience,
    /// A known-good example to compare with, if one helps.
    pub example: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Admin,
    Vendor,
}

pub trait Explain {
    fn explain(&self) -> Explanation;
}

impl Explain for ConfigError {
    fn explain(&self) -> Explanation {
        let (title, fix) = match self {
            ConfigError::Unreachable(_) => (
                "This page's configuration (config.json) could not be loaded.".to_owned(),
                "The vendor hosting this page must place a config.json beside index.html. \
                 Check your network connection and reload; if it persists, contact the vendor."
                    .to_owned(),
            ),
            ConfigError::NotJson(_) => (
                "This page's configuration (config.json) is not valid JSON.".to_owned(),
                "Fix the JSON syntax of config.json (compare with the example below).".to_owned(),
            ),
            other => (
                format!(
                    "This page's configuration (config.json) has a problem with `{}`.",
                    other.key().unwrap_or_default()
                ),
                "Correct that key in config.json and reload the page.".to_owned(),
            ),
        };
        Explanation {
            title,
            detail: self.to_string(),
            fix,
            audience: Audience::Vendor,
            example: Some(EXAMPLE),
        }
    }
}

fn admin(title: &str, detail: String, fix: &str) -> Explanation {
    Explanation {
        title: title.to_owned(),
        detail,
        fix: fix.to_owned(),
        audience: Audience::Admin,
        example: None,
    }
}

fn vendor(title: &str, detail: String, fix: &str) -> Explanation {
    Explanation {
        audience: Audience::Vendor,
        ..admin(title, detail, fix)
    }
}

impl Explain for AuthError {
    fn explain(&self) -> Explanation {
        let detail = self.to_string();
        match self {
            AuthError::Discovery { .. } => vendor(
                "The sign-in service could not be reached.",
                detail,
                "Check your network connection and try again. If it persists, the page's `authority` setting may be wrong: contact the vendor.",
            ),
            AuthError::RedirectUri { .. } => vendor(
                "This page's address cannot be used for sign-in.",
                detail,
                "Open the page from the vendor's https:// link.",
            ),
            AuthError::NoPendingSignIn | AuthError::StateMismatch => admin(
                "This sign-in answer was not used.",
                detail,
                "Nothing was changed. For your safety the page only accepts the answer to a sign-in it started itself in this tab. Start again with “Sign in with Microsoft”.",
            ),
            AuthError::IssuerMismatch { .. }
            | AuthError::IssuerMissing { .. }
            | AuthError::IdToken(_) => admin(
                "The sign-in answer failed a security check.",
                detail,
                "Nothing was changed. Try again; if it repeats, check this computer's clock and tell the vendor.",
            ),
            AuthError::TokenResponse(_) => admin(
                "Microsoft's sign-in answer could not be read.",
                detail,
                "Try again in a minute.",
            ),
            AuthError::Provider { error, codes, .. } => provider(error, codes.first().copied(), detail),
        }
    }
}

/// The sign-in errors admins actually meet, by AADSTS code first, then by OAuth `error`.
fn provider(error: &str, code: Option<u64>, detail: String) -> Explanation {
    match (code, error) {
        (Some(65004), _) | (None, "access_denied") => admin(
            "You declined the permissions.",
            detail,
            "The page cannot set anything up without them. Try again and choose Accept; the list on the first page says why each one is needed. If Microsoft's page said “Need admin approval” (AADSTS90094), your account cannot grant them: sign in with a Global Administrator or Privileged Role Administrator (for RBAC mode also Application Administrator or Cloud Application Administrator), or ask one to approve the request.",
        ),
        (Some(90094 | 90095 | 65001), _) | (None, "consent_required") => admin(
            "These permissions need an administrator's approval.",
            detail,
            "Sign in with an account that can grant tenant-wide consent (Global Administrator, Privileged Role Administrator, or for RBAC mode Application Administrator / Cloud Application Administrator), or ask one to approve the request.",
        ),
        (Some(700016), _) => vendor(
            "Microsoft does not know this page's app registration.",
            detail,
            "The vendor's app registration must be multitenant (\"Accounts in any organizational directory\") and `clientId` in config.json must be its Application (client) ID.",
        ),
        (Some(50011), _) => vendor(
            "This page's address is not registered for sign-in.",
            detail,
            "The vendor must add this page's exact URL as a redirect URI of type Single-page application on the page's app registration.",
        ),
        (Some(9002326), _) => vendor(
            "The page's redirect URI is registered as the wrong type.",
            detail,
            "The vendor must register this page's URL under the Single-page application platform, not Web.",
        ),
        (Some(50020 | 500200), _) => admin(
            "This account cannot be used here.",
            detail,
            "Sign in with a work account of the tenant you are setting up (not a personal Microsoft account or a guest).",
        ),
        (Some(53003), _) => admin(
            "Conditional Access blocked this sign-in.",
            detail,
            "Sign in from a device and location your organization's policies allow, or ask the administrator who manages Conditional Access.",
        ),
        (Some(50105), _) => admin(
            "Your account is not assigned to this page's app in your tenant.",
            detail,
            "Ask an administrator to assign you to it (Enterprise applications → Users and groups), or sign in with an account that is.",
        ),
        (_, "invalid_grant") => admin(
            "The sign-in expired before it could be completed.",
            detail,
            "Sign in again; codes are valid for a few minutes and can be used once.",
        ),
        (_, "interaction_required" | "login_required") => admin(
            "Microsoft needs you to sign in again.",
            detail,
            "Click “Try again” and complete the sign-in (for example multi-factor authentication).",
        ),
        (_, "temporarily_unavailable" | "server_error") => admin(
            "Microsoft's sign-in service is temporarily unavailable.",
            detail,
            "Wait a minute and try again.",
        ),
        _ => admin(
            "Sign-in failed.",
            detail,
            "Try again. If it keeps failing, send the message above to the vendor's support contact.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_errors_people_hit_are_translated() {
        let cases = [
            ("access_denied", "AADSTS65004: User declined to consent to access the app.", "declined"),
            ("invalid_client", "AADSTS90094: The grant requires admin permission.", "administrator's approval"),
            ("consent_required", "AADSTS65001: The user or administrator has not consented.", "administrator's approval"),
            ("unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found.", "does not know"),
            ("invalid_request", "AADSTS50011: The redirect URI specified in the request does not match.", "not registered"),
            ("invalid_request", "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.", "wrong type"),
            ("invalid_request", "AADSTS50020: User account from identity provider does not exist in tenant.", "cannot be used"),
            ("access_denied", "AADSTS53003: Access has been blocked by Conditional Access policies.", "Conditional Access"),
            ("invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired.", "expired"),
            ("interaction_required", "AADSTS50076: multi-factor authentication required.", "sign in again"),
        ];
        for (error, description, expect) in cases {
            let e = AuthError::from_provider(error, description).explain();
            assert!(
                e.title.contains(expect),
                "{error} {description} → {}",
                e.title
            );
            assert!(!e.fix.is_empty());
        }
    }

    #[test]
    fn config_errors_name_the_key_in_the_title() {
        let e = crate::config::parse(r#"{"clientId": 7}"#)
            .unwrap_err()
            .explain();
        assert!(e.title.contains("`clientId`"), "{}", e.title);
        assert!(e.detail.contains("found the number 7"), "{}", e.detail);
        assert_eq!(e.audience, Audience::Vendor);
    }
}
