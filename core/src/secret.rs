//! Types that hold secrets. None implements `Clone`, `Serialize` or `Display`; `Debug` prints
//! `[redacted]`. The only way to the text is `expose_secret()`, which is easy to grep for.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(String);

        impl $name {
            pub fn new(value: String) -> Self {
                $name(value)
            }
            /// The secret text. Call only where the value must leave this type (an HTTP
            /// header, a form field, a download the admin asked for).
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

    };
}

secret_type!(
    /// An OAuth access token for Microsoft Graph.
    AccessToken
);
secret_type!(
    /// An OAuth refresh token.
    RefreshToken
);
secret_type!(
    /// The value of a client secret (`secretText` in Graph). Never confuse with its `keyId`.
    ClientSecret
);
secret_type!(
    /// A PKCE code verifier, held only between the redirect and its return.
    PkceVerifier
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let values = [
            format!("{:?}", AccessToken::new("eyJ0eXAi.secret".into())),
            format!("{:?}", RefreshToken::new("0.AAAA-secret".into())),
            format!("{:?}", ClientSecret::new("abc~secret".into())),
            format!("{:?}", PkceVerifier::new("verifier-secret".into())),
        ];
        for v in values {
            assert!(v.ends_with("([redacted])"), "{v}");
            assert!(!v.contains("secret\""), "{v}");
            assert!(
                !v.to_lowercase().contains("-secret")
                    && !v.contains(".secret")
                    && !v.contains("~secret"),
                "{v}"
            );
        }
    }

    /// Every type that holds a code, state, nonce, verifier, token, secret or passphrase: its
    /// `Debug` never shows the value.
    #[test]
    fn no_debug_shows_a_secret() {
        use crate::auth::callback::{CallbackOutcome, CallbackParams};
        use crate::auth::token::IdClaims;
        use crate::auth::PendingSignIn;
        use crate::bundle::Passphrase;
        use crate::config::ScopeMode;
        use crate::wizard::FileKind;

        const MARK: &str = "MARK-e7c1";
        let claims = <IdClaims as crate::FromJson>::from_json(&serde_json::json!({
            "iss": "https://login.example", "aud": "x", "exp": 1, "nonce": MARK
        }))
        .unwrap();
        let pending = PendingSignIn {
            state: MARK.into(),
            nonce: MARK.into(),
            verifier: PkceVerifier::new(MARK.into()),
            mode: ScopeMode::RbacForApplications,
            login_hint: None,
            mailbox: None,
            tenant: None,
            extra: Default::default(),
            scope_answer: None,
        };
        let shown = [
            format!(
                "{:?}",
                CallbackParams::from_query(&format!("?code={MARK}&state={MARK}"))
            ),
            format!("{:?}", CallbackOutcome::Code(MARK.into())),
            format!("{claims:?}"),
            format!("{pending:?}"),
            format!("{:?}", Passphrase::new(MARK.into())),
            format!(
                "{:?}",
                FileKind::BundleWithPassphrase {
                    typed: MARK.into(),
                    suggestion: MARK.into()
                }
            ),
            format!("{:?}", ClientSecret::new(MARK.into())),
        ];
        for text in shown {
            assert!(!text.contains(MARK), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
    }
}
