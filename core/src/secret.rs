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
}
